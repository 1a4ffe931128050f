"""Fixtures for vault_sync: a temporary vault, an in-memory repository, a sync between."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from vault_sync import InMemoryRepository, VaultLayout, VaultSync
from vault_sync.model import EntityKind


class Ids:
    """Predictable entity ids for tests: note-0001, board-0002, ..."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, kind: EntityKind) -> str:
        self.count += 1
        return f"{kind.value}-{self.count:04d}"


def make_sync(layout: VaultLayout, repo: InMemoryRepository, seed: int = 7) -> VaultSync:
    """A sync with a fixed clock, predictable ids and a seeded block-id generator."""
    return VaultSync(
        layout,
        repo,
        clock=lambda: datetime(2024, 5, 1, 14, 5),
        new_id=Ids(),
        rng=random.Random(seed),
    )


@pytest.fixture
def vault(tmp_path: Path) -> VaultLayout:
    root = tmp_path / "vault"
    for folder in ("Prompts", "Knowledge", "Boards"):
        (root / "Workbench" / folder).mkdir(parents=True)
    (root / ".obsidian").mkdir()
    return VaultLayout(root)


@pytest.fixture
def repo() -> InMemoryRepository:
    return InMemoryRepository()


@pytest.fixture
def sync(vault: VaultLayout, repo: InMemoryRepository) -> VaultSync:
    return make_sync(vault, repo)


@pytest.fixture
def write(vault: VaultLayout) -> Callable[[str, str], Path]:
    """Write a vault file (vault-relative path) as a user's editor would."""

    def _write(path: str, text: str) -> Path:
        target = vault.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
        return target

    return _write


def read(vault: VaultLayout, path: str) -> str:
    return (vault.root / path).read_bytes().decode("utf-8")
