"""Functions defined in a notebook, served as tools: the server's side of ``@wb.tool``.

A kernel connects to the engine like any MCP client (a WebSocket session) and registers its
functions with ``workbench/functions/register``. Each becomes the tool
``nb.<user>.<notebook>.<function>``; when an MCP client calls it, the server asks the
kernel with the server-to-client request ``workbench/functions/call`` on that session and
answers with what the kernel returns. A caller that cancels makes the server send
``notifications/cancelled`` to the kernel. The tools live as long as the session: when the
kernel stops (its connection closes) they are removed, and clients get
``notifications/tools/list_changed`` for every addition and removal.

The access policy decides who may register (``write`` on the tool's name) and who may list
and call the tools, as for any other tool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.utils import ensure_async

from mcp_workbench.engine import Engine, Session
from mcp_workbench.engine.call import Call
from mcp_workbench.errors import InvalidParams, PermissionDenied, ProtocolError, ToolError
from mcp_workbench.jsonrpc import notification, request
from mcp_workbench.registry import Tool, ToolContext, ToolResult

__all__ = [
    "CALL",
    "NAMESPACE",
    "PROGRESS",
    "REGISTER",
    "UNREGISTER",
    "NotebookFunctions",
    "install_notebook_functions",
    "name_segment",
]

log = logging.getLogger("mcp_workbench.jupyter")

REGISTER = "workbench/functions/register"
"""``{tools: [{name, description?, title?, inputSchema, annotations?}], kernelId?,
notebook?}`` → ``{namespace, tools: [{name, tool}]}``."""
UNREGISTER = "workbench/functions/unregister"
"""``{names: [...]}`` → ``{removed: [tool names]}``."""
CALL = "workbench/functions/call"
"""Server to kernel: ``{name, arguments, caller, callId}`` → a ``CallToolResult``."""
PROGRESS = "workbench/functions/progress"
"""Kernel to server, while serving a call: ``{callId, progress, total?, message?}`` → ``{}``."""
NAMESPACE = "nb"
"""The first segment of every notebook function's tool name."""

_PERSISTENT = frozenset({"websocket", "tcp", "unix", "stdio"})
_SEGMENT = re.compile(r"[^A-Za-z0-9_-]+")
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_MAX_TOOLS = 100
"""Functions one kernel may serve at once."""
_LIFETIME = "workbench/functions:lifetime"
"""Key of the future in ``session.pending`` that ends when the session closes."""


def name_segment(text: str, fallback: str) -> str:
    """``text`` as one segment of a tool name: letters, digits, ``_`` and ``-`` only."""
    cleaned = _SEGMENT.sub("_", text).strip("_")[:64]
    return cleaned or fallback


@dataclass(eq=False)
class _Kernel:
    """One kernel's session and the tools it serves (local name -> tool name)."""

    session: Session
    namespace: str
    tools: dict[str, str] = field(default_factory=dict)


