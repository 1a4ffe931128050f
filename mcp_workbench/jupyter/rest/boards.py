"""``/boards`` and ``/cards``: kanban boards, their lanes (with WIP limits) and cards.

A board is ``Board::"<id>"`` to the access policy, and its cards go with it: reading needs
``read``, any change to the board or a card on it ``write``; the list shows what may be
listed. Boards are named by id in URLs (a title works too, when no other board has it).
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.errors import NotFound
from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import (
    BoardCreate,
    BoardQuery,
    BoardUpdate,
    CardCreate,
    CardMove,
    CardUpdate,
)
from mcp_workbench.jupyter.rest.spec import Param, Route
from mcp_workbench.service import Board, BoardView, Card, board_slug

__all__ = ["ROUTES"]


def _id(board: Board) -> str:
    return board.id


class _BoardHandler(RestHandler):
    async def board(self, action: str, ref: str) -> str:
        """The id of the board ``ref`` names, once the caller may ``action`` it.

        Raises:
            NotFound: no such board, or the caller may not even list it.
            PermissionDenied: it may list it, but not do this.
        """
        board_id = await self.store.boards.board_id(ref)
        missing = NotFound(f"no board {ref!r}", data={"board": ref})
        self.require(action, "board", board_id, missing)
        return board_id

    async def card(self, action: str, card_id: str) -> Card:
        """The card ``card_id``, once the caller may ``action`` the board it is on.

        Raises:
            NotFound: no such card, or the caller may not even list its board.
            PermissionDenied: it may list the board, but not do this.
        """
        card = await self.store.boards.get_card(card_id)
        missing = NotFound(f"no card {card_id!r}", data={"card": card_id})
        self.require(action, "board", card.board_id, missing)
        return card


class BoardsHandler(_BoardHandler):
    """``/boards``"""

    @web.authenticated
    @authorized
    @operation(query=BoardQuery, response=list[Board])
    async def get(self, *, query: BoardQuery) -> list[Board]:
        """List boards

        By title, with their lanes; archived ones only with ``include_archived``.
        """
        boards = await self.store.boards.list_boards(include_archived=query.include_archived)
        return self.visible("board", boards, _id)

    @web.authenticated
    @authorized
    @operation(body=BoardCreate, response=BoardView, status=201, etag="version", errors=(409,))
    async def post(self, *, body: BoardCreate) -> BoardView:
        """Create a board

        With the lanes given (default Todo, Doing, Done); its id is made from the title
        unless given (409 if a given id is taken).
        """
        self.require("write", "board", body.id or board_slug(body.title), None)
        return await self.store.boards.create_board(
            body.title, lanes=body.lanes, board_id=body.id, actor=self.actor
        )


class BoardHandler(_BoardHandler):
    """``/boards/{board}``"""

    @web.authenticated
    @authorized
    @operation(query=BoardQuery, response=BoardView, etag="version")
    async def get(self, board: str, *, query: BoardQuery) -> BoardView:
        """Read a board

        Its lanes and cards, each lane's in order; archived cards only with
        ``include_archived``.
        """
        board_id = await self.board("read", board)
        return await self.store.boards.get_board(board_id, include_archived=query.include_archived)

    @web.authenticated
    @authorized
    @operation(body=BoardUpdate, response=BoardView, etag="version", if_match=True)
    async def patch(self, board: str, *, body: BoardUpdate, expected: int | None) -> BoardView:
        """Change a board

        Rename it, archive or restore it, or replace its lanes: add, rename, reorder, set
        WIP limits (an existing lane keeps its id; 409 if a lane dropped still has cards).
        """
        board_id = await self.board("write", board)
        return await self.store.boards.update_board(
            board_id,
            title=body.title,
            lanes=body.lanes,
            archived=body.archived,
            expected_version=expected,
            actor=self.actor,
        )


class BoardCardsHandler(_BoardHandler):
    """``/boards/{board}/cards``"""

    @web.authenticated
    @authorized
    @operation(body=CardCreate, response=Card, status=201, etag="version", errors=(409,))
    async def post(self, board: str, *, body: CardCreate) -> Card:
        """Add a card

        To a lane (by id or title), at ``position`` or the bottom; 409 if the lane is at
        its WIP limit (unless ``force``).
        """
        board_id = await self.board("write", board)
        return await self.store.boards.create_card(
            board_id,
            body.lane,
            body.title,
            body=body.body,
            due=body.due,
            tags=body.tags,
            position=body.position,
            force=body.force,
            actor=self.actor,
        )


class CardHandler(_BoardHandler):
    """``/cards/{card}``"""

    @web.authenticated
    @authorized
    @operation(response=Card, etag="version")
    async def get(self, card: str) -> Card:
        """Read a card"""
        return await self.card("read", card)

    @web.authenticated
    @authorized
    @operation(body=CardUpdate, response=Card, etag="version", if_match=True)
    async def patch(self, card: str, *, body: CardUpdate, expected: int | None) -> Card:
        """Change a card

        Its title, body, due date (``""`` clears it), tags or done flag.
        """
        await self.card("write", card)
        return await self.store.boards.update_card(
            card,
            title=body.title,
            body=body.body,
            due=body.due,
            tags=body.tags,
            done=body.done,
            expected_version=expected,
            actor=self.actor,
        )


class CardMoveHandler(_BoardHandler):
    """``/cards/{card}/move``"""

    @web.authenticated
    @authorized
    @operation(body=CardMove, response=Card, etag="version", if_match=True)
    async def post(self, card: str, *, body: CardMove, expected: int | None) -> Card:
        """Move a card

        To another lane and/or position; the other cards close up. 409 if the card is
        archived or the lane at its WIP limit (unless ``force``).
        """
        await self.card("write", card)
        return await self.store.boards.move_card(
            card,
            lane=body.lane,
            position=body.position,
            expected_version=expected,
            force=body.force,
            actor=self.actor,
        )


class CardArchiveHandler(_BoardHandler):
    """``/cards/{card}/archive``"""

    @web.authenticated
    @authorized
    @operation(response=Card, etag="version", if_match=True)
    async def post(self, card: str, *, expected: int | None) -> Card:
        """Archive a card

        It leaves its lane (the others close up) and boards hide it by default.
        """
        await self.card("write", card)
        return await self.store.boards.archive_card(
            card, archived=True, expected_version=expected, actor=self.actor
        )


class CardRestoreHandler(_BoardHandler):
    """``/cards/{card}/restore``"""

    @web.authenticated
    @authorized
    @operation(response=Card, etag="version", if_match=True)
    async def post(self, card: str, *, expected: int | None) -> Card:
        """Restore a card

        Back to the bottom of its lane.
        """
        await self.card("write", card)
        return await self.store.boards.archive_card(
            card, archived=False, expected_version=expected, actor=self.actor
        )


_BOARD = {"board": Param(r"[^/]+", "Board id (or title).")}
_CARD = {"card": Param(r"[^/]+", "Card id.")}

ROUTES = [
    Route("/boards", BoardsHandler),
    Route("/boards/{board}", BoardHandler, _BOARD),
    Route("/boards/{board}/cards", BoardCardsHandler, _BOARD),
    Route("/cards/{card}", CardHandler, _CARD),
    Route("/cards/{card}/move", CardMoveHandler, _CARD),
    Route("/cards/{card}/archive", CardArchiveHandler, _CARD),
    Route("/cards/{card}/restore", CardRestoreHandler, _CARD),
]
