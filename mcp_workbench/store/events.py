"""The event log: append (writing the projection in the same transaction) and read back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, insert
from sqlmodel import Session, col, select

from mcp_workbench.store.projection import apply, apply_many
from mcp_workbench.store.tables import EventRow

__all__ = ["Event", "EventDraft", "append", "append_many", "events_after", "last_seq"]

_EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class EventDraft:
    """A change about to be recorded: what happened to which entity, and its new state."""

    kind: str
    entity: str
    entity_id: str
    version: int
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """A recorded change; ``seq`` orders every change of the store."""

    seq: int
    ts: float
    actor: str
    kind: str
    entity: str
    entity_id: str
    version: int
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: EventRow) -> Event:
        """The event an ``events`` row holds."""
        assert row.seq is not None
        return cls(
            row.seq,
            row.ts,
            row.actor,
            row.kind,
            row.entity,
            row.entity_id,
            row.version,
            row.payload,
        )

    def to_json(self) -> dict[str, Any]:
        """The event as a JSON object (the wire form of event streams)."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "kind": self.kind,
            "entity": self.entity,
            "id": self.entity_id,
            "version": self.version,
            "payload": self.payload,
        }


def append(session: Session, draft: EventDraft, *, actor: str, ts: float) -> Event:
    """Record ``draft`` and apply it to the state tables, in the caller's transaction."""
    # A Core insert: the ORM's unit of work costs more than the insert itself here.
    result = session.connection().execute(insert(_EVENTS), _row(draft, actor, ts))
    (seq,) = result.inserted_primary_key or (None,)
    assert seq is not None
    event = _event(seq, draft, actor, ts)
    apply(session, event)
    return event


def _row(draft: EventDraft, actor: str, ts: float) -> dict[str, Any]:
    """The ``events`` row recording ``draft`` (its ``seq`` left to the database)."""
    return {
        "ts": ts,
        "actor": actor,
        "kind": draft.kind,
        "entity": draft.entity,
        "entity_id": draft.entity_id,
        "version": draft.version,
        "payload": draft.payload,
    }


def _event(seq: int, draft: EventDraft, actor: str, ts: float) -> Event:
    return Event(
        seq, ts, actor, draft.kind, draft.entity, draft.entity_id, draft.version, draft.payload
    )


def append_many(
    session: Session, drafts: Sequence[EventDraft], *, actor: str, ts: float
) -> list[Event]:
    """Record many drafts with one insert and apply them in order, in the caller's
    transaction (what :func:`append` does for each, at a fraction of the cost)."""
    if len(drafts) < 2:
        return [append(session, draft, actor=actor, ts=ts) for draft in drafts]
    rows = [_row(draft, actor, ts) for draft in drafts]
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # The write lock is held from BEGIN IMMEDIATE: numbers after the last one are ours,
        # and one executemany beats the row-by-row inserts RETURNING takes here.
        start = last_seq(session)
        seqs = list(range(start + 1, start + 1 + len(rows)))
        connection.execute(
            insert(_EVENTS), [{**row, "seq": seq} for row, seq in zip(rows, seqs, strict=True)]
        )
    else:
        statement = insert(_EVENTS).returning(_EVENTS.c.seq, sort_by_parameter_order=True)
        seqs = [row[0] for row in connection.execute(statement, rows)]
    events = [_event(seq, draft, actor, ts) for seq, draft in zip(seqs, drafts, strict=True)]
    apply_many(session, events)
    return events


def events_after(session: Session, seq: int, limit: int = 1000) -> list[Event]:
    """Up to ``limit`` events with a sequence number above ``seq``, oldest first."""
    query = select(EventRow).where(col(EventRow.seq) > seq).order_by(col(EventRow.seq))
    return [Event.from_row(r) for r in session.exec(query.limit(limit))]


def last_seq(session: Session) -> int:
    """The newest sequence number; 0 for an empty log."""
    value = session.exec(select(func.max(col(EventRow.seq)))).one()
    return int(value or 0)
