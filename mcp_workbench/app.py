"""Build a ready server from settings: registry, user modules, entry points, the store."""

from __future__ import annotations

import asyncio
import logging
import platform
from typing import TYPE_CHECKING

from mcp_workbench.audit import AuditLog
from mcp_workbench.config import Settings
from mcp_workbench.engine import Engine
from mcp_workbench.registry import Registry, load_entry_points, load_module
from mcp_workbench.service import Limits, Workbench
from mcp_workbench.tools import BUILTIN_MODULES
from mcp_workbench.tools.journal import CatalogJournal
from mcp_workbench.tools.store import RegistryMirror, attach_store

if TYPE_CHECKING:
    from mcp_workbench.auth import TokenVerifier
    from mcp_workbench.policy import PolicyEngine
    from mcp_workbench.vault import VaultRunner

__all__ = ["WorkbenchServer", "build_engine", "open_workbench"]

log = logging.getLogger(__name__)


def build_engine(settings: Settings) -> Engine:
    """An engine serving the modules named in ``settings`` (and entry points, if enabled).

    Raises:
        ImportError: a named module cannot be imported.
    """
    registry = Registry(
        include=settings.include, exclude=settings.exclude, page_size=settings.page_size
    )
    if settings.builtin_tools:
        for spec in BUILTIN_MODULES:
            load_module(registry, spec)
    for spec in settings.tools:
        load_module(registry, spec)
    if settings.entry_points:
        load_entry_points(registry)
    return Engine(registry, settings)


def open_workbench(settings: Settings) -> Workbench:
    """The store named by ``settings``, opened and migrated.

    Raises:
        StoreError: it cannot be opened or migrated.
    """
    return Workbench.open(
        database_url=settings.database_url,
        data_dir=settings.data_dir,
        limits=Limits(max_body_bytes=settings.max_body_bytes),
        poll_interval=settings.store_poll_interval,
        audit_file=settings.audit_file,
    )


class WorkbenchServer:
    """An engine and, when the store is on, the workbench it serves: started and closed
    together."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = build_engine(settings)
        self.workbench: Workbench | None = None
        self._mirror: RegistryMirror | None = None
        self._journal: CatalogJournal | None = None
        self.vault: VaultRunner | None = None
        """Vault sync, while it runs."""
        self._policy: PolicyEngine | None = None
        if settings.policy_path is not None:
            from mcp_workbench.policy import PolicyEngine  # noqa: PLC0415 - cedarpy on demand

            self._policy = PolicyEngine(settings.policy_path)
            self.engine.access.policy = self._policy
            # A reload can change what each caller sees: tell clients to list again.
            self._policy.on_change(lambda _version: self._lists_changed())
        self._verifier: TokenVerifier | None = None
        if settings.auth:
            from mcp_workbench.auth import AuthConfig, build_verifier  # noqa: PLC0415 - jwt on demand

            self._verifier = build_verifier(AuthConfig.from_settings(settings), settings.data_dir)
            self.engine.authenticator = self._verifier
        if settings.store:
            self.workbench = open_workbench(settings)
            self._mirror = attach_store(self.engine.registry, self.workbench)
            self.audit = self.workbench.audit
        else:
            self.audit = AuditLog(None, settings.audit_file)
        self.engine.audit = self.audit

    def _lists_changed(self) -> None:
        self.engine.catalog.invalidate()  # catalog mirrors start again from a snapshot
        for kind in ("tools", "prompts", "resources"):
            self.engine.notifier.list_changed(kind)

    async def start(self, *, sync_vault: bool = True) -> None:
        """Bind to the running loop, watch the policy, load the store's items, and start
        vault sync (when ``vault_sync`` is unset: only with ``sync_vault`` and a vault)."""
        self.audit.bind(asyncio.get_running_loop())
        if self._policy is not None:
            self._policy.start_watching()
        if self.workbench is not None and self._mirror is not None:
            await self.workbench.start()
            await self._mirror.start()
            self._journal = CatalogJournal(
                self.workbench,
                self.engine.registry,
                node=self.settings.node_name or platform.node() or "server",
                is_record=self._mirror.is_record,
            )
            await self._journal.start()
            await self._start_vault_sync(default=sync_vault)

    async def _start_vault_sync(self, *, default: bool = True) -> None:
        """Sync the vault when asked to, or (unset) when it exists and ``default`` holds."""
        settings = self.settings
        wanted = settings.vault_sync
        vault = settings.vault_path
        if wanted is None:
            wanted = default and vault.is_dir()
            if default and not wanted:
                log.info("no vault at %s: vault sync is off (create it or pass --vault)", vault)
        if not wanted or self.workbench is None:
            return
        from mcp_workbench.vault import VaultRunner  # noqa: PLC0415 - watchdog on demand

        self.vault = VaultRunner(
            self.workbench,
            vault,
            folder=settings.vault_folder,
            debounce=settings.vault_debounce,
        )
        await self.vault.start()
        log.info("syncing the vault %s (folder %r)", vault, settings.vault_folder or "/")

    async def aclose(self) -> None:
        """Release what needs the loop (vault sync, the catalog journal, the JWKS client)."""
        if self.vault is not None:
            await self.vault.stop()
            self.vault = None
        if self._journal is not None:
            await self._journal.aclose()
            self._journal = None
        if self._verifier is not None:
            await self._verifier.aclose()
        if self._policy is not None:
            await self._policy.stop_watching()

    def close(self) -> None:
        """Stop following the store and close it."""
        if self._mirror is not None:
            self._mirror.close()
        if self.workbench is not None:
            self.workbench.close()
        else:
            self.audit.close()
