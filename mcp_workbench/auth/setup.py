"""Build the verifier and the issuer an :class:`AuthConfig` describes.

Key material comes from, in this order: a JWKS URL, PEM public key files, the signing key
file's public half, and the shared secret (``config.secret``, else the data dir's secrets
file when ``local_secret`` is on). A server verifies with all that are configured.
These functions read files: call them at start-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from mcp_workbench.auth.config import AuthConfig
from mcp_workbench.auth.issuer import SigningKey, TokenIssuer
from mcp_workbench.auth.jwks import JwksKeys
from mcp_workbench.auth.keys import CombinedKeys, KeySource, StaticKeys, VerificationKey
from mcp_workbench.auth.secrets_file import load_auth_secret
from mcp_workbench.auth.tokens import TokenVerifier
from mcp_workbench.errors import WorkbenchError

__all__ = ["build_issuer", "build_key_source", "build_verifier", "shared_secret", "signing_key"]


def shared_secret(config: AuthConfig, data_dir: Path | None) -> bytes | None:
    """The HS256 secret: ``config.secret``, else the secrets file in ``data_dir`` (made on
    first use) when ``local_secret`` is on, else None.

    Raises:
        WorkbenchError: the secrets file is unusable (readable by others, corrupt...).
    """
    if config.secret is not None:
        return config.secret.encode()
    if config.local_secret and data_dir is not None:
        return load_auth_secret(data_dir)
    return None


def signing_key(config: AuthConfig, data_dir: Path | None) -> SigningKey:
    """The key ``token issue`` signs with: the private key file if configured, else the
    shared secret.

    Raises:
        WorkbenchError: the key file or the secrets file is unusable, or there is no key.
    """
    if config.signing_key_file is not None:
        return SigningKey.from_pem_file(config.signing_key_file)
    secret = shared_secret(config, data_dir)
    if secret is None:
        raise WorkbenchError("no signing key: set a secret, a signing key file or a data dir")
    return SigningKey.from_secret(secret)


def build_issuer(
    config: AuthConfig, data_dir: Path | None, *, now: Callable[[], float] = time.time
) -> TokenIssuer:
    """An issuer signing with :func:`signing_key`, its defaults taken from ``config``.

    Raises:
        WorkbenchError: no usable signing key.
    """
    return TokenIssuer(
        signing_key(config, data_dir),
        issuer=config.issuer,
        audience=config.audience,
        role_claim=config.role_claims[0],
        max_ttl=config.max_token_ttl,
        now=now,
    )


def build_key_source(
    config: AuthConfig,
    data_dir: Path | None,
    *,
    client: httpx.AsyncClient | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> KeySource:
    """Every key source ``config`` names, combined.

    Raises:
        WorkbenchError: a key file or the secrets file is unusable, or no key is configured.
    """
    sources: list[KeySource] = []
    if config.jwks_url is not None:
        sources.append(JwksKeys.from_config(config, client=client, now=monotonic))
    static: list[VerificationKey] = []
    if config.public_key_files:
        static.extend(StaticKeys.from_pem_files(config.public_key_files).keys)
    if config.signing_key_file is not None:
        static.append(SigningKey.from_pem_file(config.signing_key_file).verification_key())
    secret = shared_secret(config, data_dir)
    if secret is not None:
        static.append(VerificationKey.from_secret(secret))
    if static:
        sources.append(StaticKeys(static))
    if not sources:
        raise WorkbenchError(
            "authentication has no keys: configure a JWKS URL, public key files, a secret "
            "or a data dir"
        )
    return sources[0] if len(sources) == 1 else CombinedKeys(sources)


def build_verifier(
    config: AuthConfig,
    data_dir: Path | None,
    *,
    client: httpx.AsyncClient | None = None,
    now: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
) -> TokenVerifier:
    """A verifier over :func:`build_key_source`.

    Raises:
        WorkbenchError: as :func:`build_key_source`.
    """
    keys = build_key_source(config, data_dir, client=client, monotonic=monotonic)
    return TokenVerifier(keys, config, now=now)
