"""Sample files in the formats vault_sync reads, shared by the tests."""

from __future__ import annotations

# A board exactly as the Obsidian Kanban plugin's boardToMd writes one: frontmatter with
# blank lines inside the fences, lanes with a WIP limit and a Complete lane, a multi-line
# card, block ids, dates and tags, an empty lane, the archive and the settings block
# (one line of JSON, no newline at the end of the file).
PLUGIN_BOARD = (
    "---\n"
    "\n"
    "kanban-plugin: board\n"
    "id: board-1\n"
    "\n"
    "---\n"
    "\n"
    "## Backlog (5)\n"
    "\n"
    "- [ ] Write the spec @{2024-05-01} #docs ^k3x9qa\n"
    "- [ ] Review [[Projects/Alpha]] with the team ^q2w3e4\n"
    "    Notes from the last meeting:\n"
    "    - keep the API small\n"
    "\n"
    "\n"
    "## In progress\n"
    "\n"
    "- [ ] Implement sync #core ^a1b2c3\n"
    "\n"
    "\n"
    "## Done\n"
    "\n"
    "**Complete**\n"
    "- [x] Set up CI ^done01\n"
    "\n"
    "\n"
    "## Waiting<br>on others\n"
    "\n"
    "\n"
    "\n"
    "***\n"
    "\n"
    "## Archive\n"
    "\n"
    "- [x] Old card @{2023-12-31} ^arch01\n"
    "\n"
    "%% kanban:settings\n"
    "```\n"
    '{"kanban-plugin":"board","list-collapse":[false,false,false,false],'
    '"date-trigger":"@","new-note-folder":"Workbench/Knowledge"}\n'
    "```\n"
    "%%"
)

# What the plugin writes for a new, empty board after its first save.
EMPTY_BOARD = (
    "---\n\nkanban-plugin: board\n\n---\n\n"
    "## To Do\n\n\n\n"
    '\n\n%% kanban:settings\n```\n{"kanban-plugin":"board"}\n```\n%%'
)

NOTE = """---
id: note-1
tags:
  - project
aliases: [Alpha project]
status: active  # kept as written
---
# Alpha

A small project. See [[Welcome]] and [[Beta|the other one]].

- [ ] write the plan #planning
- [x] set up the repo
"""

PROMPT = """---
id: prompt-1
name: code-review
description: Review a change
arguments:
  - name: diff
    description: the change
    required: true
labels:
  - production
owner: team-a
---

Review this change carefully:

{diff}
"""
