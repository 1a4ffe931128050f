"""``mcp-workbench vault``: how the Obsidian vault and the store stand, one sync pass, and
the end of a conflict — the sync the server runs, from the shell.

``sync``, ``import`` and ``export`` run the same two-way reconcile (sync is two-way by
design); ``import`` shows a progress bar for a first import of a big vault, ``export``
lists what was written to the vault. ``status`` reads the vault and the store and writes
neither.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from mcp_workbench.commands.common import (
    add_command,
    add_group,
    clip,
    emit,
    read_text,
    table,
)
from mcp_workbench.errors import Conflict, InvalidInput, NotFound, VaultSyncError
from mcp_workbench.vault.runner import check_same_vault

if TYPE_CHECKING:
    from mcp_workbench.commands.common import Subparsers
    from mcp_workbench.service import Workbench
    from mcp_workbench.vault.repository import StoreRepository
    from vault_sync import EntityKind, SyncBase, SyncReport, VaultLayout, VaultSync
    from vault_sync.scanner import ScannedFile
    from vault_sync.sync import Progress, Side

__all__ = ["add_parser"]

_KINDS = ("prompt", "note", "board")
_SIDES: dict[str, Side] = {"vault": "vault", "store": "repository"}
"""``--keep``'s words for the sides, as vault sync names them."""
_RESOLVE_HINT = "resolve with 'mcp-workbench vault resolve KIND ID --keep vault|store'"


def _vault_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vault", metavar="PATH", help="the Obsidian vault (default: vault_path)")
    parser.add_argument(
        "--folder",
        metavar="FOLDER",
        help="the vault folder kept in step with the store (default: vault_folder; '' = root)",
    )


def add_parser(sub: Subparsers) -> None:
    """Add ``vault`` and its subcommands."""
    vault = add_group(sub, "vault", "the Obsidian vault kept in step with the store")

    status = add_command(
        vault, "status", _status, "how the vault and the store stand (reads only, writes nothing)"
    )
    sync = add_command(vault, "sync", _sync, "sync the vault and the store once, both ways")
    load = add_command(
        vault, "import", _import, "sync once, with a progress bar (a first import of a big vault)"
    )
    export = add_command(
        vault, "export", _export, "sync once and list what was written to the vault"
    )
    resolve = add_command(
        vault, "resolve", _resolve, "end a conflict: keep one side, or a hand-merged text"
    )
    for parser in (status, sync, load, export, resolve):
        _vault_options(parser)
    resolve.add_argument("kind", choices=_KINDS)
    resolve.add_argument(
        "id", help="the file's frontmatter id, or a note path, prompt name, board id or vault path"
    )
    how = resolve.add_mutually_exclusive_group(required=True)
    how.add_argument("--keep", choices=["vault", "store"], help="the version both sides take")
    how.add_argument(
        "--text-file", metavar="FILE", help="the hand-merged file text both take ('-': stdin)"
    )


# -- the vault and the sync ------------------------------------------------------------------
def _layout(args: argparse.Namespace, missing: type[Exception]) -> VaultLayout:
    """The vault ``--vault``/``--folder`` (or the settings) name.

    Raises:
        WorkbenchError: (``missing``) there is no vault folder there; nothing is created.
    """
    # Imported here so that `--help` and the other commands do not pay for vault sync.
    from mcp_workbench.config import load_settings  # noqa: PLC0415
    from vault_sync import VaultLayout  # noqa: PLC0415

    settings = load_settings(args.config, vault_path=args.vault, vault_folder=args.folder)
    root = settings.vault_path.expanduser()
    if not root.is_dir():
        raise missing(f"no vault at {root}")
    return VaultLayout(root, settings.vault_folder)


def _sync_of(
    wb: Workbench, layout: VaultLayout, progress: Progress | None = None
) -> tuple[StoreRepository, VaultSync]:
    from mcp_workbench.vault.repository import StoreRepository, new_id  # noqa: PLC0415
    from vault_sync import VaultSync  # noqa: PLC0415

    repo = StoreRepository(wb)
    return repo, VaultSync(layout, repo, new_id=new_id, progress=progress)


