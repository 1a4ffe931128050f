"""VaultSync end to end on a temporary vault and an in-memory repository."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.vault_sync.conftest import make_sync, read
from tests.vault_sync.samples import NOTE, PLUGIN_BOARD, PROMPT
from vault_sync import (
    Board,
    Card,
    EntityKind,
    InMemoryRepository,
    Lane,
    NotConflicted,
    VaultEvent,
    VaultLayout,
    VaultNote,
    VaultPrompt,
    VaultSync,
)
from vault_sync.codec import parse_entity
from vault_sync.errors import FileChanged
from vault_sync.kanban import parse_board
from vault_sync.vault_files import VaultFiles

Write = Callable[[str, str], Path]
K, P, B = "Workbench/Knowledge", "Workbench/Prompts", "Workbench/Boards"
NOTE_KEY = (EntityKind.NOTE, "note-1")
COPY = f"{K}/Alpha (conflict 2024-05-01 1405).md"


def note(repo: InMemoryRepository, note_id: str = "note-1") -> VaultNote:
    entity = repo.entities[EntityKind.NOTE, note_id]
    assert isinstance(entity, VaultNote)
    return entity


async def synced_note(sync: VaultSync, write: Write, text: str = NOTE) -> None:
    write(f"{K}/Alpha.md", text)
    report = await sync.reconcile()
    assert report.imported == [NOTE_KEY]


async def test_import_writes_ids_into_files_and_fills_the_repository(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    write(f"{K}/Plain.md", "Just a body\n")
    write(f"{P}/Summarise.md", "---\ndescription: short\n---\nSummarise {text}\n")
    write(f"{B}/Plan.md", PLUGIN_BOARD.replace(" ^k3x9qa", ""))
    report = await sync.reconcile()
    assert report.imported == [
        (EntityKind.BOARD, "board-1"),
        (EntityKind.NOTE, "note-0001"),
        (EntityKind.PROMPT, "prompt-0002"),
    ]
    assert read(vault, f"{K}/Plain.md") == "---\nid: note-0001\n---\nJust a body\n"
    prompt_text = read(vault, f"{P}/Summarise.md")
    assert prompt_text.startswith("---\ndescription: short\nid: ")
    board = parse_board(read(vault, f"{B}/Plan.md")).board
    assert all(card.id for card in board.cards())
    assert repo.entities[EntityKind.BOARD, "board-1"] == replace(board, name="Plan")
    for (kind, _), entity in repo.entities.items():
        assert entity.kind is kind
    assert len(repo.bases) == 3
    snapshot = {p: p.read_bytes() for p in vault.root.rglob("*.md")}
    again = await sync.reconcile()
    assert not again.changed
    assert {p: p.read_bytes() for p in vault.root.rglob("*.md")} == snapshot


async def test_export_writes_repository_entities_where_they_belong(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout
) -> None:
    await repo.put_entity(VaultNote("n1", "Projects/Alpha.md", "Hello [[Beta]]", tags=("p",)))
    await repo.put_entity(VaultPrompt("p1", "code/review", "Review {diff}", labels=("prod",)))
    await repo.put_entity(
        Board("b1", "Sprint: 1", (Lane("Todo", (Card("", "First"),)), Lane("Done", complete=True)))
    )
    report = await sync.reconcile()
    assert sorted(report.exported) == [
        (EntityKind.BOARD, "b1"),
        (EntityKind.NOTE, "n1"),
        (EntityKind.PROMPT, "p1"),
    ]
    assert read(vault, f"{K}/Projects/Alpha.md") == (
        "---\nid: n1\ntags:\n  - p\n---\nHello [[Beta]]\n"
    )
    assert read(vault, f"{P}/code-review.md").startswith("---\nid: p1\nname: code/review\n")
    board_text = read(vault, f"{B}/Sprint- 1.md")
    assert board_text.startswith(
        "---\n\nkanban-plugin: board\nid: b1\n\n---\n\n## Todo\n\n- [ ] First ^"
    )
    board = repo.entities[EntityKind.BOARD, "b1"]
    assert isinstance(board, Board)
    assert board.name == "Sprint- 1"  # what the file is called is what the board is called
    assert board.lanes[0].cards[0].id  # the block id we wrote is the card's id everywhere
    assert board == parse_board(board_text, name="Sprint- 1").board


async def test_a_vault_edit_reaches_the_repository(
    sync: VaultSync, repo: InMemoryRepository, write: Write
) -> None:
    await synced_note(sync, write)
    write(f"{K}/Alpha.md", NOTE.replace("A small project.", "A big project."))
    report = await sync.handle_event(VaultEvent("modified", f"{K}/Alpha.md"))
    assert report.to_repository == [NOTE_KEY]
    assert "A big project." in note(repo).body
    assert repo.bases[NOTE_KEY].text == NOTE.replace("A small project.", "A big project.")


async def test_a_repository_edit_reaches_the_vault_in_the_files_own_format(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout
) -> None:
    original = "\ufeff" + NOTE.replace("\n", "\r\n")
    (vault.root / K / "Alpha.md").write_bytes(original.encode())
    await sync.reconcile()
    await repo.put_entity(replace(note(repo), tags=("project", "web"), properties=None))
    report = await sync.handle_repository_change(*NOTE_KEY)
    assert report.to_vault == [NOTE_KEY]
    data = (vault.root / K / "Alpha.md").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf---\r\nid: note-1\r\n")
    assert b"  - web\r\n" in data
    assert b"status: active  # kept as written\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


async def test_changes_on_both_sides_merge_into_both(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    write(f"{K}/Alpha.md", NOTE.replace("# Alpha", "# Alpha (vault)"))
    entity = note(repo)
    await repo.put_entity(replace(entity, body=entity.body.replace("set up", "SET UP")))
    report = await sync.reconcile()
    assert report.merged == [NOTE_KEY]
    merged = NOTE.replace("# Alpha", "# Alpha (vault)").replace("set up", "SET UP")
    assert read(vault, f"{K}/Alpha.md") == merged
    assert note(repo) == parse_entity(EntityKind.NOTE, "Alpha.md", merged)


async def test_a_true_conflict_keeps_both_versions_until_resolved(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    vault_text = NOTE.replace("A small project.", "Vault wording.")
    write(f"{K}/Alpha.md", vault_text)
    entity = note(repo)
    repo_version = replace(entity, body=entity.body.replace("A small project.", "Repo wording."))
    await repo.put_entity(repo_version)
    report = await sync.reconcile()
    assert report.conflicts == [NOTE_KEY]
    assert read(vault, f"{K}/Alpha.md") == vault_text
    assert "Repo wording." in read(vault, COPY)
    assert note(repo) == repo_version
    base = repo.bases[NOTE_KEY]
    assert base.conflicted
    assert base.conflict is not None
    assert base.conflict.path == COPY
    assert base.text == NOTE  # the last agreed text stays for a later three-way resolve
    # While conflicted, neither side overwrites the other.
    write(f"{K}/Alpha.md", vault_text + "more from the vault\n")
    assert not (await sync.reconcile()).changed
    assert note(repo) == repo_version

    resolved = await sync.resolve(*NOTE_KEY, keep="vault")
    assert resolved.resolved == [NOTE_KEY]
    assert not (vault.root / COPY).exists()
    assert note(repo).body.endswith("more from the vault")
    assert not repo.bases[NOTE_KEY].conflicted
    with pytest.raises(NotConflicted):
        await sync.resolve(*NOTE_KEY, keep="vault")


async def test_resolve_with_the_repository_version_or_a_merged_text(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    write(f"{K}/Alpha.md", NOTE.replace("A small project.", "Vault."))
    entity = note(repo)
    await repo.put_entity(replace(entity, body=entity.body.replace("A small project.", "Repo.")))
    await sync.reconcile()
    with pytest.raises(ValueError, match="exactly one"):
        await sync.resolve(*NOTE_KEY)
    await sync.resolve(*NOTE_KEY, keep="repository")
    assert "Repo." in read(vault, f"{K}/Alpha.md")
    assert "status: active  # kept as written" in read(vault, f"{K}/Alpha.md")
    assert not (vault.root / COPY).exists()

    write(f"{K}/Alpha.md", NOTE.replace("A small project.", "Vault again."))
    await repo.put_entity(replace(note(repo), body=note(repo).body.replace("Repo.", "Repo again.")))
    assert (await sync.reconcile()).conflicts == [NOTE_KEY]
    by_hand = NOTE.replace("A small project.", "Both, merged by hand.")
    await sync.resolve(*NOTE_KEY, text=by_hand)
    assert read(vault, f"{K}/Alpha.md") == by_hand
    assert "Both, merged by hand." in note(repo).body
    assert not repo.bases[NOTE_KEY].conflicted


async def test_a_conflict_clears_itself_when_both_sides_come_to_agree(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    write(f"{K}/Alpha.md", NOTE.replace("A small project.", "Vault."))
    await repo.put_entity(replace(note(repo), body=note(repo).body.replace("A small", "Repo")))
    await sync.reconcile()
    write(f"{K}/Alpha.md", read(vault, COPY))  # the user takes the repository's version
    report = await sync.reconcile()
    assert report.resolved == [NOTE_KEY]
    assert not repo.bases[NOTE_KEY].conflicted
    assert not (vault.root / COPY).exists()


async def test_an_edited_conflict_copy_is_not_removed(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    write(f"{K}/Alpha.md", NOTE.replace("A small project.", "Vault."))
    await repo.put_entity(replace(note(repo), body=note(repo).body.replace("A small", "Repo")))
    await sync.reconcile()
    write(COPY, "my notes on the conflict\n")
    report = await sync.resolve(*NOTE_KEY, keep="vault")
    assert read(vault, COPY) == "my notes on the conflict\n"
    assert [p.path for p in report.problems] == [COPY]


async def test_without_a_base_different_versions_conflict_and_equal_ones_agree(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    write(f"{K}/Alpha.md", NOTE)
    write(f"{K}/Same.md", "---\nid: same-1\n---\nIdentical\n")
    await repo.put_entity(VaultNote("note-1", "Alpha.md", "Something else entirely"))
    await repo.put_entity(VaultNote("same-1", "Same.md", "Identical"))
    puts = repo.puts
    report = await sync.reconcile()
    assert report.conflicts == [NOTE_KEY]
    assert repo.bases[NOTE_KEY].text is None
    assert read(vault, f"{K}/Alpha.md") == NOTE
    assert "Something else entirely" in read(vault, COPY)
    assert note(repo).body == "Something else entirely"
    same = repo.bases[EntityKind.NOTE, "same-1"]
    assert (same.text, same.conflicted) == ("---\nid: same-1\n---\nIdentical\n", False)
    assert repo.puts == puts


async def test_a_first_sync_pairs_a_file_without_id_with_the_entity_that_would_go_there(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    write(f"{K}/Projects/Alpha.md", "# Alpha\n")
    await repo.put_entity(VaultNote("n7", "Projects/Alpha.md", "# Alpha"))
    report = await sync.reconcile()
    assert report.imported == report.exported == []
    assert read(vault, f"{K}/Projects/Alpha.md") == "---\nid: n7\n---\n# Alpha\n"
    assert sorted(p.name for p in (vault.root / K / "Projects").iterdir()) == ["Alpha.md"]
    assert list(repo.entities) == [(EntityKind.NOTE, "n7")]


async def test_edit_versus_delete_keeps_the_edit(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    (vault.root / K / "Alpha.md").unlink()
    await repo.put_entity(replace(note(repo), body="edited in the repository"))
    report = await sync.reconcile()
    assert report.exported == [NOTE_KEY]
    assert read(vault, f"{K}/Alpha.md").endswith("edited in the repository\n")

    write(f"{K}/Alpha.md", read(vault, f"{K}/Alpha.md") + "edited in the vault\n")
    await repo.delete_entity(*NOTE_KEY)
    report = await sync.reconcile()
    assert report.imported == [NOTE_KEY]
    assert note(repo).body.endswith("edited in the vault")


async def test_deletes_reach_the_other_side(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    write(f"{K}/Other.md", "---\nid: other\n---\nx\n")
    await sync.reconcile()
    (vault.root / K / "Alpha.md").unlink()
    await repo.delete_entity(EntityKind.NOTE, "other")
    report = await sync.reconcile()
    assert report.deleted_in_repository == [NOTE_KEY]
    assert report.deleted_in_vault == [(EntityKind.NOTE, "other")]
    assert repo.entities == {}
    assert repo.bases == {}
    assert not (vault.root / K / "Other.md").exists()


async def test_moves_and_renames_keep_identity(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    write(f"{P}/review.md", PROMPT)
    write(f"{B}/Plan.md", PLUGIN_BOARD)
    await sync.reconcile()
    (vault.root / K / "Archive").mkdir()
    (vault.root / K / "Alpha.md").rename(vault.root / K / "Archive" / "Alpha.md")
    (vault.root / P / "review.md").rename(vault.root / P / "Code review.md")
    puts = repo.puts
    report = await sync.handle_events(
        [
            VaultEvent("moved", f"{K}/Archive/Alpha.md", f"{K}/Alpha.md"),
            VaultEvent("moved", f"{P}/Code review.md", f"{P}/review.md"),
        ]
    )
    assert sorted(report.moved) == [NOTE_KEY, (EntityKind.PROMPT, "prompt-1")]
    assert note(repo).path == "Archive/Alpha.md"
    assert repo.puts == puts + 1  # the prompt's name lives in its frontmatter: unchanged
    assert repo.bases[EntityKind.PROMPT, "prompt-1"].path == f"{P}/Code review.md"

    await repo.put_entity(replace(note(repo), path="Projects/Alpha v2.md"))
    board = repo.entities[EntityKind.BOARD, "board-1"]
    assert isinstance(board, Board)
    await repo.put_entity(replace(board, name="Plan 2024"))
    report = await sync.reconcile()
    assert sorted(report.moved) == [(EntityKind.BOARD, "board-1"), NOTE_KEY]
    assert not (vault.root / K / "Archive" / "Alpha.md").exists()
    assert "id: note-1" in read(vault, f"{K}/Projects/Alpha v2.md")
    assert not (vault.root / B / "Plan.md").exists()
    assert read(vault, f"{B}/Plan 2024.md") == PLUGIN_BOARD


async def test_a_copied_file_becomes_a_new_entity(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    write(f"{K}/Alpha 1.md", NOTE)  # Obsidian's "duplicate file" keeps the frontmatter id
    report = await sync.reconcile()
    assert len(report.imported) == 1
    new_id = report.imported[0][1]
    assert new_id != "note-1"
    assert f"id: {new_id}\n" in read(vault, f"{K}/Alpha 1.md")
    assert read(vault, f"{K}/Alpha.md") == NOTE
    assert note(repo, new_id).path == "Alpha 1.md"


async def test_the_echo_of_our_own_write_is_ignored(
    sync: VaultSync, repo: InMemoryRepository, write: Write
) -> None:
    await synced_note(sync, write)
    await repo.put_entity(replace(note(repo), body="from the web"))
    await sync.handle_repository_change(*NOTE_KEY)
    puts = repo.puts
    report = await sync.handle_events([VaultEvent("modified", f"{K}/Alpha.md")])
    assert report.echoes == [f"{K}/Alpha.md"]
    assert not report.changed
    assert repo.puts == puts


async def test_a_restart_catches_up_on_both_sides(
    vault: VaultLayout, repo: InMemoryRepository, write: Write
) -> None:
    write(f"{K}/Alpha.md", NOTE)
    write(f"{K}/Beta.md", "---\nid: beta\n---\nBeta\n")
    await make_sync(vault, repo).reconcile()
    # Sync is down: the vault and the repository both move on.
    write(f"{K}/Alpha.md", NOTE.replace("A small project.", "Edited while down."))
    await repo.put_entity(
        VaultNote("beta", "Beta.md", "Beta, edited in the store", properties=None)
    )
    await repo.put_entity(VaultNote("gamma", "Gamma.md", "Created while down"))
    write(f"{K}/Delta.md", "Also created while down\n")
    report = await make_sync(vault, repo).reconcile()
    assert report.to_repository == [NOTE_KEY]
    assert report.to_vault == [(EntityKind.NOTE, "beta")]
    assert report.exported == [(EntityKind.NOTE, "gamma")]
    assert len(report.imported) == 1
    assert "Edited while down." in note(repo).body
    assert read(vault, f"{K}/Beta.md") == "---\nid: beta\n---\nBeta, edited in the store\n"
    assert read(vault, f"{K}/Gamma.md").endswith("Created while down\n")


async def test_a_save_during_our_write_is_merged_not_overwritten(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    await synced_note(sync, write)
    user_text = NOTE.replace("# Alpha", "# Alpha, saved meanwhile")
    real_write = VaultFiles.write
    calls = 0

    async def racing_write(self: VaultFiles, path: str, *args: object, **kwargs: object) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:  # the user saves just before our rename
            write(path, user_text)
        return await real_write(self, path, *args, **kwargs)  # type: ignore[arg-type]

    entity = note(repo)
    await repo.put_entity(replace(entity, body=entity.body.replace("set up", "SET UP")))
    sync.files.write = racing_write.__get__(sync.files)  # type: ignore[method-assign]
    report = await sync.handle_repository_change(*NOTE_KEY)
    assert report.merged == [NOTE_KEY]
    text = read(vault, f"{K}/Alpha.md")
    assert "# Alpha, saved meanwhile" in text
    assert "SET UP" in text
    assert calls == 2


async def test_a_file_that_keeps_changing_is_reported(
    sync: VaultSync, repo: InMemoryRepository, write: Write
) -> None:
    await synced_note(sync, write)

    async def always_changed(*args: object, **kwargs: object) -> str:
        raise FileChanged("changed")

    sync.files.write = always_changed  # type: ignore[method-assign]
    await repo.put_entity(replace(note(repo), body="x"))
    report = await sync.handle_repository_change(*NOTE_KEY)
    assert [p.reason for p in report.problems] == ["kept changing: changed"]
    assert not report.changed


async def test_events_before_the_first_scan_run_a_full_reconcile(
    sync: VaultSync, repo: InMemoryRepository, write: Write
) -> None:
    write(f"{K}/Alpha.md", NOTE)
    write(f"{K}/Beta.md", "Beta\n")
    report = await sync.handle_event(VaultEvent("modified", f"{K}/Alpha.md"))
    assert len(report.imported) == 2
    folder = await sync.handle_event(VaultEvent("deleted", f"{K}/Old", is_directory=True))
    assert not folder.changed
    assert len(repo.entities) == 2


async def test_a_vault_that_looks_gone_is_not_read_as_everything_deleted(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    """An unmounted drive, a folder moved away or swapped: sync stops and says why, and
    the repository keeps every entity. Deleting files is still a delete while some of
    the synced ones are left."""
    for n in range(12):
        write(f"{K}/Note {n}.md", f"note {n}\n")
    await sync.reconcile()
    assert len(repo.entities) == 12
    managed = vault.root / "Workbench"
    managed.rename(vault.root.parent / "elsewhere")
    report = await sync.reconcile()
    assert "none of the 12 synced files" in report.problems[0].reason
    assert len(repo.entities) == 12
    (vault.root.parent / "elsewhere").rename(managed)
    kept = (managed / "Knowledge" / "Note 0.md").read_text()
    for path in (managed / "Knowledge").iterdir():
        path.unlink()
    report = await sync.reconcile()  # a dozen files gone at once, none left: stop
    assert "none of the 12 synced files" in report.problems[0].reason
    assert len(repo.entities) == 12
    (managed / "Knowledge" / "Note 0.md").write_text(kept)
    report = await sync.reconcile()  # one of them is back: the rest were deleted
    assert report.problems == []
    assert len(report.deleted_in_repository) == 11
    assert len(repo.entities) == 1
