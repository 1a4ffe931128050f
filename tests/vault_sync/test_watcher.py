"""The real watchdog observer on a temporary vault: debounced, coalesced events."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.vault_sync.conftest import make_sync, read
from tests.vault_sync.samples import NOTE
from vault_sync import (
    Entity,
    EntityKind,
    InMemoryRepository,
    VaultEvent,
    VaultLayout,
    VaultNote,
    VaultWatcher,
)

Write = Callable[[str, str], Path]
K = "Workbench/Knowledge"
WAIT = 10.0  # seconds: generous for a loaded CI machine, never reached when things work


@pytest.fixture
async def watcher(vault: VaultLayout, write: Write) -> AsyncIterator[VaultWatcher]:
    write(f"{K}/Alpha.md", NOTE)
    write(f"{K}/Beta.md", "---\nid: beta\n---\nBeta\n")
    async with VaultWatcher(vault, debounce=0.4, max_delay=3.0) as started:
        yield started


async def next_batch(watcher: VaultWatcher) -> list[VaultEvent]:
    async with asyncio.timeout(WAIT):
        return await watcher.next_batch()


async def test_an_edit_is_reported_once(watcher: VaultWatcher, write: Write) -> None:
    write(f"{K}/Alpha.md", NOTE + "edited\n")
    assert await next_batch(watcher) == [VaultEvent("modified", f"{K}/Alpha.md")]


async def test_rapid_successive_saves_become_one_event(
    watcher: VaultWatcher, vault: VaultLayout
) -> None:
    path = vault.root / K / "Alpha.md"
    for i in range(20):  # Obsidian saves while typing: truncate, write, repeat
        with path.open("w") as handle:
            handle.write(NOTE + f"draft {i}\n")
    assert await next_batch(watcher) == [VaultEvent("modified", f"{K}/Alpha.md")]
    assert path.read_text().endswith("draft 19\n")


async def test_a_temp_file_renamed_over_a_note_is_one_modification(
    watcher: VaultWatcher, vault: VaultLayout
) -> None:
    temp = vault.root / K / ".Alpha.md.tmp-123"
    temp.write_text(NOTE + "saved atomically\n")
    os.replace(temp, vault.root / K / "Alpha.md")
    assert await next_batch(watcher) == [VaultEvent("modified", f"{K}/Alpha.md")]


async def test_rename_move_create_and_delete(watcher: VaultWatcher, vault: VaultLayout) -> None:
    root = vault.root / K
    (root / "Alpha.md").rename(root / "Renamed.md")
    assert await next_batch(watcher) == [VaultEvent("moved", f"{K}/Renamed.md", f"{K}/Alpha.md")]
    (root / "sub").mkdir()
    (root / "Renamed.md").rename(root / "sub" / "Renamed.md")
    assert await next_batch(watcher) == [
        VaultEvent("moved", f"{K}/sub/Renamed.md", f"{K}/Renamed.md")
    ]
    (root / "Gamma.md").write_text("new\n")
    assert await next_batch(watcher) == [VaultEvent("created", f"{K}/Gamma.md")]
    (root / "Beta.md").unlink()
    assert await next_batch(watcher) == [VaultEvent("deleted", f"{K}/Beta.md")]


async def test_noise_is_not_reported(watcher: VaultWatcher, vault: VaultLayout) -> None:
    root = vault.root / K
    (root / "picture.png").write_bytes(b"png")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.md").write_text("x")
    (vault.root / ".obsidian" / "workspace.json").write_text("{}")
    (root / "Ephemeral.md").write_text("here and gone")
    (root / "Ephemeral.md").unlink()
    (root / "Last.md").write_text("the only change that counts\n")
    assert await next_batch(watcher) == [VaultEvent("created", f"{K}/Last.md")]


async def test_a_folder_move_reports_its_files_and_the_folder(
    watcher: VaultWatcher, vault: VaultLayout
) -> None:
    root = vault.root / K
    (root / "Projects").mkdir()
    (root / "Beta.md").rename(root / "Projects" / "Beta.md")
    await next_batch(watcher)
    (root / "Projects").rename(root / "Archive")
    events = await next_batch(watcher)
    assert VaultEvent("moved", f"{K}/Archive", f"{K}/Projects", is_directory=True) in events
    assert VaultEvent("moved", f"{K}/Archive/Beta.md", f"{K}/Projects/Beta.md") in events


async def test_stop_ends_the_batches(vault: VaultLayout) -> None:
    watcher = VaultWatcher(vault, debounce=0.05)
    await watcher.start()
    await watcher.stop()
    assert [batch async for batch in watcher.batches()] == []
    assert await watcher.next_batch() == []


class SignallingRepository(InMemoryRepository):
    """Sets ``changed`` whenever sync writes an entity."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    async def put_entity(self, entity: Entity) -> None:
        await super().put_entity(entity)
        self.changed.set()


async def test_sync_follows_the_watcher_and_ignores_its_own_echo(
    vault: VaultLayout, write: Write
) -> None:
    write(f"{K}/Alpha.md", NOTE)
    repo = SignallingRepository()
    sync = make_sync(vault, repo)
    async with VaultWatcher(vault, debounce=0.15) as watcher:
        task = asyncio.create_task(sync.run(watcher))
        try:
            async with asyncio.timeout(WAIT):
                await repo.changed.wait()  # the initial reconcile imported the note
            repo.changed.clear()
            write(f"{K}/Alpha.md", NOTE.replace("A small project.", "Typed in Obsidian."))
            async with asyncio.timeout(WAIT):
                await repo.changed.wait()
            entity = repo.entities[EntityKind.NOTE, "note-1"]
            assert isinstance(entity, VaultNote)
            assert "Typed in Obsidian." in entity.body
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        # A change from the repository is written, and its echo comes back and is ignored.
        await repo.put_entity(replace(entity, body="From the web UI"))
        puts = repo.puts
        report = await sync.handle_repository_change(EntityKind.NOTE, "note-1")
        assert report.to_vault == [(EntityKind.NOTE, "note-1")]
        echo = await sync.handle_events(await next_batch(watcher))
        assert echo.echoes == [f"{K}/Alpha.md"]
        assert not echo.changed
        assert repo.puts == puts
        assert read(vault, f"{K}/Alpha.md").endswith("From the web UI\n")
