"""The managed-folder mapping, name sanitising, and refusing paths that leave the vault."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from vault_sync.errors import UnsafePath
from vault_sync.model import Board, EntityKind, VaultNote, VaultPrompt
from vault_sync.paths import VaultLayout, check_relative, is_conflict_copy, sanitize_name


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("Workbench/Prompts/review.md", EntityKind.PROMPT),
        ("Workbench/Knowledge/a.md", EntityKind.NOTE),
        ("Workbench/Knowledge/deep/er/a.md", EntityKind.NOTE),
        ("Workbench/Boards/Sprint.md", EntityKind.BOARD),
        ("Workbench/Prompts/sub/review.md", None),
        ("Workbench/Boards/sub/b.md", None),
        ("Workbench/Knowledge/a.txt", None),
        ("Workbench/Knowledge/image.png", None),
        ("Workbench/Knowledge/.hidden.md", None),
        ("Workbench/Knowledge/.git/x.md", None),
        ("Workbench/Knowledge/a (conflict 2024-05-01 1405).md", None),
        ("Workbench/Other/a.md", None),
        ("Workbench/a.md", None),
        ("Elsewhere/Knowledge/a.md", None),
        (".obsidian/workspace.md", None),
        (".trash/Workbench/Knowledge/a.md", None),
    ],
)
def test_which_files_are_synced_as_what(path: str, kind: EntityKind | None) -> None:
    assert VaultLayout(Path("/v")).kind_of(path) is kind


def test_the_managed_folder_is_configurable() -> None:
    layout = VaultLayout(Path("/v"), "Sync/WB")
    assert layout.kind_of("Sync/WB/Knowledge/a.md") is EntityKind.NOTE
    assert layout.kind_of("Workbench/Knowledge/a.md") is None
    assert layout.folder(EntityKind.BOARD) == "Sync/WB/Boards"
    root = VaultLayout(Path("/v"), "")
    assert root.kind_of("Knowledge/a.md") is EntityKind.NOTE
    assert root.kind_of(".trash/Knowledge/a.md") is None


@pytest.mark.parametrize("managed", ["/abs", "../up", "a/../b", ".hidden", "a\\b"])
def test_a_managed_folder_outside_the_vault_is_refused(managed: str) -> None:
    with pytest.raises(UnsafePath):
        VaultLayout(Path("/v"), managed)


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("code review", "code review"),
        ("a/b\\c:d*e?f", "a-b-c-d-e-f"),
        ('q"<x>|y', "q-x-y"),
        ("#tag ^block [[link]]", "-tag -block -link-"),
        ("  spaced   out  ", "spaced out"),
        ("...", "Untitled"),
        (".hidden", "hidden"),
        ("", "Untitled"),
        ("CON", "CON-"),
        ("nul.txt", "nul.txt-"),
        ("tab\there", "tab-here"),
        ("x" * 300, "x" * 120),
    ],
)
def test_names_are_sanitised(name: str, clean: str) -> None:
    assert sanitize_name(name) == clean


@pytest.mark.parametrize(
    "path", ["", "/etc/passwd", "../x.md", "a/../../x.md", "a//b.md", "./a.md", "C:/x.md", "a\x00"]
)
def test_paths_that_are_not_clean_and_relative_are_refused(path: str) -> None:
    with pytest.raises(UnsafePath):
        check_relative(path)


def test_entity_paths(tmp_path: Path) -> None:
    layout = VaultLayout(tmp_path)
    assert layout.path_for(VaultPrompt("p", "code/review?")) == "Workbench/Prompts/code-review-.md"
    assert layout.path_for(Board("b", "Sprint: 3")) == "Workbench/Boards/Sprint- 3.md"
    note = VaultNote("n", "Projects/a:b/Alpha.md")
    assert layout.path_for(note) == "Workbench/Knowledge/Projects/a-b/Alpha.md"
    assert layout.path_for(VaultNote("n", "no-suffix")) == "Workbench/Knowledge/no-suffix.md"
    assert layout.entity_path(EntityKind.NOTE, "Workbench/Knowledge/x/y.md") == "x/y.md"
    assert layout.entity_path(EntityKind.BOARD, "Workbench/Boards/B.md") == "B.md"


@pytest.mark.parametrize("path", ["../../etc/evil.md", "/etc/evil.md", "a/../../b.md"])
def test_a_note_path_that_climbs_out_is_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(UnsafePath):
        VaultLayout(tmp_path).path_for(VaultNote("n", path))


def test_resolve_refuses_symlinks_out_of_the_vault(tmp_path: Path) -> None:
    root, outside = tmp_path / "vault", tmp_path / "outside"
    (root / "Workbench" / "Knowledge").mkdir(parents=True)
    outside.mkdir()
    layout = VaultLayout(root)
    os.symlink(outside, root / "Workbench" / "Knowledge" / "escape")
    with pytest.raises(UnsafePath, match="outside the vault"):
        layout.resolve("Workbench/Knowledge/escape/x.md")
    (outside / "target.md").write_text("x")
    os.symlink(outside / "target.md", root / "Workbench" / "Knowledge" / "link.md")
    with pytest.raises(UnsafePath, match="symlink"):
        layout.resolve("Workbench/Knowledge/link.md")
    inside = layout.resolve("Workbench/Knowledge/fine.md")
    assert inside == root / "Workbench" / "Knowledge" / "fine.md"


def test_conflict_copies_sit_beside_the_note() -> None:
    layout = VaultLayout(Path("/v"))
    when = datetime(2024, 5, 1, 14, 5)
    copy = layout.conflict_copy("Workbench/Knowledge/Note.md", when)
    assert copy == "Workbench/Knowledge/Note (conflict 2024-05-01 1405).md"
    assert layout.conflict_copy("Workbench/Knowledge/Note.md", when, 2).endswith(" 1405 2).md")
    assert is_conflict_copy(copy)
    assert not is_conflict_copy("Workbench/Knowledge/Note.md")
