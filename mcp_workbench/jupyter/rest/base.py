"""What every REST handler shares: who is calling, the store, the access policy, JSON in
and out, versions as ETags, and the one mapping of workbench errors to HTTP statuses.

A handler method declares its operation with :func:`operation` (under Jupyter's
``@web.authenticated`` and ``@authorized``) and returns what it answers; the declaration
says how the body and query string are read, how the answer is written, and is what the
OpenAPI document describes. While the method runs, the request is the audit log's current
origin (transport ``rest``), so changes and refusals are recorded as the caller's.
"""

from __future__ import annotations

import functools
import inspect
import math
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from jupyter_server.base.handlers import APIHandler
from pydantic import TypeAdapter, ValidationError
from tornado import web

from mcp_workbench.app import WorkbenchServer
from mcp_workbench.audit import LocalOrigin, current_origin
from mcp_workbench.engine import Session
from mcp_workbench.errors import (
    InvalidInput,
    PermissionDenied,
    StoreError,
    WorkbenchError,
    error_status,
)
from mcp_workbench.jupyter.identity import jupyter_identity
from mcp_workbench.jupyter.rest.schemas import ErrorReply
from mcp_workbench.jupyter.rest.spec import Operation, mark
from mcp_workbench.service import Workbench

__all__ = [
    "ADMIN_ROLE",
    "AUTH_RESOURCE",
    "TRANSPORT",
    "RestHandler",
    "operation",
]

T = TypeVar("T")

AUTH_RESOURCE = "mcp_workbench"
"""The resource Jupyter's authorizer is asked about (``read`` for GET, else ``write``)."""
TRANSPORT = "rest"
"""The transport REST callers have in the access policy's context and the audit log."""
ADMIN_ROLE = "admin"
"""The role the admin routes need while an access policy is in force."""


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _problems(exc: ValidationError, where: str) -> InvalidInput:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    said = "; ".join(
        f"{'.'.join(str(p) for p in (where, *e['loc']))}: {e['msg']}" for e in errors[:5]
    )
    return InvalidInput(f"Invalid {where}: {said}", data=errors)


def _version_from(header: str) -> int:
    value = header.strip()
    if value.startswith('"') and value.endswith('"') and len(value) > 1:
        value = value[1:-1]
    if not value.isdigit():
        raise InvalidInput(f'If-Match must name one version, e.g. "3" (got {header!r})')
    return int(value)


_EVENT_STREAM = "text/event-stream; charset=utf-8"


