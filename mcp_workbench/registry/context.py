"""``ToolContext``: what a tool, prompt or resource function may ask of the request it serves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NotRequired, Protocol, TypedDict, TypeVar

if TYPE_CHECKING:
    from mcp_workbench.registry.registry import Registry

__all__ = [
    "InputRequest",
    "LogLevel",
    "RequestScope",
    "ToolContext",
    "elicitation",
    "roots_request",
    "sampling",
]

LogLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
T = TypeVar("T")


class InputRequest(TypedDict):
    """A request for client input: elicitation, sampling or the client's roots."""

    method: str
    params: NotRequired[dict[str, Any]]


def elicitation(message: str, requested_schema: dict[str, Any], **extra: Any) -> InputRequest:
    """Ask the user to fill in a form described by ``requested_schema``."""
    params = {"mode": "form", "message": message, "requestedSchema": requested_schema, **extra}
    return {"method": "elicitation/create", "params": params}


def sampling(messages: list[dict[str, Any]], max_tokens: int, **extra: Any) -> InputRequest:
    """Ask the client's model for a completion of ``messages``."""
    return {
        "method": "sampling/createMessage",
        "params": {"messages": messages, "maxTokens": max_tokens, **extra},
    }


def roots_request() -> InputRequest:
    """Ask for the client's roots."""
    return {"method": "roots/list"}


class RequestScope(Protocol):
    """The engine's side of one request, as a tool sees it."""

    @property
    def registry(self) -> Registry: ...
    @property
    def request_id(self) -> str | int: ...
    @property
    def protocol_version(self) -> str: ...
    @property
    def principal(self) -> str | None: ...
    @property
    def session_id(self) -> str | None: ...
    @property
    def client_info(self) -> dict[str, Any]: ...
    @property
    def client_capabilities(self) -> dict[str, Any]: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    async def progress(self, progress: float, total: float | None, message: str | None) -> None:
        """Send ``notifications/progress`` if the caller asked for progress."""

    async def log(self, level: LogLevel, data: Any, logger: str | None) -> None:
        """Send ``notifications/message`` if the caller's log level lets it through."""

    def may(
        self, action: str, kind: str, name: str, attributes: dict[str, Any] | None = None
    ) -> bool:
        """Whether the access policy lets the caller do ``action`` on the named item."""

    def require(self, action: str, kind: str, name: str, unknown: Exception | None) -> None:
        """Raise unless the caller may do ``action`` on the named item (see
        :meth:`ToolContext.require`)."""

    def visible(self, kind: str, items: Sequence[T], name_of: Callable[[T], str]) -> list[T]:
        """The ``items`` (all of one ``kind``) the caller may list, in order."""

    def next_key(self, method: str) -> str:
        """A key for an unnamed input request, the same on every retry of the request."""

    def release_stream(self) -> None:
        """Let go of the client's connection while the call goes on, where resumable."""

    async def ask(self, requests: dict[str, InputRequest]) -> dict[str, Any]:
        """Ask the client (sampling, elicitation, roots); return its answers by key."""


