"""The fixtures the official MCP conformance suite calls (served with ``--tools``).

Test-only: never part of the product's registry. Names, schemas and texts follow what the
suite's scenarios send and check (see ``conformance list --server``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from pydantic import Field

from mcp_workbench import ToolContext, prompt, resource, tool
from mcp_workbench.errors import InvalidParams, MissingRequiredClientCapability, ToolError
from mcp_workbench.registry import (
    InputRequest,
    audio,
    elicitation,
    embedded_resource,
    image,
    roots_request,
    sampling,
    text,
)

IMAGE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8Dw"
    "HwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
AUDIO = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="
NAME_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}

# -- content ---------------------------------------------------------------------------------


@tool
def test_simple_text() -> str:
    """Returns simple text content."""
    return "This is a simple text response for testing."


@tool
def test_image_content() -> list[dict[str, Any]]:
    """Returns image content."""
    return [image(IMAGE, "image/png")]


@tool
def test_audio_content() -> list[dict[str, Any]]:
    """Returns audio content."""
    return [audio(AUDIO, "audio/wav")]


@tool
def test_embedded_resource() -> list[dict[str, Any]]:
    """Returns an embedded resource."""
    return [
        embedded_resource(
            "test://embedded-resource",
            text="This is an embedded resource content.",
            mime_type="text/plain",
        )
    ]


@tool
def test_multiple_content_types() -> list[dict[str, Any]]:
    """Returns text, image and resource content together."""
    return [
        text("Multiple content types test:"),
        image(IMAGE, "image/png"),
        embedded_resource(
            "test://mixed-content-resource",
            text='{"test": "data", "value": 123}',
            mime_type="application/json",
        ),
    ]


@tool
def test_error_handling() -> str:
    """Always fails (reported as an isError result)."""
    raise ToolError("Error executing tool test_error_handling: this tool always fails")


# -- logging and progress --------------------------------------------------------------------


@tool
async def test_tool_with_logging(ctx: ToolContext) -> str:
    """Sends three log messages while it runs."""
    await ctx.info("Tool execution started")
    await asyncio.sleep(0.05)
    await ctx.info("Tool processing data")
    await asyncio.sleep(0.05)
    await ctx.info("Tool execution completed")
    return "Tool with logging executed successfully"


@tool
async def test_logging_tool(ctx: ToolContext) -> str:
    """Logs once; the client only sees it if it asked for a log level."""
    await ctx.info("Logging evaluated")
    return "Logging evaluated"


@tool
async def test_tool_with_progress(ctx: ToolContext) -> str:
    """Reports progress 0, 50, 100 of 100."""
    for step in (0, 50, 100):
        await ctx.report_progress(step, 100, f"Completed step {step} of 100")
        if step < 100:
            await asyncio.sleep(0.05)
    return "Progress complete"


@tool
async def test_reconnection(ctx: ToolContext) -> str:
    """Lets go of the HTTP connection mid-call; the client resumes to get the result."""
    await ctx.info("Before disconnect")
    ctx.release_stream()
    await asyncio.sleep(0.2)
    await ctx.info("After reconnect")
    return "Reconnection test completed"


# -- sampling and elicitation ----------------------------------------------------------------


def _summary(answer: dict[str, Any]) -> str:
    return f"action={answer.get('action')}, content={json.dumps(answer.get('content', {}))}"


@tool
async def test_sampling(prompt: str, ctx: ToolContext) -> str:
    """Asks the client's model to answer ``prompt``."""
    result = await ctx.sample(
        [{"role": "user", "content": {"type": "text", "text": prompt}}], max_tokens=100
    )
    content = result.get("content", {})
    return f"LLM response: {content.get('text', 'No response')}"


@tool
async def test_elicitation(message: str, ctx: ToolContext) -> str:
    """Asks the user for a response."""
    schema = {
        "type": "object",
        "properties": {"response": {"type": "string", "description": "User's response"}},
        "required": ["response"],
    }
    answer = await ctx.elicit(message, schema)
    return f"User response: {_summary(answer)}"


