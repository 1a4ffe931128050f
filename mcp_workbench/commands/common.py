"""What the store subcommands share: their options, the actor, output, and error handling.

Each subcommand registers an async handler ``(args, workbench) -> exit status`` with
:func:`add_command`; :func:`run_command` opens the store, runs it with ``asyncio.run``,
always closes the store, and turns workbench errors into one line on stderr. A subcommand
that needs no store (``policy``) registers a handler ``(args) -> exit status`` with
:func:`add_storeless_command` instead: no settings are loaded and no store is opened.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_workbench.errors import Conflict, InvalidInput, NotFound, WorkbenchError

if TYPE_CHECKING:
    from typing import TypeAlias

    from pydantic import BaseModel

    from mcp_workbench.config import Settings
    from mcp_workbench.service import Workbench

    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
    """What ``add_subparsers`` returns."""

__all__ = [
    "Handler",
    "StorelessHandler",
    "actor",
    "add_command",
    "add_group",
    "add_storeless_command",
    "clip",
    "emit",
    "positive",
    "print_json",
    "read_text",
    "run_command",
    "store_options",
    "table",
    "when",
]

Handler = Callable[[argparse.Namespace, "Workbench"], Coroutine[Any, Any, int]]
"""A subcommand: runs against an open workbench and returns the exit status."""

StorelessHandler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]
"""A subcommand that needs no store: runs on its arguments alone."""

# Exit statuses: the caller's request was refused / the store or the settings failed.
_REFUSED = 1
_BROKEN = 2
_INTERRUPTED = 130


def store_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--data-dir`` and ``--database-url``, the flags that choose the store."""
    parser.add_argument(
        "--data-dir", metavar="DIR", help="directory of the workbench's files (SQLite store)"
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="store URL (default: SQLite in the data dir; postgresql+psycopg://... for PostgreSQL)",
    )


def _options(*, store: bool = True) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    if store:
        parent.add_argument("--config", metavar="FILE", help="settings file (TOML)")
        store_options(parent)
    parent.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    return parent


def add_group(sub: Subparsers, name: str, summary: str) -> Subparsers:
    """A command that only groups subcommands (``prompts``, ``db events``)."""
    parser = sub.add_parser(name, help=summary, description=summary)
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")


def add_command(
    sub: Subparsers,
    name: str,
    handler: Handler,
    summary: str,
    *,
    migrate: bool = True,
) -> argparse.ArgumentParser:
    """A subcommand running ``handler``, with the store options and ``--json``.

    ``migrate=False`` opens the store without bringing its schema up to date first.
    """
    parser = sub.add_parser(name, help=summary, description=summary, parents=[_options()])
    parser.set_defaults(handler=handler, migrate=migrate)
    return parser


def add_storeless_command(
    sub: Subparsers, name: str, handler: StorelessHandler, summary: str
) -> argparse.ArgumentParser:
    """A subcommand running ``handler`` without settings or a store, with ``--json``."""
    parser = sub.add_parser(
        name, help=summary, description=summary, parents=[_options(store=False)]
    )
    parser.set_defaults(handler=handler, needs_store=False)
    return parser


def actor() -> str:
    """Who the events of this command are recorded as: ``cli:<OS user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in the environment or the password database
        return "cli"


def _open(settings: Settings, migrate: bool) -> Workbench:
    """The store ``settings`` name, migrated unless told not to.

    Raises:
        StoreError: it cannot be opened or migrated.
    """
    # Imported here so that `--help` and the server commands do not pay for the store.
    from mcp_workbench.app import open_workbench  # noqa: PLC0415
    from mcp_workbench.service import Workbench  # noqa: PLC0415

    if migrate:
        return open_workbench(settings)
    return Workbench.open(
        database_url=settings.database_url, data_dir=settings.data_dir, migrate=False
    )


def _fail(exc: BaseException, status: int) -> int:
    print(f"mcp-workbench: error: {exc}", file=sys.stderr)
    return status


def run_command(
    args: argparse.Namespace, load_settings: Callable[[argparse.Namespace], Settings]
) -> int:
    """Run the store subcommand ``args`` names; returns the exit status.

    0: done; 1: refused (not found, conflict, invalid input) or a check failed;
    2: bad settings or the store failed; 130: interrupted. A storeless subcommand loads no
    settings and opens no store.
    """
    if not getattr(args, "needs_store", True):
        storeless: StorelessHandler = args.handler
        return _run(lambda: storeless(args))
    try:
        workbench = _open(load_settings(args), args.migrate)
    except (WorkbenchError, ImportError) as exc:
        return _fail(exc, _BROKEN)
    handler: Handler = args.handler

    async def as_local_user() -> int:
        from mcp_workbench.audit import LocalOrigin, current_origin  # noqa: PLC0415

        current_origin.set(LocalOrigin(actor()))
        return await handler(args, workbench)

    try:
        return _run(as_local_user)
    finally:
        workbench.close()


def _run(command: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run ``command`` to its exit status, turning its errors into one line on stderr."""
    try:
        return asyncio.run(command())
    except (NotFound, Conflict, InvalidInput) as exc:
        return _fail(exc, _REFUSED)
    except WorkbenchError as exc:
        return _fail(exc, _BROKEN)
    except KeyboardInterrupt:
        return _INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep the exit-time flush of
        # stdout from complaining about the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _REFUSED


def positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def read_text(text: str | None, file: str | None) -> str | None:
    """``text`` itself, else the contents of ``file`` (``-``: stdin), else None.

    Raises:
        InvalidInput: the file cannot be read or is not UTF-8.
    """
    if text is not None or file is None:
        return text
    try:
        if file == "-":
            return sys.stdin.read()
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {file}: {exc}") from exc


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def emit(
    args: argparse.Namespace,
    value: BaseModel | Sequence[BaseModel] | dict[str, Any],
    human: Callable[[], None],
) -> int:
    """Print ``value`` as JSON under ``--json``, else call ``human`` to print it; returns 0."""
    if args.json:
        if isinstance(value, dict):
            print_json(value)
        elif isinstance(value, Sequence):
            print_json([item.model_dump(mode="json") for item in value])
        else:
            print_json(value.model_dump(mode="json"))
    else:
        human()
    return 0


def when(ts: float, *, seconds: bool = False) -> str:
    """A timestamp as local time: ``2025-06-01 14:03`` (with ``:05`` seconds if asked)."""
    moment = dt.datetime.fromtimestamp(ts).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def clip(text: str, width: int = 60) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows in aligned columns under ``headers`` (the last column is not padded)."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [str(cell).ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
    return "\n".join(lines)
