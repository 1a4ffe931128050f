"""Finding the server, and turning its JSON-RPC errors into typed exceptions."""

from __future__ import annotations

import os

import pytest

from mcp_workbench.errors import (
    AuthError,
    Conflict,
    InvalidParams,
    MethodNotFound,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
)
from mcp_workbench.notebook import ConnectionFailed, ServerAddress, find_server
from mcp_workbench.notebook.errors import error_from_jsonrpc


def test_an_explicit_url_wins_and_is_cleaned() -> None:
    env = {"MCP_WORKBENCH_URL": "http://elsewhere:1/", "MCP_WORKBENCH_TOKEN": "env"}
    found = find_server("http://host:8888/base/mcp", "given", environ=env, servers=[])
    assert found == ServerAddress("http://host:8888/base/", "given")
    assert found.websocket_url == "ws://host:8888/base/mcp/ws"
    assert found.headers == {"Authorization": "Bearer given"}
    assert "given" not in repr(found)
    secure = ServerAddress.of("https://host/jupyter/mcp/ws")
    assert secure.websocket_url == "wss://host/jupyter/mcp/ws"


def test_the_environment_comes_next() -> None:
    env = {"MCP_WORKBENCH_URL": "http://127.0.0.1:9/", "MCP_WORKBENCH_TOKEN": "t"}
    assert find_server(environ=env, servers=[]) == ServerAddress("http://127.0.0.1:9/", "t")
    jupyter = {"MCP_WORKBENCH_URL": "http://127.0.0.1:9/", "JUPYTER_TOKEN": "j"}
    assert find_server(environ=jupyter, servers=[]).token == "j"


def test_the_server_that_started_the_kernel_is_its_parent_process() -> None:
    servers = [
        {"url": "http://127.0.0.1:1/", "token": "a", "pid": os.getppid() + 1},
        {"url": "http://127.0.0.1:2/", "token": "b", "pid": os.getppid()},
    ]
    assert find_server(environ={}, servers=servers) == ServerAddress("http://127.0.0.1:2/", "b")
    only = [{"url": "http://127.0.0.1:3/", "token": "c", "pid": -1}]
    assert find_server(environ={}, servers=only).url == "http://127.0.0.1:3/"


def test_no_server_or_several_is_a_clear_error() -> None:
    with pytest.raises(ConnectionFailed, match=r"running for this user: none.*MCP_WORKBENCH_URL"):
        find_server(environ={}, servers=[])
    several = [{"url": f"http://127.0.0.1:{p}/", "pid": -p} for p in (1, 2)]
    with pytest.raises(ConnectionFailed, match=r"127\.0\.0\.1:1/, http://127\.0\.0\.1:2/"):
        find_server(environ={}, servers=several)
    with pytest.raises(ConnectionFailed, match="not an http"):
        find_server("ftp://x/", environ={}, servers=[])


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (-32601, MethodNotFound),
        (-32602, InvalidParams),
        (-31003, PermissionDenied),
        (-31009, Conflict),
        (-31001, AuthError),
        (-32002, NotFound),
        (-32099, ProtocolError),
    ],
)
def test_json_rpc_errors_become_typed_exceptions(code: int, kind: type[Exception]) -> None:
    error = error_from_jsonrpc({"code": code, "message": "what went wrong", "data": {"x": 1}})
    assert type(error) is kind
    assert str(error) == "what went wrong"
    assert error.data == {"x": 1}
    if isinstance(error, ProtocolError):
        assert error.code == code


def test_rate_limits_carry_their_wait() -> None:
    error = error_from_jsonrpc({"code": -31029, "message": "slow down", "data": {"retryAfter": 2}})
    assert isinstance(error, RateLimited)
    assert error.retry_after == 2.0
    assert isinstance(error_from_jsonrpc("nonsense"), ProtocolError)
