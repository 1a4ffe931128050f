"""Watch the managed folder with watchdog and report debounced, coalesced change events.

Editors save in bursts: Obsidian truncates then writes (two modifications), others write
a temp file and rename it over the note, sync tools delete and re-create. Raw events are
collected until the folder has been quiet for ``debounce`` seconds (or ``max_delay`` has
passed since the first), then each touched path is judged by what is on disk now against
what was there at the last batch: created, modified, deleted — or moved, when a rename
took a known file to a new managed path. A burst of saves thus becomes one event, a temp
file renamed over a note becomes one ``modified``, and a file created and deleted within
one batch is never reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from vault_sync.paths import VaultLayout

__all__ = ["EventKind", "VaultEvent", "VaultWatcher"]

EventKind = Literal["created", "modified", "moved", "deleted"]
_IGNORED = {"opened", "closed_no_write", "attrib"}


@dataclass(frozen=True)
class VaultEvent:
    """One change to a managed file (vault-relative paths); ``is_directory`` events say
    a folder moved or vanished, and ask for a full reconcile."""

    kind: EventKind
    path: str
    src_path: str | None = None
    is_directory: bool = False


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: VaultWatcher, loop: asyncio.AbstractEventLoop) -> None:
        self._watcher = watcher
        self._loop = loop

    def on_any_event(self, event: FileSystemEvent) -> None:
        # watchdog calls from its own thread; everything else happens on the event loop.
        with contextlib.suppress(RuntimeError):  # the loop closed under a late event
            self._loop.call_soon_threadsafe(self._watcher._raw, event)


class VaultWatcher:
    """Debounced events for one vault layout's managed folder. Use ``async with``."""

    def __init__(
        self, layout: VaultLayout, *, debounce: float = 0.3, max_delay: float = 2.0
    ) -> None:
        self.layout = layout
        self.debounce = debounce
        self.max_delay = max_delay
        self._queue: asyncio.Queue[list[VaultEvent] | None] = asyncio.Queue()
        self._observer: BaseObserver | None = None
        self._known: dict[str, tuple[int, int]] = {}
        self._touched: dict[str, None] = {}
        self._moves: dict[str, str] = {}
        self._folders: list[VaultEvent] = []
        self._walk: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._first: float | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        self._stopped = False

    async def start(self) -> None:
        """Start watching (creating the managed folder if needed)."""
        loop = asyncio.get_running_loop()
        top = self.layout.managed_dir
        await asyncio.to_thread(top.mkdir, parents=True, exist_ok=True)
        self._known = await asyncio.to_thread(self._files_under, "")
        observer = Observer()
        observer.schedule(_Handler(self, loop), str(top), recursive=True)
        observer.start()
        self._observer = observer

    async def stop(self) -> None:
        """Stop watching; :meth:`batches` ends."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        if self._observer is not None:
            observer, self._observer = self._observer, None
            observer.stop()
            await asyncio.to_thread(observer.join, 5)
        for task in list(self._flushing):
            await task
        self._queue.put_nowait(None)

    async def __aenter__(self) -> VaultWatcher:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def next_batch(self) -> list[VaultEvent]:
        """The next batch of events ([] once stopped); bound the wait with
        ``asyncio.timeout`` where one is needed."""
        batch = await self._queue.get()
        if batch is None:
            self._queue.put_nowait(None)  # stay stopped for later callers
            return []
        return batch

    async def batches(self) -> AsyncIterator[list[VaultEvent]]:
        """Every batch until the watcher stops."""
        while batch := await self.next_batch():
            yield batch

    # -- raw events, on the event loop ------------------------------------------------

    def _rel(self, raw: bytes | str) -> str | None:
        path = Path(os.fsdecode(raw))
        try:
            rel = path.relative_to(self.layout.root).as_posix()
        except ValueError:
            return None
        return rel if rel != "." else None

    def _raw(self, event: FileSystemEvent) -> None:
        if (
            self._stopped
            or event.event_type in _IGNORED
            or (event.is_directory and event.event_type == "modified")
        ):
            return
        src = self._rel(event.src_path)
        dest = self._rel(event.dest_path) if event.event_type == "moved" else None
        if event.is_directory:
            self._folder(event.event_type, src, dest)
        else:
            for path in (src, dest):
                if path is not None and self.layout.kind_of(path) is not None:
                    self._touched[path] = None
            if (
                src is not None
                and dest is not None
                and self.layout.kind_of(src) is not None
                and self.layout.kind_of(dest) is not None
            ):
                self._moves[dest] = self._moves.pop(src, src)
        self._schedule()

    def _folder(self, kind: str, src: str | None, dest: str | None) -> None:
        if src is None:
            return
        if kind == "created":
            self._walk.add(src)
            return
        prefix = src + "/"
        under = [path for path in self._known if path.startswith(prefix)]
        self._touched.update(dict.fromkeys(under))
        if kind == "moved" and dest is not None:
            self._walk.add(dest)
            for path in under:
                self._moves[dest + path[len(src) :]] = path
            self._folders.append(VaultEvent("moved", dest, src, is_directory=True))
        elif kind == "deleted":
            self._folders.append(VaultEvent("deleted", src, is_directory=True))

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._first is None:
            self._first = now
        if self._timer is not None:
            self._timer.cancel()
        delay = 0.0 if now - self._first >= self.max_delay else self.debounce
        self._timer = loop.call_later(delay, self._flush_soon)

    def _flush_soon(self) -> None:
        self._timer = None
        self._first = None
        task = asyncio.get_running_loop().create_task(self._flush())
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush(self) -> None:
        touched, moves, folders, walk = self._touched, self._moves, self._folders, self._walk
        self._touched, self._moves, self._folders, self._walk = {}, {}, [], set()
        for folder in walk:
            touched.update(dict.fromkeys(await asyncio.to_thread(self._files_under, folder)))
        exists = await asyncio.to_thread(self._existing, list(touched))
        known = self._known
        events: list[VaultEvent] = list(folders)
        renamed: dict[str, str] = {}  # new path -> old path
        for dest, src in moves.items():
            if dest in exists and src not in exists and src in known and src != dest:
                renamed[dest] = src
        # A rename whose halves arrive apart (watchdog pairs them only for a moment; a
        # folder made just before is not watched yet) is still a rename: the file kept
        # its inode, and its old path is gone.
        new = [p for p in touched if p in exists and p not in known and p not in renamed]
        if new:
            by_inode = {inode: path for path, inode in known.items()}
            sources = {p: by_inode[exists[p]] for p in new if exists[p] in by_inode}
            still = await asyncio.to_thread(self._existing, list(sources.values()))
            taken = set(renamed.values())
            for path, source in sources.items():
                if source not in still and source not in taken and source != path:
                    renamed[path] = source
                    taken.add(source)
                    touched[source] = None
        for dest, src in renamed.items():
            events.append(VaultEvent("moved", dest, src))
        done = set(renamed) | set(renamed.values())
        for path in touched:
            if path in done:
                continue
            if path in exists:
                events.append(VaultEvent("modified" if path in known else "created", path))
            elif path in known:
                events.append(VaultEvent("deleted", path))
        for path in touched:
            known.pop(path, None)
        known.update(exists)
        if events:
            self._queue.put_nowait(events)

    # -- the disk, from a worker thread -----------------------------------------------

    def _existing(self, paths: list[str]) -> dict[str, tuple[int, int]]:
        """The paths that are regular files now, with their (device, inode)."""
        found: dict[str, tuple[int, int]] = {}
        for path in paths:
            try:
                info = os.lstat(self.layout.root / path)
            except (FileNotFoundError, NotADirectoryError):
                continue
            if stat.S_ISREG(info.st_mode):
                found[path] = (info.st_dev, info.st_ino)
        return found

    def _files_under(self, folder: str) -> dict[str, tuple[int, int]]:
        top = self.layout.root / folder if folder else self.layout.managed_dir
        found: list[str] = []
        for directory, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                rel = (Path(directory) / name).relative_to(self.layout.root).as_posix()
                if self.layout.kind_of(rel) is not None:
                    found.append(rel)
        return self._existing(found)
