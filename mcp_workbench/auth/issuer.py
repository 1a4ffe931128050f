"""Issue short-lived tokens the server accepts: :class:`TokenIssuer` (``token issue``).

Tokens are HS256 with the workbench's shared secret, or signed with a private key file
(Ed25519 for EdDSA; RSA and EC P-256 keys work too) whose ``kid`` is the public key's
RFC 7638 thumbprint, so a verifier holding the public key picks it out.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from mcp_workbench.auth.keys import VerificationKey, thumbprint
from mcp_workbench.auth.secrets_file import check_private_file
from mcp_workbench.errors import InvalidInput, WorkbenchError

__all__ = ["IssuedToken", "PrivateKey", "SigningKey", "TokenIssuer", "parse_ttl"]

PrivateKey: TypeAlias = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)
"""A private key tokens can be signed with."""

_TTL = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNIT_SECONDS = (86_400, 3_600, 60, 1)


def parse_ttl(text: str) -> int:
    """Seconds in a duration like ``90s``, ``15m``, ``2h``, ``1d``, ``1h30m`` or ``600``.

    Raises:
        InvalidInput: not such a duration, or zero.
    """
    spec = text.strip().lower()
    if spec.isdigit():
        seconds = int(spec)
    else:
        match = _TTL.fullmatch(spec)
        if not spec or match is None:
            raise InvalidInput(f"invalid duration {text!r}: use e.g. 90s, 15m, 2h, 1d")
        seconds = sum(
            int(n) * unit for n, unit in zip(match.groups(), _UNIT_SECONDS, strict=True) if n
        )
    if seconds <= 0:
        raise InvalidInput(f"invalid duration {text!r}: must be more than zero")
    return seconds


@dataclass(frozen=True)
class SigningKey:
    """A key that signs tokens, the algorithm it signs with, and the ``kid`` it names."""

    key: bytes | PrivateKey = field(repr=False)
    algorithm: str
    kid: str | None = None

    @classmethod
    def from_secret(cls, secret: bytes) -> SigningKey:
        """An HS256 key (no ``kid``: nothing about the secret is published).

        Raises:
            WorkbenchError: the secret is shorter than 32 bytes.
        """
        VerificationKey.from_secret(secret)
        return cls(secret, "HS256")

    @classmethod
    def from_private_key(cls, key: PrivateKey) -> SigningKey:
        """A key for the algorithm its type calls for; ``kid`` is its thumbprint.

        Raises:
            WorkbenchError: an unsupported type or curve, or a short RSA key.
        """
        public = VerificationKey.from_public_key(key.public_key())
        assert not isinstance(public.key, bytes)
        return cls(key, public.algorithm, thumbprint(public.key))

    @classmethod
    def from_pem_file(cls, path: Path) -> SigningKey:
        """The unencrypted PEM private key in ``path``, which only its owner may read.

        Raises:
            WorkbenchError: the file is readable by others, unreadable, or holds no
                supported private key.
        """
        check_private_file(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise WorkbenchError(f"cannot read the signing key {path}: {exc.strerror}") from exc
        try:
            key = load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise WorkbenchError(f"{path} holds no unencrypted PEM private key") from exc
        if not isinstance(key, PrivateKey):
            raise WorkbenchError(f"{path}: unsupported key type {type(key).__name__}")
        try:
            return cls.from_private_key(key)
        except WorkbenchError as exc:
            raise WorkbenchError(f"{path}: {exc}") from exc

    def verification_key(self) -> VerificationKey:
        """The key that verifies what this one signs (its public half)."""
        if isinstance(self.key, bytes):
            return VerificationKey.from_secret(self.key)
        made = VerificationKey.from_public_key(self.key.public_key())
        return VerificationKey(made.key, made.kind, self.kid)


@dataclass(frozen=True)
class IssuedToken:
    """A signed token and what it says."""

    token: str = field(repr=False)
    subject: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    issued_at: int
    expires_at: int
    algorithm: str
    kid: str | None
    token_id: str
    audience: str | None = None
    issuer: str | None = None


def _nest(claims: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted claim path (``realm_access.roles``)."""
    *parents, leaf = path.split(".")
    node = claims
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


class TokenIssuer:
    """Signs short-lived tokens for a subject with roles and scopes.

    Tokens carry ``sub``, ``iat``, ``nbf``, ``exp``, ``jti``, roles at ``role_claim``,
    ``scope`` when given, and ``iss`` / ``aud`` when set here or per token.
    """

    def __init__(
        self,
        key: SigningKey,
        *,
        issuer: str | None = None,
        audience: str | None = None,
        role_claim: str = "roles",
        max_ttl: float = 7 * 86_400,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self.max_ttl = max_ttl
        self._now = now

    def issue(
        self,
        subject: str,
        *,
        ttl: float,
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        audience: str | None = None,
        issuer: str | None = None,
    ) -> IssuedToken:
        """A token for ``subject`` valid for ``ttl`` seconds from now.

        Raises:
            InvalidInput: an empty subject, role or scope, or ``ttl`` out of range.
        """
        roles = tuple(dict.fromkeys(roles))
        scopes = tuple(dict.fromkeys(scopes))
        if not subject.strip():
            raise InvalidInput("the subject must not be empty")
        if any(not r.strip() for r in roles):
            raise InvalidInput("roles must not be empty")
        if any(not s.strip() or " " in s for s in scopes):
            raise InvalidInput("scopes must be single words")
        if not 0 < ttl <= self.max_ttl:
            raise InvalidInput(f"the lifetime must be between 1 second and {self.max_ttl:g} s")
        issued_at = int(self._now())
        expires_at = issued_at + int(ttl)
        audience = audience or self.audience
        issuer = issuer or self.issuer
        token_id = secrets.token_urlsafe(16)
        claims: dict[str, Any] = {
            "sub": subject,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": expires_at,
            "jti": token_id,
        }
        if roles:
            _nest(claims, self.role_claim, list(roles))
        if scopes:
            claims["scope"] = " ".join(scopes)
        if audience:
            claims["aud"] = audience
        if issuer:
            claims["iss"] = issuer
        headers = {"kid": self.key.kid} if self.key.kid else None
        token = jwt.encode(claims, self.key.key, algorithm=self.key.algorithm, headers=headers)
        return IssuedToken(
            token=token,
            subject=subject,
            roles=roles,
            scopes=scopes,
            issued_at=issued_at,
            expires_at=expires_at,
            algorithm=self.key.algorithm,
            kid=self.key.kid,
            token_id=token_id,
            audience=audience,
            issuer=issuer,
        )
