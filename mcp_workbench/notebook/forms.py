"""``ToolForm``: an ipywidgets form generated from a tool's input schema.

One field per argument: text for strings, a number box (as text, so that "empty" and "not
a number" can be told apart) for numbers and integers, a checkbox for booleans, a dropdown
for enums, comma-separated text (or a multi-select for enums) for arrays of primitives, and
JSON text for anything else. Required fields are starred. On *Call* the values are checked
against the schema first; errors show under their fields and the call is not made; the
result (or the tool's error) shows below the form.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets
import orjson
from IPython.display import display
from jsonschema import Draft202012Validator

from mcp_workbench.errors import WorkbenchError
from mcp_workbench.notebook.tools import ToolInfo

__all__ = ["FieldSpec", "ToolForm", "field_spec"]

_EMPTY = object()
_SERVER_PROBLEM = re.compile(r"([A-Za-z_][\w-]*)(?:\.[\w.-]+)?: ([^;]+)")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one argument is edited: its kind, and the schema it came from."""

    name: str
    kind: str
    """``text``, ``integer``, ``number``, ``boolean``, ``enum``, ``list``, ``multi`` or
    ``json``."""
    schema: dict[str, Any]
    required: bool
    item_kind: str | None = None
    """The items' kind of a ``list`` (``text``, ``integer``, ``number``, ``boolean``)."""

    @property
    def choices(self) -> list[Any]:
        """The allowed values of an ``enum`` (or the items of a ``multi``)."""
        source = self.schema.get("items", {}) if self.kind == "multi" else self.schema
        values = source.get("enum")
        if values is None and "const" in source:
            values = [source["const"]]
        return list(values or [])


_PRIMITIVE = {"string": "text", "integer": "integer", "number": "number", "boolean": "boolean"}


def _unwrap_optional(schema: dict[str, Any]) -> dict[str, Any]:
    """``X | None`` (``anyOf: [X, {type: null}]``) as ``X``, keeping the outer description."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        real = [o for o in options if isinstance(o, dict) and o.get("type") != "null"]
        if len(real) == 1:
            outer = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            return {**real[0], **outer}
    kind = schema.get("type")
    if isinstance(kind, list):
        real_types = [k for k in kind if k != "null"]
        if len(real_types) == 1:
            return {**schema, "type": real_types[0]}
    return schema


def field_spec(name: str, schema: dict[str, Any], required: bool) -> FieldSpec:
    """The field that edits argument ``name`` of ``schema``."""
    schema = _unwrap_optional(schema)
    if "enum" in schema or "const" in schema:
        return FieldSpec(name, "enum", schema, required)
    kind = schema.get("type")
    if kind in _PRIMITIVE:
        return FieldSpec(name, _PRIMITIVE[kind], schema, required)
    if kind == "array" and isinstance(schema.get("items"), dict):
        items = _unwrap_optional(schema["items"])
        if "enum" in items:
            return FieldSpec(name, "multi", {**schema, "items": items}, required)
        if items.get("type") in _PRIMITIVE:
            return FieldSpec(name, "list", schema, required, _PRIMITIVE[items["type"]])
    return FieldSpec(name, "json", schema, required)


def _parse_scalar(kind: str, text: str) -> Any:
    """``text`` as a value of ``kind``.

    Raises:
        ValueError: it is not one (the message is shown to the user).
    """
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise ValueError(f"{text!r} is not true or false")
    return text


class _Field:
    """One argument's widget, its error line and its value."""

    def __init__(self, spec: FieldSpec) -> None:
        self.spec = spec
        schema = spec.schema
        default = schema.get("default", _EMPTY)
        label = spec.name + (" *" if spec.required else "")
        style = {"description_width": "initial"}
        layout = ipywidgets.Layout(width="auto")
        self.widget: Any
        if spec.kind == "boolean":
            self.widget = ipywidgets.Checkbox(
                value=bool(default) if default is not _EMPTY else False,
                description=label,
                indent=False,
            )
        elif spec.kind == "enum":
            options = [("", _EMPTY)] if not spec.required and default is _EMPTY else []
            options += [(str(v), v) for v in spec.choices]
            value = default if default in spec.choices else options[0][1]
            self.widget = ipywidgets.Dropdown(
                options=options, value=value, description=label, style=style
            )
        elif spec.kind == "multi":
            chosen = tuple(v for v in (default if isinstance(default, list) else []))
            self.widget = ipywidgets.SelectMultiple(
                options=[(str(v), v) for v in spec.choices],
                value=chosen,
                description=label,
                style=style,
            )
        else:
            shown = ""
            if default is not _EMPTY and default is not None:
                if spec.kind == "list":
                    shown = ", ".join(str(v) for v in default)
                elif spec.kind == "json":
                    shown = orjson.dumps(default).decode()
                else:
                    shown = str(default)
            placeholder = {"list": "comma-separated", "json": "JSON"}.get(spec.kind, spec.kind)
            widget_type = ipywidgets.Textarea if spec.kind == "json" else ipywidgets.Text
            self.widget = widget_type(
                value=shown,
                description=label,
                placeholder=placeholder,
                style=style,
                layout=layout,
            )
        self.widget.description_allow_html = False
        self.help = ipywidgets.HTML(
            f"<small>{html.escape(str(schema.get('description', '')))}</small>"
        )
        self.error = ipywidgets.HTML("")
        self.box = ipywidgets.VBox([self.widget, self.help, self.error])

    def value(self) -> Any:
        """The argument's value, or ``_EMPTY`` when left blank.

        Raises:
            ValueError: the text does not parse as the argument's type.
        """
        spec, raw = self.spec, self.widget.value
        if spec.kind == "boolean":
            return bool(raw)
        if spec.kind == "enum":
            return raw
        if spec.kind == "multi":
            return list(raw) if raw else _EMPTY
        text = str(raw).strip()
        if not text:
            return _EMPTY
        if spec.kind == "list":
            items = [t.strip() for t in text.split(",") if t.strip()]
            return [_parse_scalar(spec.item_kind or "text", t) for t in items]
        if spec.kind == "json":
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON: {exc}") from None
        return _parse_scalar(spec.kind, text)

    def show_error(self, message: str | None) -> None:
        self.error.value = (
            f"<span style='color:#c62828'>{html.escape(message)}</span>" if message else ""
        )