@tool
async def test_elicitation_sep1034_defaults(ctx: ToolContext) -> str:
    """Elicitation whose fields carry default values (SEP-1034)."""
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": "John Doe", "description": "User name"},
            "age": {"type": "integer", "default": 30, "description": "User age"},
            "score": {"type": "number", "default": 95.5, "description": "User score"},
            "status": {
                "type": "string",
                "enum": ["active", "inactive", "pending"],
                "default": "active",
                "description": "User status",
            },
            "verified": {"type": "boolean", "default": True, "description": "Verified"},
        },
    }
    answer = await ctx.elicit("Please provide user information", schema)
    return f"Elicitation result: {_summary(answer)}"


@tool
async def test_elicitation_sep1330_enums(ctx: ToolContext) -> str:
    """Elicitation with every enum form (SEP-1330)."""
    titled = [("low", "Low Priority"), ("medium", "Medium Priority"), ("high", "High Priority")]
    multi = [("feature", "New Feature"), ("bug", "Bug Fix"), ("docs", "Documentation")]
    schema = {
        "type": "object",
        "properties": {
            "untitledSingle": {"type": "string", "enum": ["active", "inactive", "pending"]},
            "titledSingle": {
                "type": "string",
                "oneOf": [{"const": c, "title": t} for c, t in titled],
            },
            "legacyEnum": {
                "type": "string",
                "enum": ["small", "medium", "large"],
                "enumNames": ["Small Size", "Medium Size", "Large Size"],
            },
            "untitledMulti": {
                "type": "array",
                "items": {"type": "string", "enum": ["read", "write", "execute"]},
            },
            "titledMulti": {
                "type": "array",
                "items": {"anyOf": [{"const": c, "title": t} for c, t in multi]},
            },
        },
        "required": [
            "untitledSingle",
            "titledSingle",
            "legacyEnum",
            "untitledMulti",
            "titledMulti",
        ],
    }
    answer = await ctx.elicit("Please select values using different enum schema types", schema)
    return f"Elicitation completed: {_summary(answer)}"


@tool
async def test_streaming_elicitation(ctx: ToolContext) -> str:
    """Needs the user's input, which modern clients get through an input-required result."""
    answer = await ctx.elicit("Please confirm streaming", NAME_SCHEMA, key="stream_confirm")
    return f"Streaming complete: {answer.get('action')}"


@tool
async def test_missing_capability(ctx: ToolContext) -> str:
    """Needs the client's sampling capability."""
    if "sampling" not in ctx.client_capabilities:
        raise MissingRequiredClientCapability(
            "This tool requires the client 'sampling' capability", required={"sampling": {}}
        )
    return "Client declared sampling capability; proceeding."


# -- multi round-trip requests ---------------------------------------------------------------


@tool
async def test_input_required_result_elicitation(ctx: ToolContext) -> str:
    """Asks for the user's name."""
    answer = await ctx.elicit("What is your name?", NAME_SCHEMA, key="user_name")
    return f"Hello, {answer.get('content', {}).get('name', 'stranger')}!"


@tool
async def test_input_required_result_sampling(ctx: ToolContext) -> str:
    """Asks the client's model a question."""
    question = [
        {"role": "user", "content": {"type": "text", "text": "What is the capital of France?"}}
    ]
    answer = await ctx.sample(question, max_tokens=100, key="capital_question")
    return f"Model said: {answer['content'].get('text', '')}"


@tool
async def test_input_required_result_list_roots(ctx: ToolContext) -> str:
    """Asks for the client's roots."""
    roots = await ctx.list_roots(key="client_roots")
    return f"Client exposed {len(roots)} root(s)."


@tool
async def test_input_required_result_request_state(ctx: ToolContext) -> str:
    """Asks for a confirmation; the answer travels in the request state."""
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    await ctx.elicit("Please confirm", schema, key="confirm")
    return "state-ok: confirmation received"


