"""Hundreds of authenticated sessions at once over TCP, Unix, WebSocket and Streamable HTTP:
every session gets its own answers, and each one's ``tools/list`` is exactly what its role
may see under a Cedar policy (readers two tools, editors all of them).

Regression: the listeners kept asyncio's accept backlog of 100, so of 200 clients
connecting at once 99 Unix-socket connections were refused and TCP handshakes beyond the
100th were retried a second later (``transports.listeners.BACKLOG``).
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx2
import orjson
import pytest
import tornado.httpclient
import tornado.websocket

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer
from mcp_workbench.auth import AuthConfig, TokenIssuer, build_issuer
from mcp_workbench.transports.listeners import Listeners, start_listeners
from tests.clients import MODERN_META, RawLineClient
from tests.conftest import FIXTURE_TOOLS, eventually, fresh_data_dir

pytestmark = pytest.mark.timeout(30)

SESSIONS = 200
"""Sessions open at once on each transport."""
CALLS = 2
"""Rounds of ``echo`` + ``add`` each session makes."""
PRINCIPALS_PER_ROLE = 5
"""Principals per role: each holds many of the sessions, on every transport."""
BUDGET = 15.0
"""Seconds one transport's whole crowd may take (open, work, close)."""
READER_TOOLS = frozenset({"echo", "add"})
LEGACY_VERSION = "2025-11-25"

POLICY = """
@id("editors-do-everything")
permit (principal in Role::"editor", action, resource);

@id("readers-echo")
permit (
    principal in Role::"reader",
    action in [Action::"list", Action::"call"],
    resource == Tool::"echo"
);

@id("readers-add")
permit (
    principal in Role::"reader",
    action in [Action::"list", Action::"call"],
    resource == Tool::"add"
);
"""


@dataclass(frozen=True)
class Member:
    """One session of the crowd: who it acts for, with which role and token."""

    index: int
    role: str
    subject: str
    token: str


class Crowd:
    """A secured workbench with a policy, listening on all four network transports."""

    def __init__(self, server: WorkbenchServer, listeners: Listeners) -> None:
        self.server = server
        self.engine = server.engine
        self.addresses = dict(listeners.addresses)
        self.issuer: TokenIssuer = build_issuer(
            AuthConfig.from_settings(server.settings), server.settings.data_dir
        )
        every = frozenset(self.engine.registry.tools)
        self.expected = {"reader": READER_TOOLS, "editor": every}
        """The exact ``tools/list`` of each role."""

    def member(self, index: int) -> Member:
        """The ``index``-th member: roles alternate, ``PRINCIPALS_PER_ROLE`` names each."""
        role = ("reader", "editor")[index % 2]
        subject = f"{role}-{index // 2 % PRINCIPALS_PER_ROLE}"
        token = self.issuer.issue(subject, ttl=600, roles=(role,)).token
        return Member(index, role, subject, token)

    def open_sessions(self, transport: str) -> collections.Counter[str | None]:
        """How many authenticated sessions each principal has open on ``transport``."""
        return collections.Counter(
            s.principal
            for s in self.engine.sessions
            if s.transport == transport and not s.needs_auth
        )


@pytest.fixture(scope="module")
async def crowd(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Crowd]:
    policy = tmp_path_factory.mktemp("policy") / "policy.cedar"
    policy.write_text(POLICY)
    data_dir = fresh_data_dir()
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        store=False,
        data_dir=data_dir,
        auth=True,
        policy_path=policy,
        page_size=1000,  # one page: each tools/list is the whole visible set
        # Room for a whole crowd under one name: a Unix peer counts as its OS user until
        # its token is checked.
        max_sessions=2 * SESSIONS,
        max_sessions_per_principal=2 * SESSIONS,
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
    yield Crowd(server, listeners)
    await listeners.close()
    await server.engine.shutdown()
    await server.aclose()
    server.close()


