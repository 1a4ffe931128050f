"""MCP protocol knowledge: revisions, reserved metadata, request state for MRTR."""

from __future__ import annotations

from mcp_workbench.protocol.meta import LOG_LEVELS, RequestMeta, read_request_meta
from mcp_workbench.protocol.request_state import RequestStateCodec
from mcp_workbench.protocol.versions import (
    LATEST,
    LATEST_LEGACY,
    REVISIONS,
    SUPPORTED_VERSIONS,
    Revision,
    revision,
)

__all__ = [
    "LATEST",
    "LATEST_LEGACY",
    "LOG_LEVELS",
    "REVISIONS",
    "SUPPORTED_VERSIONS",
    "RequestMeta",
    "RequestStateCodec",
    "Revision",
    "read_request_meta",
    "revision",
]
