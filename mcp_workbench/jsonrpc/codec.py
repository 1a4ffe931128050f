"""Bytes <-> JSON values with orjson, with a size limit checked before parsing."""

from __future__ import annotations

from typing import Any

import orjson

from mcp_workbench.errors import InvalidRequest, ParseError

__all__ = ["decode", "encode"]


def decode(data: bytes | bytearray | memoryview | str, *, max_bytes: int | None = None) -> Any:
    """Parse one JSON text.

    Raises:
        InvalidRequest: the text is larger than ``max_bytes``.
        ParseError: the text is not valid UTF-8 JSON.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise InvalidRequest(
            f"Message of {len(data)} bytes exceeds the limit of {max_bytes} bytes",
            data={"limit": max_bytes},
        )
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"Parse error: {exc}") from exc


def encode(value: Any) -> bytes:
    """Serialise a JSON value to compact UTF-8 bytes (never containing a raw newline)."""
    return orjson.dumps(value)
