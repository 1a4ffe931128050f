"""Rate limits: buckets per session and per principal, by tool or method; refusals carry a
retry hint (HTTP: 429 + Retry-After), never wait, and recover as tokens come back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from mcp_workbench import Settings
from mcp_workbench.app import build_engine
from mcp_workbench.config import RateRule
from mcp_workbench.engine import Engine
from mcp_workbench.engine.ratelimit import RateLimiter, TokenBucket
from mcp_workbench.errors import RateLimited
from mcp_workbench.transports.http_server import start_http_server
from mcp_workbench.transports.sockets import start_tcp_server
from tests.conftest import FIXTURE_TOOLS

pytestmark = pytest.mark.timeout(60)

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=2, tokens=2, stamp=0.0)
    assert bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == pytest.approx(0.5)
    assert bucket.take(0.25) == pytest.approx(0.25)
    assert bucket.take(0.5) == 0.0
    assert bucket.take(10.0) == 0.0  # never more than the burst
    assert bucket.take(10.0) == 0.0
    assert bucket.take(10.0) > 0


def test_rules_match_by_name_and_scope() -> None:
    clock = Clock()
    limiter = RateLimiter(
        [
            RateRule(match="notes.*", per="session", rate=1, burst=2),
            RateRule(match="*", per="principal", rate=1, burst=3),
        ],
        clock,
    )
    alice_one: dict[int, TokenBucket] = {}
    alice_two: dict[int, TokenBucket] = {}
    limiter.check("notes.read", alice_one, "alice")
    limiter.check("notes.read", alice_one, "alice")
    with pytest.raises(RateLimited) as caught:
        limiter.check("notes.read", alice_one, "alice")  # the session's notes bucket is empty
    assert caught.value.retry_after == pytest.approx(1.0)
    assert caught.value.data == {"retryAfter": 1.0}
    limiter.check("notes.read", alice_two, "alice")  # another session of alice: 3rd of 3
    with pytest.raises(RateLimited):
        limiter.check("tools/list", alice_two, "alice")  # alice's principal bucket is empty
    limiter.check("tools/list", {}, "bob")  # bob has his own
    clock.now += 1.0
    limiter.check("tools/list", alice_two, "alice")  # refilled


def test_a_refused_request_takes_no_tokens() -> None:
    clock = Clock()
    limiter = RateLimiter(
        [
            RateRule(match="*", per="principal", rate=1, burst=5),
            RateRule(match="slow", per="session", rate=1, burst=1),
        ],
        clock,
    )
    session: dict[int, TokenBucket] = {}
    limiter.check("slow", session, "p")
    for _ in range(3):
        with pytest.raises(RateLimited):
            limiter.check("slow", session, "p")
    # The principal bucket lost only the one accepted request: 4 left.
    for _ in range(4):
        limiter.check("other", session, "p")
    with pytest.raises(RateLimited):
        limiter.check("other", session, "p")


@pytest.fixture
async def limited() -> AsyncIterator[Engine]:
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        rate_limits=[RateRule(match="echo", per="session", rate=5, burst=3)],
    )
    engine = build_engine(settings)
    yield engine
    await engine.shutdown()


def call(rid: int, text: str) -> bytes:
    return orjson.dumps(
        {
            "jsonrpc": "2.0",
            "id": rid,
            "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": text}, "_meta": META},
        }
    )


async def test_limits_per_connection_trip_recover_and_never_stall_others(limited: Engine) -> None:
    server = await start_tcp_server(limited, "127.0.0.1", 0)
    host, port = server.address.rsplit(":", 1)
    try:
        r1, w1 = await asyncio.open_connection(host, int(port))
        r2, w2 = await asyncio.open_connection(host, int(port))

        async def send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, rid: int) -> Any:
            writer.write(call(rid, f"m{rid}") + b"\n")
            await writer.drain()
            return orjson.loads(await reader.readline())

        replies = [await send(r1, w1, i) for i in range(4)]
        assert [("result" in r) for r in replies] == [True, True, True, False]
        error = replies[3]["error"]
        assert error["code"] == -31029
        assert 0 < error["data"]["retryAfter"] <= 0.2
        # The other connection has its own bucket: not held up at all.
        other = await send(r2, w2, 1)
        assert other["result"]["content"][0]["text"] == "m1"
        # Other methods are not limited by the echo rule.
        w1.write(
            orjson.dumps(
                {"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {"_meta": META}}
            )
            + b"\n"
        )
        await w1.drain()
        assert "result" in orjson.loads(await r1.readline())
        await asyncio.sleep(error["data"]["retryAfter"])
        recovered = await send(r1, w1, 10)
        assert recovered["result"]["content"][0]["text"] == "m10"
        w1.close()
        w2.close()
    finally:
        await server.close()


async def test_http_answers_429_with_retry_after() -> None:
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        rate_limits=[RateRule(match="echo", per="principal", rate=0.5, burst=1)],
    )
    engine = build_engine(settings)
    server, transport, port = await start_http_server(engine, "127.0.0.1", 0)
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": "echo",
    }
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            first = await http.post("/mcp", content=call(1, "a"), headers=headers)
            assert first.status_code == 200
            second = await http.post("/mcp", content=call(2, "b"), headers=headers)
            assert second.status_code == 429
            assert second.headers["Retry-After"] == "2"
            assert second.json()["error"]["code"] == -31029
    finally:
        server.stop()
        await transport.close()
        await engine.shutdown()
