"""The vault side of a sync: an index of the managed files and every read and write sync
makes, off the event loop, with the bookkeeping that recognises our own writes' echo.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from vault_sync.codec import parse_entity, read_id
from vault_sync.encoding import TextFormat, content_hash, decode, encode
from vault_sync.errors import FileChanged, UnsafePath
from vault_sync.model import Entity, EntityKind
from vault_sync.paths import VaultLayout
from vault_sync.report import Problem
from vault_sync.repository import SyncBase
from vault_sync.scanner import ScannedFile, VaultScanner
from vault_sync.writer import (
    Expected,
    Staged,
    flush_renames,
    flush_staged,
    remove_file,
    replace_staged,
    stage,
    write_text,
)

__all__ = ["VaultFiles", "VaultText"]

_MAX_SUFFIX = 1000
_IO_THREADS = 16
_RUNS = 4
_KEEP_BYTES = 64 * 1024 * 1024
T = TypeVar("T")
A = TypeVar("A")


@functools.cache
def _io_pool() -> ThreadPoolExecutor:
    """Threads for file reads and writes: many at once while importing a big vault (they
    wait on the disk, not on Python)."""
    return ThreadPoolExecutor(_IO_THREADS, thread_name_prefix="vault-io")


async def _parallel(fn: Callable[[list[A]], T], items: list[A]) -> list[T]:
    """``fn`` over ``items`` cut into a few runs, one thread each (file creation waits on
    the disk; a thread per file would cost more in hand-offs than it saves)."""
    size = max(1, -(-len(items) // _RUNS))
    runs = [items[start : start + size] for start in range(0, len(items), size)]
    return list(await asyncio.gather(*(_io(fn, run) for run in runs)))


async def _io(fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_io_pool(), functools.partial(fn, *args, **kwargs))


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
        """Rebuild the index from disk; returns the files refused (symlinks). The bytes
        read are kept (up to a bound) for the :meth:`load` that follows, until
        :meth:`forget_kept`."""
        self.index, problems = await _io(self._scanner.scan, keep=_KEEP_BYTES)
        self.scanned = True
        return problems

    def forget_kept(self) -> None:
        """Drop the bytes the last scan kept."""
        self._scanner.forget_kept()

    async def refresh(self, path: str) -> ScannedFile | None:
        """Re-read one path into the index (bypassing the stat cache)."""
        found = await asyncio.to_thread(self._scanner.refresh, path)
        if found is None:
            self.index.pop(path, None)
        else:
            self.index[path] = found
        return found

    def holds_any(self, bases: Iterable[SyncBase]) -> bool:
        """Whether the index holds any file these bases were synced from, at its path or
        under its id (a vault that holds none is not the one they describe)."""
        ids = {(f.kind, f.entity_id) for f in self.index.values() if f.entity_id}
        return any(b.path in self.index or (b.kind, b.entity_id) in ids for b in bases)

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
        location = self.location(file.kind, file.path)
        read = self._scanner.take(file.path, file.hash)
        if read is not None:
            entity = parse_entity(file.kind, location, read.text, frontmatter=read.frontmatter)
            return VaultText(file.path, file.kind, read.hash, read.text, read.fmt, entity)
        data = await _io(self._scanner.read, file.path)
        if data is None:
            self.index.pop(file.path, None)
            return None
        text, fmt = decode(data)
        entity = parse_entity(file.kind, location, text)
        return VaultText(file.path, file.kind, content_hash(data), text, fmt, entity)

    async def write(self, path: str, text: str, fmt: TextFormat, *, expected: Expected) -> str:
        """Write a file atomically if it holds ``expected``; returns its new hash.

        Raises:
            UnsafePath: the path would leave the vault or is a symlink.
            FileChanged: the file does not hold ``expected``.
        """
        target = self.layout.resolve(path)
        digest = await _io(write_text, target, text, fmt, expected=expected)
        self._noted_write(path, digest, read_id(text))
        return digest

    async def write_many(
        self, items: list[tuple[str, str, TextFormat, Expected, str]]
    ) -> list[str | Exception]:
        """Write many files atomically and in parallel, with one flush to disk for all;
        for each, its new hash or why it was not written (:class:`UnsafePath`,
        :class:`FileChanged`, an ``OSError``). Each item is ``(path, text, format,
        expected, the id the text holds)``."""
        out: list[str | Exception] = [""] * len(items)
        safe: set[str] = set()  # folders already checked in this batch
        targets: list[tuple[int, Path]] = []
        for index, (path, *_) in enumerate(items):
            try:
                targets.append((index, self.layout.resolve(path, inside=safe)))
            except UnsafePath as exc:
                out[index] = exc

        def staged(chunk: list[tuple[int, Path]]) -> list[Staged | Exception]:
            done: list[Staged | Exception] = []
            for index, target in chunk:
                path, text, fmt, expected, _ = items[index]
                seen = self._scanner.seen(path, expected) if isinstance(expected, str) else None
                try:
                    done.append(stage(target, encode(text, fmt), expected, seen))
                except OSError as exc:
                    done.append(exc)
            return done

        def replaced(chunk: list[tuple[int, Staged]]) -> list[str | Exception]:
            done: list[str | Exception] = []
            for _, file in chunk:
                try:
                    done.append(replace_staged(file))
                except (FileChanged, UnsafePath, OSError) as exc:
                    done.append(exc)
            return done

        files = [f for part in await _parallel(staged, targets) for f in part]
        await _io(flush_staged)
        ready: list[tuple[int, Staged]] = []
        for (index, _), file in zip(targets, files, strict=True):
            if isinstance(file, Staged):
                ready.append((index, file))
            else:
                out[index] = file
        results = [r for part in await _parallel(replaced, ready) for r in part]
        await _io(flush_renames, {file.path.parent for _, file in ready})
        for (index, _), result in zip(ready, results, strict=True):
            out[index] = result
            if isinstance(result, str):
                path, _, _, _, entity_id = items[index]
                self._noted_write(path, result, entity_id)
        return out

    def _noted_write(self, path: str, digest: str, entity_id: str | None) -> None:
        self._written[path] = digest
        self._removed.discard(path)
        kind = self.layout.kind_of(path)
        if kind is not None:
            self.index[path] = ScannedFile(path, kind, digest, entity_id)

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
