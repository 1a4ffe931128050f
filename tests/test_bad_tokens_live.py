"""The bad-token matrix against live listeners: every bad token is refused on HTTP, on
WebSocket (at the upgrade and in the first message), on TCP and on a Unix socket, each
transport answering every case with the very same bytes, which say nothing of why; the
refused connection gets nothing more and is closed when the pre-auth window ends; a
good token is still served afterwards.

Tokens come from an identity provider whose key set (a JWKS on 127.0.0.1) was rotated
before the tests: the key it dropped is revoked. Why each token is refused is pinned in
``tests/auth/test_tokens.py``; here the precise reason is checked once, on the server's
own verifier, so that each case is known to fail for what it is named after.

Rate limits (trip, retry hint, HTTP 429 + Retry-After, recovery) are covered in
``tests/engine/test_ratelimit.py``; the pre-auth window on a silent Unix or WebSocket
connection in ``tests/test_auth_transports.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
import tornado.httpclient
import tornado.websocket

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer
from mcp_workbench.auth import AuthConfig, Reason, TokenVerifier, build_verifier
from mcp_workbench.errors import InvalidToken
from mcp_workbench.transports.http_transport import METADATA_PATH
from mcp_workbench.transports.listeners import Listeners, start_listeners
from tests.auth.conftest import (
    AUDIENCE,
    EC_KID,
    ISSUER,
    RSA_KID,
    Clock,
    JwksServer,
    Keys,
    claims,
    hs256_with_public_pem,
    jwk,
    make_keys,
    sign,
    tampered,
    unsigned,
)
from tests.clients import MODERN_META, RawLineClient
from tests.conftest import FIXTURE_TOOLS, fresh_data_dir

pytestmark = pytest.mark.timeout(30)

PREAUTH = 1.5
"""Seconds a connection has to authenticate before it is closed."""
RETIRED_KID = "rsa-retired"
"""The provider's key that was rotated out before the tests."""
UNPUBLISHED_KID = "never-published"
OTHER_SERVER = "https://other-server.test/mcp"