class NotebookFunctions:
    """The notebook functions served by one engine, by the sessions that serve them."""

    def __init__(self, engine: Engine, serverapp: Any = None) -> None:
        self.engine = engine
        self.serverapp = serverapp
        self._kernels: dict[Session, _Kernel] = {}
        self._owner: dict[str, _Kernel] = {}
        self._calls: dict[tuple[Session, Any], ToolContext] = {}
        """The calls kernels are serving, by session and request id, for their progress."""

    @property
    def tool_names(self) -> list[str]:
        """The tools notebook functions serve now, sorted."""
        return sorted(self._owner)

    # -- naming ----------------------------------------------------------------------------
    async def _notebook_of(self, kernel_id: Any, given: Any) -> str:
        """The notebook a kernel runs for: the path of its Jupyter session when the server
        knows the kernel, else what the kernel says, else the kernel's id."""
        path: str | None = None
        manager = getattr(self.serverapp, "session_manager", None)
        if isinstance(kernel_id, str) and manager is not None:
            with contextlib.suppress(Exception):  # sessions are optional; names still work
                for model in await ensure_async(manager.list_sessions()):
                    if (model.get("kernel") or {}).get("id") == kernel_id:
                        path = model.get("path") or model.get("name")
        if not path and isinstance(given, str) and given:
            path = given
        if not path:
            return name_segment(str(kernel_id or "kernel")[:8], "kernel")
        stem = posixpath.splitext(posixpath.basename(path.replace("\\", "/")))[0]
        return name_segment(stem, "notebook")

    async def _namespace(self, call: Call, params: dict[str, Any]) -> str:
        user = name_segment(call.principal or "anonymous", "anonymous")
        notebook = await self._notebook_of(params.get("kernelId"), params.get("notebook"))
        return f"{NAMESPACE}.{user}.{notebook}"

    # -- methods ---------------------------------------------------------------------------
    async def register(self, call: Call) -> dict[str, Any]:
        """``workbench/functions/register``.

        Raises:
            InvalidParams: malformed tools, or a session that cannot carry calls back.
            PermissionDenied: the policy does not let the caller add one of the tools.
        """
        session = call.session
        if session.transport not in _PERSISTENT or session.revision is None:
            raise InvalidParams(
                "Notebook functions need a lasting session: connect over WebSocket "
                "(/mcp/ws) and initialize first"
            )
        specs = call.params.get("tools")
        if not isinstance(specs, list) or not specs:
            raise InvalidParams("params.tools must be a non-empty list")
        kernel = self._kernels.get(session)
        namespace = (
            kernel.namespace if kernel is not None else await self._namespace(call, call.params)
        )
        tools = [self._tool(session, namespace, spec) for spec in specs]
        for tool in tools:
            call.require("write", "tool", tool.name, None)
        if kernel is None:
            kernel = self._adopt(session, namespace)
        served = kernel.tools.keys() | {spec["name"] for spec in specs}
        if len(served) > _MAX_TOOLS:
            raise InvalidParams(f"A kernel serves {_MAX_TOOLS} functions at most")
        registered = []
        for tool in tools:
            local = tool.name.removeprefix(namespace + ".")
            previous = self._owner.get(tool.name)
            if previous is not None and previous is not kernel:
                previous.tools.pop(local, None)  # another kernel of the same notebook
            if self.engine.registry.add_tool(tool) is None:
                raise PermissionDenied(f"The server's tool filters keep {tool.name} out")
            kernel.tools[local] = tool.name
            self._owner[tool.name] = kernel
            registered.append({"name": local, "tool": tool.name})
        log.info("notebook functions from %s: %s", namespace, [r["tool"] for r in registered])
        return {"namespace": namespace, "tools": registered}

    async def unregister(self, call: Call) -> dict[str, Any]:
        """``workbench/functions/unregister``: stop serving some of the session's functions.

        Raises:
            InvalidParams: ``names`` is not a list of names.
        """
        names = call.params.get("names")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidParams("params.names must be a list of function names")
        kernel = self._kernels.get(call.session)
        removed = []
        for local in names:
            name = kernel.tools.pop(local, None) if kernel is not None else None
            if name is not None and self._owner.get(name) is kernel:
                del self._owner[name]
                self.engine.registry.remove_tool(name)
                removed.append(name)
        return {"removed": removed}

    # -- lifetime --------------------------------------------------------------------------
    def _adopt(self, session: Session, namespace: str) -> _Kernel:
        """Start tracking ``session``; its tools go when it closes (the engine cancels the
        futures a session still waits for when it closes it)."""
        kernel = _Kernel(session, namespace)
        self._kernels[session] = kernel
        lifetime: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        session.pending[_LIFETIME] = lifetime
        lifetime.add_done_callback(lambda _: self._forget(session))
        return kernel

    def _forget(self, session: Session) -> None:
        kernel = self._kernels.pop(session, None)
        if kernel is None:
            return
        for name in kernel.tools.values():
            if self._owner.get(name) is kernel:
                del self._owner[name]
                self.engine.registry.remove_tool(name)
        if kernel.tools:
            log.info("notebook functions of %s removed: its kernel is gone", kernel.namespace)
        kernel.tools.clear()

    async def _call_kernel(
        self, session: Session, name: str, arguments: dict[str, Any], ctx: ToolContext
    ) -> ToolResult:
        """Ask the kernel to run its function ``name`` and wait for its answer.

        Raises:
            ToolError: the kernel is gone or answers with an error.
        """
        channel = session.channel
        if channel is None or channel.closed:
            raise ToolError(f"The notebook that served {name} is gone (its kernel stopped)")
        loop = asyncio.get_running_loop()
        rid = session.next_request_id()
        answer: asyncio.Future[dict[str, Any]] = loop.create_future()
        session.pending[rid] = answer
        params = {"name": name, "arguments": arguments, "caller": ctx.principal, "callId": rid}
        self._calls[(session, rid)] = ctx
        try:
            await channel.send(request(rid, CALL, params))
            try:
                await asyncio.wait({answer})
            except asyncio.CancelledError:  # the caller cancelled, or the call timed out
                if not channel.closed:
                    await channel.send(notification("notifications/cancelled", {"requestId": rid}))
                raise
        finally:
            session.pending.pop(rid, None)
            self._calls.pop((session, rid), None)
        if answer.cancelled():
            raise ToolError(f"The notebook that served {name} is gone (its kernel stopped)")
        exc = answer.exception()
        if isinstance(exc, ProtocolError):
            raise ToolError(f"{name}: {exc.message}")
        if exc is not None:
            raise ToolError(f"{name}: {exc}")
        return _tool_result(answer.result())

    async def progress(self, call: Call) -> dict[str, Any]:
        """``workbench/functions/progress``: a kernel reports the progress of a call it
        serves; the caller gets it as ``notifications/progress`` (if it asked for progress).

        Raises:
            InvalidParams: no such call of this session is running.
        """
        params = call.params
        ctx = self._calls.get((call.session, params.get("callId")))
        if ctx is None:
            raise InvalidParams("No such call is running")
        progress, total, message = (
            params.get("progress"),
            params.get("total"),
            params.get("message"),
        )
        if not isinstance(progress, int | float):
            raise InvalidParams("params.progress must be a number")
        await ctx.report_progress(
            float(progress),
            float(total) if isinstance(total, int | float) else None,
            message if isinstance(message, str) else None,
        )
        return {}

    # -- tools -----------------------------------------------------------------------------
    def _tool(self, session: Session, namespace: str, spec: Any) -> Tool:
        """The tool that serves one function of the kernel behind ``session``.

        Raises:
            InvalidParams: the spec is malformed.
        """
        if not isinstance(spec, dict):
            raise InvalidParams("each tool must be an object")
        local = spec.get("name")
        if not isinstance(local, str) or not _FUNCTION_NAME.match(local):
            raise InvalidParams(
                f"invalid function name {local!r}: letters, digits, '_' and '-', at most 64"
            )
        schema = spec.get("inputSchema", {"type": "object"})
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise InvalidParams(f"{local}: inputSchema must be a JSON Schema of type 'object'")
        description = spec.get("description")
        title = spec.get("title")
        annotations = spec.get("annotations")

        async def forward(ctx: ToolContext, **arguments: Any) -> ToolResult:
            return await self._call_kernel(session, local, arguments, ctx)

        try:
            tool = Tool.from_function(
                forward,
                name=f"{namespace}.{local}",
                description=description if isinstance(description, str) else "",
                title=title if isinstance(title, str) else None,
                annotations=annotations if isinstance(annotations, dict) else None,
                input_schema=schema,
                structured_output=False,
            )
        except TypeError as exc:
            raise InvalidParams(f"{local}: {exc}") from None
        return tool


def _tool_result(body: dict[str, Any]) -> ToolResult:
    content = body.get("content")
    return ToolResult(
        content=[c for c in content if isinstance(c, dict)] if isinstance(content, list) else [],
        structured=body.get("structuredContent"),
        is_error=bool(body.get("isError")),
    )


def install_notebook_functions(engine: Engine, serverapp: Any = None) -> NotebookFunctions:
    """Serve ``workbench/functions/register``, ``unregister`` and ``progress`` on
    ``engine``."""
    functions = NotebookFunctions(engine, serverapp)
    engine.method(REGISTER)(functions.register)
    engine.method(UNREGISTER)(functions.unregister)
    engine.method(PROGRESS)(functions.progress)
    return functions