@contextlib.contextmanager
def _quiet_log() -> Iterator[None]:
    """Keep vault_sync's warnings off stderr: the report prints them, and Python's
    last-resort handler would print them again, across the progress bar."""
    logger = logging.getLogger("vault_sync")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def _translated(what: str) -> Iterator[None]:
    """vault_sync's errors (and the file system's) as the workbench's, at this boundary.

    Raises:
        NotFound: nothing to resolve. InvalidInput: a text cannot be parsed.
        Conflict: a file changed under us. VaultSyncError: anything else.
    """
    import vault_sync  # noqa: PLC0415

    try:
        with _quiet_log():
            yield
    except vault_sync.NotConflicted as exc:
        raise NotFound(f"{exc}: nothing to resolve") from exc
    except vault_sync.UnreadableFile as exc:
        raise InvalidInput(f"cannot {what}: {exc}") from exc
    except vault_sync.FileChanged as exc:
        raise Conflict(f"cannot {what}: {exc}; try again") from exc
    except (vault_sync.VaultSyncError, OSError) as exc:
        raise VaultSyncError(f"cannot {what}: {exc}") from exc


async def _settle(repo: StoreRepository, sync: VaultSync, report: SyncReport) -> None:
    """Sync once more what the store took differently from the file (its version wins)."""
    while repo.recheck:
        kind, entity_id = repo.recheck.pop()
        report.extend(await sync.handle_repository_change(kind, entity_id))


# -- status ----------------------------------------------------------------------------------
def _key_json(kind: EntityKind, entity_id: str, path: str | None) -> dict[str, Any]:
    return {"kind": kind.value, "id": entity_id, "path": path}


def _conflict_json(base: SyncBase, *, new: bool | None = None) -> dict[str, Any]:
    assert base.conflict is not None
    found = {**_key_json(base.kind, base.entity_id, base.path), "copy": base.conflict.path}
    return found if new is None else {**found, "new": new}


def _file_of(
    base: SyncBase,
    by_id: dict[tuple[EntityKind, str], list[ScannedFile]],
    by_path: dict[str, ScannedFile],
) -> ScannedFile | None:
    """The file a base's entity is in now, matched as the sync matches it: by id (the one
    at the base's path first), else a file without id at the base's path."""
    group = by_id.get((base.kind, base.entity_id))
    if group:
        return next((f for f in group if f.path == base.path), group[0])
    at = by_path.get(base.path)
    if at is not None and at.kind is base.kind and not at.entity_id and at.problem is None:
        return at
    return None


