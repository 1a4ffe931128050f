"""``/boards`` and ``/cards`` over REST: lanes with WIP limits, cards that move and are
archived, versions as ETags."""

from __future__ import annotations

from typing import Any

import pytest

from tests.jupyter.rest_api import Api


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


async def test_boards_lanes_and_wip_limits(api: Api) -> None:
    created = await api("POST", "boards", {"title": "Road Map"})
    assert (created.status, created.etag) == (201, '"1"')
    board = created.body
    assert board["id"] == "road-map"
    assert [lane["title"] for lane in board["lanes"]] == ["Todo", "Doing", "Done"]
    assert (await api("POST", "boards", {"title": "Other", "id": "road-map"})).status == 409
    assert (await api("POST", "boards", {"title": "Spare", "lanes": ["Only"]})).status == 201

    todo, doing, done = (lane["id"] for lane in board["lanes"])
    lanes = [
        {"id": todo, "title": "Backlog"},
        {"id": doing, "title": "Doing", "wip_limit": 1},
        {"id": done, "title": "Done"},
        {"title": "Review"},
    ]
    changed = await api("PATCH", "boards/road-map", {"lanes": lanes}, headers={"If-Match": '"1"'})
    assert (changed.status, changed.etag) == (200, '"2"')
    assert [(lane["title"], lane["wip_limit"]) for lane in changed.body["lanes"]] == [
        ("Backlog", None),
        ("Doing", 1),
        ("Done", None),
        ("Review", None),
    ]
    stale = await api("PATCH", "boards/road-map", {"title": "x"}, headers={"If-Match": '"1"'})
    assert (stale.status, stale.body["data"]) == (409, {"current": 2, "expected": 1})
    bad_limit = await api("PATCH", "boards/road-map", {"lanes": [{"title": "A", "wip_limit": 0}]})
    assert bad_limit.status == 400

    first = await api("POST", "boards/road-map/cards", {"lane": "Doing", "title": "Write"})
    assert (first.status, first.etag, first.body["lane_id"]) == (201, '"1"', doing)
    full = await api("POST", "boards/road-map/cards", {"lane": "Doing", "title": "More"})
    assert (full.status, full.body["data"]) == (409, {"lane": doing, "wip_limit": 1})
    forced = await api(
        "POST", "boards/road-map/cards", {"lane": "Doing", "title": "More", "force": True}
    )
    assert forced.status == 201
    assert (
        await api("POST", "boards/road-map/cards", {"lane": "Nope", "title": "x"})
    ).status == 404

    view = await api.get("boards/road-map")
    assert (view.etag, [c["title"] for c in view.body["cards"]]) == ('"2"', ["Write", "More"])
    listed = await api.get("boards")
    assert [b["id"] for b in listed.body] == ["road-map", "spare"]

    archived = await api("PATCH", "boards/spare", {"archived": True})
    assert archived.body["archived"] is True
    assert [b["id"] for b in (await api.get("boards")).body] == ["road-map"]
    with_archived = await api.get("boards", include_archived="true")
    assert [b["id"] for b in with_archived.body] == ["road-map", "spare"]
    dropped = await api("PATCH", "boards/road-map", {"lanes": [{"id": todo, "title": "Backlog"}]})
    assert dropped.status == 409  # the Doing lane still holds cards

    for method, path, body in [
        ("GET", "boards/nope", None),
        ("PATCH", "boards/nope", {"title": "x"}),
        ("POST", "boards/nope/cards", {"lane": "Todo", "title": "x"}),
    ]:
        assert (await api(method, path, body)).status == 404, (method, path)


async def test_cards_change_move_archive_and_restore(api: Api) -> None:
    await api("POST", "boards", {"title": "Team", "lanes": ["Todo", "Doing"]})
    ids = []
    for title in ("a", "b", "c"):
        ids.append(
            (await api("POST", "boards/team/cards", {"lane": "Todo", "title": title})).body["id"]
        )
    a, b, c = ids

    read = await api.get(f"cards/{a}")
    assert (read.status, read.etag, read.body["title"]) == (200, '"1"', "a")
    changed = await api(
        "PATCH",
        f"cards/{a}",
        {"title": "A", "due": "2030-01-02", "tags": ["#x"], "done": True},
        headers={"If-Match": '"1"'},
    )
    assert (changed.status, changed.etag) == (200, '"2"')
    assert (changed.body["title"], changed.body["due"], changed.body["tags"]) == (
        "A",
        "2030-01-02",
        ["x"],
    )
    assert (
        await api("PATCH", f"cards/{a}", {"title": "z"}, headers={"If-Match": '"1"'})
    ).status == 409
    assert (await api("PATCH", f"cards/{a}", {"due": "someday"})).status == 400

    moved = await api("POST", f"cards/{c}/move", {"position": 0}, headers={"If-Match": '"1"'})
    assert (moved.status, moved.body["position"], moved.etag) == (200, 0, '"2"')
    across = await api("POST", f"cards/{b}/move", {"lane": "Doing"})
    assert across.body["position"] == 0
    view = (await api.get("boards/team")).body
    lanes = {lane["id"]: lane["title"] for lane in view["lanes"]}
    assert [(lanes[card["lane_id"]], card["title"]) for card in view["cards"]] == [
        ("Todo", "c"),
        ("Todo", "A"),
        ("Doing", "b"),
    ]
    assert (await api("POST", f"cards/{b}/move", {"lane": "Nope"})).status == 404

    assert (await api("POST", f"cards/{c}/archive", headers={"If-Match": '"1"'})).status == 409
    archived = await api("POST", f"cards/{c}/archive", headers={"If-Match": '"2"'})
    assert (archived.status, archived.body["archived"], archived.etag) == (200, True, '"3"')
    assert [card["title"] for card in (await api.get("boards/team")).body["cards"]] == ["A", "b"]
    everything = await api.get("boards/team", include_archived="true")
    assert [card["title"] for card in everything.body["cards"]] == ["A", "b", "c"]
    assert (await api("POST", f"cards/{c}/move", {"position": 0})).status == 409  # archived
    restored = await api("POST", f"cards/{c}/restore")
    assert (restored.body["archived"], restored.body["position"]) == (False, 1)

    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"title": "x"}),
        ("POST", "/move", {}),
        ("POST", "/archive", None),
        ("POST", "/restore", None),
    ]:
        reply = await api(method, f"cards/nope{suffix}", body)
        assert (reply.status, reply.body["reason"]) == (404, "NotFound"), (method, suffix)
