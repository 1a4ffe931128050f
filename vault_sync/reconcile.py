"""One entity at a time: the decision table that brings a vault file and a repository
record into step, and the writes that carry it out.

For each entity, the decision rests on three things: the vault file (found by its
frontmatter id), the repository's entity, and the base both last agreed on::

    vault   repository   →
    same    same           nothing
    changed same           the repository takes the vault's version
    same    changed        the vault file takes the repository's version
    changed changed        three-way merge; clean → both take it, else a conflict copy
    deleted same           deleted in the repository      (deleted + changed: re-export)
    same    deleted        deleted in the vault           (changed + deleted: re-import)
    no base, both exist    equal → agreed; different → conflict (never merged with "empty")

After every write both sides hold ``parse(text)`` of what was written, so a name that had
to be sanitised or a card that got a block id is the same everywhere.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from vault_sync.codec import parse_entity, render_entity, same_entity
from vault_sync.encoding import DEFAULT_FORMAT
from vault_sync.errors import FileChanged, RepositoryRefused, UnreadableFile
from vault_sync.kanban import assign_block_ids
from vault_sync.merge import merge_texts
from vault_sync.model import Board, Entity, EntityKind, VaultNote
from vault_sync.paths import VaultLayout
from vault_sync.report import Problem, SyncReport
from vault_sync.repository import BatchRepository, ConflictCopy, SyncBase, SyncRepository
from vault_sync.scanner import ScannedFile
from vault_sync.vault_files import VaultFiles, VaultText

__all__ = ["EntitySync", "Key", "NewFile", "Side"]

log = logging.getLogger("vault_sync")

Key = tuple[EntityKind, str]
"""An entity's identity: its kind and its frontmatter id."""
Side = Literal["vault", "repository"]
"""Which version a resolve keeps."""


@dataclass(frozen=True)
class NewFile:
    """A new file read, its id written, waiting to be stored."""

    key: Key
    vault: VaultText
    text: str
    digest: str
    entity: Entity

    @property
    def base(self) -> SyncBase:
        """What both sides hold once it is stored."""
        return SyncBase(self.key[0], self.key[1], self.vault.path, self.text, self.digest)


