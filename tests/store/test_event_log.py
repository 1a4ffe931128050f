"""The event log: one event per change, written with the state, replayable, resumable."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlmodel import Session

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.service import Workbench
from mcp_workbench.store import Event, events_after
from mcp_workbench.store.migrations import current_revision, head_revision
from mcp_workbench.store.rebuild import Difference, replay, verify

ACTOR = "tester"


async def _mutate_everything(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="Hi {{who}}", labels=["staging"], actor=ACTOR)
    await workbench.prompts.update("p", template="Hello {{who}}", actor=ACTOR)
    await workbench.prompts.set_label("p", "production", 2, actor=ACTOR)
    await workbench.prompts.create("gone", template="x", actor=ACTOR)
    await workbench.prompts.delete("gone", actor=ACTOR)
    note = await workbench.notes.write("a", "# A\n#t [[b]]", actor=ACTOR)
    await workbench.notes.write("a", "# A2", actor=ACTOR)
    await workbench.notes.move("a", "dir/a", actor=ACTOR)
    await workbench.notes.write("del", "x", actor=ACTOR)
    await workbench.notes.delete("del", actor=ACTOR)
    await workbench.boards.create_board("B", actor=ACTOR)
    cards = [await workbench.boards.create_card("b", "Todo", t, actor=ACTOR) for t in "abc"]
    await workbench.boards.move_card(cards[2].id, lane="Doing", actor=ACTOR)
    await workbench.boards.move_card(cards[1].id, position=0, actor=ACTOR)
    await workbench.boards.update_card(cards[0].id, done=True, actor=ACTOR)
    await workbench.boards.archive_card(cards[1].id, actor=ACTOR)
    await workbench.boards.update_board("b", title="Board", actor=ACTOR)
    await workbench.feedback.add("note", note.id, score=0.5, comment="ok", actor=ACTOR)


async def _verify(workbench: Workbench) -> list[Difference]:
    return await workbench.db.write(verify, rollback=True)


async def test_every_change_is_one_event_in_order(workbench: Workbench) -> None:
    seen: list[Event] = []
    workbench.bus.listen(seen.append)
    await _mutate_everything(workbench)
    logged = await workbench.db.read(lambda s: events_after(s, 0))
    assert [e.kind for e in logged] == [
        "prompt.created", "prompt.versioned", "prompt.labelled", "prompt.created",
        "prompt.deleted", "note.created", "note.updated", "note.moved", "note.created",
        "note.deleted", "board.created", "card.created", "card.created", "card.created",
        "card.moved", "card.moved", "card.updated", "card.archived", "board.updated",
        "feedback.created",
    ]  # fmt: skip
    assert [e.seq for e in logged] == list(range(1, len(logged) + 1))
    assert all(e.actor == ACTOR for e in logged)
    await asyncio.sleep(0)  # the bus delivers on the loop right after the commit
    assert [e.seq for e in seen] == [e.seq for e in logged]
    note_events = [e for e in logged if e.entity == "note" and e.kind != "note.created"]
    assert [e.version for e in note_events[:2]] == [2, 3]


async def test_state_equals_the_replay_of_the_log(workbench: Workbench) -> None:
    await _mutate_everything(workbench)
    assert await _verify(workbench) == []


async def test_verify_detects_tampering_and_replay_repairs(workbench: Workbench) -> None:
    await _mutate_everything(workbench)

    def tamper(session: Session) -> None:
        session.execute(text("UPDATE notes SET body = 'changed behind the log'"))
        session.execute(text("DELETE FROM prompt_labels WHERE label = 'production'"))

    await workbench.db.write(tamper)
    differences = await _verify(workbench)
    assert {d[0] for d in differences} == {"notes", "prompt_labels"}
    note_diff = next(d for d in differences if d[0] == "notes")
    assert note_diff[2]["body"] == "changed behind the log"
    assert note_diff[3]["body"] == "# A2"
    applied = await workbench.db.write(replay)
    assert applied == await workbench.last_seq()
    assert await _verify(workbench) == []
    assert (await workbench.notes.read("dir/a")).body == "# A2"
    # Search follows the replayed rows too.
    assert [h.path for h in await workbench.notes.search("A2")] == ["dir/a.md"]


async def test_refused_changes_leave_no_event(workbench: Workbench) -> None:
    await workbench.notes.write("n", "x", actor=ACTOR)
    seq = await workbench.last_seq()
    with pytest.raises(InvalidInput):
        await workbench.notes.write("../n", "x", actor=ACTOR)
    with pytest.raises(NotFound):
        await workbench.boards.create_card("nope", "Todo", "t", actor=ACTOR)
    with pytest.raises(InvalidInput):
        await workbench.feedback.add("note", "x", score=2, actor=ACTOR)
    with pytest.raises(NotFound):
        await workbench.feedback.add("card", "missing", comment="hm", actor=ACTOR)
    assert await workbench.last_seq() == seq


async def test_events_resume_from_a_seq_then_follow(workbench: Workbench) -> None:
    for i in range(5):
        await workbench.notes.write(f"n{i}", "x", actor=ACTOR)
    got: list[int] = []

    async def consume() -> None:
        async for event in workbench.events(after=2):
            got.append(event.seq)
            if event.seq == 8:
                return

    task = asyncio.create_task(consume())
    for i in range(5, 8):
        await workbench.notes.write(f"n{i}", "x", actor=ACTOR)
    await asyncio.wait_for(task, 10)
    assert got == [3, 4, 5, 6, 7, 8]
    backlog = [e.seq async for e in workbench.events(after=6, follow=False)]
    assert backlog == [7, 8]


async def test_a_lagging_consumer_catches_up_from_the_store(workbench: Workbench) -> None:
    got: list[int] = []
    stream_events = workbench.events(after=0)

    async def consume() -> None:
        async for event in stream_events:
            got.append(event.seq)
            if event.seq == 1:
                await asyncio.sleep(0.3)  # fall behind while 40 more are written
            if event.seq == 41:
                return

    task = asyncio.create_task(consume())
    original = workbench.bus.stream
    workbench.bus.stream = lambda maxsize=10_000: original(4)  # type: ignore[method-assign]
    try:
        await asyncio.gather(*(workbench.notes.write(f"n{i}", "x", actor=ACTOR) for i in range(41)))
        await asyncio.wait_for(task, 10)
    finally:
        workbench.bus.stream = original  # type: ignore[method-assign]
    assert got == list(range(1, 42))


async def test_feedback_is_stored(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="x", actor=ACTOR)
    added = await workbench.feedback.add("prompt", "p", score=1.0, version=1, actor=ACTOR)
    assert (added.entity, added.entity_id, added.score, added.actor) == ("prompt", "p", 1.0, ACTOR)
    with pytest.raises(InvalidInput, match="give a score"):
        await workbench.feedback.add("prompt", "p", actor=ACTOR)
    with pytest.raises(InvalidInput, match="not 'board'"):
        await workbench.feedback.add("board", "b", score=1, actor=ACTOR)
    assert [f.id for f in await workbench.feedback.list("prompt", "p")] == [added.id]


async def test_migrations_are_at_head_and_idempotent(workbench: Workbench) -> None:
    workbench.db.upgrade()  # a second run does nothing
    with workbench.db.engine.connect() as connection:
        assert current_revision(connection) == head_revision() == "0005"


async def test_the_migrations_build_what_the_tables_declare(workbench: Workbench) -> None:
    """A table or column added to the models without a migration (or the reverse) shows."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with workbench.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    flat = [d for group in differences for d in (group if isinstance(group, list) else [group])]
    real = [
        d
        for d in flat
        # Full-text search lives outside the models (FTS5 tables, a generated column)...
        if not (d[0] == "remove_table" and d[1].name.startswith("notes_fts"))
        and not (d[0] == "remove_index" and d[1].name == "ix_notes_search")
        and not (d[0] == "remove_column" and d[3].name == "search")
        # ...and a long text column is TEXT in the schema where the model says str.
        and not (
            d[0] == "modify_type"
            and {type(d[5]).__name__, type(d[6]).__name__}
            <= {"TEXT", "AutoString", "String", "VARCHAR"}
        )
    ]
    assert real == []