class ToolContext:
    """Handed to a tool whose signature asks for it (a parameter annotated ``ToolContext``).

    Methods are coroutines; a synchronous tool (run in a worker thread) calls them through
    :meth:`run`, e.g. ``ctx.run(ctx.report_progress(1, 2))``.
    """

    __slots__ = ("_scope",)

    def __init__(self, scope: RequestScope) -> None:
        self._scope = scope

    @property
    def request_id(self) -> str | int:
        """The JSON-RPC id of the request being served."""
        return self._scope.request_id

    @property
    def registry(self) -> Registry:
        """The registry serving this call, for tools that add or remove items at run time."""
        return self._scope.registry

    @property
    def protocol_version(self) -> str:
        """The protocol revision of the request."""
        return self._scope.protocol_version

    @property
    def principal(self) -> str | None:
        """Who is calling: a user name, token subject or OS user; None when anonymous."""
        return self._scope.principal

    @property
    def session_id(self) -> str | None:
        """The protocol session (legacy revisions over HTTP), if there is one."""
        return self._scope.session_id

    @property
    def client_info(self) -> dict[str, Any]:
        """The client's ``{name, version}`` as it declared itself."""
        return self._scope.client_info

    @property
    def client_capabilities(self) -> dict[str, Any]:
        """The capabilities the client declared for this request or session."""
        return self._scope.client_capabilities

    @property
    def cancelled(self) -> bool:
        """True once the client has cancelled the request (or the call timed out)."""
        return self._scope.cancelled

    def may(
        self, action: str, kind: str, name: str, attributes: dict[str, Any] | None = None
    ) -> bool:
        """Whether the access policy lets the caller do ``action`` (``list``, ``read``,
        ``write``...) on the ``kind`` (``prompt``, ``resource``, ``board``...) ``name``
        (with the item's ``attributes``, for policies that look at them)."""
        return self._scope.may(action, kind, name, attributes)

    def require(self, action: str, kind: str, name: str, unknown: Exception | None = None) -> None:
        """Go on only if the caller may do ``action`` on the named item.

        A caller who may not even list it gets ``unknown`` (the error a missing item gets,
        so its existence does not leak); one who may list it, or any caller when
        ``unknown`` is None, gets ``PermissionDenied``. Refusals are audited.

        Raises:
            PermissionDenied: the caller may not.
        """
        self._scope.require(action, kind, name, unknown)

    def visible(self, kind: str, items: Sequence[T], name_of: Callable[[T], str]) -> list[T]:
        """Those of ``items`` (all of one ``kind``, named by ``name_of``) the access policy
        lets the caller list, in order; decided for the whole list at once."""
        return self._scope.visible(kind, items, name_of)

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Report progress to the client, if it asked for progress on this request."""
        await self._scope.progress(progress, total, message)

    async def log(self, level: LogLevel, data: Any, logger: str | None = None) -> None:
        """Send a log message to the client (subject to the level it asked for)."""
        await self._scope.log(level, data, logger)

    async def debug(self, data: Any, logger: str | None = None) -> None:
        """Log at ``debug``."""
        await self._scope.log("debug", data, logger)

    async def info(self, data: Any, logger: str | None = None) -> None:
        """Log at ``info``."""
        await self._scope.log("info", data, logger)

    async def warning(self, data: Any, logger: str | None = None) -> None:
        """Log at ``warning``."""
        await self._scope.log("warning", data, logger)

    async def error(self, data: Any, logger: str | None = None) -> None:
        """Log at ``error``."""
        await self._scope.log("error", data, logger)

    async def ask(self, requests: Mapping[str, InputRequest]) -> dict[str, Any]:
        """Ask the client for several inputs at once; returns its answers by key.

        Over 2026-07-28 the client answers all of them in one round trip (the tool runs
        again from the start with the answers); older revisions ask one after another.

        Raises:
            MissingRequiredClientCapability: the client declared no support for one of them.
        """
        return await self._scope.ask(dict(requests))

    async def _ask_one(self, request: InputRequest, key: str | None) -> dict[str, Any]:
        name = key or self._scope.next_key(request["method"])
        answer: dict[str, Any] = (await self._scope.ask({name: request}))[name]
        return answer

    async def elicit(
        self,
        message: str,
        requested_schema: dict[str, Any],
        *,
        key: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Ask the user for structured input; returns the ``ElicitResult`` (action, content).

        ``key`` names the request (stable names help clients that log them).

        Raises:
            MissingRequiredClientCapability: the client cannot elicit.
        """
        return await self._ask_one(elicitation(message, requested_schema, **extra), key)

    async def elicit_url(
        self, message: str, url: str, *, key: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Ask the user to complete an interaction at ``url`` (URL-mode elicitation)."""
        request: InputRequest = {
            "method": "elicitation/create",
            "params": {"mode": "url", "message": message, "url": url, **extra},
        }
        return await self._ask_one(request, key)

    async def sample(
        self,
        messages: list[dict[str, Any]],
        *,
        max_tokens: int,
        key: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Ask the client's model for a completion; returns the ``CreateMessageResult``.

        Raises:
            MissingRequiredClientCapability: the client cannot sample.
        """
        return await self._ask_one(sampling(messages, max_tokens, **extra), key)

    async def list_roots(self, *, key: str | None = None) -> list[dict[str, Any]]:
        """The client's roots (``file://`` URIs it exposes)."""
        result = await self._ask_one(roots_request(), key)
        roots: list[dict[str, Any]] = result.get("roots", [])
        return roots

    def release_stream(self) -> None:
        """Let go of the client's HTTP connection while the call goes on.

        Over Streamable HTTP with 2025-11-25 the client reconnects (GET with
        ``Last-Event-ID``) and receives what was sent meanwhile, the result included; long
        calls need not hold a connection open. Elsewhere this does nothing.
        """
        self._scope.release_stream()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one of this context's coroutines from a synchronous tool's worker thread."""
        return asyncio.run_coroutine_threadsafe(coro, self._scope.loop).result()
