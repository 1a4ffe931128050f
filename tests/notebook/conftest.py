"""A live ``mcp-workbench serve`` (Jupyter with the workbench, a demo store and the fixture
tools) shared by the notebook client's tests, and helpers to reach it."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from tests.conftest import FIXTURE_TOOLS, ROOT, fresh_data_dir

TOKEN = "notebook-test-token"
_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL (ending in ``/``), token and scratch folders."""

    url: str
    token: str
    home: Path
    env: dict[str, str]

    @property
    def mcp_url(self) -> str:
        return self.url + "mcp"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MCP_WORKBENCH"))}
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_TOKEN": TOKEN,
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "MCP_WORKBENCH_VAULT_PATH": str(home / "vault"),
            # The fixture tools (echo, slow...) as a settings value: `serve --tools` passes
            # them as a Jupyter option, which reaches the workbench only when Jupyter knows
            # the extension's traits at parse time.
            "MCP_WORKBENCH_TOOLS": orjson.dumps([FIXTURE_TOOLS]).decode(),
            "MCP_WORKBENCH_ALLOW_CODE_EXECUTION": "true",
        }
    )
    return env


def _banner(process: subprocess.Popen[str]) -> str:
    """What ``serve`` prints up to the end of its client configuration."""
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=_START_TIMEOUT)
        except queue.Empty:
            pytest.fail("serve printed nothing for a minute:\n" + "".join(seen))
        assert line, "serve exited before printing its URLs:\n" + "".join(seen)
        seen.append(line)
        if line == "}\n":
            return "".join(seen)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    home = fresh_data_dir()
    env = _environment(home)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mcp_workbench.cli",
            "serve",
            "--demo",
            "--vault",
            str(home / "vault"),
            "--data-dir",
            str(home / "workbench"),
            "--no-browser",
            "--ip=127.0.0.1",
            "--port=0",
            "--allow-root",
            f"--ServerApp.root_dir={home}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=str(ROOT),
        start_new_session=True,
    )
    try:
        banner = _banner(process)
        match = re.search(r"MCP \(Streamable HTTP\)\s+(http://\S+)/mcp", banner)
        assert match, banner
        yield LiveServer(match.group(1) + "/", TOKEN, home, env)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
