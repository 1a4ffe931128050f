"""Streamable HTTP transport (tornado): one MCP endpoint for every revision.

* Modern clients (2026-07-28) POST self-describing requests: no session, headers mirrored
  from the body (``MCP-Protocol-Version``, ``Mcp-Method``, ``Mcp-Name``) and checked; each
  request answers with JSON, or with an SSE stream when it has notifications to send
  first; closing that stream cancels the request.
* Legacy clients (2025-03-26 .. 2025-11-25) ``initialize`` and get an ``Mcp-Session-Id``;
  GET opens the session's stream for server-initiated messages, DELETE ends the session,
  and SSE events carry ids so a client can resume with ``Last-Event-ID``.

Origin and Host are checked on every request against DNS rebinding.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web
from tornado.iostream import StreamClosedError

from mcp_workbench.engine import Engine, Session
from mcp_workbench.errors import (
    HeaderMismatch,
    InvalidParams,
    InvalidRequest,
    ParseError,
    ProtocolError,
    UnsupportedProtocolVersion,
    http_status,
    jsonrpc_error,
)
from mcp_workbench.jsonrpc import (
    Notification,
    Request,
    Response,
    decode,
    encode,
    error_response,
    parse_message,
    rejection,
)
from mcp_workbench.protocol.meta import PROTOCOL_VERSION
from mcp_workbench.protocol.param_headers import (
    check_param_headers,
    decode_header_value,
    param_header_paths,
)
from mcp_workbench.protocol.versions import HTTP_DEFAULT, REVISIONS, Revision
from mcp_workbench.transports.sse import SseStream

__all__ = ["HttpTransport", "McpHandler", "run_http_server", "start_http_server"]

log = logging.getLogger("mcp_workbench.http")

SESSION_HEADER = "Mcp-Session-Id"
VERSION_HEADER = "MCP-Protocol-Version"
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
_NAMED = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    "tasks/get": "taskId",
    "tasks/update": "taskId",
    "tasks/cancel": "taskId",
}
# Codes that, answered as plain JSON, say "your request was wrong" rather than "it failed".
_HTTP_ERROR_CODES = {-32700, -32600, -32601, -32602, -32020, -32021, -32022}


class HttpTransport:
    """Session table and policy shared by every HTTP request to one engine."""

    def __init__(self, engine: Engine, *, bind_host: str | None = None) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.sessions: dict[str, Session] = {}
        self.streams: dict[str, tuple[Session, SseStream]] = {}
        self._check_host = bool(self.settings.allowed_hosts) or (
            bind_host is None or bind_host in _LOOPBACK
        )
        self._sweeper: asyncio.Task[None] | None = None

    # -- DNS rebinding guard -----------------------------------------------------------------
    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        """No Origin (non-browser client), a loopback origin, same host, or an allowed one."""
        if origin is None:
            return True
        allowed = self.settings.allowed_origins
        if "*" in allowed or origin in allowed:
            return True
        parts = urlsplit(origin)
        hostname = parts.hostname or ""
        if hostname in _LOOPBACK:
            return True
        return host is not None and parts.netloc == host and not self._check_host

    def host_allowed(self, host: str | None) -> bool:
        """Host header is a loopback name or listed (when bound to loopback or configured)."""
        if not self._check_host or host is None:
            return True
        if host in self.settings.allowed_hosts:
            return True
        name = urlsplit(f"//{host}").hostname or ""
        return name in _LOOPBACK or name in self.settings.allowed_hosts

    # -- legacy sessions ---------------------------------------------------------------------
    def new_session(self, principal: str | None) -> Session:
        """A legacy session; its unsolicited messages wait for a GET stream."""
        session = self.engine.open_session(None, "http", principal=principal)
        self.sessions[session.id] = session
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep())
        return session

    def end_session(self, session: Session) -> None:
        """Terminate a session and its streams."""
        self.sessions.pop(session.id, None)
        for sid, (owner, stream) in list(self.streams.items()):
            if owner is session:
                stream.finish()
                self.streams.pop(sid, None)
        self.engine.close_session(session)

    def new_stream(self, session: Session, *, resumable: bool) -> SseStream:
        """A stream of ``session``, findable by its id for resumption.

        Sessions on a revision with SSE polling get a priming event with a retry delay.
        """
        polling = session.revision is not None and session.revision.sse_polling
        retry = self.settings.sse_retry_ms if resumable and polling else None
        stream = SseStream(self.settings.sse_history, resumable=resumable, retry_ms=retry)
        if resumable:
            self.streams[stream.id] = (session, stream)
        return stream

    async def _sweep(self) -> None:
        timeout = self.settings.session_idle_timeout
        while True:
            await asyncio.sleep(min(timeout / 4, 60.0))
            now = asyncio.get_running_loop().time()
            for session in list(self.sessions.values()):
                busy = session.inflight or (
                    session.channel is not None and not session.channel.closed
                )
                if not busy and now - session.last_seen > timeout:
                    log.info("session %s expired after %.0f s idle", session.id[:8], timeout)
                    self.end_session(session)

    async def close(self) -> None:
        """End every session (used on shutdown)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        for session in list(self.sessions.values()):
            self.end_session(session)


