"""Tools, prompts and resources: how they are declared, described and held."""

from __future__ import annotations

from mcp_workbench.registry.content import (
    ToolResult,
    audio,
    embedded_resource,
    image,
    resource_link,
    text,
)
from mcp_workbench.registry.context import (
    InputRequest,
    LogLevel,
    RequestScope,
    ToolContext,
    elicitation,
    roots_request,
    sampling,
)
from mcp_workbench.registry.decorators import prompt, resource, tool
from mcp_workbench.registry.items import Prompt, Tool
from mcp_workbench.registry.loader import load_entry_points, load_module
from mcp_workbench.registry.registry import ChangeKind, Registry
from mcp_workbench.registry.resources import Resource, ResourceTemplate

__all__ = [
    "ChangeKind",
    "InputRequest",
    "LogLevel",
    "Prompt",
    "Registry",
    "RequestScope",
    "Resource",
    "ResourceTemplate",
    "Tool",
    "ToolContext",
    "ToolResult",
    "audio",
    "elicitation",
    "embedded_resource",
    "image",
    "load_entry_points",
    "load_module",
    "prompt",
    "resource",
    "resource_link",
    "roots_request",
    "sampling",
    "text",
    "tool",
]