@tool
async def test_input_required_result_multiple_inputs(ctx: ToolContext) -> str:
    """Asks for three inputs in one round."""
    greeting = [{"role": "user", "content": {"type": "text", "text": "Generate a greeting"}}]
    await ctx.ask(
        {
            "user_name": elicitation("What is your name?", NAME_SCHEMA),
            "greeting": sampling(greeting, 50),
            "client_roots": roots_request(),
        }
    )
    return "All inputs received."


@tool
async def test_input_required_result_multi_round(ctx: ToolContext) -> str:
    """Asks for a name, then (in a second round) a colour."""
    first = await ctx.elicit("Step 1: What is your name?", NAME_SCHEMA, key="step1")
    color_schema = {
        "type": "object",
        "properties": {"color": {"type": "string"}},
        "required": ["color"],
    }
    second = await ctx.elicit("Step 2: What is your favorite color?", color_schema, key="step2")
    return f"{first['content']['name']} likes {second['content']['color']}."


@tool
async def test_input_required_result_tampered_state(ctx: ToolContext) -> str:
    """Asks for a confirmation; a tampered request state is refused."""
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    await ctx.elicit("Please confirm", schema, key="confirm")
    return "state-ok: round-1"


@tool
async def test_input_required_result_capabilities(ctx: ToolContext) -> str:
    """Asks only for what the client declared it can answer."""
    requests: dict[str, InputRequest] = {}
    hello = [{"role": "user", "content": {"type": "text", "text": "Say hello"}}]
    if "sampling" in ctx.client_capabilities:
        requests["sample"] = sampling(hello, 50)
    if "elicitation" in ctx.client_capabilities:
        requests["ask"] = elicitation("What is your name?", NAME_SCHEMA)
    if not requests:
        return "Nothing to ask."
    await ctx.ask(requests)
    return "Capability-gated inputs received."


# -- schemas and headers ---------------------------------------------------------------------

JSON_SCHEMA_2020_12 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
        "contactMethod": {"type": "string", "enum": ["phone", "email"]},
        "phone": {"type": "string"},
        "email": {"type": "string"},
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": False,
}


@tool(input_schema=JSON_SCHEMA_2020_12)
def json_schema_2020_12_tool(**_arguments: Any) -> str:
    """A tool whose input schema uses JSON Schema 2020-12 keywords."""
    return "json_schema_2020_12_tool"


@tool
def test_x_mcp_header(
    region: Annotated[
        str,
        Field(
            description="Mirrored into the Mcp-Param-Region header",
            json_schema_extra={"x-mcp-header": "Region"},
        ),
    ] = "<none>",
) -> str:
    """Echoes an argument that clients mirror into an HTTP header."""
    return f"region={region}"


# -- list changes ----------------------------------------------------------------------------


@tool
def test_trigger_tool_change(ctx: ToolContext) -> str:
    """Adds and removes a tool (two tools/list_changed notifications)."""
    ctx.registry.tool(name="test_dynamic_tool", description="Temporary tool.")(lambda: "dynamic")
    ctx.registry.remove_tool("test_dynamic_tool")
    return "tool list changed"


@tool
def test_trigger_prompt_change(ctx: ToolContext) -> str:
    """Adds and removes a prompt (two prompts/list_changed notifications)."""
    ctx.registry.prompt(name="test_dynamic_prompt", description="Temporary prompt.")(lambda: "hi")
    ctx.registry.remove_prompt("test_dynamic_prompt")
    return "prompt list changed"


# -- resources -------------------------------------------------------------------------------


@resource("test://static-text", name="static_text_resource", mime_type="text/plain")
def static_text_resource() -> str:
    """A static text resource for testing."""
    return "This is the content of the static text resource."


@resource("test://static-binary", name="static_binary_resource", mime_type="image/png")
def static_binary_resource() -> dict[str, str]:
    """A static binary resource (image) for testing."""
    return {"mimeType": "image/png", "blob": IMAGE}


