"""The extension inside a real Jupyter server: settings from Jupyter's config, the MCP
endpoints on Jupyter's port behind Jupyter's identity, health and readiness."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from tornado.httpclient import HTTPClientError

from tests.jupyter.conftest import workbench_of

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}
MCP_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2026-07-28",
}


def rpc(rid: int, method: str, **params: Any) -> bytes:
    message = {"jsonrpc": "2.0", "id": rid, "method": method, "params": {**params, "_meta": META}}
    return orjson.dumps(message)


async def test_settings_come_from_jupyter_config(jp_serverapp: Any, tmp_path: Any) -> None:
    server = workbench_of(jp_serverapp)
    assert server.settings.data_dir == tmp_path / "workbench"
    assert str(server.settings.vault_path) == str(tmp_path / "vault")
    assert server.workbench is not None  # the store is on, in that directory
    assert (tmp_path / "workbench" / "workbench.db").exists()


async def test_mcp_over_http_with_the_jupyter_token(jp_fetch: Any) -> None:
    reply = await jp_fetch(
        "mcp",
        method="POST",
        body=rpc(1, "tools/call", name="workbench.info"),
        headers={**MCP_HEADERS, "Mcp-Method": "tools/call", "Mcp-Name": "workbench.info"},
    )
    result = json.loads(reply.body)["result"]
    assert result["structuredContent"]["caller"]  # the server's owner


async def test_mcp_without_any_credentials_is_refused(jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(
            "mcp",
            method="POST",
            body=rpc(1, "tools/list"),
            headers={**MCP_HEADERS, "Mcp-Method": "tools/list", "Authorization": ""},
        )
    assert refused.value.code == 403


async def test_mcp_over_websocket(jp_ws_fetch: Any) -> None:
    ws = await jp_ws_fetch("mcp", "ws", subprotocols=["mcp"])
    await ws.write_message(rpc(7, "tools/list").decode())
    reply = json.loads(await ws.read_message())
    assert reply["id"] == 7
    assert "echo" in {t["name"] for t in reply["result"]["tools"]}
    ws.close()


async def test_health_and_readiness(jp_fetch: Any, jp_serverapp: Any) -> None:
    health = await jp_fetch("mcp-workbench", "healthz", headers={"Authorization": ""})
    assert json.loads(health.body) == {"status": "ok"}
    ready = await jp_fetch("mcp-workbench", "readyz", headers={"Authorization": ""})
    assert json.loads(ready.body)["status"] == "ready"
    metrics = await jp_fetch("mcp-workbench", "metrics")
    assert b"mcp_workbench" in metrics.body or b"mcp_" in metrics.body
    workbench_of(jp_serverapp).engine.draining = True
    with pytest.raises(HTTPClientError) as draining:
        await jp_fetch("mcp-workbench", "readyz")
    assert draining.value.code == 503
    workbench_of(jp_serverapp).engine.draining = False


class TestWorkbenchTokens:
    """With ``auth`` on, a workbench JWT also opens the MCP endpoints (for callers that
    Jupyter does not know), and names its own principal."""

    @pytest.fixture
    def jp_server_config(self, jp_server_config: Any) -> Any:
        jp_server_config.MCPWorkbench.auth = True
        jp_server_config.MCPWorkbench.auth_secret = "s" * 32
        return jp_server_config

    async def test_a_workbench_token_is_accepted_over_http_and_websocket(
        self, jp_fetch: Any, jp_ws_fetch: Any, jp_serverapp: Any
    ) -> None:
        from mcp_workbench.auth import AuthConfig, build_issuer

        server = workbench_of(jp_serverapp)
        issuer = build_issuer(AuthConfig.from_settings(server.settings), server.settings.data_dir)
        token = issuer.issue("alice", ttl=600).token
        reply = await jp_fetch(
            "mcp",
            method="POST",
            body=rpc(1, "tools/call", name="workbench.info"),
            headers={
                **MCP_HEADERS,
                "Mcp-Method": "tools/call",
                "Mcp-Name": "workbench.info",
                "Authorization": f"Bearer {token}",
            },
        )
        assert json.loads(reply.body)["result"]["structuredContent"]["caller"] == "alice"
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch(
                "mcp",
                method="POST",
                body=rpc(1, "tools/list"),
                headers={
                    **MCP_HEADERS,
                    "Mcp-Method": "tools/list",
                    "Authorization": "Bearer x.y.z",
                },
            )
        assert refused.value.code == 401
        ws = await jp_ws_fetch(
            "mcp", "ws", subprotocols=["mcp"], headers={"Authorization": f"Bearer {token}"}
        )
        await ws.write_message(rpc(2, "tools/call", name="workbench.info").decode())
        answer = json.loads(await ws.read_message())
        assert answer["result"]["structuredContent"]["caller"] == "alice"
        ws.close()
