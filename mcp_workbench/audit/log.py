"""``AuditLog``: where audit entries go — the store's audit table and, optionally, a file
of JSON lines.

Changes are recorded in the transaction that makes them (:meth:`AuditLog.record_changes`),
so no change is ever stored without its entry. Refusals and failed authentications are
queued and written in batches off the request path, so a flood of bad tokens costs one
insert per batch rather than one per attempt.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import orjson
from sqlalchemy import insert
from sqlmodel import Session, col, select

from mcp_workbench.audit.entry import AuditEntry
from mcp_workbench.audit.origin import Origin
from mcp_workbench.errors import StoreError
from mcp_workbench.store import Database, Event
from mcp_workbench.store.tables import AuditRow

__all__ = ["MAX_QUEUED", "AuditLog", "entries_after"]

log = logging.getLogger("mcp_workbench.audit")

MAX_QUEUED = 100_000
"""Entries waiting for the store beyond this are dropped (and counted) rather than let an
attacker grow memory without bound."""

_TABLE = AuditRow.__table__  # type: ignore[attr-defined]


def entries_after(
    session: Session,
    after: int = 0,
    *,
    limit: int = 1000,
    principal: str | None = None,
    outcome: str | None = None,
) -> list[AuditEntry]:
    """Up to ``limit`` stored entries numbered above ``after``, oldest first."""
    query = select(AuditRow).where(col(AuditRow.id) > after)
    if principal is not None:
        query = query.where(col(AuditRow.principal) == principal)
    if outcome is not None:
        query = query.where(col(AuditRow.outcome) == outcome)
    rows = session.exec(query.order_by(col(AuditRow.id)).limit(limit))
    return [AuditEntry.from_row(row) for row in rows]


def entries_before(
    session: Session,
    before: int | None = None,
    *,
    limit: int = 1000,
    principal: str | None = None,
    outcome: str | None = None,
) -> list[AuditEntry]:
    """Up to ``limit`` stored entries numbered below ``before`` (the newest, when None),
    newest first."""
    query = select(AuditRow)
    if before is not None:
        query = query.where(col(AuditRow.id) < before)
    if principal is not None:
        query = query.where(col(AuditRow.principal) == principal)
    if outcome is not None:
        query = query.where(col(AuditRow.outcome) == outcome)
    rows = session.exec(query.order_by(col(AuditRow.id).desc()).limit(limit))
    return [AuditEntry.from_row(row) for row in rows]


def _target(event: Event) -> str:
    """What a change is to, as people name it: a note by its path, else by its id."""
    if event.entity == "note":
        path = event.payload.get("note", {}).get("path")
        if isinstance(path, str):
            return path
    return event.entity_id


def _insert(entries: Sequence[AuditEntry], session: Session) -> None:
    session.connection().execute(insert(_TABLE), [entry.row() for entry in entries])


class AuditLog:
    """Records audit entries in ``db`` (when there is a store) and in ``path`` (a JSON
    lines file, when given); with neither, entries are only logged at debug level."""

    def __init__(
        self,
        db: Database | None = None,
        path: str | Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.path = Path(path) if path is not None else None
        self.clock = clock
        self.dropped = 0
        """Entries lost because the queue was full."""
        self._lock = threading.Lock()
        self._queue: list[AuditEntry] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flushing: asyncio.Task[None] | None = None
        self._file: IO[bytes] | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Owner-only: the file says who did what.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._file = os.fdopen(fd, "ab", buffering=0)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Write queued entries to the store from tasks on ``loop``."""
        self._loop = loop

    # -- recording ---------------------------------------------------------------------------
    def record(self, entry: AuditEntry) -> None:
        """Record a refusal or failed authentication (from any thread; never blocks on the
        store)."""
        self._write_lines((entry,))
        if self.db is None:
            log.debug("audit: %s", entry)
            return
        with self._lock:
            if len(self._queue) >= MAX_QUEUED:
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 10_000 == 0:
                    log.warning("audit queue full: %d entries dropped", self.dropped)
                return
            self._queue.append(entry)
            start = len(self._queue) == 1
        if start and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._schedule)

    def refusal(
        self,
        origin: Origin | None,
        *,
        action: str,
        kind: str,
        target: str,
        outcome: str = "denied",
        reason: str = "policy",
        principal: str | None = None,
        transport: str = "local",
    ) -> None:
        """Record that ``origin`` (or ``principal``) was refused ``action`` on ``target``."""
        self.record(
            AuditEntry.of(
                origin,
                ts=round(self.clock(), 6),
                action=action,
                kind=kind,
                target=target,
                outcome=outcome,
                reason=reason,
                principal=principal,
                transport=transport,
            )
        )

    def record_changes(
        self, session: Session, origin: Origin | None, events: Sequence[Event]
    ) -> list[AuditEntry]:
        """Record ``events`` as changes made by ``origin``, in the caller's transaction;
        returns the entries, to hand to :meth:`written` once committed."""
        entries = [
            AuditEntry.of(
                origin,
                ts=event.ts,
                action=event.kind,
                kind=event.entity,
                target=_target(event),
                outcome="ok",
                principal=event.actor,
                seq=event.seq,
            )
            for event in events
        ]
        if entries:
            _insert(entries, session)
        return entries

    def written(self, entries: Sequence[AuditEntry]) -> None:
        """Entries the store committed: copy them to the file."""
        self._write_lines(entries)

    def _write_lines(self, entries: Sequence[AuditEntry]) -> None:
        if self._file is None or not entries:
            return
        data = b"".join(orjson.dumps(e.to_json()) + b"\n" for e in entries)
        with self._lock:
            try:
                self._file.write(data)
            except OSError as exc:
                log.warning("cannot write the audit file %s: %s", self.path, exc)

    # -- flushing ----------------------------------------------------------------------------
    def _schedule(self) -> None:
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self.flush(), name="audit-flush")

    def _take(self) -> list[AuditEntry]:
        with self._lock:
            batch, self._queue = self._queue, []
        return batch

    async def flush(self) -> None:
        """Write every queued entry to the store."""
        while self.db is not None:
            batch = self._take()
            if not batch:
                return
            try:
                await self.db.write(functools.partial(_insert, batch))
            except StoreError as exc:
                log.error("cannot record %d audit entries: %s", len(batch), exc)
                return

    def close(self) -> None:
        """Write what is queued (blocking) and close the file."""
        batch = self._take()
        if batch and self.db is not None:
            try:
                self.db.transaction(functools.partial(_insert, batch))
            except StoreError as exc:
                log.error("cannot record %d audit entries: %s", len(batch), exc)
        if self._file is not None:
            self._file.close()
            self._file = None
