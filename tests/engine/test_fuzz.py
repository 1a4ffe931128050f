"""Fuzzing the engine with arbitrary JSON: it answers or stays silent, and never breaks."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcp_workbench import Engine, Settings
from mcp_workbench.app import build_engine
from tests.engine.test_engine import Inbox

# An id the strategies below cannot produce (their strings are at most 20 characters), so
# the reply to this request is never confused with a reply to a generated frame.
SENTINEL = "sentinel-request-id-beyond-generated-lengths"
ECHO = {
    "jsonrpc": "2.0",
    "id": SENTINEL,
    "method": "tools/call",
    "params": {
        "name": "echo",
        "arguments": {"text": "alive"},
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        },
    },
}
METHODS = [
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "prompts/get",
    "resources/read",
    "completion/complete",
    "subscriptions/listen",
    "tasks/get",
    "logging/setLevel",
    "notifications/cancelled",
    "server/discover",
    "nope",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
meta = st.fixed_dictionaries(
    {},
    optional={
        "io.modelcontextprotocol/protocolVersion": st.sampled_from(
            ["2026-07-28", "2025-11-25", "x"]
        )
        | json_values,
        "io.modelcontextprotocol/clientCapabilities": json_values,
        "io.modelcontextprotocol/logLevel": st.sampled_from(["info", "loud"]) | json_values,
        "progressToken": json_values,
    },
)
params = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["echo", "add", "poem", "nope"]) | json_values,
        "uri": st.sampled_from(["demo://readme", "demo://items/a", "x"]) | json_values,
        "arguments": json_values,
        "cursor": json_values,
        "requestState": json_values,
        "inputResponses": json_values,
        "protocolVersion": st.sampled_from(["2025-03-26", "2026-07-28"]) | json_values,
        "_meta": meta,
    },
)
messages = st.fixed_dictionaries(
    {"jsonrpc": st.sampled_from(["2.0", "2.0", "1.0"])},
    optional={
        "id": st.integers(0, 50) | st.text(max_size=5) | json_values,
        "method": st.sampled_from(METHODS) | json_values,
        "params": params | json_values,
    },
)
frames = st.lists(messages | json_values, min_size=1, max_size=6)

_engine: Engine | None = None


def engine() -> Engine:
    global _engine  # noqa: PLW0603 - one engine for all examples keeps the test fast
    if _engine is None:
        _engine = build_engine(
            Settings(tools=["tests.fixtures.demo_tools"], entry_points=False, tool_timeout=2.0)
        )
    return _engine


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames)
def test_arbitrary_frames_never_break_the_engine(batch: list[Any]) -> None:
    async def run() -> None:
        eng = engine()
        inbox = Inbox()
        session = eng.open_session(inbox, "stdio")
        try:
            for frame in batch:
                await eng.receive(session, orjson.dumps(frame), inbox)
            await eng.receive(session, orjson.dumps(ECHO), inbox)
            async with asyncio.timeout(10):
                while not any(
                    isinstance(m, dict) and m.get("id") == SENTINEL for m in inbox.messages
                ):
                    inbox.arrived.clear()
                    await inbox.arrived.wait()
        finally:
            eng.close_session(session)
        reply = next(m for m in inbox.messages if isinstance(m, dict) and m.get("id") == SENTINEL)
        assert reply["result"]["content"] == [{"type": "text", "text": "alive"}]
        for message in inbox.messages:
            for item in message if isinstance(message, list) else [message]:
                assert item["jsonrpc"] == "2.0"
                if "error" in item:
                    assert isinstance(item["error"]["code"], int)
                    assert isinstance(item["error"]["message"], str)
                    assert item["error"]["code"] != -32603, item  # no internal errors

    asyncio.run(run())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(messages | json_values, min_size=1, max_size=3), st.booleans())
def test_arbitrary_http_bodies_never_break_the_server(bodies: list[Any], modern: bool) -> None:
    import httpx

    from mcp_workbench.transports.http_server import start_http_server

    async def run() -> None:
        eng = build_engine(
            Settings(tools=["tests.fixtures.demo_tools"], entry_points=False, tool_timeout=2.0)
        )
        server, transport, port = await start_http_server(eng, "127.0.0.1", 0)
        headers = {"Accept": "application/json, text/event-stream"}
        if modern:
            headers["MCP-Protocol-Version"] = "2026-07-28"
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                for body in bodies:
                    method = body.get("method") if isinstance(body, dict) else None
                    extra: dict[str, str] = {}
                    if isinstance(method, str) and method.isascii() and method.isprintable():
                        extra["Mcp-Method"] = method
                    response = await http.post(
                        "/mcp",
                        content=orjson.dumps(body),
                        headers={**headers, **extra, "Content-Type": "application/json"},
                    )
                    assert response.status_code < 500, response.text
                ok = await http.post(
                    "/mcp",
                    content=orjson.dumps(ECHO),
                    headers={
                        **headers,
                        "Content-Type": "application/json",
                        "MCP-Protocol-Version": "2026-07-28",
                        "Mcp-Method": "tools/call",
                        "Mcp-Name": "echo",
                    },
                )
                assert ok.json()["result"]["content"][0]["text"] == "alive"
        finally:
            server.stop()
            await transport.close()
            await eng.shutdown()

    asyncio.run(run())
