"""The tasks extension's methods (``tasks/get``, ``tasks/update``, ``tasks/cancel``) and the
promotion of a running tool call to a task."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from mcp_workbench.engine.call import Call
from mcp_workbench.engine.tasks import EXTENSION
from mcp_workbench.errors import InvalidParams, MissingRequiredClientCapability

if TYPE_CHECKING:
    from mcp_workbench.engine.engine import Engine

__all__ = ["client_has_tasks", "install_tasks", "require_tasks", "run_as_task"]


def client_has_tasks(call: Call) -> bool:
    """Whether the request's client capabilities declare the tasks extension."""
    extensions = call.client_capabilities.get("extensions")
    return call.modern and isinstance(extensions, dict) and EXTENSION in extensions


def require_tasks(call: Call, what: str) -> None:
    """Refuse ``what`` unless the client declared the tasks extension.

    Raises:
        MissingRequiredClientCapability: it did not.
    """
    if not client_has_tasks(call):
        raise MissingRequiredClientCapability(
            f"{what} needs the client extension {EXTENSION!r}",
            required={"extensions": {EXTENSION: {}}},
        )


async def run_as_task(
    engine: Engine, call: Call, work: Callable[[], Awaitable[dict[str, Any]]], after: float
) -> dict[str, Any]:
    """Run ``work``; if it has not finished after ``after`` seconds, it becomes a task.

    Returns the work's own result when it finished in time, else a ``CreateTaskResult``.
    Exceptions within the window (an input request among them) propagate as for any call.
    """

    async def execute() -> dict[str, Any]:
        return await work()

    runner = asyncio.create_task(execute())
    if after > 0:
        try:
            done, _ = await asyncio.wait({runner}, timeout=after)
        except asyncio.CancelledError:
            runner.cancel()
            raise
        if done:
            return runner.result()
    record = engine.tasks.create(call.principal)
    call.task = record
    call.channel = None  # the request's own stream ends with this answer
    record.adopt(runner)
    return {"resultType": "task", **record.handle()}


def install_tasks(engine: Engine) -> None:
    """Register the ``tasks/*`` methods on ``engine``."""

    def task_of(call: Call) -> Any:
        require_tasks(call, call.method)
        task_id = call.params.get("taskId")
        if not isinstance(task_id, str):
            raise InvalidParams("params.taskId is required and must be a string")
        return engine.tasks.get(task_id, call.principal)

    @engine.method("tasks/get")
    async def get(call: Call) -> dict[str, Any]:
        detailed: dict[str, Any] = task_of(call).detailed()
        return detailed

    @engine.method("tasks/update")
    async def update(call: Call) -> dict[str, Any]:
        record = task_of(call)
        responses = call.params.get("inputResponses")
        if not isinstance(responses, dict):
            raise InvalidParams("params.inputResponses is required and must be an object")
        record.answer(responses)
        return {}

    @engine.method("tasks/cancel")
    async def cancel(call: Call) -> dict[str, Any]:
        task_of(call).cancel()
        return {}
