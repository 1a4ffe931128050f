"""SDK-client transports for what the official SDK does not carry: newline-delimited JSON
over TCP or a Unix socket, and WebSocket (subprotocol ``mcp``). Each is a ``Transport``
(an async context manager of read/write streams), so ``mcp.Client`` runs over it unchanged."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
import orjson
import tornado.httpclient
import tornado.websocket
from anyio.abc import ByteStream
from mcp.shared.message import SessionMessage

Streams = tuple[Any, Any]


def _parse(raw: str | bytes) -> SessionMessage | Exception:
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(raw, by_name=False))
    except ValueError as exc:
        return exc


def _dump(message: SessionMessage) -> str:
    return message.message.model_dump_json(by_alias=True, exclude_unset=True)


@asynccontextmanager
async def _pump(
    receive: Callable[[], Awaitable[str | bytes | None]],
    send: Callable[[str], Awaitable[None]],
    close: Callable[[], Awaitable[None]],
) -> AsyncIterator[Streams]:
    to_session, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](64)
    write_stream, from_session = anyio.create_memory_object_stream[SessionMessage](64)

    async def reader() -> None:
        async with to_session:
            while (raw := await receive()) is not None:
                await to_session.send(_parse(raw))

    async def writer() -> None:
        async with from_session:
            async for message in from_session:
                await send(_dump(message))

    async with anyio.create_task_group() as tg:
        tg.start_soon(reader)
        tg.start_soon(writer)
        try:
            yield read_stream, write_stream
        finally:
            await close()
            tg.cancel_scope.cancel()


@asynccontextmanager
async def line_transport(stream: ByteStream) -> AsyncIterator[Streams]:
    """Newline-delimited JSON over a connected byte stream."""
    buffer = b""

    async def receive() -> bytes | None:
        nonlocal buffer
        while b"\n" not in buffer:
            try:
                chunk = await stream.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
                return None
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        return line

    async def send(text: str) -> None:
        await stream.send(text.encode() + b"\n")

    async def close() -> None:
        with contextlib.suppress(Exception):
            await stream.aclose()

    async with _pump(receive, send, close) as streams:
        yield streams


@asynccontextmanager
async def tcp_transport(host: str, port: int) -> AsyncIterator[Streams]:
    """Connect to a TCP listener."""
    async with line_transport(await anyio.connect_tcp(host, port)) as streams:
        yield streams


@asynccontextmanager
async def unix_transport(path: str) -> AsyncIterator[Streams]:
    """Connect to a Unix socket listener."""
    async with line_transport(await anyio.connect_unix(path)) as streams:
        yield streams


@asynccontextmanager
async def websocket_transport(
    url: str, subprotocol: str = "mcp", headers: dict[str, str] | None = None
) -> AsyncIterator[Streams]:
    """Connect to a WebSocket listener; one JSON-RPC message per text frame."""
    request = tornado.httpclient.HTTPRequest(url, headers=headers or {})
    connection = await tornado.websocket.websocket_connect(request, subprotocols=[subprotocol])

    async def receive() -> str | bytes | None:
        return await connection.read_message()

    async def send(text: str) -> None:
        await connection.write_message(text)

    async def close() -> None:
        connection.close()

    async with _pump(receive, send, close) as streams:
        yield streams


MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


class RawLineClient:
    """Newline-delimited JSON-RPC by hand, one request at a time (modern requests carry
    their ``_meta``), for tests that look at exact error objects."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.rid = reader, writer, 0
        self.notifications: list[dict[str, Any]] = []
        """Notifications that arrived while waiting for an answer, oldest first."""

    @classmethod
    async def open_tcp(cls, address: str, token: str | None = None) -> RawLineClient:
        """Connect to ``host:port``, and authenticate with ``token`` if given."""
        host, port = address.rsplit(":", 1)
        client = cls(*await asyncio.open_connection(host, int(port)))
        if token is not None:
            reply = await client.send("workbench/authenticate", token=token, meta=False)
            assert "result" in reply, reply
        return client

    async def send(self, method: str, *, meta: bool = True, **params: Any) -> dict[str, Any]:
        self.rid += 1
        body = {**params, "_meta": MODERN_META} if meta else params
        message = {"jsonrpc": "2.0", "id": self.rid, "method": method, "params": body}
        self.writer.write(orjson.dumps(message) + b"\n")
        await self.writer.drain()
        while True:
            reply: dict[str, Any] = orjson.loads(await asyncio.wait_for(self.reader.readline(), 5))
            if "id" in reply or "method" not in reply:
                return reply
            self.notifications.append(reply)

    async def call(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        """``tools/call``; returns the result (tool errors are results with ``isError``)."""
        reply = await self.send("tools/call", name=tool, arguments=arguments)
        assert "result" in reply, reply
        result: dict[str, Any] = reply["result"]
        return result

    def close(self) -> None:
        self.writer.close()
