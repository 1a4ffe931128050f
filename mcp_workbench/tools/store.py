"""The store's MCP surface: its tools, its prompts and notes and boards as MCP items, kept
in step with the event log so clients get ``list_changed`` and ``resources/updated``."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field
from sqlmodel import Session, col, select

from mcp_workbench.registry import Prompt, Registry, ToolContext
from mcp_workbench.registry.items import Target
from mcp_workbench.registry.registry import ItemKind
from mcp_workbench.registry.resources import Resource, make_resource
from mcp_workbench.registry.signature import string_arguments
from mcp_workbench.service import (
    Feedback,
    PromptArgument,
    Workbench,
    board_uri,
    note_uri,
    split_ref,
)
from mcp_workbench.service.boards import BOARD_SCHEME
from mcp_workbench.service.notes import NOTE_SCHEME
from mcp_workbench.store import Event, last_seq
from mcp_workbench.store.tables import BoardRow, NoteRow
from mcp_workbench.tools import entity_access, notes, prompts, tasks
from mcp_workbench.tools.prompts import SERVED_LABEL, actor_of, stored_prompt

__all__ = ["RegistryMirror", "attach_store"]

_NOTE_MIME = "text/markdown"
_BOARD_MIME = "application/json"


@dataclass(frozen=True, slots=True)
class _Version:
    number: int
    arguments: list[PromptArgument]
    description: str


@dataclass(frozen=True, slots=True)
class _ServedPrompt:
    """What the registry shows for a stored prompt: the version its plain name serves."""

    latest: _Version
    production: int | None
    served: _Version

    @property
    def arguments(self) -> list[PromptArgument]:
        return self.served.arguments

    @property
    def description(self) -> str:
        return self.served.description


class RegistryMirror:
    """Keeps the registry's stored prompts, note resources and board resources equal to
    the store, from a snapshot and then from each committed event."""

    def __init__(self, registry: Registry, workbench: Workbench) -> None:
        self.registry = registry
        self.workbench = workbench
        self._pending: list[Event] | None = []
        self._prompts: dict[str, _ServedPrompt] = {}
        self._no_arguments = string_arguments("resource", [])
        self._unlisten = workbench.bus.listen(self._on_event)
        registry.add_prompt_resolver(self._resolve)

    # -- resources ---------------------------------------------------------------------------
    async def _read_note(self, uri: str) -> str:
        return (await self.workbench.notes.read(uri)).body

    async def _read_board(self, uri: str) -> str:
        view = await self.workbench.boards.get_board(uri.removeprefix("board://"))
        return view.model_dump_json()

    def _reader(self, read: Callable[[str], Awaitable[str]], uri: str) -> Target:
        return Target(functools.partial(read, uri), self._no_arguments, is_async=True)

    def _note_resource(self, path: str, title: str) -> Resource:
        uri = note_uri(path)
        return Resource(
            uri, path, self._reader(self._read_note, uri), title=title, mime_type=_NOTE_MIME
        )

    def _board_resource(self, board_id: str, title: str) -> Resource:
        uri = board_uri(board_id)
        return Resource(
            uri,
            board_id,
            self._reader(self._read_board, uri),
            title=title,
            description=f"Kanban board {title}: lanes and cards",
            mime_type=_BOARD_MIME,
        )

    # -- prompts ------------------------------------------------------------------------------
    def _resolve(self, ref: str) -> Prompt | None:
        name, label, version = split_ref(ref)
        state = self._prompts.get(name)
        if (label is None and version is None) or state is None:
            return None
        return stored_prompt(
            self.workbench, name, [], state.description, label=label, version=version, ref=ref
        )

    def _put_prompt(self, name: str, state: _ServedPrompt) -> None:
        self._prompts[name] = state
        label = SERVED_LABEL if state.production is not None else None
        item = stored_prompt(self.workbench, name, state.arguments, state.description, label=label)
        self.registry.add_prompt(item)

    def is_record(self, kind: ItemKind, key: str) -> bool:
        """Whether the registry item is one of the store's records (a stored prompt, a note
        or a board): those are made by the store's own events."""
        if kind == "prompt":
            return key in self._prompts
        return kind == "resource" and key.startswith((NOTE_SCHEME, BOARD_SCHEME))

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Load the store's current items, then follow the event log."""

        def snapshot(session: Session) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
            seq = last_seq(session)
            note_rows = session.exec(select(NoteRow.path, NoteRow.title)).all()
            board_rows = session.exec(
                select(BoardRow.id, BoardRow.title).where(col(BoardRow.archived).is_(False))
            ).all()
            return seq, [(r[0], r[1]) for r in note_rows], [(r[0], r[1]) for r in board_rows]

        seq, note_rows, board_rows = await self.workbench.db.read(snapshot)
        for info in await self.workbench.prompts.list():
            production = info.labels.get(SERVED_LABEL)
            latest = _Version(info.latest, info.arguments, info.description)
            served = latest
            if production is not None and production != info.latest:
                chosen = await self.workbench.prompts.get(info.name, version=production)
                served = _Version(production, chosen.arguments, chosen.description)
            self._put_prompt(info.name, _ServedPrompt(latest, production, served))
        for path, title in note_rows:
            self.registry.add_resource(self._note_resource(path, title))
        for board_id, title in board_rows:
            self.registry.add_resource(self._board_resource(board_id, title))
        pending, self._pending = self._pending or [], None
        for event in pending:
            if event.seq > seq:
                self._apply(event)

    def close(self) -> None:
        """Stop following the event log."""
        self._unlisten()

    def _on_event(self, event: Event) -> None:
        if self._pending is not None:
            self._pending.append(event)
            return
        self._apply(event)

    def _apply(self, event: Event) -> None:
        payload = event.payload
        registry = self.registry
        if event.entity == "prompt":
            if event.kind == "prompt.deleted":
                registry.remove_prompt(event.entity_id)
                self._prompts.pop(event.entity_id, None)
            elif event.kind == "prompt.renamed":
                state = self._prompts.pop(payload["from"], None)
                registry.remove_prompt(payload["from"])
                if state is not None:
                    self._put_prompt(event.entity_id, state)
            elif event.kind in ("prompt.created", "prompt.versioned", "prompt.labelled"):
                self._refresh_prompt(event)
        elif event.kind in ("note.created", "note.updated", "note.moved"):
            note = payload["note"]
            if event.kind == "note.moved":
                registry.remove_resource(note_uri(payload["from"]))
            uri = note_uri(note["path"])
            if event.kind != "note.updated" or self._title_changed(uri, note["title"]):
                registry.add_resource(self._note_resource(note["path"], note["title"]))
            registry.resource_updated(uri)
        elif event.kind == "note.deleted":
            uri = note_uri(payload["note"]["path"])
            registry.remove_resource(uri)
            registry.resource_updated(uri)
        elif event.entity == "board":
            board = payload["board"]
            uri = board_uri(board["id"])
            if board["archived"]:
                registry.remove_resource(uri)
            else:
                registry.add_resource(self._board_resource(board["id"], board["title"]))
            registry.resource_updated(uri)
        elif event.entity == "card":
            registry.resource_updated(board_uri(payload["card"]["board_id"]))

    def _title_changed(self, uri: str, title: str) -> bool:
        found = self.registry.find_resource(uri)
        return found is None or getattr(found[0], "title", None) != title

    def _refresh_prompt(self, event: Event) -> None:
        payload = event.payload
        name = event.entity_id
        state = self._prompts.get(name)
        if event.kind == "prompt.labelled":
            if state is None or payload["label"] != SERVED_LABEL:
                return
            if payload["version"] is None:
                self._put_prompt(name, _ServedPrompt(state.latest, None, state.latest))
            else:
                served = _Version(
                    payload["version"],
                    [PromptArgument(**a) for a in payload["arguments"]],
                    payload["description"],
                )
                self._put_prompt(name, _ServedPrompt(state.latest, payload["version"], served))
            return
        row = payload["version"]
        latest = _Version(
            row["version"], [PromptArgument(**a) for a in row["arguments"]], row["description"]
        )
        production = state.production if state is not None else None
        production = payload.get("labels", {}).get(SERVED_LABEL, production)
        served = latest
        if state is not None and production is not None and production != latest.number:
            served = state.served
        self._put_prompt(name, _ServedPrompt(latest, production, served))


