"""Proxy hop: what ``mcp-workbench proxy`` adds to a ``tools/call``, and what one catalog
change costs a mirror, delta against snapshot.

One upstream, ``mcp-workbench listen --ws --http`` serving ``bench.echo_tools`` on
127.0.0.1, is called ``echo`` by two clients, each first direct, then through the proxy:

* ``raw``: a raw JSON-RPC client (asyncio + orjson) over WebSocket to the upstream, against
  the same client over the proxy's stdio (newline-delimited JSON; the proxy forwards over
  WebSocket), and over the stdio of ``bench/ws_relay.py``, a relay that parses nothing: the
  floor of any process between a client and its server.
* ``sdk``: the official SDK client over Streamable HTTP to the upstream (how a desktop
  client reaches a remote server without the proxy), against the SDK client over stdio to
  the proxy (how it reaches it with the proxy).

Each pair runs ``sequential`` (one call in flight: p50/p95 latency and calls/s) and
``concurrent`` (``--concurrency`` calls in flight: calls/s), each case warmed up for
``--warmup`` seconds and timed for ``--seconds``. Target: the hop adds at most 15 % (to the
p50 latency, and to the time per call of calls/s) for the SDK client; the raw client's
figures, over the relay too, are reported (see ``HOPS``).

Catalog: for ``--tools`` tools (default 10 000), one tool replaced per round over
``--rounds`` rounds: the server's answer to ``workbench/catalog/delta`` against
``workbench/catalog/snapshot`` (bytes and ms, as ``bench/catalog.py`` measures them), and the
proxy's side: its mirror applying the delta (its checksum verified) against loading the
snapshot, and writing its cache file (after either).

Run: ``.venv/bin/python bench/proxy.py [--seconds 3] [--warmup 1] [--concurrency 8]
[--tools 10000] [--rounds 20] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
import tornado.httpclient
import tornado.websocket
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from bench import catalog as catalog_bench
from bench.processes import LIVE_PIDS, log, terminate
from mcp_workbench.engine.catalog import catalog_checksum
from mcp_workbench.proxy.mirror import LISTS, Mirror
from tests.serving import Listener

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.15
"""The most the hop may add."""
_PROTOCOL = "2025-11-25"
_CLIENT_INFO = {"name": "proxy-bench", "version": "1.0"}
_START_WITHIN = 60.0
_ANSWER_WITHIN = 30.0

Call = Callable[[str], Awaitable[str]]
"""Calls ``echo`` with a text; returns the echoed text."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MCP_WORKBENCH_LOG_LEVEL", "WARNING")
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "mcp_workbench.cli", *args]


# -- clients -----------------------------------------------------------------------------------


