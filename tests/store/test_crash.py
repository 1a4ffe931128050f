"""Durability: a server killed with SIGKILL right after acknowledging mutations keeps every
acknowledged mutation and its event, and its state still equals the replay of its log."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import httpx2
import pytest
from mcp import Client

from mcp_workbench.service import Workbench
from mcp_workbench.store import events_after
from tests.conftest import fresh_data_dir, run_cli, server_env, spawn_http_server

pytestmark = pytest.mark.timeout(120)

WRITERS = 24
ACKNOWLEDGED_BEFORE_KILL = 150


async def _hammer(url: str, proc: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    """Write notes and cards from many coroutines; SIGKILL the server once enough were
    acknowledged, while others are still in flight. Returns what was acknowledged."""
    acknowledged: list[dict[str, Any]] = []
    try:
        async with Client(url, cache=None, read_timeout_seconds=20) as client:
            await _write_until_killed(client, proc, acknowledged)
    except* httpx2.TransportError:
        pass  # the calls in flight when the server died
    await proc.wait()
    return acknowledged


async def _write_until_killed(
    client: Client, proc: asyncio.subprocess.Process, acknowledged: list[dict[str, Any]]
) -> None:
    enough = asyncio.Event()
    board = await client.call_tool("tasks.create_board", {"title": "Crash", "id": "crash"})
    assert not board.is_error
    acknowledged.append({"kind": "board", "id": "crash", "version": 1})

    async def writer(n: int) -> None:
        i = 0
        while not enough.is_set():
            i += 1
            if i % 3:
                arguments = {"path": f"w{n}/note{i}.md", "body": f"body {n}.{i}"}
                result = await client.call_tool("notes.write", arguments)
                kind = "note"
            else:
                arguments = {"board": "crash", "lane": "Todo", "title": f"card {n}.{i}"}
                result = await client.call_tool("tasks.create_card", arguments)
                kind = "card"
            assert not result.is_error, result.content
            data = result.structured_content
            assert data is not None
            acknowledged.append(
                {"kind": kind, "id": data["id"], "version": data["version"], "data": data}
            )
            if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                enough.set()

    tasks = [asyncio.create_task(writer(n)) for n in range(WRITERS)]
    await enough.wait()
    proc.send_signal(signal.SIGKILL)  # no shutdown, no flush: the process just ends
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, httpx2.TransportError):
            raise result


async def test_acknowledged_mutations_survive_sigkill(database_url: str) -> None:
    data_dir = fresh_data_dir()
    env = server_env(data_dir)
    store = ("--no-entry-points", "--database-url", database_url)
    proc, url = await spawn_http_server(*store, env=env)
    acknowledged = await _hammer(url, proc)
    assert proc.returncode == -signal.SIGKILL
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL

    # Restart on the same data directory and read everything back through MCP.
    proc, url = await spawn_http_server(*store, env=env)
    try:
        async with Client(url, cache=None, read_timeout_seconds=20) as client:
            for ack in acknowledged:
                if ack["kind"] == "note":
                    result = await client.call_tool("notes.read", {"path": ack["data"]["path"]})
                    assert not result.is_error, (ack, result.content)
                    assert result.structured_content is not None
                    assert result.structured_content["body"] == ack["data"]["body"]
            board = await client.call_tool("tasks.get_board", {"board": "crash"})
            assert board.structured_content is not None
            cards = {c["id"]: c for c in board.structured_content["cards"]}
            for ack in acknowledged:
                if ack["kind"] == "card":
                    assert ack["id"] in cards
            positions = sorted(c["position"] for c in cards.values())
            assert positions == list(range(len(cards)))
    finally:
        proc.terminate()
        await proc.wait()

    await _check_events(database_url, acknowledged)
    verified = await asyncio.to_thread(
        run_cli, "db", "rebuild", "--verify", "--database-url", database_url
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def _check_events(database_url: str, acknowledged: list[dict[str, Any]]) -> None:
    workbench = Workbench.open(database_url=database_url)
    try:
        events = await workbench.db.read(lambda s: events_after(s, 0, limit=1_000_000))
    finally:
        workbench.close()
    logged = {(e.entity, e.entity_id, e.version) for e in events}
    for ack in acknowledged:
        assert (ack["kind"], ack["id"], ack["version"]) in logged, ack
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
