"""``mcp-workbench proxy`` over a bad network: the proxy's upstream URL points at a
fault-injecting relay in front of a real server process. Calls never hang and never run
twice unless their tool says it is idempotent; lists are answered throughout; after
recovery the mirror holds the server's catalog, by deltas (connection dropped) and by a
snapshot (server killed and replaced)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import tornado.httpclient
import tornado.websocket
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

from mcp_workbench.engine.catalog import CATALOG_EXTENSION, catalog_checksum
from mcp_workbench.proxy.server import UPSTREAM_UNAVAILABLE
from mcp_workbench.proxy.upstream import HANDSHAKE_VERSION
from tests.conftest import ROOT, proxy_command, server_env
from tests.fixtures.counting_tools import LOG_ENV, runs
from tests.proxy.relay import Relay
from tests.serving import Listener

pytestmark = pytest.mark.timeout(120)

HEARTBEAT = 0.5
PING_TIMEOUT = 10.0
"""How long the proxy waits for a heartbeat ping's answer (its request timeout)."""
CALL_BOUND = PING_TIMEOUT + HEARTBEAT + 3 * 5.0 + 5.0
"""Longest a call may take: lost in a partition until the heartbeat gives up, then three
tries of an idempotent tool each waiting up to 5 s for the reconnection, plus slack."""
LIST_BOUND = 5.0
CALLS = 200
"""Calls made during the faults, at least."""
TOOLS = "tests.fixtures.counting_tools"


# -- servers ---------------------------------------------------------------------------------


class Server(Listener):
    """A ``mcp-workbench listen --ws --http`` process serving the counting tools, which
    write their runs to ``log``."""

    def __init__(self, log: Path) -> None:
        super().__init__(TOOLS, {**server_env(), LOG_ENV: str(log)})
        self.log = log


