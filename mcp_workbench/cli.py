"""The ``mcp-workbench`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from mcp_workbench.__about__ import __version__
from mcp_workbench.config import Settings, load_settings
from mcp_workbench.errors import WorkbenchError
from mcp_workbench.logs import configure_logging

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
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "tools": args.tools,
        "log_level": args.log_level,
        "log_format": args.log_format,
        "entry_points": False if args.no_entry_points else None,
    }
    for name in ("host", "port", "allowed_origins", "allowed_hosts"):
        if hasattr(args, name):
            overrides[name] = getattr(args, name)
    return load_settings(args.config, **overrides)


def _run(coro: Any) -> None:
    try:
        import uvloop

        uvloop.run(coro)
    except ImportError:
        asyncio.run(coro)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mcp-workbench`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    protocol_out = None
    if args.command == "stdio":
        from mcp_workbench.transports.stdio import claim_stdout

        protocol_out = claim_stdout()  # before user modules can print anything
    try:
        settings = _settings(args)
        configure_logging(settings.log_level, settings.log_format)
        from mcp_workbench.app import build_engine

        engine = build_engine(settings)
    except (WorkbenchError, ImportError) as exc:
        print(f"mcp-workbench: error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "stdio":
            from mcp_workbench.transports.stdio import serve_stdio

            _run(serve_stdio(engine, stdout=protocol_out))
        elif args.command == "serve-http":
            from mcp_workbench.transports.http_server import run_http_server

            _run(run_http_server(engine))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
