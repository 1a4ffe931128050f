"""Keys from an identity provider's JWKS URL, cached, refreshed on rotation, rate-limited.

The key set is fetched on first use and kept for its ``Cache-Control: max-age`` (bounded),
or a default TTL. A token naming an unknown ``kid`` triggers a refetch, but at most one per
``refresh_interval`` however many such tokens arrive, so a flood of made-up ``kid`` values
cannot hammer the provider. A key the provider drops stops verifying at the next refetch;
one it adds is found without a restart. When a refetch fails, the previous keys stay in use
and the fetch is retried after ``refresh_interval``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from mcp_workbench.auth.config import AuthConfig
from mcp_workbench.auth.keys import VerificationKey
from mcp_workbench.auth.reasons import Reason
from mcp_workbench.errors import InvalidToken, WorkbenchError

__all__ = ["JwksKeys"]

log = logging.getLogger(__name__)

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?=,|$)", re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*(no-cache|no-store)\s*(?=,|$)", re.I)
_RETIRED_KEPT = 256
"""How many dropped ``kid`` values are remembered, to report ``key_revoked``."""


class _FetchFailed(Exception):
    """The key set could not be fetched or parsed (the message says why)."""


def _check_url(url: str) -> None:
    """Refuse key-set URLs an attacker on the path could answer.

    Raises:
        WorkbenchError: not https, and not http to a loopback address either.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        if parts.hostname == "localhost":
            return
        try:
            if ipaddress.ip_address(parts.hostname).is_loopback:
                return
        except ValueError:
            pass
    raise WorkbenchError(f"JWKS URL must be https (or http on a loopback address): {url}")