class ServerPool:
    """Servers started ahead of need in threads (a start takes seconds of imports), so a
    test that replaces its server does not wait for the next one to boot; a test done
    with a live server gives it back for the next test."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self._threads = concurrent.futures.ThreadPoolExecutor(2)
        self._coming: list[concurrent.futures.Future[Server]] = []
        self._started: list[Server] = []

    def prepare(self) -> None:
        """Start one more server in the background."""
        server = Server(self.log)
        self._started.append(server)
        self._coming.append(self._threads.submit(server.start))

    async def take(self, *, spare: bool = False) -> Server:
        """A listening server (the oldest ready or coming); with ``spare``, make sure the
        next one is on its way (for a test that will replace this one)."""
        if not self._coming:
            self.prepare()
        coming = self._coming.pop(0)
        if spare and not self._coming:
            self.prepare()
        return await asyncio.wait_for(asyncio.wrap_future(coming), 90)

    def give_back(self, server: Server) -> None:
        """Hand a live server on to the next test."""
        done: concurrent.futures.Future[Server] = concurrent.futures.Future()
        done.set_result(server)
        self._coming.insert(0, done)

    def close(self) -> None:
        for coming in self._coming:
            coming.cancel()
        self._threads.shutdown(wait=True)
        for server in self._started:
            server.kill()


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    servers = ServerPool(tmp_path_factory.mktemp("runs") / "runs.log")
    servers.prepare()
    try:
        yield servers
    finally:
        servers.close()


# -- clients ---------------------------------------------------------------------------------


class Direct:
    """Raw JSON-RPC over WebSocket straight to a server (no relay, no proxy), greeting it
    as the proxy does so its catalog checksums are the ones the proxy sees."""

    def __init__(self, connection: tornado.websocket.WebSocketClientConnection) -> None:
        self.connection = connection
        self.ids = itertools.count(1)

    @classmethod
    @asynccontextmanager
    async def open(cls, url: str) -> AsyncIterator[Direct]:
        request = tornado.httpclient.HTTPRequest(url, connect_timeout=10, request_timeout=10)
        connection = await asyncio.wait_for(
            tornado.websocket.websocket_connect(
                request, subprotocols=["mcp"], max_message_size=64 * 1024 * 1024
            ),
            10,
        )
        client = cls(connection)
        try:
            capabilities = {"experimental": {CATALOG_EXTENSION: {"version": 1}}}
            await client.request(
                "initialize",
                protocolVersion=HANDSHAKE_VERSION,
                capabilities=capabilities,
                clientInfo={"name": "direct", "version": "1"},
            )
            notice = {"jsonrpc": "2.0", "method": "notifications/initialized", "params": {}}
            await connection.write_message(orjson.dumps(notice).decode())
            yield client
        finally:
            connection.close()

    async def request(self, method: str, **params: Any) -> dict[str, Any]:
        rid = next(self.ids)
        message = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
        await self.connection.write_message(orjson.dumps(message).decode())
        for _ in range(1000):  # notifications may come first
            raw = await asyncio.wait_for(self.connection.read_message(), 10)
            assert raw is not None, "the server closed the connection"
            answer: dict[str, Any] = orjson.loads(raw)
            if answer.get("id") == rid:
                assert "result" in answer, answer
                result: dict[str, Any] = answer["result"]
                return result
        raise AssertionError(f"no answer to {method}")


@asynccontextmanager
async def proxied(url: str, cache: Path) -> AsyncIterator[Client]:
    command = proxy_command(url, extra=["--heartbeat", str(HEARTBEAT), "--cache-dir", str(cache)])
    target = StdioServerParameters(
        command=command[0], args=command[1:], env=server_env(), cwd=str(ROOT)
    )
    async with Client(target, mode="legacy", cache=None, read_timeout_seconds=60) as client:
        yield client


async def tool_names(client: Client) -> set[str]:
    names: set[str] = set()
    cursor = None
    for _ in range(100):  # pages
        page = await client.list_tools(cursor=cursor)
        names |= {t.name for t in page.tools}
        if (cursor := page.next_cursor) is None:
            return names
    raise AssertionError("tools/list kept paging")


def proxy_state(cache: Path) -> str | None:
    """The upstream's state in the running proxy's status file (written every second)."""
    for path in cache.glob("running/*.json"):
        with contextlib.suppress(OSError, ValueError, KeyError, IndexError):
            return str(json.loads(path.read_text())["upstreams"][0]["state"])
    return None


def cached_mirror(cache: Path) -> dict[str, Any] | None:
    for path in cache.glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            data: dict[str, Any] = json.loads(path.read_text())
            return data
    return None


async def eventually(check: Callable[[], Awaitable[bool]], within: float, what: str) -> float:
    """Seconds until ``check()`` holds (polled every 0.1 s).

    Raises:
        AssertionError: it did not hold within ``within`` seconds.
    """
    started = time.monotonic()
    for _ in range(int(within / 0.1)):
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not within {within} s")


# -- the relay itself --------------------------------------------------------------------------


@asynccontextmanager
async def echo_behind_relay() -> AsyncIterator[
    tuple[Relay, asyncio.StreamReader, asyncio.StreamWriter]
]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(1024):
                writer.write(data)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    relay = await Relay("127.0.0.1", server.sockets[0].getsockname()[1]).start()
    reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
    try:
        yield relay, reader, writer
    finally:
        writer.close()
        await relay.close()
        server.close()
        await server.wait_closed()


async def _roundtrip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> float:
    started = time.monotonic()
    writer.write(b"ping")
    assert await asyncio.wait_for(reader.readexactly(4), 5) == b"ping"
    return time.monotonic() - started


async def test_the_relay_delays_holds_drops_and_refuses() -> None:
    async with echo_behind_relay() as (relay, reader, writer):
        assert await _roundtrip(reader, writer) < 0.1
        relay.latency = 0.1
        assert await _roundtrip(reader, writer) >= 0.2  # 0.1 s each way
        relay.latency = 0.0

        relay.partition(True)
        writer.write(b"held")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.readexactly(4), 0.3)
        assert relay.connections == 1  # silent, not closed
        relay.partition(False)
        assert await asyncio.wait_for(reader.readexactly(4), 5) == b"held"

        relay.drop()
        assert await asyncio.wait_for(reader.read(), 5) == b""
        assert relay.connections == 0

        relay.refuse(True)
        refused_reader, refused = await asyncio.open_connection("127.0.0.1", relay.port)
        assert await asyncio.wait_for(refused_reader.read(), 5) == b""
        refused.close()
        relay.refuse(False)
        again_reader, again = await asyncio.open_connection("127.0.0.1", relay.port)
        assert await _roundtrip(again_reader, again) < 1
        again.close()
        assert relay.accepted == 3


# -- calls over a bad network --------------------------------------------------------------------


@dataclass
class Outcome:
    """One call's fate, as the client saw it."""

    tool: str
    key: str
    seconds: float
    text: str | None = None
    error: MCPError | None = None
    hung: bool = False


