"""What the bench scripts share: the server processes they start (stopped by PID, and
killed at exit whatever happens), progress lines on stderr, and the event loop to use."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "LIVE_PIDS",
    "cpu_idle_held",
    "cpu_seconds",
    "kill_leftovers",
    "log",
    "loop_factory",
    "megabytes",
    "system_busy_seconds",
    "terminate",
]

LIVE_PIDS: set[int] = set()
"""PIDs a bench started and has not reaped yet."""

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@atexit.register
def kill_leftovers() -> None:
    """SIGKILL every process a bench started and did not reap."""
    for pid in list(LIVE_PIDS):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        LIVE_PIDS.discard(pid)


_PM_QOS = "/dev/cpu_dma_latency"


@contextlib.contextmanager
def cpu_idle_held(hold: bool) -> Iterator[str]:
    """While inside, keep the CPUs out of idle states slower to leave than polling (when
    ``hold``); yields how the CPUs idle, for the report.

    Uses the kernel's PM QoS interface, as latency benchmarks do: a 0 µs CPU latency
    request written to ``/dev/cpu_dma_latency`` lasts while the file stays open (root
    only). On a virtual machine whose idle CPU halts, each halt is a VM exit, and the
    request that wakes a server then runs on cold caches at a fraction of its speed, a
    penalty that grows with the code a request runs rather than with the work it does.
    """
    if not hold:
        yield "CPUs idle as the machine is set up"
        return
    try:
        fd = os.open(_PM_QOS, os.O_WRONLY)
    except OSError as exc:
        yield f"CPUs idle as the machine is set up (could not hold them: {exc.strerror})"
        return
    try:
        os.write(fd, struct.pack("i", 0))
        yield f"CPUs held out of idle states (PM QoS: 0 µs via {_PM_QOS})"
    finally:
        os.close(fd)


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


def cpu_seconds(stat: Path | str) -> float | None:
    """User + system CPU seconds of a process or thread so far, from its ``stat`` file in
    /proc (``/proc/PID/stat``, ``/proc/self/task/TID/stat``; Linux), else None."""
    try:
        fields = Path(stat).read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


def system_busy_seconds() -> float | None:
    """CPU seconds all processes of the machine have used so far (Linux), else None."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    guest = sum(fields[8:10]) if len(fields) > 9 else 0  # already counted in user/nice
    return (sum(fields) - idle - guest) / _TICKS


def megabytes(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"
