"""Echo throughput: MCP Workbench vs the official SDK's ``MCPServer`` vs a raw asyncio loop.

One raw JSON-RPC client (asyncio + orjson; newline-delimited JSON over stdio, HTTP/1.1
keep-alive POSTs over HTTP) calls an ``echo`` tool on three servers and prints calls/s:

* ``ours``: ``python -m mcp_workbench.cli stdio|serve-http --tools bench.echo_tools``;
* ``sdk``: ``MCPServer`` with the same tool (``bench/sdk_server.py``);
* ``raw``: a minimal asyncio + orjson echo loop (``bench/raw_server.py``).

Our CLI runs on uvloop when it is installed, so ``sdk`` and ``raw`` run on the same loop;
their variants on the stock asyncio loop are measured too (``--loops``).

Every request is a 2026-07-28 request (per-request ``_meta``, and over HTTP the
``MCP-Protocol-Version``/``Mcp-Method``/``Mcp-Name`` headers); ``--protocol legacy`` does the
2025-11-25 ``initialize`` handshake instead. Every response is checked to be the right echo;
a case with errors is reported as failed and makes the exit status 1.

Modes: ``sequential`` (one request in flight) and ``pipelined`` (stdio: a window of
``--window`` requests in flight; HTTP: ``--connections`` keep-alive connections, each
sequential). Each case warms up for ``--warmup`` seconds, then counts the responses that
arrive during ``--seconds``.

It prints calls/s per (server, transport, mode) with the CPU the server, this client and
everything else on the machine used (a case where other processes were busy is starred:
its figure is not reliable), the ratios ours/sdk and ours/raw, and PASS/FAIL for the
targets: stdio sequential ours >= 5x sdk and >= 0.5x raw, stdio pipelined ours >= 20x
sdk, HTTP ours >= 3x sdk (against the servers on ours' event loop). The exit status is 0
whatever the targets say, 1 when a server failed to answer correctly.

The whole run is made twice (``--idle``): once with the CPUs idling as the machine is set
up, once with them held out of idle states while measuring (a PM QoS request, as latency
benchmarks make; it needs root). One call at a time leaves both processes idle between
calls; where an idle CPU halts (a virtual machine's halt is a VM exit), the call that wakes
a server runs on cold caches, several times slower than the same code in a loop, and a
server that runs more code per call pays more. The held run measures the servers' own
work; the other what this machine gives them as it is. Each prints its own targets.

Run: ``.venv/bin/python bench/echo.py [--seconds 3] [--warmup 1] [--transports stdio,http]
[--only ours,sdk,raw] [--loops uvloop,asyncio] [--protocol modern|legacy|both]
[--repeat N] [--pin] [--idle allow,hold] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import httptools
import orjson

from bench.processes import (
    LIVE_PIDS,
    cpu_idle_held,
    cpu_seconds,
    kill_leftovers,
    log,
    system_busy_seconds,
    terminate,
)

ROOT = Path(__file__).resolve().parent.parent
MODERN = "2026-07-28"
LEGACY = "2025-11-25"
CLIENT_INFO = {"name": "echo-bench", "version": "1.0"}
MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
}
_URL = re.compile(rb"serving .*http://127\.0\.0\.1:(\d+)(/\S*)?")
_START_TIMEOUT = 60.0
_GRACE = 30.0  # how long past its planned end a case may take before it is declared hung

try:
    import uvloop  # noqa: F401

    PRIMARY_LOOP = "uvloop"
except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
    PRIMARY_LOOP = "asyncio"

Worker = Callable[["Meter"], Coroutine[Any, Any, None]]

# -- servers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSpec:
    """One server under test: ``family`` (ours, sdk, raw) on an event ``loop``."""

    family: str
    loop: str

    @property
    def label(self) -> str:
        if self.family == "ours" or self.loop == PRIMARY_LOOP:
            return self.family
        return f"{self.family}/{self.loop}"

    def argv(self, transport: str) -> list[str]:
        if self.family == "ours":
            command = "stdio" if transport == "stdio" else "serve-http"
            argv = [sys.executable, "-m", "mcp_workbench.cli", command]
            argv += ["--no-entry-points", "--tools", "bench.echo_tools", "--log-level", "WARNING"]
            if transport == "http":
                argv += ["--host", "127.0.0.1", "--port", "0"]
            return argv
        module = "bench.sdk_server" if self.family == "sdk" else "bench.raw_server"
        return [sys.executable, "-m", module, transport, "--loop", self.loop]


class Server:
    """A started server process (stdio pipes, or the URL it serves HTTP at)."""

    def __init__(self, spec: ServerSpec, transport: str, cpu: int | None = None) -> None:
        self.spec = spec
        self.transport = transport
        self.cpu = cpu  # pin the process to this CPU
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0
        self.path = "/mcp"
        self._stderr_file: IO[bytes] | None = None
        self._stderr_tail: deque[str] = deque(maxlen=40)
        self._drain: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        argv = self.spec.argv(self.transport)
        if self.transport == "stdio":
            # Closed in stop(): it lives as long as the server process.
            self._stderr_file = tempfile.TemporaryFile()  # noqa: SIM115
            self.proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=self._stderr_file,
                cwd=ROOT,
                env=env,
                limit=1 << 22,
            )
            LIVE_PIDS.add(self.proc.pid)
            self._pin()
            return
        self.proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        LIVE_PIDS.add(self.proc.pid)
        self._pin()
        await asyncio.wait_for(self._find_url(), _START_TIMEOUT)
        self._drain = asyncio.create_task(self._drain_stderr())

    def _pin(self) -> None:
        if self.cpu is not None and self.proc is not None:
            with contextlib.suppress(OSError, AttributeError):
                os.sched_setaffinity(self.proc.pid, {self.cpu})

    async def _find_url(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        while True:
            line = await self.proc.stderr.readline()
            if not line:
                raise RuntimeError(f"{self.spec.label} exited before serving: {self.stderr()}")
            self._stderr_tail.append(line.decode(errors="replace").rstrip())
            match = _URL.search(line)
            if match:
                self.port = int(match.group(1))
                self.path = (match.group(2) or b"/mcp").decode()
                return

    async def _drain_stderr(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self._stderr_tail.append(line.decode(errors="replace").rstrip())

    def stderr(self) -> str:
        """The end of what the server wrote on stderr (for failure reports)."""
        if self._stderr_file is not None:
            self._stderr_file.seek(0)
            text = self._stderr_file.read()[-4000:].decode(errors="replace")
            return text.strip()
        return "\n".join(self._stderr_tail)

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far (Linux), else None."""
        return None if self.proc is None else cpu_seconds(f"/proc/{self.proc.pid}/stat")

    async def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        try:
            if proc.returncode is None:
                if proc.stdin is not None:
                    proc.stdin.close()  # stdio servers end at EOF
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(proc.wait(), 3.0)
                await terminate(proc)
        finally:
            LIVE_PIDS.discard(proc.pid)
            if self._drain is not None:
                self._drain.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._drain
            if self._stderr_file is not None:
                self._stderr_tail.extend(self.stderr().splitlines())
                self._stderr_file.close()
                self._stderr_file = None


