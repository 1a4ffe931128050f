"""Vault sync against the real store: a vault on disk, a SQLite (and PostgreSQL) store, the
workbench's services in between. Every change goes through the event log."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest

from mcp_workbench.demo import create_demo_vault
from mcp_workbench.service import Workbench
from mcp_workbench.store.rebuild import verify
from mcp_workbench.vault import VAULT_ACTOR, StoreRepository
from mcp_workbench.vault.convert import messages_of, template_of
from mcp_workbench.vault.repository import new_id
from vault_sync import EntityKind, SyncReport, VaultLayout, VaultSync

ACTOR = "tester"
BOARD = "Workbench/Boards/Roadmap.md"


class Synced:
    """A vault, the store and the sync between them, with helpers to edit either side."""

    def __init__(self, root: Path, workbench: Workbench) -> None:
        self.root = root
        self.workbench = workbench
        self.repository = StoreRepository(workbench)
        self.sync = VaultSync(
            VaultLayout(root),
            self.repository,
            clock=lambda: datetime(2026, 11, 26, 9, 30),
            new_id=new_id,
            rng=random.Random(3),
        )

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    async def reconcile(self) -> SyncReport:
        """A full sync, then the entities the store took differently, as the runner does."""
        report = await self.sync.reconcile()
        for key in sorted(self.repository.recheck):
            self.repository.recheck.discard(key)
            report.extend(await self.sync.handle_repository_change(*key))
        return report

    async def changed(self, kind: EntityKind, key: str) -> SyncReport:
        """Export what the store changed (the runner does this for each event)."""
        entity_id = await self.repository.entity_id_of(kind, key)
        return await self.sync.handle_repository_change(kind, entity_id)

    async def board_id(self) -> str:
        [board] = await self.workbench.boards.list_boards()
        return board.id


@pytest.fixture
async def synced(tmp_path: Path, workbench: Workbench) -> Synced:
    root = tmp_path / "vault"
    create_demo_vault(root)
    return Synced(root, workbench)


async def test_demo_vault_is_imported_with_ids_and_a_second_sync_does_nothing(
    synced: Synced,
) -> None:
    report = await synced.reconcile()
    assert len(report.imported) == 5
    assert not report.problems
    wb = synced.workbench
    assert [n.path for n in await wb.notes.list()] == [
        "Projects/Alpha.md",
        "Prompts.md",
        "Welcome.md",
    ]
    review = await wb.prompts.get("code-review")
    assert [a.name for a in review.arguments]
    assert review.messages[0].text.strip()
    board = await wb.boards.get_board(await synced.board_id())
    assert [lane.title for lane in board.lanes] == ["Todo", "Doing", "Done"]
    done = [c for c in board.cards if c.done]
    assert [c.title for c in done] == ["Install MCP Workbench"]
    note = await wb.notes.read("Welcome.md")
    assert f"id: {note.id}" in synced.read("Workbench/Knowledge/Welcome.md")
    events = [e async for e in wb.events(0, follow=False)]
    assert events
    assert {e.actor for e in events} == {VAULT_ACTOR}
    before = {p: p.read_bytes() for p in synced.root.rglob("*.md")}
    last = await wb.last_seq()
    again = await synced.reconcile()
    assert again == SyncReport()
    assert {p: p.read_bytes() for p in synced.root.rglob("*.md")} == before
    assert await wb.last_seq() == last
    assert await wb.db.write(verify, rollback=True) == []  # the batch replays the same


async def test_a_card_changed_in_the_store_rewrites_only_its_line(synced: Synced) -> None:
    await synced.reconcile()
    wb = synced.workbench
    synced.write(
        BOARD,
        synced.read(BOARD).replace(
            "- [ ] Connect an MCP client", "- [ ] Connect an MCP client @{2026-12-01} #setup"
        ),
    )
    await synced.reconcile()
    board = await wb.boards.get_board(await synced.board_id())
    card = next(c for c in board.cards if c.title == "Connect an MCP client")
    assert (card.due, card.tags) == ("2026-12-01", ["setup"])
    before = synced.read(BOARD).splitlines()
    await wb.boards.update_card(card.id, title="Connect two MCP clients", actor=ACTOR)
    other = next(c for c in board.cards if c.title == "Try the kanban web UI")
    await wb.boards.move_card(other.id, lane="Done", actor=ACTOR)
    report = await synced.changed(EntityKind.BOARD, board.id)
    assert report.to_vault
    after = synced.read(BOARD).splitlines()
    changed = [line for line in after if line not in before]
    assert changed == [f"- [ ] Connect two MCP clients @{{2026-12-01}} #setup ^{card.id}"]
    done_lane = after[after.index("## Done") :]
    assert any(line.startswith("- [ ] Try the kanban web UI") for line in done_lane)
    assert "**Complete**" in done_lane  # the lane's flag, kept from the file
    assert await synced.reconcile() == SyncReport()


async def test_board_file_edits_reach_the_store_as_one_event(synced: Synced) -> None:
    await synced.reconcile()
    wb = synced.workbench
    board_id = await synced.board_id()
    start = await wb.boards.get_board(board_id)
    versions = {c.id: c.version for c in start.cards}
    text = synced.read(BOARD)
    text = text.replace("- [ ] Write the first note of your own", "- [x] Write the first note")
    text = text.replace("## Doing\n", "## Doing\n\n- [ ] A new card from Obsidian\n")
    synced.write(BOARD, text)
    last = await wb.last_seq()
    report = await synced.reconcile()
    assert report.to_repository == [(EntityKind.BOARD, board_id)]
    events = [e async for e in wb.events(last, follow=False)]
    assert [e.kind for e in events] == ["board.synced"]
    board = await wb.boards.get_board(board_id)
    by_title = {c.title: c for c in board.cards}
    assert by_title["Write the first note"].done
    fresh = by_title["A new card from Obsidian"]
    lanes = {lane.id: lane.title for lane in board.lanes}
    assert lanes[fresh.lane_id] == "Doing"
    assert fresh.position == 0
    assert f"A new card from Obsidian ^{fresh.id}" in synced.read(BOARD)
    changed = {c.id for c in board.cards if versions.get(c.id) != c.version}
    assert changed == {
        fresh.id,
        by_title["Write the first note"].id,
        by_title["Try the kanban web UI"].id,
    }
    synced.write(
        BOARD, synced.read(BOARD).replace(f"- [ ] A new card from Obsidian ^{fresh.id}\n", "")
    )
    await synced.reconcile()
    assert fresh.id not in {c.id for c in (await wb.boards.get_board(board_id)).cards}
    assert await wb.db.write(verify, rollback=True) == []


async def test_a_prompt_renamed_in_the_vault_keeps_its_versions_and_labels(synced: Synced) -> None:
    await synced.reconcile()
    wb = synced.workbench
    path = "Workbench/Prompts/code-review.md"
    await wb.feedback.add("prompt", "code-review", score=1.0, actor=ACTOR)
    await wb.prompts.update("code-review", template="Review {{code}} carefully.", actor=ACTOR)
    await synced.changed(EntityKind.PROMPT, "code-review")
    assert "Review {{code}} carefully." in synced.read(path)
    [id_line] = [ln for ln in synced.read(path).splitlines() if ln.startswith("id: ")]
    text = synced.read(path).replace(
        "name: code-review", "name: careful-review\nlabels: [production]"
    )
    synced.write(path, text)
    report = await synced.reconcile()
    assert report.to_repository
    assert not report.problems
    assert [p.name for p in await wb.prompts.list()] == ["careful-review"]
    versions = await wb.prompts.versions("careful-review")
    assert [v.version for v in versions] == [2, 1]
    assert "production" in versions[0].labels
    assert len(await wb.feedback.list("prompt", "careful-review")) == 1
    # The store's next change goes to the same file, under the same id.
    await wb.prompts.update("careful-review", description="Careful.", actor=ACTOR)
    await synced.changed(EntityKind.PROMPT, "careful-review")
    assert "description: Careful." in synced.read(path)
    assert id_line in synced.read(path)
    assert await wb.db.write(verify, rollback=True) == []


async def test_what_the_store_refuses_is_reported_and_the_file_left_alone(synced: Synced) -> None:
    await synced.reconcile()
    bad = "---\nname: not a valid name\n---\nHello {{who}}\n"
    synced.write("Workbench/Prompts/bad.md", bad)
    report = await synced.reconcile()
    assert [p.path for p in report.problems] == ["Workbench/Prompts/bad.md"]
    assert "invalid prompt name" in report.problems[0].reason
    assert synced.read("Workbench/Prompts/bad.md") == bad
    assert [p.name for p in await synced.workbench.prompts.list()] == ["code-review"]


async def test_undeclared_placeholders_become_arguments_in_the_file(synced: Synced) -> None:
    await synced.reconcile()
    synced.write("Workbench/Prompts/greet.md", "Hello {{who}}, from {{where}}.\n")
    await synced.reconcile()
    greet = await synced.workbench.prompts.get("greet")
    assert [a.name for a in greet.arguments] == ["who", "where"]
    text = synced.read("Workbench/Prompts/greet.md")
    assert "- name: who" in text
    assert "- name: where" in text
    assert text.rstrip().endswith("Hello {{who}}, from {{where}}.")


async def test_deleting_files_deletes_notes_and_archives_boards(synced: Synced) -> None:
    await synced.reconcile()
    wb = synced.workbench
    board_id = await synced.board_id()
    (synced.root / BOARD).unlink()
    (synced.root / "Workbench/Knowledge/Welcome.md").unlink()
    report = await synced.reconcile()
    assert len(report.deleted_in_repository) == 2
    assert [n.path for n in await wb.notes.list()] == ["Projects/Alpha.md", "Prompts.md"]
    assert (await wb.boards.get_board(board_id, include_archived=True)).archived
    await wb.boards.update_board(board_id, archived=False, actor=ACTOR)
    await synced.changed(EntityKind.BOARD, board_id)
    assert "## Todo" in synced.read(BOARD)  # restored in the store: written back


async def test_a_card_copied_into_another_board_gets_its_own_id(synced: Synced) -> None:
    await synced.reconcile()
    line = next(ln for ln in synced.read(BOARD).splitlines() if "Connect an MCP client" in ln)
    copied = line.split(" ^")[1]
    synced.write(
        "Workbench/Boards/Other.md", f"---\nkanban-plugin: board\n---\n\n## Todo\n\n{line}\n"
    )
    await synced.reconcile()
    wb = synced.workbench
    other = next(b for b in await wb.boards.list_boards() if b.title == "Other")
    [card] = (await wb.boards.get_board(other.id)).cards
    assert card.id != copied
    assert card.title == "Connect an MCP client"
    assert f"^{card.id}" in synced.read("Workbench/Boards/Other.md")
    roadmap = next(b for b in await wb.boards.list_boards() if b.title == "Roadmap")
    assert copied in {c.id for c in (await wb.boards.get_board(roadmap.id)).cards}


async def test_both_sides_edit_a_note_conflict_keeps_both_until_resolved(synced: Synced) -> None:
    await synced.reconcile()
    wb = synced.workbench
    path = "Workbench/Knowledge/Welcome.md"
    note = await wb.notes.read("Welcome.md")
    first = note.body.splitlines()[0]
    await wb.notes.write("Welcome.md", note.body.replace(first, "Store's first line"), actor=ACTOR)
    synced.write(path, synced.read(path).replace(first, "Vault's first line"))
    report = await synced.changed(EntityKind.NOTE, note.id)
    assert report.conflicts == [(EntityKind.NOTE, note.id)]
    copy = synced.root / "Workbench/Knowledge/Welcome (conflict 2026-11-26 0930).md"
    assert "Store's first line" in copy.read_text(encoding="utf-8")
    assert "Vault's first line" in synced.read(path)
    assert "Store's first line" in (await wb.notes.read("Welcome.md")).body
    base = await synced.repository.get_base(EntityKind.NOTE, note.id)
    assert base is not None
    assert base.conflicted
    await synced.sync.resolve(EntityKind.NOTE, note.id, keep="vault")
    assert not copy.exists()
    assert "Vault's first line" in (await wb.notes.read("Welcome.md")).body


def test_prompt_messages_survive_the_note_body() -> None:
    from mcp_workbench.service import PromptMessage

    messages = [
        PromptMessage(role="user", text="Summarise {{text}}."),
        PromptMessage(role="assistant", text="Here is a summary:\n\n- one"),
        PromptMessage(role="user", text="Shorter."),
    ]
    assert messages_of(template_of(messages)) == messages
    single = [PromptMessage(text="Just one {{x}}")]
    assert template_of(single) == "Just one {{x}}"
    assert messages_of("Just one {{x}}") == single
