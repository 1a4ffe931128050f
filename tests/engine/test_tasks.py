"""The tasks extension over stdio: create, poll, answer input, cancel, and the refusals."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import RawStdio

TASKS = "io.modelcontextprotocol/tasks"
CAPS: dict[str, Any] = {"elicitation": {}, "extensions": {TASKS: {}}}


def request(
    rid: Any, method: str, caps: dict[str, Any] | None = None, **params: Any
) -> dict[str, Any]:
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": CAPS if caps is None else caps,
    }
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": {**params, "_meta": meta}}


async def poll(server: RawStdio, task_id: str, until: set[str]) -> dict[str, Any]:
    for i in range(200):
        task: dict[str, Any] = (
            await server.request(request(f"p{i}", "tasks/get", taskId=task_id))
        )["result"]
        if task["status"] in until:
            return task
        await asyncio.sleep(0.02)
    raise AssertionError(f"task {task_id} never reached {until}")


async def test_task_runs_asks_and_completes(stdio_server: RawStdio) -> None:
    created = (
        await stdio_server.request(
            request(1, "tools/call", name="long_job", arguments={"seconds": 0.05})
        )
    )["result"]
    assert created["resultType"] == "task"
    assert created["status"] == "working"
    assert created["ttlMs"] > 0
    assert "result" not in created
    task_id = created["taskId"]
    waiting = await poll(stdio_server, task_id, {"input_required"})
    assert waiting["inputRequests"]["publish"]["method"] == "elicitation/create"
    ack = await stdio_server.request(
        request(
            2,
            "tasks/update",
            taskId=task_id,
            inputResponses={
                "publish": {"action": "accept", "content": {"publish": True}},
                "stray": {},
            },
        )
    )
    assert set(ack["result"]) == {"resultType", "_meta"}
    done = await poll(stdio_server, task_id, {"completed", "failed", "cancelled"})
    assert done["status"] == "completed"
    assert done["result"]["content"] == [{"type": "text", "text": "published"}]
    assert "inputRequests" not in done


async def test_cancel_is_idempotent(stdio_server: RawStdio) -> None:
    created = (
        await stdio_server.request(
            request(1, "tools/call", name="long_job", arguments={"seconds": 30})
        )
    )["result"]
    task_id = created["taskId"]
    for rid in (2, 3):
        ack = await stdio_server.request(request(rid, "tasks/cancel", taskId=task_id))
        assert ack["result"]["resultType"] == "complete"
    task = await poll(stdio_server, task_id, {"cancelled"})
    assert task["status"] == "cancelled"


async def test_without_the_extension(stdio_server: RawStdio) -> None:
    plain: dict[str, Any] = {"elicitation": {}}
    reply = await stdio_server.request(request(1, "tools/call", caps=plain, name="batch_only"))
    assert reply["error"]["code"] == -32021
    assert reply["error"]["data"] == {"requiredCapabilities": {"extensions": {TASKS: {}}}}
    reply = await stdio_server.request(request(2, "tasks/get", caps=plain, taskId="x"))
    assert reply["error"]["code"] == -32021
    # An optional-task tool simply runs synchronously (and asks through MRTR).
    reply = await stdio_server.request(
        request(3, "tools/call", caps=plain, name="long_job", arguments={"seconds": 0})
    )
    assert reply["result"]["resultType"] == "input_required"


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        ("tasks/get", {"taskId": "no-such-task"}, -32602),
        ("tasks/get", {}, -32602),
        ("tasks/update", {"taskId": "no-such-task", "inputResponses": {}}, -32602),
        ("tasks/cancel", {"taskId": "no-such-task"}, -32602),
        ("tasks/result", {"taskId": "no-such-task"}, -32601),
        ("tasks/list", {}, -32601),
    ],
)
async def test_task_method_errors(
    stdio_server: RawStdio, method: str, params: dict[str, Any], code: int
) -> None:
    reply = await stdio_server.request(request(1, method, **params))
    assert reply["error"]["code"] == code