class RawClient:
    """JSON-RPC by hand over any message channel; answers matched to calls by id, so
    several calls may be in flight."""

    def __init__(
        self, send: Callable[[bytes], Awaitable[None]], receive: Callable[[], Awaitable[bytes]]
    ) -> None:
        self._send, self._receive = send, receive
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        try:
            while raw := await self._receive():
                message = orjson.loads(raw)
                future = self._waiting.pop(message.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(message)
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("the connection closed"))

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The result of one request.

        Raises:
            RuntimeError: the answer is an error.
            ConnectionError: the connection closed first.
        """
        rid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        message = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
        await self._send(orjson.dumps(message))
        answer = await asyncio.wait_for(future, _ANSWER_WITHIN)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer["result"]
        return result

    async def start(self) -> None:
        """The handshake."""
        params = {"protocolVersion": _PROTOCOL, "capabilities": {}, "clientInfo": _CLIENT_INFO}
        await self.request("initialize", params)
        await self._send(orjson.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        await self.request("tools/list", {})  # the proxy answers it once it has synced

    async def echo(self, text: str) -> str:
        result = await self.request("tools/call", {"name": "echo", "arguments": {"text": text}})
        return str(result["content"][0]["text"])

    def close(self) -> None:
        self._reader.cancel()


@asynccontextmanager
async def raw_direct(upstream: Listener) -> AsyncIterator[Call]:
    """The raw client over WebSocket, straight to the upstream."""
    request = tornado.httpclient.HTTPRequest(upstream.ws_url, connect_timeout=10)
    connection = await asyncio.wait_for(
        tornado.websocket.websocket_connect(request, subprotocols=["mcp"]), _START_WITHIN
    )

    async def send(data: bytes) -> None:
        await connection.write_message(data.decode())

    async def receive() -> bytes:
        raw = await connection.read_message()
        return raw.encode() if isinstance(raw, str) else (raw or b"")

    client = RawClient(send, receive)
    try:
        await asyncio.wait_for(client.start(), _START_WITHIN)
        yield client.echo
    finally:
        client.close()
        connection.close()


def raw_proxied(upstream: Listener) -> contextlib.AbstractAsyncContextManager[Call]:
    """The raw client over the stdio of ``mcp-workbench proxy`` in front of the upstream."""
    return _raw_over_stdio(_cli("proxy", "--upstream", upstream.ws_url, "--no-cache"))


def raw_relayed(upstream: Listener) -> contextlib.AbstractAsyncContextManager[Call]:
    """The raw client over the stdio of ``bench/ws_relay.py``: the floor of any hop."""
    return _raw_over_stdio([sys.executable, "-m", "bench.ws_relay", upstream.ws_url])


@asynccontextmanager
async def _raw_over_stdio(command: list[str]) -> AsyncIterator[Call]:
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after the process
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=errors,
        cwd=ROOT,
        env=_env(),
        limit=1 << 22,
        start_new_session=True,
    )
    LIVE_PIDS.add(proc.pid)
    assert proc.stdin is not None
    assert proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    async def send(data: bytes) -> None:
        stdin.write(data + b"\n")
        await stdin.drain()

    async def receive() -> bytes:
        return await stdout.readline()

    client = RawClient(send, receive)
    try:
        try:
            await asyncio.wait_for(client.start(), _START_WITHIN)
        except ConnectionError:
            errors.seek(0)
            said = errors.read()[-2000:].decode(errors="replace")
            raise RuntimeError(f"{command[2]} stopped answering: {said}") from None
        yield client.echo
    finally:
        client.close()
        stdin.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 3)  # a stdio server ends at EOF
        await terminate(proc)
        errors.close()


@asynccontextmanager
async def _sdk(target: str | StdioServerParameters) -> AsyncIterator[Call]:
    async with Client(target, mode="legacy", cache=None, read_timeout_seconds=30) as client:
        await asyncio.wait_for(client.list_tools(), _START_WITHIN)

        async def echo(text: str) -> str:
            result = await client.call_tool("echo", {"text": text})
            return str(result.content[0].text)  # type: ignore[union-attr]

        yield echo


def sdk_direct(upstream: Listener) -> contextlib.AbstractAsyncContextManager[Call]:
    """The SDK client over Streamable HTTP, straight to the upstream."""
    return _sdk(upstream.http_url)


def sdk_proxied(upstream: Listener) -> contextlib.AbstractAsyncContextManager[Call]:
    """The SDK client over the stdio of ``mcp-workbench proxy`` (it starts the process)."""
    command = _cli("proxy", "--upstream", upstream.ws_url, "--no-cache")
    return _sdk(StdioServerParameters(command=command[0], args=command[1:], env=_env(), cwd=ROOT))


# -- measurement -------------------------------------------------------------------------------


@dataclass
class Case:
    """One client, one route, one mode."""

    client: str
    route: str
    mode: str
    calls: int = 0
    seconds: float = 0.0
    calls_per_s: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    errors: int = 0


async def _time(call: Call, in_flight: int, warmup: float, seconds: float) -> Case:
    latencies: list[float] = []
    errors = 0
    measuring = False
    serial = itertools.count()
    start = time.perf_counter()
    stop_at = start + warmup + seconds

    async def worker() -> None:
        nonlocal errors
        while (now := time.perf_counter()) < stop_at:
            text = f"hello, echo #{next(serial)}"
            try:
                echoed = await call(text)
            except Exception:
                errors += 1
                continue
            if echoed != text:
                errors += 1
            elif measuring:
                latencies.append(time.perf_counter() - now)

    workers = [asyncio.ensure_future(worker()) for _ in range(in_flight)]
    try:
        await asyncio.sleep(warmup)
        measuring = True
        began = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*workers), seconds + _ANSWER_WITHIN)
        elapsed = time.perf_counter() - began
    finally:
        for task in workers:
            task.cancel()
    case = Case("", "", "", calls=len(latencies), seconds=elapsed, errors=errors)
    case.calls_per_s = len(latencies) / elapsed if elapsed else 0.0
    if in_flight == 1 and len(latencies) >= 2:
        cuts = statistics.quantiles(latencies, n=100)
        case.p50_ms, case.p95_ms = cuts[49] * 1000, cuts[94] * 1000
    return case


ROUTES: dict[str, dict[str, Callable[[Listener], contextlib.AbstractAsyncContextManager[Call]]]] = {
    "raw": {"direct": raw_direct, "relay": raw_relayed, "proxy": raw_proxied},
    "sdk": {"direct": sdk_direct, "proxy": sdk_proxied},
}


async def run_calls(
    upstream: Listener, *, warmup: float, seconds: float, concurrency: int
) -> list[Case]:
    cases: list[Case] = []
    for client, routes in ROUTES.items():
        for route, connect in routes.items():
            async with connect(upstream) as call:
                for mode, in_flight in (("sequential", 1), ("concurrent", concurrency)):
                    log(f"... {client} {route} {mode}")
                    case = await _time(call, in_flight, warmup, seconds)
                    case.client, case.route, case.mode = client, route, mode
                    cases.append(case)
    return cases


HOPS = [
    # (client, from route, to route, held to the target)
    ("sdk", "direct", "proxy", True),
    ("raw", "direct", "relay", False),
    ("raw", "direct", "proxy", False),
    ("raw", "relay", "proxy", False),
]
"""The comparisons reported. The target holds for the SDK client: what a desktop client is,
direct (Streamable HTTP) against through the proxy (stdio). For the raw client the relay
shows the floor of any hop (two more process wake-ups per call, a large share of a raw
call's time whatever the process in between does), and the proxy's own cost over it."""


def hop_costs(cases: list[Case]) -> list[dict[str, Any]]:
    """For each comparison and mode: what the second route adds to the time per call and to
    p50 over the first."""
    found = {(c.client, c.route, c.mode): c for c in cases}
    costs = []
    for client, base, route, held in HOPS:
        for mode in ("sequential", "concurrent"):
            first, second = found.get((client, base, mode)), found.get((client, route, mode))
            if first is None or second is None or not first.calls_per_s or not second.calls_per_s:
                continue
            added = first.calls_per_s / second.calls_per_s - 1
            cost: dict[str, Any] = {
                "client": client,
                "hop": f"{route} vs {base}",
                "mode": mode,
                "time_per_call": added,
                "target": held,
            }
            if first.p50_ms and second.p50_ms:
                cost["p50"] = second.p50_ms / first.p50_ms - 1
                cost["p50_added_ms"] = second.p50_ms - first.p50_ms
            cost["pass"] = max(added, cost.get("p50", added)) <= TARGET
            costs.append(cost)
    return costs


# -- the catalog -------------------------------------------------------------------------------


def mirror_costs(tools: int, rounds: int) -> dict[str, float]:
    """Median ms of the proxy's mirror taking one change as a delta (applied, its checksum
    verified) against as a snapshot (loaded), and of writing its cache file after either."""
    descriptors = [catalog_bench._tool(n).descriptor() for n in range(tools)]
    items = {name: descriptors if name == "tools" else [] for name in LISTS}
    snapshot = {"epoch": "bench", "seq": 0, "checksum": catalog_checksum(items), "items": items}
    mirror = Mirror("ws://bench/ws")
    mirror.load_snapshot(snapshot)
    timings: dict[str, list[float]] = {"delta": [], "snapshot": [], "save": []}
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "mirror.json"
        mirror.computed_checksum()  # what a first delta after a snapshot pays once
        for revision in range(1, rounds + 1):
            changed = catalog_bench._tool(revision % tools, revision).descriptor()
            descriptors[revision % tools] = changed
            checksum = catalog_checksum(items)  # the server's, not timed
            delta = {
                "epoch": "bench",
                "seq": revision,
                "checksum": checksum,
                "changes": [{"kind": "tools", "key": changed["name"], "item": changed}],
            }
            started = time.perf_counter()
            mirror.apply_delta(delta)
            assert mirror.computed_checksum() == checksum
            timings["delta"].append(time.perf_counter() - started)
            started = time.perf_counter()
            Mirror("ws://bench/ws").load_snapshot({**snapshot, "checksum": checksum})
            timings["snapshot"].append(time.perf_counter() - started)
            started = time.perf_counter()
            mirror.save(cache)
            timings["save"].append(time.perf_counter() - started)
    return {f"mirror_{what}_ms": statistics.median(t) * 1000 for what, t in timings.items()}


# -- report --------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    upstream = Listener("bench.echo_tools", _env())
    log("... starting the upstream")
    try:
        await asyncio.to_thread(upstream.start)
        assert upstream.proc is not None
        LIVE_PIDS.add(upstream.proc.pid)  # killed at exit whatever happens
        cases = await run_calls(
            upstream,
            warmup=args.warmup,
            seconds=args.seconds,
            concurrency=max(1, args.concurrency),
        )
    finally:
        await asyncio.to_thread(upstream.stop)
        if upstream.proc is not None:
            LIVE_PIDS.discard(upstream.proc.pid)
    log(f"... catalog of {args.tools:,} tools, {args.rounds} changes")
    catalog = await catalog_bench.run(max(1, args.tools), max(1, args.rounds))
    catalog.update(mirror_costs(max(1, args.tools), max(1, args.rounds)))
    return {
        "calls": [asdict(c) for c in cases],
        "hop": hop_costs(cases),
        "target": TARGET,
        "catalog": catalog,
    }


def _ms(value: float | None) -> str:
    return f"{value:9.3f}" if value is not None else f"{'-':>9}"


def print_report(figures: dict[str, Any]) -> None:
    print("tools/call echo, direct to the upstream vs through mcp-workbench proxy")
    print(f"  {'client':6} {'route':7} {'mode':11} {'calls/s':>10} {'p50 ms':>9} {'p95 ms':>9}")
    for case in figures["calls"]:
        errors = f"  {case['errors']} errors" if case["errors"] else ""
        print(
            f"  {case['client']:6} {case['route']:7} {case['mode']:11} "
            f"{case['calls_per_s']:10,.0f} {_ms(case['p50_ms'])} {_ms(case['p95_ms'])}{errors}"
        )
    print(f"What a hop adds (target: at most {figures['target']:.0%} where it is held)")
    for cost in figures["hop"]:
        p50 = ""
        if "p50" in cost:
            p50 = f", p50 {cost['p50']:+.0%} ({cost['p50_added_ms'] * 1000:+.0f} us)"
        verdict = ("PASS" if cost["pass"] else "FAIL") if cost["target"] else "(reported)"
        print(
            f"  {cost['client']:6} {cost['hop']:17} {cost['mode']:11} time per call "
            f"{cost['time_per_call']:+.0%}{p50}: {verdict}"
        )
    catalog = figures["catalog"]
    print(f"One change in a catalog of {catalog['tools']:,} tools, delta vs snapshot")
    print(f"  {'':34} {'median ms':>10} {'bytes':>12}")
    for what in ("snapshot", "delta"):
        size = catalog[f"{what}_bytes"]
        print(f"  server answers the {what:14} {catalog[f'{what}_ms']:10.2f} {size:12,}")
    print(f"  proxy mirror loads the snapshot    {catalog['mirror_snapshot_ms']:10.2f}")
    print(f"  proxy mirror applies the delta     {catalog['mirror_delta_ms']:10.2f}")
    print(f"  proxy writes its cache file        {catalog['mirror_save_ms']:10.2f}")
    ratio = catalog["delta_bytes"] / catalog["snapshot_bytes"]
    print(f"A delta is {ratio:.5f}x the snapshot's bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per case")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per case")
    parser.add_argument("--concurrency", type=int, default=8, help="calls in flight (concurrent)")
    parser.add_argument("--tools", type=int, default=10_000, help="tools in the catalog")
    parser.add_argument("--rounds", type=int, default=20, help="catalog changes timed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    # The SDK client runs on asyncio: every route is driven by the same loop.
    figures = asyncio.run(run(args))
    if args.json:
        print(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
    else:
        print_report(figures)
    return 0 if all(c["errors"] == 0 for c in figures["calls"]) else 1


if __name__ == "__main__":
    sys.exit(main())