# -- requests and checks ---------------------------------------------------------------------


def echo_text(rid: int) -> str:
    return f"hello, echo #{rid}"


def call_request(rid: int, protocol: str) -> bytes:
    params: dict[str, Any] = {"name": "echo", "arguments": {"text": echo_text(rid)}}
    if protocol == "modern":
        params["_meta"] = MODERN_META
    return orjson.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params})


def initialize_request(rid: int) -> bytes:
    params = {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": CLIENT_INFO}
    return orjson.dumps({"jsonrpc": "2.0", "id": rid, "method": "initialize", "params": params})


INITIALIZED = orjson.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})


def check_echo(msg: Any, rid: int) -> str | None:
    """Why ``msg`` is not the right echo answer to request ``rid`` (None when it is)."""
    if not isinstance(msg, dict):
        return f"not a JSON object: {msg!r:.200}"
    if msg.get("id") != rid:
        return f"id {msg.get('id')!r} instead of {rid}: {msg!r:.200}"
    if "error" in msg:
        return f"error response: {msg['error']!r:.200}"
    result = msg.get("result")
    if not isinstance(result, dict):
        return f"no result object: {msg!r:.200}"
    if result.get("isError"):
        return f"isError result: {result!r:.200}"
    content = result.get("content")
    if (
        not isinstance(content, list)
        or len(content) != 1
        or not isinstance(content[0], dict)
        or content[0].get("type") != "text"
        or content[0].get("text") != echo_text(rid)
    ):
        return f"wrong content: {content!r:.200}"
    return None


