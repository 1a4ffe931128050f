"""MCP tools that reach into Jupyter: kernels here, notebooks in ``notebook_tools``.

``kernels.list`` shows the running kernels and ``kernels.execute`` runs code in one. Running
code is off unless ``allow_code_execution`` is set; then the access policy decides, as for
any tool (the tool is marked destructive).
"""

from __future__ import annotations

import asyncio
import logging
import queue
from typing import Annotated, Any

from jupyter_client.kernelspec import NoSuchKernel
from jupyter_core.utils import ensure_async
from pydantic import BaseModel, Field

from mcp_workbench.app import WorkbenchServer
from mcp_workbench.errors import NotFound, ToolError
from mcp_workbench.jupyter.notebook_functions import install_notebook_functions
from mcp_workbench.jupyter.notebook_tools import (
    READ_ONLY,
    display_text,
    error_text,
    register_notebook_tools,
    timestamp,
)
from mcp_workbench.registry import ToolContext

__all__ = ["CODE_EXECUTION_OFF", "Execution", "KernelList", "register_jupyter_tools"]

log = logging.getLogger("mcp_workbench.jupyter")

CODE_EXECUTION_OFF = (
    "Running code is off on this server. To allow it, set "
    "c.MCPWorkbench.allow_code_execution = True in the Jupyter configuration (or "
    "allow_code_execution = true in the workbench settings file, or "
    "MCP_WORKBENCH_ALLOW_CODE_EXECUTION=true) and restart the server; the access policy "
    "must also let you call kernels.execute."
)
"""The answer of ``kernels.execute`` while ``allow_code_execution`` is off."""

_READY_TIMEOUT = 60.0  # seconds a freshly started kernel gets to answer


class KernelInfo(BaseModel):
    """A running kernel."""

    id: str
    name: str
    execution_state: str | None = None
    last_activity: str | None = None
    connections: int = 0


class KernelList(BaseModel):
    """The running kernels."""

    kernels: list[KernelInfo]


class Execution(BaseModel):
    """What running the code printed and returned."""

    kernel_id: str
    execution_count: int | None
    stdout: str
    stderr: str
    results: list[str] = Field(description="Results and displays, as text.")


# -- helpers --------------------------------------------------------------------------------
class _Capture:
    """Output of one execution, kept up to ``limit`` characters per stream."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.results: list[str] = []
        self.error: str | None = None
        self.execution_count: int | None = None
        self._sizes = {"stdout": 0, "stderr": 0, "results": 0}
        self._dropped = {"stdout": 0, "stderr": 0, "results": 0}

    def _keep(self, where: str, into: list[str], text: str) -> None:
        room = self.limit - self._sizes[where]
        if room <= 0:
            self._dropped[where] += len(text)
            return
        into.append(text[:room])
        self._sizes[where] += min(len(text), room)
        self._dropped[where] += max(0, len(text) - room)

    def take(self, msg_type: str, content: dict[str, Any]) -> None:
        if msg_type == "stream":
            name = "stderr" if content.get("name") == "stderr" else "stdout"
            self._keep(name, self.stderr if name == "stderr" else self.stdout, content["text"])
        elif msg_type in ("execute_result", "display_data"):
            self._keep("results", self.results, display_text(content.get("data") or {}))
        elif msg_type == "error":
            self.error = error_text(content)
        elif msg_type == "execute_input":
            self.execution_count = content.get("execution_count")

    def _text(self, where: str, parts: list[str]) -> str:
        text = "".join(parts)
        dropped = self._dropped[where]
        return f"{text}\n… [{dropped} more characters]" if dropped else text

    def execution(self, kernel_id: str) -> Execution:
        results = list(self.results)
        if self._dropped["results"]:
            results.append(f"… [{self._dropped['results']} more characters]")
        return Execution(
            kernel_id=kernel_id,
            execution_count=self.execution_count,
            stdout=self._text("stdout", self.stdout),
            stderr=self._text("stderr", self.stderr),
            results=results,
        )

    def so_far(self) -> str:
        """The output gathered so far, for an error message."""
        parts = [("stdout", self.stdout), ("stderr", self.stderr)]
        return "".join(f"\n[{name}]\n{self._text(name, p)}" for name, p in parts if p)


async def _run(kernel: Any, code: str, seconds: float, capture: _Capture) -> None:
    """Run ``code`` through a client of its own on ``kernel``, gathering what the kernel
    publishes for this request until it is idle again.

    Raises:
        TimeoutError: not done within ``seconds``.
        RuntimeError: the kernel does not answer.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    client = kernel.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=min(seconds, _READY_TIMEOUT))
        msg_id = client.execute(code, store_history=True, allow_stdin=False, stop_on_error=True)
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            try:
                msg = await client.get_iopub_msg(timeout=remaining)
            except queue.Empty:
                raise TimeoutError from None
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue  # someone else's request on the same kernel
            msg_type, content = msg["msg_type"], msg["content"]
            if msg_type == "status" and content.get("execution_state") == "idle":
                return
            capture.take(msg_type, content)
    finally:
        client.stop_channels()


