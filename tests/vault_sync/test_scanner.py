"""The scanner hashes every managed file and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from vault_sync.encoding import content_hash
from vault_sync.model import EntityKind
from vault_sync.paths import VaultLayout
from vault_sync.scanner import VaultScanner


def test_only_managed_markdown_is_scanned(vault: VaultLayout) -> None:
    files = {
        "Workbench/Knowledge/a.md": "---\nid: n1\n---\nA",
        "Workbench/Knowledge/deep/b.md": "B",
        "Workbench/Prompts/p.md": "---\nid: p1\n---\n",
        "Workbench/Boards/b.md": "---\nkanban-plugin: board\n---\n",
        "Workbench/Knowledge/image.png": "png",
        "Workbench/Knowledge/a (conflict 2024-05-01 1405).md": "copy",
        "Workbench/Knowledge/.a.md.tmp": "temp",
        ".obsidian/app.md": "settings",
        ".trash/Workbench/Knowledge/old.md": "gone",
        "Outside.md": "not managed",
    }
    for path, text in files.items():
        (vault.root / path).parent.mkdir(parents=True, exist_ok=True)
        (vault.root / path).write_text(text)
    found, problems = VaultScanner(vault).scan()
    assert problems == []
    assert sorted(found) == [
        "Workbench/Boards/b.md",
        "Workbench/Knowledge/a.md",
        "Workbench/Knowledge/deep/b.md",
        "Workbench/Prompts/p.md",
    ]
    a = found["Workbench/Knowledge/a.md"]
    assert (a.kind, a.entity_id, a.hash) == (
        EntityKind.NOTE,
        "n1",
        content_hash(b"---\nid: n1\n---\nA"),
    )
    assert found["Workbench/Knowledge/deep/b.md"].entity_id is None


def test_a_changed_file_is_hashed_again(vault: VaultLayout) -> None:
    path = vault.root / "Workbench/Knowledge/a.md"
    path.write_text("one")
    scanner = VaultScanner(vault)
    first = scanner.scan()[0]["Workbench/Knowledge/a.md"].hash
    path.write_text("two, longer")
    assert scanner.scan()[0]["Workbench/Knowledge/a.md"].hash == content_hash(b"two, longer")
    assert first != content_hash(b"two, longer")
    path.unlink()
    assert scanner.scan()[0] == {}


def test_unreadable_files_are_found_with_the_reason(vault: VaultLayout) -> None:
    (vault.root / "Workbench/Knowledge/latin.md").write_bytes(b"caf\xe9")
    (vault.root / "Workbench/Knowledge/yaml.md").write_text("---\na: [1\n---\n")
    found, _ = VaultScanner(vault).scan()
    assert "utf-8" in (found["Workbench/Knowledge/latin.md"].problem or "")
    assert "frontmatter" in (found["Workbench/Knowledge/yaml.md"].problem or "")


def test_symlinks_are_reported_not_followed(vault: VaultLayout, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\nid: s\n---\n")
    os.symlink(outside, vault.root / "Workbench/Knowledge/linked-folder")
    os.symlink(outside / "secret.md", vault.root / "Workbench/Knowledge/linked.md")
    found, problems = VaultScanner(vault).scan()
    assert found == {}
    assert sorted(p.path for p in problems) == [
        "Workbench/Knowledge/linked-folder",
        "Workbench/Knowledge/linked.md",
    ]


def test_a_managed_folder_linked_out_of_the_vault_is_not_scanned(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "Knowledge").mkdir(parents=True)
    (outside / "Knowledge" / "x.md").write_text("x")
    root = tmp_path / "vault"
    root.mkdir()
    os.symlink(outside, root / "Workbench")
    found, problems = VaultScanner(VaultLayout(root)).scan()
    assert found == {}
    assert [p.reason for p in problems] == ["the managed folder leaves the vault"]