def attach_store(registry: Registry, workbench: Workbench) -> RegistryMirror:
    """Serve ``workbench`` through ``registry``: tools, prompts, note and board resources.

    Call ``await mirror.start()`` on the serving loop before clients connect.
    """
    prompts.register(registry, workbench)
    notes.register(registry, workbench)
    tasks.register(registry, workbench)

    async def read_note(path: str) -> str:
        return (await workbench.notes.read(path)).body

    registry.add_resource(
        make_resource(
            read_note,
            "note://{+path}",
            name="note",
            title="Knowledge note",
            description="A knowledge note by its vault path",
            mime_type=_NOTE_MIME,
        )
    )

    @registry.tool("feedback.add", annotations={"readOnlyHint": False}, title="Give feedback")
    async def add_feedback(
        ctx: ToolContext,
        entity: Literal["prompt", "note", "card"],
        id: Annotated[str, Field(description="Prompt name, note id or card id.")],
        score: Annotated[float | None, Field(ge=0, le=1)] = None,
        comment: str = "",
        version: int | None = None,
    ) -> Feedback:
        """Rate (0..1) or comment on a prompt version, a note or a card."""
        await entity_access.feedback_target(ctx.require, workbench, entity, id)
        return await workbench.feedback.add(
            entity, id, score=score, comment=comment, version=version, actor=actor_of(ctx)
        )

    del add_feedback
    return RegistryMirror(registry, workbench)
