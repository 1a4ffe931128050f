"""``/sessions``: the MCP sessions the engine holds open (admin).

Only the first characters of each id are shown: over HTTP the id is what a client
presents to continue its session.
"""

from __future__ import annotations

import time

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.engine import Session
from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import SessionInfo
from mcp_workbench.jupyter.rest.spec import Route

__all__ = ["ID_SHOWN", "ROUTES"]

ID_SHOWN = 8
"""How many characters of a session id are shown."""


def _info(session: Session, now: float) -> SessionInfo:
    name = session.client_info.get("name")
    return SessionInfo(
        id=session.id[:ID_SHOWN],
        transport=session.transport,
        principal=session.principal,
        roles=sorted(session.roles),
        protocol_version=session.revision.version if session.revision is not None else None,
        client=name if isinstance(name, str) else None,
        age_seconds=round(now - session.opened_at, 3),
        idle_seconds=round(now - session.last_seen, 3),
        in_flight=len(session.inflight),
    )


class SessionsHandler(RestHandler):
    """``/sessions``"""

    needs_store = False

    @web.authenticated
    @authorized
    @operation(response=list[SessionInfo], admin=True)
    async def get(self) -> list[SessionInfo]:
        """List MCP sessions

        The sessions open now (including those waiting to be resumed), oldest first.
        Stateless requests (modern HTTP clients, this API) hold none.
        """
        now = time.monotonic()
        sessions = sorted(self.server.engine.sessions, key=lambda s: s.opened_at)
        return [_info(session, now) for session in sessions]


ROUTES = [Route("/sessions", SessionsHandler)]
