"""``mcp-workbench vault``, run as real processes against a demo vault on disk.

Each test has its own store and its own copy of the demo vault (``MCP_WORKBENCH_VAULT_PATH``
points at it, so commands find it through the settings unless ``--vault`` says otherwise).
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench.demo import create_demo_vault
from mcp_workbench.service import Note, Workbench
from tests.conftest import ROOT, server_env
from tests.test_cli_store import Env, cli, js, ok, refused, together

KNOWLEDGE = "Workbench/Knowledge"
WELCOME = f"{KNOWLEDGE}/Welcome.md"
LINE = "This vault is kept in step"
DEMO_FILES = [
    "Workbench/Boards/Roadmap.md",
    f"{KNOWLEDGE}/Projects/Alpha.md",
    f"{KNOWLEDGE}/Prompts.md",
    WELCOME,
    "Workbench/Prompts/code-review.md",
]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """The demo vault, as a first run of ``serve --demo`` lays it out."""
    root = tmp_path / "vault"
    assert create_demo_vault(root)
    return root


@pytest.fixture
def env(tmp_path: Path, database_url: str, vault: Path) -> Env:
    """Environment of CLI processes sharing one store and the demo vault."""
    return {
        **server_env(tmp_path / "data"),
        "MCP_WORKBENCH_DATABASE_URL": database_url,
        "MCP_WORKBENCH_VAULT_PATH": str(vault),
    }


def files_of(vault: Path) -> dict[str, bytes]:
    """Every file in the vault, by vault-relative path."""
    return {
        p.relative_to(vault).as_posix(): p.read_bytes() for p in vault.rglob("*") if p.is_file()
    }


async def stored_note(database_url: str, path: str) -> Note:
    """The note at ``path`` as the store holds it."""
    wb = Workbench.open(database_url=database_url)
    try:
        return await wb.notes.read(path)
    finally:
        wb.close()


def paths(entries: list[dict[str, Any]]) -> list[str]:
    return sorted(entry["path"] for entry in entries)


async def test_status_sync_conflict_and_resolve(env: Env, vault: Path, database_url: str) -> None:
    before = js(env, "vault status")
    assert before["synced"] == {"prompt": 0, "note": 0, "board": 0}
    assert paths(before["new_in_vault"]) == DEMO_FILES
    assert before["conflicts"] == before["problems"] == before["new_in_store"] == []

    synced = js(env, "vault sync")
    assert synced["ok"] is True
    assert paths(synced["imported"]) == DEMO_FILES
    welcome = await stored_note(database_url, "Welcome.md")
    assert LINE in welcome.body
    assert f"id: {welcome.id}\n" in (vault / WELCOME).read_text(encoding="utf-8")

    # Edited in the vault: status says so, and reads without writing anything.
    text = (vault / WELCOME).read_text(encoding="utf-8")
    (vault / WELCOME).write_text(text.replace(LINE, "Vault edit: kept in step"), encoding="utf-8")
    untouched = files_of(vault)
    status = ok(cli(env, "vault status")).stdout
    assert "changed in the vault since the last sync (1):" in status
    assert f"changed  note  {WELCOME}" in status
    assert files_of(vault) == untouched

    # The same line edited in the store too: sync keeps both and says it is not in step.
    store_body = welcome.body.replace(LINE, "Store edit: kept in step")
    ok(cli(env, "notes write Welcome.md --file -", input=store_body))
    conflicted = cli(env, "vault sync")
    assert conflicted.returncode == 1, conflicted
    assert conflicted.stderr == ""
    assert "conflicts 1" in conflicted.stdout
    assert "not in step: 1 conflict" in conflicted.stdout
    [copy] = (vault / KNOWLEDGE).glob("Welcome (conflict *).md")
    assert "Store edit" in copy.read_text(encoding="utf-8")
    assert "Vault edit" in (vault / WELCOME).read_text(encoding="utf-8")
    assert js(env, "vault status")["conflicts"] == [
        {
            "kind": "note",
            "id": welcome.id,
            "path": WELCOME,
            "copy": copy.relative_to(vault).as_posix(),
        }
    ]

    # Resolved by the note's path: the vault's version wins and the copy goes.
    resolved = ok(cli(env, "vault resolve note Welcome.md --keep vault")).stdout
    assert f"resolved note {welcome.id} ({WELCOME})" in resolved
    assert "removed the conflict copy" in resolved
    assert not copy.exists()
    assert "Vault edit" in (await stored_note(database_url, "Welcome.md")).body

    refused(cli(env, f"vault resolve note {welcome.id} --keep store"), "is not in conflict")
    after = js(env, "vault sync")
    assert after["ok"] is True
    assert after["conflicts"] == after["to_store"] == after["to_vault"] == []


def test_a_missing_vault_or_text_file_is_refused(env: Env, tmp_path: Path) -> None:
    missing = tmp_path / "no-vault"
    status, sync, resolve = together(
        env,
        f"vault status --vault {missing}",
        f"vault sync --vault {missing}",
        f"vault resolve note Welcome.md --text-file {tmp_path / 'no-such-file.md'}",
    )
    refused(status, f"no vault at {missing}")
    refused(sync, f"no vault at {missing}", status=2)
    assert not missing.exists()
    refused(resolve, "cannot read")


def run_with_terminal_stderr(env: Env, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ``mcp-workbench ARGS`` with stderr on a pseudo-terminal; returns the result and
    what the terminal showed."""
    terminal, child_end = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "mcp_workbench.cli", *args],
        stdout=subprocess.PIPE,
        stderr=child_end,
        text=True,
        env=env,
        cwd=ROOT,
    ) as proc:
        os.close(child_end)
        shown = b""
        while True:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # EIO: the child's end is closed
                break
            if not chunk:
                break
            shown += chunk
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        status = proc.wait(timeout=30)
    os.close(terminal)
    return subprocess.CompletedProcess(args, status, stdout, ""), shown.decode()


async def test_import_shows_progress_on_a_terminal_and_export_writes_the_store(
    env: Env, vault: Path, database_url: str
) -> None:
    result, terminal = run_with_terminal_stderr(env, "vault", "import")
    assert result.returncode == 0, result
    assert "imported 5, exported 0" in result.stdout
    assert "importing [" in terminal
    assert terminal.rstrip().endswith(f"[{'#' * 30}] 5/5")

    wb = Workbench.open(database_url=database_url)
    try:
        await wb.notes.write("ideas/Garden.md", "# Garden\n", actor="test")
    finally:
        wb.close()
    exported = js(env, "vault export")
    assert paths(exported["exported"]) == [f"{KNOWLEDGE}/ideas/Garden.md"]
    written = (vault / KNOWLEDGE / "ideas" / "Garden.md").read_text(encoding="utf-8")
    assert written.startswith("---\nid: ")
    assert "\n---\n# Garden\n" in written

    # Not on a terminal: nothing on stderr while it runs.
    again = ok(cli(env, "vault import"))
    assert again.stdout.startswith("imported 0, exported 0")
