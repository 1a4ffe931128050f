"""The ``mcp-workbench`` command."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mcp_workbench.__about__ import __version__
from mcp_workbench.client_config import CLIENTS, client_config
from mcp_workbench.commands import add_store_commands, run_command, store_options
from mcp_workbench.commands.proxy import add_proxy_command, run_proxy
from mcp_workbench.config import Settings, load_settings
from mcp_workbench.errors import WorkbenchError
from mcp_workbench.logs import configure_logging

if TYPE_CHECKING:
    from mcp_workbench.app import WorkbenchServer

__all__ = ["main"]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="settings file (TOML)")
    parser.add_argument(
        "--tools",
        action="append",
        metavar="MODULE",
        help="load tools/prompts/resources from MODULE (or NS=MODULE); repeatable",
    )
    parser.add_argument(
        "--no-entry-points",
        action="store_true",
        help="do not load modules from the mcp_workbench.tools entry points",
    )
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--log-format", choices=["json", "text"])
    store_options(parser)
    parser.add_argument(
        "--no-store",
        action="store_true",
        help="serve tools only: no prompts, notes or boards from the store",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcp-workbench", description="MCP Workbench: an MCP server and workbench."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stdio = sub.add_parser("stdio", help="serve MCP on stdin/stdout (for desktop clients)")
    _common(stdio)

    http = sub.add_parser("serve-http", help="serve MCP over Streamable HTTP")
    _common(http)
    http.add_argument("--host", help="address to bind (default 127.0.0.1)")
    http.add_argument("--port", type=int, help="port to bind (default 8765; 0 picks one)")
    http.add_argument(
        "--allow-origin",
        action="append",
        dest="allowed_origins",
        metavar="ORIGIN",
        help="extra allowed Origin; repeatable",
    )
    http.add_argument(
        "--allow-host",
        action="append",
        dest="allowed_hosts",
        metavar="HOST",
        help="extra allowed Host header value; repeatable",
    )
    listen = sub.add_parser(
        "listen",
        help="serve MCP on TCP, Unix socket, WebSocket and HTTP listeners at once",
        description="Serve one engine on every listener named (flags combine and repeat).",
    )
    _common(listen)
    for flag, dest, metavar, what in (
        ("--tcp", "listen_tcp", "HOST:PORT", "newline-delimited JSON over TCP"),
        ("--unix", "listen_unix", "PATH", "newline-delimited JSON over a Unix socket"),
        ("--ws", "listen_ws", "HOST:PORT", "WebSocket (subprotocol mcp)"),
        ("--http", "listen_http", "HOST:PORT", "Streamable HTTP"),
    ):
        listen.add_argument(flag, action="append", dest=dest, metavar=metavar, help=what)
    serve = sub.add_parser(
        "serve",
        help="run Jupyter Server with the workbench: MCP, REST, web UI (the main job)",
        description="Run Jupyter Server (with JupyterLab when installed) with the workbench "
        "extension. Other options go to Jupyter as is: --port, --ip, --no-browser, "
        "--ServerApp.*; JUPYTER_TOKEN sets the token.",
    )
    serve.add_argument(
        "--vault", metavar="PATH", help="the Obsidian vault (default /data/obsidian)"
    )
    serve.add_argument("--config", metavar="FILE", help="settings file (TOML)")
    serve.add_argument(
        "--tools",
        action="append",
        metavar="MODULE",
        help="load tools/prompts/resources from MODULE (or NS=MODULE); repeatable",
    )
    store_options(serve)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="on first run, fill an empty vault and store with demo notes, a prompt and a board",
    )
    config = sub.add_parser(
        "client-config",
        help="print an MCP client configuration for a workbench server",
        description="Print the configuration an MCP client needs to reach the workbench.",
    )
    config.add_argument("--client", choices=CLIENTS, default="vscode")
    config.add_argument(
        "--url", default="http://127.0.0.1:8888/", help="the Jupyter server's base URL"
    )
    config.add_argument("--token", help="the Jupyter server's token (default: $JUPYTER_TOKEN)")
    store_options(config)
    add_store_commands(sub)
    add_proxy_command(sub)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "tools": getattr(args, "tools", None),
        "log_level": getattr(args, "log_level", None),
        "log_format": getattr(args, "log_format", None),
        "entry_points": False if getattr(args, "no_entry_points", False) else None,
        "store": False if getattr(args, "no_store", False) else None,
        "data_dir": getattr(args, "data_dir", None),
        "database_url": getattr(args, "database_url", None),
    }
    for name in (
        "host",
        "port",
        "allowed_origins",
        "allowed_hosts",
        "listen_tcp",
        "listen_unix",
        "listen_ws",
        "listen_http",
    ):
        if hasattr(args, name):
            overrides[name] = getattr(args, name)
    return load_settings(args.config, **overrides)


def _run(coro: Any) -> None:
    try:
        import uvloop

        uvloop.run(coro)
    except ImportError:
        asyncio.run(coro)


def _client_config(args: argparse.Namespace) -> int:
    token = args.token if args.token is not None else os.environ.get("JUPYTER_TOKEN")
    data_dir = args.data_dir
    if data_dir is None and args.client == "claude-desktop":
        data_dir = str(load_settings(None).data_dir)
    config = client_config(args.client, url=args.url, token=token, data_dir=data_dir)
    print(json.dumps(config, indent=2))
    return 0


def _skip_slow_format_checkers() -> None:
    """jsonschema loads a format checker for every optional package installed; the one for
    IRIs (rfc3987-syntax, which Jupyter brings) compiles a grammar for ~0.9 s at import.
    Tool schemas are checked without formats, so this process does without it."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mcp-workbench`` command; returns the exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command != "serve":  # Jupyter's own event schemas may want IRI checks
        _skip_slow_format_checkers()
    if args.command == "serve":
        from mcp_workbench.jupyter.serve import serve

        return serve(args, extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "client-config":
        return _client_config(args)
    if args.command == "proxy":
        return run_proxy(args)
    if hasattr(args, "handler"):  # db, prompts, notes, boards
        return run_command(args, _settings)
    protocol_out = None
    if args.command == "stdio":
        from mcp_workbench.transports.stdio import claim_stdout

        protocol_out = claim_stdout()  # before user modules can print anything
    try:
        settings = _settings(args)
        configure_logging(settings.log_level, settings.log_format)
        from mcp_workbench.app import WorkbenchServer

        if args.command == "listen" and not (
            settings.listen_tcp
            or settings.listen_unix
            or settings.listen_ws
            or settings.listen_http
        ):
            raise WorkbenchError("listen: give at least one of --tcp, --unix, --ws, --http")
        server = WorkbenchServer(settings)
    except (WorkbenchError, ImportError) as exc:
        print(f"mcp-workbench: error: {exc}", file=sys.stderr)
        return 2
    try:
        _run(_serve(server, args.command, protocol_out))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # e.g. the port is taken
        if args.command == "serve-http":
            where = f"{server.settings.host}:{server.settings.port}: {exc.strerror}"
        else:
            where = str(exc)
        print(f"mcp-workbench: error: cannot listen on {where}", file=sys.stderr)
        return 2
    except WorkbenchError as exc:
        print(f"mcp-workbench: error: {exc}", file=sys.stderr)
        return 2
    finally:
        server.close()
    return 0


async def _serve(server: WorkbenchServer, command: str, protocol_out: Any) -> None:
    try:
        await _serve_until_stopped(server, command, protocol_out)
    finally:
        await server.aclose()


async def _serve_until_stopped(server: WorkbenchServer, command: str, protocol_out: Any) -> None:
    await server.start(sync_vault=command != "stdio")
    # What startup made (modules, schemas, the registry) lives as long as the process: out
    # of the collector's generations, full collections no longer walk it while serving.
    gc.freeze()
    settings = server.settings
    if command == "stdio":
        from mcp_workbench.transports.stdio import serve_stdio

        await serve_stdio(server.engine, stdout=protocol_out)
    elif command == "listen":
        from mcp_workbench.transports.listeners import run_listeners

        await run_listeners(
            server.engine,
            tcp=settings.listen_tcp,
            unix=settings.listen_unix,
            ws=settings.listen_ws,
            http=settings.listen_http,
        )
    else:
        from mcp_workbench.transports.http_server import run_http_server

        await run_http_server(server.engine)


if __name__ == "__main__":
    raise SystemExit(main())
