"""``notes.*`` tools: read, write, move, delete, list and search knowledge notes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from mcp_workbench.registry import Registry, ToolContext
from mcp_workbench.service import Note, NoteSummary, SearchHit, Workbench, note_uri
from mcp_workbench.tools import entity_access as access
from mcp_workbench.tools.prompts import actor_of

__all__ = ["NoteList", "SearchResults", "register"]

_READ = {"readOnlyHint": True, "idempotentHint": True}

Path = Annotated[str, Field(description="Vault-relative path, e.g. 'projects/alpha.md'.")]
ExpectedVersion = Annotated[
    int | None,
    Field(description="The version your change is based on (0: the note must not exist)."),
]


class NoteList(BaseModel):
    """Notes, by path."""

    notes: list[NoteSummary]


class SearchResults(BaseModel):
    """Search hits, best first."""

    hits: list[SearchHit]


def _uri(note: NoteSummary | SearchHit) -> str:
    return note_uri(note.path)


def register(registry: Registry, workbench: Workbench) -> None:
    """Add the ``notes.*`` tools to ``registry``."""
    service = workbench.notes

    @registry.tool("notes.read", annotations=_READ, title="Read a note")
    async def read(ctx: ToolContext, path: Path) -> Note:
        """A note with its body, frontmatter, tags, links and version."""
        return await service.read(access.note(ctx, "read", path))

    @registry.tool(
        "notes.write",
        annotations={"destructiveHint": True, "idempotentHint": True},
        title="Write a note",
    )
    async def write(
        ctx: ToolContext,
        path: Path,
        body: Annotated[str, Field(description="Markdown, without frontmatter.")],
        title: str | None = None,
        frontmatter: dict[str, Any] | None = None,
        tags: Annotated[
            list[str] | None, Field(description="Default: frontmatter tags and #tags in the body.")
        ] = None,
        expected_version: ExpectedVersion = None,
    ) -> Note:
        """Create a note or replace its content with a new version. A write based on an
        older version is merged with the changes made since; it fails, naming what clashed,
        only where both changed the same lines or frontmatter keys."""
        return await service.write(
            access.note(ctx, "write", path, new=True),
            body,
            frontmatter=frontmatter,
            title=title,
            tags=tags,
            expected_version=expected_version,
            actor=actor_of(ctx),
        )

    @registry.tool("notes.move", annotations={"destructiveHint": False}, title="Rename a note")
    async def move(
        ctx: ToolContext, path: Path, new_path: Path, expected_version: ExpectedVersion = None
    ) -> Note:
        """Give a note a new path, keeping its history."""
        old = access.note(ctx, "write", path)
        new = access.note(ctx, "write", new_path, new=True)
        return await service.move(old, new, expected_version=expected_version, actor=actor_of(ctx))

    @registry.tool("notes.delete", annotations={"destructiveHint": True}, title="Delete a note")
    async def delete(ctx: ToolContext, path: Path, expected_version: ExpectedVersion = None) -> str:
        """Delete a note."""
        clean = access.note(ctx, "write", path)
        await service.delete(clean, expected_version=expected_version, actor=actor_of(ctx))
        return f"Deleted note {clean}"

    @registry.tool("notes.list", annotations=_READ, title="List notes")
    async def list_notes(
        ctx: ToolContext,
        prefix: Annotated[str, Field(description="Only notes under this folder.")] = "",
        tag: str | None = None,
        limit: Annotated[int, Field(ge=1, le=1000)] = 100,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> NoteList:
        """Notes by path, without their bodies."""
        notes = await service.list(prefix=prefix, tag=tag, limit=limit, offset=offset)
        return NoteList(notes=ctx.visible("resource", notes, _uri))

    @registry.tool("notes.search", annotations=_READ, title="Search notes")
    async def search(
        ctx: ToolContext,
        query: Annotated[str, Field(description="Words that must all occur; 'word*' = prefix.")],
        limit: Annotated[int, Field(ge=1, le=200)] = 10,
        tag: str | None = None,
    ) -> SearchResults:
        """Full-text search over note titles, tags and bodies, best match first, with a
        snippet where the words occur (marked **like this**)."""
        hits = await service.search(query, limit=limit, tag=tag)
        return SearchResults(hits=ctx.visible("resource", hits, _uri))

    del read, write, move, delete, list_notes, search
