"""Who a session acts for, once a token proved it: what the engine needs of the auth layer.

The engine knows no token format: an :class:`Authenticator` (``mcp_workbench.auth``)
turns a bearer token into an :class:`Identity`. On connections that carry no headers
(TCP, Unix sockets, WebSocket without ``Authorization``) the client sends
``workbench/authenticate`` first; until it does, nothing else is served.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["AUTHENTICATE", "Authenticator", "Identity"]

AUTHENTICATE = "workbench/authenticate"
"""The method that carries a bearer token on connections without headers:
``{"token": "..."}`` → ``{"principal": ..., "roles": [...], "expiresAt": ...}``."""


class Identity(Protocol):
    """An authenticated caller."""

    @property
    def id(self) -> str:
        """The principal's name, unique across issuers."""

    @property
    def roles(self) -> frozenset[str]:
        """Roles and groups the token grants."""

    @property
    def expires_at(self) -> float | None:
        """When the token stops being valid (seconds since the epoch)."""


class Authenticator(Protocol):
    """Turns bearer tokens into identities."""

    async def authenticate(self, token: str) -> Identity:
        """The identity ``token`` proves.

        Raises:
            AuthError: the token is missing, malformed, expired or not trusted (the message
                is safe to show the client).
        """
