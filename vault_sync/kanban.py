"""Boards in the Obsidian Kanban plugin's Markdown format (mgmeyers/obsidian-kanban).

The layout, as the plugin's ``boardToMd`` writes it (``src/parsers/formats/list.ts``)::

    ---
    <blank>
    kanban-plugin: board
    <blank>
    ---
    <blank>
    ## Lane title (3)            <- a lane; "(3)" is its WIP limit
    <blank>
    **Complete**                 <- optional: cards in this lane are done
    - [ ] Card text ^abc123      <- a card; " ^id" is its block id
        continuation line        <- indented four spaces
    <blank><blank><blank>
    ***                          <- the archive, when it has cards
    <blank>
    ## Archive
    <blank>
    - [x] Archived card
    <blank><blank>
    %% kanban:settings           <- kept verbatim: one line of JSON in a code fence
    ```
    {"kanban-plugin":"board"}
    ```
    %%

Parsing follows the plugin's ``astToUnhydratedBoard``: any heading starts a lane, the
first list after it holds the cards, a ``Complete`` paragraph before that list marks the
lane complete, a heading ``Archive`` right after a thematic break holds the archive. Card
text is read as the plugin does (``<br>`` becomes a line break, continuation lines lose
four spaces or a tab, a trailing `` ^id`` on the first line is the block id). What the
plugin would silently drop on its next save (paragraphs, code, a second list under a
lane) is refused with :class:`BoardFormatError`, so sync never loses it.
"""

from __future__ import annotations

import json
import random
import re
import string
from dataclasses import dataclass, replace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from vault_sync.errors import BoardFormatError
from vault_sync.frontmatter import parse_frontmatter, split_document, update_frontmatter
from vault_sync.markdown import find_tags
from vault_sync.model import Board, Card, Lane

__all__ = [
    "ARCHIVE_TITLE",
    "COMPLETE_MARKER",
    "DEFAULT_SETTINGS",
    "FRONTMATTER_KEY",
    "SETTINGS_MARKER",
    "BoardFile",
    "assign_block_ids",
    "card_due",
    "card_tags",
    "compose_card_text",
    "new_block_id",
    "new_board_file",
    "parse_board",
    "serialize_board",
]

FRONTMATTER_KEY = "kanban-plugin"
COMPLETE_MARKER = "**Complete**"
ARCHIVE_MARKER = "***"
ARCHIVE_TITLE = "Archive"
SETTINGS_MARKER = "%% kanban:settings"
DEFAULT_SETTINGS = SETTINGS_MARKER + '\n```\n{"kanban-plugin":"board"}\n```\n%%'
"""The settings block of a board we create (the plugin writes the same for a new board)."""

_MD = MarkdownIt("commonmark")
_BULLET = re.compile(r"[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_CHECK = re.compile(r"\[([^\]\n])\][ \t]+(?=\S)")
_BLOCK_ID = re.compile(r"\s+\^([a-zA-Z0-9-]+)$")
_BARE_BLOCK_ID = re.compile(r"\^([a-zA-Z0-9-]+)$")
_WIP = re.compile(r"(.*?)\s*\((\d+)\)", re.DOTALL)
_DEDENT = re.compile(r"\n(?: {4}|\t)")
_BLOCK_ID_CHARS = string.digits + string.ascii_lowercase


@dataclass(frozen=True)
class BoardFile:
    """A board with what its file carries besides: frontmatter text and the settings block.

    ``settings`` is the verbatim text from ``%% kanban:settings`` to the end of the file
    (None when the file has none); ``indent`` is how card continuation lines are indented.
    """

    board: Board
    frontmatter: str
    settings: str | None = DEFAULT_SETTINGS
    indent: str = "    "

    @property
    def settings_data(self) -> dict[str, Any]:
        """The settings block's JSON (``{}`` when absent or unreadable)."""
        if self.settings is None:
            return {}
        for line in self.settings.split("\n"):
            if line.startswith("{"):
                try:
                    data = json.loads(line)
                except ValueError:
                    return {}
                return data if isinstance(data, dict) else {}
        return {}

    @property
    def date_trigger(self) -> str:
        """What starts a date on a card (the plugin's ``date-trigger``, default ``@``)."""
        trigger = self.settings_data.get("date-trigger", "@")
        return trigger if isinstance(trigger, str) and trigger else "@"


