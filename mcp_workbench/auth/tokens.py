"""Verify a bearer JWT and say who it names: :class:`TokenVerifier`.

Order of checks, each failure an :class:`InvalidToken` with a generic message and a precise
``reason``: size; structure (three base64url segments, a JSON header); ``alg`` (never
``none``, on the allow-list); a key of the type the algorithm needs, from the
:class:`KeySource` (so an HS256 token never meets an RSA key's bytes, nor RS256 a shared
secret); the signature; then the claims (``exp``, ``nbf``, ``iat`` against an injected
clock with leeway, ``iss``, ``aud``, ``sub``, roles and scopes).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidSignatureError, PyJWTError

from mcp_workbench.auth.config import AuthConfig
from mcp_workbench.auth.keys import KeySource, VerificationKey
from mcp_workbench.auth.principal import Principal
from mcp_workbench.auth.reasons import Reason
from mcp_workbench.errors import InvalidToken

__all__ = ["TokenVerifier", "bearer_token"]

_REFUSE_MISSING = "authentication required"


def bearer_token(authorization: str | None) -> str:
    """The token in an ``Authorization: Bearer <token>`` header value.

    Raises:
        InvalidToken: ``missing`` (no header), ``not_bearer`` (another scheme) or
            ``malformed`` (no token after the scheme).
    """
    if authorization is None or not authorization.strip():
        raise InvalidToken(Reason.MISSING, _REFUSE_MISSING)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidToken(Reason.NOT_BEARER, _REFUSE_MISSING)
    token = token.strip()
    if not token or " " in token:
        raise InvalidToken(Reason.MALFORMED)
    return token


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    """A NumericDate claim, or None when absent.

    Raises:
        InvalidToken: ``bad_claim``, when it is not a finite number.
    """
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidToken(Reason.BAD_CLAIM)
    return float(value)


class TokenVerifier:
    """Checks bearer JWTs against keys from a :class:`KeySource` and ``config``.

    ``now`` gives the current time in seconds since the epoch (tests pass a fake clock).
    """

    def __init__(
        self,
        keys: KeySource,
        config: AuthConfig | None = None,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.config = config or AuthConfig()
        self._now = now
        self._jws = PyJWS(options={"enforce_minimum_key_length": True})

    async def verify(self, token: str | None) -> Principal:
        """The principal ``token`` names, once it is proven genuine and current.

        Raises:
            InvalidToken: the token is missing or refused; ``reason`` says why.
        """
        if not token:
            raise InvalidToken(Reason.MISSING, _REFUSE_MISSING)
        if len(token) > self.config.max_token_bytes:
            raise InvalidToken(Reason.TOO_LARGE)
        header = self._header(token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str):
            raise InvalidToken(Reason.MALFORMED)
        if algorithm.lower() == "none":
            raise InvalidToken(Reason.ALG_NONE)
        if algorithm not in self.config.algorithms:
            raise InvalidToken(Reason.ALG_NOT_ALLOWED)
        kid = header.get("kid")
        if (kid is not None and not isinstance(kid, str)) or "crit" in header:
            # No critical extension (b64=false...) is understood here, so none is accepted.
            raise InvalidToken(Reason.MALFORMED)
        candidates = await self.keys.keys_for(kid, algorithm)
        # The source filters by algorithm already; checking again keeps a faulty source
        # from ever handing an RSA key's bytes to HMAC.
        usable = [k for k in candidates if k.algorithm == algorithm]
        if not usable:
            raise InvalidToken(Reason.ALG_KEY_MISMATCH)
        claims = self._claims(self._signed_payload(token, algorithm, usable))
        self._check_claims(claims)
        return Principal.from_claims(claims, self.config.role_claims)

    async def authenticate(self, token: str) -> Principal:
        """:meth:`verify`, under the name the engine's ``Authenticator`` protocol uses.

        Raises:
            InvalidToken: the token is missing or refused.
        """
        return await self.verify(token)

    async def verify_header(self, authorization: str | None) -> Principal:
        """The principal of an ``Authorization`` header value (``Bearer <token>``).

        Raises:
            InvalidToken: no bearer token, or it is refused.
        """
        return await self.verify(bearer_token(authorization))

    async def aclose(self) -> None:
        """Release the key source's resources (the JWKS HTTP client)."""
        await self.keys.aclose()

    def _header(self, token: str) -> dict[str, Any]:
        if token.count(".") != 2:
            raise InvalidToken(Reason.MALFORMED)
        try:
            return self._jws.get_unverified_header(token)
        except PyJWTError as exc:
            raise InvalidToken(Reason.MALFORMED) from exc

    def _signed_payload(self, token: str, algorithm: str, keys: Sequence[VerificationKey]) -> bytes:
        """The payload bytes, once one of ``keys`` verifies the signature.

        Raises:
            InvalidToken: ``bad_signature``, or ``malformed`` for a token pyjwt refuses.
        """
        for key in keys:
            try:
                decoded = self._jws.decode_complete(token, key.key, algorithms=[algorithm])
            except InvalidSignatureError:
                continue
            except PyJWTError as exc:
                raise InvalidToken(Reason.MALFORMED) from exc
            payload: bytes = decoded["payload"]
            return payload
        raise InvalidToken(Reason.BAD_SIGNATURE)

    @staticmethod
    def _claims(payload: bytes) -> dict[str, Any]:
        try:
            claims: Any = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise InvalidToken(Reason.MALFORMED) from exc
        if not isinstance(claims, dict):
            raise InvalidToken(Reason.MALFORMED)
        return claims

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        config = self.config
        now = self._now()
        leeway = config.leeway
        expiry = _number(claims, "exp")
        not_before = _number(claims, "nbf")
        issued_at = _number(claims, "iat")
        if expiry is None and config.require_exp:
            raise InvalidToken(Reason.MISSING_EXP)
        if expiry is not None and expiry <= now - leeway:
            raise InvalidToken(Reason.EXPIRED)
        if not_before is not None and not_before > now + leeway:
            raise InvalidToken(Reason.NOT_YET_VALID)
        if issued_at is not None and issued_at > now + leeway:
            raise InvalidToken(Reason.ISSUED_IN_FUTURE)
        if config.issuer is not None:
            issuer = claims.get("iss")
            if issuer is None:
                raise InvalidToken(Reason.MISSING_ISS)
            if issuer != config.issuer:
                raise InvalidToken(Reason.WRONG_ISSUER)
        audience = claims.get("aud")
        if isinstance(audience, str):
            audiences = [audience]
        elif isinstance(audience, list) and all(isinstance(a, str) for a in audience):
            audiences = audience
        elif audience is None:
            audiences = []
        else:
            raise InvalidToken(Reason.BAD_CLAIM)
        if config.audience is None:
            if audiences:
                raise InvalidToken(Reason.WRONG_AUDIENCE)
        elif not audiences:
            raise InvalidToken(Reason.MISSING_AUD)
        elif config.audience not in audiences:
            raise InvalidToken(Reason.WRONG_AUDIENCE)
