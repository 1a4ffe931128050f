"""``EventSubscription``: what one client of the events socket receives, without tornado.

A client names the last ``seq`` it applied (or none: only new events). Events after it are
replayed from the store, then live ones follow, each once and in order. A client too far
behind (more than :data:`REPLAY_LIMIT` events, older than the oldest event the log keeps,
or ahead of the log, as after the store was replaced) gets a snapshot of the current state
first and continues from the snapshot's ``seq``.

Under an access policy a client sees only what it may ``list``: other events are left out
and the snapshot holds only listable items. Events of items it may list but not ``read``
come without their payload (``"redacted": true``), as boards in the snapshot come without
their cards: a list shows names, not contents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from mcp_workbench.engine import Session
from mcp_workbench.engine.access import Access
from mcp_workbench.engine.catalog import POLICY_KINDS
from mcp_workbench.errors import NotFound
from mcp_workbench.service import Board, NoteSummary, PromptInfo, Workbench, note_uri
from mcp_workbench.store import Event
from mcp_workbench.store.tables import CardRow, EventRow, NoteRow

__all__ = ["REPLAY_LIMIT", "EventSubscription", "StartPosition", "parse_after", "start_position"]

REPLAY_LIMIT = 10_000
"""Events a client may be behind and still have them replayed; further behind it gets a
snapshot, which is cheaper to send and to apply."""

_SNAPSHOT_TRIES = 3
_NOTE_PAGE = 1000

T = TypeVar("T")
Verdict = Literal["show", "redact", "hide"]


@dataclass(frozen=True, slots=True)
class StartPosition:
    """Where a client's stream starts: after ``after``, or with a snapshot."""

    after: int
    snapshot: bool = False


def parse_after(raw: str | None) -> int | None:
    """The ``after`` query value as a ``seq``; None when absent.

    Raises:
        ValueError: it is not a non-negative integer (the message says so).
    """
    if raw is None:
        return None
    value = raw.strip()
    if not value.isdigit() or not value.isascii():
        raise ValueError(f"after must be a non-negative integer (an event seq), not {raw[:20]!r}")
    return int(value)


def _first_seq(session: DbSession) -> int | None:
    value = session.exec(select(func.min(col(EventRow.seq)))).one()
    return None if value is None else int(value)


async def start_position(workbench: Workbench, after: int | None) -> StartPosition:
    """Where to start for a client that applied everything up to ``after`` (None: nothing
    it wants replayed). Read before the client is told it is connected, so that every change
    made after that reaches it.

    Raises:
        StoreError: the store cannot be read.
    """
    last = await workbench.last_seq()
    if after is None or after == last:
        return StartPosition(last)
    first = await workbench.db.read(_first_seq)
    compacted = first is not None and after < first - 1
    if after > last or compacted or last - after > REPLAY_LIMIT:
        return StartPosition(last, snapshot=True)
    return StartPosition(after)


