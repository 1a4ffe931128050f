"""``Call``: one request being served, and the engine's side of ``ToolContext``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mcp_workbench.engine.access import Access
from mcp_workbench.engine.session import Channel, Session
from mcp_workbench.engine.tasks import TaskRecord
from mcp_workbench.errors import (
    InternalError,
    InvalidParams,
    MissingRequiredClientCapability,
    ToolError,
)
from mcp_workbench.jsonrpc import RequestId, notification, request
from mcp_workbench.protocol.meta import LOG_LEVELS
from mcp_workbench.protocol.versions import Revision
from mcp_workbench.registry.context import InputRequest, LogLevel
from mcp_workbench.registry.registry import Registry

T = TypeVar("T")

__all__ = ["Call", "InputRequired"]

# Which client capability each server-to-client request needs.
_CAPABILITY_FOR = {
    "elicitation/create": "elicitation",
    "sampling/createMessage": "sampling",
    "roots/list": "roots",
}
_ELICIT_ACTIONS = {"accept", "decline", "cancel"}


def _valid_answer(method: str, answer: Any) -> bool:
    """Whether ``answer`` has the shape of the result ``method`` asks for."""
    if not isinstance(answer, dict):
        return False
    if method == "elicitation/create":
        action = answer.get("action")
        return isinstance(action, str) and action in _ELICIT_ACTIONS
    if method == "sampling/createMessage":
        return isinstance(answer.get("content"), dict | list)
    return isinstance(answer.get("roots"), list)


class InputRequired(Exception):
    """Raised inside a modern call that needs client input it does not have yet (MRTR)."""

    def __init__(self, requests: dict[str, InputRequest]) -> None:
        super().__init__(", ".join(requests))
        self.requests = requests


class Call:
    """A request in progress: its revision, caller, channel and what it may ask the client."""

    __slots__ = (
        "_asks",
        "_cancelled",
        "access",
        "channel",
        "client_capabilities",
        "client_info",
        "input_responses",
        "log_level",
        "loop",
        "method",
        "modern",
        "params",
        "progress_token",
        "registry",
        "request_id",
        "revision",
        "session",
        "task",
    )

    def __init__(
        self,
        session: Session,
        request_id: RequestId,
        method: str,
        params: dict[str, Any],
        revision: Revision,
        *,
        channel: Channel | None,
        client_info: dict[str, Any],
        client_capabilities: dict[str, Any],
        log_level: str | None,
        progress_token: str | int | None,
        registry: Registry,
        access: Access | None = None,
    ) -> None:
        self.session = session
        self.registry = registry
        self.access = access
        self.request_id = request_id
        self.method = method
        self.params = params
        self.revision = revision
        self.modern = revision.modern
        self.channel = channel
        self.client_info = client_info
        self.client_capabilities = client_capabilities
        self.log_level = log_level
        self.progress_token = progress_token
        self.input_responses: dict[str, Any] = {}
        self.task: TaskRecord | None = None
        """Set once the call runs as a task: input then comes through ``tasks/update``."""
        self.loop = asyncio.get_running_loop()
        self._asks = 0
        self._cancelled = False

    # -- RequestScope ----------------------------------------------------------------------
    @property
    def protocol_version(self) -> str:
        return self.revision.version

    @property
    def principal(self) -> str | None:
        return self.session.principal

    @property
    def session_id(self) -> str | None:
        return None if self.modern or self.session.transport == "stdio" else self.session.id

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def transport(self) -> str:
        return self.session.transport

    @property
    def arguments(self) -> Any:
        """What the request asked with: a call's arguments, else its params (no ``_meta``)."""
        params = self.params
        if "arguments" in params:
            return params["arguments"]
        return {k: v for k, v in params.items() if k != "_meta"}

    def may(
        self, action: str, kind: str, name: str, attributes: dict[str, Any] | None = None
    ) -> bool:
        return self.access is None or self.access.can(
            self.session, action, kind, name, attributes=attributes
        )

    def visible(self, kind: str, items: Sequence[T], name_of: Callable[[T], str]) -> list[T]:
        if self.access is None:
            return list(items)
        return self.access.visible(self.session, kind, items, name_of)

    def require(self, action: str, kind: str, name: str, unknown: Exception | None) -> None:
        if self.access is not None:
            self.access.require(self.session, action, kind, name, unknown)

    def cancel(self) -> None:
        """Mark the call cancelled (the task itself is cancelled by the engine)."""
        self._cancelled = True

    async def _notify(self, method: str, params: dict[str, Any]) -> None:
        channel = self.channel
        if channel is not None and not self._cancelled and not channel.closed:
            await channel.send(notification(method, params))

    async def progress(self, progress: float, total: float | None, message: str | None) -> None:
        if self.task is not None:
            self.task.progress(message)
        if self.progress_token is None:
            return
        params: dict[str, Any] = {"progressToken": self.progress_token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        await self._notify("notifications/progress", params)

    async def log(self, level: LogLevel, data: Any, logger: str | None) -> None:
        if level not in LOG_LEVELS:
            raise ValueError(f"unknown log level {level!r}")
        threshold = self.log_level if self.modern else self.session.log_level
        if self.modern and threshold is None:
            return  # modern clients get log messages only for requests that asked for them
        if threshold is not None and LOG_LEVELS[level] < LOG_LEVELS[threshold]:
            return
        params: dict[str, Any] = {"level": level, "data": data}
        if logger is not None:
            params["logger"] = logger
        await self._notify("notifications/message", params)

    def release_stream(self) -> None:
        release = getattr(self.channel, "release", None)
        if release is not None:
            release()

    def next_key(self, method: str) -> str:
        """A deterministic key for an unnamed input request (stable across MRTR retries)."""
        self._asks += 1
        return f"{_CAPABILITY_FOR[method]}-{self._asks}"

    async def ask(self, requests: dict[str, InputRequest]) -> dict[str, Any]:
        for req in requests.values():
            if req["method"] not in _CAPABILITY_FOR:
                raise ValueError(f"cannot ask the client for {req['method']!r}")
        if self.task is not None:
            self._check_capabilities(requests)
            answers = await self.task.request_input(requests)
            return self._validated(requests, answers)
        if self.modern:
            return self._answers_or_input_required(requests)
        return {key: await self._ask_legacy(req) for key, req in requests.items()}

    def _check_capabilities(self, requests: dict[str, InputRequest]) -> None:
        missing_caps: dict[str, Any] = {
            cap: {}
            for req in requests.values()
            if (cap := _CAPABILITY_FOR[req["method"]]) not in self.client_capabilities
        }
        if missing_caps:
            names = ", ".join(repr(c) for c in missing_caps)
            raise MissingRequiredClientCapability(
                f"This request needs the client capability {names}", required=missing_caps
            )

    def _answers_or_input_required(self, requests: dict[str, InputRequest]) -> dict[str, Any]:
        self._check_capabilities(requests)
        missing = {k: r for k, r in requests.items() if k not in self.input_responses}
        if missing:
            raise InputRequired(missing)
        return self._validated(requests, self.input_responses)

    @staticmethod
    def _validated(requests: dict[str, InputRequest], answers: dict[str, Any]) -> dict[str, Any]:
        for key, req in requests.items():
            if not _valid_answer(req["method"], answers[key]):
                raise InvalidParams(
                    f"inputResponses[{key!r}] is not a valid answer to {req['method']}",
                    data={"key": key},
                )
        return {key: answers[key] for key in requests}

    async def _ask_legacy(self, req: InputRequest) -> dict[str, Any]:
        method = req["method"]
        capability = _CAPABILITY_FOR[method]
        if capability == "elicitation" and not self.revision.elicitation:
            raise ToolError(f"Elicitation is not part of protocol revision {self.revision.version}")
        if capability not in self.client_capabilities:
            raise ToolError(f"The client did not declare the {capability!r} capability")
        channel = self.channel or self.session.channel
        if channel is None or channel.closed:
            raise InternalError("No channel to reach the client on")
        rid = self.session.next_request_id()
        fut: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        self.session.pending[rid] = fut
        try:
            await channel.send(request(rid, method, req.get("params")))
            return await fut
        finally:
            self.session.pending.pop(rid, None)
