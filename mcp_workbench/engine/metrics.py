"""Prometheus metrics of one engine, in a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics"]


class Metrics:
    """Requests by method and outcome, latency, sessions, tool errors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mcp_requests",
            "JSON-RPC requests served, by method and outcome (ok, error, cancelled).",
            ["method", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mcp_request_duration_seconds",
            "Time to serve a JSON-RPC request, by method.",
            ["method"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        self.sessions = Gauge(
            "mcp_active_sessions",
            "Sessions currently open, by transport.",
            ["transport"],
            registry=self.registry,
        )
        self.tool_errors = Counter(
            "mcp_tool_errors",
            "Tool calls that ended in an error result, by tool.",
            ["tool"],
            registry=self.registry,
        )
        self.notifications = Counter(
            "mcp_notifications_sent",
            "Notifications sent to clients, by method.",
            ["method"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
