"""Prometheus metrics of one engine, in a registry of its own."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["Metrics", "RequestStats"]

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)


class RequestStats(Collector):
    """Requests by method and outcome, and their latency by method.

    Counted in plain ints on the hot path (a dict update and a bisect per request, where
    the client library's labelled children take locks and walk the buckets), and turned into
    the ``mcp_requests`` counter and ``mcp_request_duration_seconds`` histogram on scrape.
    Only the event loop's thread records.
    """

    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.bounds = buckets
        self._les = (*(repr(float(bound)) for bound in buckets), "+Inf")
        """Each bucket's ``le`` label, as Prometheus writes bounds."""
        self.counts: dict[tuple[str, str], int] = {}
        self._buckets: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}

    def observe(self, method: str, outcome: str, seconds: float) -> None:
        """Count one request of ``method`` that ended with ``outcome`` after ``seconds``."""
        key = (method, outcome)
        self.counts[key] = self.counts.get(key, 0) + 1
        buckets = self._buckets.get(method)
        if buckets is None:
            buckets = self._buckets[method] = [0] * (len(self.bounds) + 1)
            self._sums[method] = 0.0
        buckets[bisect_left(self.bounds, seconds)] += 1
        self._sums[method] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "mcp_requests",
            "JSON-RPC requests served, by method and outcome (ok, error, cancelled).",
            labels=["method", "outcome"],
        )
        for (method, outcome), count in sorted(self.counts.items()):
            requests.add_metric([method, outcome], count)
        yield requests
        latency = HistogramMetricFamily(
            "mcp_request_duration_seconds",
            "Time to serve a JSON-RPC request, by method.",
            labels=["method"],
        )
        for method, counts in sorted(self._buckets.items()):
            cumulative = list(zip(self._les, accumulate(counts), strict=True))
            latency.add_metric([method], cumulative, self._sums[method])
        yield latency


class Metrics:
    """Requests by method and outcome, latency, sessions, tool errors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = RequestStats()
        self.registry.register(self.requests)
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
