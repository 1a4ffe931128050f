"""Session limits (in total and per principal) and graceful drain."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from mcp_workbench import Settings
from mcp_workbench.app import build_engine
from mcp_workbench.engine import Engine
from mcp_workbench.transports.sockets import start_tcp_server, start_unix_server
from tests.conftest import FIXTURE_TOOLS, ROOT, eventually, server_env

pytestmark = pytest.mark.timeout(60)

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


def call(rid: int, tool: str, **arguments: Any) -> bytes:
    message = {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": META},
    }
    return orjson.dumps(message) + b"\n"


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    settings = Settings(
        tools=[FIXTURE_TOOLS], entry_points=False, max_sessions=3, max_sessions_per_principal=2
    )
    eng = build_engine(settings)
    yield eng
    await eng.shutdown()


async def _refused(reader: asyncio.StreamReader) -> dict[str, Any]:
    reply: dict[str, Any] = orjson.loads(await asyncio.wait_for(reader.readline(), 5))
    assert await asyncio.wait_for(reader.read(), 5) == b""  # and hung up
    return reply


async def test_sessions_per_principal_are_limited(engine: Engine, tmp_path: Path) -> None:
    server = await start_unix_server(engine, tmp_path / "s.sock")
    try:
        first = await asyncio.open_unix_connection(server.address)
        second = await asyncio.open_unix_connection(server.address)
        for reader, writer in (first, second):
            writer.write(call(1, "echo", text="in"))
            assert "result" in orjson.loads(await reader.readline())
        reader, writer = await asyncio.open_unix_connection(server.address)
        refused = await _refused(reader)
        assert refused["error"]["code"] == -31029
        assert "Too many sessions for" in refused["error"]["message"]
        writer.close()
        # Closing one lets a new one in.
        first[1].close()
        await first[1].wait_closed()
        await eventually(lambda: sum(1 for s in engine.sessions if s.transport == "unix") == 1)
        reader, writer = await asyncio.open_unix_connection(server.address)
        writer.write(call(2, "echo", text="again"))
        assert "result" in orjson.loads(await reader.readline())
        writer.close()
        second[1].close()
    finally:
        await server.close()


async def test_sessions_in_total_are_limited(engine: Engine) -> None:
    server = await start_tcp_server(engine, "127.0.0.1", 0)
    host, port = server.address.rsplit(":", 1)
    try:
        open_ = [await asyncio.open_connection(host, int(port)) for _ in range(3)]
        for reader, writer in open_:
            writer.write(call(1, "echo", text="in"))
            assert "result" in orjson.loads(await reader.readline())
        reader, writer = await asyncio.open_connection(host, int(port))
        refused = await _refused(reader)
        assert refused["error"]["message"] == "Too many sessions; try again later"
        assert refused["error"]["data"] == {"retryAfter": 1.0}
        writer.close()
        for _, w in open_:
            w.close()
    finally:
        await server.close()


async def test_drain_lets_running_calls_finish_and_refuses_new_work(engine: Engine) -> None:
    server = await start_tcp_server(engine, "127.0.0.1", 0)
    host, port = server.address.rsplit(":", 1)
    try:
        busy_reader, busy = await asyncio.open_connection(host, int(port))
        idle_reader, idle = await asyncio.open_connection(host, int(port))
        idle.write(call(1, "echo", text="hello"))
        assert "result" in orjson.loads(await idle_reader.readline())
        busy.write(call(1, "sleepy", seconds=0.5))
        await busy.drain()
        await eventually(lambda: any(s.inflight for s in engine.sessions))
        draining = asyncio.create_task(engine.drain(10))
        await asyncio.sleep(0)
        idle.write(call(2, "echo", text="late"))
        late = orjson.loads(await idle_reader.readline())
        assert late["error"]["message"] == "The server is shutting down"
        finished = orjson.loads(await busy_reader.readline())
        assert "result" in finished  # the running call was not cut short
        assert await draining == 0
        busy.close()
        idle.close()
    finally:
        await server.close()


async def test_drain_gives_up_after_its_grace(engine: Engine) -> None:
    server = await start_tcp_server(engine, "127.0.0.1", 0)
    host, port = server.address.rsplit(":", 1)
    try:
        _reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(call(1, "sleepy", seconds=30))
        await writer.drain()
        await eventually(lambda: any(s.inflight for s in engine.sessions))
        assert await engine.drain(0.2) == 1
        writer.close()
    finally:
        await server.close()


async def test_sigterm_drains_the_listen_command() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mcp_workbench.cli", "listen", "--no-store", "--no-entry-points",
        "--tools", FIXTURE_TOOLS, "--tcp", "127.0.0.1:0",
        stderr=asyncio.subprocess.PIPE, env=server_env(), cwd=str(ROOT),
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(30):
            while True:
                line = (await proc.stderr.readline()).decode()
                assert line
                if "listening: tcp " in line:
                    host, port = line.split()[-1].rsplit(":", 1)
                    break
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(call(1, "sleepy", seconds=0.5))
        await writer.drain()
        await asyncio.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        reply = orjson.loads(await asyncio.wait_for(reader.readline(), 10))
        assert "result" in reply  # answered before the server went away
        writer.close()
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        rest = (await proc.stderr.read()).decode()
        assert "draining" in rest
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
