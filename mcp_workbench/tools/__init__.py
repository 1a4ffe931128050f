"""The built-in tools, prompts and resources every workbench serves."""

from __future__ import annotations

__all__ = ["BUILTIN_MODULES"]

BUILTIN_MODULES = ["workbench=mcp_workbench.tools.system"]
"""Modules loaded unless ``builtin_tools`` is turned off, with their namespaces."""
