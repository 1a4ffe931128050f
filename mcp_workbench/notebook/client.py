"""``Workbench``: the workbench from a notebook.

::

    wb = Workbench()                       # the Jupyter server this kernel runs under
    wb.tools.notes.search(query="garden")  # call a tool; `await ....acall(...)` in async code
    wb.tools["workbench.info"]()           # any tool by its full name
    wb.tools.notes.search.form()           # a form from the tool's schema
    wb.prompts.render("code-review", language="Python", code="x = 1")
    wb.notes.search("garden")
    wb.boards["Demo board"]

    @wb.tool
    def double(x: int) -> int:             # now a tool of the server: nb.<user>.<notebook>.double
        return 2 * x
"""

from __future__ import annotations

import builtins
import contextlib
import html
import queue
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar, overload

from mcp_workbench.errors import NotFound, WorkbenchError
from mcp_workbench.notebook.address import ServerAddress, find_server
from mcp_workbench.notebook.errors import ConnectionFailed, ToolCallError
from mcp_workbench.notebook.functions import CALL, PROGRESS, FunctionServer, NotebookTool
from mcp_workbench.notebook.progress import ProgressBar, in_notebook
from mcp_workbench.notebook.records import BoardRecord, Record, RenderedPrompt, SearchHits
from mcp_workbench.notebook.runner import BackgroundLoop
from mcp_workbench.notebook.session import McpSession
from mcp_workbench.notebook.tools import ToolCallResult, ToolInfo, ToolNamespace

__all__ = ["Boards", "Notes", "Prompts", "Workbench"]

T = TypeVar("T")
ProgressOption = bool | Callable[[float, float | None, str | None], None] | None


