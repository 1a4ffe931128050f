"""Concurrent writes over REST: two clients change the same note or card from one ETag;
the second change is merged with the first, or answered 409 with what clashed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.jupyter.rest_api import Api

NOTE = "# Trip\n\nTrain: book seats.\n\nHotel: two nights.\n"


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


async def test_edits_of_different_paragraphs_from_one_etag_both_land(api: Api) -> None:
    created = await api("PUT", "notes/trip.md", {"body": NOTE}, headers={"If-None-Match": "*"})
    etag = created.etag
    assert etag == '"1"'
    alice = NOTE.replace("book seats", "book seats by the window")
    bob = NOTE.replace("two nights", "three nights")
    first = await api("PUT", "notes/trip.md", {"body": alice}, headers={"If-Match": etag})
    second = await api("PUT", "notes/trip.md", {"body": bob}, headers={"If-Match": etag})

    assert (first.status, first.etag) == (200, '"2"')
    assert (second.status, second.etag) == (200, '"3"')
    both = NOTE.replace("book seats", "book seats by the window").replace("two", "three")
    assert second.body["body"] == both
    read = await api.get("notes/trip.md")
    assert (read.etag, read.body["body"]) == ('"3"', both)


async def test_the_same_line_changed_differently_answers_409_and_keeps_the_note(
    api: Api,
) -> None:
    await api("PUT", "notes/trip.md", {"body": NOTE})
    kept = await api(
        "PUT",
        "notes/trip.md",
        {"body": NOTE.replace("two", "three")},
        headers={"If-Match": '"1"'},
    )
    refused = await api(
        "PUT", "notes/trip.md", {"body": NOTE.replace("two", "four")}, headers={"If-Match": '"1"'}
    )

    assert refused.status == 409
    assert refused.body["reason"] == "Conflict"
    assert refused.body["data"] == {
        "current": 2,
        "expected": 1,
        "fields": {"body": "lines 5-5 changed on both sides"},
    }
    assert refused.body["message"].startswith("note trip.md is at version 2, not 1")
    assert "body (lines 5-5 changed on both sides)" in refused.body["message"]
    read = await api.get("notes/trip.md")
    assert (read.etag, read.body["body"]) == ('"2"', kept.body["body"])


async def test_card_title_and_body_changed_from_one_etag_are_merged(api: Api) -> None:
    await api("POST", "boards", {"title": "Trip"})
    card = await api("POST", "boards/trip/cards", {"lane": "Todo", "title": "Pack"})
    url, etag = f"cards/{card.body['id']}", card.etag
    assert etag == '"1"'
    renamed = await api("PATCH", url, {"title": "Pack the bags"}, headers={"If-Match": etag})
    described = await api("PATCH", url, {"body": "- socks\n"}, headers={"If-Match": etag})

    assert (renamed.status, renamed.etag) == (200, '"2"')
    assert (described.status, described.etag) == (200, '"3"')
    read = await api.get(url)
    assert (read.body["title"], read.body["body"], read.etag) == (
        "Pack the bags",
        "- socks\n",
        '"3"',
    )


async def test_card_values_set_differently_answer_409_naming_them(api: Api) -> None:
    await api("POST", "boards", {"title": "Trip"})
    card = await api("POST", "boards/trip/cards", {"lane": "Todo", "title": "Pack"})
    url = f"cards/{card.body['id']}"
    await api("PATCH", url, {"due": "2030-05-01", "done": True}, headers={"If-Match": '"1"'})
    refused = await api(
        "PATCH", url, {"due": "2030-06-01", "done": True}, headers={"If-Match": '"1"'}
    )

    assert refused.status == 409
    assert refused.body["data"] == {
        "current": 2,
        "expected": 1,
        "fields": {"due": "changed on both sides"},
    }
    read = await api.get(url)
    assert (read.etag, read.body["due"]) == ('"2"', "2030-05-01")


async def test_an_if_match_ahead_of_the_item_is_still_a_plain_409(api: Api) -> None:
    await api("PUT", "notes/trip.md", {"body": NOTE})
    ahead = await api("PUT", "notes/trip.md", {"body": "x"}, headers={"If-Match": '"7"'})
    assert (ahead.status, ahead.body["data"]) == (409, {"current": 1, "expected": 7})
