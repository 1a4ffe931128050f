"""The example notebooks, executed by nbclient in a real kernel against the live server,
their outputs checked; and a notebook function called by the official SDK client while the
notebook's kernel runs."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import mcp_types as types
import nbformat
import pytest
from jupyter_core.utils import ensure_async
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.conftest import ROOT
from tests.serving import Served

NOTEBOOKS = ROOT / "notebooks"
_CELL_TIMEOUT = 30


def kernel_env(server: Served, *, discover: bool = False) -> dict[str, str]:
    """The kernel's environment: the server's address in ``MCP_WORKBENCH_URL`` and
    ``MCP_WORKBENCH_TOKEN``, or (``discover``) only the server's runtime directory, where
    the client finds the running server by itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MCP_WORKBENCH"))}
    env["PYTHONPATH"] = server.env["PYTHONPATH"]
    if discover:
        env["JUPYTER_RUNTIME_DIR"] = server.env["JUPYTER_RUNTIME_DIR"]
    else:
        env["MCP_WORKBENCH_URL"] = server.url
        env["MCP_WORKBENCH_TOKEN"] = server.token
        env["JUPYTER_RUNTIME_DIR"] = str(server.home / "no-servers-here")
    return env


def load(name: str) -> nbformat.NotebookNode:
    book: nbformat.NotebookNode = nbformat.read(  # type: ignore[no-untyped-call]
        NOTEBOOKS / name, as_version=4
    )
    for cell in book.cells:
        assert cell.get("outputs", []) == [], f"{name} is committed with outputs"
        assert cell.get("execution_count") is None, f"{name} is committed executed"
    return book


def output_of(book: nbformat.NotebookNode, source: str) -> dict[str, Any]:
    """The outputs of the one code cell whose source is or contains ``source``, as
    ``{"text": <streams>, "data": {mime: ...}, "errors": [...]}``."""
    code = [c for c in book.cells if c.cell_type == "code"]
    cells = [c for c in code if c.source == source] or [c for c in code if source in c.source]
    assert len(cells) == 1, f"{len(cells)} cells contain {source!r}"
    found: dict[str, Any] = {"text": "", "data": {}, "errors": []}
    for out in cells[0].outputs:
        if out.output_type == "stream":
            found["text"] += out.text
        elif out.output_type in ("execute_result", "display_data"):
            found["data"].update(out.data)
        elif out.output_type == "error":
            found["errors"].append(f"{out.ename}: {out.evalue}")
    return found


def plain(book: nbformat.NotebookNode, source: str) -> str:
    text: str = output_of(book, source)["data"].get("text/plain", "")
    return text


