"""Knowledge notes: Markdown bodies with frontmatter, tags and wikilinks, addressed by path."""

from __future__ import annotations

import builtins
import posixpath
import re
from typing import Any
from urllib.parse import quote, unquote

from sqlmodel import Session, col, func, select

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.service.core import (
    ServiceCore,
    check_size,
    check_version,
    new_id,
    normalize_tags,
)
from mcp_workbench.service.merge import stale_write, state_at
from mcp_workbench.service.models import Note, NoteSummary, SearchHit
from mcp_workbench.store import EventDraft, search_notes
from mcp_workbench.store.tables import NoteRow

__all__ = [
    "NOTE_SCHEME",
    "NoteService",
    "inline_tags",
    "links_to",
    "note_from_row",
    "note_path",
    "note_uri",
    "parse_links",
]

NOTE_SCHEME = "note://"
_WIKILINK = re.compile(r"\[\[([^\]\|#\^]+)(?:[#\^][^\]\|]*)?(?:\|[^\]]*)?\]\]")
# A '#' not after a word character, '&', '#' or '/', then the tag. The pattern starts with
# the '#' (the lookbehind comes after it), so the regex engine jumps from '#' to '#'.
_INLINE_TAG = re.compile(r"#(?<![\w&#/]#)([\w/-]*[A-Za-z_/-][\w/-]*)", re.UNICODE)
_FENCE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_MAX_PATH = 512
_IN_CHUNK = 500  # values per IN (...) list: well under every backend's parameter limit


def note_uri(path: str) -> str:
    """The MCP resource URI of the note at ``path``."""
    return NOTE_SCHEME + quote(path, safe="/")


def note_path(path: str) -> str:
    """A clean vault-relative path: forward slashes, no ``..``, ending in ``.md``.

    Raises:
        InvalidInput: the path is empty, absolute, escapes the vault or is too long.
    """
    raw = unquote(path.removeprefix(NOTE_SCHEME)) if path.startswith(NOTE_SCHEME) else path
    cleaned = raw.strip().replace("\\", "/")
    if not cleaned or cleaned.startswith("/") or "\x00" in cleaned or ":" in cleaned.split("/")[0]:
        raise InvalidInput(f"invalid note path {path!r}: give a path relative to the vault")
    normal = posixpath.normpath(cleaned)
    if normal.startswith("..") or normal == ".":
        raise InvalidInput(f"invalid note path {path!r}: it leaves the vault")
    if any(part.startswith(".") for part in normal.split("/")):
        raise InvalidInput(f"invalid note path {path!r}: hidden folders and files are not notes")
    if not normal.lower().endswith(".md"):
        normal += ".md"
    if len(normal) > _MAX_PATH:
        raise InvalidInput(f"note path is longer than {_MAX_PATH} characters")
    return normal


def parse_links(body: str) -> list[str]:
    """The targets of ``[[wikilinks]]`` in ``body``, in order, without duplicates."""
    out: list[str] = []
    for match in _WIKILINK.finditer(_FENCE.sub("", body)):
        target = match.group(1).strip()
        if target and target not in out:
            out.append(target)
    return out


def inline_tags(body: str) -> list[str]:
    """The ``#tags`` written in a note's body (outside code)."""
    return [m.group(1) for m in _INLINE_TAG.finditer(_FENCE.sub("", body))]


def links_to(link: str, path: str) -> bool:
    """Whether the wikilink target ``link`` names the note at ``path``: as in Obsidian, by
    file name (``[[alpha]]``) or by the end of its path (``[[projects/alpha.md]]``),
    ignoring case and the ``.md`` extension."""
    target = link.strip().replace("\\", "/").lstrip("/").casefold()
    target = target.removesuffix(".md")
    stem = path.casefold().removesuffix(".md")
    return bool(target) and (stem == target or stem.endswith("/" + target))


def _title(path: str, frontmatter: dict[str, Any]) -> str:
    # As in Obsidian, a note's name is its file name; a frontmatter title overrides it.
    title = frontmatter.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    return posixpath.splitext(posixpath.basename(path))[0]


