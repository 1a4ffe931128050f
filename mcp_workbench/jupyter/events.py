"""The events socket: ``{base_url}mcp-workbench/api/v1/events`` streams the event log.

One JSON text frame per message: ``{"type": "event", "seq", "ts", "actor", "kind",
"entity", "id", "version", "payload"}`` for each change, preceded by ``{"type":
"snapshot", "seq", "prompts", "notes", "boards"}`` when the client is too far behind to
replay (see :mod:`mcp_workbench.jupyter.subscription`). ``?after=SEQ`` resumes after the
last ``seq`` the client applied; without it only new events come.

Jupyter's identity lets callers in (an unauthenticated upgrade gets 403). Refusals after
the upgrade are close frames a browser can read: :data:`CLOSE_BAD_REQUEST` for an invalid
``after``, :data:`CLOSE_UNAVAILABLE` when the store is off or fails,
:data:`CLOSE_GOING_AWAY` while the server shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import MutableMapping
from typing import Any

import orjson
import tornado.websocket
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.utils import url_path_join

from mcp_workbench.app import WorkbenchServer
from mcp_workbench.engine import Session
from mcp_workbench.errors import StoreError
from mcp_workbench.jupyter.identity import jupyter_identity
from mcp_workbench.jupyter.subscription import (
    EventSubscription,
    StartPosition,
    parse_after,
    start_position,
)

__all__ = [
    "CLOSE_BAD_REQUEST",
    "CLOSE_GOING_AWAY",
    "CLOSE_UNAVAILABLE",
    "EventsSocket",
    "close_event_sockets",
    "event_handlers",
]

log = logging.getLogger("mcp_workbench.jupyter")

CLOSE_GOING_AWAY = 1001
"""The server is shutting down: reconnect later with ``after``."""
CLOSE_BAD_REQUEST = 1008
"""The request cannot be served as asked (an invalid ``after``)."""
CLOSE_UNAVAILABLE = 1011
"""There is no store to stream, or it failed."""

_OPEN = "mcp_workbench_event_sockets"  # tornado setting: the sockets open on this server


def _open_sockets(settings: MutableMapping[str, Any]) -> set[EventsSocket]:
    sockets: set[EventsSocket] = settings.setdefault(_OPEN, set())
    return sockets


class EventsSocket(WebSocketMixin, tornado.websocket.WebSocketHandler, JupyterHandler):
    """Streams the event log to one client."""

    _refusal: tuple[int, str] | None = None
    _start: StartPosition | None = None
    _pump: asyncio.Task[None] | None = None
    _sent = 0  # the last seq sent, for the reason of a close that asks to resume

    @property
    def server(self) -> WorkbenchServer:
        server: WorkbenchServer = self.settings["mcp_workbench"]
        return server

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        # Where the stream starts is settled before the upgrade: a change the client makes
        # once it is connected is always after it.
        workbench = self.server.workbench
        try:
            after = parse_after(self.get_query_argument("after", None))
        except ValueError as exc:
            self._refusal = (CLOSE_BAD_REQUEST, str(exc))
        else:
            if workbench is None:
                self._refusal = (CLOSE_UNAVAILABLE, "The workbench store is off: no events")
            elif self.server.engine.draining:
                self._refusal = (CLOSE_GOING_AWAY, "The server is shutting down")
            else:
                try:
                    self._start = await start_position(workbench, after)
                except StoreError:
                    log.exception("events socket: cannot read the event log")
                    self._refusal = (CLOSE_UNAVAILABLE, "The event log cannot be read")
        await super().get(*args, **kwargs)

    def open(self, *args: str, **kwargs: str) -> None:
        super().open(*args, **kwargs)  # Jupyter's keep-alive pings
        workbench = self.server.workbench
        identity = jupyter_identity(self, frozenset(self.server.settings.jupyter_roles))
        if self._refusal is None and identity is None:
            self._refusal = (CLOSE_BAD_REQUEST, "Jupyter did not establish who you are")
        if self._refusal is not None:
            self.close(*self._refusal)
            return
        assert workbench is not None
        assert self._start is not None
        assert identity is not None
        caller = Session(None, "websocket", principal=identity.id, roles=identity.roles)
        subscription = EventSubscription(workbench, self.server.engine.access, caller, self._start)
        self._sent = self._start.after
        self._pump = asyncio.create_task(self._stream(subscription), name="events-socket")
        _open_sockets(self.settings).add(self)

    async def _stream(self, subscription: EventSubscription) -> None:
        try:
            async for frame in subscription.frames():
                # Waiting for each frame to be written is the back-pressure: nothing
                # queues here for a client that reads slowly.
                await self.write_message(orjson.dumps(frame).decode())
                self._sent = frame["seq"]
        except tornado.websocket.WebSocketClosedError:
            pass
        except StoreError:
            log.exception("events socket: cannot read the event log")
            reason = f"The event log cannot be read; resume after={self._sent}"
            self.close(CLOSE_UNAVAILABLE, reason)
        except Exception:
            log.exception("events socket: streaming failed")
            self.close(CLOSE_UNAVAILABLE, f"Internal error; resume after={self._sent}")

    def on_message(self, message: str | bytes) -> None:
        """Clients have nothing to say; what they send is ignored."""

    def on_close(self) -> None:
        _open_sockets(self.settings).discard(self)
        if self._pump is not None:
            self._pump.cancel()

    async def shut(self) -> None:
        """Close with :data:`CLOSE_GOING_AWAY` and wait for the stream to stop."""
        _open_sockets(self.settings).discard(self)
        self.close(CLOSE_GOING_AWAY, f"The server is shutting down; resume after={self._sent}")
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump


async def close_event_sockets(settings: MutableMapping[str, Any]) -> None:
    """Close every events socket open on the server whose tornado ``settings`` these are."""
    for socket in list(_open_sockets(settings)):
        await socket.shut()


def event_handlers(prefix: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """The events socket's routes, under ``prefix`` (``/mcp-workbench/api/v1``)."""
    return [(url_path_join(prefix, "events"), EventsSocket, {})]
