"""The catalog sync protocol over a real TCP connection: a snapshot, change notifications,
deltas that bring a mirror to the server's checksum, acks, and "snapshot required" when the
log no longer reaches back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from mcp_workbench import Settings
from mcp_workbench.app import build_engine
from mcp_workbench.engine import Engine
from mcp_workbench.engine.catalog import (
    CATALOG_CHANGED,
    CATALOG_EXTENSION,
    SNAPSHOT_REQUIRED,
    catalog_checksum,
)
from mcp_workbench.registry import Tool
from mcp_workbench.transports.sockets import start_tcp_server
from tests.conftest import FIXTURE_TOOLS

pytestmark = pytest.mark.timeout(60)


class Peer:
    """Requests one at a time; notifications that arrive meanwhile are kept."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.rid = reader, writer, 0
        self.notifications: list[dict[str, Any]] = []

    async def request(self, method: str, **params: Any) -> dict[str, Any]:
        self.rid += 1
        body = {"jsonrpc": "2.0", "id": self.rid, "method": method, "params": params}
        self.writer.write(orjson.dumps(body) + b"\n")
        await self.writer.drain()
        while True:
            message: dict[str, Any] = orjson.loads(
                await asyncio.wait_for(self.reader.readline(), 5)
            )
            if message.get("id") == self.rid:
                return message
            self.notifications.append(message)

    async def notified(self, method: str) -> dict[str, Any]:
        """The next notification ``method`` (kept or still to come)."""
        for _ in range(100):
            for message in self.notifications:
                if message.get("method") == method:
                    self.notifications.remove(message)
                    return message
            line = await asyncio.wait_for(self.reader.readline(), 5)
            self.notifications.append(orjson.loads(line))
        raise AssertionError(f"no {method}")


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    settings = Settings(
        tools=[FIXTURE_TOOLS], entry_points=False, store=False, catalog_log_size=8
    )  # a short log, to outrun
    eng = build_engine(settings)
    yield eng
    await eng.shutdown()


@pytest.fixture
async def peer(engine: Engine) -> AsyncIterator[Peer]:
    server = await start_tcp_server(engine, "127.0.0.1", 0)
    host, port = server.address.rsplit(":", 1)
    client = Peer(*await asyncio.open_connection(host, int(port)))
    reply = await client.request(
        "initialize",
        protocolVersion="2025-11-25",
        capabilities={},
        clientInfo={"name": "mirror", "version": "1"},
    )
    assert reply["result"]["capabilities"]["experimental"][CATALOG_EXTENSION] == {"version": 1}
    yield client
    client.writer.close()
    await server.close()


def apply(mirror: dict[str, dict[str, dict[str, Any]]], changes: list[dict[str, Any]]) -> None:
    for change in changes:
        entries = mirror.setdefault(change["kind"], {})
        if change.get("removed"):
            entries.pop(change["key"], None)
        else:
            entries[change["key"]] = change["item"]


def keyed(items: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    def key(item: dict[str, Any]) -> str:
        return str(item.get("uriTemplate") or item.get("uri") or item.get("name"))

    return {kind: {key(i): i for i in entries} for kind, entries in items.items()}


def checksum_of(mirror: dict[str, dict[str, dict[str, Any]]]) -> str:
    return catalog_checksum({kind: list(entries.values()) for kind, entries in mirror.items()})


async def test_a_mirror_follows_the_catalog_by_deltas(engine: Engine, peer: Peer) -> None:
    snapshot = (await peer.request("workbench/catalog/snapshot"))["result"]
    assert {t["name"] for t in snapshot["items"]["tools"]} >= {"echo", "add"}
    mirror = keyed(snapshot["items"])
    assert checksum_of(mirror) == snapshot["checksum"]

    @engine.registry.tool("late.greet")
    def greet(name: str) -> str:
        """Say hello."""
        return f"hello {name}"

    engine.registry.remove_tool("add")
    engine.registry.add_tool(Tool.from_function(greet, name="late.greet", description="Hi."))
    pushed = await peer.notified(CATALOG_CHANGED)
    assert pushed["params"]["seq"] > snapshot["seq"]

    delta = (await peer.request("workbench/catalog/delta", since=snapshot["seq"]))["result"]
    assert [(c["key"], "removed" in c) for c in delta["changes"]] == [
        ("add", True),
        ("late.greet", False),  # added, then replaced: its newest state once
    ]
    assert delta["changes"][1]["item"]["description"] == "Hi."
    apply(mirror, delta["changes"])
    assert checksum_of(mirror) == delta["checksum"]
    fresh = (await peer.request("workbench/catalog/snapshot"))["result"]
    assert fresh["checksum"] == delta["checksum"]
    assert fresh["seq"] == delta["seq"]
    nothing = (await peer.request("workbench/catalog/delta", since=delta["seq"]))["result"]
    assert nothing["changes"] == []
    assert (await peer.request("workbench/catalog/ack", seq=delta["seq"]))["result"] == {}


async def test_deltas_the_log_cannot_serve_ask_for_a_snapshot(engine: Engine, peer: Peer) -> None:
    start = (await peer.request("workbench/catalog/snapshot"))["result"]["seq"]
    for n in range(10):  # more changes than the log keeps
        engine.registry.add_tool(Tool.from_function(lambda: "x", name=f"t{n}"))
    gone = await peer.request("workbench/catalog/delta", since=start)
    assert gone["error"]["code"] == SNAPSHOT_REQUIRED
    assert gone["error"]["data"]["snapshotRequired"] is True
    recent = engine.catalog.seq - 3
    assert (
        len((await peer.request("workbench/catalog/delta", since=recent))["result"]["changes"]) == 3
    )
    engine.catalog.invalidate()  # what a policy reload does
    after = await peer.request("workbench/catalog/delta", since=recent)
    assert after["error"]["code"] == SNAPSHOT_REQUIRED


async def test_a_seq_of_another_epoch_asks_for_a_snapshot(engine: Engine, peer: Peer) -> None:
    """Seqs count in one log: after a server restart (a new epoch) a mirror's seq means
    nothing, even when it is not ahead of the new log."""
    snapshot = (await peer.request("workbench/catalog/snapshot"))["result"]
    assert snapshot["epoch"] == engine.catalog.epoch
    same = await peer.request("workbench/catalog/delta", since=0, epoch=snapshot["epoch"])
    assert same["result"]["epoch"] == snapshot["epoch"]
    other = await peer.request("workbench/catalog/delta", since=0, epoch="an-earlier-run")
    assert other["error"]["code"] == SNAPSHOT_REQUIRED
    assert other["error"]["data"]["epoch"] == snapshot["epoch"]
    bad = await peer.request("workbench/catalog/delta", since=0, epoch=7)
    assert bad["error"]["code"] == -32602


async def test_bad_catalog_requests_get_invalid_params(engine: Engine, peer: Peer) -> None:
    ahead = engine.catalog.seq + 5
    for method, params in (
        ("workbench/catalog/delta", {}),
        ("workbench/catalog/delta", {"since": -1}),
        ("workbench/catalog/delta", {"since": "3"}),
        ("workbench/catalog/delta", {"since": ahead}),
        ("workbench/catalog/ack", {"seq": True}),
        ("workbench/catalog/ack", {"seq": ahead}),
    ):
        reply = await peer.request(method, **params)
        assert reply["error"]["code"] == -32602, (method, params, reply)
    assert "result" in await peer.request("ping")  # and the connection keeps serving
