"""The in-process event bus: committed store events, fanned out to listeners and streams.

Events arrive from the store's writer thread (:meth:`EventBus.publish_threadsafe`) in
commit order and are delivered on the event loop in that same order. Listeners are plain
callbacks run on the loop (registry mirror, notifications); streams are bounded queues
for consumers that may fall behind (WebSocket clients, vault export): a stream that
overflows is marked ``lagging`` and its reader catches up from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

from mcp_workbench.store.events import Event

__all__ = ["EventBus", "EventStream"]

log = logging.getLogger(__name__)

Listener = Callable[[Event], None]


class EventStream:
    """A bounded queue of events for one consumer."""

    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.lagging = False
        """Set when an event had to be dropped: read the store from the last ``seq`` seen."""

    def put(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagging = True

    async def get(self) -> Event:
        """The next event."""
        return await self.queue.get()

    def drain(self) -> list[Event]:
        """Every queued event, without waiting."""
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out

    def close(self) -> None:
        """Stop receiving events."""
        self._bus._streams.discard(self)


class EventBus:
    """Publish committed events; listen with callbacks or read them as streams."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._streams: set[EventStream] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.last_seq = 0
        """The newest ``seq`` published."""

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver events on ``loop`` from now on."""
        self._loop = loop

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` on the loop for each event; returns an unsubscriber
        (calling it again does nothing)."""
        self._listeners.append(listener)

        def unlisten() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unlisten

    def stream(self, maxsize: int = 10_000) -> EventStream:
        """A new stream of the events published from now on."""
        stream = EventStream(self, maxsize)
        self._streams.add(stream)
        return stream

    def publish(self, events: Iterable[Event]) -> None:
        """Deliver ``events`` now, in ``seq`` order; must run on the loop.

        An event at or below ``last_seq`` was delivered already (this process committed it
        and a poll of the log found it too) and is skipped.
        """
        for event in events:
            if event.seq <= self.last_seq:
                continue
            self.last_seq = event.seq
            for listener in list(self._listeners):
                try:
                    listener(event)
                except Exception:
                    log.exception("event listener %r failed on %s", listener, event.kind)
            for stream in list(self._streams):
                stream.put(event)

    def publish_threadsafe(self, events: list[Event]) -> None:
        """Hand ``events`` to the loop from another thread (in call order)."""
        loop = self._loop
        if loop is None or loop.is_closed() or not events:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed since the check
            loop.call_soon_threadsafe(self.publish, events)
