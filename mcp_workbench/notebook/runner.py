"""``BackgroundLoop``: an asyncio loop in a thread of its own, for the notebook client.

The kernel's own loop is busy while a cell runs (and a synchronous cell blocks it), so the
connection lives on this loop instead: a cell can wait for a call synchronously, await it,
and the kernel answers calls of its notebook functions between and during cells.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["BackgroundLoop"]

T = TypeVar("T")

_DONE = object()
_CANCEL_GRACE = 5.0
"""Seconds a cancelled call gets to tell the server before the caller moves on."""


class BackgroundLoop:
    """Runs coroutines on a daemon thread's event loop; thread-safe."""

    def __init__(self, name: str = "mcp-workbench") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    @property
    def in_loop(self) -> bool:
        """True on the loop's own thread."""
        return threading.current_thread() is self._thread

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        events: queue.SimpleQueue[Any] | None = None,
        on_event: Callable[[Any], None] | None = None,
    ) -> T:
        """Wait for ``coro`` on the calling thread, handing what arrives on ``events`` to
        ``on_event`` meanwhile (on this thread, where display and widgets belong).

        Ctrl-C (KeyboardInterrupt) cancels the coroutine, which tells the server, and is
        raised again.

        Raises:
            RuntimeError: called from the loop's own thread (await the coroutine instead).
        """
        if self.in_loop:
            coro.close()
            raise RuntimeError(
                "a blocking call from the client's own loop would wait forever: await the "
                "call (e.g. `await tool.acall(...)`) in async code"
            )
        if self.loop.is_closed() or not self._thread.is_alive():
            coro.close()
            raise RuntimeError("the client's loop has stopped (the client was closed)")
        future = self.submit(coro)
        try:
            if events is None:
                return future.result()
            future.add_done_callback(lambda _: events.put(_DONE))
            while (event := events.get()) is not _DONE:
                if on_event is not None:
                    on_event(event)
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            with contextlib.suppress(BaseException):
                future.result(timeout=_CANCEL_GRACE)
            raise

    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` from any event loop; cancelling the awaiting task cancels it."""
        if self.in_loop:
            return await coro
        if self.loop.is_closed() or not self._thread.is_alive():
            coro.close()
            raise RuntimeError("the client's loop has stopped (the client was closed)")
        return await asyncio.wrap_future(self.submit(coro))

    def close(self) -> None:
        """Stop the loop and its thread."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        if not self.in_loop:
            self._thread.join(timeout=5)
            if not self._thread.is_alive():
                self.loop.close()
