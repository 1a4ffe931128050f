"""The JupyterLab side panel in a real browser against a real server: opened from the
palette, a tool called through the form its input schema makes, a prompt rendered and
inserted into a notebook cell, the kanban board opened in a main-area tab."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import require
from tests.ui.conftest import UiServer, screenshot

pytestmark = pytest.mark.timeout(90)

LABEXTENSION = Path(sys.prefix, "share", "jupyter", "labextensions", "mcp-workbench-jupyterlab")
"""Where JupyterLab finds the extension (``make install`` links the build there)."""


@pytest.fixture
def lab(ui_server: UiServer, page: Page) -> Page:
    """JupyterLab with a fresh workspace, logged in with the token, once it has started."""
    require(
        (LABEXTENSION / "package.json").is_file(),
        f"the labextension is not installed in {LABEXTENSION}: make install",
    )
    page.goto(f"{ui_server.url}lab?reset&token={ui_server.token}")
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


def test_a_tool_is_called_through_its_form(lab: Page) -> None:
    panel = open_panel(lab)
    tools = panel.locator("#mcp-workbench-tools")
    expect(tools.locator("[data-tool='notes.search']")).to_be_visible()
    expect(tools.locator("[data-tool='workbench.info']")).to_be_visible()

    tools.get_by_placeholder("Filter tools").fill("notes.sea")
    expect(tools.locator("[data-tool]")).to_have_count(1)
    tools.locator("[data-tool='notes.search']").click()
    tools.locator("input[name='query']").fill("prompt")
    expect(tools.locator("input[name='limit']")).to_have_value("10")  # the schema's default
    tools.get_by_role("button", name="Call").click()

    result = tools.locator(".jp-McpWorkbench-result")
    expect(result).to_contain_text('"path": "Projects/Alpha.md"')
    expect(result).not_to_have_class("jp-McpWorkbench-error")


def test_a_rendered_prompt_is_inserted_into_the_active_cell(lab: Page) -> None:
    # The panel first: a new notebook takes the focus from the palette as its kernel starts.
    panel = open_panel(lab)
    lab.locator(".jp-LauncherCard[data-category='Notebook']").first.click()
    cell = lab.locator(".jp-NotebookPanel .jp-Cell").first
    expect(cell.locator(".cm-content")).to_be_visible()
    cell.locator(".cm-content").click()

    panel.locator(".lm-TabBar-tab", has_text="Prompts").click()
    prompts = panel.locator("#mcp-workbench-prompts")
    prompts.get_by_placeholder("Search prompts").fill("review")
    prompts.locator("[data-prompt='code-review']").click()
    prompts.locator("input[name='language']").fill("Python")
    prompts.locator("input[name='code']").fill("x = 1")
    prompts.get_by_role("button", name="Render").click()
    expected = "Review this Python code for bugs and unclear names:\n\nx = 1"
    expect(prompts.locator(".jp-McpWorkbench-result")).to_have_text(expected)

    prompts.get_by_role("button", name="Insert into cell").click()
    expect(prompts.get_by_text("Inserted into the active cell.")).to_be_visible()
    lines = cell.locator(".cm-line")
    expect(lines).to_have_count(3)
    texts: list[str] = lines.evaluate_all("lines => lines.map(line => line.textContent)")
    assert "\n".join(texts) == expected
    screenshot(lab, "lab-panel")


def test_the_kanban_board_opens_in_a_main_area_tab(ui_server: UiServer, lab: Page) -> None:
    run_command(lab, "MCP Workbench: Open the kanban board")
    frame = lab.locator("#mcp-workbench-board iframe")
    expect(frame).to_have_attribute("src", f"{ui_server.ui}boards/")
    tab = lab.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Kanban board")
    expect(tab).to_be_visible()
