"""The workbench's store as vault sync's repository.

Every change vault sync makes goes through ``service/`` under the actor ``vault-sync``, so
it is an event like any other: MCP clients get ``resources/updated``, the UIs realtime
events, the audit log an entry. Bases (what vault and store last agreed on) live in the
store's ``vault_bases`` table, beside the data they describe.

Identity: a file's frontmatter ``id`` is the note id and the board id; a prompt's is its
name until it is renamed in the vault (``vault_keys`` then maps the file's id to the new
name). Formatting the store does not keep — a card's text with its tags where the user
put them, a lane's **Complete** flag, the order of a prompt's labels — comes from the base,
so an unchanged item reads back byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, insert
from sqlmodel import Session, col, delete, select

from mcp_workbench.errors import Conflict, NotFound, StoreError, WorkbenchError
from mcp_workbench.service import PromptArgument as StoreArgument
from mcp_workbench.service import (
    PromptVersion,
    Workbench,
    board_slug,
)
from mcp_workbench.service.notes import NoteService, note_from_row
from mcp_workbench.service.templates import placeholders
from mcp_workbench.store import EventDraft
from mcp_workbench.store.tables import BoardRow, NoteRow, PromptRow, VaultBaseRow, VaultKeyRow
from mcp_workbench.vault.convert import (
    board_content,
    board_entity,
    messages_of,
    note_entity,
    note_frontmatter,
    ordered_like,
    recard,
    template_of,
)
from vault_sync import (
    Board,
    ConflictCopy,
    Entity,
    EntityKind,
    PromptArgument,
    RepositoryRefused,
    SyncBase,
    VaultNote,
    VaultPrompt,
    new_entity_id,
)
from vault_sync.codec import parse_entity
from vault_sync.errors import UnreadableFile
from vault_sync.kanban import new_block_id

__all__ = ["VAULT_ACTOR", "StoreRepository"]

VAULT_ACTOR = "vault-sync"
"""Who the event log and the audit log say made the changes that came from the vault."""

T = TypeVar("T")

_BOARD_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_RETRIES = 5


# -- the table of bases and keys ------------------------------------------------------------
def _base(row: VaultBaseRow) -> SyncBase:
    conflict = None
    if row.conflict_path is not None and row.conflict_hash is not None:
        conflict = ConflictCopy(row.conflict_path, row.conflict_hash)
    return SyncBase(
        EntityKind(row.kind), row.entity_id, row.path, row.text, row.file_hash, conflict
    )


def _base_values(base: SyncBase) -> dict[str, Any]:
    """The ``vault_bases`` row of ``base``, as column values (a bulk insert takes these)."""
    return {
        "kind": base.kind.value,
        "entity_id": base.entity_id,
        "path": base.path,
        "text": base.text,
        "file_hash": base.file_hash,
        "conflict_path": base.conflict.path if base.conflict else None,
        "conflict_hash": base.conflict.hash if base.conflict else None,
    }


_BASES: Table = VaultBaseRow.__table__  # type: ignore[attr-defined]


def _store_key(session: Session, kind: EntityKind, entity_id: str) -> str | None:
    """The store key of the item a file with ``entity_id`` stands for; None when that key
    is another file's."""
    row = session.get(VaultKeyRow, (kind.value, entity_id))
    if row is not None:
        return row.key
    return None if _file_id(session, kind, entity_id) is not None else entity_id


def _file_id(session: Session, kind: EntityKind, key: str) -> str | None:
    """The file id mapped to store key ``key``, None when none is (the key is its own)."""
    query = select(VaultKeyRow.entity_id).where(
        col(VaultKeyRow.kind) == kind.value, col(VaultKeyRow.key) == key
    )
    return session.exec(query).first()


def _entity_ids(session: Session, kind: EntityKind) -> dict[str, str]:
    """Store key → file id, for the keys whose file id differs."""
    rows = session.exec(select(VaultKeyRow).where(col(VaultKeyRow.kind) == kind.value))
    return {row.key: row.entity_id for row in rows}


