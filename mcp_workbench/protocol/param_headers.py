"""``x-mcp-header``: tool arguments mirrored into ``Mcp-Param-*`` HTTP headers (2026-07-28).

A tool's input schema may mark properties with ``"x-mcp-header": "Name"``; clients then send
the argument's value as ``Mcp-Param-Name`` and the server must check that header and body
agree, so that intermediaries routing on the header cannot be fooled.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Any

from mcp_workbench.errors import HeaderMismatch

__all__ = ["check_param_headers", "decode_header_value", "param_header_paths"]

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
    if any((ord(c) < 0x20 and c != "\t") or ord(c) > 0x7E for c in value):
        raise HeaderMismatch("Header value contains invalid characters")
    return value


def param_header_paths(schema: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
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
            raise HeaderMismatch(
                f"Header mismatch: Mcp-Param-{name} header value {sent!r} does not match "
                f"body value {expected!r}"
            )
