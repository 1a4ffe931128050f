"""Streamable HTTP: one MCP endpoint for every revision, whatever HTTP server carries it.

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
import functools
import logging
import math
from typing import Any, Protocol

from mcp_workbench.engine import Identity, Session
from mcp_workbench.errors import (
    RATE_LIMITED,
    AuthError,
    InvalidParams,
    InvalidRequest,
    ParseError,
    ProtocolError,
    RateLimited,
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
from mcp_workbench.protocol.http_headers import (
    SESSION_HEADER,
    VERSION_HEADER,
    check_request_headers,
)
from mcp_workbench.protocol.meta import PROTOCOL_VERSION
from mcp_workbench.protocol.versions import HTTP_DEFAULT, LEGACY_VERSIONS, REVISIONS, Revision
from mcp_workbench.transports.http_transport import HttpTransport
from mcp_workbench.transports.sse import SseStream, format_event

__all__ = ["HttpIO", "McpRequest"]

log = logging.getLogger("mcp_workbench.http")

_SSE_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}
_JSON_HEADERS = {"Content-Type": "application/json"}
# Codes that, answered as plain JSON, say "your request was wrong" rather than "it failed".
_HTTP_ERROR_CODES = {-32700, -32600, -32601, -32602, -32020, -32021, -32022}


def _retry_after(seconds: float) -> dict[str, str]:
    """The ``Retry-After`` header (whole seconds, at least 1) of a 429 answer."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def _retry_after_of(response: dict[str, Any]) -> dict[str, str] | None:
    """``Retry-After`` for a rate-limited response (any era: it lets HTTP clients and
    proxies back off), else None."""
    error = response.get("error")
    if error is None or error.get("code") != RATE_LIMITED:
        return None
    return _retry_after((error.get("data") or {}).get("retryAfter", 1))


@functools.lru_cache(maxsize=64)
def _is_json(content_type: str) -> bool:
    return content_type.split(";", maxsplit=1)[0].strip().lower() == "application/json"


@functools.lru_cache(maxsize=64)
def _accept(accept: str) -> tuple[bool, bool]:
    """(lists both JSON and SSE, lists SSE first) for an ``Accept`` header."""
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    anything = "*/*" in types
    both = ("application/json" in types or anything) and ("text/event-stream" in types or anything)
    return both, bool(types) and types[0] == "text/event-stream"


