"""Where the workbench is: a URL and a token, given or found.

In order: the ``url`` (and ``token``) passed in; ``MCP_WORKBENCH_URL`` and
``MCP_WORKBENCH_TOKEN`` (or ``JUPYTER_TOKEN``) in the environment; the Jupyter server
that started this kernel (its runtime file names its process, the kernel's parent); the
only Jupyter server running for this user. Anything else needs the URL and token.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from mcp_workbench.notebook.errors import ConnectionFailed

__all__ = ["TOKEN_ENV", "URL_ENV", "ServerAddress", "find_server"]

URL_ENV = "MCP_WORKBENCH_URL"
"""The server's base URL (Jupyter's, e.g. ``http://127.0.0.1:8888/``)."""
TOKEN_ENV = "MCP_WORKBENCH_TOKEN"
"""Its token (Jupyter's token or a workbench bearer token)."""

_HOW = (
    "Pass them: Workbench(url='http://127.0.0.1:8888/', token='...'), or set "
    f"{URL_ENV} and {TOKEN_ENV}."
)


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """A Jupyter server's base URL (ending in ``/``) and the token that opens it."""

    url: str
    token: str | None = None

    @classmethod
    def of(cls, url: str, token: str | None = None) -> ServerAddress:
        """The address of ``url``, cleaned: a scheme is required, ``/mcp`` is dropped.

        Raises:
            ConnectionFailed: the URL is not an http(s) URL.
        """
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConnectionFailed(f"not an http(s) URL: {url!r}. {_HOW}")
        path = parts.path.rstrip("/")
        for suffix in ("/mcp/ws", "/mcp"):
            path = path.removesuffix(suffix)
        return cls(urlunsplit((parts.scheme, parts.netloc, path + "/", "", "")), token or None)

    @property
    def websocket_url(self) -> str:
        """The MCP WebSocket endpoint."""
        scheme = "wss" if self.url.startswith("https:") else "ws"
        return scheme + self.url.removeprefix("https").removeprefix("http") + "mcp/ws"

    @property
    def headers(self) -> dict[str, str]:
        """The headers that authenticate a request (Jupyter takes its token as a bearer
        token too, so one form serves Jupyter and the workbench's own tokens)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def __repr__(self) -> str:  # never the token
        return f"ServerAddress({self.url!r}, token={'***' if self.token else None})"


def _running_servers() -> list[dict[str, Any]]:
    from jupyter_server.serverapp import list_running_servers  # noqa: PLC0415 - on demand

    return list(list_running_servers())


def _pick(servers: Iterable[Mapping[str, Any]], parent: int) -> Mapping[str, Any] | None:
    found = list(servers)
    for info in found:
        if info.get("pid") == parent:
            return info
    return found[0] if len(found) == 1 else None


def find_server(
    url: str | None = None,
    token: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    servers: Iterable[Mapping[str, Any]] | None = None,
) -> ServerAddress:
    """The address to connect to (see the module's docstring for the order).

    Raises:
        ConnectionFailed: no server given, and none (or more than one) found.
    """
    env = os.environ if environ is None else environ
    token = token or env.get(TOKEN_ENV) or None
    url = url or env.get(URL_ENV) or None
    if url is not None:
        return ServerAddress.of(url, token or env.get("JUPYTER_TOKEN"))
    running = list(_running_servers() if servers is None else servers)
    info = _pick(running, os.getppid())
    if info is None:
        where = ", ".join(str(s.get("url")) for s in running) or "none"
        raise ConnectionFailed(
            f"Cannot tell which Jupyter server to use (running for this user: {where}). " + _HOW
        )
    return ServerAddress.of(str(info["url"]), token or info.get("token") or None)
