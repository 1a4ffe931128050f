"""The access policy inside the store's tools: per note, prompt and board, reads need
``read``, changes need ``write``, lists and searches show only what may be listed, and
hidden items answer exactly like missing ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer
from mcp_workbench.audit import entries_after
from mcp_workbench.auth import AuthConfig, build_issuer
from mcp_workbench.transports.sockets import SocketServer, start_tcp_server
from tests.clients import RawLineClient
from tests.conftest import fresh_data_dir
from tests.fixtures import FIXTURES

pytestmark = pytest.mark.timeout(60)

POLICY = (FIXTURES / "entities.cedar").read_text()
"""Admins see everything; members are kept from a few notes, prompts and boards."""


class Store:
    def __init__(self, server: WorkbenchServer, tcp: SocketServer) -> None:
        self.server = server
        self.tcp = tcp
        settings = server.settings
        self.issuer = build_issuer(AuthConfig.from_settings(settings), settings.data_dir)

    async def client(self, role: str) -> RawLineClient:
        token = self.issuer.issue(f"{role}-1", ttl=600, roles=(role,)).token
        return await RawLineClient.open_tcp(self.tcp.address, token)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    policy = tmp_path / "policy.cedar"
    policy.write_text(POLICY)
    settings = Settings(
        entry_points=False, data_dir=fresh_data_dir(), auth=True, policy_path=policy
    )
    server = WorkbenchServer(settings)
    await server.start()
    tcp = await start_tcp_server(server.engine, "127.0.0.1", 0)
    admin = await Store(server, tcp).client("admin")
    for path in ("private/plan.md", "rules/style.md", "public/a.md"):
        assert not (await admin.call("notes.write", path=path, body=f"{path} plan")).get("isError")
    for name in ("secret", "frozen", "open"):
        created = await admin.call("prompts.create", name=name, template=f"{name} {{{{x}}}}")
        assert not created.get("isError"), created
    cards: dict[str, str] = {}
    for board in ("roadmap", "team", "vault"):
        made = await admin.call("tasks.create_board", title=board.title(), id=board)
        assert not made.get("isError"), made
        card = await admin.call("tasks.create_card", board=board, lane="Todo", title="c")
        cards[board] = card["structuredContent"]["id"]
    admin.close()
    store = Store(server, tcp)
    store.cards = cards  # type: ignore[attr-defined]
    yield store
    await tcp.close()
    await server.engine.shutdown()
    await server.aclose()
    server.close()


def text(result: dict[str, Any]) -> str:
    assert result.get("isError") is True, result
    message: str = result["content"][0]["text"]
    return message


async def test_notes(store: Store) -> None:
    member = await store.client("member")
    try:
        listed = (await member.call("notes.list"))["structuredContent"]["notes"]
        assert sorted(n["path"] for n in listed) == ["public/a.md", "rules/style.md"]
        hits = (await member.call("notes.search", query="plan"))["structuredContent"]["hits"]
        assert sorted(h["path"] for h in hits) == ["public/a.md", "rules/style.md"]
        # Hidden: exactly what a missing note gets.
        hidden = text(await member.call("notes.read", path="private/plan.md"))
        missing = text(await member.call("notes.read", path="public/none.md"))
        assert hidden == "no note at private/plan.md"
        assert missing == "no note at public/none.md"
        assert text(await member.call("notes.delete", path="private/plan.md")) == hidden
        # Writing there is refused the same way whether or not a note exists.
        over = text(await member.call("notes.write", path="private/plan.md", body="x"))
        fresh = text(await member.call("notes.write", path="private/new.md", body="x"))
        assert over == "You may not write note://private/plan.md"
        assert fresh == "You may not write note://private/new.md"
        # Visible but read-only.
        rules = await member.call("notes.read", path="rules/style.md")
        assert rules["structuredContent"]["body"] == "rules/style.md plan"
        assert text(await member.call("notes.write", path="rules/style.md", body="x")) == (
            "You may not write note://rules/style.md"
        )
        moved = await member.call("notes.move", path="public/a.md", new_path="private/a.md")
        assert text(moved) == "You may not write note://private/a.md"
        # What the policy allows still works, and the refused changes changed nothing.
        ok = await member.call("notes.write", path="public/b.md", body="mine")
        assert ok["structuredContent"]["version"] == 1
        admin = await store.client("admin")
        plan = await admin.call("notes.read", path="private/plan.md")
        assert plan["structuredContent"]["body"] == "private/plan.md plan"
        listed = (await admin.call("notes.list"))["structuredContent"]["notes"]
        assert "private/new.md" not in {n["path"] for n in listed}
        admin.close()
    finally:
        member.close()


async def test_prompts(store: Store) -> None:
    member = await store.client("member")
    try:
        listed = (await member.call("prompts.list"))["structuredContent"]["prompts"]
        assert sorted(p["name"] for p in listed) == ["frozen", "open"]
        hidden = text(await member.call("prompts.get", name="secret"))
        assert hidden == text(await member.call("prompts.get", name="nothing")).replace(
            "nothing", "secret"
        )
        assert text(await member.call("prompts.render", name="secret@1")) == hidden
        assert text(await member.call("prompts.update", name="secret", template="x")) == hidden
        feedback = await member.call("feedback.add", entity="prompt", id="secret", score=1)
        assert text(feedback) == hidden
        given = await member.call("feedback.add", entity="prompt", id="open", score=1)
        assert given["structuredContent"]["entity_id"] == "open"
        assert text(await member.call("prompts.create", name="secret", template="x")) == (
            "You may not write secret"
        )
        assert text(await member.call("prompts.update", name="frozen", template="x")) == (
            "You may not write frozen"
        )
        rendered = await member.call("prompts.render", name="frozen", arguments={"x": "1"})
        assert rendered["structuredContent"]["messages"][0]["text"] == "frozen 1"
        updated = await member.call("prompts.update", name="open", template="v2")
        assert updated["structuredContent"]["version"] == 2
        # The MCP prompt list agrees with the tool.
        names = {p["name"] for p in (await member.send("prompts/list"))["result"]["prompts"]}
        assert "secret" not in names
        assert {"frozen", "open"} <= names
    finally:
        member.close()


async def test_boards_and_cards(store: Store) -> None:
    cards: dict[str, str] = store.cards  # type: ignore[attr-defined]
    member = await store.client("member")
    try:
        boards = (await member.call("tasks.list_boards"))["structuredContent"]["boards"]
        assert sorted(b["id"] for b in boards) == ["roadmap", "team"]
        hidden = text(await member.call("tasks.get_board", board="vault"))
        assert hidden == "no board 'vault'"
        assert text(await member.call("tasks.get_board", board="Vault")) == "no board 'Vault'"
        assert (
            text(await member.call("tasks.create_card", board="vault", lane="Todo", title="x"))
            == hidden
        )
        vault_card = text(await member.call("tasks.archive_card", card=cards["vault"]))
        assert vault_card == f"no card {cards['vault']!r}"
        assert text(await member.call("tasks.archive_card", card="nope")) == "no card 'nope'"
        roadmap = await member.call("tasks.get_board", board="roadmap")
        assert roadmap["structuredContent"]["id"] == "roadmap"
        refused = "You may not write roadmap"
        add = await member.call("tasks.create_card", board="roadmap", lane="Todo", title="x")
        assert text(add) == refused
        assert text(await member.call("tasks.move_card", card=cards["roadmap"], lane="Done")) == (
            refused
        )
        assert text(await member.call("tasks.update_board", board="Roadmap", title="x")) == refused
        assert text(await member.call("tasks.create_board", title="Vault", id="vault")) == (
            "You may not write vault"
        )
        moved = await member.call("tasks.move_card", card=cards["team"], lane="Done")
        assert not moved.get("isError"), moved
        # Every refusal above is in the audit log, attributed to the member.
        workbench = store.server.workbench
        assert workbench is not None
        await store.server.audit.flush()
        entries = await workbench.db.read(lambda s: entries_after(s, 0, principal="member-1"))
        denied = {(e.action, e.kind, e.target) for e in entries if e.outcome == "denied"}
        assert ("write", "board", "roadmap") in denied
        assert ("read", "board", "vault") in denied
        assert ("write", "board", "vault") in denied
        (change,) = [e for e in entries if e.outcome == "ok"]
        assert (change.action, change.target) == ("card.moved", cards["team"])
    finally:
        member.close()