@resource("test://watched-resource", name="watched_resource", mime_type="text/plain")
def watched_resource() -> str:
    """A resource that can be subscribed to for updates."""
    return "Watched resource content"


@resource("test://template/{id}/data", name="template_resource", mime_type="application/json")
def template_resource(id: str) -> str:
    """A resource template with parameter substitution."""
    return json.dumps({"id": id, "templateTest": True, "data": f"Data for ID: {id}"})


# -- prompts ---------------------------------------------------------------------------------


@prompt
def test_simple_prompt() -> str:
    """A simple prompt without arguments."""
    return "This is a simple prompt for testing."


@prompt
def test_prompt_with_arguments(arg1: str, arg2: str) -> str:
    """A prompt with required arguments."""
    return f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"


@prompt
def test_prompt_with_embedded_resource(resourceUri: str) -> list[dict[str, Any]]:
    """A prompt that includes an embedded resource."""
    return [
        {
            "role": "user",
            "content": embedded_resource(
                resourceUri, text="Embedded resource content for testing.", mime_type="text/plain"
            ),
        },
        {"role": "user", "content": text("Please process the embedded resource above.")},
    ]


@prompt
def test_prompt_with_image() -> list[dict[str, Any]]:
    """A prompt that includes image content."""
    return [
        {"role": "user", "content": image(IMAGE, "image/png")},
        {"role": "user", "content": text("Please analyze the image above.")},
    ]


@prompt
async def test_input_required_result_prompt(ctx: ToolContext) -> str:
    """Tests InputRequiredResult from prompts/get (a non-tool request)."""
    schema = {
        "type": "object",
        "properties": {"context": {"type": "string"}},
        "required": ["context"],
    }
    answer = await ctx.elicit("What context should the prompt use?", schema, key="user_context")
    return f"Use the following context: {answer['content']['context']}"


# -- tasks extension -------------------------------------------------------------------------

CONFIRM_SCHEMA = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean"}},
    "required": ["confirm"],
}


@tool
def greet(name: str) -> str:
    """Greets someone (always synchronous)."""
    return f"Hello, {name}!"


@tool(task="optional")
async def slow_compute(seconds: float, label: str = "") -> str:
    """Sleeps, then reports; runs as a task for clients that support tasks."""
    await asyncio.sleep(seconds)
    return f"computed {label} after {seconds:g} s"


@tool(task="required")
async def failing_job() -> str:
    """Fails after a second (a tool error); only runs as a task."""
    await asyncio.sleep(1)
    raise ToolError("failing_job failed as designed")


@tool(task="optional")
async def protocol_error_job() -> str:
    """Fails with a protocol error."""
    await asyncio.sleep(0.1)
    raise InvalidParams("protocol_error_job always fails with a protocol error")


@tool(task="optional")
async def confirm_delete(filename: str, ctx: ToolContext) -> str:
    """Asks for confirmation before deleting (input while running as a task)."""
    answer = await ctx.elicit(f"Delete {filename}?", CONFIRM_SCHEMA, key="confirm")
    confirmed = answer.get("content", {}).get("confirm")
    return f"{filename} {'deleted' if confirmed else 'kept'}"


@tool(task="optional")
async def multi_input(ctx: ToolContext) -> str:
    """Asks two questions at once."""
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    answers = await ctx.ask(
        {
            "first": elicitation("First name?", schema),
            "second": elicitation("Second name?", schema),
        }
    )
    names = [a.get("content", {}).get("name") for a in answers.values()]
    return f"got {names[0]} and {names[1]}"


@tool(task="required", task_after=0.3)
async def test_tool_with_task(ctx: ToolContext) -> str:
    """Asks for a name right away (multi round-trip), then works on as a task."""
    answer = await ctx.elicit("What is your name?", NAME_SCHEMA, key="user_name")
    await asyncio.sleep(1)
    return f"Task finished for {answer['content']['name']}"
