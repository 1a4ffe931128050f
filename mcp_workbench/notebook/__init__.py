"""The workbench from a notebook: call tools (also through forms), render prompts, search
notes, read boards, and serve the notebook's own functions as tools.

``Workbench()`` inside a kernel that a Jupyter server started connects to that server;
elsewhere pass ``url`` and ``token`` (or set ``MCP_WORKBENCH_URL`` and
``MCP_WORKBENCH_TOKEN``).
"""

from __future__ import annotations

from mcp_workbench.notebook.address import ServerAddress, find_server
from mcp_workbench.notebook.client import Boards, Notes, Prompts, Workbench
from mcp_workbench.notebook.errors import CallTimeout, ConnectionFailed, ToolCallError
from mcp_workbench.notebook.functions import NotebookTool
from mcp_workbench.notebook.records import BoardRecord, Record, RenderedPrompt, SearchHits
from mcp_workbench.notebook.tools import ToolCallResult, ToolHandle, ToolInfo, ToolNamespace

__all__ = [
    "BoardRecord",
    "Boards",
    "CallTimeout",
    "ConnectionFailed",
    "NotebookTool",
    "Notes",
    "Prompts",
    "Record",
    "RenderedPrompt",
    "SearchHits",
    "ServerAddress",
    "ToolCallError",
    "ToolCallResult",
    "ToolHandle",
    "ToolInfo",
    "ToolNamespace",
    "Workbench",
    "find_server",
]
