"""VaultSync: keeps a vault's managed folder and a repository in step, in merge mode.

It finds what to sync — every entity on a full reconcile (at start, catching up on what
changed while sync was down), or what a batch of watcher events or one repository change
touched — matches files to entities by frontmatter id, and hands each entity to
:class:`vault_sync.reconcile.EntitySync`. Changes are found by content hash; our own
writes coming back from the watcher match what we wrote and are ignored.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from vault_sync.codec import parse_entity, same_entity
from vault_sync.errors import (
    FileChanged,
    NotConflicted,
    RepositoryRefused,
    UnreadableFile,
    UnsafePath,
)
from vault_sync.model import Entity, EntityKind, new_entity_id
from vault_sync.paths import VaultLayout
from vault_sync.reconcile import EntitySync, Key, Side
from vault_sync.report import Problem, SyncReport
from vault_sync.repository import BatchRepository, SyncBase, SyncRepository
from vault_sync.scanner import ScannedFile
from vault_sync.vault_files import VaultFiles
from vault_sync.watcher import VaultEvent, VaultWatcher

__all__ = ["Progress", "Side", "VaultSync"]

log = logging.getLogger("vault_sync")

_ATTEMPTS = 3
_MANY = 10
"""Synced files of which not one may vanish at once without sync stopping to ask."""
_BATCH = 500
"""New files imported together (a repository that takes batches gets one call each)."""


@dataclass(frozen=True)
class _Seen:
    """Both sides as a reconcile found them: the bases and the repository's entities."""

    bases: dict[Key, SyncBase]
    entities: dict[Key, Entity]


@dataclass
class _Matching:
    """Managed files matched to entity keys; files with no (or a duplicate) id are new."""

    files: dict[Key, ScannedFile] = field(default_factory=dict)
    new: list[ScannedFile] = field(default_factory=list)
    blocked: set[Key] = field(default_factory=set)


def _key(base: SyncBase) -> Key:
    return base.kind, base.entity_id


Progress = Callable[[int, int], None]
"""Told ``(done, total)`` as a sync works through its entities and new files."""


