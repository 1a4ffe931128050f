"""The audit log: changes recorded with the transaction that makes them, refusals and failed
authentications recorded off the request path, arguments only as a hash, a JSON lines
copy, and ``mcp-workbench audit tail``."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer
from mcp_workbench.audit import AuditEntry, AuditLog, LocalOrigin, current_origin, entries_after
from mcp_workbench.auth import AuthConfig, build_issuer
from mcp_workbench.errors import Conflict
from mcp_workbench.service import Workbench
from mcp_workbench.transports.listeners import Listeners, start_listeners
from tests.conftest import FIXTURE_TOOLS, fresh_data_dir, run_cli, server_env

pytestmark = pytest.mark.timeout(60)

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}
SECRET = "do-not-keep-this-9f1c"

POLICY = """
@id("editors-do-everything")
permit (principal in Role::"editor", action, resource);

@id("readers-see-and-read")
permit (principal in Role::"reader", action in [Action::"list", Action::"read"], resource);

@id("readers-call-read-only-tools")
permit (principal in Role::"reader", action == Action::"call", resource is Tool)
when { resource has read_only && resource.read_only };
"""


def canonical_hash(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def stored(wb: Workbench, **filters: Any) -> list[AuditEntry]:
    return await wb.db.read(lambda s: entries_after(s, 0, **filters))


# -- the log itself ----------------------------------------------------------------------------
async def test_a_change_is_recorded_in_its_own_transaction(tmp_path: Path) -> None:
    wb = Workbench.open(data_dir=tmp_path, poll_interval=0)
    await wb.start()
    try:
        origin = LocalOrigin("alice", transport="tcp", session_id="s1", request_id=7)
        token = current_origin.set(origin)
        try:
            note = await wb.notes.write("a.md", "hello", actor="alice")
            with pytest.raises(Conflict):  # refused: nothing written, nothing audited
                await wb.notes.write("a.md", "again", expected_version=5, actor="alice")
        finally:
            current_origin.reset(token)
        await wb.notes.write("b.md", "no origin", actor="cli:bob")
        entries = await stored(wb)
        assert [(e.action, e.target, e.outcome) for e in entries] == [
            ("note.created", "a.md", "ok"),
            ("note.created", "b.md", "ok"),
        ]
        first, second = entries
        assert (first.principal, first.transport, first.session, first.request_id) == (
            "alice",
            "tcp",
            "s1",
            "7",
        )
        events = [e async for e in wb.events(0, follow=False)]
        assert [first.seq, second.seq] == [e.seq for e in events]
        assert note.version == 1
        # Without an origin the change is still recorded, for the actor the service was given.
        assert (second.principal, second.transport, second.request_id) == ("cli:bob", "local", None)
    finally:
        wb.close()


async def test_refusals_are_batched_to_the_store_and_copied_to_a_private_file(
    tmp_path: Path,
) -> None:
    wb = Workbench.open(data_dir=tmp_path, poll_interval=0, audit_file=tmp_path / "audit.jsonl")
    await wb.start()
    try:
        origin = LocalOrigin("mallory", transport="ws", request_id="r9", arguments={"x": SECRET})
        for n in range(50):
            wb.audit.refusal(origin, action="call", kind="tool", target=f"t{n}")
        await wb.audit.flush()
        entries = await stored(wb, principal="mallory")
        assert [e.target for e in entries] == [f"t{n}" for n in range(50)]
        assert {e.args_hash for e in entries} == {canonical_hash({"x": SECRET})}
        outcomes = {(e.outcome, e.reason, e.request_id) for e in entries}
        assert outcomes == {("denied", "policy", "r9")}
    finally:
        wb.close()
    path = tmp_path / "audit.jsonl"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert len(lines) == 50
    assert lines[0]["principal"] == "mallory"
    assert lines[0]["time"].endswith("+00:00")
    assert SECRET not in path.read_text()
    assert SECRET.encode() not in (tmp_path / "workbench.db").read_bytes()


async def test_entries_queued_at_close_are_not_lost(tmp_path: Path) -> None:
    wb = Workbench.open(data_dir=tmp_path, poll_interval=0)
    await wb.start()
    wb.audit.refusal(None, action="authenticate", kind="token", target="", outcome="failed")
    wb.close()  # before any flush task ran
    again = Workbench.open(data_dir=tmp_path, poll_interval=0)
    try:
        entries = await stored(again)
        assert [(e.action, e.outcome) for e in entries] == [("authenticate", "failed")]
    finally:
        again.close()


def test_without_a_store_the_file_still_gets_entries(tmp_path: Path) -> None:
    log = AuditLog(None, tmp_path / "sub" / "audit.jsonl")
    log.refusal(None, action="read", kind="resource", target="note://x.md", principal="eve")
    log.close()
    (line,) = (tmp_path / "sub" / "audit.jsonl").read_bytes().splitlines()
    assert orjson.loads(line)["target"] == "note://x.md"


# -- through a live server ----------------------------------------------------------------------
class Audited:
    def __init__(self, server: WorkbenchServer, listeners: Listeners, data_dir: Path) -> None:
        self.server = server
        self.listeners = listeners
        self.data_dir = data_dir
        self.issuer = build_issuer(AuthConfig.from_settings(server.settings), data_dir)

    def token(self, subject: str, role: str) -> str:
        return self.issuer.issue(subject, ttl=600, roles=(role,)).token

    @property
    def workbench(self) -> Workbench:
        assert self.server.workbench is not None
        return self.server.workbench

    async def call(self, token: str, rid: int, name: str, arguments: dict[str, Any]) -> Any:
        message = {
            "jsonrpc": "2.0",
            "id": rid,
            "method": "tools/call",
            "params": {"name": name, "arguments": arguments, "_meta": META},
        }
        async with httpx.AsyncClient() as http:
            return await http.post(
                dict(self.listeners.addresses)["http"],
                content=orjson.dumps(message),
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json, text/event-stream",
                    "MCP-Protocol-Version": "2026-07-28",
                    "Mcp-Method": "tools/call",
                    "Mcp-Name": name,
                    "Authorization": f"Bearer {token}",
                },
            )


@pytest.fixture
async def audited(tmp_path: Path) -> AsyncIterator[Audited]:
    policy = tmp_path / "policy.cedar"
    policy.write_text(POLICY)
    data_dir = fresh_data_dir()
    settings = Settings(
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        data_dir=data_dir,
        auth=True,
        policy_path=policy,
        preauth_timeout=0.3,
        audit_file=data_dir / "audit.jsonl",
    )
    server = WorkbenchServer(settings)
    await server.start()
    listeners = await start_listeners(server.engine, tcp=["127.0.0.1:0"], http=["127.0.0.1:0"])
    yield Audited(server, listeners, data_dir)
    await listeners.close()
    await server.engine.shutdown()
    await server.aclose()
    server.close()


async def test_denials_changes_and_auth_failures_from_live_requests(audited: Audited) -> None:
    reader, editor = audited.token("rita", "reader"), audited.token("ed", "editor")
    write = {"path": "plans.md", "body": f"the plan: {SECRET}"}

    denied = await audited.call(reader, 11, "notes.write", write)
    assert denied.json()["error"]["message"] == "You may not call notes.write"
    made = await audited.call(editor, 12, "notes.write", write)
    assert made.json()["result"]["structuredContent"]["version"] == 1
    refused = await audited.call(editor + "x", 13, "notes.write", write)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "invalid token"  # the reason stays with us

    # A TCP client that never authenticates is cut off, and that is recorded too.
    host, port = dict(audited.listeners.addresses)["tcp"].rsplit(":", 1)
    _, writer = await asyncio.open_connection(host, int(port))
    await asyncio.sleep(0.6)
    writer.close()
    await audited.server.audit.flush()

    entries = await stored(audited.workbench)
    by_outcome: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        by_outcome.setdefault(entry.outcome, []).append(entry)
    (refusal,) = by_outcome["denied"]
    assert (refusal.principal, refusal.action, refusal.kind, refusal.target) == (
        "rita",
        "call",
        "tool",
        "notes.write",
    )
    assert (refusal.transport, refusal.request_id) == ("http", "11")
    assert refusal.args_hash == canonical_hash(write)
    (change,) = by_outcome["ok"]
    assert (change.principal, change.action, change.target, change.request_id) == (
        "ed",
        "note.created",
        "plans.md",
        "12",
    )
    assert change.args_hash == refusal.args_hash  # the same arguments, never the text
    assert change.seq == await audited.workbench.last_seq()
    reasons = sorted((e.transport, e.reason) for e in by_outcome["failed"])
    assert reasons == [("http", "bad_signature"), ("tcp", "timeout")]

    # The same entries, in the same order, in the JSON lines file.
    lines = (audited.data_dir / "audit.jsonl").read_bytes().splitlines()
    assert sorted(orjson.loads(line)["outcome"] for line in lines) == sorted(
        e.outcome for e in entries
    )
    db_bytes = b"".join(p.read_bytes() for p in audited.data_dir.glob("workbench.db*"))
    assert SECRET.encode() in db_bytes  # the note itself is stored...
    assert SECRET not in (audited.data_dir / "audit.jsonl").read_text()  # ...not its audit

    # `audit tail` shows them to an operator.
    settings_env = server_env(audited.data_dir)
    shown = run_cli("audit", "tail", "--outcome", "denied", env=settings_env)
    assert shown.returncode == 0, shown.stderr
    assert "rita http call tool:notes.write denied (policy) request=11" in shown.stdout
    as_json = run_cli("audit", "tail", "--json", "--limit", "2", env=settings_env)
    rows = [orjson.loads(line) for line in as_json.stdout.splitlines()]
    assert [r["id"] for r in rows] == [e.id for e in entries[-2:]]
    everything = run_cli("audit", "tail", "--after", "0", "--principal", "ed", env=settings_env)
    assert everything.returncode == 0, everything.stderr
    assert everything.stdout.count("\n") == 1
    assert "note.created note:plans.md ok" in everything.stdout
