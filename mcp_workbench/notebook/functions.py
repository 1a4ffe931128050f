"""Notebook functions as tools, the kernel's side: ``@wb.tool``.

The function's schema comes from its type hints, as for the server's own tools. The kernel
registers it over its session (``workbench/functions/register``); the server names it
``nb.<user>.<notebook>.<function>`` and, when an MCP client calls it, asks the kernel
(``workbench/functions/call``). Synchronous functions run in a worker thread, async ones
on the client's loop, so the kernel answers while it is idle and while a cell runs.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_workbench.errors import ToolError
from mcp_workbench.registry import Tool

if TYPE_CHECKING:
    from mcp_workbench.notebook.client import Workbench

__all__ = [
    "CALL",
    "PROGRESS",
    "REGISTER",
    "UNREGISTER",
    "FunctionServer",
    "NotebookTool",
    "kernel_id",
]

REGISTER = "workbench/functions/register"
UNREGISTER = "workbench/functions/unregister"
CALL = "workbench/functions/call"
PROGRESS = "workbench/functions/progress"

_serving: ContextVar[Any] = ContextVar("mcp_workbench_notebook_call", default=None)
"""The server's id of the call the current function serves (None outside a call)."""

_KERNEL_FILE = re.compile(r"kernel-(.+)\.json$")


def kernel_id() -> str | None:
    """The id of the Jupyter kernel this code runs in (from its connection file), if any."""
    try:
        from ipykernel.connect import get_connection_file  # noqa: PLC0415 - kernels only

        match = _KERNEL_FILE.search(Path(get_connection_file()).name)
    except Exception:  # not in a kernel
        return None
    return match.group(1) if match else None


class NotebookTool:
    """A notebook function served as a tool; calling it still runs it here."""

    def __init__(self, fn: Callable[..., Any], tool: Tool, server: FunctionServer) -> None:
        self.fn = fn
        self.tool = tool
        self._server = server
        self.tool_name: str = tool.name
        """The name MCP clients call it by (set once the server accepted it)."""
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    @property
    def name(self) -> str:
        """The function's own name (the last segment of ``tool_name``)."""
        return self.tool.name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def remove(self) -> None:
        """Stop serving the function as a tool."""
        self._server.remove(self)

    def __repr__(self) -> str:
        return f"<notebook tool {self.tool_name}>"


class FunctionServer:
    """The functions this kernel serves, and the answers to the server's calls."""

    def __init__(self, client: Workbench, notebook: str | None) -> None:
        self._client = client
        self.notebook = notebook or os.environ.get("JPY_SESSION_NAME") or None
        self.namespace: str | None = None
        self._tools: dict[str, Tool] = {}

    def add(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        title: str | None = None,
        annotations: dict[str, Any] | None = None,
    ) -> NotebookTool:
        """Serve ``fn`` as a tool; returns it wrapped.

        Raises:
            TypeError: the function asks for a ``ToolContext`` (not available here), or
                its hints make no schema.
            WorkbenchError: the server refused it (invalid name, not allowed by policy).
        """
        tool = Tool.from_function(
            fn, name=name, description=description, title=title, annotations=annotations
        )
        if tool.target.signature.context_param is not None:
            raise TypeError(f"{tool.name}: notebook tools cannot take a ToolContext")
        spec: dict[str, Any] = {
            "name": tool.name,
            "description": tool.description or "",
            "inputSchema": tool.input_schema,
        }
        if title is not None:
            spec["title"] = title
        if annotations is not None:
            spec["annotations"] = annotations
        result = self._client._request(
            REGISTER, {"tools": [spec], "kernelId": kernel_id(), "notebook": self.notebook}
        )
        self.namespace = str(result["namespace"])
        self._tools[tool.name] = tool
        wrapped = NotebookTool(fn, tool, self)
        wrapped.tool_name = next(
            str(r["tool"]) for r in result["tools"] if r.get("name") == tool.name
        )
        self._client._forget_tools()
        return wrapped

    def remove(self, wrapped: NotebookTool) -> None:
        """Stop serving one function."""
        self._tools.pop(wrapped.name, None)
        self._client._request(UNREGISTER, {"names": [wrapped.name]})
        self._client._forget_tools()

    @property
    def names(self) -> list[str]:
        """The functions served, by their own names."""
        return sorted(self._tools)

    async def call(self, params: dict[str, Any]) -> dict[str, Any]:
        """Answer ``workbench/functions/call``: run the function, shape its result."""
        name = params.get("name")
        tool = self._tools.get(name) if isinstance(name, str) else None
        if tool is None:
            return _error(f"This notebook no longer serves {name!r}")
        serving = _serving.set(params.get("callId"))  # worker threads get a copy
        try:
            kwargs = tool.bind(params.get("arguments") or {})
            if tool.target.is_async:
                value = await tool.target.fn(**kwargs)
            else:
                value = await asyncio.to_thread(tool.target.fn, **kwargs)
            return tool.result(value)
        except ToolError as exc:
            return _error(exc.message)
        except Exception as exc:  # the notebook's own code failed: tell the caller why
            return _error(f"{type(exc).__name__}: {exc}")
        finally:
            _serving.reset(serving)

    @staticmethod
    def progress_params(
        progress: float, total: float | None, message: str | None
    ) -> dict[str, Any] | None:
        """The params of a progress report for the call being served, if one is."""
        call_id = _serving.get()
        if call_id is None:
            return None
        params: dict[str, Any] = {"callId": call_id, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        return params


def _error(message: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": message}], "isError": True}
