"""Builders for MCP content blocks and results, as plain JSON-ready dicts."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ToolResult",
    "audio",
    "embedded_resource",
    "image",
    "resource_link",
    "text",
]


def text(value: str, **extra: Any) -> dict[str, Any]:
    """A text content block."""
    return {"type": "text", "text": value, **extra}


def _b64(data: bytes | str) -> str:
    return data if isinstance(data, str) else base64.b64encode(data).decode("ascii")


def image(data: bytes | str, mime_type: str, **extra: Any) -> dict[str, Any]:
    """An image content block; ``data`` is raw bytes or already base64."""
    return {"type": "image", "data": _b64(data), "mimeType": mime_type, **extra}


def audio(data: bytes | str, mime_type: str, **extra: Any) -> dict[str, Any]:
    """An audio content block; ``data`` is raw bytes or already base64."""
    return {"type": "audio", "data": _b64(data), "mimeType": mime_type, **extra}


def resource_link(uri: str, name: str, **extra: Any) -> dict[str, Any]:
    """A link to a resource the client may read."""
    return {"type": "resource_link", "uri": uri, "name": name, **extra}


def embedded_resource(
    uri: str, *, text: str | None = None, blob: bytes | None = None, mime_type: str | None = None
) -> dict[str, Any]:
    """A resource's contents embedded in a result."""
    contents: dict[str, Any] = {"uri": uri}
    if mime_type is not None:
        contents["mimeType"] = mime_type
    if blob is not None:
        contents["blob"] = _b64(blob)
    else:
        contents["text"] = text or ""
    return {"type": "resource", "resource": contents}


@dataclass(slots=True)
class ToolResult:
    """A tool's full result, for tools that want to set every field themselves."""

    content: list[dict[str, Any]] = field(default_factory=list)
    structured: Any = None
    is_error: bool = False
    meta: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``CallToolResult`` body (without ``resultType``)."""
        result: dict[str, Any] = {"content": self.content}
        if self.structured is not None:
            result["structuredContent"] = self.structured
        if self.is_error:
            result["isError"] = True
        if self.meta:
            result["_meta"] = self.meta
        return result
