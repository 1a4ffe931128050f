"""Safety: writes stay in the vault, sync leaves alone what is not its own, and a file it
cannot read is reported and never rewritten."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.vault_sync.conftest import read
from tests.vault_sync.samples import NOTE, PLUGIN_BOARD
from vault_sync import EntityKind, InMemoryRepository, VaultLayout, VaultNote, VaultSync

Write = Callable[[str, str], Path]
K, B = "Workbench/Knowledge", "Workbench/Boards"


def _everything(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _exists(path: str) -> bool:
    return Path(path).exists()


@pytest.mark.parametrize(
    "path", ["../../escaped.md", "/tmp/absolute.md", "a/../../../escaped.md", "./x/../../y.md"]
)
async def test_a_repository_path_that_leaves_the_vault_is_refused(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, path: str
) -> None:
    outside = vault.root.parent
    before = _everything(outside)
    await repo.put_entity(VaultNote("evil", path, "escape attempt"))
    report = await sync.reconcile()
    assert report.exported == []
    assert [p.path for p in report.problems] == ["note evil"]
    assert "vault" in report.problems[0].reason or "not normal" in report.problems[0].reason
    assert _everything(outside) == before
    assert not _exists("/tmp/absolute.md")


async def test_nothing_is_written_through_a_symlinked_folder(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\nid: secret\n---\nnot yours\n")
    os.symlink(outside, vault.root / K / "linked")
    await repo.put_entity(VaultNote("n1", "linked/planted.md", "planted"))
    report = await sync.reconcile()
    assert sorted(p.path for p in report.problems) == [f"{K}/linked", "note n1"]
    assert sorted(p.name for p in outside.iterdir()) == ["secret.md"]
    assert (outside / "secret.md").read_text() == "---\nid: secret\n---\nnot yours\n"
    assert (EntityKind.NOTE, "secret") not in repo.entities


async def test_a_symlinked_note_is_neither_read_nor_replaced(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere.md"
    target.write_text("---\nid: n1\n---\nelsewhere\n")
    os.symlink(target, vault.root / K / "Linked.md")
    await repo.put_entity(VaultNote("n1", "Linked.md", "from the repository"))
    report = await sync.reconcile()
    assert f"{K}/Linked.md" in [p.path for p in report.problems]
    assert target.read_text() == "---\nid: n1\n---\nelsewhere\n"
    assert (vault.root / K / "Linked.md").is_symlink()
    assert (vault.root / K / "Linked 1.md").read_text().endswith("from the repository\n")


async def test_what_is_not_ours_is_left_untouched(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    untouched = {
        ".obsidian/app.json": '{"useTab": false}',
        ".obsidian/plugins/obsidian-kanban/data.json": "{}",
        ".trash/Workbench/Knowledge/Deleted.md": "---\nid: gone\n---\nold\n",
        "Workbench/Knowledge/diagram.png": "\x89PNG",
        "Workbench/Knowledge/notes.txt": "plain text",
        "Workbench/Knowledge/.hidden/secret.md": "---\nid: hidden\n---\n",
        "Workbench/Prompts/nested/deep.md": "---\nid: deep\n---\n",
        "Daily/2024-05-01.md": "---\nid: daily\n---\nnot managed\n",
    }
    for path, text in untouched.items():
        write(path, text)
    before = _everything(vault.root)
    await repo.put_entity(VaultNote("n1", "New.md", "from the repository"))
    report = await sync.reconcile()
    assert report.exported == [(EntityKind.NOTE, "n1")]
    after = _everything(vault.root)
    assert {path: after[path] for path in before} == before
    assert set(after) - set(before) == {f"{K}/New.md"}
    assert [k for k in repo.entities] == [(EntityKind.NOTE, "n1")]


@pytest.mark.parametrize(
    ("path", "data", "reason"),
    [
        (f"{K}/Alpha.md", b"---\nid: note-1\ntags: [unclosed\n---\nbody\n", "frontmatter"),
        (f"{K}/Alpha.md", b"---\nid: note-1\n---\ncaf\xe9 latin-1\n", "utf-8"),
        (f"{B}/Plan.md", PLUGIN_BOARD.replace("## In progress", "Stray text").encode(), "board"),
    ],
)
async def test_an_unreadable_file_is_reported_and_never_rewritten(
    sync: VaultSync,
    repo: InMemoryRepository,
    vault: VaultLayout,
    write: Write,
    path: str,
    data: bytes,
    reason: str,
) -> None:
    write(f"{K}/Alpha.md", NOTE)
    write(f"{B}/Plan.md", PLUGIN_BOARD)
    await sync.reconcile()
    entities = dict(repo.entities)
    (vault.root / path).write_bytes(data)
    for entity in entities.values():  # the repository changes too
        if isinstance(entity, VaultNote):
            await repo.put_entity(VaultNote(entity.id, entity.path, "changed in the repository"))
    before = (vault.root / path).read_bytes()
    report = await sync.reconcile()
    assert (vault.root / path).read_bytes() == before
    assert [p.path for p in report.problems] == [path]
    assert reason in report.problems[0].reason.lower()
    assert len(repo.entities) == 2  # not taken for a deletion
    assert not list((vault.root / K).glob("*conflict*"))
    again = await sync.reconcile()
    assert [p.path for p in again.problems] == [path]
    assert (vault.root / path).read_bytes() == before


async def test_a_new_unreadable_file_is_reported_and_not_imported(
    sync: VaultSync, repo: InMemoryRepository, vault: VaultLayout, write: Write
) -> None:
    write(f"{B}/Not a board.md", "# Just a note in the boards folder\n")
    write(f"{K}/Broken.md", "---\n: : :\n---\n")
    report = await sync.reconcile()
    assert sorted(p.path for p in report.problems) == [f"{B}/Not a board.md", f"{K}/Broken.md"]
    assert repo.entities == {}
    assert read(vault, f"{B}/Not a board.md") == "# Just a note in the boards folder\n"
