"""The events socket: ``{base_url}mcp-workbench/api/v1/events`` streams the event log."""

from __future__ import annotations

from typing import Any

__all__ = ["event_handlers"]


def event_handlers(prefix: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """The events socket's routes, under ``prefix`` (``/mcp-workbench/api/v1``)."""
    return []
