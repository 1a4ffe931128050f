"""Who a verified token says the caller is: :class:`Principal`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mcp_workbench.auth.reasons import Reason
from mcp_workbench.errors import InvalidToken

__all__ = ["Principal", "claim_at"]

_MISSING = object()


def claim_at(claims: Mapping[str, Any], name: str) -> Any:
    """The claim ``name``, or with a dotted name (``realm_access.roles``) the value inside
    nested objects; ``None`` when absent. A claim literally named with dots
    (``https://example.com/roles``) wins over the nested reading.
    """
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part, _MISSING)
        if value is _MISSING:
            return None
    return value


def _strings(value: Any, *, split: bool) -> frozenset[str]:
    """A claim holding one string (``split``: space-separated words) or a list of them.

    Raises:
        InvalidToken: ``bad_claim``, for any other shape.
    """
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(value.split()) if split else frozenset([value])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    raise InvalidToken(Reason.BAD_CLAIM)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its subject, roles, scopes, and when its token expires."""

    subject: str
    """The ``sub`` claim."""
    roles: frozenset[str] = frozenset()
    """Roles and groups, gathered from the configured role claims."""
    scopes: frozenset[str] = frozenset()
    """OAuth scopes, from ``scope`` (space-separated) and ``scp`` (list or string)."""
    expires_at: float | None = None
    """The ``exp`` claim (seconds since the epoch), if the token has one."""
    issuer: str | None = None
    """The ``iss`` claim, if any."""
    claims: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )
    """Every claim of the token, read-only."""

    @property
    def id(self) -> str:
        """A name unique across issuers: ``sub``, or ``iss|sub`` when there is an issuer."""
        return f"{self.issuer}|{self.subject}" if self.issuer else self.subject

    def has_role(self, role: str) -> bool:
        """Whether the token grants ``role`` (as a role or a group)."""
        return role in self.roles

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], role_claims: Sequence[str]) -> Principal:
        """The principal a verified token's claims describe.

        Raises:
            InvalidToken: ``missing_sub``, or ``bad_claim`` for a role, scope, ``iss`` or
                ``exp`` of the wrong type.
        """
        subject = claims.get("sub")
        if subject is None or subject == "":
            raise InvalidToken(Reason.MISSING_SUB)
        if not isinstance(subject, str):
            raise InvalidToken(Reason.BAD_CLAIM)
        issuer = claims.get("iss")
        if issuer is not None and not isinstance(issuer, str):
            raise InvalidToken(Reason.BAD_CLAIM)
        expiry = claims.get("exp")
        if expiry is not None and (isinstance(expiry, bool) or not isinstance(expiry, int | float)):
            raise InvalidToken(Reason.BAD_CLAIM)
        roles = frozenset[str]().union(
            *(_strings(claim_at(claims, name), split=False) for name in role_claims)
        )
        scopes = _strings(claims.get("scope"), split=True) | _strings(claims.get("scp"), split=True)
        return cls(
            subject=subject,
            roles=roles,
            scopes=scopes,
            expires_at=None if expiry is None else float(expiry),
            issuer=issuer,
            claims=MappingProxyType(dict(claims)),
        )
