"""TokenIssuer and SigningKey: TTLs, HS256 and EdDSA tokens the verifier accepts, key files."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from mcp_workbench.auth import (
    AuthConfig,
    SigningKey,
    StaticKeys,
    TokenIssuer,
    TokenVerifier,
    build_issuer,
    build_verifier,
    parse_ttl,
    thumbprint,
)
from mcp_workbench.errors import InvalidInput, WorkbenchError
from tests.auth.conftest import T0, Clock, Keys


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("1d", 86_400),
        ("1h30m", 5400),
        ("1d2h3m4s", 93_784),
        ("600", 600),
        (" 15M ", 900),
    ],
)
def test_parse_ttl(text: str, seconds: int) -> None:
    assert parse_ttl(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "-5m", "15x", "m", "1.5h", "15m2h", "1 h"])
def test_parse_ttl_refuses(text: str) -> None:
    with pytest.raises(InvalidInput, match="invalid duration"):
        parse_ttl(text)


def private_pem(key: object, path: Path, mode: int = 0o600, password: bytes | None = None) -> Path:
    assert isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey)
    encryption = BestAvailableEncryption(password) if password else NoEncryption()
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption))
    path.chmod(mode)
    return path


async def test_hs256_tokens_verify_with_the_right_subject_roles_and_expiry(keys: Keys) -> None:
    clock = Clock()
    issuer = TokenIssuer(SigningKey.from_secret(keys.secret), issuer="wb", now=clock)
    issued = issuer.issue("alice", ttl=900, roles=["editor", "admin", "editor"], scopes=["a"])
    assert issued.expires_at == int(T0) + 900
    assert issued.roles == ("editor", "admin")
    assert issued.algorithm == "HS256"
    assert issued.kid is None
    verifier = TokenVerifier(
        StaticKeys.from_secret(keys.secret), AuthConfig(issuer="wb"), now=clock
    )
    principal = await verifier.verify(issued.token)
    assert principal.subject == "alice"
    assert principal.roles == {"editor", "admin"}
    assert principal.scopes == {"a"}
    assert principal.expires_at == T0 + 900
    assert principal.claims["jti"] == issued.token_id
    clock.advance(900 + 30)
    with pytest.raises(WorkbenchError, match="invalid token"):
        await verifier.verify(issued.token)


async def test_eddsa_tokens_from_a_key_file(keys: Keys, tmp_path: Path) -> None:
    path = private_pem(keys.ed, tmp_path / "signing.pem")
    key = SigningKey.from_pem_file(path)
    assert key.algorithm == "EdDSA"
    assert key.kid == thumbprint(keys.ed.public_key())
    clock = Clock()
    issued = TokenIssuer(key, audience="wb", now=clock).issue("bob", ttl=60, roles=["viewer"])
    assert jwt.get_unverified_header(issued.token)["kid"] == key.kid
    # The verifier knows the key from its public PEM file: the thumbprint kid matches.
    public = tmp_path / "signing.pub.pem"
    public.write_bytes(
        keys.ed.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    verifier = TokenVerifier(
        StaticKeys.from_pem_files([public]), AuthConfig(audience="wb"), now=clock
    )
    principal = await verifier.verify(issued.token)
    assert principal.subject == "bob"
    assert principal.roles == {"viewer"}


async def test_a_server_configured_with_the_signing_key_accepts_its_tokens(
    keys: Keys, tmp_path: Path
) -> None:
    path = private_pem(keys.ec, tmp_path / "es.pem")
    config = AuthConfig(signing_key_file=path, local_secret=False, role_claims=("app.roles",))
    clock = Clock()
    issued = build_issuer(config, None, now=clock).issue("carol", ttl=60, roles=["ops"])
    assert issued.algorithm == "ES256"
    assert jwt.decode(issued.token, options={"verify_signature": False})["app"] == {
        "roles": ["ops"]
    }
    verifier = build_verifier(config, None, now=clock)
    assert (await verifier.verify(issued.token)).roles == {"ops"}
    await verifier.aclose()


def test_a_readable_private_key_file_is_refused(keys: Keys, tmp_path: Path) -> None:
    path = private_pem(keys.ed, tmp_path / "signing.pem", mode=0o644)
    with pytest.raises(WorkbenchError, match=r"mode 0644.*chmod 600"):
        SigningKey.from_pem_file(path)


@pytest.mark.parametrize("problem", ["encrypted", "public", "garbage", "missing"])
def test_unusable_key_files_are_refused(keys: Keys, tmp_path: Path, problem: str) -> None:
    path = tmp_path / "key.pem"
    if problem == "encrypted":
        private_pem(keys.ed, path, password=b"pw")
    elif problem == "public":
        path.write_bytes(
            keys.ed.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        )
        path.chmod(0o600)
    elif problem == "garbage":
        path.write_text("hello")
        path.chmod(0o600)
    with pytest.raises(WorkbenchError) as refused:
        SigningKey.from_pem_file(path)
    assert str(path) in str(refused.value)


def test_a_p384_key_is_refused(tmp_path: Path) -> None:
    path = private_pem(ec.generate_private_key(ec.SECP384R1()), tmp_path / "p384.pem")
    with pytest.raises(WorkbenchError, match="P-256"):
        SigningKey.from_pem_file(path)


@pytest.mark.parametrize(
    ("subject", "ttl", "roles", "message"),
    [
        ("", 60, [], "subject"),
        ("  ", 60, [], "subject"),
        ("alice", 0, [], "lifetime"),
        ("alice", 8 * 86_400, [], "lifetime"),
        ("alice", 60, [""], "roles"),
    ],
)
def test_issue_refuses_bad_requests(
    keys: Keys, subject: str, ttl: int, roles: list[str], message: str
) -> None:
    issuer = TokenIssuer(SigningKey.from_secret(keys.secret))
    with pytest.raises(InvalidInput, match=message):
        issuer.issue(subject, ttl=ttl, roles=roles)


def test_scopes_must_be_words(keys: Keys) -> None:
    with pytest.raises(InvalidInput, match="scopes"):
        TokenIssuer(SigningKey.from_secret(keys.secret)).issue("a", ttl=60, scopes=["a b"])


def test_short_secrets_are_refused() -> None:
    with pytest.raises(WorkbenchError, match="32 bytes"):
        SigningKey.from_secret(b"short")


def test_secrets_and_tokens_stay_out_of_reprs(keys: Keys, tmp_path: Path) -> None:
    key = SigningKey.from_secret(keys.secret)
    issued = TokenIssuer(key).issue("alice", ttl=60)
    config = AuthConfig(secret="x" * 40)
    ed = SigningKey.from_pem_file(private_pem(keys.ed, tmp_path / "k.pem"))
    for value in (key, issued, config, ed, key.verification_key()):
        text = repr(value)
        assert repr(keys.secret) not in text
        assert "x" * 40 not in text
        assert issued.token not in text
        assert "PRIVATE" not in text
        assert "key=" not in text


def test_issue_uses_the_real_clock_by_default(keys: Keys) -> None:
    import time

    before = int(time.time())
    issued = TokenIssuer(SigningKey.from_secret(keys.secret)).issue("a", ttl=60)
    assert before <= issued.issued_at <= int(time.time())
