"""Tasks (extension ``io.modelcontextprotocol/tasks``): long tool calls as durable handles.

A task-capable tool called by a client that declares the extension runs in the background;
the client gets a ``CreateTaskResult`` (``resultType: "task"``) and polls ``tasks/get``.
While it runs, the tool's requests for input park the task in ``input_required`` until
``tasks/update`` answers them; ``tasks/cancel`` stops it. Records live in memory for their
TTL (a restart loses them, which clients see as an unknown task).
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from mcp_workbench.errors import InvalidParams, jsonrpc_error
from mcp_workbench.registry.context import InputRequest

__all__ = ["EXTENSION", "TaskRecord", "TaskStatus", "TaskStore"]

EXTENSION = "io.modelcontextprotocol/tasks"

TaskStatus = Literal["working", "input_required", "completed", "failed", "cancelled"]
TERMINAL: frozenset[str] = frozenset({"completed", "failed", "cancelled"})


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_serial = itertools.count(1)


@dataclass(slots=True, eq=False)
class TaskRecord:
    """One task: its status, what it waits for, and how it ended."""

    id: str
    principal: str | None
    ttl_ms: int
    poll_ms: int
    status: TaskStatus = "working"
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    message: str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    input_requests: dict[str, InputRequest] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    runner: asyncio.Task[dict[str, Any]] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def terminal(self) -> bool:
        """True once the task has completed, failed or been cancelled."""
        return self.status in TERMINAL

    def _set(self, status: TaskStatus) -> None:
        if not self.terminal:
            self.status = status
            self.updated = time.time()

    def handle(self) -> dict[str, Any]:
        """The task's identity and state (the body of ``CreateTaskResult``)."""
        body: dict[str, Any] = {
            "taskId": self.id,
            "status": self.status,
            "createdAt": _iso(self.created),
            "lastUpdatedAt": _iso(self.updated),
            "ttlMs": self.ttl_ms,
            "pollIntervalMs": self.poll_ms,
        }
        if self.message is not None:
            body["statusMessage"] = self.message
        return body

    def detailed(self) -> dict[str, Any]:
        """What ``tasks/get`` answers: the handle plus the result, error or open requests."""
        body = self.handle()
        if self.status == "completed" and self.result is not None:
            body["result"] = self.result
        elif self.status == "failed" and self.error is not None:
            body["error"] = self.error
        elif self.status == "input_required":
            body["inputRequests"] = dict(self.input_requests)
        return body

    def progress(self, message: str | None) -> None:
        """A status message from the running tool."""
        if message is not None and not self.terminal:
            self.message = message
            self.updated = time.time()

    async def request_input(self, requests: dict[str, InputRequest]) -> dict[str, Any]:
        """Park the task in ``input_required`` until every request has an answer."""
        missing = {k: r for k, r in requests.items() if k not in self.answers}
        if missing:
            self.input_requests.update(missing)
            self._set("input_required")
            while any(k not in self.answers for k in requests):
                self._changed.clear()
                await self._changed.wait()
            self._set("working")
        return {k: self.answers[k] for k in requests}

    def answer(self, responses: dict[str, Any]) -> None:
        """Answers from ``tasks/update``; keys nobody asked for are ignored."""
        for key, value in responses.items():
            if key in self.input_requests:
                self.answers[key] = value
                del self.input_requests[key]
        self.updated = time.time()
        self._changed.set()

    def adopt(self, runner: asyncio.Task[dict[str, Any]]) -> None:
        """Follow the background call: its outcome becomes the task's."""
        self.runner = runner
        runner.add_done_callback(self._finished)

    def _finished(self, runner: asyncio.Task[dict[str, Any]]) -> None:
        if self.terminal:
            return
        if runner.cancelled():
            self._set("cancelled")
            return
        exc = runner.exception()
        if exc is None:
            self.result = runner.result()
            self._set("completed")
        else:
            self.error = jsonrpc_error(exc)
            self._set("failed")

    def cancel(self) -> None:
        """Stop the task (no effect once it has ended)."""
        if self.terminal:
            return
        if self.runner is not None and not self.runner.done():
            self.runner.cancel()
        self._set("cancelled")
        self._changed.set()


class TaskStore:
    """The tasks of one engine, by id, each kept for its TTL."""

    def __init__(self, *, ttl_ms: int, poll_ms: int) -> None:
        self.ttl_ms = ttl_ms
        self.poll_ms = poll_ms
        self._tasks: dict[str, TaskRecord] = {}

    def create(self, principal: str | None) -> TaskRecord:
        """A new working task, stored before anyone hears of it."""
        self._expire()
        task_id = f"task-{next(_serial)}-{secrets.token_urlsafe(12)}"
        record = TaskRecord(task_id, principal, self.ttl_ms, self.poll_ms)
        self._tasks[task_id] = record
        return record

    def get(self, task_id: Any, principal: str | None) -> TaskRecord:
        """The task ``task_id`` of ``principal``.

        Raises:
            InvalidParams: no such task (or it belongs to someone else, or has expired).
        """
        self._expire()
        record = self._tasks.get(task_id) if isinstance(task_id, str) else None
        if record is None or record.principal != principal:
            raise InvalidParams(f"Unknown task: {task_id}", data={"taskId": task_id})
        return record

    def _expire(self) -> None:
        now = time.time()
        for task_id, record in list(self._tasks.items()):
            if now - record.created > record.ttl_ms / 1000:
                record.cancel()
                del self._tasks[task_id]

    def cancel_all(self) -> None:
        """Stop every running task (shutdown)."""
        for record in self._tasks.values():
            record.cancel()
