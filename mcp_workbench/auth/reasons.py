"""Why a bearer token was refused: the precise ``reason`` an :class:`InvalidToken` carries.

The client only ever sees a generic message; these values are for logs and audit.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Reason"]


class Reason(StrEnum):
    """The reason a token was refused (compares equal to its string value)."""

    MISSING = "missing"
    """No token at all (no ``Authorization`` header, or an empty one)."""
    NOT_BEARER = "not_bearer"
    """An ``Authorization`` header with another scheme (``Basic``...)."""
    TOO_LARGE = "too_large"
    """Longer than ``max_token_bytes``; not even parsed."""
    MALFORMED = "malformed"
    """Not a compact JWS: wrong number of segments, bad base64url, bad JSON."""
    ALG_NONE = "alg_none"
    """The header asks for ``alg: none`` (an unsigned token)."""
    ALG_NOT_ALLOWED = "alg_not_allowed"
    """The algorithm is not on the configured allow-list."""
    ALG_KEY_MISMATCH = "alg_key_mismatch"
    """No key of the type the algorithm needs (HS256 against an RSA key, RS256 against a
    shared secret): an algorithm-confusion attempt or a misconfigured issuer."""
    UNKNOWN_KID = "unknown_kid"
    """The ``kid`` names no key, even after refreshing the key set."""
    KEY_REVOKED = "key_revoked"
    """The ``kid`` names a key the issuer has since removed from its key set."""
    KEYS_UNAVAILABLE = "keys_unavailable"
    """The key set could not be fetched and no earlier copy is at hand."""
    BAD_SIGNATURE = "bad_signature"
    """The signature does not verify with any candidate key."""
    MISSING_EXP = "missing_exp"
    """No ``exp`` claim, and tokens must expire."""
    MISSING_SUB = "missing_sub"
    """No ``sub`` claim (or an empty one)."""
    MISSING_AUD = "missing_aud"
    """An audience is configured and the token names none."""
    MISSING_ISS = "missing_iss"
    """An issuer is configured and the token names none."""
    BAD_CLAIM = "bad_claim"
    """A registered or role/scope claim has the wrong type (a string ``exp``...)."""
    EXPIRED = "expired"
    """``exp`` has passed (beyond the leeway)."""
    NOT_YET_VALID = "not_yet_valid"
    """``nbf`` is still in the future (beyond the leeway)."""
    ISSUED_IN_FUTURE = "issued_in_future"
    """``iat`` is in the future (beyond the leeway)."""
    WRONG_AUDIENCE = "wrong_audience"
    """The token is meant for another audience (or names one when none is configured)."""
    WRONG_ISSUER = "wrong_issuer"
    """The token comes from another issuer."""
