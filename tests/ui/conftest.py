"""Browser tests: Debian's chromium (never a downloaded browser) driven by Playwright
against one real ``mcp-workbench serve`` per test process, with a demo vault."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Page, expect

from mcp_workbench.jupyter.ui import UI_DIR
from tests import serving
from tests.conftest import FIXTURE_TOOLS, ROOT, fresh_data_dir, require
from tests.serving import CHROMIUM, CHROMIUM_ARGS

T = TypeVar("T")

# A loaded CI machine runs several servers and browsers at once: give the page time.
expect.set_options(timeout=10_000)

SCREENSHOTS = ROOT / "build" / "screenshots"
"""Where the tests leave a screenshot of each page."""


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


@contextmanager
def serve(*extra: str) -> Iterator[UiServer]:
    """Run ``mcp-workbench serve`` with a demo vault (and the options ``extra``) until the
    block ends."""
    require((UI_DIR / "index.html").is_file(), f"the web UI is not built in {UI_DIR}: make webui")
    root = fresh_data_dir()
    vault = root / "vault"
    options = ["--demo", "--vault", str(vault), "--data-dir", str(root / "data")]
    options += ["--MCPWorkbench.vault_debounce=0.05", *extra]
    with serving.serve(root, *options, token=secrets.token_hex(16)) as served:
        yield UiServer(url=served.url, token=served.token, vault=vault)


@pytest.fixture(scope="session")
def ui_server() -> Iterator[UiServer]:
    with serve() as server:
        yield server


@pytest.fixture(scope="session")
def tools_ui_server() -> Iterator[UiServer]:
    """A server with the test suite's tools (``tests.fixtures.demo_tools``), no policy."""
    with serve("--tools", FIXTURE_TOOLS) as server:
        yield server


POLICY = """
@id("everyone") permit (principal, action, resource);

@id("fail-is-hidden") forbid (principal, action, resource == Tool::"fail");
"""
"""The access policy of :func:`policy_ui_server`: everything, but the tool ``fail``."""


@pytest.fixture(scope="session")
def policy_ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    """A server with the test suite's tools (``tests.fixtures.demo_tools``) and an access
    policy that hides the tool ``fail`` from everyone, the browser's user included."""
    policy = tmp_path_factory.mktemp("policy") / "policy.cedar"
    policy.write_text(POLICY, encoding="utf-8")
    with serve("--tools", FIXTURE_TOOLS, f"--MCPWorkbench.policy_path={policy}") as server:
        yield server


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


def eventually(probe: Callable[[], T | None], what: str = "", within: float = 10.0) -> T:
    """Poll ``probe`` until it returns something other than None (what another process
    writes, or what the page saves in the background, sends the test no event)."""
    deadline = time.monotonic() + within
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still nothing after {within} s" + (f": {what}" if what else ""))
        time.sleep(0.05)


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot of the page as ``build/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
