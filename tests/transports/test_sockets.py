"""TCP, Unix socket and WebSocket listeners: framing limits, bad input, idle expiry,
many clients, and the socket file's safety. The MCP conversation itself runs over them in
``tests/test_conversation.py``."""

from __future__ import annotations

import asyncio
import getpass
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import tornado.httpclient
import tornado.websocket

from mcp_workbench import Settings
from mcp_workbench.app import build_engine
from mcp_workbench.engine import Engine
from mcp_workbench.transports.sockets import start_tcp_server, start_unix_server
from mcp_workbench.transports.websocket import start_websocket_server
from tests.conftest import FIXTURE_TOOLS, SocketListeners

pytestmark = pytest.mark.timeout(60)

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


def call(rid: Any, tool: str, **arguments: Any) -> bytes:
    message = {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": META},
    }
    return orjson.dumps(message)


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frame: bytes
) -> dict[str, Any]:
    writer.write(frame + b"\n")
    await writer.drain()
    reply: dict[str, Any] = orjson.loads(await asyncio.wait_for(reader.readline(), 10))
    return reply


@pytest.fixture
async def small_engine() -> AsyncIterator[Engine]:
    """An engine with a small message limit and a short idle timeout."""
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        max_message_bytes=4096,
        socket_idle_timeout=0.5,
    )
    engine = build_engine(settings)
    yield engine
    await engine.shutdown()


async def test_tcp_bad_frames_get_errors_and_the_connection_keeps_serving(
    socket_listeners: SocketListeners,
) -> None:
    reader, writer = await asyncio.open_connection(
        socket_listeners.tcp_host, socket_listeners.tcp_port
    )
    try:
        assert (await exchange(reader, writer, b"{not json"))["error"]["code"] == -32700
        assert (await exchange(reader, writer, b'{"jsonrpc":"2.0"}'))["error"]["code"] == -32600
        unknown = orjson.dumps(
            {"jsonrpc": "2.0", "id": 3, "method": "nope", "params": {"_meta": META}}
        )
        assert (await exchange(reader, writer, unknown))["error"]["code"] == -32601
        reply = await exchange(reader, writer, call(4, "echo", text="still here"))
        assert reply["result"]["content"][0]["text"] == "still here"
    finally:
        writer.close()


async def test_oversized_frame_is_refused_then_serving_goes_on(small_engine: Engine) -> None:
    server = await start_tcp_server(small_engine, "127.0.0.1", 0)
    host, port = server.address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        big = call(1, "echo", text="x" * 10_000)
        reply = await exchange(reader, writer, big)
        assert reply["error"]["code"] == -32600
        assert reply["error"]["data"] == {"limit": 4096}
        reply = await exchange(reader, writer, call(2, "echo", text="small"))
        assert reply["result"]["content"][0]["text"] == "small"
    finally:
        writer.close()
        await server.close()


async def test_idle_connections_are_closed_busy_ones_are_not(small_engine: Engine) -> None:
    server = await start_tcp_server(small_engine, "127.0.0.1", 0)
    host, port = server.address.rsplit(":", 1)
    try:
        reader, writer = await asyncio.open_connection(host, int(port))
        # A call that outlasts the idle timeout keeps the connection open until it answers.
        reply = await exchange(reader, writer, call(1, "sleepy", seconds=1.0))
        assert reply["result"]["content"][0]["text"]
        # Then silence: the server closes it.
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
    finally:
        await server.close()


async def test_many_tcp_clients_with_pipelined_calls(socket_listeners: SocketListeners) -> None:
    async def client(n: int) -> list[str]:
        reader, writer = await asyncio.open_connection(
            socket_listeners.tcp_host, socket_listeners.tcp_port
        )
        try:
            writer.write(b"\n".join(call(i, "echo", text=f"{n}.{i}") for i in range(20)) + b"\n")
            await writer.drain()
            replies = [orjson.loads(await reader.readline()) for _ in range(20)]
        finally:
            writer.close()
        by_id = {r["id"]: r["result"]["content"][0]["text"] for r in replies}
        return [by_id[i] for i in range(20)]

    results = await asyncio.gather(*(client(n) for n in range(100)))
    for n, texts in enumerate(results):
        assert texts == [f"{n}.{i}" for i in range(20)]


async def test_unix_socket_is_owner_only_and_knows_its_peer(
    socket_listeners: SocketListeners,
) -> None:
    path = socket_listeners.unix.address
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    reader, writer = await asyncio.open_unix_connection(path)
    try:
        reply = await exchange(reader, writer, call(1, "workbench.info"))
    finally:
        writer.close()
    assert reply["result"]["structuredContent"]["caller"] == getpass.getuser()


async def test_unix_socket_in_use_is_refused_and_a_stale_one_replaced(
    small_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "s.sock"
    first = await start_unix_server(small_engine, path)
    try:
        with pytest.raises(OSError, match="in use"):
            await start_unix_server(small_engine, path)
    finally:
        await first.close()
    assert not path.exists()
    # A socket file left behind by a crashed server is replaced.
    import socket

    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()
    second = await start_unix_server(small_engine, path)
    await second.close()
    path.write_text("not a socket")
    with pytest.raises(OSError, match="not a socket"):
        await start_unix_server(small_engine, path)


async def test_websocket_needs_the_mcp_subprotocol(socket_listeners: SocketListeners) -> None:
    bare = await tornado.websocket.websocket_connect(socket_listeners.ws_url)
    assert await bare.read_message() is None
    assert bare.close_code == 1002
    bare.close()
    good = await tornado.websocket.websocket_connect(socket_listeners.ws_url, subprotocols=["mcp"])
    assert good.selected_subprotocol == "mcp"
    await good.write_message(call(1, "echo", text="over ws").decode())
    message = await good.read_message()
    assert isinstance(message, str)
    assert orjson.loads(message)["result"]["content"][0]["text"] == "over ws"
    await good.write_message("{broken")
    message = await good.read_message()
    assert isinstance(message, str)
    assert orjson.loads(message)["error"]["code"] == -32700
    good.close()


async def test_websocket_oversized_frame_closes_with_1009(small_engine: Engine) -> None:
    server = await start_websocket_server(small_engine, "127.0.0.1", 0)
    try:
        ws = await tornado.websocket.websocket_connect(
            f"ws://{server.address}", subprotocols=["mcp"]
        )
        await ws.write_message(call(1, "echo", text="x" * 10_000).decode())
        assert await ws.read_message() is None
        assert ws.close_code == 1009
        ws.close()
    finally:
        await server.close()


async def test_websocket_refuses_foreign_origins(socket_listeners: SocketListeners) -> None:
    request = tornado.httpclient.HTTPRequest(
        socket_listeners.ws_url, headers={"Origin": "https://evil.example"}
    )
    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        await tornado.websocket.websocket_connect(request, subprotocols=["mcp"])
    assert refused.value.code == 403


async def test_many_websocket_clients(socket_listeners: SocketListeners) -> None:
    async def client(n: int) -> str:
        ws = await tornado.websocket.websocket_connect(
            socket_listeners.ws_url, subprotocols=["mcp"]
        )
        try:
            await ws.write_message(call(n, "echo", text=f"ws {n}").decode())
            message = await ws.read_message()
        finally:
            ws.close()
        assert isinstance(message, str)
        return str(orjson.loads(message)["result"]["content"][0]["text"])

    texts = await asyncio.gather(*(client(n) for n in range(100)))
    assert texts == [f"ws {n}" for n in range(100)]
