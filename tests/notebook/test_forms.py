"""Forms generated from tool schemas: the fields, inline validation, the result below."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, create_model

from mcp_workbench.errors import InvalidParams
from mcp_workbench.notebook.errors import ToolCallError
from mcp_workbench.notebook.forms import ToolForm, field_spec
from mcp_workbench.notebook.tools import ToolInfo
from mcp_workbench.registry import Tool


def plan(
    title: str,
    hours: int,
    rate: float = 1.5,
    urgent: bool = False,
    size: str = "m",
    tags: list[str] | None = None,
    counts: list[int] = [],  # noqa: B006
    extra: dict[str, int] | None = None,
) -> str:
    return title


def _info() -> ToolInfo:
    schema = Tool.from_function(plan).input_schema
    schema["properties"]["size"]["enum"] = ["s", "m", "l"]
    return ToolInfo(name="plan", description="Plan some work.", input_schema=schema)


class Recorder:
    def __init__(self, answer: Any = "ok", error: Exception | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer, self.error = answer, error

    def __call__(self, arguments: dict[str, Any]) -> Any:
        self.calls.append(arguments)
        if self.error is not None:
            raise self.error
        return self.answer


def test_each_schema_type_gets_its_field() -> None:
    form = ToolForm(_info(), Recorder())
    kinds = {name: f.spec.kind for name, f in form.fields.items()}
    assert kinds == {
        "title": "text",
        "hours": "integer",
        "rate": "number",
        "urgent": "boolean",
        "size": "enum",
        "tags": "list",
        "counts": "list",
        "extra": "json",
    }
    assert form.fields["counts"].spec.item_kind == "integer"
    assert form.fields["title"].widget.description == "title *"  # required
    assert form.fields["rate"].widget.value == "1.5"  # the default, shown
    assert form.fields["size"].widget.options[0] == ("s", "s")
    multi = field_spec("days", {"type": "array", "items": {"enum": ["mon", "tue"]}}, False)
    assert (multi.kind, multi.choices) == ("multi", ["mon", "tue"])


def test_errors_show_under_their_fields_and_nothing_is_called() -> None:
    call = Recorder()
    form = ToolForm(_info(), call)
    form.fields["hours"].widget.value = "three"
    form.fields["counts"].widget.value = "1, two"
    form.fields["extra"].widget.value = "{not json"
    assert form.submit() is False
    assert call.calls == []
    assert form.errors == {
        "title": "required",
        "hours": "'three' is not a whole number",
        "counts": "'two' is not a whole number",
        "extra": form.errors["extra"],
    }
    assert form.errors["extra"].startswith("not valid JSON")
    assert "Fix the fields" in form.status.value


def test_the_schema_checks_values_too() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 1}, "s": {"type": "string"}},
        "required": ["n"],
    }
    form = ToolForm(ToolInfo(name="t", input_schema=schema), Recorder())
    form.fields["n"].widget.value = "0"
    assert form.submit() is False
    assert form.errors == {"n": "0 is less than the minimum of 1"}


def test_a_good_form_calls_the_tool_and_shows_the_result() -> None:
    call = Recorder(answer={"planned": True})
    form = ToolForm(_info(), call)
    form.fields["title"].widget.value = "Garden"
    form.fields["hours"].widget.value = "3"
    form.fields["urgent"].widget.value = True
    form.fields["size"].widget.value = "l"
    form.fields["tags"].widget.value = "home, outside"
    form.fields["extra"].widget.value = '{"beds": 2}'
    form.button.click()  # the button does what submit() does
    assert call.calls == [
        {
            "title": "Garden",
            "hours": 3,
            "rate": 1.5,
            "urgent": True,
            "size": "l",
            "tags": ["home", "outside"],
            "extra": {"beds": 2},
        }
    ]
    assert form.result == {"planned": True}
    assert form.errors == {}
    assert "Done" in form.status.value
    assert form.widget.children[-1] is form.output  # the result shows below the form


def test_the_tools_error_shows_below_and_server_problems_go_inline() -> None:
    failing = Recorder(error=ToolCallError("plan", "the calendar is full", {}))
    form = ToolForm(_info(), failing)
    form.fields["title"].widget.value = "x"
    form.fields["hours"].widget.value = "1"
    assert form.submit() is False
    assert form.error == "the calendar is full"
    assert "the calendar is full" in form.status.value
    refused = Recorder(error=ToolCallError("plan", "Invalid arguments: hours: too many", {}))
    form = ToolForm(_info(), refused)
    form.fields["title"].widget.value = "x"
    form.fields["hours"].widget.value = "99"
    assert form.submit() is False
    assert form.errors == {"hours": "too many"}


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [(int | None, "integer"), (list[float], "list"), (bool, "boolean"), (Any, "json")],
)
def test_optional_and_plain_types(annotation: Any, kind: str) -> None:
    model = create_model("M", value=(annotation, None))
    schema = model.model_json_schema()["properties"]["value"]
    assert field_spec("value", schema, False).kind == kind
    assert TypeAdapter(annotation)  # a real type, not a typo in the parameters


def test_a_protocol_error_is_shown_too() -> None:
    form = ToolForm(_info(), Recorder(error=InvalidParams("Unknown tool: plan")))
    form.fields["title"].widget.value = "x"
    form.fields["hours"].widget.value = "1"
    assert form.submit() is False
    assert form.error == "Unknown tool: plan"
