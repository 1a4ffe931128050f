"""Notebook functions served as tools, called by the official SDK client over Streamable
HTTP: names, schemas, results and errors, cancellation, and their end with the kernel's
connection (``notifications/tools/list_changed``)."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from pydantic import Field

from mcp_workbench import ToolContext
from mcp_workbench.errors import InvalidParams
from mcp_workbench.notebook import CallTimeout, ToolCallError, Workbench
from tests.serving import Served


@asynccontextmanager
async def sdk_client(server: Served, changed: anyio.Event | None = None) -> AsyncIterator[Client]:
    """The official SDK's client on ``/mcp``; ``changed`` is set on a tools list_changed."""

    async def on_message(message: Any) -> None:
        if changed is not None and isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with (
        httpx2.AsyncClient(headers=server.headers) as http,
        Client(
            streamable_http_client(server.mcp_url, http_client=http),
            mode="legacy",
            cache=None,
            message_handler=on_message,
        ) as client,
    ):
        yield client


@pytest.fixture
def kernel(live_server: Served) -> Iterator[Workbench]:
    """A client standing in for a notebook's kernel, named after its notebook."""
    with Workbench(
        live_server.url, live_server.token, timeout=20, notebook="work/My Analysis.ipynb"
    ) as client:
        yield client


async def test_a_notebook_function_is_a_tool_for_the_sdk_client(
    live_server: Served, kernel: Workbench
) -> None:
    @kernel.tool
    def scale(
        values: Annotated[list[float], Field(description="Numbers to scale.")],
        factor: float = 2.0,
        unit: Literal["m", "km"] = "m",
    ) -> dict[str, Any]:
        """Multiply every value by a factor."""
        return {"values": [v * factor for v in values], "unit": unit}

    assert re.fullmatch(r"nb\.[A-Za-z0-9_-]+\.My_Analysis", kernel.namespace or "")
    assert scale.tool_name == f"{kernel.namespace}.scale"
    assert scale([1.0], 3.0) == {"values": [3.0], "unit": "m"}  # still a plain function

    async with sdk_client(live_server) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        tool = listed[scale.tool_name]
        assert tool.description == "Multiply every value by a factor."
        assert tool.input_schema["required"] == ["values"]
        assert tool.input_schema["properties"]["unit"]["enum"] == ["m", "km"]
        result = await client.call_tool(scale.tool_name, {"values": [1, 2.5], "unit": "km"})
        assert not result.is_error
        assert result.structured_content == {"values": [2.0, 5.0], "unit": "km"}
        refused = await client.call_tool(scale.tool_name, {"values": "many"})
        assert refused.is_error
        text = refused.content[0]
        assert isinstance(text, types.TextContent)
        assert "values" in text.text
    # The notebook's own client sees it too, under the same name.
    assert kernel.tools[scale.tool_name](values=[1]) == {"values": [2.0], "unit": "m"}


async def test_errors_and_async_functions(live_server: Served, kernel: Workbench) -> None:
    @kernel.tool(name="explode", description="Always fails.")
    def boom(reason: str) -> str:
        raise ValueError(f"cannot go on: {reason}")

    @kernel.tool
    async def greet(name: str) -> str:
        await asyncio.sleep(0)
        return f"Hello, {name}!"

    async with sdk_client(live_server) as client:
        failed = await client.call_tool(boom.tool_name, {"reason": "no fuel"})
        assert failed.is_error
        text = failed.content[0]
        assert isinstance(text, types.TextContent)
        assert text.text == "ValueError: cannot go on: no fuel"
        greeted = await client.call_tool(greet.tool_name, {"name": "Ada"})
        assert [c.text for c in greeted.content if isinstance(c, types.TextContent)] == [
            "Hello, Ada!"
        ]
    with pytest.raises(ToolCallError, match="cannot go on: here"):
        kernel.tools[boom.tool_name](reason="here")


def test_a_call_given_up_is_cancelled_in_the_kernel(live_server: Served, kernel: Workbench) -> None:
    started, cancelled = threading.Event(), threading.Event()

    @kernel.tool
    async def wait_forever() -> str:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    with Workbench(live_server.url, live_server.token) as caller, pytest.raises(CallTimeout):
        caller.tools[wait_forever.tool_name].call(timeout=1)
    assert started.is_set()
    assert cancelled.wait(10), "the kernel's function was not cancelled"


