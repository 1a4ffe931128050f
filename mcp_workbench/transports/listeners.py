"""Run several listeners on one engine at once: TCP, Unix, WebSocket and Streamable HTTP."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mcp_workbench.engine import Engine
from mcp_workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from mcp_workbench.transports.http_server import HttpServer
    from mcp_workbench.transports.http_transport import HttpTransport

__all__ = [
    "BACKLOG",
    "Listeners",
    "host_port",
    "parse_address",
    "run_listeners",
    "start_listeners",
]

BACKLOG = 1024
"""Connections the kernel queues for a listener before it accepts them (capped by
``net.core.somaxconn``). asyncio's default of 100 turns a burst of clients connecting at
once into refused Unix-socket connections and TCP handshakes retried a second later."""


def parse_address(text: str, *, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``HOST:PORT``, ``[::1]:PORT``, ``:PORT`` or ``PORT`` → (host, port).

    Raises:
        WorkbenchError: not an address.
    """
    host, sep, port_text = text.strip().rpartition(":")
    if not sep:
        host, port_text = "", text.strip()
    host = host.strip("[]") or default_host
    try:
        port = int(port_text)
    except ValueError:
        raise WorkbenchError(f"invalid address {text!r}: expected HOST:PORT") from None
    if not 0 <= port <= 65535:
        raise WorkbenchError(f"invalid port in {text!r}")
    return host, port


def host_port(host: str, port: int) -> str:
    """``host:port`` for messages and URLs, an IPv6 host in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass
class Listeners:
    """What is listening, and how to stop each."""

    addresses: list[tuple[str, str]] = field(default_factory=list)
    """(kind, address) of each listener: ``("tcp", "127.0.0.1:7000")``..."""
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _pausers: list[Callable[[], None]] = field(default_factory=list)

    def stop_accepting(self) -> None:
        """Close every listening socket; open connections go on (to drain)."""
        for pause in self._pausers:
            pause()

    async def close(self) -> None:
        """Stop accepting everywhere and close open connections."""
        for close in reversed(self._closers):
            await close()
        self._closers.clear()


async def start_listeners(
    engine: Engine,
    *,
    tcp: Sequence[str] = (),
    unix: Sequence[str] = (),
    ws: Sequence[str] = (),
    http: Sequence[str] = (),
) -> Listeners:
    """Start every listener named; on a failure, those already started are stopped.

    Raises:
        OSError: an address cannot be bound.
        WorkbenchError: an address is malformed.
    """
    from mcp_workbench.transports.http_server import start_http_server  # noqa: PLC0415
    from mcp_workbench.transports.sockets import start_tcp_server, start_unix_server  # noqa: PLC0415
    from mcp_workbench.transports.websocket import start_websocket_server  # noqa: PLC0415

    started = Listeners()
    try:
        for address in tcp:
            host, port = parse_address(address)
            server = await start_tcp_server(engine, host, port)
            started.addresses.append(("tcp", server.address))
            started._closers.append(server.close)
            started._pausers.append(server.stop_accepting)
        for path in unix:
            server = await start_unix_server(engine, path)
            started.addresses.append(("unix", server.address))
            started._closers.append(server.close)
            started._pausers.append(server.stop_accepting)
        for address in ws:
            host, port = parse_address(address)
            ws_server = await start_websocket_server(
                engine, host, port, path=engine.settings.ws_path
            )
            scheme = "wss" if engine.settings.tls_cert else "ws"
            started.addresses.append(("ws", f"{scheme}://{ws_server.address}"))
            started._closers.append(ws_server.close)
            started._pausers.append(ws_server.stop_accepting)
        for address in http:
            host, port = parse_address(address)
            http_server, transport, bound = await start_http_server(engine, host, port)
            scheme = "https" if engine.settings.tls_cert else "http"
            started.addresses.append(
                ("http", f"{scheme}://{host_port(host, bound)}{engine.settings.mcp_path}")
            )
            started._closers.append(_http_closer(http_server, transport))
            started._pausers.append(http_server.stop_accepting)
    except BaseException:
        await started.close()
        raise
    return started


def _http_closer(server: HttpServer, transport: HttpTransport) -> Callable[[], Awaitable[None]]:
    async def close() -> None:
        await transport.close()
        server.stop()

    return close


async def run_listeners(
    engine: Engine,
    *,
    tcp: Sequence[str] = (),
    unix: Sequence[str] = (),
    ws: Sequence[str] = (),
    http: Sequence[str] = (),
) -> None:
    """Serve on every listener until SIGINT/SIGTERM, then stop accepting and end sessions.

    Raises:
        OSError: an address cannot be bound.
        WorkbenchError: an address is malformed.
    """
    listeners = await start_listeners(engine, tcp=tcp, unix=unix, ws=ws, http=http)
    for kind, address in listeners.addresses:
        print(f"MCP Workbench listening: {kind} {address}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("MCP Workbench draining: no new sessions or calls", file=sys.stderr, flush=True)
    listeners.stop_accepting()
    still = await engine.drain(engine.settings.drain_timeout)
    if still:
        print(f"MCP Workbench: {still} call(s) cut short", file=sys.stderr, flush=True)
    await listeners.close()
    await engine.shutdown()