# -- measurement -----------------------------------------------------------------------------


class Meter:
    """Counts correct answers in the timed window; counts every wrong one."""

    def __init__(self) -> None:
        self.measuring = False
        self.stop = False
        self.count = 0
        self.errors = 0
        self.samples: list[str] = []
        self.started = 0.0
        self.ended = 0.0

    def check(self, msg: Any, rid: int) -> None:
        problem = check_echo(msg, rid)
        if problem is None:
            if self.measuring:
                self.count += 1
        else:
            self.error(problem)

    def error(self, problem: str) -> None:
        self.errors += 1
        if len(self.samples) < 3:
            self.samples.append(problem)


@dataclass
class CaseResult:
    """The outcome of one (server, transport, mode) case."""

    server: str
    family: str
    loop: str
    protocol: str
    transport: str
    mode: str
    detail: str
    calls: int = 0
    seconds: float = 0.0
    calls_per_s: float = 0.0
    errors: int = 0
    failed: bool = False
    problems: list[str] = field(default_factory=list)
    # Cores used during the timed window by the server, by this client, and by anything else
    # on the machine (a busy neighbour makes the figures unreliable).
    server_cpu: float | None = None
    client_cpu: float | None = None
    other_cpu: float | None = None
    samples: list[float] = field(default_factory=list)  # calls/s of each repeat


async def timed(
    workers: list[Worker],
    server: Server,
    result: CaseResult,
    warmup: float,
    seconds: float,
) -> None:
    """Run ``workers`` through a warmup and a timed window; fill in ``result``."""
    meter = Meter()
    marks: dict[str, float | None] = {}

    async def clock() -> None:
        await asyncio.sleep(warmup)
        marks["cpu0"], marks["self0"] = server.cpu_seconds(), time.process_time()
        marks["sys0"] = system_busy_seconds()
        meter.started = time.perf_counter()
        meter.measuring = True
        await asyncio.sleep(seconds)
        meter.measuring = False
        meter.ended = time.perf_counter()
        marks["cpu1"], marks["self1"] = server.cpu_seconds(), time.process_time()
        marks["sys1"] = system_busy_seconds()
        meter.stop = True

    clock_task = asyncio.create_task(clock())
    tasks = [asyncio.create_task(worker(meter)) for worker in workers]
    gathered = asyncio.gather(*tasks)
    try:
        await asyncio.wait_for(gathered, warmup + seconds + _GRACE)
    except Exception as exc:
        result.failed = True
        result.problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        clock_task.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(clock_task, *tasks, return_exceptions=True)
        if gathered.done() and not gathered.cancelled():
            gathered.exception()  # retrieved, so that it is not logged at exit
    result.errors = meter.errors
    result.problems += meter.samples
    if meter.errors:
        result.failed = True
    if meter.ended:
        result.calls = meter.count
        result.seconds = meter.ended - meter.started
        result.calls_per_s = meter.count / result.seconds
        cpu0, cpu1 = marks.get("cpu0"), marks.get("cpu1")
        if cpu0 is not None and cpu1 is not None:
            result.server_cpu = (cpu1 - cpu0) / result.seconds
        self0, self1 = marks.get("self0"), marks.get("self1")
        if self0 is not None and self1 is not None:
            result.client_cpu = (self1 - self0) / result.seconds
        sys0, sys1 = marks.get("sys0"), marks.get("sys1")
        if sys0 is not None and sys1 is not None and result.server_cpu is not None:
            busy = (sys1 - sys0) / result.seconds
            result.other_cpu = max(0.0, busy - result.server_cpu - (result.client_cpu or 0.0))
        result.samples.append(result.calls_per_s)
    elif not result.failed:
        result.failed = True
        result.problems.append("the timed window never ended")