class RestHandler(APIHandler):
    """Base of the API's handlers: errors as JSON (Jupyter's shape plus ``data``)."""

    auth_resource = AUTH_RESOURCE
    needs_store = True
    """Whether the routes read or change the store (they answer 503 while it is off)."""

    _caller: Session | None = None
    request_id = ""
    stream_events = False
    """The answer goes as server-sent events (a streamed tool call): see :meth:`send_event`."""
    events_started = False
    connection_closed = False

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        self.request_id = secrets.token_hex(8)
        self.set_header("X-Request-Id", self.request_id)

    # -- what a handler works with ------------------------------------------------------------
    @property
    def server(self) -> WorkbenchServer:
        """The workbench this Jupyter server hosts."""
        server: WorkbenchServer = self.settings["mcp_workbench"]
        return server

    @property
    def store(self) -> Workbench:
        """The store's services.

        Raises:
            StoreError: the store is off.
        """
        workbench = self.server.workbench
        if workbench is None:
            raise StoreError(
                "The store is off (MCPWorkbench.store = False): prompts, notes, boards, "
                "feedback and the audit log are not available"
            )
        return workbench

    @property
    def caller(self) -> Session:
        """The caller as the access policy sees it: Jupyter's user, with ``jupyter_roles``."""
        if self._caller is None:
            roles = frozenset(self.server.settings.jupyter_roles)
            identity = jupyter_identity(self, roles)
            if identity is None:  # @web.authenticated lets no such request through
                raise web.HTTPError(403)
            self._caller = Session(None, TRANSPORT, principal=identity.id, roles=identity.roles)
        return self._caller

    @property
    def actor(self) -> str:
        """Who changes are recorded as."""
        return self.caller.principal or "anonymous"

    # -- the access policy --------------------------------------------------------------------
    def require(self, action: str, kind: str, name: str, unknown: Exception | None) -> None:
        """Go on once the caller may ``action`` the item; else raise ``unknown`` when it may
        not even list it (None: a name it chose itself, always ``PermissionDenied``).

        Raises:
            PermissionDenied: the caller sees the item but may not do this.
        """
        self.server.engine.access.require(self.caller, action, kind, name, unknown)

    def visible(self, kind: str, items: Sequence[T], name_of: Callable[[T], str]) -> list[T]:
        """The ``items`` the caller may list."""
        return self.server.engine.access.visible(self.caller, kind, items, name_of)

    def require_admin(self) -> None:
        """Go on if the caller holds the admin role, or no access policy is in force.

        Raises:
            PermissionDenied: it does not (the refusal is audited).
        """
        if not self.server.engine.access.active or ADMIN_ROLE in self.caller.roles:
            return
        self.server.audit.refusal(
            current_origin.get(),
            action="admin",
            kind="api",
            target=self.request.path,
            principal=self.caller.principal,
            transport=TRANSPORT,
        )
        raise PermissionDenied(f"This needs the {ADMIN_ROLE!r} role")

    # -- serving an operation -----------------------------------------------------------------
    async def serve_operation(
        self, spec: Operation, method: Callable[..., Awaitable[Any]], path: Mapping[str, str]
    ) -> None:
        """Read what ``spec`` says the request carries, run ``method`` as the caller, and
        write its answer."""
        raw = self._json_body() if spec.body is not None else None
        origin = LocalOrigin(
            self.caller.principal, TRANSPORT, request_id=self.request_id, arguments=raw
        )
        token = current_origin.set(origin)
        try:
            if self.needs_store:
                self.store  # noqa: B018 - 503 while the store is off, before any other answer
            if spec.admin:
                self.require_admin()
            given: dict[str, Any] = {}
            if spec.body is not None:
                given["body"] = self._valid(spec.body, raw, "body")
            if spec.query is not None:
                query = {
                    name: self.get_query_argument(name) for name in self.request.query_arguments
                }
                given["query"] = self._valid(spec.query, query, "query")
            if spec.if_match:
                given["expected"] = self._expected_version()
            self.set_status(spec.status)
            result = await method(self, **path, **given)
        finally:
            current_origin.reset(token)
        self._reply(spec, result)

    def _json_body(self) -> Any:
        body = self.request.body or b"{}"
        limit = self.server.settings.max_body_bytes
        if len(body) > limit:
            raise web.HTTPError(413, f"The request body is {len(body)} bytes; the limit is {limit}")
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(f"The request body is not valid JSON: {exc}") from None

    @staticmethod
    def _valid(kind: Any, value: Any, where: str) -> Any:
        try:
            return _adapter(kind).validate_python(value)
        except ValidationError as exc:
            raise _problems(exc, where) from None

    def _expected_version(self) -> int | None:
        """The version the caller's change is based on: ``If-Match: "3"`` says 3,
        ``If-None-Match: *`` says 0 (it must not exist yet), neither says None (any)."""
        headers = self.request.headers
        if headers.get("If-None-Match", "").strip() == "*":
            return 0
        given = headers.get("If-Match")
        if given is None or given.strip() == "*":
            return None
        return _version_from(given)

    def on_connection_close(self) -> None:
        self.connection_closed = True
        super().on_connection_close()

    def send_event(self, event: str, data: bytes) -> None:
        """Write one server-sent event (``data``: one line of JSON); the first one sends the
        headers of an event stream, so the status is 200 from then on."""
        if not self.events_started:
            self.events_started = True
            self.set_status(200)
            self.set_header("Content-Type", _EVENT_STREAM)
            self.set_header("Cache-Control", "no-cache")
            self.set_header("X-Accel-Buffering", "no")  # no proxy buffering
        self.write(b"event: %s\ndata: %s\n\n" % (event.encode(), data))

    def _reply(self, spec: Operation, result: Any) -> None:
        if spec.response is None:
            if self.get_status() == 200:
                self.set_status(204)
            self.finish()
            return
        adapter = _adapter(spec.response)
        value = adapter.validate_python(result)
        if spec.etag is not None:
            self.set_header("ETag", f'"{getattr(value, spec.etag)}"')
        body = adapter.dump_json(value, exclude_none=spec.exclude_none)
        if self.stream_events:  # the answer's last event
            self.send_event("result", body)
            self.finish(set_content_type=_EVENT_STREAM)
            return
        self.finish(body)

    # -- errors -------------------------------------------------------------------------------
    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if self.request_id:
            self.set_header("X-Request-Id", self.request_id)
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if not isinstance(exc, WorkbenchError):
            super().write_error(status_code, **kwargs)
            return
        reply = ErrorReply(message=exc.message, reason=type(exc).__name__, data=exc.data)
        if self.events_started:  # the stream is open: the error is its last event
            self.send_event("error", reply.model_dump_json().encode())
            self.finish(set_content_type=_EVENT_STREAM)
            return
        status = error_status(exc)
        self.set_status(status)
        retry_after = exc.data.get("retryAfter") if isinstance(exc.data, dict) else None
        if status == 429 and isinstance(retry_after, int | float):
            self.set_header("Retry-After", str(max(1, math.ceil(retry_after))))
        self.finish(reply.model_dump_json())

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, WorkbenchError):
            # An answer, not a crash: the request's log line has its status.
            if error_status(value) >= 500:
                self.log.warning("%s %s: %s", self.request.method, self.request.path, value)
            return
        super().log_exception(typ, value, tb)


def operation(
    *,
    response: Any = None,
    status: int = 200,
    body: Any = None,
    body_schema: Mapping[str, Any] | None = None,
    query: Any = None,
    etag: str | None = None,
    if_match: bool = False,
    admin: bool = False,
    errors: tuple[int, ...] = (),
    exclude_none: bool = False,
) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[None]]]:
    """Declare a handler method's operation (see :class:`~.spec.Operation`).

    The method gets the path parameters, and as keywords ``body`` and ``query`` (validated)
    and ``expected`` (the version from ``If-Match``) when declared; it returns the answer.
    Its docstring's first line is the operation's summary, the rest its description.
    """

    def declare(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
        summary, _, description = (inspect.getdoc(method) or "").partition("\n")
        spec = Operation(
            summary=summary.strip(),
            description=description.strip(),
            response=response,
            status=status,
            body=body,
            body_schema=body_schema,
            query=query,
            etag=etag,
            if_match=if_match,
            admin=admin,
            errors=errors,
            exclude_none=exclude_none,
        )

        @functools.wraps(method)
        async def serve(self: RestHandler, **path: str) -> None:
            await self.serve_operation(spec, method, path)

        mark(serve, spec)
        return serve

    return declare
