"""The REST API under ``{base_url}mcp-workbench/api/v1/``."""

from __future__ import annotations

from typing import Any

__all__ = ["rest_handlers"]


def rest_handlers(prefix: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """The API's routes, under ``prefix`` (``/mcp-workbench/api/v1``)."""
    return []
