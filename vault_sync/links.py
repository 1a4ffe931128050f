"""Links between knowledge notes: ``[[wikilinks]]`` resolved as Obsidian does, and the
backlinks that follow from them; plus a note's full tag set."""

from __future__ import annotations

from collections.abc import Iterable

from vault_sync.markdown import WikiLink, summarize
from vault_sync.model import VaultNote

__all__ = ["LinkGraph", "note_links", "note_tags"]


def note_links(note: VaultNote) -> tuple[WikiLink, ...]:
    """The wikilinks in a note's body, in order."""
    return summarize(note.body).links


def note_tags(note: VaultNote) -> tuple[str, ...]:
    """The frontmatter tags, then the inline ``#tags`` not already among them."""
    return tuple(dict.fromkeys([*note.tags, *summarize(note.body).tags]))


def _stem(path: str) -> str:
    return (path[:-3] if path.endswith(".md") else path).casefold()


class LinkGraph:
    """Which notes link to which. A target resolves by path (``[[Projects/Alpha]]``),
    then by file name (the shortest path wins, as in Obsidian), then by alias."""

    def __init__(self, notes: Iterable[VaultNote]) -> None:
        self._notes = {note.id: note for note in notes}
        ordered = sorted(self._notes.values(), key=lambda n: (n.path.count("/"), n.path))
        self._by_path: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        self._by_alias: dict[str, str] = {}
        for note in ordered:
            self._by_path.setdefault(_stem(note.path), note.id)
            self._by_name.setdefault(_stem(note.path.rsplit("/", 1)[-1]), note.id)
            for alias in note.aliases:
                self._by_alias.setdefault(alias.casefold(), note.id)
        self._links: dict[str, tuple[str, ...]] = {}
        self._unresolved: dict[str, tuple[str, ...]] = {}
        self._backlinks: dict[str, list[str]] = {note_id: [] for note_id in self._notes}
        for note in self._notes.values():
            found: dict[str, None] = {}
            missing: dict[str, None] = {}
            for link in note_links(note):
                target = self.resolve(link.target) if link.target else note.id
                if target is None:
                    missing[link.target] = None
                elif target != note.id:
                    found[target] = None
            self._links[note.id] = tuple(found)
            self._unresolved[note.id] = tuple(missing)
            for target in found:
                self._backlinks[target].append(note.id)

    def resolve(self, target: str) -> str | None:
        """The id of the note a link target names, None when none does."""
        key = _stem(target.strip().lstrip("/"))
        return self._by_path.get(key) or self._by_name.get(key) or self._by_alias.get(key)

    def links(self, note_id: str) -> tuple[str, ...]:
        """The notes a note links to (ids, in order of first link)."""
        return self._links.get(note_id, ())

    def unresolved(self, note_id: str) -> tuple[str, ...]:
        """The link targets of a note that name no note."""
        return self._unresolved.get(note_id, ())

    def backlinks(self, note_id: str) -> tuple[str, ...]:
        """The notes that link to a note."""
        return tuple(self._backlinks.get(note_id, ()))
