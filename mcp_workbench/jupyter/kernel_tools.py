"""MCP tools that reach into Jupyter: notebooks (contents manager) and kernels."""

from __future__ import annotations

from typing import Any

from mcp_workbench.app import WorkbenchServer

__all__ = ["register_jupyter_tools"]


def register_jupyter_tools(server: WorkbenchServer, serverapp: Any) -> None:
    """Add the notebook and kernel tools to ``server``'s registry."""
