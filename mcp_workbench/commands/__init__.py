"""The scripting subcommands of ``mcp-workbench``: ``db``, ``prompts``, ``notes``, ``boards``,
``vault``, ``token``, ``policy`` and ``audit``.

Scripting access to the same store the server serves: each subcommand opens the store,
makes one change or reads once (``db events tail --follow`` keeps reading), and prints a
compact human form or, with ``--json``, JSON. ``token issue`` signs a bearer token for the
server's authentication. ``policy`` checks access policy files and explains decisions;
it opens no store. ``vault`` syncs the Obsidian vault with the store once, shows how they
stand, and resolves conflicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_workbench.commands import audit, boards, db, notes, policy, prompts, token, vault
from mcp_workbench.commands.common import run_command, store_options

if TYPE_CHECKING:
    from mcp_workbench.commands.common import Subparsers

__all__ = ["add_store_commands", "run_command", "store_options"]


def add_store_commands(sub: Subparsers) -> None:
    """Add ``db``, ``prompts``, ``notes``, ``boards``, ``vault``, ``token``, ``policy`` and
    ``audit`` to the ``mcp-workbench`` parser."""
    for area in (db, prompts, notes, boards, vault, token, policy, audit):
        area.add_parser(sub)
