"""WebSocket transport (tornado): subprotocol ``mcp``, one JSON-RPC message per frame.

A connection is one session, as on stdio. Frames larger than ``max_message_bytes`` close
the connection (1009); tornado pings idle connections (``ws_ping_interval``) and drops
those that stop answering; Origin and Host are checked as on the HTTP endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from asyncio import FIRST_COMPLETED
from typing import Any

import orjson
import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket

from mcp_workbench.engine import Engine, Session
from mcp_workbench.errors import RateLimited
from mcp_workbench.transports.http_transport import HttpTransport

__all__ = [
    "SUBPROTOCOL",
    "McpWebSocket",
    "WebSocketServer",
    "start_websocket_server",
    "websocket_settings",
]

log = logging.getLogger(__name__)

SUBPROTOCOL = "mcp"
_MAX_INFLIGHT = 256


class _WebSocketChannel:
    """Sends each message as one text frame; waits for the socket when it backs up."""

    __slots__ = ("_handler",)

    def __init__(self, handler: McpWebSocket) -> None:
        self._handler = handler

    @property
    def closed(self) -> bool:
        return self._handler.ws_connection is None or self._handler.ws_connection.is_closing()

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        if self.closed:
            return
        with contextlib.suppress(tornado.websocket.WebSocketClosedError):
            await self._handler.write_message(orjson.dumps(message).decode())


class McpWebSocket(tornado.websocket.WebSocketHandler):
    """One MCP session per WebSocket connection."""

    def initialize(self, transport: HttpTransport) -> None:
        self.transport = transport
        self.engine: Engine = transport.engine
        self.session: Session | None = None
        self.channel = _WebSocketChannel(self)

    def check_origin(self, origin: str) -> bool:
        return self.transport.origin_allowed(origin, self.request.headers.get("Host"))

    async def get(self, *args: Any, **kwargs: Any) -> None:
        if not self.transport.host_allowed(self.request.headers.get("Host")):
            self.set_status(421)
            self.finish("Misdirected request: unknown Host")
            return
        await super().get(*args, **kwargs)

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        return SUBPROTOCOL if SUBPROTOCOL in subprotocols else None

    def open(self, *args: str, **kwargs: str) -> None:
        if self.selected_subprotocol != SUBPROTOCOL:
            self.close(1002, f"the '{SUBPROTOCOL}' subprotocol is required")
            return
        try:
            self.session = self.engine.open_session(self.channel, "websocket", principal=None)
        except RateLimited as exc:
            self.close(1013, exc.message)  # 1013: try again later

    async def on_message(self, message: str | bytes) -> None:
        session = self.session
        if session is None:
            return
        # Tornado reads the next frame only when this returns: a client with too much
        # running waits here instead of queueing unbounded work.
        while len(session.inflight) >= _MAX_INFLIGHT:
            await asyncio.wait(list(session.inflight.values()), return_when=FIRST_COMPLETED)
        data = message.encode() if isinstance(message, str) else message
        await self.engine.receive(session, data, self.channel)

    def on_close(self) -> None:
        if self.session is not None:
            self.engine.close_session(self.session)
            self.session = None


def websocket_settings(engine: Engine) -> dict[str, Any]:
    """Tornado application settings for the WebSocket endpoint."""
    settings = engine.settings
    return {
        "websocket_max_message_size": settings.max_message_bytes,
        "websocket_ping_interval": settings.ws_ping_interval,
        "websocket_ping_timeout": settings.ws_ping_interval * 2,
    }


class WebSocketServer:
    """A tornado HTTP server carrying only the WebSocket endpoint."""

    def __init__(self, server: tornado.httpserver.HTTPServer, address: str) -> None:
        self.server = server
        self.address = address

    def stop_accepting(self) -> None:
        """Close the listening socket; open connections go on (to drain)."""
        self.server.stop()

    async def close(self) -> None:
        """Stop accepting and close the open connections."""
        self.server.stop()
        await self.server.close_all_connections()


async def start_websocket_server(
    engine: Engine, host: str, port: int, *, path: str = "/ws"
) -> WebSocketServer:
    """Serve the WebSocket endpoint at ``ws://host:port{path}``.

    Raises:
        OSError: the address cannot be bound.
    """
    transport = HttpTransport(engine, bind_host=host)
    app = tornado.web.Application(
        [(path, McpWebSocket, {"transport": transport})], **websocket_settings(engine)
    )
    server = tornado.httpserver.HTTPServer(app)
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    return WebSocketServer(server, f"{shown}:{bound[1]}{path}")
