"""MCP tools that read Jupyter's files: ``notebooks.list`` and ``notebooks.read``.

They see what Jupyter's file browser sees, through the server's contents manager (async
or, deprecated, sync), by paths relative to its root directory; a path that leaves the root
is refused here, and by Jupyter's own managers too.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from jupyter_core.utils import ensure_async
from pydantic import BaseModel, Field
from tornado import web

from mcp_workbench.errors import InvalidInput, NotFound, PermissionDenied, ToolError
from mcp_workbench.registry import Registry

__all__ = [
    "READ_ONLY",
    "DirectoryListing",
    "NotebookContent",
    "display_text",
    "error_text",
    "register_notebook_tools",
    "timestamp",
]

T = TypeVar("T")

READ_ONLY = {"readOnlyHint": True, "idempotentHint": True}
"""Annotations of tools that only read."""
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

ApiPath = Annotated[
    str, Field(description="Path relative to Jupyter's root directory; '' is the root itself.")
]


class DirectoryEntry(BaseModel):
    """A file, notebook or folder."""

    name: str
    path: str
    type: str = Field(description="'directory', 'notebook' or 'file'.")
    last_modified: str | None = None
    size: int | None = None


class DirectoryListing(BaseModel):
    """What a folder holds, folders first, then by name."""

    path: str
    entries: list[DirectoryEntry]


class NotebookCell(BaseModel):
    """One cell with its outputs as text."""

    index: int
    cell_type: str
    source: str
    execution_count: int | None = None
    outputs: list[str] = Field(
        default_factory=list, description="Each output as text (rich ones named, not shown)."
    )


class NotebookContent(BaseModel):
    """A notebook's cells (a range of them, for long notebooks)."""

    path: str
    language: str | None
    cell_count: int
    cells: list[NotebookCell]


# -- helpers ---------------------------------------------------------------------------------
def _api_path(path: str) -> str:
    """A clean path under Jupyter's root.

    Raises:
        InvalidInput: it leaves the root (the contents manager refuses those too; a custom
            one might not).
    """
    slashed = path.strip().replace("\\", "/")
    if ".." in slashed.split("/"):
        raise InvalidInput(f"invalid path {path!r}: it leaves Jupyter's root directory")
    return posixpath.normpath("/" + slashed).lstrip("/")


async def _contents(call: Awaitable[T] | T, path: str) -> T:
    """Await a contents manager call, translating its HTTP errors into the workbench's.

    A synchronous (deprecated) manager has done its work on the loop by now, as it does for
    Jupyter's own handlers.
    """
    try:
        return await ensure_async(call)
    except web.HTTPError as exc:
        if exc.status_code == 404:
            raise NotFound(f"nothing at {path!r} under Jupyter's root directory") from None
        if exc.status_code == 403:
            raise PermissionDenied(f"Jupyter refuses access to {path!r}") from None
        detail = exc.log_message % exc.args if exc.log_message and exc.args else exc.log_message
        raise ToolError(f"cannot open {path!r}: {detail or exc.reason}") from None


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… [{len(text) - limit} more characters]"


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def timestamp(value: Any) -> str | None:
    """A time from Jupyter (a ``datetime``, or text already) as ISO 8601 text."""
    return value.isoformat() if isinstance(value, datetime) else (value or None)


def error_text(content: dict[str, Any]) -> str:
    """An error output (or iopub ``error`` message) as text: name, value, and the traceback
    without its colour codes."""
    trace = "\n".join(_ANSI.sub("", line) for line in content.get("traceback") or [])
    head = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
    return f"{head}\n{trace}" if trace else head


def display_text(data: dict[str, Any]) -> str:
    """A display's text: its ``text/plain``, and a note of the other forms it comes in."""
    parts = [_joined(data["text/plain"])] if "text/plain" in data else []
    parts += [f"[{mime} output]" for mime in data if mime != "text/plain"]
    return "\n".join(parts)


def _output_text(output: dict[str, Any]) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return _joined(output.get("text"))
    if kind in ("execute_result", "display_data"):
        return display_text(output.get("data") or {})
    if kind == "error":
        return error_text(output)
    return f"[{kind} output]"


def _cell_outputs(outputs: list[dict[str, Any]], limit: int) -> list[str]:
    """Each output as text, cut so that together they hold ``limit`` characters at most."""
    texts: list[str] = []
    room = limit
    for n, output in enumerate(outputs):
        if room <= 0:
            left = len(outputs) - n
            texts.append(f"… [{left} more output{'s' if left > 1 else ''}]")
            break
        text = _output_text(output)
        texts.append(_clip(text, room))
        room -= min(len(text), room)
    return texts


def register_notebook_tools(registry: Registry, serverapp: Any) -> None:
    """Add ``notebooks.list`` and ``notebooks.read`` for ``serverapp``'s files."""

    @registry.tool("notebooks.list", annotations=READ_ONLY, title="List notebooks and files")
    async def list_directory(path: ApiPath = "") -> DirectoryListing:
        """The folders, notebooks and files in a folder of Jupyter's root directory."""
        clean = _api_path(path)
        cm = serverapp.contents_manager
        model = await _contents(cm.get(clean, content=True, type="directory"), clean)
        entries = [
            DirectoryEntry(
                name=item["name"],
                path=item["path"],
                type=item["type"],
                last_modified=timestamp(item.get("last_modified")),
                size=item.get("size"),
            )
            for item in model["content"]
        ]
        entries.sort(key=lambda e: (e.type != "directory", e.name.lower()))
        return DirectoryListing(path=clean, entries=entries)

    @registry.tool("notebooks.read", annotations=READ_ONLY, title="Read a notebook")
    async def read_notebook(
        path: ApiPath,
        start: Annotated[int, Field(ge=0, description="Index of the first cell.")] = 0,
        limit: Annotated[int, Field(ge=1, le=1000, description="Cells at most.")] = 200,
        max_output_chars: Annotated[
            int, Field(ge=100, le=100_000, description="Per cell; longer outputs are cut.")
        ] = 2000,
    ) -> NotebookContent:
        """A notebook's cells: their type, source and outputs as text (images and other
        rich outputs are named, not included)."""
        clean = _api_path(path)
        cm = serverapp.contents_manager
        model = await _contents(cm.get(clean, content=True, type="notebook"), clean)
        notebook = model["content"]
        cells = []
        for index, cell in enumerate(notebook.cells[start : start + limit], start):
            cells.append(
                NotebookCell(
                    index=index,
                    cell_type=cell.cell_type,
                    source=_joined(cell.source),
                    execution_count=cell.get("execution_count"),
                    outputs=_cell_outputs(cell.get("outputs", []), max_output_chars),
                )
            )
        meta = notebook.metadata
        language = meta.get("language_info", {}).get("name")
        language = language or meta.get("kernelspec", {}).get("language")
        return NotebookContent(
            path=clean, language=language, cell_count=len(notebook.cells), cells=cells
        )

    del list_directory, read_notebook
