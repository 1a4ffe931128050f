"""Keys that verify token signatures, and where the verifier gets them: :class:`KeySource`.

Each :class:`VerificationKey` verifies exactly one algorithm, decided by its type: a shared
secret HS256, RSA RS256, EC P-256 ES256, Ed25519/Ed448 EdDSA. That is what defeats
algorithm confusion: a token's ``alg`` only ever meets keys made for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from jwt.exceptions import PyJWTError
from jwt.utils import base64url_encode

from mcp_workbench.auth.config import MIN_SECRET_BYTES
from mcp_workbench.errors import InvalidToken, WorkbenchError

__all__ = [
    "ALGORITHM_OF",
    "CombinedKeys",
    "KeyKind",
    "KeySource",
    "PublicKey",
    "StaticKeys",
    "VerificationKey",
    "load_public_key_file",
    "thumbprint",
]

PublicKey: TypeAlias = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
)
"""A public key a token can be verified with."""

_MIN_RSA_BITS = 2048


class KeyKind(StrEnum):
    """The type of a key, named as the JWK ``kty``."""

    SECRET = "oct"
    RSA = "RSA"
    EC = "EC"
    OKP = "OKP"


ALGORITHM_OF: Mapping[KeyKind, str] = {
    KeyKind.SECRET: "HS256",
    KeyKind.RSA: "RS256",
    KeyKind.EC: "ES256",
    KeyKind.OKP: "EdDSA",
}
"""The one algorithm each kind of key verifies."""


@dataclass(frozen=True)
class VerificationKey:
    """A key, its kind, the one algorithm it verifies, and its ``kid`` if it has one."""

    key: bytes | PublicKey = field(repr=False)
    kind: KeyKind
    kid: str | None = None

    @property
    def algorithm(self) -> str:
        """The only ``alg`` this key verifies."""
        return ALGORITHM_OF[self.kind]

    @classmethod
    def from_secret(cls, secret: bytes, kid: str | None = None) -> VerificationKey:
        """An HS256 key.

        Raises:
            WorkbenchError: the secret is shorter than 32 bytes.
        """
        if len(secret) < MIN_SECRET_BYTES:
            raise WorkbenchError(f"an HS256 secret needs at least {MIN_SECRET_BYTES} bytes")
        return cls(secret, KeyKind.SECRET, kid)

    @classmethod
    def from_public_key(cls, key: object, kid: str | None = None) -> VerificationKey:
        """A key for RS256 (RSA, 2048 bits or more), ES256 (EC P-256) or EdDSA.

        Raises:
            WorkbenchError: another type, curve or a short RSA key.
        """
        if isinstance(key, rsa.RSAPublicKey):
            if key.key_size < _MIN_RSA_BITS:
                raise WorkbenchError(f"RSA keys need {_MIN_RSA_BITS} bits or more")
            return cls(key, KeyKind.RSA, kid)
        if isinstance(key, ec.EllipticCurvePublicKey):
            if not isinstance(key.curve, ec.SECP256R1):
                raise WorkbenchError(f"EC keys must be on P-256 for ES256, not {key.curve.name}")
            return cls(key, KeyKind.EC, kid)
        if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            return cls(key, KeyKind.OKP, kid)
        raise WorkbenchError(f"unsupported key type {type(key).__name__}")

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> VerificationKey:
        """A key from a JWK (public part only; ``oct`` keys are refused: a published key
        set carries no secrets).

        Raises:
            WorkbenchError: the JWK is invalid, unsupported, or not for signatures.
        """
        kty = jwk.get("kty")
        kid = jwk.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise WorkbenchError("kid must be a string")
        if jwk.get("use", "sig") != "sig":
            raise WorkbenchError(f"key {kid!r} is not for signatures")
        ops = jwk.get("key_ops")
        if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
            raise WorkbenchError(f"key {kid!r} is not for verifying")
        parser: Any
        if kty == "RSA":
            parser = RSAAlgorithm
        elif kty == "EC":
            parser = ECAlgorithm
        elif kty == "OKP":
            parser = OKPAlgorithm
        else:
            raise WorkbenchError(f"key {kid!r}: unsupported kty {kty!r}")
        try:
            key = parser.from_jwk(dict(jwk))
        except (PyJWTError, ValueError, TypeError, KeyError) as exc:
            raise WorkbenchError(f"key {kid!r}: invalid JWK: {exc}") from exc
        public = key.public_key() if hasattr(key, "public_key") else key
        made = cls.from_public_key(public, kid)
        alg = jwk.get("alg")
        if alg is not None and alg != made.algorithm:
            raise WorkbenchError(f"key {kid!r}: alg {alg!r} not supported for kty {kty}")
        return made


def thumbprint(key: PublicKey) -> str:
    """The RFC 7638 JWK thumbprint of ``key`` (SHA-256, base64url): a stable ``kid``."""
    jwk: dict[str, Any]
    members: tuple[str, ...]
    if isinstance(key, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
        members = ("e", "kty", "n")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(key, as_dict=True)
        members = ("crv", "kty", "x", "y")
    else:
        jwk = OKPAlgorithm.to_jwk(key, as_dict=True)
        members = ("crv", "kty", "x")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()


def load_public_key_file(path: Path) -> VerificationKey:
    """The public key in a PEM file (``PUBLIC KEY`` or ``CERTIFICATE``), its ``kid`` the
    key's thumbprint.

    Raises:
        WorkbenchError: the file cannot be read or holds no supported public key.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkbenchError(f"cannot read public key file {path}: {exc.strerror}") from exc
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            key: object = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = load_pem_public_key(data)
    except ValueError as exc:
        raise WorkbenchError(f"{path} holds no PEM public key or certificate") from exc
    try:
        made = VerificationKey.from_public_key(key)
    except WorkbenchError as exc:
        raise WorkbenchError(f"{path}: {exc}") from exc
    assert not isinstance(made.key, bytes)
    return VerificationKey(made.key, made.kind, thumbprint(made.key))