async def test_the_tools_go_when_the_kernel_goes(live_server: Served) -> None:
    changed = anyio.Event()
    kernel = Workbench(live_server.url, live_server.token, notebook="Short lived.ipynb")
    try:

        @kernel.tool
        def ping() -> str:
            return "pong"

        async with sdk_client(live_server, changed) as client:
            assert ping.tool_name in {t.name for t in (await client.list_tools()).tools}
            kernel.close()
            with anyio.fail_after(10):
                await changed.wait()
            assert ping.tool_name not in {t.name for t in (await client.list_tools()).tools}
            with pytest.raises(MCPError, match=f"Unknown tool: {re.escape(ping.tool_name)}"):
                await client.call_tool(ping.tool_name, {})
    finally:
        kernel.close()


def test_the_newest_kernel_of_a_notebook_keeps_the_name(live_server: Served) -> None:
    first = Workbench(live_server.url, live_server.token, notebook="Twice.ipynb")
    second = Workbench(live_server.url, live_server.token, notebook="Twice.ipynb")
    try:

        @first.tool(name="which")
        def from_first() -> str:
            return "first"

        @second.tool(name="which")
        def from_second() -> str:
            return "second"

        assert from_first.tool_name == from_second.tool_name
        assert second.tools[from_second.tool_name]() == "second"
        first.close()  # the older kernel stops: the name stays with the newer one
        assert second.tools.refresh()[from_second.tool_name]() == "second"
        from_second.remove()
        assert from_second.tool_name not in second.tools.refresh()
    finally:
        first.close()
        second.close()


def test_a_function_that_asks_for_a_context_is_refused(kernel: Workbench) -> None:
    def needs_context(ctx: ToolContext) -> str:
        return "x"

    with pytest.raises(TypeError, match="cannot take a ToolContext"):
        kernel.tool(needs_context)


def test_malformed_registrations_are_refused(kernel: Workbench) -> None:
    register = "workbench/functions/register"
    with pytest.raises(InvalidParams, match="invalid function name 'two words'"):
        kernel._request(register, {"tools": [{"name": "two words"}]})
    with pytest.raises(InvalidParams, match="inputSchema must be a JSON Schema of type"):
        kernel._request(register, {"tools": [{"name": "f", "inputSchema": {"type": "string"}}]})
    bad = {"type": "object", "properties": {"x": {"type": "no-such-type"}}}
    with pytest.raises(InvalidParams, match="invalid input schema"):
        kernel._request(register, {"tools": [{"name": "f", "inputSchema": bad}]})
    with pytest.raises(InvalidParams, match="non-empty list"):
        kernel._request(register, {"tools": []})
    assert kernel.namespace is None  # nothing was registered


def test_a_notebook_function_reports_progress_to_its_caller(
    live_server: Served, kernel: Workbench
) -> None:
    @kernel.tool
    def count_to(n: int) -> str:
        for i in range(1, n + 1):
            kernel.report_progress(i, n, f"at {i}")
        return "counted"

    @kernel.tool
    async def count_async(n: int) -> str:
        for i in range(1, n + 1):
            await kernel.areport_progress(i)
        return "counted too"

    seen: list[tuple[float, float | None, str | None]] = []
    with Workbench(live_server.url, live_server.token, timeout=20) as caller:
        handle = caller.tools[count_to.tool_name]
        assert handle.call({"n": 3}, progress=lambda *e: seen.append(e)) == "counted"
        assert seen == [(1.0, 3.0, "at 1"), (2.0, 3.0, "at 2"), (3.0, 3.0, "at 3")]
        seen.clear()
        handle = caller.tools[count_async.tool_name]
        assert handle.call({"n": 2}, progress=lambda *e: seen.append(e)) == "counted too"
        assert seen == [(1.0, None, None), (2.0, None, None)]
    assert count_to(2) == "counted"  # called directly: nobody to report to, no error


def test_an_async_notebook_tool_awaits_other_tools(live_server: Served, kernel: Workbench) -> None:
    @kernel.tool
    async def shout(text: str) -> str:
        echoed = await kernel.tools["echo"].acall(text=text)
        return str(echoed).upper()

    @kernel.tool
    async def blocks(text: str) -> str:
        return str(kernel.tools.echo(text=text))  # would wait for its own loop

    with Workbench(live_server.url, live_server.token, timeout=20) as caller:
        assert caller.tools[shout.tool_name](text="hey") == "HEY"
        with pytest.raises(ToolCallError, match=r"RuntimeError: .*await the call"):
            caller.tools[blocks.tool_name](text="hey")