class ToolForm:
    """A form that calls a tool with what was filled in and shows the result below."""

    def __init__(self, tool: ToolInfo, call: Callable[[dict[str, Any]], Any]) -> None:
        self.tool = tool
        self._call = call
        required = set(tool.required)
        self.fields = {
            name: _Field(field_spec(name, schema, name in required))
            for name, schema in tool.parameters.items()
            if isinstance(schema, dict)
        }
        self._validator = Draft202012Validator(tool.input_schema)
        self.button = ipywidgets.Button(
            description=tool.title or "Call", button_style="primary", icon="play"
        )
        self.button.on_click(lambda _: self.submit())
        self.status = ipywidgets.HTML("")
        self.output = ipywidgets.Output()
        self.result: Any = None
        """What the last successful call returned."""
        self.error: str | None = None
        """The message of the last failed call (the tool's or the server's)."""
        header = ipywidgets.HTML(
            f"<b>{html.escape(tool.name)}</b><br><small>{html.escape(tool.description)}</small>"
        )
        self.widget = ipywidgets.VBox(
            [header, *(f.box for f in self.fields.values()), self.button, self.status, self.output]
        )

    @property
    def errors(self) -> dict[str, str]:
        """The error under each field that shows one."""
        out = {}
        for name, f in self.fields.items():
            if f.error.value:
                out[name] = html.unescape(re.sub(r"<[^>]+>", "", f.error.value))
        return out

    def arguments(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The arguments as filled in, and the problems with them by field."""
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for name, f in self.fields.items():
            try:
                value = f.value()
            except ValueError as exc:
                problems[name] = str(exc)
                continue
            if value is _EMPTY:
                if f.spec.required:
                    problems[name] = "required"
                continue
            values[name] = value
        for err in self._validator.iter_errors(values):
            path = list(err.absolute_path)
            if path:
                problems.setdefault(str(path[0]), err.message)
            elif err.validator == "required":
                for name in err.validator_value:
                    if name not in values:
                        problems.setdefault(str(name), "required")
            else:
                problems.setdefault("", err.message)
        return values, problems

    def submit(self) -> bool:
        """Check the fields and, if they are fine, call the tool; True when it succeeded."""
        for f in self.fields.values():
            f.show_error(None)
        self.output.clear_output()
        self.result, self.error = None, None
        values, problems = self.arguments()
        if problems:
            for name, message in problems.items():
                if name in self.fields:
                    self.fields[name].show_error(message)
            self._status(
                "Fix the fields marked above." + (f" {problems['']}" if "" in problems else ""),
                error=True,
            )
            return False
        self._status("Running…")
        failure: WorkbenchError | None = None
        with self.output:  # a progress bar shows here, under the form
            try:
                self.result = self._call(values)
            except WorkbenchError as exc:  # caught here: Output would swallow it
                failure = exc
        if failure is not None:
            self.error = failure.message
            self._server_problems(failure.message)
            self._status(failure.message, error=True)
            return False
        self._status("Done.")
        self.output.clear_output()
        with self.output:
            display(self.result)  # type: ignore[no-untyped-call]
        return True

    def _server_problems(self, message: str) -> None:
        """Put the server's "Invalid arguments: name: problem; ..." under the fields."""
        if not message.startswith("Invalid arguments:"):
            return
        for name, problem in _SERVER_PROBLEM.findall(message.removeprefix("Invalid arguments:")):
            if name in self.fields:
                self.fields[name].show_error(problem.strip())

    def _status(self, message: str, *, error: bool = False) -> None:
        color = "#c62828" if error else "inherit"
        self.status.value = f"<span style='color:{color}'>{html.escape(message)}</span>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        display(self.widget)  # type: ignore[no-untyped-call]
