"""Transports: bytes in and out, JSON-RPC messages to and from the engine."""

from __future__ import annotations

from mcp_workbench.transports.framing import LineFramer, Oversized
from mcp_workbench.transports.lines import StreamChannel, serve_connection
from mcp_workbench.transports.stdio import serve_stdio

__all__ = ["LineFramer", "Oversized", "StreamChannel", "serve_connection", "serve_stdio"]
