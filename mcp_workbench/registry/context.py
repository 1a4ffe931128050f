"""``ToolContext``: what a tool, prompt or resource function may ask of the request it serves."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Literal, Protocol, TypeVar

__all__ = ["LogLevel", "RequestScope", "ToolContext"]

LogLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
T = TypeVar("T")


class RequestScope(Protocol):
    """The engine's side of one request, as a tool sees it."""

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

    async def ask(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Ask the client (sampling, elicitation, roots) and return its result."""


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

    async def elicit(
        self, message: str, requested_schema: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        """Ask the user for structured input; returns the ``ElicitResult`` (action, content).

        Raises:
            MissingRequiredClientCapability: the client cannot elicit.
        """
        params = {"mode": "form", "message": message, "requestedSchema": requested_schema, **extra}
        return await self._scope.ask("elicitation/create", params)

    async def elicit_url(self, message: str, url: str, **extra: Any) -> dict[str, Any]:
        """Ask the user to complete an interaction at ``url`` (URL-mode elicitation)."""
        params = {"mode": "url", "message": message, "url": url, **extra}
        return await self._scope.ask("elicitation/create", params)

    async def sample(
        self, messages: list[dict[str, Any]], *, max_tokens: int, **extra: Any
    ) -> dict[str, Any]:
        """Ask the client's model for a completion; returns the ``CreateMessageResult``.

        Raises:
            MissingRequiredClientCapability: the client cannot sample.
        """
        params = {"messages": messages, "maxTokens": max_tokens, **extra}
        return await self._scope.ask("sampling/createMessage", params)

    async def list_roots(self) -> list[dict[str, Any]]:
        """The client's roots (``file://`` URIs it exposes)."""
        result = await self._scope.ask("roots/list", {})
        roots: list[dict[str, Any]] = result.get("roots", [])
        return roots

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one of this context's coroutines from a synchronous tool's worker thread."""
        return asyncio.run_coroutine_threadsafe(coro, self._scope.loop).result()
