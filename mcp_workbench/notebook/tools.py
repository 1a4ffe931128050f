"""The server's tools as Python objects: ``wb.tools.notes.search(query="x")``.

``ToolNamespace`` maps dotted (or slashed) tool names onto attributes, ``wb.tools["a.b"]``
works for every name, and tab completion lists what is there. ``ToolHandle`` calls one
tool synchronously (``handle(**arguments)``) or from async code
(``await handle.acall(**arguments)``), shows progress, and builds a form (``.form()``).
"""

from __future__ import annotations

import html
import inspect
import keyword
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_workbench.notebook.errors import ToolCallError

if TYPE_CHECKING:
    from mcp_workbench.notebook.client import Workbench
    from mcp_workbench.notebook.forms import ToolForm

__all__ = ["ToolCallResult", "ToolHandle", "ToolInfo", "ToolNamespace", "result_value"]

_SEPARATORS = "./"


@dataclass(frozen=True, slots=True)
class ToolInfo:
    """A tool as ``tools/list`` describes it."""

    name: str
    description: str = ""
    title: str | None = None
    input_schema: dict[str, Any] = field(default_factory=dict)
    output_schema: dict[str, Any] | None = None
    annotations: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, descriptor: dict[str, Any]) -> ToolInfo:
        """From a ``Tool`` object of ``tools/list``."""
        return cls(
            name=str(descriptor["name"]),
            description=str(descriptor.get("description") or ""),
            title=descriptor.get("title"),
            input_schema=descriptor.get("inputSchema") or {"type": "object"},
            output_schema=descriptor.get("outputSchema"),
            annotations=descriptor.get("annotations") or {},
        )

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        """The arguments' schemas, by name."""
        props = self.input_schema.get("properties")
        return props if isinstance(props, dict) else {}

    @property
    def required(self) -> list[str]:
        """The names of the arguments a call must give."""
        req = self.input_schema.get("required")
        return [str(r) for r in req] if isinstance(req, list) else []


@dataclass(frozen=True, slots=True)
class ToolCallResult:
    """A ``CallToolResult``: its content blocks, structured content and error flag."""

    content: list[dict[str, Any]]
    structured: Any = None
    is_error: bool = False

    @classmethod
    def of(cls, body: dict[str, Any]) -> ToolCallResult:
        """From the JSON result of ``tools/call``."""
        content = body.get("content")
        return cls(
            content=list(content) if isinstance(content, list) else [],
            structured=body.get("structuredContent"),
            is_error=bool(body.get("isError")),
        )

    @property
    def text(self) -> str:
        """The text blocks, joined by new lines."""
        return "\n".join(str(c.get("text", "")) for c in self.content if c.get("type") == "text")


def result_value(result: ToolCallResult, output_schema: dict[str, Any] | None = None) -> Any:
    """What a call returns in Python: the structured content (unwrapped when the server
    wrapped a plain value as ``{"result": ...}``), else the text, else the content blocks."""
    data = result.structured
    if data is not None:
        props = (output_schema or {}).get("properties")
        wrapped = isinstance(data, dict) and set(data) == {"result"}
        if wrapped and (not isinstance(props, dict) or set(props) == {"result"}):
            return data["result"]
        return data
    if not result.content:
        return None
    if all(c.get("type") == "text" for c in result.content):
        return result.text
    return result.content


def _python_type(schema: dict[str, Any]) -> Any:
    kinds = {"string": str, "integer": int, "number": float, "boolean": bool}
    kinds |= {"array": list, "object": dict}
    return kinds.get(schema.get("type"), inspect.Parameter.empty)  # type: ignore[arg-type]


class ToolHandle:
    """One tool of the server, callable: ``handle(text="hi")``."""

    def __init__(self, client: Workbench, info: ToolInfo) -> None:
        self._client = client
        self.info = info
        self.__doc__ = info.description or info.title or info.name

    @property
    def name(self) -> str:
        """The tool's full name."""
        return self.info.name

    @property
    def __signature__(self) -> inspect.Signature:
        """Keyword-only parameters from the input schema (for ``help`` and completion)."""
        required = set(self.info.required)
        params = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if name in required else schema.get("default"),
                annotation=_python_type(schema),
            )
            for name, schema in self.info.parameters.items()
            if name.isidentifier() and not keyword.iskeyword(name)
        ]
        params.sort(key=lambda p: p.default is not inspect.Parameter.empty)
        return inspect.Signature(params)

    def __call__(self, **arguments: Any) -> Any:
        """Call the tool and return its value (see :func:`result_value`).

        Raises:
            ToolCallError: the tool reported a failure (its message).
            WorkbenchError: the server refused the call (unknown tool, not allowed...).
            CallTimeout: no answer within the client's timeout.
        """
        return self.call(arguments)

    def call(
        self,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        progress: bool | Callable[[float, float | None, str | None], None] | None = None,
    ) -> Any:
        """Call with options: ``timeout`` in seconds (default: the client's), ``progress``
        True/False to show a progress bar or not (default: in a notebook), or a function
        ``(progress, total, message)``."""
        return result_value(self.raw(arguments, timeout=timeout, progress=progress), self._out)

    def raw(
        self,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        progress: bool | Callable[[float, float | None, str | None], None] | None = None,
    ) -> ToolCallResult:
        """Call and return the whole result; an ``isError`` result raises too."""
        return self._checked(
            self._client._call_tool(self.name, arguments or {}, timeout=timeout, progress=progress)
        )

    async def acall(self, **arguments: Any) -> Any:
        """Call from async code (``await``); the same value as a synchronous call."""
        result = await self._client._acall_tool(self.name, arguments)
        return result_value(self._checked(result), self._out)

    def form(self) -> ToolForm:
        """A form for the tool's arguments (ipywidgets) that calls it and shows the result."""
        from mcp_workbench.notebook.forms import ToolForm  # noqa: PLC0415 - widgets on demand

        return ToolForm(self.info, self.call)

    @property
    def _out(self) -> dict[str, Any] | None:
        return self.info.output_schema

    def _checked(self, result: ToolCallResult) -> ToolCallResult:
        if result.is_error:
            message = result.text or f"{self.name} failed"
            raise ToolCallError(self.name, message, {"content": result.content})
        return result

    def __repr__(self) -> str:
        return f"<tool {self.name}{self.__signature__}>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{html.escape(n)}</code>{'*' if n in self.info.required else ''}"
            f"</td><td>{html.escape(str(s.get('type', s.get('anyOf', ''))))}</td>"
            f"<td>{html.escape(str(s.get('description', '')))}</td></tr>"
            for n, s in self.info.parameters.items()
        )
        table = f"<table><tr><th>argument</th><th>type</th><th></th></tr>{rows}</table>"
        return (
            f"<b>{html.escape(self.name)}</b> {html.escape(self.info.title or '')}"
            f"<p>{html.escape(self.info.description)}</p>{table if rows else ''}"
        )


