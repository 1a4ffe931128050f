"""``notes.*`` tools: read, write, move, delete, list and search knowledge notes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from mcp_workbench.registry import Registry, ToolContext
from mcp_workbench.service import Note, NoteSummary, SearchHit, Workbench
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


def register(registry: Registry, workbench: Workbench) -> None:
    """Add the ``notes.*`` tools to ``registry``."""
    service = workbench.notes

    @registry.tool("notes.read", annotations=_READ, title="Read a note")
    async def read(path: Path) -> Note:
        """A note with its body, frontmatter, tags, links and version."""
        return await service.read(path)

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
        """Create a note or replace its content with a new version."""
        return await service.write(
            path,
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
        return await service.move(
            path, new_path, expected_version=expected_version, actor=actor_of(ctx)
        )

    @registry.tool("notes.delete", annotations={"destructiveHint": True}, title="Delete a note")
    async def delete(ctx: ToolContext, path: Path, expected_version: ExpectedVersion = None) -> str:
        """Delete a note."""
        await service.delete(path, expected_version=expected_version, actor=actor_of(ctx))
        return f"Deleted note {path}"

    @registry.tool("notes.list", annotations=_READ, title="List notes")
    async def list_notes(
        prefix: Annotated[str, Field(description="Only notes under this folder.")] = "",
        tag: str | None = None,
        limit: Annotated[int, Field(ge=1, le=1000)] = 100,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> NoteList:
        """Notes by path, without their bodies."""
        return NoteList(
            notes=await service.list(prefix=prefix, tag=tag, limit=limit, offset=offset)
        )

    @registry.tool("notes.search", annotations=_READ, title="Search notes")
    async def search(
        query: Annotated[str, Field(description="Words that must all occur; 'word*' = prefix.")],
        limit: Annotated[int, Field(ge=1, le=200)] = 10,
        tag: str | None = None,
    ) -> SearchResults:
        """Full-text search over note titles, tags and bodies, best match first, with a
        snippet where the words occur (marked **like this**)."""
        return SearchResults(hits=await service.search(query, limit=limit, tag=tag))

    del read, write, move, delete, list_notes, search
