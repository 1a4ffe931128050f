"""stdio transport: newline-delimited JSON on stdin/stdout; logs only ever on stderr."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from typing import Any, BinaryIO

import orjson

from mcp_workbench.engine import Engine
from mcp_workbench.errors import InvalidRequest, jsonrpc_error
from mcp_workbench.jsonrpc import error_response
from mcp_workbench.transports.framing import LineFramer, Oversized

__all__ = [
    "StreamChannel",
    "claim_stdout",
    "serve_connection",
    "serve_stdio",
    "stdio_streams",
]

_HIGH_WATER = 1 << 20


class StreamChannel:
    """Writes one JSON message per line to an asyncio write transport."""

    __slots__ = ("_closed", "_writer")

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed or self._writer.is_closing()

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        if self.closed:
            return
        self._writer.write(orjson.dumps(message, option=orjson.OPT_APPEND_NEWLINE))
        if self._writer.transport.get_write_buffer_size() > _HIGH_WATER:
            await self._writer.drain()  # back-pressure: a slow reader slows us down

    def close(self) -> None:
        """Stop writing."""
        self._closed = True


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


async def stdio_streams(
    stdin: BinaryIO, stdout: BinaryIO
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Asyncio streams over two pipe file objects."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 16)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    return reader, writer


async def serve_connection(
    engine: Engine,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    transport: str,
    principal: str | None,
) -> None:
    """Serve one newline-delimited JSON connection until the peer closes its side."""
    channel = StreamChannel(writer)
    session = engine.open_session(channel, transport, principal=principal)
    framer = LineFramer(engine.settings.max_message_bytes)
    try:
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            for line in framer.feed(data):
                if isinstance(line, Oversized):
                    error = InvalidRequest(
                        f"Message of {line.size} bytes exceeds the limit of "
                        f"{framer.max_bytes} bytes",
                        data={"limit": framer.max_bytes},
                    )
                    await channel.send(error_response(None, jsonrpc_error(error)))
                else:
                    await engine.receive(session, line, channel)
        # The client closed its side: let running requests answer, briefly.
        pending = list(session.inflight.values())
        if pending:
            await asyncio.wait(pending, timeout=2.0)
    finally:
        engine.close_session(session)
        channel.close()
        writer.close()


def claim_stdout() -> BinaryIO:
    """Keep the real stdout for the protocol and point file descriptor 1 at stderr.

    Called before user modules are imported, so that their prints (at import or call time)
    go to stderr and can never corrupt the protocol stream.
    """
    sys.stdout.flush()
    protocol_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return os.fdopen(protocol_fd, "wb", buffering=0)


async def serve_stdio(
    engine: Engine, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """Serve MCP on stdin/stdout (or the given pipes) until stdin closes."""
    reader, writer = await stdio_streams(stdin or sys.stdin.buffer, stdout or claim_stdout())
    await serve_connection(engine, reader, writer, transport="stdio", principal=_os_user())
