"""The store: SQLModel tables, migrations, the event log and its projection, search."""

from __future__ import annotations

from mcp_workbench.store.database import Database, sqlite_url
from mcp_workbench.store.events import (
    Event,
    EventDraft,
    append,
    append_many,
    events_after,
    last_seq,
)
from mcp_workbench.store.search import NoteHit, search_notes

__all__ = [
    "Database",
    "Event",
    "EventDraft",
    "NoteHit",
    "append",
    "append_many",
    "events_after",
    "last_seq",
    "search_notes",
    "sqlite_url",
]
