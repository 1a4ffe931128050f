"""Reserved ``_meta`` keys and the per-request metadata of modern (stateless) revisions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp_workbench.errors import InvalidParams

__all__ = [
    "CLIENT_CAPABILITIES",
    "CLIENT_INFO",
    "LOG_LEVEL",
    "LOG_LEVELS",
    "ON_BEHALF_OF",
    "PROTOCOL_VERSION",
    "PROXY_EXTENSION",
    "SERVER_INFO",
    "SUBSCRIPTION_ID",
    "RequestMeta",
    "read_request_meta",
]

PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion"
CLIENT_INFO = "io.modelcontextprotocol/clientInfo"
CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities"
LOG_LEVEL = "io.modelcontextprotocol/logLevel"
SERVER_INFO = "io.modelcontextprotocol/serverInfo"
SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId"
PROXY_EXTENSION = "io.mcp-workbench/proxy"
"""Client capability (under ``experimental``) of a proxy speaking for its own clients."""
ON_BEHALF_OF = "io.mcp-workbench/onBehalfOf"
"""Request ``_meta`` from a proxy: ``{protocolVersion, capabilities}`` of the client the
request is made for. The call is then served as for that client: the capabilities it
declared (a tool may not elicit from a client that cannot answer) and, when it speaks an
older revision, that revision's rules. A caller can only narrow its own session with it."""

LOG_LEVELS: dict[str, int] = {
    name: rank
    for rank, name in enumerate(
        ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
    )
}


@dataclass(slots=True)  # not frozen: made on every request, and frozen init costs 4x
class RequestMeta:
    """What a modern request says about itself in ``_meta``."""

    protocol_version: str
    client_info: dict[str, Any]
    client_capabilities: dict[str, Any]
    log_level: str | None
    progress_token: str | int | None


def read_request_meta(meta: dict[str, Any]) -> RequestMeta:
    """Validate the per-request protocol fields of a modern request.

    Raises:
        InvalidParams: a required field is missing or a value has the wrong shape.
    """
    version = meta.get(PROTOCOL_VERSION)
    if not isinstance(version, str):
        raise InvalidParams(f"_meta[{PROTOCOL_VERSION!r}] is required and must be a string")
    caps = meta.get(CLIENT_CAPABILITIES)
    if not isinstance(caps, dict):
        raise InvalidParams(f"_meta[{CLIENT_CAPABILITIES!r}] is required and must be an object")
    info = meta.get(CLIENT_INFO, {})
    if not isinstance(info, dict):
        raise InvalidParams(f"_meta[{CLIENT_INFO!r}] must be an object")
    level = meta.get(LOG_LEVEL)
    if level is not None and (not isinstance(level, str) or level not in LOG_LEVELS):
        raise InvalidParams(f"Invalid log level {level!r}; expected one of {list(LOG_LEVELS)}")
    return RequestMeta(version, info, caps, level, progress_token(meta))


def progress_token(meta: dict[str, Any]) -> str | int | None:
    """The ``progressToken`` of a request, if it is a valid one."""
    token = meta.get("progressToken")
    if isinstance(token, str) or (isinstance(token, int) and not isinstance(token, bool)):
        return token
    return None
