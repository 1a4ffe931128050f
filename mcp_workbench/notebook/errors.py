"""What the notebook client raises: the workbench's own errors, rebuilt from the server's
answers, and two of its own for the connection.

::

    WorkbenchError                        (mcp_workbench.errors)
    ├── ProtocolError and its subclasses  a JSON-RPC error, by its code
    ├── AuthError, PermissionDenied,      the application codes of the workbench
    │   Conflict, RateLimited, NotFound
    ├── ToolError
    │   └── ToolCallError                 a tool answered ``isError``: its message, its result
    ├── ConnectionFailed                  no server found, refused, or the connection was lost
    └── CallTimeout                       no answer in time (the call was cancelled)
"""

from __future__ import annotations

from typing import Any

from mcp_workbench.errors import (
    AuthError,
    Conflict,
    HeaderMismatch,
    InternalError,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    NotFound,
    ParseError,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ToolError,
    WorkbenchError,
)

__all__ = ["CallTimeout", "ConnectionFailed", "ToolCallError", "error_from_jsonrpc"]


class ToolCallError(ToolError):
    """The tool ran and reported a failure (an ``isError`` result); the message is the
    tool's, ``result`` the whole ``CallToolResult``."""

    def __init__(self, tool: str, message: str, result: dict[str, Any]) -> None:
        super().__init__(message, data=result)
        self.tool = tool
        self.result = result


class ConnectionFailed(WorkbenchError, ConnectionError):
    """The server cannot be found or reached, refused the connection, or it was lost."""


class CallTimeout(WorkbenchError, TimeoutError):
    """The server did not answer in time; the request was cancelled."""


_BY_CODE: dict[int, type[ProtocolError]] = {
    cls.code: cls
    for cls in (
        ParseError,
        InvalidRequest,
        MethodNotFound,
        InvalidParams,
        InternalError,
        HeaderMismatch,
    )
}
_APPLICATION: dict[int, type[WorkbenchError]] = {
    -31001: AuthError,
    -31003: PermissionDenied,
    -31009: Conflict,
    -32002: NotFound,  # an unknown resource, in revisions up to 2025-11-25
}


def error_from_jsonrpc(error: Any) -> WorkbenchError:
    """The exception for a JSON-RPC ``error`` object from the server."""
    if not isinstance(error, dict):
        return ProtocolError(f"malformed error from the server: {error!r}")
    code = error.get("code")
    message = str(error.get("message") or "error")
    data = error.get("data")
    if not isinstance(code, int):
        return ProtocolError(message, data=data)
    if code == -31029:
        retry = data.get("retryAfter") if isinstance(data, dict) else None
        return RateLimited(message, retry_after=float(retry) if retry is not None else 1.0)
    application = _APPLICATION.get(code)
    if application is not None:
        return application(message, data=data)
    return _BY_CODE.get(code, ProtocolError)(message, data=data, code=code)
