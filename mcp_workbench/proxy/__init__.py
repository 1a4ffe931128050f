"""The thin proxy: a local stdio MCP server in front of remote workbench servers, answering
lists from a mirror of their catalogs and forwarding calls (``mcp-workbench proxy``)."""

from __future__ import annotations

from mcp_workbench.proxy.mirror import Mirror
from mcp_workbench.proxy.server import UPSTREAM_UNAVAILABLE, Mount, Proxy
from mcp_workbench.proxy.upstream import Backoff, Upstream, UpstreamUnavailable

__all__ = [
    "UPSTREAM_UNAVAILABLE",
    "Backoff",
    "Mirror",
    "Mount",
    "Proxy",
    "Upstream",
    "UpstreamUnavailable",
]
