"""The events socket inside a real Jupyter server: changes made through the services
arrive as events, ``after`` resumes exactly once and in order, a client too far behind
gets a snapshot first, Jupyter's identity is required, the access policy hides what the
caller may not list, and the socket closes with a reason a browser can read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, delete
from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClientConnection
from traitlets.config import Config

from mcp_workbench.jupyter import subscription
from mcp_workbench.jupyter.events import (
    CLOSE_BAD_REQUEST,
    CLOSE_GOING_AWAY,
    CLOSE_UNAVAILABLE,
)
from mcp_workbench.registry import Tool
from mcp_workbench.service import Workbench
from mcp_workbench.store.tables import EventRow
from tests.jupyter.conftest import workbench_of

pytestmark = pytest.mark.timeout(30)

FRAME_WAIT = 5.0  # seconds a frame that must come may take

POLICY = """
@id("members") permit (principal in Role::"member", action, resource);

@id("private-notes-are-hidden")
forbid (principal in Role::"member", action, resource is Resource)
when { resource.name like "note://private/*" };

@id("sealed-notes-are-listed-but-not-read")
forbid (principal in Role::"member", action == Action::"read", resource is Resource)
when { resource.name like "note://sealed/*" };

@id("board-vault-is-hidden")
forbid (principal in Role::"member", action, resource == Board::"vault");

@id("tool-secret-is-hidden")
forbid (principal in Role::"member", action, resource == Tool::"secret");
"""


@pytest.fixture
def jp_server_config(
    jp_server_config: Config, tmp_path: Path, request: pytest.FixtureRequest
) -> Config:
    """The shared configuration, with the ``MCPWorkbench`` settings a test passes as its
    (indirect) parameter; ``policy: True`` installs :data:`POLICY`."""
    config = jp_server_config
    extra = dict(getattr(request, "param", {}))
    if extra.pop("policy", False):
        policy = tmp_path / "policy.cedar"
        policy.write_text(POLICY)
        extra["policy_path"] = str(policy)
    config["MCPWorkbench"].update(extra)
    return config


@pytest.fixture
def store(jp_serverapp: Any, jp_asyncio_loop: asyncio.AbstractEventLoop) -> Workbench:
    """The store of the server, started as ``jupyter server`` starts it: pytest-jupyter
    runs no extension's start hook, and without it no event reaches the bus."""
    jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.start_all_extensions())
    started: Workbench = workbench_of(jp_serverapp).workbench
    return started


Connect = Callable[..., Awaitable[WebSocketClientConnection]]


@pytest.fixture
def connect(jp_ws_fetch: Any) -> Iterator[Connect]:
    """Open the events socket (``after``: the query value); closed when the test ends."""
    opened: list[WebSocketClientConnection] = []

    async def open_socket(after: int | str | None = None) -> WebSocketClientConnection:
        params = {} if after is None else {"after": str(after)}
        ws: WebSocketClientConnection = await jp_ws_fetch(
            "mcp-workbench", "api", "v1", "events", params=params
        )
        opened.append(ws)
        return ws

    yield open_socket
    for ws in opened:
        ws.close()


async def frame(ws: WebSocketClientConnection) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.read_message(), FRAME_WAIT)
    assert isinstance(message, str), f"socket closed: {ws.close_code} {ws.close_reason}"
    parsed: dict[str, Any] = json.loads(message)
    return parsed


async def closed(ws: WebSocketClientConnection) -> tuple[int | None, str | None]:
    """Read until the server closes the socket; its close code and reason."""
    while await asyncio.wait_for(ws.read_message(), FRAME_WAIT) is not None:
        pass
    return ws.close_code, ws.close_reason


async def write(store: Workbench, path: str, body: str = "text") -> int:
    """Write a note through the service; the seq of the event it made."""
    await store.notes.write(path, body, actor="tester")
    return await store.last_seq()


