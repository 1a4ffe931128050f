"""Kanban card text ↔ the store's card fields.

A card in a board file is Markdown: its first line is the title, with ``#tags`` and an
``@{YYYY-MM-DD}`` date written into it, and its other lines are the body. The store keeps
title, body, tags, due date and the done flag apart. :func:`card_fields` reads them out of
the text; :func:`card_text` writes text for fields that changed in the store (a card whose
fields did not change keeps its text byte for byte: the adapter reuses it).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from vault_sync import Card
from vault_sync.kanban import card_due, card_tags
from vault_sync.markdown import find_tags

__all__ = ["CardFields", "card_fields", "card_text"]

# A trailing run of "#tag" and "@{date}" / "@[[date]]" tokens on a card's first line.
_TRAILING = re.compile(r"(?:\s+(?:#[^\s#]+|@\{[^}]*\}|@\[\[[^\]]*\]\]))+\s*$")


@dataclass(frozen=True)
class CardFields:
    """What the store keeps of a card."""

    title: str
    body: str
    done: bool
    due: str | None
    tags: tuple[str, ...]


def _date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


def card_fields(card: Card) -> CardFields:
    """The store's fields for a card read from a board file: the title is the first line
    without its trailing tags and date (a tag inside the sentence stays in it)."""
    title = _TRAILING.sub("", card.title).strip() or card.title.strip()
    return CardFields(
        title=title,
        body=card.body,
        done=card.done,
        due=_date(card_due(card)),
        tags=card_tags(card),
    )


def card_text(fields: CardFields) -> str:
    """Card text for store fields, as the Kanban plugin writes it: the title, then the date
    and the tags the title and body do not already carry; then the body."""
    present = set(find_tags(fields.title)) | set(find_tags(fields.body))
    dated = "@{" in fields.title or "@[[" in fields.title
    head = " ".join(
        [
            fields.title.strip(),
            *([f"@{{{fields.due[:10]}}}"] if fields.due and not dated else []),
            *(f"#{tag}" for tag in fields.tags if tag not in present),
        ]
    )
    return head + ("\n" + fields.body if fields.body.strip() else "")
