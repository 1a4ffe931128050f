"""What the service hands out: plain pydantic views of prompts, notes and boards.

These are the shapes MCP tools return as ``structuredContent`` and the REST API and UIs
read; they never expose table rows.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "Board",
    "BoardView",
    "Card",
    "Feedback",
    "Lane",
    "Note",
    "NoteSummary",
    "PromptArgument",
    "PromptInfo",
    "PromptMessage",
    "PromptVersion",
    "SearchHit",
]


class PromptArgument(BaseModel):
    """A named value a prompt's template takes as ``{{name}}``."""

    name: str
    description: str = ""
    required: bool = True


class PromptMessage(BaseModel):
    """One message of a prompt template."""

    role: Literal["user", "assistant"] = "user"
    text: str


class PromptVersion(BaseModel):
    """One immutable version of a prompt."""

    name: str
    version: int
    description: str
    messages: list[PromptMessage]
    arguments: list[PromptArgument]
    message: str = Field(description="What changed in this version.")
    author: str
    created_at: float
    labels: list[str] = Field(description="Labels pointing at this version ('latest' included).")


class PromptInfo(BaseModel):
    """A prompt: its newest version and where its labels point."""

    name: str
    latest: int
    description: str
    labels: dict[str, int]
    arguments: list[PromptArgument]
    updated_at: float


class NoteSummary(BaseModel):
    """A note without its body."""

    id: str
    path: str
    uri: str
    title: str
    tags: list[str]
    version: int
    updated_at: float


class Note(NoteSummary):
    """A knowledge note."""

    body: str
    frontmatter: dict[str, Any]
    links: list[str]
    created_at: float


class SearchHit(BaseModel):
    """A note that matched a search; higher ``score`` ranks first."""

    id: str
    path: str
    uri: str
    title: str
    score: float
    snippet: str


class Lane(BaseModel):
    """A column of a board."""

    id: str
    title: str
    position: int
    wip_limit: int | None = None


class Card(BaseModel):
    """A task card."""

    id: str
    board_id: str
    lane_id: str
    title: str
    body: str
    position: int
    done: bool
    due: str | None
    tags: list[str]
    archived: bool
    version: int
    created_at: float
    updated_at: float


class Board(BaseModel):
    """A kanban board and its lanes."""

    id: str
    title: str
    archived: bool
    version: int
    lanes: list[Lane]
    created_at: float
    updated_at: float


class BoardView(Board):
    """A board with its cards, each lane's in order."""

    cards: list[Card]


class Feedback(BaseModel):
    """A rating or comment on a prompt version, note or card."""

    id: str
    entity: str
    entity_id: str
    version: int | None
    score: float | None
    comment: str
    actor: str
    created_at: float