class Workbench:
    """A connection to the workbench, from a notebook or any Python code.

    ``url`` and ``token`` default to those of the Jupyter server this kernel runs under
    (see :mod:`mcp_workbench.notebook.address`); ``timeout`` (seconds) bounds every call
    unless the call says otherwise.

    Raises:
        ConnectionFailed: no server found, or it cannot be reached.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        notebook: str | None = None,
    ) -> None:
        self.address: ServerAddress = find_server(url, token)
        self.timeout = timeout
        self._runner = BackgroundLoop()
        self._tools: dict[str, ToolInfo] | None = None
        self._session = McpSession(self.address)
        try:
            self._runner.run(self._session.connect(timeout))
        except BaseException:
            self._runner.close()
            raise
        self._session.on_notification("notifications/tools/list_changed", self._tools_changed)
        self._functions = FunctionServer(self, notebook)
        self._session.serve(CALL, self._functions.call)
        self.tools = ToolNamespace(self)
        """The server's tools: ``wb.tools.notes.search(...)``, ``wb.tools["a.b"](...)``."""
        self.prompts = Prompts(self)
        self.notes = Notes(self)
        self.boards = Boards(self)

    # -- connection ------------------------------------------------------------------------
    @property
    def server_info(self) -> dict[str, Any]:
        """The server's ``{name, version}``."""
        return self._session.server_info

    @property
    def connected(self) -> bool:
        """False once the connection is closed or lost."""
        return not self._session.closed

    def close(self) -> None:
        """Close the connection (notebook functions stop being tools) and its thread."""
        if not self._runner.loop.is_closed():
            self._runner.run(self._session.close())
            self._runner.close()
        self._tools = None

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "connected" if self.connected else f"closed ({self._session.close_reason})"
        return f"<Workbench {self.address.url} {state}>"

    def _repr_html_(self) -> str:
        info = self.server_info
        served = ", ".join(self._functions.names) or "none"
        return (
            f"<b>MCP Workbench</b> {html.escape(str(info.get('version', '')))} at "
            f"<code>{html.escape(self.address.url)}</code> — "
            f"{'connected' if self.connected else 'closed'}; notebook tools: "
            f"{html.escape(served)}"
        )

    # -- plumbing --------------------------------------------------------------------------
    def _run(self, coro: Coroutine[Any, Any, T], **events: Any) -> T:
        if self._session.closed:
            coro.close()
            reason = self._session.close_reason
            raise ConnectionFailed(f"not connected to {self.address.url}: {reason}")
        return self._runner.run(coro, **events)

    def _request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._run(self._session.request(method, params, timeout=self.timeout))

    def _tools_changed(self, _params: dict[str, Any]) -> None:
        self._tools = None

    def _forget_tools(self) -> None:
        self._tools = None

    def _refresh_tools(self) -> dict[str, ToolInfo]:
        infos: dict[str, ToolInfo] = {}
        cursor: str | None = None
        while True:
            page = self._request("tools/list", {"cursor": cursor} if cursor else {})
            for descriptor in page.get("tools", []):
                info = ToolInfo.of(descriptor)
                infos[info.name] = info
            cursor = page.get("nextCursor")
            if not cursor:
                break
        self._tools = infos
        return infos

    @property
    def _cannot_wait(self) -> bool:
        """True on the client's own loop (in an async notebook tool), where nothing may
        block: ``await`` calls there (``wb.tools["name"].acall(...)``)."""
        return self._runner.in_loop

    def _tool_infos(self) -> dict[str, ToolInfo]:
        infos = self._tools
        return infos if infos is not None else self._refresh_tools()

    def _call_tool(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        timeout: float | None = None,
        progress: ProgressOption = None,
    ) -> ToolCallResult:
        params = {"name": name, "arguments": arguments}
        show: Callable[[float, float | None, str | None], None] | None
        if callable(progress):
            show = progress
        elif progress or (progress is None and in_notebook()):
            show = ProgressBar(name.rsplit(".", 1)[-1]).update
        else:
            show = None
        if show is None:
            body = self._run(
                self._session.request("tools/call", params, timeout=timeout or self.timeout)
            )
            return ToolCallResult.of(body)
        # Progress arrives on the client's thread; it is shown from this one.
        events: queue.SimpleQueue[tuple[float, float | None, str | None]] = queue.SimpleQueue()
        call = self._session.request(
            "tools/call",
            params,
            timeout=timeout or self.timeout,
            on_progress=lambda p, t, m: events.put((p, t, m)),
        )
        body = self._run(call, events=events, on_event=lambda e: show(*e))
        return ToolCallResult.of(body)

    async def _acall_tool(self, name: str, arguments: dict[str, Any]) -> ToolCallResult:
        if self._session.closed:
            reason = self._session.close_reason
            raise ConnectionFailed(f"not connected to {self.address.url}: {reason}")
        call = self._session.request(
            "tools/call", {"name": name, "arguments": arguments}, timeout=self.timeout
        )
        return ToolCallResult.of(await self._runner.run_async(call))

    def _value(self, tool: str, arguments: dict[str, Any]) -> Any:
        """The structured result of a store tool (its text when it has none)."""
        result = self._call_tool(tool, arguments, progress=False)
        if result.is_error:
            raise ToolCallError(tool, result.text or f"{tool} failed", {"content": result.content})
        return result.structured if result.structured is not None else result.text

    async def _avalue(self, tool: str, arguments: dict[str, Any]) -> Any:
        result = await self._acall_tool(tool, arguments)
        if result.is_error:
            raise ToolCallError(tool, result.text or f"{tool} failed", {"content": result.content})
        return result.structured if result.structured is not None else result.text

    # -- notebook functions ----------------------------------------------------------------
    @overload
    def tool(self, fn: Callable[..., Any], /) -> NotebookTool: ...
    @overload
    def tool(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        title: str | None = None,
        annotations: dict[str, Any] | None = None,
    ) -> Callable[[Callable[..., Any]], NotebookTool]: ...
    def tool(
        self,
        fn: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
        title: str | None = None,
        annotations: dict[str, Any] | None = None,
    ) -> NotebookTool | Callable[[Callable[..., Any]], NotebookTool]:
        """Decorator: serve a function of this notebook as a tool of the server, named
        ``nb.<user>.<notebook>.<function>``, for as long as this connection lasts.

        Raises:
            TypeError: the function's hints make no schema.
            WorkbenchError: the server refused it (bad name, not allowed by policy).
        """

        def register(f: Callable[..., Any]) -> NotebookTool:
            return self._functions.add(
                f, name=name, description=description, title=title, annotations=annotations
            )

        return register(fn) if fn is not None else register

    def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Inside a notebook tool serving a call: tell the caller how far it is (it gets
        ``notifications/progress`` if it asked for progress). Elsewhere this does nothing.

        From a synchronous function it returns once the server has passed it on; from an
        async one it only schedules it (``await wb.areport_progress(...)`` waits).
        """
        params = FunctionServer.progress_params(progress, total, message)
        if params is None or self._session.closed:
            return
        report = self._session.request(PROGRESS, params, timeout=self.timeout)
        if self._runner.in_loop:
            self._runner.submit(_quietly(report))
        else:
            with contextlib.suppress(WorkbenchError):
                self._runner.run(report)

    async def areport_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """:meth:`report_progress`, awaited until the server has passed it on."""
        params = FunctionServer.progress_params(progress, total, message)
        if params is not None and not self._session.closed:
            with contextlib.suppress(WorkbenchError):
                await self._runner.run_async(
                    self._session.request(PROGRESS, params, timeout=self.timeout)
                )

    @property
    def namespace(self) -> str | None:
        """The prefix of this notebook's tools, once one is registered."""
        return self._functions.namespace


