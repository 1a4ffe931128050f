"""One upstream server as the proxy sees it: a connection kept up (reconnecting with
exponential backoff and jitter), a handshake, a catalog mirror kept in step by deltas (a
snapshot when they cannot serve), and requests forwarded while it is up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_workbench.engine.catalog import CATALOG_CHANGED, CATALOG_EXTENSION, SNAPSHOT_REQUIRED
from mcp_workbench.protocol.meta import PROXY_EXTENSION
from mcp_workbench.proxy.link import HttpLink, Link, LinkClosed, UpstreamError, open_link
from mcp_workbench.proxy.mirror import Mirror, write_cache

__all__ = ["Backoff", "Upstream", "UpstreamUnavailable"]

log = logging.getLogger("mcp_workbench.proxy")

HANDSHAKE_VERSION = "2025-11-25"
"""The revision the proxy speaks upstream (its clients may speak any: the proxy's own
engine serves them)."""


class UpstreamUnavailable(ConnectionError):
    """The upstream cannot take the request now (down, reconnecting, or lost mid-call)."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt ``n`` waits a random time up to
    ``min(cap, base * 2**n)``."""

    base: float = 0.2
    cap: float = 10.0
    rng: random.Random = random.Random()  # noqa: RUF009 - one shared generator is fine

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap, self.base * 2**attempt))


ChangeListener = Callable[["Upstream", set[str]], None]


class Upstream:
    """One mounted upstream (``name`` is its namespace under federation, None alone)."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        name: str | None,
        mirror: Mirror,
        cache: Path | None,
        client_info: dict[str, Any],
        on_catalog: ChangeListener,
        on_notification: Callable[[str, dict[str, Any]], None],
        on_request: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]],
        backoff: Backoff | None = None,
        heartbeat: float = 15.0,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.name = name
        self.mirror = mirror
        self.cache = cache
        self._token = token
        self._client_info = client_info
        self._on_catalog = on_catalog
        self._on_notification = on_notification
        self._on_request = on_request
        self.backoff = backoff or Backoff()
        self.heartbeat = heartbeat
        self.ping_within = min(timeout, max(2 * heartbeat, 1.0))
        """How long a heartbeat ping may take before the connection counts as lost."""
        self.timeout = timeout
        self.link: Link | None = None
        self.state = "connecting"
        self.attempts = 0
        self.last_error = ""
        self.connected_at: float | None = None
        self.subscriptions: set[str] = set()
        self._up = asyncio.Event()
        self._syncing: asyncio.Lock = asyncio.Lock()
        self._resync = False
        self._stopped = False
        self._progress: dict[str, Callable[[dict[str, Any]], None]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._synced = asyncio.Event()
        if mirror.synced_at is not None:
            self._synced.set()

    # -- the connection ----------------------------------------------------------------------
    async def run(self) -> None:
        """Keep the upstream connected until :meth:`stop`."""
        while not self._stopped:
            try:
                link = await open_link(
                    self.url,
                    self._token,
                    self._notified,
                    self._on_request,
                    within=self.timeout,
                )
                await self._handshake(link)
            except (LinkClosed, UpstreamError, TimeoutError, OSError) as exc:
                self._down(str(exc) or type(exc).__name__)
                await self._wait_before_retry()
                continue
            self.link = link
            try:
                # Calls wait (or fail) until the session is as it was: catalog in step,
                # subscriptions and log level restored.
                await self.sync()
                await self._resubscribe()
                self.state, self.attempts, self.connected_at = "connected", 0, time.time()
                self._up.set()
                log.info("upstream %s connected", self.url)
                await self._watch(link)
            except (LinkClosed, UpstreamError, TimeoutError) as exc:
                link.lost(str(exc) or type(exc).__name__)
            self._down(link.reason or "connection lost")
            with contextlib.suppress(Exception):
                await link.close()
            if not self._stopped:
                await self._wait_before_retry()

    def _down(self, reason: str) -> None:
        self._up.clear()
        self.link = None
        self.last_error = reason
        if not self._stopped:
            self.state = "reconnecting"
            log.warning("upstream %s unavailable: %s", self.url, reason)

    async def _wait_before_retry(self) -> None:
        delay = self.backoff.delay(self.attempts)
        self.attempts += 1
        await asyncio.sleep(delay)

    async def _handshake(self, link: Link) -> None:
        try:
            result = await link.request(
                "initialize",
                {
                    "protocolVersion": HANDSHAKE_VERSION,
                    "capabilities": {
                        "elicitation": {},
                        "sampling": {},
                        "roots": {"listChanged": True},
                        "experimental": {
                            CATALOG_EXTENSION: {"version": 1},
                            PROXY_EXTENSION: {"version": 1},
                        },
                    },
                    "clientInfo": self._client_info,
                },
                within=self.timeout,
            )
            if isinstance(link, HttpLink):
                link.protocol_version = str(result.get("protocolVersion", HANDSHAKE_VERSION))
            await link.notify("notifications/initialized", {})
            if isinstance(link, HttpLink):
                link.listen()
        except BaseException:
            with contextlib.suppress(Exception):
                await link.close()
            raise
        experimental = (result.get("capabilities") or {}).get("experimental") or {}
        if CATALOG_EXTENSION not in experimental:
            await link.close()
            raise LinkClosed(f"{self.url} does not offer the catalog sync protocol")
        self.mirror.initialize = result

    async def _watch(self, link: Link) -> None:
        """Wait until the link is lost, pinging it so a silent partition is noticed."""
        while not link.closed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(link.closed.wait(), self.heartbeat)
                return
            try:
                await link.request("ping", {}, within=self.ping_within)
            except TimeoutError:
                raise LinkClosed(
                    f"no answer to a heartbeat ping within {self.ping_within:g} s"
                ) from None
            if self._resync:
                await self.sync()

    async def _resubscribe(self) -> None:
        link = self.link
        if link is None:
            return
        # Every log message comes to the proxy, which passes on what each client asked for.
        await link.request("logging/setLevel", {"level": "debug"}, within=self.timeout)
        for uri in sorted(self.subscriptions):
            await link.request("resources/subscribe", {"uri": uri}, within=self.timeout)

    async def wait_up(self, within: float) -> bool:
        """Wait up to ``within`` seconds for the connection; whether it is up."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._up.wait(), within)
        return self._up.is_set()

    async def wait_synced(self) -> None:
        """Return once the mirror has been synced (or loaded from the cache) once."""
        await self._synced.wait()

    async def stop(self) -> None:
        """Stop reconnecting and close the connection."""
        self._stopped = True
        self.state = "stopped"
        if self.link is not None:
            await self.link.close()

    # -- the catalog -------------------------------------------------------------------------
    def _notified(self, method: str, params: dict[str, Any]) -> None:
        if method == CATALOG_CHANGED:
            self._resync = True
            task = asyncio.ensure_future(self._sync_quietly())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return
        self._on_notification(method, params)

    async def _sync_quietly(self) -> None:
        with contextlib.suppress(LinkClosed, UpstreamError, TimeoutError):
            await self.sync()

    async def settled(self) -> None:
        """Return once the catalog changes announced so far are in the mirror (a client
        that changed the catalog with a call sees the change in its next list)."""
        with contextlib.suppress(LinkClosed, UpstreamError, TimeoutError):
            async with asyncio.timeout(self.timeout):
                async with self._syncing:
                    pass
                if self._resync:
                    await self.sync()

    async def sync(self) -> None:
        """Bring the mirror to the upstream's catalog: a delta from the mirror's seq, or a
        snapshot when there is none or the log cannot serve it."""
        async with self._syncing:
            link = self.link
            if link is None:
                return
            self._resync = False
            mirror = self.mirror
            changed: set[str] | None = None
            if mirror.seq is not None and mirror.epoch is not None:
                try:
                    delta = await link.request(
                        "workbench/catalog/delta",
                        {"since": mirror.seq, "epoch": mirror.epoch},
                        within=self.timeout,
                    )
                except UpstreamError as exc:
                    if exc.code not in (SNAPSHOT_REQUIRED, -32602):
                        raise
                else:
                    changed = mirror.apply_delta(delta)
                    # A list the server announced changed is announced, even when the
                    # change left it as it was (a tool registered again).
                    changed |= {str(c.get("kind")) for c in delta.get("changes") or []}
                    if mirror.computed_checksum() != mirror.checksum:
                        changed = None  # out of step somehow: start again from a snapshot
            if changed is None:
                snapshot = await link.request("workbench/catalog/snapshot", {}, within=self.timeout)
                changed = mirror.load_snapshot(snapshot)
            if mirror.seq is not None:
                await link.request("workbench/catalog/ack", {"seq": mirror.seq}, within=10)
            if self.cache is not None:
                data = mirror.dump()  # here, while the mirror holds still; written off the loop
                with contextlib.suppress(OSError):
                    await asyncio.to_thread(write_cache, self.cache, data)
            if changed:
                self._on_catalog(self, changed)
            self._synced.set()

    # -- forwarding --------------------------------------------------------------------------
    async def forward(
        self,
        method: str,
        params: dict[str, Any],
        *,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        retry: bool = False,
        wait: float = 0.0,
    ) -> dict[str, Any]:
        """Send a request upstream and return its result. ``on_progress`` gets the
        progress notifications of this request. When the connection is lost mid-request,
        it is sent again after reconnecting only when ``retry`` (an idempotent tool).

        Raises:
            UpstreamUnavailable: the upstream is down, or was lost mid-request.
            UpstreamError: the upstream answered with an error.
        """
        for attempt in range(3 if retry else 1):
            link = self.link if self._up.is_set() else None
            if link is not None and link.closed.is_set():  # lost; the loop has not seen it yet
                self._up.clear()
                link = None
            if link is None and self.state == "connecting":
                wait = max(wait, self.timeout)  # just started: the first connection is coming
            if link is None and (wait or attempt) and await self.wait_up(max(wait, 5.0)):
                link = self.link if self._up.is_set() else None
            if link is None:
                raise UpstreamUnavailable(self._why_down())
            rid = link.next_id()
            token = f"proxy-{rid}"
            sent = dict(params)
            if on_progress is not None:
                sent["_meta"] = {**(params.get("_meta") or {}), "progressToken": token}
                self._progress[token] = on_progress
            try:
                return await link.request_with_id(rid, method, sent)
            except LinkClosed as exc:
                if not retry or attempt == 2:
                    raise UpstreamUnavailable(
                        f"the connection to {self.url} was lost during {method} ({exc}); "
                        "the request may or may not have run"
                        if not retry
                        else f"the connection to {self.url} was lost during {method} three times"
                    ) from exc
            except asyncio.CancelledError:
                await link.notify(
                    "notifications/cancelled", {"requestId": rid, "reason": "cancelled"}
                )
                raise
            finally:
                self._progress.pop(token, None)
        raise UpstreamUnavailable(self._why_down())  # pragma: no cover - the loop returns

    def progress(self, params: dict[str, Any]) -> bool:
        """Deliver a progress notification to the request it belongs to; whether it did."""
        handler = self._progress.get(str(params.get("progressToken")))
        if handler is None:
            return False
        handler(params)
        return True

    def _why_down(self) -> str:
        reason = f": {self.last_error}" if self.last_error else ""
        return f"the upstream {self.url} is unavailable ({self.state}{reason})"

    def status(self) -> dict[str, Any]:
        """What ``proxy --status`` shows of this upstream."""
        return {
            "url": self.url,
            "namespace": self.name,
            "state": self.state,
            "attempts": self.attempts,
            "lastError": self.last_error or None,
            "connectedAt": self.connected_at,
            "epoch": self.mirror.epoch,
            "seq": self.mirror.seq,
            "syncedAt": self.mirror.synced_at,
            "items": {name: len(entries) for name, entries in self.mirror.items.items()},
        }
