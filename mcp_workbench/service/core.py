"""What every service shares: the database, the bus, limits, and the commit path.

A mutation is a function that runs inside one write transaction: it reads what it needs,
validates, checks the expected version and returns event drafts; :meth:`ServiceCore.commit`
records them (the projection writes state in the same transaction) and, once committed,
hands them to the bus in commit order.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from mcp_workbench.audit import AuditEntry, AuditLog, current_origin
from mcp_workbench.errors import Conflict, InvalidInput
from mcp_workbench.events import EventBus
from mcp_workbench.store import Database, Event, EventDraft, append_many

__all__ = [
    "Limits",
    "Mutation",
    "ServiceCore",
    "check_due",
    "check_size",
    "check_version",
    "new_id",
    "normalize_tags",
]

Mutation = Callable[[Session, float], list[EventDraft]]
"""``(session, now) -> drafts``: a change, computed inside its transaction."""

_TAG = re.compile(r"^[\w/-]{1,64}$", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits on stored text."""

    max_body_bytes: int = 1024 * 1024
    max_title_chars: int = 500


def new_id() -> str:
    """A short random id for notes, lanes, cards and feedback."""
    return uuid.uuid4().hex[:16]


def check_version(kind: str, key: str, current: int, expected: int | None) -> None:
    """Raise ``Conflict`` when the caller's ``expected`` version is not ``current``.

    Raises:
        Conflict: the caller worked from a stale version (``data`` holds both versions).
    """
    if expected is not None and expected != current:
        raise Conflict(
            f"{kind} {key} is at version {current}, not {expected}: reload it and retry",
            data={"current": current, "expected": expected},
        )


def check_size(what: str, value: str, limit: int) -> None:
    """Raise ``InvalidInput`` when ``value`` is longer than ``limit`` bytes in UTF-8.

    Raises:
        InvalidInput: too big.
    """
    size = len(value.encode("utf-8"))
    if size > limit:
        raise InvalidInput(f"{what} is {size} bytes; the limit is {limit}")


def check_due(due: str | None) -> str | None:
    """A due date in ISO form (``YYYY-MM-DD``, or with a time), None for none.

    Raises:
        InvalidInput: not a date.
    """
    if due is None or due == "":
        return None
    try:
        return dt.date.fromisoformat(due).isoformat()
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(due).isoformat(timespec="minutes")
    except ValueError:
        raise InvalidInput(f"invalid due date {due!r}: use YYYY-MM-DD") from None


def normalize_tags(tags: list[str]) -> list[str]:
    """Tags without a leading '#', deduplicated, in the order given.

    Raises:
        InvalidInput: a tag has spaces or characters Obsidian does not allow.
    """
    out: list[str] = []
    for raw in tags:
        tag = raw.strip().lstrip("#")
        if not _TAG.match(tag) or tag.isdigit():
            raise InvalidInput(f"invalid tag {raw!r}: letters, digits, '_', '-', '/' only")
        if tag not in out:
            out.append(tag)
    return out


class ServiceCore:
    """The database, the bus and the limits, and the one path by which changes are made."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.bus = bus
        self.limits = limits or Limits()
        self.clock = clock
        self.after_commit: Callable[[list[Event]], None] = bus.publish_threadsafe
        """Runs on the writer thread right after each commit, with its events."""
        self.audit: AuditLog | None = None
        """Where each change is recorded, with who made it, in its own transaction."""

    async def commit(self, mutation: Mutation, actor: str, *, audited: bool = True) -> list[Event]:
        """Run ``mutation`` in one transaction and record its events; publish once committed.
        ``audited`` false: the server's own bookkeeping (its catalog journal), which no
        caller did, is not written to the audit log.

        Raises:
            Conflict, NotFound, InvalidInput: the mutation refused (nothing was written).
            StoreError: the database failed (nothing was written).
        """

        audit = self.audit if audited else None
        origin = current_origin.get()  # read here: the transaction runs on another thread
        entries: list[AuditEntry] = []

        def transaction(session: Session) -> list[Event]:
            now = round(self.clock(), 6)
            drafts = mutation(session, now)
            events = append_many(session, drafts, actor=actor, ts=now)
            if audit is not None:
                entries.extend(audit.record_changes(session, origin, events))
            return events

        def committed(events: list[Event]) -> None:
            self.after_commit(events)
            if audit is not None:
                audit.written(entries)

        return await self.db.write(transaction, then=committed)