class StoreRepository:
    """:class:`vault_sync.SyncRepository` over a :class:`Workbench`.

    ``recheck`` collects the entities the store took differently from how the vault put
    them (a derived argument list, a card id that was another board's): syncing them once
    more writes the store's version back to the file.
    """

    def __init__(self, workbench: Workbench, *, actor: str = VAULT_ACTOR) -> None:
        self.workbench = workbench
        self.actor = actor
        self.recheck: set[tuple[EntityKind, str]] = set()

    async def _read(self, fn: Callable[[Session], T]) -> T:
        return await self.workbench.db.read(fn)

    async def _write(self, fn: Callable[[Session], T]) -> T:
        return await self.workbench.db.write(fn)

    async def key_of(self, kind: EntityKind, entity_id: str) -> str | None:
        """The store key (prompt name, note id, board id) for a file id."""
        return await self._read(lambda s: _store_key(s, kind, entity_id))

    async def entity_id_of(self, kind: EntityKind, key: str) -> str:
        """The file id for a store key."""

        return await self._read(lambda s: _file_id(s, kind, key) or key)

    async def _link(self, kind: EntityKind, entity_id: str, key: str) -> None:
        def write(session: Session) -> None:
            session.exec(
                delete(VaultKeyRow).where(
                    col(VaultKeyRow.kind) == kind.value,
                    (col(VaultKeyRow.entity_id) == entity_id) | (col(VaultKeyRow.key) == key),
                )
            )
            if key != entity_id:
                session.add(VaultKeyRow(kind=kind.value, entity_id=entity_id, key=key))

        await self._write(write)

    # -- entities -------------------------------------------------------------------------
    async def list_entities(self, kind: EntityKind) -> Sequence[Entity]:
        ids = await self._read(lambda s: _entity_ids(s, kind))
        if kind is EntityKind.NOTE:
            notes = await self._read(lambda s: [note_from_row(r) for r in s.exec(select(NoteRow))])
            return [note_entity(note, ids.get(note.id, note.id)) for note in notes]
        if kind is EntityKind.PROMPT:
            names = await self._read(lambda s: list(s.exec(select(PromptRow.name))))
            out: list[Entity] = []
            for name in names:
                found = await self._prompt(ids.get(name, name), name)
                if found is not None:
                    out.append(found)
            return out
        boards = await self._read(
            lambda s: list(s.exec(select(BoardRow.id).where(col(BoardRow.archived).is_(False))))
        )
        bases = {b.entity_id: b for b in await self.list_bases() if b.kind is EntityKind.BOARD}
        result: list[Entity] = []
        for board_id in boards:
            entity_id = ids.get(board_id, board_id)
            found_board = await self._board(entity_id, board_id, bases.get(entity_id))
            if found_board is not None:
                result.append(found_board)
        return result

    async def get_entity(self, kind: EntityKind, entity_id: str) -> Entity | None:
        key = await self.key_of(kind, entity_id)
        if key is None:
            return None
        if kind is EntityKind.NOTE:
            try:
                note = await self.workbench.notes.read_id(key)
            except NotFound:
                return None
            return note_entity(note, entity_id)
        if kind is EntityKind.PROMPT:
            return await self._prompt(entity_id, key)
        return await self._board(entity_id, key, await self.get_base(kind, entity_id))

    async def _prompt(self, entity_id: str, name: str) -> VaultPrompt | None:
        try:
            version = await self.workbench.prompts.get(name)
        except NotFound:
            return None
        base = await self.get_base(EntityKind.PROMPT, entity_id)
        before: tuple[str, ...] = ()
        if base is not None and base.text is not None:
            try:
                old = parse_entity(EntityKind.PROMPT, base.path, base.text)
                before = old.labels if isinstance(old, VaultPrompt) else ()
            except UnreadableFile:
                before = ()
        labels = [label for label in version.labels if label != "latest"]
        return VaultPrompt(
            id=entity_id,
            name=version.name,
            template=template_of(version.messages),
            description=version.description,
            arguments=tuple(
                PromptArgument(a.name, a.description, a.required) for a in version.arguments
            ),
            labels=ordered_like(labels, before),
        )

    async def _board(self, entity_id: str, key: str, base: SyncBase | None) -> Board | None:
        try:
            view = await self.workbench.boards.get_board(key, include_archived=True)
        except NotFound:
            return None
        if view.archived or view.id != key:
            return None
        before: Board | None = None
        if base is not None and base.text is not None:
            try:
                parsed = parse_entity(EntityKind.BOARD, base.path, base.text)
                before = parsed if isinstance(parsed, Board) else None
            except UnreadableFile:
                before = None
        return board_entity(view, entity_id, before)

    async def put_entity(self, entity: Entity) -> None:
        try:
            if isinstance(entity, VaultNote):
                await self._put_note(entity)
            elif isinstance(entity, VaultPrompt):
                await self._put_prompt(entity)
            else:
                await self._put_board(entity)
        except StoreError:
            raise
        except WorkbenchError as exc:
            raise RepositoryRefused(str(exc)) from exc

    async def put_new(self, items: Sequence[tuple[Entity, SyncBase]]) -> Sequence[Exception | None]:
        """New notes in one transaction with their bases (the first import of a vault);
        prompts and boards one by one."""
        outcomes: list[Exception | None] = [None] * len(items)
        notes: list[tuple[int, dict[str, Any], SyncBase]] = []
        for n, (entity, base) in enumerate(items):
            if not isinstance(entity, VaultNote):
                continue
            try:
                state = self.workbench.notes.prepare(
                    entity.path,
                    entity.body,
                    frontmatter=note_frontmatter(entity),
                    note_id=entity.id,
                )
            except WorkbenchError as exc:
                outcomes[n] = RepositoryRefused(str(exc))
                continue
            notes.append((n, state, base))

        def mutation(session: Session, now: float) -> list[EventDraft]:
            drafts, refusals = NoteService.creations(session, [s for _, s, _ in notes], now)
            rows = []
            for (n, _, base), refusal in zip(notes, refusals, strict=True):
                if refusal is not None:
                    outcomes[n] = RepositoryRefused(str(refusal))
                else:
                    rows.append(_base_values(base))
            if rows:
                session.connection().execute(insert(_BASES), rows)
            return drafts

        if notes:
            await self.workbench.core.commit(mutation, self.actor)
        for n, (entity, base) in enumerate(items):
            if isinstance(entity, VaultNote):
                continue
            try:
                await self.put_entity(entity)
            except RepositoryRefused as exc:
                outcomes[n] = exc
                continue
            await self.put_base(base)
        return outcomes

    async def _put_note(self, note: VaultNote) -> None:
        key = await self.key_of(EntityKind.NOTE, note.id)
        if key is None:
            raise RepositoryRefused(f"note id {note.id!r} is another note's")
        notes = self.workbench.notes
        current = await self._read(lambda s: s.get(NoteRow, key))
        if current is not None and current.path != note.path:
            await notes.move(current.path, note.path, actor=self.actor)
        await notes.write(
            note.path,
            note.body,
            frontmatter=note_frontmatter(note),
            note_id=key if current is None else None,
            expected_version=0 if current is None else None,
            actor=self.actor,
        )

    async def _put_prompt(self, prompt: VaultPrompt) -> None:
        prompts = self.workbench.prompts
        key = await self.key_of(EntityKind.PROMPT, prompt.id)
        if key is None:
            raise RepositoryRefused(f"prompt id {prompt.id!r} is another prompt's")
        messages = messages_of(prompt.template)
        declared = [
            StoreArgument(name=a.name, description=a.description, required=a.required)
            for a in prompt.arguments
        ]
        names = {a.name for a in declared}
        undeclared = [n for n in placeholders(m.text for m in messages) if n not in names]
        arguments = [*declared, *(StoreArgument(name=n) for n in undeclared)]
        current: PromptVersion | None
        try:
            current = await prompts.get(key)
        except NotFound:
            current = None
        if current is None:
            latest = await prompts.create(
                prompt.name,
                messages=messages,
                description=prompt.description,
                arguments=arguments,
                actor=self.actor,
            )
        else:
            if key != prompt.name:
                await prompts.rename(key, prompt.name, actor=self.actor)
            latest = current
            if (
                current.messages != messages
                or current.description != prompt.description
                or current.arguments != arguments
            ):
                latest = await prompts.update(
                    prompt.name,
                    messages=messages,
                    description=prompt.description,
                    arguments=arguments,
                    message="edited in the vault",
                    actor=self.actor,
                )
        await self._link(EntityKind.PROMPT, prompt.id, prompt.name)
        if undeclared:  # the file should list them too
            self.recheck.add((EntityKind.PROMPT, prompt.id))
        wanted = set(prompt.labels)
        have = {label for label in latest.labels if label != "latest"}
        for label in sorted(wanted - have):
            await prompts.set_label(prompt.name, label, latest.version, actor=self.actor)
        for label in sorted(have - wanted):
            await prompts.set_label(prompt.name, label, None, actor=self.actor)

    async def _put_board(self, board: Board) -> None:
        key = await self.key_of(EntityKind.BOARD, board.id)
        if key is None:
            raise RepositoryRefused(f"board id {board.id!r} is another board's")
        if not _BOARD_ID.match(key):
            key = await self._board_key(board)
            await self._link(EntityKind.BOARD, board.id, key)
        content = board_content(board)
        taken = {card.id for card in board.cards()}
        for attempt in range(_RETRIES):
            try:
                await self.workbench.boards.save_content(key, content, actor=self.actor)
            except Conflict as exc:
                card = (exc.data or {}).get("card")
                if not isinstance(card, str):
                    raise
                fresh = new_block_id(taken)
                taken.add(fresh)
                content = recard(content, card, fresh)
                continue
            if attempt:  # cards got new ids: the file should carry them
                self.recheck.add((EntityKind.BOARD, board.id))
            return
        raise RepositoryRefused(f"board {board.name!r}: card ids keep clashing with other boards")

    async def _board_key(self, board: Board) -> str:
        """A store id for a board whose file id the store cannot take."""
        stem = board_slug(board.name)

        def pick(session: Session) -> str:
            chosen, n = stem, 2
            while session.get(BoardRow, chosen) is not None:
                chosen, n = f"{stem}-{n}", n + 1
            return chosen

        return await self._read(pick)

    async def delete_entity(self, kind: EntityKind, entity_id: str) -> None:
        key = await self.key_of(kind, entity_id)
        if key is None:
            return
        try:
            if kind is EntityKind.NOTE:
                row = await self._read(lambda s: s.get(NoteRow, key))
                if row is not None:
                    await self.workbench.notes.delete(row.path, actor=self.actor)
            elif kind is EntityKind.PROMPT:
                await self.workbench.prompts.delete(key, actor=self.actor)
            else:
                # A board file deleted in the vault archives the board: it can be restored.
                await self.workbench.boards.update_board(key, archived=True, actor=self.actor)
        except NotFound:
            return
        except StoreError:
            raise
        except WorkbenchError as exc:
            raise RepositoryRefused(str(exc)) from exc

    # -- bases ----------------------------------------------------------------------------
    async def list_bases(self) -> Sequence[SyncBase]:
        rows = await self._read(lambda s: list(s.exec(select(VaultBaseRow))))
        return [_base(row) for row in rows]

    async def get_base(self, kind: EntityKind, entity_id: str) -> SyncBase | None:
        row = await self._read(lambda s: s.get(VaultBaseRow, (kind.value, entity_id)))
        return None if row is None else _base(row)

    async def put_base(self, base: SyncBase) -> None:
        row = VaultBaseRow(**_base_values(base))
        await self._write(lambda s: s.merge(row))

    async def delete_base(self, kind: EntityKind, entity_id: str) -> None:
        def write(session: Session) -> None:
            session.exec(
                delete(VaultBaseRow).where(
                    col(VaultBaseRow.kind) == kind.value, col(VaultBaseRow.entity_id) == entity_id
                )
            )

        await self._write(write)


def new_id(kind: EntityKind) -> str:
    """Ids for files that have none: 16 hex digits like the store's own."""
    return new_entity_id(kind)[:16]
