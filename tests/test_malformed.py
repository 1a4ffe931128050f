"""Malformed and hostile input: each frame gets the right error and the server keeps serving.

The same cases run over a raw stdio pipe and over raw HTTP POSTs (no SDK in between).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import LIMIT, LiveServer, RawStdio

MODERN = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"},
}


def modern(rid: Any, method: str, **params: Any) -> dict[str, Any]:
    """A 2026-07-28 request."""
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": {**params, "_meta": META}}


ECHO = modern(900, "tools/call", name="echo", arguments={"text": "alive"})

# (frame, expected id, expected code); the frame is sent as raw bytes.
CASES: list[tuple[str, bytes, Any, int]] = [
    ("not json", b"{this is not json", None, -32700),
    ("invalid utf-8", b'{"jsonrpc":"2.0","id":1,"method":"\xff\xfe"}', None, -32700),
    ("json but not an object", b"42", None, -32600),
    ("wrong jsonrpc version", b'{"jsonrpc":"1.0","id":1,"method":"tools/list"}', 1, -32600),
    ("missing method", b'{"jsonrpc":"2.0","id":2}', 2, -32600),
    ("method not a string", b'{"jsonrpc":"2.0","id":3,"method":7}', 3, -32600),
    ("null id", b'{"jsonrpc":"2.0","id":null,"method":"tools/list"}', None, -32600),
    ("object id", b'{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}', None, -32600),
    ("float id", b'{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}', None, -32600),
    (
        "params by position",
        b'{"jsonrpc":"2.0","id":4,"method":"tools/list","params":[1]}',
        4,
        -32602,
    ),
    ("unknown method", orjson.dumps(modern(5, "no/such/method")), 5, -32601),
    (
        "legacy-only method on modern",
        orjson.dumps(modern(6, "logging/setLevel", level="info")),
        6,
        -32601,
    ),
    (
        "no protocol version, no session",
        b'{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}',
        7,
        -32602,
    ),
    (
        "unsupported version",
        orjson.dumps(
            {
                "jsonrpc": "2.0",
                "id": 8,
                "method": "tools/list",
                "params": {
                    "_meta": {**META, "io.modelcontextprotocol/protocolVersion": "1999-01-01"}
                },
            }
        ),
        8,
        -32022,
    ),
    (
        "missing client capabilities",
        orjson.dumps(
            {
                "jsonrpc": "2.0",
                "id": 9,
                "method": "tools/list",
                "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": MODERN}},
            }
        ),
        9,
        -32602,
    ),
    (
        "bad log level",
        orjson.dumps(
            {
                "jsonrpc": "2.0",
                "id": 10,
                "method": "tools/list",
                "params": {"_meta": {**META, "io.modelcontextprotocol/logLevel": "loud"}},
            }
        ),
        10,
        -32602,
    ),
    ("tool name not a string", orjson.dumps(modern(11, "tools/call", name=5)), 11, -32602),
    (
        "arguments not an object",
        orjson.dumps(modern(12, "tools/call", name="echo", arguments=[1])),
        12,
        -32602,
    ),
    ("unknown tool", orjson.dumps(modern(13, "tools/call", name="nope")), 13, -32602),
    ("bad cursor", orjson.dumps(modern(14, "tools/list", cursor="!!!")), 14, -32602),
    (
        "forged request state",
        orjson.dumps(modern(15, "tools/call", name="ask_name", requestState="abc.def")),
        15,
        -32602,
    ),
    (
        "oversized message",
        b'{"jsonrpc":"2.0","id":16,"method":"x","params":{"p":"' + b"x" * (LIMIT + 10) + b'"}}',
        None,
        -32600,
    ),
]


def _check_error(reply: dict[str, Any], rid: Any, code: int) -> None:
    assert reply.get("jsonrpc") == "2.0"
    assert "result" not in reply
    assert reply["id"] == rid
    assert reply["error"]["code"] == code, reply
    assert isinstance(reply["error"]["message"], str)
    assert reply["error"]["message"]


@pytest.mark.parametrize(
    ("frame", "rid", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_stdio_malformed_frame(
    stdio_server: RawStdio, frame: bytes, rid: Any, code: int
) -> None:
    await stdio_server.send(frame)
    _check_error(await stdio_server.receive(), rid, code)
    reply = await stdio_server.request(ECHO)
    assert reply["id"] == 900
    assert reply["result"]["content"] == [{"type": "text", "text": "alive"}]


async def test_stdio_every_bad_frame_in_a_row(stdio_server: RawStdio) -> None:
    for _name, frame, rid, code in CASES:
        await stdio_server.send(frame)
        _check_error(await stdio_server.receive(), rid, code)
    assert (await stdio_server.request(ECHO))["result"]["content"][0]["text"] == "alive"


async def test_stdio_notifications_get_no_answer(stdio_server: RawStdio) -> None:
    await stdio_server.send(b'{"jsonrpc":"2.0","method":"notifications/whatever"}')
    await stdio_server.send(b'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{}}')
    reply = await stdio_server.request(ECHO)
    assert reply["id"] == 900  # the first thing back is the echo, not an error


async def test_stdio_invalid_arguments_are_a_tool_error(stdio_server: RawStdio) -> None:
    reply = await stdio_server.request(modern(1, "tools/call", name="echo", arguments={}))
    assert reply["result"]["isError"] is True
    assert "text" in reply["result"]["content"][0]["text"]


async def test_stdio_calls_before_initialize(stdio_server: RawStdio) -> None:
    reply = await stdio_server.request(
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo"}}
    )
    _check_error(reply, 1, -32602)
    assert "initialize" in reply["error"]["message"]
    # ping is allowed before initialize (legacy revisions)
    reply = await stdio_server.request({"jsonrpc": "2.0", "id": 2, "method": "ping"})
    assert reply == {"jsonrpc": "2.0", "id": 2, "result": {}}


async def _initialize(server: RawStdio, version: str) -> None:
    reply = await server.request(
        {
            "jsonrpc": "2.0",
            "id": "init",
            "method": "initialize",
            "params": {
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"},
            },
        }
    )
    assert reply["result"]["protocolVersion"] == version
    await server.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')


async def test_stdio_batches_only_in_2025_03_26(stdio_server: RawStdio) -> None:
    await _initialize(stdio_server, "2025-03-26")
    batch = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": "a"}},
        },
        {"jsonrpc": "2.0", "method": "notifications/whatever"},
        {"jsonrpc": "2.0", "id": 2, "method": "nope"},
        {"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {}},
    ]
    await stdio_server.send(orjson.dumps(batch))
    reply = await stdio_server.receive()
    assert isinstance(reply, list)
    by_id = {r["id"]: r for r in reply}
    assert by_id[1]["result"]["content"][0]["text"] == "a"
    assert by_id[2]["error"]["code"] == -32601
    assert by_id[3]["error"]["code"] == -32600
    assert len(reply) == 3
    await stdio_server.send(b"[]")
    _check_error(await stdio_server.receive(), None, -32600)


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
async def test_stdio_batches_refused_after_2025_03_26(stdio_server: RawStdio, version: str) -> None:
    await _initialize(stdio_server, version)
    await stdio_server.send(b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]')
    _check_error(await stdio_server.receive(), None, -32600)
    reply = await stdio_server.request({"jsonrpc": "2.0", "id": 2, "method": "ping"})
    assert reply["result"] == {}


async def test_stdio_duplicate_inflight_id(stdio_server: RawStdio) -> None:
    slow = modern(77, "tools/call", name="sleepy", arguments={"seconds": 0.5})
    await stdio_server.send(orjson.dumps(slow))
    await stdio_server.send(orjson.dumps(slow))
    first = await stdio_server.receive()
    _check_error(first, 77, -32600)
    second = await stdio_server.receive()
    assert second["id"] == 77
    assert second["result"]["content"][0]["text"] == "slept"


async def test_stdio_cancelled_request_gets_no_response(stdio_server: RawStdio) -> None:
    await stdio_server.send(
        orjson.dumps(modern("c1", "tools/call", name="sleepy", arguments={"seconds": 30}))
    )
    await stdio_server.send(
        orjson.dumps(
            {
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": {"requestId": "c1", "reason": "user"},
            }
        )
    )
    reply = await stdio_server.request(ECHO)
    assert reply["id"] == 900  # nothing for "c1" came first, and nothing blocks the echo


async def test_stdio_exits_when_stdin_closes(stdio_server: RawStdio) -> None:
    assert stdio_server.proc.stdin is not None
    stdio_server.proc.stdin.close()
    assert await asyncio.wait_for(stdio_server.proc.wait(), 10) == 0


# -- HTTP -----------------------------------------------------------------------------------


def _headers(message: dict[str, Any] | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if message is not None and isinstance(message.get("params"), dict):
        version = message["params"].get("_meta", {}).get("io.modelcontextprotocol/protocolVersion")
        if version:
            headers["MCP-Protocol-Version"] = version
        headers["Mcp-Method"] = message["method"]
        name = message["params"].get("name", message["params"].get("uri"))
        if isinstance(name, str):
            headers["Mcp-Name"] = name
    return headers


HTTP_STATUS = {-32700: 400, -32600: 400, -32601: 404, -32602: 400, -32020: 400, -32022: 400}
# Where HTTP answers differently from stdio, and why.
HTTP_CODE = {
    # The Mcp-Name header cannot match a name that is not a string: headers are checked first.
    "tool name not a string": -32020,
}
HTTP_CASES = [c for c in CASES if c[0] != "oversized message"]


@pytest.fixture
async def http(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.base, timeout=10) as client:
        yield client


@pytest.mark.parametrize(
    ("name", "frame", "rid", "code"), HTTP_CASES, ids=[c[0] for c in HTTP_CASES]
)
async def test_http_malformed_body(
    http: httpx.AsyncClient, live_server: LiveServer, name: str, frame: bytes, rid: Any, code: int
) -> None:
    code = HTTP_CODE.get(name, code)
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError:
        message = None
    headers = _headers(
        message if isinstance(message, dict) and isinstance(message.get("method"), str) else None
    )
    response = await http.post(live_server.engine.settings.mcp_path, content=frame, headers=headers)
    assert response.status_code == HTTP_STATUS[code], response.text
    _check_error(response.json(), rid, code)
    ok = await http.post(
        live_server.engine.settings.mcp_path, content=orjson.dumps(ECHO), headers=_headers(ECHO)
    )
    assert ok.status_code == 200
    assert ok.json()["result"]["content"][0]["text"] == "alive"


async def test_http_oversized_body(http: httpx.AsyncClient, live_server: LiveServer) -> None:
    limit = live_server.engine.settings.max_message_bytes
    big = orjson.dumps(modern(1, "tools/call", name="echo", arguments={"text": "x" * (limit + 1)}))
    response = await http.post("/mcp", content=big, headers=_headers(ECHO))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == -32600


async def test_http_wrong_content_type_and_accept(
    http: httpx.AsyncClient, live_server: LiveServer
) -> None:
    body = orjson.dumps(ECHO)
    response = await http.post(
        "/mcp", content=body, headers={**_headers(ECHO), "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    response = await http.post(
        "/mcp", content=body, headers={**_headers(ECHO), "Accept": "text/html"}
    )
    assert response.status_code == 406