def _frontmatter_tags(frontmatter: dict[str, Any]) -> list[str]:
    tags = frontmatter.get("tags", [])
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,\s]+", tags) if t]
    return [str(t) for t in tags] if isinstance(tags, list) else []


def _summary(row: NoteRow) -> NoteSummary:
    return NoteSummary(
        id=row.id,
        path=row.path,
        uri=note_uri(row.path),
        title=row.title,
        tags=row.tags,
        version=row.version,
        updated_at=row.updated_at,
    )


def note_from_row(row: NoteRow) -> Note:
    return Note(
        **_summary(row).model_dump(),
        body=row.body,
        frontmatter=row.frontmatter,
        links=row.links,
        created_at=row.created_at,
    )


def _by_path(session: Session, path: str) -> NoteRow | None:
    return session.exec(select(NoteRow).where(col(NoteRow.path) == path)).first()


class NoteService:
    """Write, move, delete, read, list and search notes."""

    def __init__(self, core: ServiceCore) -> None:
        self.core = core

    async def write(
        self,
        path: str,
        body: str,
        *,
        frontmatter: dict[str, Any] | None = None,
        title: str | None = None,
        tags: list[str] | None = None,
        expected_version: int | None = None,
        note_id: str | None = None,
        actor: str,
    ) -> Note:
        """Create the note at ``path`` or replace its content (a new version).

        ``expected_version=0`` means "must not exist yet". A write based on an older
        version is merged with the changes made since (body by lines, frontmatter by key).
        Writing what is already stored records nothing. Title, tags and links are derived
        from the content unless given. A new note gets ``note_id`` as its id when given
        (vault sync keeps the file's id).

        Raises:
            InvalidInput: bad path, tags or an oversized body.
            Conflict: the note exists while ``expected_version`` is 0, ``expected_version``
                is ahead of it, or the changes since clash with this one.
        """
        clean = note_path(path)
        meta = dict(frontmatter or {})
        state = self._state(clean, body, meta, title, tags)
        # What the write sets, to merge when it is based on an older version; a title or
        # tags not given follow from the merged content, as they do from any content.
        given: dict[str, Any] = {"body": body, "frontmatter": meta}
        if (title or "").strip():
            given["title"] = state["title"]
        if tags is not None:
            given["tags"] = state["tags"]

        def mutation(session: Session, now: float) -> list[EventDraft]:
            row = _by_path(session, clean)
            if row is None:
                if expected_version not in (None, 0):
                    raise NotFound(f"no note at {clean} (expected version {expected_version})")
                chosen = note_id or new_id()
                if note_id is not None and session.get(NoteRow, note_id) is not None:
                    raise Conflict(f"a note with id {note_id!r} exists at another path")
                payload = {
                    **state,
                    "id": chosen,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                return [EventDraft("note.created", "note", chosen, 1, {"note": payload})]
            if expected_version == 0:
                raise Conflict(f"a note exists at {clean}", data={"current": row.version})
            current = {k: getattr(row, k) for k in state}
            new_state, event = state, dict[str, Any]()
            stale = stale_write("note", clean, row.version, expected_version)
            if stale is not None:
                base = state_at(session, "note", row.id, stale.expected)
                merged = stale.merge(
                    base, current, given, text=("body", "title"), mappings=("frontmatter",)
                )
                new_state = self._state(
                    clean,
                    merged["body"],
                    merged["frontmatter"],
                    merged.get("title"),
                    merged.get("tags"),
                )
                event["merged"] = stale.marker
            if current == new_state:
                return []
            version = row.version + 1
            event["note"] = {
                **new_state,
                "id": row.id,
                "version": version,
                "created_at": row.created_at,
                "updated_at": now,
            }
            return [EventDraft("note.updated", "note", row.id, version, event)]

        events = await self.core.commit(mutation, actor)
        if events:  # the event holds the new state: no need to read it back
            return note_from_row(NoteRow(**events[-1].payload["note"]))
        return await self.read(clean)

    def _state(
        self,
        clean: str,
        body: str,
        meta: dict[str, Any],
        title: str | None = None,
        tags: builtins.list[str] | None = None,
    ) -> dict[str, Any]:
        """A note's content as stored: title, tags and links derived unless given.

        Raises:
            InvalidInput: bad title or tags, or an oversized body.
        """
        limits = self.core.limits
        check_size("note body", body, limits.max_body_bytes)
        chosen_title = (title or "").strip() or _title(clean, meta)
        if len(chosen_title) > limits.max_title_chars:
            raise InvalidInput(f"title is longer than {limits.max_title_chars} characters")
        all_tags = normalize_tags(
            tags if tags is not None else [*_frontmatter_tags(meta), *inline_tags(body)]
        )
        return {
            "path": clean,
            "title": chosen_title,
            "body": body,
            "frontmatter": meta,
            "tags": all_tags,
            "links": parse_links(body),
        }

    def prepare(
        self,
        path: str,
        body: str,
        *,
        frontmatter: dict[str, Any] | None = None,
        note_id: str | None = None,
    ) -> dict[str, Any]:
        """The state of a new note (without id, version and times), validated.

        Raises:
            InvalidInput: bad path, title or tags, or an oversized body.
        """
        return {"id": note_id, **self._state(note_path(path), body, dict(frontmatter or {}))}

    @staticmethod
    def creations(
        session: Session, states: builtins.list[dict[str, Any]], now: float
    ) -> tuple[builtins.list[EventDraft], builtins.list[Exception | None]]:
        """Inside a transaction: the events creating the notes ``states`` (from
        :meth:`prepare`), and for each the reason it was refused (a path or id already
        taken), or None."""
        paths = [state["path"] for state in states]
        ids = [state["id"] for state in states if state["id"]]
        taken_paths: set[str] = set()
        taken_ids: set[str] = set()
        for start in range(0, len(paths), _IN_CHUNK):
            part = paths[start : start + _IN_CHUNK]
            taken_paths.update(
                session.exec(select(NoteRow.path).where(col(NoteRow.path).in_(part)))
            )
        for start in range(0, len(ids), _IN_CHUNK):
            part = ids[start : start + _IN_CHUNK]
            taken_ids.update(session.exec(select(NoteRow.id).where(col(NoteRow.id).in_(part))))
        drafts: builtins.list[EventDraft] = []
        outcomes: builtins.list[Exception | None] = []
        for state in states:
            note_id = state["id"] or new_id()
            if state["path"] in taken_paths:
                outcomes.append(Conflict(f"a note exists at {state['path']}"))
                continue
            if note_id in taken_ids:
                outcomes.append(Conflict(f"a note with id {note_id!r} exists at another path"))
                continue
            taken_paths.add(state["path"])
            taken_ids.add(note_id)
            payload = {**state, "id": note_id, "version": 1, "created_at": now, "updated_at": now}
            drafts.append(EventDraft("note.created", "note", note_id, 1, {"note": payload}))
            outcomes.append(None)
        return drafts, outcomes

    async def move(
        self, path: str, new_path: str, *, expected_version: int | None = None, actor: str
    ) -> Note:
        """Give a note a new path (a rename), keeping its id and history.

        Raises:
            NotFound: no note at ``path``.
            Conflict: a note exists at ``new_path`` or the version is stale.
        """
        source, target = note_path(path), note_path(new_path)

        def mutation(session: Session, now: float) -> list[EventDraft]:
            row = self._require(session, source)
            check_version("note", source, row.version, expected_version)
            if source == target:
                return []
            if _by_path(session, target) is not None:
                raise Conflict(f"a note exists at {target}")
            version = row.version + 1
            payload = {**row.model_dump(), "path": target, "version": version, "updated_at": now}
            return [
                EventDraft("note.moved", "note", row.id, version, {"note": payload, "from": source})
            ]

        events = await self.core.commit(mutation, actor)
        if events:
            return note_from_row(NoteRow(**events[-1].payload["note"]))
        return await self.read(target)

    async def delete(self, path: str, *, expected_version: int | None = None, actor: str) -> None:
        """Delete the note at ``path``.

        Raises:
            NotFound: no note there.
            Conflict: the version is stale.
        """
        clean = note_path(path)

        def mutation(session: Session, _now: float) -> list[EventDraft]:
            row = self._require(session, clean)
            check_version("note", clean, row.version, expected_version)
            payload = {"note": {"id": row.id, "path": row.path}}
            return [EventDraft("note.deleted", "note", row.id, row.version + 1, payload)]

        await self.core.commit(mutation, actor)

    @staticmethod
    def _require(session: Session, path: str) -> NoteRow:
        row = _by_path(session, path)
        if row is None:
            raise NotFound(f"no note at {path}", data={"path": path})
        return row

    async def read(self, path: str) -> Note:
        """The note at ``path`` (or ``note://`` URI).

        Raises:
            InvalidInput: the path is malformed.
            NotFound: no note there.
        """
        clean = note_path(path)
        return await self.core.db.read(lambda s: note_from_row(self._require(s, clean)))

    async def read_id(self, note_id: str) -> Note:
        """The note whose id is ``note_id`` (ids stay the same when a note moves).

        Raises:
            NotFound: no such note.
        """

        def read(session: Session) -> Note:
            row = session.get(NoteRow, note_id)
            if row is None:
                raise NotFound(f"no note with id {note_id!r}", data={"id": note_id})
            return note_from_row(row)

        return await self.core.db.read(read)

    async def backlinks(self, path: str) -> builtins.list[NoteSummary]:
        """The other notes whose ``[[wikilinks]]`` point at the note at ``path``, by path.

        Raises:
            InvalidInput: the path is malformed.
            NotFound: no note there.
        """
        clean = note_path(path)

        def read(session: Session) -> builtins.list[NoteSummary]:
            self._require(session, clean)
            # Links are stored as written, so every note's links are looked at (without
            # reading bodies); only the notes that link here are then read whole.
            pairs = session.exec(select(NoteRow.id, NoteRow.links)).all()
            sources = [
                note_id for note_id, links in pairs if any(links_to(link, clean) for link in links)
            ]
            if not sources:
                return []
            query = select(NoteRow).where(col(NoteRow.id).in_(sources), col(NoteRow.path) != clean)
            return [_summary(row) for row in session.exec(query.order_by(col(NoteRow.path)))]

        return await self.core.db.read(read)

    async def list(
        self, *, prefix: str = "", tag: str | None = None, limit: int = 1000, offset: int = 0
    ) -> builtins.list[NoteSummary]:
        """Notes by path, optionally under a folder ``prefix`` or carrying ``tag``."""

        def read(session: Session) -> builtins.list[NoteSummary]:
            query = select(NoteRow).order_by(col(NoteRow.path))
            if prefix:
                query = query.where(col(NoteRow.path).startswith(prefix, autoescape=True))
            rows = (
                session.exec(query).all()
                if tag
                else session.exec(query.offset(offset).limit(limit)).all()
            )
            if tag:
                rows = [r for r in rows if tag.lstrip("#") in r.tags][offset : offset + limit]
            return [_summary(r) for r in rows]

        return await self.core.db.read(read)

    async def count(self) -> int:
        """How many notes there are."""
        return await self.core.db.read(
            lambda s: int(s.exec(select(func.count()).select_from(NoteRow)).one())
        )

    async def search(
        self, query: str, *, limit: int = 20, tag: str | None = None
    ) -> builtins.list[SearchHit]:
        """Notes matching every word of ``query``, best first, with a highlighted snippet.

        Raises:
            InvalidInput: ``limit`` is out of range.
        """
        if not 1 <= limit <= 200:
            raise InvalidInput("limit must be between 1 and 200")
        dialect = self.core.db.dialect
        hits = await self.core.db.read(
            lambda s: search_notes(s, dialect, query, limit=limit, tag=tag)
        )
        return [
            SearchHit(
                id=h.id,
                path=h.path,
                uri=note_uri(h.path),
                title=h.title,
                score=h.score,
                snippet=h.snippet,
            )
            for h in hits
        ]
