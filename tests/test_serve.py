"""``mcp-workbench serve``, the main job, as a user runs it: a real Jupyter server in a
subprocess on 127.0.0.1 with the workbench, a demo vault and store, driven by the official
SDK client over ``/mcp`` and our client over ``/mcp/ws``."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import mcp_types as types
import orjson
import pytest
import tornado.httpclient
import tornado.websocket
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.clients import websocket_transport
from tests.conftest import ROOT, fresh_data_dir
from tests.serving import jupyter_env, serve

pytestmark = pytest.mark.timeout(90)

TOKEN = "e2e-test-token"


@dataclass
class Served:
    process: subprocess.Popen[str]
    base: str
    vault: Path
    data_dir: Path
    banner: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {TOKEN}"}


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    home = fresh_data_dir()
    vault, data_dir = home / "vault", home / "workbench"
    options = ["--demo", "--vault", str(vault), "--data-dir", str(data_dir)]
    with serve(home, *options, token=TOKEN) as running:
        yield Served(running.process, running.url.rstrip("/"), vault, data_dir, running.banner)


async def test_the_banner_tells_where_everything_is(served: Served) -> None:
    assert f"{served.base}/mcp" in served.banner
    assert f"{served.base}/lab" in served.banner  # JupyterLab comes with the workbench
    assert f"ws://{served.base.removeprefix('http://')}/mcp/ws" in served.banner
    assert f"Authorization: token {TOKEN}" in served.banner
    assert f"{served.base}/mcp-workbench/ui/" in served.banner
    config = orjson.loads(served.banner.split("more: mcp-workbench client-config):", 1)[1])
    assert config["servers"]["mcp-workbench"]["url"] == f"{served.base}/mcp"
    # The demo vault was made on this first run, and synced into the store: every file
    # carries its id now (written into the frontmatter, the rest as it was).
    welcome = served.vault / "Workbench" / "Knowledge" / "Welcome.md"
    assert welcome.read_text().startswith("---\ntags: [workbench, start]\n")
    assert re.search(r"^id: [0-9a-f]{16}$", welcome.read_text(), re.MULTILINE)
    board = (served.vault / "Workbench" / "Boards" / "Roadmap.md").read_text()
    assert re.match(r"---\n\nkanban-plugin: board\nid: [0-9a-f]{16}\n\n---\n", board)
    assert (served.vault / ".obsidian").is_dir()
    assert (served.data_dir / "workbench.db").exists()
    async with httpx.AsyncClient() as http:
        ready = await http.get(f"{served.base}/mcp-workbench/readyz")
        assert ready.json()["status"] == "ready"
        refused = await http.post(f"{served.base}/mcp", json={})
        assert refused.status_code == 403
    async with httpx.AsyncClient(headers=served.headers) as http:
        lab = await http.get(f"{served.base}/lab")
        assert lab.status_code == 200
        assert "JupyterLab" in lab.text


async def test_the_sdk_client_over_http(served: Served) -> None:
    async with (
        httpx2.AsyncClient(headers=served.headers) as http,
        Client(
            streamable_http_client(f"{served.base}/mcp", http_client=http), cache=None
        ) as client,
    ):
        tools = {t.name for t in (await client.list_tools()).tools}
        assert {"notes.read", "prompts.render", "tasks.move_card"} <= tools
        note = await client.call_tool("notes.read", {"path": "Welcome.md"})
        assert note.structured_content is not None
        assert note.structured_content["tags"] == ["workbench", "start", "ideas"]
        rendered = await client.get_prompt("code-review", {"language": "Python", "code": "x=1"})
        text = rendered.messages[0].content
        assert isinstance(text, types.TextContent)
        assert "Python code" in text.text


async def test_our_client_over_websocket(served: Served) -> None:
    url = f"ws://{served.base.removeprefix('http://')}/mcp/ws"
    async with Client(websocket_transport(url, headers=served.headers), cache=None) as client:
        board = await client.call_tool("tasks.get_board", {"board": "roadmap"})
        assert board.structured_content is not None
        lanes = board.structured_content["lanes"]
        assert [lane["title"] for lane in lanes] == ["Todo", "Doing", "Done"]
        todo = [c for c in board.structured_content["cards"] if c["lane_id"] == lanes[0]["id"]]
        assert [c["title"] for c in sorted(todo, key=lambda c: c["position"])] == [
            "Write the first note of your own",
            "Connect an MCP client",
        ]


async def test_a_rest_change_reaches_mcp_subscribers_and_the_events_socket(
    served: Served,
) -> None:
    updated: list[str] = []
    got = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updated.append(str(message.params.uri))
            got.set()

    host = served.base.removeprefix("http://")
    events = await tornado.websocket.websocket_connect(
        tornado.httpclient.HTTPRequest(
            f"ws://{host}/mcp-workbench/api/v1/events", headers=served.headers
        )
    )
    try:
        async with (
            httpx2.AsyncClient(headers=served.headers) as http,
            Client(
                streamable_http_client(f"{served.base}/mcp", http_client=http),
                mode="legacy",
                cache=None,
                message_handler=on_message,
            ) as client,
        ):
            await client.subscribe_resource("note://Welcome.md")
            async with httpx.AsyncClient(headers=served.headers) as rest:
                changed = await rest.put(
                    f"{served.base}/mcp-workbench/api/v1/notes/Welcome.md",
                    json={"body": "# Welcome\n\nChanged over REST.\n"},
                )
            assert changed.status_code == 200, changed.text
            assert changed.headers["ETag"] == '"2"'
            with anyio.fail_after(10):
                await got.wait()
            read = await client.call_tool("notes.read", {"path": "Welcome.md"})
        assert updated == ["note://Welcome.md"]
        assert read.structured_content is not None
        assert read.structured_content["body"] == "# Welcome\n\nChanged over REST.\n"
        raw = await asyncio.wait_for(events.read_message(), 10)
        assert raw is not None
        frame = orjson.loads(raw)
        assert (frame["type"], frame["kind"], frame["version"]) == ("event", "note.updated", 2)
        assert frame["payload"]["note"]["path"] == "Welcome.md"
    finally:
        events.close()


async def test_sigterm_drains_and_stops(served: Served) -> None:
    """Last in this module: stop the server as a service manager would."""
    os.killpg(served.process.pid, signal.SIGTERM)
    status = await asyncio.to_thread(served.process.wait, 30)
    assert status == 0


def test_bad_settings_stop_serve_with_the_reason(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mcp_workbench.cli",
            "serve",
            "--no-browser",
            "--port=0",
            "--allow-root",
            "--data-dir",
            str(tmp_path / "data"),
            "--MCPWorkbench.max_sessions=0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=jupyter_env(tmp_path, TOKEN),
        cwd=str(ROOT),
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "mcp-workbench: error: invalid settings: max_sessions: "
        "Input should be greater than or equal to 1"
    )
