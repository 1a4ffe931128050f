"""The standalone HTTP server (``mcp-workbench serve-http``): HTTP/1.1 on asyncio with the
``httptools`` parser, serving the MCP endpoint, ``/metrics`` and ``/healthz``.

A lean server of our own, because the MCP endpoint is the hot path: per request it costs a
fraction of a general web framework. Inside Jupyter the same endpoint runs as tornado
handlers instead (:mod:`mcp_workbench.transports.tornado_http`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections import deque
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

import httptools
import orjson

from mcp_workbench.engine import Engine
from mcp_workbench.transports.http_transport import METADATA_PATH, HttpTransport
from mcp_workbench.transports.listeners import BACKLOG, host_port
from mcp_workbench.transports.streamable_http import McpRequest
from mcp_workbench.transports.tls import server_tls

__all__ = ["HttpServer", "run_http_server", "start_http_server"]

log = logging.getLogger("mcp_workbench.http")

_STATUS = {s.value: b"HTTP/1.1 %d %s\r\n" % (s.value, s.phrase.encode()) for s in HTTPStatus}
_REASONS = {s.value: s.phrase.encode() for s in HTTPStatus}
_LINES: dict[tuple[str, str], bytes] = {}
_KEYS: dict[str, bytes] = {}
_INLINE_BODY = 65536  # bodies up to this size go out in one write with their head


class _Date:
    """The ``Date`` header line, formatted at most once a second."""

    second = -1
    line = b""

    @classmethod
    def now(cls) -> bytes:
        second = int(time.time())
        if second != cls.second:
            cls.second = second
            cls.line = b"Date: " + formatdate(second, usegmt=True).encode() + b"\r\n"
        return cls.line


def _key(name: str) -> bytes:
    """The stored (lowercase, bytes) form of a header name."""
    key = _KEYS.get(name)
    if key is None:
        key = name.lower().encode("latin-1")
        if len(_KEYS) < 256:  # the few names the endpoint asks for
            _KEYS[name] = key
    return key


def _line(item: tuple[str, str]) -> bytes:
    line = _LINES.get(item)
    if line is None:
        line = f"{item[0]}: {item[1]}\r\n".encode("latin-1")
        if len(_LINES) < 256:  # the same few headers, answer after answer
            _LINES[item] = line
    return line


class _Exchange:
    """One request on a connection (filled in by the parser) and :class:`HttpIO` for it."""

    __slots__ = (
        "_body",
        "_conn",
        "_gone",
        "_more",
        "_streaming",
        "done",
        "headers",
        "hung_up",
        "keep_alive",
        "method",
        "size",
        "url",
    )

    def __init__(self, conn: _Connection) -> None:
        self._conn = conn
        self.method = ""
        self.url = b""
        self.headers: dict[bytes, bytes] = {}
        """Raw values by lowercase name; a repeated header's values joined with ", "."""
        self._body = b""
        self._more: list[bytes] | None = None
        self.size = 0
        self.keep_alive = True
        self._streaming = False
        self.done = False
        self.hung_up = False
        self._gone: asyncio.Event | None = None

    def add_body(self, chunk: bytes) -> None:
        if not self.size:
            self._body = chunk
        elif self._more is None:
            self._more = [self._body, chunk]
        else:
            self._more.append(chunk)
        self.size += len(chunk)

    @property
    def gone(self) -> asyncio.Event:
        # Made on demand: only streams wait for it; plain answers never look.
        if self._gone is None:
            self._gone = asyncio.Event()
            if self.hung_up:
                self._gone.set()
        return self._gone

    def hang_up(self) -> None:
        """The client closed the connection."""
        self.hung_up = True
        if self._gone is not None:
            self._gone.set()

    @property
    def body(self) -> bytes:
        if self._more is not None:
            self._body = b"".join(self._more)
            self._more = None
        return self._body

    def header(self, name: str) -> str | None:
        value = self.headers.get(_KEYS.get(name) or _key(name))
        return None if value is None else value.strip().decode("latin-1")

    def _head(self, status: int, headers: dict[str, str], last: bytes) -> list[bytes]:
        parts = [_STATUS.get(status) or b"HTTP/1.1 %d Unknown\r\n" % status, _Date.now()]
        parts.append(b"Server: mcp-workbench\r\n")
        parts += map(_line, headers.items())
        if not self.keep_alive:
            parts.append(b"Connection: close\r\n")
        parts.append(last)
        return parts

    def respond(self, status: int, headers: dict[str, str], body: bytes) -> None:
        if self.done or self._streaming:
            return
        self.done = True
        parts = self._head(status, headers, b"Content-Length: %d\r\n\r\n" % len(body))
        if len(body) <= _INLINE_BODY:
            parts.append(body)
            self._conn.send(b"".join(parts))
        else:
            self._conn.send(b"".join(parts), body)
        self._conn.finished(self.keep_alive)

    def start_stream(self, headers: dict[str, str]) -> None:
        if self.done or self._streaming:
            return
        self._streaming = True
        self._conn.send(b"".join(self._head(200, headers, b"Transfer-Encoding: chunked\r\n\r\n")))

    async def write(self, chunk: bytes) -> None:
        if self.hung_up or self.done:
            raise ConnectionError("the client has gone")
        if chunk:
            self._conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await self._conn.drained()

    def end(self) -> None:
        if self.done:
            return
        self.done = True
        if self._streaming:
            self._conn.send(b"0\r\n\r\n")
        self._conn.finished(self.keep_alive)


