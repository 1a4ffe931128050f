"""Writes based on an older version: merged with what changed since, or refused.

A client that read version N of an entity and writes with ``expected_version=N`` after
other clients moved it on to version M does not simply lose its work. Version N (the base)
is read back from the event log, and each field the write sets is merged three-way with
the current value: text by lines (vault sync's merge, the one a vault edit gets), a
mapping key by key, any other value taken from whichever side changed it. A clean merge is
saved as version M+1 with ``merged`` in its event; a clash raises :class:`Conflict` naming
the versions and the fields, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from mcp_workbench.errors import Conflict
from mcp_workbench.service.core import check_version
from mcp_workbench.store.tables import EventRow
from vault_sync.merge import merge_lines, merge_value

__all__ = ["StaleWrite", "card_state_at", "stale_write", "state_at"]

_ABSENT: Any = object()
"""A mapping key one side does not have."""


def stale_write(kind: str, key: str, current: int, expected: int | None) -> StaleWrite | None:
    """The write to merge when ``expected`` is an older version than ``current``; None when
    the write is not stale (no expected version, or the current one).

    Raises:
        Conflict: ``expected`` names no version the entity had (ahead of it, or below 1).
    """
    if expected is None or expected == current:
        return None
    if not 1 <= expected < current:
        check_version(kind, key, current, expected)
    return StaleWrite(kind, key, expected, current)


def _merge_mapping(
    base: Mapping[str, Any], current: Mapping[str, Any], incoming: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Merge mappings key by key (a key dropped on one side stays dropped): (result, keys
    that clashed)."""
    merged: dict[str, Any] = {}
    clashes: list[str] = []
    for key in dict.fromkeys([*current, *incoming, *base]):
        value, clashed = merge_value(
            base.get(key, _ABSENT), current.get(key, _ABSENT), incoming.get(key, _ABSENT)
        )
        if clashed:
            clashes.append(key)
        elif value is not _ABSENT:
            merged[key] = value
    return merged, clashes


@dataclass(frozen=True, slots=True)
class StaleWrite:
    """A write to ``kind`` ``key`` based on version ``expected``, which is now at ``current``."""

    kind: str
    key: str
    expected: int
    current: int

    @property
    def marker(self) -> dict[str, int]:
        """What the merged change's event records: the version the write was based on and
        the one it was merged with."""
        return {"base": self.expected, "current": self.current}

    def merge(
        self,
        base: Mapping[str, Any] | None,
        current: Mapping[str, Any],
        incoming: Mapping[str, Any],
        *,
        text: Collection[str] = (),
        mappings: Collection[str] = (),
    ) -> dict[str, Any]:
        """The fields of ``incoming`` merged with ``current`` from ``base`` (version
        ``expected``): fields named in ``text`` by lines, in ``mappings`` key by key, the
        others as whole values.

        Raises:
            Conflict: the base is not in the log, or both sides changed a field in ways
                that do not merge (``data["fields"]`` says which, and how).
        """
        if base is None:
            raise Conflict(
                f"{self._stale}; version {self.expected} is no longer in the event log, so "
                "your change cannot be merged: reload it and redo your change",
                data={"current": self.current, "expected": self.expected},
            )
        merged: dict[str, Any] = {}
        clashes: dict[str, str] = {}
        for field, value in incoming.items():
            was, now = base.get(field), current.get(field)
            if field in text:
                result = merge_lines(was or "", now or "", value or "")
                if result.text is None:
                    clashes[field] = "; ".join(result.conflicts)
                merged[field] = result.text
            elif field in mappings:
                merged[field], keys = _merge_mapping(was or {}, now or {}, value or {})
                if keys:
                    clashes[field] = ", ".join(f"{k!r}" for k in keys) + " changed on both sides"
            else:
                merged[field], clashed = merge_value(was, now, value)
                if clashed:
                    clashes[field] = "changed on both sides"
        if clashes:
            fields = ", ".join(f"{field} ({why})" for field, why in clashes.items())
            raise Conflict(
                f"{self._stale}, and your change clashes with the changes since in {fields}: "
                "reload it and redo your change there",
                data={"current": self.current, "expected": self.expected, "fields": clashes},
            )
        return merged

    @property
    def _stale(self) -> str:
        return f"{self.kind} {self.key} is at version {self.current}, not {self.expected}"


def _recorded(entity: str, entity_id: str) -> SelectOfScalar[EventRow]:
    """The events of one entity, newest first."""
    return (
        select(EventRow)
        .where(col(EventRow.entity) == entity, col(EventRow.entity_id) == entity_id)
        .order_by(col(EventRow.seq).desc())
    )


def state_at(session: Session, entity: str, entity_id: str, version: int) -> dict[str, Any] | None:
    """The state of ``entity`` ``entity_id`` at ``version`` as its event recorded it (the
    payload's ``entity`` key); None when the log holds no such state."""
    query = _recorded(entity, entity_id).where(col(EventRow.version) == version)
    for row in session.exec(query):
        state = row.payload.get(entity)
        if isinstance(state, dict) and state.get("version") == version:
            return state
    return None


def card_state_at(
    session: Session, card_id: str, board_id: str, version: int
) -> dict[str, Any] | None:
    """The state of card ``card_id`` at ``version``: from its own events, or from the
    board's ``board.synced`` events (a board file edited in the vault changes its cards
    there); None when the log holds no such state."""
    state = state_at(session, "card", card_id, version)
    if state is not None:
        return state
    query = _recorded("board", board_id).where(col(EventRow.kind) == "board.synced")
    for row in session.exec(query):
        for card in row.payload.get("cards", ()):
            if card.get("id") == card_id and card.get("version") == version:
                return dict(card)
    return None
