"""The catalog sync protocol: a client keeps a mirror of the tools, prompts, resources and
templates it may see, from a snapshot and then deltas, instead of listing everything again.

Vendor methods (advertised under ``experimental["io.mcp-workbench/catalog"]``):

* ``workbench/catalog/snapshot`` → ``{epoch, seq, checksum, items}``: every item the caller may
  list, by kind (``tools``, ``prompts``, ``resources``, ``resourceTemplates``), each as its
  ``*/list`` descriptor. The session then gets ``notifications/workbench/catalog/changed``
  ``{seq}`` after each change.
* ``workbench/catalog/delta {since, epoch?}`` → ``{epoch, seq, checksum, changes}``: what
  changed after ``since``, one entry per item (its newest state: ``{kind, key, item}``, or
  ``{kind, key, removed: true}``; an item the caller may no longer see counts as removed).
  When the log no longer reaches back to ``since`` (or the access policy changed since, or
  ``epoch`` is not this log's: the server restarted), it answers the error ``-32002`` with
  ``data.snapshotRequired`` true.
* ``workbench/catalog/ack {seq}`` → ``{}``: the caller's mirror is at ``seq``.

``checksum`` (see :func:`catalog_checksum`) is a SHA-256 over each item's digest: a
mirror that applied every delta computes the same. ``epoch`` names the log the seqs count
in: a new one each time the server starts.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from mcp_workbench.errors import InvalidParams, ProtocolError
from mcp_workbench.registry.registry import ItemKind, Registry

if TYPE_CHECKING:
    from mcp_workbench.engine.call import Call
    from mcp_workbench.engine.engine import Engine
    from mcp_workbench.engine.session import Session

__all__ = [
    "CATALOG_CHANGED",
    "CATALOG_EXTENSION",
    "POLICY_KINDS",
    "SNAPSHOT_REQUIRED",
    "CatalogLog",
    "catalog_checksum",
    "combine_lines",
    "install_catalog",
    "item_digest",
]

CATALOG_EXTENSION = "io.mcp-workbench/catalog"
CATALOG_CHANGED = "notifications/workbench/catalog/changed"
SNAPSHOT_REQUIRED = -32002
"""The error a delta answers when only a snapshot can bring the caller up to date."""

_LISTS: dict[ItemKind, str] = {
    "tool": "tools",
    "prompt": "prompts",
    "resource": "resources",
    "template": "resourceTemplates",
}
POLICY_KINDS: dict[ItemKind, str] = {
    "tool": "tool",
    "prompt": "prompt",
    "resource": "resource",
    "template": "resource",
}


@dataclass(frozen=True, slots=True)
class CatalogChange:
    """One item added, replaced or removed, at ``seq``."""

    seq: int
    kind: ItemKind
    key: str
    removed: bool


class CatalogLog:
    """The registry's item changes, numbered; the newest ``limit`` are kept for deltas."""

    def __init__(self, registry: Registry, *, limit: int = 10_000) -> None:
        self.registry = registry
        self.epoch = uuid.uuid4().hex
        self.seq = 0
        self.floor = 0
        """Deltas must start at or after this seq (a policy change resets what callers see)."""
        self._changes: deque[CatalogChange] = deque(maxlen=limit)
        self.on_change: Callable[[int], None] | None = None
        registry.on_item_change(self._record)

    def _record(self, kind: ItemKind, key: str, removed: bool) -> None:
        self.seq += 1
        self._changes.append(CatalogChange(self.seq, kind, key, removed))
        if self.on_change is not None:
            self.on_change(self.seq)

    def invalidate(self) -> None:
        """What callers may see changed wholesale (a policy reload): deltas from before
        now answer "snapshot required"."""
        self.seq += 1
        self.floor = self.seq
        if self.on_change is not None:
            self.on_change(self.seq)

    def since(self, seq: int) -> list[CatalogChange] | None:
        """The newest change of each item changed after ``seq``; None when the log does not
        reach back that far."""
        oldest = self._changes[0].seq if self._changes else self.seq + 1
        if seq < self.floor or (seq < self.seq and seq + 1 < oldest):
            return None
        newest: dict[tuple[ItemKind, str], CatalogChange] = {}
        for change in reversed(self._changes):
            if change.seq <= seq:
                break
            newest.setdefault((change.kind, change.key), change)
        return sorted(newest.values(), key=lambda c: c.seq)

    def item(self, kind: ItemKind, key: str) -> Any:
        """The registered item ``key`` of ``kind`` now, None when there is none."""
        registry = self.registry
        found: Any
        if kind == "tool":
            found = registry.tools.get(key)
        elif kind == "prompt":
            found = registry.prompts.get(key)
        elif kind == "resource":
            found = registry.resources.get(key)
        else:
            found = registry.templates.get(key)
        return found

    def items(self, kind: ItemKind) -> Sequence[tuple[str, Any]]:
        """Every registered item of ``kind``, by key."""
        registry = self.registry
        source: Any = {
            "tool": registry.tools,
            "prompt": registry.prompts,
            "resource": registry.resources,
            "template": registry.templates,
        }[kind]
        return sorted(source.items(), key=lambda pair: str(pair[0]))


def _key_of(item: dict[str, Any]) -> str:
    return str(item.get("uriTemplate") or item.get("uri") or item.get("name"))


def item_digest(item: dict[str, Any]) -> str:
    """SHA-256 of one descriptor as canonical JSON (keys sorted)."""
    return hashlib.sha256(orjson.dumps(item, option=orjson.OPT_SORT_KEYS)).hexdigest()