def _plain(inline: Token) -> str:
    return "".join(
        child.content for child in inline.children or [] if child.type in ("text", "code_inline")
    )


def _lane_title(raw: str) -> tuple[str, int]:
    title = raw.replace("<br>", "\n").strip()
    match = _WIP.fullmatch(title)
    if match is None:
        return title, 0
    return match.group(1), int(match.group(2))


def _card(lines: list[str]) -> Card:
    first = _BULLET.sub("", lines[0], count=1)
    content = "\n".join([first, *lines[1:]])
    check = " "
    match = _CHECK.match(content)
    if match:
        check = " " if match.group(1).isspace() else match.group(1)
        content = content[match.end() :]
    elif content.strip() == "[ ]":
        content = ""
    text = _DEDENT.sub("\n", content.replace("<br>", "\n").strip())
    head, newline, rest = text.partition("\n")
    block_id = ""
    found = _BLOCK_ID.search(head) or _BARE_BLOCK_ID.fullmatch(head)
    if found:
        block_id = found.group(1)
        text = head[: found.start()] + newline + rest
    return Card(block_id, text, check)


class _LaneDraft:
    def __init__(self, title: str, wip: int, archive: bool) -> None:
        self.title, self.wip, self.archive = title, wip, archive
        self.complete = False
        self.cards: list[Card] | None = None


def _find_settings(body: str) -> int | None:
    index = body.rfind(SETTINGS_MARKER)
    while index > 0 and body[index - 1] != "\n":
        index = body.rfind(SETTINGS_MARKER, 0, index)
    return index if index >= 0 else None


def parse_board(text: str, *, name: str = "") -> BoardFile:
    """Read a board file; the board's ``id`` is the frontmatter's, its ``name`` is ``name``.

    Raises:
        BoardFormatError: no ``kanban-plugin`` frontmatter, or content the format has no
            place for (it would be lost on the plugin's next save).
        FrontmatterError: the frontmatter is malformed.
    """
    doc = split_document(text)
    data = parse_frontmatter(doc.frontmatter)
    if doc.frontmatter is None or FRONTMATTER_KEY not in data:
        raise BoardFormatError(f"no '{FRONTMATTER_KEY}' frontmatter: not a Kanban board")
    body = doc.body
    offset = text[: len(text) - len(body)].count("\n") + 1
    settings: str | None = None
    at = _find_settings(body)
    if at is not None:
        body, settings = body[:at], body[at:]
    lines = body.split("\n")
    tokens = _MD.parse(body)
    drafts: list[_LaneDraft] = []
    indent = "    "
    previous = ""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.level != 0 or token.nesting == -1:
            continue
        where = f"line {(token.map[0] if token.map else 0) + offset}"
        lane = drafts[-1] if drafts else None
        if token.type == "heading_open":
            inline = tokens[index]
            is_archive = previous == "hr" and _plain(inline).strip() == ARCHIVE_TITLE
            title, wip = _lane_title(inline.content)
            drafts.append(_LaneDraft(title, wip, is_archive))
        elif token.type == "paragraph_open":
            if lane is None or lane.cards is not None or _plain(tokens[index]) != "Complete":
                raise BoardFormatError(f"{where}: text outside a card is not part of a board")
            lane.complete = True
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            if lane is None or lane.cards is not None:
                raise BoardFormatError(f"{where}: a list outside a lane is not part of a board")
            lane.cards = []
            while tokens[index].level != 0:  # up to this list's close
                item = tokens[index]
                index += 1
                if item.type == "list_item_open" and item.level == 1 and item.map:
                    start, end = item.map
                    item_lines = lines[start:end]
                    if any(line.startswith("\t") for line in item_lines[1:]):
                        indent = "\t"
                    lane.cards.append(_card(item_lines))
        elif token.type == "hr":
            following = tokens[index] if index < len(tokens) else None
            if following is None or following.type != "heading_open":
                raise BoardFormatError(f"{where}: a rule that does not open the archive")
        else:
            raise BoardFormatError(f"{where}: {token.type} is not part of a board")
        previous = token.type
    lanes: list[Lane] = []
    archive: list[Card] = []
    for draft in drafts:
        if draft.archive:
            archive.extend(draft.cards or ())
        else:
            lanes.append(Lane(draft.title, tuple(draft.cards or ()), draft.wip, draft.complete))
    board_id = data.get("id")
    board = Board(
        id=str(board_id) if board_id is not None else "",
        name=name,
        lanes=tuple(lanes),
        archive=tuple(archive),
    )
    return BoardFile(board, doc.frontmatter, settings, indent)


