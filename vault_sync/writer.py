"""Atomic, compare-and-swap file changes: a reader never sees half a note, and a save the
user made while we were merging is never overwritten.

Each change first checks that the file still holds the content we based it on (by hash);
writes go to a temp file beside the target, are fsynced, then renamed over it.
"""

from __future__ import annotations

import contextlib
import os
import random
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from vault_sync.encoding import TextFormat, content_hash, encode
from vault_sync.errors import FileChanged, UnsafePath

__all__ = [
    "ANY_CONTENT",
    "Staged",
    "current_hash",
    "flush_renames",
    "flush_staged",
    "move_file",
    "remove_file",
    "replace_staged",
    "stage",
    "write_bytes",
    "write_text",
]


class _AnyContent:
    def __repr__(self) -> str:
        return "ANY_CONTENT"


ANY_CONTENT: Final = _AnyContent()
"""``expected`` value that skips the check (the file may hold anything, or not exist)."""

Expected = str | None | _AnyContent
"""What the file must hold before a change: a content hash, None for "must not exist"."""


_CAN_SYNC = hasattr(os, "sync")


def current_hash(path: Path) -> str | None:
    """The content hash of the file at ``path``, None when there is none."""
    try:
        return content_hash(path.read_bytes())
    except FileNotFoundError:
        return None


def _check(path: Path, expected: Expected) -> None:
    if path.is_symlink():
        raise UnsafePath(f"{path} is a symlink; sync does not write through links")
    if isinstance(expected, _AnyContent):
        return
    found = current_hash(path)
    if found != expected:
        state = "missing" if found is None else "changed"
        raise FileChanged(f"{path} is {state} since it was read")


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes(path: Path, data: bytes, *, expected: Expected = ANY_CONTENT) -> str:
    """Atomically replace ``path`` with ``data``; returns the new content hash.

    Raises:
        FileChanged: the file does not hold ``expected`` (checked just before the rename).
        UnsafePath: ``path`` is a symlink.
    """
    digest = replace_staged(stage(path, data, expected, durable=True))
    _fsync_dir(path.parent)
    return digest


@dataclass(frozen=True)
class Staged:
    """A file's new content, written to a temp file beside it, not yet renamed over it."""

    path: Path
    temp: str
    data: bytes
    expected: Expected
    seen: tuple[int, int] | None = None
    """The target's (mtime_ns, size) when it was read as ``expected``: while they stay
    the same, the target is not read again to check it."""


def stage(
    path: Path,
    data: bytes,
    expected: Expected,
    seen: tuple[int, int] | None = None,
    *,
    durable: bool = False,
) -> Staged:
    """Write ``data`` to a temp file beside ``path``, with the target's mode. It is on disk
    once :func:`flush_staged` ran, or at once with ``durable`` (one file on its own)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o644
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = _temp_beside(path)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            if durable or not _CAN_SYNC:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return Staged(path, temp, data, expected, seen)


_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_TEMP_FLAGS |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_names = random.Random()


def _temp_beside(path: Path) -> tuple[int, str]:
    """A new, private temp file next to ``path``: its descriptor and its path. (One system
    call where ``tempfile.mkstemp`` makes several: a vault's first import makes thousands.)"""
    for _ in range(100):
        temp = f"{path.parent}{os.sep}.{path.name}.{_names.getrandbits(48):012x}.tmp"
        try:
            return os.open(temp, _TEMP_FLAGS, 0o600), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temp file name beside {path}")


def flush_staged() -> None:
    """Put every staged file's data on disk, with one ``sync()``: after it, renaming them
    over their targets is atomic and durable (where there is no ``sync()``, :func:`stage`
    fsyncs each file instead)."""
    if _CAN_SYNC:
        os.sync()


def replace_staged(staged: Staged) -> str:
    """Rename a staged (and flushed) file over its target if that still holds what it is
    expected to; returns the new content hash. Make the renames durable with
    :func:`flush_renames` once all are done.

    Raises:
        FileChanged: the target does not hold what was expected (the temp file is removed).
        UnsafePath: the target is a symlink.
    """
    try:
        try:
            info: os.stat_result | None = os.lstat(staged.path)
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise UnsafePath(f"{staged.path} is a symlink; sync does not write through links")
        if info is None or staged.seen != (info.st_mtime_ns, info.st_size):
            _check(staged.path, staged.expected)
        os.replace(staged.temp, staged.path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged.temp)
        raise
    return content_hash(staged.data)


def flush_renames(folders: set[Path]) -> None:
    """Make the renames done in ``folders`` durable: one ``sync()`` where there is one,
    else an fsync per folder."""
    if _CAN_SYNC:
        os.sync()
    else:
        for folder in folders:
            _fsync_dir(folder)


def write_text(path: Path, text: str, fmt: TextFormat, *, expected: Expected = ANY_CONTENT) -> str:
    """Atomically write ``\\n``-text in the file's own encoding and line endings.

    Raises:
        FileChanged: the file does not hold ``expected``.
        UnsafePath: ``path`` is a symlink.
    """
    return write_bytes(path, encode(text, fmt), expected=expected)


def remove_file(path: Path, *, expected: Expected = ANY_CONTENT) -> None:
    """Delete ``path`` if it still holds ``expected``.

    Raises:
        FileChanged: it does not.
        UnsafePath: ``path`` is a symlink.
    """
    _check(path, expected)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    _fsync_dir(path.parent)


def move_file(source: Path, target: Path, *, expected: Expected = ANY_CONTENT) -> None:
    """Rename ``source`` to ``target`` (which must not exist) if ``source`` holds ``expected``.

    Raises:
        FileChanged: ``source`` changed, or ``target`` exists.
        UnsafePath: either is a symlink.
    """
    _check(source, expected)
    _check(target, None)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(source, target)
    _fsync_dir(target.parent)
    if source.parent != target.parent:
        _fsync_dir(source.parent)
