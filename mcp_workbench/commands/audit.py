"""``mcp-workbench audit tail``: read the audit log — refusals, failed authentications and
changes, with who, when and how they ended."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
from typing import TYPE_CHECKING

from mcp_workbench.commands.common import add_command, add_group, positive, when

if TYPE_CHECKING:
    from sqlmodel import Session

    from mcp_workbench.audit import AuditEntry
    from mcp_workbench.commands.common import Subparsers
    from mcp_workbench.service import Workbench

__all__ = ["add_parser"]

_TAIL = 20
"""Entries ``audit tail`` shows when not told where to start."""


def add_parser(sub: Subparsers) -> None:
    """Add ``audit`` and its subcommand."""
    audit = add_group(sub, "audit", "read the audit log")
    tail = add_command(audit, "tail", _tail, "print audit entries, oldest first")
    tail.add_argument(
        "--after",
        type=int,
        metavar="ID",
        help=f"start after entry ID (0: the whole log); default: the newest --limit (or {_TAIL})",
    )
    tail.add_argument("--limit", type=positive, metavar="N", help="stop after N entries")
    tail.add_argument(
        "--follow", action="store_true", help="keep printing new entries until interrupted"
    )
    tail.add_argument("--principal", metavar="WHO", help="only entries of this principal")
    tail.add_argument(
        "--outcome",
        choices=("ok", "denied", "failed"),
        help="only changes made (ok), policy refusals (denied) or failed authentications",
    )


def _start(args: argparse.Namespace, session: Session) -> int:
    """The id after which the newest ``--limit`` matching entries come."""
    from sqlmodel import col, func, select  # noqa: PLC0415

    from mcp_workbench.store.tables import AuditRow  # noqa: PLC0415

    query = select(AuditRow.id)
    if args.principal is not None:
        query = query.where(col(AuditRow.principal) == args.principal)
    if args.outcome is not None:
        query = query.where(col(AuditRow.outcome) == args.outcome)
    if args.follow:
        newest = session.exec(select(func.max(col(AuditRow.id)))).one()
        return int(newest or 0)
    count = args.limit or _TAIL
    oldest = session.exec(query.order_by(col(AuditRow.id).desc()).offset(count - 1)).first()
    return 0 if oldest is None else oldest - 1


def _print(args: argparse.Namespace, entry: AuditEntry) -> None:
    if args.json:
        print(json.dumps(entry.to_json(), ensure_ascii=False), flush=True)
        return
    target = f"{entry.kind}:{entry.target}" if entry.target else entry.kind
    reason = f" ({entry.reason})" if entry.reason else ""
    request = f" request={entry.request_id}" if entry.request_id is not None else ""
    hashed = f" args={entry.args_hash[:12]}" if entry.args_hash else ""
    print(
        f"{entry.id} {when(entry.ts, seconds=True)} {entry.principal or '-'} "
        f"{entry.transport} {entry.action} {target} {entry.outcome}{reason}{request}{hashed}",
        flush=True,
    )


async def _tail(args: argparse.Namespace, wb: Workbench) -> int:
    from mcp_workbench.audit import entries_after  # noqa: PLC0415

    after: int = (
        args.after if args.after is not None else await wb.db.read(functools.partial(_start, args))
    )
    printed = 0
    while True:
        batch = await wb.db.read(
            functools.partial(
                entries_after, after=after, principal=args.principal, outcome=args.outcome
            )
        )
        for entry in batch:
            assert entry.id is not None
            after = entry.id
            _print(args, entry)
            printed += 1
            if args.limit is not None and printed >= args.limit:
                return 0
        if not batch:
            if not args.follow:
                return 0
            await asyncio.sleep(max(wb.poll_interval, 0.2))
