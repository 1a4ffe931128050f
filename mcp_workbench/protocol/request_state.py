"""``requestState`` for multi round-trip requests: client answers carried across retries.

The server keeps nothing between the rounds. The state travels with the client, so it is
integrity-protected (HMAC-SHA256) and bound to the method, the target, the arguments, the
principal and an expiry: a tampered, replayed-elsewhere or stale state is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import orjson

from mcp_workbench.errors import InvalidParams

__all__ = ["RequestStateCodec"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid(why: str) -> InvalidParams:
    return InvalidParams(f"Invalid requestState: {why}", data={"reason": "invalid_request_state"})


class RequestStateCodec:
    """Seal and open ``requestState`` strings with one server secret."""

    def __init__(self, secret: bytes, ttl: float = 600.0) -> None:
        self._secret = secret
        self.ttl = ttl

    @staticmethod
    def binding(method: str, params: dict[str, Any], principal: str | None) -> str:
        """A digest of what a state may be presented with: same call, same caller."""
        target = params.get("name", params.get("uri"))
        args = params.get("arguments")
        raw = orjson.dumps([method, target, args, principal], option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(raw).hexdigest()[:32]

    def seal(self, responses: dict[str, Any], binding: str) -> str:
        """A state carrying the answers received so far."""
        payload = orjson.dumps({"r": responses, "b": binding, "e": int(time.time() + self.ttl)})
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()
        return f"{_b64(payload)}.{_b64(mac)}"

    def open(self, state: Any, binding: str) -> dict[str, Any]:
        """The answers inside a state.

        Raises:
            InvalidParams: the state is malformed, forged, expired or from another call.
        """
        if not isinstance(state, str) or "." not in state:
            raise _invalid("malformed")
        body, _, tag = state.partition(".")
        try:
            payload, mac = _unb64(body), _unb64(tag)
        except ValueError:
            raise _invalid("malformed") from None
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise _invalid("integrity check failed")
        data = orjson.loads(payload)
        if data.get("b") != binding:
            raise _invalid("it belongs to another request")
        if data.get("e", 0) < time.time():
            raise _invalid("expired")
        responses: dict[str, Any] = data.get("r", {})
        return responses