async def measure(
    make_workers: Callable[[], list[Worker]],
    server: Server,
    result: CaseResult,
    opts: Options,
) -> None:
    """``timed`` ``opts.repeat`` times; ``result`` gets the median calls/s of the repeats."""
    parts: list[CaseResult] = []
    for _ in range(opts.repeat):
        part = dataclasses.replace(result, problems=[], samples=[])
        await timed(make_workers(), server, part, opts.warmup, opts.seconds)
        parts.append(part)
        if part.failed:
            break
    result.errors = sum(p.errors for p in parts)
    result.failed = any(p.failed for p in parts)
    result.problems = [problem for p in parts for problem in p.problems][:5]
    done = [p for p in parts if p.seconds]
    if not done:
        return
    result.calls = sum(p.calls for p in done)
    result.seconds = sum(p.seconds for p in done)
    result.samples = [p.calls_per_s for p in done]
    result.calls_per_s = statistics.median(result.samples)
    for name in ("server_cpu", "client_cpu", "other_cpu"):
        values = [v for p in done if (v := getattr(p, name)) is not None]
        setattr(result, name, statistics.fmean(values) if values else None)


# -- stdio client ----------------------------------------------------------------------------


class StdioClient:
    """Newline-delimited JSON-RPC over a server's stdin/stdout."""

    def __init__(self, server: Server, protocol: str) -> None:
        proc = server.proc
        assert proc is not None
        assert proc.stdin is not None
        assert proc.stdout is not None
        self.writer = proc.stdin
        self.reader = proc.stdout
        self.protocol = protocol
        self.ids = itertools.count(1)

    async def read_response(self) -> Any:
        """The next message that has an id (notifications are skipped)."""
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("the server closed its stdout")
            if not line.strip():
                continue
            msg = orjson.loads(line)
            if not isinstance(msg, dict) or "id" in msg:
                return msg

    async def handshake(self) -> None:
        """The legacy initialize handshake (only for ``--protocol legacy``)."""
        self.writer.write(initialize_request(0) + b"\n")
        msg = await self.read_response()
        if not isinstance(msg, dict) or "result" not in msg:
            raise RuntimeError(f"initialize failed: {msg!r:.300}")
        self.writer.write(INITIALIZED + b"\n")
        await self.writer.drain()

    async def sanity(self) -> str | None:
        rid = next(self.ids)
        self.writer.write(call_request(rid, self.protocol) + b"\n")
        await self.writer.drain()
        return check_echo(await self.read_response(), rid)

    async def sequential(self, meter: Meter) -> None:
        writer, protocol, ids = self.writer, self.protocol, self.ids
        while not meter.stop:
            rid = next(ids)
            writer.write(call_request(rid, protocol) + b"\n")
            meter.check(await self.read_response(), rid)

    async def pipelined(self, meter: Meter, window: int) -> None:
        writer, reader, protocol, ids = self.writer, self.reader, self.protocol, self.ids
        pending: set[int] = set()

        def send(n: int) -> None:
            batch = []
            for _ in range(n):
                rid = next(ids)
                pending.add(rid)
                batch.append(call_request(rid, protocol))
            batch.append(b"")
            writer.write(b"\n".join(batch))

        send(window)
        await writer.drain()
        partial = b""
        while pending:
            data = await reader.read(1 << 16)
            if not data:
                raise ConnectionError("the server closed its stdout")
            lines = (partial + data).split(b"\n")
            partial = lines.pop()
            answered = 0
            for line in lines:
                if not line.strip():
                    continue
                msg = orjson.loads(line)
                rid = msg.get("id") if isinstance(msg, dict) else None
                if rid is None:
                    if isinstance(msg, dict) and "method" in msg:
                        continue  # a notification
                    meter.error(f"unexpected message: {msg!r:.200}")
                    continue
                if rid not in pending:
                    meter.error(f"response to unknown id {rid!r}")
                    continue
                pending.discard(rid)
                answered += 1
                meter.check(msg, rid)
            if answered and not meter.stop:
                send(answered)
                await writer.drain()


# -- HTTP client -----------------------------------------------------------------------------


