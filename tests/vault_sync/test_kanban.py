"""The Obsidian Kanban plugin's board format: parse, serialize, round trips."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings

from tests.vault_sync.samples import EMPTY_BOARD, PLUGIN_BOARD
from tests.vault_sync.strategies import board_files
from vault_sync.errors import BoardFormatError, FrontmatterError
from vault_sync.kanban import (
    DEFAULT_SETTINGS,
    BoardFile,
    assign_block_ids,
    card_due,
    card_tags,
    compose_card_text,
    new_block_id,
    new_board_file,
    parse_board,
    serialize_board,
)
from vault_sync.model import Board, Card, Lane


def test_the_plugins_own_board_reads_as_lanes_cards_and_archive() -> None:
    file = parse_board(PLUGIN_BOARD, name="Plan")
    board = file.board
    assert board.id == "board-1"
    assert board.name == "Plan"
    assert [lane.title for lane in board.lanes] == [
        "Backlog",
        "In progress",
        "Done",
        "Waiting\non others",
    ]
    backlog, _, done, waiting = board.lanes
    assert backlog.wip_limit == 5
    assert done.complete
    assert not backlog.complete
    assert waiting.cards == ()
    assert backlog.cards[0] == Card("k3x9qa", "Write the spec @{2024-05-01} #docs", " ")
    assert backlog.cards[1] == Card(
        "q2w3e4",
        "Review [[Projects/Alpha]] with the team\nNotes from the last meeting:\n"
        "- keep the API small",
    )
    assert done.cards[0].done
    assert board.archive == (Card("arch01", "Old card @{2023-12-31}", "x"),)
    assert file.settings is not None
    assert file.settings.startswith("%% kanban:settings\n```\n{")
    assert file.settings_data["new-note-folder"] == "Workbench/Knowledge"


@pytest.mark.parametrize("text", [PLUGIN_BOARD, EMPTY_BOARD], ids=["realistic", "new"])
def test_an_unchanged_plugin_board_is_byte_stable(text: str) -> None:
    assert serialize_board(parse_board(text)) == text


def test_a_board_we_create_is_written_as_the_plugin_writes_one() -> None:
    board = Board(
        "b-9",
        "Sprint",
        (
            Lane("Todo", (Card("aaaaaa", "First\nsecond line"),), wip_limit=3),
            Lane("Done", (Card("bbbbbb", "Shipped", "x"),), complete=True),
        ),
        archive=(Card("cccccc", "Old", "x"),),
    )
    assert serialize_board(new_board_file(board)) == (
        "---\n\nkanban-plugin: board\nid: b-9\n\n---\n\n"
        "## Todo (3)\n\n- [ ] First ^aaaaaa\n    second line\n\n\n"
        "## Done\n\n**Complete**\n- [x] Shipped ^bbbbbb\n\n\n"
        "***\n\n## Archive\n\n- [x] Old ^cccccc"
        '\n\n%% kanban:settings\n```\n{"kanban-plugin":"board"}\n```\n%%'
    )


def test_cards_read_as_the_plugin_reads_them() -> None:
    text = (
        "---\nkanban-plugin: board\n---\n## Lane\n"
        "- [ ] tabbed ^id-1\n\tcontinued\n"
        "- [ ] a<br>break\n"
        "- plain item\n"
        "- [ ] \n"
        "## Other\n"
        "* [/] star bullet\n"
    )
    file = parse_board(text)
    assert file.indent == "\t"
    assert [(c.id, c.text, c.check) for c in file.board.lanes[0].cards] == [
        ("id-1", "tabbed\ncontinued", " "),
        ("", "a\nbreak", " "),
        ("", "plain item", " "),
        ("", "", " "),
    ]
    assert [(c.text, c.check) for c in file.board.lanes[1].cards] == [("star bullet", "/")]


def test_a_card_holding_a_list_does_not_end_its_lane() -> None:
    # Regression: the close of a card's nested list was taken for the lane list's close,
    # dropping every card after it.
    text = "---\nkanban-plugin: board\n---\n## Lane\n- [ ] a ^aaaaaa\n    - sub\n- [ ] b ^bbbbbb\n"
    cards = parse_board(text).board.lanes[0].cards
    assert cards == (Card("aaaaaa", "a\n- sub"), Card("bbbbbb", "b"))


def test_a_heading_archive_only_follows_a_rule() -> None:
    text = "---\nkanban-plugin: board\n---\n## Archive\n\n- [ ] still a lane\n"
    board = parse_board(text).board
    assert [lane.title for lane in board.lanes] == ["Archive"]
    assert board.archive == ()


def test_a_complete_marker_after_the_cards_is_refused() -> None:
    text = "---\nkanban-plugin: board\n---\n## Lane\n\n- [ ] a\n\n**Complete**\n"
    with pytest.raises(BoardFormatError, match="line 8"):
        parse_board(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## Lane\n- [ ] a\n", "not a Kanban board"),
        ("---\ntitle: x\n---\n## Lane\n", "not a Kanban board"),
        ("---\nkanban-plugin: board\n---\nIntro text\n## Lane\n", "text outside a card"),
        ("---\nkanban-plugin: board\n---\n- [ ] orphan\n", "list outside a lane"),
        ("---\nkanban-plugin: board\n---\n## L\n- [ ] a\n\n- b\n\n\n* c\n", "list outside"),
        ("---\nkanban-plugin: board\n---\n## L\n\n```\ncode\n```\n", "fence"),
        ("---\nkanban-plugin: board\n---\n## L\n\n> quote\n", "blockquote"),
        ("---\nkanban-plugin: board\n---\n## L\n\n***\n", "rule"),
    ],
)
def test_content_the_plugin_would_drop_is_refused(text: str, message: str) -> None:
    with pytest.raises(BoardFormatError, match=message):
        parse_board(text)


def test_malformed_frontmatter_is_refused() -> None:
    with pytest.raises(FrontmatterError):
        parse_board("---\nkanban-plugin: [board\n---\n## L\n")


def test_the_settings_block_is_kept_verbatim_and_read() -> None:
    text = PLUGIN_BOARD.replace('"date-trigger":"@"', '"date-trigger":"DUE"')
    file = parse_board(text)
    assert file.date_trigger == "DUE"
    changed = replace(file, board=replace(file.board, lanes=file.board.lanes[:1]))
    assert serialize_board(changed).endswith(file.settings or "missing")


def test_unreadable_settings_json_falls_back_to_defaults() -> None:
    file = BoardFile(
        Board("b", "B"), "kanban-plugin: board\n", "%% kanban:settings\n```\n{x\n```\n%%"
    )
    assert file.settings_data == {}
    assert file.date_trigger == "@"


def test_the_board_id_follows_the_board() -> None:
    file = parse_board(PLUGIN_BOARD)
    text = serialize_board(replace(file, board=replace(file.board, id="renamed-7")))
    assert "id: renamed-7\n" in text
    assert "kanban-plugin: board\n" in text
    assert parse_board(text).board.id == "renamed-7"


def test_block_ids_are_written_where_missing_and_never_repeated() -> None:
    board = Board(
        "b",
        "B",
        (Lane("L", (Card("", "a"), Card("dup001", "b"), Card("dup001", "c"))),),
        (Card("", "d"),),
    )
    fixed = assign_block_ids(board, random.Random(1))
    ids = [card.id for card in fixed.cards()]
    assert ids[1] == "dup001"
    assert len(set(ids)) == 4
    assert all(len(i) == 6 and i.isalnum() and i == i.lower() for i in ids)
    assert assign_block_ids(fixed) is fixed
    assert [card.text for card in fixed.cards()] == ["a", "b", "c", "d"]


def test_new_block_ids_avoid_taken_ones() -> None:
    rng = random.Random(3)
    first = new_block_id(set(), random.Random(3))
    assert new_block_id({first}, rng) != first


def test_dates_and_tags_on_cards() -> None:
    card = Card("c", "Ship it @{2024-06-01} #release #ops\nbody with #more")
    assert card_due(card) == "2024-06-01"
    assert card_due(Card("c", "call @[[2024-07-02]]")) == "2024-07-02"
    assert card_due(Card("c", "time only @@{10:00}")) is None
    assert card_due(Card("c", "mail me@{2024-01-01}")) is None
    assert card_due(Card("c", "due DUE{2024-01-01}"), "DUE") == "2024-01-01"
    assert card_tags(card) == ("release", "ops", "more")
    text = compose_card_text("Ship it", "details", due="2024-06-01", tags=("release",))
    assert text == "Ship it @{2024-06-01} #release\ndetails"
    assert compose_card_text("  Only  ") == "Only"


def test_card_title_and_body() -> None:
    card = Card("c", "Title\nline 2\nline 3", "x")
    assert (card.title, card.body, card.done) == ("Title", "line 2\nline 3", True)
    assert Card("c", "single").body == ""


@settings(max_examples=300, deadline=None)
@given(board_files())
def test_a_board_we_write_reads_back_as_the_same_board(file: BoardFile) -> None:
    assert parse_board(serialize_board(file), name=file.board.name).board == file.board


@settings(max_examples=200, deadline=None)
@given(board_files(with_ids=False))
def test_a_board_file_in_the_plugins_format_is_byte_stable(file: BoardFile) -> None:
    text = serialize_board(file)
    reread = parse_board(text, name="Board")
    assert serialize_board(reread) == text
    assert reread.settings == file.settings


def test_default_settings_block_matches_the_plugin() -> None:
    assert DEFAULT_SETTINGS == '%% kanban:settings\n```\n{"kanban-plugin":"board"}\n```\n%%'


@pytest.mark.parametrize(
    ("title", "lane_id"),
    [
        ("In Progress", "in-progress"),
        ("Done ✓ (fast)", "done-fast"),
        ("Über\nMulti", "über-multi"),
        ("!!!", "lane"),
    ],
)
def test_lane_ids_are_slugs_of_their_titles(title: str, lane_id: str) -> None:
    assert Lane(title).id == lane_id
    assert Lane(title, (Card("c", "x"),), wip_limit=3).id == lane_id
