"""Who is asking, by which request: what an audit entry says about its cause.

The engine makes each request it serves the current :class:`Origin` (a tool's call, with
its session and arguments); other entry points (the CLI) name their own. Code that records
something, such as the store when it commits a change, reads it from here.
"""

from __future__ import annotations

import contextvars
import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

__all__ = ["LocalOrigin", "Origin", "arguments_hash", "current_origin"]


class Origin(Protocol):
    """The request behind an action: its caller, transport, session and arguments."""

    @property
    def principal(self) -> str | None: ...
    @property
    def transport(self) -> str: ...
    @property
    def session_id(self) -> str | None: ...
    @property
    def request_id(self) -> str | int | None: ...
    @property
    def arguments(self) -> Any:
        """What the request asked with (hashed, never stored)."""


@dataclass(frozen=True, slots=True)
class LocalOrigin:
    """An action taken by a local program (the CLI) on behalf of an OS user."""

    principal: str | None
    transport: str = "cli"
    session_id: str | None = None
    request_id: str | int | None = None
    arguments: Any = field(default=None)


current_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar(
    "mcp_workbench_origin", default=None
)
"""The request being served in this context, if any."""


def arguments_hash(arguments: Any) -> str | None:
    """A SHA-256 of the arguments in canonical JSON: shows two calls asked the same thing
    without keeping what they asked. None when there were none."""
    if arguments is None:
        return None
    try:
        canonical = orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        canonical = repr(arguments).encode()
    return hashlib.sha256(canonical).hexdigest()
