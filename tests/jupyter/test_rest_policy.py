"""The access policy over REST, per item as in the MCP tools: reading needs ``read``,
changing ``write``, lists show what may be listed, hidden items answer like missing ones
(404), visible but refused ones 403; refusals are audited with transport ``rest``; the
admin routes need the ``admin`` role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from mcp_workbench.audit import entries_after
from tests.fixtures import FIXTURES
from tests.jupyter.conftest import workbench_of
from tests.jupyter.rest_api import Api

POLICY = (
    (FIXTURES / "entities.cedar").read_text()
    + """
@id("add-is-hidden")
forbid (principal in Role::"member", action, resource == Tool::"add");

@id("echo-is-listed-only")
forbid (principal in Role::"member", action == Action::"call", resource == Tool::"echo");
"""
)


@pytest.fixture
def roles() -> list[str]:
    return ["member"]


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.cedar"
    path.write_text(POLICY)
    return path


@pytest.fixture
def jp_server_config(jp_server_config: Config, policy_file: Path, roles: list[str]) -> Config:
    jp_server_config.MCPWorkbench.update(policy_path=str(policy_file), jupyter_roles=roles)
    return jp_server_config


async def seeded(jp_fetch: Any, jp_serverapp: Any) -> Api:
    """The API, over a store an administrator filled (as the setup actor)."""
    store = workbench_of(jp_serverapp).workbench
    for path in ("private/plan.md", "rules/style.md", "public/a.md"):
        await store.notes.write(path, f"{path}: see [[public/b]]", actor="setup")
    await store.notes.write("public/b.md", "the target", actor="setup")
    for name in ("secret", "frozen", "open"):
        await store.prompts.create(name, template=f"{name} {{{{x}}}}", actor="setup")
    for board in ("roadmap", "team", "vault"):
        await store.boards.create_board(board.title(), board_id=board, actor="setup")
    return Api(jp_fetch)


def _reload(policy: Any, path: Path, text: str) -> bool:
    """Rewrite the policy file and let the engine look at it now (not in 2 s)."""
    path.write_text(text)
    return bool(policy.check_for_changes())


async def _card(jp_serverapp: Any, board: str) -> str:
    store = workbench_of(jp_serverapp).workbench
    card = await store.boards.create_card(board, "Todo", "task", actor="setup")
    return str(card.id)


async def test_notes_and_prompts_follow_the_policy(jp_fetch: Any, jp_serverapp: Any) -> None:
    api = await seeded(jp_fetch, jp_serverapp)
    listed = await api.get("notes")
    assert [n["path"] for n in listed.body] == ["public/a.md", "public/b.md", "rules/style.md"]
    hits = await api.get("notes/search", q="see")
    assert sorted(h["path"] for h in hits.body) == ["public/a.md", "rules/style.md"]
    backlinks = await api.get("notes/public/b.md/backlinks")
    assert [n["path"] for n in backlinks.body] == ["public/a.md", "rules/style.md"]

    hidden = await api.get("notes/private/plan.md")
    missing = await api.get("notes/private/none.md")
    assert (hidden.status, hidden.body["reason"]) == (missing.status, missing.body["reason"])
    assert hidden.status == 404
    assert hidden.body["message"] == "no note at private/plan.md"
    assert missing.body["message"] == "no note at private/none.md"
    assert (await api.get("notes/private/plan.md/backlinks")).status == 404
    assert (await api("DELETE", "notes/private/plan.md")).status == 404
    assert (await api("PUT", "notes/private/new.md", {"body": "x"})).status == 403
    assert (await api.get("notes/rules/style.md")).status == 200
    refused = await api("PUT", "notes/rules/style.md", {"body": "mine now"})
    assert (refused.status, refused.body["reason"]) == (403, "PermissionDenied")
    moved_in = await api("POST", "notes/public/a.md/move", {"new_path": "rules/a.md"})
    assert moved_in.status == 403
    assert (await api("PUT", "notes/public/c.md", {"body": "fine"})).status == 201

    prompts = await api.get("prompts")
    assert [p["name"] for p in prompts.body] == ["frozen", "open"]
    assert (await api.get("prompts/secret")).status == 404
    assert (await api.get("prompts/secret/versions")).status == 404
    render = await api("POST", "prompts/secret@latest/render", {"arguments": {"x": "1"}})
    assert render.status == 404  # a reference names the prompt the policy decides on
    assert (await api.get("prompts/frozen")).status == 200
    assert (await api("PATCH", "prompts/frozen", {"description": "x"})).status == 403
    assert (await api("PUT", "prompts/frozen/labels/production", {"version": 1})).status == 403
    assert (await api("POST", "prompts", {"name": "secret", "template": "x"})).status == 403
    feedback = {"entity": "prompt", "entity_id": "secret", "score": 1}
    assert (await api("POST", "feedback", feedback)).status == 404

    store = workbench_of(jp_serverapp).workbench
    await store.audit.flush()
    denied = await store.db.read(lambda s: entries_after(s, outcome="denied"))
    assert denied, "refusals are audited"
    assert {e.transport for e in denied} == {"rest"}
    targets = {e.target for e in denied}
    assert {"note://private/plan.md", "note://rules/style.md", "secret", "frozen"} <= targets
    assert all(e.request_id for e in denied)


async def test_boards_cards_and_tools_follow_the_policy(jp_fetch: Any, jp_serverapp: Any) -> None:
    api = await seeded(jp_fetch, jp_serverapp)
    assert [b["id"] for b in (await api.get("boards")).body] == ["roadmap", "team"]
    assert (await api.get("boards/vault")).status == 404
    assert (await api.get("boards/roadmap")).status == 200
    assert (await api("PATCH", "boards/roadmap", {"title": "Mine"})).status == 403
    assert (await api("POST", "boards/roadmap/cards", {"lane": "Todo", "title": "x"})).status == 403
    assert (await api("POST", "boards/team/cards", {"lane": "Todo", "title": "x"})).status == 201
    assert (await api("POST", "boards", {"title": "x", "id": "vault"})).status == 403

    on_roadmap = await _card(jp_serverapp, "roadmap")
    in_vault = await _card(jp_serverapp, "vault")
    assert (await api.get(f"cards/{on_roadmap}")).status == 200
    for method, suffix, body in [
        ("PATCH", "", {"title": "x"}),
        ("POST", "/move", {"position": 0}),
        ("POST", "/archive", None),
        ("POST", "/restore", None),
    ]:
        assert (await api(method, f"cards/{on_roadmap}{suffix}", body)).status == 403, suffix
        assert (await api(method, f"cards/{in_vault}{suffix}", body)).status == 404, suffix
    hidden_card, missing_card = await api.get(f"cards/{in_vault}"), await api.get("cards/nope")
    assert (hidden_card.status, hidden_card.body["message"]) == (404, f"no card {in_vault!r}")
    assert (missing_card.status, missing_card.body["message"]) == (404, "no card 'nope'")
    card_feedback = {"entity": "card", "entity_id": in_vault, "comment": "hm"}
    hidden_feedback = await api("POST", "feedback", card_feedback)
    assert (hidden_feedback.status, hidden_feedback.body) == (404, hidden_card.body)

    tools = [t["name"] for t in (await api.get("tools")).body]
    assert "echo" in tools
    assert "add" not in tools
    hidden = await api("POST", "tools/add/call", {"numbers": [1]})
    assert hidden.status == 404
    assert hidden.body == (await api("POST", "tools/nope/call", {})).body | {
        "message": "no tool named 'add'",
        "data": {"name": "add"},
    }
    refused = await api("POST", "tools/echo/call", {"text": "hi"})
    assert (refused.status, refused.body["reason"]) == (403, "PermissionDenied")

    for method, path, body in [
        ("GET", "sessions", None),
        ("GET", "audit", None),
        ("GET", "policy", None),
        (
            "POST",
            "policy/explain",
            {"principal": "x", "action": "read", "kind": "board", "name": "b"},
        ),
    ]:
        reply = await api(method, path, body)
        assert (reply.status, reply.body["reason"]) == (403, "PermissionDenied"), path
        assert "'admin' role" in reply.body["message"]


@pytest.mark.parametrize("roles", [["admin"]])
async def test_policy_status_reloads_and_explanations(
    jp_fetch: Any, jp_serverapp: Any, policy_file: Path
) -> None:
    api = await seeded(jp_fetch, jp_serverapp)
    status = await api.get("policy")
    assert status.status == 200
    assert status.body == {
        "active": True,
        "path": str(policy_file),
        "source": str(policy_file),
        "version": 1,
        "files": ["policy.cedar"],
        "permits": 2,
        "forbids": 8,
        "last_error": None,
    }
    assert (await api.get("prompts/secret")).status == 200  # admins see everything

    policy = workbench_of(jp_serverapp).engine.access.policy
    no_boards = '\n@id("no-boards") forbid (principal, action, resource is Board);'
    assert _reload(policy, policy_file, POLICY + no_boards)
    assert (await api.get("policy")).body["version"] == 2
    assert (await api.get("boards")).body == []
    assert not _reload(policy, policy_file, "permit (principal, action, resource")  # broken
    broken = (await api.get("policy")).body
    assert (broken["version"], broken["forbids"]) == (2, 9)  # the last good set stays
    assert broken["last_error"]

    question = {
        "principal": "bob",
        "roles": ["member"],
        "action": "read",
        "kind": "prompt",
        "name": "secret",
    }
    explained = await api("POST", "policy/explain", question)
    assert explained.status == 200
    assert (explained.body["decision"], explained.body["allowed"]) == ("deny", False)
    assert [p["annotation"] for p in explained.body["determining"]] == ["secret-prompt-is-hidden"]
    assert [p["annotation"] for p in explained.body["overridden"]] == ["members"]
    assert 'Prompt::"secret"' in explained.body["explanation"]
    allowed = await api("POST", "policy/explain", {**question, "name": "open"})
    assert allowed.body["decision"] == "allow"
    assert (await api("POST", "policy/explain", {**question, "action": "fly"})).status == 400
