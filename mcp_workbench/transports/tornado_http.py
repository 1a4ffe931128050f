"""The MCP endpoint as tornado handlers, for tornado applications such as Jupyter Server."""

from __future__ import annotations

import asyncio

import tornado.web
from tornado.iostream import StreamClosedError

from mcp_workbench.engine import Engine, Identity
from mcp_workbench.transports.http_transport import METADATA_PATH, HttpTransport
from mcp_workbench.transports.streamable_http import McpRequest

__all__ = [
    "HealthHandler",
    "McpHandler",
    "MetricsHandler",
    "ResourceMetadataHandler",
    "make_app",
]


class _TornadoIO:
    """:class:`HttpIO` over a tornado ``RequestHandler``."""

    def __init__(self, handler: tornado.web.RequestHandler) -> None:
        self._handler = handler
        self.gone = asyncio.Event()

    @property
    def body(self) -> bytes:
        return self._handler.request.body

    def header(self, name: str) -> str | None:
        value: str | None = self._handler.request.headers.get(name)
        return value

    def respond(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self._handler.set_status(status)
        for key, value in headers.items():
            self._handler.set_header(key, value)
        self._handler.finish(body)

    def start_stream(self, headers: dict[str, str]) -> None:
        self._handler.set_status(200)
        for key, value in headers.items():
            self._handler.set_header(key, value)

    async def write(self, chunk: bytes) -> None:
        if self.gone.is_set():
            raise ConnectionError("the client has gone")
        self._handler.write(chunk)
        try:
            await self._handler.flush()
        except StreamClosedError as exc:
            raise ConnectionError("the client has gone") from exc

    def end(self) -> None:
        if not self._handler._finished:
            self._handler.finish()


class McpHandler(tornado.web.RequestHandler):
    """POST/GET/DELETE on the MCP endpoint of a tornado application."""

    def initialize(self, transport: HttpTransport) -> None:
        self.transport = transport
        self._io: _TornadoIO | None = None
        self._request: McpRequest | None = None

    def check_xsrf_cookie(self) -> None:
        """MCP clients are not browsers with cookies; Origin is checked instead."""

    def identity(self) -> Identity | None:
        """Who is calling, if the application established it (then no bearer token is
        asked for); subclasses that authenticate say who."""
        return None

    async def _serve(self, method: str) -> None:
        self._io = _TornadoIO(self)
        self._request = McpRequest(self.transport, self._io, identity=self.identity())
        await self._request.dispatch(method)

    async def post(self) -> None:
        await self._serve("POST")

    async def get(self) -> None:
        await self._serve("GET")

    async def delete(self) -> None:
        await self._serve("DELETE")

    def on_connection_close(self) -> None:
        if self._io is not None:
            self._io.gone.set()
        if self._request is not None:
            self._request.connection_closed()


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


class ResourceMetadataHandler(tornado.web.RequestHandler):
    """OAuth Protected Resource Metadata (RFC 9728) of the MCP endpoint."""

    def initialize(self, transport: HttpTransport) -> None:
        self.transport = transport

    def get(self, *_: str) -> None:
        self.finish(self.transport.resource_metadata(self.request.headers.get("Host", "")))


def make_app(engine: Engine, transport: HttpTransport) -> tornado.web.Application:
    """A tornado application with the MCP endpoint, its RFC 9728 metadata, ``/metrics``
    and ``/healthz``."""
    path = engine.settings.mcp_path
    return tornado.web.Application(
        [
            (path, McpHandler, {"transport": transport}),
            (METADATA_PATH + "(/.*)?", ResourceMetadataHandler, {"transport": transport}),
            ("/metrics", MetricsHandler, {"engine": engine}),
            ("/healthz", HealthHandler),
        ],
        log_function=lambda handler: None,
    )
