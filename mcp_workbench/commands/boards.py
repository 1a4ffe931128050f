"""``mcp-workbench boards``: kanban boards, their lanes and cards."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mcp_workbench.commands.common import actor, add_command, add_group, emit, table

if TYPE_CHECKING:
    from mcp_workbench.commands.common import Subparsers
    from mcp_workbench.service import Board, BoardView, Card, Workbench

__all__ = ["add_parser"]


def _expected_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expected-version", type=int, metavar="N", help="refuse unless the card is at version N"
    )


def _tag_option(parser: argparse.ArgumentParser, meaning: str) -> None:
    parser.add_argument("--tag", action="append", dest="tags", metavar="TAG", help=meaning)


def add_parser(sub: Subparsers) -> None:
    """Add ``boards`` and its subcommands."""
    boards = add_group(sub, "boards", "kanban boards in the store: lanes and cards")

    listing = add_command(boards, "list", _list, "list boards with their lanes")
    listing.add_argument("--archived", action="store_true", help="include archived boards")

    show = add_command(boards, "show", _show, "show a board's cards, lane by lane")
    show.add_argument("board", help="the board's id or title")
    show.add_argument("--archived", action="store_true", help="include archived cards")

    create = add_command(boards, "create", _create, "create a board")
    create.add_argument("title")
    create.add_argument(
        "--lane",
        action="append",
        dest="lanes",
        metavar="TITLE",
        help="a lane, left to right; repeatable (default: Todo, Doing, Done)",
    )
    create.add_argument("--id", metavar="ID", help="the board's id (default: from the title)")

    add = add_command(boards, "add-card", _add_card, "add a card to a lane")
    add.add_argument("board", help="the board's id or title")
    add.add_argument("lane", help="the lane's id or title")
    add.add_argument("title")
    add.add_argument("--body", default="", metavar="TEXT", help="the card's Markdown text")
    add.add_argument("--due", metavar="YYYY-MM-DD", help="due date")
    _tag_option(add, "a tag; repeatable")
    add.add_argument("--position", type=int, metavar="N", help="0 is the top (default: last)")
    add.add_argument("--force", action="store_true", help="add even past the lane's WIP limit")

    update = add_command(boards, "update-card", _update_card, "change a card")
    update.add_argument("card", help="the card's id")
    update.add_argument("--title", metavar="TEXT")
    update.add_argument("--body", metavar="TEXT")
    update.add_argument("--due", metavar="YYYY-MM-DD", help="due date ('' clears it)")
    _tag_option(update, "replace the tags with these; repeatable")
    done = update.add_mutually_exclusive_group()
    done.add_argument("--done", action="store_const", const=True, dest="done", default=None)
    done.add_argument("--not-done", action="store_const", const=False, dest="done")
    _expected_version(update)

    move = add_command(boards, "move-card", _move_card, "move a card to a lane or position")
    move.add_argument("card", help="the card's id")
    move.add_argument("--lane", metavar="LANE", help="the lane's id or title (default: its own)")
    move.add_argument("--position", type=int, metavar="N", help="0 is the top (default: last)")
    _expected_version(move)
    move.add_argument("--force", action="store_true", help="move even past the lane's WIP limit")

    archive = add_command(boards, "archive-card", _archive_card, "archive a card, or restore it")
    archive.add_argument("card", help="the card's id")
    archive.add_argument("--restore", action="store_true", help="bring it back (last in its lane)")
    _expected_version(archive)


def _card_line(card: Card, lane: str | None = None) -> str:
    parts = [card.id, "[x]" if card.done else "[ ]", card.title]
    details = [f"lane {lane}"] if lane else []
    if not card.archived:
        details.append(f"pos {card.position}")
    details.append(f"v{card.version}")
    if card.due:
        details.append(f"due {card.due}")
    if card.archived:
        details.append("archived")
    parts.append(f"({', '.join(details)})")
    if card.tags:
        parts.append(" ".join(f"#{tag}" for tag in card.tags))
    return "  ".join(parts)


def _print_boards(boards: list[Board]) -> None:
    if not boards:
        print("no boards")
        return
    rows = [
        [
            b.id,
            b.title + (" (archived)" if b.archived else ""),
            f"v{b.version}",
            ", ".join(lane.title for lane in b.lanes),
        ]
        for b in boards
    ]
    print(table(["ID", "TITLE", "VERSION", "LANES"], rows))


def _print_board(board: BoardView) -> None:
    print(f"{board.title}  ({board.id}, v{board.version}{', archived' if board.archived else ''})")
    for lane in board.lanes:
        cards = [c for c in board.cards if c.lane_id == lane.id]
        live = sum(1 for c in cards if not c.archived)
        limit = f"/{lane.wip_limit}" if lane.wip_limit is not None else ""
        print(f"\n{lane.title} ({live}{limit})")
        for card in cards:
            print(f"  {_card_line(card)}")


async def _lane_title(wb: Workbench, card: Card) -> str:
    board = await wb.boards.get_board(card.board_id)
    return next((lane.title for lane in board.lanes if lane.id == card.lane_id), card.lane_id)


async def _print_card(args: argparse.Namespace, wb: Workbench, card: Card, verb: str) -> int:
    lane = None if args.json else await _lane_title(wb, card)
    return emit(args, card, lambda: print(f"{verb} {_card_line(card, lane)}"))


async def _list(args: argparse.Namespace, wb: Workbench) -> int:
    boards = await wb.boards.list_boards(include_archived=args.archived)
    return emit(args, boards, lambda: _print_boards(boards))


async def _show(args: argparse.Namespace, wb: Workbench) -> int:
    board = await wb.boards.get_board(args.board, include_archived=args.archived)
    return emit(args, board, lambda: _print_board(board))


async def _create(args: argparse.Namespace, wb: Workbench) -> int:
    if args.lanes is None:
        board = await wb.boards.create_board(args.title, board_id=args.id, actor=actor())
    else:
        board = await wb.boards.create_board(
            args.title, lanes=args.lanes, board_id=args.id, actor=actor()
        )
    lanes = ", ".join(lane.title for lane in board.lanes)
    return emit(args, board, lambda: print(f"created board {board.id}: {board.title} ({lanes})"))


async def _add_card(args: argparse.Namespace, wb: Workbench) -> int:
    card = await wb.boards.create_card(
        args.board,
        args.lane,
        args.title,
        body=args.body,
        due=args.due,
        tags=args.tags,
        position=args.position,
        force=args.force,
        actor=actor(),
    )
    return await _print_card(args, wb, card, "added")


async def _update_card(args: argparse.Namespace, wb: Workbench) -> int:
    card = await wb.boards.update_card(
        args.card,
        title=args.title,
        body=args.body,
        due=args.due,
        tags=args.tags,
        done=args.done,
        expected_version=args.expected_version,
        actor=actor(),
    )
    return await _print_card(args, wb, card, "updated")


async def _move_card(args: argparse.Namespace, wb: Workbench) -> int:
    card = await wb.boards.move_card(
        args.card,
        lane=args.lane,
        position=args.position,
        expected_version=args.expected_version,
        force=args.force,
        actor=actor(),
    )
    return await _print_card(args, wb, card, "moved")


async def _archive_card(args: argparse.Namespace, wb: Workbench) -> int:
    card = await wb.boards.archive_card(
        args.card,
        archived=not args.restore,
        expected_version=args.expected_version,
        actor=actor(),
    )
    return await _print_card(args, wb, card, "restored" if args.restore else "archived")
