"""The MCP methods: lifecycle, tools, prompts, resources, completion, logging, subscriptions.

Each handler takes the :class:`Call` and returns the result object; revision differences
are decided from ``call.revision``. Errors are raised from the one error tree.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import TYPE_CHECKING, Any

from mcp_workbench.engine.access import tool_attributes
from mcp_workbench.engine.call import Call, InputRequired
from mcp_workbench.engine.session import Listener
from mcp_workbench.engine.task_methods import client_has_tasks, require_tasks, run_as_task
from mcp_workbench.errors import (
    InvalidParams,
    NotFound,
    ProtocolError,
    ToolError,
    WorkbenchError,
)
from mcp_workbench.protocol.meta import LOG_LEVELS, SUBSCRIPTION_ID
from mcp_workbench.protocol.versions import LATEST_LEGACY, REVISIONS, SUPPORTED_VERSIONS
from mcp_workbench.registry.items import Prompt, Tool
from mcp_workbench.registry.resources import Resource, ResourceTemplate

if TYPE_CHECKING:
    from mcp_workbench.engine.engine import Engine

__all__ = ["install"]

log = logging.getLogger("mcp_workbench.engine")

MAX_COMPLETIONS = 100


def _string(params: dict[str, Any], key: str) -> str:
    value = params.get(key)
    if not isinstance(value, str):
        raise InvalidParams(f"params.{key} is required and must be a string")
    return value


def _arguments(params: dict[str, Any]) -> dict[str, Any] | None:
    arguments = params.get("arguments")
    if arguments is not None and not isinstance(arguments, dict):
        raise InvalidParams("params.arguments must be an object")
    return arguments


def _name(item: Tool | Prompt) -> str:
    return item.name


def _uri(item: Resource) -> str:
    return item.uri


def _template(item: ResourceTemplate) -> str:
    return item.uri_template


def _page(items: list[Any], cursor: str | None, key: str, structured: bool) -> dict[str, Any]:
    result: dict[str, Any] = {key: [item.descriptor(structured) for item in items]}
    if cursor is not None:
        result["nextCursor"] = cursor
    return result


def install(engine: Engine) -> None:
    """Register every MCP method on ``engine``."""
    registry = engine.registry
    executor = engine.executor
    access = engine.access

    # -- lifecycle ---------------------------------------------------------------------------
    @engine.method("initialize")
    async def initialize(call: Call) -> dict[str, Any]:
        params = call.params
        requested = params.get("protocolVersion")
        if not isinstance(requested, str):
            raise InvalidParams("params.protocolVersion is required and must be a string")
        caps = params.get("capabilities", {})
        if not isinstance(caps, dict):
            raise InvalidParams("params.capabilities must be an object")
        rev = REVISIONS.get(requested)
        if rev is None or rev.modern:
            rev = LATEST_LEGACY  # answer with the newest handshake revision we speak
        session = call.session
        session.revision = rev
        session.client_capabilities = caps
        info = params.get("clientInfo")
        session.client_info = info if isinstance(info, dict) else {}
        result: dict[str, Any] = {
            "protocolVersion": rev.version,
            "capabilities": engine.capabilities(modern=False),
            "serverInfo": engine.server_info,
        }
        if engine.settings.instructions:
            result["instructions"] = engine.settings.instructions
        return result

    @engine.method("ping")
    async def ping(call: Call) -> dict[str, Any]:
        return {}

    @engine.method("server/discover")
    async def discover(call: Call) -> dict[str, Any]:
        result: dict[str, Any] = {
            "supportedVersions": SUPPORTED_VERSIONS,
            "capabilities": engine.capabilities(modern=True),
        }
        if engine.settings.instructions:
            result["instructions"] = engine.settings.instructions
        return result

    @engine.method("logging/setLevel")
    async def set_level(call: Call) -> dict[str, Any]:
        level = call.params.get("level")
        if not isinstance(level, str) or level not in LOG_LEVELS:
            raise InvalidParams(f"Invalid log level {level!r}; expected one of {list(LOG_LEVELS)}")
        call.session.log_level = level
        return {}

    # -- tools -------------------------------------------------------------------------------
    @engine.method("tools/list")
    async def list_tools(call: Call) -> dict[str, Any]:
        tools, cursor = registry.tools_page(call.params.get("cursor"))
        tools = access.visible(call.session, "tool", tools, _name, tool_attributes)
        return _page(tools, cursor, "tools", call.revision.structured_output)

    async def execute(call: Call, tool: Tool, arguments: dict[str, Any] | None) -> dict[str, Any]:
        name = tool.name
        try:
            kwargs = tool.bind(arguments)
            value = await executor.run(tool.target, kwargs, call, deadline=tool.timeout)
            result = tool.result(value)
        except (ProtocolError, InputRequired, asyncio.CancelledError):
            raise
        except (ToolError, WorkbenchError) as exc:
            # A refusal the tool meant (not found, conflict, bad value): the model reads it.
            result = {"content": [{"type": "text", "text": exc.message}], "isError": True}
        except TimeoutError:
            limit = tool.timeout or executor.default_timeout
            message = f"Tool {name} timed out after {limit:g} s"
            result = {"content": [{"type": "text", "text": message}], "isError": True}
        except Exception as exc:
            log.warning("tool %s failed: %r", name, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            message = f"Error executing tool {name}: {exc}"
            result = {"content": [{"type": "text", "text": message}], "isError": True}
        if result.get("isError"):
            engine.metrics.tool_errors.labels(name).inc()
        if not call.revision.structured_output:
            result.pop("structuredContent", None)
        return result

    @engine.method("tools/call")
    async def call_tool(call: Call) -> dict[str, Any]:
        name = _string(call.params, "name")
        tool = registry.get_tool(name)
        if tool is None or access.active:  # the error is built only where it may be raised
            unknown = InvalidParams(f"Unknown tool: {name}", data={"name": name})
            if tool is None:
                raise unknown
            access.require(
                call.session, "call", "tool", name, unknown, attributes=tool_attributes(tool)
            )
        arguments = _arguments(call.params)
        if call.modern and tool.task != "never":
            if tool.task == "required":
                require_tasks(call, f"Tool {name}")
            if client_has_tasks(call):
                return await run_as_task(
                    engine, call, lambda: execute(call, tool, arguments), tool.task_after
                )
        return await execute(call, tool, arguments)

    # -- prompts -----------------------------------------------------------------------------
    @engine.method("prompts/list")
    async def list_prompts(call: Call) -> dict[str, Any]:
        prompts, cursor = registry.prompts_page(call.params.get("cursor"))
        prompts = access.visible(call.session, "prompt", prompts, _name)
        return _page(prompts, cursor, "prompts", call.revision.structured_output)

    @engine.method("prompts/get")
    async def get_prompt(call: Call) -> dict[str, Any]:
        name = _string(call.params, "name")
        prompt = registry.get_prompt(name)
        if prompt is None or access.active:
            unknown = InvalidParams(f"Unknown prompt: {name}", data={"name": name})
            if prompt is None:
                raise unknown
            access.require(call.session, "read", "prompt", name.partition("@")[0], unknown)
        kwargs = prompt.bind(_arguments(call.params))
        value = await executor.run(prompt.target, kwargs, call)
        return prompt.result(value)

    # -- resources ---------------------------------------------------------------------------
    @engine.method("resources/list")
    async def list_resources(call: Call) -> dict[str, Any]:
        items, cursor = registry.resources_page(call.params.get("cursor"))
        items = access.visible(call.session, "resource", items, _uri)
        return _page(items, cursor, "resources", call.revision.structured_output)

    @engine.method("resources/templates/list")
    async def list_templates(call: Call) -> dict[str, Any]:
        items, cursor = registry.templates_page(call.params.get("cursor"))
        items = access.visible(call.session, "resource", items, _template)
        return _page(items, cursor, "resourceTemplates", call.revision.structured_output)

    @engine.method("resources/read")
    async def read_resource(call: Call) -> dict[str, Any]:
        uri = _string(call.params, "uri")
        found = registry.find_resource(uri)
        if found is None or access.active:
            unknown = NotFound(f"Resource not found: {uri}", data={"uri": uri})
            if found is None:
                raise unknown
            access.require(call.session, "read", "resource", uri, unknown)
        item, variables = found
        try:
            kwargs = item.target.bind(variables)
        except Exception as exc:
            raise InvalidParams(f"Invalid resource URI {uri}: {exc}") from None
        value = await executor.run(item.target, kwargs, call)
        return {"contents": item.contents(uri, value)}

    @engine.method("resources/subscribe")
    async def subscribe(call: Call) -> dict[str, Any]:
        call.session.subscriptions.add(_string(call.params, "uri"))
        return {}

    @engine.method("resources/unsubscribe")
    async def unsubscribe(call: Call) -> dict[str, Any]:
        call.session.subscriptions.discard(_string(call.params, "uri"))
        return {}

    # -- completion --------------------------------------------------------------------------
    @engine.method("completion/complete")
    async def complete(call: Call) -> dict[str, Any]:
        ref = call.params.get("ref")
        argument = call.params.get("argument")
        if not isinstance(ref, dict) or not isinstance(argument, dict):
            raise InvalidParams("params.ref and params.argument are required objects")
        name, value = argument.get("name"), argument.get("value", "")
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidParams("params.argument needs a string name and value")
        context = call.params.get("context") or {}
        chosen = context.get("arguments") or {} if isinstance(context, dict) else {}
        if ref.get("type") == "ref/prompt":
            target = str(ref.get("name"))
            hidden = InvalidParams(f"Unknown prompt: {target}")
            access.require(call.session, "list", "prompt", target.partition("@")[0], hidden)
        elif ref.get("type") == "ref/resource":
            target = str(ref.get("uri"))
            access.require(
                call.session,
                "list",
                "resource",
                target,
                InvalidParams(f"Unknown resource: {target}"),
            )
        completer = registry.completer(ref, name)
        values: list[str] = []
        if completer is not None:
            produced = completer(value, chosen)
            values = list(await produced if inspect.isawaitable(produced) else produced)
        return {
            "completion": {
                "values": values[:MAX_COMPLETIONS],
                "total": len(values),
                "hasMore": len(values) > MAX_COMPLETIONS,
            }
        }

    # -- subscriptions (modern) --------------------------------------------------------------
    @engine.method("subscriptions/listen")
    async def listen(call: Call) -> dict[str, Any]:
        wanted = call.params.get("notifications", {})
        if not isinstance(wanted, dict):
            raise InvalidParams("params.notifications must be an object")
        uris = wanted.get("resourceSubscriptions", [])
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            raise InvalidParams("notifications.resourceSubscriptions must be a list of URIs")
        channel = call.channel or call.session.channel
        if channel is None:
            raise InvalidParams("subscriptions/listen needs a streaming transport")
        listener = Listener(
            call.request_id,
            channel,
            tools=wanted.get("toolsListChanged") is True,
            prompts=wanted.get("promptsListChanged") is True,
            resources=wanted.get("resourcesListChanged") is True,
            uris=frozenset(uris),
        )
        await engine.notifier.listen(call.session, listener)
        return {"_meta": {SUBSCRIPTION_ID: listener.id}}
