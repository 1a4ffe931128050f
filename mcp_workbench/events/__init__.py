"""Event fan-out: the in-process bus (cluster buses plug in here)."""

from __future__ import annotations

from mcp_workbench.events.bus import EventBus, EventStream

__all__ = ["EventBus", "EventStream"]
