"""Idle-session memory and concurrent throughput: MCP Workbench vs the official SDK.

1. **Memory per idle session.** A fresh server process per case, store off:

   * ``ours``: ``mcp-workbench listen --tcp|--ws|--http 127.0.0.1:0 --no-store``, one
     listener per case: TCP (newline-delimited JSON), WebSocket (subprotocol ``mcp``) and
     Streamable HTTP;
   * ``sdk``: the SDK's ``MCPServer`` over Streamable HTTP (``bench/sdk_server.py``:
     uvicorn, JSON responses, uvloop).

   Every session does the 2025-11-25 ``initialize`` handshake and sends
   ``notifications/initialized``, then stays idle. TCP and WebSocket clients keep their
   connection open (the connection is the session). Streamable HTTP is measured twice: a
   client that keeps only its ``Mcp-Session-Id`` (no connection: uvicorn closes idle
   keep-alive connections after 5 s anyway), and one that keeps the session's GET stream
   open, as the SDK's own client does after ``initialize``.
   ``--warmup-sessions`` sessions are opened first and each makes one ``echo`` call; they
   stay open, and the server's RSS (``VmRSS`` of ``/proc/PID/status``) once it has settled
   is the baseline. Then ``--sessions`` more sessions are opened; the RSS growth over the
   baseline divided by their number is the memory per idle session (1 kB = 1000 bytes).
   Target: ours <= 20 kB.

2. **Throughput.** ``--clients`` clients, each with one call in flight, make ``--calls``
   ``echo`` tools/calls each (after ``--warmup-calls`` untimed ones) and the total calls/s
   is the work over the wall time: ours over WebSocket (tornado's client, one connection per
   client) and the SDK over Streamable HTTP (a raw asyncio HTTP/1.1 client, one keep-alive
   connection per client); ours over Streamable HTTP with that same HTTP client too, so
   that one ratio compares servers alone. Requests are 2026-07-28 requests (``_meta``);
   ``--protocol legacy`` gives each client an ``initialize``\\d session instead. The CPU the
   server, this client and everything else used is printed with each figure: clients and
   server share the machine, so a client at 100% of a core caps the figure.

``--trace`` runs the memory cases of ours only, with the server under ``tracemalloc``, and
prints the source lines that allocated the growth, per session (tracemalloc's own
bookkeeping inflates RSS there, so only its traced bytes count and no target is judged).

Every response is checked; a case with errors is reported as failed and makes the exit
status 1. Every server process is stopped by PID when its case ends (killed at exit).

Run: ``.venv/bin/python bench/sessions.py [--sessions 1000] [--warmup-sessions 50]
[--clients 64] [--calls 500] [--warmup-calls 20] [--repeat 1] [--protocol modern|legacy]
[--only memory,throughput] [--trace] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
import tornado.websocket

from bench.echo import (
    INITIALIZED,
    LEGACY,
    MODERN,
    PRIMARY_LOOP,
    HttpConnection,
    call_request,
    check_echo,
    initialize_request,
)
from bench.processes import (
    LIVE_PIDS,
    cpu_seconds,
    kill_leftovers,
    log,
    megabytes,
    system_busy_seconds,
    terminate,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET_BYTES = 20_000  # ours, per idle session
_START_TIMEOUT = 60.0
_CASE_TIMEOUT = 300.0
_OPEN_CONCURRENCY = 16  # sessions being opened at once
_NOISY = 0.25  # cores used by other processes above which a figure is starred
CONNECTION, NOTHING, GET_STREAM = "its connection", "only its session id", "a GET stream"
_SDK = [sys.executable, "-m", "bench.sdk_server", "http"]
_ADDRESS = re.compile(rb"(?:listening: (tcp|ws|http) |SDK serving Streamable (HTTP) at )(\S+)")
# The server under --trace: ours, plus a thread that dumps a tracemalloc snapshot to each
# path written on its stdin and echoes the path on stdout once it is written (a thread,
# because a signal handler would wait for the event loop to run Python code).
_TRACE_BOOT = """\
import sys, threading, tracemalloc

