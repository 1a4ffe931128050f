"""The web UI's files inside a real Jupyter server: only for logged-in users, rewritten for
Jupyter's base URL (pytest-jupyter serves under ``/a%40b/``), with the ``_xsrf`` cookie the
UI's changes need, hashed assets cached for good, and a clear answer when it is not built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from mcp_workbench.jupyter import ui
from mcp_workbench.jupyter.ui import PLACEHOLDER

pytestmark = pytest.mark.timeout(30)

BASE = PLACEHOLDER.decode()
INDEX = f'<html><script src="{BASE}mcp-workbench/ui/_next/static/app.js"></script>Boards</html>'
SCRIPT = f'let basePath="{BASE}mcp-workbench/ui";'


def make_export(root: Path) -> Path:
    """A stand-in for ``next build``'s output, as small as the handler needs."""
    (root / "_next" / "static").mkdir(parents=True)
    (root / "board").mkdir()
    (root / "index.html").write_text(INDEX)
    (root / "404.html").write_text("<html>No such page</html>")
    (root / "board" / "index.html").write_text("<html>A board</html>")
    (root / "_next" / "static" / "app.js").write_text(SCRIPT)
    (root.parent / "secret.txt").write_text("not for the browser")
    return root


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_export(tmp_path / "export" / "ui")
    monkeypatch.setattr(ui, "UI_DIR", root)
    return root


@pytest.fixture
def jp_server_config(jp_server_config: Config, export: Path) -> Config:
    return jp_server_config  # after `export`: the server serves the stand-in


async def test_the_start_page_is_rewritten_for_the_base_url(jp_fetch: Any) -> None:
    reply = await jp_fetch("mcp-workbench/ui/")
    body = reply.body.decode()
    assert '<script src="/a%40b/mcp-workbench/ui/_next/static/app.js">' in body
    assert BASE not in body
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.headers["Cache-Control"] == "no-cache"
    assert "_xsrf=" in reply.headers.get("Set-Cookie", "")


async def test_hashed_assets_are_rewritten_and_cached_for_good(jp_fetch: Any) -> None:
    reply = await jp_fetch("mcp-workbench", "ui", "_next", "static", "app.js")
    assert reply.body.decode() == 'let basePath="/a%40b/mcp-workbench/ui";'
    assert reply.headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in reply.headers["Cache-Control"]


async def test_a_page_folder_without_its_slash_is_redirected(jp_fetch: Any) -> None:
    reply = await jp_fetch(
        "mcp-workbench",
        "ui",
        "board",
        params={"id": "x"},
        follow_redirects=False,
        raise_error=False,
    )
    assert reply.code == 302
    assert reply.headers["Location"] == "/a%40b/mcp-workbench/ui/board/?id=x"
    page = await jp_fetch("mcp-workbench/ui/board/")
    assert page.body == b"<html>A board</html>"


async def test_the_bare_prefix_leads_to_the_start_page(jp_fetch: Any) -> None:
    reply = await jp_fetch("mcp-workbench", "ui", follow_redirects=False, raise_error=False)
    assert reply.code == 302
    assert reply.headers["Location"] == "/a%40b/mcp-workbench/ui/"


async def test_an_unknown_page_is_the_exports_404(jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as missing:
        await jp_fetch("mcp-workbench", "ui", "prompts", "nothing.js")
    assert missing.value.code == 404
    assert missing.value.response is not None
    assert b"No such page" in missing.value.response.body


async def test_without_a_jupyter_login_the_ui_sends_to_the_login_page(jp_fetch: Any) -> None:
    reply = await jp_fetch(
        "mcp-workbench/ui/",
        headers={"Authorization": ""},
        follow_redirects=False,
        raise_error=False,
    )
    assert reply.code == 302
    assert reply.headers["Location"].startswith("/a%40b/login?next=")


def test_paths_outside_the_export_are_not_served(export: Path) -> None:
    files = ui._Export(export, "/")
    assert files.locate("../secret.txt") == (None, False)
    assert files.locate("/etc/passwd") == (None, False)
    assert files.locate("") == (export.resolve() / "index.html", False)
    assert files.locate("board") == (None, True)


class TestNotBuilt:
    """A checkout where ``make install`` has not built the UI yet."""

    @pytest.fixture
    def export(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        empty = tmp_path / "nothing"
        monkeypatch.setattr(ui, "UI_DIR", empty)
        return empty

    async def test_the_ui_says_how_to_build_it(self, jp_fetch: Any) -> None:
        with pytest.raises(HTTPClientError) as unavailable:
            await jp_fetch("mcp-workbench/ui/")
        assert unavailable.value.code == 503
        assert unavailable.value.response is not None
        assert b"make install" in unavailable.value.response.body
