"""``workbench.*``: what this server is and what it serves."""

from __future__ import annotations

import platform
import time

from pydantic import BaseModel

from mcp_workbench.__about__ import __version__
from mcp_workbench.engine.access import tool_attributes
from mcp_workbench.protocol.versions import SUPPORTED_VERSIONS
from mcp_workbench.registry import ToolContext, resource, tool

__all__ = ["ServerInfo", "about", "info"]

_STARTED = time.time()


class ServerInfo(BaseModel):
    """What ``workbench.info`` reports."""

    version: str
    protocol_versions: list[str]
    client_protocol_version: str
    caller: str | None
    tools: int
    uptime_seconds: float
    python: str


@tool(annotations={"readOnlyHint": True, "idempotentHint": True}, title="Server information")
def info(ctx: ToolContext) -> ServerInfo:
    """Version, supported protocol revisions, number of tools (that you may use) and
    uptime of this server."""
    return ServerInfo(
        version=__version__,
        protocol_versions=SUPPORTED_VERSIONS,
        client_protocol_version=ctx.protocol_version,
        caller=ctx.principal,
        tools=sum(  # only those the caller may see: the others are not there for it
            1
            for tool in ctx.registry.tools.values()
            if ctx.may("list", "tool", tool.name, tool_attributes(tool))
        ),
        uptime_seconds=round(time.time() - _STARTED, 3),
        python=platform.python_version(),
    )


@resource("workbench://about", name="about", mime_type="text/markdown")
def about() -> str:
    """A short description of this server."""
    return (
        f"# MCP Workbench {__version__}\n\n"
        "A Jupyter-integrated MCP server and knowledge/prompt workbench.\n\n"
        f"Protocol revisions: {', '.join(SUPPORTED_VERSIONS)}.\n"
    )
