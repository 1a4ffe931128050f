"""The vault side of a sync: an index of the managed files and every read and write sync
makes, off the event loop, with the bookkeeping that recognises our own writes' echo.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from vault_sync.codec import parse_entity, read_id
from vault_sync.encoding import TextFormat, content_hash, decode
from vault_sync.model import Entity, EntityKind
from vault_sync.paths import VaultLayout
from vault_sync.report import Problem
from vault_sync.scanner import ScannedFile, VaultScanner
from vault_sync.writer import Expected, remove_file, write_text

__all__ = ["VaultFiles", "VaultText"]

_MAX_SUFFIX = 1000


@dataclass(frozen=True)
class VaultText:
    """A managed file read and parsed: its text (``\\n`` endings), how it is stored, and the
    entity it holds (id "" when the file has none yet)."""

    path: str
    kind: EntityKind
    hash: str
    text: str
    fmt: TextFormat
    entity: Entity


class VaultFiles:
    """Reads and writes the managed files of one vault, keeping an index by path."""

    def __init__(self, layout: VaultLayout) -> None:
        self.layout = layout
        self._scanner = VaultScanner(layout)
        self.index: dict[str, ScannedFile] = {}
        self.scanned = False
        """Whether the index holds a full scan (until then, events cannot be trusted)."""
        self._written: dict[str, str] = {}
        self._removed: set[str] = set()

    def location(self, kind: EntityKind, path: str) -> str:
        """What :func:`vault_sync.codec.parse_entity` needs to know of where a file is."""
        return self.layout.entity_path(kind, path)

    async def scan(self) -> list[Problem]:
        """Rebuild the index from disk; returns the files refused (symlinks)."""
        self.index, problems = await asyncio.to_thread(self._scanner.scan)
        self.scanned = True
        return problems

    async def refresh(self, path: str) -> ScannedFile | None:
        """Re-read one path into the index (bypassing the stat cache)."""
        found = await asyncio.to_thread(self._scanner.refresh, path)
        if found is None:
            self.index.pop(path, None)
        else:
            self.index[path] = found
        return found

    def is_echo(self, path: str, found: ScannedFile | None) -> bool:
        """Whether what is at ``path`` now is exactly what our last change left there."""
        if found is None:
            return path in self._removed
        return self._written.get(path) == found.hash

    async def load(self, file: ScannedFile) -> VaultText | None:
        """Read and parse a file, None when it is gone.

        Raises:
            UnreadableFile: it cannot be decoded or parsed.
        """
        data = await asyncio.to_thread(self._scanner.read, file.path)
        if data is None:
            self.index.pop(file.path, None)
            return None
        text, fmt = decode(data)
        entity = parse_entity(file.kind, self.location(file.kind, file.path), text)
        return VaultText(file.path, file.kind, content_hash(data), text, fmt, entity)

    async def write(self, path: str, text: str, fmt: TextFormat, *, expected: Expected) -> str:
        """Write a file atomically if it holds ``expected``; returns its new hash.

        Raises:
            UnsafePath: the path would leave the vault or is a symlink.
            FileChanged: the file does not hold ``expected``.
        """
        target = self.layout.resolve(path)
        digest = await asyncio.to_thread(write_text, target, text, fmt, expected=expected)
        self._written[path] = digest
        self._removed.discard(path)
        kind = self.layout.kind_of(path)
        if kind is not None:
            self.index[path] = ScannedFile(path, kind, digest, read_id(text))
        return digest

    async def remove(self, path: str, *, expected: Expected) -> None:
        """Delete a file if it holds ``expected``.

        Raises:
            UnsafePath: the path would leave the vault or is a symlink.
            FileChanged: the file does not hold ``expected``.
        """
        target = self.layout.resolve(path)
        await asyncio.to_thread(remove_file, target, expected=expected)
        self._removed.add(path)
        self._written.pop(path, None)
        self.index.pop(path, None)

    async def hash_of(self, path: str) -> str | None:
        """The content hash of any vault file (managed or not), None when there is none."""
        data = await asyncio.to_thread(_read, self.layout.root / path)
        return None if data is None else content_hash(data)

    async def free_path(self, path: str, *, mine: str | None = None) -> str:
        """``path``, or ``Name 1.md``, ``Name 2.md``… when another file has it."""
        stem = path[:-3] if path.endswith(".md") else path
        for attempt in range(_MAX_SUFFIX):
            candidate = path if attempt == 0 else f"{stem} {attempt}.md"
            if candidate == mine:
                return candidate
            taken = candidate in self.index or await asyncio.to_thread(
                _exists, self.layout.root / candidate
            )
            if not taken:
                return candidate
        return f"{stem} {content_hash(path.encode())[:8]}.md"


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
