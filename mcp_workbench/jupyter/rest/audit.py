"""``/audit``: the audit log in pages, oldest or newest first (admin)."""

from __future__ import annotations

import functools

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.audit import AuditEntry, entries_after, entries_before
from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import AuditQuery
from mcp_workbench.jupyter.rest.spec import Route

__all__ = ["ROUTES"]


class AuditHandler(RestHandler):
    """``/audit``"""

    @web.authenticated
    @authorized
    @operation(query=AuditQuery, response=list[AuditEntry], admin=True)
    async def get(self, *, query: AuditQuery) -> list[AuditEntry]:
        """Read the audit log

        Changes, refusals and failed authentications numbered above ``after``, oldest
        first (pass the last ``id`` seen as ``after`` for the next page); with
        ``order=newest``, those numbered below ``before``, newest first (the last ``id``
        seen as ``before`` for the next page; without it, from the newest).
        """
        store = self.store
        await store.audit.flush()  # refusals are queued: include those made until now
        if query.order == "newest":
            read = functools.partial(entries_before, before=query.before)
        else:
            read = functools.partial(entries_after, after=query.after)
        return await store.db.read(
            functools.partial(
                read, limit=query.limit, principal=query.principal, outcome=query.outcome
            )
        )


ROUTES = [Route("/audit", AuditHandler)]
