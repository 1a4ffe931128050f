"""Kanban boards: lanes with WIP limits, cards whose positions stay dense and ordered.

Live cards of a lane are numbered 0..n-1; every card event carries the resulting ``order``
of each lane it touched, so a replay reproduces positions exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.service.board_content import BoardContent, content_change
from mcp_workbench.service.core import (
    Mutation,
    ServiceCore,
    check_due,
    check_size,
    check_version,
    new_id,
    normalize_tags,
)
from mcp_workbench.service.merge import card_state_at, stale_write
from mcp_workbench.service.models import Board, BoardView, Card, Lane
from mcp_workbench.store import EventDraft
from mcp_workbench.store.tables import BoardRow, CardRow, LaneRow

__all__ = ["DEFAULT_LANES", "BoardService", "LaneSpec", "board_slug", "board_uri"]

DEFAULT_LANES = ("Todo", "Doing", "Done")
_BOARD_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
BOARD_SCHEME = "board://"


def board_uri(board_id: str) -> str:
    """The MCP resource URI of a board."""
    return BOARD_SCHEME + board_id


class LaneSpec(BaseModel):
    """A lane as a caller describes it: an existing lane keeps its ``id``."""

    title: str
    id: str | None = None
    wip_limit: int | None = None


def board_slug(title: str) -> str:
    """The id a board titled ``title`` gets unless one is given (or it is taken)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48]
    return slug or "board"


def _check_title(what: str, title: str, limit: int) -> str:
    clean = title.strip()
    if not clean:
        raise InvalidInput(f"{what} title must not be empty")
    if len(clean) > limit:
        raise InvalidInput(f"{what} title is longer than {limit} characters")
    return clean


def _lane(row: LaneRow) -> Lane:
    return Lane(id=row.id, title=row.title, position=row.position, wip_limit=row.wip_limit)


def _card(row: CardRow) -> Card:
    return Card.model_validate(row.model_dump())


def _lanes(session: Session, board_id: str) -> list[LaneRow]:
    query = select(LaneRow).where(col(LaneRow.board_id) == board_id)
    return list(session.exec(query.order_by(col(LaneRow.position))))


def _live_cards(session: Session, lane_id: str) -> list[CardRow]:
    query = select(CardRow).where(col(CardRow.lane_id) == lane_id, col(CardRow.archived).is_(False))
    return list(session.exec(query.order_by(col(CardRow.position))))


def _board_state(board: dict[str, Any], lanes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"board": board, "lanes": lanes}


