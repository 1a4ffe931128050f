"""``mcp-workbench notes``: list, show, write, move, delete and search knowledge notes."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from mcp_workbench.commands.common import (
    actor,
    add_command,
    add_group,
    clip,
    emit,
    read_text,
    table,
    when,
)

if TYPE_CHECKING:
    from mcp_workbench.commands.common import Subparsers
    from mcp_workbench.service import Note, NoteSummary, SearchHit, Workbench

__all__ = ["add_parser"]

_PAGE = 1000


def _expected_version(parser: argparse.ArgumentParser, meaning: str) -> None:
    parser.add_argument("--expected-version", type=int, metavar="N", help=meaning)


def add_parser(sub: Subparsers) -> None:
    """Add ``notes`` and its subcommands."""
    notes = add_group(sub, "notes", "Markdown knowledge notes in the store, addressed by path")

    listing = add_command(notes, "list", _list, "list notes by path")
    listing.add_argument("--prefix", default="", metavar="FOLDER", help="only notes under FOLDER")
    listing.add_argument("--tag", metavar="TAG", help="only notes tagged TAG")

    show = add_command(notes, "show", _show, "show a note: its details, then its body")
    show.add_argument("path", help="the note's path (or note:// URI)")

    write = add_command(notes, "write", _write, "create a note or replace its content")
    write.add_argument("path", help="the note's path; '.md' is added when missing")
    source = write.add_mutually_exclusive_group(required=True)
    source.add_argument("--body", metavar="TEXT", help="the Markdown body")
    source.add_argument("--file", metavar="PATH", help="read the body from PATH ('-': stdin)")
    write.add_argument("--title", metavar="TEXT", help="default: the first heading or file name")
    write.add_argument(
        "--tag",
        action="append",
        dest="tags",
        metavar="TAG",
        help="set the tags (default: #tags in the body); repeatable",
    )
    _expected_version(write, "refuse unless the note is at version N (0: must not exist yet)")

    move = add_command(notes, "move", _move, "give a note a new path")
    move.add_argument("path")
    move.add_argument("new_path")
    _expected_version(move, "refuse unless the note is at version N")

    delete = add_command(notes, "delete", _delete, "delete a note")
    delete.add_argument("path")
    _expected_version(delete, "refuse unless the note is at version N")

    search = add_command(notes, "search", _search, "full-text search, best match first")
    search.add_argument("query", help="words that must all occur; 'word*' matches a prefix")
    search.add_argument("--limit", type=int, default=20, metavar="N", help="at most N hits (20)")
    search.add_argument("--tag", metavar="TAG", help="only notes tagged TAG")


def _tags(tags: list[str]) -> str:
    return " ".join(f"#{tag}" for tag in tags)


def _print_summaries(notes: list[NoteSummary]) -> None:
    if not notes:
        print("no notes")
        return
    rows = [[n.path, f"v{n.version}", clip(n.title, 40), _tags(n.tags)] for n in notes]
    print(table(["PATH", "VERSION", "TITLE", "TAGS"], rows))


def _print_note(note: Note) -> None:
    print(f"{note.path}  v{note.version}  {note.title}")
    print(f"updated: {when(note.updated_at)}  id: {note.id}")
    if note.tags:
        print(f"tags:    {_tags(note.tags)}")
    if note.links:
        print(f"links:   {', '.join(note.links)}")
    print()
    print(note.body, end="" if note.body.endswith("\n") else "\n")


def _print_hits(hits: list[SearchHit]) -> None:
    if not hits:
        print("no matches")
        return
    for hit in hits:
        print(f"{hit.path}  {hit.title}")
        print(f"    {clip(hit.snippet, 100)}")


async def _list(args: argparse.Namespace, wb: Workbench) -> int:
    notes: list[NoteSummary] = []
    while True:  # page by page: the service hands out at most a page at a time
        page = await wb.notes.list(prefix=args.prefix, tag=args.tag, limit=_PAGE, offset=len(notes))
        notes += page
        if len(page) < _PAGE:
            break
    return emit(args, notes, lambda: _print_summaries(notes))


async def _show(args: argparse.Namespace, wb: Workbench) -> int:
    note = await wb.notes.read(args.path)
    return emit(args, note, lambda: _print_note(note))


async def _write(args: argparse.Namespace, wb: Workbench) -> int:
    body = await asyncio.to_thread(read_text, args.body, args.file)
    assert body is not None  # one of --body and --file is required
    note = await wb.notes.write(
        args.path,
        body,
        title=args.title,
        tags=args.tags,
        expected_version=args.expected_version,
        actor=actor(),
    )
    return emit(args, note, lambda: print(f"saved {note.path} v{note.version}: {note.title}"))


async def _move(args: argparse.Namespace, wb: Workbench) -> int:
    note = await wb.notes.move(
        args.path, args.new_path, expected_version=args.expected_version, actor=actor()
    )
    return emit(args, note, lambda: print(f"moved {args.path} to {note.path} (v{note.version})"))


async def _delete(args: argparse.Namespace, wb: Workbench) -> int:
    await wb.notes.delete(args.path, expected_version=args.expected_version, actor=actor())
    result = {"path": args.path, "deleted": True}
    return emit(args, result, lambda: print(f"deleted {args.path}"))


async def _search(args: argparse.Namespace, wb: Workbench) -> int:
    hits = await wb.notes.search(args.query, limit=args.limit, tag=args.tag)
    return emit(args, hits, lambda: _print_hits(hits))
