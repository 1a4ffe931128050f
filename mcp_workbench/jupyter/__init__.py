"""MCP Workbench as a Jupyter Server extension: ``jupyter server`` (or ``mcp-workbench
serve``) loads it, enabled by the config file the wheel installs."""

from __future__ import annotations

from typing import Any

from mcp_workbench.jupyter.extension import MCPWorkbench

__all__ = ["MCPWorkbench"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "mcp_workbench.jupyter", "app": MCPWorkbench}]
