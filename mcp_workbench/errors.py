"""The one error tree of MCP Workbench, and its mapping to JSON-RPC codes and HTTP statuses.

::

    WorkbenchError
    ├── ProtocolError                       a JSON-RPC error with its code (and optional data)
    │   ├── ParseError                      -32700  the bytes are not JSON
    │   ├── InvalidRequest                  -32600  JSON, but not a valid JSON-RPC message
    │   ├── MethodNotFound                  -32601
    │   ├── InvalidParams                   -32602
    │   ├── InternalError                   -32603
    │   ├── HeaderMismatch                  -32020  HTTP headers disagree with the body
    │   ├── MissingRequiredClientCapability -32021
    │   └── UnsupportedProtocolVersion      -32022
    ├── ToolError                           a tool failed; reported as an ``isError`` result
    ├── AuthError                           who you are could not be established
    │   └── InvalidToken                    a bearer token is missing or refused (``reason``)
    ├── PermissionDenied                    who you are may not do this
    ├── InvalidInput                        a value breaks a rule (bad name, body too big)
    ├── NotFound                            the named thing does not exist
    ├── Conflict                            a stale version or a clash with concurrent work
    ├── RateLimited                         too many calls; carries ``retry_after`` seconds
    ├── StoreError                          the store failed
    └── VaultSyncError                      the Obsidian vault could not be synced

``jsonrpc_error`` turns any of these into a JSON-RPC error object, ``http_status`` a JSON-RPC
code into the HTTP status that carries it, and ``error_status`` any of them into the status
a REST answer gets: those functions are the only places where that mapping lives.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthError",
    "Conflict",
    "HeaderMismatch",
    "InternalError",
    "InvalidInput",
    "InvalidParams",
    "InvalidRequest",
    "InvalidToken",
    "MethodNotFound",
    "MissingRequiredClientCapability",
    "NotFound",
    "ParseError",
    "PermissionDenied",
    "ProtocolError",
    "RateLimited",
    "StoreError",
    "ToolError",
    "UnsupportedProtocolVersion",
    "VaultSyncError",
    "WorkbenchError",
    "error_status",
    "http_status",
    "jsonrpc_error",
]

# Standard JSON-RPC 2.0 codes.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# Codes of the MCP specification (2026-07-28 reserved sub-range).
HEADER_MISMATCH = -32020
MISSING_REQUIRED_CLIENT_CAPABILITY = -32021
UNSUPPORTED_PROTOCOL_VERSION = -32022
# Legacy revisions (2025-11-25 and earlier) answered an unknown resource with this code.
LEGACY_RESOURCE_NOT_FOUND = -32002
# Application codes, outside the JSON-RPC reserved range.
PERMISSION_DENIED = -31003
CONFLICT = -31009
RATE_LIMITED = -31029
AUTH_REQUIRED = -31001


class WorkbenchError(Exception):
    """Root of every error MCP Workbench raises on purpose."""

    def __init__(self, message: str, *, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class ProtocolError(WorkbenchError):
    """A JSON-RPC error: the request cannot be served as asked."""

    code: int = INTERNAL_ERROR

    def __init__(self, message: str, *, data: Any = None, code: int | None = None) -> None:
        super().__init__(message, data=data)
        if code is not None:
            self.code = code


class ParseError(ProtocolError):
    """The message is not valid JSON (or not UTF-8)."""

    code = PARSE_ERROR


class InvalidRequest(ProtocolError):
    """The JSON is not a valid JSON-RPC request, or is too large."""

    code = INVALID_REQUEST


class MethodNotFound(ProtocolError):
    """No such method, or not in the negotiated revision."""

    code = METHOD_NOT_FOUND


class InvalidParams(ProtocolError):
    """The method exists but its params are wrong."""

    code = INVALID_PARAMS


class InternalError(ProtocolError):
    """An unexpected failure while serving the request."""

    code = INTERNAL_ERROR


class HeaderMismatch(ProtocolError):
    """HTTP headers are missing, malformed or disagree with the body."""

    code = HEADER_MISMATCH


class MissingRequiredClientCapability(ProtocolError):
    """Serving the request needs a capability the client did not declare."""

    code = MISSING_REQUIRED_CLIENT_CAPABILITY

    def __init__(self, message: str, *, required: dict[str, Any]) -> None:
        super().__init__(message, data={"requiredCapabilities": required})


class UnsupportedProtocolVersion(ProtocolError):
    """The request asks for a protocol revision this server does not speak."""

    code = UNSUPPORTED_PROTOCOL_VERSION

    def __init__(self, requested: Any, supported: list[str]) -> None:
        super().__init__(
            "Unsupported protocol version",
            data={"supported": supported, "requested": requested},
        )


class ToolError(WorkbenchError):
    """Raised by a tool to report a failure to the model as an ``isError`` result."""


class AuthError(WorkbenchError):
    """The caller could not be authenticated."""


class InvalidToken(AuthError):
    """A bearer token is missing or was refused.

    The message is generic on purpose: it goes to the client. ``reason`` says exactly
    why (``"expired"``, ``"bad_signature"``...) and is for logs and audit only.
    """

    def __init__(self, reason: str, message: str = "invalid token") -> None:
        super().__init__(message)
        self.reason = reason

    def __repr__(self) -> str:
        return f"InvalidToken(reason={self.reason!r})"


class PermissionDenied(WorkbenchError):
    """The caller is authenticated but not allowed to do this."""


class InvalidInput(WorkbenchError):
    """A value breaks a rule of the workbench: a bad name or label, an oversized body."""


class NotFound(WorkbenchError):
    """The named tool, prompt, resource or record does not exist."""


class Conflict(WorkbenchError):
    """The expected version is stale, or the change clashes with another."""


class RateLimited(WorkbenchError):
    """Too many calls; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, data={"retryAfter": retry_after})
        self.retry_after = retry_after


