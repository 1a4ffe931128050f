"""Server-Sent Event streams that outlive the HTTP connection carrying them.

A stream keeps a bounded history of its events (for ``Last-Event-ID`` resumption in legacy
revisions) and writes to whichever HTTP response is currently attached to it, if any.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from mcp_workbench.jsonrpc import encode

__all__ = ["SseStream", "SseWriter", "format_event"]

SseWriter = Callable[[bytes], Awaitable[None]]
"""Writes raw SSE bytes to an HTTP response and flushes them; raises when it is gone."""

_stream_ids = itertools.count(1)


def format_event(data: bytes, event_id: str | None = None, retry_ms: int | None = None) -> bytes:
    """One SSE event carrying a JSON message (``data`` holds no newline: orjson output)."""
    head = b""
    if event_id is not None:
        head += b"id: " + event_id.encode() + b"\n"
    if retry_ms is not None:
        head += b"retry: " + str(retry_ms).encode() + b"\n"
    return head + b"event: message\ndata: " + data + b"\n\n"


class SseStream:
    """A sequence of JSON-RPC messages sent as SSE events, resumable by event id."""

    def __init__(self, history: int, *, resumable: bool, retry_ms: int | None = None) -> None:
        self.id = str(next(_stream_ids))
        self.resumable = resumable
        self.retry_ms = retry_ms
        """When set, the stream opens with a priming event (an id and ``retry:``)."""
        self._primed = False
        self.on_release: Callable[[], None] | None = None
        self._history: deque[tuple[int, bytes]] = deque(maxlen=history if resumable else 0)
        self._seq = itertools.count(1)
        self._writer: SseWriter | None = None
        self.finished = False
        # Created on first use: most requests answer with plain JSON and never stream.
        self._lock_: asyncio.Lock | None = None
        self._ended: asyncio.Event | None = None

    @property
    def _lock(self) -> asyncio.Lock:
        if self._lock_ is None:
            self._lock_ = asyncio.Lock()
        return self._lock_

    @property
    def closed_by_server(self) -> asyncio.Event:
        """Set once the server has sent the stream's last message."""
        if self._ended is None:
            self._ended = asyncio.Event()
            if self.finished:
                self._ended.set()
        return self._ended

    @property
    def closed(self) -> bool:
        """True once the final message has been sent."""
        return self.finished

    @property
    def attached(self) -> bool:
        """True while an HTTP response is delivering this stream."""
        return self._writer is not None

    def event_id(self, seq: int) -> str:
        """The SSE id of the ``seq``-th event of this stream."""
        return f"{self.id}-{seq}"

    async def attach(self, writer: SseWriter, after: int | None = None) -> None:
        """Deliver this stream through ``writer``, replaying events after ``after`` first."""
        if after is None and self._lock_ is None:
            self._writer = writer  # nothing sent yet, nothing to replay: no ordering to keep
            return
        async with self._lock:
            self._writer = writer
            if after is not None:
                for seq, chunk in list(self._history):
                    if seq > after:
                        await self._write(chunk)

    def detach(self, writer: SseWriter) -> None:
        """The HTTP response behind ``writer`` is gone."""
        if self._writer is writer:
            self._writer = None

    async def prime(self) -> None:
        """Send an empty event with an id, so the client can resume even before any message."""
        async with self._lock:
            await self._prime_locked()

    async def _prime_locked(self) -> None:
        self._primed = True
        seq = next(self._seq)
        chunk = b"id: " + self.event_id(seq).encode() + b"\n"
        if self.retry_ms is not None:
            chunk += b"retry: " + str(self.retry_ms).encode() + b"\n"
        chunk += b"data: \n\n"
        self._history.append((seq, chunk))
        await self._write(chunk)

    def release(self) -> None:
        """End the HTTP response now; later events wait for the client to resume (GET with
        ``Last-Event-ID``). Only resumable streams can be released."""
        if self.resumable and not self.finished and self.on_release is not None:
            self.on_release()

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        """Send one JSON-RPC message as an event (kept for resumption when resumable)."""
        if self.finished:
            return
        data = encode(message)
        async with self._lock:
            if self.retry_ms is not None and not self._primed:
                await self._prime_locked()
            seq = next(self._seq)
            chunk = format_event(data, self.event_id(seq) if self.resumable else None)
            if self.resumable:
                self._history.append((seq, chunk))
            await self._write(chunk)

    async def comment(self, text: str = "") -> None:
        """A keep-alive comment line (ignored by clients)."""
        async with self._lock:
            await self._write(b": " + text.encode() + b"\n\n")

    def finish(self) -> None:
        """No more messages will be sent on this stream."""
        self.finished = True
        if self._ended is not None:
            self._ended.set()

    async def _write(self, chunk: bytes) -> None:
        writer = self._writer
        if writer is None:
            return
        try:
            await writer(chunk)
        except Exception:  # the connection went away; the history keeps the event
            self._writer = None