def live_claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims for this server, now (``claims`` is pinned to a fixed past moment)."""
    now = int(time.time())
    return claims(**{"iat": now, "nbf": now, "exp": now + 600, **overrides})


def rs(keys: Keys, **overrides: Any) -> str:
    """A token the identity provider signed with its current RSA key."""
    return sign(keys.rsa, "RS256", live_claims(**overrides), RSA_KID)


def _expired(keys: Keys) -> str:
    now = int(time.time())
    return rs(keys, iat=now - 7200, nbf=now - 7200, exp=now - 3600)


CASES: list[tuple[str, Callable[[Keys], str], Reason]] = [
    ("expired", _expired, Reason.EXPIRED),
    ("not-yet-valid", lambda k: rs(k, nbf=int(time.time()) + 3600), Reason.NOT_YET_VALID),
    ("wrong-audience", lambda k: rs(k, aud=AUDIENCE + "-staging"), Reason.WRONG_AUDIENCE),
    ("token-for-another-server", lambda k: rs(k, aud=OTHER_SERVER), Reason.WRONG_AUDIENCE),
    ("wrong-issuer", lambda k: rs(k, iss=ISSUER + "-evil"), Reason.WRONG_ISSUER),
    (
        "wrong-signature",
        lambda k: sign(k.rsa_other, "RS256", live_claims(), RSA_KID),
        Reason.BAD_SIGNATURE,
    ),
    (
        "tampered-payload",
        lambda k: tampered(rs(k), live_claims(sub="admin", roles=["admin"])),
        Reason.BAD_SIGNATURE,
    ),
    ("alg-none", lambda k: unsigned("none", live_claims()), Reason.ALG_NONE),
    (
        # The server holds an HS256 secret of its own too: the PEM must not pass for it.
        "hs256-with-rsa-pem-as-secret",
        lambda k: hs256_with_public_pem(k.rsa.public_key(), live_claims(), RSA_KID),
        Reason.BAD_SIGNATURE,
    ),
    (
        "unknown-kid",
        lambda k: sign(k.rsa_other, "RS256", live_claims(), UNPUBLISHED_KID),
        Reason.UNKNOWN_KID,
    ),
    (
        "revoked-after-rotation",
        lambda k: sign(k.rsa_other, "RS256", live_claims(), RETIRED_KID),
        Reason.KEY_REVOKED,
    ),
    ("not-a-jwt", lambda k: "not-a-jwt", Reason.MALFORMED),
    ("garbage-base64", lambda k: "e$$$.%%%%.!!!!", Reason.MALFORMED),
]

TELLING = [
    "expired",
    "not yet",
    "signature",
    "audience",
    "issuer",
    "kid",
    "alg",
    "revoked",
    "rotat",
    "malformed",
    "base64",
    RSA_KID,
    RETIRED_KID,
    UNPUBLISHED_KID,
    ISSUER,
    OTHER_SERVER,
    "alice",
    "admin",
    *(reason.value for reason in Reason),
]
"""What a refusal must not contain: a hint of the reason, a key id or a claim value."""


class Secured:
    """A workbench trusting a live identity provider, on HTTP, WebSocket, TCP and Unix."""

    def __init__(
        self,
        server: WorkbenchServer,
        listeners: Listeners,
        verifier: TokenVerifier,
        keys: Keys,
        jwks: JwksServer,
    ) -> None:
        self.server = server
        self.verifier = verifier
        self.keys = keys
        self.jwks = jwks
        self.addresses = dict(listeners.addresses)

    def good_token(self, subject: str) -> str:
        return rs(self.keys, sub=subject)

    def metadata_url(self) -> str:
        """The RFC 9728 metadata URL a 401 challenge names."""
        path = self.server.settings.mcp_path
        return f"{self.addresses['http'].removesuffix(path)}{METADATA_PATH}{path}"

    async def open_line(self, transport: str) -> RawLineClient:
        """A connection to the TCP or the Unix socket listener."""
        if transport == "tcp":
            host, port = self.addresses["tcp"].rsplit(":", 1)
            return RawLineClient(*await asyncio.open_connection(host, int(port)))
        return RawLineClient(*await asyncio.open_unix_connection(self.addresses["unix"]))


@pytest.fixture(scope="module")
async def secured() -> AsyncIterator[Secured]:
    keys = make_keys()
    jwks = JwksServer()
    jwks.keys = [jwk(keys.rsa_other, RETIRED_KID), jwk(keys.rsa, RSA_KID), jwk(keys.ec, EC_KID)]
    await jwks.start()
    data_dir = fresh_data_dir()
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        store=False,
        data_dir=data_dir,
        auth=True,
        auth_jwks_url=jwks.url,
        auth_issuer=ISSUER,
        auth_audience=AUDIENCE,
        preauth_timeout=PREAUTH,
    )
    server = WorkbenchServer(settings)
    # The verifier the settings describe, with a clock of its own for the key set's age:
    # the rotation below need not wait out the cache.
    clock = Clock(time.monotonic())
    verifier = build_verifier(AuthConfig.from_settings(settings), data_dir, monotonic=clock)
    server.engine.authenticator = verifier
    await server.start()
    # The provider rotates: the retired key worked, is dropped from the set, and once the
    # server has refetched the set, tokens it signed are revoked.
    retired = sign(keys.rsa_other, "RS256", live_claims(), RETIRED_KID)
    assert (await verifier.verify(retired)).subject == "alice"
    jwks.keys = [jwk(keys.rsa, RSA_KID), jwk(keys.ec, EC_KID)]
    clock.advance(301)  # past the set's lifetime: the next token makes the server refetch
    assert (await verifier.verify(rs(keys))).subject == "alice"
    assert jwks.hits == 2
    listeners = await start_listeners(
        server.engine,
        tcp=["127.0.0.1:0"],
        unix=[str(data_dir / "mcp.sock")],
        ws=["127.0.0.1:0"],
        http=["127.0.0.1:0"],
    )
    yield Secured(server, listeners, verifier, keys, jwks)
    await listeners.close()
    await server.engine.shutdown()
    await verifier.aclose()
    await server.aclose()
    server.close()
    await jwks.close()


def _request(rid: int, method: str, **params: Any) -> bytes:
    message = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
    return orjson.dumps(message)


def _echo(rid: int, text: str) -> bytes:
    return _request(rid, "tools/call", name="echo", arguments={"text": text}, _meta=MODERN_META)


def _echoed(reply: dict[str, Any], text: str) -> None:
    assert reply["result"]["content"] == [{"type": "text", "text": text}], reply


# -- what each transport shows a client -------------------------------------------------------
Seen = Any
"""What a client sees of one attempt, in a form that compares equal when identical."""

_HTTP_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2026-07-28",
    "Mcp-Method": "tools/call",
    "Mcp-Name": "echo",
}


def _visible_headers(headers: Any) -> list[tuple[str, str]]:
    """Every response header but the date, which changes by the second."""
    return sorted((k.lower(), v) for k, v in headers.items() if k.lower() != "date")


async def _http(secured: Secured, token: str | None) -> Seen:
    headers = dict(_HTTP_HEADERS)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(secured.addresses["http"], content=_echo(1, "hi"), headers=headers)
    return answer.status_code, _visible_headers(answer.headers), answer.content


async def _ws_header(secured: Secured, token: str | None) -> Seen:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else None
    request = tornado.httpclient.HTTPRequest(secured.addresses["ws"], headers=headers)
    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        await tornado.websocket.websocket_connect(request, subprotocols=["mcp"])
    response = refused.value.response
    assert response is not None
    return refused.value.code, _visible_headers(response.headers), response.body


async def _ws_message(secured: Secured, token: str | None) -> Seen:
    """Authenticate with ``token`` (when given) in the first message, ask for more, and
    wait to be closed at the end of the pre-auth window."""
    ws = await tornado.websocket.websocket_connect(secured.addresses["ws"], subprotocols=["mcp"])
    try:
        seen: list[Any] = []
        if token is not None:
            await ws.write_message(_request(1, "workbench/authenticate", token=token).decode())
            seen.append(orjson.loads(str(await ws.read_message())))
        await ws.write_message(_echo(len(seen) + 1, "more").decode())
        seen.append(orjson.loads(str(await ws.read_message())))
        assert await asyncio.wait_for(ws.read_message(), PREAUTH + 5) is None
        seen.append((ws.close_code, ws.close_reason))
        return seen
    finally:
        ws.close()


def _line(transport: str) -> Callable[[Secured, str | None], Awaitable[Seen]]:
    async def attempt(secured: Secured, token: str | None) -> Seen:
        """As ``_ws_message``, over newline-delimited JSON."""
        client = await secured.open_line(transport)
        try:
            seen: list[Any] = []
            if token is not None:
                seen.append(await client.send("workbench/authenticate", meta=False, token=token))
            seen.append(await client.send("tools/call", name="echo", arguments={"text": "more"}))
            closing = await asyncio.wait_for(client.reader.readline(), PREAUTH + 5)
            seen.append(orjson.loads(closing))
            assert await asyncio.wait_for(client.reader.read(), 5) == b""
            return seen
        finally:
            client.close()

    return attempt


ATTEMPTS: dict[str, Callable[[Secured, str | None], Awaitable[Seen]]] = {
    "http": _http,
    "ws-header": _ws_header,
    "ws-message": _ws_message,
    "tcp": _line("tcp"),
    "unix": _line("unix"),
}

_REFUSED = {"code": -31001, "message": "invalid token"}
_UNAUTHENTICATED = {
    "code": -31001,
    "message": "Authentication required: send workbench/authenticate with a bearer token",
}
_TIMED_OUT = f"Authentication timed out after {PREAUTH:g} s"


def _json_headers(body: bytes, **extra: str) -> list[tuple[str, str]]:
    return sorted(
        [("content-type", "application/json"), ("content-length", str(len(body))), *extra.items()]
    )


def expected_refusal(secured: Secured, transport: str) -> Seen:
    """What every bad token gets, on ``transport``."""
    if transport == "http":
        body = orjson.dumps({"jsonrpc": "2.0", "id": None, "error": _REFUSED})
        challenge = f'Bearer resource_metadata="{secured.metadata_url()}", error="invalid_token"'
        headers = _json_headers(body, server="mcp-workbench", **{"www-authenticate": challenge})
        return 401, headers, body
    if transport == "ws-header":
        body = b"invalid token"
        return (
            401,
            sorted(
                [
                    ("content-length", str(len(body))),
                    ("content-type", "text/html; charset=UTF-8"),
                    ("server", f"TornadoServer/{tornado.version}"),
                    ("www-authenticate", 'Bearer error="invalid_token"'),
                ]
            ),
            body,
        )
    refusal = {"jsonrpc": "2.0", "id": 1, "error": _REFUSED}
    unauthenticated = {"jsonrpc": "2.0", "id": 2, "error": _UNAUTHENTICATED}
    if transport == "ws-message":
        return [refusal, unauthenticated, (1008, _TIMED_OUT)]
    closing = {"jsonrpc": "2.0", "id": None, "error": {"code": -31001, "message": _TIMED_OUT}}
    return [refusal, unauthenticated, closing]


def _leaks(seen: Seen, token: str) -> list[str]:
    text = repr(seen).lower()
    return [word for word in [*TELLING, token] if word.lower() in text]


# -- the tests --------------------------------------------------------------------------------
async def test_each_case_is_refused_for_the_reason_it_is_named_after(secured: Secured) -> None:
    """The server's own verifier knows exactly why (for its log and audit)."""
    for name, make, reason in CASES:
        with pytest.raises(InvalidToken) as refused:
            await secured.verifier.verify(make(secured.keys))
        assert refused.value.reason == reason, name
    assert len(CASES) >= 12


