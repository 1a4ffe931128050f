"""The web UI at ``{base_url}mcp-workbench/ui/``: the Next.js static export, to logged-in
Jupyter users only (others are sent to Jupyter's login page).

The export is built under the placeholder prefix :data:`PLACEHOLDER` (``webui/next.config.ts``);
text files are served with it replaced by Jupyter's ``base_url``, so one build works under any
base URL. Serving the UI also sets Jupyter's ``_xsrf`` cookie, which the UI sends back as
``X-XSRFToken`` with every change it makes through the REST API.
"""

from __future__ import annotations

import asyncio
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from mcp_workbench.jupyter.rest.base import AUTH_RESOURCE

__all__ = ["PLACEHOLDER", "UI_DIR", "UiHandler", "UiRootHandler", "ui_handlers"]

UI_DIR = Path(__file__).parent / "static" / "ui"
"""Where the wheel (and ``make install``) put the export of ``webui/``."""

PLACEHOLDER = b"/__mcp_workbench_base__/"
"""The base URL the export is built under; replaced by Jupyter's ``base_url`` when served."""

_TEXT_SUFFIXES = frozenset({".html", ".js", ".css", ".txt", ".json", ".map", ".svg"})
_TYPES = {".txt": "text/x-component", ".js": "text/javascript", ".woff2": "font/woff2"}
_HASHED = "_next/static/"  # file names carry a content hash: cache them for good
_NOT_BUILT = (
    "The MCP Workbench web UI is not built. In a source checkout run `make install` "
    "(it builds webui/ with npm); installed wheels include it."
)


@dataclass(frozen=True, slots=True)
class _Served:
    body: bytes
    content_type: str


class _Export:
    """The files of one export, read once (again when a file changes) and rewritten for
    one base URL."""

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root.resolve()
        self.base = base_url.encode()
        self._cache: dict[Path, tuple[int, _Served]] = {}

    @property
    def built(self) -> bool:
        return (self.root / "index.html").is_file()

    def locate(self, path: str) -> tuple[Path | None, bool]:
        """The file ``path`` names (None: none), and whether it is a folder whose address
        lacks its final slash (the caller redirects)."""
        if not path or path.endswith("/"):
            path += "index.html"
        candidate = (self.root / path).resolve()
        if not candidate.is_relative_to(self.root):
            return None, False
        if candidate.is_file():
            return candidate, False
        if (candidate / "index.html").is_file():
            return None, True
        html = candidate.with_name(candidate.name + ".html")
        if html.is_file():
            return html, False
        return None, False

    async def read(self, file: Path) -> _Served:
        """The file as served: from the cache unless it changed since it was read."""
        stamp, body = await asyncio.to_thread(self._read_if_changed, file)
        if body is None:
            return self._cache[file][1]
        if file.suffix in _TEXT_SUFFIXES:
            body = body.replace(PLACEHOLDER, self.base)
        kind = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
        served = _Served(body, kind or "application/octet-stream")
        self._cache[file] = (stamp, served)
        return served

    def _read_if_changed(self, file: Path) -> tuple[int, bytes | None]:
        stamp = file.stat().st_mtime_ns
        cached = self._cache.get(file)
        if cached is not None and cached[0] == stamp:
            return stamp, None
        return stamp, file.read_bytes()


class UiHandler(JupyterHandler):
    """``{base_url}mcp-workbench/ui/{path}``: a file of the export."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, export: _Export) -> None:
        self.export = export

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        self.xsrf_token  # noqa: B018 - sets the _xsrf cookie the UI sends back
        if not self.export.built:
            raise web.HTTPError(503, _NOT_BUILT)
        file, folder = self.export.locate(path)
        if folder:
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(f"{self.request.path}/{query}")
            return
        if file is None:
            self.set_status(404)
            file = self.export.root / "404.html"
            if not file.is_file():
                raise web.HTTPError(404)
        served = await self.export.read(file)
        self.set_header("Content-Type", served.content_type)
        self.set_header("X-Content-Type-Options", "nosniff")
        if path.startswith(_HASHED):
            self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            self.set_header("Cache-Control", "no-cache")
        self.finish(served.body)


class UiRootHandler(JupyterHandler):
    """``{base_url}mcp-workbench/ui``: to the UI's start page."""

    @web.authenticated
    def get(self) -> None:
        query = f"?{self.request.query}" if self.request.query else ""
        self.redirect(f"{self.request.path}/{query}")


def ui_handlers(
    prefix: str, base_url: str, root: Path | None = None
) -> list[tuple[str, Any, dict[str, Any]]]:
    """The UI's routes under ``prefix`` (``/mcp-workbench/ui``), serving ``root`` (default
    :data:`UI_DIR`) for a Jupyter server at ``base_url``."""
    export = _Export(root or UI_DIR, base_url)
    return [
        (prefix, UiRootHandler, {}),
        (url_path_join(prefix, "(.*)"), UiHandler, {"export": export}),
    ]
