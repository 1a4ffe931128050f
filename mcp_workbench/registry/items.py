"""What the registry holds: tools and prompts (resources are in ``resources``).

Each item knows its MCP descriptor and how to bind arguments and shape results; running it
(threads, timeouts, cancellation) is the engine's job.
"""

from __future__ import annotations

import base64
import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from mcp_workbench.errors import InvalidParams, ToolError
from mcp_workbench.registry.content import ToolResult
from mcp_workbench.registry.json_schema import ArgumentsSchema
from mcp_workbench.registry.signature import Signature, inspect_function, string_arguments

__all__ = [
    "Completer",
    "Prompt",
    "Target",
    "TaskSupport",
    "Tool",
    "completers_for",
    "describe",
    "first_paragraph",
    "format_validation_error",
]

TaskSupport = Literal["never", "optional", "required"]

Completer = Callable[[str, Mapping[str, str]], "list[str] | Awaitable[list[str]]"]
"""``(value typed so far, other arguments already chosen) -> candidate values``."""

# Descriptor fields that only revisions with structured output (2025-06-18 on) know.
_MODERN_FIELDS = ("title", "outputSchema", "icons")


def format_validation_error(exc: ValidationError) -> str:
    """A short, model-readable account of what was wrong with the arguments."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "arguments"
        parts.append(f"{loc}: {err['msg']}")
    return "Invalid arguments: " + "; ".join(parts)


def first_paragraph(fn: Callable[..., Any]) -> str | None:
    doc = inspect.getdoc(fn)
    return doc.split("\n\n", 1)[0].strip() if doc else None


def describe(structured: bool, fields: dict[str, Any]) -> dict[str, Any]:
    """A descriptor from ``fields``, leaving out unset ones (None, empty text or collection)
    and, for clients before 2025-06-18 (``structured`` false), the fields they do not know."""
    return {
        k: v
        for k, v in fields.items()
        if v is not None and v not in ("", [], {}) and (structured or k not in _MODERN_FIELDS)
    }


@dataclass(slots=True)
class Target:
    """A registered function with its signature, ready to be bound and run."""

    fn: Callable[..., Any]
    signature: Signature
    is_async: bool

    @classmethod
    def of(cls, fn: Callable[..., Any], *, structured_output: bool | None) -> Target:
        """Inspect ``fn`` once."""
        signature = inspect_function(fn, structured_output=structured_output)
        return cls(fn, signature, inspect.iscoroutinefunction(fn))

    def bind(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validate ``arguments`` against the signature and return keyword arguments.

        Raises:
            pydantic.ValidationError: the arguments do not fit.
        """
        given = arguments or {}
        # The model's validator itself (``model_validate`` is a Python wrapper around it).
        model = self.signature.arguments.__pydantic_validator__.validate_python(given)
        kwargs = dict(model.__dict__)  # the fields' values (the model ignores extras)
        if self.signature.accepts_extra:
            kwargs.update({k: v for k, v in given.items() if k not in kwargs})
        return kwargs


