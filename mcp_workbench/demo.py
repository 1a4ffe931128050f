"""A demo vault and store for a first run: a few linked notes, a prompt and a board, so
that every part of the workbench has something to show."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mcp_workbench.service import Workbench

__all__ = ["DEMO_ACTOR", "MANAGED", "create_demo_vault", "seed_demo_store"]

log = logging.getLogger("mcp_workbench.demo")

DEMO_ACTOR = "demo"

_NOTES: dict[str, tuple[dict[str, Any], str]] = {
    "Welcome.md": (
        {"tags": ["workbench", "start"]},
        """# Welcome to MCP Workbench

This vault is kept in step with the workbench's store. Notes link to each other like
[[Projects/Alpha]], and tags such as #ideas work as in Obsidian.

- Ask an MCP client to `notes.search` for "alpha".
- Render the [[Prompts]] stored in the workbench with `prompts.render`.
- Move cards on the board in the kanban web UI or from JupyterLab.
""",
    ),
    "Projects/Alpha.md": (
        {"tags": ["project"], "status": "active"},
        """# Project Alpha

A small project to try the workbench with. See [[Welcome]] for where to start.

## Next steps
- Write down what done looks like #planning
- Review the code with the `code-review` prompt
""",
    ),
    "Prompts.md": (
        {},
        """# Prompts

The workbench keeps versioned prompts with labels: `code-review` serves its
`production` label to MCP clients.
""",
    ),
}


def _note_file(frontmatter: dict[str, Any], body: str) -> str:
    if not frontmatter:
        return body
    lines = [
        f"{key}: [{', '.join(value)}]" if isinstance(value, list) else f"{key}: {value}"
        for key, value in frontmatter.items()
    ]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


_BOARD = """---

kanban-plugin: board

---

## Todo

- [ ] Write the first note of your own
- [ ] Connect an MCP client

## Doing

- [ ] Try the kanban web UI

## Done

**Complete**
- [x] Install MCP Workbench

%% kanban:settings
```
{"kanban-plugin":"board"}
```
%%
"""


_PROMPT = """---
name: code-review
description: Ask for a focused code review
arguments: [language, code]
labels: [production]
---
Review this {{language}} code for bugs and unclear names:

{{code}}
"""

MANAGED = "Workbench"
"""The vault folder the workbench keeps in step with its store."""


def create_demo_vault(path: Path) -> bool:
    """Fill ``path`` with the demo vault unless it already holds files; returns whether
    it did. The workbench's files are in ``Workbench/`` (``Knowledge/``, ``Prompts/``,
    ``Boards/``), as the vault sync lays them out."""
    if path.exists() and any(path.iterdir()):
        return False
    (path / ".obsidian").mkdir(parents=True, exist_ok=True)
    files = {f"{MANAGED}/Knowledge/{name}": _note_file(*note) for name, note in _NOTES.items()}
    files[f"{MANAGED}/Prompts/code-review.md"] = _PROMPT
    files[f"{MANAGED}/Boards/Roadmap.md"] = _BOARD
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    log.info("created a demo vault in %s", path)
    return True


async def seed_demo_store(workbench: Workbench) -> bool:
    """Put the demo notes, prompt and board in an empty store; returns whether it did."""
    if (
        await workbench.notes.count()
        or await workbench.prompts.list()
        or await workbench.boards.list_boards(include_archived=True)
    ):
        return False
    for path, (frontmatter, body) in _NOTES.items():
        await workbench.notes.write(path, body, frontmatter=frontmatter, actor=DEMO_ACTOR)
    await workbench.prompts.create(
        "code-review",
        template="Review this {{language}} code for bugs and unclear names:\n\n{{code}}",
        description="Ask for a focused code review",
        labels=["production"],
        actor=DEMO_ACTOR,
    )
    board = await workbench.boards.create_board(
        "Roadmap", lanes=["Todo", "Doing", "Done"], board_id="roadmap", actor=DEMO_ACTOR
    )
    for lane, title in (
        ("Todo", "Write the first note of your own"),
        ("Todo", "Connect an MCP client"),
        ("Doing", "Try the kanban web UI"),
        ("Done", "Install MCP Workbench"),
    ):
        await workbench.boards.create_card(board.id, lane, title, actor=DEMO_ACTOR)
    log.info("seeded the store with demo notes, a prompt and a board")
    return True