async def test_a_change_through_the_services_arrives_as_an_event(
    store: Workbench, connect: Connect
) -> None:
    await write(store, "before.md")  # made before the client connected: not sent
    ws = await connect()
    seq = await write(store, "ideas/first.md", "hello")
    got = await frame(ws)
    assert got["type"] == "event"
    assert got["seq"] == seq
    assert (got["kind"], got["entity"], got["actor"]) == ("note.created", "note", "tester")
    assert got["payload"]["note"]["path"] == "ideas/first.md"
    assert got["payload"]["note"]["body"] == "hello"
    board = await store.boards.create_board("Plan", actor="tester")
    got = await frame(ws)
    assert (got["kind"], got["id"], got["version"]) == ("board.created", board.id, 1)
    ws.close()


async def test_after_replays_what_was_missed_in_order_exactly_once(
    store: Workbench, connect: Connect
) -> None:
    ws = await connect(after=await store.last_seq())  # the log may hold the server's journal
    first = await write(store, "a.md")
    second = await write(store, "b.md")
    assert [(await frame(ws))["seq"] for _ in range(2)] == [first, second]
    ws.close()
    missed = [await write(store, f"missed-{i}.md") for i in range(3)]

    ws = await connect(after=second)
    replayed = [await frame(ws) for _ in range(3)]
    assert [f["seq"] for f in replayed] == missed
    assert [f["payload"]["note"]["path"] for f in replayed] == [f"missed-{i}.md" for i in range(3)]
    live = await write(store, "live.md")
    assert (await frame(ws))["seq"] == live  # nothing repeated between replay and live
    sentinel = await write(store, "sentinel.md")
    assert (await frame(ws))["seq"] == sentinel
    ws.close()


async def test_a_seq_older_than_the_log_keeps_gets_a_snapshot_first(
    store: Workbench, connect: Connect
) -> None:
    for path in ("one.md", "two.md", "three.md"):
        await write(store, path)
    await store.prompts.create("greet", template="Hello {{name}}", actor="tester")
    board = await store.boards.create_board("Plan", actor="tester")
    await store.boards.create_card(board.id, "Todo", "first card", actor="tester")
    last = await store.last_seq()
    # The log was compacted up to the newest event: seq 1 is no longer kept.
    await store.db.write(lambda s: s.exec(delete(EventRow).where(col(EventRow.seq) < last)))

    ws = await connect(after=1)
    snapshot = await frame(ws)
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == last
    assert [n["path"] for n in snapshot["notes"]] == ["one.md", "three.md", "two.md"]
    assert "body" not in snapshot["notes"][0]  # summaries
    assert [(p["name"], p["latest"]) for p in snapshot["prompts"]] == [("greet", 1)]
    [plan] = snapshot["boards"]
    assert plan["id"] == board.id
    assert [c["title"] for c in plan["cards"]] == ["first card"]
    after = await write(store, "four.md")
    assert (await frame(ws))["seq"] == after  # then live from the snapshot's seq
    ws.close()


async def test_a_client_too_far_behind_gets_a_snapshot_and_one_close_enough_a_replay(
    store: Workbench, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscription, "REPLAY_LIMIT", 2)
    seqs = [await write(store, f"n{i}.md") for i in range(4)]

    behind = await connect(after=seqs[0])  # 3 behind
    snapshot = await frame(behind)
    assert (snapshot["type"], snapshot["seq"]) == ("snapshot", seqs[-1])
    assert len(snapshot["notes"]) == 4
    behind.close()

    near = await connect(after=seqs[1])  # 2 behind
    assert [(f["type"], f["seq"]) for f in [await frame(near), await frame(near)]] == [
        ("event", seqs[2]),
        ("event", seqs[3]),
    ]
    near.close()

    ahead = await connect(after=seqs[-1] + 10)  # the store was replaced
    snapshot = await frame(ahead)
    assert (snapshot["type"], snapshot["seq"]) == ("snapshot", seqs[-1])
    ahead.close()


