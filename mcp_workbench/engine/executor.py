"""``ToolExecutor``: runs tool, prompt and resource functions (async on the loop, sync in
worker threads), with the request's ``ToolContext`` injected and a deadline enforced."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mcp_workbench.engine.call import Call
from mcp_workbench.registry.context import ToolContext
from mcp_workbench.registry.items import Target

__all__ = ["ToolExecutor"]


class ToolExecutor:
    """Calls user functions on behalf of the engine."""

    def __init__(self, *, threads: int, default_timeout: float) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mcp-tool")
        self.default_timeout = default_timeout

    async def run(
        self, target: Target, kwargs: dict[str, Any], call: Call, *, deadline: float | None = None
    ) -> Any:
        """Call ``target.fn(**kwargs)`` and return its (awaited) value.

        ``deadline`` is the call's time limit in seconds (default: the executor's).

        Raises:
            TimeoutError: the call ran past its deadline.
        """
        fn = target.fn
        context_param = target.signature.context_param
        if context_param is not None:
            kwargs[context_param] = ToolContext(call)
        limit = deadline or self.default_timeout
        if target.is_async:
            async with asyncio.timeout(limit):
                return await fn(**kwargs)
        ctx = contextvars.copy_context()
        work = functools.partial(ctx.run, fn, **kwargs)
        future = call.loop.run_in_executor(self._pool, work)
        async with asyncio.timeout(limit):
            value = await future
        if isinstance(value, Awaitable):
            return await value
        return value

    def shutdown(self) -> None:
        """Stop the worker threads (running calls finish in the background)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