class HttpConnection(asyncio.Protocol):
    """One HTTP/1.1 keep-alive connection that POSTs JSON-RPC messages: an asyncio protocol
    with the ``httptools`` response parser, so the client costs as little per call as a
    Python client can (and so the servers' differences show)."""

    def __init__(self, port: int, path: str) -> None:
        self.port = port
        self.prefix = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\n"
        ).encode()
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[tuple[int, dict[bytes, bytes], bytes]] | None = None
        self._headers: dict[bytes, bytes] = {}
        self._body: list[bytes] = []

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_connection(lambda: self, "127.0.0.1", self.port)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.transport = None

    # -- asyncio.Protocol and the parser's callbacks ----------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self._parser = httptools.HttpResponseParser(self)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"malformed HTTP response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(ConnectionError("the server closed the connection"))

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        self.close()

    def on_message_begin(self) -> None:
        self._headers, self._body = {}, []

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        self._body.append(body)  # chunked bodies arrive decoded

    def on_message_complete(self) -> None:
        if not self._parser.should_keep_alive():
            self.close()
        if self._waiter is not None and not self._waiter.done():
            status = self._parser.get_status_code()
            self._waiter.set_result((status, self._headers, b"".join(self._body)))

    # -- requests ----------------------------------------------------------------------------
    async def post(self, body: bytes, headers: bytes) -> tuple[int, dict[bytes, bytes], Any]:
        """POST ``body``; the status, the headers and the JSON-RPC message answered."""
        if self.transport is None:
            await self.open()
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(
            self.prefix + headers + b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        status, hdrs, payload = await self._waiter
        if hdrs.get(b"content-type", b"").startswith(b"text/event-stream"):
            return status, hdrs, _sse_response(payload)
        return status, hdrs, orjson.loads(payload) if payload else None


def _sse_response(stream: bytes) -> Any:
    """The JSON-RPC response (the message with an id) in an SSE body."""
    for event in re.split(rb"\r?\n\r?\n", stream):
        data = b"\n".join(
            line[5:].lstrip(b" ")
            for line in re.split(rb"\r?\n", event)
            if line.startswith(b"data:")
        )
        if data:
            msg = orjson.loads(data)
            if isinstance(msg, dict) and "id" in msg:
                return msg
    return None


class HttpClient:
    """Calls over one or more keep-alive connections to a Streamable HTTP endpoint."""

    def __init__(self, server: Server, protocol: str) -> None:
        self.port = server.port
        self.path = server.path
        self.protocol = protocol
        self.ids = itertools.count(1)
        self.headers = (
            f"MCP-Protocol-Version: {MODERN}\r\nMcp-Method: tools/call\r\nMcp-Name: echo\r\n"
        ).encode()
        self.connections: list[HttpConnection] = []

    def connection(self) -> HttpConnection:
        conn = HttpConnection(self.port, self.path)
        self.connections.append(conn)
        return conn

    def close(self) -> None:
        for conn in self.connections:
            conn.close()

    async def handshake(self) -> None:
        """Legacy: initialize, then send ``notifications/initialized`` on the session."""
        conn = self.connection()
        status, hdrs, msg = await conn.post(initialize_request(0), b"")
        session = hdrs.get(b"mcp-session-id")
        if status != 200 or not isinstance(msg, dict) or "result" not in msg:
            raise RuntimeError(f"initialize failed: HTTP {status} {msg!r:.300}")
        self.headers = f"MCP-Protocol-Version: {LEGACY}\r\n".encode()
        if session:
            self.headers += b"Mcp-Session-Id: " + session + b"\r\n"
        status, _, _ = await conn.post(INITIALIZED, self.headers)
        if status not in (200, 202):
            raise RuntimeError(f"notifications/initialized answered HTTP {status}")

    async def sanity(self) -> str | None:
        conn = self.connections[0] if self.connections else self.connection()
        rid = next(self.ids)
        status, _, msg = await conn.post(call_request(rid, self.protocol), self.headers)
        if status != 200:
            return f"HTTP {status}: {msg!r:.300}"
        return check_echo(msg, rid)

    def worker(self) -> Worker:
        conn = self.connection()
        protocol, headers, ids = self.protocol, self.headers, self.ids

        async def run(meter: Meter) -> None:
            await conn.open()
            while not meter.stop:
                rid = next(ids)
                status, _, msg = await conn.post(call_request(rid, protocol), headers)
                if status != 200:
                    meter.error(f"HTTP {status}: {msg!r:.200}")
                else:
                    meter.check(msg, rid)
            conn.close()

        return run


# -- the benchmark ---------------------------------------------------------------------------


@dataclass
class Options:
    seconds: float
    warmup: float
    transports: list[str]
    families: list[str]
    loops: list[str]
    protocols: list[str]
    window: int
    connections: int
    json: bool
    repeat: int = 1
    server_cpu: int | None = None  # --pin: the CPU servers run on (the client has another)
    idle: list[str] = field(default_factory=lambda: ["allow", "hold"])


def specs(opts: Options) -> list[ServerSpec]:
    out = []
    for family in ("ours", "sdk", "raw"):
        if family not in opts.families:
            continue
        if family == "ours":
            out.append(ServerSpec("ours", PRIMARY_LOOP))
            continue
        loops = [PRIMARY_LOOP] + [loop for loop in ("uvloop", "asyncio") if loop != PRIMARY_LOOP]
        out += [ServerSpec(family, loop) for loop in loops if loop in opts.loops]
    return out


async def bench_server(
    spec: ServerSpec, transport: str, protocol: str, opts: Options
) -> list[CaseResult]:
    """Start one server, check it answers, then time both modes on it."""
    details = {
        "sequential": "1 in flight",
        "pipelined": f"window {opts.window}"
        if transport == "stdio"
        else f"{opts.connections} connections",
    }
    results = [
        CaseResult(spec.label, spec.family, spec.loop, protocol, transport, mode, detail)
        for mode, detail in details.items()
    ]
    server = Server(spec, transport, cpu=opts.server_cpu)
    try:
        await server.start()
        if transport == "stdio":
            stdio = StdioClient(server, protocol)
            if protocol == "legacy":
                await asyncio.wait_for(stdio.handshake(), _START_TIMEOUT)
            problem = await asyncio.wait_for(stdio.sanity(), _START_TIMEOUT)
            if problem is None:
                await measure(lambda: [stdio.sequential], server, results[0], opts)

                async def pipelined(meter: Meter) -> None:
                    await stdio.pipelined(meter, opts.window)

                await measure(lambda: [pipelined], server, results[1], opts)
        else:
            http = HttpClient(server, protocol)
            try:
                if protocol == "legacy":
                    await asyncio.wait_for(http.handshake(), _START_TIMEOUT)
                problem = await asyncio.wait_for(http.sanity(), _START_TIMEOUT)
                if problem is None:
                    http.close()
                    await measure(lambda: [http.worker()], server, results[0], opts)
                    await measure(
                        lambda: [http.worker() for _ in range(opts.connections)],
                        server,
                        results[1],
                        opts,
                    )
            finally:
                http.close()
        if problem is not None:
            for result in results:
                result.failed = True
                result.errors += 1
                result.problems.append(f"first call: {problem}")
    except Exception as exc:
        for result in results:
            if not result.calls:
                result.failed = True
                result.problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        await server.stop()
    for result in results:
        if result.failed:
            tail = server.stderr()
            if tail:
                result.problems.append(f"server stderr: {tail[-1500:]}")
    return results


def _ratio(a: CaseResult | None, b: CaseResult | None) -> float | None:
    if a is None or b is None or a.failed or b.failed or not b.calls_per_s:
        return None
    return a.calls_per_s / b.calls_per_s


TARGETS = [
    # (transport, mode, other family, minimum ours/other)
    ("stdio", "sequential", "sdk", 5.0),
    ("stdio", "sequential", "raw", 0.5),
    ("stdio", "pipelined", "sdk", 20.0),
    ("http", "sequential", "sdk", 3.0),
    ("http", "pipelined", "sdk", 3.0),
]


def analyse(results: list[CaseResult]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ratios ours/other per (protocol, transport, mode), and the targets."""

    def find(family: str, loop: str, protocol: str, transport: str, mode: str) -> CaseResult | None:
        for r in results:
            if (r.family, r.loop, r.protocol, r.transport, r.mode) == (
                family,
                loop,
                protocol,
                transport,
                mode,
            ):
                return r
        return None

    ratios: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    keys = list(dict.fromkeys((r.protocol, r.transport, r.mode) for r in results))
    for protocol, transport, mode in keys:
        ours = find("ours", PRIMARY_LOOP, protocol, transport, mode)
        if ours is None:
            continue
        row: dict[str, Any] = {"protocol": protocol, "transport": transport, "mode": mode}
        for family in ("sdk", "raw"):
            for loop in ("uvloop", "asyncio"):
                other = find(family, loop, protocol, transport, mode)
                if other is not None:
                    row[f"ours/{other.server}"] = _ratio(ours, other)
        ratios.append(row)
        for t_transport, t_mode, family, minimum in TARGETS:
            if (t_transport, t_mode) != (transport, mode):
                continue
            # Against the same event loop as ours when it was measured.
            other = find(family, PRIMARY_LOOP, protocol, transport, mode)
            if other is None:
                alt = "asyncio" if PRIMARY_LOOP == "uvloop" else "uvloop"
                other = find(family, alt, protocol, transport, mode)
            if other is None:
                continue
            ratio = _ratio(ours, other)
            # What the raw echo loop reaches against the same server: the most a server
            # can get out of this client and this machine for the case.
            raw = find("raw", other.loop, protocol, transport, mode)
            ceiling = _ratio(raw, other) if family != "raw" else None
            targets.append(
                {
                    "target": f"{transport} {mode}: ours >= {minimum:g}x {other.server}",
                    "protocol": protocol,
                    "minimum": minimum,
                    "ratio": ratio,
                    "ceiling": ceiling,
                    "status": "n/a" if ratio is None else "PASS" if ratio >= minimum else "FAIL",
                    "noisy": _noisy(ours) or _noisy(other),
                }
            )
    return ratios, targets


_NOISY = 0.25


def _noisy(result: CaseResult) -> bool:
    return result.other_cpu is not None and result.other_cpu > _NOISY


def _fmt_cpu(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def report(opts: Options, results: list[CaseResult], cpu_idle: str) -> None:
    ratios, targets = analyse(results)
    repeats = f", median of {opts.repeat}" if opts.repeat > 1 else ""
    pinned = (
        f"; client pinned, servers on CPU {opts.server_cpu}" if opts.server_cpu is not None else ""
    )
    print(
        f"\nEcho tools/call throughput; {opts.seconds:g} s per case{repeats} after "
        f"{opts.warmup:g} s warmup; client on {PRIMARY_LOOP}; Python {sys.version.split()[0]}; "
        f"{os.cpu_count()} CPUs{pinned}; {cpu_idle}"
    )
    header = (
        f"{'server':<12} {'loop':<8} {'proto':<6} {'transport':<9} {'mode':<10} "
        f"{'detail':<15} {'calls/s':>10} {'errors':>6} {'srv cpu':>7} {'cli cpu':>7} "
        f"{'other':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        rate = "FAILED" if r.failed and not r.calls else f"{r.calls_per_s:,.0f}"
        if r.failed and r.calls:
            rate += "!"
        print(
            f"{r.server:<12} {r.loop:<8} {r.protocol:<6} {r.transport:<9} {r.mode:<10} "
            f"{r.detail:<15} {rate:>10} {r.errors:>6} {_fmt_cpu(r.server_cpu):>7} "
            f"{_fmt_cpu(r.client_cpu):>7} {_fmt_cpu(r.other_cpu):>6}" + (" *" if _noisy(r) else "")
        )
    if any(_noisy(r) for r in results):
        print(
            f"* other processes used more than {_NOISY:.0%} of a core during the case: "
            "treat its figure (and the ratios built on it) as unreliable"
        )
    columns = list(dict.fromkeys(k for row in ratios for k in row if k.startswith("ours/")))
    if columns:
        print("\nRatios (calls/s of ours divided by the other, same transport and mode)")
        print(
            f"{'proto':<6} {'transport':<9} {'mode':<10} " + " ".join(f"{c:>17}" for c in columns)
        )
        for row in ratios:
            cells = []
            for c in columns:
                value = row.get(c)
                cells.append(f"{'-' if value is None else f'{value:.2f}x':>17}")
            print(
                f"{row['protocol']:<6} {row['transport']:<9} {row['mode']:<10} " + " ".join(cells)
            )
    if targets:
        print("\nTargets")
        for t in targets:
            measured = "n/a" if t["ratio"] is None else f"{t['ratio']:.2f}x"
            noisy = "  * noisy, rerun" if t["noisy"] else ""
            ceiling = "" if t["ceiling"] is None else f"; the raw loop: {t['ceiling']:.2f}x"
            print(
                f"  {t['status']:<4}  {t['target']:<45} measured {measured} "
                f"({t['protocol']}{ceiling}){noisy}"
            )
    failed = [r for r in results if r.failed]
    if failed:
        print("\nFailed cases")
        for r in failed:
            print(f"  {r.server} {r.transport} {r.mode}: {r.errors} errors")
            for problem in r.problems:
                print("    " + problem.replace("\n", "\n    "))


async def run(opts: Options) -> list[CaseResult]:
    main_task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if main_task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, main_task.cancel)
    results: list[CaseResult] = []
    for protocol in opts.protocols:
        for transport in opts.transports:
            for spec in specs(opts):
                log(f"... {spec.label} over {transport} ({protocol})")
                for result in await bench_server(spec, transport, protocol, opts):
                    results.append(result)
                    status = "FAILED " if result.failed else ""
                    log(
                        f"    {result.mode:<10} {status}{result.calls_per_s:>10,.0f} calls/s"
                        f"  errors {result.errors}",
                    )
    return results


def _csv(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"{what}: choose from {', '.join(allowed)}")
    return items


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description="Echo throughput of MCP Workbench vs the official SDK vs a raw asyncio loop."
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per case")
    parser.add_argument("--warmup", type=float, default=1.0, help="warmup seconds per case")
    parser.add_argument(
        "--transports",
        type=lambda v: _csv(v, ("stdio", "http"), "--transports"),
        default=["stdio", "http"],
        help="comma-separated: stdio,http",
    )
    parser.add_argument(
        "--only",
        type=lambda v: _csv(v, ("ours", "sdk", "raw"), "--only"),
        default=["ours", "sdk", "raw"],
        help="comma-separated servers: ours,sdk,raw",
    )
    parser.add_argument(
        "--loops",
        type=lambda v: _csv(v, ("uvloop", "asyncio"), "--loops"),
        default=["uvloop", "asyncio"],
        help="event loops to run sdk and raw on (ours always runs as its CLI does)",
    )
    parser.add_argument(
        "--protocol",
        choices=["modern", "legacy", "both"],
        default="modern",
        help=f"modern: {MODERN} per-request _meta; legacy: {LEGACY} initialize handshake",
    )
    parser.add_argument("--window", type=int, default=256, help="stdio pipelined: in flight")
    parser.add_argument(
        "--connections", type=int, default=32, help="HTTP pipelined: keep-alive connections"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each case N times and report the median"
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="pin this client to the first CPU and each server to the last (Linux)",
    )
    parser.add_argument(
        "--idle",
        type=lambda v: _csv(v, ("allow", "hold"), "--idle"),
        default=["allow", "hold"],
        help="comma-separated: allow (CPUs idle as the machine is set up), hold (CPUs held "
        "out of idle states while measuring, see bench.processes.cpu_idle_held); each is a "
        "whole run",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    args = parser.parse_args(argv)
    protocols = ["modern", "legacy"] if args.protocol == "both" else [args.protocol]
    return Options(
        seconds=args.seconds,
        warmup=args.warmup,
        transports=args.transports,
        families=args.only,
        loops=args.loops,
        protocols=protocols,
        window=max(1, args.window),
        connections=max(1, args.connections),
        json=args.json,
        repeat=max(1, args.repeat),
        server_cpu=_pin_client() if args.pin else None,
        idle=args.idle,
    )


def _pin_client() -> int | None:
    """Pin this process to its first CPU; the CPU left for servers (None if there is none)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            return None
        os.sched_setaffinity(0, {cpus[0]})
    except (OSError, AttributeError):
        return None
    return cpus[-1]


def _run_loop(coro: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:  # pragma: no cover
        return asyncio.run(coro)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    runs: list[tuple[str, list[CaseResult]]] = []
    try:
        for idle in opts.idle:
            with cpu_idle_held(idle == "hold") as cpu_idle:
                log(f"=== {cpu_idle}")
                runs.append((cpu_idle, _run_loop(run(opts))))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        kill_leftovers()
    failed = any(r.failed for _, results in runs for r in results)
    if opts.json:
        document: dict[str, Any] = {
            "config": {
                "seconds": opts.seconds,
                "warmup": opts.warmup,
                "window": opts.window,
                "connections": opts.connections,
                "repeat": opts.repeat,
                "server_cpu_pinned": opts.server_cpu,
                "cpus": os.cpu_count(),
                "client_loop": PRIMARY_LOOP,
                "python": sys.version.split()[0],
            },
            "runs": [],
            "failed": failed,
        }
        for cpu_idle, results in runs:
            ratios, targets = analyse(results)
            document["runs"].append(
                {
                    "cpu_idle": cpu_idle,
                    "results": [asdict(r) for r in results],
                    "ratios": ratios,
                    "targets": targets,
                }
            )
        sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        for cpu_idle, results in runs:
            report(opts, results, cpu_idle)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
