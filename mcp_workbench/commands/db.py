"""``mcp-workbench db``: migrate the store, rebuild or verify its state, read its event log."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
from typing import TYPE_CHECKING, Any

from mcp_workbench.commands.common import add_command, add_group, emit, positive, print_json
from mcp_workbench.errors import InvalidInput

if TYPE_CHECKING:
    from sqlmodel import Session

    from mcp_workbench.commands.common import Subparsers
    from mcp_workbench.service import Workbench
    from mcp_workbench.store import Event
    from mcp_workbench.store.rebuild import Difference

__all__ = ["add_parser"]

_TAIL = 10
"""Events ``db events tail`` shows when not told where to start."""


def add_parser(sub: Subparsers) -> None:
    """Add ``db`` and its subcommands."""
    db = add_group(sub, "db", "maintain the store: migrations, rebuilds, the event log")

    add_command(db, "upgrade", _upgrade, "migrate the store to the newest schema", migrate=False)

    rebuild = add_command(
        db, "rebuild", _rebuild, "rebuild the state tables by replaying the event log"
    )
    rebuild.add_argument(
        "--verify",
        action="store_true",
        help="change nothing: report where the state differs from a replay (exit status 1)",
    )

    events = add_group(db, "events", "read the event log")
    tail = add_command(events, "tail", _tail, "print events, oldest first")
    tail.add_argument(
        "--after",
        type=int,
        metavar="SEQ",
        help=f"start after event SEQ (0: the whole log); default: the newest --limit (or {_TAIL})"
        " events, or with --follow, the end of the log",
    )
    tail.add_argument("--limit", type=positive, metavar="N", help="stop after N events")
    tail.add_argument(
        "--follow",
        action="store_true",
        help="keep printing new events, from any process, until interrupted "
        "(they show within store_poll_interval seconds)",
    )
    tail.add_argument(
        "--kind",
        action="append",
        dest="kinds",
        metavar="KIND",
        help="only events of KIND (note.created) or of an entity (note); repeatable",
    )


# -- upgrade ---------------------------------------------------------------------------------
def _revision(session: Session) -> str | None:
    from mcp_workbench.store.migrations import current_revision  # noqa: PLC0415

    return current_revision(session.connection())


async def _upgrade(args: argparse.Namespace, wb: Workbench) -> int:
    before = await wb.db.read(_revision)
    await asyncio.to_thread(wb.db.upgrade)
    after = await wb.db.read(_revision)
    result = {"store": wb.db.safe_url, "before": before, "after": after}

    def human() -> None:
        if before == after:
            print(f"{wb.db.safe_url} is up to date (revision {after})")
        else:
            print(f"migrated {wb.db.safe_url}: {before or 'empty'} -> {after}")

    return emit(args, result, human)


# -- rebuild ---------------------------------------------------------------------------------
def _count_events(session: Session) -> int:
    from sqlmodel import func, select  # noqa: PLC0415

    from mcp_workbench.store.tables import EventRow  # noqa: PLC0415

    return int(session.exec(select(func.count()).select_from(EventRow)).one())


def _replay(session: Session) -> int:
    from mcp_workbench.store.rebuild import replay  # noqa: PLC0415

    return replay(session)


def _verify(session: Session) -> tuple[int, list[Difference]]:
    from mcp_workbench.store.rebuild import verify  # noqa: PLC0415

    return _count_events(session), verify(session)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _describe(difference: Difference) -> str:
    table, key, stored, replayed = difference
    where = f"{table} {'/'.join(str(part) for part in key)}"
    if stored is None:
        return f"{where}: missing from the state tables"
    if replayed is None:
        return f"{where}: in the state tables but not in the replay"
    changed = [c for c in stored if stored[c] != replayed.get(c)]
    return f"{where}: " + "; ".join(
        f"{c} is {_short(stored[c])}, the replay says {_short(replayed.get(c))}" for c in changed
    )


async def _rebuild(args: argparse.Namespace, wb: Workbench) -> int:
    if not args.verify:
        count = await wb.db.write(_replay)
        result = {"events": count, "rebuilt": True}
        return emit(args, result, lambda: print(f"rebuilt the state from {count} events"))
    # Replay in a transaction that is rolled back, and compare.
    events, differences = await wb.db.write(_verify, rollback=True)
    if args.json:
        print_json(
            {
                "events": events,
                "equal": not differences,
                "differences": [
                    {"table": t, "key": list(k), "stored": s, "replayed": r}
                    for t, k, s, r in differences
                ],
            }
        )
    elif differences:
        print(f"state differs from the replay of {events} events in {len(differences)} row(s):")
        for difference in differences:
            print(f"  {_describe(difference)}")
        print("run 'mcp-workbench db rebuild' to replace the state with the replay")
    else:
        print(f"state equals the replay of {events} events")
    return 1 if differences else 0


# -- events tail -----------------------------------------------------------------------------
def _matches(kind: str, kinds: list[str]) -> bool:
    return not kinds or any(kind == k or kind.startswith(k + ".") for k in kinds)


def _start(kinds: list[str], count: int, session: Session) -> int:
    """The ``seq`` after which the newest ``count`` events of ``kinds`` come."""
    from sqlmodel import col, or_, select  # noqa: PLC0415

    from mcp_workbench.store.tables import EventRow  # noqa: PLC0415

    query = select(EventRow.seq)
    if kinds:
        query = query.where(
            or_(
                col(EventRow.kind).in_(kinds),
                *(col(EventRow.kind).startswith(k + ".") for k in kinds),
            )
        )
    query = query.order_by(col(EventRow.seq).desc()).offset(count - 1).limit(1)
    oldest = session.exec(query).first()
    return 0 if oldest is None else oldest - 1


def _print_event(args: argparse.Namespace, event: Event) -> None:
    if args.json:
        print(json.dumps(event.to_json(), ensure_ascii=False), flush=True)
        return
    ts = dt.datetime.fromtimestamp(event.ts).astimezone().isoformat(timespec="seconds")
    print(
        f"{event.seq} {ts} {event.actor} {event.kind} {event.entity}/{event.entity_id} "
        f"v{event.version}",
        flush=True,
    )


async def _tail(args: argparse.Namespace, wb: Workbench) -> int:
    kinds: list[str] = args.kinds or []
    after: int | None = args.after
    if args.follow and wb.poll_interval <= 0:
        raise InvalidInput("--follow needs store_poll_interval above 0 to see new events")
    if after is None and args.follow:
        after = await wb.last_seq()
    elif after is None:
        after = await wb.db.read(functools.partial(_start, kinds, args.limit or _TAIL))
    if args.follow:
        await wb.start()  # from now on the bus also carries what other processes write
    printed = 0
    async for event in wb.events(after, follow=args.follow):
        if _matches(event.kind, kinds):
            _print_event(args, event)
            printed += 1
            if args.limit is not None and printed >= args.limit:
                break  # asyncio.run closes the unfinished reader
    return 0