class JwksKeys:
    """The signing keys an identity provider publishes at ``url``.

    ``now`` is the clock for cache expiry and rate limits (monotonic by default; tests pass
    their own). Without ``client`` one is made, and closed by :meth:`aclose`.

    Raises:
        WorkbenchError: the URL is neither https nor loopback http.
    """

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        ttl: float = 300.0,
        min_ttl: float = 60.0,
        max_ttl: float = 86_400.0,
        refresh_interval: float = 30.0,
        timeout: float = 5.0,
        max_bytes: int = 1024 * 1024,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_url(url)
        self.url = url
        self._own_client = client is None
        self._client = client if client is not None else httpx.AsyncClient()
        self._ttl = ttl
        self._min_ttl = min_ttl
        self._max_ttl = max_ttl
        self._refresh_interval = refresh_interval
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._now = now
        self._inflight: asyncio.Task[str | None] | None = None
        self._named: dict[str, VerificationKey] = {}
        self._unnamed: list[VerificationKey] = []
        self._loaded = False
        self._expires_at = 0.0
        self._last_attempt: float | None = None
        self._retired: dict[str, None] = {}
        self.fetches = 0
        """Fetch attempts so far (successful or not)."""

    @classmethod
    def from_config(
        cls,
        config: AuthConfig,
        *,
        client: httpx.AsyncClient | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> JwksKeys:
        """The key set at ``config.jwks_url``, cached and rate-limited as configured.

        Raises:
            WorkbenchError: no URL is configured, or it is not https / loopback http.
        """
        if config.jwks_url is None:
            raise WorkbenchError("no JWKS URL configured")
        return cls(
            config.jwks_url,
            client=client,
            ttl=config.jwks_ttl,
            min_ttl=config.jwks_min_ttl,
            max_ttl=config.jwks_max_ttl,
            refresh_interval=config.jwks_refresh_interval,
            timeout=config.jwks_timeout,
            now=now,
        )

    @property
    def kids(self) -> frozenset[str]:
        """The ``kid`` values of the keys held now."""
        return frozenset(self._named)

    async def keys_for(self, kid: str | None, algorithm: str) -> Sequence[VerificationKey]:
        """The key named ``kid`` (refetching once if it is unknown and a refetch is due),
        or with no ``kid``, every key; those for ``algorithm``.

        Raises:
            InvalidToken: ``keys_unavailable`` (never fetched), ``key_revoked`` (the
                provider dropped that key), ``unknown_kid``.
        """
        if not self._loaded or self._now() >= self._expires_at:
            await self._refresh()
        if not self._loaded:
            raise InvalidToken(Reason.KEYS_UNAVAILABLE)
        if kid is None:
            every = [*self._named.values(), *self._unnamed]
            return [k for k in every if k.algorithm == algorithm]
        key = self._named.get(kid)
        if key is None:
            await self._refresh()
            key = self._named.get(kid)
        if key is None:
            raise InvalidToken(Reason.KEY_REVOKED if kid in self._retired else Reason.UNKNOWN_KID)
        return [key] if key.algorithm == algorithm else []

    async def refresh(self) -> None:
        """Refetch the key set now, regardless of its age or the rate limit (or join the
        fetch under way).

        Raises:
            WorkbenchError: the fetch failed (the previous keys stay in use).
        """
        problem = await asyncio.shield(self._inflight or self._start())
        if problem is not None:
            raise WorkbenchError(f"cannot fetch JWKS from {self.url}: {problem}")

    async def aclose(self) -> None:
        """Stop a fetch under way and close the HTTP client, if this object made it."""
        if self._inflight is not None:
            self._inflight.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._inflight
        if self._own_client:
            await self._client.aclose()

    def _may_attempt(self) -> bool:
        last = self._last_attempt
        return last is None or self._now() - last >= self._refresh_interval

    async def _refresh(self) -> None:
        """Join the fetch under way, or start one unless the rate limit says wait.

        The fetch runs as a task of its own, shielded: a caller that is cancelled (its
        client went away) does not cancel the fetch others are waiting for.
        """
        if self._inflight is None:
            if not self._may_attempt():
                return
            self._start()
        assert self._inflight is not None
        await asyncio.shield(self._inflight)

    def _start(self) -> asyncio.Task[str | None]:
        self._last_attempt = self._now()
        self.fetches += 1
        self._inflight = asyncio.create_task(self._fetch_logged(), name=f"jwks-fetch {self.url}")
        return self._inflight

    async def _fetch_logged(self) -> str | None:
        """Fetch and install the key set; on failure log and return why."""
        try:
            await self._fetch()
        except _FetchFailed as exc:
            if self._loaded:
                log.warning("cannot refresh JWKS from %s (keeping the old keys): %s", self.url, exc)
            else:
                log.warning("cannot fetch JWKS from %s: %s", self.url, exc)
            return str(exc)
        except Exception:
            # A bug or an error httpx does not wrap: keep serving the old keys rather than
            # failing every request, and make it loud.
            log.exception("unexpected failure fetching JWKS from %s", self.url)
            return "unexpected failure (see the log)"
        finally:
            self._inflight = None
        return None

    async def _fetch(self) -> None:
        """Fetch, parse and install the key set.

        Raises:
            _FetchFailed: the request or the document failed.
        """
        started = self._now()
        try:
            async with self._client.stream(
                "GET", self.url, headers={"Accept": "application/json"}, timeout=self._timeout
            ) as response:
                if response.status_code != 200:
                    raise _FetchFailed(f"HTTP {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise _FetchFailed(f"larger than {self._max_bytes} bytes")
                cache_control = response.headers.get("cache-control", "")
        except httpx.HTTPError as exc:
            raise _FetchFailed(f"{type(exc).__name__}: {exc}") from exc
        named, unnamed = self._parse(bytes(body))
        dropped = set(self._named) - set(named)
        added = set(named) - set(self._named)
        for kid in dropped:
            self._retired[kid] = None
        for kid in named:
            self._retired.pop(kid, None)
        while len(self._retired) > _RETIRED_KEPT:
            del self._retired[next(iter(self._retired))]
        if self._loaded and (dropped or added):
            log.info(
                "JWKS %s rotated: added %s, dropped %s",
                self.url,
                sorted(added) or "-",
                sorted(dropped) or "-",
            )
        self._named, self._unnamed = named, unnamed
        self._loaded = True
        self._expires_at = started + self._lifetime(cache_control)

    def _parse(self, body: bytes) -> tuple[dict[str, VerificationKey], list[VerificationKey]]:
        try:
            document: Any = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise _FetchFailed("not JSON") from exc
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise _FetchFailed("not a JWK set (no 'keys' list)")
        named: dict[str, VerificationKey] = {}
        unnamed: list[VerificationKey] = []
        for jwk in document["keys"]:
            if not isinstance(jwk, dict):
                continue
            try:
                key = VerificationKey.from_jwk(jwk)
            except WorkbenchError as exc:
                log.info("JWKS %s: skipping a key: %s", self.url, exc)
                continue
            if key.kid is None:
                unnamed.append(key)
            else:
                named[key.kid] = key
        return named, unnamed

    def _lifetime(self, cache_control: str) -> float:
        """Seconds to keep the key set: ``max-age`` within bounds, else the default TTL."""
        if _NO_CACHE.search(cache_control):
            return self._min_ttl
        match = _MAX_AGE.search(cache_control)
        if match is None:
            return self._ttl
        return float(min(max(int(match.group(1)), self._min_ttl), self._max_ttl))
