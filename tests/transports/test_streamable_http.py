"""Streamable HTTP at the wire: headers, sessions, SSE, resumption, cancellation, guards."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import LiveServer

MODERN = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
}
ACCEPT = "application/json, text/event-stream"


def modern(rid: Any, method: str, **params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": {**params, "_meta": META}}


def headers_for(message: dict[str, Any], **extra: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Accept": ACCEPT,
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": message["method"],
    }
    name = message["params"].get("name", message["params"].get("uri"))
    if name is not None:
        headers["Mcp-Name"] = name
    headers.update(extra)
    return headers


def sse_events(text: str) -> list[dict[str, Any]]:
    """The events of an SSE body: ``{"id": ..., "data": parsed JSON or ""}``."""
    events = []
    for block in text.split("\n\n"):
        event: dict[str, Any] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            if key == "data":
                event["data"] = orjson.loads(value) if value else ""
            elif key in {"id", "event", "retry"}:
                event[key] = value
        if event:
            events.append(event)
    return events


@pytest.fixture
async def http(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.base, timeout=10) as client:
        yield client


async def post(http: httpx.AsyncClient, message: dict[str, Any], **extra: str) -> httpx.Response:
    return await http.post(
        "/mcp", content=orjson.dumps(message), headers=headers_for(message, **extra)
    )


# -- modern ----------------------------------------------------------------------------------


async def test_modern_request_answers_json(http: httpx.AsyncClient) -> None:
    response = await post(http, modern(1, "tools/call", name="echo", arguments={"text": "hi"}))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "mcp-session-id" not in response.headers
    body = response.json()
    assert body["result"]["content"] == [{"type": "text", "text": "hi"}]
    assert body["result"]["resultType"] == "complete"
    assert body["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "mcp-workbench"


async def test_modern_list_results_carry_cache_hints(http: httpx.AsyncClient) -> None:
    body = (await post(http, modern(1, "tools/list"))).json()["result"]
    assert body["ttlMs"] >= 0
    assert body["cacheScope"] in {"public", "private"}
    discover = (await post(http, modern(2, "server/discover"))).json()["result"]
    assert "2026-07-28" in discover["supportedVersions"]
    assert discover["capabilities"]["tools"] == {"listChanged": True}
    assert "ttlMs" in discover


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MCP-Protocol-Version": "2025-11-25"}, "MCP-Protocol-Version"),
        ({"Mcp-Method": "tools/list"}, "Mcp-Method"),
        ({"Mcp-Name": "other"}, "Mcp-Name"),
    ],
)
async def test_modern_header_mismatch(
    http: httpx.AsyncClient, change: dict[str, str], message: str
) -> None:
    response = await post(
        http, modern(3, "tools/call", name="echo", arguments={"text": "x"}), **change
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == -32020
    assert message in error["message"]


@pytest.mark.parametrize("missing", ["MCP-Protocol-Version", "Mcp-Method", "Mcp-Name"])
async def test_modern_missing_header(http: httpx.AsyncClient, missing: str) -> None:
    message = modern(4, "tools/call", name="echo", arguments={"text": "x"})
    headers = headers_for(message)
    del headers[missing]
    response = await http.post("/mcp", content=orjson.dumps(message), headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32020


async def test_modern_base64_name_header(http: httpx.AsyncClient) -> None:
    encoded = "=?base64?" + base64.b64encode(b"echo").decode() + "?="
    response = await post(
        http, modern(5, "tools/call", name="echo", arguments={"text": "b"}), **{"Mcp-Name": encoded}
    )
    assert response.status_code == 200
    assert response.json()["result"]["content"][0]["text"] == "b"


async def test_modern_unsupported_version(http: httpx.AsyncClient) -> None:
    message = {
        "jsonrpc": "2.0",
        "id": 6,
        "method": "tools/list",
        "params": {"_meta": {**META, "io.modelcontextprotocol/protocolVersion": "2099-01-01"}},
    }
    response = await post(http, message, **{"MCP-Protocol-Version": "2099-01-01"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == -32022
    assert error["data"]["requested"] == "2099-01-01"
    assert "2026-07-28" in error["data"]["supported"]


async def test_modern_unknown_method_is_404(http: httpx.AsyncClient) -> None:
    response = await post(http, modern(7, "frobnicate"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == -32601


async def test_modern_notification_is_accepted(http: httpx.AsyncClient) -> None:
    message = {
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": 1, "_meta": META},
    }
    response = await http.post(
        "/mcp",
        content=orjson.dumps(message),
        headers={
            "Content-Type": "application/json",
            "Accept": ACCEPT,
            "MCP-Protocol-Version": MODERN,
        },
    )
    assert response.status_code == 202
    assert response.content == b""


async def test_modern_streams_progress_then_result(http: httpx.AsyncClient) -> None:
    message = modern(8, "tools/call", name="slow", arguments={"steps": 3})
    message["params"]["_meta"] = {
        **META,
        "progressToken": "p",
        "io.modelcontextprotocol/logLevel": "info",
    }
    response = await post(http, message)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e["data"] for e in sse_events(response.text)]
    progress = [
        e["params"]["progress"] for e in events if e.get("method") == "notifications/progress"
    ]
    logs = [e["params"]["data"] for e in events if e.get("method") == "notifications/message"]
    assert progress == [1, 2, 3]
    assert logs == ["step 1 of 3", "step 2 of 3", "step 3 of 3"]
    assert events[-1]["id"] == 8
    assert events[-1]["result"]["content"][0]["text"] == "done 3"


async def test_modern_closing_the_stream_cancels(http: httpx.AsyncClient) -> None:
    message = modern(9, "tools/call", name="wait_for_cancel", arguments={"key": "k9"})
    message["params"]["_meta"] = {**META, "progressToken": 1}
    async with http.stream(
        "POST", "/mcp", content=orjson.dumps(message), headers=headers_for(message)
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                break  # the progress event arrived: the call is running; now hang up
    for _ in range(100):
        check = await post(
            http, modern(10, "tools/call", name="was_cancelled", arguments={"key": "k9"})
        )
        if check.json()["result"]["structuredContent"] == {"result": True}:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the call was not cancelled when its stream closed")


async def test_modern_get_and_delete_are_not_allowed(http: httpx.AsyncClient) -> None:
    response = await http.get("/mcp", headers={"Accept": "text/event-stream"})
    assert response.status_code == 405
    response = await http.delete("/mcp")
    assert response.status_code == 405


async def test_modern_ignores_session_header(http: httpx.AsyncClient) -> None:
    response = await post(http, modern(11, "tools/list"), **{"Mcp-Session-Id": "whatever"})
    assert response.status_code == 200
    assert "mcp-session-id" not in response.headers


# -- guards ------------------------------------------------------------------------------------


async def test_foreign_origin_is_refused(http: httpx.AsyncClient) -> None:
    message = modern(1, "tools/list")
    response = await post(http, message, Origin="http://evil.example")
    assert response.status_code == 403
    ok = await post(http, message, Origin="http://localhost:3000")
    assert ok.status_code == 200


async def test_foreign_host_is_refused(http: httpx.AsyncClient, live_server: LiveServer) -> None:
    response = await post(http, modern(1, "tools/list"), Host="evil.example")
    assert response.status_code == 421


# -- legacy sessions ---------------------------------------------------------------------------


async def initialize_request(
    http: httpx.AsyncClient, version: str, capabilities: dict[str, Any] | None = None
) -> httpx.Response:
    """POST ``initialize`` offering ``version``."""
    params = {
        "protocolVersion": version,
        "capabilities": capabilities or {},
        "clientInfo": {"name": "raw", "version": "0"},
    }
    return await http.post(
        "/mcp",
        json={"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params},
        headers={"Accept": ACCEPT},
    )


async def initialize(http: httpx.AsyncClient, version: str = "2025-11-25") -> str:
    """A legacy session at ``version``, initialized; returns its id."""
    response = await initialize_request(http, version)
    assert response.status_code == 200
    assert response.json()["result"]["protocolVersion"] == version
    sid = response.headers["mcp-session-id"]
    note = await http.post(
        "/mcp",
        json={"jsonrpc": "2.0", "method": "notifications/initialized"},
        headers={"Accept": ACCEPT, "Mcp-Session-Id": sid, "MCP-Protocol-Version": version},
    )
    assert note.status_code == 202
    return sid


def legacy_headers(sid: str, version: str = "2025-11-25") -> dict[str, str]:
    return {"Accept": ACCEPT, "Mcp-Session-Id": sid, "MCP-Protocol-Version": version}


async def test_legacy_session_lifecycle(http: httpx.AsyncClient) -> None:
    sid = await initialize(http)
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "s"}},
    }
    response = await http.post("/mcp", json=call, headers=legacy_headers(sid))
    assert response.json()["result"]["content"][0]["text"] == "s"
    assert "resultType" not in response.json()["result"]
    response = await http.post("/mcp", json=call, headers={"Accept": ACCEPT})
    assert response.status_code == 400
    response = await http.post("/mcp", json=call, headers=legacy_headers("no-such-session"))
    assert response.status_code == 404
    response = await http.delete("/mcp", headers=legacy_headers(sid))
    assert response.status_code == 200
    response = await http.post("/mcp", json=call, headers=legacy_headers(sid))
    assert response.status_code == 404


async def test_legacy_unsupported_version_header(http: httpx.AsyncClient) -> None:
    sid = await initialize(http)
    response = await http.post(
        "/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        headers={**legacy_headers(sid), "MCP-Protocol-Version": "1999-01-01"},
    )
    assert response.status_code == 400


async def test_legacy_initialize_negotiates_down(http: httpx.AsyncClient) -> None:
    response = await initialize_request(http, "2024-11-05")
    assert response.json()["result"]["protocolVersion"] == "2025-11-25"


async def test_legacy_batch_for_2025_03_26(http: httpx.AsyncClient) -> None:
    sid = await initialize(http, "2025-03-26")
    batch = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": "one"}},
        },
        {"jsonrpc": "2.0", "id": 2, "method": "ping"},
    ]
    response = await http.post(
        "/mcp", json=batch, headers={"Accept": ACCEPT, "Mcp-Session-Id": sid}
    )
    assert response.status_code == 200
    replies = {r["id"]: r for r in response.json()}
    assert replies[1]["result"]["content"][0]["text"] == "one"
    assert replies[2]["result"] == {}
    sid2 = await initialize(http, "2025-06-18")
    response = await http.post("/mcp", json=batch, headers=legacy_headers(sid2, "2025-06-18"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32600


class Events:
    """Reads SSE events from a live response, a few at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def read(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` events (priming events included)."""
        return await _read(self._lines, count)

    async def messages(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` events that carry a message (priming events skipped)."""
        found: list[dict[str, Any]] = []
        while len(found) < count:
            found += [e for e in await self.read(1) if e.get("data")]
        return found


async def read_events(response: httpx.Response, count: int) -> list[dict[str, Any]]:
    """Read ``count`` SSE events from a live stream that is read only once."""
    return await Events(response).read(count)


async def _read(lines: AsyncIterator[str], count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    block: list[str] = []
    async with asyncio.timeout(10):
        async for line in lines:
            if line == "":
                if block:
                    events += sse_events("\n".join(block))
                    block = []
                if len(events) >= count:
                    return events
            else:
                block.append(line)
    return events


async def test_legacy_get_stream_delivers_list_changed_and_resumes(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.base, timeout=10) as http:
        sid = await initialize(http)
        headers = {**legacy_headers(sid), "Accept": "text/event-stream"}
        async with http.stream("GET", "/mcp", headers=headers) as stream:
            assert stream.status_code == 200
            (priming,) = await read_events(stream, 1)
            assert priming["data"] == ""
            first_id = priming["id"]
            second = await http.get("/mcp", headers=headers)
            assert second.status_code == 409  # one GET stream per session
        # The stream is gone; a change happens meanwhile.
        toggle = {
            "jsonrpc": "2.0",
            "id": 5,
            "method": "tools/call",
            "params": {"name": "toggle_tool", "arguments": {"present": True}},
        }
        await http.post("/mcp", json=toggle, headers=legacy_headers(sid))
        toggle["params"]["arguments"] = {"present": False}  # type: ignore[index]
        await http.post("/mcp", json=toggle, headers=legacy_headers(sid))
        resume = {**headers, "Last-Event-ID": first_id}
        async with http.stream("GET", "/mcp", headers=resume) as stream:
            assert stream.status_code == 200
            events = await read_events(stream, 2)
        methods = [e["data"]["method"] for e in events]
        assert methods == ["notifications/tools/list_changed"] * 2
        bad = await http.get("/mcp", headers={**headers, "Last-Event-ID": "nope-1"})
        assert bad.status_code == 404
        await http.delete("/mcp", headers=legacy_headers(sid))


async def test_legacy_request_stream_resumes_after_disconnect(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.base, timeout=10) as http:
        sid = await initialize(http)
        call = {
            "jsonrpc": "2.0",
            "id": "r1",
            "method": "tools/call",
            "params": {"name": "slow", "arguments": {"steps": 5}, "_meta": {"progressToken": 7}},
        }
        async with http.stream("POST", "/mcp", json=call, headers=legacy_headers(sid)) as stream:
            reader = Events(stream)
            (priming,) = await reader.read(1)
            assert priming["data"] == ""  # 2025-11-25 streams open with a priming event
            assert priming["retry"] == str(live_server.engine.settings.sse_retry_ms)
            (first,) = await reader.messages(1)
        assert first["data"]["method"] == "notifications/progress"
        # Disconnection is not cancellation in legacy revisions: resume the same stream.
        headers = {
            **legacy_headers(sid),
            "Accept": "text/event-stream",
            "Last-Event-ID": first["id"],
        }
        async with http.stream("GET", "/mcp", headers=headers) as stream:
            reader = Events(stream)
            events = await reader.messages(1)
            while "result" not in events[-1]["data"]:
                events += await reader.messages(1)
        data = [e["data"] for e in events]
        progress = [d for d in data if d.get("method") == "notifications/progress"]
        assert [d["params"]["progress"] for d in progress] == [2, 3, 4, 5]
        assert data[-1]["id"] == "r1"
        assert data[-1]["result"]["content"][0]["text"] == "done 5"


async def test_legacy_elicitation_round_trip_over_http(http: httpx.AsyncClient) -> None:
    response = await initialize_request(http, "2025-11-25", {"elicitation": {}})
    sid = response.headers["mcp-session-id"]
    call = {
        "jsonrpc": "2.0",
        "id": "e1",
        "method": "tools/call",
        "params": {"name": "ask_name", "arguments": {}},
    }
    async with http.stream("POST", "/mcp", json=call, headers=legacy_headers(sid)) as stream:
        events = Events(stream)
        (ask,) = await events.messages(1)
        question = ask["data"]
        assert question["method"] == "elicitation/create"
        answer = {
            "jsonrpc": "2.0",
            "id": question["id"],
            "result": {"action": "accept", "content": {"name": "Grace"}},
        }
        posted = await http.post("/mcp", json=answer, headers=legacy_headers(sid))
        assert posted.status_code == 202
        (final,) = await events.messages(1)
    assert final["data"]["result"]["content"][0]["text"] == "hello Grace"


# -- operations ----------------------------------------------------------------------------------


async def test_metrics_and_health(http: httpx.AsyncClient) -> None:
    await post(http, modern(1, "tools/call", name="echo", arguments={"text": "m"}))
    metrics = (await http.get("/metrics")).text
    assert 'mcp_requests_total{method="tools/call",outcome="ok"}' in metrics
    assert "mcp_request_duration_seconds_bucket" in metrics
    assert "mcp_active_sessions" in metrics
    assert (await http.get("/healthz")).json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Mcp-Param-Region": "eu-west", "Mcp-Param-Shard": "3"}, 200),
        ({"Mcp-Param-Region": "eu-west", "Mcp-Param-Shard": "3.0"}, 200),
        ({"Mcp-Param-Region": "=?base64?ZXUtd2VzdA==?=", "Mcp-Param-Shard": "3"}, 200),
        ({"Mcp-Param-Region": "us-east", "Mcp-Param-Shard": "3"}, 400),
        ({"Mcp-Param-Shard": "3"}, 400),
        ({"Mcp-Param-Region": "eu-west", "Mcp-Param-Shard": "4"}, 400),
        ({"Mcp-Param-Region": "=?base64?not base64?=", "Mcp-Param-Shard": "3"}, 400),
    ],
)
async def test_param_headers_must_match_arguments(
    http: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    message = modern(1, "tools/call", name="route", arguments={"region": "eu-west", "shard": 3})
    response = await post(http, message, **headers)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error"]["code"] == -32020
    else:
        assert response.json()["result"]["content"][0]["text"] == "eu-west/3"


async def test_param_header_absent_when_argument_absent(http: httpx.AsyncClient) -> None:
    message = modern(1, "tools/call", name="route", arguments={"region": "x"})
    response = await post(http, message, **{"Mcp-Param-Region": "x"})
    assert response.status_code == 200


async def test_client_preferring_sse_gets_a_stream(http: httpx.AsyncClient) -> None:
    message = modern(1, "tools/call", name="echo", arguments={"text": "s"})
    response = await post(http, message, Accept="text/event-stream, application/json")
    assert response.headers["content-type"].startswith("text/event-stream")
    (event,) = sse_events(response.text)
    assert event["data"]["result"]["content"][0]["text"] == "s"
    sid = await initialize(http)
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    response = await http.post(
        "/mcp",
        json=ping,
        headers={**legacy_headers(sid), "Accept": "text/event-stream, application/json"},
    )
    priming, answer = sse_events(response.text)
    assert priming["data"] == ""
    assert "retry" in priming
    assert answer["data"] == {"jsonrpc": "2.0", "id": 2, "result": {}}


async def test_idle_legacy_sessions_expire() -> None:
    from mcp_workbench import Settings
    from mcp_workbench.app import build_engine
    from mcp_workbench.transports.http_server import start_http_server

    engine = build_engine(
        Settings(builtin_tools=False, entry_points=False, session_idle_timeout=0.2)
    )
    server, transport, port = await start_http_server(engine, "127.0.0.1", 0)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            sid = await initialize(http)
            assert sid in transport.sessions
            for _ in range(100):
                if sid not in transport.sessions:
                    break
                await asyncio.sleep(0.05)
            response = await http.post(
                "/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                headers=legacy_headers(sid),
            )
            assert response.status_code == 404
    finally:
        server.stop()
        await transport.close()
        await engine.shutdown()


async def test_open_streams_carry_keepalive_comments() -> None:
    """A modern listen stream and a legacy GET stream, quiet otherwise, get comment lines
    every ``sse_keepalive`` seconds (so proxies keep them open)."""
    from mcp_workbench import Settings
    from mcp_workbench.app import build_engine
    from mcp_workbench.transports.http_server import start_http_server

    engine = build_engine(Settings(builtin_tools=False, entry_points=False, sse_keepalive=0.1))
    server, transport, port = await start_http_server(engine, "127.0.0.1", 0)

    async def comments(stream: httpx.Response, wanted: int) -> list[str]:
        seen: list[str] = []
        async with asyncio.timeout(5):
            async for line in stream.aiter_lines():
                if line.startswith(":"):
                    seen.append(line)
                    if len(seen) == wanted:
                        return seen
        return seen

    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            listen = modern(1, "subscriptions/listen", notifications={"toolsListChanged": True})
            async with http.stream(
                "POST", "/mcp", content=orjson.dumps(listen), headers=headers_for(listen)
            ) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                assert await comments(stream, 2) == [": ", ": "]
            sid = await initialize(http)
            headers = {**legacy_headers(sid), "Accept": "text/event-stream"}
            async with http.stream("GET", "/mcp", headers=headers) as stream:
                assert stream.status_code == 200
                assert await comments(stream, 2) == [": ", ": "]
            listed = await post(http, modern(2, "tools/list"))  # the server goes on serving
            assert listed.status_code == 200
            assert listed.json()["result"]["tools"] == []
    finally:
        server.stop()
        await transport.close()
        await engine.shutdown()


@pytest.mark.parametrize("carrier", ["own", "tornado"])
async def test_protected_resource_metadata_on_both_carriers(
    carrier: str, live_server: LiveServer, tornado_server: LiveServer
) -> None:
    server = live_server if carrier == "own" else tornado_server
    async with httpx.AsyncClient(base_url=server.base) as client:
        response = await client.get("/.well-known/oauth-protected-resource/mcp")
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["resource"] == f"http://127.0.0.1:{server.port}/mcp"
    assert metadata["bearer_methods_supported"] == ["header"]