# -- one thin client per transport, all speaking JSON-RPC one request at a time --------------
class Peer(Protocol):
    """One open, authenticated session."""

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a request and return the whole response."""

    async def aclose(self) -> None:
        """End the session."""


def _authenticated(reply: dict[str, Any], member: Member) -> None:
    assert reply["result"]["principal"] == member.subject, reply
    assert reply["result"]["roles"] == [member.role], reply


class LinePeer:
    """A TCP or Unix socket session (``RawLineClient``), authenticated by its first request."""

    def __init__(self, client: RawLineClient) -> None:
        self.client = client

    @classmethod
    async def open(
        cls, connection: Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]], m: Member
    ) -> LinePeer:
        client = RawLineClient(*await connection)
        _authenticated(await client.send("workbench/authenticate", meta=False, token=m.token), m)
        return cls(client)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.client.send(method, **params)

    async def aclose(self) -> None:
        self.client.close()
        await self.client.writer.wait_closed()


class WsPeer:
    """A WebSocket session: the token in the upgrade's ``Authorization`` header, or in a
    first ``workbench/authenticate`` message."""

    def __init__(self, connection: tornado.websocket.WebSocketClientConnection) -> None:
        self.connection = connection
        self.rid = 0

    @classmethod
    async def open(cls, url: str, m: Member, *, in_header: bool) -> WsPeer:
        headers = {"Authorization": f"Bearer {m.token}"} if in_header else None
        request = tornado.httpclient.HTTPRequest(url, headers=headers)
        peer = cls(await tornado.websocket.websocket_connect(request, subprotocols=["mcp"]))
        if not in_header:
            _authenticated(await peer.request("workbench/authenticate", {"token": m.token}), m)
        return peer

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.rid += 1
        message = {"jsonrpc": "2.0", "id": self.rid, "method": method, "params": params}
        await self.connection.write_message(orjson.dumps(message).decode())
        raw = await asyncio.wait_for(self.connection.read_message(), 5)
        assert raw is not None, (
            f"closed: {self.connection.close_code} {self.connection.close_reason}"
        )
        reply: dict[str, Any] = orjson.loads(raw)
        assert reply["id"] == self.rid, reply
        return reply

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.request(method, {**params, "_meta": MODERN_META})

    async def aclose(self) -> None:
        self.connection.close()


_TLS_CONTEXT = ssl.create_default_context()


class HttpPeer:
    """A legacy Streamable HTTP session (``initialize``, then ``Mcp-Session-Id``) with a
    keep-alive connection of its own, every request carrying its bearer token."""

    def __init__(self, url: str, token: str) -> None:
        # One client per session, as separate processes would have (a pool shared by
        # hundreds of connections spends its time scanning itself); plain HTTP, but a
        # client loads the CA bundle unless handed a context.
        self.http = httpx2.AsyncClient(timeout=10, verify=_TLS_CONTEXT)
        self.url = url
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        }
        self.rid = 0

    @classmethod
    async def open(cls, url: str, m: Member) -> HttpPeer:
        peer = cls(url, m.token)
        try:
            hello = await peer.post(
                "initialize",
                {
                    "protocolVersion": LEGACY_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": "crowd", "version": "1"},
                },
            )
            assert hello.status_code == 200, hello.text
            assert hello.json()["result"]["protocolVersion"] == LEGACY_VERSION
            peer.headers["Mcp-Session-Id"] = hello.headers["Mcp-Session-Id"]
            peer.headers["MCP-Protocol-Version"] = LEGACY_VERSION
            note = orjson.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
            assert (await peer.http.post(url, content=note, headers=peer.headers)).is_success
        except BaseException:
            await peer.http.aclose()
            raise
        return peer

    async def post(self, method: str, params: dict[str, Any]) -> httpx2.Response:
        self.rid += 1
        message = {"jsonrpc": "2.0", "id": self.rid, "method": method, "params": params}
        return await self.http.post(self.url, content=orjson.dumps(message), headers=self.headers)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        answer = await self.post(method, params)
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"].startswith("application/json")
        reply: dict[str, Any] = answer.json()
        assert reply["id"] == self.rid, reply
        return reply

    async def aclose(self) -> None:
        try:
            ended = await self.http.delete(self.url, headers=self.headers)
            assert ended.status_code == 200
        finally:
            await self.http.aclose()


# -- what every session does ------------------------------------------------------------------
async def exercise(peer: Peer, m: Member, crowd: Crowd) -> None:
    """List the tools, make ``CALLS`` rounds of calls, and try ``workbench.info``; every
    answer must be this session's own."""
    listed = (await peer.send("tools/list"))["result"]
    assert {t["name"] for t in listed["tools"]} == crowd.expected[m.role], m
    assert listed.get("nextCursor") is None
    for k in range(CALLS):
        text = f"{m.subject} session {m.index} call {k}"
        echoed = (await peer.send("tools/call", name="echo", arguments={"text": text}))["result"]
        assert not echoed.get("isError"), echoed
        assert [c["text"] for c in echoed["content"]] == [text]
        numbers = [m.index, k, 0.25]
        added = await peer.send("tools/call", name="add", arguments={"numbers": numbers})
        assert added["result"]["structuredContent"] == {"total": m.index + k + 0.25, "count": 3}
    info = await peer.send("tools/call", name="workbench.info", arguments={})
    if m.role == "editor":
        assert info["result"]["structuredContent"]["caller"] == m.subject
    else:  # hidden from readers: answered as if it did not exist
        assert info["error"]["code"] == -32602, info
        assert info["error"]["message"] == "Unknown tool: workbench.info", info