@pytest.mark.parametrize("transport", list(ATTEMPTS))
async def test_every_bad_token_gets_the_same_refusal_and_a_good_one_still_works(
    secured: Secured, transport: str
) -> None:
    attempt = ATTEMPTS[transport]
    tokens = {name: make(secured.keys) for name, make, _ in CASES}
    async with asyncio.timeout(PREAUTH + 15):
        seen = dict(
            zip(
                tokens,
                await asyncio.gather(*(attempt(secured, t) for t in tokens.values())),
                strict=True,
            )
        )
    expected = expected_refusal(secured, transport)
    unlike = {name: got for name, got in seen.items() if got != expected}
    assert not unlike, f"answered unlike {expected!r}: {unlike!r}"
    for name, token in tokens.items():
        assert not _leaks(seen[name], token), name
    assert secured.jwks.hits == 2  # made-up key ids cost the identity provider nothing
    await GOOD[transport](secured)


async def test_no_token_at_all_is_refused_without_detail(secured: Secured) -> None:
    """No credentials: HTTP challenges without an error code (RFC 6750 §3.1); the socket
    transports refuse every request until the window closes the connection."""
    status, headers, body = await _http(secured, None)
    assert status == 401
    assert ("www-authenticate", f'Bearer resource_metadata="{secured.metadata_url()}"') in headers
    assert orjson.loads(body)["error"] == {"code": -31001, "message": "authentication required"}
    unauthenticated = {"jsonrpc": "2.0", "id": 1, "error": _UNAUTHENTICATED}
    closing = {"jsonrpc": "2.0", "id": None, "error": {"code": -31001, "message": _TIMED_OUT}}
    ws, tcp, unix = await asyncio.gather(
        _ws_message(secured, None), _line("tcp")(secured, None), _line("unix")(secured, None)
    )
    assert ws == [unauthenticated, (1008, _TIMED_OUT)]
    assert tcp == unix == [unauthenticated, closing]


