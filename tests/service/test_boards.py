"""Kanban boards in the store: lanes, dense card positions, moves, WIP limits, archiving."""

from __future__ import annotations

import pytest

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.service import BoardView, LaneSpec, Workbench

ACTOR = "tester"


def lanes_of(view: BoardView) -> dict[str, list[str]]:
    """Card titles by lane title, in position order; asserts positions are 0..n-1."""
    out: dict[str, list[str]] = {}
    for lane in view.lanes:
        cards = sorted(
            (c for c in view.cards if c.lane_id == lane.id and not c.archived),
            key=lambda c: c.position,
        )
        assert [c.position for c in cards] == list(range(len(cards)))
        out[lane.title] = [c.title for c in cards]
    return out


async def test_create_board_defaults_and_unique_ids(workbench: Workbench) -> None:
    board = await workbench.boards.create_board("My Roadmap", actor=ACTOR)
    assert board.id == "my-roadmap"
    assert [lane.title for lane in board.lanes] == ["Todo", "Doing", "Done"]
    again = await workbench.boards.create_board("My roadmap!", actor=ACTOR)
    assert again.id == "my-roadmap-2"
    with pytest.raises(Conflict):
        await workbench.boards.create_board("x", board_id="my-roadmap", actor=ACTOR)
    with pytest.raises(InvalidInput):
        await workbench.boards.create_board("x", board_id="Bad Id", actor=ACTOR)
    with pytest.raises(InvalidInput, match="two lanes"):
        await workbench.boards.create_board("x", lanes=["A", "a"], actor=ACTOR)
    with pytest.raises(InvalidInput, match="at least one lane"):
        await workbench.boards.create_board("x", lanes=[], actor=ACTOR)
    assert [b.id for b in await workbench.boards.list_boards()] == ["my-roadmap", "my-roadmap-2"]


async def test_cards_keep_dense_positions_through_moves(workbench: Workbench) -> None:
    await workbench.boards.create_board("B", actor=ACTOR)
    a = await workbench.boards.create_card("b", "Todo", "a", actor=ACTOR)
    b = await workbench.boards.create_card("B", "todo", "b", actor=ACTOR)
    c = await workbench.boards.create_card("b", "todo", "c", position=0, actor=ACTOR)
    assert lanes_of(await workbench.boards.get_board("b"))["Todo"] == ["c", "a", "b"]
    moved = await workbench.boards.move_card(a.id, lane="Doing", actor=ACTOR)
    assert (moved.position, moved.version) == (0, 2)
    await workbench.boards.move_card(c.id, position=5, actor=ACTOR)  # past the end: last
    await workbench.boards.move_card(b.id, lane="doing", position=0, actor=ACTOR)
    view = await workbench.boards.get_board("b")
    assert lanes_of(view) == {"Todo": ["c"], "Doing": ["b", "a"], "Done": []}
    with pytest.raises(InvalidInput):
        await workbench.boards.move_card(b.id, position=-1, actor=ACTOR)
    with pytest.raises(NotFound, match="no lane 'Later'"):
        await workbench.boards.move_card(b.id, lane="Later", actor=ACTOR)
    with pytest.raises(Conflict):
        await workbench.boards.move_card(b.id, lane="Done", expected_version=1, actor=ACTOR)
    assert lanes_of(await workbench.boards.get_board("b")) == lanes_of(view)


async def test_wip_limit_refuses_unless_forced(workbench: Workbench) -> None:
    await workbench.boards.create_board(
        "W", lanes=[LaneSpec(title="Todo"), LaneSpec(title="Doing", wip_limit=1)], actor=ACTOR
    )
    one = await workbench.boards.create_card("w", "Todo", "one", actor=ACTOR)
    two = await workbench.boards.create_card("w", "Todo", "two", actor=ACTOR)
    await workbench.boards.move_card(one.id, lane="Doing", actor=ACTOR)
    with pytest.raises(Conflict, match="WIP limit"):
        await workbench.boards.move_card(two.id, lane="Doing", actor=ACTOR)
    with pytest.raises(Conflict, match="WIP limit"):
        await workbench.boards.create_card("w", "Doing", "three", actor=ACTOR)
    await workbench.boards.move_card(two.id, lane="Doing", force=True, actor=ACTOR)
    assert lanes_of(await workbench.boards.get_board("w")) == {"Todo": [], "Doing": ["one", "two"]}


