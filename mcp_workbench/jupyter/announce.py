"""What ``mcp-workbench serve`` prints once the server runs: where everything is, and an
MCP client configuration to paste."""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.utils import url_path_join

from mcp_workbench.client_config import client_config
from mcp_workbench.config import Settings

__all__ = ["announcement", "server_urls"]


def server_urls(serverapp: Any) -> dict[str, str]:
    """The URLs of the running server: JupyterLab (when installed), the MCP endpoints, the
    REST API and the web UI, by what they are."""
    base = serverapp.connection_url  # http://host:port/base_url/
    urls: dict[str, str] = {}
    if "jupyterlab" in serverapp.extension_manager.extensions:
        urls["JupyterLab"] = url_path_join(base, "lab")
    urls["MCP (Streamable HTTP)"] = url_path_join(base, "mcp")
    urls["MCP (WebSocket)"] = "ws" + url_path_join(base, "mcp", "ws").removeprefix("http")
    urls["REST API"] = url_path_join(base, "mcp-workbench", "api", "v1") + "/"
    urls["Web UI"] = url_path_join(base, "mcp-workbench", "ui") + "/"
    return urls


def announcement(serverapp: Any, settings: Settings) -> str:
    """The banner: URLs, how to authenticate, the store and vault, a client configuration."""
    token = serverapp.identity_provider.token
    lines = ["", "MCP Workbench is running:"]
    width = max(len(name) for name in server_urls(serverapp))
    for name, url in server_urls(serverapp).items():
        lines.append(f"  {name.ljust(width)}  {url}")
    if token:
        lines.append(f"  {'Token'.ljust(width)}  Authorization: token {token}")
    lines.append(f"  {'Vault'.ljust(width)}  {settings.vault_path}")
    lines.append(f"  {'Store'.ljust(width)}  {settings.database_url or settings.data_dir}")
    config = client_config("vscode", url=serverapp.connection_url, token=token or None)
    lines += [
        "",
        "MCP client configuration (VS Code .vscode/mcp.json; more: mcp-workbench client-config):",
        json.dumps(config, indent=2),
        "",
    ]
    return "\n".join(lines)
