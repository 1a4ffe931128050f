"""``/tools`` over REST: the catalogue, and calls that go through the engine as MCP
``tools/call`` (results, tool failures, refusals, and the audit of what they change)."""

from __future__ import annotations

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