@dataclass(slots=True)
class Tool:
    """A callable tool."""

    name: str
    target: Target
    description: str | None = None
    title: str | None = None
    annotations: dict[str, Any] | None = None
    icons: list[dict[str, Any]] | None = None
    meta: dict[str, Any] | None = None
    timeout: float | None = None
    input_schema: dict[str, Any] = field(default_factory=dict)
    task: TaskSupport = "never"
    """Whether calls may run as tasks (clients with the tasks extension): "never",
    "optional" or "required"."""
    task_after: float = 0.0
    """Seconds a task-capable call stays synchronous before it becomes a task: a call that
    finishes, or needs input, within that time answers directly."""
    schema: ArgumentsSchema | None = None
    """Set when the tool was given an explicit input schema: arguments are checked by it."""
    _descriptors: dict[bool, dict[str, Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        title: str | None = None,
        annotations: dict[str, Any] | None = None,
        icons: list[dict[str, Any]] | None = None,
        meta: dict[str, Any] | None = None,
        timeout: float | None = None,
        structured_output: bool | None = None,
        input_schema: dict[str, Any] | None = None,
        task: TaskSupport = "never",
        task_after: float = 0.0,
    ) -> Tool:
        """A tool from a plain function; the schema comes from its type hints."""
        target = Target.of(fn, structured_output=structured_output)
        signature = target.signature
        return cls(
            name=name or fn.__name__,
            target=target,
            description=description if description is not None else first_paragraph(fn),
            title=title,
            annotations=annotations,
            icons=icons,
            meta=meta,
            timeout=timeout,
            input_schema=input_schema or signature.input_schema,
            task=task,
            task_after=task_after,
            schema=ArgumentsSchema(input_schema) if input_schema else None,
        )

    def renamed(self, name: str) -> Tool:
        """The same tool under another (e.g. namespaced) name."""
        return dataclasses.replace(self, name=name, _descriptors={})

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        """The ``Tool`` object of ``tools/list``; legacy-era clients get the older fields."""
        cached = self._descriptors.get(structured)
        if cached is None:
            output = self.target.signature.output
            cached = describe(
                structured,
                {
                    "name": self.name,
                    "title": self.title,
                    "description": self.description,
                    "inputSchema": self.input_schema,
                    "outputSchema": output.schema if output is not None else None,
                    "annotations": self.annotations,
                    "icons": self.icons,
                    "_meta": self.meta,
                },
            )
            self._descriptors[structured] = cached
        return cached

    def bind(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validated keyword arguments for the call.

        Raises:
            ToolError: the arguments do not fit the input schema (reported as ``isError``
                so the model can correct itself, as MCP asks).
        """
        if self.schema is not None:
            problems = self.schema.problems(arguments or {})
            if problems:
                raise ToolError("Invalid arguments: " + "; ".join(problems))
        try:
            return self.target.bind(arguments)
        except ValidationError as exc:
            raise ToolError(format_validation_error(exc)) from None

    def result(self, value: Any) -> dict[str, Any]:
        """Shape a return value into a ``CallToolResult`` body."""
        if isinstance(value, ToolResult):
            return value.to_json()
        output = self.target.signature.output
        if output is not None:
            try:
                structured = output.dump(value)
            except ValidationError as exc:
                detail = format_validation_error(exc).removeprefix("Invalid arguments: ")
                raise ToolError(f"Tool {self.name} returned a bad result: {detail}") from None
            return {
                "content": [{"type": "text", "text": orjson.dumps(structured).decode()}],
                "structuredContent": structured,
            }
        return {"content": _content(value)}


def _content(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "text", "text": value}]
    if isinstance(value, dict) and "type" in value:
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, dict) and "type" in v for v in value):
        return list(value)
    if isinstance(value, bytes):
        return [{"type": "text", "text": base64.b64encode(value).decode("ascii")}]
    return [{"type": "text", "text": orjson.dumps(value, default=str).decode()}]


@dataclass(slots=True)
class Prompt:
    """A prompt template with named string arguments."""

    name: str
    target: Target
    description: str | None = None
    title: str | None = None
    icons: list[dict[str, Any]] | None = None
    completers: dict[str, Completer] = field(default_factory=dict)

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        title: str | None = None,
        icons: list[dict[str, Any]] | None = None,
        completions: Mapping[str, Completer | list[str]] | None = None,
    ) -> Prompt:
        """A prompt from a function whose parameters are its arguments."""
        target = Target.of(fn, structured_output=False)
        return cls(
            name=name or fn.__name__,
            target=target,
            description=description if description is not None else first_paragraph(fn),
            title=title,
            icons=icons,
            completers=completers_for(target.signature.choices, completions),
        )

    @classmethod
    def from_arguments(
        cls,
        name: str,
        render: Callable[..., Awaitable[Any]],
        arguments: list[tuple[str, str | None, bool]],
        *,
        description: str | None = None,
        title: str | None = None,
        accepts_extra: bool = False,
    ) -> Prompt:
        """A prompt whose arguments are data (``(name, description, required)``), rendered by
        the coroutine function ``render(**arguments)``: prompts kept in a store."""
        signature = string_arguments(name, arguments, accepts_extra=accepts_extra)
        return cls(
            name=name,
            target=Target(render, signature, is_async=True),
            description=description,
            title=title,
        )

    def renamed(self, name: str) -> Prompt:
        """The same prompt under another name."""
        return dataclasses.replace(self, name=name)

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        """The ``Prompt`` object of ``prompts/list``."""
        arguments = []
        for pname, pdesc, required in self.target.signature.parameters:
            arg: dict[str, Any] = {"name": pname, "required": required}
            if pdesc:
                arg["description"] = pdesc
            arguments.append(arg)
        described = describe(
            structured,
            {
                "name": self.name,
                "title": self.title,
                "description": self.description,
                "icons": self.icons,
            },
        )
        return {**described, "arguments": arguments}

    def bind(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validated keyword arguments.

        Raises:
            InvalidParams: a required argument is missing or a value does not fit.
        """
        try:
            return self.target.bind(arguments)
        except ValidationError as exc:
            raise InvalidParams(format_validation_error(exc)) from None

    def result(self, value: Any) -> dict[str, Any]:
        """Shape a return value into a ``GetPromptResult`` body."""
        if isinstance(value, dict) and "messages" in value:
            result = dict(value)
        else:
            items = value if isinstance(value, list | tuple) else [value]
            result = {"messages": [_message(item) for item in items]}
        if self.description and "description" not in result:
            result["description"] = self.description
        return result


def _message(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        return {"role": "user", "content": {"type": "text", "text": item}}
    if isinstance(item, dict) and "role" in item:
        content = item.get("content")
        if isinstance(content, str):
            return {"role": item["role"], "content": {"type": "text", "text": content}}
        return item
    if isinstance(item, dict) and "type" in item:
        return {"role": "user", "content": item}
    raise TypeError(f"cannot turn {type(item).__name__} into a prompt message")


def completers_for(
    choices: dict[str, list[str]], explicit: Mapping[str, Completer | list[str]] | None
) -> dict[str, Completer]:
    out: dict[str, Completer] = {}
    for name, values in {**choices, **(explicit or {})}.items():
        out[name] = values if callable(values) else _prefix_completer(list(values))
    return out


def _prefix_completer(values: list[str]) -> Completer:
    def complete(value: str, _context: Mapping[str, str]) -> list[str]:
        return [v for v in values if v.startswith(value)]

    return complete