async def _call(client: Client, tool: str, key: str) -> Outcome:
    started = time.monotonic()
    outcome = Outcome(tool, key, 0.0)
    try:
        result = await asyncio.wait_for(
            client.call_tool(tool, {"key": key, "hold": 0.05}), CALL_BOUND
        )
    except MCPError as exc:
        outcome.error = exc
    except TimeoutError:
        outcome.hung = True
    else:
        assert not result.is_error, result
        outcome.text = result.content[0].text  # type: ignore[union-attr]
    outcome.seconds = time.monotonic() - started
    return outcome


async def test_calls_never_hang_nor_run_twice(pool: ServerPool, tmp_path: Path) -> None:
    """Four callers and a lister run while the relay adds latency, drops the connection
    three times and goes silent until the heartbeat notices; then the server is killed
    (SIGKILL) and a fresh one takes over the address. Every call ends within its bound,
    with its own answer or -32003; a non-idempotent call ran at most once (exactly once
    when it succeeded); lists are answered all along."""
    server = await pool.take(spare=True)
    relay = await Relay("127.0.0.1", server.ws_port).start()
    url = f"ws://127.0.0.1:{relay.port}/ws"
    outcomes: list[Outcome] = []
    list_times: list[float] = []
    chaos_over = asyncio.Event()
    serial = itertools.count()

    async def caller(client: Client, worker: int) -> None:
        for _ in range(2000):  # bounded; ends with the chaos, once there were enough calls
            if chaos_over.is_set() and len(outcomes) >= CALLS:
                return
            n = next(serial)
            tool = "record" if n % 2 else "record_idempotent"
            outcomes.append(await _call(client, tool, f"chaos-{worker}-{n}"))
            await asyncio.sleep(0.05)

    async def lister(client: Client) -> None:
        for _ in range(2000):
            if chaos_over.is_set():
                return
            started = time.monotonic()
            names = await asyncio.wait_for(tool_names(client), LIST_BOUND)
            list_times.append(time.monotonic() - started)
            assert {"record", "record_idempotent"} <= names
            await asyncio.sleep(0.2)

    async def connected() -> bool:
        return proxy_state(tmp_path) == "connected"

    async def not_connected() -> bool:
        return proxy_state(tmp_path) not in (None, "connected")

    try:
        async with proxied(url, tmp_path) as client:
            assert "record" in await tool_names(client)
            await eventually(connected, 20, "the proxy connects")
            workers = [asyncio.ensure_future(caller(client, n)) for n in range(4)]
            workers.append(asyncio.ensure_future(lister(client)))
            try:
                relay.latency = 0.02
                await asyncio.sleep(1.0)
                for _ in range(3):
                    relay.drop()
                    await asyncio.sleep(0.7)
                relay.latency = 0.0
                await eventually(connected, 20, "the proxy reconnects after the drops")

                relay.partition(True)
                noticed = await eventually(not_connected, 25, "the heartbeat notices")
                relay.partition(False)
                await eventually(connected, 20, "the proxy reconnects after the partition")

                replacement = await pool.take(spare=False)
                server.kill()
                await eventually(not_connected, 10, "the proxy sees the server gone")
                await asyncio.sleep(0.5)  # down: calls fail at once meanwhile
                relay.target = ("127.0.0.1", replacement.ws_port)
                await eventually(connected, 20, "the proxy reconnects to the new server")
            finally:
                chaos_over.set()
                await asyncio.wait_for(asyncio.gather(*workers), CALL_BOUND + LIST_BOUND)

            pool.give_back(replacement)
            after = [
                await _call(client, tool, f"chaos-after-{n}")
                for n in range(5)
                for tool in ("record", "record_idempotent")
            ]
    finally:
        await relay.close()

    ambiguous = [o for o in outcomes if o.error is not None and o.tool == "record"]
    print(
        f"{len(outcomes)} calls, {sum(o.error is not None for o in outcomes)} failed "
        f"({len(ambiguous)} of them not idempotent), heartbeat noticed the partition "
        f"after {noticed:.1f} s, {len(list_times)} lists (slowest {max(list_times):.2f} s)"
    )
    assert len(outcomes) >= CALLS
    assert not [o for o in outcomes + after if o.hung]
    assert max(o.seconds for o in outcomes) < CALL_BOUND
    assert noticed <= HEARTBEAT + PING_TIMEOUT + 2.5, noticed  # status file: once a second
    assert len(list_times) >= 20
    assert max(list_times) < LIST_BOUND
    assert relay.accepted > 4  # it reconnected after each fault

    for outcome in outcomes + after:
        if outcome.error is None:
            assert outcome.text == outcome.key
            continue
        error = outcome.error.error
        assert error.code == UPSTREAM_UNAVAILABLE, error
        assert url in error.message
        assert "unavailable" in error.message or "lost" in error.message
        assert error.data == {"upstream": url, "retried": outcome.tool == "record_idempotent"}
    assert [o for o in outcomes if o.error is not None], "the faults never reached a caller"
    assert all(o.error is None for o in after), [o.error for o in after]

    ran = await asyncio.to_thread(runs, server.log)
    assert {run for run in ran if run[1].startswith("chaos-")} <= {
        (o.tool, o.key) for o in outcomes + after
    }
    for outcome in outcomes + after:
        times = len(ran.get((outcome.tool, outcome.key), []))
        if outcome.tool == "record":  # never sent twice; a lost call may have run
            assert times == 1 if outcome.error is None else times <= 1, (outcome, times)
        else:  # may be sent again after a reconnection, three times at most
            assert 1 <= times <= 3 if outcome.error is None else times <= 3, (outcome, times)
    assert replacement.proc is not None
    assert {pid for o in after for pid in ran[o.tool, o.key]} == {replacement.proc.pid}


