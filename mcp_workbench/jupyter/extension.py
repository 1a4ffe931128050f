"""``MCPWorkbench``: the Jupyter Server extension that hosts the workbench in-process.

It builds one :class:`~mcp_workbench.app.WorkbenchServer` from the settings (Jupyter's
``c.MCPWorkbench.*`` config over the settings file and environment), serves MCP, the REST
API and the events socket under Jupyter's ``base_url``, starts the engine, store and bus
with the server, and drains them when it stops.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import traitlets
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join

from mcp_workbench.app import WorkbenchServer
from mcp_workbench.config import Settings, load_settings
from mcp_workbench.demo import create_demo_vault, seed_demo_store
from mcp_workbench.jupyter.announce import announcement
from mcp_workbench.jupyter.events import close_event_sockets, event_handlers
from mcp_workbench.jupyter.health import HealthHandler, MetricsHandler, ReadyHandler
from mcp_workbench.jupyter.kernel_tools import register_jupyter_tools
from mcp_workbench.jupyter.mcp_handlers import JupyterMcpHandler, JupyterMcpWebSocket
from mcp_workbench.jupyter.rest import rest_handlers
from mcp_workbench.jupyter.traits import settings_traits
from mcp_workbench.jupyter.ui import ui_handlers
from mcp_workbench.transports.http_transport import HttpTransport
from mcp_workbench.transports.listeners import Listeners, start_listeners

__all__ = ["API_PREFIX", "EXTENSION_PREFIX", "UI_PREFIX", "MCPWorkbench"]

_FIRST_SYNC_WAIT = 60.0
"""Seconds the start waits for the vault's first sync before announcing itself anyway."""

log = logging.getLogger("mcp_workbench.jupyter")

EXTENSION_PREFIX = "mcp-workbench"
"""Where the extension's own routes live, under ``base_url``."""
API_PREFIX = f"{EXTENSION_PREFIX}/api/v1"
UI_PREFIX = f"{EXTENSION_PREFIX}/ui"
"""Where the web UI (the Next.js export) is served, under ``base_url``."""

# Settings that mean something else (or nothing) inside Jupyter: Jupyter has its own
# host, port and logging, and its ``data_dir`` trait; ours is ``workbench_data_dir``.
_NOT_TRAITS = frozenset({"host", "port", "log_level", "log_format", "data_dir"})

_SettingsTraits: Any = type("_SettingsTraits", (traitlets.HasTraits,), settings_traits(_NOT_TRAITS))


