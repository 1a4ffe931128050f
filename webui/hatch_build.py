"""Build the web UI into the wheel: ``npm ci`` and ``next build`` in ``webui/``, then the
static export goes into the package as ``mcp_workbench/jupyter/static/ui/``.

Set ``MCP_WORKBENCH_SKIP_WEBUI=1`` to build a wheel without the UI (no Node.js needed; the
extension then answers the UI's address with a note that it is not built).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

_TARGET = "mcp_workbench/jupyter/static/ui"


class WebUiBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Runs for the standard wheel only: an editable install serves what ``make install``
    built in place."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        if os.environ.get("MCP_WORKBENCH_SKIP_WEBUI") == "1":
            self.app.display_warning("MCP_WORKBENCH_SKIP_WEBUI=1: the wheel has no web UI")
            return
        webui = Path(self.root) / "webui"
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "Building the web UI needs Node.js 20+ and npm on the PATH "
                "(or set MCP_WORKBENCH_SKIP_WEBUI=1 to build without it)"
            )
        env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1"}
        self.app.display_info("Building the web UI (npm ci, next build)")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=webui,
            env=env,
            check=True,
        )
        subprocess.run([npm, "run", "build"], cwd=webui, env=env, check=True)
        out = webui / "out"
        if not (out / "index.html").is_file():
            raise RuntimeError(f"next build left no {out / 'index.html'}")
        build_data["force_include"][str(out)] = _TARGET