async def execute(name: str, env: dict[str, str]) -> nbformat.NotebookNode:
    book = load(name)
    client = NotebookClient(
        book,
        timeout=_CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    await client.async_execute(env=env)
    return book


@pytest.mark.timeout(120)
async def test_quick_start_finds_the_server_by_itself(live_server: Served) -> None:
    book = await execute("01-quick-start.ipynb", kernel_env(live_server, discover=True))
    assert f"<Workbench {live_server.url} connected>" in plain(book, "wb = Workbench()")
    tools_html = output_of(book, "wb.tools")["data"]["text/html"]
    assert "<code>notes.search</code>" in tools_html
    info = output_of(book, "info = wb.tools.workbench.info()")["text"]
    assert "server version:" in info
    searched = plain(book, 'wb.tools.notes.search(query="alpha")')
    assert searched == "['Projects/Alpha.md', 'Welcome.md']"
    assert plain(book, "await wb.tools") == "True"
    assert "the tool said:" in output_of(book, "No such note.md")["text"]
    form = output_of(book, "form = wb.tools.notes.search.form()")["data"]
    assert "application/vnd.jupyter.widget-view+json" in form
    invalid = plain(book, '"many"')
    assert invalid == "(False, {'query': 'required', 'limit': \"'many' is not a whole number\"})"
    assert plain(book, '"alpha"\nform.fields') == "(True, ['Alpha', 'Welcome'])"


@pytest.mark.timeout(120)
async def test_prompts_and_knowledge(live_server: Served) -> None:
    book = await execute("02-prompts-and-knowledge.ipynb", kernel_env(live_server))
    assert "'code-review'" in plain(book, "wb.prompts.list()")
    review = output_of(book, "review = wb.prompts.render(")["text"]
    assert review.startswith("Review this Python code for bugs and unclear names:")
    assert "def double(x): return x * 2" in review
    hits = output_of(book, 'hits = wb.notes.search("heap")')["data"]["text/html"]
    assert "Notebook/Compost.md" in hits
    assert output_of(book, "note = wb.notes.read(")["text"] == "Compost ['garden']\n"
    board = output_of(book, 'board = wb.boards["Roadmap"]')["data"]["text/markdown"]
    assert board.startswith("### Roadmap")
    assert plain(book, "board.cards_in") == (
        "['Write the first note of your own', 'Connect an MCP client']"
    )


@asynccontextmanager
async def notebook_running(server: Served) -> AsyncIterator[nbformat.NotebookNode]:
    """The notebook-tools example, executed, while its kernel still runs; leaving the block
    shuts the kernel down."""
    book = load("03-notebook-tools.ipynb")
    client = NotebookClient(
        book,
        kernel_name="python3",
        timeout=_CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    async with client.async_setup_kernel(env=kernel_env(server)):
        for index, cell in enumerate(book.cells):
            await client.async_execute_cell(cell, index)
        yield book


@pytest.mark.timeout(120)
async def test_a_notebook_tool_is_called_by_the_sdk_client(live_server: Served) -> None:
    async with notebook_running(live_server) as book:
        await _call_from_the_sdk(live_server, book)


async def _call_from_the_sdk(live_server: Served, book: nbformat.NotebookNode) -> None:
    name = plain(book, "return len(text.split())").strip("'")
    assert re.fullmatch(r"nb\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.word_count", name)
    assert plain(book, 'word_count("one two three")') == "3"
    assert plain(book, "calling through the server") == "4"
    assert plain(book, 'name="notebook"') == "'Hello, notebook!'"
    total = output_of(book, "wb.tools[running_total.tool_name]")
    assert total["data"]["text/plain"] == "6.5"
    assert "application/vnd.jupyter.widget-view+json" in total["data"]  # the progress bar
    async with (
        httpx2.AsyncClient(headers=live_server.headers) as http,
        Client(streamable_http_client(live_server.mcp_url, http_client=http), cache=None) as sdk,
    ):
        tools = {t.name: t for t in (await sdk.list_tools()).tools}
        assert tools[name].description == "Count the words of a text."
        assert tools[name].input_schema["properties"]["text"]["description"] == "Any text."
        result = await sdk.call_tool(name, {"text": "from the official SDK client"})
        assert not result.is_error
        assert result.structured_content == {"result": 5}
        greet = name.removesuffix("word_count") + "greet"
        greeted = await sdk.call_tool(greet, {"name": "SDK", "delay": 0})
        assert [c.text for c in greeted.content if isinstance(c, types.TextContent)] == [
            "Hello, SDK!"
        ]


@pytest.mark.timeout(120)
async def test_a_notebook_tool_goes_when_its_kernel_stops(live_server: Served) -> None:
    removed = anyio.Event()
    name = ""

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification) and name:
            removed.set()

    async with (
        httpx2.AsyncClient(headers=live_server.headers) as http,
        Client(
            streamable_http_client(live_server.mcp_url, http_client=http),
            mode="legacy",
            cache=None,
            message_handler=on_message,
        ) as sdk,
    ):
        async with notebook_running(live_server) as book:
            listed = {t.name for t in (await sdk.list_tools()).tools}
            name = plain(book, "return len(text.split())").strip("'")
            assert name in listed
        with anyio.fail_after(15):  # the kernel has stopped
            await removed.wait()
        assert name not in {t.name for t in (await sdk.list_tools()).tools}


def test_the_notebooks_are_where_the_docs_say() -> None:
    names = sorted(p.name for p in Path(NOTEBOOKS).glob("*.ipynb"))
    assert names == [
        "01-quick-start.ipynb",
        "02-prompts-and-knowledge.ipynb",
        "03-notebook-tools.ipynb",
    ]


def notebook_of(*sources: str) -> nbformat.NotebookNode:
    """A notebook of code cells (not on disk)."""
    new = nbformat.v4
    cells = [new.new_code_cell(s) for s in sources]  # type: ignore[no-untyped-call]
    book: nbformat.NotebookNode = new.new_notebook(cells=cells)  # type: ignore[no-untyped-call]
    return book


class WatchedClient(NotebookClient):
    """Sets ``first_output`` when a cell shows its first output."""

    first_output: asyncio.Event

    def output(
        self,
        outs: list[nbformat.NotebookNode],
        msg: dict[str, Any],
        display_id: str | None,
        cell_index: int,
    ) -> nbformat.NotebookNode | None:
        shown = super().output(outs, msg, display_id, cell_index)
        if shown is not None and cell_index > 0:
            self.first_output.set()
        return shown


@pytest.mark.timeout(120)
async def test_interrupting_the_kernel_cancels_the_call_at_the_server(
    live_server: Served,
) -> None:
    key = f"kernel-interrupt-{os.getpid()}"
    book = notebook_of(
        "from mcp_workbench.notebook import Workbench\nwb = Workbench()",
        f"wb.tools.wait_for_cancel(key={key!r})",
        f"wb.tools.was_cancelled(key={key!r})",
    )
    client = WatchedClient(
        book,
        kernel_name="python3",
        timeout=_CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.first_output = asyncio.Event()
    async with client.async_setup_kernel(env=kernel_env(live_server)):
        await client.async_execute_cell(book.cells[0], 0)
        waiting = asyncio.create_task(client.async_execute_cell(book.cells[1], 1))
        # The tool reports progress as it starts: the bar shows, the call is running.
        with anyio.fail_after(20):
            await client.first_output.wait()
        widget = book.cells[1].outputs[0]["data"]
        assert "application/vnd.jupyter.widget-view+json" in widget
        assert client.km is not None  # then Ctrl-C, as Lab's stop button sends it
        await ensure_async(client.km.interrupt_kernel())
        with pytest.raises(CellExecutionError, match="KeyboardInterrupt"):
            await waiting
        await client.async_execute_cell(book.cells[2], 2)
    assert plain(book, "was_cancelled") == "True"
