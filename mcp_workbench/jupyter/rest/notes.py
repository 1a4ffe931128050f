"""``/notes``: knowledge notes by vault path, their search and their backlinks.

A note's URL is its path as stored, ending in ``.md`` (``/notes/projects/alpha.md``), so
``/notes/search`` never clashes with a note. To the access policy a note is
``Resource::"note://<path>"``: reading needs ``read``, changing ``write``; lists, search
results and backlinks show only what may be listed.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.errors import NotFound
from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import NoteListQuery, NoteMove, NoteSearchQuery, NoteWrite
from mcp_workbench.jupyter.rest.spec import Param, Route
from mcp_workbench.service import Note, NoteSummary, SearchHit, note_path, note_uri

__all__ = ["ROUTES"]


def _uri(note: NoteSummary | SearchHit) -> str:
    return note.uri


class _NoteHandler(RestHandler):
    def note(self, action: str, path: str, *, new: bool = False) -> str:
        """The clean path of the note at ``path``, once the caller may ``action`` it;
        ``new``: a path the caller names for a note it creates or moves there.

        Raises:
            InvalidInput: not a valid note path.
            NotFound: the caller may not even list it.
            PermissionDenied: it may list it, but not do this.
        """
        clean = note_path(path)
        missing = None if new else NotFound(f"no note at {clean}", data={"path": clean})
        self.require(action, "resource", note_uri(clean), missing)
        return clean


class NotesHandler(_NoteHandler):
    """``/notes``"""

    @web.authenticated
    @authorized
    @operation(query=NoteListQuery, response=list[NoteSummary])
    async def get(self, *, query: NoteListQuery) -> list[NoteSummary]:
        """List notes

        By path, without their bodies; ``limit`` and ``offset`` page through the store,
        and a page leaves out what the caller may not list.
        """
        notes = await self.store.notes.list(
            prefix=query.prefix, tag=query.tag, limit=query.limit, offset=query.offset
        )
        return self.visible("resource", notes, _uri)


class NoteSearchHandler(_NoteHandler):
    """``/notes/search``"""

    @web.authenticated
    @authorized
    @operation(query=NoteSearchQuery, response=list[SearchHit])
    async def get(self, *, query: NoteSearchQuery) -> list[SearchHit]:
        """Search notes

        Full-text search over titles, tags and bodies, best match first, with a snippet
        where the words occur (marked ``**like this**``).
        """
        hits = await self.store.notes.search(query.q, limit=query.limit, tag=query.tag)
        return self.visible("resource", hits, _uri)


class NoteHandler(_NoteHandler):
    """``/notes/{path}``"""

    @web.authenticated
    @authorized
    @operation(response=Note, etag="version")
    async def get(self, path: str) -> Note:
        """Read a note

        With its body, frontmatter, tags, links and version (also the ETag).
        """
        return await self.store.notes.read(self.note("read", path))

    @web.authenticated
    @authorized
    @operation(body=NoteWrite, response=Note, status=201, etag="version", if_match=True)
    async def put(self, path: str, *, body: NoteWrite, expected: int | None) -> Note:
        """Write a note

        Creates the note (201) or replaces its content with a new version (200; writing
        what is stored changes nothing). ``If-Match`` replaces only that version;
        ``If-None-Match: *`` only creates.
        """
        clean = self.note("write", path, new=True)
        notes = self.store.notes
        try:
            await notes.read(clean)
            self.set_status(200)
        except NotFound:
            pass  # created: 201
        return await notes.write(
            clean,
            body.body,
            frontmatter=body.frontmatter,
            title=body.title,
            tags=body.tags,
            expected_version=expected,
            actor=self.actor,
        )

    @web.authenticated
    @authorized
    @operation(status=204, if_match=True)
    async def delete(self, path: str, *, expected: int | None) -> None:
        """Delete a note"""
        clean = self.note("write", path)
        await self.store.notes.delete(clean, expected_version=expected, actor=self.actor)


class NoteMoveHandler(_NoteHandler):
    """``/notes/{path}/move``"""

    @web.authenticated
    @authorized
    @operation(body=NoteMove, response=Note, etag="version", if_match=True, errors=(409,))
    async def post(self, path: str, *, body: NoteMove, expected: int | None) -> Note:
        """Move a note

        Give it a new path, keeping its id and history; 409 if a note is there. Needs
        ``write`` on both paths.
        """
        source = self.note("write", path)
        target = self.note("write", body.new_path, new=True)
        return await self.store.notes.move(
            source, target, expected_version=expected, actor=self.actor
        )


class NoteBacklinksHandler(_NoteHandler):
    """``/notes/{path}/backlinks``"""

    @web.authenticated
    @authorized
    @operation(response=list[NoteSummary])
    async def get(self, path: str) -> list[NoteSummary]:
        """List backlinks

        The other notes whose ``[[wikilinks]]`` point at this one (by its name or the end
        of its path, as Obsidian resolves them), by path.
        """
        clean = self.note("read", path)
        return self.visible("resource", await self.store.notes.backlinks(clean), _uri)


_PATH = {
    "path": Param(
        r".+\.[mM][dD]",
        "The note's vault-relative path, ending in '.md'; its '/' stay as they are.",
    )
}

ROUTES = [
    Route("/notes", NotesHandler),
    Route("/notes/search", NoteSearchHandler),
    Route("/notes/{path}", NoteHandler, _PATH),
    Route("/notes/{path}/move", NoteMoveHandler, _PATH),
    Route("/notes/{path}/backlinks", NoteBacklinksHandler, _PATH),
]
