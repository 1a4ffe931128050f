"""What a REST route is and what each of its operations takes and answers: one declaration
that the handlers enforce and the OpenAPI document describes, so the two cannot drift."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["METHODS", "Operation", "Param", "Route", "mark", "operation_of"]

METHODS = ("get", "post", "put", "patch", "delete")
"""The HTTP methods a handler may implement, in the order the document lists them."""

_ATTRIBUTE = "rest_operation"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class Param:
    """A path parameter: the text it matches (a regular expression) and what it is."""

    pattern: str
    description: str


@dataclass(frozen=True, slots=True)
class Route:
    """A path under the API prefix (``/prompts/{name}``) and the handler serving it."""

    template: str
    handler: type[Any]
    params: Mapping[str, Param] = field(default_factory=dict)

    @property
    def pattern(self) -> str:
        """The tornado route: each ``{name}`` becomes a named group matching its param."""

        def group(match: re.Match[str]) -> str:
            name = match.group(1)
            return f"(?P<{name}>{self.params[name].pattern})"

        return _PLACEHOLDER.sub(group, self.template)


@dataclass(frozen=True, slots=True)
class Operation:
    """One method of a route: its body, query, answer and the errors it may give.

    ``response`` and ``body`` are types pydantic can validate and describe (models,
    ``list[Model]``, dataclasses); ``response`` None means 204 No Content. ``etag`` names
    the field of the answer that is its version (sent as ``ETag``); ``if_match`` says the
    operation takes ``If-Match`` (and ``If-None-Match: *``) as the version it expects.
    """

    summary: str
    description: str
    response: Any = None
    status: int = 200
    body: Any = None
    body_schema: Mapping[str, Any] | None = None
    """Describes the body instead of ``body``'s schema (a tool's arguments)."""
    query: Any = None
    etag: str | None = None
    if_match: bool = False
    admin: bool = False
    errors: tuple[int, ...] = ()
    exclude_none: bool = False
    """Leave out fields that are None (MCP objects, where absent and null differ)."""


def operation_of(method: Any) -> Operation | None:
    """The operation a handler method was declared with, if any."""
    found = getattr(method, _ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None


def mark(method: Any, spec: Operation) -> None:
    """Attach ``spec`` to a handler method (see :func:`operation_of`)."""
    setattr(method, _ATTRIBUTE, spec)