def dump_snapshots():
    for line in sys.stdin:
        tracemalloc.take_snapshot().dump(line.strip())
        print(line.strip(), flush=True)

threading.Thread(target=dump_snapshots, daemon=True).start()
from mcp_workbench.cli import main
raise SystemExit(main(sys.argv[1:]))
"""

# -- servers ---------------------------------------------------------------------------------


def _ours(transport: str, *, trace: bool = False) -> list[str]:
    """Our server with one listener on a free port of 127.0.0.1, the echo tool, no store."""
    args = ["listen", f"--{transport}", "127.0.0.1:0", "--no-store", "--no-entry-points"]
    args += ["--tools", "bench.echo_tools", "--log-level", "WARNING"]
    if trace:
        return [sys.executable, "-X", "tracemalloc=1", "-c", _TRACE_BOOT, *args]
    return [sys.executable, "-m", "mcp_workbench.cli", *args]


class ServerProcess:
    """A server process started for one case: what it listens on, its RSS and CPU time."""

    def __init__(self, argv: list[str], *, trace: bool = False) -> None:
        self.argv = argv
        self.trace = trace  # the process serves snapshots (``_TRACE_BOOT``)
        self.proc: asyncio.subprocess.Process | None = None
        self.addresses: dict[str, str] = {}  # tcp/ws/http -> address
        self._stderr: deque[str] = deque(maxlen=40)
        self._drain: asyncio.Task[None] | None = None

    async def start(self, kinds: Sequence[str]) -> None:
        """Start it and wait until it has printed the address of every ``kinds`` listener."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE if self.trace else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if self.trace else asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        LIVE_PIDS.add(self.proc.pid)
        await asyncio.wait_for(self._find_addresses(set(kinds)), _START_TIMEOUT)
        self._drain = asyncio.create_task(self._drain_stderr())

    async def _find_addresses(self, kinds: set[str]) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        while not kinds <= self.addresses.keys():
            line = await self.proc.stderr.readline()
            if not line:
                raise RuntimeError("the server exited before listening")
            self._stderr.append(line.decode(errors="replace").rstrip())
            if match := _ADDRESS.search(line):
                kind = (match.group(1) or match.group(2)).decode().lower()
                self.addresses[kind] = match.group(3).decode()

    async def _drain_stderr(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self._stderr.append(line.decode(errors="replace").rstrip())

    def stderr(self) -> str:
        """The end of what the server wrote on stderr (for failure reports)."""
        return "\n".join(self._stderr)

    def rss(self) -> int:
        """Resident set size in bytes (``VmRSS``).

        Raises:
            OSError: not on Linux, or the process is gone.
        """
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if match is None:
            raise OSError(f"no VmRSS for process {self.proc.pid}")
        return int(match.group(1)) * 1024

    async def settled_rss(self) -> int:
        """The RSS once two readings a quarter of a second apart agree within 64 KiB."""
        await asyncio.sleep(0.5)
        last = self.rss()
        for _ in range(20):
            await asyncio.sleep(0.25)
            now = self.rss()
            if abs(now - last) < 64 * 1024:
                return now
            last = now
        return last

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the process so far (Linux), else None."""
        return None if self.proc is None else cpu_seconds(f"/proc/{self.proc.pid}/stat")

    async def snapshot(self, path: Path) -> tracemalloc.Snapshot:
        """A tracemalloc snapshot of the server (``trace`` servers only)."""
        assert self.proc is not None
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(f"{path}\n".encode())
        await self.proc.stdin.drain()
        written = await asyncio.wait_for(self.proc.stdout.readline(), _START_TIMEOUT)
        if written.strip() != str(path).encode():
            raise RuntimeError(f"no snapshot from the server: {written!r:.200}")
        return await asyncio.to_thread(tracemalloc.Snapshot.load, str(path))

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s; reaped either way."""
        proc = self.proc
        if proc is None:
            return
        try:
            await terminate(proc)
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            if self._drain is not None:
                self._drain.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._drain


# -- client sessions -------------------------------------------------------------------------


class ClientSession(Protocol):
    """One client and its session, whatever transport carries it."""

    async def open(self) -> None:
        """Connect, and do the ``initialize`` handshake when the protocol is legacy."""

    async def call(self, rid: int) -> str | None:
        """One ``echo`` tools/call; why its answer is wrong (None when it is right)."""

    def idle(self) -> None:
        """Let go of what an idle client of this transport would not hold."""

    def close(self) -> None:
        """Hang up."""


class _FramedSession:
    """A session that is a connection carrying one JSON-RPC message per frame or line."""

    def __init__(self, protocol: str) -> None:
        self.protocol = protocol

    async def _connect(self) -> None:
        raise NotImplementedError

    async def _send(self, data: bytes) -> None:
        raise NotImplementedError

    async def _receive(self) -> bytes | str | None:
        raise NotImplementedError

    async def _request(self, data: bytes) -> Any:
        """Send a request; the next message with an id (notifications are skipped)."""
        await self._send(data)
        while True:
            frame = await self._receive()
            if frame is None:
                raise ConnectionError("the server hung up")
            msg = orjson.loads(frame)
            if not isinstance(msg, dict) or "id" in msg:
                return msg

    async def open(self) -> None:
        await self._connect()
        if self.protocol == "legacy":
            msg = await self._request(initialize_request(0))
            if not isinstance(msg, dict) or "result" not in msg:
                raise RuntimeError(f"initialize failed: {msg!r:.300}")
            await self._send(INITIALIZED)

    async def call(self, rid: int) -> str | None:
        return check_echo(await self._request(call_request(rid, self.protocol)), rid)

    def idle(self) -> None:
        pass  # the connection is the session


class TcpSession(_FramedSession):
    """Newline-delimited JSON over one TCP connection."""

    def __init__(self, address: str, protocol: str) -> None:
        super().__init__(protocol)
        host, _, port = address.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def _send(self, data: bytes) -> None:
        assert self.writer is not None
        self.writer.write(data + b"\n")
        await self.writer.drain()

    async def _receive(self) -> bytes | None:
        assert self.reader is not None
        return await self.reader.readline() or None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class WebSocketSession(_FramedSession):
    """One text frame per message over a tornado WebSocket client (subprotocol ``mcp``)."""

    def __init__(self, url: str, protocol: str) -> None:
        super().__init__(protocol)
        self.url = url
        self.ws: tornado.websocket.WebSocketClientConnection | None = None

    async def _connect(self) -> None:
        self.ws = await tornado.websocket.websocket_connect(self.url, subprotocols=["mcp"])
        if self.ws.selected_subprotocol != "mcp":
            raise RuntimeError(f"subprotocol {self.ws.selected_subprotocol!r} instead of mcp")

    async def _send(self, data: bytes) -> None:
        assert self.ws is not None
        await self.ws.write_message(data.decode())

    async def _receive(self) -> bytes | str | None:
        assert self.ws is not None
        return await self.ws.read_message()

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


class HttpSession:
    """Streamable HTTP over one keep-alive connection: a legacy ``Mcp-Session-Id`` session,
    or (modern) no session and self-describing requests.

    With ``listen`` the session's GET stream is opened after the handshake and kept open
    (unread), as the SDK's client does.
    """

    def __init__(self, url: str, protocol: str, *, listen: bool = False) -> None:
        parts = urlsplit(url)
        self.protocol = protocol
        self.listen = listen
        self.port, self.path = parts.port or 80, parts.path or "/mcp"
        self.conn = HttpConnection(self.port, self.path)
        self.headers = (
            f"MCP-Protocol-Version: {MODERN}\r\nMcp-Method: tools/call\r\nMcp-Name: echo\r\n"
        ).encode()
        self.stream: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        await self.conn.open()
        if self.protocol != "legacy":
            return
        status, headers, msg = await self.conn.post(initialize_request(0), b"")
        session = headers.get(b"mcp-session-id")
        if status != 200 or not session or not isinstance(msg, dict) or "result" not in msg:
            raise RuntimeError(f"initialize failed: HTTP {status} {msg!r:.300}")
        self.headers = f"MCP-Protocol-Version: {LEGACY}\r\nMcp-Session-Id: ".encode()
        self.headers += session + b"\r\n"
        status, _, _ = await self.conn.post(INITIALIZED, self.headers)
        if status not in (200, 202):
            raise RuntimeError(f"notifications/initialized answered HTTP {status}")
        if self.listen:
            await self._open_stream()

    async def _open_stream(self) -> None:
        reader, self.stream = await asyncio.open_connection("127.0.0.1", self.port)
        self.stream.write(
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n".encode()
            + b"Accept: text/event-stream\r\n"
            + self.headers
            + b"\r\n"
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
            raise RuntimeError(f"GET stream refused: {head[:200]!r}")

    async def call(self, rid: int) -> str | None:
        status, _, msg = await self.conn.post(call_request(rid, self.protocol), self.headers)
        if status != 200:
            return f"HTTP {status}: {msg!r:.200}"
        return check_echo(msg, rid)

    def idle(self) -> None:
        self.conn.close()  # the session lives on in the server; post() reconnects

    def close(self) -> None:
        self.conn.close()
        if self.stream is not None:
            self.stream.close()


SessionFactory = Callable[[], ClientSession]


def _factory(transport: str, address: str, protocol: str, listen: bool = False) -> SessionFactory:
    if transport == "tcp":
        return lambda: TcpSession(address, protocol)
    if transport == "ws":
        return lambda: WebSocketSession(address, protocol)
    return lambda: HttpSession(address, protocol, listen=listen)


async def _open_all(sessions: list[ClientSession]) -> None:
    """Open every session, ``_OPEN_CONCURRENCY`` at a time."""
    gate = asyncio.Semaphore(_OPEN_CONCURRENCY)

    async def open_one(session: ClientSession) -> None:
        async with gate:
            await session.open()
            session.idle()

    await asyncio.gather(*(open_one(s) for s in sessions))


# -- memory ----------------------------------------------------------------------------------


@dataclass
class TracedLine:
    """A source line that allocated part of the growth (``--trace``)."""

    where: str
    bytes_per_session: float
    blocks_per_session: float


@dataclass
class MemoryResult:
    """RSS growth of one server over ``sessions`` idle sessions."""

    server: str
    transport: str
    held: str  # what an idle client holds
    sessions: int
    warmup_sessions: int
    baseline_bytes: int = 0
    after_bytes: int = 0
    per_session_bytes: float = 0.0
    traced_per_session_bytes: float | None = None  # --trace: Python allocations only
    traced_lines: list[TracedLine] = field(default_factory=list)
    failed: bool = False
    problems: list[str] = field(default_factory=list)


# (server, transport, what an idle client holds)
MEMORY_CASES = [
    ("ours", "tcp", CONNECTION),
    ("ours", "ws", CONNECTION),
    ("ours", "http", NOTHING),
    ("ours", "http", GET_STREAM),
    ("sdk", "http", NOTHING),
    ("sdk", "http", GET_STREAM),
]
TRANSPORT_NAMES = {"tcp": "TCP", "ws": "WebSocket", "http": "Streamable HTTP"}


async def measure_memory(
    server_name: str, transport: str, held: str, opts: Options
) -> MemoryResult:
    """Start a server, open the warm-up sessions, then ``opts.sessions`` more; RSS growth."""
    result = MemoryResult(server_name, transport, held, opts.sessions, opts.warmup_sessions)
    if server_name == "ours":
        server = ServerProcess(_ours(transport, trace=opts.trace), trace=opts.trace)
    else:
        server = ServerProcess(_SDK)
    sessions: list[ClientSession] = []
    try:
        async with asyncio.timeout(_CASE_TIMEOUT):
            await server.start([transport])
            make = _factory(transport, server.addresses[transport], "legacy", held == GET_STREAM)
            warm = [make() for _ in range(opts.warmup_sessions)]
            sessions += warm
            await _open_all(warm)
            for rid, session in enumerate(warm, 1):
                if problem := await session.call(rid):
                    raise RuntimeError(f"warm-up call: {problem}")
                session.idle()
            result.baseline_bytes = await server.settled_rss()
            with tempfile.TemporaryDirectory() as tmp:
                before = await server.snapshot(Path(tmp, "0")) if opts.trace else None
                idle = [make() for _ in range(opts.sessions)]
                sessions += idle
                await _open_all(idle)
                result.after_bytes = await server.settled_rss()
                if before is not None:
                    after = await server.snapshot(Path(tmp, "1"))
                    _traced(result, before, after)
            result.per_session_bytes = (result.after_bytes - result.baseline_bytes) / len(idle)
            if problem := await idle[-1].call(len(warm) + 1):  # the sessions are still there
                raise RuntimeError(f"call on the last session: {problem}")
    except Exception as exc:
        result.failed = True
        result.problems.append(f"{type(exc).__name__}: {exc}")
        if tail := server.stderr():
            result.problems.append(f"server stderr: {tail[-1500:]}")
    finally:
        for session in sessions:
            session.close()
        await server.stop()
    return result


def _traced(
    result: MemoryResult, before: tracemalloc.Snapshot, after: tracemalloc.Snapshot
) -> None:
    """What tracemalloc saw grow between the snapshots, per session, by source line."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "lineno")
    n = result.sessions
    result.traced_per_session_bytes = sum(s.size_diff for s in stats) / n
    for stat in sorted(stats, key=lambda s: s.size_diff, reverse=True)[:15]:
        frame = stat.traceback[0]
        where = f"{_short(frame.filename)}:{frame.lineno}"
        result.traced_lines.append(TracedLine(where, stat.size_diff / n, stat.count_diff / n))


def _short(filename: str) -> str:
    for marker in ("/site-packages/", f"{ROOT}/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# -- throughput ------------------------------------------------------------------------------


@dataclass
class ThroughputResult:
    """Calls/s of ``clients`` concurrent clients making ``calls`` calls each."""

    server: str
    transport: str
    client: str
    clients: int
    calls: int
    seconds: float = 0.0
    calls_per_s: float = 0.0
    errors: int = 0
    server_cpu: float | None = None  # cores used during the timed part
    client_cpu: float | None = None
    other_cpu: float | None = None
    failed: bool = False
    problems: list[str] = field(default_factory=list)
    samples: list[float] = field(default_factory=list)  # calls/s of each repeat


_RAW_HTTP = "raw asyncio HTTP/1.1 client, one keep-alive connection per client"
# (server, transport, client): ours over WebSocket against the SDK over Streamable HTTP, and
# ours over Streamable HTTP with the SDK's client, for a comparison where only servers differ.
THROUGHPUT_CASES = [
    ("ours", "ws", "tornado WebSocket client, one connection per client"),
    ("sdk", "http", _RAW_HTTP),
    ("ours", "http", _RAW_HTTP),
]


async def measure_throughput(
    server_name: str, transport: str, client: str, opts: Options
) -> ThroughputResult:
    """Start a server, open the clients, warm up, then time ``opts.calls`` calls per client."""
    result = ThroughputResult(server_name, transport, client, opts.clients, opts.calls)
    server = ServerProcess(_ours(transport) if server_name == "ours" else _SDK)
    sessions: list[ClientSession] = []
    ids = itertools.count(1)

    async def calls(session: ClientSession, count: int) -> None:
        for _ in range(count):
            if problem := await session.call(next(ids)):
                result.errors += 1
                if len(result.problems) < 3:
                    result.problems.append(problem)

    try:
        async with asyncio.timeout(_CASE_TIMEOUT):
            await server.start([transport])
            make = _factory(transport, server.addresses[transport], opts.protocol)
            sessions = [make() for _ in range(opts.clients)]
            await asyncio.gather(*(s.open() for s in sessions))
            await asyncio.gather(*(calls(s, opts.warmup_calls) for s in sessions))
            cpu0, self0, sys0 = server.cpu_seconds(), time.process_time(), system_busy_seconds()
            started = time.perf_counter()
            await asyncio.gather(*(calls(s, opts.calls) for s in sessions))
            result.seconds = time.perf_counter() - started
            cpu1, self1, sys1 = server.cpu_seconds(), time.process_time(), system_busy_seconds()
        result.calls_per_s = opts.clients * opts.calls / result.seconds
        if cpu0 is not None and cpu1 is not None:
            result.server_cpu = (cpu1 - cpu0) / result.seconds
        result.client_cpu = (self1 - self0) / result.seconds
        if sys0 is not None and sys1 is not None and result.server_cpu is not None:
            busy = (sys1 - sys0) / result.seconds
            result.other_cpu = max(0.0, busy - result.server_cpu - result.client_cpu)
    except Exception as exc:
        result.failed = True
        result.problems.append(f"{type(exc).__name__}: {exc}")
        if tail := server.stderr():
            result.problems.append(f"server stderr: {tail[-1500:]}")
    finally:
        for session in sessions:
            session.close()
        await server.stop()
    result.failed = result.failed or result.errors > 0
    return result


# -- report ----------------------------------------------------------------------------------


@dataclass
class Options:
    sessions: int
    warmup_sessions: int
    clients: int
    calls: int
    warmup_calls: int
    repeat: int
    protocol: str
    parts: list[str]
    trace: bool
    json: bool


def _kb(n: float) -> str:
    return f"{n / 1000:,.1f} kB"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _sdk_memory(results: list[MemoryResult], held: str) -> MemoryResult | None:
    return next((r for r in results if r.server == "sdk" and r.held == held and not r.failed), None)


def _label(r: MemoryResult | ThroughputResult) -> str:
    name = TRANSPORT_NAMES[r.transport]
    return f"{name}, {r.held}" if isinstance(r, MemoryResult) and r.transport == "http" else name


def report_memory(results: list[MemoryResult], opts: Options) -> None:
    print(
        f"\nMemory per idle session: {opts.sessions:,} sessions ({LEGACY} initialize, then "
        f"idle) after {opts.warmup_sessions} warm-up sessions that stay open; growth of the "
        f"server's RSS (VmRSS){' under tracemalloc' if opts.trace else ''}; store off"
    )
    header = (
        f"{'server':<6} {'transport':<16} {'an idle client holds':<22} {'baseline':>9} "
        f"{'after':>9} {'per session':>12} {'sdk id/this':>11} {'sdk GET/this':>12}"
    )
    print(header)
    print("-" * len(header))
    references = [_sdk_memory(results, NOTHING), _sdk_memory(results, GET_STREAM)]
    for r in results:
        name = TRANSPORT_NAMES[r.transport]
        if r.failed:
            print(f"{r.server:<6} {name:<16} {r.held:<22} FAILED")
            continue
        ratios = [
            f"{ref.per_session_bytes / r.per_session_bytes:.1f}x"
            if ref is not None and r.server != "sdk" and r.per_session_bytes > 0
            else "-"
            for ref in references
        ]
        print(
            f"{r.server:<6} {name:<16} {r.held:<22} {megabytes(r.baseline_bytes):>9} "
            f"{megabytes(r.after_bytes):>9} {_kb(r.per_session_bytes):>12} "
            f"{ratios[0]:>11} {ratios[1]:>12}"
        )
    print(
        "(sdk id/this, sdk GET/this: how many times more memory an SDK session takes, holding "
        "only its id / a GET stream, than a session of the row)"
    )
    if opts.trace:
        print("RSS above includes tracemalloc's own bookkeeping: read the traced bytes below.")
    else:
        print(f"\nTarget: ours <= {_kb(TARGET_BYTES)} per idle session")
        for r in results:
            if r.server == "ours" and not r.failed:
                status = "PASS" if r.per_session_bytes <= TARGET_BYTES else "FAIL"
                print(f"  {status:<4}  {_label(r):<40} {_kb(r.per_session_bytes):>9}")
    for r in results:
        if r.traced_per_session_bytes is None:
            continue
        print(
            f"\nTraced Python allocations per session of {r.server} ({_label(r)}): "
            f"{r.traced_per_session_bytes:,.0f} bytes; largest source lines:"
        )
        for line in r.traced_lines:
            print(
                f"  {line.bytes_per_session:>8,.0f} B {line.blocks_per_session:>6.1f} blocks  "
                f"{line.where}"
            )


def report_throughput(results: list[ThroughputResult], opts: Options) -> None:
    proto = f"{MODERN} requests" if opts.protocol == "modern" else f"{LEGACY} sessions"
    print(
        f"\nThroughput: echo tools/call, {opts.clients} clients x {opts.calls} calls, one call "
        f"in flight per client, {proto}; after {opts.warmup_calls} warm-up calls per client; "
        f"client on {PRIMARY_LOOP}; {os.cpu_count()} CPUs"
    )
    header = (
        f"{'server':<6} {'transport':<16} {'calls/s':>9} {'errors':>6} {'srv cpu':>7} "
        f"{'cli cpu':>7} {'other':>6}  client"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        rate = "FAILED" if r.failed and not r.seconds else f"{r.calls_per_s:,.0f}"
        star = "*" if _noisy(r) else " "
        print(
            f"{r.server:<6} {TRANSPORT_NAMES[r.transport]:<16} {rate:>9}{star} {r.errors:>6} "
            f"{_pct(r.server_cpu):>7} {_pct(r.client_cpu):>7} {_pct(r.other_cpu):>6}  {r.client}"
        )
    sdk = next((r for r in results if r.server == "sdk" and not r.failed), None)
    for r in results:
        if r.server == "ours" and not r.failed and sdk is not None:
            print(
                f"ours ({TRANSPORT_NAMES[r.transport]}) / sdk (Streamable HTTP): "
                f"{r.calls_per_s / sdk.calls_per_s:.2f}x"
            )
    if opts.repeat > 1:
        print(f"(calls/s: the median of {opts.repeat} runs; cpu columns: of that run)")
        for r in results:
            runs = ", ".join(f"{v:,.0f}" for v in r.samples)
            print(f"  {r.server} {TRANSPORT_NAMES[r.transport]}: {runs}")
    print("(cpu: share of one core used during the timed part; other: the rest of the machine)")
    if any(_noisy(r) for r in results):
        print(
            f"* other processes used more than {_NOISY:.0%} of a core meanwhile: the figure, and "
            "the ratio built on it, is not reliable"
        )


def _noisy(result: ThroughputResult) -> bool:
    return result.other_cpu is not None and result.other_cpu > _NOISY


def report_failures(results: Sequence[MemoryResult | ThroughputResult]) -> None:
    failed = [r for r in results if r.failed]
    if failed:
        print("\nFailed cases")
        for r in failed:
            print(f"  {r.server} {_label(r)}")
            for problem in r.problems:
                print("    " + problem.replace("\n", "\n    "))


# -- main ------------------------------------------------------------------------------------


async def run(opts: Options) -> tuple[list[MemoryResult], list[ThroughputResult]]:
    memory: list[MemoryResult] = []
    throughput: list[ThroughputResult] = []
    if "memory" in opts.parts:
        for server_name, transport, held in MEMORY_CASES:
            if opts.trace and server_name != "ours":
                continue
            log(f"... memory: {server_name} over {TRANSPORT_NAMES[transport]}, holding {held}")
            memory.append(await measure_memory(server_name, transport, held, opts))
            r = memory[-1]
            log(f"    {'FAILED' if r.failed else _kb(r.per_session_bytes)} per session")
    if "throughput" in opts.parts:
        for server_name, transport, client in THROUGHPUT_CASES:
            log(f"... throughput: {server_name} over {TRANSPORT_NAMES[transport]}")
            runs: list[ThroughputResult] = []
            for _ in range(opts.repeat):
                runs.append(await measure_throughput(server_name, transport, client, opts))
                t = runs[-1]
                log(f"    {'FAILED' if t.failed else f'{t.calls_per_s:,.0f}'} calls/s")
                if t.failed:
                    break
            throughput.append(_median_run(runs))
    return memory, throughput


def _median_run(runs: list[ThroughputResult]) -> ThroughputResult:
    """The failed run if one failed, else the run with the median calls/s."""
    failed = [r for r in runs if r.failed]
    chosen = failed[0] if failed else sorted(runs, key=lambda r: r.calls_per_s)[len(runs) // 2]
    chosen.samples = [r.calls_per_s for r in runs if not r.failed]
    return chosen


def _parts(value: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items or any(v not in ("memory", "throughput") for v in items):
        raise argparse.ArgumentTypeError("choose from memory, throughput")
    return items


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description="Memory per idle session and concurrent calls/s: ours vs the official SDK."
    )
    parser.add_argument("--sessions", type=int, default=1000, help="idle sessions measured")
    parser.add_argument(
        "--warmup-sessions", type=int, default=50, help="sessions opened before the baseline"
    )
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients")
    parser.add_argument("--calls", type=int, default=500, help="timed calls per client")
    parser.add_argument("--warmup-calls", type=int, default=20, help="untimed calls per client")
    parser.add_argument(
        "--repeat", type=int, default=1, help="throughput: run each case N times, report the median"
    )
    parser.add_argument(
        "--protocol",
        choices=["modern", "legacy"],
        default="modern",
        help=f"throughput: {MODERN} per-request _meta, or a {LEGACY} session per client",
    )
    parser.add_argument(
        "--only", type=_parts, default=["memory", "throughput"], help="memory,throughput"
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="memory of ours only, under tracemalloc: where the growth was allocated",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    args = parser.parse_args(argv)
    return Options(
        sessions=max(1, args.sessions),
        warmup_sessions=max(1, args.warmup_sessions),
        clients=max(1, args.clients),
        calls=max(1, args.calls),
        warmup_calls=max(0, args.warmup_calls),
        repeat=max(1, args.repeat),
        protocol=args.protocol,
        parts=args.only,
        trace=args.trace,
        json=args.json,
    )


def _run_loop(coro: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        return asyncio.run(coro)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    started = time.perf_counter()
    try:
        memory, throughput = _run_loop(run(opts))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        kill_leftovers()
    log(f"done in {time.perf_counter() - started:.0f} s")
    failed = any(r.failed for r in [*memory, *throughput])
    if opts.json:
        document = {
            "config": asdict(opts) | {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "memory": [asdict(r) for r in memory],
            "throughput": [asdict(r) for r in throughput],
            "failed": failed,
        }
        sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        if memory:
            report_memory(memory, opts)
        if throughput:
            report_throughput(throughput, opts)
        report_failures([*memory, *throughput])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