class MCPWorkbench(ExtensionApp, _SettingsTraits):  # type: ignore[misc]
    """MCP Workbench inside Jupyter Server: ``c.MCPWorkbench.<setting> = ...``."""

    name = "mcp_workbench"
    description = "A Jupyter-integrated MCP server and knowledge/prompt workbench"
    load_other_extensions = True

    config_file_path = traitlets.Unicode(
        None,
        allow_none=True,
        help="A workbench settings file (TOML) read before the values set here.",
    ).tag(config=True)
    demo = traitlets.Bool(
        False,
        help="On first run, fill an empty vault with the demo vault and an empty store with "
        "demo notes, a prompt and a board.",
    ).tag(config=True)
    announce = traitlets.Bool(
        False,
        help="Print the workbench's URLs and a ready-to-paste MCP client configuration once "
        "the server runs (mcp-workbench serve sets this).",
    ).tag(config=True)
    workbench_data_dir = traitlets.Unicode(
        None,
        allow_none=True,
        help="Directory of the workbench's files (its SQLite store). Default: the same "
        "per-user data folder the mcp-workbench command uses.",
    ).tag(config=True)

    workbench: WorkbenchServer
    transport: HttpTransport
    listeners: Listeners | None = None

    def workbench_settings(self) -> Settings:
        """The settings model: file, then environment, then what Jupyter's config sets.

        Raises:
            WorkbenchError: a value is invalid (the message says which).
        """
        configured = self.config.get(type(self).__name__, {})
        given: dict[str, Any] = {
            name: getattr(self, name)
            for name in Settings.model_fields
            if name not in _NOT_TRAITS and name in configured
        }
        if self.workbench_data_dir is not None:
            given["data_dir"] = Path(self.workbench_data_dir)
        return load_settings(self.config_file_path, **given)

    def initialize_settings(self) -> None:
        settings = self.workbench_settings()
        self.workbench = WorkbenchServer(settings)
        assert self.serverapp is not None
        register_jupyter_tools(self.workbench, self.serverapp)
        scheme = "https" if self.serverapp.certfile else "http"
        self.transport = HttpTransport(
            self.workbench.engine, bind_host=self.serverapp.ip, scheme=scheme
        )
        self.settings.update(
            {"mcp_workbench": self.workbench, "mcp_workbench_transport": self.transport}
        )
        log.info(
            "MCP Workbench: store %s, vault %s",
            "off" if self.workbench.workbench is None else self.workbench.workbench.db.safe_url,
            settings.vault_path,
        )

    def initialize_handlers(self) -> None:
        assert self.serverapp is not None
        base_url = self.serverapp.base_url
        roles = frozenset(self.workbench.settings.jupyter_roles)
        mcp = {"transport": self.transport, "roles": roles}
        engine = self.workbench.engine
        self.handlers.extend(
            [
                ("/mcp", JupyterMcpHandler, mcp),
                ("/mcp/ws", JupyterMcpWebSocket, mcp),
                (url_path_join("/", EXTENSION_PREFIX, "healthz"), HealthHandler),
                (
                    url_path_join("/", EXTENSION_PREFIX, "readyz"),
                    ReadyHandler,
                    {"server": self.workbench},
                ),
                (
                    url_path_join("/", EXTENSION_PREFIX, "metrics"),
                    MetricsHandler,
                    {"engine": engine},
                ),
                *rest_handlers("/" + API_PREFIX),
                *event_handlers("/" + API_PREFIX),
                *ui_handlers("/" + UI_PREFIX, base_url),
            ]
        )

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        settings = self.workbench.settings
        if self.demo:
            self._demo_vault()
        await self.workbench.start()
        if self.demo and self.workbench.workbench is not None and self.workbench.vault is None:
            await seed_demo_store(self.workbench.workbench)  # no sync to bring the vault in
        vault = self.workbench.vault
        if vault is not None:  # announce a workbench whose store holds the vault
            try:
                await asyncio.wait_for(vault.ready.wait(), _FIRST_SYNC_WAIT)
            except TimeoutError:
                log.warning("MCP Workbench: the vault's first sync is still running")
        if (
            settings.listen_tcp
            or settings.listen_unix
            or settings.listen_ws
            or settings.listen_http
        ):
            self.listeners = await start_listeners(
                self.workbench.engine,
                tcp=settings.listen_tcp,
                unix=settings.listen_unix,
                ws=settings.listen_ws,
                http=settings.listen_http,
            )
            for kind, address in self.listeners.addresses:
                log.info("MCP Workbench also listening: %s %s", kind, address)
        if self.announce:
            print(announcement(serverapp, settings), flush=True)

    def _demo_vault(self) -> None:
        vault = self.workbench.settings.vault_path
        try:
            create_demo_vault(vault)
        except OSError as exc:
            log.warning("cannot create the demo vault in %s: %s", vault, exc)

    async def stop_extension(self) -> None:
        """Stop accepting, let running calls finish (``drain_timeout``), then close."""
        engine = self.workbench.engine
        if self.listeners is not None:
            self.listeners.stop_accepting()
        left = await engine.drain(self.workbench.settings.drain_timeout)
        if left:
            log.warning("MCP Workbench: %d calls still running at shutdown", left)
        if self.listeners is not None:
            await self.listeners.close()
        assert self.serverapp is not None
        await close_event_sockets(self.serverapp.web_app.settings)
        await self.transport.close()
        await engine.shutdown()
        await self.workbench.aclose()
        self.workbench.close()
