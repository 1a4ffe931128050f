"""The notebook client against a live server: tools (sync, await, progress, errors,
timeouts, cancellation), prompts, notes and boards."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Iterator

import pytest

from mcp_workbench.errors import InvalidParams, MethodNotFound
from mcp_workbench.notebook import (
    BoardRecord,
    CallTimeout,
    ConnectionFailed,
    RenderedPrompt,
    ToolCallError,
    ToolHandle,
    Workbench,
)
from tests.serving import Served


@pytest.fixture
def wb(live_server: Served) -> Iterator[Workbench]:
    with Workbench(live_server.url, live_server.token, timeout=20) as client:
        yield client


def test_a_tool_is_called_by_attribute_and_by_name(wb: Workbench) -> None:
    assert wb.tools.echo(text="hi") == "hi"
    assert wb.tools["echo"](text="again") == "again"
    info = wb.tools.workbench.info()  # a dotted name, attribute by attribute
    assert info["version"] == wb.server_info["version"]
    assert info["client_protocol_version"] == "2025-11-25"
    assert wb.tools["workbench.info"]()["tools"] == info["tools"]
    # Structured results come back as Python values.
    assert wb.tools.add(numbers=[1, 2.5]) == {"total": 3.5, "count": 2}


def test_tab_completion_lists_the_tools(wb: Workbench) -> None:
    top = dir(wb.tools)
    assert {"echo", "notes", "prompts", "tasks", "workbench"} <= set(top)
    assert "search" in dir(wb.tools.notes)
    assert "notes.search" in wb.tools._ipython_key_completions_()
    assert "notes.search" in wb.tools
    handle = wb.tools.notes.search
    assert isinstance(handle, ToolHandle)
    params = inspect.signature(handle).parameters
    assert params["query"].default is inspect.Parameter.empty  # required
    assert params["limit"].default == 10
    assert "query" in handle._repr_html_()


def test_ipython_completes_tool_names(wb: Workbench) -> None:
    from IPython.core.completer import IPCompleter, provisionalcompleter

    completer = IPCompleter(namespace={"wb": wb}, global_namespace={})  # type: ignore[no-untyped-call]
    with provisionalcompleter():  # the API Jupyter kernels complete with

        def complete(line: str) -> list[str]:
            return [c.text for c in completer.completions(line, len(line))]

        assert complete("wb.tools.no") == ["notebooks", "notes"]
        assert "search" in complete("wb.tools.notes.se")
        assert complete('wb.tools["notes.se') == ["notes.search"]


def test_an_unknown_tool_names_the_available_ones(wb: Workbench) -> None:
    with pytest.raises(AttributeError, match=r"no tool 'ecco'.*available: .*echo"):
        _ = wb.tools.ecco
    with pytest.raises(KeyError, match=r"no tool 'notes.find'.*notes.search"):
        wb.tools["notes.find"]


def test_a_tool_error_raises_with_the_tools_message(wb: Workbench) -> None:
    with pytest.raises(ToolCallError, match="the disk is full") as caught:
        wb.tools.fail(message="the disk is full")
    assert caught.value.tool == "fail"
    # Arguments the schema refuses come back as the tool's error too.
    with pytest.raises(ToolCallError, match="text"):
        wb.tools.echo()


def test_a_json_rpc_error_is_a_typed_exception(wb: Workbench) -> None:
    with pytest.raises(MethodNotFound, match="no/such"):
        wb._request("no/such", {})
    gone = ToolHandle(wb, wb.tools.echo.info.__class__(name="removed.meanwhile"))
    with pytest.raises(InvalidParams, match=r"removed\.meanwhile"):
        gone()


def test_the_await_form_gives_the_same_value(wb: Workbench) -> None:
    async def both() -> list[str]:
        return list(
            await asyncio.gather(
                wb.tools.echo.acall(text="one"), wb.tools["echo"].acall(text="two")
            )
        )

    assert asyncio.run(both()) == ["one", "two"]

    async def failing() -> None:
        await wb.tools.fail.acall(message="async failure")

    with pytest.raises(ToolCallError, match="async failure"):
        asyncio.run(failing())


def test_progress_reaches_the_caller(wb: Workbench) -> None:
    seen: list[tuple[float, float | None, str | None]] = []
    result = wb.tools.slow.call({"steps": 3}, progress=lambda *event: seen.append(event))
    assert result == "done 3"
    assert seen == [(1.0, 3, "step 1"), (2.0, 3, "step 2"), (3.0, 3, "step 3")]


def test_a_call_past_its_timeout_is_cancelled_at_the_server(wb: Workbench) -> None:
    key = f"timeout-{time.monotonic_ns()}"
    started = time.monotonic()
    with pytest.raises(CallTimeout, match=r"no answer within 0\.5 s"):
        wb.tools.wait_for_cancel.call({"key": key}, timeout=0.5)
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while not wb.tools.was_cancelled(key=key):  # the server acts on the cancellation
        assert time.monotonic() < deadline, "the server never saw the cancellation"
        time.sleep(0.05)


def test_ctrl_c_cancels_the_call_at_the_server(wb: Workbench) -> None:
    key = f"interrupt-{time.monotonic_ns()}"

    def interrupt(*_: object) -> None:  # the first progress event: the call is running
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        wb.tools.wait_for_cancel.call({"key": key}, progress=interrupt)
    deadline = time.monotonic() + 5
    while not wb.tools.was_cancelled(key=key):
        assert time.monotonic() < deadline, "the server never saw the cancellation"
        time.sleep(0.05)
    assert wb.tools.echo(text="still fine") == "still fine"


def test_prompts_render_with_arguments(wb: Workbench) -> None:
    rendered = wb.prompts.render("code-review", language="Python", code="x = 1")
    assert isinstance(rendered, RenderedPrompt)
    assert rendered.name == "code-review"
    assert "Review this Python code" in rendered.text
    assert "x = 1" in rendered.text
    assert "code-review" in rendered._repr_markdown_()
    assert "code-review" in [p["name"] for p in wb.prompts.list()]
    with pytest.raises(ToolCallError, match="no-such-prompt"):
        wb.prompts.render("no-such-prompt")
    assert asyncio.run(wb.prompts.arender("code-review", language="Go", code="")).text.startswith(
        "Review this Go code"
    )


def test_notes_search_finds_a_written_note(wb: Workbench) -> None:
    path = "client-test/Clamp.md"
    wb.tools.notes.write(path=path, body="# Clamp\n\nA potato clamp keeps the harvest.")
    hits = wb.notes.search("potato")
    assert [h.path for h in hits] == [path]
    assert "potato" in hits[0].snippet
    assert path in hits._repr_html_()
    assert wb.notes.read(path).title == "Clamp"
    assert wb.notes.search("nothing-matches-this") == []
    assert [h.path for h in asyncio.run(wb.notes.asearch("potato"))] == [path]


def test_boards_by_title_and_the_error_for_an_unknown_one(wb: Workbench) -> None:
    board = wb.boards["Roadmap"]
    assert isinstance(board, BoardRecord)
    assert [lane["title"] for lane in board.lanes] == ["Todo", "Doing", "Done"]
    assert [c.title for c in board.cards_in("Todo")] == [
        "Write the first note of your own",
        "Connect an MCP client",
    ]
    assert "### Roadmap" in board._repr_markdown_()
    assert "Roadmap" in [b.title for b in wb.boards]
    with pytest.raises(KeyError, match=r"no board 'Nope'.*boards: .*'Roadmap'"):
        wb.boards["Nope"]


def test_a_wrong_token_or_address_is_a_clear_error(live_server: Served) -> None:
    with pytest.raises(ConnectionFailed, match=r"refused.*check the token"):
        Workbench(live_server.url, "wrong-token", timeout=5)
    with pytest.raises(ConnectionFailed, match="not an http"):
        Workbench("localhost:8888", "x")


def test_a_lost_connection_fails_calls_at_once(live_server: Served) -> None:
    client = Workbench(live_server.url, live_server.token, timeout=20)
    client.close()
    assert not client.connected
    with pytest.raises(ConnectionFailed, match="not connected"):
        client.tools.echo(text="x")
