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

__all__ = ["Deadlines", "ToolExecutor"]


class Deadlines:
    """Cancels tasks that run past their deadline, checking every ``tick`` seconds.

    One periodic check for all calls instead of a timer per call: a call costs a dict
    insert and delete, and deadlines are kept to within ``tick``.
    """

    def __init__(self, tick: float = 0.05) -> None:
        self.tick = tick
        self._due: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None

    def watch(self, task: asyncio.Task[Any], seconds: float) -> None:
        """Cancel ``task`` if it is still watched ``seconds`` from now."""
        loop = task.get_loop()
        self._due[task] = loop.time() + seconds
        if self._timer is None:
            self._timer = loop.call_later(self.tick, self._check, loop)

    def unwatch(self, task: asyncio.Task[Any]) -> bool:
        """Stop watching ``task``; True if its deadline had passed (and it was cancelled)."""
        self._due.pop(task, None)
        if task in self.expired:
            self.expired.discard(task)
            return True
        return False

    def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for task, due in list(self._due.items()):
            if due <= now:
                del self._due[task]
                self.expired.add(task)
                task.cancel()
        self._timer = loop.call_later(self.tick, self._check, loop) if self._due else None


class ToolExecutor:
    """Calls user functions on behalf of the engine."""

    def __init__(self, *, threads: int, default_timeout: float) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mcp-tool")
        self.default_timeout = default_timeout
        self._deadlines = Deadlines()

    async def run(
        self, target: Target, kwargs: dict[str, Any], call: Call, *, deadline: float | None = None
    ) -> Any:
        """Call ``target.fn(**kwargs)`` and return its (awaited) value.

        ``deadline`` is the call's time limit in seconds (default: the executor's).

        Raises:
            TimeoutError: the call ran past its deadline.
        """
        context_param = target.signature.context_param
        if context_param is not None:
            kwargs[context_param] = ToolContext(call)
        task = asyncio.current_task(call.loop)
        assert task is not None
        self._deadlines.watch(task, deadline or self.default_timeout)
        try:
            if target.is_async:
                return await target.fn(**kwargs)
            work = functools.partial(contextvars.copy_context().run, target.fn, **kwargs)
            value = await call.loop.run_in_executor(self._pool, work)
            return await value if isinstance(value, Awaitable) else value
        except asyncio.CancelledError:
            if self._deadlines.unwatch(task):
                task.uncancel()  # our own cancellation: it is a timeout, not the caller's
                raise TimeoutError from None
            raise
        finally:
            self._deadlines.unwatch(task)

    def shutdown(self) -> None:
        """Stop the worker threads (running calls finish in the background)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
