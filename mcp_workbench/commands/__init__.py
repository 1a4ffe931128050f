"""The store subcommands of ``mcp-workbench``: ``db``, ``prompts``, ``notes``, ``boards``.

Scripting access to the same store the server serves: each subcommand opens the store,
makes one change or reads once (``db events tail --follow`` keeps reading), and prints a
compact human form or, with ``--json``, JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_workbench.commands import boards, db, notes, prompts
from mcp_workbench.commands.common import run_command, store_options

if TYPE_CHECKING:
    from mcp_workbench.commands.common import Subparsers

__all__ = ["add_store_commands", "run_command", "store_options"]


def add_store_commands(sub: Subparsers) -> None:
    """Add ``db``, ``prompts``, ``notes`` and ``boards`` to the ``mcp-workbench`` parser."""
    for area in (db, prompts, notes, boards):
        area.add_parser(sub)
