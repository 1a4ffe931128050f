"""The settings of bearer-token authentication: one frozen value, validated when built.

:class:`AuthConfig` is built from the workbench ``Settings`` (its ``auth_*`` fields, see
:meth:`AuthConfig.from_settings`); this layer never reads files or the environment on its
own behalf.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp_workbench.errors import WorkbenchError

__all__ = ["MIN_SECRET_BYTES", "SUPPORTED_ALGORITHMS", "AuthConfig"]

SUPPORTED_ALGORITHMS: tuple[str, ...] = ("HS256", "RS256", "ES256", "EdDSA")
"""Every algorithm a token may use; ``none`` is never among them."""

MIN_SECRET_BYTES = 32
"""Shortest HS256 secret accepted (RFC 7518 §3.2: at least the hash size)."""

_DAY = 86_400.0


@dataclass(frozen=True, kw_only=True)
class AuthConfig:
    """How tokens are verified and issued.

    Raises:
        WorkbenchError: a value is out of range (the message names it).
    """

    algorithms: tuple[str, ...] = SUPPORTED_ALGORITHMS
    """Allow-list of ``alg`` values; the key's type further narrows it to one."""
    audience: str | None = None
    """This server's audience: when set, a token must name it in ``aud``; when unset, a
    token that names any audience is refused."""
    issuer: str | None = None
    """When set, a token's ``iss`` must equal it. Also the ``iss`` of issued tokens."""
    leeway: float = 30.0
    """Seconds of clock skew tolerated on ``exp``, ``nbf`` and ``iat``."""
    role_claims: tuple[str, ...] = ("roles", "groups")
    """Claims holding roles; a dotted name (``realm_access.roles``) reaches into objects.
    The first one is where issued tokens put their roles."""
    require_exp: bool = True
    """Refuse tokens without ``exp``."""
    max_token_bytes: int = 8192
    """Longer tokens are refused before any parsing."""

    secret: str | None = field(default=None, repr=False)
    """Shared HS256 secret (``MCP_WORKBENCH_AUTH_SECRET``); at least 32 bytes of UTF-8."""
    local_secret: bool = True
    """Without ``secret``, use (and create) the secret in the data dir's secrets file."""
    public_key_files: tuple[Path, ...] = ()
    """PEM public keys or certificates (RSA, EC P-256, Ed25519) that sign tokens."""
    jwks_url: str | None = None
    """An identity provider's JWKS (https, or http on a loopback address)."""
    jwks_ttl: float = 300.0
    """Seconds a fetched key set is kept when the response has no ``max-age``."""
    jwks_min_ttl: float = 60.0
    """Lower bound on a response's ``max-age``."""
    jwks_max_ttl: float = _DAY
    """Upper bound on a response's ``max-age``."""
    jwks_refresh_interval: float = 30.0
    """At most one refetch per this many seconds for unknown ``kid`` values or retries."""
    jwks_timeout: float = 5.0
    """Seconds one JWKS fetch may take."""

    signing_key_file: Path | None = None
    """Private key (PEM; Ed25519 for EdDSA) that ``token issue`` signs with instead of the
    shared secret. The server also accepts tokens it signed."""
    token_ttl: float = 900.0
    """Lifetime of issued tokens unless told otherwise."""
    max_token_ttl: float = 7 * _DAY
    """Longest lifetime ``token issue`` grants."""

    def __post_init__(self) -> None:
        problems: list[str] = []
        unknown = [a for a in self.algorithms if a not in SUPPORTED_ALGORITHMS]
        if unknown:
            problems.append(
                f"algorithms: {', '.join(unknown)} not supported "
                f"(choose from {', '.join(SUPPORTED_ALGORITHMS)})"
            )
        if not self.algorithms:
            problems.append("algorithms: give at least one")
        if not self.role_claims or any(not c.strip(".") for c in self.role_claims):
            problems.append("role_claims: give at least one non-empty claim name")
        for name in ("leeway", "jwks_ttl", "jwks_min_ttl", "jwks_refresh_interval"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                problems.append(f"{name}: must be 0 or more")
        for name in ("jwks_timeout", "token_ttl", "max_token_ttl"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                problems.append(f"{name}: must be more than 0")
        if self.leeway > 300:
            problems.append("leeway: at most 300 seconds")
        if self.jwks_max_ttl < self.jwks_min_ttl:
            problems.append("jwks_max_ttl: must not be below jwks_min_ttl")
        if self.token_ttl > self.max_token_ttl:
            problems.append("token_ttl: must not exceed max_token_ttl")
        if self.max_token_bytes < 256:
            problems.append("max_token_bytes: at least 256")
        if self.secret is not None and len(self.secret.encode()) < MIN_SECRET_BYTES:
            problems.append(f"secret: at least {MIN_SECRET_BYTES} bytes")
        if problems:
            raise WorkbenchError(f"invalid auth settings: {'; '.join(problems)}")

    @classmethod
    def from_settings(cls, settings: object, prefix: str = "auth_") -> AuthConfig:
        """The config from ``settings``' attributes named ``auth_<field>``; missing or
        ``None`` ones keep their default. Secret values (``get_secret_value``) are unwrapped,
        lists become tuples and file names paths.

        Raises:
            WorkbenchError: a value is invalid.
        """
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            value = getattr(settings, prefix + item.name, None)
            if value is None:
                continue
            unwrap = getattr(value, "get_secret_value", None)
            if callable(unwrap):
                value = unwrap()
            if isinstance(value, list | tuple):
                value = tuple(Path(v) if item.name.endswith("_files") else v for v in value)
            elif item.name.endswith("_file"):
                value = Path(value)
            elif item.name == "jwks_url":
                value = str(value)  # a pydantic URL type works too
            values[item.name] = value
        try:
            return cls(**values)
        except TypeError as exc:
            raise WorkbenchError(f"invalid auth settings: {exc}") from exc