async def _standing(wb: Workbench, layout: VaultLayout) -> dict[str, Any]:
    """Where the vault and the store stand against what they last agreed on."""
    from mcp_workbench.vault.repository import StoreRepository  # noqa: PLC0415
    from vault_sync import EntityKind, UnreadableFile, UnsafePath  # noqa: PLC0415
    from vault_sync.codec import parse_entity, same_entity  # noqa: PLC0415
    from vault_sync.vault_files import VaultFiles  # noqa: PLC0415

    repo, files = StoreRepository(wb), VaultFiles(layout)
    problems = [{"path": p.path, "reason": p.reason} for p in await files.scan()]
    bases = list(await repo.list_bases())
    by_id: dict[tuple[EntityKind, str], list[ScannedFile]] = {}
    for file in sorted(files.index.values(), key=lambda f: f.path):
        if file.problem is not None:
            problems.append({"path": file.path, "reason": file.problem})
            continue
        try:  # the scan reads only the frontmatter; a board may still not parse
            await files.load(file)
        except UnreadableFile as exc:
            problems.append({"path": file.path, "reason": str(exc)})
            continue
        if file.entity_id:
            by_id.setdefault((file.kind, file.entity_id), []).append(file)
    entities = {(kind, e.id): e for kind in EntityKind for e in await repo.list_entities(kind)}
    claimed: set[str] = set()
    conflicts, in_vault, in_store = [], [], []
    for base in sorted(bases, key=lambda b: b.path):
        now = _file_of(base, by_id, files.index)
        if now is not None:
            claimed.add(now.path)
        if base.conflict is not None:
            conflicts.append(_conflict_json(base))
            continue
        if base.text is None:
            continue
        key = _key_json(base.kind, base.entity_id, base.path)
        if now is None:
            in_vault.append({**key, "change": "deleted"})
        elif now.path != base.path:
            in_vault.append({**key, "change": "moved", "path": now.path, "from": base.path})
        elif now.hash != base.file_hash:
            in_vault.append({**key, "change": "changed"})
        entity = entities.get((base.kind, base.entity_id))
        agreed = parse_entity(base.kind, files.location(base.kind, base.path), base.text)
        if entity is None:
            in_store.append({**key, "change": "deleted"})
        elif not same_entity(entity, agreed):
            in_store.append({**key, "change": "changed"})
    synced = {kind.value: sum(1 for b in bases if b.kind is kind) for kind in EntityKind}
    based = {(b.kind, b.entity_id) for b in bases}
    store_only = []
    for (kind, entity_id), entity in sorted(entities.items()):
        if (kind, entity_id) not in based:
            try:
                path: str | None = layout.path_for(entity)
            except UnsafePath:
                path = None
            store_only.append(_key_json(kind, entity_id, path))
    unreadable = {p["path"] for p in problems}
    vault_only = [
        {"kind": f.kind.value, "path": f.path}
        for f in sorted(files.index.values(), key=lambda f: f.path)
        if f.path not in claimed and f.path not in unreadable
    ]
    return {
        "vault": str(layout.root),
        "folder": layout.managed,
        "synced": synced,
        "conflicts": conflicts,
        "changed_in_vault": in_vault,
        "changed_in_store": in_store,
        "new_in_vault": vault_only,
        "new_in_store": store_only,
        "problems": problems,
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _section(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    if rows:
        print(f"\n{title} ({len(rows)}):")
        print("  " + table(headers, rows).replace("\n", "\n  "))


def _print_conflicts(conflicts: list[dict[str, Any]]) -> None:
    rows = [[c["kind"], c["id"], c["path"], c["copy"]] for c in conflicts]
    _section("in conflict", ["KIND", "ID", "PATH", "CONFLICT COPY"], rows)


def _print_problems(problems: list[dict[str, Any]]) -> None:
    rows = [[p["path"], clip(p["reason"], 160)] for p in problems]
    _section("cannot be read, left alone", ["PATH", "REASON"], rows)


def _print_standing(standing: dict[str, Any]) -> None:
    print(f"vault:   {standing['vault']}")
    print(f"folder:  {standing['folder'] or '(the whole vault)'}")
    synced = standing["synced"]
    print("synced:  " + ", ".join(_plural(synced[kind], kind) for kind in _KINDS))
    changes = [
        ("changed in the vault since the last sync", standing["changed_in_vault"]),
        ("changed in the store since the last sync", standing["changed_in_store"]),
    ]
    for title, changed in changes:
        rows = [[c["change"], c["kind"], c["path"]] for c in changed]
        _section(title, ["CHANGE", "KIND", "PATH"], rows)
    rows = [[f["kind"], f["path"]] for f in standing["new_in_vault"]]
    _section("in the vault, never synced", ["KIND", "PATH"], rows)
    rows = [[e["kind"], e["id"], e["path"] or "?"] for e in standing["new_in_store"]]
    _section("in the store, never synced", ["KIND", "ID", "WOULD BE WRITTEN TO"], rows)
    _print_conflicts(standing["conflicts"])
    _print_problems(standing["problems"])
    pending = ("changed_in_vault", "changed_in_store", "new_in_vault", "new_in_store")
    if not any(standing[name] for name in (*pending, "conflicts", "problems")):
        print("\nthe vault and the store are in step")
        return
    print()
    if any(standing[name] for name in pending):
        print("run 'mcp-workbench vault sync' (or start the server) to sync them")
    if standing["conflicts"]:
        print(f"both versions of a conflict are in the vault: {_RESOLVE_HINT}")


async def _status(args: argparse.Namespace, wb: Workbench) -> int:
    layout = _layout(args, NotFound)
    with _translated("read the vault"):
        standing = await _standing(wb, layout)
    return emit(args, standing, lambda: _print_standing(standing))


# -- sync, import, export --------------------------------------------------------------------
class _ProgressBar:
    """A one-line bar on a terminal, redrawn in place: ``importing [#####.....] 120/400``."""

    _WIDTH = 30
    _EVERY = 0.05  # seconds between redraws: a terminal need not see every file

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self._shown = 0
        self._drawn_at = 0.0
        self.closed = False

    def _draw(self, line: str) -> None:
        self.stream.write("\r" + line.ljust(self._shown))
        self.stream.flush()
        self._shown = len(line)

    def start(self) -> None:
        """Say what happens before the count is known (the scan hashes every file)."""
        self._draw(f"{self.label}: reading the vault…")

    def __call__(self, done: int, total: int) -> None:
        if self.closed:  # the re-syncs after the pass are not part of it
            return
        now = time.monotonic()
        if done < total and now - self._drawn_at < self._EVERY:
            return
        self._drawn_at = now
        filled = self._WIDTH * done // total if total else self._WIDTH
        bar = "#" * filled + "." * (self._WIDTH - filled)
        self._draw(f"{self.label} [{bar}] {done}/{total}")

    def close(self) -> None:
        """End the bar's line, so what is printed next starts on its own."""
        if not self.closed and self._shown:
            self.stream.write("\n")
            self.stream.flush()
        self.closed = True


def _report_json(
    layout: VaultLayout, report: SyncReport, bases: Sequence[SyncBase]
) -> dict[str, Any]:
    """What one pass did, each entity with the path its file has now."""
    where = {(b.kind, b.entity_id): b.path for b in bases}

    def keys(found: list[tuple[EntityKind, str]]) -> list[dict[str, Any]]:
        return [_key_json(kind, eid, where.get((kind, eid))) for kind, eid in dict.fromkeys(found)]

    found = set(report.conflicts)
    conflicts = [
        _conflict_json(b, new=(b.kind, b.entity_id) in found)
        for b in sorted(bases, key=lambda b: b.path)
        if b.conflict is not None
    ]
    problems = [{"path": p.path, "reason": p.reason} for p in report.problems]
    return {
        "vault": str(layout.root),
        "folder": layout.managed,
        "ok": not conflicts and not problems,
        "imported": keys(report.imported),
        "exported": keys(report.exported),
        "to_vault": keys(report.to_vault),
        "to_store": keys(report.to_repository),
        "merged": keys(report.merged),
        "moved": keys(report.moved),
        "deleted_in_vault": keys(report.deleted_in_vault),
        "deleted_in_store": keys(report.deleted_in_repository),
        "resolved": keys(report.resolved),
        "conflicts": conflicts,
        "problems": problems,
    }


def _summary(result: dict[str, Any]) -> str:
    deleted = len(result["deleted_in_vault"]) + len(result["deleted_in_store"])
    new = sum(1 for c in result["conflicts"] if c["new"])
    counts = [
        f"imported {len(result['imported'])}",
        f"exported {len(result['exported'])}",
        f"to vault {len(result['to_vault'])}",
        f"to store {len(result['to_store'])}",
        f"merged {len(result['merged'])}",
        f"conflicts {new}",
        f"deleted {deleted}",
        f"problems {len(result['problems'])}",
    ]
    return ", ".join(counts)


def _print_result(result: dict[str, Any], *, written: bool = False) -> None:
    print(_summary(result))
    if written:
        names = ("exported", "to_vault", "merged")
        rows = [[e["kind"], e["path"] or "?"] for name in names for e in result[name]]
        _section("written to the vault", ["KIND", "PATH"], rows)
        rows = [[e["kind"], e["id"]] for e in result["deleted_in_vault"]]
        _section("removed from the vault (deleted in the store)", ["KIND", "ID"], rows)
    _print_conflicts(result["conflicts"])
    _print_problems(result["problems"])
    if result["conflicts"] or result["problems"]:
        print()
    if result["conflicts"]:
        copies = _plural(len(result["conflicts"]), "conflict")
        print(f"not in step: {copies}, both versions kept in the vault; {_RESOLVE_HINT}")
    if result["problems"]:
        files = _plural(len(result["problems"]), "file")
        print(f"not in step: {files} left alone, see above")


async def _reconcile(
    args: argparse.Namespace, wb: Workbench, *, bar: _ProgressBar | None = None
) -> dict[str, Any]:
    """One full two-way pass (and the re-syncs it asks for), as JSON.

    Raises:
        VaultSyncError: no vault there, or not the one the store was synced with.
    """
    layout = _layout(args, VaultSyncError)
    repo, sync = _sync_of(wb, layout, bar)
    with _translated(f"sync the vault {layout.root}"):
        if bar is not None:
            bar.start()
        try:
            await check_same_vault(repo, sync)
            report = await sync.reconcile()
        finally:
            if bar is not None:
                bar.close()
        await _settle(repo, sync, report)
    return _report_json(layout, report, await repo.list_bases())


def _finish(args: argparse.Namespace, result: dict[str, Any], *, written: bool = False) -> int:
    emit(args, result, lambda: _print_result(result, written=written))
    return 0 if result["ok"] else 1


async def _sync(args: argparse.Namespace, wb: Workbench) -> int:
    return _finish(args, await _reconcile(args, wb))


async def _import(args: argparse.Namespace, wb: Workbench) -> int:
    bar = None
    if not args.json and sys.stderr.isatty():
        bar = _ProgressBar("importing", sys.stderr)
    return _finish(args, await _reconcile(args, wb, bar=bar))


async def _export(args: argparse.Namespace, wb: Workbench) -> int:
    return _finish(args, await _reconcile(args, wb), written=True)


# -- resolve ---------------------------------------------------------------------------------
async def _entity_id(repo: StoreRepository, kind: EntityKind, given: str) -> str:
    """The file id ``given`` names: itself when it has a base, else the base at that vault
    path, else the id of the note at that path, the prompt of that name, the board with
    that id."""
    from vault_sync import EntityKind  # noqa: PLC0415

    if await repo.get_base(kind, given) is not None:
        return given
    for base in await repo.list_bases():
        if base.kind is kind and base.path == given:
            return base.entity_id
    key = given
    if kind is EntityKind.NOTE:
        with contextlib.suppress(NotFound, InvalidInput):
            key = (await repo.workbench.notes.read(given)).id
    return await repo.entity_id_of(kind, key)


async def _resolve(args: argparse.Namespace, wb: Workbench) -> int:
    from vault_sync import EntityKind  # noqa: PLC0415

    layout = _layout(args, VaultSyncError)
    kind = EntityKind(args.kind)
    text = None
    if args.text_file is not None:
        text = await asyncio.to_thread(read_text, None, args.text_file)
    repo, sync = _sync_of(wb, layout)
    entity_id = await _entity_id(repo, kind, args.id)
    base = await repo.get_base(kind, entity_id)
    copy = base.conflict.path if base is not None and base.conflict is not None else None
    keep: Side | None = None if args.keep is None else _SIDES[args.keep]
    with _translated(f"resolve {kind} {entity_id}"):
        report = await sync.resolve(kind, entity_id, keep=keep, text=text)
        await _settle(repo, sync, report)
    after = await repo.get_base(kind, entity_id)
    kept_copy = any(p.path == copy for p in report.problems)
    result = {
        "kind": kind.value,
        "id": entity_id,
        "path": after.path if after is not None else None,
        "kept": args.keep or "text",
        "copy": copy,
        "copy_removed": not kept_copy,
        "problems": [{"path": p.path, "reason": p.reason} for p in report.problems],
    }

    def human() -> None:
        version = {"vault": "the vault's version", "store": "the store's version"}
        taken = version.get(args.keep, f"the text of {args.text_file}")
        where = f" ({result['path']})" if result["path"] else " (deleted on both sides)"
        print(f"resolved {kind} {entity_id}{where}: both sides now hold {taken}")
        if kept_copy:
            print(f"kept the conflict copy {copy}: it was edited since it was written")
        elif copy:
            print(f"removed the conflict copy {copy}")

    return emit(args, result, human)
