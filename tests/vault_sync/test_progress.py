"""VaultSync's progress callback: what a progress bar over a big first import is told."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.vault_sync.conftest import Ids
from vault_sync import EntityKind, InMemoryRepository, VaultEvent, VaultLayout, VaultNote, VaultSync

Write = Callable[[str, str], Path]
K = "Workbench/Knowledge"


def tracked(
    vault: VaultLayout, repo: InMemoryRepository
) -> tuple[VaultSync, list[tuple[int, int]]]:
    """A sync that records every progress call."""
    calls: list[tuple[int, int]] = []
    sync = VaultSync(
        vault, repo, new_id=Ids(), progress=lambda done, total: calls.append((done, total))
    )
    return sync, calls


def check_run(calls: list[tuple[int, int]], total: int) -> None:
    """One pass: from 0 up to ``total`` (by one per entity; new files go in batches), the
    total never changing."""
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert {t for _, t in calls} == {total}
    done = [d for d, _ in calls]
    assert done == sorted(set(done))


async def test_a_reconcile_counts_every_entity_and_new_file_up_to_the_total(
    vault: VaultLayout, repo: InMemoryRepository, write: Write
) -> None:
    for name in ("One", "Two", "Three"):
        write(f"{K}/{name}.md", f"# {name}\n")
    for n in range(2):  # in the repository only: exported
        note = VaultNote(id=f"kept-{n}", path=f"Kept {n}.md", body="kept\n")
        repo.entities[EntityKind.NOTE, note.id] = note
    sync, calls = tracked(vault, repo)

    report = await sync.reconcile()

    assert len(report.imported) == 3
    assert len(report.exported) == 2
    check_run(calls, 5)


async def test_a_pass_with_nothing_to_sync_reports_no_progress(
    vault: VaultLayout, repo: InMemoryRepository
) -> None:
    sync, calls = tracked(vault, repo)
    await sync.reconcile()
    assert calls == []


async def test_each_later_pass_counts_on_its_own(
    vault: VaultLayout, repo: InMemoryRepository, write: Write
) -> None:
    write(f"{K}/One.md", "# One\n")
    sync, calls = tracked(vault, repo)
    await sync.reconcile()
    check_run(calls, 1)
    calls.clear()

    write(f"{K}/One.md", "# One, edited\n")
    report = await sync.handle_events([VaultEvent("modified", f"{K}/One.md")])

    assert len(report.to_repository) == 1
    check_run(calls, 1)
