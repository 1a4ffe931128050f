"""Streamable HTTP request headers of 2026-07-28: the body's fields mirrored into headers.

``MCP-Protocol-Version``, ``Mcp-Method`` and ``Mcp-Name`` repeat the request's version,
method and target; a tool's input schema may also mark properties with
``"x-mcp-header": "Name"``, which clients send as ``Mcp-Param-Name``. The server checks that
headers and body agree, so that intermediaries routing on headers cannot be fooled.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Any

from mcp_workbench.errors import HeaderMismatch, UnsupportedProtocolVersion
from mcp_workbench.jsonrpc import Message, Request
from mcp_workbench.protocol.meta import PROTOCOL_VERSION
from mcp_workbench.protocol.versions import MODERN_VERSIONS, REVISIONS

__all__ = [
    "SESSION_HEADER",
    "VERSION_HEADER",
    "ParamPaths",
    "check_param_headers",
    "check_request_headers",
    "decode_header_value",
    "param_header_paths",
]

SESSION_HEADER = "Mcp-Session-Id"
VERSION_HEADER = "MCP-Protocol-Version"
# Which body field ``Mcp-Name`` mirrors, by method.
_NAMED = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    "tasks/get": "taskId",
    "tasks/update": "taskId",
    "tasks/cancel": "taskId",
}
Header = Callable[[str], "str | None"]
ParamPaths = list[tuple[tuple[str, ...], str]]

_B64_PREFIX, _B64_SUFFIX = "=?base64?", "?="


def decode_header_value(value: str) -> str:
    """A header value with the ``=?base64?...?=`` sentinel encoding undone.

    Raises:
        HeaderMismatch: the value claims base64 but is not.
    """
    if value.startswith(_B64_PREFIX) and value.endswith(_B64_SUFFIX) and len(value) >= 11:
        try:
            raw = base64.b64decode(value[len(_B64_PREFIX) : -len(_B64_SUFFIX)], validate=True)
            return raw.decode()
        except (binascii.Error, UnicodeDecodeError):
            raise HeaderMismatch("Malformed base64 header value") from None
    if value.isascii() and value.isprintable():
        return value
    if any((ord(c) < 0x20 and c != "\t") or ord(c) > 0x7E for c in value):
        raise HeaderMismatch("Header value contains invalid characters")
    return value


def param_header_paths(schema: dict[str, Any]) -> ParamPaths:
    """``(property path, header name)`` for every ``x-mcp-header`` in a tool's input schema."""
    return list(_walk(schema, ()))


def _walk(schema: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        here = (*path, key)
        name = sub.get("x-mcp-header")
        if isinstance(name, str):
            yield here, name
        yield from _walk(sub, here)


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _lookup(arguments: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = arguments
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def check_param_headers(
    paths: list[tuple[tuple[str, ...], str]],
    arguments: dict[str, Any],
    header: Callable[[str], str | None],
) -> None:
    """Check each mirrored argument against its ``Mcp-Param-*`` header.

    Raises:
        HeaderMismatch: a header is missing, malformed or disagrees with the body.
    """
    for path, name in paths:
        value = _lookup(arguments, path)
        raw = header(f"Mcp-Param-{name}")
        if value is None:
            continue  # absent or null: the client omits the header, nothing to compare
        if raw is None:
            raise HeaderMismatch(f"Missing required Mcp-Param-{name} header")
        sent = decode_header_value(raw)
        expected = _render(value)
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if numeric:
            try:
                same = float(sent) == float(value)
            except ValueError:
                same = False
        else:
            same = sent == expected
        if not same:
            raise _mismatch(f"Mcp-Param-{name}", sent, expected)


def _mismatch(header: str, sent: Any, body: Any) -> HeaderMismatch:
    return HeaderMismatch(
        f"Header mismatch: {header} header value {sent!r} does not match body value {body!r}"
    )


def check_request_headers(
    message: Message,
    meta: dict[str, Any],
    header: Header,
    param_paths: Callable[[str], ParamPaths],
) -> None:
    """Check a modern request's headers against its body.

    ``param_paths(tool)`` gives a tool's ``x-mcp-header`` properties (see
    :func:`param_header_paths`).

    Raises:
        HeaderMismatch: a header is missing or disagrees with the body (-32020).
        UnsupportedProtocolVersion: headers and body agree on a revision we do not speak.
    """
    version = header(VERSION_HEADER)
    body_version = meta.get(PROTOCOL_VERSION)
    if version is None:
        raise HeaderMismatch(f"Missing required {VERSION_HEADER} header")
    if version != body_version:
        raise _mismatch(VERSION_HEADER, version, body_version)
    rev = REVISIONS.get(version)
    if rev is None or not rev.modern:
        raise UnsupportedProtocolVersion(version, MODERN_VERSIONS)
    if not isinstance(message, Request):
        return
    method = header("Mcp-Method")
    if method is None:
        raise HeaderMismatch("Missing required Mcp-Method header")
    if method != message.method:
        raise _mismatch("Mcp-Method", method, message.method)
    field = _NAMED.get(message.method)
    if field is not None:
        raw = header("Mcp-Name")
        if raw is None:
            raise HeaderMismatch("Missing required Mcp-Name header")
        name = decode_header_value(raw)
        if name != message.params.get(field):
            raise _mismatch("Mcp-Name", name, message.params.get(field))
    arguments = message.params.get("arguments")
    if message.method == "tools/call" and isinstance(arguments, dict):
        paths = param_paths(str(message.params.get("name")))
        if paths:
            check_param_headers(paths, arguments, header)
