"""Rebuild the state tables from the event log, or prove they equal its replay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from mcp_workbench.store.events import events_after
from mcp_workbench.store.projection import apply
from mcp_workbench.store.tables import STATE_TABLES

__all__ = ["Difference", "replay", "snapshot", "verify"]

Difference = tuple[str, Any, Any, Any]
"""(table, primary key, row in the store, row from the replay); a missing row is None."""

_BATCH = 5000


def snapshot(session: Session) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every state row, by table and primary key."""
    out: dict[str, dict[Any, dict[str, Any]]] = {}
    for model in STATE_TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        keys = [c.name for c in table.primary_key.columns]
        rows = {}
        for row in session.execute(select(table)).mappings():
            rows[tuple(row[k] for k in keys)] = dict(row)
        out[table.name] = rows
    return out


def replay(session: Session) -> int:
    """Empty the state tables and apply every event again; returns how many were applied."""
    for model in reversed(STATE_TABLES):
        session.execute(delete(model.__table__))  # type: ignore[attr-defined]
    session.flush()
    seq = count = 0
    while True:
        batch = events_after(session, seq, _BATCH)
        if not batch:
            return count
        for event in batch:
            apply(session, event)
            seq = event.seq
            count += 1
        session.flush()


def verify(session: Session) -> list[Difference]:
    """Differences between the state tables and a replay of the log (empty: they agree).

    Replays inside the caller's transaction; the caller rolls it back.
    """
    before = snapshot(session)
    replay(session)
    session.flush()
    after = snapshot(session)
    differences: list[Difference] = []
    for table in sorted(before):
        stored, replayed = before[table], after[table]
        for key in sorted(set(stored) | set(replayed), key=repr):
            if stored.get(key) != replayed.get(key):
                differences.append((table, key, stored.get(key), replayed.get(key)))
    return differences
