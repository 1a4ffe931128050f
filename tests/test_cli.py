"""The command line and settings: clear errors, and a server that really starts."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from mcp_workbench import load_settings
from mcp_workbench.errors import WorkbenchError
from tests.conftest import (
    ROOT,
    run_cli,
    server_env,
    spawn_http_server,
    stdio_args,
    stdio_command,
)


def test_version_and_help() -> None:
    assert run_cli("--version").stdout.startswith("mcp-workbench ")
    out = run_cli("--help").stdout
    assert "stdio" in out
    assert "serve-http" in out


def test_unknown_tools_module_is_a_clear_error() -> None:
    result = run_cli("stdio", "--tools", "no.such.module")
    assert result.returncode == 2
    assert "mcp-workbench: error: No module named 'no'" in result.stderr
    assert result.stdout == ""


def test_bad_setting_from_environment_is_a_clear_error() -> None:
    env = {**server_env(), "MCP_WORKBENCH_PAGE_SIZE": "0"}
    result = run_cli("stdio", env=env)
    assert result.returncode == 2
    assert "page_size" in result.stderr


def test_settings_file_env_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "wb.toml"
    config.write_text('port = 9001\npage_size = 7\ntools = ["a.b"]\n')
    monkeypatch.setenv("MCP_WORKBENCH_PAGE_SIZE", "8")
    settings = load_settings(config, port=9002, tools=None)
    assert settings.port == 9002
    assert settings.page_size == 8
    assert settings.tools == ["a.b"]
    config.write_text("port = 'nope'\n")
    with pytest.raises(WorkbenchError, match="port"):
        load_settings(config)
    config.write_text("port = \n")
    with pytest.raises(WorkbenchError, match="cannot read settings file"):
        load_settings(config)
    with pytest.raises(WorkbenchError, match=r"unknown_field: Extra inputs"):
        load_settings(None, unknown_field=1)


async def test_serve_http_starts_prints_url_and_stops_on_sigterm() -> None:
    proc, url = await spawn_http_server("--no-entry-points")
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            response = await http.post(
                url,
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tools/call",
                    "params": {
                        "name": "workbench.info",
                        "arguments": {},
                        "_meta": {
                            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                            "io.modelcontextprotocol/clientCapabilities": {},
                        },
                    },
                },
                headers={
                    "Accept": "application/json, text/event-stream",
                    "MCP-Protocol-Version": "2026-07-28",
                    "Mcp-Method": "tools/call",
                    "Mcp-Name": "workbench.info",
                },
            )
        info = response.json()["result"]["structuredContent"]
        assert info["client_protocol_version"] == "2026-07-28"
        assert "2025-03-26" in info["protocol_versions"]
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_stdio_keeps_stdout_clean_of_prints(tmp_path: Path) -> None:
    module = tmp_path / "noisy_tools.py"
    module.write_text(
        "from mcp_workbench import tool\n"
        "print('import-time noise')\n"
        "@tool\n"
        "def shout() -> str:\n"
        "    print('call-time noise')\n"
        "    return 'ok'\n"
    )
    env = {**server_env(), "PYTHONPATH": f"{tmp_path}{os.pathsep}{server_env()['PYTHONPATH']}"}
    request = (
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"shout",'
        '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
        '"io.modelcontextprotocol/clientCapabilities":{}}}}\n'
    )
    result = run_cli("stdio", "--tools", "noisy_tools", input=request, env=env)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert '"text":"ok"' in lines[0]
    assert "noise" in result.stderr


def test_stdio_with_regular_files(tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    replies = tmp_path / "replies.jsonl"
    requests.write_text(
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",'
        '"arguments":{"text":"from a file"},"_meta":{"io.modelcontextprotocol/protocolVersion":'
        '"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}\n'
        "not json\n"
    )
    with requests.open("rb") as stdin, replies.open("wb") as stdout:
        result = subprocess.run(
            stdio_command(),
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=30,
            env=server_env(),
            cwd=ROOT,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    replies_by_id = {
        json.loads(line)["id"]: json.loads(line) for line in replies.read_text().splitlines()
    }
    assert replies_by_id[1]["result"]["content"][0]["text"] == "from a file"
    assert replies_by_id[None]["error"]["code"] == -32700


def test_stdio_answers_a_batch_read_just_before_stdin_closes() -> None:
    frames = (
        '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26",'
        '"capabilities":{},"clientInfo":{"name":"t","version":"0"}}}\n'
        '[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sleepy",'
        '"arguments":{"seconds":0.2}}},{"jsonrpc":"2.0","id":2,"method":"ping"}]\n'
    )
    result = run_cli(*stdio_args(), input=frames)
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    batch = next(r for r in replies if isinstance(r, list))
    assert sorted(r["id"] for r in batch) == [1, 2]


def test_stdio_with_devnull_regression_epoll_abort() -> None:
    """Regression: stdin or stdout on /dev/null (a device epoll refuses) aborted the process."""
    request = (
        '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":'
        '{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}\n'
    )
    with open(os.devnull, "wb") as devnull:
        result = subprocess.run(
            stdio_command(),
            input=request.encode(),
            stdout=devnull,
            stderr=subprocess.PIPE,
            timeout=30,
            env=server_env(),
            cwd=ROOT,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    with open(os.devnull, "rb") as devnull:
        result = subprocess.run(
            stdio_command(),
            stdin=devnull,
            capture_output=True,
            timeout=30,
            env=server_env(),
            cwd=ROOT,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""


async def test_a_taken_port_is_a_clear_error() -> None:
    proc, url = await spawn_http_server("--no-entry-points", "--no-store")
    try:
        port = url.split(":")[2].split("/")[0]
        result = await asyncio.to_thread(
            run_cli, "serve-http", "--no-store", "--no-entry-points", "--port", port
        )
        assert result.returncode == 2
        assert result.stderr.startswith(f"mcp-workbench: error: cannot listen on 127.0.0.1:{port}")
        assert "Traceback" not in result.stderr
    finally:
        proc.terminate()
        await proc.wait()


async def test_listen_serves_every_transport_at_once(tmp_path: Path) -> None:
    socket_path = tmp_path / "mcp.sock"
    proc = await asyncio.create_subprocess_exec(
        *stdio_command()[:3],
        "listen",
        "--no-entry-points",
        "--no-store",
        "--tcp", "127.0.0.1:0",
        "--unix", str(socket_path),
        "--ws", "127.0.0.1:0",
        "--http", "127.0.0.1:0",
        stderr=asyncio.subprocess.PIPE,
        env=server_env(),
        cwd=str(ROOT),
    )  # fmt: skip
    assert proc.stderr is not None
    addresses: dict[str, str] = {}
    try:
        async with asyncio.timeout(30):
            while len(addresses) < 4:
                line = (await proc.stderr.readline()).decode()
                assert line, "listen exited early"
                if line.startswith("MCP Workbench listening: "):
                    kind, address = line.split(": ", 1)[1].split()
                    addresses[kind] = address
        request = (
            b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":'
            b'{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
            b'"io.modelcontextprotocol/clientCapabilities":{}}}}\n'
        )
        host, port = addresses["tcp"].rsplit(":", 1)
        for kind in ("tcp", "unix"):
            if kind == "tcp":
                reader, writer = await asyncio.open_connection(host, int(port))
            else:
                reader, writer = await asyncio.open_unix_connection(addresses["unix"])
            writer.write(request)
            reply = json.loads(await reader.readline())
            writer.close()
            await writer.wait_closed()
            assert "workbench.info" in {t["name"] for t in reply["result"]["tools"]}, kind
        import tornado.websocket

        ws = await tornado.websocket.websocket_connect(addresses["ws"], subprotocols=["mcp"])
        await ws.write_message(request.decode())
        assert json.loads(str(await ws.read_message()))["result"]["tools"]
        ws.close()
        async with httpx.AsyncClient() as http:
            response = await http.post(
                addresses["http"],
                content=request,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json, text/event-stream",
                    "MCP-Protocol-Version": "2026-07-28",
                    "Mcp-Method": "tools/list",
                },
            )
        assert response.json()["result"]["tools"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    assert not socket_path.exists()  # removed on the way out


def test_listen_needs_a_listener_and_valid_addresses() -> None:
    nothing = run_cli("listen", "--no-store")
    assert nothing.returncode == 2
    assert "give at least one of --tcp, --unix, --ws, --http" in nothing.stderr
    bad = run_cli("listen", "--no-store", "--tcp", "localhost:http")
    assert bad.returncode == 2
    assert "invalid address 'localhost:http'" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("modules", [["tests.fixtures.demo_tools"], ["a.b", "lab=c.d"]])
def test_serve_hands_every_tools_module_to_the_extension(modules: list[str]) -> None:
    """``serve --tools M`` (once or more) reaches the extension's ``tools`` setting."""
    import argparse

    from traitlets.config import Application

    from mcp_workbench.jupyter.extension import MCPWorkbench
    from mcp_workbench.jupyter.serve import jupyter_argv

    args = argparse.Namespace(
        vault=None, data_dir=None, database_url=None, config=None, tools=modules, demo=False
    )
    app = Application()
    app.parse_command_line([a for a in jupyter_argv(args, []) if a.startswith("--MCPWorkbench.")])
    extension = MCPWorkbench(config=app.config)
    assert extension.tools == modules