async def test_an_unauthenticated_connection_is_refused(jp_ws_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("mcp-workbench", "api", "v1", "events", headers={"Authorization": ""})
    assert refused.value.code == 403


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", ""])
async def test_an_invalid_after_closes_with_the_reason(connect: Connect, after: str) -> None:
    ws = await connect(after=after)
    code, reason = await closed(ws)
    assert code == CLOSE_BAD_REQUEST
    assert reason is not None
    assert reason.startswith("after must be a non-negative integer")


@pytest.mark.parametrize("jp_server_config", [{"store": False}], indirect=True)
async def test_without_a_store_the_socket_closes_with_the_reason(connect: Connect) -> None:
    ws = await connect()
    assert await closed(ws) == (CLOSE_UNAVAILABLE, "The workbench store is off: no events")


async def test_server_shutdown_closes_open_sockets_with_a_resume_point(
    store: Workbench, jp_serverapp: Any, connect: Connect
) -> None:
    ws = await connect()
    seq = await write(store, "last.md")
    assert (await frame(ws))["seq"] == seq
    await jp_serverapp.cleanup_extensions()  # what stopping the server does first
    code, reason = await closed(ws)
    assert code == CLOSE_GOING_AWAY
    assert reason == f"The server is shutting down; resume after={seq}"
    assert not jp_serverapp.web_app.settings["mcp_workbench_event_sockets"]
    late = await connect()  # while the server goes down
    assert await closed(late) == (CLOSE_GOING_AWAY, "The server is shutting down")
    # Stopped once; pytest-jupyter's cleanup (after any monkeypatch is undone) stops every
    # extension again.
    for app in jp_serverapp.extension_manager.extension_apps["mcp_workbench.jupyter"]:
        app.stop_extension = _already_stopped


async def _already_stopped() -> None:
    pass


@pytest.mark.parametrize(
    "jp_server_config", [{"policy": True, "jupyter_roles": ["member"]}], indirect=True
)
async def test_events_of_items_the_caller_may_not_list_are_left_out(
    store: Workbench, connect: Connect
) -> None:
    hidden = await write(store, "private/plan.md", "secret plan")
    shown = await write(store, "public/a.md")
    await store.boards.create_board("Vault", board_id="vault", actor="tester")
    await store.boards.create_card("vault", "Todo", "hidden card", actor="tester")
    sealed = await write(store, "sealed/b.md", "sealed body")

    ws = await connect(after=hidden - 1)
    got = await frame(ws)
    assert (got["seq"], got["payload"]["note"]["path"]) == (shown, "public/a.md")
    got = await frame(ws)  # listed but not readable: there, without its content
    assert (got["seq"], got["kind"], got["payload"], got["redacted"]) == (
        sealed,
        "note.created",
        {},
        True,
    )
    # Live: the hidden board's card, and feedback on the hidden note, are left out too.
    await store.boards.create_card("vault", "Todo", "another", actor="tester")
    note = await store.notes.read("private/plan.md")
    await store.feedback.add("note", note.id, score=1.0, actor="tester")
    visible = await write(store, "public/c.md")
    assert (await frame(ws))["seq"] == visible
    ws.close()

    # A snapshot holds only what the caller may list.
    await store.db.write(lambda s: s.exec(delete(EventRow).where(col(EventRow.seq) < visible)))
    ws = await connect(after=1)
    snapshot = await frame(ws)
    assert snapshot["type"] == "snapshot"
    assert [n["path"] for n in snapshot["notes"]] == ["public/a.md", "public/c.md", "sealed/b.md"]
    assert snapshot["boards"] == []
    ws.close()


@pytest.mark.parametrize(
    "jp_server_config", [{"policy": True, "jupyter_roles": ["member"]}], indirect=True
)
async def test_catalog_events_follow_the_policy_of_their_tool(
    jp_serverapp: Any, store: Workbench, connect: Connect
) -> None:
    """A tool added at run time reaches the socket as a ``catalog.item`` event, unless the
    caller may not list it."""
    server = workbench_of(jp_serverapp)
    journal = server._journal
    assert journal is not None
    ws = await connect(after=await store.last_seq())
    registry = server.engine.registry
    registry.add_tool(Tool.from_function(lambda: "psst", name="secret"))
    await journal.flush()
    registry.add_tool(Tool.from_function(lambda: "hi", name="greeting"))
    await journal.flush()
    got = await frame(ws)  # not the secret tool's event: the next one
    assert (got["kind"], got["payload"]["item"]["key"]) == ("catalog.item", "greeting")
    registry.remove_tool("secret")
    await journal.flush()
    note = await write(store, "public/after.md")
    got = await frame(ws)
    assert (got["kind"], got["seq"]) == ("note.created", note)
    ws.close()
