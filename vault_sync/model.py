"""What the vault holds, as plain values: prompts, notes and boards, each with a stable id.

These are the records vault_sync exchanges with the workbench's repository. They know
nothing of files: :mod:`vault_sync.codec` turns them into Markdown and back.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

__all__ = [
    "Board",
    "Card",
    "Entity",
    "EntityKind",
    "Lane",
    "PromptArgument",
    "VaultNote",
    "VaultPrompt",
    "new_entity_id",
]


class EntityKind(StrEnum):
    """The three kinds of record a managed folder holds, one sub-folder each."""

    PROMPT = "prompt"
    NOTE = "note"
    BOARD = "board"


def new_entity_id(kind: EntityKind) -> str:
    """A fresh id for a file that has none yet (random, so two vaults never clash)."""
    del kind  # one id space serves every kind; the parameter lets callers plug their own
    return uuid.uuid4().hex


@dataclass(frozen=True)
class PromptArgument:
    """One argument a prompt template takes."""

    name: str
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class VaultPrompt:
    """A prompt: frontmatter ``id``, ``name``, ``description``, ``arguments``, ``labels``;
    the note's body is the template.

    ``properties`` holds every other frontmatter key. ``None`` means "not carried": the
    file's other keys are kept as they are, which is what a repository that does not
    store them should hand back.
    """

    kind: ClassVar[EntityKind] = EntityKind.PROMPT

    id: str
    name: str
    template: str = ""
    description: str = ""
    arguments: tuple[PromptArgument, ...] = ()
    labels: tuple[str, ...] = ()
    properties: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class VaultNote:
    """A knowledge note under ``Knowledge/``; ``path`` is relative to that folder.

    ``tags`` and ``aliases`` are the frontmatter's; inline ``#tags`` and ``[[links]]``
    live in the body (see :mod:`vault_sync.links`). ``properties`` as for prompts.
    """

    kind: ClassVar[EntityKind] = EntityKind.NOTE

    id: str
    path: str
    body: str = ""
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    properties: Mapping[str, Any] | None = None

    @property
    def title(self) -> str:
        """The note's name as Obsidian shows it: the file name without ``.md``."""
        name = self.path.rsplit("/", 1)[-1]
        return name[:-3] if name.endswith(".md") else name


@dataclass(frozen=True)
class Card:
    """A kanban card: a ``- [ ]`` item. ``id`` is its ``^blockid`` ("" until one is written).

    ``text`` is the card's Markdown with continuation lines dedented and without the block
    id; ``check`` is the character between the brackets (``" "`` when open).
    """

    id: str
    text: str
    check: str = " "

    @property
    def done(self) -> bool:
        """Whether the card is ticked."""
        return self.check != " "

    @property
    def title(self) -> str:
        """The card's first line."""
        return self.text.split("\n", 1)[0]

    @property
    def body(self) -> str:
        """The card's lines after the first."""
        parts = self.text.split("\n", 1)
        return parts[1] if len(parts) > 1 else ""


_SLUG = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Lane:
    """A ``## heading`` with its cards. ``wip_limit`` 0 means none; ``complete`` lanes
    (``**Complete**``) mark the cards dropped into them as done."""

    title: str
    cards: tuple[Card, ...] = ()
    wip_limit: int = 0
    complete: bool = False

    @property
    def id(self) -> str:
        """A stable id derived from the title (the format stores no lane ids)."""
        return _SLUG.sub("-", self.title.casefold()).strip("-") or "lane"


@dataclass(frozen=True)
class Board:
    """A board file under ``Boards/``: its lanes, in order, and its archive.

    ``id`` is the frontmatter ``id``; ``name`` is the file name without ``.md``.
    """

    kind: ClassVar[EntityKind] = EntityKind.BOARD

    id: str
    name: str
    lanes: tuple[Lane, ...] = ()
    archive: tuple[Card, ...] = ()

    def cards(self) -> Iterator[Card]:
        """Every card, lanes first, then the archive."""
        for lane in self.lanes:
            yield from lane.cards
        yield from self.archive

    def card(self, card_id: str) -> Card | None:
        """The card with that block id, if any."""
        return next((card for card in self.cards() if card.id == card_id), None)


Entity = VaultPrompt | VaultNote | Board
"""Any record the vault holds."""
