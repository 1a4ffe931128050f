"""Authentication of bearer JWTs: verify tokens, fetch and rotate keys, issue tokens.

A self-contained layer: it imports only :mod:`mcp_workbench.errors`, the standard library,
pyjwt, cryptography and httpx. Transports call :meth:`TokenVerifier.verify` (or
``verify_header``) and get a :class:`Principal`, or an :class:`~mcp_workbench.errors.InvalidToken`
whose message is safe to send and whose ``reason`` is for logs.
"""

from __future__ import annotations

from mcp_workbench.auth.config import SUPPORTED_ALGORITHMS, AuthConfig
from mcp_workbench.auth.issuer import IssuedToken, SigningKey, TokenIssuer, parse_ttl
from mcp_workbench.auth.jwks import JwksKeys
from mcp_workbench.auth.keys import (
    CombinedKeys,
    KeyKind,
    KeySource,
    StaticKeys,
    VerificationKey,
    load_public_key_file,
    thumbprint,
)
from mcp_workbench.auth.principal import Principal
from mcp_workbench.auth.reasons import Reason
from mcp_workbench.auth.secrets_file import SECRET_ENV, SECRETS_FILE, load_auth_secret
from mcp_workbench.auth.setup import (
    build_issuer,
    build_key_source,
    build_verifier,
    shared_secret,
    signing_key,
)
from mcp_workbench.auth.tokens import TokenVerifier, bearer_token

__all__ = [
    "SECRETS_FILE",
    "SECRET_ENV",
    "SUPPORTED_ALGORITHMS",
    "AuthConfig",
    "CombinedKeys",
    "IssuedToken",
    "JwksKeys",
    "KeyKind",
    "KeySource",
    "Principal",
    "Reason",
    "SigningKey",
    "StaticKeys",
    "TokenIssuer",
    "TokenVerifier",
    "VerificationKey",
    "bearer_token",
    "build_issuer",
    "build_key_source",
    "build_verifier",
    "load_auth_secret",
    "load_public_key_file",
    "parse_ttl",
    "shared_secret",
    "signing_key",
    "thumbprint",
]
