"""The standalone HTTP server: the MCP endpoint plus ``/metrics`` and ``/healthz``."""

from __future__ import annotations

import asyncio
import signal
import sys

import tornado.httpserver
import tornado.netutil
import tornado.web

from mcp_workbench.engine import Engine
from mcp_workbench.transports.http_transport import HttpTransport
from mcp_workbench.transports.streamable_http import McpHandler

__all__ = ["HealthHandler", "MetricsHandler", "make_app", "run_http_server", "start_http_server"]


class MetricsHandler(tornado.web.RequestHandler):
    """Prometheus metrics of the engine."""

    def initialize(self, engine: Engine) -> None:
        self.engine = engine

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self.engine.metrics.render())


class HealthHandler(tornado.web.RequestHandler):
    """Liveness: answers while the server runs."""

    def get(self) -> None:
        self.finish({"status": "ok"})


def make_app(engine: Engine, transport: HttpTransport) -> tornado.web.Application:
    """The tornado application: MCP endpoint, ``/metrics``, ``/healthz``."""
    path = engine.settings.mcp_path
    return tornado.web.Application(
        [
            (path, McpHandler, {"transport": transport}),
            ("/metrics", MetricsHandler, {"engine": engine}),
            ("/healthz", HealthHandler),
        ],
        log_function=lambda handler: None,
    )


async def start_http_server(
    engine: Engine, host: str | None = None, port: int | None = None
) -> tuple[tornado.httpserver.HTTPServer, HttpTransport, int]:
    """Start serving; returns the server, its transport and the bound port."""
    host = host or engine.settings.host
    port = engine.settings.port if port is None else port
    transport = HttpTransport(engine, bind_host=host)
    app = make_app(engine, transport)
    server = tornado.httpserver.HTTPServer(
        app, max_body_size=engine.settings.max_message_bytes * 2, idle_connection_timeout=3600
    )
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    return server, transport, bound


async def run_http_server(engine: Engine) -> None:
    """Serve until SIGINT/SIGTERM, then drain and stop."""
    server, transport, port = await start_http_server(engine)
    host = engine.settings.host
    shown = f"[{host}]" if ":" in host else host
    print(
        f"MCP Workbench serving Streamable HTTP at http://{shown}:{port}{engine.settings.mcp_path}",
        file=sys.stderr,
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
    await transport.close()
    await engine.shutdown()
    await server.close_all_connections()
