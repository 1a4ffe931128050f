"""Resuming a session after its connection drops: running calls finish and their answers,
with what else was sent meanwhile, arrive on the new connection in order; the session's
handshake and subscriptions carry over; only its owner may take it back, and only in time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import tornado.websocket

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer
from mcp_workbench.auth import AuthConfig, build_issuer
from mcp_workbench.engine.resume import RelayChannel
from mcp_workbench.transports.listeners import Listeners, start_listeners
from tests.conftest import FIXTURE_TOOLS, eventually, fresh_data_dir

pytestmark = pytest.mark.timeout(60)


class Peer:
    """A raw JSON-RPC peer over a line stream or a WebSocket, that keeps what arrives
    out of turn (notifications, answers to other requests)."""

    def __init__(self, kind: str, address: str) -> None:
        self.kind, self.address, self.rid = kind, address, 100
        self.inbox: list[dict[str, Any]] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._ws: tornado.websocket.WebSocketClientConnection | None = None

    async def connect(self) -> Peer:
        if self.kind == "tcp":
            host, port = self.address.rsplit(":", 1)
            self._reader, self._writer = await asyncio.open_connection(host, int(port))
        elif self.kind == "unix":
            self._reader, self._writer = await asyncio.open_unix_connection(self.address)
        else:
            self._ws = await tornado.websocket.websocket_connect(
                f"ws://{self.address}", subprotocols=["mcp"]
            )
        return self

    async def write(self, message: dict[str, Any]) -> None:
        data = orjson.dumps(message)
        if self._ws is not None:
            await self._ws.write_message(data.decode())
        else:
            assert self._writer is not None
            self._writer.write(data + b"\n")
            await self._writer.drain()

    async def read(self) -> dict[str, Any]:
        if self._ws is not None:
            raw = await asyncio.wait_for(self._ws.read_message(), 5)
            assert raw is not None, "connection closed"
        else:
            assert self._reader is not None
            raw = await asyncio.wait_for(self._reader.readline(), 5)
            assert raw, "connection closed"
        message: dict[str, Any] = orjson.loads(raw)
        return message

    async def request(self, method: str, **params: Any) -> dict[str, Any]:
        self.rid += 1
        await self.write({"jsonrpc": "2.0", "id": self.rid, "method": method, "params": params})
        return await self.answer(self.rid)

    async def answer(self, rid: int) -> dict[str, Any]:
        for i, message in enumerate(self.inbox):
            if message.get("id") == rid and "method" not in message:
                return self.inbox.pop(i)
        while True:
            message = await self.read()
            if message.get("id") == rid and "method" not in message:
                return message
            self.inbox.append(message)

    async def initialize(self) -> None:
        reply = await self.request(
            "initialize",
            protocolVersion="2025-11-25",
            capabilities={},
            clientInfo={"name": "resume-test", "version": "1"},
        )
        assert reply["result"]["protocolVersion"] == "2025-11-25"
        await self.write({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def drop(self) -> None:
        if self._ws is not None:
            self._ws.close()
        elif self._writer is not None:
            self._writer.close()


class Served:
    def __init__(self, server: WorkbenchServer, listeners: Listeners, data_dir: Path) -> None:
        self.server = server
        self.addresses = dict(listeners.addresses)
        self.listeners = listeners
        self.data_dir = data_dir

    def peer(self, kind: str) -> Peer:
        return Peer(kind, self.addresses[kind].removeprefix("ws://"))


async def serve(**overrides: Any) -> tuple[WorkbenchServer, Listeners, Path]:
    data_dir = fresh_data_dir()
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        store=False,
        data_dir=data_dir,
        **overrides,
    )
    server = WorkbenchServer(settings)
    await server.start()
    listeners = await start_listeners(
        server.engine,
        tcp=["127.0.0.1:0"],
        unix=[str(data_dir / "mcp.sock")],
        ws=["127.0.0.1:0"],
    )
    return server, listeners, data_dir


async def stop(server: WorkbenchServer, listeners: Listeners) -> None:
    await listeners.close()
    await server.engine.shutdown()
    await server.aclose()
    server.close()


@pytest.fixture(scope="module")
async def served() -> AsyncIterator[Served]:
    server, listeners, data_dir = await serve(resume_grace=5.0, resume_buffer=5)
    yield Served(server, listeners, data_dir)
    await stop(server, listeners)


@pytest.mark.parametrize("kind", ["tcp", "unix", "ws"])
async def test_a_dropped_session_resumes_with_its_answers_in_order(
    served: Served, kind: str
) -> None:
    engine = served.server.engine
    first = await served.peer(kind).connect()
    await first.initialize()
    assert "result" in await first.request("resources/subscribe", uri="demo://readme")
    info = (await first.request("workbench/session"))["result"]
    assert info["graceSeconds"] == 5.0
    # Two calls still running when the connection goes (long enough for the server to see
    # it go, also on a busy machine); a notification is due meanwhile.
    for rid, seconds in ((1, 2.0), (2, 2.5)):
        params = {"name": "sleepy", "arguments": {"seconds": seconds}}
        await first.write({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params})
    [parked] = [s for s in engine.sessions if s.id == info["sessionId"]]
    relay = parked.channel
    assert isinstance(relay, RelayChannel)
    first.drop()
    # What is sent once the server saw the connection go is held (what a dying connection
    # swallows before that is lost: nothing here, the calls run on).
    await eventually(lambda: relay.target is None, within=2)
    engine.registry.resource_updated("demo://readme")
    await eventually(lambda: relay.held == 3, within=10)  # both calls ended, nobody there

    second = await served.peer(kind).connect()
    resumed = await second.request("workbench/resume", token=info["resumeToken"])
    assert resumed["result"] == {"sessionId": info["sessionId"], "replayed": 3}
    held = [await second.read() for _ in range(3)]
    assert held[0] == {
        "jsonrpc": "2.0",
        "method": "notifications/resources/updated",
        "params": {"uri": "demo://readme"},
    }
    assert [(m["id"], m["result"]["content"][0]["text"]) for m in held[1:]] == [
        (1, "slept"),
        (2, "slept"),
    ]
    # The handshake carried over: no initialize needed, and the subscription still works.
    tools = await second.request("tools/list")
    assert "sleepy" in {t["name"] for t in tools["result"]["tools"]}
    engine.registry.resource_updated("demo://readme")
    update = await second.read()
    assert update["method"] == "notifications/resources/updated"
    # A token resumes once.
    third = await served.peer(kind).connect()
    again = await third.request("workbench/resume", token=info["resumeToken"])
    assert again["error"]["code"] == -32602
    second.drop()
    third.drop()


async def test_a_session_not_resumed_in_time_is_closed(served: Served) -> None:
    engine = served.server.engine
    first = await served.peer("tcp").connect()
    await first.initialize()
    info = (await first.request("workbench/session"))["result"]
    token = info["resumeToken"]
    first.drop()
    await asyncio.sleep(0.2)
    # Parked: still a session (and counted against the limits), waiting.
    assert info["sessionId"] in {s.id for s in engine.sessions}
    await asyncio.sleep(5.1)
    assert info["sessionId"] not in {s.id for s in engine.sessions}
    second = await served.peer("tcp").connect()
    late = await second.request("workbench/resume", token=token)
    assert late["error"] == {
        "code": -32602,
        "message": "No such session to resume (it expired or was closed)",
    }
    second.drop()


async def test_sessions_that_did_not_ask_end_with_their_connection(served: Served) -> None:
    engine = served.server.engine
    known = {s.id for s in engine.sessions}
    peer = await served.peer("unix").connect()
    await peer.initialize()
    (mine,) = {s.id for s in engine.sessions} - known
    peer.drop()
    for _ in range(100):
        if mine not in {s.id for s in engine.sessions}:
            break
        await asyncio.sleep(0.02)
    assert mine not in {s.id for s in engine.sessions}


async def test_too_much_held_makes_a_session_unresumable(served: Served) -> None:
    engine = served.server.engine
    first = await served.peer("tcp").connect()
    await first.initialize()
    assert "result" in await first.request("resources/subscribe", uri="demo://readme")
    token = (await first.request("workbench/session"))["result"]["resumeToken"]
    first.drop()
    await asyncio.sleep(0.1)
    for _ in range(6):  # the limit is 5
        engine.registry.resource_updated("demo://readme")
    await asyncio.sleep(0.1)
    second = await served.peer("tcp").connect()
    refused = await second.request("workbench/resume", token=token)
    assert refused["error"]["code"] == -32602
    assert "result" in await second.request("ping")  # the new connection serves as usual
    second.drop()


async def test_resuming_is_refused_where_it_cannot_work(served: Served) -> None:
    peer = await served.peer("tcp").connect()
    missing = await peer.request("workbench/resume")
    assert missing["error"]["message"] == "params.token (a resume token) is required"
    made_up = await peer.request("workbench/resume", token="x" * 43)
    assert made_up["error"]["code"] == -32602
    peer.drop()
    off, listeners, _ = await serve(resume_grace=0)
    try:
        host, port = dict(listeners.addresses)["tcp"].rsplit(":", 1)
        closed = Peer("tcp", f"{host}:{port}")
        await closed.connect()
        await closed.initialize()
        refused = await closed.request("workbench/session")
        assert refused["error"]["message"] == "Sessions over tcp cannot be resumed here"
        closed.drop()
    finally:
        await stop(off, listeners)


async def test_only_the_same_principal_may_resume() -> None:
    server, listeners, data_dir = await serve(resume_grace=5, auth=True)
    issuer = build_issuer(AuthConfig.from_settings(server.settings), data_dir)
    alice, bob = (issuer.issue(name, ttl=600).token for name in ("alice", "bob"))
    address = dict(listeners.addresses)["tcp"]
    try:
        first = await Peer("tcp", address).connect()
        assert "result" in await first.request("workbench/authenticate", token=alice)
        await first.initialize()
        token = (await first.request("workbench/session"))["result"]["resumeToken"]
        first.drop()
        await asyncio.sleep(0.1)
        # Not before authenticating...
        anonymous = await Peer("tcp", address).connect()
        early = await anonymous.request("workbench/resume", token=token)
        assert early["error"]["code"] == -31001
        anonymous.drop()
        # ...and not as someone else: the same answer as for an unknown token.
        thief = await Peer("tcp", address).connect()
        assert "result" in await thief.request("workbench/authenticate", token=bob)
        stolen = await thief.request("workbench/resume", token=token)
        assert stolen["error"]["message"] == "No such session to resume (it expired or was closed)"
        thief.drop()
        owner = await Peer("tcp", address).connect()
        assert "result" in await owner.request("workbench/authenticate", token=alice)
        back = await owner.request("workbench/resume", token=token)
        assert back["result"]["replayed"] == 0
        assert "result" in await owner.request("tools/list")
        owner.drop()
    finally:
        await stop(server, listeners)
