"""``tasks.*`` tools: kanban boards, lanes and cards."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from mcp_workbench.registry import Registry, ToolContext
from mcp_workbench.service import (
    DEFAULT_LANES,
    Board,
    BoardView,
    Card,
    LaneSpec,
    Workbench,
    board_slug,
)
from mcp_workbench.tools import entity_access as access
from mcp_workbench.tools.prompts import actor_of

__all__ = ["BoardList", "register"]

_READ = {"readOnlyHint": True, "idempotentHint": True}
_WRITE = {"readOnlyHint": False, "destructiveHint": False}

BoardRef = Annotated[str, Field(description="Board id or title.")]
LaneRef = Annotated[str, Field(description="Lane id or title, e.g. 'Doing'.")]
CardId = Annotated[str, Field(description="Card id.")]
ExpectedVersion = Annotated[
    int | None,
    Field(description="The version your change is based on; a newer one makes this fail."),
]
Position = Annotated[int | None, Field(ge=0, description="0 is the top; default: the bottom.")]
Force = Annotated[bool, Field(description="Ignore the lane's WIP limit.")]


_DEFAULT_LANES = list(DEFAULT_LANES)  # pydantic copies defaults: shared safely


class BoardList(BaseModel):
    """Boards, by title."""

    boards: list[Board]


def _id(board: Board) -> str:
    return board.id


def register(registry: Registry, workbench: Workbench) -> None:
    """Add the ``tasks.*`` tools to ``registry``."""
    service = workbench.boards

    @registry.tool("tasks.list_boards", annotations=_READ, title="List boards")
    async def list_boards(ctx: ToolContext, include_archived: bool = False) -> BoardList:
        """Every board with its lanes."""
        boards = await service.list_boards(include_archived=include_archived)
        return BoardList(boards=ctx.visible("board", boards, _id))

    @registry.tool("tasks.get_board", annotations=_READ, title="Show a board")
    async def get_board(
        ctx: ToolContext, board: BoardRef, include_archived: bool = False
    ) -> BoardView:
        """A board with its lanes and cards, each lane's cards in order."""
        board_id = await access.board(ctx, "read", service, board)
        return await service.get_board(board_id, include_archived=include_archived)

    @registry.tool("tasks.create_board", annotations=_WRITE, title="Create a board")
    async def create_board(
        ctx: ToolContext,
        title: str,
        lanes: Annotated[list[str], Field(min_length=1)] = _DEFAULT_LANES,
        id: Annotated[str | None, Field(description="Default: made from the title.")] = None,
    ) -> BoardView:
        """Create a board with the given lanes (default Todo, Doing, Done)."""
        ctx.require("write", "board", id or board_slug(title), None)
        return await service.create_board(title, lanes=lanes, board_id=id, actor=actor_of(ctx))

    @registry.tool("tasks.update_board", annotations=_WRITE, title="Change a board")
    async def update_board(
        ctx: ToolContext,
        board: BoardRef,
        title: str | None = None,
        lanes: Annotated[
            list[LaneSpec] | None,
            Field(description="All lanes in order; give an existing lane's id to keep it."),
        ] = None,
        archived: bool | None = None,
        expected_version: ExpectedVersion = None,
    ) -> BoardView:
        """Rename or archive a board, or set its lanes (add, rename, reorder, WIP limits)."""
        return await service.update_board(
            await access.board(ctx, "write", service, board),
            title=title,
            lanes=lanes,
            archived=archived,
            expected_version=expected_version,
            actor=actor_of(ctx),
        )

    @registry.tool("tasks.create_card", annotations=_WRITE, title="Add a card")
    async def create_card(
        ctx: ToolContext,
        board: BoardRef,
        lane: LaneRef,
        title: str,
        body: str = "",
        due: Annotated[str | None, Field(description="YYYY-MM-DD")] = None,
        tags: list[str] | None = None,
        position: Position = None,
        force: Force = False,
    ) -> Card:
        """Add a card to a lane of a board."""
        return await service.create_card(
            await access.board(ctx, "write", service, board),
            lane,
            title,
            body=body,
            due=due,
            tags=tags,
            position=position,
            force=force,
            actor=actor_of(ctx),
        )

    @registry.tool("tasks.update_card", annotations=_WRITE, title="Change a card")
    async def update_card(
        ctx: ToolContext,
        card: CardId,
        title: str | None = None,
        body: str | None = None,
        due: Annotated[str | None, Field(description="YYYY-MM-DD; '' clears it.")] = None,
        tags: list[str] | None = None,
        done: bool | None = None,
        expected_version: ExpectedVersion = None,
    ) -> Card:
        """Change a card's title, body, due date, tags or done flag. A change based on an
        older version is merged with the changes made since; it fails, naming what clashed,
        only where both changed the same lines or values."""
        await access.card_board(ctx, service, card)
        return await service.update_card(
            card,
            title=title,
            body=body,
            due=due,
            tags=tags,
            done=done,
            expected_version=expected_version,
            actor=actor_of(ctx),
        )

    @registry.tool("tasks.move_card", annotations=_WRITE, title="Move a card")
    async def move_card(
        ctx: ToolContext,
        card: CardId,
        lane: Annotated[str | None, Field(description="Lane id or title; default: same.")] = None,
        position: Position = None,
        expected_version: ExpectedVersion = None,
        force: Force = False,
    ) -> Card:
        """Move a card to another lane and/or position; other cards close up."""
        await access.card_board(ctx, service, card)
        return await service.move_card(
            card,
            lane=lane,
            position=position,
            expected_version=expected_version,
            force=force,
            actor=actor_of(ctx),
        )

    @registry.tool("tasks.archive_card", annotations=_WRITE, title="Archive a card")
    async def archive_card(
        ctx: ToolContext,
        card: CardId,
        archived: Annotated[bool, Field(description="False restores the card.")] = True,
        expected_version: ExpectedVersion = None,
    ) -> Card:
        """Archive a card (it leaves its lane) or restore it (to the bottom of its lane)."""
        await access.card_board(ctx, service, card)
        return await service.archive_card(
            card, archived=archived, expected_version=expected_version, actor=actor_of(ctx)
        )

    del list_boards, get_board, create_board, update_board, create_card, update_card
    del move_card, archive_card
