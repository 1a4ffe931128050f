"""The catalog journal: the items a server registered from code (tools, prompts, resources
and templates that are not store records) recorded in the event log, so the whole catalog
is rebuilt from events (``db rebuild --verify`` checks its projection, ``catalog_items``).

Store records (notes and boards as resources, prompts from the store) are not journaled:
their own events already make them. Each server node journals its own items: at start the
registry is compared with what the log says that node had, and every change after is
recorded (changes within ``debounce`` seconds together, in one transaction).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from mcp_workbench.engine.catalog import item_digest
from mcp_workbench.registry.registry import ItemKind, Registry
from mcp_workbench.service import Workbench
from mcp_workbench.store import EventDraft
from mcp_workbench.store.tables import CatalogItemRow

__all__ = ["JOURNAL_ACTOR", "CatalogJournal"]

log = logging.getLogger("mcp_workbench.catalog")

JOURNAL_ACTOR = "catalog"
"""Who the event log says made catalog changes."""

_Item = tuple[str, str]  # (kind, key)


class CatalogJournal:
    """Keeps one node's journal of code-registered items in step with its registry."""

    def __init__(
        self,
        workbench: Workbench,
        registry: Registry,
        *,
        node: str,
        is_record: Callable[[ItemKind, str], bool],
        debounce: float = 0.2,
    ) -> None:
        self.workbench = workbench
        self.registry = registry
        self.node = node
        self._is_record = is_record
        self.debounce = debounce
        self._recorded: dict[_Item, str] = {}
        self._dirty: set[_Item] = set()
        self._flushing: asyncio.Task[None] | None = None
        self._unlisten: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self, kind: ItemKind, key: str) -> dict[str, Any] | None:
        """The item's descriptor now; None when it is gone or is a store record."""
        if self._is_record(kind, key):
            return None
        source: Any = {
            "tool": self.registry.tools,
            "prompt": self.registry.prompts,
            "resource": self.registry.resources,
            "template": self.registry.templates,
        }[kind]
        item = source.get(key)
        descriptor: dict[str, Any] | None = None if item is None else item.descriptor(True)
        return descriptor

    async def start(self) -> int:
        """Record how the registry differs from the node's journal; then follow it. Returns
        how many changes were recorded."""

        def read(session: Session) -> dict[_Item, str]:
            rows = session.exec(select(CatalogItemRow).where(col(CatalogItemRow.node) == self.node))
            return {(row.kind, row.key): row.digest for row in rows}

        self._loop = asyncio.get_running_loop()
        self._recorded = await self.workbench.db.read(read)
        everything: set[_Item] = set(self._recorded)
        for kind, source in (
            ("tool", self.registry.tools),
            ("prompt", self.registry.prompts),
            ("resource", self.registry.resources),
            ("template", self.registry.templates),
        ):
            everything.update((kind, str(key)) for key in source)
        self._unlisten = self.registry.on_item_change(self._changed)
        return await self._record(everything)

    def _changed(self, kind: ItemKind, key: str, removed: bool) -> None:
        # Tools change the registry from worker threads too: hand the change to the loop.
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._mark(kind, key)
        else:
            loop.call_soon_threadsafe(self._mark, kind, key)

    def _mark(self, kind: ItemKind, key: str) -> None:
        self._dirty.add((kind, key))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.debounce)
        await self.flush()

    async def flush(self) -> int:
        """Record the changes not recorded yet; how many there were."""
        dirty, self._dirty = self._dirty, set()
        try:
            return await self._record(dirty)
        except Exception:
            log.exception("the catalog journal could not record %d changes", len(dirty))
            self._dirty |= dirty  # tried again with the next change or at close
            return 0

    async def _record(self, items: set[_Item]) -> int:
        drafts: list[EventDraft] = []
        after: dict[_Item, str | None] = {}
        for kind, key in sorted(items):
            descriptor = self._current(kind, key)  # type: ignore[arg-type]
            digest = None if descriptor is None else item_digest(descriptor)
            if digest == self._recorded.get((kind, key)):
                continue
            entity_id = f"{self.node}/{kind}/{key}"
            ids = {"node": self.node, "kind": kind, "key": key}
            if descriptor is None:
                drafts.append(EventDraft("catalog.removed", "catalog", entity_id, 1, {"item": ids}))
            else:
                row = {**ids, "digest": digest, "descriptor": descriptor}
                drafts.append(EventDraft("catalog.item", "catalog", entity_id, 1, {"item": row}))
            after[kind, key] = digest
        if drafts:
            await self.workbench.core.commit(lambda _s, _now: drafts, JOURNAL_ACTOR, audited=False)
        for item, digest in after.items():
            if digest is None:
                self._recorded.pop(item, None)
            else:
                self._recorded[item] = digest
        return len(drafts)

    async def aclose(self) -> None:
        """Stop following the registry, recording what is still pending."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._flushing is not None:
            self._flushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flushing
        if self._dirty:
            await self.flush()
