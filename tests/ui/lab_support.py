"""What the JupyterLab panel's browser tests share: JupyterLab opened with the token, the
command palette, notebook cells, and boards made over REST for one test alone."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.conftest import require
from tests.ui.conftest import UiServer

LABEXTENSION = Path(sys.prefix, "share", "jupyter", "labextensions", "mcp-workbench-jupyterlab")
"""Where JupyterLab finds the extension (``make install`` links the build there)."""


def open_lab(page: Page, server: UiServer) -> Page:
    """JupyterLab with a fresh workspace, logged in with the token, once it has started."""
    require(
        (LABEXTENSION / "package.json").is_file(),
        f"the labextension is not installed in {LABEXTENSION}: make install",
    )
    page.goto(f"{server.url}lab?reset&token={server.token}")
    # The launcher opens once Lab has restored its layout, which would close a palette.
    expect(page.locator(".jp-LauncherCard").first).to_be_visible(timeout=30_000)
    return page


def run_command(page: Page, label: str) -> None:
    """Run a command from the palette: search its label, then Enter on the match."""
    page.keyboard.press("Control+Shift+C")
    search = page.locator("#modal-command-palette input")
    expect(search).to_be_visible()
    search.fill(label)
    active = page.locator("#modal-command-palette .lm-CommandPalette-item.lm-mod-active")
    expect(active).to_contain_text(label)
    search.press("Enter")


def open_panel(page: Page) -> Locator:
    run_command(page, "MCP Workbench: Open panel")
    panel = page.locator("#mcp-workbench-panel")
    expect(panel).to_be_visible()
    return panel


def show_tab(page: Page, label: str) -> Locator:
    """Bring a tab of the panel to the front from the palette; returns the tab."""
    run_command(page, f"MCP Workbench: Show {label}")
    tab = page.locator(f"#mcp-workbench-panel #mcp-workbench-{label.lower()}")
    expect(tab).to_be_visible()
    return tab


def new_notebook_cell(page: Page) -> Locator:
    """A new notebook's first cell, its editor focused. Run palette commands before: the
    notebook takes the focus from the palette as its kernel starts."""
    page.locator(".jp-LauncherCard[data-category='Notebook']").first.click()
    cell = page.locator(".jp-NotebookPanel .jp-Cell").first
    expect(cell.locator(".cm-content")).to_be_visible()
    cell.locator(".cm-content").click()
    return cell


def cell_text(cell: Locator) -> str:
    """The cell's source as its editor shows it."""
    lines: list[str] = cell.locator(".cm-line").evaluate_all(
        "lines => lines.map(line => line.textContent)"
    )
    return "\n".join(lines)


def make_board(server: UiServer, cards: list[tuple[str, str]]) -> dict[str, Any]:
    """A new board (Todo, Doing, Done) of the test's own, with ``(lane, title)`` cards;
    returns the board as the API reads it, with its cards."""
    with server.api() as api:
        made = api.post("/boards", json={"title": f"Lab {secrets.token_hex(3)}"})
        made.raise_for_status()
        board_id = made.json()["id"]
        for lane, title in cards:
            card = {"lane": lane, "title": title}
            api.post(f"/boards/{board_id}/cards", json=card).raise_for_status()
        read = api.get(f"/boards/{board_id}")
        read.raise_for_status()
        board: dict[str, Any] = read.json()
        return board


def principal(server: UiServer) -> str:
    """The name the workbench knows the browser's user by (``@name`` on cards)."""
    with server.api() as api:
        name: str = api.get("/me").json()["principal"]
        return name


def lane_id(board: dict[str, Any], title: str) -> str:
    return str(next(lane["id"] for lane in board["lanes"] if lane["title"] == title))


def card_id(board: dict[str, Any], title: str) -> str:
    return str(next(card["id"] for card in board["cards"] if card["title"] == title))
