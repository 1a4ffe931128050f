"""Access to the store's items from its tools: the policy decides per note, prompt and
board, not only per tool.

A note is ``Resource::"note://<path>"`` (as when read as an MCP resource), a prompt
``Prompt::"<name>"``, a board ``Board::"<id>"`` (its cards go with it). Reading needs
``read``, changing needs ``write``, and list and search results show only what the caller
may ``list``. A caller who may not even list an item is told what it would be told if the
item did not exist; creating under a name the caller chose is simply refused.
"""

from __future__ import annotations

from collections.abc import Callable

from mcp_workbench.errors import NotFound
from mcp_workbench.registry import ToolContext
from mcp_workbench.service import BoardService, Workbench, note_path, note_uri

__all__ = ["Require", "board", "card_board", "feedback_target", "note", "prompt"]

Require = Callable[[str, str, str, Exception | None], None]
"""``(action, kind, name, unknown)``: go on, or raise (``ToolContext.require`` and the REST
handlers' own)."""


def note(ctx: ToolContext, action: str, path: str, *, new: bool = False) -> str:
    """The clean path of the note at ``path``, once the caller may ``action`` it; ``new``:
    a path the caller names for a note it is creating or moving there.

    Raises:
        NotFound: the caller may not even list it (as if there were no note there).
        PermissionDenied: the caller may list it but not do this.
        InvalidInput: the path is not a valid note path.
    """
    clean = note_path(path)
    missing = None if new else NotFound(f"no note at {clean}", data={"path": clean})
    ctx.require(action, "resource", note_uri(clean), missing)
    return clean


def prompt(ctx: ToolContext, action: str, name: str, *, new: bool = False) -> None:
    """Go on once the caller may ``action`` the prompt ``name`` (see :func:`note`).

    Raises:
        NotFound, PermissionDenied: as for :func:`note`.
    """
    missing = None if new else NotFound(f"no prompt named {name!r}", data={"name": name})
    ctx.require(action, "prompt", name, missing)


async def board(ctx: ToolContext, action: str, boards: BoardService, ref: str) -> str:
    """The id of the board ``ref`` names, once the caller may ``action`` it.

    Raises:
        NotFound, PermissionDenied: as for :func:`note`.
    """
    board_id = await boards.board_id(ref)
    ctx.require(action, "board", board_id, NotFound(f"no board {ref!r}", data={"board": ref}))
    return board_id


async def card_board(ctx: ToolContext, boards: BoardService, card_id: str) -> None:
    """Go on once the caller may change the board the card ``card_id`` is on.

    Raises:
        NotFound: no such card, or the caller may not even list its board.
        PermissionDenied: the caller may see the board but not change it.
    """
    card = await boards.get_card(card_id)
    missing = NotFound(f"no card {card_id!r}", data={"card": card_id})
    ctx.require("write", "board", card.board_id, missing)


async def feedback_target(
    require: Require, workbench: Workbench, entity: str, entity_id: str
) -> None:
    """Go on once the caller may read the prompt, note (by id) or card (its board) that
    feedback is about; a hidden one is refused with the error a missing one gets.

    Raises:
        NotFound: no such item, or the caller may not even list it.
        PermissionDenied: the caller may list it but not read it.
    """
    if entity == "prompt":
        missing = NotFound(f"no prompt named {entity_id!r}", data={"name": entity_id})
        require("read", "prompt", entity_id, missing)
        await workbench.prompts.info(entity_id)
    elif entity == "note":
        found = await workbench.notes.read_id(entity_id)
        missing = NotFound(f"no note with id {entity_id!r}", data={"id": entity_id})
        require("read", "resource", note_uri(found.path), missing)
    else:
        card = await workbench.boards.get_card(entity_id)
        missing = NotFound(f"no card {entity_id!r}", data={"card": entity_id})
        require("read", "board", card.board_id, missing)
