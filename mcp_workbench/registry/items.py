"""What the registry holds: tools, prompts, resources and resource templates.

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
from mcp_workbench.registry.signature import Signature, inspect_function
from mcp_workbench.registry.uri_template import UriTemplate

__all__ = [
    "Completer",
    "Prompt",
    "Resource",
    "ResourceTemplate",
    "Target",
    "TaskSupport",
    "Tool",
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


def _first_paragraph(fn: Callable[..., Any]) -> str | None:
    doc = inspect.getdoc(fn)
    return doc.split("\n\n", 1)[0].strip() if doc else None


def _strip_for_legacy(descriptor: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in descriptor.items() if k not in _MODERN_FIELDS}


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
        model = self.signature.arguments.model_validate(arguments or {})
        return {name: getattr(model, name) for name in type(model).model_fields}


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
            description=description if description is not None else _first_paragraph(fn),
            title=title,
            annotations=annotations,
            icons=icons,
            meta=meta,
            timeout=timeout,
            input_schema=input_schema or signature.input_schema,
            task=task,
            task_after=task_after,
        )

    def renamed(self, name: str) -> Tool:
        """The same tool under another (e.g. namespaced) name."""
        return dataclasses.replace(self, name=name, _descriptors={})

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        """The ``Tool`` object of ``tools/list``; legacy-era clients get the older fields."""
        cached = self._descriptors.get(structured)
        if cached is None:
            d: dict[str, Any] = {"name": self.name}
            if self.title:
                d["title"] = self.title
            if self.description:
                d["description"] = self.description
            d["inputSchema"] = self.input_schema
            if self.target.signature.output is not None:
                d["outputSchema"] = self.target.signature.output.schema
            if self.annotations:
                d["annotations"] = self.annotations
            if self.icons:
                d["icons"] = self.icons
            if self.meta:
                d["_meta"] = self.meta
            cached = d if structured else _strip_for_legacy(d)
            self._descriptors[structured] = cached
        return cached

    def bind(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validated keyword arguments for the call.

        Raises:
            ToolError: the arguments do not fit the input schema (reported as ``isError``
                so the model can correct itself, as MCP asks).
        """
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
            structured = output.dump(value)
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
            description=description if description is not None else _first_paragraph(fn),
            title=title,
            icons=icons,
            completers=_completers(target.signature.choices, completions),
        )

    def renamed(self, name: str) -> Prompt:
        """The same prompt under another name."""
        return dataclasses.replace(self, name=name)

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        """The ``Prompt`` object of ``prompts/list``."""
        d: dict[str, Any] = {"name": self.name}
        if self.title:
            d["title"] = self.title
        if self.description:
            d["description"] = self.description
        args = []
        for pname, pdesc, required in self.target.signature.parameters:
            arg: dict[str, Any] = {"name": pname, "required": required}
            if pdesc:
                arg["description"] = pdesc
            args.append(arg)
        d["arguments"] = args
        if self.icons:
            d["icons"] = self.icons
        return d if structured else _strip_for_legacy(d)

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


def _completers(
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


@dataclass(slots=True)
class Resource:
    """A resource with a fixed URI."""

    uri: str
    name: str
    target: Target
    description: str | None = None
    title: str | None = None
    mime_type: str | None = None
    size: int | None = None
    annotations: dict[str, Any] | None = None
    icons: list[dict[str, Any]] | None = None

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        """The ``Resource`` object of ``resources/list``."""
        d: dict[str, Any] = {"uri": self.uri, "name": self.name}
        if self.title:
            d["title"] = self.title
        if self.description:
            d["description"] = self.description
        if self.mime_type:
            d["mimeType"] = self.mime_type
        if self.size is not None:
            d["size"] = self.size
        if self.annotations:
            d["annotations"] = self.annotations
        if self.icons:
            d["icons"] = self.icons
        return d if structured else _strip_for_legacy(d)

    def contents(self, uri: str, value: Any) -> list[dict[str, Any]]:
        """Shape a return value into ``ReadResourceResult.contents``."""
        return resource_contents(uri, value, self.mime_type)


@dataclass(slots=True)
class ResourceTemplate:
    """A family of resources addressed by an RFC 6570 URI template."""

    template: UriTemplate
    name: str
    target: Target
    description: str | None = None
    title: str | None = None
    mime_type: str | None = None
    annotations: dict[str, Any] | None = None
    icons: list[dict[str, Any]] | None = None
    completers: dict[str, Completer] = field(default_factory=dict)

    @property
    def uri_template(self) -> str:
        """The template text."""
        return self.template.template

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        """The ``ResourceTemplate`` object of ``resources/templates/list``."""
        d: dict[str, Any] = {"uriTemplate": self.uri_template, "name": self.name}
        if self.title:
            d["title"] = self.title
        if self.description:
            d["description"] = self.description
        if self.mime_type:
            d["mimeType"] = self.mime_type
        if self.annotations:
            d["annotations"] = self.annotations
        if self.icons:
            d["icons"] = self.icons
        return d if structured else _strip_for_legacy(d)

    def contents(self, uri: str, value: Any) -> list[dict[str, Any]]:
        """Shape a return value into ``ReadResourceResult.contents``."""
        return resource_contents(uri, value, self.mime_type)


def resource_contents(uri: str, value: Any, mime_type: str | None) -> list[dict[str, Any]]:
    """Text for ``str``, base64 blob for ``bytes``, dicts passed through."""
    if isinstance(value, list):
        return [c for v in value for c in resource_contents(uri, v, mime_type)]
    if isinstance(value, dict):
        return [{"uri": uri, **value}]
    entry: dict[str, Any] = {"uri": uri}
    if isinstance(value, bytes):
        entry["mimeType"] = mime_type or "application/octet-stream"
        entry["blob"] = base64.b64encode(value).decode("ascii")
    else:
        entry["mimeType"] = mime_type or "text/plain"
        entry["text"] = value if isinstance(value, str) else orjson.dumps(value).decode()
    return [entry]


def make_resource(
    fn: Callable[..., Any],
    uri: str,
    *,
    name: str | None = None,
    description: str | None = None,
    title: str | None = None,
    mime_type: str | None = None,
    size: int | None = None,
    annotations: dict[str, Any] | None = None,
    icons: list[dict[str, Any]] | None = None,
    completions: Mapping[str, Completer | list[str]] | None = None,
) -> Resource | ResourceTemplate:
    """A resource, or a resource template when ``uri`` has ``{variables}``."""
    target = Target.of(fn, structured_output=False)
    signature = target.signature
    desc = description if description is not None else _first_paragraph(fn)
    rname = name or fn.__name__
    if UriTemplate.is_template(uri):
        template = UriTemplate(uri)
        params = {p for p, _, _ in signature.parameters}
        if not set(template.variables) <= params:
            missing = sorted(set(template.variables) - params)
            raise TypeError(f"{rname}: template variables {missing} are not parameters")
        return ResourceTemplate(
            template,
            rname,
            target,
            desc,
            title,
            mime_type,
            annotations,
            icons,
            _completers(signature.choices, completions),
        )
    return Resource(uri, rname, target, desc, title, mime_type, size, annotations, icons)
