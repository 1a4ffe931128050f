"""TokenVerifier: every algorithm's happy path, the bad-token matrix, leeway edges, claims."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mcp_workbench.auth import (
    AuthConfig,
    JwksKeys,
    Principal,
    Reason,
    StaticKeys,
    TokenVerifier,
    VerificationKey,
    bearer_token,
)
from mcp_workbench.errors import AuthError, InvalidToken, http_status, jsonrpc_error
from tests.auth.conftest import (
    AUDIENCE,
    EC_KID,
    ED_KID,
    ISSUER,
    RSA_KID,
    T0,
    Clock,
    JwksServer,
    Keys,
    b64,
    claims,
    hs256_with_public_pem,
    jwk,
    segments,
    sign,
    tampered,
    unsigned,
)

GENERIC = {"invalid token", "authentication required"}


def static_verifier(keys: Keys, clock: Clock, **config: Any) -> TokenVerifier:
    """A verifier holding every test key (public halves) and the secret."""
    source = StaticKeys(
        [
            VerificationKey.from_secret(keys.secret),
            VerificationKey.from_public_key(keys.rsa.public_key(), RSA_KID),
            VerificationKey.from_public_key(keys.ec.public_key(), EC_KID),
            VerificationKey.from_public_key(keys.ed.public_key(), ED_KID),
        ]
    )
    settings = {"audience": AUDIENCE, "issuer": ISSUER, **config}
    return TokenVerifier(source, AuthConfig(**settings), now=clock)


# -- happy paths -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("algorithm", "key_name", "kid"),
    [
        ("HS256", "secret", None),
        ("RS256", "rsa", RSA_KID),
        ("ES256", "ec", EC_KID),
        ("EdDSA", "ed", ED_KID),
        ("RS256", "rsa", None),  # no kid: every key of the right type is tried
    ],
)
async def test_each_algorithm_verifies(
    keys: Keys, algorithm: str, key_name: str, kid: str | None
) -> None:
    clock = Clock(T0 + 10)
    token = sign(getattr(keys, key_name), algorithm, claims(scope="notes:read boards"), kid)
    principal = await static_verifier(keys, clock).verify(token)
    assert principal.subject == "alice"
    assert principal.roles == {"editor"}
    assert principal.scopes == {"notes:read", "boards"}
    assert principal.expires_at == T0 + 600
    assert principal.issuer == ISSUER
    assert principal.id == f"{ISSUER}|alice"
    assert principal.claims["aud"] == AUDIENCE
    assert principal.has_role("editor")
    assert not principal.has_role("admin")


async def test_each_algorithm_verifies_through_a_jwks(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    clock = Clock()
    source = JwksKeys(jwks_server.url, client=http_client, now=clock)
    verifier = TokenVerifier(source, AuthConfig(audience=AUDIENCE, issuer=ISSUER), now=clock)
    for key, algorithm, kid in [
        (keys.rsa, "RS256", RSA_KID),
        (keys.ec, "ES256", EC_KID),
        (keys.ed, "EdDSA", ED_KID),
    ]:
        principal = await verifier.verify(sign(key, algorithm, claims(sub=kid), kid))
        assert principal.subject == kid
    assert jwks_server.hits == 1


async def test_roles_come_from_nested_and_several_claims(keys: Keys) -> None:
    payload = claims(
        roles=None,
        realm_access={"roles": ["editor", "viewer"]},
        groups=["/staff"],
        **{"https://example.test/roles": "auditor"},
    )
    verifier = static_verifier(
        keys,
        Clock(),
        role_claims=("realm_access.roles", "groups", "https://example.test/roles", "absent.x"),
    )
    principal = await verifier.verify(sign(keys.secret, "HS256", payload))
    assert principal.roles == {"editor", "viewer", "/staff", "auditor"}


async def test_scopes_from_scp_list_and_no_roles(keys: Keys) -> None:
    payload = claims(roles=None, scp=["notes:write", "prompts:read"])
    principal = await static_verifier(keys, Clock()).verify(sign(keys.secret, "HS256", payload))
    assert principal.roles == frozenset()
    assert principal.scopes == {"notes:write", "prompts:read"}


async def test_no_audience_or_issuer_configured_accepts_tokens_without_them(keys: Keys) -> None:
    verifier = TokenVerifier(StaticKeys.from_secret(keys.secret), AuthConfig(), now=Clock())
    principal = await verifier.verify(sign(keys.secret, "HS256", claims(aud=None, iss=None)))
    assert principal.id == "alice"
    assert principal.issuer is None


async def test_a_token_without_exp_passes_only_when_exp_is_optional(keys: Keys) -> None:
    token = sign(keys.secret, "HS256", claims(exp=None))
    relaxed = static_verifier(keys, Clock(), require_exp=False)
    assert (await relaxed.verify(token)).expires_at is None
    with pytest.raises(InvalidToken) as refused:
        await static_verifier(keys, Clock()).verify(token)
    assert refused.value.reason == Reason.MISSING_EXP


async def test_principal_is_immutable(keys: Keys) -> None:
    principal = await static_verifier(keys, Clock()).verify(
        sign(keys.secret, "HS256", claims(extra={"a": 1}))
    )
    with pytest.raises(TypeError):
        principal.claims["sub"] = "mallory"  # type: ignore[index]
    assert isinstance(principal, Principal)
    assert "extra" not in repr(principal)


# -- leeway edges ----------------------------------------------------------------------------
LEEWAY = 30


@pytest.mark.parametrize(
    ("overrides", "offset", "reason"),
    [
        # exp: valid until exp + leeway, exclusive
        ({"exp": int(T0)}, LEEWAY - 1, None),
        ({"exp": int(T0)}, LEEWAY, Reason.EXPIRED),
        # nbf: valid from nbf - leeway, inclusive
        ({"nbf": int(T0) + 100, "iat": int(T0)}, 100 - LEEWAY, None),
        ({"nbf": int(T0) + 100, "iat": int(T0)}, 100 - LEEWAY - 1, Reason.NOT_YET_VALID),
        # iat: at most leeway in the future
        ({"iat": int(T0) + 100, "nbf": None}, 100 - LEEWAY, None),
        ({"iat": int(T0) + 100, "nbf": None}, 100 - LEEWAY - 1, Reason.ISSUED_IN_FUTURE),
    ],
    ids=["exp-inside", "exp-edge", "nbf-edge", "nbf-outside", "iat-edge", "iat-outside"],
)
async def test_leeway_edges(
    keys: Keys, overrides: dict[str, Any], offset: int, reason: Reason | None
) -> None:
    clock = Clock(T0 + offset)
    verifier = static_verifier(keys, clock, leeway=LEEWAY)
    token = sign(keys.secret, "HS256", claims(**overrides))
    if reason is None:
        assert (await verifier.verify(token)).subject == "alice"
    else:
        with pytest.raises(InvalidToken) as refused:
            await verifier.verify(token)
        assert refused.value.reason == reason


async def test_zero_leeway_is_exact(keys: Keys) -> None:
    token = sign(keys.secret, "HS256", claims(exp=int(T0) + 5))
    clock = Clock(T0 + 4.999)
    verifier = static_verifier(keys, clock, leeway=0)
    await verifier.verify(token)
    clock.advance(0.001)
    with pytest.raises(InvalidToken, match="invalid token"):
        await verifier.verify(token)


# -- the bad-token matrix --------------------------------------------------------------------
@dataclass
class Kit:
    """A verifier over a live JWKS (RS256, ES256, HS256 allowed; EdDSA not), its server and
    clock, and the keys."""

    keys: Keys
    server: JwksServer
    clock: Clock
    verifier: TokenVerifier

    def rs(self, **overrides: Any) -> str:
        return sign(self.keys.rsa, "RS256", claims(**overrides), RSA_KID)


@pytest.fixture
async def kit(keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient) -> Kit:
    clock = Clock()
    source = JwksKeys(jwks_server.url, client=http_client, now=clock)
    config = AuthConfig(audience=AUDIENCE, issuer=ISSUER, algorithms=("RS256", "ES256", "HS256"))
    return Kit(keys, jwks_server, clock, TokenVerifier(source, config, now=clock))


def _not_json_payload(kit: Kit) -> str:
    from jwt.api_jws import PyJWS

    return PyJWS().encode(b"not json {", kit.keys.rsa, algorithm="RS256", headers={"kid": RSA_KID})


async def _revoked_after_rotation(kit: Kit) -> str:
    token = kit.rs()
    await kit.verifier.verify(token)  # the key is known and works
    kit.server.keys = [jwk(kit.keys.ec, EC_KID), jwk(kit.keys.rsa_other, "rsa-2")]
    kit.clock.advance(301)  # past the cache's TTL: the next look refetches
    return token


async def _unknown_kid_after_refresh(kit: Kit) -> str:
    await kit.verifier.verify(kit.rs())  # the key set is loaded
    kit.clock.advance(60)  # past the refresh interval: the unknown kid triggers a refetch
    return sign(kit.keys.rsa_other, "RS256", claims(), "never-published")


Case = Callable[[Kit], str | Awaitable[str | None] | None]

MATRIX: list[tuple[str, Case, Reason]] = [
    ("missing-none", lambda kit: None, Reason.MISSING),
    ("missing-empty", lambda kit: "", Reason.MISSING),
    ("expired", lambda kit: kit.rs(exp=int(T0) - 31), Reason.EXPIRED),
    ("not-yet-valid", lambda kit: kit.rs(nbf=int(T0) + 31), Reason.NOT_YET_VALID),
    ("iat-in-future", lambda kit: kit.rs(iat=int(T0) + 31, nbf=None), Reason.ISSUED_IN_FUTURE),
    ("wrong-audience", lambda kit: kit.rs(aud="mcp-workbenc"), Reason.WRONG_AUDIENCE),
    (
        "audience-of-another-server",
        lambda kit: kit.rs(aud=["https://other-server.test/mcp", "billing"]),
        Reason.WRONG_AUDIENCE,
    ),
    ("missing-audience", lambda kit: kit.rs(aud=None), Reason.MISSING_AUD),
    ("wrong-issuer", lambda kit: kit.rs(iss=ISSUER + "-evil"), Reason.WRONG_ISSUER),
    ("missing-issuer", lambda kit: kit.rs(iss=None), Reason.MISSING_ISS),
    (
        "wrong-signature",
        lambda kit: sign(kit.keys.rsa_other, "RS256", claims(), RSA_KID),
        Reason.BAD_SIGNATURE,
    ),
    (
        "tampered-payload",
        lambda kit: tampered(kit.rs(), claims(sub="admin", roles=["admin"])),
        Reason.BAD_SIGNATURE,
    ),
    (
        "signature-cut",
        lambda kit: kit.rs().rsplit(".", 1)[0] + ".AAAA",
        Reason.BAD_SIGNATURE,
    ),
    ("alg-none", lambda kit: unsigned("none", claims()), Reason.ALG_NONE),
    ("alg-None", lambda kit: unsigned("None", claims()), Reason.ALG_NONE),
    (
        "hs256-with-rsa-pem-as-secret",
        lambda kit: hs256_with_public_pem(kit.keys.rsa.public_key(), claims(), RSA_KID),
        Reason.ALG_KEY_MISMATCH,
    ),
    (
        "hs256-with-rsa-pem-no-kid",
        lambda kit: hs256_with_public_pem(kit.keys.rsa.public_key(), claims(), None),
        Reason.ALG_KEY_MISMATCH,
    ),
    (
        "es256-against-an-rsa-kid",
        lambda kit: sign(kit.keys.ec, "ES256", claims(), RSA_KID),
        Reason.ALG_KEY_MISMATCH,
    ),
    ("unknown-kid", _unknown_kid_after_refresh, Reason.UNKNOWN_KID),
    ("revoked-after-rotation", _revoked_after_rotation, Reason.KEY_REVOKED),
    (
        "disallowed-algorithm",
        lambda kit: sign(kit.keys.ed, "EdDSA", claims(), ED_KID),
        Reason.ALG_NOT_ALLOWED,
    ),
    (
        "unsupported-algorithm",
        lambda kit: sign(kit.keys.rsa, "RS512", claims(), RSA_KID),
        Reason.ALG_NOT_ALLOWED,
    ),
    ("two-segments", lambda kit: kit.rs().rsplit(".", 1)[0], Reason.MALFORMED),
    ("four-segments", lambda kit: kit.rs() + ".AAAA", Reason.MALFORMED),
    ("bad-base64", lambda kit: "e$$$." + kit.rs().split(".", 1)[1], Reason.MALFORMED),
    (
        "bad-json-header",
        lambda kit: b64(b'{"alg": "RS256",') + "." + kit.rs().split(".", 1)[1],
        Reason.MALFORMED,
    ),
    (
        "header-not-an-object",
        lambda kit: b64(b'["RS256"]') + "." + kit.rs().split(".", 1)[1],
        Reason.MALFORMED,
    ),
    ("payload-not-json", _not_json_payload, Reason.MALFORMED),
    (
        "kid-not-a-string",
        lambda kit: segments({"alg": "RS256", "kid": 7}, claims()) + ".AAAA",
        Reason.MALFORMED,
    ),
    (
        "critical-extension",
        lambda kit: sign(kit.keys.rsa, "RS256", claims(), RSA_KID, crit=["exp"], exp=1),
        Reason.MALFORMED,
    ),
    ("no-alg", lambda kit: segments({"typ": "JWT"}, claims()) + ".AAAA", Reason.MALFORMED),
    ("missing-exp", lambda kit: kit.rs(exp=None), Reason.MISSING_EXP),
    ("missing-sub", lambda kit: kit.rs(sub=None), Reason.MISSING_SUB),
    ("exp-not-a-number", lambda kit: kit.rs(exp="tomorrow"), Reason.BAD_CLAIM),
    ("roles-not-strings", lambda kit: kit.rs(roles=[{"name": "admin"}]), Reason.BAD_CLAIM),
    ("too-large", lambda kit: kit.rs(padding="x" * 9000), Reason.TOO_LARGE),
]


@pytest.mark.parametrize(("case", "reason"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX])
async def test_bad_tokens_are_refused_with_a_generic_message_and_a_precise_reason(
    kit: Kit, case: Case, reason: Reason, caplog: pytest.LogCaptureFixture
) -> None:
    made = case(kit)
    token = await made if isinstance(made, Awaitable) else made
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as refused:
        await kit.verifier.verify(token)
    exc = refused.value
    assert isinstance(exc, InvalidToken)
    assert exc.reason == reason
    # The client learns nothing beyond "no": not the reason, not the token, not a key.
    assert str(exc) in GENERIC
    assert exc.data is None
    wire = jsonrpc_error(exc)
    assert wire["message"] in GENERIC
    assert set(wire) == {"code", "message"}
    assert http_status(wire["code"]) == 401
    assert str(reason) not in str(exc)
    if token:
        assert token not in caplog.text


def test_the_matrix_covers_every_reason_a_token_can_earn() -> None:
    covered = {reason for _, _, reason in MATRIX}
    assert set(Reason) - covered == {Reason.NOT_BEARER, Reason.KEYS_UNAVAILABLE}


async def test_an_asymmetric_alg_against_a_shared_secret_is_confusion(keys: Keys) -> None:
    """RS256 where the verifier only holds an HMAC secret: refused before any signature
    check, whatever the token was signed with."""
    verifier = TokenVerifier(StaticKeys.from_secret(keys.secret), AuthConfig(), now=Clock())
    token = sign(keys.rsa, "RS256", claims(aud=None, iss=None))
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(token)
    assert refused.value.reason == Reason.ALG_KEY_MISMATCH


async def test_a_token_signed_with_the_shared_secret_cannot_pass_as_rs256(keys: Keys) -> None:
    """The header says RS256, the MAC is HMAC-SHA256 with the secret: no key verifies it."""
    header = {"alg": "RS256", "kid": RSA_KID}
    signing_input = segments(header, claims())
    mac = hmac.new(keys.secret, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken) as refused:
        await static_verifier(keys, Clock()).verify(f"{signing_input}.{b64(mac)}")
    assert refused.value.reason == Reason.BAD_SIGNATURE


# -- the Authorization header ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, Reason.MISSING),
        ("", Reason.MISSING),
        ("   ", Reason.MISSING),
        ("Basic YWxpY2U6cHc=", Reason.NOT_BEARER),
        ("Bearer", Reason.MALFORMED),
        ("Bearer a b", Reason.MALFORMED),
    ],
)
def test_bearer_header_refusals(header: str | None, reason: Reason) -> None:
    with pytest.raises(InvalidToken) as refused:
        bearer_token(header)
    assert refused.value.reason == reason
    assert str(refused.value) in GENERIC


async def test_verify_header_accepts_any_case_of_bearer(keys: Keys) -> None:
    token = sign(keys.secret, "HS256", claims())
    assert bearer_token(f"bearer  {token} ") == token
    principal = await static_verifier(keys, Clock()).verify_header(f"BEARER {token}")
    assert principal.subject == "alice"


async def test_the_verifier_is_the_engines_authenticator(keys: Keys) -> None:
    from mcp_workbench.engine.identity import Authenticator, Identity

    authenticator: Authenticator = static_verifier(keys, Clock())
    identity: Identity = await authenticator.authenticate(sign(keys.secret, "HS256", claims()))
    assert identity.id == f"{ISSUER}|alice"
    assert identity.roles == {"editor"}
    assert identity.expires_at == T0 + 600
