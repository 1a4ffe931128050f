"""``/tools`` over REST: the catalogue, and calls that go through the engine as MCP
``tools/call`` (results, tool failures, refusals, and the audit of what they change)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.jupyter.rest_api import Api


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


async def test_list_and_call_tools(api: Api) -> None:
    tools = (await api.get("tools")).body
    names = [tool["name"] for tool in tools]
    assert names == sorted(names)
    assert {"echo", "add", "notes.write", "workbench.info"} <= set(names)
    add = next(tool for tool in tools if tool["name"] == "add")
    assert add["inputSchema"]["required"] == ["numbers"]
    assert add["annotations"] == {"readOnlyHint": True}
    assert "outputSchema" in add

    echoed = await api("POST", "tools/echo/call", {"text": "hello"})
    assert echoed.status == 200
    assert echoed.body["content"] == [{"type": "text", "text": "hello"}]
    assert not echoed.body.get("isError")
    summed = await api("POST", "tools/add/call", {"numbers": [1, 2.5]})
    assert summed.body["structuredContent"] == {"total": 3.5, "count": 2}

    failed = await api("POST", "tools/fail/call", {"message": "boom"})
    assert (failed.status, failed.body["isError"]) == (200, True)
    assert "boom" in failed.body["content"][0]["text"]
    bad_arguments = await api("POST", "tools/add/call", {"numbers": "many"})
    assert (bad_arguments.status, bad_arguments.body["isError"]) == (200, True)

    unknown = await api("POST", "tools/nope/call", {})
    assert (unknown.status, unknown.body["reason"]) == (404, "NotFound")
    needs_tasks = await api("POST", "tools/batch_only/call", {})
    assert needs_tasks.status == 400
    not_an_object = await api("POST", "tools/echo/call", ["hello"])
    assert not_an_object.status == 400
    asks_the_user = await api("POST", "tools/ask_name/call", {})
    assert asks_the_user.status == 400
    assert "elicitation" in asks_the_user.body["message"]


async def test_a_tool_call_is_audited_as_a_rest_change(api: Api) -> None:
    wrote = await api("POST", "tools/notes.write/call", {"path": "via-tool.md", "body": "hi"})
    assert wrote.body["structuredContent"]["path"] == "via-tool.md"
    request_id = wrote.headers["X-Request-Id"]
    assert (await api.get("notes/via-tool.md")).status == 200
    entries = (await api.get("audit", outcome="ok")).body
    entry = next(e for e in entries if e["target"] == "via-tool.md")
    assert (entry["transport"], entry["action"], entry["request_id"]) == (
        "rest",
        "note.created",
        request_id,
    )
    assert entry["args_hash"]


def _events(body: bytes) -> list[tuple[str, Any]]:
    """The (event, data) pairs of a server-sent event stream."""
    out = []
    for block in body.decode().split("\n\n"):
        if block.strip():
            fields = dict(line.split(": ", 1) for line in block.splitlines())
            out.append((fields["event"], json.loads(fields["data"])))
    return out


async def test_a_call_streams_its_progress_as_server_sent_events(jp_fetch: Any) -> None:
    async def call(tool: str, arguments: Any) -> Any:
        return await jp_fetch(
            "mcp-workbench",
            "api",
            "v1",
            "tools",
            tool,
            "call",
            method="POST",
            body=json.dumps(arguments),
            headers={"Accept": "text/event-stream"},
            raise_error=False,
        )

    streamed = await call("slow", {"steps": 3})
    assert streamed.code == 200
    assert streamed.headers["Content-Type"].startswith("text/event-stream")
    events = _events(streamed.body)
    assert events[:3] == [
        ("progress", {"progress": n, "total": 3, "message": f"step {n}"}) for n in (1, 2, 3)
    ]
    assert events[3][0] == "result"
    assert events[3][1]["content"] == [{"type": "text", "text": "done 3"}]
    assert len(events) == 4

    # No progress: the stream is the result alone; a tool's failure is a result too.
    failed = await call("add", {"numbers": "many"})
    assert failed.headers["Content-Type"].startswith("text/event-stream")
    assert [(event, data["isError"]) for event, data in _events(failed.body)] == [("result", True)]
    # Refused before the call starts: a plain JSON answer with its status.
    unknown = await call("nope", {})
    assert unknown.code == 404
    assert json.loads(unknown.body)["reason"] == "NotFound"
