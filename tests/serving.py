"""Servers as users run them, for the tests and the benchmarks: ``mcp-workbench serve`` (a
real Jupyter server with the workbench on 127.0.0.1, its URLs read from the banner) and
``mcp-workbench listen`` (the engine alone on WebSocket and Streamable HTTP), each in its own
process group, stopped by its PID; and the Debian chromium the browser tests drive.

Plain functions (no pytest in here): ``bench/`` starts its servers with them too.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "ROOT",
    "Listener",
    "Served",
    "free_port",
    "jupyter_env",
    "serve",
    "stop_group",
]

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = Path(os.environ.get("MCP_WORKBENCH_CHROMIUM", "/usr/bin/chromium"))
"""Debian's chromium: browsers are installed by apt, never downloaded."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

START_TIMEOUT = 60.0
_BASE_URL = re.compile(r"MCP \(Streamable HTTP\)\s+(http://\S+/)mcp\s")
_BANNER_END = "}\n"
"""The last line of the banner: the end of the client configuration it prints."""


def jupyter_env(home: Path, token: str, **settings: str) -> dict[str, str]:
    """This environment without Jupyter's and the workbench's own variables; Jupyter's
    files (config, data, runtime) under ``home``; the project importable (test and bench
    tool modules); ``settings`` added as they are (``MCP_WORKBENCH_…`` variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MCP_WORKBENCH"))}
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_TOKEN": token,
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
    )
    env.update(settings)
    return env


@dataclass(frozen=True)
class Served:
    """A running ``mcp-workbench serve``."""

    url: str
    """The server's base URL, ending in ``/``."""
    token: str
    home: Path
    """The scratch folder it runs in (its root directory)."""
    env: dict[str, str]
    banner: str
    process: subprocess.Popen[str]

    @property
    def mcp_url(self) -> str:
        return self.url + "mcp"

    @property
    def ui(self) -> str:
        return self.url + "mcp-workbench/ui/"

    @property
    def api_url(self) -> str:
        return self.url + "mcp-workbench/api/v1"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


@contextmanager
def serve(
    home: Path,
    *options: str,
    token: str,
    env: dict[str, str] | None = None,
    timeout: float = START_TIMEOUT,
) -> Iterator[Served]:
    """Run ``mcp-workbench serve`` in ``home`` with ``options`` until the block ends.

    ``env`` defaults to :func:`jupyter_env`. Raises RuntimeError with the server's last
    lines when it exits or prints no banner within ``timeout`` seconds.
    """
    env = jupyter_env(home, token) if env is None else env
    argv = [
        sys.executable,
        "-m",
        "mcp_workbench.cli",
        "serve",
        "--no-browser",
        "--ip=127.0.0.1",
        "--port=0",
        f"--ServerApp.root_dir={home}",
        *options,
    ]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    process = subprocess.Popen(
        argv,
        env=env,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stopped as a whole, and only it
    )
    banner: list[str] = []
    tail: deque[str] = deque(maxlen=60)
    started = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            tail.append(line)
            if not started.is_set():
                banner.append(line)
                if line == _BANNER_END:
                    started.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        waited = 0.0
        while not started.wait(0.1):
            waited += 0.1
            if process.poll() is not None or waited > timeout:
                raise RuntimeError("mcp-workbench serve did not start:\n" + "".join(tail))
        text = "".join(banner)
        match = _BASE_URL.search(text)
        if match is None:
            raise RuntimeError("no MCP URL in the banner of mcp-workbench serve:\n" + text)
        url = match.group(1).replace("//localhost:", "//127.0.0.1:")
        yield Served(url, token, home, env, text, process)
    finally:
        stop_group(process)
        reader.join(5)
        if process.stdout is not None:
            process.stdout.close()


def stop_group(process: subprocess.Popen[Any], grace: float = 20.0) -> int:
    """SIGTERM the process group a server leads, SIGKILL it after ``grace`` seconds; the
    exit status."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait(5)


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Listener:
    """``mcp-workbench listen`` with WebSocket and Streamable HTTP, serving the tool module
    ``tools`` without a store. Its ports are chosen once, so it can be killed and started
    again where its clients expect it."""

    def __init__(self, tools: str, env: dict[str, str]) -> None:
        self.tools = tools
        self.env = env
        self.ws_port, self.http_port = free_port(), free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/ws"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/mcp"

    def port(self, transport: str) -> int:
        """The port of ``transport`` (``ws`` or ``http``)."""
        return self.ws_port if transport == "ws" else self.http_port

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        """Start it and wait until both ports accept connections.

        Raises:
            RuntimeError: it exited, or did not listen within ``timeout`` seconds.
        """
        command = [
            sys.executable, "-m", "mcp_workbench.cli", "listen",
            "--ws", f"127.0.0.1:{self.ws_port}", "--http", f"127.0.0.1:{self.http_port}",
            "--tools", self.tools, "--no-entry-points", "--no-store",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            command,
            env=self.env,
            cwd=str(ROOT),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: killed as a whole, and only it
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                for port in (self.ws_port, self.http_port):
                    socket.create_connection(("127.0.0.1", port), 1).close()
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("mcp-workbench listen exited before listening") from None
                time.sleep(0.1)
            else:
                return self
        self.kill()
        raise RuntimeError("mcp-workbench listen did not start listening")

    def stop(self) -> None:
        """SIGTERM its process group, SIGKILL after a grace period."""
        if self.proc is not None:
            stop_group(self.proc)

    def kill(self) -> None:
        """SIGKILL its process group (a crash, as far as its clients can tell)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
