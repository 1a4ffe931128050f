"""``/prompts`` over REST: versions as ETags, If-Match conflicts, labels, rendering, and
the errors a client can cause."""

from __future__ import annotations

from typing import Any

import pytest

from tests.jupyter.rest_api import Api


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


async def test_prompt_versions_labels_and_rendering(api: Api) -> None:
    created = await api("POST", "prompts", {"name": "review", "template": "Review {{code}}"})
    assert (created.status, created.etag) == (201, '"1"')
    assert created.body["version"] == 1
    assert created.body["author"]  # the Jupyter user, as the access policy knows it
    taken = await api("POST", "prompts", {"name": "review", "template": "again"})
    assert (taken.status, taken.body["reason"]) == (409, "Conflict")

    listed = await api.get("prompts")
    assert [(p["name"], p["latest"]) for p in listed.body] == [("review", 1)]

    second = await api(
        "PATCH",
        "prompts/review",
        {"template": "Review {{code}} twice", "message": "stricter"},
        headers={"If-Match": '"1"'},
    )
    assert (second.status, second.etag, second.body["message"]) == (200, '"2"', "stricter")
    stale = await api(
        "PATCH", "prompts/review", {"template": "Review {{code}} once"}, headers={"If-Match": '"1"'}
    )
    assert stale.status == 409
    assert stale.body["data"] == {
        "current": 2,
        "expected": 1,
        "fields": {"message 1": "lines 1-1 changed on both sides"},
    }
    assert "version 2" in stale.body["message"]

    newest = await api.get("prompts/review")
    assert (newest.etag, newest.body["labels"]) == ('"2"', ["latest"])
    first = await api.get("prompts/review", version=1)
    assert (first.etag, first.body["messages"][0]["text"]) == ('"1"', "Review {{code}}")

    labelled = await api("PUT", "prompts/review/labels/production", {"version": 1})
    assert (labelled.status, labelled.etag) == (200, '"2"')
    assert labelled.body["labels"] == {"latest": 2, "production": 1}
    assert (await api.get("prompts/review", label="production")).body["version"] == 1
    history = await api.get("prompts/review/versions")
    assert [(v["version"], v["labels"]) for v in history.body] == [
        (2, ["latest"]),
        (1, ["production"]),
    ]

    rendered = await api(
        "POST", "prompts/review/render", {"arguments": {"code": "x = 1"}, "label": "production"}
    )
    assert rendered.status == 200
    assert rendered.body == {
        "name": "review",
        "version": 1,
        "messages": [{"role": "user", "text": "Review x = 1"}],
    }
    missing = await api("POST", "prompts/review/render", {})
    assert (missing.status, missing.body["data"]) == (400, {"missing": ["code"]})

    unlabelled = await api("DELETE", "prompts/review/labels/production")
    assert (unlabelled.status, unlabelled.body["labels"]) == (200, {"latest": 2})
    assert (await api.get("prompts/review", label="production")).status == 404

    assert (await api("DELETE", "prompts/review", headers={"If-Match": '"1"'})).status == 409
    deleted = await api("DELETE", "prompts/review", headers={"If-Match": '"2"'})
    assert (deleted.status, deleted.body) == (204, None)
    for method, path in [
        ("GET", "prompts/review"),
        ("GET", "prompts/review/versions"),
        ("PATCH", "prompts/review"),
        ("DELETE", "prompts/review"),
        ("PUT", "prompts/review/labels/staging"),
        ("POST", "prompts/review/render"),
    ]:
        body = {"version": 1} if method == "PUT" else {} if method in ("POST", "PATCH") else None
        gone = await api(method, path, body)
        assert (gone.status, gone.body["reason"]) == (404, "NotFound"), (method, path)


async def test_bad_prompt_requests_are_refused(api: Api) -> None:
    await api("POST", "prompts", {"name": "p", "template": "hi"})
    cases: list[tuple[str, str, Any, dict[str, str], int]] = [
        ("POST", "prompts", b"{not json", {}, 400),
        ("POST", "prompts", {"name": "x", "template": "t", "colour": "red"}, {}, 400),
        ("POST", "prompts", {"name": "bad name!", "template": "t"}, {}, 400),
        ("POST", "prompts", {"name": "x"}, {}, 400),  # neither template nor messages
        ("PATCH", "prompts/p", {"template": "new"}, {"If-Match": "soon"}, 400),
        ("PUT", "prompts/p/labels/latest", {"version": 1}, {}, 400),
        ("PUT", "prompts/p/labels/production", {"version": 0}, {}, 400),
        ("PUT", "prompts/p/labels/production", {"version": 9}, {}, 404),
    ]
    for method, path, body, headers, status in cases:
        raw = body if isinstance(body, bytes) else None
        reply = await api(method, path, None if raw else body, raw=raw, headers=headers)
        assert reply.status == status, (method, path, body, reply.body)
        assert set(reply.body) == {"message", "reason", "data"}
        assert reply.body["message"]
    bad_query = await api.get("prompts/p", version="zero")
    assert bad_query.status == 400
    assert "query.version" in bad_query.body["message"]
    assert (await api.get("prompts/p")).body["version"] == 1  # nothing was changed


async def test_without_credentials_jupyter_refuses(api: Api) -> None:
    await api("POST", "prompts", {"name": "p", "template": "hi"})
    anonymous = {"Authorization": ""}
    for method, path, body in [
        ("GET", "prompts", None),
        ("GET", "prompts/p", None),
        ("POST", "prompts", {"name": "q", "template": "x"}),
        ("DELETE", "prompts/p", None),
    ]:
        reply = await api(method, path, body, headers=anonymous)
        assert reply.status == 403, (method, path)
        assert reply.body["message"]
    assert [p["name"] for p in (await api.get("prompts")).body] == ["p"]