async def test_changes_from_another_process_are_published(database_url: str) -> None:
    """A second writer on the same store (the CLI, another node) is seen through the log."""
    server = Workbench.open(database_url=database_url, poll_interval=0.05)
    other = Workbench.open(database_url=database_url, poll_interval=0)
    await server.start()
    seen: list[Event] = []
    arrived = asyncio.Event()

    def on_event(event: Event) -> None:
        seen.append(event)
        arrived.set()

    server.bus.listen(on_event)
    try:
        await server.notes.write("mine", "x", actor=ACTOR)
        await other.notes.write("theirs", "y", actor="cli")
        await server.notes.write("mine", "x2", actor=ACTOR)
        async with asyncio.timeout(10):
            while len(seen) < 3:
                arrived.clear()
                await arrived.wait()
        assert [(e.seq, e.actor) for e in seen] == [(1, ACTOR), (2, "cli"), (3, ACTOR)]
    finally:
        server.close()
        other.close()


async def test_two_writers_cannot_both_pass_a_version_check_regression(
    database_url: str,
) -> None:
    """Regression: on SQLite the driver began a write's transaction only at its first
    write, so two processes could both pass ``expected_version=1`` and one update was lost."""
    one = Workbench.open(database_url=database_url, poll_interval=0)
    two = Workbench.open(database_url=database_url, poll_interval=0)
    try:
        await one.notes.write("n", "v1", actor=ACTOR)

        async def update(wb: Workbench, body: str) -> str:
            try:
                await wb.notes.write("n", body, expected_version=1, actor=ACTOR)
            except Conflict:
                return "conflict"
            return body

        outcomes = await asyncio.gather(
            *(update(one if i % 2 else two, f"body {i}") for i in range(10))
        )
        winners = [o for o in outcomes if o != "conflict"]
        assert len(winners) == 1
        note = await one.notes.read("n")
        assert (note.version, note.body) == (2, winners[0])
        events = await one.db.read(lambda s: events_after(s, 0))
        assert [e.version for e in events if e.kind == "note.updated"] == [2]
    finally:
        one.close()
        two.close()