class EntitySync:
    """Syncs one entity at a time between a vault's files and a repository."""

    def __init__(
        self,
        layout: VaultLayout,
        repository: SyncRepository,
        files: VaultFiles,
        *,
        clock: Callable[[], datetime],
        new_id: Callable[[EntityKind], str],
        rng: random.Random,
    ) -> None:
        self.layout = layout
        self.repository = repository
        self.files = files
        self._clock = clock
        self._new_id = new_id
        self._rng = rng

    async def _load(self, file: ScannedFile | None, report: SyncReport) -> VaultText | None:
        """Read and parse a file; an unreadable one is reported and left alone.

        Raises:
            UnreadableFile: (after reporting it) so the caller skips the entity.
        """
        if file is None:
            return None
        try:
            return await self.files.load(file)
        except UnreadableFile as exc:
            report.problems.append(Problem(file.path, str(exc)))
            raise

    async def sync_key(self, key: Key, file: ScannedFile | None, report: SyncReport) -> None:
        """Bring one entity's file and record into step (see the module's table)."""
        kind, entity_id = key
        base = await self.repository.get_base(kind, entity_id)
        if file is not None:
            file = await self.files.refresh(file.path)
        try:
            vault = await self._load(file, report)
        except UnreadableFile:
            return
        entity = await self.repository.get_entity(kind, entity_id)
        if base is not None and base.conflict is not None:
            await self._while_conflicted(key, base, vault, entity, report)
            return
        if base is None or base.text is None:
            if vault is not None and entity is None:
                await self._take_vault(key, vault, None, report.imported)
            elif entity is not None and vault is None:
                await self._export(key, entity, None, report.exported)
            elif vault is not None and entity is not None:
                if same_entity(replace(vault.entity, id=entity_id), entity):
                    await self._take_vault(key, vault, entity, [])
                else:
                    await self._conflict(key, base, vault, entity, report)
            return
        location = self.files.location(kind, base.path)
        base_entity = parse_entity(kind, location, base.text)
        vault_changed = vault is None or vault.hash != base.file_hash or vault.path != base.path
        repo_changed = entity is None or not same_entity(entity, base_entity)
        if not vault_changed and not repo_changed:
            return
        if vault is None and entity is None:
            await self.repository.delete_base(kind, entity_id)
        elif vault is None:
            assert entity is not None
            if repo_changed:  # edited in the repository, deleted in the vault: keep the edit
                await self._export(key, entity, base, report.exported)
            else:
                await self.repository.delete_entity(kind, entity_id)
                await self.repository.delete_base(kind, entity_id)
                report.deleted_in_repository.append(key)
        elif entity is None:
            if vault_changed:  # edited in the vault, deleted in the repository: keep the edit
                await self._take_vault(key, vault, None, report.imported)
            else:
                await self.files.remove(vault.path, expected=vault.hash)
                await self.repository.delete_base(kind, entity_id)
                report.deleted_in_vault.append(key)
        elif not repo_changed:
            if vault.path != base.path:
                report.moved.append(key)
            await self._take_vault(key, vault, entity, report.to_repository)
        elif not vault_changed:
            if await self._push(key, entity, vault, base, report.to_vault) != vault.path:
                report.moved.append(key)
        else:
            await self._merge(
                key, base=base, before=base_entity, vault=vault, entity=entity, report=report
            )

    async def import_new(self, file: ScannedFile | None, report: SyncReport) -> None:
        """Import a file that has no id (or another file's) under a fresh id."""
        try:
            vault = await self._load(file, report)
        except UnreadableFile:
            return
        if vault is not None:
            key = (vault.kind, self._new_id(vault.kind))
            await self._take_vault(key, vault, None, report.imported)

    async def prepare_batch(
        self, files: Sequence[ScannedFile], report: SyncReport
    ) -> tuple[list[NewFile], list[ScannedFile]]:
        """The first half of importing new files together: read them and write their ids
        (one flush to disk for all). Returns what :meth:`commit_batch` stores, and the
        files that changed under us (to import one at a time)."""
        loaded = await asyncio.gather(*(self._read_new(file, report) for file in files))
        prepared: list[tuple[ScannedFile, Key, VaultText, str, Entity]] = []
        for file, vault in zip(files, loaded, strict=True):
            if vault is not None:
                key = (vault.kind, self._new_id(vault.kind))
                location = self.files.location(vault.kind, vault.path)
                named = replace(vault.entity, id=key[1])
                wanted = self._normal(named)
                text = render_entity(wanted, vault.text, location, old=vault.entity)
                if wanted is not named:  # cards got block ids: read back what was written
                    wanted = parse_entity(key[0], location, text)
                prepared.append((file, key, vault, text, wanted))
        changed = [(f, k, v, t, e) for f, k, v, t, e in prepared if t != v.text]
        written = await self.files.write_many(
            [(v.path, t, v.fmt, v.hash, k[1]) for _, k, v, t, _ in changed]
        )
        digests = {v.path: d for (_, _, v, _, _), d in zip(changed, written, strict=True)}
        retry: list[ScannedFile] = []
        items: list[NewFile] = []
        for file, key, vault, text, entity in prepared:
            digest = digests.get(vault.path, vault.hash)
            if isinstance(digest, FileChanged):
                retry.append(file)
            elif isinstance(digest, Exception):
                report.problems.append(Problem(vault.path, str(digest)))
            else:
                items.append(NewFile(key, vault, text, digest, entity))
        return items, retry

    async def commit_batch(self, items: Sequence[NewFile], report: SyncReport) -> None:
        """The second half: hand the new files' entities and bases to the repository at
        once (``put_new``); a refused one's file goes back to what the user wrote."""
        assert isinstance(self.repository, BatchRepository)
        outcomes = await self.repository.put_new(
            [
                (
                    item.entity,
                    SyncBase(item.key[0], item.key[1], item.vault.path, item.text, item.digest),
                )
                for item in items
            ]
        )
        for item, outcome in zip(items, outcomes, strict=True):
            if outcome is None:
                report.imported.append(item.key)
                continue
            vault = item.vault
            if item.digest != vault.hash:
                await self.files.write(vault.path, vault.text, vault.fmt, expected=item.digest)
            report.problems.append(Problem(vault.path, str(outcome)))

    async def _read_new(self, file: ScannedFile, report: SyncReport) -> VaultText | None:
        try:
            return await self._load(file, report)
        except UnreadableFile:
            return None

    async def resolve(
        self,
        key: Key,
        base: SyncBase,
        file: ScannedFile | None,
        *,
        keep: Side | None,
        text: str | None,
        report: SyncReport,
    ) -> None:
        """End a conflict with the vault's version, the repository's, or ``text``.

        Raises:
            UnreadableFile: the vault's version (or ``text``) cannot be parsed.
        """
        assert base.conflict is not None
        kind, entity_id = key
        vault = await self.files.load(file) if file else None
        entity = await self.repository.get_entity(kind, entity_id)
        if text is not None:  # a hand-merged version: it goes to the vault first
            path = vault.path if vault else base.path
            fmt = vault.fmt if vault else DEFAULT_FORMAT
            parsed = parse_entity(kind, self.files.location(kind, path), text)
            digest = await self.files.write(path, text, fmt, expected=vault.hash if vault else None)
            vault = VaultText(path, kind, digest, text, fmt, parsed)
        if text is not None or keep == "vault":
            if vault is not None:
                await self._take_vault(key, vault, entity, [])
            else:
                await self.repository.delete_entity(kind, entity_id)
                await self.repository.delete_base(kind, entity_id)
        elif entity is not None:
            await self._push(key, entity, vault, replace(base, conflict=None), [])
        else:
            if vault is not None:
                await self.files.remove(vault.path, expected=vault.hash)
            await self.repository.delete_base(kind, entity_id)
        await self._remove_copy(base.conflict, report)
        report.resolved.append(key)

    def _normal(self, entity: Entity) -> Entity:
        return assign_block_ids(entity, self._rng) if isinstance(entity, Board) else entity

    async def _take_vault(
        self, key: Key, vault: VaultText, current: Entity | None, bucket: list[Key]
    ) -> None:
        """The repository takes the vault's version (with our id written into the file)."""
        kind, entity_id = key
        location = self.files.location(kind, vault.path)
        wanted = self._normal(replace(vault.entity, id=entity_id))
        text = render_entity(wanted, vault.text, location)
        digest = vault.hash
        if text != vault.text:
            digest = await self.files.write(vault.path, text, vault.fmt, expected=vault.hash)
        entity = parse_entity(kind, location, text)
        if current is None or not same_entity(current, entity):
            try:
                await self.repository.put_entity(entity)
            except RepositoryRefused:
                if digest != vault.hash:  # the file goes back to what the user wrote
                    await self.files.write(vault.path, vault.text, vault.fmt, expected=digest)
                raise
            bucket.append(key)
        await self.repository.put_base(SyncBase(kind, entity_id, vault.path, text, digest))

    def _wanted_path(self, entity: Entity, before: Entity | None, current: str) -> str:
        """Where the entity's file should be: where it is, unless the repository renamed or
        moved it."""
        if isinstance(entity, VaultNote):
            moved = not isinstance(before, VaultNote) or entity.path != before.path
        else:
            moved = before is None or isinstance(before, VaultNote) or entity.name != before.name
        return self.layout.path_for(entity) if moved else current

    async def _push(
        self,
        key: Key,
        entity: Entity,
        vault: VaultText | None,
        base: SyncBase,
        bucket: list[Key],
    ) -> str:
        """The vault file takes the repository's version (moved if the repository moved
        it); returns where the file is now."""
        if vault is None:
            return await self._export(key, entity, base, bucket)
        before = None
        if base.text is not None:
            before = parse_entity(key[0], self.files.location(key[0], base.path), base.text)
        wanted = self._normal(entity)
        text = render_entity(wanted, vault.text, self.files.location(key[0], vault.path))
        target = self._wanted_path(wanted, before, vault.path)
        return await self._put_file(
            key, current=entity, vault=vault, target=target, text=text, bucket=bucket
        )

    async def _put_file(
        self,
        key: Key,
        *,
        current: Entity,
        vault: VaultText | None,
        target: str,
        text: str,
        bucket: list[Key],
    ) -> str:
        """Write ``text`` at ``target`` (moving the file from where it was), then make the
        repository (which holds ``current``) hold what the file now says too. Returns where
        the file is now."""
        kind, entity_id = key
        fmt = vault.fmt if vault else DEFAULT_FORMAT
        if vault is not None and target == vault.path:
            digest = vault.hash
            if text != vault.text:
                digest = await self.files.write(target, text, fmt, expected=vault.hash)
        else:
            target = await self.files.free_path(target)
            digest = await self.files.write(target, text, fmt, expected=None)
            if vault is not None:
                await self.files.remove(vault.path, expected=vault.hash)
        final = parse_entity(kind, self.files.location(kind, target), text)
        if not same_entity(final, current):
            await self.repository.put_entity(final)
        await self.repository.put_base(SyncBase(kind, entity_id, target, text, digest))
        bucket.append(key)
        return target

    async def _export(
        self, key: Key, entity: Entity, base: SyncBase | None, bucket: list[Key]
    ) -> str:
        """Write an entity that has no vault file."""
        wanted = self._normal(entity)
        target = base.path if base is not None else self.layout.path_for(wanted)
        if base is not None and base.text is not None:
            before = parse_entity(key[0], self.files.location(key[0], base.path), base.text)
            target = self._wanted_path(wanted, before, base.path)
        return await self._put_file(
            key,
            current=entity,
            vault=None,
            target=target,
            text=render_entity(wanted),
            bucket=bucket,
        )

    async def _merge(
        self,
        key: Key,
        *,
        base: SyncBase,
        before: Entity,
        vault: VaultText,
        entity: Entity,
        report: SyncReport,
    ) -> None:
        """Both sides changed: merge; clean → both take it, else keep both versions."""
        kind, _ = key
        assert base.text is not None
        wanted = self._normal(entity)
        theirs = render_entity(wanted, base.text, self.files.location(kind, base.path))
        merged = merge_texts(kind, base.text, vault.text, theirs)
        if merged.text is None:
            await self._conflict(key, base, vault, wanted, report, theirs=theirs)
            return
        target = vault.path
        if vault.path == base.path:
            target = self._wanted_path(wanted, before, vault.path)
        location = self.files.location(kind, vault.path)
        parsed = self._normal(replace(parse_entity(kind, location, merged.text), id=key[1]))
        text = render_entity(parsed, merged.text, location)
        where = await self._put_file(
            key, current=entity, vault=vault, target=target, text=text, bucket=report.merged
        )
        if where != base.path:
            report.moved.append(key)

    async def _conflict(
        self,
        key: Key,
        base: SyncBase | None,
        vault: VaultText,
        entity: Entity,
        report: SyncReport,
        *,
        theirs: str | None = None,
    ) -> None:
        """Keep both: the vault file stays, the repository's version goes beside it."""
        kind, entity_id = key
        if theirs is None:
            theirs = render_entity(
                self._normal(entity), vault.text, self.files.location(kind, vault.path)
            )
        when = self._clock()
        for attempt in range(1, 100):
            copy = self.layout.conflict_copy(vault.path, when, attempt)
            if await self.files.hash_of(copy) is None:
                break
        digest = await self.files.write(copy, theirs, vault.fmt, expected=None)
        conflict = ConflictCopy(copy, digest)
        if base is None:
            base = SyncBase(kind, entity_id, vault.path, None, None)
        await self.repository.put_base(replace(base, path=vault.path, conflict=conflict))
        report.conflicts.append(key)
        log.warning("conflict on %s %s: both versions kept (%s)", kind, entity_id, copy)

    async def _while_conflicted(
        self,
        key: Key,
        base: SyncBase,
        vault: VaultText | None,
        entity: Entity | None,
        report: SyncReport,
    ) -> None:
        """A conflicted entity waits for resolve, unless both sides came to agree."""
        if vault is None and entity is None:
            await self.repository.delete_base(*key)
        elif vault is not None and entity is not None:
            if not same_entity(replace(vault.entity, id=key[1]), self._normal(entity)):
                if vault.path != base.path:
                    await self.repository.put_base(replace(base, path=vault.path))
                return
            await self._take_vault(key, vault, entity, [])
        else:
            return
        assert base.conflict is not None
        await self._remove_copy(base.conflict, report)
        report.resolved.append(key)

    async def _remove_copy(self, copy: ConflictCopy, report: SyncReport) -> None:
        try:
            await self.files.remove(copy.path, expected=copy.hash)
        except FileChanged:
            report.problems.append(Problem(copy.path, "conflict copy edited since: kept"))
