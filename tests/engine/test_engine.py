"""The engine without a transport: a channel that keeps what it is sent."""

from __future__ import annotations

import asyncio
from typing import Any

from mcp_workbench import Engine, Registry, Settings
from mcp_workbench.jsonrpc import Request
from mcp_workbench.registry.items import Tool

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


class Inbox:
    """A channel that collects messages and lets a test wait for them."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.arrived = asyncio.Event()

    @property
    def closed(self) -> bool:
        return False

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        self.messages.append(message)
        self.arrived.set()

    async def wait_for(self, method: str) -> dict[str, Any]:
        async with asyncio.timeout(5):
            while True:
                for message in self.messages:
                    if isinstance(message, dict) and message.get("method") == method:
                        found: dict[str, Any] = message
                        return found
                self.arrived.clear()
                await self.arrived.wait()


async def test_listen_stream_of_a_stateless_client_gets_list_changed() -> None:
    engine = Engine(Registry(), Settings(builtin_tools=False))
    inbox = Inbox()
    session = engine.transient_session(None, "http")
    listen = Request(
        "L1", "subscriptions/listen", {"_meta": META, "notifications": {"toolsListChanged": True}}
    )
    stream = asyncio.create_task(engine.serve(session, listen, inbox))
    ack = await inbox.wait_for("notifications/subscriptions/acknowledged")
    assert ack["params"]["notifications"] == {"toolsListChanged": True}
    engine.registry.add_tool(Tool.from_function(lambda: "x", name="fresh"))
    changed = await inbox.wait_for("notifications/tools/list_changed")
    assert changed["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "L1"
    await engine.shutdown()
    session.close()
    response = await asyncio.wait_for(stream, 5)
    assert response is not None
    assert response["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "L1"


async def test_change_from_a_worker_thread_is_delivered() -> None:
    engine = Engine(Registry(), Settings(builtin_tools=False))
    inbox = Inbox()
    session = engine.open_session(inbox, "stdio")
    init = Request(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}})
    reply = await engine.serve(session, init, inbox)
    assert reply is not None
    assert reply["result"]["protocolVersion"] == "2025-06-18"
    await asyncio.to_thread(engine.registry.remove_tool, "missing")  # no change, no message
    await asyncio.to_thread(engine.registry.add_tool, Tool.from_function(lambda: 1, name="t"))
    await inbox.wait_for("notifications/tools/list_changed")
    assert [m["method"] for m in inbox.messages] == ["notifications/tools/list_changed"]
    engine.close_session(session)
    await engine.shutdown()


async def test_on_behalf_of_narrows_only_a_proxys_own_session() -> None:
    """A proxy (a session declaring io.mcp-workbench/proxy) has a call served as for its
    client: that client's revision when older and capabilities it declared, never more than
    the proxy's own. Any other session's request ignores the field."""
    from mcp_workbench.engine.call import Call
    from mcp_workbench.protocol.meta import ON_BEHALF_OF, PROXY_EXTENSION

    seen: list[Call] = []
    registry = Registry()

    @registry.tool("who")
    def who(ctx: Any) -> str:
        return "x"

    engine = Engine(registry, Settings(builtin_tools=False))
    original = engine._make_call

    def spy(*args: Any) -> Call:
        call = original(*args)
        seen.append(call)
        return call

    engine._make_call = spy  # type: ignore[method-assign,assignment]
    inbox = Inbox()

    async def served(capabilities: dict[str, Any]) -> Call:
        session = engine.transient_session(None, "ws")
        hello = {"protocolVersion": "2025-11-25", "capabilities": capabilities}
        await engine.serve(session, Request(1, "initialize", {**hello, "clientInfo": {}}), inbox)
        behalf = {
            "protocolVersion": "2025-03-26",
            "capabilities": {"sampling": {}, "roots": {}},
        }
        params = {"name": "who", "arguments": {}, "_meta": {ON_BEHALF_OF: behalf}}
        await engine.serve(session, Request(2, "tools/call", params), inbox)
        return seen[-1]

    proxied = await served(
        {"elicitation": {}, "sampling": {}, "experimental": {PROXY_EXTENSION: {"version": 1}}}
    )
    assert proxied.revision.version == "2025-03-26"
    assert proxied.client_capabilities == {"sampling": {}}  # roots: not the proxy's own
    plain = await served({"elicitation": {}})
    assert plain.revision.version == "2025-11-25"
    assert plain.client_capabilities == {"elicitation": {}}
    await engine.shutdown()
