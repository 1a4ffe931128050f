"""A whole board at once: what vault sync hands the store when a board file changed.

The vault holds a board as one file, so a change made there arrives as the board's full
content — lanes in order, their cards in order, the archive. :func:`content_change` turns
that into one ``board.synced`` event carrying the board's new state: lanes matched by title
keep their ids, cards are matched by id, and only what differs gets a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from mcp_workbench.errors import Conflict, InvalidInput
from mcp_workbench.service.core import Limits, check_due, check_size, new_id, normalize_tags
from mcp_workbench.store import EventDraft
from mcp_workbench.store.tables import BoardRow, CardRow, LaneRow

__all__ = ["BoardContent", "CardContent", "LaneContent", "content_change"]

_CARD_FIELDS = ("lane_id", "title", "body", "position", "done", "due", "tags", "archived")


@dataclass(frozen=True)
class CardContent:
    """A card as a board file states it."""

    id: str
    title: str
    body: str = ""
    done: bool = False
    due: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class LaneContent:
    """A lane and its cards, in order."""

    title: str
    cards: tuple[CardContent, ...] = ()
    wip_limit: int | None = None


@dataclass(frozen=True)
class BoardContent:
    """A board's title, lanes (left to right) and archived cards."""

    title: str
    lanes: tuple[LaneContent, ...]
    archive: tuple[CardContent, ...] = ()


def _title(what: str, value: str, limits: Limits) -> str:
    clean = value.strip()
    if not clean:
        raise InvalidInput(f"{what} title must not be empty")
    if len(clean) > limits.max_title_chars:
        raise InvalidInput(f"{what} title is longer than {limits.max_title_chars} characters")
    return clean


def _lane_rows(
    board_id: str, content: BoardContent, existing: list[LaneRow], limits: Limits
) -> list[dict[str, Any]]:
    if not content.lanes:
        raise InvalidInput(f"board {content.title!r} has no lanes: a board needs at least one")
    by_title = {lane.title.casefold(): lane for lane in existing}
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, lane in enumerate(content.lanes):
        title = _title("lane", lane.title, limits)
        if title.casefold() in seen:
            raise InvalidInput(f"board {content.title!r} has two lanes called {title!r}")
        seen.add(title.casefold())
        if lane.wip_limit is not None and lane.wip_limit < 1:
            raise InvalidInput("a WIP limit must be at least 1 (or unset)")
        old = by_title.get(title.casefold())
        rows.append(
            {
                "id": old.id if old is not None else new_id(),
                "board_id": board_id,
                "title": title,
                "position": position,
                "wip_limit": lane.wip_limit,
            }
        )
    return rows


def content_change(
    session: Session,
    board_id: str,
    content: BoardContent,
    now: float,
    limits: Limits,
) -> list[EventDraft]:
    """The event that makes board ``board_id`` hold ``content`` (creating it when it does
    not exist, restoring it when archived); none when it already does.

    Raises:
        InvalidInput: bad titles, dates or tags, duplicate lane titles or card ids.
        Conflict: a card id belongs to another board (``data["card"]`` names it).
    """
    title = _title("board", content.title, limits)
    board = session.get(BoardRow, board_id)
    lanes = (
        list(session.exec(select(LaneRow).where(col(LaneRow.board_id) == board_id)))
        if board is not None
        else []
    )
    lane_rows = _lane_rows(board_id, content, lanes, limits)
    query = select(CardRow).where(col(CardRow.board_id) == board_id)
    existing = {row.id: row for row in session.exec(query)}
    placed: list[tuple[CardContent, str, int, bool]] = [
        (card, lane["id"], position, False)
        for lane, spec in zip(lane_rows, content.lanes, strict=True)
        for position, card in enumerate(spec.cards)
    ]
    kept_lanes = {lane["id"] for lane in lane_rows}
    for card in content.archive:
        old = existing.get(card.id)
        kept = old is not None and old.lane_id in kept_lanes
        lane_id = old.lane_id if old is not None and kept else lane_rows[0]["id"]
        placed.append((card, lane_id, -1, True))
    ids = [card.id for card, *_ in placed]
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"board {title!r} has two cards with the same id")
    foreign = [i for i in ids if i not in existing]
    if foreign:
        taken = session.exec(
            select(CardRow.id, CardRow.board_id).where(col(CardRow.id).in_(foreign))
        ).first()
        if taken is not None:
            raise Conflict(
                f"card {taken[0]} belongs to board {taken[1]}",
                data={"card": taken[0], "board": taken[1]},
            )
    changed = False
    cards: list[dict[str, Any]] = []
    for card, lane_id, position, archived in placed:
        card_title = _title("card", card.title, limits)
        check_size("card body", card.body, limits.max_body_bytes)
        fields = {
            "lane_id": lane_id,
            "title": card_title,
            "body": card.body,
            "position": position,
            "done": card.done,
            "due": check_due(card.due),
            "tags": normalize_tags(list(card.tags)),
            "archived": archived,
        }
        old = existing.get(card.id)
        if old is None:
            state = {
                "id": card.id,
                "board_id": board_id,
                **fields,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            changed = True
        else:
            state = old.model_dump()
            if any(state[k] != fields[k] for k in _CARD_FIELDS):
                state.update(fields, version=old.version + 1, updated_at=now)
                changed = True
        cards.append(state)
    removed = sorted(set(existing) - set(ids))
    old_lanes = sorted(
        ({k: getattr(lane, k) for k in lane_rows[0]} for lane in lanes), key=lambda r: r["id"]
    )
    board_changed = (
        board is None
        or board.title != title
        or board.archived
        or old_lanes != sorted(lane_rows, key=lambda r: r["id"])
    )
    if not (changed or removed or board_changed):
        return []
    version = 1 if board is None else board.version + 1
    state = {
        "id": board_id,
        "title": title,
        "archived": False,
        "version": version,
        "created_at": now if board is None else board.created_at,
        "updated_at": now,
    }
    payload = {"board": state, "lanes": lane_rows, "cards": cards, "removed": removed}
    return [EventDraft("board.synced", "board", board_id, version, payload)]
