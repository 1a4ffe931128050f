"""Vault sync running in the server, driven by the real file watcher: edits, renames,
moves, deletes and bursts of saves in a temporary vault, store changes written back, and
changes made on both sides while the server was stopped."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from mcp_workbench.app import WorkbenchServer
from mcp_workbench.config import Settings
from mcp_workbench.demo import create_demo_vault
from mcp_workbench.errors import NotFound
from mcp_workbench.service import Note, Workbench

T = TypeVar("T")
ACTOR = "tester"
KNOWLEDGE = "Workbench/Knowledge"


async def until(probe: Callable[[], Awaitable[T | None]], within: float = 10.0) -> T:
    """Poll ``probe`` until it returns something other than None (or fail after ``within``)."""
    for _ in range(int(within / 0.05)):
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"still nothing after {within} s")


class Live:
    """A running server syncing a vault; ``restart`` stops and starts it on the same files."""

    def __init__(self, root: Path, data: Path) -> None:
        self.root = root
        self.settings = Settings(
            data_dir=data, vault_path=root, vault_sync=True, vault_debounce=0.05
        )
        self.server: WorkbenchServer | None = None

    async def start(self) -> None:
        self.server = WorkbenchServer(self.settings)
        await self.server.start()
        assert self.server.vault is not None
        await asyncio.wait_for(self.server.vault.ready.wait(), 20)

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.aclose()
            self.server.close()
            self.server = None

    @property
    def store(self) -> Workbench:
        assert self.server is not None
        assert self.server.workbench is not None
        return self.server.workbench

    async def note(self, path: str) -> Note | None:
        try:
            return await self.store.notes.read(path)
        except NotFound:
            return None

    def file(self, path: str) -> Path:
        return self.root / KNOWLEDGE / path


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    root = tmp_path / "vault"
    create_demo_vault(root)
    server = Live(root, tmp_path / "data")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_an_edit_saved_in_the_vault_reaches_the_store(live: Live) -> None:
    welcome = live.file("Welcome.md")
    welcome.write_text(welcome.read_text(encoding="utf-8") + "\nA line from Obsidian.\n")

    async def edited() -> Note | None:
        note = await live.note("Welcome.md")
        return note if note is not None and "A line from Obsidian." in note.body else None

    note = await until(edited)
    assert note.version == 2


async def test_a_burst_of_saves_ends_with_the_last_one(live: Live) -> None:
    welcome = live.file("Welcome.md")
    head = welcome.read_text(encoding="utf-8")
    for n in range(20):
        welcome.write_text(f"{head}\nsave {n}\n", encoding="utf-8")
        await asyncio.sleep(0.005)

    async def last() -> Note | None:
        note = await live.note("Welcome.md")
        return note if note is not None and "save 19" in note.body else None

    note = await until(last)
    assert "save 18" not in note.body
    assert note.version <= 4  # debounced: a few versions, not twenty
    assert not list(live.root.rglob("*conflict*"))


async def test_an_atomic_save_by_rename_is_an_edit(live: Live) -> None:
    """Editors that write a temporary file and rename it over the note."""
    welcome = live.file("Welcome.md")
    temp = welcome.with_name(".Welcome.md.tmp")
    temp.write_text(welcome.read_text(encoding="utf-8") + "\nSaved atomically.\n")
    os.replace(temp, welcome)

    async def edited() -> Note | None:
        note = await live.note("Welcome.md")
        return note if note is not None and "Saved atomically." in note.body else None

    await until(edited)


async def test_rename_and_move_keep_the_note(live: Live) -> None:
    before = await live.note("Welcome.md")
    assert before is not None
    live.file("Welcome.md").rename(live.file("Hello.md"))
    moved = await until(lambda: live.note("Hello.md"))
    assert moved.id == before.id
    assert await live.note("Welcome.md") is None
    (live.file("Archive")).mkdir()
    live.file("Hello.md").rename(live.file("Archive/Hello.md"))
    deeper = await until(lambda: live.note("Archive/Hello.md"))
    assert deeper.id == before.id
    assert deeper.body == before.body


async def test_a_deleted_file_deletes_the_note(live: Live) -> None:
    live.file("Projects/Alpha.md").unlink()

    async def gone() -> bool | None:
        return True if await live.note("Projects/Alpha.md") is None else None

    await until(gone)
    assert [n.path for n in await live.store.notes.list()] == ["Prompts.md", "Welcome.md"]


async def test_a_store_change_is_written_to_the_vault(live: Live) -> None:
    await live.store.notes.write("Ideas/From MCP.md", "Written by a tool.\n", actor=ACTOR)
    target = live.file("Ideas/From MCP.md")

    async def written() -> str | None:
        return target.read_text(encoding="utf-8") if target.exists() else None

    text = await until(written)
    assert "Written by a tool." in text
    note = await live.note("Ideas/From MCP.md")
    assert note is not None
    assert f"id: {note.id}" in text
    await asyncio.sleep(0.3)  # the watcher sees our own write: an echo, not a new version
    again = await live.note("Ideas/From MCP.md")
    assert again is not None
    assert again.version == note.version


async def test_changes_on_both_sides_while_stopped_are_caught_up(live: Live) -> None:
    await live.stop()
    welcome = live.file("Welcome.md")
    welcome.write_text(welcome.read_text(encoding="utf-8") + "\nEdited offline.\n")
    live.file("Offline.md").write_text("A note made while the server was down.\n")
    store = Workbench.open(data_dir=live.settings.data_dir, poll_interval=0)
    try:
        await store.start()
        alpha = await store.notes.read("Projects/Alpha.md")
        await store.notes.write(
            "Projects/Alpha.md", alpha.body + "\nStore, offline.\n", actor=ACTOR
        )
    finally:
        store.close()
    await live.start()  # start waits for the reconcile
    welcome_note = await live.note("Welcome.md")
    assert welcome_note is not None
    assert "Edited offline." in welcome_note.body
    assert await live.note("Offline.md") is not None
    assert "Store, offline." in live.file("Projects/Alpha.md").read_text(encoding="utf-8")


async def test_another_vault_is_refused_rather_than_emptying_the_store(live: Live) -> None:
    await live.stop()
    other = live.root.parent / "other-vault"
    other.mkdir()
    live.settings = live.settings.model_copy(update={"vault_path": other})
    live.server = WorkbenchServer(live.settings)
    await live.server.start()
    runner = live.server.vault
    assert runner is not None
    await until(lambda: asyncio.sleep(0, None if runner.status.running else True))
    assert not runner.ready.is_set()
    assert "holds none of the 5 files" in runner.status.problems[-1].reason
    assert len(await live.store.notes.list()) == 3
    assert not list(other.rglob("*.md"))