class HttpIO(Protocol):
    """One HTTP request and its response, as the server carrying it offers them."""

    @property
    def body(self) -> bytes: ...

    @property
    def gone(self) -> asyncio.Event:
        """Set when the client has closed the connection."""

    def header(self, name: str) -> str | None:
        """A request header, by case-insensitive name."""

    def respond(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Send a complete response."""

    def start_stream(self, headers: dict[str, str]) -> None:
        """Begin a 200 response whose body follows in chunks."""

    async def write(self, chunk: bytes) -> None:
        """Send a chunk of a streamed response now.

        Raises:
            ConnectionError: the client has gone.
        """

    def end(self) -> None:
        """Finish a streamed response."""


class _Reply:
    """The channel of one modern request: the messages it sends before its response (progress,
    logs, listen notifications) turn the HTTP response into an SSE stream on the first one.

    Lighter than an :class:`SseStream`: a modern request's stream is not resumable, so it
    keeps no history, no id and no lock (each event is written whole before any wait).
    """

    __slots__ = ("finished", "gone", "io", "streaming")

    def __init__(self, io: HttpIO) -> None:
        self.io = io
        self.streaming = False
        self.finished = False
        self.gone = False

    @property
    def closed(self) -> bool:
        return self.finished or self.gone

    def start(self) -> None:
        """Answer with an SSE stream (if not already)."""
        if not self.streaming:
            self.streaming = True
            self.io.start_stream(_SSE_HEADERS)

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        if not self.closed:
            await self._write(format_event(encode(message)))

    async def comment(self, text: str = "") -> None:
        """A keep-alive comment line (ignored by clients)."""
        if not self.closed:
            await self._write(b": " + text.encode() + b"\n\n")

    async def _write(self, chunk: bytes) -> None:
        self.start()
        try:
            await self.io.write(chunk)
        except ConnectionError:
            self.gone = True


class McpRequest:
    """One HTTP request to the MCP endpoint: POST messages, GET the session stream, DELETE
    the session. Knows nothing of the HTTP server that carries it (see :class:`HttpIO`)."""

    def __init__(
        self,
        transport: HttpTransport,
        io: HttpIO,
        principal: str | None = None,
        identity: Identity | None = None,
    ) -> None:
        self.transport = transport
        self.io = io
        self._identity: Identity | None = identity
        """Who the carrying server already established the caller to be (then no bearer
        token is needed), or who the bearer token proved."""
        self._principal = identity.id if identity is not None else principal
        self._task: asyncio.Task[Any] | None = None
        self._stream: SseStream | None = None
        self._reply: _Reply | None = None
        self._sse_first = False
        self._cancel_on_close = False
        self._released = False
        self._streaming = False

    def connection_closed(self) -> None:
        """The client hung up: detach its stream; a modern request is cancelled."""
        if self._stream is not None:
            self._stream.detach(self._write_sse)
        if self._reply is not None:
            self._reply.gone = True
        if self._cancel_on_close and self._task is not None and not self._task.done():
            self._task.cancel()  # modern: closing the response stream cancels the request

    async def dispatch(self, method: str) -> None:
        """Serve the request (``POST``, ``GET`` or ``DELETE``)."""
        authenticator = self.transport.engine.authenticator
        if authenticator is not None and self._identity is None and not await self._authenticate():
            return
        if method == "POST":
            await self.post()
        elif method == "GET":
            await self.get()
        elif method == "DELETE":
            await self.delete()
        else:
            self._error(
                405,
                InvalidRequest(f"Method Not Allowed: {method}"),
                headers={"Allow": "POST, GET, DELETE"},
            )

    def _header(self, name: str) -> str:
        return self.io.header(name) or ""

    async def _authenticate(self) -> bool:
        """Check the bearer token; False after answering 401 (RFC 6750, RFC 9728)."""
        header = self._header("Authorization")
        try:
            identity = await self.transport.engine.authenticate_bearer(header, "http")
        except AuthError as exc:
            challenge = (
                f'Bearer resource_metadata="{self.transport.metadata_url(self._header("Host"))}"'
            )
            if header:
                challenge += ', error="invalid_token"'
            self._json(
                401, error_response(None, jsonrpc_error(exc)), {"WWW-Authenticate": challenge}
            )
            return False
        self._identity = identity
        self._principal = identity.id
        return True

    def _with_identity(self, session: Session) -> Session:
        if self._identity is not None:
            self.transport.engine.adopt(session, self._identity)
        return session

    def principal(self) -> str | None:
        """Who is calling, as the server carrying the request established it."""
        return self._principal

    # -- helpers -------------------------------------------------------------------------------
    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.io.respond(
            status, {**_JSON_HEADERS, **headers} if headers else _JSON_HEADERS, encode(body)
        )

    def _error(
        self,
        status: int,
        exc: ProtocolError,
        rid: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._json(status, error_response(rid, jsonrpc_error(exc)), headers)

    def _empty(self, status: int) -> None:
        self.io.respond(status, {}, b"")

    def _end_unanswered(self, streaming: bool) -> None:
        """End the response of a request that has nothing to answer (it was cancelled)."""
        if streaming:
            self.io.end()
        else:
            self._empty(202)

    def _guard(self) -> bool:
        """DNS-rebinding checks; False when a response has been sent."""
        host = self.io.header("Host")
        if not self.transport.host_allowed(host):
            self._error(421, InvalidRequest(f"Host not allowed: {host}"))
            return False
        if not self.transport.origin_allowed(self.io.header("Origin"), host):
            self._error(403, InvalidRequest("Origin not allowed"))
            return False
        return True

    def _session_from_header(self, rid: Any = None) -> Session | None:
        """The legacy session named by the request, or None after answering 400/404."""
        sid = self.io.header(SESSION_HEADER)
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
        if session is None or (
            self._identity is not None and session.principal != self._identity.id
        ):
            # Another principal's session is as good as unknown: say nothing about it.
            self._error(404, InvalidRequest("Session not found (it may have expired)"), rid)
            return None
        if self._identity is not None:
            self.transport.engine.adopt(session, self._identity)  # a renewed token
        return session

    def _named_session(self, verb: str) -> Session | None:
        """The legacy session a GET or DELETE names, or None after answering 405/400/404."""
        if not self.io.header(SESSION_HEADER):
            self._error(
                405,
                InvalidRequest(f"Method Not Allowed: {verb} needs a legacy session"),
                headers={"Allow": "POST"},
            )
            return None
        return self._session_from_header()

    async def _write_sse(self, chunk: bytes) -> None:
        await self.io.write(chunk)

    def _start_sse(self) -> None:
        self.io.start_stream(_SSE_HEADERS)

    async def _keepalive(self, stream: SseStream | _Reply) -> None:
        """Comment lines every ``sse_keepalive`` seconds while the stream is open."""
        interval = self.transport.settings.sse_keepalive
        while not stream.closed and not self.io.gone.is_set():
            try:
                await asyncio.wait_for(self.io.gone.wait(), interval)
            except TimeoutError:
                await stream.comment()

    # -- POST --------------------------------------------------------------------------------
    async def post(self) -> None:
        if not self._guard():
            return
        io = self.io
        if not _is_json(io.header("Content-Type") or ""):
            self._error(415, InvalidRequest("Unsupported Media Type: use application/json"))
            return
        acceptable, self._sse_first = _accept(io.header("Accept") or "")
        if not acceptable:
            self._error(
                406,
                InvalidRequest(
                    "Not Acceptable: Accept must list application/json and text/event-stream"
                ),
            )
            return
        body = io.body
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
        """Check and serve a modern request, answering JSON unless it streams notifications
        first; closing the response cancels it."""
        try:
            message = parse_message(payload)
        except ProtocolError as exc:
            self._json(400, rejection(exc))
            return
        try:
            check_request_headers(message, meta, self.io.header, self.transport.param_paths)
        except ProtocolError as exc:
            self._error(http_status(exc.code), exc, getattr(message, "id", None))
            return
        engine = self.transport.engine
        if not isinstance(message, Request):
            self._empty(202)  # the core defines no client notifications over HTTP
            return
        session = engine.transient_session(None, "http", self._principal)
        if self._identity is not None:
            engine.adopt(session, self._identity)
        reply = self._reply = _Reply(self.io)
        if self._sse_first:
            reply.start()
        task = self._task = asyncio.current_task()
        assert task is not None
        self._cancel_on_close = True
        session.inflight[message.id] = task
        keepalive: asyncio.Task[None] | None = None
        if message.method == "subscriptions/listen":
            keepalive = asyncio.create_task(self._keepalive(reply))
        try:
            response = await engine.serve(session, message, reply)
        except asyncio.CancelledError:
            log.debug("request %r cancelled by client disconnect", message.id)
            return
        finally:
            session.inflight.pop(message.id, None)
            if keepalive is not None:
                keepalive.cancel()
        if response is None:  # cancelled: nothing to answer
            reply.finished = True
            if not reply.gone:
                self._end_unanswered(reply.streaming)
            return
        if reply.streaming:
            await reply.send(response)
            reply.finished = True
            if not reply.gone:
                self.io.end()
            return
        reply.finished = True
        if "error" in response:
            self._json(self._status(response, legacy=False), response, _retry_after_of(response))
        else:
            self.io.respond(200, _JSON_HEADERS, encode(response))

    async def _post_legacy(self, payload: Any) -> None:
        transport = self.transport
        try:
            message = parse_message(payload)
        except ProtocolError as exc:
            self._json(400, rejection(exc))
            return
        if isinstance(message, Request) and message.method == "initialize":
            if self.io.header(SESSION_HEADER):
                # A client re-initialising on a live session: give it a fresh one.
                old = transport.sessions.get(self._header(SESSION_HEADER))
                if old is not None:
                    transport.end_session(old)
            try:
                fresh = self._with_identity(transport.new_session(self.principal()))
            except RateLimited as exc:
                body = error_response(message.id, jsonrpc_error(exc))
                self._json(429, body, _retry_after(exc.retry_after))
                return
            response = await transport.engine.serve(fresh, message, None)
            if response is None or "error" in response:
                transport.end_session(fresh)
                self._json(400 if response else 500, response or {})
                return
            self._json(200, response, {SESSION_HEADER: fresh.id})
            return
        if (
            not self.io.header(SESSION_HEADER)
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
            self._empty(202)
            return
        await self._run_legacy(session, message)

    def _version_ok(self, session: Session) -> bool:
        version = self.io.header(VERSION_HEADER)
        if version is None:
            return True  # 2025-03-26 clients do not send it
        rev = REVISIONS.get(version)
        if rev is None or rev.modern:
            self._error(
                400,
                UnsupportedProtocolVersion(version, LEGACY_VERSIONS),
            )
            return False
        return True

    async def _post_batch(self, batch: list[Any]) -> None:
        transport = self.transport
        sid = self.io.header(SESSION_HEADER)
        session = transport.sessions.get(sid) if sid else None
        version = self.io.header(VERSION_HEADER)
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
            self._empty(202)
        else:
            status = 400 if isinstance(reply, dict) else 200
            self._json(status, reply)

    @staticmethod
    def _status(response: dict[str, Any], *, legacy: bool) -> int:
        """The HTTP status of a JSON response: 429 when rate limited; modern revisions say
        in the status too what was wrong with the request."""
        error = response.get("error")
        if error is None:
            return 200
        code = error.get("code")
        if code == RATE_LIMITED:
            return 429
        if code in _HTTP_ERROR_CODES and not legacy:
            return http_status(code)
        return 200

    async def _run_legacy(self, session: Session, req: Request) -> None:
        """Serve one request of a legacy session, answering JSON unless it streams
        notifications first (a resumable stream: the tool may release it)."""
        transport = self.transport
        stream = transport.new_stream(session, resumable=True)
        self._stream = stream

        async def begin_sse(chunk: bytes) -> None:
            if not self._streaming:
                self._streaming = True
                self._start_sse()
            await self._write_sse(chunk)

        def release() -> None:
            # The tool lets go of the connection: end this response; the client resumes.
            if self._released or self.io.gone.is_set():
                return
            self._released = True
            stream.detach(begin_sse)
            if not self._streaming:
                self._streaming = True
                self._start_sse()
            self.io.end()

        stream.on_release = release
        await stream.attach(begin_sse)
        if self._sse_first:  # the client lists text/event-stream first: stream
            if stream.retry_ms is not None:
                await stream.prime()  # opens the SSE response with the priming event
            else:
                await begin_sse(b"")
        self._task = asyncio.current_task()
        if self._task is not None:
            session.inflight[req.id] = self._task
        try:
            response = await transport.engine.serve(session, req, stream)
        finally:
            session.inflight.pop(req.id, None)
        answered = self._released or self.io.gone.is_set()
        if response is None:
            stream.finish()
            if not answered:
                self._end_unanswered(self._streaming)
            return
        if self._streaming:
            await stream.send(response)
            stream.finish()
            if not answered:
                self.io.end()
                transport.streams.pop(stream.id, None)  # delivered whole: nothing to resume
            return
        stream.finish()
        transport.streams.pop(stream.id, None)
        self._json(self._status(response, legacy=True), response, _retry_after_of(response))

    # -- GET: the session's stream (legacy) -----------------------------------------------------
    async def get(self) -> None:
        if not self._guard():
            return
        if "text/event-stream" not in self._header("Accept"):
            self._error(
                406, InvalidRequest("Not Acceptable: Accept must include text/event-stream")
            )
            return
        session = self._named_session("GET")
        if session is None:
            return
        last = self.io.header("Last-Event-ID")
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
        await self.io.write(b": resumed\n\n")
        await stream.attach(self._write_sse, after=int(seq))
        if stream.finished:
            self.transport.streams.pop(stream.id, None)
            self.io.end()
            return
        await self._hold(stream, session)

    async def _hold(self, stream: SseStream, session: Session) -> None:
        keepalive = asyncio.create_task(self._keepalive(stream))
        closed = asyncio.create_task(stream.closed_by_server.wait())
        gone = asyncio.create_task(self.io.gone.wait())
        try:
            await asyncio.wait({closed, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (keepalive, closed, gone):
                task.cancel()
            stream.detach(self._write_sse)
        if stream.finished:
            self.transport.streams.pop(stream.id, None)
        if not self.io.gone.is_set():
            self.io.end()

    # -- DELETE: end the session (legacy) -------------------------------------------------------
    async def delete(self) -> None:
        if not self._guard():
            return
        session = self._named_session("DELETE")
        if session is None:
            return
        self.transport.end_session(session)
        self._empty(200)