class BoardService:
    """Boards, lanes and cards."""

    def __init__(self, core: ServiceCore) -> None:
        self.core = core

    # -- lookups -------------------------------------------------------------------------
    @staticmethod
    def _board(session: Session, ref: str) -> BoardRow:
        row = session.get(BoardRow, ref)
        if row is not None:
            return row
        query = select(BoardRow).where(func.lower(BoardRow.title) == ref.strip().lower())
        rows = session.exec(query.order_by(col(BoardRow.id))).all()
        if len(rows) > 1:
            ids = ", ".join(r.id for r in rows)
            raise InvalidInput(f"several boards are called {ref!r}: name one by id ({ids})")
        if not rows:
            raise NotFound(f"no board {ref!r}", data={"board": ref})
        return rows[0]

    @staticmethod
    def _lane_of(session: Session, board: BoardRow, ref: str) -> LaneRow:
        lanes = _lanes(session, board.id)
        for lane in lanes:
            if lane.id == ref:
                return lane
        for lane in lanes:
            if lane.title.casefold() == ref.strip().casefold():
                return lane
        titles = ", ".join(lane.title for lane in lanes)
        raise NotFound(f"board {board.id} has no lane {ref!r} (lanes: {titles})")

    @staticmethod
    def _card_row(session: Session, card_id: str) -> CardRow:
        row = session.get(CardRow, card_id)
        if row is None:
            raise NotFound(f"no card {card_id!r}", data={"card": card_id})
        return row

    # -- boards --------------------------------------------------------------------------
    def _lane_rows(
        self, board_id: str, specs: Sequence[LaneSpec], existing: dict[str, LaneRow]
    ) -> list[dict[str, Any]]:
        if not specs:
            raise InvalidInput("a board needs at least one lane")
        rows = []
        seen: set[str] = set()
        for position, spec in enumerate(specs):
            title = _check_title("lane", spec.title, self.core.limits.max_title_chars)
            if title.casefold() in seen:
                raise InvalidInput(f"two lanes are called {title!r}")
            seen.add(title.casefold())
            if spec.wip_limit is not None and spec.wip_limit < 1:
                raise InvalidInput("a WIP limit must be at least 1 (or unset)")
            if spec.id is not None and spec.id not in existing:
                raise NotFound(f"board {board_id} has no lane {spec.id!r}")
            rows.append(
                {
                    "id": spec.id or new_id(),
                    "board_id": board_id,
                    "title": title,
                    "position": position,
                    "wip_limit": spec.wip_limit,
                }
            )
        return rows

    async def create_board(
        self,
        title: str,
        *,
        lanes: Sequence[str | LaneSpec] = DEFAULT_LANES,
        board_id: str | None = None,
        actor: str,
    ) -> BoardView:
        """A new board with ``lanes`` (default Todo, Doing, Done).

        Raises:
            InvalidInput: bad title, id or lanes.
            Conflict: the id is taken.
        """
        clean = _check_title("board", title, self.core.limits.max_title_chars)
        if board_id is not None and not _BOARD_ID.match(board_id):
            raise InvalidInput(f"invalid board id {board_id!r}: lowercase letters, digits, '-'")
        specs = [LaneSpec(title=lane) if isinstance(lane, str) else lane for lane in lanes]
        if any(spec.id for spec in specs):
            raise InvalidInput("lanes of a new board cannot name ids")

        def mutation(session: Session, now: float) -> list[EventDraft]:
            chosen = board_id or board_slug(clean)
            if session.get(BoardRow, chosen) is not None:
                if board_id is not None:
                    raise Conflict(f"a board {chosen!r} exists")
                base, n = chosen, 2
                while session.get(BoardRow, chosen) is not None:
                    chosen, n = f"{base}-{n}", n + 1
            board = {
                "id": chosen,
                "title": clean,
                "archived": False,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            lane_rows = self._lane_rows(chosen, specs, {})
            return [EventDraft("board.created", "board", chosen, 1, _board_state(board, lane_rows))]

        events = await self.core.commit(mutation, actor)
        return await self.get_board(events[0].entity_id)

    async def update_board(
        self,
        board: str,
        *,
        title: str | None = None,
        lanes: Sequence[LaneSpec] | None = None,
        archived: bool | None = None,
        expected_version: int | None = None,
        actor: str,
    ) -> BoardView:
        """Rename a board, archive it, or replace its lanes (add, rename, reorder, limits).

        A lane can only be dropped when it holds no cards.

        Raises:
            NotFound: no such board or lane.
            Conflict: stale version, or a dropped lane still has cards.
            InvalidInput: bad title or lanes.
        """

        def mutation(session: Session, now: float) -> list[EventDraft]:
            row = self._board(session, board)
            check_version("board", row.id, row.version, expected_version)
            existing = {lane.id: lane for lane in _lanes(session, row.id)}
            if lanes is None:
                lane_rows = [
                    {
                        k: getattr(lane, k)
                        for k in ("id", "board_id", "title", "position", "wip_limit")
                    }
                    for lane in existing.values()
                ]
            else:
                lane_rows = self._lane_rows(row.id, lanes, existing)
                kept = {lane["id"] for lane in lane_rows}
                for lane_id, lane in existing.items():
                    in_use = session.exec(
                        select(CardRow.id).where(col(CardRow.lane_id) == lane_id)
                    ).first()
                    if lane_id not in kept and in_use is not None:
                        raise Conflict(f"lane {lane.title!r} still has cards: move them first")
            state = {
                "id": row.id,
                "title": row.title
                if title is None
                else _check_title("board", title, self.core.limits.max_title_chars),
                "archived": row.archived if archived is None else archived,
                "version": row.version + 1,
                "created_at": row.created_at,
                "updated_at": now,
            }
            return [
                EventDraft(
                    "board.updated",
                    "board",
                    row.id,
                    row.version + 1,
                    _board_state(state, lane_rows),
                )
            ]

        events = await self.core.commit(mutation, actor)
        return await self.get_board(events[0].entity_id)

    async def save_content(self, board_id: str, content: BoardContent, *, actor: str) -> None:
        """Make board ``board_id`` hold exactly ``content`` in one change (creating it, or
        restoring it from the archive): what a board file edited in the vault says.

        Raises:
            InvalidInput: bad id, titles, dates or tags; duplicate lanes or card ids.
            Conflict: a card id belongs to another board.
        """
        if not _BOARD_ID.match(board_id):
            raise InvalidInput(f"invalid board id {board_id!r}: lowercase letters, digits, '-'")
        limits = self.core.limits

        def mutation(session: Session, now: float) -> list[EventDraft]:
            return content_change(session, board_id, content, now, limits)

        await self.core.commit(mutation, actor)

    async def list_boards(self, *, include_archived: bool = False) -> list[Board]:
        """Boards by title."""

        def read(session: Session) -> list[Board]:
            query = select(BoardRow).order_by(col(BoardRow.title))
            if not include_archived:
                query = query.where(col(BoardRow.archived).is_(False))
            return [self._board_model(session, row) for row in session.exec(query)]

        return await self.core.db.read(read)

    @staticmethod
    def _board_model(session: Session, row: BoardRow) -> Board:
        return Board(
            id=row.id,
            title=row.title,
            archived=row.archived,
            version=row.version,
            lanes=[_lane(lane) for lane in _lanes(session, row.id)],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def get_board(self, board: str, *, include_archived: bool = False) -> BoardView:
        """A board with its cards, lane by lane in order.

        Raises:
            NotFound: no such board.
        """

        def read(session: Session) -> BoardView:
            row = self._board(session, board)
            base = self._board_model(session, row)
            query = select(CardRow).where(col(CardRow.board_id) == row.id)
            if not include_archived:
                query = query.where(col(CardRow.archived).is_(False))
            lane_order = {lane.id: lane.position for lane in base.lanes}
            cards = sorted(
                (_card(c) for c in session.exec(query)),
                key=lambda c: (c.archived, lane_order.get(c.lane_id, 0), c.position),
            )
            return BoardView(**base.model_dump(), cards=cards)

        return await self.core.db.read(read)

    # -- cards ---------------------------------------------------------------------------
    def _check_wip(self, session: Session, lane: LaneRow, force: bool) -> None:
        if lane.wip_limit is not None and not force:
            count = len(_live_cards(session, lane.id))
            if count >= lane.wip_limit:
                raise Conflict(
                    f"lane {lane.title!r} is at its WIP limit ({lane.wip_limit}); "
                    "finish something first or pass force",
                    data={"lane": lane.id, "wip_limit": lane.wip_limit},
                )

    @staticmethod
    def _insert(ids: list[str], card_id: str, position: int | None) -> list[str]:
        ids = [i for i in ids if i != card_id]
        if position is None or position >= len(ids):
            return [*ids, card_id]
        if position < 0:
            raise InvalidInput("position must be 0 or more")
        return [*ids[:position], card_id, *ids[position:]]

    @staticmethod
    def _card_event(kind: str, state: dict[str, Any], order: dict[str, list[str]]) -> EventDraft:
        state = {
            **state,
            "position": order[state["lane_id"]].index(state["id"])
            if state["id"] in order.get(state["lane_id"], [])
            else state["position"],
        }
        return EventDraft(
            kind, "card", state["id"], state["version"], {"card": state, "order": order}
        )

    async def create_card(
        self,
        board: str,
        lane: str,
        title: str,
        *,
        body: str = "",
        due: str | None = None,
        tags: list[str] | None = None,
        position: int | None = None,
        force: bool = False,
        actor: str,
    ) -> Card:
        """A new card in ``lane`` of ``board`` (by id or title), at ``position`` or last.

        Raises:
            NotFound: no such board or lane.
            Conflict: the lane is at its WIP limit (unless ``force``).
            InvalidInput: bad title, body, due date or tags.
        """
        limits = self.core.limits
        clean = _check_title("card", title, limits.max_title_chars)
        check_size("card body", body, limits.max_body_bytes)
        due_date = check_due(due)
        card_tags = normalize_tags(tags or [])
        if position is not None and position < 0:
            raise InvalidInput("position must be 0 or more")

        def mutation(session: Session, now: float) -> list[EventDraft]:
            board_row = self._board(session, board)
            lane_row = self._lane_of(session, board_row, lane)
            self._check_wip(session, lane_row, force)
            card_id = new_id()
            ids = self._insert([c.id for c in _live_cards(session, lane_row.id)], card_id, position)
            state = {
                "id": card_id,
                "board_id": board_row.id,
                "lane_id": lane_row.id,
                "title": clean,
                "body": body,
                "position": 0,
                "done": False,
                "due": due_date,
                "tags": card_tags,
                "archived": False,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            return [self._card_event("card.created", state, {lane_row.id: ids})]

        events = await self.core.commit(mutation, actor)
        return Card.model_validate(events[0].payload["card"])

    async def update_card(
        self,
        card_id: str,
        *,
        title: str | None = None,
        body: str | None = None,
        due: str | None = None,
        tags: list[str] | None = None,
        done: bool | None = None,
        expected_version: int | None = None,
        actor: str,
    ) -> Card:
        """Change a card's title, body, due date (``""`` clears it), tags or done flag.

        A change based on an older version is merged with the changes made since (title
        and body by lines).

        Raises:
            NotFound: no such card.
            Conflict: ``expected_version`` is ahead, or the changes since clash with this.
            InvalidInput: bad values.
        """
        limits = self.core.limits
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = _check_title("card", title, limits.max_title_chars)
        if body is not None:
            check_size("card body", body, limits.max_body_bytes)
            changes["body"] = body
        if due is not None:
            changes["due"] = check_due(due)
        if tags is not None:
            changes["tags"] = normalize_tags(tags)
        if done is not None:
            changes["done"] = done

        def mutation(session: Session, now: float) -> list[EventDraft]:
            row = self._card_row(session, card_id)
            current = row.model_dump()
            merged, event = changes, dict[str, Any]()
            stale = stale_write("card", card_id, row.version, expected_version)
            if stale is not None:
                base = card_state_at(session, card_id, row.board_id, stale.expected)
                merged = stale.merge(base, current, changes, text=("title", "body"))
                check_size("card body", merged.get("body", ""), limits.max_body_bytes)
                event["merged"] = stale.marker
            if all(current[k] == v for k, v in merged.items()):
                return []
            event["card"] = {**current, **merged, "version": row.version + 1, "updated_at": now}
            return [EventDraft("card.updated", "card", card_id, row.version + 1, event)]

        return await self._commit_card(mutation, actor, card_id)

    async def move_card(
        self,
        card_id: str,
        *,
        lane: str | None = None,
        position: int | None = None,
        expected_version: int | None = None,
        force: bool = False,
        actor: str,
    ) -> Card:
        """Move a card to ``lane`` (default: its own) at ``position`` (default: last).

        Positions in both lanes are renumbered so each lane stays 0..n-1.

        Raises:
            NotFound: no such card or lane.
            Conflict: stale version, archived card, or target lane at its WIP limit.
            InvalidInput: negative position.
        """
        if position is not None and position < 0:
            raise InvalidInput("position must be 0 or more")

        def mutation(session: Session, now: float) -> list[EventDraft]:
            row = self._card_row(session, card_id)
            check_version("card", card_id, row.version, expected_version)
            if row.archived:
                raise Conflict(f"card {card_id} is archived: restore it first")
            board_row = self._board(session, row.board_id)
            target = (
                self._lane_of(session, board_row, lane)
                if lane
                else session.get(LaneRow, row.lane_id)
            )
            assert target is not None
            order: dict[str, list[str]] = {}
            if target.id != row.lane_id:
                self._check_wip(session, target, force)
                order[row.lane_id] = [
                    c.id for c in _live_cards(session, row.lane_id) if c.id != card_id
                ]
            ids = self._insert([c.id for c in _live_cards(session, target.id)], card_id, position)
            order[target.id] = ids
            if target.id == row.lane_id and ids.index(card_id) == row.position:
                return []
            state = {
                **row.model_dump(),
                "lane_id": target.id,
                "version": row.version + 1,
                "updated_at": now,
            }
            return [self._card_event("card.moved", state, order)]

        return await self._commit_card(mutation, actor, card_id)

    async def archive_card(
        self,
        card_id: str,
        *,
        archived: bool = True,
        expected_version: int | None = None,
        actor: str,
    ) -> Card:
        """Archive a card (it leaves its lane's order) or restore it (last in its lane).

        Raises:
            NotFound: no such card.
            Conflict: stale version.
        """

        def mutation(session: Session, now: float) -> list[EventDraft]:
            row = self._card_row(session, card_id)
            check_version("card", card_id, row.version, expected_version)
            if row.archived == archived:
                return []
            others = [c.id for c in _live_cards(session, row.lane_id) if c.id != card_id]
            ids = others if archived else [*others, card_id]
            state = {
                **row.model_dump(),
                "archived": archived,
                "version": row.version + 1,
                "updated_at": now,
                "position": len(others) if not archived else -1,
            }
            kind = "card.archived" if archived else "card.restored"
            return [self._card_event(kind, state, {row.lane_id: ids})]

        return await self._commit_card(mutation, actor, card_id)

    async def _commit_card(self, mutation: Mutation, actor: str, card_id: str) -> Card:
        """Commit a change to one card; the new state comes from its event, or (when the
        change turned out to be none) from the store."""
        events = await self.core.commit(mutation, actor)
        if events:
            return Card.model_validate(events[-1].payload["card"])
        return await self.get_card(card_id)

    async def board_id(self, board: str) -> str:
        """The id of the board ``board`` names (by id or title).

        Raises:
            NotFound: no such board.
            InvalidInput: several boards have that title.
        """
        return await self.core.db.read(lambda s: self._board(s, board).id)

    async def get_card(self, card_id: str) -> Card:
        """One card.

        Raises:
            NotFound: no such card.
        """
        return await self.core.db.read(lambda s: _card(self._card_row(s, card_id)))
