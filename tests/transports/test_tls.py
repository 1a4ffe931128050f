"""TLS and mutual TLS on the TCP, WebSocket and HTTP listeners, with certificates made
for the test (trustme), never checked in."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import tornado.httpclient
import tornado.websocket
import trustme

from mcp_workbench import Settings
from mcp_workbench.app import build_engine
from mcp_workbench.engine import Engine
from mcp_workbench.errors import WorkbenchError
from mcp_workbench.transports.listeners import Listeners, start_listeners
from mcp_workbench.transports.tls import server_tls
from tests.conftest import FIXTURE_TOOLS

pytestmark = pytest.mark.timeout(60)

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}
INFO = orjson.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "workbench.info", "_meta": META},
    }
)


class Pki:
    def __init__(self, tmp: Path) -> None:
        self.ca = trustme.CA()
        server = self.ca.issue_cert("127.0.0.1", "localhost")
        self.cert, self.key = tmp / "server.pem", tmp / "server.key"
        server.cert_chain_pems[0].write_to_path(str(self.cert))
        server.private_key_pem.write_to_path(str(self.key))
        self.ca_file = tmp / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.client = self.ca.issue_cert("alice@example.org", common_name="alice")

    def client_context(self, *, with_cert: bool) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        if with_cert:
            self.client.configure_cert(context)
        return context


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


async def _serve(settings: Settings) -> tuple[Engine, Listeners]:
    engine = build_engine(settings)
    listeners = await start_listeners(
        engine, tcp=["127.0.0.1:0"], ws=["127.0.0.1:0"], http=["127.0.0.1:0"]
    )
    return engine, listeners


@pytest.fixture
async def tls(pki: Pki) -> AsyncIterator[dict[str, str]]:
    settings = Settings(
        tools=[FIXTURE_TOOLS], entry_points=False, tls_cert=pki.cert, tls_key=pki.key
    )
    engine, listeners = await _serve(settings)
    yield dict(listeners.addresses)
    await listeners.close()
    await engine.shutdown()


@pytest.fixture
async def mtls(pki: Pki) -> AsyncIterator[dict[str, str]]:
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        tls_cert=pki.cert,
        tls_key=pki.key,
        tls_client_ca=pki.ca_file,
    )
    engine, listeners = await _serve(settings)
    yield dict(listeners.addresses)
    await listeners.close()
    await engine.shutdown()


async def _tcp_info(address: str, context: ssl.SSLContext | None) -> dict[str, Any]:
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port), ssl=context)
    try:
        writer.write(INFO + b"\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        if not line:  # TLS 1.3: the server refuses the client after the handshake
            raise ConnectionError("the server closed the connection")
        reply: dict[str, Any] = orjson.loads(line)
    finally:
        writer.close()
    return reply


async def test_tls_on_every_listener(tls: dict[str, str], pki: Pki) -> None:
    assert tls["ws"].startswith("wss://")
    assert tls["http"].startswith("https://")
    reply = await _tcp_info(tls["tcp"], pki.client_context(with_cert=False))
    assert reply["result"]["structuredContent"]["caller"] is None
    # A plain-text client gets nowhere.
    host, port = tls["tcp"].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(INFO + b"\n")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()

    request = tornado.httpclient.HTTPRequest(
        tls["ws"], ssl_options=pki.client_context(with_cert=False)
    )
    ws = await tornado.websocket.websocket_connect(request, subprotocols=["mcp"])
    await ws.write_message(INFO.decode())
    assert "result" in orjson.loads(str(await ws.read_message()))
    ws.close()

    async with httpx.AsyncClient(verify=pki.client_context(with_cert=False)) as http:
        response = await http.post(
            tls["http"],
            content=INFO,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json, text/event-stream",
                "MCP-Protocol-Version": "2026-07-28",
                "Mcp-Method": "tools/call",
                "Mcp-Name": "workbench.info",
            },
        )
    assert response.status_code == 200
    async with httpx.AsyncClient(verify=pki.client_context(with_cert=False)) as http:
        origin = tls["http"].rsplit("/", 1)[0]
        metadata = await http.get(f"{origin}/.well-known/oauth-protected-resource/mcp")
    assert metadata.json()["resource"] == tls["http"]  # https, as the server speaks it


async def test_mutual_tls_names_the_principal(mtls: dict[str, str], pki: Pki) -> None:
    reply = await _tcp_info(mtls["tcp"], pki.client_context(with_cert=True))
    assert reply["result"]["structuredContent"]["caller"] == "alice"
    request = tornado.httpclient.HTTPRequest(
        mtls["ws"], ssl_options=pki.client_context(with_cert=True)
    )
    ws = await tornado.websocket.websocket_connect(request, subprotocols=["mcp"])
    await ws.write_message(INFO.decode())
    assert (
        orjson.loads(str(await ws.read_message()))["result"]["structuredContent"]["caller"]
        == "alice"
    )
    ws.close()
    # Without a client certificate the handshake fails.
    with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError)):
        await _tcp_info(mtls["tcp"], pki.client_context(with_cert=False))


def test_tls_settings_are_checked(pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(WorkbenchError, match="both tls_cert and tls_key"):
        server_tls(Settings(tls_cert=pki.cert))
    with pytest.raises(WorkbenchError, match="needs tls_cert"):
        server_tls(Settings(tls_client_ca=pki.ca_file))
    (tmp_path / "bad.pem").write_text("not a certificate")
    with pytest.raises(WorkbenchError, match="cannot load"):
        server_tls(Settings(tls_cert=tmp_path / "bad.pem", tls_key=pki.key))
