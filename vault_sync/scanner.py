"""Hash every managed file, so a sync can tell by content what changed on the vault side.

A stat cache (mtime, size) spares re-reading unchanged files on later scans; a restart has
no cache and hashes everything, which is how changes made while we were down are found.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vault_sync.encoding import TextFormat, content_hash, decode
from vault_sync.errors import UnreadableFile
from vault_sync.frontmatter import parse_frontmatter, split_document
from vault_sync.model import EntityKind
from vault_sync.paths import VaultLayout
from vault_sync.report import Problem

__all__ = ["ReadFile", "ScannedFile", "VaultScanner"]


@dataclass(frozen=True)
class ScannedFile:
    """A managed file as last seen: its content hash, its frontmatter id, or why it cannot
    be read (then it is left alone)."""

    path: str
    kind: EntityKind
    hash: str
    entity_id: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class ReadFile:
    """What a scan learnt of a file it read: its text, its format and its frontmatter."""

    hash: str
    text: str
    fmt: TextFormat
    frontmatter: dict[str, Any]


class VaultScanner:
    """Finds and hashes the managed files of one vault layout."""

    def __init__(self, layout: VaultLayout) -> None:
        self.layout = layout
        self._cache: dict[str, tuple[int, int, ScannedFile]] = {}
        self._kept: dict[str, ReadFile] = {}
        self._keep_left = 0

    def scan(self, *, keep: int = 0) -> tuple[dict[str, ScannedFile], list[Problem]]:
        """Every managed file by vault-relative path, and the files refused (symlinks).
        Up to ``keep`` bytes of the files read are kept, decoded and parsed, for
        :meth:`take` (a first import then reads and parses each file once)."""
        self._kept.clear()
        self._keep_left = keep
        files: dict[str, ScannedFile] = {}
        problems: list[Problem] = []
        top = self.layout.managed_dir
        if not top.is_dir():
            return files, problems
        if not top.resolve().is_relative_to(self.layout.root.resolve()):
            return files, [Problem(self.layout.managed, "the managed folder leaves the vault")]
        for directory, dirs, names in os.walk(top):
            base = Path(directory)
            for name in list(dirs):
                path = base / name
                if name.startswith("."):
                    dirs.remove(name)
                elif path.is_symlink():
                    dirs.remove(name)
                    problems.append(Problem(self._rel(path), "a symlinked folder: not synced"))
            for name in names:
                rel = self._rel(base / name)
                if self.layout.kind_of(rel) is None:
                    continue
                if (base / name).is_symlink():
                    problems.append(Problem(rel, "a symlink: not synced"))
                    continue
                found = self.refresh(rel, use_cache=True)
                if found is not None:
                    files[rel] = found
        for stale in set(self._cache) - set(files):
            del self._cache[stale]
        return files, problems

    def refresh(self, path: str, *, use_cache: bool = False) -> ScannedFile | None:
        """The file at ``path`` now, None when it is gone, unmanaged or a symlink."""
        kind = self.layout.kind_of(path)
        target = self.layout.root / path
        if kind is None or target.is_symlink():
            self._cache.pop(path, None)
            return None
        try:
            info = target.stat()
        except (FileNotFoundError, NotADirectoryError):
            self._cache.pop(path, None)
            return None
        cached = self._cache.get(path)
        if use_cache and cached and cached[:2] == (info.st_mtime_ns, info.st_size):
            return cached[2]
        try:
            data = target.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            self._cache.pop(path, None)
            return None
        found, read = _inspect(path, kind, data)
        self._cache[path] = (info.st_mtime_ns, info.st_size, found)
        if read is not None and len(data) <= self._keep_left:
            self._kept[path] = read
            self._keep_left -= len(data)
        return found

    def seen(self, path: str, digest: str) -> tuple[int, int] | None:
        """The (mtime_ns, size) the file had when it was hashed as ``digest``, if it was."""
        cached = self._cache.get(path)
        return cached[:2] if cached is not None and cached[2].hash == digest else None

    def take(self, path: str, digest: str) -> ReadFile | None:
        """What a scan kept of a file, if it read ``digest`` there (once)."""
        read = self._kept.pop(path, None)
        return read if read is not None and read.hash == digest else None

    def forget_kept(self) -> None:
        """Drop the bytes the last scan kept."""
        self._kept.clear()

    def read(self, path: str) -> bytes | None:
        """The file's bytes, None when it is gone."""
        try:
            return (self.layout.root / path).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.layout.root).as_posix()


def _inspect(path: str, kind: EntityKind, data: bytes) -> tuple[ScannedFile, ReadFile | None]:
    digest = content_hash(data)
    try:
        text, fmt = decode(data)
        frontmatter = parse_frontmatter(split_document(text).frontmatter)
    except UnreadableFile as exc:
        return ScannedFile(path, kind, digest, problem=str(exc)), None
    value = frontmatter.get("id")
    found = ScannedFile(path, kind, digest, None if value in (None, "") else str(value))
    return found, ReadFile(digest, text, fmt, frontmatter)