class McpHandler(tornado.web.RequestHandler):
    """The MCP endpoint: POST messages, GET the session stream, DELETE the session."""

    transport: HttpTransport

    def initialize(self, transport: HttpTransport) -> None:
        self.transport = transport
        self._task: asyncio.Task[Any] | None = None
        self._stream: SseStream | None = None
        self._cancel_on_close = False
        self._released = False
        self._gone = asyncio.Event()

    # -- tornado hooks -----------------------------------------------------------------------
    def check_xsrf_cookie(self) -> None:
        """MCP clients are not browsers with cookies; Origin is checked instead."""

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def on_connection_close(self) -> None:
        self._gone.set()
        if self._stream is not None:
            self._stream.detach(self._write_sse)
        if self._cancel_on_close and self._task is not None and not self._task.done():
            self._task.cancel()  # modern: closing the response stream cancels the request

    def principal(self) -> str | None:
        """Who is calling; None until authentication is configured."""
        return None

    # -- helpers -------------------------------------------------------------------------------
    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            self.set_header(key, value)
        self.finish(encode(body))

    def _error(self, status: int, exc: ProtocolError, rid: Any = None) -> None:
        self._json(status, error_response(rid, jsonrpc_error(exc)))

    def _guard(self) -> bool:
        """DNS-rebinding checks; False when a response has been sent."""
        host = self.request.headers.get("Host")
        if not self.transport.host_allowed(host):
            self._error(421, InvalidRequest(f"Host not allowed: {host}"))
            return False
        if not self.transport.origin_allowed(self.request.headers.get("Origin"), host):
            self._error(403, InvalidRequest("Origin not allowed"))
            return False
        return True

    def _session_from_header(self, rid: Any = None) -> Session | None:
        """The legacy session named by the request, or None after answering 400/404."""
        sid = self.request.headers.get(SESSION_HEADER)
        if not sid:
            # Neither a legacy session nor modern per-request metadata: the request lacks
            # required parameters either way.
            message = (
                f"Missing _meta[{PROTOCOL_VERSION!r}] (stateless request) or "
                f"{SESSION_HEADER} header (send initialize first)"
            )
            self._error(400, InvalidParams(message), rid)
            return None
        session = self.transport.sessions.get(sid)
        if session is None:
            self._error(404, InvalidRequest("Session not found (it may have expired)"), rid)
            return None
        return session

    async def _write_sse(self, chunk: bytes) -> None:
        if self._gone.is_set():
            raise StreamClosedError()
        self.write(chunk)
        await self.flush()

    def _prefers_sse(self) -> bool:
        """The client lists ``text/event-stream`` first in Accept: answer with a stream."""
        first = self.request.headers.get("Accept", "").split(",")[0]
        return first.split(";")[0].strip().lower() == "text/event-stream"

    def _start_sse(self) -> None:
        self.set_status(200)
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache, no-transform")
        self.set_header("X-Accel-Buffering", "no")

    async def _keepalive(self, stream: SseStream) -> None:
        interval = self.transport.settings.sse_keepalive
        while not stream.finished and not self._gone.is_set():
            try:
                await asyncio.wait_for(self._gone.wait(), interval)
            except TimeoutError:
                await stream.comment()

    # -- POST --------------------------------------------------------------------------------
    async def post(self) -> None:
        if not self._guard():
            return
        ctype = self.request.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            self._error(415, InvalidRequest("Unsupported Media Type: use application/json"))
            return
        accept = self.request.headers.get("Accept", "")
        if not ("application/json" in accept or "*/*" in accept) or not (
            "text/event-stream" in accept or "*/*" in accept
        ):
            self._error(
                406,
                InvalidRequest(
                    "Not Acceptable: Accept must list application/json and text/event-stream"
                ),
            )
            return
        body = self.request.body
        limit = self.transport.settings.max_message_bytes
        if len(body) > limit:
            self._error(
                413, InvalidRequest(f"Message of {len(body)} bytes exceeds the limit of {limit}")
            )
            return
        try:
            payload = decode(body)
        except ParseError as exc:
            self._error(400, exc)
            return
        if isinstance(payload, list):
            await self._post_batch(payload)
            return
        params = payload.get("params") if isinstance(payload, dict) else None
        meta = params.get("_meta") if isinstance(params, dict) else None
        if isinstance(meta, dict) and PROTOCOL_VERSION in meta:
            await self._post_modern(payload, meta)
        else:
            await self._post_legacy(payload)

    async def _post_modern(self, payload: Any, meta: dict[str, Any]) -> None:
        try:
            message = parse_message(payload)
        except ProtocolError as exc:
            self._json(400, rejection(exc))
            return
        try:
            self._check_modern_headers(message, meta)
        except ProtocolError as exc:
            self._error(http_status(exc.code), exc, getattr(message, "id", None))
            return
        engine = self.transport.engine
        if not isinstance(message, Request):
            self.set_status(202)  # the core defines no client notifications over HTTP
            self.finish()
            return
        session = engine.transient_session(None, "http", self.principal())
        self._cancel_on_close = True
        await self._run(session, message, legacy=False)

    def _check_modern_headers(self, message: Any, meta: dict[str, Any]) -> None:
        headers = self.request.headers
        version = headers.get(VERSION_HEADER)
        body_version = meta.get(PROTOCOL_VERSION)
        if version is None:
            raise HeaderMismatch(f"Missing required {VERSION_HEADER} header")
        if version != body_version:
            raise HeaderMismatch(
                f"Header mismatch: {VERSION_HEADER} header value {version!r} does not match "
                f"body value {body_version!r}"
            )
        rev = REVISIONS.get(version)
        if rev is None or not rev.modern:
            raise UnsupportedProtocolVersion(version, self.transport.engine.modern_versions())
        if not isinstance(message, Request):
            return
        method = headers.get("Mcp-Method")
        if method is None:
            raise HeaderMismatch("Missing required Mcp-Method header")
        if method != message.method:
            raise HeaderMismatch(
                f"Header mismatch: Mcp-Method header value {method!r} does not match body "
                f"value {message.method!r}"
            )
        field = _NAMED.get(message.method)
        if field is not None:
            raw = headers.get("Mcp-Name")
            if raw is None:
                raise HeaderMismatch("Missing required Mcp-Name header")
            name = decode_header_value(raw)
            if name != message.params.get(field):
                raise HeaderMismatch(
                    f"Header mismatch: Mcp-Name header value {name!r} does not match body "
                    f"value {message.params.get(field)!r}"
                )
        if message.method == "tools/call":
            tool = self.transport.engine.registry.get_tool(str(message.params.get("name")))
            arguments = message.params.get("arguments")
            if tool is not None and isinstance(arguments, dict):
                paths = param_header_paths(tool.input_schema)
                if paths:
                    check_param_headers(paths, arguments, headers.get)

    async def _post_legacy(self, payload: Any) -> None:
        transport = self.transport
        try:
            message = parse_message(payload)
        except ProtocolError as exc:
            self._json(400, rejection(exc))
            return
        if isinstance(message, Request) and message.method == "initialize":
            if self.request.headers.get(SESSION_HEADER):
                # A client re-initialising on a live session: give it a fresh one.
                old = transport.sessions.get(self.request.headers[SESSION_HEADER])
                if old is not None:
                    transport.end_session(old)
            fresh = transport.new_session(self.principal())
            response = await transport.engine.serve(fresh, message, None)
            if response is None or "error" in response:
                transport.end_session(fresh)
                self._json(400 if response else 500, response or {})
                return
            self._json(200, response, {SESSION_HEADER: fresh.id})
            return
        if (
            not self.request.headers.get(SESSION_HEADER)
            and isinstance(message, Request)
            and message.method == "ping"
        ):
            response = await transport.engine.serve(
                transport.engine.transient_session(None, "http"), message, None
            )
            self._json(200, response)
            return
        session = self._session_from_header(getattr(message, "id", None))
        if session is None:
            return
        if not self._version_ok(session):
            return
        if isinstance(message, Notification):
            transport.engine.handle_notification(session, message)
        elif isinstance(message, Response):
            transport.engine.handle_response(session, message)
        if not isinstance(message, Request):
            self.set_status(202)
            self.finish()
            return
        await self._run(session, message, legacy=True)

    def _version_ok(self, session: Session) -> bool:
        version = self.request.headers.get(VERSION_HEADER)
        if version is None:
            return True  # 2025-03-26 clients do not send it
        rev = REVISIONS.get(version)
        if rev is None or rev.modern:
            self._error(
                400,
                UnsupportedProtocolVersion(
                    version, [r for r in REVISIONS if not REVISIONS[r].modern]
                ),
            )
            return False
        return True

    async def _post_batch(self, batch: list[Any]) -> None:
        transport = self.transport
        sid = self.request.headers.get(SESSION_HEADER)
        session = transport.sessions.get(sid) if sid else None
        version = self.request.headers.get(VERSION_HEADER)
        rev: Revision | None = (
            session.revision
            if session is not None
            else REVISIONS.get(version)
            if version
            else HTTP_DEFAULT
        )
        if session is None:
            if (
                rev is not None
                and rev.batches
                and any(isinstance(m, dict) and m.get("method") == "initialize" for m in batch)
            ):
                self._error(400, InvalidRequest("initialize must not be part of a batch"))
                return
            if rev is None or not rev.batches:
                self._error(
                    400,
                    InvalidRequest("Invalid Request: batches are not supported by this revision"),
                )
                return
            session = self._session_from_header()
            if session is None:
                return
        reply = await transport.engine.handle_batch(session, batch, None, rev)
        if reply is None:
            self.set_status(202)
            self.finish()
        else:
            status = 400 if isinstance(reply, dict) else 200
            self._json(status, reply)

    async def _run(self, session: Session, req: Request, *, legacy: bool) -> None:
        """Serve one request, answering JSON unless it streams notifications first."""
        transport = self.transport
        stream = transport.new_stream(session, resumable=legacy)
        self._stream = stream
        started = asyncio.Event()

        async def begin_sse(chunk: bytes) -> None:
            if not started.is_set():
                started.set()
                self._start_sse()
            await self._write_sse(chunk)

        def release() -> None:
            # The tool lets go of the connection: end this response; the client resumes.
            if self._released or self._gone.is_set():
                return
            self._released = True
            stream.detach(begin_sse)
            if not started.is_set():
                started.set()
                self._start_sse()
            self.finish()

        stream.on_release = release
        await stream.attach(begin_sse)
        if self._prefers_sse():
            if stream.retry_ms is not None:
                await stream.prime()  # opens the SSE response with the priming event
            else:
                await begin_sse(b"")
        engine = transport.engine
        session.inflight[req.id] = self._task = asyncio.current_task()  # type: ignore[assignment]
        keepalive: asyncio.Task[None] | None = None
        if req.method == "subscriptions/listen":
            keepalive = asyncio.create_task(self._keepalive(stream))
        try:
            response = await engine.serve(session, req, stream)
        except asyncio.CancelledError:
            log.debug("request %r cancelled by client disconnect", req.id)
            return
        finally:
            session.inflight.pop(req.id, None)
            if keepalive is not None:
                keepalive.cancel()
        answered = self._released or self._gone.is_set()
        if response is None:
            stream.finish()
            if not answered:
                if not started.is_set():
                    self.set_status(202)
                self.finish()
            return
        if started.is_set():
            await stream.send(response)
            stream.finish()
            if not answered:
                self.finish()
                transport.streams.pop(stream.id, None)  # delivered whole: nothing to resume
            return
        stream.finish()
        transport.streams.pop(stream.id, None)
        status = 200
        if "error" in response and not legacy:
            # Modern revisions say what was wrong with the request in the status too.
            code = response["error"].get("code")
            if code in _HTTP_ERROR_CODES:
                status = http_status(code)
        self._json(status, response)

    # -- GET: the session's stream (legacy) -----------------------------------------------------
    async def get(self) -> None:
        if not self._guard():
            return
        if "text/event-stream" not in self.request.headers.get("Accept", ""):
            self._error(
                406, InvalidRequest("Not Acceptable: Accept must include text/event-stream")
            )
            return
        if not self.request.headers.get(SESSION_HEADER):
            self.set_header("Allow", "POST")
            self._error(405, InvalidRequest("Method Not Allowed: GET needs a legacy session"))
            return
        session = self._session_from_header()
        if session is None:
            return
        last = self.request.headers.get("Last-Event-ID")
        if last:
            await self._resume(session, last)
            return
        if (
            session.channel is not None
            and not session.channel.closed
            and isinstance(session.channel, SseStream)
            and session.channel.attached
        ):
            self._error(409, InvalidRequest("Conflict: this session already has a GET stream"))
            return
        stream = self.transport.new_stream(session, resumable=True)
        session.channel = stream
        self._stream = stream
        self._start_sse()
        self.flush()
        await stream.attach(self._write_sse)
        await stream.prime()
        await self._hold(stream, session)

    async def _resume(self, session: Session, last_event_id: str) -> None:
        stream_id, _, seq = last_event_id.rpartition("-")
        found = self.transport.streams.get(stream_id)
        if found is None or found[0] is not session or not seq.isdigit():
            self._error(404, InvalidRequest(f"Unknown Last-Event-ID {last_event_id!r}"))
            return
        _, stream = found
        self._stream = stream
        self._start_sse()
        self.flush()
        await stream.attach(self._write_sse, after=int(seq))
        if stream.finished:
            self.transport.streams.pop(stream.id, None)
            self.finish()
            return
        await self._hold(stream, session)

    async def _hold(self, stream: SseStream, session: Session) -> None:
        keepalive = asyncio.create_task(self._keepalive(stream))
        closed = asyncio.create_task(stream.closed_by_server.wait())
        gone = asyncio.create_task(self._gone.wait())
        try:
            await asyncio.wait({closed, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (keepalive, closed, gone):
                task.cancel()
            stream.detach(self._write_sse)
        if stream.finished:
            self.transport.streams.pop(stream.id, None)
        if not self._gone.is_set():
            self.finish()

    # -- DELETE: end the session (legacy) -------------------------------------------------------
    async def delete(self) -> None:
        if not self._guard():
            return
        if not self.request.headers.get(SESSION_HEADER):
            self.set_header("Allow", "POST")
            self._error(405, InvalidRequest("Method Not Allowed: DELETE needs a legacy session"))
            return
        session = self._session_from_header()
        if session is None:
            return
        self.transport.end_session(session)
        self.set_status(200)
        self.finish()


class MetricsHandler(tornado.web.RequestHandler):
    """Prometheus metrics of the engine."""

    def initialize(self, engine: Engine) -> None:
        self.engine = engine

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self.engine.metrics.render())


class HealthHandler(tornado.web.RequestHandler):
    """Liveness: answers while the server runs."""

    def get(self) -> None:
        self.finish({"status": "ok"})


def make_app(engine: Engine, transport: HttpTransport) -> tornado.web.Application:
    """The tornado application: MCP endpoint, ``/metrics``, ``/healthz``."""
    path = engine.settings.mcp_path
    return tornado.web.Application(
        [
            (path, McpHandler, {"transport": transport}),
            ("/metrics", MetricsHandler, {"engine": engine}),
            ("/healthz", HealthHandler),
        ],
        log_function=lambda handler: None,
    )


async def start_http_server(
    engine: Engine, host: str | None = None, port: int | None = None
) -> tuple[tornado.httpserver.HTTPServer, HttpTransport, int]:
    """Start serving; returns the server, its transport and the bound port."""
    host = host or engine.settings.host
    port = engine.settings.port if port is None else port
    transport = HttpTransport(engine, bind_host=host)
    app = make_app(engine, transport)
    server = tornado.httpserver.HTTPServer(
        app, max_body_size=engine.settings.max_message_bytes * 2, idle_connection_timeout=3600
    )
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    return server, transport, bound


async def run_http_server(engine: Engine) -> None:
    """Serve until SIGINT/SIGTERM, then drain and stop."""
    server, transport, port = await start_http_server(engine)
    host = engine.settings.host
    shown = f"[{host}]" if ":" in host else host
    print(
        f"MCP Workbench serving Streamable HTTP at http://{shown}:{port}{engine.settings.mcp_path}",
        file=sys.stderr,
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
    await transport.close()
    await engine.shutdown()
    await server.close_all_connections()
