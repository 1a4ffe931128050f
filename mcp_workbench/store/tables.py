"""The store's tables: the state of prompts, notes and boards, and the event log.

State tables are a projection of the event log (``store.projection`` writes them from
events); the event log is the record. JSON columns hold lists and maps that are read whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

__all__ = [
    "STATE_TABLES",
    "AuditRow",
    "BoardRow",
    "CardRow",
    "CatalogItemRow",
    "EventRow",
    "FeedbackRow",
    "LaneRow",
    "NoteRow",
    "PromptLabelRow",
    "PromptRow",
    "PromptVersionRow",
    "VaultBaseRow",
    "VaultKeyRow",
]


def _json(factory: type[list[Any]] | type[dict[str, Any]]) -> Any:
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


class EventRow(SQLModel, table=True):
    """One entry of the append-only event log; ``seq`` orders all changes."""

    __tablename__ = "events"
    seq: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    ts: float
    actor: str
    kind: str = Field(index=True)
    entity: str
    entity_id: str
    version: int
    payload: dict[str, Any] = _json(dict)

    __table_args__ = (Index("ix_events_entity", "entity", "entity_id"),)


class AuditRow(SQLModel, table=True):
    """One audit entry: a refused request, a failed authentication, or a change made.

    Kept apart from the event log: it records who tried what, including what was refused,
    and it is never replayed.
    """

    __tablename__ = "audit"
    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    ts: float = Field(index=True)
    principal: str | None = Field(default=None, index=True)
    transport: str
    action: str
    kind: str
    target: str
    outcome: str
    reason: str = ""
    session: str | None = None
    request_id: str | None = None
    args_hash: str | None = None
    seq: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))


class PromptRow(SQLModel, table=True):
    """A prompt: its name and its newest version number."""

    __tablename__ = "prompts"
    name: str = Field(primary_key=True)
    latest: int
    created_at: float
    updated_at: float


class PromptVersionRow(SQLModel, table=True):
    """An immutable, numbered version of a prompt."""

    __tablename__ = "prompt_versions"
    name: str = Field(primary_key=True, foreign_key="prompts.name")
    version: int = Field(primary_key=True)
    description: str = ""
    messages: list[dict[str, str]] = _json(list)
    arguments: list[dict[str, Any]] = _json(list)
    message: str = ""
    author: str
    created_at: float


class PromptLabelRow(SQLModel, table=True):
    """A movable label (``production``, ``staging``...) pointing at one prompt version."""

    __tablename__ = "prompt_labels"
    name: str = Field(primary_key=True, foreign_key="prompts.name")
    label: str = Field(primary_key=True)
    version: int


class NoteRow(SQLModel, table=True):
    """A knowledge note, addressed by its vault-relative path."""

    __tablename__ = "notes"
    id: str = Field(primary_key=True)
    path: str = Field(unique=True)
    title: str
    body: str
    frontmatter: dict[str, Any] = _json(dict)
    tags: list[str] = _json(list)
    links: list[str] = _json(list)
    version: int
    created_at: float
    updated_at: float


class BoardRow(SQLModel, table=True):
    """A kanban board."""

    __tablename__ = "boards"
    id: str = Field(primary_key=True)
    title: str
    archived: bool = False
    version: int
    created_at: float
    updated_at: float


class LaneRow(SQLModel, table=True):
    """A column of a board; ``position`` orders lanes left to right."""

    __tablename__ = "lanes"
    id: str = Field(primary_key=True)
    board_id: str = Field(foreign_key="boards.id", index=True)
    title: str
    position: int
    wip_limit: int | None = None


class CardRow(SQLModel, table=True):
    """A task card; ``position`` orders the live (unarchived) cards of a lane from 0."""

    __tablename__ = "cards"
    id: str = Field(primary_key=True)
    board_id: str = Field(foreign_key="boards.id", index=True)
    lane_id: str = Field(foreign_key="lanes.id", index=True)
    title: str
    body: str = ""
    position: int
    done: bool = False
    due: str | None = None
    tags: list[str] = _json(list)
    archived: bool = False
    version: int
    created_at: float
    updated_at: float


class FeedbackRow(SQLModel, table=True):
    """A rating or comment on a prompt version, note or card."""

    __tablename__ = "feedback"
    id: str = Field(primary_key=True)
    entity: str
    entity_id: str
    version: int | None = None
    score: float | None = None
    comment: str = ""
    actor: str
    created_at: float

    __table_args__ = (Index("ix_feedback_entity", "entity", "entity_id"),)


class VaultBaseRow(SQLModel, table=True):
    """What the vault and the store last agreed on for one synced file (vault sync's base).

    Sync state, not workbench data: it is not in the event log and a rebuild leaves it.
    ``text`` and ``file_hash`` are None when nothing was ever agreed; ``conflict_path``
    names the conflict copy while the entity waits for a resolve.
    """

    __tablename__ = "vault_bases"
    kind: str = Field(primary_key=True)
    entity_id: str = Field(primary_key=True)
    path: str
    text: str | None = None
    file_hash: str | None = None
    conflict_path: str | None = None
    conflict_hash: str | None = None


class VaultKeyRow(SQLModel, table=True):
    """A vault file's frontmatter id for a store item whose own key differs from it (a
    prompt renamed in the vault keeps its id; a board id the store cannot take)."""

    __tablename__ = "vault_keys"
    kind: str = Field(primary_key=True)
    entity_id: str = Field(primary_key=True)
    key: str

    __table_args__ = (Index("ix_vault_keys_key", "kind", "key", unique=True),)


class CatalogItemRow(SQLModel, table=True):
    """An item a server registered from code (a tool, a prompt, a resource or a template
    that is not a store record) as its catalog journal last recorded it, per server node."""

    __tablename__ = "catalog_items"
    node: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    digest: str
    descriptor: dict[str, Any] = _json(dict)


STATE_TABLES: list[type[SQLModel]] = [
    PromptRow,
    PromptVersionRow,
    PromptLabelRow,
    NoteRow,
    BoardRow,
    LaneRow,
    CardRow,
    FeedbackRow,
    CatalogItemRow,
]
"""Tables rebuilt from the event log, parents before children."""
