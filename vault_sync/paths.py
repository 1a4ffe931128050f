"""Where things live in the vault, and the guard that keeps every write inside it.

The managed folder (default ``Workbench/``) holds ``Prompts/*.md``, ``Knowledge/**/*.md``
and ``Boards/*.md``. Paths handed around are vault-relative POSIX strings; only
:meth:`VaultLayout.resolve` turns one into a real path, and it refuses absolute paths,
``..``, and anything that resolves (through a symlink) outside the vault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from vault_sync.errors import UnsafePath
from vault_sync.model import Entity, EntityKind, VaultNote

__all__ = [
    "DEFAULT_MANAGED_FOLDER",
    "KIND_FOLDERS",
    "VaultLayout",
    "check_relative",
    "is_conflict_copy",
    "sanitize_name",
]

DEFAULT_MANAGED_FOLDER = "Workbench"
KIND_FOLDERS: dict[EntityKind, str] = {
    EntityKind.PROMPT: "Prompts",
    EntityKind.NOTE: "Knowledge",
    EntityKind.BOARD: "Boards",
}
_FOLDER_KINDS = {folder: kind for kind, folder in KIND_FOLDERS.items()}

# Characters Windows, macOS or Obsidian links cannot take in a file name.
_FORBIDDEN = re.compile(r'[\\/:*?"<>|#^\[\]\x00-\x1f\x7f]+')
_RESERVED = re.compile(r"(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?", re.IGNORECASE)
_CONFLICT = re.compile(r" \(conflict \d{4}-\d{2}-\d{2} \d{4}(?: \d+)?\)\.md$")
_MAX_NAME = 120


def sanitize_name(name: str) -> str:
    """A file name (without ``.md``) Obsidian, Windows and macOS all accept."""
    clean = _FORBIDDEN.sub("-", name)
    clean = re.sub(r"\s+", " ", clean).strip(" .")[:_MAX_NAME].strip(" .")
    if not clean:
        return "Untitled"
    if _RESERVED.fullmatch(clean):
        clean += "-"
    return clean


def is_conflict_copy(path: str) -> bool:
    """Whether the file is a conflict copy we wrote (never synced itself)."""
    return _CONFLICT.search(path) is not None


def check_relative(path: str) -> PurePosixPath:
    """``path`` as a clean vault-relative path.

    Raises:
        UnsafePath: it is empty, absolute, has ``.``/``..`` parts, a drive, or NUL bytes.
    """
    if not path or "\x00" in path or "\\" in path or re.match(r"[A-Za-z]:", path):
        raise UnsafePath(f"not a vault-relative path: {path!r}")
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", ".", "") for part in path.split("/")):
        raise UnsafePath(f"path leaves the vault or is not normal: {path!r}")
    return pure


@dataclass(frozen=True)
class VaultLayout:
    """A vault and its managed folder (vault-relative; "" for the vault's root)."""

    root: Path
    managed: str = DEFAULT_MANAGED_FOLDER

    def __post_init__(self) -> None:
        if self.managed:
            check_relative(self.managed)
            if any(part.startswith(".") for part in self.managed.split("/")):
                raise UnsafePath(f"the managed folder cannot be hidden: {self.managed!r}")

    @property
    def managed_dir(self) -> Path:
        """The managed folder on disk."""
        return self.root / self.managed if self.managed else self.root

    def folder(self, kind: EntityKind) -> str:
        """The vault-relative folder that holds ``kind``."""
        return "/".join(filter(None, [self.managed, KIND_FOLDERS[kind]]))

    def kind_of(self, path: str) -> EntityKind | None:
        """The kind a vault-relative path is synced as, or None when sync leaves it alone
        (outside the managed folder, hidden such as ``.obsidian/`` and ``.trash/``, not
        Markdown, a conflict copy, or deeper than ``Prompts/`` and ``Boards/`` go)."""
        parts = path.split("/")
        prefix = self.managed.split("/") if self.managed else []
        if parts[: len(prefix)] != prefix or not path.endswith(".md"):
            return None
        rest = parts[len(prefix) :]
        if len(rest) < 2 or any(not part or part.startswith(".") for part in parts):
            return None
        kind = _FOLDER_KINDS.get(rest[0])
        if kind is None or is_conflict_copy(path):
            return None
        if kind is not EntityKind.NOTE and len(rest) != 2:
            return None
        return kind

    def resolve(self, path: str, *, inside: set[str] | None = None) -> Path:
        """The real path of a vault-relative path that is safe to write. ``inside`` holds
        the folders already found to be in the vault (many files written at once): each
        is resolved once, and added when it is.

        Raises:
            UnsafePath: the path is not clean, or it (or a folder on the way) is a
                symlink that resolves outside the vault, or it is itself a symlink.
        """
        pure = check_relative(path)
        target = self.root.joinpath(*pure.parts)
        folder = path.rpartition("/")[0]
        if inside is None or folder not in inside:
            if not target.parent.resolve().is_relative_to(self.root.resolve()):
                raise UnsafePath(f"{path!r} resolves outside the vault")
            if inside is not None:
                inside.add(folder)
        if target.is_symlink():
            raise UnsafePath(f"{path!r} is a symlink; sync does not write through links")
        return target

    def relative(self, path: Path) -> str | None:
        """``path`` (absolute, under the vault) as a vault-relative path, else None."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    def entity_path(self, kind: EntityKind, path: str) -> str:
        """Where the entity read from vault-relative ``path`` says it lives: a note's path
        below ``Knowledge/`` (other kinds: the file name)."""
        folder = self.folder(kind) + "/"
        return path[len(folder) :] if path.startswith(folder) else path.rsplit("/", 1)[-1]

    def path_for(self, entity: Entity) -> str:
        """The vault-relative path an entity is written to when it has no file yet.

        Raises:
            UnsafePath: a note's path is absolute or climbs out with ``..``.
        """
        folder = self.folder(entity.kind)
        if isinstance(entity, VaultNote):
            note = check_relative(entity.path)
            parts = [sanitize_name(part) for part in note.parts[:-1]]
            stem = note.name[:-3] if note.name.endswith(".md") else note.name
            return "/".join([folder, *parts, sanitize_name(stem) + ".md"])
        return f"{folder}/{sanitize_name(entity.name)}.md"

    def conflict_copy(self, path: str, when: datetime, attempt: int = 1) -> str:
        """The conflict copy's path beside ``path``: ``Note (conflict 2024-05-01 1405).md``."""
        stem = path[:-3] if path.endswith(".md") else path
        suffix = f" {attempt}" if attempt > 1 else ""
        return f"{stem} (conflict {when:%Y-%m-%d %H%M}{suffix}).md"
