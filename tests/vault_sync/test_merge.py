"""Three-way merges: lines, frontmatter keys, board cards."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings

from tests.vault_sync.strategies import board_files
from vault_sync.kanban import BoardFile, new_board_file, parse_board, serialize_board
from vault_sync.merge import (
    merge_boards,
    merge_documents,
    merge_frontmatter,
    merge_lines,
    merge_texts,
)
from vault_sync.model import Board, Card, EntityKind, Lane

BASE = "one\ntwo\nthree\nfour\nfive\n"


def test_edits_to_different_lines_merge() -> None:
    ours = BASE.replace("one", "ONE")
    theirs = BASE.replace("five", "FIVE")
    assert merge_lines(BASE, ours, theirs).text == "ONE\ntwo\nthree\nfour\nFIVE\n"


def test_edits_to_the_same_line_conflict() -> None:
    result = merge_lines(BASE, BASE.replace("three", "ours"), BASE.replace("three", "theirs"))
    assert result.text is None
    assert not result.clean
    assert result.conflicts == ("lines 3-3 changed on both sides",)


@pytest.mark.parametrize(
    ("ours", "theirs", "merged"),
    [
        (BASE, BASE + "six\n", BASE + "six\n"),
        (BASE + "six\n", BASE, BASE + "six\n"),
        (BASE + "same\n", BASE + "same\n", BASE + "same\n"),
        ("one\ntwo\nthree\nfour\nfive", BASE.replace("one", "1"), "1\ntwo\nthree\nfour\nfive"),
    ],
)
def test_one_sided_and_identical_changes(ours: str, theirs: str, merged: str) -> None:
    assert merge_lines(BASE, ours, theirs).text == merged


def test_frontmatter_merges_key_by_key() -> None:
    base = "id: n1\ntags:\n  - a\nstatus: draft\n"
    ours = "id: n1\ntags:\n  - a\n  - b\nstatus: draft\nowner: me\n"
    theirs = "id: n1\ntags:\n  - a\nstatus: final  # done\n"
    assert merge_frontmatter(base, ours, theirs).text == (
        "id: n1\ntags:\n  - a\n  - b\nstatus: final  # done\nowner: me\n"
    )


def test_the_same_key_changed_two_ways_conflicts() -> None:
    result = merge_frontmatter("status: draft\n", "status: a\n", "status: b\n")
    assert result.conflicts == ("frontmatter key 'status' changed on both sides",)


def test_a_key_rewritten_in_another_style_counts_as_unchanged() -> None:
    result = merge_frontmatter("tags: [a, b]\n", "tags:\n  - a\n  - b\n", "tags: [a, b]\nx: 1\n")
    assert result.text == "tags:\n  - a\n  - b\nx: 1\n"


def test_a_change_to_the_final_newlines_of_a_value_is_a_change() -> None:
    # Regression: blocks were compared with trailing newlines stripped, so one side's
    # change to a kept-newline block scalar ("a\n\n" -> "a\n") was dropped.
    base = "b: |+\n  a\n\nc: 1\n"
    theirs = "b: |\n  a\nc: 1\n"
    assert merge_frontmatter(base, base, theirs).text == theirs


def test_deleting_an_unchanged_key_and_deleting_vs_changing() -> None:
    assert merge_frontmatter("a: 1\nb: 2\n", "a: 1\n", "a: 1\nb: 2\n").text == "a: 1\n"
    assert not merge_frontmatter("a: 1\nb: 2\n", "a: 1\n", "a: 1\nb: 3\n").clean


def test_documents_merge_frontmatter_and_body_separately() -> None:
    base = "---\nid: n1\nstatus: draft\n---\n" + BASE
    ours = "---\nid: n1\nstatus: final\n---\n" + BASE.replace("one", "ONE")
    theirs = "---\nid: n1\nstatus: draft\ntags: [x]\n---\n" + BASE.replace("five", "FIVE")
    assert merge_documents(base, ours, theirs).text == (
        "---\nid: n1\nstatus: final\ntags: [x]\n---\nONE\ntwo\nthree\nfour\nFIVE\n"
    )
    conflict = merge_documents(base, ours.replace("final", "x"), theirs.replace("draft", "y"))
    assert conflict.conflicts == ("frontmatter key 'status' changed on both sides",)


def test_a_frontmatter_added_on_one_side_is_kept() -> None:
    merged = merge_texts(EntityKind.NOTE, "body\n", "body\nmore\n", "---\nid: n\n---\nbody\n")
    assert merged.text == "---\nid: n\n---\nbody\nmore\n"


def _board(*lanes: Lane, archive: tuple[Card, ...] = ()) -> str:
    return serialize_board(new_board_file(Board("b1", "B", lanes, archive)))


def _lanes(text: str) -> dict[str, list[tuple[str, str, str]]]:
    board = parse_board(text).board
    out = {lane.title: [(c.id, c.text, c.check) for c in lane.cards] for lane in board.lanes}
    out["(archive)"] = [(c.id, c.text, c.check) for c in board.archive]
    return out


A, B, C = Card("aaaaaa", "Card A"), Card("bbbbbb", "Card B"), Card("cccccc", "Card C\nline 2")
BOARD = _board(Lane("Todo", (A, B, C)), Lane("Doing"), Lane("Done", complete=True))


def test_a_move_on_one_side_and_an_edit_on_the_other_both_apply() -> None:
    ours = _board(Lane("Todo", (B, C)), Lane("Doing", (A,)), Lane("Done", complete=True))
    theirs = _board(
        Lane("Todo", (replace(A, text="Card A edited"), B, C)),
        Lane("Doing"),
        Lane("Done", complete=True),
    )
    merged = merge_boards(BOARD, ours, theirs).text
    assert merged is not None
    lanes = _lanes(merged)
    assert lanes["Doing"] == [("aaaaaa", "Card A edited", " ")]
    assert [c[0] for c in lanes["Todo"]] == ["bbbbbb", "cccccc"]


def test_cards_added_on_both_sides_are_all_kept() -> None:
    new_ours, new_theirs = Card("", "From Obsidian"), Card("dddddd", "From the web")
    ours = _board(Lane("Todo", (A, B, C, new_ours)), Lane("Doing"), Lane("Done", complete=True))
    theirs = _board(Lane("Todo", (new_theirs, A, B, C)), Lane("Doing"), Lane("Done", complete=True))
    merged = merge_boards(BOARD, ours, theirs).text
    assert merged is not None
    assert [c[1] for c in _lanes(merged)["Todo"]] == [
        "From the web",
        "Card A",
        "Card B",
        "Card C\nline 2",
        "From Obsidian",
    ]


def test_a_card_deleted_on_one_side_and_edited_on_the_other_is_kept() -> None:
    ours = _board(Lane("Todo", (A, C)), Lane("Doing"), Lane("Done", complete=True))
    theirs = _board(
        Lane("Todo", (A, replace(B, check="x"), C)), Lane("Doing"), Lane("Done", complete=True)
    )
    merged = merge_boards(BOARD, ours, theirs).text
    assert merged is not None
    assert ("bbbbbb", "Card B", "x") in _lanes(merged)["Todo"]
    unchanged = merge_boards(BOARD, ours, BOARD).text
    assert unchanged is not None
    assert [c[0] for c in _lanes(unchanged)["Todo"]] == ["aaaaaa", "cccccc"]


def test_a_renamed_lane_receives_the_cards_added_to_its_old_name() -> None:
    ours = _board(
        Lane("Backlog", (A, B, C), wip_limit=4), Lane("Doing"), Lane("Done", complete=True)
    )
    theirs = _board(
        Lane("Todo", (A, B, C, Card("eeeeee", "New"))), Lane("Doing"), Lane("Done", complete=True)
    )
    merged = merge_boards(BOARD, ours, theirs).text
    assert merged is not None
    board = parse_board(merged).board
    assert (board.lanes[0].title, board.lanes[0].wip_limit) == ("Backlog", 4)
    assert [c.id for c in board.lanes[0].cards] == ["aaaaaa", "bbbbbb", "cccccc", "eeeeee"]


def test_a_deleted_lane_comes_back_for_a_card_added_to_it() -> None:
    ours = _board(Lane("Todo", (A, B, C)), Lane("Done", complete=True))
    theirs = _board(
        Lane("Todo", (A, B, C)),
        Lane("Doing", (Card("ffffff", "Started"),)),
        Lane("Done", complete=True),
    )
    merged = merge_boards(BOARD, ours, theirs).text
    assert merged is not None
    assert list(_lanes(merged))[:3] == ["Todo", "Doing", "Done"]
    assert _lanes(merged)["Doing"] == [("ffffff", "Started", " ")]


def test_lines_of_one_card_edited_on_both_sides_merge() -> None:
    card = Card("gggggg", "Title\nmiddle line\nlast line")
    base = _board(Lane("Todo", (card,)))
    ours = _board(Lane("Todo", (replace(card, text="Title!\nmiddle line\nlast line"),)))
    theirs = _board(Lane("Todo", (replace(card, text="Title\nmiddle line\nlast line!"),)))
    merged = merge_boards(base, ours, theirs).text
    assert merged is not None
    assert _lanes(merged)["Todo"] == [("gggggg", "Title!\nmiddle line\nlast line!", " ")]


@pytest.mark.parametrize(
    ("ours", "theirs", "conflict"),
    [
        (
            _board(
                Lane("Todo", (replace(A, text="x"), B, C)),
                Lane("Doing"),
                Lane("Done", complete=True),
            ),
            _board(
                Lane("Todo", (replace(A, text="y"), B, C)),
                Lane("Doing"),
                Lane("Done", complete=True),
            ),
            "card 'aaaaaa' changed on both sides",
        ),
        (
            _board(Lane("Todo", (B, C)), Lane("Doing", (A,)), Lane("Done", complete=True)),
            _board(Lane("Todo", (B, C)), Lane("Doing"), Lane("Done", (A,), complete=True)),
            "card 'aaaaaa' changed on both sides",
        ),
        (
            _board(
                Lane("Todo", (A, B, C)), Lane("Doing", wip_limit=2), Lane("Done", complete=True)
            ),
            _board(
                Lane("Todo", (A, B, C)), Lane("Doing", wip_limit=3), Lane("Done", complete=True)
            ),
            "lane 'Doing' changed on both sides",
        ),
    ],
)
def test_true_conflicts_give_no_text(ours: str, theirs: str, conflict: str) -> None:
    result = merge_boards(BOARD, ours, theirs)
    assert result.text is None
    assert result.conflicts == (conflict,)


def test_the_settings_block_merges_as_one_value() -> None:
    changed = BOARD.replace('{"kanban-plugin":"board"}', '{"kanban-plugin":"board","x":1}')
    assert merge_boards(BOARD, BOARD, changed).text == changed
    other = BOARD.replace('{"kanban-plugin":"board"}', '{"kanban-plugin":"board","x":2}')
    assert merge_boards(BOARD, other, changed).conflicts == (
        "the board settings changed on both sides",
    )


def test_an_unreadable_version_is_a_conflict() -> None:
    assert not merge_boards(BOARD, "not a board", BOARD.replace("Card A", "A2")).clean


def test_archive_and_lane_order_merge() -> None:
    ours = _board(Lane("Doing"), Lane("Todo", (A, B, C)), Lane("Done", complete=True))
    theirs = _board(Lane("Todo", (B, C)), Lane("Doing"), Lane("Done", complete=True), archive=(A,))
    merged = merge_boards(BOARD, ours, theirs).text
    assert merged is not None
    assert list(_lanes(merged)) == ["Doing", "Todo", "Done", "(archive)"]
    assert _lanes(merged)["(archive)"] == [("aaaaaa", "Card A", " ")]


@settings(max_examples=150, deadline=None)
@given(board_files(), board_files())
def test_a_change_made_on_one_side_only_is_taken_whole(base: BoardFile, other: BoardFile) -> None:
    before = serialize_board(base)
    changed = serialize_board(replace(other, board=replace(other.board, name=base.board.name)))
    assert merge_boards(before, before, changed).text == changed
    assert merge_boards(before, changed, before).text == changed
    assert merge_boards(before, changed, changed).text == changed
