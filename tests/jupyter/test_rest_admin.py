"""The admin routes over REST (sessions, audit) and feedback: what they show, how they
filter, and what they refuse."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.jupyter.rest_api import Api


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


def _rpc(rid: int, method: str, **params: Any) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})


async def _sessions_until(api: Api, done: Callable[[list[Any]], bool]) -> list[Any]:
    """The sessions listed once ``done`` says so (the server acts on a frame after the
    client has sent it, with nothing the client could wait for)."""
    for _ in range(200):
        found: list[Any] = (await api.get("sessions")).body
        if done(found):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"sessions never got there: {found}")


async def test_sessions_show_open_mcp_sessions_without_their_ids(
    api: Api, jp_ws_fetch: Any
) -> None:
    assert (await api.get("sessions")).body == []
    ws = await jp_ws_fetch("mcp", "ws", subprotocols=["mcp"])
    try:
        hello = {"name": "probe", "version": "1"}
        await ws.write_message(
            _rpc(1, "initialize", protocolVersion="2025-11-25", capabilities={}, clientInfo=hello)
        )
        assert json.loads(await ws.read_message())["id"] == 1
        await ws.write_message(_rpc(2, "tools/call", name="sleepy", arguments={"seconds": 5}))
        sessions = await _sessions_until(api, lambda found: found[0]["in_flight"] == 1)
        assert len(sessions) == 1
        session = sessions[0]
        assert (session["transport"], session["client"], session["protocol_version"]) == (
            "websocket",
            "probe",
            "2025-11-25",
        )
        assert session["principal"]
        assert session["roles"] == ["admin"]
        assert len(session["id"]) == 8
        assert session["in_flight"] == 1
        assert 0 <= session["idle_seconds"] <= session["age_seconds"] < 30
    finally:
        ws.close()
    assert await _sessions_until(api, lambda found: not found) == []


async def test_audit_entries_page_and_filter(api: Api) -> None:
    made = await api("POST", "prompts", {"name": "p", "template": "one"})
    for text in ("two", "three"):
        await api("PATCH", "prompts/p", {"template": text})
    entries = (await api.get("audit")).body
    assert [e["action"] for e in entries] == [
        "prompt.created",
        "prompt.versioned",
        "prompt.versioned",
    ]
    first = entries[0]
    assert (first["transport"], first["principal"], first["outcome"]) == (
        "rest",
        made.body["author"],
        "ok",
    )
    assert first["request_id"] == made.headers["X-Request-Id"]
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)

    page = (await api.get("audit", after=first["id"], limit=1)).body
    assert [e["id"] for e in page] == [entries[1]["id"]]
    assert (await api.get("audit", principal="somebody-else")).body == []
    assert len((await api.get("audit", principal=first["principal"])).body) == 3
    assert (await api.get("audit", outcome="denied")).body == []
    assert (await api.get("audit", outcome="maybe")).status == 400
    assert (await api.get("audit", limit=0)).status == 400

    # Newest first, a page at a time backwards: what an admin reads first.
    ids = [e["id"] for e in entries]
    newest = (await api.get("audit", order="newest", limit=2)).body
    assert [e["id"] for e in newest] == ids[::-1][:2]
    older = (await api.get("audit", order="newest", before=newest[-1]["id"])).body
    assert [e["id"] for e in older] == ids[:1]
    assert (await api.get("audit", order="newest", before=ids[0])).body == []
    assert (await api.get("audit", order="sideways")).status == 400
    assert (await api.get("audit", order="newest", before=0)).status == 400


async def test_feedback_on_prompts_notes_and_cards(api: Api) -> None:
    author = (await api("POST", "prompts", {"name": "p", "template": "hi"})).body["author"]
    note = (await api("PUT", "notes/n.md", {"body": "x"})).body
    await api("POST", "boards", {"title": "B"})
    card = (await api("POST", "boards/b/cards", {"lane": "Todo", "title": "c"})).body
    for entity, entity_id in [("prompt", "p"), ("note", note["id"]), ("card", card["id"])]:
        given = await api(
            "POST",
            "feedback",
            {"entity": entity, "entity_id": entity_id, "score": 0.5, "comment": "ok", "version": 1},
        )
        assert given.status == 201, given.body
        assert (given.body["entity"], given.body["score"], given.body["actor"]) == (
            entity,
            0.5,
            author,
        )
        listed = await api.get("feedback", entity=entity, entity_id=entity_id)
        assert [f["id"] for f in listed.body] == [given.body["id"]]
    await api("POST", "feedback", {"entity": "prompt", "entity_id": "p", "comment": "again"})
    assert len((await api.get("feedback", entity="prompt", entity_id="p")).body) == 2

    for body, status in [
        ({"entity": "prompt", "entity_id": "p", "score": 2}, 400),
        ({"entity": "board", "entity_id": "b", "score": 1}, 400),
        ({"entity": "prompt", "entity_id": "p"}, 400),  # neither score nor comment
        ({"entity": "note", "entity_id": "nope", "score": 1}, 404),
        ({"entity": "card", "entity_id": "nope", "score": 1}, 404),
        ({"entity": "prompt", "entity_id": "nope", "score": 1}, 404),
    ]:
        assert (await api("POST", "feedback", body)).status == status, body
    assert (await api.get("feedback", entity="prompt", entity_id="nope")).status == 404
    assert (await api.get("feedback", entity="prompt")).status == 400