async def test_archive_and_restore(workbench: Workbench) -> None:
    await workbench.boards.create_board("A", actor=ACTOR)
    cards = [await workbench.boards.create_card("a", "Todo", t, actor=ACTOR) for t in "xyz"]
    archived = await workbench.boards.archive_card(cards[0].id, actor=ACTOR)
    assert archived.archived
    view = await workbench.boards.get_board("a")
    assert lanes_of(view)["Todo"] == ["y", "z"]
    assert all(not c.archived for c in view.cards)
    full = await workbench.boards.get_board("a", include_archived=True)
    assert [c.title for c in full.cards if c.archived] == ["x"]
    with pytest.raises(Conflict, match="archived"):
        await workbench.boards.move_card(cards[0].id, lane="Done", actor=ACTOR)
    await workbench.boards.archive_card(cards[0].id, archived=False, actor=ACTOR)
    assert lanes_of(await workbench.boards.get_board("a"))["Todo"] == ["y", "z", "x"]


async def test_update_card_fields_and_validation(workbench: Workbench) -> None:
    await workbench.boards.create_board("U", actor=ACTOR)
    card = await workbench.boards.create_card(
        "u", "Todo", "t", due="2026-12-01", tags=["#ops", "ops", "db"], actor=ACTOR
    )
    assert (card.due, card.tags) == ("2026-12-01", ["ops", "db"])
    done = await workbench.boards.update_card(
        card.id, done=True, due="", body="notes", expected_version=1, actor=ACTOR
    )
    assert (done.done, done.due, done.body, done.version) == (True, None, "notes", 2)
    same = await workbench.boards.update_card(card.id, done=True, actor=ACTOR)
    assert same.version == 2  # no change, no new version
    with pytest.raises(InvalidInput, match="due date"):
        await workbench.boards.update_card(card.id, due="next week", actor=ACTOR)
    with pytest.raises(InvalidInput, match="empty"):
        await workbench.boards.update_card(card.id, title="  ", actor=ACTOR)
    with pytest.raises(Conflict):  # the body changed since version 1, differently
        await workbench.boards.update_card(card.id, body="x", expected_version=1, actor=ACTOR)
    with pytest.raises(NotFound, match="no card"):
        await workbench.boards.update_card("missing", title="x", actor=ACTOR)
    with pytest.raises(InvalidInput, match="limit"):
        await workbench.boards.create_card("u", "Todo", "big", body="x" * 2_000_000, actor=ACTOR)


async def test_update_board_lanes(workbench: Workbench) -> None:
    board = await workbench.boards.create_board("L", actor=ACTOR)
    todo, doing, _ = board.lanes
    await workbench.boards.create_card("l", "Doing", "busy", actor=ACTOR)
    with pytest.raises(Conflict, match="still has cards"):
        await workbench.boards.update_board(
            "l", lanes=[LaneSpec(id=todo.id, title="Todo")], actor=ACTOR
        )
    updated = await workbench.boards.update_board(
        "l",
        title="Lanes",
        lanes=[
            LaneSpec(id=doing.id, title="In progress", wip_limit=3),
            LaneSpec(id=todo.id, title="Backlog"),
            LaneSpec(title="Review"),
        ],
        expected_version=1,
        actor=ACTOR,
    )
    assert updated.title == "Lanes"
    assert [(lane.title, lane.wip_limit) for lane in updated.lanes] == [
        ("In progress", 3),
        ("Backlog", None),
        ("Review", None),
    ]
    assert lanes_of(updated)["In progress"] == ["busy"]
    with pytest.raises(Conflict):
        await workbench.boards.update_board("l", title="again", expected_version=1, actor=ACTOR)
    archived = await workbench.boards.update_board("l", archived=True, actor=ACTOR)
    assert archived.archived
    assert await workbench.boards.list_boards() == []
    assert len(await workbench.boards.list_boards(include_archived=True)) == 1
    with pytest.raises(NotFound):
        await workbench.boards.get_board("nope")
