"""``ToolExecutor``: runs tool, prompt and resource functions (async on the loop, sync in
worker threads), with the request's ``ToolContext`` injected and a deadline enforced."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mcp_workbench.engine.call import Call
from mcp_workbench.registry.context import ToolContext
from mcp_workbench.registry.signature import Signature

__all__ = ["ToolExecutor"]


class ToolExecutor:
    """Calls user functions on behalf of the engine."""

    def __init__(self, *, threads: int, default_timeout: float) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mcp-tool")
        self.default_timeout = default_timeout

    async def run(
        self,
        fn: Callable[..., Any],
        is_async: bool,
        signature: Signature,
        kwargs: dict[str, Any],
        call: Call,
        timeout: float | None = None,
    ) -> Any:
        """Call ``fn(**kwargs)`` and return its (awaited) value.

        Raises:
            TimeoutError: the call ran past its deadline.
        """
        if signature.context_param is not None:
            kwargs[signature.context_param] = ToolContext(call)
        limit = timeout or self.default_timeout
        if is_async:
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
