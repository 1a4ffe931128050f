"""Event fan-out: the in-process bus (cluster buses plug in here)."""

from __future__ import annotations

from mcp_workbench.events.bus import EventBus, EventStream
from mcp_workbench.events.feed import LogFeed

__all__ = ["EventBus", "EventStream", "LogFeed"]
