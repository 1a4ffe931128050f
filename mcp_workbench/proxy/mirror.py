"""The proxy's copy of an upstream's catalog (tools, prompts, resources, templates), kept
from a snapshot and then deltas, and saved to a disk cache so a proxy starting while the
upstream is down still has something to list."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import platformdirs

from mcp_workbench.engine.catalog import combine_lines, item_digest
from vault_sync.writer import write_bytes

__all__ = [
    "CACHE_FORMAT",
    "LISTS",
    "Mirror",
    "cache_dir",
    "cache_file",
    "read_cache",
    "write_cache",
]

CACHE_FORMAT = 1
"""Version of the cache files; a file of another version is ignored (and replaced)."""
LISTS = ("tools", "prompts", "resources", "resourceTemplates")
_MAX_CACHE_FILES = 32
_MAX_CACHE_BYTES = 64 * 1024 * 1024


def _key_of(item: dict[str, Any]) -> str:
    return str(item.get("uriTemplate") or item.get("uri") or item.get("name"))


@dataclass
class Mirror:
    """One upstream's catalog as last synced: items by list and key, and where in the
    upstream's catalog log they are (``epoch``, ``seq``, ``checksum``)."""

    upstream: str
    items: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in LISTS}
    )
    epoch: str | None = None
    seq: int | None = None
    checksum: str | None = None
    synced_at: float | None = None
    initialize: dict[str, Any] | None = None
    """The upstream's last ``initialize`` result (its name, capabilities, instructions)."""
    _lines: dict[tuple[str, str], str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Each item's line of the checksum, kept until the item changes: verifying a mirror
    after a delta hashes only what the delta brought, not the whole catalog."""

    def load_snapshot(self, snapshot: dict[str, Any]) -> set[str]:
        """Replace everything with a snapshot; returns the lists that changed."""
        fresh: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in LISTS}
        for name, entries in (snapshot.get("items") or {}).items():
            if name in fresh and isinstance(entries, list):
                fresh[name] = {_key_of(i): i for i in entries if isinstance(i, dict)}
        changed = {name for name in LISTS if fresh[name] != self.items.get(name)}
        self.items = fresh
        self._lines.clear()
        self._at(snapshot)
        return changed

    def apply_delta(self, delta: dict[str, Any]) -> set[str]:
        """Apply a delta's changes in order; returns the lists that changed."""
        changed: set[str] = set()
        for change in delta.get("changes") or []:
            name, key = change.get("kind"), change.get("key")
            if name not in LISTS or not isinstance(key, str):
                continue
            entries = self.items.setdefault(name, {})
            self._lines.pop((name, key), None)
            if change.get("removed"):
                if entries.pop(key, None) is not None:
                    changed.add(name)
            elif isinstance(change.get("item"), dict) and entries.get(key) != change["item"]:
                entries[key] = change["item"]
                changed.add(name)
        self._at(delta)
        return changed

    def _at(self, answer: dict[str, Any]) -> None:
        self.epoch = answer.get("epoch")
        self.seq = answer.get("seq")
        self.checksum = answer.get("checksum")
        self.synced_at = time.time()

    def computed_checksum(self) -> str:
        """The checksum of what the mirror holds (equal to the upstream's when in step):
        :func:`~mcp_workbench.engine.catalog.catalog_checksum` of its items."""
        lines = self._lines
        found: list[str] = []
        for name in LISTS:
            for key, item in self.items.get(name, {}).items():
                line = lines.get((name, key))
                if line is None:
                    line = lines[name, key] = f"{name}\0{_key_of(item)}\0{item_digest(item)}"
                found.append(line)
        return combine_lines(found)

    def listed(self, name: str) -> list[dict[str, Any]]:
        """The items of one list, ordered by key (as the server pages them)."""
        entries = self.items.get(name, {})
        return [entries[key] for key in sorted(entries)]

    # -- the disk cache ----------------------------------------------------------------------
    def dump(self) -> bytes:
        """The mirror as a cache file's content."""
        return orjson.dumps(
            {
                "format": CACHE_FORMAT,
                "upstream": self.upstream,
                "epoch": self.epoch,
                "seq": self.seq,
                "checksum": self.checksum,
                "syncedAt": self.synced_at,
                "initialize": self.initialize,
                "items": {name: self.listed(name) for name in LISTS},
            }
        )

    def save(self, path: Path) -> None:
        """Write the mirror to ``path`` atomically."""
        write_cache(path, self.dump())

    @classmethod
    def load(cls, path: Path, upstream: str) -> Mirror:
        """The mirror cached at ``path`` for ``upstream``; an empty one when there is none,
        or it is of another format or upstream, or unreadable."""
        cached = read_cache(path)
        mirror = cls(upstream)
        if cached is None or cached.get("upstream") != upstream:
            return mirror
        mirror.load_snapshot(cached)
        mirror.synced_at = cached.get("syncedAt")
        initialize = cached.get("initialize")
        mirror.initialize = initialize if isinstance(initialize, dict) else None
        if mirror.computed_checksum() != mirror.checksum:
            mirror.seq = None  # damaged: usable for lists, but the next sync is a snapshot
        return mirror


def write_cache(path: Path, data: bytes) -> None:
    """Write a cache file atomically (nothing when it is over the size cap), keeping the
    newest files of the folder."""
    if len(data) > _MAX_CACHE_BYTES:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, data)  # temp file beside it, fsync, rename: never a torn cache
    _prune(path.parent)


def read_cache(path: Path) -> dict[str, Any] | None:
    """A cache file's content, None when missing, unreadable or of another format."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return None
    return data


def cache_dir() -> Path:
    """Where proxies keep their mirrors (``MCP_WORKBENCH_PROXY_CACHE`` overrides it)."""
    chosen = os.environ.get("MCP_WORKBENCH_PROXY_CACHE")
    return Path(chosen) if chosen else Path(platformdirs.user_cache_dir("mcp-workbench")) / "proxy"


def cache_file(directory: Path, upstream: str, identity: str) -> Path:
    """The cache file of one upstream URL seen as one identity (a token's hash): two
    users of one server never share a mirror."""
    digest = hashlib.sha256(f"{upstream}\0{identity}".encode()).hexdigest()[:24]
    return directory / f"{digest}.json"


def _prune(directory: Path) -> None:
    """Keep the newest :data:`_MAX_CACHE_FILES` cache files."""
    files = []
    for path in directory.glob("*.json"):
        with contextlib.suppress(OSError):
            files.append((path.stat().st_mtime, path))
    files.sort(reverse=True)
    for _, path in files[_MAX_CACHE_FILES:]:
        with contextlib.suppress(OSError):
            path.unlink()
