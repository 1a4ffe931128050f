"""The MCP endpoints on Jupyter's port: Streamable HTTP at ``{base_url}mcp`` and WebSocket
at ``{base_url}mcp/ws``.

A caller Jupyter knows (its token, its login cookie, JupyterHub) is let in as that
identity; otherwise a workbench bearer token is required when authentication is on, and
the request is refused when it is not (Jupyter's endpoints are never open to anonymous
callers unless Jupyter itself is).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler

from mcp_workbench.engine import Identity
from mcp_workbench.errors import AuthError, jsonrpc_error
from mcp_workbench.jsonrpc import encode, error_response
from mcp_workbench.jupyter.identity import jupyter_identity
from mcp_workbench.transports.http_transport import HttpTransport
from mcp_workbench.transports.tornado_http import McpHandler
from mcp_workbench.transports.websocket import McpWebSocket

__all__ = ["JupyterMcpHandler", "JupyterMcpWebSocket"]

_REFUSED = "Authentication required: a Jupyter token or login, or a workbench bearer token"


class JupyterMcpHandler(McpHandler, JupyterHandler):
    """Streamable HTTP for MCP clients, behind Jupyter's identity or a workbench token."""

    def initialize(self, transport: HttpTransport, roles: frozenset[str]) -> None:  # type: ignore[override]
        super().initialize(transport)
        self.roles = roles

    def check_xsrf_cookie(self) -> None:
        """MCP clients send no XSRF token; Origin and Host are checked on every request."""

    def identity(self) -> Identity | None:
        return jupyter_identity(self, self.roles)

    async def _serve(self, method: str) -> None:
        if self.identity() is None and self.transport.engine.authenticator is None:
            self.set_status(403)
            self.set_header("Content-Type", "application/json")
            self.finish(encode(error_response(None, jsonrpc_error(AuthError(_REFUSED)))))
            return
        await super()._serve(method)

    @allow_unauthenticated
    async def post(self) -> None:
        await self._serve("POST")

    @allow_unauthenticated
    async def get(self) -> None:
        await self._serve("GET")

    @allow_unauthenticated
    async def delete(self) -> None:
        await self._serve("DELETE")


class JupyterMcpWebSocket(McpWebSocket, JupyterHandler):
    """MCP over WebSocket (subprotocol ``mcp``), behind Jupyter's identity or a token."""

    def initialize(self, transport: HttpTransport, roles: frozenset[str]) -> None:  # type: ignore[override]
        super().initialize(transport)
        self.roles = roles

    def check_origin(self, origin_to_satisfy_tornado: str = "") -> bool:
        origin = origin_to_satisfy_tornado or self.request.headers.get("Origin")
        return self.transport.origin_allowed(origin, self.request.headers.get("Host"))

    def check_xsrf_cookie(self) -> None:
        """WebSocket upgrades are GETs; Origin is checked instead."""

    @allow_unauthenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        self._identity = jupyter_identity(self, self.roles)
        if self._identity is None and self.engine.authenticator is None:
            self.set_status(403)
            self.finish(_REFUSED)
            return
        await super().get(*args, **kwargs)
