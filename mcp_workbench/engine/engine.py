"""The ``Engine``: one MCP server that every transport feeds with JSON-RPC messages.

A transport opens a :class:`Session` per client, hands the engine raw message bytes (or a
decoded value) plus the :class:`Channel` replies should go to, and the engine does the rest:
era detection (legacy handshake or modern per-request metadata), dispatch, cancellation,
server-to-client requests, list-changed fan-out and metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from mcp_workbench.__about__ import __version__
from mcp_workbench.audit import AuditLog, current_origin
from mcp_workbench.config import Settings
from mcp_workbench.engine.access import Access
from mcp_workbench.engine.call import Call, InputRequired
from mcp_workbench.engine.catalog import CATALOG_EXTENSION, install_catalog
from mcp_workbench.engine.executor import ToolExecutor
from mcp_workbench.engine.identity import AUTHENTICATE, Authenticator, Identity
from mcp_workbench.engine.methods import install as install_methods
from mcp_workbench.engine.metrics import Metrics
from mcp_workbench.engine.notifier import Notifier
from mcp_workbench.engine.ratelimit import RateLimiter
from mcp_workbench.engine.resume import (
    RESUMABLE_TRANSPORTS,
    RESUME,
    SESSION_INFO,
    ParkedSessions,
    RelayChannel,
)
from mcp_workbench.engine.session import Channel, Session
from mcp_workbench.engine.task_methods import install_tasks
from mcp_workbench.engine.tasks import EXTENSION as TASKS_EXTENSION
from mcp_workbench.engine.tasks import TaskStore
from mcp_workbench.errors import (
    AuthError,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    ProtocolError,
    RateLimited,
    UnsupportedProtocolVersion,
    WorkbenchError,
    jsonrpc_error,
)
from mcp_workbench.jsonrpc import (
    Notification,
    Request,
    Response,
    decode,
    error_response,
    parse_message,
    rejection,
    result_response,
)
from mcp_workbench.protocol.meta import (
    ON_BEHALF_OF,
    PROTOCOL_VERSION,
    PROXY_EXTENSION,
    SERVER_INFO,
    progress_token,
    read_request_meta,
)
from mcp_workbench.protocol.request_state import RequestStateCodec
from mcp_workbench.protocol.versions import MODERN_VERSIONS, REVISIONS, Revision
from mcp_workbench.registry.registry import Registry

__all__ = ["Engine"]

log = logging.getLogger("mcp_workbench.engine")

Handler = Callable[[Call], Awaitable[dict[str, Any]]]

# Methods that exist only in one era.
LEGACY_ONLY = frozenset(
    {"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"}
)
MODERN_ONLY = frozenset(
    {"server/discover", "subscriptions/listen", "tasks/get", "tasks/update", "tasks/cancel"}
)
CACHEABLE = frozenset(
    {
        "server/discover",
        "tools/list",
        "prompts/list",
        "resources/list",
        "resources/templates/list",
        "resources/read",
    }
)
MRTR_METHODS = frozenset({"tools/call", "prompts/get", "resources/read"})


def _on_behalf_of(
    session: Session, behalf: Any, rev: Revision, caps: dict[str, Any]
) -> tuple[Revision, dict[str, Any]]:
    """The revision and capabilities a proxy's request is served with (see ON_BEHALF_OF):
    only a session that declared itself a proxy, and only narrower than its own."""
    experimental = session.client_capabilities.get("experimental")
    if not isinstance(experimental, dict) or PROXY_EXTENSION not in experimental:
        return rev, caps
    if not isinstance(behalf, dict):
        return rev, caps
    theirs = behalf.get("capabilities")
    if isinstance(theirs, dict):
        caps = {name: value for name, value in theirs.items() if name in caps}
    their_rev = REVISIONS.get(str(behalf.get("protocolVersion")))
    if their_rev is not None and not their_rev.modern and their_rev.version < rev.version:
        rev = their_rev
    return rev, caps


def _shutting_down() -> RateLimited:
    return RateLimited("The server is shutting down", retry_after=5.0)


def _limit_key(req: Request) -> str:
    """What rate-limit rules match: the tool name of a call, else the method."""
    if req.method == "tools/call":
        name = req.params.get("name")
        if isinstance(name, str):
            return name
    return req.method


class Engine:
    """Serves MCP over any number of transports at once."""

    def __init__(self, registry: Registry | None = None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.registry = registry or Registry(page_size=self.settings.page_size)
        self.metrics = Metrics()
        self.executor = ToolExecutor(
            threads=self.settings.worker_threads, default_timeout=self.settings.tool_timeout
        )
        secret = self.settings.request_state_secret
        self.request_state = RequestStateCodec(
            secret.encode() if secret else secrets.token_bytes(32)
        )
        self.server_info = {"name": self.settings.server_name, "version": __version__}
        self.limiter = RateLimiter(self.settings.rate_limits)
        self.draining = False
        """Set by :meth:`drain`: new work is refused while running work finishes."""
        self._active = 0
        self._idle = asyncio.Event()
        self._per_principal: dict[str, int] = {}
        self.access = Access()
        """The access policy (everything allowed until one is set)."""
        self.authenticator: Authenticator | None = None
        """Set when callers must prove who they are (bearer tokens)."""
        self.audit: AuditLog | None = None
        """Where refusals and failed authentications are recorded, when set."""
        self.access.on_denied = self._denied
        self.sessions: set[Session] = set()
        self.parked = ParkedSessions(self.settings.resume_grace)
        """Sessions whose connection dropped, waiting to be resumed."""
        self.notifier = Notifier(self.sessions, self.metrics)
        self._methods: dict[str, Handler] = {}
        self.tasks = TaskStore(
            ttl_ms=int(self.settings.task_ttl * 1000),
            poll_ms=int(self.settings.task_poll_interval * 1000),
        )
        install_methods(self)
        install_tasks(self)
        self.catalog = install_catalog(self)
        """The catalog sync protocol's log of item changes."""
        self._methods[SESSION_INFO] = self._session_info
        self.registry.on_change(self.notifier.list_changed)
        self.registry.on_resource_updated(self.notifier.resource_updated)

    # -- wiring ----------------------------------------------------------------------------
    def method(self, name: str) -> Callable[[Handler], Handler]:
        """Decorator: serve the JSON-RPC method ``name`` with ``handler(call) -> result``."""

        def register(handler: Handler) -> Handler:
            self._methods[name] = handler
            return handler

        return register

    def capabilities(self, *, modern: bool) -> dict[str, Any]:
        """The server capabilities advertised to clients of one era."""
        caps: dict[str, Any] = {
            "tools": {"listChanged": True},
            "prompts": {"listChanged": True},
            "resources": {"subscribe": True, "listChanged": True},
            "completions": {},
            "logging": {},
        }
        caps["experimental"] = {CATALOG_EXTENSION: {"version": 1}}
        if modern:
            caps["extensions"] = {TASKS_EXTENSION: {}}
        return caps

    # -- sessions ----------------------------------------------------------------------------
    def open_session(
        self, channel: Channel | None, transport: str, *, principal: str | None = None
    ) -> Session:
        """A new session for a client that just connected.

        Raises:
            RateLimited: too many sessions in total or for this principal, or the server is
                draining.
        """
        settings = self.settings
        if self.draining:
            raise _shutting_down()
        if len(self.sessions) >= settings.max_sessions:
            raise RateLimited("Too many sessions; try again later", retry_after=1.0)
        if principal is not None:
            self._count_principal(principal)
        if self.notifier.loop is None:
            self.notifier.loop = asyncio.get_running_loop()
        if channel is not None and transport in RESUMABLE_TRANSPORTS:
            channel = RelayChannel(channel, settings.resume_buffer)
        session = Session(channel, transport, id=secrets.token_urlsafe(24), principal=principal)
        self.sessions.add(session)
        self.metrics.sessions.labels(transport).inc()
        return session

    def release(self, session: Session) -> None:
        """The session's connection is gone: park the session for a resume if it asked
        for that, else close it."""
        if self.draining or not self.parked.park(session, self.close_session):
            self.close_session(session)

    def close_session(self, session: Session) -> None:
        """Forget a session and cancel what it still has running."""
        self.parked.forget(session)
        if session in self.sessions:
            self.sessions.discard(session)
            self.metrics.sessions.labels(session.transport).dec()
            if session.principal is not None:
                self._release_principal(session.principal)
        session.close()

    def _count_principal(self, principal: str) -> None:
        """One more session for ``principal``.

        Raises:
            RateLimited: it already has its most sessions.
        """
        count = self._per_principal.get(principal, 0)
        if count >= self.settings.max_sessions_per_principal:
            raise RateLimited(f"Too many sessions for {principal}", retry_after=1.0)
        self._per_principal[principal] = count + 1

    def _release_principal(self, principal: str) -> None:
        left = self._per_principal.get(principal, 1) - 1
        if left > 0:
            self._per_principal[principal] = left
        else:
            self._per_principal.pop(principal, None)

    def transient_session(
        self, channel: Channel | None, transport: str, principal: str | None = None
    ) -> Session:
        """A session for one stateless (modern) request; not tracked, not counted."""
        return Session(channel, transport, principal=principal)

    async def drain(self, grace: float) -> int:
        """Refuse new sessions and requests, and give running ones up to ``grace`` seconds
        to finish; returns how many were still running."""
        self.draining = True
        if self._active:
            self._idle.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    await self._idle.wait()
        return self._active

    async def shutdown(self) -> None:
        """End every session: listeners get their closing result, in-flight calls stop."""
        for session in list(self.sessions):  # parked ones too
            self.close_session(session)
        self.notifier.shutdown()
        self.tasks.cancel_all()
        self.executor.shutdown()

    # -- input -------------------------------------------------------------------------------
    async def receive(self, session: Session, data: bytes, channel: Channel) -> Session:
        """Take one framed message (stdio line, WebSocket frame) and act on it; returns
        the session the connection's next message is for (another one after a resume).

        Requests run as tasks so that the next message (a cancellation, say) is read at
        once; their responses go to ``channel``.
        """
        try:
            payload = decode(data, max_bytes=self.settings.max_message_bytes)
        except ProtocolError as exc:
            await channel.send(error_response(None, jsonrpc_error(exc)))
            return session
        if isinstance(payload, list):
            # Like a single request, a batch runs on its own so reading goes on meanwhile.
            batch = asyncio.create_task(self._batch_and_send(session, payload, channel))
            session.add_batch(batch)
            return session
        try:
            message = parse_message(payload)
        except ProtocolError as exc:
            await channel.send(rejection(exc))
            return session
        if isinstance(message, Request):
            if message.id in session.inflight:
                error = InvalidRequest(f"Request id {message.id!r} is already in use")
                await channel.send(error_response(message.id, jsonrpc_error(error)))
            elif message.method == RESUME:
                # Inline, not as a task: the connection's next message must find the
                # resumed session.
                return await self._resume(session, message, channel)
            else:
                task = asyncio.create_task(self._serve_and_send(session, message, channel))
                session.inflight[message.id] = task
        elif isinstance(message, Notification):
            self.handle_notification(session, message)
        else:
            self.handle_response(session, message)
        return session

    async def _session_info(self, call: Call) -> dict[str, Any]:
        """``workbench/session``: the session's id and the token that resumes it."""
        session = call.session
        return {
            "sessionId": session.id,
            "resumeToken": self.parked.token_for(session),
            "graceSeconds": self.parked.grace,
        }

    async def _resume(self, session: Session, req: Request, channel: Channel) -> Session:
        """``workbench/resume``: continue a parked session on this connection."""
        try:
            if self.draining:
                raise _shutting_down()
            self._check_identity(session)
            token = req.params.get("token")
            if not isinstance(token, str) or not token:
                raise InvalidParams("params.token (a resume token) is required")
            parked = self.parked.claim(token, session.principal)
            if parked is None:
                raise InvalidParams("No such session to resume (it expired or was closed)")
        except WorkbenchError as exc:
            await channel.send(error_response(req.id, jsonrpc_error(exc)))
            return session
        relay, here = parked.channel, session.channel
        assert isinstance(relay, RelayChannel)
        target = here.target if isinstance(here, RelayChannel) else channel
        assert target is not None
        if isinstance(here, RelayChannel):
            here.detach()
        self.close_session(session)  # the connection's own, fresh session
        result = {"sessionId": parked.id, "replayed": relay.held}
        await target.send(result_response(req.id, result))
        await relay.attach(target)
        parked.touch()
        return parked

    async def _batch_and_send(self, session: Session, batch: list[Any], channel: Channel) -> None:
        reply = await self.handle_batch(session, batch, channel, session.revision)
        if reply is not None:
            await channel.send(reply)

    async def _serve_and_send(self, session: Session, req: Request, channel: Channel) -> None:
        try:
            response = await self.serve(session, req, channel)
        finally:
            session.inflight.pop(req.id, None)
        if response is not None:
            await channel.send(response)

    async def handle_batch(
        self,
        session: Session,
        batch: list[Any],
        channel: Channel | None,
        revision: Revision | None,
    ) -> list[dict[str, Any]] | dict[str, Any] | None:
        """A JSON-RPC batch: allowed only where the revision allows it (2025-03-26)."""
        if revision is None or not revision.batches:
            error = InvalidRequest("Invalid Request: batches are not supported by this revision")
            return error_response(None, jsonrpc_error(error))
        if not batch:
            return error_response(
                None, jsonrpc_error(InvalidRequest("Invalid Request: empty batch"))
            )
        replies: list[Awaitable[dict[str, Any] | None]] = []
        for item in batch:
            replies.append(self.handle_one(session, item, channel, in_batch=True))
        results = [r for r in await asyncio.gather(*replies) if r is not None]
        return results or None

    async def handle_one(
        self, session: Session, payload: Any, channel: Channel | None, *, in_batch: bool = False
    ) -> dict[str, Any] | None:
        """One decoded message; returns the response to send back, if any."""
        try:
            message = parse_message(payload)
        except ProtocolError as exc:
            return rejection(exc)
        if isinstance(message, Request):
            if in_batch and message.method == "initialize":
                error = InvalidRequest("initialize must not be part of a batch")
                return error_response(message.id, jsonrpc_error(error))
            return await self.serve(session, message, channel)
        if isinstance(message, Notification):
            self.handle_notification(session, message)
        else:
            self.handle_response(session, message)
        return None

    # -- requests ----------------------------------------------------------------------------
    async def serve(
        self, session: Session, req: Request, channel: Channel | None
    ) -> dict[str, Any] | None:
        """Serve one request; returns its response, or None if the client cancelled it."""
        started = time.perf_counter()
        call: Call | None = None
        session.touch()
        # A listen stream lasts as long as the client wants: it is not work to wait for.
        counted = req.method != "subscriptions/listen"
        self._active += counted
        try:
            if self.draining:
                raise _shutting_down()
            if req.method == AUTHENTICATE:
                response = result_response(req.id, await self._authenticate(session, req))
                self._observe(req.method, "ok", started)
                return response
            if session.needs_auth or session.expires_at is not None:
                self._check_identity(session)
            call = self._make_call(session, req, channel)
            origin = current_origin.set(call)
            handler = self._methods.get(req.method)
            if handler is None:
                raise MethodNotFound(f"Method not found: {req.method}")
            if self.limiter.active:
                self.limiter.check(_limit_key(req), session.buckets, session.principal)
            if call.modern and req.method in MRTR_METHODS:
                # Multi round-trip requests: the input the client brings, or what it lacks.
                if "requestState" in req.params or "inputResponses" in req.params:
                    self._take_input(call)
                try:
                    result = await handler(call)
                except InputRequired as need:
                    result = self._input_required(call, need)
            else:
                result = await handler(call)
            if call.modern:
                result = self._modern_result(result, req.method, session)
            response = result_response(req.id, result)
            outcome = "ok"
        except asyncio.CancelledError:
            if session.was_cancelled(req.id):
                if call is not None:
                    call.cancel()
                self._observe(req.method, "cancelled", started)
                return None
            raise
        except WorkbenchError as exc:
            legacy = call is None or not call.modern
            response = error_response(req.id, jsonrpc_error(exc, legacy_not_found=legacy))
            outcome = "error"
        except Exception:
            log.exception("error serving %s", req.method)
            response = error_response(req.id, jsonrpc_error(RuntimeError()))
            outcome = "error"
        finally:
            self._active -= counted
            if not self._active:
                self._idle.set()
            if call is not None:
                current_origin.reset(origin)
        self._observe(req.method, outcome, started)
        return response

    async def _authenticate(self, session: Session, req: Request) -> dict[str, Any]:
        """``workbench/authenticate``: prove (or renew) who the session acts for.

        Raises:
            InvalidParams: no token given.
            AuthError: no authentication is configured, or the token is refused.
        """
        if self.authenticator is None:
            raise AuthError("This server does not use tokens")
        token = req.params.get("token")
        if not isinstance(token, str) or not token:
            raise InvalidParams("params.token (a bearer token) is required")
        identity = await self.authenticate(token, session.transport, session)
        if session.principal not in (None, identity.id) and not session.needs_auth:
            raise AuthError("A session cannot change its principal; open a new one")
        self.adopt(session, identity)
        return {
            "principal": identity.id,
            "roles": sorted(identity.roles),
            "expiresAt": identity.expires_at,
        }

    async def authenticate(
        self, token: str, transport: str, session: Session | None = None
    ) -> Identity:
        """The identity ``token`` proves; a refusal is audited (with its reason) and
        answered with the authenticator's generic message.

        Raises:
            AuthError: no authentication is configured, or the token is refused.
        """
        if self.authenticator is None:
            raise AuthError("This server does not use tokens")
        try:
            return await self.authenticator.authenticate(token)
        except AuthError as exc:
            self.auth_failed(transport, session, getattr(exc, "reason", "refused"))
            raise

    async def authenticate_bearer(self, authorization: str | None, transport: str) -> Identity:
        """The identity an ``Authorization: Bearer`` header value proves (see
        :meth:`authenticate`).

        Raises:
            AuthError: the header is missing or malformed, or the token is refused.
        """
        from mcp_workbench.auth import bearer_token  # noqa: PLC0415 - only with auth on

        try:
            token = bearer_token(authorization)
        except AuthError as exc:
            self.auth_failed(transport, None, getattr(exc, "reason", "missing"))
            raise
        return await self.authenticate(token, transport)

    def auth_failed(self, transport: str, session: Session | None, reason: str) -> None:
        """Record a failed authentication (a refused token, a pre-auth timeout...)."""
        if self.audit is not None:
            self.audit.refusal(
                None,
                action="authenticate",
                kind="token",
                target="",
                outcome="failed",
                reason=reason,
                principal=session.principal if session is not None else None,
                transport=transport,
            )

    def _denied(self, session: Session, action: str, kind: str, name: str) -> None:
        if self.audit is not None:
            self.audit.refusal(
                current_origin.get(),
                action=action,
                kind=kind,
                target=name,
                principal=session.principal,
                transport=session.transport,
            )

    def adopt(self, session: Session, identity: Identity) -> None:
        """Make ``session`` act for ``identity`` (counted against its session limit).

        Raises:
            RateLimited: the principal already has its most sessions.
        """
        if session.principal != identity.id:
            if session in self.sessions:
                self._count_principal(identity.id)
                if session.principal is not None:  # e.g. the OS user of a Unix socket peer
                    self._release_principal(session.principal)
            session.principal = identity.id
        session.roles = identity.roles
        session.expires_at = identity.expires_at
        session.needs_auth = False

    def _check_identity(self, session: Session) -> None:
        if session.needs_auth:
            self.auth_failed(session.transport, session, "missing")
            raise AuthError(f"Authentication required: send {AUTHENTICATE} with a bearer token")
        # The same clock-skew allowance the token was accepted with.
        leeway = self.settings.auth_leeway if self.settings.auth_leeway is not None else 30.0
        if session.expires_at is not None and time.time() >= session.expires_at + leeway:
            self.auth_failed(session.transport, session, "session_expired")
            raise AuthError(f"The token has expired: send {AUTHENTICATE} with a new one")

    def _observe(self, method: str, outcome: str, started: float) -> None:
        key = method if method in self._methods else "<unknown>"
        self.metrics.requests.observe(key, outcome, time.perf_counter() - started)

    def _make_call(self, session: Session, req: Request, channel: Channel | None) -> Call:
        """The call for ``req``: its revision from ``_meta`` (modern) or the session (legacy).

        Raises:
            ProtocolError: the request cannot be served in any revision we speak.
        """
        meta = req.params.get("_meta")
        if isinstance(meta, dict) and PROTOCOL_VERSION in meta:
            rmeta = read_request_meta(meta)
            rev = REVISIONS.get(rmeta.protocol_version)
            if rev is None or not rev.modern:
                raise UnsupportedProtocolVersion(rmeta.protocol_version, MODERN_VERSIONS)
            if req.method in LEGACY_ONLY:
                raise MethodNotFound(f"Method not found: {req.method} (not in {rev.version})")
            info, caps = rmeta.client_info, rmeta.client_capabilities
            level, token = rmeta.log_level, rmeta.progress_token
        else:
            rev = self._legacy_revision(session, req.method)
            info, caps, level = session.client_info, session.client_capabilities, session.log_level
            token = progress_token(meta) if isinstance(meta, dict) else None
            if isinstance(meta, dict) and ON_BEHALF_OF in meta:
                rev, caps = _on_behalf_of(session, meta[ON_BEHALF_OF], rev, caps)
        return Call(
            session,
            req.id,
            req.method,
            req.params,
            rev,
            channel=channel,
            client_info=info,
            client_capabilities=caps,
            log_level=level,
            progress_token=token,
            registry=self.registry,
            access=self.access,
        )

    @staticmethod
    def _legacy_revision(session: Session, method: str) -> Revision:
        rev = session.revision
        if rev is None:
            if method == "initialize":
                rev = REVISIONS["2025-11-25"]
            elif method == "ping":
                rev = REVISIONS["2025-03-26"]
            else:
                raise InvalidParams(
                    "No protocol version: send initialize first, or set "
                    f"_meta[{PROTOCOL_VERSION!r}] on every request"
                )
        elif method == "initialize":
            raise InvalidRequest("The session is already initialized")
        if method in MODERN_ONLY:
            raise MethodNotFound(f"Method not found: {method} (not in {rev.version})")
        return rev

    def _modern_result(
        self, result: dict[str, Any], method: str, session: Session
    ) -> dict[str, Any]:
        result.setdefault("resultType", "complete")
        meta = result.get("_meta")
        if meta is None:
            result["_meta"] = {SERVER_INFO: self.server_info}
        else:
            meta.setdefault(SERVER_INFO, self.server_info)
        if method in CACHEABLE and result["resultType"] == "complete":
            result.setdefault("ttlMs", self.settings.list_ttl_ms)
            result.setdefault("cacheScope", "private" if session.principal else "public")
        return result

    def _take_input(self, call: Call) -> None:
        """The client input a modern call brings back (MRTR): sealed earlier answers in
        ``requestState`` and new ones in ``inputResponses``.

        Raises:
            InvalidParams: ``inputResponses`` is not an object, or the state is not ours.
        """
        params = call.params
        state = params.get("requestState")
        if state is not None:
            binding = self.request_state.binding(call.method, params, call.principal)
            call.input_responses.update(self.request_state.open(state, binding))
        responses = params.get("inputResponses")
        if responses is not None:  # null is the same as absent: the tool asks again
            if not isinstance(responses, dict):
                raise InvalidParams("inputResponses must be an object")
            call.input_responses.update(responses)

    def _input_required(self, call: Call, need: InputRequired) -> dict[str, Any]:
        """The ``input_required`` result of a call that needs client input it lacks."""
        binding = self.request_state.binding(call.method, call.params, call.principal)
        return {
            "resultType": "input_required",
            "inputRequests": need.requests,
            "requestState": self.request_state.seal(call.input_responses, binding),
        }

    # -- notifications and responses from the client ----------------------------------------
    def handle_notification(self, session: Session, note: Notification) -> None:
        """Act on a client notification; unknown ones are ignored, as JSON-RPC asks."""
        session.touch()
        if note.method == "notifications/initialized":
            session.initialized = True
        elif note.method == "notifications/cancelled":
            rid = note.params.get("requestId")
            if not isinstance(rid, str | int):
                return  # malformed cancellations are ignored, as the spec asks
            listener = session.listeners.get(rid)
            if listener is not None:
                listener.done.set()
            task = session.inflight.get(rid)
            if task is not None:
                session.cancel_request(rid)
                task.cancel()
        else:
            log.debug("ignored notification %s", note.method)

    def handle_response(self, session: Session, response: Response) -> None:
        """A client's answer to one of our (legacy) server-to-client requests."""
        fut = session.pending.pop(response.id, None) if response.id is not None else None
        if fut is None or fut.done():
            log.debug("ignored response to unknown request %r", response.id)
            return
        if response.error is not None:
            err = response.error
            fut.set_exception(
                ProtocolError(
                    str(err.get("message", "client error")),
                    code=int(err.get("code", -32603)),
                    data=err.get("data"),
                )
            )
        else:
            fut.set_result(response.result or {})
