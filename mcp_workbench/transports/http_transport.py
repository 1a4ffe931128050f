"""State shared by every HTTP request to one engine: legacy sessions, resumable streams,
and the DNS-rebinding guard."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from mcp_workbench.engine import Engine, Session
from mcp_workbench.protocol.http_headers import ParamPaths, param_header_paths
from mcp_workbench.transports.sse import SseStream

__all__ = ["METADATA_PATH", "HttpTransport"]

log = logging.getLogger("mcp_workbench.http")

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
METADATA_PATH = "/.well-known/oauth-protected-resource"


class HttpTransport:
    """Session table and policy shared by every HTTP request to one engine."""

    def __init__(
        self, engine: Engine, *, bind_host: str | None = None, scheme: str | None = None
    ) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.scheme = scheme or ("https" if self.settings.tls_cert is not None else "http")
        """How clients reach this server (``https`` under TLS): the scheme of the URLs it
        names in 401 challenges and its resource metadata."""
        self.sessions: dict[str, Session] = {}
        self.streams: dict[str, tuple[Session, SseStream]] = {}
        self._check_host = bool(self.settings.allowed_hosts) or (
            bind_host is None or bind_host in _LOOPBACK
        )
        self._sweeper: asyncio.Task[None] | None = None
        self._param_paths: dict[str, tuple[dict[str, Any], ParamPaths]] = {}
        self._hosts: dict[str, bool] = {}

    # -- OAuth protected resource metadata (RFC 9728) ----------------------------------------
    def metadata_url(self, host: str) -> str:
        """Where clients read this resource's metadata (named in 401 challenges)."""
        return f"{self.scheme}://{host or 'localhost'}{METADATA_PATH}{self.settings.mcp_path}"

    def resource_metadata(self, host: str) -> dict[str, Any]:
        """RFC 9728 metadata: the resource, who issues its tokens, how to send them."""
        metadata: dict[str, Any] = {
            "resource": f"{self.scheme}://{host or 'localhost'}{self.settings.mcp_path}",
            "bearer_methods_supported": ["header"],
            "resource_name": self.settings.server_name,
        }
        if self.settings.auth_issuer:
            metadata["authorization_servers"] = [self.settings.auth_issuer]
        return metadata

    # -- DNS rebinding guard -----------------------------------------------------------------
    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        """No Origin (non-browser client), a loopback origin, same host, or an allowed one."""
        if origin is None:
            return True
        allowed = self.settings.allowed_origins
        if "*" in allowed or origin in allowed:
            return True
        parts = urlsplit(origin)
        hostname = parts.hostname or ""
        if hostname in _LOOPBACK:
            return True
        return host is not None and parts.netloc == host and not self._check_host

    def host_allowed(self, host: str | None) -> bool:
        """Host header is a loopback name or listed (when bound to loopback or configured)."""
        if not self._check_host or host is None:
            return True
        known = self._hosts.get(host)
        if known is None:
            name = urlsplit(f"//{host}").hostname or ""
            allowed = self.settings.allowed_hosts
            known = host in allowed or name in _LOOPBACK or name in allowed
            if len(self._hosts) < 1024:  # remember what well-behaved clients send
                self._hosts[host] = known
        return known

    def param_paths(self, tool_name: str) -> ParamPaths:
        """The ``x-mcp-header`` properties of a tool, worked out once per schema."""
        tool = self.engine.registry.get_tool(tool_name)
        if tool is None:
            return []
        cached = self._param_paths.get(tool_name)
        if cached is None or cached[0] is not tool.input_schema:
            cached = (tool.input_schema, param_header_paths(tool.input_schema))
            self._param_paths[tool_name] = cached
        return cached[1]

    # -- legacy sessions ---------------------------------------------------------------------
    def new_session(self, principal: str | None) -> Session:
        """A legacy session; its unsolicited messages wait for a GET stream."""
        session = self.engine.open_session(None, "http", principal=principal)
        self.sessions[session.id] = session
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep())
        return session

    def end_session(self, session: Session) -> None:
        """Terminate a session and its streams."""
        self.sessions.pop(session.id, None)
        for sid, (owner, stream) in list(self.streams.items()):
            if owner is session:
                stream.finish()
                self.streams.pop(sid, None)
        self.engine.close_session(session)

    def new_stream(self, session: Session, *, resumable: bool) -> SseStream:
        """A stream of ``session``, findable by its id for resumption.

        Sessions on a revision with SSE polling get a priming event with a retry delay.
        """
        polling = session.revision is not None and session.revision.sse_polling
        retry = self.settings.sse_retry_ms if resumable and polling else None
        stream = SseStream(self.settings.sse_history, resumable=resumable, retry_ms=retry)
        if resumable:
            self.streams[stream.id] = (session, stream)
        return stream

    async def _sweep(self) -> None:
        timeout = self.settings.session_idle_timeout
        while True:
            await asyncio.sleep(min(timeout / 4, 60.0))
            now = asyncio.get_running_loop().time()
            for session in list(self.sessions.values()):
                busy = session.inflight or (
                    session.channel is not None and not session.channel.closed
                )
                if not busy and now - session.last_seen > timeout:
                    log.info("session %s expired after %.0f s idle", session.id[:8], timeout)
                    self.end_session(session)

    async def close(self) -> None:
        """End every session (used on shutdown)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        for session in list(self.sessions.values()):
            self.end_session(session)
