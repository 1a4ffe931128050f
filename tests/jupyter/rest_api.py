"""A small client of the workbench's REST API over pytest-jupyter's ``jp_fetch``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tornado.httputil import HTTPHeaders

PREFIX = ("mcp-workbench", "api", "v1")
_NEEDS_BODY = {"POST", "PUT", "PATCH"}


@dataclass
class Reply:
    """An answer: status, headers and the JSON body (None when there is none)."""

    status: int
    headers: HTTPHeaders
    body: Any

    @property
    def etag(self) -> str | None:
        value: str | None = self.headers.get("ETag")
        return value


class Api:
    """Sends requests to ``{base_url}mcp-workbench/api/v1/...`` with the server's token
    (unless the test's headers override it) and never raises on an error status."""

    def __init__(self, fetch: Any) -> None:
        self.fetch = fetch

    async def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Reply:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        if data is None and method in _NEEDS_BODY:
            data = b""
        reply = await self.fetch(
            *PREFIX,
            path,
            method=method,
            body=data,
            headers={"Content-Type": "application/json", **(headers or {})},
            params=params,
            raise_error=False,
        )
        text = reply.body or b""
        return Reply(reply.code, reply.headers, json.loads(text) if text else None)

    async def get(self, path: str, **params: Any) -> Reply:
        return await self("GET", path, params=params)