class KeySource(Protocol):
    """Where a verifier finds the keys for a token: static keys, a JWKS, or several."""

    async def keys_for(self, kid: str | None, algorithm: str) -> Sequence[VerificationKey]:
        """The keys for ``algorithm`` that may have signed a token whose header names
        ``kid`` (or none); empty when there are keys, but none of the type ``algorithm``
        needs.

        Raises:
            InvalidToken: no key can be had (``unknown_kid``, ``key_revoked``,
                ``keys_unavailable``).
        """
        ...

    async def aclose(self) -> None:
        """Release what the source holds open (an HTTP client)."""
        ...


class StaticKeys:
    """Keys fixed at start-up: a shared secret and/or PEM public keys.

    A token naming a ``kid`` one of them has gets that key; any other token gets all of
    them (static keys are few, and external issuers name their keys as they like).
    """

    def __init__(self, keys: Iterable[VerificationKey]) -> None:
        self._keys = tuple(keys)
        if not self._keys:
            raise WorkbenchError("no verification keys given")

    @classmethod
    def from_secret(cls, secret: bytes) -> StaticKeys:
        """Just an HS256 shared secret.

        Raises:
            WorkbenchError: it is shorter than 32 bytes.
        """
        return cls([VerificationKey.from_secret(secret)])

    @classmethod
    def from_pem_files(cls, paths: Iterable[Path]) -> StaticKeys:
        """The public keys in these PEM files (blocking reads: call at start-up).

        Raises:
            WorkbenchError: a file is unreadable or holds no supported key.
        """
        return cls(load_public_key_file(Path(p)) for p in paths)

    @property
    def keys(self) -> tuple[VerificationKey, ...]:
        """Every key held."""
        return self._keys

    async def keys_for(self, kid: str | None, algorithm: str) -> Sequence[VerificationKey]:
        """The key named ``kid`` if one is, else every key; those for ``algorithm``."""
        pool = [k for k in self._keys if k.kid == kid] if kid is not None else []
        return [k for k in pool or self._keys if k.algorithm == algorithm]

    async def aclose(self) -> None:
        """Nothing to release."""


class CombinedKeys:
    """Several key sources asked together (a JWKS and the workbench's own secret)."""

    def __init__(self, sources: Iterable[KeySource]) -> None:
        self._sources = tuple(sources)

    async def keys_for(self, kid: str | None, algorithm: str) -> Sequence[VerificationKey]:
        """Every source's keys for ``kid`` and ``algorithm``.

        Raises:
            InvalidToken: no source has such a key and one refused (its reason).
        """
        found: list[VerificationKey] = []
        refusal: InvalidToken | None = None
        for source in self._sources:
            try:
                found.extend(await source.keys_for(kid, algorithm))
            except InvalidToken as exc:
                refusal = refusal or exc
        if not found and refusal is not None:
            raise refusal
        return found

    async def aclose(self) -> None:
        """Close every source."""
        for source in self._sources:
            await source.aclose()
