"""What the bench scripts share: the server processes they start (stopped by PID, and
killed at exit whatever happens), progress lines on stderr, and the event loop to use."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import sys
from collections.abc import Callable

__all__ = ["LIVE_PIDS", "kill_leftovers", "log", "loop_factory", "terminate"]

LIVE_PIDS: set[int] = set()
"""PIDs a bench started and has not reaped yet."""


@atexit.register
def kill_leftovers() -> None:
    """SIGKILL every process a bench started and did not reap."""
    for pid in list(LIVE_PIDS):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        LIVE_PIDS.discard(pid)


def log(text: str) -> None:
    """A progress line, on stderr (stdout holds the report)."""
    print(text, file=sys.stderr, flush=True)


async def terminate(proc: asyncio.subprocess.Process, grace: float = 5.0) -> None:
    """SIGTERM the process by its PID, SIGKILL it after ``grace`` seconds; reaped either way."""
    try:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
    finally:
        LIVE_PIDS.discard(proc.pid)


def loop_factory() -> tuple[Callable[[], asyncio.AbstractEventLoop] | None, str]:
    """uvloop where it is installed, as the servers use it; else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        return None, "asyncio"
    return uvloop.new_event_loop, "uvloop"
