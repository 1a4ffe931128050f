"""Ready-to-paste MCP client configurations for a running workbench.

* ``claude-desktop``: Claude Desktop starts MCP servers as local processes, so it gets
  ``mcp-workbench stdio`` on the same store (changes reach the Jupyter server, and back,
  through the store's event log).
* ``vscode`` (``.vscode/mcp.json``) and ``cursor`` (``~/.cursor/mcp.json``): Streamable
  HTTP to the server's ``/mcp`` endpoint with its token.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__all__ = ["CLIENTS", "client_config"]

CLIENTS = ("claude-desktop", "vscode", "cursor")
SERVER_NAME = "mcp-workbench"


def _command() -> tuple[str, list[str]]:
    """How to start ``mcp-workbench`` from any working directory: the script beside this
    interpreter when there is one, else the interpreter with ``-m``."""
    script = Path(sys.executable).with_name("mcp-workbench")
    if script.exists():
        return str(script), []
    return sys.executable, ["-m", "mcp_workbench.cli"]


def client_config(
    client: str,
    *,
    url: str = "http://127.0.0.1:8888/",
    token: str | None = None,
    data_dir: str | Path | None = None,
) -> dict[str, Any]:
    """The configuration ``client`` needs to reach the workbench at ``url`` (the Jupyter
    server's base URL) with ``token``, or, for Claude Desktop, the store in ``data_dir``.

    Raises:
        ValueError: ``client`` is not one of :data:`CLIENTS`.
    """
    if client == "claude-desktop":
        command, args = _command()
        args = [*args, "stdio"]
        if data_dir is not None:
            args += ["--data-dir", str(data_dir)]
        return {"mcpServers": {SERVER_NAME: {"command": command, "args": args}}}
    endpoint = url.rstrip("/") + "/mcp"
    headers = {"Authorization": f"token {token}"} if token else {}
    if client == "vscode":
        server: dict[str, Any] = {"type": "http", "url": endpoint}
        if headers:
            server["headers"] = headers
        return {"servers": {SERVER_NAME: server}}
    if client == "cursor":
        entry: dict[str, Any] = {"url": endpoint}
        if headers:
            entry["headers"] = headers
        return {"mcpServers": {SERVER_NAME: entry}}
    raise ValueError(f"unknown client {client!r}: one of {', '.join(CLIENTS)}")
