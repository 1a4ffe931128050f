"""Browser tests: Debian's chromium (never a downloaded browser) driven by Playwright
against one real ``mcp-workbench serve`` per test process, with a demo vault."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from mcp_workbench.jupyter.ui import UI_DIR
from tests.conftest import ROOT, fresh_data_dir, require

CHROMIUM = Path(os.environ.get("MCP_WORKBENCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# A loaded CI machine runs several servers and browsers at once: give the page time.
expect.set_options(timeout=10_000)

SCREENSHOTS = ROOT / "build" / "screenshots"
"""Where the tests leave a screenshot of each page."""

_START_TIMEOUT = 60.0
_URL_LINE = re.compile(r"REST API\s+(http://\S+?)mcp-workbench/api/v1/")


@dataclass(frozen=True)
class UiServer:
    """A running ``mcp-workbench serve``: its base URL, token and vault."""

    url: str
    token: str
    vault: Path

    @property
    def ui(self) -> str:
        return f"{self.url}mcp-workbench/ui/"

    def api(self) -> httpx.Client:
        """A REST client that authenticates with the token (as an MCP client or script would)."""
        return httpx.Client(
            base_url=f"{self.url}mcp-workbench/api/v1",
            headers={"Authorization": f"token {self.token}"},
            timeout=10,
        )

    def open(self, page: Page, path: str = "boards/") -> None:
        """Log the page's browser context in with the token (Jupyter sets its cookie) and open
        the UI at ``path``."""
        separator = "&" if "?" in path else "?"
        page.goto(f"{self.ui}{path}{separator}token={self.token}")

    def board_file(self, board_id: str) -> Path:
        """The vault's Obsidian Kanban file of the board."""
        for file in (self.vault / "Workbench" / "Boards").glob("*.md"):
            if f"id: {board_id}" in file.read_text(encoding="utf-8"):
                return file
        raise AssertionError(f"no file for board {board_id} in the vault")


def _drain(stream: Any, lines: list[str], found: threading.Event) -> None:
    for line in stream:
        lines.append(line)
        if _URL_LINE.search(line):
            found.set()


@pytest.fixture(scope="session")
def ui_server() -> Iterator[UiServer]:
    require((UI_DIR / "index.html").is_file(), f"the web UI is not built in {UI_DIR}: make webui")
    root = fresh_data_dir()
    token = secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_TOKEN": token, "PYTHONPATH": str(ROOT)}
    env.pop("MCP_WORKBENCH_VAULT_PATH", None)
    argv = [
        sys.executable,
        "-m",
        "mcp_workbench.cli",
        "serve",
        "--demo",
        "--vault",
        str(root / "vault"),
        "--data-dir",
        str(root / "data"),
        "--no-browser",
        "--ip=127.0.0.1",
        "--port=0",
        "--MCPWorkbench.vault_debounce=0.05",
    ]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    process = subprocess.Popen(
        argv,
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stopped as a whole, and only it
    )
    lines: list[str] = []
    found = threading.Event()
    assert process.stdout is not None
    reader = threading.Thread(target=_drain, args=(process.stdout, lines, found), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not found.wait(0.1):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mcp-workbench serve did not start:\n" + "".join(lines[-40:]))
        match = next(m for m in map(_URL_LINE.search, lines) if m)
        url = match.group(1).replace("//localhost:", "//127.0.0.1:")
        yield UiServer(url=url, token=token, vault=root / "vault")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        reader.join(5)
        process.stdout.close()


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """No base URL for Playwright: tests open the server's URLs (this also stands in for
    pytest-playwright's fallback fixture, which pytest 9 deprecates)."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    require(CHROMIUM.is_file(), f"no browser at {CHROMIUM}: apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot of the page as ``build/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
