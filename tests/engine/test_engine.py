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
