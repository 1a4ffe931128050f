"""``/metrics`` over REST: the engine's counters and latency histogram as JSON, for the
admin page's charts; admins only while a policy is in force."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.jupyter.rest_api import Api


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


async def test_calls_are_counted_by_method_and_outcome_with_their_latency(api: Api) -> None:
    for numbers in ([1, 2], [3]):
        assert (await api("POST", "tools/add/call", {"numbers": numbers})).status == 200
    assert (await api("POST", "tools/fail/call", {"message": "no"})).body["isError"] is True

    summary = (await api.get("metrics")).body
    calls = {(r["method"], r["outcome"]): r["count"] for r in summary["requests"]}
    assert calls[("tools/call", "ok")] == 3  # a tool's error result is an answered call
    assert {"tool": "fail", "count": 1} in summary["tool_errors"]
    latency = {h["method"]: h for h in summary["latency"]}["tools/call"]
    assert latency["count"] == 3
    assert latency["sum_seconds"] > 0
    bounds = [b["le"] for b in latency["buckets"]]
    assert bounds[-1] is None  # +Inf
    assert bounds[:-1] == sorted(bounds[:-1])
    counts = [b["count"] for b in latency["buckets"]]
    assert counts == sorted(counts)  # cumulative
    assert counts[-1] == 3
    assert summary["at"] > 0


async def test_the_prometheus_text_agrees(api: Api, jp_fetch: Any) -> None:
    await api("POST", "tools/add/call", {"numbers": [1]})
    summary = (await api.get("metrics")).body
    calls = {(r["method"], r["outcome"]): r["count"] for r in summary["requests"]}
    text = (await jp_fetch("mcp-workbench", "metrics")).body.decode()
    line = 'mcp_requests_total{method="tools/call",outcome="ok"} '
    assert f"{line}{float(calls[('tools/call', 'ok')])}" in text


class TestUnderAPolicy:
    @pytest.fixture
    def jp_server_config(self, jp_server_config: Config, tmp_path: Path) -> Config:
        policy = tmp_path / "policy.cedar"
        policy.write_text('permit (principal in Role::"member", action, resource);\n')
        jp_server_config.MCPWorkbench.update(policy_path=str(policy), jupyter_roles=["member"])
        return jp_server_config

    async def test_only_admins_read_the_metrics(self, api: Api) -> None:
        refused = await api.get("metrics")
        assert (refused.status, refused.body["reason"]) == (403, "PermissionDenied")
