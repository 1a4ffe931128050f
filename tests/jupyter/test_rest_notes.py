"""``/notes`` over REST: paths with folders as URLs, create or replace with versions,
moves, search and backlinks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.jupyter.rest_api import Api


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


async def test_write_read_replace_move_and_delete(api: Api) -> None:
    created = await api(
        "PUT",
        "notes/projects/My Plan.md",
        {"body": "Plan #garden, see [[Seeds]]", "frontmatter": {"status": "draft"}},
        headers={"If-None-Match": "*"},
    )
    assert (created.status, created.etag) == (201, '"1"')
    note = created.body
    assert (note["path"], note["title"], note["tags"], note["links"]) == (
        "projects/My Plan.md",
        "My Plan",
        ["garden"],
        ["Seeds"],
    )
    again = await api(
        "PUT", "notes/projects/My Plan.md", {"body": "x"}, headers={"If-None-Match": "*"}
    )
    assert (again.status, again.body["data"]) == (409, {"current": 1})

    read = await api.get("notes/projects/My Plan.md")
    assert (read.status, read.etag, read.body["frontmatter"]) == (200, '"1"', {"status": "draft"})

    replaced = await api(
        "PUT", "notes/projects/My Plan.md", {"body": "Plan v2"}, headers={"If-Match": '"1"'}
    )
    assert (replaced.status, replaced.etag, replaced.body["id"]) == (200, '"2"', note["id"])
    stale = await api(
        "PUT", "notes/projects/My Plan.md", {"body": "v3"}, headers={"If-Match": '"1"'}
    )
    assert (stale.status, stale.body["data"]) == (
        409,
        {"current": 2, "expected": 1, "fields": {"body": "lines 1-1 changed on both sides"}},
    )
    same = await api("PUT", "notes/projects/My Plan.md", {"body": "Plan v2"})
    assert (same.status, same.etag) == (200, '"2"')  # nothing changed, no new version

    await api("PUT", "notes/taken.md", {"body": "here first"})
    clash = await api("POST", "notes/projects/My Plan.md/move", {"new_path": "taken.md"})
    assert clash.status == 409
    stale_move = await api(
        "POST", "notes/projects/My Plan.md/move", {"new_path": "x.md"}, headers={"If-Match": '"1"'}
    )
    assert stale_move.status == 409
    moved = await api(
        "POST",
        "notes/projects/My Plan.md/move",
        {"new_path": "archive/plan"},
        headers={"If-Match": '"2"'},
    )
    assert (moved.status, moved.etag) == (200, '"3"')
    assert (moved.body["path"], moved.body["id"]) == ("archive/plan.md", note["id"])
    assert (await api.get("notes/projects/My Plan.md")).status == 404

    assert (await api("DELETE", "notes/archive/plan.md", headers={"If-Match": '"2"'})).status == 409
    deleted = await api("DELETE", "notes/archive/plan.md", headers={"If-Match": '"3"'})
    assert (deleted.status, deleted.body) == (204, None)
    for method, path, body in [
        ("GET", "notes/archive/plan.md", None),
        ("DELETE", "notes/archive/plan.md", None),
        ("POST", "notes/archive/plan.md/move", {"new_path": "y.md"}),
        ("GET", "notes/archive/plan.md/backlinks", None),
        ("PUT", "notes/archive/plan.md", {"body": "x"}),
    ]:
        reply = await api(method, path, body, headers={"If-Match": '"3"'})
        assert (reply.status, reply.body["reason"]) == (404, "NotFound"), (method, path)


async def test_list_search_and_backlinks(api: Api) -> None:
    for path, body in [
        ("garden/compost.md", "# Compost\nTurn the heap. #soil"),
        ("garden/beds.md", "The compost feeds the beds. See [[compost]]. #soil"),
        ("kitchen/soup.md", "Soup from the beds: [[garden/beds]] and [[Compost|the heap]]"),
        ("search.md", "A note called search, still reachable by its path"),
    ]:
        assert (await api("PUT", f"notes/{path}", {"body": body})).status == 201
    listed = await api.get("notes")
    assert [n["path"] for n in listed.body] == [
        "garden/beds.md",
        "garden/compost.md",
        "kitchen/soup.md",
        "search.md",
    ]
    assert "body" not in listed.body[0]
    under = await api.get("notes", prefix="garden/", limit=1, offset=1)
    assert [n["path"] for n in under.body] == ["garden/compost.md"]
    tagged = await api.get("notes", tag="soil")
    assert [n["path"] for n in tagged.body] == ["garden/beds.md", "garden/compost.md"]

    hits = await api.get("notes/search", q="compost")
    assert hits.body[0]["path"] == "garden/compost.md"  # the title match ranks first
    assert {h["path"] for h in hits.body} == {
        "garden/compost.md",
        "garden/beds.md",
        "kitchen/soup.md",
    }
    assert "**" in hits.body[1]["snippet"]
    assert [h["path"] for h in (await api.get("notes/search", q="heap", tag="soil")).body] == [
        "garden/compost.md"
    ]
    assert (await api.get("notes/search.md")).body["title"] == "search"
    assert (await api.get("notes/search", q="compost", tag="nothing")).body == []

    backlinks = await api.get("notes/garden/compost.md/backlinks")
    assert [n["path"] for n in backlinks.body] == ["garden/beds.md", "kitchen/soup.md"]
    assert [n["path"] for n in (await api.get("notes/garden/beds.md/backlinks")).body] == [
        "kitchen/soup.md"
    ]

    for params in ({"limit": 0}, {"offset": -1}, {"limit": "many"}):
        assert (await api.get("notes", **params)).status == 400, params
    assert (await api.get("notes/search")).status == 400  # q is required
    assert (await api.get("notes/search", q="x", limit=500)).status == 400
    bad_path = await api("PUT", "notes/.obsidian/app.md", {"body": "x"})
    assert (bad_path.status, bad_path.body["reason"]) == (400, "InvalidInput")
    bad_body = await api("PUT", "notes/a.md", {"text": "a misspelt field"})
    assert bad_body.status == 400
    assert "body.body" in bad_body.body["message"]
