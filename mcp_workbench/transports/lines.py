"""Newline-delimited JSON connections (stdio, TCP, Unix sockets): framing in, one message
per line out, with back-pressure both ways."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import orjson

from mcp_workbench.engine import Engine, Session
from mcp_workbench.errors import AuthError, InvalidRequest, RateLimited, jsonrpc_error
from mcp_workbench.jsonrpc import error_response
from mcp_workbench.transports.framing import LineFramer, Oversized

__all__ = ["LineSink", "StreamChannel", "StreamSink", "serve_connection"]

log = logging.getLogger(__name__)

_HIGH_WATER = 1 << 20


class LineSink(Protocol):
    """Where a connection's output bytes go."""

    def write(self, data: bytes) -> None: ...
    def buffered(self) -> int: ...
    async def drain(self) -> None: ...
    def is_closing(self) -> bool: ...
    def close(self) -> None: ...


class StreamSink:
    """A :class:`LineSink` over an asyncio ``StreamWriter`` (pipes, sockets)."""

    __slots__ = ("_writer",)

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    def write(self, data: bytes) -> None:
        self._writer.write(data)

    def buffered(self) -> int:
        return self._writer.transport.get_write_buffer_size()

    async def drain(self) -> None:
        await self._writer.drain()

    def is_closing(self) -> bool:
        return self._writer.is_closing()

    def close(self) -> None:
        self._writer.close()


class StreamChannel:
    """Writes one JSON message per line to a :class:`LineSink`."""

    __slots__ = ("_closed", "_sink")

    def __init__(self, sink: LineSink | asyncio.StreamWriter) -> None:
        self._sink: LineSink = StreamSink(sink) if isinstance(sink, asyncio.StreamWriter) else sink
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed or self._sink.is_closing()

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        if self.closed:
            return
        self._sink.write(orjson.dumps(message, option=orjson.OPT_APPEND_NEWLINE))
        if self._sink.buffered() > _HIGH_WATER:
            await self._sink.drain()  # back-pressure: a slow reader slows us down

    def close(self) -> None:
        """Stop writing."""
        self._closed = True


async def serve_connection(
    engine: Engine,
    reader: asyncio.StreamReader,
    writer: LineSink | asyncio.StreamWriter,
    *,
    transport: str,
    principal: str | None,
    idle_timeout: float | None = None,
    max_inflight: int = 256,
    needs_auth: bool = False,
) -> None:
    """Serve one newline-delimited JSON connection until the peer closes its side.

    Reading stops while ``max_inflight`` requests are running (a client cannot queue
    unbounded work), and a connection silent for ``idle_timeout`` seconds with nothing
    running is closed.
    """
    channel = StreamChannel(writer)
    try:
        session = engine.open_session(channel, transport, principal=principal)
    except RateLimited as exc:  # too many sessions, or shutting down: say so and hang up
        await channel.send(error_response(None, jsonrpc_error(exc)))
        channel.close()
        writer.close()
        return
    framer = LineFramer(engine.settings.max_message_bytes)
    deadline = _preauth_deadline(engine, session, channel, writer) if needs_auth else None
    try:
        while True:
            if len(session.inflight) >= max_inflight:
                await session.room_for_more(max_inflight)
            try:
                if idle_timeout is None:
                    data = await reader.read(1 << 16)
                else:
                    async with asyncio.timeout(idle_timeout):
                        data = await reader.read(1 << 16)
            except TimeoutError:
                if (
                    session.inflight
                    or session.batches
                    or session.listeners
                    or session.subscriptions
                ):
                    continue
                log.info("closing idle %s connection after %g s", transport, idle_timeout)
                break
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
                    session = await engine.receive(session, line, session.channel or channel)
        # The client closed its side: let running requests answer, briefly (a resumable
        # session keeps them running for when it comes back).
        pending = [*session.inflight.values(), *(session.batches or ())]
        if pending and not engine.parked.resumable(session):
            await asyncio.wait(pending, timeout=2.0)
    finally:
        if deadline is not None:
            deadline.cancel()
        engine.release(session)
        channel.close()
        writer.close()


def _preauth_deadline(
    engine: Engine,
    session: Session,
    channel: StreamChannel,
    writer: LineSink | asyncio.StreamWriter,
) -> asyncio.TimerHandle:
    """Until the client authenticates only ``workbench/authenticate`` is served; after
    ``preauth_timeout`` seconds without it, say why and hang up."""
    session.needs_auth = True
    timeout = engine.settings.preauth_timeout

    async def expire() -> None:
        engine.auth_failed(session.transport, session, "timeout")
        error = AuthError(f"Authentication timed out after {timeout:g} s")
        await channel.send(error_response(None, jsonrpc_error(error)))
        channel.close()
        writer.close()

    def check() -> None:
        if session.needs_auth:
            task = asyncio.get_running_loop().create_task(expire())
            _expiring.add(task)
            task.add_done_callback(_expiring.discard)

    return asyncio.get_running_loop().call_later(timeout, check)


_expiring: set[asyncio.Task[None]] = set()
