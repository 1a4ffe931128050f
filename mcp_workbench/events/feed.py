"""``LogFeed``: every committed event reaches the bus once and in ``seq`` order, whether
this process wrote it or another one did (the CLI, another node on the same database)."""

from __future__ import annotations

import threading

from sqlmodel import Session

from mcp_workbench.events.bus import EventBus
from mcp_workbench.store import Database, Event, events_after

__all__ = ["LogFeed"]


class LogFeed:
    """Hands events to the bus from the writer thread (own commits) and from polls of the
    log (others' commits), filling any gap from the log so order is never broken."""

    def __init__(self, bus: EventBus, db: Database) -> None:
        self._bus = bus
        self._db = db
        self._lock = threading.Lock()
        self.handed = 0
        """The newest ``seq`` handed to the bus."""

    def committed(self, events: list[Event]) -> None:
        """Hand over events this process just committed (called right after the commit)."""
        if not events:
            return
        with self._lock:
            if events[0].seq > self.handed + 1:
                # Someone else committed in between: theirs come first.
                earlier = self._db.query(lambda s: events_after(s, self.handed, 100_000))
                events = sorted(
                    {e.seq: e for e in [*earlier, *events]}.values(), key=lambda e: e.seq
                )
            self._hand(events)

    def poll(self, session: Session) -> int:
        """Hand over whatever the log holds beyond what was handed; returns how many."""
        with self._lock:
            found = events_after(session, self.handed)
            self._hand(found)
            return len(found)

    def _hand(self, events: list[Event]) -> None:
        fresh = [e for e in events if e.seq > self.handed]
        if fresh:
            self.handed = fresh[-1].seq
            self._bus.publish_threadsafe(fresh)