class VaultSync:
    """Two-way sync of one vault layout with one repository. Every operation holds a lock,
    so watcher events, repository changes and resolves never interleave.

    ``progress``, when given, is called with ``(0, total)`` before a pass syncs anything
    and ``(done, total)`` after each entity or new file, for a progress display on a first
    import of a big vault; it must not call back into the sync.
    """

    def __init__(
        self,
        layout: VaultLayout,
        repository: SyncRepository,
        *,
        clock: Callable[[], datetime] = datetime.now,
        new_id: Callable[[EntityKind], str] = new_entity_id,
        rng: random.Random | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.layout = layout
        self.progress = progress
        self.repository = repository
        self.files = VaultFiles(layout)
        self._entities = EntitySync(
            layout, repository, self.files, clock=clock, new_id=new_id, rng=rng or random.Random()
        )
        self._lock = asyncio.Lock()

    # -- public operations ------------------------------------------------------------

    async def reconcile(self) -> SyncReport:
        """Compare every managed file, entity and base, and sync what differs. Run it at
        start: it catches up on changes made on either side while sync was not running."""
        async with self._lock:
            return await self._reconcile()

    async def handle_events(self, events: Sequence[VaultEvent]) -> SyncReport:
        """Sync what a batch of watcher events touched (a full reconcile before the first
        scan, or when a folder moved or vanished)."""
        async with self._lock:
            if not self.files.scanned or any(event.is_directory for event in events):
                return await self._reconcile()
            report = SyncReport()
            touched: set[str] = set()
            for path in {p for event in events for p in (event.path, event.src_path) if p}:
                found = await self.files.refresh(path)
                if self.files.is_echo(path, found):
                    report.echoes.append(path)
                else:
                    touched.add(path)
            if touched:
                await self._sync_paths(touched, report)
            return report

    async def handle_event(self, event: VaultEvent) -> SyncReport:
        """Sync what one watcher event touched."""
        return await self.handle_events([event])

    async def handle_repository_change(self, kind: EntityKind, entity_id: str) -> SyncReport:
        """Sync one entity the repository created, changed or deleted."""
        async with self._lock:
            if not self.files.scanned:
                return await self._reconcile()
            report = SyncReport()
            await self._sync_keys([(kind, entity_id)], report)
            return report

    async def resolve(
        self,
        kind: EntityKind,
        entity_id: str,
        *,
        keep: Side | None = None,
        text: str | None = None,
    ) -> SyncReport:
        """End a conflict: keep the vault's version, the repository's, or a hand-merged
        ``text``; both sides then hold it and the conflict copy is removed (unless it was
        edited since).

        Raises:
            NotConflicted: the entity is not in conflict.
            ValueError: not exactly one of ``keep`` and ``text`` given.
            UnreadableFile: the vault's version (or ``text``) cannot be parsed.
        """
        if (keep is None) == (text is None):
            raise ValueError("give exactly one of keep= and text=")
        async with self._lock:
            base = await self.repository.get_base(kind, entity_id)
            if base is None or base.conflict is None:
                raise NotConflicted(f"{kind} {entity_id} is not in conflict")
            if not self.files.scanned:
                await self.files.scan()
            await self.files.refresh(base.path)
            file = self._match(await self.repository.list_bases()).files.get((kind, entity_id))
            report = SyncReport()
            await self._entities.resolve(
                (kind, entity_id), base, file, keep=keep, text=text, report=report
            )
            return report

    async def run(self, watcher: VaultWatcher) -> None:
        """Reconcile, then sync every batch the watcher reports, until cancelled."""
        report = await self.reconcile()
        log.info("vault reconciled: %s", report)
        async for batch in watcher.batches():
            report = await self.handle_events(batch)
            for problem in report.problems:
                log.warning("vault file left as it is: %s: %s", problem.path, problem.reason)

    # -- finding what to sync ---------------------------------------------------------

    async def _reconcile(self) -> SyncReport:
        report = SyncReport()
        report.problems.extend(await self.files.scan())
        bases = await self.repository.list_bases()
        if bases and self._vanished(bases):
            # A vault unmounted, moved away or swapped reads as every file deleted: never
            # empty the repository on that.
            where = self.layout.managed or "."
            reason = (
                f"none of the {len(bases)} synced files is in {self.layout.managed_dir} "
                "(moved, unmounted, or another vault?): nothing synced"
            )
            report.problems.append(Problem(where, reason))
            log.error("vault sync stopped: %s", reason)
            return report
        keys: dict[Key, None] = {_key(base): None for base in bases}
        entities: dict[Key, Entity] = {}
        for kind in EntityKind:
            for entity in await self.repository.list_entities(kind):
                keys[kind, entity.id] = None
                entities[kind, entity.id] = entity
        keys.update({(f.kind, f.entity_id): None for f in self.files.index.values() if f.entity_id})
        seen = _Seen({_key(base): base for base in bases}, entities)
        try:
            await self._sync_keys(list(keys), report, all_new=True, seen=seen)
        finally:
            self.files.forget_kept()
        return report

    def _vanished(self, bases: Sequence[SyncBase]) -> bool:
        """Whether the vault looks gone rather than edited: the managed folder is missing,
        or not one of many synced files is left (a user deleting a few notes is not)."""
        if not self.layout.managed_dir.is_dir():
            return True
        return len(bases) >= _MANY and not self.files.holds_any(bases)

    def _unchanged(self, key: Key, file: ScannedFile | None, seen: _Seen) -> bool:
        """Whether, as the reconcile found them, neither the file nor the entity changed
        since they last agreed: then there is nothing to read or write. (Anything else,
        or any doubt, goes the careful way, which reads both sides afresh.)"""
        base, entity = seen.bases.get(key), seen.entities.get(key)
        if base is None or base.text is None or base.conflict is not None or entity is None:
            return False
        if file is None or file.problem is not None:
            return False
        if file.hash != base.file_hash or file.path != base.path:
            return False
        try:
            agreed = parse_entity(key[0], self.files.location(key[0], base.path), base.text)
        except UnreadableFile:
            return False
        return same_entity(entity, agreed)

    async def _sync_paths(self, paths: set[str], report: SyncReport) -> None:
        bases = await self.repository.list_bases()
        keys: dict[Key, None] = {_key(b): None for b in bases if b.path in paths}
        for path in paths:
            found = self.files.index.get(path)
            if found is not None and found.entity_id:
                keys[found.kind, found.entity_id] = None
        await self._sync_keys(list(keys), report, new_in=paths)

    def _match(self, bases: Iterable[SyncBase]) -> _Matching:
        """Files to keys: by frontmatter id; a duplicate id stays with the file at the
        base's path; a file without id takes the key of the base at its path."""
        by_key = {_key(base): base for base in bases}
        by_path = {base.path: base for base in by_key.values()}
        matching = _Matching()
        groups: dict[Key, list[ScannedFile]] = {}
        orphans: list[ScannedFile] = []
        for file in sorted(self.files.index.values(), key=lambda f: f.path):
            if file.problem is not None:
                if file.path in by_path:
                    matching.blocked.add(_key(by_path[file.path]))
            elif file.entity_id:
                groups.setdefault((file.kind, file.entity_id), []).append(file)
            else:
                orphans.append(file)
        for key, group in groups.items():
            base = by_key.get(key)
            if base is not None:
                where, digest = base.path, base.file_hash
                group.sort(key=lambda f: (f.path != where, f.hash != digest))
            matching.files[key] = group[0]
            matching.new.extend(group[1:])
        for file in orphans:
            base = by_path.get(file.path)
            if base is not None and base.kind is file.kind and _key(base) not in matching.files:
                matching.files[_key(base)] = file
            else:
                matching.new.append(file)
        return matching

    async def _sync_keys(
        self,
        keys: Sequence[Key],
        report: SyncReport,
        *,
        all_new: bool = False,
        new_in: set[str] | None = None,
        seen: _Seen | None = None,
    ) -> None:
        """Sync ``keys``, then import the new files (all, or those under ``new_in``);
        ``seen`` is what a reconcile read of both sides, to skip what did not change."""
        for file in self.files.index.values():
            if file.problem is not None and (all_new or (new_in and file.path in new_in)):
                report.problems.append(Problem(file.path, file.problem))
        matching = self._match(await self.repository.list_bases())
        new = [f for f in matching.new if all_new or (new_in is not None and f.path in new_in)]
        todo: dict[Key, None] = dict.fromkeys(keys)
        if new:
            unclaimed = await self._unclaimed_paths({f.kind for f in new})
            for file in list(new):
                claim = unclaimed.pop(file.path, None)
                if claim is not None and claim not in matching.files and not file.entity_id:
                    matching.files[claim] = file
                    todo[claim] = None
                    new.remove(file)
        total, done = len(todo) + len(new), 0
        if self.progress is not None and total:
            self.progress(0, total)
        for key in todo:
            found = matching.files.get(key)
            if key not in matching.blocked and not (seen and self._unchanged(key, found, seen)):
                await self._attempt(report, key=key, file=found)
            done += 1
            if self.progress is not None:
                self.progress(done, total)
        if isinstance(self.repository, BatchRepository) and len(new) > 1:
            # Each batch is stored while the next one is read and written.
            storing: asyncio.Task[None] | None = None
            retry: list[ScannedFile] = []
            try:
                for start in range(0, len(new), _BATCH):
                    chunk = new[start : start + _BATCH]
                    items, changed = await self._entities.prepare_batch(chunk, report)
                    retry.extend(changed)
                    if storing is not None:
                        await storing
                    storing = asyncio.create_task(self._entities.commit_batch(items, report))
                    done += len(chunk)
                    if self.progress is not None:
                        self.progress(done, total)
            finally:
                if storing is not None:
                    await storing
            for file in retry:
                await self._attempt(report, new_file=file)
            return
        for file in new:
            await self._attempt(report, new_file=file)
            done += 1
            if self.progress is not None:
                self.progress(done, total)

    async def _unclaimed_paths(self, kinds: set[EntityKind]) -> dict[str, Key]:
        """Entities never synced, by the path they would be written to: a file already
        there without an id is theirs (first sync of a vault and a store that both hold it)."""
        based = {_key(base) for base in await self.repository.list_bases()}
        out: dict[str, Key] = {}
        for kind in kinds:
            for entity in await self.repository.list_entities(kind):
                if (kind, entity.id) not in based:
                    try:
                        out[self.layout.path_for(entity)] = (kind, entity.id)
                    except UnsafePath:
                        continue
        return out

    async def _attempt(
        self,
        report: SyncReport,
        *,
        key: Key | None = None,
        file: ScannedFile | None = None,
        new_file: ScannedFile | None = None,
    ) -> None:
        """Sync one key (or import one new file), retrying when a file changes under us."""
        shown = new_file or file
        where = shown.path if shown else f"{key[0]} {key[1]}" if key else "?"
        for attempt in range(_ATTEMPTS):
            step = SyncReport()
            try:
                if new_file is not None:
                    await self._entities.import_new(new_file, step)
                elif key is not None:
                    await self._entities.sync_key(key, file, step)
            except FileChanged as exc:
                if attempt == _ATTEMPTS - 1:
                    report.problems.append(Problem(where, f"kept changing: {exc}"))
                elif new_file is not None:
                    new_file = await self.files.refresh(new_file.path)
                elif key is not None:
                    if file is not None:
                        await self.files.refresh(file.path)
                    matching = self._match(await self.repository.list_bases())
                    file = matching.files.get(key)
                continue
            except (UnsafePath, RepositoryRefused) as exc:
                report.problems.append(Problem(where, str(exc)))
            report.extend(step)
            return
