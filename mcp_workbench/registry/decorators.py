"""Module-level decorators: mark functions in a tools module so a registry can load them.

``from mcp_workbench import tool, prompt, resource`` marks a function without touching any
registry; :func:`mcp_workbench.registry.loader.load_module` later finds the marks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast, overload

from mcp_workbench.registry.items import Prompt, Tool
from mcp_workbench.registry.resources import Resource, ResourceTemplate, make_resource

__all__ = ["MARK", "Decorator", "Marked", "prompt", "resource", "tool"]

F = TypeVar("F", bound=Callable[..., Any])
MARK = "__mcp_workbench_item__"
Marked = Tool | Prompt | Resource | ResourceTemplate


class Decorator(Protocol):
    """A decorator that returns the function it is given, unchanged."""

    def __call__(self, fn: F, /) -> F: ...


def _mark(fn: F, item: Marked) -> F:
    items: list[Marked] = getattr(fn, MARK, [])
    setattr(fn, MARK, [*items, item])
    return fn


@overload
def tool(fn: F, /) -> F: ...
@overload
def tool(*, name: str | None = None, **options: Any) -> Decorator: ...
def tool(fn: F | None = None, /, *, name: str | None = None, **options: Any) -> F | Decorator:
    """Mark a function as a tool; usable bare (``@tool``) or with options (``@tool(name=)``).

    Options: ``description``, ``title``, ``annotations`` (``readOnlyHint``, ``idempotentHint``,
    ...), ``icons``, ``meta``, ``timeout`` (seconds), ``structured_output``.
    """

    def mark(f: F) -> F:
        return _mark(f, Tool.from_function(f, name=name, **options))

    return mark(fn) if fn is not None else cast(Decorator, mark)


@overload
def prompt(fn: F, /) -> F: ...
@overload
def prompt(*, name: str | None = None, **options: Any) -> Decorator: ...
def prompt(fn: F | None = None, /, *, name: str | None = None, **options: Any) -> F | Decorator:
    """Mark a function as a prompt; its parameters are the prompt's arguments.

    Options: ``description``, ``title``, ``icons``, ``completions`` (argument -> values or
    a completer function).
    """

    def mark(f: F) -> F:
        return _mark(f, Prompt.from_function(f, name=name, **options))

    return mark(fn) if fn is not None else cast(Decorator, mark)


def resource(uri: str, **options: Any) -> Decorator:
    """Mark a function as the reader of ``uri``; ``{variables}`` make it a template.

    Options: ``name``, ``description``, ``title``, ``mime_type``, ``size``, ``annotations``,
    ``icons``, ``completions``.
    """

    def mark(f: F) -> F:
        return _mark(f, make_resource(f, uri, **options))

    return cast(Decorator, mark)
