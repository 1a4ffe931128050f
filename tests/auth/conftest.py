"""What the auth tests share: real keys, a fake clock, a JWKS served over HTTP, token makers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

T0 = 1_750_000_000.0
"""The fake clock's start: a fixed moment, so tokens and expectations are exact."""
ISSUER = "https://idp.example.test/realms/workbench"
AUDIENCE = "mcp-workbench"
RSA_KID = "rsa-1"
EC_KID = "ec-1"
ED_KID = "ed-1"


class Clock:
    """A clock that only moves when told to (seconds since the epoch)."""

    def __init__(self, start: float = T0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass(frozen=True)
class Keys:
    """Private keys made for this test run, and a shared secret."""

    rsa: RSAPrivateKey
    rsa_other: RSAPrivateKey
    ec: EllipticCurvePrivateKey
    ec_other: EllipticCurvePrivateKey
    ed: Ed25519PrivateKey
    secret: bytes


def make_keys() -> Keys:
    """RSA 2048, EC P-256 and Ed25519 keys, and a 32-byte secret."""
    return Keys(
        rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa_other=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec=ec.generate_private_key(ec.SECP256R1()),
        ec_other=ec.generate_private_key(ec.SECP256R1()),
        ed=ed25519.Ed25519PrivateKey.generate(),
        secret=b"s" * 16 + bytes(range(16)),
    )


@pytest.fixture(scope="session")
def keys() -> Keys:
    """:func:`make_keys`, once per session (RSA generation is slow)."""
    return make_keys()


def jwk(private_key: Any, kid: str | None, **extra: Any) -> dict[str, Any]:
    """The public JWK of ``private_key``, named ``kid``, for signatures."""
    public = private_key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        data = RSAAlgorithm.to_jwk(public, as_dict=True)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        data = ECAlgorithm.to_jwk(public, as_dict=True)
    else:
        data = OKPAlgorithm.to_jwk(public, as_dict=True)
    data["use"] = "sig"
    if kid is not None:
        data["kid"] = kid
    return {**data, **extra}


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims at ``T0`` for this server; an override of ``None`` removes the claim."""
    base: dict[str, Any] = {
        "sub": "alice",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(T0),
        "nbf": int(T0),
        "exp": int(T0) + 600,
        "roles": ["editor"],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(
    key: Any, algorithm: str, payload: dict[str, Any], kid: str | None = None, **header: Any
) -> str:
    """A token signed with pyjwt (``header``: extra header parameters)."""
    headers = {**header, **({"kid": kid} if kid is not None else {})}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers or None)


def b64(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def segments(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """``header.payload`` of a hand-made token (signature to be appended)."""
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"


def unsigned(alg: str, payload: dict[str, Any]) -> str:
    """A token with an empty signature whose header names ``alg`` (``none`` and its
    spellings)."""
    return segments({"alg": alg, "typ": "JWT"}, payload) + "."


def hs256_with_public_pem(
    public_key: RSAPublicKey, payload: dict[str, Any], kid: str | None
) -> str:
    """The classic confusion attack: HMAC over the token with the RSA public key's PEM as
    the secret (pyjwt refuses to make these, so by hand)."""
    pem = public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid else {})}
    signing_input = segments(header, payload)
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def tampered(token: str, payload: dict[str, Any]) -> str:
    """``token`` with its payload swapped for ``payload`` and its signature kept."""
    header, _, signature = token.split(".")
    forged = segments({}, payload).split(".")[1]
    return f"{header}.{forged}.{signature}"


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that counts its hits; tests change what it serves."""

    def __init__(self) -> None:
        self.keys: list[Any] = []
        """The JWKs served (anything JSON, to serve broken ones too)."""
        self.cache_control: str | None = None
        self.status = 200
        self.body: bytes | None = None
        """Served instead of ``{"keys": ...}`` when set."""
        self.hits = 0
        self.requested = asyncio.Event()
        """Set when a request arrives."""
        self.gate: asyncio.Event | None = None
        """When set to an event, answers wait for it (to hold a fetch in flight)."""
        self.url = ""
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/.well-known/jwks.json"

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if line in (b"", b"\r\n", b"\n"):
                    break
            self.hits += 1
            self.requested.set()
            if self.gate is not None:
                await self.gate.wait()
            body = self.body if self.body is not None else json.dumps({"keys": self.keys}).encode()
            head = [
                f"HTTP/1.1 {self.status} Whatever",
                "Content-Type: application/json",
                f"Content-Length: {len(body)}",
                "Connection: close",
            ]
            if self.cache_control is not None:
                head.append(f"Cache-Control: {self.cache_control}")
            with contextlib.suppress(ConnectionError):  # the client may have gone
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@pytest.fixture
async def jwks_server(keys: Keys) -> AsyncIterator[JwksServer]:
    """A live JWKS serving the RSA, EC and Ed25519 public keys."""
    server = JwksServer()
    server.keys = [jwk(keys.rsa, RSA_KID), jwk(keys.ec, EC_KID), jwk(keys.ed, ED_KID)]
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for JWKS fetches, closed after the test."""
    async with httpx.AsyncClient() as client:
        yield client
