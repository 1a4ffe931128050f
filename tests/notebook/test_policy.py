"""Notebook functions under an access policy: who may add them, who may see and call them
(a standalone engine with workbench tokens and a Cedar policy, the kernel's client over
its WebSocket endpoint)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mcp_workbench.app import WorkbenchServer
from mcp_workbench.errors import PermissionDenied
from mcp_workbench.jupyter.notebook_functions import install_notebook_functions
from mcp_workbench.notebook import Workbench
from mcp_workbench.transports.websocket import start_websocket_server
from tests.conftest import issue_token, policed_server

pytestmark = pytest.mark.timeout(60)

POLICY = """
@id("everyone-uses-everything")
permit (principal, action, resource);

@id("only-authors-add-notebook-tools")
forbid (principal, action == Action::"write", resource in Namespace::"nb")
unless { principal in Role::"author" };

@id("guests-do-not-see-them")
forbid (principal in Role::"guest", action, resource in Namespace::"nb");
"""


@dataclass
class Guarded:
    url: str
    server: WorkbenchServer

    async def client(self, who: str, role: str) -> Workbench:
        token = issue_token(self.server, who, role)
        return await asyncio.to_thread(Workbench, self.url, token, timeout=10, notebook="Lab")


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[Guarded]:
    policy = tmp_path / "policy.cedar"
    policy.write_text(POLICY)
    async with policed_server(
        policy, prepare=lambda server: install_notebook_functions(server.engine)
    ) as server:
        ws = await start_websocket_server(server.engine, "127.0.0.1", 0, path="/mcp/ws")
        yield Guarded(f"http://{ws.address.removesuffix('/mcp/ws')}/", server)
        await ws.close()


def _square(x: int) -> int:
    """The square of x."""
    return x * x


async def test_the_policy_decides_who_adds_sees_and_calls(guarded: Guarded) -> None:
    author = await guarded.client("ada", "author")
    reader = await guarded.client("bob", "reader")
    guest = await guarded.client("eve", "guest")
    try:
        with pytest.raises(PermissionDenied, match=r"You may not write nb\.bob\.Lab\._square"):
            await asyncio.to_thread(reader.tool, _square)
        tool = await asyncio.to_thread(author.tool, _square)
        assert tool.tool_name == "nb.ada.Lab._square"
        # (Synchronous calls go to a thread: this loop serves the engine.)
        handle = await asyncio.to_thread(lambda: reader.tools[tool.tool_name])
        assert await handle.acall(x=7) == 49
        with pytest.raises(KeyError, match=r"no tool 'nb\.ada\.Lab\._square'"):
            await asyncio.to_thread(lambda: guest.tools.refresh()[tool.tool_name])
    finally:
        for client in (author, reader, guest):
            await asyncio.to_thread(client.close)
    assert "nb.ada.Lab._square" not in guarded.server.engine.registry.tools
