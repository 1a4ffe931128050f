"""The catalog journal: a server's code-registered items are in the event log, so the
catalog rebuilds from events (``db rebuild --verify`` agrees), store records are not
journaled twice, and a restart with the same items records nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer
from mcp_workbench.registry import Tool
from mcp_workbench.store.rebuild import verify
from mcp_workbench.store.tables import AuditRow, CatalogItemRow, EventRow
from tests.conftest import FIXTURE_TOOLS, fresh_data_dir

pytestmark = pytest.mark.timeout(60)


def _settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        tools=[FIXTURE_TOOLS],
        entry_points=False,
        vault_sync=False,
        node_name="node-a",
    )


async def _started(data_dir: Path) -> WorkbenchServer:
    server = WorkbenchServer(_settings(data_dir))
    await server.start(sync_vault=False)
    return server


async def _stop(server: WorkbenchServer) -> None:
    await server.aclose()
    server.close()


def _journal(session: Session) -> dict[tuple[str, str], str]:
    rows = session.exec(select(CatalogItemRow).where(CatalogItemRow.node == "node-a"))
    return {(row.kind, row.key): row.digest for row in rows}


def _catalog_audit(session: Session) -> int:
    return len(list(session.exec(select(AuditRow).where(col(AuditRow.action).like("catalog.%")))))


def _catalog_events(session: Session) -> int:
    return len(list(session.exec(select(EventRow).where(EventRow.entity == "catalog"))))


async def test_the_catalog_rebuilds_from_events_and_follows_changes() -> None:
    data_dir = fresh_data_dir()
    server = await _started(data_dir)
    assert server.workbench is not None
    db = server.workbench.db
    await server.workbench.notes.write("a.md", "a note", actor="test")
    journal = await db.read(_journal)
    assert {("tool", "echo"), ("tool", "add"), ("template", "note://{+path}")} <= set(journal)
    assert not any(key.startswith(("note://a", "board://")) for _, key in journal)
    assert await db.write(verify, rollback=True) == []

    registry = server.engine.registry
    registry.add_tool(Tool.from_function(lambda: "hi", name="late", description="Late."))
    registry.remove_tool("echo")
    assert server._journal is not None
    await server._journal.flush()
    journal = await db.read(_journal)
    assert ("tool", "late") in journal
    assert ("tool", "echo") not in journal
    assert await db.write(verify, rollback=True) == []
    events = await db.read(_catalog_events)
    await _stop(server)

    # The same items again (echo is back, late is gone: both are recorded); then nothing.
    again = await _started(data_dir)
    assert again.workbench is not None
    journal = await again.workbench.db.read(_journal)
    assert ("tool", "echo") in journal
    assert ("tool", "late") not in journal
    recorded = await again.workbench.db.read(_catalog_events)
    assert recorded == events + 2
    await _stop(again)
    third = await _started(data_dir)
    assert third.workbench is not None
    assert await third.workbench.db.read(_catalog_events) == recorded
    assert await third.workbench.db.write(verify, rollback=True) == []
    assert await third.workbench.db.read(_catalog_audit) == 0  # bookkeeping, nobody's doing
    await _stop(third)


async def test_a_tool_registered_from_a_worker_thread_is_journaled() -> None:
    """Sync tools run in worker threads and may change the registry there: the change
    still goes through (clients hear list_changed) and reaches the journal."""
    import asyncio

    server = await _started(fresh_data_dir())
    assert server.workbench is not None
    assert server._journal is not None
    heard: list[str] = []
    server.engine.registry.on_change(heard.append)
    tool = Tool.from_function(lambda: "hi", name="threaded")
    await asyncio.to_thread(server.engine.registry.add_tool, tool)
    assert heard == ["tools"]
    await asyncio.sleep(0)  # the change reaches the loop
    await server._journal.flush()
    assert ("tool", "threaded") in await server.workbench.db.read(_journal)
    await _stop(server)