async def _quietly(report: Coroutine[Any, Any, Any]) -> None:
    """Await a progress report whose answer nobody waits for (the call may be over)."""
    with contextlib.suppress(WorkbenchError):
        await report


class Prompts:
    """The store's prompts: ``wb.prompts.render("name", var="value")``."""

    def __init__(self, client: Workbench) -> None:
        self._client = client

    def render(self, name: str, /, **arguments: Any) -> RenderedPrompt:
        """The prompt ``name`` (``name@label``, ``name@3``) filled in with ``arguments``.

        Raises:
            ToolCallError: no such prompt, or an argument is missing.
        """
        args = {"name": name, "arguments": {k: str(v) for k, v in arguments.items()}}
        return RenderedPrompt(self._client._value("prompts.render", args))

    async def arender(self, name: str, /, **arguments: Any) -> RenderedPrompt:
        """:meth:`render`, awaited."""
        args = {"name": name, "arguments": {k: str(v) for k, v in arguments.items()}}
        return RenderedPrompt(await self._client._avalue("prompts.render", args))

    def list(self) -> list[Record]:
        """Every prompt the caller may see, with its versions and labels."""
        found = self._client._value("prompts.list", {})
        return [Record(p) for p in found.get("prompts", [])]


class Notes:
    """The knowledge notes: ``wb.notes.search("words")``, ``wb.notes.read("path.md")``."""

    def __init__(self, client: Workbench) -> None:
        self._client = client

    def search(self, query: str, /, *, limit: int = 10, tag: str | None = None) -> SearchHits:
        """Full-text search, best match first."""
        found = self._client._value("notes.search", {"query": query, "limit": limit, "tag": tag})
        return SearchHits(Record(h) for h in found.get("hits", []))

    async def asearch(
        self, query: str, /, *, limit: int = 10, tag: str | None = None
    ) -> SearchHits:
        """:meth:`search`, awaited."""
        args = {"query": query, "limit": limit, "tag": tag}
        found = await self._client._avalue("notes.search", args)
        return SearchHits(Record(h) for h in found.get("hits", []))

    def read(self, path: str, /) -> Record:
        """One note with its body."""
        return Record(self._client._value("notes.read", {"path": path}))


class Boards:
    """The task boards: ``wb.boards["Title or id"]``, ``list(wb.boards)``."""

    def __init__(self, client: Workbench) -> None:
        self._client = client

    def list(self) -> list[Record]:
        """Every board with its lanes (without cards)."""
        found = self._client._value("tasks.list_boards", {})
        return [Record(b) for b in found.get("boards", [])]

    def __getitem__(self, ref: str) -> BoardRecord:
        try:
            return BoardRecord(self._client._value("tasks.get_board", {"board": ref}))
        except (ToolCallError, NotFound) as exc:
            titles = ", ".join(repr(b.get("title")) for b in self.list()) or "none"
            raise KeyError(f"no board {ref!r} ({exc}); boards: {titles}") from None

    def __iter__(self) -> Iterator[Record]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self.list())

    def _ipython_key_completions_(self) -> builtins.list[str]:
        return [str(b.get("title")) for b in self.list()]
