"""Concurrent writes from different clients: a write based on an older version is merged
three-way with what changed since, or refused with a ``Conflict`` that names the fields."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlmodel import Session, col, delete

from mcp_workbench.errors import Conflict
from mcp_workbench.service import Workbench
from mcp_workbench.service.board_content import BoardContent, CardContent, LaneContent
from mcp_workbench.service.merge import StaleWrite, stale_write
from mcp_workbench.store import Event, events_after
from mcp_workbench.store.tables import EventRow

ACTOR = "tester"

NOTE = """# Plan

Soil: test the pH in March.

Seeds: order tomatoes and beans.

Water: fix the hose.
"""


async def events_of(workbench: Workbench, entity_id: str) -> list[Event]:
    events = await workbench.db.read(lambda s: events_after(s, 0))
    return [e for e in events if e.entity_id == entity_id]


# -- notes --------------------------------------------------------------------------------------
async def test_edits_of_different_paragraphs_from_one_version_both_land(
    workbench: Workbench,
) -> None:
    first = await workbench.notes.write("plan.md", NOTE, actor=ACTOR)
    alice = NOTE.replace("in March", "in March #soil")
    bob = NOTE.replace("fix the hose", "fix the hose, see [[Hoses]]")
    one = await workbench.notes.write("plan.md", alice, expected_version=1, actor="alice")
    two = await workbench.notes.write("plan.md", bob, expected_version=1, actor="bob")

    assert (one.version, two.version) == (2, 3)
    assert two.body == NOTE.replace("in March", "in March #soil").replace(
        "fix the hose", "fix the hose, see [[Hoses]]"
    )
    # Tags and links follow from the merged body, not from either side alone.
    assert (two.tags, two.links) == (["soil"], ["Hoses"])
    assert (await workbench.notes.read("plan.md")).body == two.body
    merged = (await events_of(workbench, first.id))[-1]
    assert (merged.kind, merged.version, merged.actor) == ("note.updated", 3, "bob")
    assert merged.payload["merged"] == {"base": 1, "current": 2}
    assert "merged" not in (await events_of(workbench, first.id))[1].payload


async def test_the_same_line_edited_differently_is_a_conflict_and_changes_nothing(
    workbench: Workbench,
) -> None:
    await workbench.notes.write("plan.md", NOTE, actor=ACTOR)
    kept = await workbench.notes.write(
        "plan.md", NOTE.replace("tomatoes", "peppers"), expected_version=1, actor="alice"
    )
    seq = await workbench.last_seq()
    with pytest.raises(Conflict) as caught:
        await workbench.notes.write(
            "plan.md", NOTE.replace("tomatoes", "squash"), expected_version=1, actor="bob"
        )
    assert caught.value.data == {
        "current": 2,
        "expected": 1,
        "fields": {"body": "lines 5-5 changed on both sides"},
    }
    message = caught.value.message
    assert message.startswith("note plan.md is at version 2, not 1")
    assert "body (lines 5-5 changed on both sides)" in message
    assert await workbench.last_seq() == seq
    assert await workbench.notes.read("plan.md") == kept


async def test_frontmatter_merges_key_by_key(workbench: Workbench) -> None:
    meta = {"status": "draft", "owner": "ann"}
    await workbench.notes.write("n.md", "x", frontmatter=meta, actor=ACTOR)
    await workbench.notes.write(
        "n.md", "x", frontmatter={**meta, "status": "done"}, expected_version=1, actor=ACTOR
    )
    merged = await workbench.notes.write(
        "n.md", "x", frontmatter={"status": "draft", "due": "may"}, expected_version=1, actor=ACTOR
    )
    assert merged.frontmatter == {"status": "done", "due": "may"}  # owner dropped, status kept
    with pytest.raises(Conflict) as caught:
        await workbench.notes.write(
            "n.md", "x", frontmatter={**meta, "status": "dropped"}, expected_version=1, actor=ACTOR
        )
    assert caught.value.data["fields"] == {"frontmatter": "'status' changed on both sides"}


async def test_a_write_already_made_since_merges_to_no_change(workbench: Workbench) -> None:
    await workbench.notes.write("n.md", "one", actor=ACTOR)
    await workbench.notes.write("n.md", "two", expected_version=1, actor="alice")
    seq = await workbench.last_seq()
    same = await workbench.notes.write("n.md", "two", expected_version=1, actor="bob")
    assert (same.version, same.body) == (2, "two")
    assert await workbench.last_seq() == seq


async def test_an_expected_version_ahead_of_the_note_is_refused_without_merging(
    workbench: Workbench,
) -> None:
    await workbench.notes.write("n.md", "one", actor=ACTOR)
    with pytest.raises(Conflict) as caught:
        await workbench.notes.write("n.md", "two", expected_version=5, actor=ACTOR)
    assert caught.value.data == {"current": 1, "expected": 5}


async def test_a_base_no_longer_in_the_log_is_a_conflict(workbench: Workbench) -> None:
    note = await workbench.notes.write("n.md", "one\n\ntwo\n", actor=ACTOR)
    await workbench.notes.write("n.md", "one\n\ntwo!\n", expected_version=1, actor=ACTOR)

    def compact(session: Session) -> None:  # what trimming the head of the log would do
        session.exec(
            delete(EventRow).where(col(EventRow.entity_id) == note.id, col(EventRow.version) == 1)
        )

    await workbench.db.write(compact)
    with pytest.raises(Conflict) as caught:
        await workbench.notes.write("n.md", "one!\n\ntwo\n", expected_version=1, actor=ACTOR)
    assert caught.value.data == {"current": 2, "expected": 1}
    assert "version 1 is no longer in the event log" in caught.value.message
    assert (await workbench.notes.read("n.md")).body == "one\n\ntwo!\n"


# -- cards --------------------------------------------------------------------------------------
async def test_card_title_and_body_edited_concurrently_are_merged(workbench: Workbench) -> None:
    await workbench.boards.create_board("Team", actor=ACTOR)
    card = await workbench.boards.create_card("team", "Todo", "Fix", body="Steps:\n", actor=ACTOR)
    renamed = await workbench.boards.update_card(
        card.id, title="Fix the login", expected_version=1, actor="alice"
    )
    merged = await workbench.boards.update_card(
        card.id, body="Steps:\n1. reproduce\n", done=True, expected_version=1, actor="bob"
    )
    assert renamed.version == 2
    assert (merged.title, merged.body, merged.done, merged.version) == (
        "Fix the login",
        "Steps:\n1. reproduce\n",
        True,
        3,
    )
    assert await workbench.boards.get_card(card.id) == merged
    event = (await events_of(workbench, card.id))[-1]
    assert event.payload["merged"] == {"base": 1, "current": 2}


async def test_card_values_changed_differently_on_both_sides_conflict(
    workbench: Workbench,
) -> None:
    await workbench.boards.create_board("Team", actor=ACTOR)
    card = await workbench.boards.create_card("team", "Todo", "Ship", actor=ACTOR)
    current = await workbench.boards.update_card(
        card.id, due="2030-01-01", tags=["ops"], expected_version=1, actor="alice"
    )
    with pytest.raises(Conflict) as caught:
        await workbench.boards.update_card(
            card.id, due="2031-01-01", title="Ship it", expected_version=1, actor="bob"
        )
    assert caught.value.data == {
        "current": 2,
        "expected": 1,
        "fields": {"due": "changed on both sides"},
    }
    assert "card " + card.id + " is at version 2, not 1" in caught.value.message
    assert await workbench.boards.get_card(card.id) == current
    # The same value set on both sides is no clash.
    same = await workbench.boards.update_card(
        card.id, due="2030-01-01", title="Ship it", expected_version=1, actor="bob"
    )
    assert (same.title, same.due, same.tags, same.version) == ("Ship it", "2030-01-01", ["ops"], 3)


async def test_a_card_version_written_by_a_board_file_is_a_base_too(workbench: Workbench) -> None:
    """A board file edited in the vault changes its cards in one ``board.synced`` event."""
    content = BoardContent("Team", (LaneContent("Todo", (CardContent("c1", "Call", "who?\n"),)),))
    await workbench.boards.save_content("team", content, actor="vault")
    await workbench.boards.update_card("c1", title="Call Ann", expected_version=1, actor="alice")
    merged = await workbench.boards.update_card(
        "c1", body="who? Ann\n", expected_version=1, actor="bob"
    )
    assert (merged.title, merged.body, merged.version) == ("Call Ann", "who? Ann\n", 3)


# -- prompts ------------------------------------------------------------------------------------
async def test_prompt_template_and_description_edited_concurrently_are_merged(
    workbench: Workbench,
) -> None:
    template = "Review {{code}}.\n\nBe brief.\n"
    await workbench.prompts.create("review", template=template, description="Reviews", actor=ACTOR)
    await workbench.prompts.update(
        "review",
        template=template.replace("Review", "Carefully review"),
        expected_version=1,
        actor="alice",
    )
    merged = await workbench.prompts.update(
        "review",
        template=template.replace("brief", "brief; list {{goal}} first"),
        description="Code reviews",
        expected_version=1,
        actor="bob",
    )
    assert merged.version == 3
    assert (
        merged.messages[0].text == "Carefully review {{code}}.\n\nBe brief; list {{goal}} first.\n"
    )
    assert merged.description == "Code reviews"
    assert [a.name for a in merged.arguments] == ["code", "goal"]
    event = (await events_of(workbench, "review"))[-1]
    assert event.payload["merged"] == {"base": 1, "current": 2}


async def test_prompt_description_clash_is_a_conflict(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="Hi", description="one", actor=ACTOR)
    await workbench.prompts.update("p", description="two", expected_version=1, actor="alice")
    with pytest.raises(Conflict) as caught:
        await workbench.prompts.update("p", description="three", expected_version=1, actor="bob")
    assert caught.value.data["fields"] == {"description": "lines 1-1 changed on both sides"}
    assert (await workbench.prompts.get("p")).version == 2


# -- the resolver on its own --------------------------------------------------------------------
def test_a_write_at_the_current_version_is_not_stale() -> None:
    assert stale_write("note", "n.md", 3, None) is None
    assert stale_write("note", "n.md", 3, 3) is None
    assert stale_write("note", "n.md", 3, 1) == StaleWrite("note", "n.md", 1, 3)
    with pytest.raises(Conflict, match="at version 3, not 0"):
        stale_write("card", "c", 3, 0)


@st.composite
def disjoint_edits(draw: st.DrawFn) -> tuple[list[str], list[str], list[str], list[str]]:
    """A base text as lines, and two edits of it to regions with an untouched line between:
    (base, ours, theirs, both applied)."""
    size = draw(st.integers(3, 30))
    base = [f"line {i}\n" for i in range(size)]
    cuts = sorted(draw(st.lists(st.integers(0, size), min_size=4, max_size=4)))
    start1, end1, start2, end2 = cuts
    assume(start2 > end1)  # a line both sides leave alone lies between the two regions
    new1 = [f"ours {i}\n" for i in range(draw(st.integers(0, 4)))]
    new2 = [f"theirs {i}\n" for i in range(draw(st.integers(0, 4)))]
    ours = base[:start1] + new1 + base[end1:]
    theirs = base[:start2] + new2 + base[end2:]
    both = base[:start1] + new1 + base[end1:start2] + new2 + base[end2:]
    return base, ours, theirs, both


@given(disjoint_edits(), st.booleans())
def test_edits_of_disjoint_regions_always_merge_to_both(
    edits: tuple[list[str], list[str], list[str], list[str]], swap: bool
) -> None:
    base, ours, theirs, both = edits
    if swap:  # which client wrote first does not matter
        ours, theirs = theirs, ours
    write = StaleWrite("note", "n.md", 1, 2)
    merged = write.merge(
        {"body": "".join(base)}, {"body": "".join(ours)}, {"body": "".join(theirs)}, text=["body"]
    )
    assert merged == {"body": "".join(both)}
