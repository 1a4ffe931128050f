"""The repository interface and the in-memory implementation."""

from __future__ import annotations

from vault_sync.model import EntityKind, VaultNote, VaultPrompt
from vault_sync.repository import ConflictCopy, InMemoryRepository, SyncBase, SyncRepository


def test_the_in_memory_repository_is_a_sync_repository() -> None:
    assert isinstance(InMemoryRepository(), SyncRepository)
    assert not isinstance(object(), SyncRepository)


async def test_entities_and_bases_by_kind_and_id() -> None:
    repo = InMemoryRepository()
    await repo.put_entity(VaultNote("n1", "a.md"))
    await repo.put_entity(VaultPrompt("n1", "same id, other kind"))
    assert len(await repo.list_entities(EntityKind.NOTE)) == 1
    assert await repo.get_entity(EntityKind.PROMPT, "n1") == VaultPrompt(
        "n1", "same id, other kind"
    )
    await repo.delete_entity(EntityKind.NOTE, "n1")
    await repo.delete_entity(EntityKind.NOTE, "n1")
    assert await repo.get_entity(EntityKind.NOTE, "n1") is None
    base = SyncBase(EntityKind.NOTE, "n1", "Workbench/Knowledge/a.md", "text", "hash")
    await repo.put_base(base)
    assert not base.conflicted
    conflicted = SyncBase(EntityKind.NOTE, "n1", "p", None, None, ConflictCopy("c", "h"))
    assert conflicted.conflicted
    await repo.put_base(conflicted)
    assert await repo.list_bases() == [conflicted]
    await repo.delete_base(EntityKind.NOTE, "n1")
    assert await repo.get_base(EntityKind.NOTE, "n1") is None
    assert repo.puts == 2