Opener = Callable[[Crowd, Member], Awaitable[Peer]]


async def _open_tcp(crowd: Crowd, m: Member) -> Peer:
    host, port = crowd.addresses["tcp"].rsplit(":", 1)
    return await LinePeer.open(asyncio.open_connection(host, int(port)), m)


async def _open_unix(crowd: Crowd, m: Member) -> Peer:
    return await LinePeer.open(asyncio.open_unix_connection(crowd.addresses["unix"]), m)


async def _open_ws(crowd: Crowd, m: Member) -> Peer:
    # Half the crowd sends its token at the upgrade, half in the first message.
    return await WsPeer.open(crowd.addresses["ws"], m, in_header=m.index % 4 < 2)


async def run_crowd(
    crowd: Crowd,
    transport: str,
    open_peer: Opener,
    beside: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Open every member's session at once, check the server holds them all, make every
    session do its work concurrently (and ``beside()`` with them), close them, and check
    the server has forgotten them."""
    members = [crowd.member(index) for index in range(SESSIONS)]
    async with asyncio.timeout(BUDGET):
        opened = await asyncio.gather(
            *(open_peer(crowd, m) for m in members), return_exceptions=True
        )
        peers = [p for p in opened if not isinstance(p, BaseException)]
        try:
            failures = [p for p in opened if isinstance(p, BaseException)]
            assert not failures, f"{len(failures)} sessions failed to open: {failures[0]!r}"
            expected = collections.Counter(m.subject for m in members)
            assert crowd.open_sessions(transport) == expected
            work = [exercise(p, m, crowd) for p, m in zip(peers, members, strict=True)]
            await asyncio.gather(*work, *([beside()] if beside is not None else []))
        finally:
            closed = await asyncio.gather(*(p.aclose() for p in peers), return_exceptions=True)
        assert not [c for c in closed if c is not None]
        await eventually(lambda: not crowd.open_sessions(transport))


# -- the tests --------------------------------------------------------------------------------
def test_the_policy_gives_readers_and_editors_different_tools(crowd: Crowd) -> None:
    assert crowd.expected["reader"] < crowd.expected["editor"]
    assert "workbench.info" in crowd.expected["editor"]


@pytest.mark.parametrize(
    ("transport", "open_peer"),
    [("tcp", _open_tcp), ("unix", _open_unix), ("websocket", _open_ws)],
    ids=["tcp", "unix", "websocket"],
)
async def test_hundreds_of_socket_sessions_at_once(
    crowd: Crowd, transport: str, open_peer: Opener
) -> None:
    await run_crowd(crowd, transport, open_peer)


async def _sdk_clients_see_the_same(crowd: Crowd) -> None:
    """The official SDK client, as a reader and as an editor, legacy and modern, while the
    crowd works: the same tool lists and answers."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async def one(m: Member, mode: Literal["legacy", "auto"]) -> None:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {m.token}"}) as http,
            Client(
                streamable_http_client(crowd.addresses["http"], http_client=http),
                mode=mode,
                cache=None,
            ) as client,
        ):
            listed = await client.list_tools()
            assert {t.name for t in listed.tools} == crowd.expected[m.role]
            echoed = await client.call_tool("echo", {"text": f"sdk {mode} {m.subject}"})
            assert [getattr(c, "text", None) for c in echoed.content] == [f"sdk {mode} {m.subject}"]
            added = await client.call_tool("add", {"numbers": [m.index, 2]})
            assert added.structured_content == {"total": m.index + 2, "count": 2}

    reader, editor = crowd.member(0), crowd.member(1)
    assert (reader.role, editor.role) == ("reader", "editor")
    await asyncio.gather(*(one(m, mode) for m in (reader, editor) for mode in ("legacy", "auto")))


async def _open_http(crowd: Crowd, m: Member) -> Peer:
    return await HttpPeer.open(crowd.addresses["http"], m)


async def test_hundreds_of_http_sessions_at_once(crowd: Crowd) -> None:
    await run_crowd(crowd, "http", _open_http, beside=lambda: _sdk_clients_see_the_same(crowd))
