"""File text ↔ entity: fields read from frontmatter, only changed parts rewritten."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.vault_sync.samples import NOTE, PLUGIN_BOARD, PROMPT
from tests.vault_sync.strategies import boards
from vault_sync.codec import parse_entity, read_id, render_entity, same_entity
from vault_sync.errors import FrontmatterError
from vault_sync.model import (
    Board,
    Entity,
    EntityKind,
    PromptArgument,
    VaultNote,
    VaultPrompt,
)


def test_a_prompt_reads_from_frontmatter_and_body() -> None:
    prompt = parse_entity(EntityKind.PROMPT, "code-review.md", PROMPT)
    assert prompt == VaultPrompt(
        id="prompt-1",
        name="code-review",
        template="Review this change carefully:\n\n{diff}",
        description="Review a change",
        arguments=(PromptArgument("diff", "the change", True),),
        labels=("production",),
        properties={"owner": "team-a"},
    )


def test_a_prompt_without_frontmatter_is_named_after_its_file() -> None:
    prompt = parse_entity(EntityKind.PROMPT, "Summarise.md", "Summarise {text}\n")
    assert prompt == VaultPrompt("", "Summarise", "Summarise {text}", properties={})
    args = parse_entity(EntityKind.PROMPT, "x.md", "---\narguments: [a, b]\n---\n")
    assert isinstance(args, VaultPrompt)
    assert args.arguments == (PromptArgument("a"), PromptArgument("b"))


@pytest.mark.parametrize("arguments", ["arguments: 3", "arguments: [{description: x}]"])
def test_malformed_arguments_are_refused(arguments: str) -> None:
    with pytest.raises(FrontmatterError):
        parse_entity(EntityKind.PROMPT, "x.md", f"---\n{arguments}\n---\n")


def test_a_note_reads_tags_aliases_and_other_properties() -> None:
    note = parse_entity(EntityKind.NOTE, "Projects/Alpha.md", NOTE)
    assert isinstance(note, VaultNote)
    assert (note.id, note.path, note.title) == ("note-1", "Projects/Alpha.md", "Alpha")
    assert note.tags == ("project",)
    assert note.aliases == ("Alpha project",)
    assert note.properties == {"status": "active"}
    assert note.body.startswith("# Alpha\n\nA small project.")
    assert not note.body.endswith("\n")


@pytest.mark.parametrize(
    ("kind", "location", "text"),
    [
        (EntityKind.NOTE, "Alpha.md", NOTE),
        (EntityKind.PROMPT, "code-review.md", PROMPT),
        (EntityKind.BOARD, "Plan.md", PLUGIN_BOARD),
        (EntityKind.NOTE, "plain.md", "No frontmatter at all, no final newline"),
        (EntityKind.NOTE, "blank.md", "---\nid: x\n---\n\n\n\nbody after gaps\n\n"),
    ],
)
def test_rendering_an_unchanged_entity_gives_the_file_back(
    kind: EntityKind, location: str, text: str
) -> None:
    assert render_entity(parse_entity(kind, location, text), text, location) == text


def test_a_changed_field_rewrites_only_its_key() -> None:
    note = parse_entity(EntityKind.NOTE, "Alpha.md", NOTE)
    assert isinstance(note, VaultNote)
    text = render_entity(
        replace(note, tags=("project", "active"), properties=None), NOTE, "Alpha.md"
    )
    assert text == NOTE.replace("  - project\n", "  - project\n  - active\n")


def test_a_changed_body_keeps_the_frontmatter_text() -> None:
    prompt = parse_entity(EntityKind.PROMPT, "code-review.md", PROMPT)
    assert isinstance(prompt, VaultPrompt)
    text = render_entity(replace(prompt, template="New {diff}"), PROMPT, "code-review.md")
    assert text == PROMPT.split("---\n\n")[0] + "---\n\nNew {diff}\n"


def test_properties_none_keeps_unknown_keys_and_a_mapping_replaces_them() -> None:
    note = parse_entity(EntityKind.NOTE, "Alpha.md", NOTE)
    assert isinstance(note, VaultNote)
    kept = render_entity(replace(note, properties=None, body="changed"), NOTE, "Alpha.md")
    assert "status: active  # kept as written\n" in kept
    replaced = render_entity(replace(note, properties={"owner": "me"}), NOTE, "Alpha.md")
    assert "status:" not in replaced
    assert "owner: me\n" in replaced
    assert same_entity(replace(note, properties=None), note)
    assert not same_entity(replace(note, properties={}), note)


def test_a_renamed_prompt_gets_a_name_key() -> None:
    text = "Summarise {text}\n"
    prompt = parse_entity(EntityKind.PROMPT, "Summarise.md", text)
    assert isinstance(prompt, VaultPrompt)
    assert render_entity(replace(prompt, id="p9"), text, "Summarise.md") == (
        "---\nid: p9\n---\nSummarise {text}\n"
    )
    renamed = render_entity(replace(prompt, name="Digest"), text, "Summarise.md")
    assert parse_entity(EntityKind.PROMPT, "Summarise.md", renamed) == replace(
        prompt, name="Digest"
    )


def test_a_board_whose_only_change_is_its_id_keeps_its_layout() -> None:
    hand_written = "---\nkanban-plugin: board\n---\n## Lane\n- [ ] a ^aaaaaa\n"
    board = parse_entity(EntityKind.BOARD, "B.md", hand_written)
    text = render_entity(replace(board, id="b1"), hand_written, "B.md")
    assert text == "---\nkanban-plugin: board\nid: b1\n---\n## Lane\n- [ ] a ^aaaaaa\n"


def test_read_id() -> None:
    assert read_id(NOTE) == "note-1"
    assert read_id("---\nid: 42\n---\n") == "42"
    assert read_id("no frontmatter") is None
    assert read_id("---\nid: [broken\n---\n") is None


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/", min_size=1, max_size=8)
_phrase = (
    st.text(alphabet="abcdefghij XYZ0123456789.,:'\"#-", min_size=1, max_size=16)
    .map(str.strip)
    .filter(bool)
)
_line = st.text(alphabet="abcdefghij XYZ#[]()*-:>`{}0123456789", max_size=20)
_body = st.lists(_line, max_size=5).map(lambda lines: "\n".join(lines).lstrip("\n"))
_value: st.SearchStrategy[Any] = st.one_of(
    st.integers(-5, 5), st.booleans(), _phrase, st.lists(_phrase, max_size=2)
)
_properties = st.dictionaries(
    st.sampled_from(["status", "owner", "created", "rating"]), _value, max_size=3
)


@st.composite
def notes(draw: st.DrawFn) -> VaultNote:
    return VaultNote(
        id=draw(st.sampled_from(["", "n1", "123", "e5f6"])),
        path="Folder/Note.md",
        body=draw(_body),
        tags=tuple(dict.fromkeys(draw(st.lists(_word, max_size=3)))),
        aliases=tuple(draw(st.lists(_phrase, max_size=2))),
        properties=draw(_properties),
    )


@st.composite
def prompts(draw: st.DrawFn) -> VaultPrompt:
    description = draw(st.sampled_from(["", "Review a change", "two\nlines", "x: y # z"]))
    return VaultPrompt(
        id=draw(st.sampled_from(["", "p1", "0x10"])),
        name=draw(_phrase),
        template=draw(_body),
        description=description,
        arguments=tuple(
            PromptArgument(name, draw(st.sampled_from(["", "the input"])), draw(st.booleans()))
            for name in draw(st.lists(_word, max_size=2, unique=True))
        ),
        labels=tuple(draw(st.lists(_word, max_size=2))),
        properties=draw(_properties),
    )


entities = st.one_of(notes(), prompts(), boards())


@settings(max_examples=200, deadline=None)
@given(entities, st.data())
def test_any_entity_written_onto_any_file_of_its_kind_reads_back_the_same(
    entity: VaultNote | VaultPrompt | Board, data: st.DataObject
) -> None:
    location = entity.path if isinstance(entity, VaultNote) else "Board.md"
    fresh = render_entity(entity)
    assert same_entity(parse_entity(entity.kind, location, fresh), entity)
    other: Entity
    if isinstance(entity, Board):
        entity = replace(entity, name="Board")
        other = data.draw(boards())
    elif isinstance(entity, VaultNote):
        other = data.draw(notes())
    else:
        other = data.draw(prompts())
    onto = render_entity(other)
    text = render_entity(entity, onto, location)
    assert same_entity(parse_entity(entity.kind, location, text), entity)
    assert render_entity(parse_entity(entity.kind, location, text), text, location) == text