# -- the mirror converges ------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["ws", "http"])
async def test_the_mirror_converges_by_delta_and_by_snapshot(
    pool: ServerPool, tmp_path: Path, transport: str
) -> None:
    """A dropped connection while the server gains a tool: the proxy comes back to the same
    epoch and catches up by a delta. The server replaced (a new epoch): it starts again from
    a snapshot. Either way the cached mirror equals a fresh snapshot from the server."""
    server = await pool.take(spare=True)
    relay = await Relay("127.0.0.1", server.port(transport)).start()
    url = (
        f"ws://127.0.0.1:{relay.port}/ws"
        if transport == "ws"
        else f"http://127.0.0.1:{relay.port}/mcp"
    )

    def converged_to(snapshot: dict[str, Any]) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            cached = cached_mirror(tmp_path)
            return cached is not None and cached["checksum"] == snapshot["checksum"]

        return check

    def assert_mirrors(snapshot: dict[str, Any]) -> dict[str, Any]:
        cached = cached_mirror(tmp_path)
        assert cached is not None
        assert (cached["epoch"], cached["seq"]) == (snapshot["epoch"], snapshot["seq"])
        assert catalog_checksum(cached["items"]) == snapshot["checksum"]
        for kind, items in snapshot["items"].items():
            assert sorted(cached["items"][kind], key=json.dumps) == sorted(items, key=json.dumps)
        return cached

    try:
        async with proxied(url, tmp_path) as client:
            assert "record" in await tool_names(client)
            async with Direct.open(server.ws_url) as direct:
                first = await direct.request("workbench/catalog/snapshot")
            await eventually(converged_to(first), 20, "the first sync")
            assert_mirrors(first)

            # A change while connected comes as a notification, then a delta.
            await client.call_tool("add_counted_tool", {"name": "live_one"})

            async def listed() -> bool:
                return "live_one" in await tool_names(client)

            await eventually(listed, 20, "the new tool listed")
            # Dropped, and kept out while the server gains a tool.
            relay.refuse(True)
            relay.drop()
            async with Direct.open(server.ws_url) as direct:
                await direct.request(
                    "tools/call", name="add_counted_tool", arguments={"name": "late_one"}
                )
                second = await direct.request("workbench/catalog/snapshot")
            with pytest.raises(MCPError) as down:
                await client.call_tool("record", {"key": "while-out"})
            assert down.value.error.code == UPSTREAM_UNAVAILABLE
            relay.refuse(False)
            await eventually(converged_to(second), 20, "the delta after the drop")
            cached = assert_mirrors(second)
            assert cached["epoch"] == first["epoch"]
            assert cached["seq"] > first["seq"] + 1
            assert {"live_one", "late_one"} <= await tool_names(client)
            answer = await client.call_tool("late_one", {"key": f"late-{transport}"})
            assert answer.content[0].text == f"late-{transport}"  # type: ignore[union-attr]

            # Replaced: the new server's log has a new epoch and neither added tool.
            replacement = await pool.take(spare=False)
            server.kill()
            relay.target = ("127.0.0.1", replacement.port(transport))
            async with Direct.open(replacement.ws_url) as direct:
                third = await direct.request("workbench/catalog/snapshot")
            assert third["epoch"] != first["epoch"]
            await eventually(converged_to(third), 20, "the snapshot after the restart")
            pool.give_back(replacement)
            assert_mirrors(third)
            names = await tool_names(client)
            assert "record" in names
            assert not {"live_one", "late_one"} & names
    finally:
        await relay.close()
    ran = await asyncio.to_thread(runs, server.log)
    assert ran["late_one", f"late-{transport}"] == [server.proc.pid if server.proc else 0]


