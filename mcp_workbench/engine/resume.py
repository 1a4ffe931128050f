"""Sessions that outlive their connection: a client that loses its TCP, Unix or WebSocket
connection can take its session back on a new one within a grace period.

A client opts in by asking ``workbench/session`` for a resume token. When its connection
drops the session is *parked*: running requests go on, and what the server sends
meanwhile (their responses, notifications, requests to the client) is held, up to a
limit. On a new connection the client sends ``workbench/resume`` with the token (after
``workbench/authenticate`` where tokens are required: it must be the same principal); the
session, with its negotiated revision, subscriptions and log level, continues there and the
held messages follow the answer in order. A session not resumed in time, or whose held
messages overflow the limit, is closed.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from typing import TYPE_CHECKING, Any

from mcp_workbench.errors import InvalidParams

if TYPE_CHECKING:
    from mcp_workbench.engine.session import Channel, Session

__all__ = ["RESUME", "SESSION_INFO", "ParkedSessions", "RelayChannel"]

SESSION_INFO = "workbench/session"
"""``{}`` → ``{"sessionId", "resumeToken", "graceSeconds"}``: opt in to resuming."""
RESUME = "workbench/resume"
"""``{"token"}`` → ``{"sessionId", "replayed"}``: continue a parked session here."""

RESUMABLE_TRANSPORTS = frozenset({"tcp", "unix", "websocket"})


class RelayChannel:
    """A session's channel that outlives its connection: forwards to the connection's
    channel while there is one, and holds messages (up to ``limit``) while there is not."""

    __slots__ = ("_held", "_target", "limit", "overflowed")

    def __init__(self, target: Channel, limit: int = 1000) -> None:
        self._target: Channel | None = target
        # Made when a first message must be held: most sessions never need it, and an
        # empty deque costs 760 bytes on every connection.
        self._held: deque[dict[str, Any] | list[Any]] | None = None
        self.limit = limit
        self.overflowed = False
        """Set once more than ``limit`` messages had to be held: the session cannot be
        resumed without loss."""

    @property
    def closed(self) -> bool:
        return False  # a lost connection is held for, not closed

    @property
    def target(self) -> Channel | None:
        """The connection's channel, while there is one."""
        return self._target

    @property
    def held(self) -> int:
        """Messages waiting for a connection."""
        return 0 if self._held is None else len(self._held)

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        target = self._target
        if target is not None and not target.closed and not self._held:
            await target.send(message)
        elif self.held >= self.limit:
            self.overflowed = True
        else:
            if self._held is None:
                self._held = deque()
            self._held.append(message)

    def detach(self) -> None:
        """The connection is gone: hold what comes until :meth:`attach`."""
        self._target = None

    async def attach(self, target: Channel) -> int:
        """Deliver what was held to ``target``, in order, then forward to it; returns
        how many messages were held."""
        count = 0
        while self._held:  # messages sent while flushing queue up behind these
            await target.send(self._held.popleft())
            count += 1
        self._target = target
        return count


class ParkedSessions:
    """Sessions waiting for their client to come back, by resume token."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self._parked: dict[str, tuple[Session, asyncio.TimerHandle]] = {}
        self._tokens: dict[Session, str] = {}

    def __len__(self) -> int:
        return len(self._parked)

    def token_for(self, session: Session) -> str:
        """The session's resume token (made on first request).

        Raises:
            InvalidParams: the session's transport cannot resume, or resuming is off.
        """
        if session.transport not in RESUMABLE_TRANSPORTS or self.grace <= 0:
            raise InvalidParams(f"Sessions over {session.transport} cannot be resumed here")
        if not isinstance(session.channel, RelayChannel):
            raise InvalidParams("This connection cannot be resumed")
        token = self._tokens.get(session)
        if token is None:
            token = self._tokens[session] = secrets.token_urlsafe(32)
        return token

    def park(self, session: Session, close: Any) -> bool:
        """Hold ``session`` for :attr:`grace` seconds if it asked to be resumable; then
        ``close(session)`` unless resumed. Returns whether it was parked."""
        token = self._tokens.get(session)
        channel = session.channel
        if token is None or not isinstance(channel, RelayChannel):
            return False
        channel.detach()
        session.touch()
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.grace, self._expire, token, close)
        self._parked[token] = (session, timer)
        return True

    def _expire(self, token: str, close: Any) -> None:
        entry = self._parked.pop(token, None)
        if entry is not None:
            self.forget(entry[0])
            close(entry[0])

    def claim(self, token: str, principal: str | None) -> Session | None:
        """The parked session ``token`` names, taken off the shelf, if ``principal`` owns
        it and it can be resumed without loss."""
        entry = self._parked.get(token)
        if entry is None:
            return None
        session, timer = entry
        channel = session.channel
        if session.principal != principal or not isinstance(channel, RelayChannel):
            return None
        if channel.overflowed:
            return None
        del self._parked[token]
        timer.cancel()
        return session

    def resumable(self, session: Session) -> bool:
        """Whether ``session`` asked for a resume token (and so is parked when its
        connection drops)."""
        return session in self._tokens

    def forget(self, session: Session) -> None:
        """Drop what is kept for ``session`` (it closed)."""
        token = self._tokens.pop(session, None)
        if token is not None:
            entry = self._parked.pop(token, None)
            if entry is not None:
                entry[1].cancel()
