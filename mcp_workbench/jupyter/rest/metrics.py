"""``/metrics``: the engine's Prometheus metrics summarised as JSON (admin), for charts.

The Prometheus text at ``{base_url}mcp-workbench/metrics`` stays the source for scrapers;
this is the same registry read at one moment: requests by method and outcome, the latency
histogram by method (cumulative buckets, as Prometheus keeps them), open sessions by
transport and tool errors by tool.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

from jupyter_server.auth.decorator import authorized
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, Field
from tornado import web

from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.spec import Route

__all__ = ["ROUTES", "MetricsSummary", "summarise"]


class MethodCalls(BaseModel):
    """How many requests of one method ended with one outcome."""

    method: str = Field(description="The JSON-RPC method, e.g. 'tools/call'.")
    outcome: str = Field(description="ok, error or cancelled.")
    count: int


class LatencyBucket(BaseModel):
    """Requests that took at most ``le`` seconds (cumulative, as in Prometheus)."""

    le: float | None = Field(description="The bucket's upper bound; null is +Inf.")
    count: int


class LatencyHistogram(BaseModel):
    """The time to serve one method's requests."""

    method: str
    count: int
    sum_seconds: float
    buckets: list[LatencyBucket] = Field(description="By upper bound, smallest first.")


class TransportSessions(BaseModel):
    """Sessions open now on one transport."""

    transport: str
    open: int


class ToolErrors(BaseModel):
    """Calls of one tool that ended in an error result."""

    tool: str
    count: int


class MetricsSummary(BaseModel):
    """The engine's metrics at ``at``."""

    at: float = Field(description="When they were read (Unix time).")
    requests: list[MethodCalls]
    latency: list[LatencyHistogram]
    sessions: list[TransportSessions]
    tool_errors: list[ToolErrors]


def _bound(text: str) -> float | None:
    value = float(text)
    return None if math.isinf(value) else value


def _samples(registry: CollectorRegistry, name: str) -> Iterable[Any]:
    for family in registry.collect():
        if family.name == name:
            yield from family.samples


def summarise(registry: CollectorRegistry) -> MetricsSummary:
    """Read the workbench engine's metrics (see :class:`~mcp_workbench.engine.Metrics`)."""
    requests = [
        MethodCalls(method=s.labels["method"], outcome=s.labels["outcome"], count=int(s.value))
        for s in _samples(registry, "mcp_requests")
        if s.name == "mcp_requests_total"
    ]
    histograms: dict[str, LatencyHistogram] = {}
    for sample in _samples(registry, "mcp_request_duration_seconds"):
        method = sample.labels["method"]
        histogram = histograms.setdefault(
            method, LatencyHistogram(method=method, count=0, sum_seconds=0.0, buckets=[])
        )
        if sample.name.endswith("_bucket"):
            le = _bound(sample.labels["le"])
            histogram.buckets.append(LatencyBucket(le=le, count=int(sample.value)))
        elif sample.name.endswith("_count"):
            histogram.count = int(sample.value)
        elif sample.name.endswith("_sum"):
            histogram.sum_seconds = sample.value
    for histogram in histograms.values():
        histogram.buckets.sort(key=lambda b: math.inf if b.le is None else b.le)
    sessions = [
        TransportSessions(transport=s.labels["transport"], open=int(s.value))
        for s in _samples(registry, "mcp_active_sessions")
    ]
    tool_errors = [
        ToolErrors(tool=s.labels["tool"], count=int(s.value))
        for s in _samples(registry, "mcp_tool_errors")
        if s.name == "mcp_tool_errors_total"
    ]
    return MetricsSummary(
        at=time.time(),
        requests=sorted(requests, key=lambda r: (r.method, r.outcome)),
        latency=sorted(histograms.values(), key=lambda h: h.method),
        sessions=sorted(sessions, key=lambda s: s.transport),
        tool_errors=sorted(tool_errors, key=lambda t: t.tool),
    )


class MetricsHandler(RestHandler):
    """``/metrics``"""

    needs_store = False

    @web.authenticated
    @authorized
    @operation(response=MetricsSummary, admin=True)
    async def get(self) -> MetricsSummary:
        """Summarise the metrics

        Requests by method and outcome, the latency histogram by method, open sessions by
        transport and tool errors by tool, as counted since the server started (the
        Prometheus text at ``/mcp-workbench/metrics`` has the same numbers).
        """
        return summarise(self.server.engine.metrics.registry)


ROUTES = [Route("/metrics", MetricsHandler)]
