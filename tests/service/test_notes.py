"""Knowledge notes in the store: paths, derived fields, versions, moves and search."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.service import Workbench, note_path, note_uri
from mcp_workbench.service.notes import inline_tags
from mcp_workbench.store import EventDraft

ACTOR = "tester"

BODY = """# Kitchen garden

Plans for #garden/vegetables and #spring. See [[Seed list]] and [[Compost|the heap]],
also [[Tools#Spades]].

```
#not-a-tag [[not a link]]
```
"""


async def test_write_derives_title_tags_and_links(workbench: Workbench) -> None:
    note = await workbench.notes.write(
        "home/garden", BODY, frontmatter={"tags": ["home"], "status": "draft"}, actor=ACTOR
    )
    assert note.path == "home/garden.md"
    assert note.uri == "note://home/garden.md"
    assert note.title == "garden"  # the file name, as in Obsidian; not the heading
    assert note.tags == ["home", "garden/vegetables", "spring"]
    assert note.links == ["Seed list", "Compost", "Tools"]
    assert note.frontmatter == {"tags": ["home"], "status": "draft"}
    assert note.version == 1


async def test_title_is_the_file_name_unless_frontmatter_names_one(workbench: Workbench) -> None:
    titled = await workbench.notes.write("a.md", "# H", frontmatter={"title": "FM"}, actor=ACTOR)
    assert titled.title == "FM"
    plain = await workbench.notes.write("dir/My Note.md", "# A heading", actor=ACTOR)
    assert plain.title == "My Note"
    assert plain.uri == "note://dir/My%20Note.md"
    assert (await workbench.notes.read(plain.uri)).id == plain.id


async def test_versions_conflicts_and_idempotent_writes(workbench: Workbench) -> None:
    first = await workbench.notes.write("n", "one", actor=ACTOR)
    seq = await workbench.last_seq()
    same = await workbench.notes.write("n", "one", actor=ACTOR)
    assert same.version == 1
    assert await workbench.last_seq() == seq  # nothing changed, nothing recorded
    second = await workbench.notes.write("n", "two", expected_version=1, actor=ACTOR)
    assert (second.id, second.version) == (first.id, 2)
    with pytest.raises(Conflict) as caught:
        await workbench.notes.write("n", "three", expected_version=1, actor=ACTOR)
    assert caught.value.data == {
        "current": 2,
        "expected": 1,
        "fields": {"body": "lines 1-1 changed on both sides"},
    }
    with pytest.raises(Conflict, match="exists"):
        await workbench.notes.write("n", "again", expected_version=0, actor=ACTOR)
    with pytest.raises(NotFound):
        await workbench.notes.write("other", "x", expected_version=4, actor=ACTOR)
    assert (await workbench.notes.read("n")).body == "two"
    created = await workbench.notes.write("fresh", "x", expected_version=0, actor=ACTOR)
    assert created.version == 1


@pytest.mark.parametrize(
    "path", ["", "/etc/passwd", "../up.md", "a/../../b.md", ".obsidian/app.md", "C:/x.md", "a\x00b"]
)
async def test_bad_paths_are_refused(workbench: Workbench, path: str) -> None:
    with pytest.raises(InvalidInput, match="invalid note path"):
        await workbench.notes.write(path, "x", actor=ACTOR)


def test_path_normalisation() -> None:
    assert note_path("a\\b") == "a/b.md"
    assert note_path("./a//b.md") == "a/b.md"
    assert note_path("note://x/Y%20Z.md") == "x/Y Z.md"
    assert note_uri("x/Y Z.md") == "note://x/Y%20Z.md"


async def test_oversized_body_and_bad_tags(workbench: Workbench) -> None:
    with pytest.raises(InvalidInput, match="bytes; the limit is"):
        await workbench.notes.write("big", "é" * (600 * 1024), actor=ACTOR)
    with pytest.raises(InvalidInput, match="invalid tag"):
        await workbench.notes.write("t", "x", tags=["two words"], actor=ACTOR)
    assert await workbench.notes.count() == 0


async def test_move_keeps_identity_and_checks_target(workbench: Workbench) -> None:
    note = await workbench.notes.write("old", "body", actor=ACTOR)
    await workbench.notes.write("taken", "other", actor=ACTOR)
    with pytest.raises(Conflict, match=r"a note exists at taken\.md"):
        await workbench.notes.move("old", "taken", actor=ACTOR)
    moved = await workbench.notes.move("old", "archive/new", expected_version=1, actor=ACTOR)
    assert (moved.id, moved.path, moved.version) == (note.id, "archive/new.md", 2)
    with pytest.raises(NotFound):
        await workbench.notes.read("old")


async def test_delete(workbench: Workbench) -> None:
    await workbench.notes.write("gone", "x", actor=ACTOR)
    with pytest.raises(Conflict):
        await workbench.notes.delete("gone", expected_version=7, actor=ACTOR)
    await workbench.notes.delete("gone", expected_version=1, actor=ACTOR)
    with pytest.raises(NotFound):
        await workbench.notes.delete("gone", actor=ACTOR)
    assert await workbench.notes.list() == []


async def test_list_by_prefix_and_tag(workbench: Workbench) -> None:
    await workbench.notes.write("a/one", "#x", actor=ACTOR)
    await workbench.notes.write("a/two", "#y", actor=ACTOR)
    await workbench.notes.write("a_b/three", "#x", actor=ACTOR)
    assert [n.path for n in await workbench.notes.list(prefix="a/")] == ["a/one.md", "a/two.md"]
    assert [n.path for n in await workbench.notes.list(tag="x")] == ["a/one.md", "a_b/three.md"]
    assert [n.path for n in await workbench.notes.list(limit=1, offset=1)] == ["a/two.md"]


async def test_search_ranks_snippets_prefixes_and_tags(workbench: Workbench) -> None:
    await workbench.notes.write("compost", "# Compost\nTurn the heap weekly.", actor=ACTOR)
    await workbench.notes.write(
        "garden", "# Garden\nThe compost heap feeds the beds. #soil", actor=ACTOR
    )
    await workbench.notes.write("other", "# Recipes\nNothing about it.", actor=ACTOR)
    hits = await workbench.notes.search("compost")
    assert [h.path for h in hits] == ["compost.md", "garden.md"]  # the title match ranks first
    assert hits[0].score >= hits[1].score
    assert "**compost**" in hits[1].snippet.lower()
    assert [h.path for h in await workbench.notes.search("comp*")] == ["compost.md", "garden.md"]
    assert [h.path for h in await workbench.notes.search("compost beds")] == ["garden.md"]
    assert [h.path for h in await workbench.notes.search("heap", tag="soil")] == ["garden.md"]
    assert await workbench.notes.search("zebra") == []


@pytest.mark.parametrize(
    "query", ['"', "AND OR NOT", "a:b", "(((", "NEAR(x y)", "*", "-x", "tags:soil", "''"]
)
async def test_search_never_fails_on_query_syntax(workbench: Workbench, query: str) -> None:
    await workbench.notes.write("n", "some text about soil and x and b", actor=ACTOR)
    hits = await workbench.notes.search(query)
    assert isinstance(hits, list)


async def test_search_follows_updates_and_deletes(workbench: Workbench) -> None:
    await workbench.notes.write("n", "apples", actor=ACTOR)
    await workbench.notes.write("n", "pears", actor=ACTOR)
    assert await workbench.notes.search("apples") == []
    assert [h.path for h in await workbench.notes.search("pears")] == ["n.md"]
    await workbench.notes.move("n", "m", actor=ACTOR)
    assert [h.path for h in await workbench.notes.search("pears")] == ["m.md"]
    await workbench.notes.delete("m", actor=ACTOR)
    assert await workbench.notes.search("pears") == []
    with pytest.raises(InvalidInput):
        await workbench.notes.search("pears", limit=0)


async def test_backlinks_follow_names_paths_and_moves(workbench: Workbench) -> None:
    target = await workbench.notes.write("projects/Alpha.md", "the target [[Alpha]]", actor=ACTOR)
    await workbench.notes.write("by-name", "see [[alpha]]", actor=ACTOR)
    await workbench.notes.write("by-path", "see [[projects/Alpha.md|there]]", actor=ACTOR)
    await workbench.notes.write("by-heading", "see [[Alpha#Plan]]", actor=ACTOR)
    await workbench.notes.write("elsewhere", "see [[other/Alpha-2]] and [[lpha]]", actor=ACTOR)
    await workbench.notes.write("fenced", "`[[Alpha]]`", actor=ACTOR)
    found = await workbench.notes.backlinks(target.path)
    assert [n.path for n in found] == ["by-heading.md", "by-name.md", "by-path.md"]
    assert found[0].uri == "note://by-heading.md"
    await workbench.notes.move("by-name", "archive/by-name", actor=ACTOR)
    await workbench.notes.delete("by-path", actor=ACTOR)
    assert [n.path for n in await workbench.notes.backlinks("projects/Alpha")] == [
        "archive/by-name.md",
        "by-heading.md",
    ]
    with pytest.raises(NotFound):
        await workbench.notes.backlinks("missing.md")


async def test_read_by_id_survives_a_move(workbench: Workbench) -> None:
    note = await workbench.notes.write("first", "x", actor=ACTOR)
    await workbench.notes.move("first", "second", actor=ACTOR)
    assert (await workbench.notes.read_id(note.id)).path == "second.md"
    with pytest.raises(NotFound):
        await workbench.notes.read_id("nope")


async def test_many_notes_are_created_in_one_change(workbench: Workbench) -> None:
    """What a vault's first import uses: one transaction, one event per note, refusals
    for paths or ids already taken; a replay of the log gives the same state. Search finds
    the new notes once, the older ones once, and notes written after as before."""
    from mcp_workbench.store.rebuild import verify

    await workbench.notes.write("taken.md", "here first", actor=ACTOR)
    notes = workbench.notes
    states = [
        notes.prepare("a.md", "one #x [[b]]", frontmatter={"tags": ["y"]}, note_id="id-a"),
        notes.prepare("b.md", "two"),
        notes.prepare("taken.md", "clash by path"),
        notes.prepare("c.md", "clash by id", note_id="id-a"),
        notes.prepare("b.md", "clash within the batch"),
    ]
    outcomes: list[Exception | None] = []

    def mutation(session: Session, now: float) -> list[EventDraft]:
        drafts, refusals = notes.creations(session, states, now)
        outcomes.extend(refusals)
        return drafts

    events = await workbench.core.commit(mutation, ACTOR)
    assert [e.kind for e in events] == ["note.created", "note.created"]
    assert [type(o).__name__ if o else None for o in outcomes] == [
        None,
        None,
        "Conflict",
        "Conflict",
        "Conflict",
    ]
    a = await notes.read("a.md")
    assert (a.id, a.tags, a.links) == ("id-a", ["y", "x"], ["b"])
    assert (await notes.read("taken.md")).body == "here first"
    assert [hit.path for hit in await notes.search("two")] == ["b.md"]
    assert [hit.path for hit in await notes.search("here")] == ["taken.md"]
    await notes.write("later.md", "three", actor=ACTOR)
    assert [hit.path for hit in await notes.search("three")] == ["later.md"]
    assert await workbench.db.write(verify, rollback=True) == []


def _tags_by_hand(body: str) -> list[str]:
    """Inline tags found one '#' at a time: not after a word character, '&', '#' or '/';
    then the longest run of word characters, '/' and '-' holding a non-digit."""
    found = []
    for at, char in enumerate(body):
        if char != "#" or (at and re.match(r"[\w&#/]", body[at - 1])):
            continue
        run = re.match(r"[\w/-]*", body[at + 1 :])
        tag = run.group(0) if run else ""
        if re.search(r"[A-Za-z_/-]", tag):
            found.append(tag)
    return found


@given(st.text(alphabet="#&/ -_aZé19\n", max_size=60))
def test_inline_tags_are_found_after_a_separator_only(body: str) -> None:
    assert inline_tags(body) == _tags_by_hand(body)


def test_inline_tags_examples() -> None:
    text = "#start a #tag, x&#38; a#b /#c ##d é#e #1 #1a #a/b-c `#code`"
    assert inline_tags(text) == ["start", "tag", "1a", "a/b-c"]
