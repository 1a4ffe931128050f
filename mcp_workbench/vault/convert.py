"""Store items ↔ the records vault_sync exchanges: prompts, notes and boards.

What the store does not keep of a file's formatting — a card's text with its tags where
the user put them, a lane's **Complete** flag, the order of a prompt's labels — is taken
from ``before`` (the file's last agreed version), so an unchanged item converts back to
exactly what the file says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from mcp_workbench.service import BoardView, Note, PromptMessage
from mcp_workbench.service.board_content import BoardContent, CardContent, LaneContent
from mcp_workbench.service.notes import inline_tags
from mcp_workbench.vault.cards import CardFields, card_fields, card_text
from vault_sync import Board, Card, Lane, VaultNote
from vault_sync.markdown import frontmatter_list

__all__ = [
    "board_content",
    "board_entity",
    "messages_of",
    "note_entity",
    "note_frontmatter",
    "ordered_like",
    "recard",
    "template_of",
]

_NOTE_KEYS = ("id", "tags", "aliases")
_MESSAGE = re.compile(r"^<!-- (user|assistant) -->\n?", re.MULTILINE)
_DONE_LANES = frozenset({"done", "complete", "completed"})


# -- prompts --------------------------------------------------------------------------------
def template_of(messages: Sequence[PromptMessage]) -> str:
    """A prompt's messages as one note body: the text of a single user message, or each
    message under an ``<!-- role -->`` comment (invisible in Obsidian's reading view)."""
    if len(messages) == 1 and messages[0].role == "user":
        return messages[0].text
    return "\n\n".join(f"<!-- {m.role} -->\n{m.text}" for m in messages)


def messages_of(template: str) -> list[PromptMessage]:
    """The inverse of :func:`template_of`."""
    if not _MESSAGE.match(template):
        return [PromptMessage(text=template)]
    parts = _MESSAGE.split(template)[1:]
    roles, texts = parts[0::2], parts[1::2]
    return [
        PromptMessage(role="assistant" if role == "assistant" else "user", text=text.rstrip("\n"))
        for role, text in zip(roles, texts, strict=True)
    ]


def ordered_like(values: Sequence[str], before: Sequence[str]) -> tuple[str, ...]:
    """``values`` in the order ``before`` has them (new ones sorted, after)."""
    known = [v for v in before if v in values]
    return (*known, *sorted(set(values) - set(known)))


# -- notes ----------------------------------------------------------------------------------
def note_entity(note: Note, entity_id: str) -> VaultNote:
    meta = note.frontmatter
    written = frontmatter_list(meta.get("tags"), tags=True)
    inline = set(note.tags) - set(written)
    body_tags = set(inline_tags(note.body))
    extra = tuple(t for t in note.tags if t in inline and t not in body_tags)
    return VaultNote(
        id=entity_id,
        path=note.path,
        body=note.body,
        tags=(*written, *extra),
        aliases=frontmatter_list(meta.get("aliases")),
        properties={k: v for k, v in meta.items() if k not in _NOTE_KEYS},
    )


def note_frontmatter(note: VaultNote) -> dict[str, Any]:
    meta: dict[str, Any] = dict(note.properties or {})
    if note.tags:
        meta["tags"] = list(note.tags)
    if note.aliases:
        meta["aliases"] = list(note.aliases)
    return meta


# -- boards ---------------------------------------------------------------------------------
def _store_fields(card: Any) -> CardFields:
    return CardFields(card.title, card.body, card.done, card.due, tuple(card.tags))


def _vault_card(card: Any, before: dict[str, Card]) -> Card:
    """A store card as a board file shows it: its old text when its fields are unchanged."""
    old = before.get(card.id)
    fields = _store_fields(card)
    if old is not None and card_fields(old) == fields:
        return old
    check = (old.check if old is not None and old.done else "x") if card.done else " "
    return Card(card.id, card_text(fields), check)


def board_entity(view: BoardView, entity_id: str, base: Board | None) -> Board:
    before = {card.id: card for card in base.cards()} if base is not None else {}
    base_lanes = {lane.title.casefold(): lane for lane in base.lanes} if base else {}
    lanes = []
    for lane in view.lanes:
        cards = tuple(
            _vault_card(card, before)
            for card in view.cards
            if card.lane_id == lane.id and not card.archived
        )
        old = base_lanes.get(lane.title.casefold())
        complete = old.complete if old is not None else lane.title.casefold() in _DONE_LANES
        lanes.append(Lane(lane.title, cards, lane.wip_limit or 0, complete))
    order = {card.id: n for n, card in enumerate(base.archive)} if base is not None else {}
    archived = sorted(
        (card for card in view.cards if card.archived),
        key=lambda c: (order.get(c.id, len(order)), c.updated_at, c.id),
    )
    archive = tuple(_vault_card(card, before) for card in archived)
    return Board(entity_id, view.title, tuple(lanes), archive)


def _card_content(card: Card) -> CardContent:
    fields = card_fields(card)
    return CardContent(card.id, fields.title, fields.body, fields.done, fields.due, fields.tags)


def board_content(board: Board) -> BoardContent:
    return BoardContent(
        title=board.name,
        lanes=tuple(
            LaneContent(
                lane.title,
                tuple(_card_content(card) for card in lane.cards),
                lane.wip_limit or None,
            )
            for lane in board.lanes
        ),
        archive=tuple(_card_content(card) for card in board.archive),
    )


def recard(content: BoardContent, old: str, new: str) -> BoardContent:
    def fix(cards: tuple[CardContent, ...]) -> tuple[CardContent, ...]:
        return tuple(replace(card, id=new) if card.id == old else card for card in cards)

    return replace(
        content,
        lanes=tuple(replace(lane, cards=fix(lane.cards)) for lane in content.lanes),
        archive=fix(content.archive),
    )
