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

from mcp_workbench.__about__ import __version__
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
