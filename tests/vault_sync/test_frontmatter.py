"""Frontmatter: split off, read, and changed one key at a time without touching the rest."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_sync.errors import FrontmatterError
from vault_sync.frontmatter import (
    DELETE,
    Document,
    frontmatter_blocks,
    parse_frontmatter,
    split_document,
    update_frontmatter,
)


@pytest.mark.parametrize(
    ("text", "frontmatter", "body"),
    [
        ("---\na: 1\n---\nbody\n", "a: 1\n", "body\n"),
        ("---\na: 1\n---", "a: 1\n", ""),
        ("---  \na: 1\n---\t\n\nbody", "a: 1\n", "\nbody"),
        ("---\n---\nbody", "", "body"),
        ("no frontmatter\n---\n", None, "no frontmatter\n---\n"),
        ("---\nnever closed\n", None, "---\nnever closed\n"),
        ("----\na: 1\n---\n", None, "----\na: 1\n---\n"),
        ("", None, ""),
    ],
)
def test_split_finds_the_fences_as_obsidian_does(
    text: str, frontmatter: str | None, body: str
) -> None:
    doc = split_document(text)
    assert (doc.frontmatter, doc.body) == (frontmatter, body)
    assert doc.text == text


def test_values_are_read_with_dates_as_strings() -> None:
    data = parse_frontmatter("created: 2024-05-01\ncount: 3\ntags: [a, b]\n")
    assert data == {"created": "2024-05-01", "count": 3, "tags": ["a", "b"]}


@pytest.mark.parametrize("text", ["a: [1\n", "- a\n- b\n", "just text\n", "1: x\n"])
def test_malformed_or_non_mapping_frontmatter_is_refused(text: str) -> None:
    with pytest.raises(FrontmatterError):
        parse_frontmatter(text)


def test_a_key_change_leaves_every_other_line_as_it_was() -> None:
    before = (
        "# leading comment\n"
        "title: 'Quoted'   # trailing comment\n"
        "tags:\n"
        "- old\n"
        "nested:\n"
        "  deep: {x: 1}\n"
        "\n"
    )
    after = update_frontmatter(before, {"tags": ["new", "two"], "added": "2024-05-01"})
    assert after == (
        "# leading comment\n"
        "title: 'Quoted'   # trailing comment\n"
        "tags:\n"
        "  - new\n"
        "  - two\n"
        "nested:\n"
        "  deep: {x: 1}\n"
        "added: 2024-05-01\n"
        "\n"
    )
    assert parse_frontmatter(after)["added"] == "2024-05-01"


def test_delete_removes_only_that_key() -> None:
    assert update_frontmatter("a: 1\nb: 2\nc: 3\n", {"b": DELETE, "zz": DELETE}) == "a: 1\nc: 3\n"


def test_no_frontmatter_gets_one() -> None:
    assert update_frontmatter(None, {"id": "n1", "tags": []}) == "id: n1\ntags: []\n"


@pytest.mark.parametrize("value", ["1e5", "0x1F", "0o17", "123", "true", "null", "1.5", ".inf"])
def test_strings_a_yaml_reader_could_take_for_other_types_are_quoted(value: str) -> None:
    text = update_frontmatter("", {"id": value})
    assert text.startswith(("id: '", 'id: "'))
    assert parse_frontmatter(text) == {"id": value}


def test_multi_line_strings_are_written_as_blocks() -> None:
    text = update_frontmatter("", {"description": "one\ntwo"})
    assert text == "description: |-\n  one\n  two\n"


@pytest.mark.parametrize("value", ["\n", "a\n\n", "\n\n", "\na", "...\n"])
def test_values_ending_in_blank_lines_stay_inside_the_frontmatter(value: str) -> None:
    # Regression: PyYAML ends such a block scalar with a "..." document end marker,
    # which closed the mapping and dropped every key after it.
    text = update_frontmatter(update_frontmatter(None, {"b": value}), {"a": None})
    assert "\n...\n" not in text
    assert parse_frontmatter(text) == {"b": value, "a": None}
    blocks = frontmatter_blocks(text)
    assert blocks is not None
    assert [b.key for b in blocks] == ["b", "a"]


def test_a_layout_that_cannot_be_cut_into_keys_is_rewritten_whole() -> None:
    flow = "{a: 1, b: 2}\n"
    assert frontmatter_blocks(flow) is None
    changed = update_frontmatter(flow, {"b": 3})
    assert parse_frontmatter(changed) == {"a": 1, "b": 3}


def test_blocks_cover_the_text_exactly() -> None:
    text = "\nkanban-plugin: board\nid: x\n\n"
    blocks = frontmatter_blocks(text)
    assert blocks is not None
    assert "".join(b.text for b in blocks) == text
    assert [b.key for b in blocks] == [None, "kanban-plugin", "id", None]


_keys = st.text(alphabet="abcdefghij_-", min_size=1, max_size=6).filter(lambda k: k[0].isalpha())
_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.text(alphabet="abc XYZ:#-'\"\n0123456789.e", max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=2),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=4), st.dictionaries(_keys, _values, max_size=3))
def test_updates_read_back_as_written_and_spare_other_keys(
    start: dict[str, object], changes: dict[str, object]
) -> None:
    before = update_frontmatter(None, start)
    assert parse_frontmatter(before) == start
    after = update_frontmatter(before, changes)
    assert parse_frontmatter(after) == {**start, **changes}
    blocks_before = {b.key: b.text for b in frontmatter_blocks(before) or ()}
    for block in frontmatter_blocks(after) or ():
        if block.key not in changes and block.key is not None:
            assert block.text == blocks_before[block.key]


def test_document_text_uses_its_own_fences() -> None:
    doc = Document("a: 1\n", "body", "---\n", "---\n")
    assert doc.text == "---\na: 1\n---\nbody"
    assert Document(None, "only body").text == "only body"


_ids = st.text(alphabet="0123456789abcdefe-_", min_size=1, max_size=20) | st.sampled_from(
    ["1e5", "12e45", "0x1f", "true", "null", "no", "0123", "abc"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(_keys.filter(lambda k: k != "id"), _values, min_size=1, max_size=4),
    _ids,
    st.sampled_from(["", "\n", "\n\n", "# a comment\n"]),
)
def test_adding_an_id_to_parsed_frontmatter_matches_the_careful_path(
    start: dict[str, object], new_id: str, tail: str
) -> None:
    """The shortcut for a new id (no parsing) writes what the key-by-key path writes."""
    before = update_frontmatter(None, start) + tail
    quick = update_frontmatter(before, {"id": new_id}, valid=True)
    assert quick == update_frontmatter(before, {"id": new_id})
    assert parse_frontmatter(quick) == {**parse_frontmatter(before), "id": new_id}
