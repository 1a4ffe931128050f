"""What a note's Markdown says, read with markdown-it-py: headings, tags, wikilinks, tasks.

Tags and wikilinks are Obsidian syntax that CommonMark does not know, so they are found in
the parsed text runs — never inside code spans, code blocks or HTML, as in Obsidian.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = [
    "Heading",
    "MarkdownSummary",
    "Task",
    "WikiLink",
    "find_tags",
    "frontmatter_list",
    "summarize",
]

_MD = MarkdownIt("commonmark")

# Obsidian: a tag starts after whitespace (or the line start) and holds letters, digits,
# "_", "-" and "/", with at least one character that is not a digit.
_TAG = re.compile(r"(?<!\S)#([^\W\d_/-]|[\w/-]*[^\W\d][\w/-]*)(?![\w/-])")
_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n|]+?)(?:\|([^\[\]\n]*))?\]\]")
_TASK = re.compile(r"\[(.)\][ \t]+(.*)", re.DOTALL)


@dataclass(frozen=True)
class Heading:
    """A heading: its level (1-6), its text, and its 0-based line in the body."""

    level: int
    text: str
    line: int


@dataclass(frozen=True)
class WikiLink:
    """``[[target#heading|alias]]``; ``embed`` for ``![[...]]``."""

    target: str
    heading: str | None = None
    alias: str | None = None
    embed: bool = False


@dataclass(frozen=True)
class Task:
    """A ``- [ ]`` list item: its text, the character in the box, its 0-based line."""

    text: str
    check: str
    line: int

    @property
    def done(self) -> bool:
        """Whether the box is ticked."""
        return self.check != " "


@dataclass(frozen=True)
class MarkdownSummary:
    """Everything :func:`summarize` found, in document order (tags without ``#``, unique)."""

    headings: tuple[Heading, ...]
    tags: tuple[str, ...]
    links: tuple[WikiLink, ...]
    tasks: tuple[Task, ...]


def find_tags(text: str) -> list[str]:
    """The ``#tags`` in a run of plain text, without the ``#``."""
    return _TAG.findall(text)


def _runs(inline: Token) -> Iterator[str]:
    """The inline token's text, split where code or HTML interrupts it."""
    run: list[str] = []
    for child in inline.children or []:
        if child.type == "text":
            run.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            run.append("\n")
        elif child.type in ("code_inline", "html_inline"):
            yield "".join(run)
            run = []
    yield "".join(run)


def _links(text: str) -> Iterator[WikiLink]:
    for match in _WIKILINK.finditer(text):
        target, _, heading = match.group(2).partition("#")
        yield WikiLink(
            target=target.strip(),
            heading=heading.strip() or None,
            alias=match.group(3),
            embed=bool(match.group(1)),
        )


def summarize(body: str) -> MarkdownSummary:
    """The headings, tags, wikilinks and tasks in a note's body (frontmatter removed)."""
    headings: list[Heading] = []
    tags: dict[str, None] = {}
    links: list[WikiLink] = []
    tasks: list[Task] = []
    tokens = _MD.parse(body)
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        opener = tokens[index - 1] if index else None
        line = token.map[0] if token.map else 0
        if opener is not None and opener.type == "heading_open":
            headings.append(Heading(int(opener.tag[1]), token.content, line))
        for run in _runs(token):
            tags.update(dict.fromkeys(find_tags(run)))
            links.extend(_links(run))
        item = tokens[index - 2] if index >= 2 else None
        if item is not None and item.type == "list_item_open":
            match = _TASK.match(token.content)
            if match:
                tasks.append(Task(match.group(2), match.group(1), line))
    return MarkdownSummary(tuple(headings), tuple(tags), tuple(links), tuple(tasks))


def frontmatter_list(value: Any, *, tags: bool = False) -> tuple[str, ...]:
    """A list property (``tags``, ``aliases``) as Obsidian reads it: a YAML list, or one
    string split at commas (for tags, also at spaces); tags lose a leading ``#``."""
    if value is None:
        return ()
    items: list[Any] = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        text = str(item)
        parts = (
            re.split(r"[,\s]+" if tags else r",", text) if not isinstance(value, list) else [text]
        )
        for part in parts:
            clean = part.strip().lstrip("#") if tags else part.strip()
            if clean:
                out.append(clean)
    return tuple(out)