def _card_md(card: Card, indent: str) -> str:
    text = card.text.strip().replace("\n", "\n" + indent)
    if card.id:
        head, newline, rest = text.partition("\n")
        text = f"{head} ^{card.id}{newline}{rest}"
    return f"- [{card.check}] {text}"


def _lane_md(lane: Lane, indent: str) -> str:
    title = f"{lane.title} ({lane.wip_limit})" if lane.wip_limit else lane.title
    lines = ["## " + title.strip().replace("\n", "<br>"), ""]
    if lane.complete:
        lines.append(COMPLETE_MARKER)
    lines.extend(_card_md(card, indent) for card in lane.cards)
    lines.extend(["", "", ""])
    return "\n".join(lines)


def serialize_board(file: BoardFile) -> str:
    """Write a board exactly as the plugin's ``boardToMd`` would (frontmatter and settings
    block as the file had them; the frontmatter ``id`` follows ``board.id``)."""
    frontmatter = file.frontmatter
    if file.board.id and parse_frontmatter(frontmatter).get("id") != file.board.id:
        frontmatter = update_frontmatter(frontmatter, {"id": file.board.id})
    parts = ["---\n", frontmatter, "---\n\n"]
    parts.extend(_lane_md(lane, file.indent) for lane in file.board.lanes)
    if file.board.archive:
        archived = [_card_md(card, file.indent) for card in file.board.archive]
        parts.append("\n".join([ARCHIVE_MARKER, "", f"## {ARCHIVE_TITLE}", "", *archived]))
    if file.settings is not None:
        parts.append("\n\n" + file.settings)
    return "".join(parts)


def new_board_file(board: Board) -> BoardFile:
    """A board file as the plugin creates one: its frontmatter, our id, default settings."""
    frontmatter = f"\n{FRONTMATTER_KEY}: board\n\n"
    if board.id:
        frontmatter = update_frontmatter(frontmatter, {"id": board.id})
    return BoardFile(board, frontmatter)


def new_block_id(taken: set[str], rng: random.Random | None = None) -> str:
    """A block id as the plugin makes one (six base-36 characters), not in ``taken``."""
    rng = rng or random.Random()
    while True:
        candidate = "".join(rng.choice(_BLOCK_ID_CHARS) for _ in range(6))
        if candidate not in taken:
            return candidate


def assign_block_ids(board: Board, rng: random.Random | None = None) -> Board:
    """The board with a block id on every card that lacks one (or repeats another's)."""
    taken: set[str] = set()
    changed = False

    def fix(card: Card) -> Card:
        nonlocal changed
        if card.id and card.id not in taken:
            taken.add(card.id)
            return card
        changed = True
        fresh = new_block_id(taken | {c.id for c in board.cards()}, rng)
        taken.add(fresh)
        return replace(card, id=fresh)

    lanes = tuple(replace(lane, cards=tuple(fix(c) for c in lane.cards)) for lane in board.lanes)
    archive = tuple(fix(card) for card in board.archive)
    return replace(board, lanes=lanes, archive=archive) if changed else board


def card_due(card: Card, trigger: str = "@") -> str | None:
    """The card's date, written ``@{YYYY-MM-DD}`` (or ``@[[YYYY-MM-DD]]``), if any."""
    pattern = rf"(?:^|(?<=\s)){re.escape(trigger)}(?:\{{([^}}]+)\}}|\[\[([^\]]+)\]\])"
    match = re.search(pattern, card.text)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def card_tags(card: Card) -> tuple[str, ...]:
    """The card's ``#tags``, without the ``#``, in order of first use."""
    return tuple(dict.fromkeys(find_tags(card.text)))


def compose_card_text(
    title: str, body: str = "", *, due: str | None = None, tags: tuple[str, ...] = ()
) -> str:
    """Card text from a title, a body, a date and tags, as the plugin writes them."""
    head = " ".join([title.strip(), *([f"@{{{due}}}"] if due else []), *(f"#{t}" for t in tags)])
    return head + ("\n" + body.strip() if body.strip() else "")
