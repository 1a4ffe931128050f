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
    batches: set[asyncio.Task[None]] = field(default_factory=set)
    """JSON-RPC batches being served (2025-03-26)."""
    cancelled: set[RequestId] = field(default_factory=set)
    """Ids the client cancelled: their tasks end without a response."""
    pending: dict[RequestId, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    listeners: dict[RequestId, Listener] = field(default_factory=dict)
    last_seen: float = field(default_factory=time.monotonic)
    roles: frozenset[str] = frozenset()
    """What the principal's token grants (empty for OS users and anonymous callers)."""
    expires_at: float | None = None
    """When the principal's token expires; calls after it need a new token."""
    needs_auth: bool = False
    """Set on connections that must send ``workbench/authenticate`` before anything else."""
    buckets: dict[int, TokenBucket] = field(default_factory=dict)
    """This session's rate-limit buckets, by rule."""
    serial: int = field(default_factory=lambda: next(_ids))
    _next_request: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_request_id(self) -> str:
        """A fresh id for a server-to-client request."""
        return f"s{next(self._next_request)}"

    async def room_for_more(self, limit: int) -> None:
        """Wait until fewer than ``limit`` requests are running: a transport stops reading
        meanwhile, so a client cannot queue unbounded work."""
        while len(self.inflight) >= limit:
            await asyncio.wait(list(self.inflight.values()), return_when=asyncio.FIRST_COMPLETED)

    def touch(self) -> None:
        """Mark the session as used now (for idle expiry)."""
        self.last_seen = time.monotonic()

    def close(self) -> None:
        """Cancel everything still running for this session."""
        for rid, task in list(self.inflight.items()):
            self.cancelled.add(rid)
            task.cancel()
        for batch in list(self.batches):
            batch.cancel()
        for fut in list(self.pending.values()):
            if not fut.done():
                fut.cancel()
        for listener in list(self.listeners.values()):
            listener.done.set()
        self.pending.clear()
