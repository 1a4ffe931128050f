"""The MCP conversation, driven by the official SDK client, over every transport and revision."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from tests.conftest import PAGE_SIZE, Connect

pytestmark = pytest.mark.timeout(60)


async def _elicit(_ctx: Any, params: Any) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"name": "Ada"})


async def _sample(_ctx: Any, params: Any) -> types.CreateMessageResult:
    text = params.messages[0].content.text
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=f"<{len(text)} chars>"),
        model="test-model",
        stop_reason="endTurn",
    )


def _modern(connect: Connect) -> bool:
    return bool(connect.revision == "2026-07-28")  # type: ignore[attr-defined]


async def test_server_identity_and_capabilities(connect: Connect) -> None:
    async with connect() as client:
        assert client.server_info is not None
        assert client.server_info.name == "mcp-workbench"
        caps = client.server_capabilities
        assert caps.tools is not None
        assert caps.tools.list_changed
        assert caps.resources is not None
        assert caps.resources.subscribe
        assert caps.prompts is not None


async def test_tools_list_paginates_in_name_order(connect: Connect) -> None:
    async with connect() as client:
        names: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            page = await client.list_tools(cursor=cursor)
            assert len(page.tools) <= PAGE_SIZE
            names += [t.name for t in page.tools]
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        assert pages > 1
        assert names == sorted(names)
        assert {"echo", "add", "slow", "ask_name", "fail"} <= set(names)
        assert len(names) == len(set(names))


async def test_tool_descriptors_follow_revision(connect: Connect) -> None:
    async with connect() as client:
        tools: dict[str, types.Tool] = {}
        cursor = None
        while True:
            page = await client.list_tools(cursor=cursor)
            tools.update({t.name: t for t in page.tools})
            if (cursor := page.next_cursor) is None:
                break
        echo = tools["echo"]
        assert echo.description == "Repeat the text."
        assert echo.input_schema["properties"]["text"]["type"] == "string"
        assert echo.input_schema["required"] == ["text"]
        add = tools["add"]
        assert add.annotations is not None
        assert add.annotations.read_only_hint is True
        if connect.revision == "2025-03-26":  # type: ignore[attr-defined]
            assert add.output_schema is None  # structured output came with 2025-06-18
        else:
            assert add.output_schema is not None
            assert set(add.output_schema["properties"]) == {"total", "count"}


async def test_call_tool_text_and_structured(connect: Connect) -> None:
    async with connect() as client:
        result = await client.call_tool("echo", {"text": "hello ☃"})
        assert not result.is_error
        assert [c.text for c in result.content if isinstance(c, types.TextContent)] == ["hello ☃"]
        result = await client.call_tool("add", {"numbers": [1, 2, 3.5]})
        assert not result.is_error
        if connect.revision == "2025-03-26":  # type: ignore[attr-defined]
            assert result.structured_content is None
        else:
            assert result.structured_content == {"total": 6.5, "count": 3}
        text = result.content[0]
        assert isinstance(text, types.TextContent)
        assert '"total":6.5' in text.text


async def test_tool_errors_are_results(connect: Connect) -> None:
    async with connect() as client:
        result = await client.call_tool("fail", {"message": "boom"})
        assert result.is_error
        assert "boom" in result.content[0].text  # type: ignore[union-attr]
        result = await client.call_tool("add", {"numbers": "not a list"})
        assert result.is_error
        assert "numbers" in result.content[0].text  # type: ignore[union-attr]
        # The connection keeps serving.
        assert (await client.call_tool("echo", {"text": "still here"})).content[
            0
        ].text == "still here"  # type: ignore[union-attr]


async def test_unknown_tool_is_a_protocol_error(connect: Connect) -> None:
    async with connect() as client:
        with pytest.raises(MCPError) as err:
            await client.call_tool("no_such_tool", {})
        assert err.value.error.code == -32602
        assert "no_such_tool" in err.value.error.message


async def test_progress_notifications(connect: Connect) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with connect() as client:
        result = await client.call_tool("slow", {"steps": 4}, progress_callback=on_progress)
        assert result.content[0].text == "done 4"  # type: ignore[union-attr]
    assert [p for p, _, _ in seen] == [1, 2, 3, 4]
    assert all(t == 4 for _, t, _ in seen)
    assert seen[-1][2] == "step 4"


async def test_log_messages_respect_level(connect: Connect) -> None:
    messages: list[types.LoggingMessageNotificationParams] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        messages.append(params)

    options: dict[str, Any] = {"logging_callback": on_log}
    if _modern(connect):
        options["log_level"] = "info"
    async with connect(**options) as client:
        if not _modern(connect):
            await client.set_logging_level("info")
        await client.call_tool("slow", {"steps": 2})
        assert [m.data for m in messages] == ["step 1 of 2", "step 2 of 2"]
        assert all(m.level == "info" and m.logger == "slow" for m in messages)
        messages.clear()
        if not _modern(connect):
            await client.set_logging_level("warning")
            await client.call_tool("slow", {"steps": 2})
            assert messages == []


async def test_modern_logs_only_when_asked(connect_modern: Connect) -> None:
    messages: list[Any] = []

    async def on_log(params: Any) -> None:
        messages.append(params)

    async with connect_modern(logging_callback=on_log) as client:
        await client.call_tool("slow", {"steps": 2})
    assert messages == []


async def test_elicitation(connect: Connect) -> None:
    async with connect(elicitation_callback=_elicit) as client:
        result = await client.call_tool("ask_name", {})
        if connect.revision == "2025-03-26":  # type: ignore[attr-defined]
            # 2025-03-26 has no elicitation: the tool fails with a clear message.
            assert result.is_error
            assert "2025-03-26" in result.content[0].text  # type: ignore[union-attr]
        else:
            assert not result.is_error
            assert result.content[0].text == "hello Ada"  # type: ignore[union-attr]


async def test_elicitation_without_capability_is_refused(connect: Connect) -> None:
    async with connect() as client:
        if _modern(connect):
            with pytest.raises(MCPError) as err:
                await client.call_tool("ask_name", {})
            assert err.value.error.code == -32021
            assert err.value.error.data == {"requiredCapabilities": {"elicitation": {}}}
        else:
            result = await client.call_tool("ask_name", {})
            assert result.is_error
            assert "elicitation" in result.content[0].text.lower()  # type: ignore[union-attr]


async def test_sampling(connect: Connect) -> None:
    async with connect(sampling_callback=_sample) as client:
        result = await client.call_tool("summarize", {"text": "abcdef"})
        assert not result.is_error, result
        assert result.content[0].text == "summary: <17 chars>"  # type: ignore[union-attr]


async def test_prompts(connect: Connect) -> None:
    async with connect() as client:
        listed = await client.list_prompts()
        poem = next(p for p in listed.prompts if p.name == "poem")
        assert poem.arguments is not None
        assert [(a.name, a.required) for a in poem.arguments] == [("topic", True), ("style", False)]
        got = await client.get_prompt("poem", {"topic": "the sea", "style": "limerick"})
        assert got.messages[0].role == "user"
        assert got.messages[0].content.text == "Write a limerick about the sea."  # type: ignore[union-attr]
        with pytest.raises(MCPError) as err:
            await client.get_prompt("poem", {})
        assert err.value.error.code == -32602
        assert "topic" in err.value.error.message
        with pytest.raises(MCPError) as err:
            await client.get_prompt("nope", {})
        assert err.value.error.code == -32602


async def test_resources(connect: Connect) -> None:
    async with connect() as client:
        listed = await client.list_resources()
        by_uri = {str(r.uri): r for r in listed.resources}
        assert sorted(by_uri) == ["demo://readme", "workbench://about"]
        assert by_uri["demo://readme"].mime_type == "text/markdown"
        templates = await client.list_resource_templates()
        assert [t.uri_template for t in templates.resource_templates] == ["demo://items/{item_id}"]
        read = await client.read_resource("demo://readme")
        assert read.contents[0].text == "# Demo\n"  # type: ignore[union-attr]
        read = await client.read_resource("demo://items/b")
        assert read.contents[0].text == "item b"  # type: ignore[union-attr]
        with pytest.raises(MCPError) as err:
            await client.read_resource("demo://missing")
        assert err.value.error.code == (-32602 if _modern(connect) else -32002)


async def test_completion(connect: Connect) -> None:
    async with connect() as client:
        done = await client.complete(
            types.PromptReference(type="ref/prompt", name="poem"), {"name": "style", "value": "l"}
        )
        assert done.completion.values == ["limerick"]
        done = await client.complete(
            types.ResourceTemplateReference(type="ref/resource", uri="demo://items/{item_id}"),
            {"name": "item_id", "value": ""},
        )
        assert done.completion.values == ["a", "b", "c"]
        assert done.completion.total == 3


async def test_list_changed_on_hot_registration(connect: Connect) -> None:
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with connect(message_handler=on_message) as client:
        if _modern(connect):
            async with client.listen(tools_list_changed=True) as sub:
                assert sub.honored is not None
                assert sub.honored.tools_list_changed
                await client.call_tool("toggle_tool", {"present": True})
                with anyio.fail_after(5):
                    async for event in sub:
                        assert type(event).__name__ == "ToolsListChanged"
                        break
        else:
            await client.call_tool("toggle_tool", {"present": True})
            with anyio.fail_after(5):
                await changed.wait()
        names = set()
        cursor = None
        while True:
            page = await client.list_tools(cursor=cursor)
            names |= {t.name for t in page.tools}
            if (cursor := page.next_cursor) is None:
                break
        assert "dynamic" in names
        assert (await client.call_tool("dynamic", {})).content[0].text == "I am new"  # type: ignore[union-attr]
        await client.call_tool("toggle_tool", {"present": False})


async def test_resource_updated_notifications(connect: Connect) -> None:
    updated: list[str] = []
    got = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ResourceUpdatedNotification) and not _modern(connect):
            updated.append(str(message.params.uri))
            got.set()

    async with connect(message_handler=on_message) as client:
        if _modern(connect):
            async with client.listen(resource_subscriptions=["demo://readme"]) as sub:
                await client.call_tool("touch", {"uri": "demo://other"})
                await client.call_tool("touch", {"uri": "demo://readme"})
                with anyio.fail_after(5):
                    async for event in sub:
                        assert isinstance(event, ResourceUpdated)
                        updated.append(event.uri)
                        break
        else:
            await client.subscribe_resource("demo://readme")
            await client.call_tool("touch", {"uri": "demo://other"})
            await client.call_tool("touch", {"uri": "demo://readme"})
            with anyio.fail_after(5):
                await got.wait()
            await client.unsubscribe_resource("demo://readme")
    assert updated == ["demo://readme"]


async def test_cancellation_stops_the_call(connect: Connect) -> None:
    async with connect() as client:
        with anyio.move_on_after(0.3):
            await client.call_tool("sleepy", {"seconds": 30})
        # The server keeps serving after the cancelled call.
        result = await client.call_tool("echo", {"text": "after"})
        assert result.content[0].text == "after"  # type: ignore[union-attr]


async def test_concurrent_calls(connect: Connect) -> None:
    async with connect() as client:
        results = await asyncio.gather(
            *(client.call_tool("echo", {"text": str(i)}) for i in range(20))
        )
        assert [r.content[0].text for r in results] == [str(i) for i in range(20)]  # type: ignore[union-attr]
