"""From events to state: the one place that writes the state tables.

The service records an event and this module applies it, in the same transaction; a
rebuild replays the log through the same functions. So the state tables are, by
construction, what the event log says, and ``db rebuild --verify`` can prove it.

Payloads carry the entity's full new state (``"prompt"``, ``"note"``, ``"board"``,
``"card"`` ...), plus, for card events, the resulting ``"order"`` of each lane touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam
from sqlmodel import Session, col, delete, update

from mcp_workbench.store.search import insert_notes
from mcp_workbench.store.tables import (
    BoardRow,
    CardRow,
    CatalogItemRow,
    FeedbackRow,
    LaneRow,
    NoteRow,
    PromptLabelRow,
    PromptRow,
    PromptVersionRow,
)

if TYPE_CHECKING:
    from mcp_workbench.store.events import Event

__all__ = ["KINDS", "apply", "apply_many"]

_Apply = Callable[[Session, dict[str, Any]], None]


def _prompt_version(session: Session, payload: dict[str, Any]) -> None:
    session.merge(PromptRow(**payload["prompt"]))
    session.add(PromptVersionRow(**payload["version"]))
    for label, version in payload.get("labels", {}).items():
        session.merge(PromptLabelRow(name=payload["prompt"]["name"], label=label, version=version))


def _prompt_label(session: Session, payload: dict[str, Any]) -> None:
    name, label, version = payload["name"], payload["label"], payload["version"]
    if version is None:
        session.exec(
            delete(PromptLabelRow).where(
                col(PromptLabelRow.name) == name, col(PromptLabelRow.label) == label
            )
        )
    else:
        session.merge(PromptLabelRow(name=name, label=label, version=version))


def _prompt_deleted(session: Session, payload: dict[str, Any]) -> None:
    name = payload["name"]
    session.exec(delete(PromptLabelRow).where(col(PromptLabelRow.name) == name))
    session.exec(delete(PromptVersionRow).where(col(PromptVersionRow.name) == name))
    session.exec(delete(PromptRow).where(col(PromptRow.name) == name))


def _prompt_renamed(session: Session, payload: dict[str, Any]) -> None:
    old, new = payload["from"], payload["prompt"]["name"]
    session.add(PromptRow(**payload["prompt"]))
    session.flush()  # the new parent first: versions and labels point at it
    session.exec(update(PromptVersionRow).where(col(PromptVersionRow.name) == old).values(name=new))
    session.exec(update(PromptLabelRow).where(col(PromptLabelRow.name) == old).values(name=new))
    session.exec(
        update(FeedbackRow)
        .where(col(FeedbackRow.entity) == "prompt", col(FeedbackRow.entity_id) == old)
        .values(entity_id=new)
    )
    session.exec(delete(PromptRow).where(col(PromptRow.name) == old))
    session.expire_all()


def _note_created(session: Session, payload: dict[str, Any]) -> None:
    session.add(NoteRow(**payload["note"]))


def _note_saved(session: Session, payload: dict[str, Any]) -> None:
    session.merge(NoteRow(**payload["note"]))


def _note_deleted(session: Session, payload: dict[str, Any]) -> None:
    session.exec(delete(NoteRow).where(col(NoteRow.id) == payload["note"]["id"]))


def _board_saved(session: Session, payload: dict[str, Any]) -> None:
    board = payload["board"]
    session.merge(BoardRow(**board))
    keep = [lane["id"] for lane in payload["lanes"]]
    session.flush()
    session.exec(
        delete(LaneRow).where(col(LaneRow.board_id) == board["id"], col(LaneRow.id).not_in(keep))
    )
    for lane in payload["lanes"]:
        session.merge(LaneRow(**lane))


def _board_synced(session: Session, payload: dict[str, Any]) -> None:
    """A board's whole state: new lanes before the cards in them, dropped cards before the
    lanes they were in (foreign keys hold at every step)."""
    board = payload["board"]
    session.merge(BoardRow(**board))
    for lane in payload["lanes"]:
        session.merge(LaneRow(**lane))
    session.flush()
    if payload["removed"]:
        session.exec(delete(CardRow).where(col(CardRow.id).in_(payload["removed"])))
    for card in payload["cards"]:
        session.merge(CardRow(**card))
    session.flush()
    keep = [lane["id"] for lane in payload["lanes"]]
    session.exec(
        delete(LaneRow).where(col(LaneRow.board_id) == board["id"], col(LaneRow.id).not_in(keep))
    )
    session.expire_all()


_CARDS: Table = CardRow.__table__  # type: ignore[attr-defined]
_SET_POSITION = (
    update(_CARDS)
    .where(_CARDS.c.id == bindparam("card_id"))
    .values(position=bindparam("new_position"))
)


def _card_created(session: Session, payload: dict[str, Any]) -> None:
    session.add(CardRow(**payload["card"]))
    _card_order(session, payload)


def _card_saved(session: Session, payload: dict[str, Any]) -> None:
    session.merge(CardRow(**payload["card"]))
    _card_order(session, payload)


def _card_order(session: Session, payload: dict[str, Any]) -> None:
    rows = [
        {"card_id": card_id, "new_position": position}
        for ids in payload.get("order", {}).values()
        for position, card_id in enumerate(ids)
    ]
    if rows:
        session.flush()
        # One statement for the whole lane; the ORM objects are refreshed on next access.
        session.connection().execute(_SET_POSITION, rows)
        session.expire_all()


def _feedback(session: Session, payload: dict[str, Any]) -> None:
    session.add(FeedbackRow(**payload["feedback"]))


def _catalog_item(session: Session, payload: dict[str, Any]) -> None:
    session.merge(CatalogItemRow(**payload["item"]))


def _catalog_removed(session: Session, payload: dict[str, Any]) -> None:
    item = payload["item"]
    session.exec(
        delete(CatalogItemRow).where(
            col(CatalogItemRow.node) == item["node"],
            col(CatalogItemRow.kind) == item["kind"],
            col(CatalogItemRow.key) == item["key"],
        )
    )


KINDS: dict[str, _Apply] = {
    "prompt.created": _prompt_version,
    "prompt.versioned": _prompt_version,
    "prompt.labelled": _prompt_label,
    "prompt.renamed": _prompt_renamed,
    "prompt.deleted": _prompt_deleted,
    "note.created": _note_created,
    "note.updated": _note_saved,
    "note.moved": _note_saved,
    "note.deleted": _note_deleted,
    "board.created": _board_saved,
    "board.updated": _board_saved,
    "board.synced": _board_synced,
    "card.created": _card_created,
    "card.updated": _card_saved,
    "card.moved": _card_saved,
    "card.archived": _card_saved,
    "card.restored": _card_saved,
    "feedback.created": _feedback,
    "catalog.item": _catalog_item,
    "catalog.removed": _catalog_removed,
}
"""Every event kind the store knows, and how it changes the state tables."""


_NOTES: Table = NoteRow.__table__  # type: ignore[attr-defined]


def _notes_created(session: Session, payloads: list[dict[str, Any]]) -> None:
    session.flush()
    insert_notes(session.connection(), _NOTES, [payload["note"] for payload in payloads])


BULK: dict[str, Callable[[Session, list[dict[str, Any]]], None]] = {
    "note.created": _notes_created,
}
"""Event kinds whose runs are written with one statement (a vault's first import)."""


def apply_many(session: Session, events: Sequence[Event]) -> None:
    """:func:`apply` each event in order; runs of a kind in :data:`BULK` at once."""
    run: list[Event] = []
    for event in [*events, None]:
        if run and (event is None or event.kind != run[0].kind):
            if len(run) > 1 and run[0].kind in BULK:
                BULK[run[0].kind](session, [e.payload for e in run])
            else:
                for queued in run:
                    apply(session, queued)
            run = []
        if event is not None:
            run.append(event)


def apply(session: Session, event: Event) -> None:
    """Write ``event``'s change to the state tables.

    Raises:
        KeyError: the event kind is unknown (a log written by a newer version).
    """
    KINDS[event.kind](session, event.payload)
