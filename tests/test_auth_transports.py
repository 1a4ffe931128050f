"""Bearer tokens on every network transport: HTTP (401, WWW-Authenticate, RFC 9728
metadata), WebSocket (header or first message), TCP and Unix (pre-auth window), expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import tornado.httpclient
import tornado.websocket
from mcp import Client

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer
from mcp_workbench.auth import AuthConfig, build_issuer
from mcp_workbench.transports.listeners import Listeners, start_listeners
from tests.conftest import FIXTURE_TOOLS, fresh_data_dir

pytestmark = pytest.mark.timeout(60)

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


class Secured:
    """A workbench that requires tokens, on TCP, Unix, WebSocket and HTTP at once."""

    def __init__(self, server: WorkbenchServer, listeners: Listeners, data_dir: Path) -> None:
        self.server = server
        self.listeners = listeners
        self.data_dir = data_dir
        self.addresses = dict(listeners.addresses)
        self.issuer = build_issuer(AuthConfig.from_settings(server.settings), data_dir)

    def token(self, subject: str = "alice", ttl: float = 600, roles: tuple[str, ...] = ()) -> str:
        return self.issuer.issue(subject, ttl=ttl, roles=roles).token


@pytest.fixture(scope="module")
async def secured() -> AsyncIterator[Secured]:
    data_dir = fresh_data_dir()
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        store=False,
        data_dir=data_dir,
        auth=True,
        auth_leeway=0,
        preauth_timeout=0.5,
    )
    server = WorkbenchServer(settings)
    await server.start()
    listeners = await start_listeners(
        server.engine,
        tcp=["127.0.0.1:0"],
        unix=[str(data_dir / "mcp.sock")],
        ws=["127.0.0.1:0"],
        http=["127.0.0.1:0"],
    )
    yield Secured(server, listeners, data_dir)
    await listeners.close()
    await server.engine.shutdown()
    await server.aclose()
    server.close()


def request(rid: Any, method: str, **params: Any) -> bytes:
    return orjson.dumps(
        {"jsonrpc": "2.0", "id": rid, "method": method, "params": {**params, "_meta": META}}
    )


def authenticate(rid: Any, token: str) -> bytes:
    return orjson.dumps(
        {
            "jsonrpc": "2.0",
            "id": rid,
            "method": "workbench/authenticate",
            "params": {"token": token},
        }
    )


async def test_http_without_a_token_is_401_with_a_challenge(secured: Secured) -> None:
    url = secured.addresses["http"]
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/list",
    }
    async with httpx.AsyncClient() as http:
        missing = await http.post(url, content=request(1, "tools/list"), headers=headers)
        assert missing.status_code == 401
        challenge = missing.headers["WWW-Authenticate"]
        assert challenge.startswith('Bearer resource_metadata="http://')
        assert "error=" not in challenge
        assert missing.json()["error"]["code"] == -31001
        bad = await http.post(
            url,
            content=request(1, "tools/list"),
            headers={**headers, "Authorization": "Bearer not.a.token"},
        )
        assert bad.status_code == 401
        assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]
        assert bad.json()["error"]["message"] == "invalid token"  # nothing more is told
        metadata_url = challenge.split('"')[1]
        metadata = (await http.get(metadata_url)).json()
        assert metadata["resource"].endswith("/mcp")
        assert metadata["bearer_methods_supported"] == ["header"]


async def test_http_with_a_token_serves_the_sdk_client(secured: Secured) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    token = secured.token("alice", roles=("editor",))
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
        Client(
            streamable_http_client(secured.addresses["http"], http_client=http), cache=None
        ) as client,
    ):
        result = await client.call_tool("workbench.info", {})
    assert result.structured_content is not None
    assert result.structured_content["caller"] == "alice"


async def test_tcp_preauth_only_the_authentication_exchange(secured: Secured) -> None:
    host, port = secured.addresses["tcp"].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:

        async def send(frame: bytes) -> dict[str, Any]:
            writer.write(frame + b"\n")
            await writer.drain()
            reply: dict[str, Any] = orjson.loads(await asyncio.wait_for(reader.readline(), 5))
            return reply

        early = await send(request(1, "tools/list"))
        assert early["error"]["code"] == -31001
        assert "workbench/authenticate" in early["error"]["message"]
        refused = await send(authenticate(2, "forged"))
        assert refused["error"] == {"code": -31001, "message": "invalid token"}
        ok = await send(authenticate(3, secured.token("bob", roles=("reader",))))
        assert ok["result"]["principal"] == "bob"
        assert ok["result"]["roles"] == ["reader"]
        info = await send(request(4, "tools/call", name="workbench.info"))
        assert info["result"]["structuredContent"]["caller"] == "bob"
        # The principal of a session cannot be swapped for another.
        other = await send(authenticate(5, secured.token("mallory")))
        assert other["error"]["code"] == -31001
    finally:
        writer.close()


async def test_preauth_window_closes_silent_connections(secured: Secured) -> None:
    reader, writer = await asyncio.open_unix_connection(secured.addresses["unix"])
    try:
        closing = orjson.loads(await asyncio.wait_for(reader.readline(), 5))
        assert closing["error"]["code"] == -31001
        assert "timed out" in closing["error"]["message"]
        assert await asyncio.wait_for(reader.read(), 5) == b""
    finally:
        writer.close()


async def test_an_expired_token_must_be_renewed(secured: Secured) -> None:
    host, port = secured.addresses["tcp"].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:

        async def send(frame: bytes) -> dict[str, Any]:
            writer.write(frame + b"\n")
            await writer.drain()
            reply: dict[str, Any] = orjson.loads(await asyncio.wait_for(reader.readline(), 5))
            return reply

        assert "result" in await send(authenticate(1, secured.token("carol", ttl=1)))
        assert "result" in await send(request(2, "tools/list"))
        await asyncio.sleep(1.1)  # the token's lifetime passing is the point of the test
        expired = await send(request(3, "tools/list"))
        assert expired["error"]["code"] == -31001
        assert "expired" in expired["error"]["message"]
        assert "result" in await send(authenticate(4, secured.token("carol")))
        assert "result" in await send(request(5, "tools/list"))
    finally:
        writer.close()


async def test_websocket_token_in_the_header_or_the_first_message(secured: Secured) -> None:
    url = secured.addresses["ws"]
    good = tornado.httpclient.HTTPRequest(
        url, headers={"Authorization": f"Bearer {secured.token('dave')}"}
    )
    ws = await tornado.websocket.websocket_connect(good, subprotocols=["mcp"])
    await ws.write_message(request(1, "tools/call", name="workbench.info").decode())
    reply = orjson.loads(str(await ws.read_message()))
    assert reply["result"]["structuredContent"]["caller"] == "dave"
    ws.close()

    bad = tornado.httpclient.HTTPRequest(url, headers={"Authorization": "Bearer forged"})
    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        await tornado.websocket.websocket_connect(bad, subprotocols=["mcp"])
    assert refused.value.code == 401

    later = await tornado.websocket.websocket_connect(url, subprotocols=["mcp"])
    await later.write_message(request(1, "tools/list").decode())
    assert orjson.loads(str(await later.read_message()))["error"]["code"] == -31001
    await later.write_message(authenticate(2, secured.token("erin")).decode())
    assert orjson.loads(str(await later.read_message()))["result"]["principal"] == "erin"
    await later.write_message(request(3, "tools/list").decode())
    assert "result" in orjson.loads(str(await later.read_message()))
    later.close()

    silent = await tornado.websocket.websocket_connect(url, subprotocols=["mcp"])
    assert await silent.read_message() is None
    assert silent.close_code == 1008
    silent.close()