class StoreError(WorkbenchError):
    """The store could not complete the operation."""


class VaultSyncError(WorkbenchError):
    """The Obsidian vault could not be read or written."""


def jsonrpc_error(exc: BaseException, *, legacy_not_found: bool = False) -> dict[str, Any]:
    """The JSON-RPC ``error`` object for ``exc``; unknown exceptions become -32603.

    ``legacy_not_found`` selects -32002 for a missing resource, as revisions up to
    2025-11-25 require (2026-07-28 uses -32602).
    """
    code: int
    if isinstance(exc, ProtocolError):
        code = exc.code
    elif isinstance(exc, NotFound):
        code = LEGACY_RESOURCE_NOT_FOUND if legacy_not_found else INVALID_PARAMS
    elif isinstance(exc, InvalidInput):
        code = INVALID_PARAMS
    elif isinstance(exc, PermissionDenied):
        code = PERMISSION_DENIED
    elif isinstance(exc, Conflict):
        code = CONFLICT
    elif isinstance(exc, RateLimited):
        code = RATE_LIMITED
    elif isinstance(exc, AuthError):
        code = AUTH_REQUIRED
    elif isinstance(exc, WorkbenchError):
        code = INTERNAL_ERROR
    else:
        return {"code": INTERNAL_ERROR, "message": "Internal error"}
    error: dict[str, Any] = {"code": code, "message": exc.message}
    if exc.data is not None:
        error["data"] = exc.data
    return error


_HTTP_BY_CODE = {
    PARSE_ERROR: 400,
    INVALID_REQUEST: 400,
    METHOD_NOT_FOUND: 404,
    INVALID_PARAMS: 400,
    HEADER_MISMATCH: 400,
    MISSING_REQUIRED_CLIENT_CAPABILITY: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
    AUTH_REQUIRED: 401,
    PERMISSION_DENIED: 403,
    CONFLICT: 409,
    RATE_LIMITED: 429,
}


def http_status(code: int) -> int:
    """The HTTP status that carries a JSON-RPC error ``code`` on its own (not inside SSE)."""
    return _HTTP_BY_CODE.get(code, 500 if code == INTERNAL_ERROR else 400)


_REST_STATUS: tuple[tuple[type[WorkbenchError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 400),
    (PermissionDenied, 403),
    (RateLimited, 429),
    (StoreError, 503),
    (AuthError, 401),
)


def error_status(exc: WorkbenchError) -> int:
    """The HTTP status a workbench error is answered with over REST; a JSON-RPC error (from
    the engine) keeps the status :func:`http_status` gives its code."""
    if isinstance(exc, ProtocolError):
        return http_status(exc.code)
    for kind, status in _REST_STATUS:
        if isinstance(exc, kind):
            return status
    return 500