# -- a good token, after the matrix ------------------------------------------------------------
async def _good_http(secured: Secured) -> None:
    headers = {**_HTTP_HEADERS, "Authorization": f"Bearer {secured.good_token('bob')}"}
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(secured.addresses["http"], content=_echo(1, "ok"), headers=headers)
    assert answer.status_code == 200, answer.text
    _echoed(answer.json(), "ok")


async def _good_ws(secured: Secured, *, in_header: bool) -> None:
    token = secured.good_token("bob")
    headers = {"Authorization": f"Bearer {token}"} if in_header else None
    request = tornado.httpclient.HTTPRequest(secured.addresses["ws"], headers=headers)
    ws = await tornado.websocket.websocket_connect(request, subprotocols=["mcp"])
    try:
        if not in_header:
            await ws.write_message(_request(1, "workbench/authenticate", token=token).decode())
            welcome = orjson.loads(str(await ws.read_message()))
            assert welcome["result"]["principal"] == f"{ISSUER}|bob"
        await ws.write_message(_echo(2, "ok").decode())
        _echoed(orjson.loads(str(await ws.read_message())), "ok")
    finally:
        ws.close()


def _good_line(transport: str) -> Callable[[Secured], Awaitable[None]]:
    async def good(secured: Secured) -> None:
        client = await secured.open_line(transport)
        try:
            token = secured.good_token("bob")
            welcome = await client.send("workbench/authenticate", meta=False, token=token)
            assert welcome["result"]["principal"] == f"{ISSUER}|bob"
            _echoed(await client.send("tools/call", name="echo", arguments={"text": "ok"}), "ok")
        finally:
            client.close()

    return good


async def _good_ws_header(secured: Secured) -> None:
    await _good_ws(secured, in_header=True)


async def _good_ws_message(secured: Secured) -> None:
    await _good_ws(secured, in_header=False)


GOOD: dict[str, Callable[[Secured], Awaitable[None]]] = {
    "http": _good_http,
    "ws-header": _good_ws_header,
    "ws-message": _good_ws_message,
    "tcp": _good_line("tcp"),
    "unix": _good_line("unix"),
}
