"""MCP Workbench: a Jupyter-integrated MCP server and knowledge/prompt workbench.

Declare tools, prompts and resources in any module::

    from mcp_workbench import tool, ToolContext

    @tool
    async def echo(text: str, ctx: ToolContext) -> str:
        \"\"\"Repeat the text.\"\"\"
        await ctx.report_progress(1, 1)
        return text

and serve them with ``mcp-workbench stdio --tools mymodule``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mcp_workbench.__about__ import __version__

if TYPE_CHECKING:
    from mcp_workbench.config import Settings, load_settings
    from mcp_workbench.engine import Engine
    from mcp_workbench.registry import (
        Registry,
        ToolContext,
        ToolResult,
        prompt,
        resource,
        tool,
    )

__all__ = [
    "Engine",
    "Registry",
    "Settings",
    "ToolContext",
    "ToolResult",
    "__version__",
    "load_settings",
    "prompt",
    "resource",
    "tool",
]

# Where each name lives: imported on first use, so that `mcp-workbench --help` or
# `import mcp_workbench.cli` does not load the engine, the store and their dependencies.
_HOMES = {
    "Engine": "mcp_workbench.engine",
    "Registry": "mcp_workbench.registry",
    "Settings": "mcp_workbench.config",
    "ToolContext": "mcp_workbench.registry",
    "ToolResult": "mcp_workbench.registry",
    "load_settings": "mcp_workbench.config",
    "prompt": "mcp_workbench.registry",
    "resource": "mcp_workbench.registry",
    "tool": "mcp_workbench.registry",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mcp_workbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
