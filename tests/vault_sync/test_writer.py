"""Atomic compare-and-swap writes: all or nothing, and never over a save we did not see."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from vault_sync.encoding import TextFormat, content_hash
from vault_sync.errors import FileChanged, UnsafePath
from vault_sync.writer import current_hash, move_file, remove_file, write_bytes, write_text


def test_write_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    target.write_bytes(b"old")
    target.chmod(0o600)
    digest = write_bytes(target, b"new", expected=content_hash(b"old"))
    assert target.read_bytes() == b"new"
    assert digest == content_hash(b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.md"]


def test_write_creates_folders_and_new_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "note.md"
    write_bytes(target, b"x", expected=None)
    assert target.read_bytes() == b"x"


def test_a_file_that_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    target.write_bytes(b"the user's save")
    with pytest.raises(FileChanged, match="changed"):
        write_bytes(target, b"ours", expected=content_hash(b"what we read"))
    with pytest.raises(FileChanged):
        write_bytes(target, b"ours", expected=None)
    assert target.read_bytes() == b"the user's save"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.md"]


def test_text_is_written_in_the_files_own_format(tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    write_text(target, "a\nb\n", TextFormat("utf-8", True, "\r\n"))
    assert target.read_bytes() == b"\xef\xbb\xbfa\r\nb\r\n"


def test_writes_do_not_go_through_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_bytes(b"keep")
    link = tmp_path / "link.md"
    os.symlink(outside, link)
    with pytest.raises(UnsafePath):
        write_bytes(link, b"evil")
    with pytest.raises(UnsafePath):
        remove_file(link)
    assert outside.read_bytes() == b"keep"
    assert link.is_symlink()


def test_remove_and_move_check_the_content(tmp_path: Path) -> None:
    note = tmp_path / "a.md"
    note.write_bytes(b"v1")
    with pytest.raises(FileChanged):
        remove_file(note, expected=content_hash(b"v0"))
    assert note.exists()
    other = tmp_path / "b.md"
    other.write_bytes(b"taken")
    with pytest.raises(FileChanged):
        move_file(note, other, expected=content_hash(b"v1"))
    move_file(note, tmp_path / "sub" / "c.md", expected=content_hash(b"v1"))
    assert not note.exists()
    assert current_hash(tmp_path / "sub" / "c.md") == content_hash(b"v1")
    remove_file(other, expected=content_hash(b"taken"))
    assert current_hash(other) is None


def test_staged_files_replace_their_targets_only_if_unchanged(tmp_path: Path) -> None:
    from vault_sync.writer import flush_renames, flush_staged, replace_staged, stage

    kept, moved = tmp_path / "kept.md", tmp_path / "sub" / "new.md"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    first = stage(kept, b"new", content_hash(b"old"))
    second = stage(moved, b"fresh", None)
    flush_staged()
    assert kept.read_bytes() == b"old"  # nothing is replaced before the renames
    assert replace_staged(first) == content_hash(b"new")
    kept.write_bytes(b"edited meanwhile")
    late = stage(kept, b"ours", content_hash(b"new"))
    with pytest.raises(FileChanged):
        replace_staged(late)
    assert replace_staged(second) == content_hash(b"fresh")
    flush_renames({kept.parent, moved.parent})
    assert kept.read_bytes() == b"edited meanwhile"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert moved.read_bytes() == b"fresh"
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


async def test_write_many_writes_each_file_or_says_why_not(tmp_path: Path) -> None:
    from vault_sync.encoding import DEFAULT_FORMAT
    from vault_sync.paths import VaultLayout
    from vault_sync.vault_files import VaultFiles

    root = tmp_path / "vault"
    folder = root / "Workbench" / "Knowledge"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text("a\n")
    (folder / "b.md").write_text("b\n")
    outside = tmp_path / "outside.md"
    outside.write_text("x\n")
    (folder / "link.md").symlink_to(outside)
    files = VaultFiles(VaultLayout(root))
    k = "Workbench/Knowledge"
    results = await files.write_many(
        [
            (f"{k}/a.md", "A\n", DEFAULT_FORMAT, content_hash(b"a\n"), "id-a"),
            (f"{k}/b.md", "B\n", DEFAULT_FORMAT, content_hash(b"not what is there"), "id-b"),
            (f"{k}/link.md", "L\n", DEFAULT_FORMAT, None, "id-l"),
            (f"{k}/../../outside.md", "O\n", DEFAULT_FORMAT, None, "id-o"),
        ]
    )
    assert results[0] == content_hash(b"A\n")
    assert isinstance(results[1], FileChanged)
    assert isinstance(results[2], UnsafePath)
    assert isinstance(results[3], UnsafePath)
    assert (folder / "a.md").read_text() == "A\n"
    assert (folder / "b.md").read_text() == "b\n"
    assert outside.read_text() == "x\n"
    assert files.index[f"{k}/a.md"].entity_id == "id-a"
    assert files.is_echo(f"{k}/a.md", files.index[f"{k}/a.md"])


def test_a_staged_file_still_checks_a_target_whose_stat_moved(tmp_path: Path) -> None:
    """The (mtime, size) shortcut only skips re-reading a target that looks untouched."""
    from vault_sync.writer import flush_staged, replace_staged, stage

    target = tmp_path / "note.md"
    target.write_bytes(b"as read")
    info = target.stat()
    seen = (info.st_mtime_ns, info.st_size)
    late = stage(target, b"ours", content_hash(b"as read"), seen)
    target.write_bytes(b"saved by the user meanwhile")
    flush_staged()
    with pytest.raises(FileChanged):
        replace_staged(late)
    assert target.read_bytes() == b"saved by the user meanwhile"
    same = stage(target, b"ours", content_hash(b"saved by the user meanwhile"))
    assert replace_staged(same) == content_hash(b"ours")
