"""From a Python function's signature to MCP schemas: arguments in, structured output out.

Schemas come from pydantic (a model built from the parameters; a ``TypeAdapter`` for the
return type), built once when a function is registered and kept on the item.
"""

from __future__ import annotations

import enum
import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass, is_dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model
from pydantic.fields import FieldInfo

from mcp_workbench.registry.content import ToolResult
from mcp_workbench.registry.context import ToolContext

__all__ = ["OutputSpec", "Signature", "inspect_function", "string_arguments"]

_SCALAR_RETURNS = (str, type(None), inspect.Signature.empty)


@dataclass(slots=True, frozen=True)
class OutputSpec:
    """How to turn a return value into ``structuredContent``."""

    schema: dict[str, Any]
    adapter: TypeAdapter[Any]
    wrapped: bool
    """Non-object results are wrapped as ``{"result": value}``, since MCP wants an object."""

    def dump(self, value: Any) -> Any:
        """The JSON form of ``value`` for ``structuredContent``, checked against the type.

        Raises:
            pydantic.ValidationError: the value does not fit the declared return type.
        """
        data = self.adapter.dump_python(self.adapter.validate_python(value), mode="json")
        return {"result": data} if self.wrapped else data


@dataclass(slots=True, frozen=True)
class Signature:
    """What the engine needs to know to call a registered function."""

    arguments: type[BaseModel]
    input_schema: dict[str, Any]
    context_param: str | None
    output: OutputSpec | None
    choices: dict[str, list[str]]
    """Parameters whose type is a ``Literal`` or ``Enum``: their values, for completion."""
    parameters: list[tuple[str, str | None, bool]]
    """(name, description, required) of each argument, in order."""
    accepts_extra: bool = False
    """The function takes ``**kwargs``: arguments beyond its parameters are passed on."""


def _is_context(annotation: Any) -> bool:
    return annotation is ToolContext or (
        get_origin(annotation) is Annotated and get_args(annotation)[0] is ToolContext
    )


def _choices(annotation: Any) -> list[str] | None:
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        return [str(v) for v in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(m.value) for m in annotation]
    return None


def _description(annotation: Any, default: Any) -> str | None:
    if isinstance(default, FieldInfo) and default.description:
        return default.description
    if get_origin(annotation) is Annotated:
        for extra in get_args(annotation)[1:]:
            if isinstance(extra, FieldInfo) and extra.description:
                return extra.description
            if isinstance(extra, str):
                return extra
    return None


def _is_object_type(tp: Any) -> bool:
    origin = get_origin(tp) or tp
    if origin is Annotated:
        return _is_object_type(get_args(tp)[0])
    if isinstance(origin, type):
        if issubclass(origin, BaseModel) or is_dataclass(origin) or issubclass(origin, dict):
            return True
        return hasattr(origin, "__required_keys__")  # TypedDict
    return False


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def _output_spec(annotation: Any) -> OutputSpec | None:
    if annotation in _SCALAR_RETURNS or annotation is Any:
        return None
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and args[0] in _SCALAR_RETURNS:
            return None
    if annotation in (list, dict) and origin is None and annotation is not dict:
        return None
    # A tool returning content blocks or a ToolResult manages its own result.
    if annotation is ToolResult:
        return None
    if origin is list and get_args(annotation):
        item = get_args(annotation)[0]
        if item is dict or get_origin(item) is dict:
            return None  # a list of content blocks
    adapter = _adapter(annotation)
    schema = adapter.json_schema(mode="serialization")
    if _is_object_type(annotation) and schema.get("type") == "object":
        return OutputSpec(schema, adapter, wrapped=False)
    wrapped_schema = {
        "type": "object",
        "properties": {"result": schema},
        "required": ["result"],
    }
    defs = schema.pop("$defs", None)
    if defs:
        wrapped_schema["$defs"] = defs
    return OutputSpec(wrapped_schema, adapter, wrapped=True)


def inspect_function(fn: Callable[..., Any], *, structured_output: bool | None = None) -> Signature:
    """Read ``fn``'s signature once: argument model, input schema, output schema.

    ``structured_output=False`` turns the output schema off even for object returns.
    """
    sig = inspect.signature(fn)
    hints = get_type_hints(fn, include_extras=True)
    fields: dict[str, Any] = {}
    context_param: str | None = None
    choices: dict[str, list[str]] = {}
    parameters: list[tuple[str, str | None, bool]] = []
    accepts_extra = False
    for name, param in sig.parameters.items():
        if param.kind is param.VAR_KEYWORD:
            accepts_extra = True
            continue
        if param.kind is param.VAR_POSITIONAL:
            continue
        annotation = hints.get(name, Any)
        if _is_context(annotation):
            context_param = name
            continue
        default = ... if param.default is param.empty else param.default
        fields[name] = (annotation, default)
        required = default is ... or (isinstance(default, FieldInfo) and default.is_required())
        parameters.append((name, _description(annotation, default), required))
        if (values := _choices(annotation)) is not None:
            choices[name] = values
    model = create_model(
        f"{getattr(fn, '__name__', 'tool')}_arguments",
        __config__=ConfigDict(arbitrary_types_allowed=True, extra="ignore"),
        **fields,
    )
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.setdefault("properties", {})
    output = None
    if structured_output is not False:
        output = _output_spec(hints.get("return", sig.return_annotation))
    return Signature(model, schema, context_param, output, choices, parameters, accepts_extra)


def string_arguments(
    name: str, parameters: list[tuple[str, str | None, bool]], *, accepts_extra: bool = False
) -> Signature:
    """The signature of a function taking the named string arguments (as prompts do), for
    items whose arguments are data, not Python parameters. Optional ones default to ``""``."""
    fields: dict[str, Any] = {
        pname: (str, ... if required else "") for pname, _, required in parameters
    }
    model = create_model(f"{name}_arguments", __config__=ConfigDict(extra="ignore"), **fields)
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.setdefault("properties", {})
    return Signature(model, schema, None, None, {}, list(parameters), accepts_extra)
