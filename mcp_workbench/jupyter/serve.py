"""``mcp-workbench serve``: Jupyter Server (with JupyterLab when installed) and the
workbench extension, configured from the workbench's own flags; every other option goes
to Jupyter as is (``--port``, ``--ip``, ``--no-browser``, ``--ServerApp.*``...), and
``JUPYTER_TOKEN`` works as for ``jupyter server``."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from mcp_workbench.errors import WorkbenchError

__all__ = ["jupyter_argv", "serve"]

_EXTENSION = "mcp_workbench.jupyter"


def _given(extra: Sequence[str], *names: str) -> bool:
    return any(arg.split("=", 1)[0] in names for arg in extra)


def jupyter_argv(args: argparse.Namespace, extra: Sequence[str]) -> list[str]:
    """Jupyter's command line for ``serve`` with ``args``, followed by ``extra``."""
    argv = ["--MCPWorkbench.announce=True"]
    if args.vault:
        argv.append(f"--MCPWorkbench.vault_path={Path(args.vault).resolve()}")
    if args.data_dir:
        argv.append(f"--MCPWorkbench.workbench_data_dir={Path(args.data_dir).resolve()}")
    if args.database_url:
        argv.append(f"--MCPWorkbench.database_url={args.database_url}")
    if args.config:
        argv.append(f"--MCPWorkbench.config_file_path={Path(args.config).resolve()}")
    if args.tools:
        # One list literal: traitlets reads a single plain value of a List trait as None.
        argv.append(f"--MCPWorkbench.tools={json.dumps(list(args.tools))}")
    if args.demo:
        argv.append("--MCPWorkbench.demo=True")
    if not _given(extra, "--ServerApp.reraise_server_extension_failures"):
        # Bad workbench settings stop `serve` with the reason, rather than leave a Jupyter
        # server running without the workbench.
        argv.append("--ServerApp.reraise_server_extension_failures=True")
    lab = importlib.util.find_spec("jupyterlab") is not None
    if lab and not _given(extra, "--ServerApp.default_url"):
        argv.append("--ServerApp.default_url=/lab")
    return [*argv, *extra]


def serve(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Run Jupyter Server with the workbench until it is stopped; returns the exit status."""
    from jupyter_server.serverapp import ServerApp  # noqa: PLC0415 - only this command

    try:
        ServerApp.launch_instance(
            argv=jupyter_argv(args, extra), jpserver_extensions={_EXTENSION: True}
        )
    except WorkbenchError as exc:
        print(f"mcp-workbench: error: {exc}", file=sys.stderr)
        return 2
    return 0
