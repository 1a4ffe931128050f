"""Registry: schemas from type hints, results, pagination, namespaces, filters, hot changes."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from mcp_workbench.errors import InvalidParams, ToolError
from mcp_workbench.registry import Registry, ToolResult, load_module, text
from mcp_workbench.registry.items import Prompt, Tool
from mcp_workbench.registry.resources import make_resource
from mcp_workbench.registry.uri_template import UriTemplate


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(BaseModel):
    x: int
    y: int


class Pair(TypedDict):
    left: str
    right: str


def test_input_schema_from_hints() -> None:
    def paint(
        shape: Annotated[str, Field(description="what to paint")],
        color: Color,
        size: int = 3,
        mode: Literal["fill", "line"] = "fill",
    ) -> str:
        """Paint a shape.

        Longer text that is not part of the description.
        """
        return shape

    tool = Tool.from_function(paint)
    schema = tool.input_schema
    assert tool.description == "Paint a shape."
    assert schema["required"] == ["shape", "color"]
    assert schema["properties"]["shape"]["description"] == "what to paint"
    assert schema["properties"]["size"]["default"] == 3
    assert "outputSchema" not in tool.descriptor()


@pytest.mark.parametrize(
    ("annotation", "value", "structured"),
    [
        (Point, Point(x=1, y=2), {"x": 1, "y": 2}),
        (Pair, {"left": "a", "right": "b"}, {"left": "a", "right": "b"}),
        (int, 5, {"result": 5}),
        (list[int], [1, 2], {"result": [1, 2]}),
        (dict[str, int], {"a": 1}, {"a": 1}),
    ],
)
def test_structured_output(annotation: Any, value: Any, structured: Any) -> None:
    def fn() -> Any:
        return value

    fn.__annotations__["return"] = annotation
    tool = Tool.from_function(fn)
    assert tool.descriptor()["outputSchema"]["type"] == "object"
    result = tool.result(value)
    assert result["structuredContent"] == structured
    assert result["content"][0]["type"] == "text"
    assert "outputSchema" not in tool.descriptor(structured=False)


def test_plain_results() -> None:
    tool = Tool.from_function(lambda: None, name="t")
    assert tool.result("hi") == {"content": [{"type": "text", "text": "hi"}]}
    assert tool.result(None) == {"content": []}
    assert tool.result([text("a"), text("b")])["content"][1] == {"type": "text", "text": "b"}
    full = ToolResult(content=[text("x")], structured={"k": 1}, is_error=True)
    assert tool.result(full) == {
        "content": [{"type": "text", "text": "x"}],
        "structuredContent": {"k": 1},
        "isError": True,
    }


def test_bad_arguments_are_tool_errors() -> None:
    def needs(n: int) -> int:
        return n

    tool = Tool.from_function(needs)
    assert tool.bind({"n": "4"}) == {"n": 4}
    with pytest.raises(ToolError, match="n"):
        tool.bind({"n": "four"})
    with pytest.raises(ToolError, match="n: Field required"):
        tool.bind({})


def test_prompt_arguments_and_completion() -> None:
    def ask(topic: str, tone: Literal["dry", "warm"] = "dry") -> list[dict[str, str]]:
        """Ask."""
        return [{"role": "user", "content": f"{tone}: {topic}"}]

    prompt = Prompt.from_function(ask)
    assert prompt.descriptor()["arguments"] == [
        {"name": "topic", "required": True},
        {"name": "tone", "required": False},
    ]
    assert prompt.completers["tone"]("w", {}) == ["warm"]
    result = prompt.result(ask(**prompt.bind({"topic": "x"})))
    assert result["messages"] == [{"role": "user", "content": {"type": "text", "text": "dry: x"}}]
    with pytest.raises(InvalidParams, match="topic"):
        prompt.bind({})


def test_uri_templates() -> None:
    template = UriTemplate("notes://{folder}/{name}.md")
    assert template.variables == ("folder", "name")
    assert template.match("notes://work/plan.md") == {"folder": "work", "name": "plan"}
    assert template.match("notes://a/b/c.md") is None
    assert UriTemplate("files://{+path}").match("files://a/b/c") == {"path": "a/b/c"}
    assert UriTemplate("x://{id}").match("x://a%20b") == {"id": "a b"}
    with pytest.raises(TypeError, match="missing"):
        make_resource(lambda other: other, "x://{missing}")


def test_pagination_is_stable_and_validated() -> None:
    registry = Registry(page_size=2)
    for name in ["d", "b", "a", "c", "e"]:
        registry.tool(name=name)(lambda: None)
    page, cursor = registry.tools_page()
    assert [t.name for t in page] == ["a", "b"]
    registry.tool(name="bb")(lambda: None)  # inserted before the cursor: not repeated
    page, cursor = registry.tools_page(cursor)
    assert [t.name for t in page] == ["bb", "c"]
    page, cursor = registry.tools_page(cursor)
    assert [t.name for t in page] == ["d", "e"]
    assert cursor is None
    with pytest.raises(InvalidParams):
        registry.tools_page("not-a-cursor")
    with pytest.raises(InvalidParams):
        registry.tools_page(123)


def test_namespaces_filters_and_change_events() -> None:
    registry = Registry(include=["kb.*", "echo"], exclude=["kb.secret"])
    changes: list[str] = []
    unsubscribe = registry.on_change(changes.append)
    base = Tool.from_function(lambda: "x", name="search")
    assert registry.add_tool(base, namespace="kb") is not None
    assert registry.add_tool(Tool.from_function(lambda: "x", name="secret"), namespace="kb") is None
    assert registry.add_tool(Tool.from_function(lambda: "x", name="other")) is None
    assert set(registry.tools) == {"kb.search"}
    assert base.name == "search"  # the original is untouched
    assert registry.remove_tool("kb.search")
    assert not registry.remove_tool("kb.search")
    unsubscribe()
    registry.add_tool(Tool.from_function(lambda: "x", name="echo"))
    assert changes == ["tools", "tools"]


def test_a_batch_of_changes_is_announced_once_per_list() -> None:
    registry = Registry()
    changes: list[str] = []
    items: list[tuple[str, str, bool]] = []
    registry.on_change(changes.append)
    registry.on_item_change(lambda kind, key, removed: items.append((kind, key, removed)))
    with registry.batch():
        for n in range(5):
            registry.add_tool(Tool.from_function(lambda: "x", name=f"t{n}"))
        with registry.batch():  # nested: announced by the outer batch
            registry.remove_tool("t0")
        registry.add_prompt(Prompt.from_function(lambda: "hi", name="p"))
        assert changes == []
    assert sorted(changes) == ["prompts", "tools"]
    assert len(items) == 7  # every item is still reported
    registry.remove_tool("t1")
    assert changes[-1] == "tools"


def test_load_module_with_namespace() -> None:
    registry = Registry()
    count = load_module(registry, "kb=tests.fixtures.demo_tools")
    assert count >= 10
    assert "kb.echo" in registry.tools
    assert registry.get_prompt("kb.poem") is not None
    found = registry.find_resource("demo://items/a")
    assert found is not None
    assert found[0].name == "kb.item"
    with pytest.raises(ImportError):
        load_module(registry, "no_such_module_here")


def test_results_are_checked_against_the_return_type() -> None:
    def point() -> Point:
        return {"x": 1, "y": "not a number"}  # type: ignore[return-value]

    tool = Tool.from_function(point)
    with pytest.raises(
        ToolError, match=r"returned a bad result: y: Input should be a valid integer"
    ):
        tool.result(point())
    assert tool.result(Point(x=1, y=2))["structuredContent"] == {"x": 1, "y": 2}
    assert tool.result({"x": "3", "y": 4})["structuredContent"] == {"x": 3, "y": 4}


def test_explicit_input_schema_is_enforced() -> None:
    schema = {
        "type": "object",
        "$defs": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}},
        "properties": {"host": {"type": "string"}, "port": {"$ref": "#/$defs/port"}},
        "required": ["host"],
        "additionalProperties": False,
    }

    def connect(**arguments: Any) -> str:
        return f"{arguments['host']}:{arguments.get('port', 80)}"

    tool = Tool.from_function(connect, input_schema=schema)
    assert tool.descriptor()["inputSchema"] is schema
    assert connect(**tool.bind({"host": "h", "port": 8080})) == "h:8080"
    with pytest.raises(ToolError, match="port: 70000 is greater than the maximum of 65535"):
        tool.bind({"host": "h", "port": 70000})
    with pytest.raises(ToolError, match="'host' is a required property"):
        tool.bind({})
    with pytest.raises(ToolError, match="Additional properties are not allowed"):
        tool.bind({"host": "h", "extra": 1})
    with pytest.raises(TypeError, match="invalid input schema"):
        Tool.from_function(connect, input_schema={"type": "no-such-type"})