def combine_lines(lines: list[str]) -> str:
    """The checksum of a catalog from its lines ``list NUL key NUL item digest`` (sorted
    here, in place)."""
    lines.sort()
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def catalog_checksum(items: dict[str, list[dict[str, Any]]]) -> str:
    """The checksum of a catalog given as ``{list name: [descriptor...]}``: SHA-256 of the
    sorted lines ``list name NUL key NUL item digest`` joined by newlines, where the key is
    the item's ``uriTemplate``, ``uri`` or ``name`` and the digest :func:`item_digest`."""
    return combine_lines(
        [
            f"{kind}\0{_key_of(item)}\0{item_digest(item)}"
            for kind, entries in items.items()
            for item in entries
        ]
    )


def _seq_param(call: Call, name: str) -> int:
    value = call.params.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidParams(f"params.{name} is required and must be a non-negative integer")
    return value


def install_catalog(engine: Engine) -> CatalogLog:
    """Register the ``workbench/catalog/*`` methods on ``engine``; returns the log."""
    log = CatalogLog(engine.registry, limit=engine.settings.catalog_log_size)
    access = engine.access

    def visible(session: Session, kind: ItemKind, pairs: Sequence[tuple[str, Any]]) -> set[str]:
        keys = [key for key, _ in pairs]
        return set(access.visible(session, POLICY_KINDS[kind], keys, str))

    # Checksums of what one kind of caller sees at the current seq, from each item's
    # digest, kept until the item changes.
    sums: dict[object, str] = {}
    sums_at = [-1]
    digests: dict[tuple[ItemKind, str, bool], str] = {}

    def forget(kind: ItemKind, key: str, removed: bool) -> None:
        digests.pop((kind, key, True), None)
        digests.pop((kind, key, False), None)

    engine.registry.on_item_change(forget)

    def view(
        session: Session, structured: bool, *, with_items: bool
    ) -> tuple[dict[str, list[dict[str, Any]]], str]:
        """What ``session`` may list (its descriptors by list, when ``with_items``) and
        the checksum of it, in one walk of the catalog."""
        if sums_at[0] != log.seq:
            sums.clear()
            sums_at[0] = log.seq
        who = (structured,) if not access.active else (structured, session.principal, session.roles)
        found = sums.get(who)
        items: dict[str, list[dict[str, Any]]] = {}
        if found is not None and not with_items:
            return items, found
        lines: list[str] = []
        for kind, label in _LISTS.items():
            pairs = log.items(kind)
            shown = visible(session, kind, pairs)
            listed = items.setdefault(label, []) if with_items else None
            for key, item in pairs:
                if key not in shown:
                    continue
                descriptor: dict[str, Any] | None = None
                if listed is not None:
                    descriptor = item.descriptor(structured)
                    listed.append(descriptor)
                if found is None:
                    digest = digests.get((kind, key, structured))
                    if digest is None:
                        digest = digests[kind, key, structured] = item_digest(
                            descriptor or item.descriptor(structured)
                        )
                    lines.append(f"{label}\0{key}\0{digest}")
        if found is None:
            found = sums[who] = combine_lines(lines)
        return items, found

    def push(seq: int) -> None:
        params = {"seq": seq}
        engine.notifier.notify(lambda s: s.catalog_seq is not None, CATALOG_CHANGED, params)

    log.on_change = push

    @engine.method("workbench/catalog/snapshot")
    async def snapshot(call: Call) -> dict[str, Any]:
        items, checksum = view(call.session, call.revision.structured_output, with_items=True)
        call.session.catalog_seq = log.seq
        return {"epoch": log.epoch, "seq": log.seq, "checksum": checksum, "items": items}

    @engine.method("workbench/catalog/delta")
    async def delta(call: Call) -> dict[str, Any]:
        since = _seq_param(call, "since")
        epoch = call.params.get("epoch", log.epoch)
        if not isinstance(epoch, str):
            raise InvalidParams("params.epoch must be a string")
        seq = log.seq
        if epoch != log.epoch:
            raise ProtocolError(
                "the catalog log restarted since that seq: take a snapshot",
                data={"snapshotRequired": True, "seq": seq, "epoch": log.epoch},
                code=SNAPSHOT_REQUIRED,
            )
        if since > log.seq:
            raise InvalidParams(f"params.since is ahead of the catalog (at {log.seq})")
        changes = log.since(since)
        if changes is None:
            raise ProtocolError(
                f"the catalog log no longer reaches back to {since}: take a snapshot",
                data={"snapshotRequired": True, "seq": seq, "epoch": log.epoch},
                code=SNAPSHOT_REQUIRED,
            )
        structured = call.revision.structured_output
        entries: list[dict[str, Any]] = []
        for change in changes:
            item = None if change.removed else log.item(change.kind, change.key)
            entry: dict[str, Any] = {"kind": _LISTS[change.kind], "key": change.key}
            if item is not None and change.key in visible(
                call.session, change.kind, [(change.key, item)]
            ):
                entry["item"] = item.descriptor(structured)
            else:
                entry["removed"] = True
            entries.append(entry)
        if call.session.catalog_seq is None:
            call.session.catalog_seq = since
        _, checksum = view(call.session, structured, with_items=False)
        return {"epoch": log.epoch, "seq": seq, "checksum": checksum, "changes": entries}

    @engine.method("workbench/catalog/ack")
    async def ack(call: Call) -> dict[str, Any]:
        seq = _seq_param(call, "seq")
        if seq > log.seq:
            raise InvalidParams(f"params.seq is ahead of the catalog (at {log.seq})")
        call.session.catalog_seq = seq
        return {}

    return log