def _split(name: str) -> list[str]:
    for sep in _SEPARATORS[1:]:
        name = name.replace(sep, _SEPARATORS[0])
    return name.split(_SEPARATORS[0])


class ToolNamespace:
    """The tools under a prefix: attributes for name segments, items for full names."""

    def __init__(self, client: Workbench, prefix: str = "") -> None:
        self._client = client
        self._prefix = prefix

    def _names(self) -> list[str]:
        return sorted(self._client._tool_infos())

    def _below(self) -> dict[str, list[str]]:
        """The next name segment under this prefix -> the full names beneath it."""
        head = _split(self._prefix) if self._prefix else []
        depth = len(head)
        out: dict[str, list[str]] = {}
        for name in self._names():
            parts = _split(name)
            if parts[:depth] == head and len(parts) > depth:
                out.setdefault(parts[depth], []).append(name)
        return out

    def _full(self, segment: str) -> str:
        return f"{self._prefix}.{segment}" if self._prefix else segment

    def __getattr__(self, segment: str) -> Any:
        """The tool named by the prefix and ``segment`` (a :class:`ToolHandle`), or the
        tools beneath it (a :class:`ToolNamespace`); typed ``Any``, as dynamic names are.

        Raises:
            AttributeError: no tool is named so (the message lists those there are).
        """
        if segment.startswith("_"):
            raise AttributeError(segment)
        below = self._below().get(segment)
        if not below:
            raise AttributeError(self._unknown(self._full(segment)))
        exact = [n for n in below if _split(n) == _split(self._full(segment))]
        if exact and len(below) == 1:
            return ToolHandle(self._client, self._client._tool_infos()[exact[0]])
        return ToolNamespace(self._client, self._full(segment))

    def __getitem__(self, name: str) -> ToolHandle:
        full = self._full(name) if self._prefix else name
        if self._client._cannot_wait:  # inside an async notebook tool: no list to fetch
            cached = (self._client._tools or {}).get(full)
            return ToolHandle(self._client, cached or ToolInfo(name=full))
        info = self._client._tool_infos().get(full)
        if info is None:
            raise KeyError(self._unknown(full))
        return ToolHandle(self._client, info)

    def _unknown(self, name: str) -> str:
        names = [n for n in self._names() if not self._prefix or n.startswith(self._prefix)]
        shown = ", ".join(names[:40]) + (", …" if len(names) > 40 else "")
        return f"no tool {name!r} on {self._client.address.url}; available: {shown or 'none'}"

    def __dir__(self) -> list[str]:
        return sorted(s for s in self._below() if s.isidentifier() and not keyword.iskeyword(s))

    def _ipython_key_completions_(self) -> list[str]:
        return [n for n in self._names() if n.startswith(self._prefix)]

    def __iter__(self) -> Iterator[ToolHandle]:
        infos = self._client._tool_infos()
        return iter([ToolHandle(self._client, infos[n]) for n in self._ipython_key_completions_()])

    def __len__(self) -> int:
        return len(self._ipython_key_completions_())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._full(name) in self._client._tool_infos()

    def refresh(self) -> ToolNamespace:
        """Read the tool list again from the server."""
        self._client._refresh_tools()
        return self

    def __repr__(self) -> str:
        return f"<tools {self._prefix or '*'}: {', '.join(self._ipython_key_completions_())}>"

    def _repr_html_(self) -> str:
        infos = self._client._tool_infos()
        rows = "".join(
            f"<tr><td><code>{html.escape(n)}</code></td>"
            f"<td>{html.escape((infos[n].description or ' ').splitlines()[0])}</td></tr>"
            for n in self._ipython_key_completions_()
        )
        return f"<table><tr><th>tool</th><th>description</th></tr>{rows}</table>"
