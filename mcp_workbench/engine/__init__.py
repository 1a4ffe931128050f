"""The engine: dispatch, sessions, calls and the tool executor."""

from __future__ import annotations

from mcp_workbench.engine.call import Call
from mcp_workbench.engine.engine import Engine
from mcp_workbench.engine.executor import ToolExecutor
from mcp_workbench.engine.identity import AUTHENTICATE, Authenticator, Identity
from mcp_workbench.engine.metrics import Metrics
from mcp_workbench.engine.session import Channel, Listener, Session

__all__ = [
    "AUTHENTICATE",
    "Authenticator",
    "Call",
    "Channel",
    "Engine",
    "Identity",
    "Listener",
    "Metrics",
    "Session",
    "ToolExecutor",
]
