"""``/me``: who the caller is to the workbench, so a front end can say "mine".

With Jupyter's own token login that is the OS user the server runs as (see
:mod:`mcp_workbench.jupyter.identity`), which is also the ``actor`` of the caller's changes
and the name a card mentions as ``@name``; Jupyter's own ``/api/me`` names a fresh
anonymous user instead.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from pydantic import BaseModel, Field
from tornado import web

from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.spec import Route

__all__ = ["ROUTES", "Caller"]


class Caller(BaseModel):
    """The caller as the access policy and the audit log see it."""

    principal: str = Field(description="The name changes are recorded as.")
    roles: list[str] = Field(description="The roles the access policy gives the caller.")


class MeHandler(RestHandler):
    """``/me``"""

    needs_store = False

    @web.authenticated
    @authorized
    @operation(response=Caller)
    async def get(self) -> Caller:
        """Show who I am

        The principal the workbench knows the caller as, and its roles.
        """
        return Caller(principal=self.actor, roles=sorted(self.caller.roles))


ROUTES = [Route("/me", MeHandler)]