class EventSubscription:
    """The frames for one client: an optional snapshot, then events, as JSON objects.

    It pulls events from :meth:`Workbench.events` one at a time, so a slow client holds
    back only its own reading: what piles up meanwhile is the bus's bounded stream, and
    once that overflows the store is read instead.
    """

    def __init__(
        self, workbench: Workbench, access: Access, session: Session, start: StartPosition
    ) -> None:
        self.workbench = workbench
        self.access = access
        self.session = session
        """The caller, as the access policy sees it (principal, roles, transport)."""
        self.start = start

    async def frames(self) -> AsyncIterator[dict[str, Any]]:
        """``{"type": "snapshot", ...}`` when the start asks for it, then ``{"type":
        "event", ...}`` for each event the caller may see, forever.

        Raises:
            StoreError: the store cannot be read.
        """
        after = self.start.after
        if self.start.snapshot:
            snapshot = await self.snapshot()
            after = snapshot["seq"]
            yield snapshot
        async for event in self.workbench.events(after):
            verdict = await self.verdict(event)
            if verdict == "show":
                yield {"type": "event", **event.to_json()}
            elif verdict == "redact":
                yield {"type": "event", **event.to_json(), "payload": {}, "redacted": True}

    async def snapshot(self) -> dict[str, Any]:
        """The current prompts, notes (summaries) and boards (with their cards) the caller
        may list, and the ``seq`` they reflect.

        The lists are read one after the other; if the log moved meanwhile they are read
        again (a few times at most). Should it keep moving, the events after ``seq`` may
        repeat a change the lists already hold: each carries its item's ``version``.
        """
        workbench = self.workbench
        for _ in range(_SNAPSHOT_TRIES):
            seq = await workbench.last_seq()
            prompts = [
                p.model_dump(mode="json")
                for p in self._listable("prompt", await workbench.prompts.list(), _name)
            ]
            notes = [
                n.model_dump(mode="json")
                for n in self._listable("resource", await self._notes(), _uri)
            ]
            boards = await self._boards()
            if await workbench.last_seq() == seq:
                break
        return {
            "type": "snapshot",
            "seq": seq,
            "prompts": prompts,
            "notes": notes,
            "boards": boards,
        }

    async def _notes(self) -> list[NoteSummary]:
        notes: list[NoteSummary] = []
        while True:
            page = await self.workbench.notes.list(limit=_NOTE_PAGE, offset=len(notes))
            notes.extend(page)
            if len(page) < _NOTE_PAGE:
                return notes

    async def _boards(self) -> list[dict[str, Any]]:
        boards = self.workbench.boards
        out: list[dict[str, Any]] = []
        for board in self._listable("board", await boards.list_boards(), _id):
            if not self._may("read", "board", board.id):
                out.append({**board.model_dump(mode="json"), "cards": [], "redacted": True})
                continue
            try:
                view = await boards.get_board(board.id)
            except NotFound:  # gone since it was listed
                continue
            out.append(view.model_dump(mode="json"))
        return out

    def _listable(self, kind: str, items: Sequence[T], name_of: Callable[[T], str]) -> list[T]:
        return self.access.visible(self.session, kind, items, name_of)

    def _may(self, action: str, kind: str, name: str) -> bool:
        return self.access.can(self.session, action, kind, name)

    async def verdict(self, event: Event) -> Verdict:
        """Whether the caller gets ``event`` whole, without its payload, or not at all."""
        if not self.access.active:
            return "show"
        subject = await self._subject(event)
        if subject is None or not self._may("list", *subject):
            return "hide"
        return "show" if self._may("read", *subject) else "redact"

    async def _subject(self, event: Event) -> tuple[str, str] | None:
        """The policy's ``(kind, name)`` for the item ``event`` is about (a card is its
        board's, feedback its target's); None for what the policy cannot name."""
        entity, entity_id, payload = event.entity, event.entity_id, event.payload
        if entity == "prompt":
            return "prompt", entity_id
        if entity == "board":
            return "board", entity_id
        if entity == "note":
            path = payload.get("note", {}).get("path")
            if not isinstance(path, str):  # feedback on a note names it by id
                path = await self.workbench.db.read(lambda s: _note_path(s, entity_id))
            return None if path is None else ("resource", note_uri(path))
        if entity == "card":
            board = payload.get("card", {}).get("board_id")
            if not isinstance(board, str):
                board = await self.workbench.db.read(lambda s: _card_board(s, entity_id))
            return None if board is None else ("board", board)
        if entity == "catalog":  # a tool, prompt or resource of a server's catalog
            item = payload.get("item", {})
            kind = POLICY_KINDS.get(item.get("kind"))
            key = item.get("key")
            return None if kind is None or not isinstance(key, str) else (kind, key)
        return None


def _name(prompt: PromptInfo) -> str:
    return prompt.name


def _uri(note: NoteSummary) -> str:
    return note.uri


def _id(board: Board) -> str:
    return board.id


def _note_path(session: DbSession, note_id: str) -> str | None:
    row = session.get(NoteRow, note_id)
    return None if row is None else row.path


def _card_board(session: DbSession, card_id: str) -> str | None:
    row = session.get(CardRow, card_id)
    return None if row is None else row.board_id
