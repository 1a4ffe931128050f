"""``/tools``: the MCP tools the caller may see, and calling one.

A call goes through the engine as an MCP ``tools/call`` from the caller (transport
``rest``), so the access policy, rate limits, timeouts and the audit apply as to any MCP
client. Each REST request is its own MCP session: per-session rate limits start afresh,
per-principal ones hold across requests.
"""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from mcp_workbench.__about__ import __version__
from mcp_workbench.engine.access import tool_attributes
from mcp_workbench.errors import NotFound, ProtocolError
from mcp_workbench.jsonrpc import Request
from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import ToolDescriptor, ToolResult
from mcp_workbench.jupyter.rest.spec import Param, Route
from mcp_workbench.protocol.meta import (
    CLIENT_CAPABILITIES,
    CLIENT_INFO,
    PROTOCOL_VERSION,
)
from mcp_workbench.protocol.versions import MODERN
from mcp_workbench.registry.items import Tool

__all__ = ["ROUTES"]

_META = {
    PROTOCOL_VERSION: MODERN.version,
    # No capabilities: a tool that needs to ask the client (elicitation, sampling) is
    # refused with a 400 saying so, rather than left waiting for an answer.
    CLIENT_CAPABILITIES: {},
    CLIENT_INFO: {"name": "mcp-workbench-rest", "version": __version__},
}

_ARGUMENTS = {
    "type": "object",
    "description": "The tool's arguments, as its inputSchema (GET /tools) describes them.",
}


def _name(tool: Tool) -> str:
    return tool.name


class ProgressStream:
    """The engine's channel for a streamed call: progress reports become server-sent
    events; the stream opens with the first one (until then errors are plain answers)."""

    def __init__(self, handler: RestHandler) -> None:
        self.handler = handler
        handler.stream_events = True

    @property
    def closed(self) -> bool:
        return self.handler.connection_closed

    async def send(self, message: dict[str, Any] | list[Any]) -> None:
        if not isinstance(message, dict) or message.get("method") != "notifications/progress":
            return  # log messages and the like: not part of a REST answer
        update = {k: v for k, v in message["params"].items() if k != "progressToken"}
        self.handler.send_event("progress", orjson.dumps(update))
        with contextlib.suppress(StreamClosedError):
            await self.handler.flush()


class ToolsHandler(RestHandler):
    """``/tools``"""

    needs_store = False

    @web.authenticated
    @authorized
    @operation(response=list[ToolDescriptor], exclude_none=True)
    async def get(self) -> list[dict[str, Any]]:
        """List tools

        The tools the caller may list, by name, as MCP ``tools/list`` describes them.
        """
        engine = self.server.engine
        tools = sorted(engine.registry.tools.values(), key=_name)
        shown = engine.access.visible(self.caller, "tool", tools, _name, tool_attributes)
        return [tool.descriptor(structured=True) for tool in shown]


class ToolCallHandler(RestHandler):
    """``/tools/{tool}/call``"""

    needs_store = False

    @web.authenticated
    @authorized
    @operation(
        body=dict[str, Any],
        body_schema=_ARGUMENTS,
        response=ToolResult,
        exclude_none=True,
        errors=(429,),
    )
    async def post(self, tool: str, *, body: dict[str, Any]) -> dict[str, Any]:
        """Call a tool

        The body is the tool's arguments; the answer is the MCP ``tools/call`` result. A
        tool that fails (bad arguments included) answers 200 with ``isError``, as in MCP;
        429 (with ``Retry-After``) when a rate limit is reached.

        With ``Accept: text/event-stream`` the answer is a stream of server-sent events: an
        ``event: progress`` for each progress report of the tool (``{progress, total,
        message}``), then ``event: result`` with the result (or ``event: error`` with the
        error reply, for a failure after the stream began). Errors found before the call
        starts (404, 429...) are answered as without it.
        """
        engine = self.server.engine
        found = engine.registry.get_tool(tool)
        unknown = NotFound(f"no tool named {tool!r}", data={"name": tool})
        if found is None:
            raise unknown
        # Checked here too so that a hidden tool is a 404 like a missing one (the engine
        # would call both an invalid parameter); the engine's own check then agrees.
        engine.access.require(
            self.caller, "call", "tool", tool, unknown, attributes=tool_attributes(found)
        )
        params = {"name": tool, "arguments": body, "_meta": _META}
        channel: ProgressStream | None = None
        if "text/event-stream" in self.request.headers.get("Accept", ""):
            channel = ProgressStream(self)
            params["_meta"] = {**_META, "progressToken": self.request_id}
        reply = await engine.serve(
            self.caller, Request(self.request_id, "tools/call", params), channel
        )
        assert reply is not None  # only a call the client cancels has none
        error = reply.get("error")
        if error is not None:
            raise ProtocolError(
                str(error.get("message", "")), code=int(error["code"]), data=error.get("data")
            )
        result: dict[str, Any] = reply["result"]
        return result


ROUTES = [
    Route("/tools", ToolsHandler),
    Route(
        "/tools/{tool}/call",
        ToolCallHandler,
        {"tool": Param(r"[^/]+", "Tool name, e.g. 'notes.search'.")},
    ),
]
