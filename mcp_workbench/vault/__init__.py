"""Vault sync inside the workbench: the store as vault_sync's repository, and the runner
that keeps an Obsidian vault and the store in step while the server runs."""

from __future__ import annotations

from mcp_workbench.vault.repository import VAULT_ACTOR, StoreRepository
from mcp_workbench.vault.runner import VaultRunner, VaultStatus

__all__ = ["VAULT_ACTOR", "StoreRepository", "VaultRunner", "VaultStatus"]
