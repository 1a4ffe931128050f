"""``Workbench``: the store, the bus and the services, opened and closed as one."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from sqlmodel import Session

from mcp_workbench.audit import AuditLog
from mcp_workbench.errors import StoreError
from mcp_workbench.events import EventBus, LogFeed
from mcp_workbench.service.boards import BoardService
from mcp_workbench.service.core import Limits, ServiceCore
from mcp_workbench.service.feedback import FeedbackService
from mcp_workbench.service.notes import NoteService
from mcp_workbench.service.prompts import PromptService
from mcp_workbench.store import Database, Event, events_after, last_seq, sqlite_url

__all__ = ["DATABASE_FILE", "Workbench"]

log = logging.getLogger(__name__)

DATABASE_FILE = "workbench.db"
"""The SQLite file in the data directory."""


def _events_after(seq: int, session: Session) -> list[Event]:
    return events_after(session, seq)


class Workbench:
    """Everything that reads or changes workbench data goes through one of these."""

    def __init__(
        self,
        db: Database,
        *,
        limits: Limits | None = None,
        poll_interval: float = 1.0,
        audit_file: str | Path | None = None,
    ) -> None:
        self.db = db
        self.poll_interval = poll_interval
        """Seconds between looks at the log for changes made by other processes."""
        self._poller: asyncio.Task[None] | None = None
        self.bus = EventBus()
        self.core = ServiceCore(db, self.bus, limits)
        self.audit = AuditLog(db, audit_file)
        """Changes, refusals and failed authentications, with who and when."""
        self.core.audit = self.audit
        self.feed = LogFeed(self.bus, db)
        self.core.after_commit = self.feed.committed
        self.prompts = PromptService(self.core)
        self.notes = NoteService(self.core)
        self.boards = BoardService(self.core)
        self.feedback = FeedbackService(self.core)

    @classmethod
    def open(
        cls,
        *,
        database_url: str | None = None,
        data_dir: str | Path | None = None,
        limits: Limits | None = None,
        migrate: bool = True,
        poll_interval: float = 1.0,
        audit_file: str | Path | None = None,
    ) -> Workbench:
        """Open (and migrate) the store at ``database_url``, or the SQLite file in ``data_dir``.

        Raises:
            StoreError: the database cannot be opened or migrated.
        """
        if database_url is None:
            if data_dir is None:
                raise ValueError("give a database URL or a data directory")
            database_url = sqlite_url(Path(data_dir) / DATABASE_FILE)
        db = Database(database_url)
        if migrate:
            try:
                db.upgrade()
            except BaseException:
                db.close()
                raise
        return cls(db, limits=limits, poll_interval=poll_interval, audit_file=audit_file)

    async def start(self) -> None:
        """Deliver events on the running loop from now on, including those other processes
        (the CLI, other nodes) write to the same store."""
        self.bus.bind(asyncio.get_running_loop())
        self.audit.bind(asyncio.get_running_loop())
        self.bus.last_seq = self.feed.handed = await self.db.read(last_seq)
        if self.poll_interval > 0 and self._poller is None:
            self._poller = asyncio.create_task(self._follow_log(), name="workbench-log-poll")

    async def _follow_log(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.db.read(self.feed.poll)
            except StoreError as exc:
                log.warning("cannot read the event log: %s", exc)

    async def last_seq(self) -> int:
        """The newest event's sequence number."""
        return await self.db.read(last_seq)

    async def events(self, after: int = 0, *, follow: bool = True) -> AsyncIterator[Event]:
        """Events with ``seq`` above ``after``, oldest first; with ``follow``, then live ones.

        A consumer that falls behind the live stream catches up from the store, so it
        sees every event exactly once and in order.
        """
        stream = self.bus.stream() if follow else None
        seen = after
        try:
            while True:
                batch = await self.db.read(functools.partial(_events_after, seen))
                for event in batch:
                    seen = event.seq
                    yield event
                if batch:
                    continue
                if stream is None:
                    return
                if stream.lagging:
                    stream.lagging = False
                    stream.drain()
                    continue
                event = await stream.get()
                if event.seq > seen:
                    if event.seq != seen + 1:
                        continue  # a gap: read it from the store on the next round
                    seen = event.seq
                    yield event
                    while True:
                        queued = stream.drain()
                        if not queued:
                            break
                        for item in queued:
                            if item.seq == seen + 1:
                                seen = item.seq
                                yield item
                            elif item.seq > seen + 1:
                                break
        finally:
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Stop following the log, finish pending writes and close the database."""
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        self.audit.close()
        self.db.close()
