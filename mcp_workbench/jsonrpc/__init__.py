"""JSON-RPC 2.0: the message model and the orjson codec, with no knowledge of MCP."""

from __future__ import annotations

from mcp_workbench.jsonrpc.codec import decode, encode
from mcp_workbench.jsonrpc.messages import (
    Message,
    Notification,
    Request,
    RequestId,
    Response,
    error_response,
    notification,
    parse_message,
    rejection,
    request,
    result_response,
)

__all__ = [
    "Message",
    "Notification",
    "Request",
    "RequestId",
    "Response",
    "decode",
    "encode",
    "error_response",
    "notification",
    "parse_message",
    "rejection",
    "request",
    "result_response",
]
