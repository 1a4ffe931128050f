"""The server's own log: structured (JSON) or text, always on stderr."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

__all__ = ["configure_logging"]


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Send the ``mcp_workbench`` loggers to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("mcp_workbench")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    for name in ("tornado.access", "tornado.application", "tornado.general"):
        other = logging.getLogger(name)
        other.handlers[:] = [handler]
        other.setLevel("WARNING")
        other.propagate = False
