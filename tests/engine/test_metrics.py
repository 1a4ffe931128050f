"""Request metrics: what Prometheus reads back from the engine's plain counters."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from mcp_workbench.engine.metrics import LATENCY_BUCKETS, Metrics


def _samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.render().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_requests_are_counted_by_method_and_outcome() -> None:
    metrics = Metrics()
    for outcome in ("ok", "ok", "error", "cancelled"):
        metrics.requests.observe("tools/call", outcome, 0.001)
    metrics.requests.observe("ping", "ok", 0.0001)
    samples = _samples(metrics)
    key = "mcp_requests_total"
    assert samples[(key, (("method", "tools/call"), ("outcome", "ok")))] == 2
    assert samples[(key, (("method", "tools/call"), ("outcome", "error")))] == 1
    assert samples[(key, (("method", "tools/call"), ("outcome", "cancelled")))] == 1
    assert samples[(key, (("method", "ping"), ("outcome", "ok")))] == 1


def test_latency_buckets_are_cumulative_and_a_bound_is_inclusive() -> None:
    metrics = Metrics()
    # On a bound (le="0.001" holds it), between bounds, and beyond the last one.
    for seconds in (0.0001, 0.001, 0.003, 0.003, 60.0):
        metrics.requests.observe("tools/call", "ok", seconds)
    samples = _samples(metrics)

    def bucket(le: str) -> float:
        name = "mcp_request_duration_seconds_bucket"
        return samples[(name, (("le", le), ("method", "tools/call")))]

    assert bucket("0.0005") == 1
    assert bucket("0.001") == 2
    assert bucket("0.0025") == 2
    assert bucket("0.005") == 4
    assert bucket("10.0") == 4
    assert bucket("+Inf") == 5
    method = (("method", "tools/call"),)
    assert samples[("mcp_request_duration_seconds_count", method)] == 5
    assert abs(samples[("mcp_request_duration_seconds_sum", method)] - 60.0071) < 1e-9
    buckets = [name for name, _ in samples if name == "mcp_request_duration_seconds_bucket"]
    assert len(buckets) == len(LATENCY_BUCKETS) + 1  # every bound, and +Inf
