"""JwksKeys against a live JWKS: caching, Cache-Control, rate-limited refresh, rotation,
revocation, and an identity provider that fails."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

import httpx
import pytest

from mcp_workbench.auth import AuthConfig, JwksKeys, Reason, TokenVerifier
from mcp_workbench.errors import InvalidToken, WorkbenchError
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
    claims,
    jwk,
    sign,
)


def make(
    server: JwksServer, client: httpx.AsyncClient, clock: Clock, **options: Any
) -> tuple[JwksKeys, TokenVerifier]:
    source = JwksKeys(server.url, client=client, now=clock, **options)
    return source, TokenVerifier(source, AuthConfig(audience=AUDIENCE, issuer=ISSUER), now=clock)


def rs(keys: Keys, kid: str = RSA_KID) -> str:
    return sign(keys.rsa, "RS256", claims(exp=int(T0) + 86_400 * 3), kid)


async def reason_of(verifier: TokenVerifier, token: str) -> Reason:
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(token)
    return Reason(refused.value.reason)


async def test_the_key_set_is_fetched_once_and_kept_for_its_ttl(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    clock = Clock()
    source, verifier = make(jwks_server, http_client, clock, ttl=300)
    for _ in range(5):
        await verifier.verify(rs(keys))
    assert jwks_server.hits == 1
    assert source.kids == {RSA_KID, EC_KID, ED_KID}
    clock.advance(299)
    await verifier.verify(rs(keys))
    assert jwks_server.hits == 1
    clock.advance(1)
    await verifier.verify(rs(keys))
    assert jwks_server.hits == 2


@pytest.mark.parametrize(
    ("cache_control", "kept"),
    [
        ("public, max-age=120", 120),
        ('max-age="90", must-revalidate', 90),
        ("max-age=5", 60),  # below the lower bound
        ("max-age=999999", 3600),  # above the upper bound
        ("no-store", 60),
        ("no-cache, max-age=600", 60),
        ("public", 300),  # no max-age: the default TTL
    ],
)
async def test_cache_control_max_age_is_honoured_within_bounds(
    keys: Keys,
    jwks_server: JwksServer,
    http_client: httpx.AsyncClient,
    cache_control: str,
    kept: int,
) -> None:
    jwks_server.cache_control = cache_control
    clock = Clock()
    _, verifier = make(jwks_server, http_client, clock, ttl=300, min_ttl=60, max_ttl=3600)
    await verifier.verify(rs(keys))
    clock.advance(kept - 1)
    await verifier.verify(rs(keys))
    assert jwks_server.hits == 1
    clock.advance(1)
    await verifier.verify(rs(keys))
    assert jwks_server.hits == 2


async def test_an_unknown_kid_refreshes_at_most_once_per_interval(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    clock = Clock()
    _, verifier = make(jwks_server, http_client, clock, refresh_interval=30)
    await verifier.verify(rs(keys))
    assert jwks_server.hits == 1
    clock.advance(30)
    assert await reason_of(verifier, rs(keys, "nope-1")) == Reason.UNKNOWN_KID
    assert jwks_server.hits == 2  # refreshed, still unknown
    for n in range(10):
        clock.advance(2)
        assert await reason_of(verifier, rs(keys, f"nope-{n}")) == Reason.UNKNOWN_KID
    assert jwks_server.hits == 2  # within the interval: no refetch however many kids
    clock.advance(10)
    assert await reason_of(verifier, rs(keys, "nope-x")) == Reason.UNKNOWN_KID
    assert jwks_server.hits == 3


async def test_a_flood_of_made_up_kids_costs_one_fetch(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    clock = Clock()
    _, verifier = make(jwks_server, http_client, clock)
    await verifier.verify(rs(keys))
    clock.advance(31)
    tokens = [rs(keys, secrets.token_hex(4)) for _ in range(200)]
    outcomes = await asyncio.gather(*(verifier.verify(t) for t in tokens), return_exceptions=True)
    assert all(isinstance(o, InvalidToken) and o.reason == Reason.UNKNOWN_KID for o in outcomes)
    assert jwks_server.hits == 2


async def test_concurrent_first_use_fetches_once(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    _, verifier = make(jwks_server, http_client, Clock())
    principals = await asyncio.gather(*(verifier.verify(rs(keys)) for _ in range(20)))
    assert {p.subject for p in principals} == {"alice"}
    assert jwks_server.hits == 1


async def test_a_cancelled_caller_does_not_cancel_the_fetch_others_wait_for(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    """Regression: a client that disconnects during the first fetch must not leave every
    other caller without keys until the refresh interval has passed."""
    jwks_server.gate = asyncio.Event()
    _, verifier = make(jwks_server, http_client, Clock())
    first = asyncio.create_task(verifier.verify(rs(keys)))
    await jwks_server.requested.wait()
    first.cancel()
    second = asyncio.create_task(verifier.verify(rs(keys)))
    jwks_server.gate.set()
    assert (await second).subject == "alice"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert jwks_server.hits == 1


async def test_aclose_stops_a_fetch_in_flight(keys: Keys, jwks_server: JwksServer) -> None:
    jwks_server.gate = asyncio.Event()
    source = JwksKeys(jwks_server.url, now=Clock())
    waiting = asyncio.create_task(source.keys_for(RSA_KID, "RS256"))
    await jwks_server.requested.wait()
    await source.aclose()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    jwks_server.gate.set()


async def test_a_new_key_is_found_without_a_restart(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    clock = Clock()
    source, verifier = make(jwks_server, http_client, clock)
    await verifier.verify(rs(keys))
    # The provider starts signing with a new key and publishes it beside the old one.
    jwks_server.keys = [*jwks_server.keys, jwk(keys.rsa_other, "rsa-2")]
    clock.advance(30)
    token = sign(keys.rsa_other, "RS256", claims(sub="bob"), "rsa-2")
    assert (await verifier.verify(token)).subject == "bob"
    assert jwks_server.hits == 2
    assert "rsa-2" in source.kids
    assert (await verifier.verify(rs(keys))).subject == "alice"  # the old key still works


async def test_a_removed_key_stops_verifying_once_the_set_is_refetched(
    keys: Keys,
    jwks_server: JwksServer,
    http_client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    source, verifier = make(jwks_server, http_client, clock, ttl=300)
    old = rs(keys)
    await verifier.verify(old)
    jwks_server.keys = [jwk(keys.rsa_other, "rsa-2")]
    clock.advance(100)
    await verifier.verify(old)  # cached: good until the set is refetched
    clock.advance(200)
    with caplog.at_level(logging.INFO, logger="mcp_workbench.auth.jwks"):
        assert await reason_of(verifier, old) == Reason.KEY_REVOKED
    assert jwks_server.hits == 2
    assert source.kids == {"rsa-2"}
    assert "rotated" in caplog.text
    assert old not in caplog.text
    # A later refetch that brings the key back un-revokes it.
    jwks_server.keys = [jwk(keys.rsa, RSA_KID)]
    await source.refresh()
    assert (await verifier.verify(old)).subject == "alice"


async def test_a_key_dropped_in_the_unknown_kid_refresh_is_revoked(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    clock = Clock()
    _, verifier = make(jwks_server, http_client, clock)
    await verifier.verify(rs(keys))
    jwks_server.keys = [jwk(keys.rsa_other, "rsa-2")]
    clock.advance(30)
    # Another token's unknown kid makes the refetch that drops rsa-1.
    assert await reason_of(verifier, rs(keys, "rsa-3")) == Reason.UNKNOWN_KID
    assert await reason_of(verifier, rs(keys)) == Reason.KEY_REVOKED


async def test_an_unreachable_provider_is_retried_only_after_the_interval(
    keys: Keys,
    jwks_server: JwksServer,
    http_client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    jwks_server.status = 503
    clock = Clock()
    _, verifier = make(jwks_server, http_client, clock, refresh_interval=30)
    with caplog.at_level(logging.WARNING):
        assert await reason_of(verifier, rs(keys)) == Reason.KEYS_UNAVAILABLE
    assert "HTTP 503" in caplog.text
    clock.advance(29)
    assert await reason_of(verifier, rs(keys)) == Reason.KEYS_UNAVAILABLE
    assert jwks_server.hits == 1
    jwks_server.status = 200
    clock.advance(1)
    await verifier.verify(rs(keys))
    assert jwks_server.hits == 2


async def test_old_keys_stay_in_use_while_the_provider_is_down(
    keys: Keys,
    jwks_server: JwksServer,
    http_client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    _, verifier = make(jwks_server, http_client, clock, ttl=300, refresh_interval=30)
    await verifier.verify(rs(keys))
    jwks_server.status = 500
    clock.advance(300)
    with caplog.at_level(logging.WARNING):
        await verifier.verify(rs(keys))
    assert "keeping the old keys" in caplog.text
    clock.advance(10)
    await verifier.verify(rs(keys))
    assert jwks_server.hits == 2  # the failed refetch is not retried within the interval
    clock.advance(20)
    await verifier.verify(rs(keys))
    assert jwks_server.hits == 3


@pytest.mark.parametrize(
    "body",
    [b"<html>not json</html>", b'{"keys": {}}', b"[]", b'{"keys": "x"}'],
    ids=["html", "keys-object", "array", "keys-string"],
)
async def test_a_document_that_is_not_a_jwks_is_unavailable(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient, body: bytes
) -> None:
    jwks_server.body = body
    _, verifier = make(jwks_server, http_client, Clock())
    assert await reason_of(verifier, rs(keys)) == Reason.KEYS_UNAVAILABLE


async def test_an_oversized_jwks_is_refused(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    jwks_server.body = json.dumps({"keys": [], "pad": "x" * 5000}).encode()
    source = JwksKeys(jwks_server.url, client=http_client, now=Clock(), max_bytes=4096)
    with pytest.raises(WorkbenchError, match="larger than 4096 bytes"):
        await source.refresh()


async def test_unusable_keys_in_the_set_are_skipped(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    jwks_server.keys = [
        {"kty": "oct", "kid": "shared", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"},
        jwk(keys.ec, "enc-key", use="enc"),
        jwk(keys.ec, "wrong-alg", alg="RS256"),
        jwk(keys.ec, "decrypt-only", key_ops=["decrypt"]),
        {"kty": "RSA", "kid": "broken", "n": "AQAB"},
        {"kty": "XYZ", "kid": "alien"},
        "not an object",
        jwk(keys.rsa, RSA_KID, alg="RS256"),
        jwk(keys.ec, None),  # no kid: used for tokens without one
    ]
    source, verifier = make(jwks_server, http_client, Clock())
    await verifier.verify(rs(keys))
    assert source.kids == {RSA_KID}
    assert (await verifier.verify(sign(keys.ec, "ES256", claims()))).subject == "alice"
    hs = sign(b"secret" * 6, "HS256", claims(), "shared")
    assert await reason_of(verifier, hs) == Reason.UNKNOWN_KID


async def test_private_members_in_a_jwks_are_ignored(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    from jwt.algorithms import ECAlgorithm

    private = ECAlgorithm.to_jwk(keys.ec, as_dict=True)
    jwks_server.keys = [{**private, "kid": "leaky"}]
    source, verifier = make(jwks_server, http_client, Clock())
    assert (await verifier.verify(sign(keys.ec, "ES256", claims(), "leaky"))).subject == "alice"
    held = (await source.keys_for("leaky", "ES256"))[0]
    assert not hasattr(held.key, "private_numbers")


@pytest.mark.parametrize(
    "url",
    ["http://idp.example.test/jwks", "ftp://127.0.0.1/jwks", "https:///jwks", "/jwks"],
)
def test_key_sets_are_only_fetched_over_https_or_loopback(url: str) -> None:
    with pytest.raises(WorkbenchError, match="must be https"):
        JwksKeys(url)


async def test_https_and_loopback_urls_are_accepted() -> None:
    for url in ["https://idp.example.test/jwks", "http://localhost:8080/jwks", "http://[::1]/j"]:
        source = JwksKeys(url)
        await source.aclose()


async def test_from_config_takes_the_cache_settings(
    keys: Keys, jwks_server: JwksServer, http_client: httpx.AsyncClient
) -> None:
    config = AuthConfig(jwks_url=jwks_server.url, jwks_ttl=50, jwks_min_ttl=10)
    clock = Clock()
    source = JwksKeys.from_config(config, client=http_client, now=clock)
    await source.keys_for(RSA_KID, "RS256")
    clock.advance(50)
    await source.keys_for(RSA_KID, "RS256")
    assert jwks_server.hits == 2
    with pytest.raises(WorkbenchError, match="no JWKS URL"):
        JwksKeys.from_config(AuthConfig())
