"""Per-client state: what a legacy handshake negotiated, what is in flight, who listens."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from mcp_workbench.engine.ratelimit import TokenBucket
from mcp_workbench.jsonrpc import RequestId
from mcp_workbench.protocol.versions import Revision

__all__ = ["Channel", "Listener", "Session"]


class Channel(Protocol):
    """Where messages for the client go: a stdio pipe, an SSE stream, a socket."""

    @property
    def closed(self) -> bool: ...

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        """Deliver one JSON-RPC message (or batch reply); dropped once the channel is closed."""


@dataclass(slots=True, eq=False)
class Listener:
    """A ``subscriptions/listen`` stream (modern) with the notifications it opted in to."""

    id: RequestId
    channel: Channel
    tools: bool = False
    prompts: bool = False
    resources: bool = False
    uris: frozenset[str] = frozenset()
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def accepted(self) -> dict[str, Any]:
        """The filter the server agreed to honour."""
        out: dict[str, Any] = {}
        if self.tools:
            out["toolsListChanged"] = True
        if self.prompts:
            out["promptsListChanged"] = True
        if self.resources:
            out["resourcesListChanged"] = True
        if self.uris:
            out["resourceSubscriptions"] = sorted(self.uris)
        return out


_ids = itertools.count(1)


@dataclass(slots=True, eq=False)
class Session:
    """One client's state.

    On stdio there is one per process; over HTTP, one per ``Mcp-Session-Id`` for legacy
    clients, and a short-lived one per request for modern (stateless) clients.
    """

    channel: Channel | None
    """Where unsolicited messages go (stdio pipe; the HTTP GET stream when open)."""
    transport: str = "stdio"
    id: str = ""
    """Unguessable for sessions clients name (HTTP ``Mcp-Session-Id``); empty otherwise."""
    principal: str | None = None
    revision: Revision | None = None
    """The legacy revision negotiated by ``initialize``; None before (or for modern use)."""
    initialized: bool = False
    client_info: dict[str, Any] = field(default_factory=dict)
    client_capabilities: dict[str, Any] = field(default_factory=dict)
    log_level: str | None = None
    subscriptions: set[str] = field(default_factory=set)
    inflight: dict[RequestId, asyncio.Task[Any]] = field(default_factory=dict)
    batches: set[asyncio.Task[None]] | None = None
    """JSON-RPC batches being served (2025-03-26); made on first use, as most sessions
    never send one (an empty set costs 216 bytes on every session)."""
    cancelled: set[RequestId] | None = None
    """Ids the client cancelled: their tasks end without a response (made on first use)."""
    pending: dict[RequestId, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    listeners: dict[RequestId, Listener] = field(default_factory=dict)
    opened_at: float = field(default_factory=time.monotonic)
    """When the session was opened (``time.monotonic``), for its age."""
    last_seen: float = field(default_factory=time.monotonic)
    roles: frozenset[str] = frozenset()
    """What the principal's token grants (empty for OS users and anonymous callers)."""
    expires_at: float | None = None
    """When the principal's token expires; calls after it need a new token."""
    needs_auth: bool = False
    """Set on connections that must send ``workbench/authenticate`` before anything else."""
    catalog_seq: int | None = None
    """The catalog seq the client's mirror is at (``workbench/catalog/*``); None: it keeps
    no mirror and gets no catalog notifications."""
    buckets: dict[int, TokenBucket] = field(default_factory=dict)
    """This session's rate-limit buckets, by rule."""
    serial: int = field(default_factory=_ids.__next__)
    _requests_sent: int = 0

    def next_request_id(self) -> str:
        """A fresh id for a server-to-client request."""
        self._requests_sent += 1
        return f"s{self._requests_sent}"

    async def room_for_more(self, limit: int) -> None:
        """Wait until fewer than ``limit`` requests are running: a transport stops reading
        meanwhile, so a client cannot queue unbounded work."""
        while len(self.inflight) >= limit:
            await asyncio.wait(list(self.inflight.values()), return_when=asyncio.FIRST_COMPLETED)

    def add_batch(self, batch: asyncio.Task[None]) -> None:
        """Track a batch being served until it is done."""
        if self.batches is None:
            self.batches = set()
        self.batches.add(batch)
        batch.add_done_callback(self.batches.discard)

    def cancel_request(self, rid: RequestId) -> None:
        """Mark ``rid`` cancelled by the client (its task is cancelled by the caller)."""
        if self.cancelled is None:
            self.cancelled = set()
        self.cancelled.add(rid)

    def was_cancelled(self, rid: RequestId) -> bool:
        """Whether the client cancelled ``rid`` (forgetting it: asked once, when it ends)."""
        if self.cancelled is None or rid not in self.cancelled:
            return False
        self.cancelled.discard(rid)
        return True

    def touch(self) -> None:
        """Mark the session as used now (for idle expiry)."""
        self.last_seen = time.monotonic()

    def close(self) -> None:
        """Cancel everything still running for this session."""
        for rid, task in list(self.inflight.items()):
            self.cancel_request(rid)
            task.cancel()
        for batch in list(self.batches or ()):
            batch.cancel()
        for fut in list(self.pending.values()):
            if not fut.done():
                fut.cancel()
        for listener in list(self.listeners.values()):
            listener.done.set()
        self.pending.clear()
