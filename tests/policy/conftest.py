"""Helpers for the policy tests: policy files written into a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

READERS = """\
@id("readers")
permit (principal in Role::"reader", action in [Action::"list", Action::"read"], resource);
"""

ALICE_NOTES = """\
// Alice, and only Alice, may call the notes tools.
permit (principal == User::"alice", action == Action::"call", resource in Namespace::"notes");
"""


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    """An empty directory for policy files."""
    directory = tmp_path / "policies"
    directory.mkdir()
    return directory


def write(directory: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``directory/name``; returns its path."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
