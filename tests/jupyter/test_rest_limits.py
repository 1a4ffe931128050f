"""Limits over REST: request bodies over ``max_body_bytes`` (413), rate limits (429 with
``Retry-After``), and a store that is off (503)."""

from __future__ import annotations

from typing import Any

import pytest
from traitlets.config import Config

from tests.jupyter.rest_api import Api

LIMIT = 1024


@pytest.fixture
def jp_server_config(jp_server_config: Config) -> Config:
    jp_server_config.MCPWorkbench.update(
        max_body_bytes=LIMIT,
        rate_limits=[{"match": "echo", "per": "principal", "rate": 0.001, "burst": 2}],
    )
    return jp_server_config


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


async def test_oversized_bodies_are_refused_before_anything_else(api: Api) -> None:
    text = "x" * LIMIT
    for method, path in [
        ("PUT", "notes/big.md"),
        ("POST", "prompts"),
        ("POST", "tools/echo/call"),
    ]:
        reply = await api(method, path, {"body": text, "name": "big", "template": text})
        assert reply.status == 413, (method, path)
        assert f"the limit is {LIMIT}" in reply.body["message"]
    assert (await api.get("notes")).body == []
    fits = await api("PUT", "notes/small.md", {"body": "x" * (LIMIT - 100)})
    assert fits.status == 201


async def test_rate_limits_answer_429_with_retry_after(api: Api) -> None:
    for _ in range(2):
        assert (await api("POST", "tools/echo/call", {"text": "hi"})).status == 200
    limited = await api("POST", "tools/echo/call", {"text": "hi"})
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.body["data"]["retryAfter"] > 0
    assert (await api("POST", "tools/add/call", {"numbers": [1]})).status == 200  # other tools