async def _interrupt(manager: Any, kernel_id: str) -> None:
    """Stop what the kernel runs, so that it is free for the next request."""
    try:
        await ensure_async(manager.interrupt_kernel(kernel_id))
    except Exception as exc:  # the kernel died, or was shut down meanwhile
        log.warning("cannot interrupt kernel %s: %s", kernel_id, exc)


# -- the tools ------------------------------------------------------------------------------
def register_jupyter_tools(server: WorkbenchServer, serverapp: Any) -> None:
    """Add the notebook and kernel tools to ``server``'s registry, and let kernels serve
    their notebook's functions as tools (``notebook_functions``)."""
    registry = server.engine.registry
    register_notebook_tools(registry, serverapp)
    install_notebook_functions(server.engine, serverapp)
    # The kernel each caller's kernels.execute runs in when it names none, by kernel spec.
    own_kernels: dict[tuple[str, str], str] = {}
    starting = asyncio.Lock()

    @registry.tool("kernels.list", annotations=READ_ONLY, title="List running kernels")
    async def list_kernels() -> KernelList:
        """The kernels running on this Jupyter server."""
        models = await ensure_async(serverapp.kernel_manager.list_kernels())
        return KernelList(
            kernels=[
                KernelInfo(
                    id=m["id"],
                    name=m["name"],
                    execution_state=m.get("execution_state"),
                    last_activity=timestamp(m.get("last_activity")),
                    connections=m.get("connections", 0),
                )
                for m in models
            ]
        )

    async def kernel_for(ctx: ToolContext, kernel_id: str | None, name: str | None) -> str:
        manager = serverapp.kernel_manager
        if kernel_id is not None:
            if kernel_id not in manager:
                raise NotFound(f"no kernel {kernel_id!r}; kernels.list shows the running ones")
            return kernel_id
        key = (ctx.principal or "", name or manager.default_kernel_name)
        async with starting:
            found = own_kernels.get(key)
            if found is None or found not in manager:
                try:
                    started: str = await ensure_async(
                        manager.start_kernel(kernel_name=name, path="")
                    )
                except NoSuchKernel:
                    raise NotFound(f"no kernel spec named {name!r}") from None
                own_kernels[key] = found = started
        return found

    @registry.tool(
        "kernels.execute",
        annotations={"destructiveHint": True, "idempotentHint": False, "openWorldHint": True},
        title="Run code in a kernel",
    )
    async def execute(
        ctx: ToolContext,
        *,
        code: Annotated[str, Field(description="Code in the kernel's language.")],
        kernel_id: Annotated[
            str | None,
            Field(
                description="A running kernel (kernels.list); default: your own kernel, "
                "started on first use and kept for later calls."
            ),
        ] = None,
        kernel_name: Annotated[
            str | None, Field(description="Kernel spec of your own kernel; default: Python.")
        ] = None,
        timeout: Annotated[  # noqa: ASYNC109 - an MCP argument: the kernel is interrupted
            float,
            Field(
                gt=0,
                le=3600,
                description="Seconds; then the kernel is interrupted (the server's "
                "tool_timeout still applies).",
            ),
        ] = 30.0,
        max_output_chars: Annotated[int, Field(ge=100, le=1_000_000)] = 20_000,
    ) -> Execution:
        """Run code in a Jupyter kernel and return what it printed and its results.

        Off unless the server allows code execution. A run past ``timeout`` is interrupted.
        """
        if not server.settings.allow_code_execution:
            raise ToolError(CODE_EXECUTION_OFF)
        chosen = await kernel_for(ctx, kernel_id, kernel_name)
        manager = serverapp.kernel_manager
        capture = _Capture(max_output_chars)
        try:
            await _run(manager.get_kernel(chosen), code, timeout, capture)
        except (TimeoutError, asyncio.CancelledError) as exc:
            await _interrupt(manager, chosen)
            if isinstance(exc, asyncio.CancelledError):
                raise
            message = f"Timed out after {timeout:g} s; the kernel was interrupted."
            raise ToolError(message + capture.so_far()) from None
        except RuntimeError as exc:
            raise ToolError(f"kernel {chosen} does not answer: {exc}") from None
        if capture.error is not None:
            raise ToolError(capture.error + capture.so_far())
        return capture.execution(chosen)

    del list_kernels, execute
