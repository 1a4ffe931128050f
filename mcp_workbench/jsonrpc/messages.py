"""The JSON-RPC 2.0 message model: classify a decoded value, and build replies.

Messages stay plain dicts on the wire side; :func:`parse_message` checks the envelope once
and returns a small typed view so the engine never re-validates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp_workbench.errors import InvalidParams, InvalidRequest, ProtocolError

__all__ = [
    "Message",
    "Notification",
    "Request",
    "RequestId",
    "Response",
    "error_response",
    "notification",
    "parse_message",
    "rejection",
    "request",
    "result_response",
]

RequestId = str | int


@dataclass(slots=True)
class Request:
    """A call that expects a response."""

    id: RequestId
    method: str
    params: dict[str, Any]


@dataclass(slots=True)
class Notification:
    """A one-way message."""

    method: str
    params: dict[str, Any]


@dataclass(slots=True)
class Response:
    """A reply from the peer to a request we sent."""

    id: RequestId | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None


Message = Request | Notification | Response


def _request_id(value: Any) -> RequestId | None:
    # bool is an int subclass but never a valid id; floats are refused as MCP requires.
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return None


def parse_message(value: Any) -> Message:
    """Classify one decoded JSON-RPC message.

    Raises:
        InvalidRequest: the value is not a valid JSON-RPC 2.0 message.
        InvalidParams: ``params`` is not an object (MCP uses named params only).

        Either error's ``data`` holds ``{"id": ...}`` when the id could be read, so the error
        can still be addressed.
    """
    if not isinstance(value, dict):
        raise InvalidRequest("Invalid Request: a message must be a JSON object")
    raw_id = value.get("id")
    rid = _request_id(raw_id)
    error_data = {"id": rid} if rid is not None else None
    if value.get("jsonrpc") != "2.0":
        raise InvalidRequest('Invalid Request: "jsonrpc" must be "2.0"', data=error_data)
    method = value.get("method")
    if method is None:
        if "result" in value or "error" in value:
            result, error = value.get("result"), value.get("error")
            if (result is None) == (error is None) or (rid is None and raw_id is not None):
                raise InvalidRequest("Invalid Response", data=error_data)
            if error is not None and not isinstance(error, dict):
                raise InvalidRequest("Invalid Response: error must be an object")
            if error is not None:
                return Response(rid, None, error)
            return Response(rid, result if isinstance(result, dict) else {"value": result}, None)
        raise InvalidRequest('Invalid Request: missing "method"', data=error_data)
    if not isinstance(method, str):
        raise InvalidRequest('Invalid Request: "method" must be a string', data=error_data)
    params = value.get("params")
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        # Valid JSON-RPC (by-position params), but MCP only defines named params.
        raise InvalidParams('Invalid params: "params" must be an object', data=error_data)
    if "id" not in value:
        return Notification(method, params)
    if rid is None:
        raise InvalidRequest('Invalid Request: "id" must be a string or an integer (and not null)')
    return Request(rid, method, params)


def rejection(exc: ProtocolError) -> dict[str, Any]:
    """The error response for a message :func:`parse_message` refused.

    It is addressed to the message's id when that could be read, else to ``null``.
    """
    rid = exc.data.get("id") if isinstance(exc.data, dict) else None
    return error_response(rid, {"code": exc.code, "message": exc.message})


def request(rid: RequestId, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A request message."""
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def notification(method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A notification message."""
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def result_response(rid: RequestId, result: dict[str, Any]) -> dict[str, Any]:
    """A success response."""
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def error_response(rid: RequestId | None, error: dict[str, Any]) -> dict[str, Any]:
    """An error response; ``rid`` is None when the request id could not be read."""
    return {"jsonrpc": "2.0", "id": rid, "error": error}
