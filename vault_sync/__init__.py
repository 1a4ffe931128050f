"""Obsidian vault sync in merge mode: a vault's managed folder and a repository of
prompts, notes and boards kept in step, both ways, without losing an edit.

The workbench adapts its store to :class:`SyncRepository`, then runs one
:class:`VaultSync` fed by one :class:`VaultWatcher`. This package imports nothing
from the workbench.
"""

from __future__ import annotations

from vault_sync.errors import (
    BoardFormatError,
    FileChanged,
    FrontmatterError,
    NotConflicted,
    RepositoryRefused,
    UnreadableFile,
    UnsafePath,
    VaultSyncError,
)
from vault_sync.kanban import BoardFile, parse_board, serialize_board
from vault_sync.links import LinkGraph
from vault_sync.merge import MergeResult, merge_texts
from vault_sync.model import (
    Board,
    Card,
    Entity,
    EntityKind,
    Lane,
    PromptArgument,
    VaultNote,
    VaultPrompt,
    new_entity_id,
)
from vault_sync.paths import DEFAULT_MANAGED_FOLDER, VaultLayout
from vault_sync.report import Problem, SyncReport
from vault_sync.repository import ConflictCopy, InMemoryRepository, SyncBase, SyncRepository
from vault_sync.sync import Side, VaultSync
from vault_sync.watcher import VaultEvent, VaultWatcher

__all__ = [
    "DEFAULT_MANAGED_FOLDER",
    "Board",
    "BoardFile",
    "BoardFormatError",
    "Card",
    "ConflictCopy",
    "Entity",
    "EntityKind",
    "FileChanged",
    "FrontmatterError",
    "InMemoryRepository",
    "Lane",
    "LinkGraph",
    "MergeResult",
    "NotConflicted",
    "Problem",
    "PromptArgument",
    "RepositoryRefused",
    "Side",
    "SyncBase",
    "SyncReport",
    "SyncRepository",
    "UnreadableFile",
    "UnsafePath",
    "VaultEvent",
    "VaultLayout",
    "VaultNote",
    "VaultPrompt",
    "VaultSync",
    "VaultSyncError",
    "VaultWatcher",
    "merge_texts",
    "new_entity_id",
    "parse_board",
    "serialize_board",
]
