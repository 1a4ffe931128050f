"""The repository interface the workbench implements to be synced, and an in-memory one.

A repository holds two things: the entities (prompts, notes, boards) by kind and id, and
one :class:`SyncBase` per synced file — the text both sides last agreed on, the file's
hash then, and whether the entity is in conflict. Keeping the bases beside the entities
(in the same store) is what lets a restart catch up on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from vault_sync.errors import RepositoryRefused
from vault_sync.model import Entity, EntityKind

__all__ = [
    "BatchRepository",
    "ConflictCopy",
    "InMemoryRepository",
    "SyncBase",
    "SyncRepository",
]


@dataclass(frozen=True)
class ConflictCopy:
    """The conflict copy written into the vault: where, and its content hash then (a copy
    the user has since edited is not removed on resolve)."""

    path: str
    hash: str


@dataclass(frozen=True)
class SyncBase:
    """What vault and repository last agreed on for one entity's file.

    ``text`` is that agreed text (``\\n`` line endings) and ``file_hash`` the hash of the
    file's bytes holding it; both are None when nothing was ever agreed (an entity that
    met a different file on first sync is conflicted from the start). While ``conflict`` is
    set the entity is not synced until :meth:`vault_sync.VaultSync.resolve` is called.
    """

    kind: EntityKind
    entity_id: str
    path: str
    text: str | None
    file_hash: str | None
    conflict: ConflictCopy | None = None

    @property
    def conflicted(self) -> bool:
        """Whether the entity waits for a resolve."""
        return self.conflict is not None


@runtime_checkable
class SyncRepository(Protocol):
    """The workbench's store, as vault sync sees it. Every method may be awaited from the
    sync's task; none may wait for a sync to finish (queue change notifications instead)."""

    async def list_entities(self, kind: EntityKind) -> Sequence[Entity]:
        """Every entity of ``kind``."""
        ...

    async def get_entity(self, kind: EntityKind, entity_id: str) -> Entity | None:
        """One entity, None when there is none."""
        ...

    async def put_entity(self, entity: Entity) -> None:
        """Create or replace an entity (keyed by its kind and id) with a change from the vault."""
        ...

    async def delete_entity(self, kind: EntityKind, entity_id: str) -> None:
        """Delete an entity that was deleted in the vault (no error when it is gone)."""
        ...

    async def list_bases(self) -> Sequence[SyncBase]:
        """Every stored base."""
        ...

    async def get_base(self, kind: EntityKind, entity_id: str) -> SyncBase | None:
        """The base for one entity's file, None when it was never synced."""
        ...

    async def put_base(self, base: SyncBase) -> None:
        """Create or replace the base for ``(base.kind, base.entity_id)``."""
        ...

    async def delete_base(self, kind: EntityKind, entity_id: str) -> None:
        """Forget an entity's base (no error when there is none)."""
        ...


@runtime_checkable
class BatchRepository(SyncRepository, Protocol):
    """A repository that takes many new entities at once: what makes the first import of a
    big vault fast (one transaction instead of two per file)."""

    async def put_new(self, items: Sequence[tuple[Entity, SyncBase]]) -> Sequence[Exception | None]:
        """Create entities that came from new vault files, each with its base; for each,
        None, or the :class:`~vault_sync.errors.RepositoryRefused` that kept it (and its
        base) out. The others are stored even when some are refused."""
        ...


class InMemoryRepository:
    """A :class:`SyncRepository` in dictionaries, for tests and as a reference."""

    def __init__(self) -> None:
        self.entities: dict[tuple[EntityKind, str], Entity] = {}
        self.bases: dict[tuple[EntityKind, str], SyncBase] = {}
        self.puts = 0
        """How many entity writes the sync made (tests count echoes with it)."""

    async def list_entities(self, kind: EntityKind) -> Sequence[Entity]:
        return [entity for (k, _), entity in self.entities.items() if k is kind]

    async def get_entity(self, kind: EntityKind, entity_id: str) -> Entity | None:
        return self.entities.get((kind, entity_id))

    async def put_entity(self, entity: Entity) -> None:
        self.puts += 1
        self.entities[entity.kind, entity.id] = entity

    async def delete_entity(self, kind: EntityKind, entity_id: str) -> None:
        self.entities.pop((kind, entity_id), None)

    async def put_new(self, items: Sequence[tuple[Entity, SyncBase]]) -> Sequence[Exception | None]:
        outcomes: list[Exception | None] = []
        for entity, base in items:
            if (entity.kind, entity.id) in self.entities:
                outcomes.append(RepositoryRefused(f"{entity.kind} {entity.id} exists"))
                continue
            await self.put_entity(entity)
            await self.put_base(base)
            outcomes.append(None)
        return outcomes

    async def list_bases(self) -> Sequence[SyncBase]:
        return list(self.bases.values())

    async def get_base(self, kind: EntityKind, entity_id: str) -> SyncBase | None:
        return self.bases.get((kind, entity_id))

    async def put_base(self, base: SyncBase) -> None:
        self.bases[base.kind, base.entity_id] = base

    async def delete_base(self, kind: EntityKind, entity_id: str) -> None:
        self.bases.pop((kind, entity_id), None)
