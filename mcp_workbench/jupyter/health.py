"""``{base_url}mcp-workbench/healthz``, ``/readyz`` and ``/metrics``.

Liveness and readiness answer without authentication (load balancers and orchestrators
ask them); readiness is false (503) until the vault's first sync is done, and while the
server drains. Metrics need Jupyter's authentication, like any other page of the server.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from mcp_workbench.app import WorkbenchServer
from mcp_workbench.engine import Engine

__all__ = ["HealthHandler", "MetricsHandler", "ReadyHandler"]


class HealthHandler(JupyterHandler):
    """Liveness: answers while the server runs."""

    @allow_unauthenticated
    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish({"status": "ok"})


class ReadyHandler(JupyterHandler):
    """Readiness: ready once the vault's first sync is done, until draining for shutdown."""

    def initialize(self, server: WorkbenchServer) -> None:
        self.engine = server.engine
        self.server = server

    @allow_unauthenticated
    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        vault = self.server.vault
        if self.engine.draining:
            self.set_status(503)
            self.finish({"status": "draining"})
        elif vault is not None and not vault.ready.is_set():
            self.set_status(503)
            self.finish({"status": "syncing the vault"})
        else:
            self.finish({"status": "ready", "sessions": len(self.engine.sessions)})


class MetricsHandler(JupyterHandler):
    """Prometheus metrics of the engine."""

    def initialize(self, engine: Engine) -> None:
        self.engine = engine

    @web.authenticated
    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self.engine.metrics.render())
