"""The access policy applied to MCP: lists filtered, calls and reads checked, hidden names
never told, a reload taking effect at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench.app import WorkbenchServer
from mcp_workbench.transports.sockets import SocketServer, start_tcp_server
from tests.clients import RawLineClient
from tests.conftest import issue_token, policed_server

pytestmark = pytest.mark.timeout(60)

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}

POLICY = """
@id("readers-see-and-use-everything")
permit (principal in Role::"reader", action, resource);

@id("but-not-the-workbench-namespace")
forbid (principal in Role::"reader", action, resource in Namespace::"workbench");

@id("and-may-not-call-echo")
forbid (principal in Role::"reader", action == Action::"call", resource == Tool::"echo");
"""


class Guarded:
    def __init__(self, server: WorkbenchServer, tcp: SocketServer, policy: Path) -> None:
        self.server = server
        self.tcp = tcp
        self.policy = policy

    async def connect(self, role: str) -> Any:
        host, port = self.tcp.address.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        token = issue_token(self.server, "user-" + role, role)
        client = RawLineClient(reader, writer)
        assert "result" in await client.send("workbench/authenticate", token=token, meta=False)
        return client


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[Guarded]:
    policy = tmp_path / "policy.cedar"
    policy.write_text(POLICY)
    async with policed_server(policy) as server:
        tcp = await start_tcp_server(server.engine, "127.0.0.1", 0)
        yield Guarded(server, tcp, policy)
        await tcp.close()


async def test_hidden_items_are_in_no_list_and_act_as_unknown(guarded: Guarded) -> None:
    reader = await guarded.connect("reader")
    try:
        tools = {t["name"] for t in (await reader.send("tools/list"))["result"]["tools"]}
        assert "echo" in tools
        assert "workbench.info" not in tools
        hidden = await reader.send("tools/call", name="workbench.info")
        missing = await reader.send("tools/call", name="no.such.tool")
        # The same answer as for a tool that does not exist: nothing to learn.
        assert hidden["error"]["code"] == missing["error"]["code"] == -32602
        assert hidden["error"]["message"] == "Unknown tool: workbench.info"
        resources = (await reader.send("resources/list"))["result"]["resources"]
        assert "workbench://about" not in {r["uri"] for r in resources}
        read = await reader.send("resources/read", uri="workbench://about")
        assert "error" in read
        assert (
            read["error"]["code"]
            == (await reader.send("resources/read", uri="x://y"))["error"]["code"]
        )
        # Listed but not usable: said plainly.
        echo = await reader.send("tools/call", name="echo", arguments={"text": "hi"})
        assert echo["error"]["code"] == -31003
        assert echo["error"]["message"] == "You may not call echo"
        ok = await reader.send("tools/call", name="add", arguments={"numbers": [1, 2]})
        assert ok["result"]["structuredContent"] == {"total": 3.0, "count": 2}
    finally:
        reader.close()


async def test_nobody_without_a_permit_sees_anything(guarded: Guarded) -> None:
    stranger = await guarded.connect("stranger")
    try:
        assert (await stranger.send("tools/list"))["result"]["tools"] == []
        denied = await stranger.send("tools/call", name="add", arguments={"numbers": [1]})
        assert denied["error"]["message"] == "Unknown tool: add"
    finally:
        stranger.close()


async def test_server_info_counts_only_visible_tools(guarded: Guarded) -> None:
    guarded.policy.write_text(
        'permit (principal in Role::"reader", action, resource);\n'
        'forbid (principal in Role::"reader", action, resource == Tool::"echo");'
    )
    policy = guarded.server.engine.access.policy
    assert policy is not None
    assert policy.check_for_changes()
    reader = await guarded.connect("reader")
    try:
        listed = (await reader.send("tools/list"))["result"]["tools"]
        info = await reader.send("tools/call", name="workbench.info")
        assert info["result"]["structuredContent"]["tools"] == len(listed)
        assert len(listed) == len(guarded.server.engine.registry.tools) - 1
    finally:
        reader.close()


async def test_a_policy_change_takes_effect_without_restart(guarded: Guarded) -> None:
    reader = await guarded.connect("reader")
    try:
        guarded.policy.write_text(POLICY.split('@id("but-not', maxsplit=1)[0])
        policy = guarded.server.engine.access.policy
        assert policy is not None
        assert policy.check_for_changes()
        tools = {t["name"] for t in (await reader.send("tools/list"))["result"]["tools"]}
        assert "workbench.info" in tools
        # It counts only the tools this caller sees (the count of hidden ones would leak).
        info = await reader.send("tools/call", name="workbench.info")
        assert info["result"]["structuredContent"]["tools"] == len(tools)
        guarded.policy.write_text("permit (principal, action, resource")  # broken
        assert not policy.check_for_changes()
        assert policy.last_error
        echo = await reader.send("tools/call", name="echo", arguments={"text": "still"})
        assert echo["result"]["content"][0]["text"] == "still"  # the last good policy holds
    finally:
        reader.close()


async def test_catalog_mirrors_see_what_the_policy_lets_them(guarded: Guarded) -> None:
    from mcp_workbench.registry import Tool

    reader = await guarded.connect("reader")
    try:
        snapshot = (await reader.send("workbench/catalog/snapshot"))["result"]
        names = {t["name"] for t in snapshot["items"]["tools"]}
        assert "echo" in names  # listed, though not callable
        assert not {n for n in names if n.startswith("workbench.")}
        registry = guarded.server.engine.registry
        registry.add_tool(Tool.from_function(lambda: "x", name="workbench.secret"))
        registry.add_tool(Tool.from_function(lambda: "x", name="shared.open"))
        delta = await reader.send("workbench/catalog/delta", since=snapshot["seq"])
        changes = {c["key"]: c for c in delta["result"]["changes"]}
        assert changes["workbench.secret"] == {
            "kind": "tools",
            "key": "workbench.secret",
            "removed": True,  # what a caller may not see is, for its mirror, not there
        }
        assert changes["shared.open"]["item"]["name"] == "shared.open"
        guarded.policy.write_text(POLICY.split('@id("but-not', maxsplit=1)[0])
        policy = guarded.server.engine.access.policy
        assert policy is not None
        assert policy.check_for_changes()
        after = await reader.send("workbench/catalog/delta", since=delta["result"]["seq"])
        assert after["error"]["data"]["snapshotRequired"] is True  # visibility changed
    finally:
        reader.close()
