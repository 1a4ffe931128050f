"""Full-text search over notes: SQLite FTS5 (bm25 ranking, snippets) or PostgreSQL
``tsvector`` (``ts_rank``, ``ts_headline``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert, text
from sqlmodel import Session

__all__ = ["NoteHit", "fts5_query", "insert_notes", "search_notes"]

_TOKEN = re.compile(r"[\w][\w'-]*\*?", re.UNICODE)
MARK_START = "**"
MARK_END = "**"


@dataclass(frozen=True, slots=True)
class NoteHit:
    """A note that matched, best first: higher ``score`` is better."""

    id: str
    path: str
    title: str
    score: float
    snippet: str


_HOLD_INDEX = text("UPDATE notes_fts_control SET deferred = :deferred")
_LAST_ROWID = text("SELECT coalesce(max(rowid), 0) FROM notes")
_INDEX_AFTER = text(
    "INSERT INTO notes_fts(rowid, title, body, tags) SELECT rowid, title, body, "
    "(SELECT coalesce(group_concat(value, ' '), '') FROM json_each(notes.tags)) "
    "FROM notes WHERE rowid > :after"
)


def insert_notes(connection: Connection, notes: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many note rows in the caller's transaction, indexed for search. On SQLite the
    per-row index trigger is held off and the new rows are indexed with one statement (the
    write lock is held, so every rowid above the last one is ours)."""
    if connection.dialect.name != "sqlite":
        connection.execute(insert(notes), rows)
        return
    after = connection.execute(_LAST_ROWID).scalar_one()
    connection.execute(_HOLD_INDEX, {"deferred": 1})
    connection.execute(insert(notes), rows)
    connection.execute(_HOLD_INDEX, {"deferred": 0})
    connection.execute(_INDEX_AFTER, {"after": after})


def _terms(query: str) -> list[str]:
    return _TOKEN.findall(query)


def fts5_query(query: str) -> str | None:
    """A safe FTS5 query from free text: every word must match; ``word*`` is a prefix.

    Quoting each term keeps FTS5 operators and punctuation in user text from being read as
    query syntax. None when the text has no searchable word.
    """
    parts = []
    for term in _terms(query):
        prefix = term.endswith("*")
        word = term.rstrip("*").replace('"', "")
        if word:
            parts.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(parts) or None


def _tsquery(query: str) -> str | None:
    parts = []
    for term in _terms(query):
        prefix = term.endswith("*")
        word = re.sub(r"[^\w]", "", term)
        if word:
            parts.append(word + (":*" if prefix else ""))
    return " & ".join(parts) or None


def search_notes(
    session: Session, dialect: str, query: str, *, limit: int = 20, tag: str | None = None
) -> list[NoteHit]:
    """Notes matching every word of ``query`` (and carrying ``tag``), best first."""
    if dialect == "sqlite":
        match = fts5_query(query)
        if match is None:
            return []
        if tag:
            match = f'({match}) AND tags : "{tag.replace(chr(34), "")}"'
        rows = session.execute(
            text(
                "SELECT n.id, n.path, n.title, bm25(notes_fts, 10.0, 1.0, 5.0) AS rank, "
                f"snippet(notes_fts, 1, '{MARK_START}', '{MARK_END}', '…', 16) "
                "FROM notes_fts JOIN notes AS n ON n.rowid = notes_fts.rowid "
                "WHERE notes_fts MATCH :match ORDER BY rank LIMIT :limit"
            ),
            {"match": match, "limit": limit},
        )
        # bm25 is lower-is-better and negative; flip it so higher is better everywhere.
        return [NoteHit(r[0], r[1], r[2], -float(r[3]), r[4]) for r in rows]
    tsq = _tsquery(query)
    if tsq is None:
        return []
    tag_clause = " AND n.tags::jsonb ? :tag" if tag else ""
    rows = session.execute(
        text(
            "SELECT n.id, n.path, n.title, ts_rank(n.search, q) AS rank, "
            "ts_headline('simple', n.body, q, "
            f"'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=8') "
            "FROM notes AS n, to_tsquery('simple', :q) AS q "
            f"WHERE n.search @@ q{tag_clause} ORDER BY rank DESC, n.path LIMIT :limit"
        ),
        {"q": tsq, "limit": limit, "tag": tag},
    )
    return [NoteHit(r[0], r[1], r[2], float(r[3]), r[4]) for r in rows]