class _Connection(asyncio.Protocol):
    """One client connection: parse requests, serve them one after another."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()  # made by the loop, for a connection it accepted
        self.pending: deque[_Exchange] = deque()
        self.current: tuple[_Exchange, McpRequest | None] | None = None
        self.worker: asyncio.Task[None] | None = None
        self._req = _Exchange(self)
        self._writable = asyncio.Event()
        self._writable.set()
        self._closing = False

    # -- asyncio.Protocol ----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(400, b"Upgrade not supported")
        except httptools.HttpParserError:
            self._fail(400, b"Malformed HTTP request")

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self.server.connections.discard(self)
        self._writable.set()
        if self.current is not None:
            exchange, request = self.current
            exchange.hang_up()
            if request is not None:
                request.connection_closed()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # -- httptools callbacks ---------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._req = _Exchange(self)

    def on_url(self, url: bytes) -> None:
        self._req.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.lower()
        headers = self._req.headers
        if key in headers:
            headers[key] += b", " + value
        else:
            headers[key] = value

    def on_body(self, body: bytes) -> None:
        self._req.add_body(body)
        if self._req.size > self.server.max_body:
            self._fail(413, b"Request body too large")

    def on_message_complete(self) -> None:
        req = self._req
        req.method = self.parser.get_method().decode("latin-1")
        req.keep_alive = self.parser.should_keep_alive()
        self.pending.append(req)
        if self.worker is None or self.worker.done():
            self.worker = self.loop.create_task(self._work())

    # -- serving ---------------------------------------------------------------------------
    async def _work(self) -> None:
        while self.pending and not self._closing:
            exchange = self.pending.popleft()
            try:
                await self.server.serve(self, exchange)
            except Exception:
                log.exception("error serving %s %r", exchange.method, exchange.url)
                exchange.respond(500, {"Content-Type": "text/plain"}, b"Internal Server Error")
            finally:
                self.current = None
            if not exchange.done:
                exchange.end()

    def send(self, data: bytes, more: bytes = b"") -> None:
        if self.transport is not None and not self._closing:
            self.transport.write(data)
            if more:
                self.transport.write(more)

    async def drained(self) -> None:
        if not self._writable.is_set():
            await self._writable.wait()

    def finished(self, keep_alive: bool) -> None:
        if not keep_alive and self.transport is not None:
            self._closing = True
            self.transport.close()

    def _fail(self, status: int, text: bytes) -> None:
        if self.transport is None or self._closing:
            return
        reason = _REASONS.get(status, b"Error")
        self.transport.write(
            b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (status, reason, len(text), text)
        )
        self._closing = True
        self.transport.close()


class HttpServer:
    """Routes requests: the MCP endpoint, ``/metrics``, ``/healthz``."""

    def __init__(self, engine: Engine, transport: HttpTransport) -> None:
        self.engine = engine
        self.transport = transport
        self.mcp_path = engine.settings.mcp_path
        self.max_body = engine.settings.max_message_bytes * 2
        self.connections: set[_Connection] = set()
        self._servers: list[asyncio.Server] = []

    async def serve(self, conn: _Connection, exchange: _Exchange) -> None:
        method = exchange.method
        path = exchange.url.partition(b"?")[0].decode("latin-1")
        if path == self.mcp_path:
            request = McpRequest(self.transport, exchange)
            conn.current = (exchange, request)
            await request.dispatch(method)
        elif path == "/metrics" and method == "GET":
            conn.current = (exchange, None)
            body = self.engine.metrics.render()
            exchange.respond(
                200, {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}, body
            )
        elif path.startswith(METADATA_PATH) and method == "GET":
            host = exchange.header("Host") or ""
            body = orjson.dumps(self.transport.resource_metadata(host))
            exchange.respond(200, {"Content-Type": "application/json"}, body)
        elif path == "/healthz" and method == "GET":
            exchange.respond(
                200, {"Content-Type": "application/json"}, orjson.dumps({"status": "ok"})
            )
        else:
            exchange.respond(404, {"Content-Type": "text/plain"}, b"Not Found")

    async def listen(self, host: str, port: int) -> int:
        """Start listening; returns the bound port."""
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _Connection(self),
            host,
            port,
            backlog=BACKLOG,
            reuse_address=True,
            ssl=server_tls(self.engine.settings),
        )
        self._servers.append(server)
        sockets: Any = server.sockets
        return int(sockets[0].getsockname()[1])

    def stop_accepting(self) -> None:
        """Close the listening sockets; open connections go on (to drain)."""
        for server in self._servers:
            server.close()

    def stop(self) -> None:
        """Stop accepting connections and close the open ones."""
        self.stop_accepting()
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.close()


async def start_http_server(
    engine: Engine, host: str | None = None, port: int | None = None
) -> tuple[HttpServer, HttpTransport, int]:
    """Start serving; returns the server, its transport and the bound port."""
    host = host or engine.settings.host
    port = engine.settings.port if port is None else port
    transport = HttpTransport(engine, bind_host=host)
    server = HttpServer(engine, transport)
    bound = await server.listen(host, port)
    return server, transport, bound


async def run_http_server(engine: Engine) -> None:
    """Serve until SIGINT/SIGTERM, then drain and stop."""
    server, transport, port = await start_http_server(engine)
    host = engine.settings.host
    print(
        "MCP Workbench serving Streamable HTTP at "
        f"http://{host_port(host, port)}{engine.settings.mcp_path}",
        file=sys.stderr,
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop_accepting()
    await engine.drain(engine.settings.drain_timeout)
    await transport.close()
    await engine.shutdown()
    server.stop()
