"""Vault sync running inside the server: a reconcile at start, then the vault's watcher
and the store's event log, both feeding one :class:`vault_sync.VaultSync`.

Edits saved in Obsidian reach the store through ``service/`` (so MCP clients and the UIs
hear of them); changes made in the store by anyone but vault sync itself are written to
the vault. A restart catches up on both sides by hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from mcp_workbench.errors import VaultSyncError
from mcp_workbench.service import Workbench
from mcp_workbench.store import Event
from mcp_workbench.vault.repository import VAULT_ACTOR, StoreRepository, new_id
from vault_sync import (
    EntityKind,
    Problem,
    SyncReport,
    VaultLayout,
    VaultSync,
    VaultWatcher,
)

__all__ = ["VaultRunner", "VaultStatus", "check_same_vault", "event_key"]

log = logging.getLogger(__name__)

_KINDS = {"note": EntityKind.NOTE, "prompt": EntityKind.PROMPT, "board": EntityKind.BOARD}
_MAX_PROBLEMS = 100


def event_key(event: Event) -> tuple[EntityKind, str] | None:
    """The kind and store key an event changed, as vault sync sees it (a card is its
    board's); None for what the vault does not hold (feedback)."""
    if event.entity == "card":
        board = event.payload.get("card", {}).get("board_id")
        return (EntityKind.BOARD, board) if isinstance(board, str) else None
    kind = _KINDS.get(event.entity)
    return None if kind is None else (kind, event.entity_id)


@dataclass
class VaultStatus:
    """What vault sync has done since the server started."""

    vault: str
    folder: str
    running: bool = False
    reconciled_at: float | None = None
    last_sync_at: float | None = None
    imported: int = 0
    exported: int = 0
    conflicts: int = 0
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The status as a JSON object."""
        return {
            "vault": self.vault,
            "folder": self.folder,
            "running": self.running,
            "reconciledAt": self.reconciled_at,
            "lastSyncAt": self.last_sync_at,
            "imported": self.imported,
            "exported": self.exported,
            "conflicts": self.conflicts,
            "problems": [{"path": p.path, "reason": p.reason} for p in self.problems],
        }


async def check_same_vault(repo: StoreRepository, sync: VaultSync) -> None:
    """Refuse a vault that holds none of the files the store was synced with.

    The store keeps one set of bases, not one per vault: synced with another vault (a
    ``--vault`` typo, an empty folder to export to), every missing file would read as
    deleted in the vault and be deleted from the store.

    Raises:
        VaultSyncError: the store has bases and not one of their files is in the vault.
    """
    bases = await repo.list_bases()
    if not bases:
        return
    await sync.files.scan()
    if sync.files.holds_any(bases):
        return
    where = sync.layout.managed_dir
    raise VaultSyncError(
        f"{where} holds none of the {len(bases)} files the store was synced with: it looks "
        f"like another vault, and syncing would delete them from the store; nothing synced"
    )


class VaultRunner:
    """Keeps one vault's managed folder and one workbench in step while it runs."""

    def __init__(
        self,
        workbench: Workbench,
        vault: Path,
        *,
        folder: str = "Workbench",
        debounce: float = 0.1,
    ) -> None:
        self.workbench = workbench
        self.layout = VaultLayout(vault, folder)
        self.repository = StoreRepository(workbench)
        self.sync = VaultSync(self.layout, self.repository, new_id=new_id)
        self.debounce = debounce
        self.status = VaultStatus(str(vault), folder)
        self.ready = asyncio.Event()
        """Set once the first reconcile is done (the vault and the store agree)."""
        self._tasks: list[asyncio.Task[None]] = []
        self._watcher: VaultWatcher | None = None

    async def start(self) -> None:
        """Start watching the vault and the store; the reconcile runs in the background."""
        after = await self.workbench.last_seq()
        self._watcher = VaultWatcher(self.layout, debounce=self.debounce)
        await self._watcher.start()
        self.status.running = True
        self._tasks = [
            asyncio.create_task(self._run(after), name="vault-sync"),
        ]

    async def stop(self) -> None:
        """Stop watching; a sync in progress finishes its current file first."""
        self.status.running = False
        if self._watcher is not None:
            await self._watcher.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def _record(self, report: SyncReport) -> None:
        status = self.status
        status.last_sync_at = time.time()
        status.imported += len(report.imported) + len(report.to_repository)
        status.exported += len(report.exported) + len(report.to_vault)
        status.conflicts += len(report.conflicts)
        for problem in report.problems:
            log.warning("vault file left as it is: %s: %s", problem.path, problem.reason)
        status.problems = [*status.problems, *report.problems][-_MAX_PROBLEMS:]

    async def _recheck(self) -> None:
        keys = sorted(self.repository.recheck)  # what this round adds waits for the next
        self.repository.recheck.clear()
        for kind, entity_id in keys:
            self._record(await self.sync.handle_repository_change(kind, entity_id))

    async def _run(self, after: int) -> None:
        try:
            await check_same_vault(self.repository, self.sync)
        except VaultSyncError as exc:
            log.error("vault sync is off: %s", exc)
            self.status.running = False
            self.status.problems.append(Problem(str(self.layout.root), str(exc)))
            return
        report = await self.sync.reconcile()
        self._record(report)
        self.status.reconciled_at = time.time()
        log.info("vault %s reconciled: %s", self.layout.root, report)
        await self._recheck()
        self.ready.set()
        assert self._watcher is not None
        follower = asyncio.create_task(self._follow(after), name="vault-sync-store")
        try:
            async for batch in self._watcher.batches():
                try:
                    self._record(await self.sync.handle_events(batch))
                    await self._recheck()
                except Exception:
                    log.exception("vault sync of %d file events failed", len(batch))
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower

    async def _follow(self, after: int) -> None:
        """Export store changes made by anyone but vault sync itself."""
        async for event in self.workbench.events(after):
            if event.actor == VAULT_ACTOR:
                continue
            found = event_key(event)
            if found is None:
                continue
            kind, key = found
            entity_id = await self.repository.entity_id_of(kind, key)
            try:
                self._record(await self.sync.handle_repository_change(kind, entity_id))
                await self._recheck()
            except Exception:
                log.exception("vault sync of %s %s failed", kind, entity_id)
