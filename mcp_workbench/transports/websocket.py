"""WebSocket transport (tornado): subprotocol ``mcp``, one JSON-RPC message per frame.

A connection is one session, as on stdio. Frames larger than ``max_message_bytes`` close
the connection (1009); tornado pings idle connections (``ws_ping_interval``) and drops
those that stop answering; Origin and Host are checked as on the HTTP endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import Any

import orjson
import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web
import tornado.websocket

from mcp_workbench.engine import Engine, Session
from mcp_workbench.engine.identity import Identity
from mcp_workbench.errors import AuthError, RateLimited
from mcp_workbench.transports.http_transport import HttpTransport
from mcp_workbench.transports.listeners import BACKLOG, host_port
from mcp_workbench.transports.tls import certificate_principal, server_tls

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
        self._identity: Identity | None = None
        self._deadline: asyncio.TimerHandle | None = None

    def check_origin(self, origin: str) -> bool:
        return self.transport.origin_allowed(origin, self.request.headers.get("Host"))

    async def get(self, *args: Any, **kwargs: Any) -> None:
        if not self.transport.host_allowed(self.request.headers.get("Host")):
            self.set_status(421)
            self.finish("Misdirected request: unknown Host")
            return
        authenticator = self.engine.authenticator
        header = self.request.headers.get("Authorization", "")
        if authenticator is not None and header and self._identity is None:
            try:
                self._identity = await self.engine.authenticate_bearer(header, "websocket")
            except AuthError as exc:
                self.set_status(401)
                self.set_header("WWW-Authenticate", 'Bearer error="invalid_token"')
                self.finish(exc.message)
                return
        await super().get(*args, **kwargs)

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        return SUBPROTOCOL if SUBPROTOCOL in subprotocols else None

    def open(self, *args: str, **kwargs: str) -> None:
        if self.selected_subprotocol != SUBPROTOCOL:
            self.close(1002, f"the '{SUBPROTOCOL}' subprotocol is required")
            return
        connection: Any = self.ws_connection  # the upgraded stream lives here now
        socket = getattr(getattr(connection, "stream", None), "socket", None)
        peercert = socket.getpeercert() if isinstance(socket, ssl.SSLSocket) else None
        principal = certificate_principal(peercert)
        try:
            self.session = self.engine.open_session(self.channel, "websocket", principal=principal)
            if self._identity is not None:
                self.engine.adopt(self.session, self._identity)
        except RateLimited as exc:
            self.close(1013, exc.message)  # 1013: try again later
            return
        if self._identity is None and self.engine.authenticator is not None:
            # No Authorization header: the first message must be workbench/authenticate.
            self.session.needs_auth = True
            timeout = self.engine.settings.preauth_timeout
            self._deadline = asyncio.get_running_loop().call_later(timeout, self._expire)
        self._forget_upgrade()

    def _forget_upgrade(self) -> None:
        """Let go of the upgrade request (its headers, the HTTP/1.1 connection that read
        it: ~3 kB per connection); nothing reads them once the WebSocket is open."""
        self.request.headers = tornado.httputil.HTTPHeaders()
        self.request.connection = None

    def _expire(self) -> None:
        if self.session is not None and self.session.needs_auth:
            self.engine.auth_failed("websocket", self.session, "timeout")
            timeout = self.engine.settings.preauth_timeout
            self.close(1008, f"Authentication timed out after {timeout:g} s")

    async def on_message(self, message: str | bytes) -> None:
        session = self.session
        if session is None:
            return
        # Tornado reads the next frame only when this returns.
        await session.room_for_more(_MAX_INFLIGHT)
        data = message.encode() if isinstance(message, str) else message
        self.session = await self.engine.receive(session, data, session.channel or self.channel)

    def on_close(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        if self.session is not None:
            self.engine.release(self.session)
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
    server = tornado.httpserver.HTTPServer(app, ssl_options=server_tls(engine.settings))
    sockets = tornado.netutil.bind_sockets(port, address=host, backlog=BACKLOG)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()
    return WebSocketServer(server, f"{host_port(bound[0], bound[1])}{path}")
