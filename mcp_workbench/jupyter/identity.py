"""Who a request to the extension comes from, in terms the access policy understands.

With Jupyter's own token-based identity provider, whoever got in (with the token, or the
cookie a login with it left) holds the server's token, that is, owns the server: the
principal is the OS user the server runs as (Jupyter itself would name a fresh anonymous
user on every token request). With another provider (JupyterHub, an SSO plugin) the
principal is the user name it establishes. Both get the roles ``jupyter_roles`` lists.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from jupyter_server.auth import IdentityProvider, User
from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.base.handlers import JupyterHandler

__all__ = ["JupyterIdentity", "jupyter_identity"]


@dataclass(frozen=True, slots=True)
class JupyterIdentity:
    """A principal established by Jupyter (an :class:`~mcp_workbench.engine.Identity`)."""

    id: str
    roles: frozenset[str]
    expires_at: float | None = None


# Jupyter's own providers (token, and the default token-or-password one): they name a
# fresh anonymous user per token request, who is in fact the server's owner.
_JUPYTER_OWN = (IdentityProvider, PasswordIdentityProvider)


def _owner() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "jupyter"


def jupyter_identity(handler: JupyterHandler, roles: frozenset[str]) -> JupyterIdentity | None:
    """The identity Jupyter established for the handler's request, if any."""
    user = handler.current_user
    if not isinstance(user, User):
        return None
    if type(handler.identity_provider) in _JUPYTER_OWN:
        return JupyterIdentity(_owner(), roles)
    return JupyterIdentity(user.username, roles)
