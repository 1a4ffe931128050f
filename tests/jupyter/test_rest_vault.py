"""Vault sync inside the Jupyter server: the demo vault is the store's source, ``/vault``
reports it, and a conflict made by editing the same line on both sides is resolved over
REST."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.jupyter.conftest import workbench_of
from tests.jupyter.rest_api import Api


@pytest.fixture
def jp_server_config(jp_server_config: Config) -> Config:
    settings = jp_server_config["MCPWorkbench"]
    settings["demo"] = True
    # A long quiet time: a store change meets a vault edit the watcher has not synced yet.
    settings["vault_debounce"] = 2.0
    return jp_server_config


async def ready(api: Api) -> dict[str, Any]:
    for _ in range(200):
        reply = await api.get("vault")
        assert reply.status == 200
        if reply.body["ready"]:
            return dict(reply.body)
        await asyncio.sleep(0.05)
    raise AssertionError(f"vault sync never finished its first reconcile: {reply.body}")


async def test_the_demo_vault_fills_the_store_and_conflicts_resolve_over_rest(
    jp_fetch: Any, jp_serverapp: Any, tmp_path: Path
) -> None:
    api = Api(jp_fetch)
    # pytest-jupyter runs no extension's start hook: start the workbench as Jupyter does
    # (it waits for the vault's first sync, and readiness says so).
    await jp_serverapp.extension_manager.start_all_extensions()
    probe = await jp_fetch("mcp-workbench", "readyz", headers={"Authorization": ""})
    assert json.loads(probe.body)["status"] == "ready"
    status = await ready(api)
    assert status["enabled"] is True
    assert status["vault"] == str(tmp_path / "vault")
    assert status["conflicts"] == []
    notes = await api.get("notes")
    assert {n["path"] for n in notes.body} == {"Welcome.md", "Prompts.md", "Projects/Alpha.md"}
    welcome = (await api.get("notes/Welcome.md")).body
    first = welcome["body"].splitlines()[0]
    file = tmp_path / "vault/Workbench/Knowledge/Welcome.md"
    file.write_text(file.read_text(encoding="utf-8").replace(first, "The vault's line"))
    changed = {"body": welcome["body"].replace(first, "The store's line")}
    assert (await api("PUT", "notes/Welcome.md", changed)).status == 200
    for _ in range(200):
        status = (await api.get("vault")).body
        if status["conflicts"]:
            break
        await asyncio.sleep(0.05)
    [conflict] = status["conflicts"]
    assert conflict["kind"] == "note"
    assert conflict["id"] == welcome["id"]
    copy = tmp_path / "vault" / conflict["copy_path"]
    assert "The store's line" in copy.read_text(encoding="utf-8")
    assert "The vault's line" in file.read_text(encoding="utf-8")

    both = await api(
        "POST", "vault/resolve", {"kind": "note", "id": "x", "keep": "vault", "text": ""}
    )
    assert both.status == 400
    resolved = await api(
        "POST", "vault/resolve", {"kind": "note", "id": welcome["id"], "keep": "store"}
    )
    assert resolved.status == 200
    assert resolved.body["conflicts"] == []
    assert not copy.exists()
    assert "The store's line" in file.read_text(encoding="utf-8")
    assert "The store's line" in (await api.get("notes/Welcome.md")).body["body"]
    again = await api(
        "POST", "vault/resolve", {"kind": "note", "id": welcome["id"], "keep": "vault"}
    )
    assert again.status == 404
    assert "not in conflict" in again.body["message"]
    runner = workbench_of(jp_serverapp).vault
    assert runner is not None
    assert runner.status.conflicts == 1