# -- known faults ----------------------------------------------------------------------------------


async def test_an_idempotent_call_cut_off_is_sent_again_after_reconnecting(
    pool: ServerPool, tmp_path: Path
) -> None:
    """Regression: an idempotent call whose connection drops mid-call is sent again once the
    proxy has reconnected, and answered (it ran twice, once per connection)."""
    server = await pool.take()
    relay = await Relay("127.0.0.1", server.ws_port).start()
    outcome = Outcome("record_idempotent", "cut", 0.0)
    try:
        async with proxied(f"ws://127.0.0.1:{relay.port}/ws", tmp_path) as client:
            assert "record_idempotent" in await tool_names(client)  # its annotations known
            call = asyncio.ensure_future(
                client.call_tool("record_idempotent", {"key": "cut", "hold": 1.0})
            )

            async def running() -> bool:
                ran = await asyncio.to_thread(runs, server.log)
                return ("record_idempotent", "cut") in ran

            await eventually(running, 20, "the call reaches the server")
            relay.drop()
            try:
                result = await asyncio.wait_for(call, CALL_BOUND)
                outcome.text = result.content[0].text  # type: ignore[union-attr]
            except MCPError as exc:
                outcome.error = exc
    finally:
        await relay.close()
        pool.give_back(server)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.text == "cut"
    assert len((await asyncio.to_thread(runs, server.log))["record_idempotent", "cut"]) == 2


async def test_a_silent_network_is_noticed_within_a_few_heartbeats(
    pool: ServerPool, tmp_path: Path
) -> None:
    """Regression: with ``--heartbeat 0.5``, a call sent into a partition fails with
    -32003 within a few heartbeats, not after the 10 s request timeout."""
    server = await pool.take()
    relay = await Relay("127.0.0.1", server.ws_port).start()
    outcome = Outcome("record", "silent", 0.0)
    try:
        async with proxied(f"ws://127.0.0.1:{relay.port}/ws", tmp_path) as client:
            assert "record" in await tool_names(client)
            relay.partition(True)
            try:
                await asyncio.wait_for(
                    client.call_tool("record", {"key": "silent"}), 6 * HEARTBEAT + 1
                )
            except MCPError as exc:
                outcome.error = exc
            except TimeoutError:
                outcome.hung = True
            relay.partition(False)
    finally:
        await relay.close()
        pool.give_back(server)
    if outcome.hung:
        raise TimeoutError("the call sent into the partition was still waiting")
    assert outcome.error is not None
    assert outcome.error.error.code == UPSTREAM_UNAVAILABLE
