"""Vault sync: the first import of a large vault, and how soon a saved file reaches MCP
subscribers.

1. **Import.** A vault shaped like a user's is generated in a temporary directory:
   ``Workbench/Knowledge/`` holds ``--notes`` Markdown notes in 100 folders (10 areas of 10
   topics), each with frontmatter (tags for most, the title as an alias for some, a status
   or a creation date for others), a title, paragraphs with ``#tags`` and ``[[wikilinks]]``
   to earlier notes (by file name, or by alias), sometimes a list or a code block, and no
   ``id:`` (sync adds it); beside them the demo vault's three notes, prompt and board
   (``mcp_workbench.demo``) and a few more prompts. Then, timed:

   * **reference**: every managed file read, hashed and parsed
     (``vault_sync.codec.parse_entity``) on one thread: the file work any import does.
     Beside it, the disk's part: one atomic, fsync'd rewrite of a file
     (``vault_sync.writer.write_bytes``, as sync adds an id), on a sample of copies;
   * **import**: ``VaultSync.reconcile()`` into a fresh SQLite store (``Workbench`` and
     ``StoreRepository``, as the server runs it): every note, prompt and board created in
     the store and an ``id:`` written into every file. Target: 10 000 notes in <= 10 s;
   * **restart**: the store closed and reopened, a new ``VaultSync`` (no stat cache)
     reconciles again with nothing changed: the catch-up by hash after a server restart.

   ``/reference`` is each time over the reference's: 1.0 would make sync cost nothing
   beyond reading the files. The cores this process and all others used are printed with
   each figure; a figure taken while other processes used more than a quarter of a core
   is starred. Checked after: the store holds every note, prompt and board, every file has
   an ``id:``, the restart changed nothing and no file was left out.
   ``--profile`` then imports a fresh copy of the vault once more and restarts on it,
   untimed, under cProfile in every thread, and prints for each the wall time of every
   repository, file and database call the sync awaited, the CPU time of each thread, and
   the top functions by cumulative time (25 for the import) and by own time.

2. **Save → notifications/resources/updated.** ``mcp-workbench serve-http`` on 127.0.0.1
   (port 0) in a subprocess, with vault sync on (``MCP_WORKBENCH_VAULT_SYNC=true``) over a
   vault of ``--latency-notes`` generated notes. Once the server lists every note as a
   resource, the official SDK client (Streamable HTTP; ``--protocol legacy``: the
   2025-11-25 handshake and ``resources/subscribe``; ``modern``: 2026-07-28
   ``subscriptions/listen``) subscribes to two notes. One note's file is rewritten in
   place ``--saves`` times as Obsidian saves (its frontmatter kept, a new body); each
   latency runs from the write to the ``notifications/resources/updated`` for its URI.
   Target: p95 <= 250 ms. The reference, measured after on the other note: ``notes.write``
   through MCP to its ``resources/updated``, the store's part of the path; the server's
   debounce (``--debounce``, default ``vault_debounce``) is printed beside it. After each
   change the next waits until the sync is quiet again (debounce + ``_SETTLE``);
   notifications for the URI beyond the first are counted as extra.

Every wait is bounded. The server is stopped by PID when the phase ends (killed at exit
whatever happens). A failed check makes the exit status 1; the targets do not.

Run: ``.venv/bin/python bench/vault.py [--notes 10000] [--latency-notes 50] [--saves 50]
[--debounce S] [--protocol legacy|modern] [--only import,latency] [--profile] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import io
import json
import math
import os
import pstats
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, ParamSpec, TypeVar

import httpx2
import mcp_types as types
import yaml
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.shared.subscriptions import ResourceUpdated

from bench.processes import (
    LIVE_PIDS,
    cpu_seconds,
    kill_leftovers,
    log,
    loop_factory,
    megabytes,
    terminate,
)
from bench.store import Corpus, Rate, Window
from mcp_workbench.config import Settings
from mcp_workbench.demo import create_demo_vault
from mcp_workbench.service import Workbench, note_uri
from mcp_workbench.vault.repository import StoreRepository, new_id
from vault_sync import EntityKind, SyncReport, VaultLayout, VaultSync
from vault_sync.codec import parse_entity
from vault_sync.encoding import content_hash, decode
from vault_sync.writer import write_bytes

P = ParamSpec("P")
T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261126
MANAGED = "Workbench"
TARGET_NOTES = 10_000
TARGET_SECONDS = 10.0  # for TARGET_NOTES; other counts are held to the same rate
TARGET_P95_MS = 250.0
_AREAS, _TOPICS = 10, 10  # note folders: area-NN/topic-NN
_PROMPTS: tuple[tuple[str, str, list[str], list[str]], ...] = (
    ("summarize", "Summarize a text for a reader", ["text", "audience"], ["production"]),
    ("standup", "Draft a standup update", ["yesterday", "today"], []),
    ("explain-error", "Explain an error message", ["error"], ["production", "beta"]),
    ("rename", "Suggest better names", ["code"], []),
)
_LINK = re.compile(r"\[\[([^\]|]+)\]\]")
_START_TIMEOUT = 60.0  # the server prints its address
_READY_TIMEOUT = 120.0  # the server lists every note of the latency vault
_NOTIFY_TIMEOUT = 5.0  # one change to its resources/updated
_SETTLE = 0.15  # after a change, beyond the debounce: the sync's own work and echoes
_SERVING = re.compile(rb"serving Streamable HTTP at (http://\S+)")
_DISK_SAMPLES = 200  # atomic writes timed for the disk reference
# Waits and the loop's and threads' dispatch, left out of the profile's tables: their time
# is idle, or other rows'.
_IDLE_BUILTINS = frozenset(
    f"{o}method '{name}' of '{kind}' objects{c}"
    for o, c in ("{}", "<>")  # pstats spells built-ins either way, by version
    for name, kind in (
        ("get", "_queue.SimpleQueue"),
        ("poll", "select.epoll"),
        ("acquire", "_thread.lock"),
        ("run", "uvloop.loop.Loop"),
        ("run", "_contextvars.Context"),
    )
)
_IDLE_MODULES = (
    "asyncio/runners.py",
    "asyncio/base_events.py",
    "asyncio/events.py",
    "threading.py",
    "selectors.py",
    "concurrent/futures/thread.py",
)
_STDLIB = re.compile(r"^.*/lib/python3\.\d+/")

_FILES_METHODS = ("scan", "load", "refresh", "write", "remove", "hash_of", "free_path")
_REPOSITORY_METHODS = (
    "list_entities",
    "get_entity",
    "put_entity",
    "delete_entity",
    "list_bases",
    "get_base",
    "put_base",
    "delete_base",
)

# -- the vault -------------------------------------------------------------------------------


@dataclass
class VaultShape:
    """What a generated vault holds, counted on disk as sync sees it."""

    notes: int = 0
    prompts: int = 0
    boards: int = 0
    bytes: int = 0
    generated: list[str] = field(default_factory=list)  # generated notes, below Knowledge/

    @property
    def files(self) -> int:
        return self.notes + self.prompts + self.boards


def _frontmatter(meta: dict[str, Any]) -> str:
    if not meta:
        return ""
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{dumped}---\n"


def _prompt_file(name: str, description: str, arguments: list[str], labels: list[str]) -> str:
    meta: dict[str, Any] = {"name": name, "description": description, "arguments": arguments}
    if labels:
        meta["labels"] = labels
    slots = " ".join(f"{{{{{a}}}}}" for a in arguments)
    return _frontmatter(meta) + f"{description} using {slots}.\n\nKeep it short.\n"


def generate_vault(root: Path, notes: int, seed: int) -> VaultShape:
    """The demo vault, a few more prompts, and ``notes`` generated notes; none has an id."""
    create_demo_vault(root)
    managed = root / MANAGED
    for name, description, arguments, labels in _PROMPTS:
        text = _prompt_file(name, description, arguments, labels)
        (managed / "Prompts" / f"{name}.md").write_text(text, "utf-8")
    corpus = Corpus(seed)
    rng = random.Random(seed + 1)
    linkable: dict[str, tuple[str, bool]] = {}  # title -> (file name, has it as an alias)
    shape = VaultShape()
    per_folder = max(1, math.ceil(notes / (_AREAS * _TOPICS)))
    knowledge = managed / "Knowledge"

    def link(match: re.Match[str]) -> str:
        title = match.group(1)
        stem, aliased = linkable.get(title, (title, True))
        return f"[[{title}]]" if aliased else f"[[{stem}|{title}]]"

    for n in range(notes):
        leaf = n // per_folder
        doc = corpus.note(f"area-{leaf // _TOPICS:02d}/topic-{leaf % _TOPICS:02d}")
        meta: dict[str, Any] = {}
        if rng.random() < 0.7:
            meta["tags"] = doc.tags
        aliased = rng.random() < 0.3
        if aliased:
            meta["aliases"] = [doc.title]
        meta.update(doc.frontmatter)
        if rng.random() < 0.4:
            meta["created"] = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
        target = knowledge / doc.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_frontmatter(meta) + _LINK.sub(link, doc.body), "utf-8")
        linkable[doc.title] = (target.stem, aliased)
        shape.generated.append(doc.path)
    layout = VaultLayout(root, MANAGED)
    for path in _managed_files(layout):
        kind = layout.kind_of(path.relative_to(root).as_posix())
        shape.notes += kind is EntityKind.NOTE
        shape.prompts += kind is EntityKind.PROMPT
        shape.boards += kind is EntityKind.BOARD
        shape.bytes += path.stat().st_size
    return shape


def _managed_files(layout: VaultLayout) -> list[Path]:
    """Every file sync manages, in walk order (no hidden folders, no symlinks here)."""
    out: list[Path] = []
    for directory, dirs, names in os.walk(layout.managed_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(directory, name)
            if layout.kind_of(path.relative_to(layout.root).as_posix()) is not None:
                out.append(path)
    return out


def read_and_parse(layout: VaultLayout) -> Rate:
    """Read, hash and parse every managed file: the reference."""
    files = _managed_files(layout)
    window = Window()
    for path in files:
        rel = path.relative_to(layout.root).as_posix()
        kind = layout.kind_of(rel)
        assert kind is not None
        data = path.read_bytes()
        content_hash(data)
        text, _ = decode(data)
        parse_entity(kind, layout.entity_path(kind, rel), text)
    return window.rate(len(files))


def atomic_write_ms(layout: VaultLayout, scratch: Path) -> float:
    """Mean ms of one atomic, fsync'd write (``vault_sync.writer.write_bytes``, as sync
    rewrites a file) of the vault's files, on a sample of copies in ``scratch``."""
    sample = _managed_files(layout)[:_DISK_SAMPLES]
    scratch.mkdir(parents=True, exist_ok=True)
    copies = []
    for n, path in enumerate(sample):
        copy = scratch / f"{n}.md"
        copy.write_bytes(data := path.read_bytes())
        copies.append((copy, data + b"\nid: x\n"))
    started = time.perf_counter()
    for copy, data in copies:
        write_bytes(copy, data)
    return (time.perf_counter() - started) / len(copies) * 1000


# -- import ----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """The import and restart of one generated vault, and what the checks found."""

    notes: int
    prompts: int
    boards: int
    files: int
    vault_bytes: int
    generate_s: float = 0.0
    rates: dict[str, Rate] = field(default_factory=dict)  # reference, import, restart
    atomic_write_ms: float = 0.0  # one fsync'd file write, alone
    close_s: float = 0.0  # closing the store after the import (pending writes)
    imported: int = 0
    store_notes: int = 0
    store_prompts: int = 0
    store_boards: int = 0
    files_without_id: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def target_s(self) -> float:
        return TARGET_SECONDS * self.notes / TARGET_NOTES


async def _timed_import(vault: Path, data_dir: Path, result: ImportResult) -> SyncReport:
    wb = Workbench.open(data_dir=data_dir, poll_interval=0)
    try:
        await wb.start()
        sync = VaultSync(VaultLayout(vault, MANAGED), StoreRepository(wb), new_id=new_id)
        window = Window()
        report = await sync.reconcile()
        result.rates["import"] = window.rate(result.files)
    finally:
        started = time.perf_counter()
        wb.close()
        result.close_s = time.perf_counter() - started
    return report


async def _restart(vault: Path, data_dir: Path, result: ImportResult) -> SyncReport:
    """Reopen the store, reconcile with a new sync (cold stat cache), count what is where."""
    wb = Workbench.open(data_dir=data_dir, poll_interval=0)
    try:
        await wb.start()
        sync = VaultSync(VaultLayout(vault, MANAGED), StoreRepository(wb), new_id=new_id)
        window = Window()
        report = await sync.reconcile()
        result.rates["restart"] = window.rate(result.files)
        result.store_notes = await wb.notes.count()
        result.store_prompts = len(await wb.prompts.list())
        result.store_boards = len(await wb.boards.list_boards())
        # The restart's scan read every file from disk: its frontmatter id is in the index.
        result.files_without_id = sum(not f.entity_id for f in sync.files.index.values())
        if len(sync.files.index) != result.files:
            result.failures.append(f"{len(sync.files.index)} files scanned, {result.files} made")
    finally:
        wb.close()
    return report


def _check(result: ImportResult, first: SyncReport, again: SyncReport) -> None:
    fail = result.failures
    for problem in [*first.problems, *again.problems][:5]:
        fail.append(f"left out: {problem.path}: {problem.reason}")
    if result.imported != result.files:
        fail.append(f"the import created {result.imported} entities for {result.files} files")
    counts = (
        ("notes", result.store_notes, result.notes),
        ("prompts", result.store_prompts, result.prompts),
        ("boards", result.store_boards, result.boards),
    )
    for what, found, made in counts:
        if found != made:
            fail.append(f"the store holds {found} {what}, the vault {made}")
    if result.files_without_id:
        fail.append(f"{result.files_without_id} files have no id: after the import")
    if again.changed:
        changes = {k: len(v) for k, v in asdict(again).items() if v and k != "problems"}
        fail.append(f"the restart changed something: {changes}")


def run_import(runner: asyncio.Runner, opts: Options, workdir: Path) -> ImportResult:
    """Generate the vault, then time the references, the import and the restart."""
    vault, data_dir = workdir / "vault", workdir / "data"
    log(f"... generating a vault of {opts.notes:,} notes")
    started = time.perf_counter()
    shape = generate_vault(vault, opts.notes, SEED)
    if hasattr(os, "sync"):
        # A user's vault is on disk before the import starts: flush the generated one, or
        # the import's own flushes would pay for writing it.
        os.sync()
    result = ImportResult(shape.notes, shape.prompts, shape.boards, shape.files, shape.bytes)
    result.generate_s = time.perf_counter() - started
    if opts.profile:
        shutil.copytree(vault, workdir / "pristine", symlinks=True)
    log("... reading and parsing every file, and atomic writes alone (references)")
    layout = VaultLayout(vault, MANAGED)
    result.rates["reference"] = read_and_parse(layout)
    result.atomic_write_ms = atomic_write_ms(layout, workdir / "disk")
    log(f"... importing {shape.files:,} files into a fresh store")
    first = runner.run(_timed_import(vault, data_dir, result))
    result.imported = len(first.imported)
    log(f"    {result.rates['import'].seconds:.1f} s; restarting: reconcile, nothing changed")
    again = runner.run(_restart(vault, data_dir, result))
    log(f"    {result.rates['restart'].seconds:.1f} s")
    _check(result, first, again)
    return result


# -- profile ---------------------------------------------------------------------------------


class _Stopwatch:
    """Calls and wall time of wrapped coroutine functions, by name."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()

    def wrap(self, name: str, fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(fn)
        async def timed(*args: P.args, **kwargs: P.kwargs) -> T:
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        return timed

    def patch(self, obj: object, prefix: str, names: Sequence[str]) -> None:
        """Time ``obj``'s methods ``names`` (on this instance only)."""
        for name in names:
            setattr(obj, name, self.wrap(f"{prefix}.{name}", getattr(obj, name)))


@dataclass
class Awaited:
    """One kind of call the sync awaited: how often, and its wall time in all."""

    name: str
    calls: int
    seconds: float
    inner: bool = False  # made inside the sync's calls (the repository's database calls)


@dataclass
class ProfileResult:
    """Where a profiled reconcile spent its time."""

    phase: str
    wall_s: float = 0.0
    awaited: list[Awaited] = field(default_factory=list)
    threads: list[tuple[str, float]] = field(default_factory=list)  # name, CPU s
    cumulative: str = ""
    own: str = ""


def _thread_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of each thread of this process, by native id (Linux)."""
    out: dict[int, float] = {}
    with contextlib.suppress(OSError):
        for task in Path("/proc/self/task").iterdir():
            seconds = cpu_seconds(task / "stat")
            if seconds is not None:
                out[int(task.name)] = seconds
    return out


async def _profiled_reconcile(
    vault: Path, data_dir: Path, watch: _Stopwatch, out: ProfileResult
) -> None:
    wb = Workbench.open(data_dir=data_dir, poll_interval=0)
    try:
        await wb.start()
        repository = StoreRepository(wb)
        sync = VaultSync(VaultLayout(vault, MANAGED), repository, new_id=new_id)
        watch.patch(sync.files, "files", _FILES_METHODS)
        watch.patch(repository, "repository", _REPOSITORY_METHODS)
        watch.patch(wb.db, "db", ["read", "write"])
        before = _thread_cpu()
        started = time.perf_counter()
        await sync.reconcile()
        out.wall_s = time.perf_counter() - started
        after = _thread_cpu()
        names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
        for tid, cpu in sorted(after.items(), key=lambda item: -item[1]):
            used = cpu - before.get(tid, 0.0)
            if used >= 0.01:
                out.threads.append((names.get(tid, f"thread {tid}"), used))
    finally:
        wb.close()


def _idle(filename: str, name: str) -> bool:
    if filename == "~":
        return name in _IDLE_BUILTINS
    # This module's own frames are the profile's scaffolding (the stopwatch's wrappers).
    return filename.startswith("<") or filename.endswith(_IDLE_MODULES) or filename == __file__


def _table(stats: pstats.Stats, key: int, rows: int) -> str:
    """The top ``rows`` functions by ``key`` (2: own time, 3: cumulative), waits left out."""
    entries: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    entries = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(entries.items(), key=lambda item: -item[1][key])
    lines = [f"  {'calls':>9} {'own s':>8} {'cum s':>8}  function"]
    for (filename, line, name), (_cc, calls, own, cumulative, _callers) in ranked:
        if _idle(filename, name):
            continue
        where = name if filename == "~" else f"{_short(filename)}:{line}({name})"
        lines.append(f"  {calls:>9,} {own:>8.3f} {cumulative:>8.3f}  {where}")
        if len(lines) > rows:
            break
    return "\n".join(lines)


def _short(filename: str) -> str:
    for marker in ("/site-packages/", f"{ROOT}/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return _STDLIB.sub("", filename)


def run_profile(
    factory: Callable[[], asyncio.AbstractEventLoop] | None,
    phase: str,
    vault: Path,
    data_dir: Path,
    rows: int,
) -> ProfileResult:
    """Reconcile ``vault`` with the store in ``data_dir`` under cProfile in every thread,
    and time what the sync awaits. The store's threads and the loop's executor start after
    the hook is set and end with the runner, so their profiles are complete."""
    out = ProfileResult(phase)
    watch = _Stopwatch()
    profiles: list[cProfile.Profile] = []

    def start_thread_profile(_frame: FrameType, _event: str, _arg: Any) -> None:
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()

    main = cProfile.Profile()
    threading.setprofile(start_thread_profile)
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            main.enable()
            try:
                runner.run(_profiled_reconcile(vault, data_dir, watch, out))
            finally:
                main.disable()
    finally:
        threading.setprofile(None)
    stats = pstats.Stats(main, stream=io.StringIO())
    for profile in profiles:
        stats.add(profile)
    out.cumulative = _table(stats, 3, rows)
    out.own = _table(stats, 2, 15)
    out.awaited = [
        Awaited(name, watch.calls[name], seconds, inner=name.startswith("db."))
        for name, seconds in watch.seconds.items()
    ]
    out.awaited.sort(key=lambda row: (row.inner, -row.seconds))
    outer = sum(row.seconds for row in out.awaited if not row.inner)
    out.awaited.append(Awaited("sync's own work between awaits", 0, out.wall_s - outer))
    return out


# -- latency ---------------------------------------------------------------------------------


class ServerProcess:
    """``mcp-workbench serve-http`` with vault sync on, started for the latency phase."""

    def __init__(self, vault: Path, data_dir: Path, debounce: float | None) -> None:
        self.argv = [
            sys.executable,
            "-m",
            "mcp_workbench.cli",
            "serve-http",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--no-entry-points",
            "--log-level",
            "WARNING",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MCP_WORKBENCH_")}
        env.update(
            {
                "MCP_WORKBENCH_VAULT_PATH": str(vault),
                "MCP_WORKBENCH_VAULT_SYNC": "true",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if debounce is not None:
            env["MCP_WORKBENCH_VAULT_DEBOUNCE"] = repr(debounce)
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self._stderr: deque[str] = deque(maxlen=40)
        self._drain: asyncio.Task[None] | None = None

    async def start(self) -> str:
        """Start it; returns its MCP endpoint's URL once it serves."""
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env=self.env,
        )
        LIVE_PIDS.add(self.proc.pid)
        await asyncio.wait_for(self._find_url(), _START_TIMEOUT)
        self._drain = asyncio.create_task(self._drain_stderr())
        return self.url

    async def _find_url(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        while not self.url:
            line = await self.proc.stderr.readline()
            if not line:
                raise RuntimeError("the server exited before serving")
            self._stderr.append(line.decode(errors="replace").rstrip())
            if match := _SERVING.search(line):
                self.url = match.group(1).decode()

    async def _drain_stderr(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self._stderr.append(line.decode(errors="replace").rstrip())

    def stderr(self) -> str:
        """The end of what the server wrote on stderr (for failure reports)."""
        return "\n".join(self._stderr)

    async def stop(self) -> None:
        """SIGTERM by PID, SIGKILL if it has not exited 10 s later."""
        proc = self.proc
        if proc is None:
            return
        await terminate(proc, grace=10)
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain


@dataclass
class LatencyResult:
    """Change → ``resources/updated`` latencies, in ms."""

    notes: int
    debounce: float
    protocol: str = ""
    subscribe: str = ""
    ready_s: float = 0.0  # server start to every note listed
    vault_ms: list[float] = field(default_factory=list)
    store_ms: list[float] = field(default_factory=list)
    missed: int = 0
    extra: int = 0
    failures: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class _Arrivals:
    """When each ``resources/updated`` arrived, by URI, as the client received it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, float]] = asyncio.Queue()

    def add(self, uri: str) -> None:
        self.queue.put_nowait((uri, time.perf_counter()))

    def drain(self, uris: set[str]) -> int:
        """Forget what arrived so far; returns how many were for ``uris``."""
        count = 0
        while not self.queue.empty():
            count += self.queue.get_nowait()[0] in uris
        return count

    async def next(self, uri: str, within: float) -> float | None:
        """When the next notification for ``uri`` arrived; None after ``within`` s."""
        try:
            async with asyncio.timeout(within):
                while True:
                    found, when = await self.queue.get()
                    if found == uri:
                        return when
        except TimeoutError:
            return None


async def _list_notes(client: Client) -> set[str]:
    uris: set[str] = set()
    cursor: str | None = None
    for _ in range(1000):  # pages
        page = await client.list_resources(cursor=cursor)
        uris |= {str(r.uri) for r in page.resources if str(r.uri).startswith("note://")}
        if (cursor := page.next_cursor) is None:
            break
    return uris


async def _wait_until_imported(client: Client, wanted: set[str], files: list[Path]) -> None:
    """Until the server lists every note and ``files`` have their ids (bounded)."""
    async with asyncio.timeout(_READY_TIMEOUT):
        while True:  # polled: no notification says that the import is done
            if wanted <= await _list_notes(client) and all(map(_has_id, files)):
                return
            await asyncio.sleep(0.2)


def _has_id(path: Path) -> bool:
    return re.search(r"^id:", _frontmatter_of(path), re.MULTILINE) is not None


def _frontmatter_of(path: Path) -> str:
    text = path.read_text("utf-8")
    if not text.startswith("---\n"):
        return ""
    end = text.find("\n---\n", 3)
    return text[: end + 1] if end >= 0 else ""


async def _save_loop(
    client: Client, arrivals: _Arrivals, result: LatencyResult, *, file: Path, uri: str, saves: int
) -> None:
    """Rewrite ``file`` in place ``saves`` times; time each save to its notification."""
    head = _frontmatter_of(file) + "---\n"
    settle = result.debounce + _SETTLE
    for n in range(saves):
        result.extra += arrivals.drain({uri})
        data = f"{head}# Latency probe\n\nSave {n} of the bench at {time.time_ns()}.\n".encode()
        started = time.perf_counter()
        await asyncio.to_thread(file.write_bytes, data)  # truncate + write, as Obsidian saves
        arrived = await arrivals.next(uri, _NOTIFY_TIMEOUT)
        if arrived is None:
            result.missed += 1
        else:
            result.vault_ms.append((arrived - started) * 1000)
        await asyncio.sleep(settle)
    result.extra += arrivals.drain({uri})
    read = await client.call_tool("notes.read", {"path": uri.removeprefix("note://")})
    body = (read.structured_content or {}).get("body", "")
    if f"Save {saves - 1} of the bench" not in str(body):
        result.failures.append(f"the store does not hold the last save: {str(body)[:80]!r}")


async def _store_loop(
    client: Client, arrivals: _Arrivals, result: LatencyResult, path: str, writes: int
) -> None:
    """``notes.write`` through MCP ``writes`` times; time each call to its notification."""
    uri = note_uri(path)
    settle = result.debounce + _SETTLE  # the change is written to the vault: let it echo
    for n in range(writes):
        result.extra += arrivals.drain({uri})
        started = time.perf_counter()
        done = await client.call_tool(
            "notes.write", {"path": path, "body": f"# Store probe\n\nWrite {n}.\n"}
        )
        if done.is_error:
            result.failures.append(f"notes.write failed: {done.content}")
            return
        arrived = await arrivals.next(uri, _NOTIFY_TIMEOUT)
        if arrived is None:
            result.missed += 1
        else:
            result.store_ms.append((arrived - started) * 1000)
        await asyncio.sleep(settle)
    result.extra += arrivals.drain({uri})


async def run_latency(opts: Options) -> LatencyResult:
    """Start a server over a small vault, subscribe, and time saves and MCP writes."""
    debounce = opts.debounce
    if debounce is None:
        debounce = float(Settings.model_fields["vault_debounce"].default)
    with tempfile.TemporaryDirectory(prefix="bench-vault-latency-") as tmp:
        vault = Path(tmp, "vault")
        shape = generate_vault(vault, opts.latency_notes, SEED + 2)
        result = LatencyResult(shape.notes, debounce)
        knowledge = vault / MANAGED / "Knowledge"
        saved, written = shape.generated[0], shape.generated[1]
        uris = {note_uri(saved), note_uri(written)}
        arrivals = _Arrivals()

        async def on_message(message: Any) -> None:
            if isinstance(message, types.ResourceUpdatedNotification):
                arrivals.add(str(message.params.uri))

        server = ServerProcess(vault, Path(tmp, "data"), opts.debounce)
        try:
            started = time.perf_counter()
            url = await server.start()
            log(f"... server at {url}; waiting until it has imported {shape.notes} notes")
            async with (
                httpx2.AsyncClient(timeout=httpx2.Timeout(30, read=300), trust_env=False) as http,
                Client(
                    streamable_http_client(url, http_client=http),
                    mode="legacy" if opts.protocol == "legacy" else "2026-07-28",
                    cache=None,
                    message_handler=on_message if opts.protocol == "legacy" else None,
                ) as client,
            ):
                result.protocol = str(client.session.protocol_version)
                wanted = {note_uri(p) for p in shape.generated}
                await _wait_until_imported(client, wanted, [knowledge / saved])
                result.ready_s = time.perf_counter() - started
                await asyncio.sleep(result.debounce + 0.5)  # the import's own writes echo
                async with contextlib.AsyncExitStack() as stack:
                    if opts.protocol == "legacy":
                        result.subscribe = "resources/subscribe"
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", MCPDeprecationWarning)
                            for uri in sorted(uris):
                                await client.subscribe_resource(uri)
                    else:
                        result.subscribe = "subscriptions/listen"
                        sub = await stack.enter_async_context(
                            client.listen(resource_subscriptions=sorted(uris))
                        )

                        async def follow() -> None:
                            async for event in sub:
                                if isinstance(event, ResourceUpdated):
                                    arrivals.add(event.uri)

                        task = asyncio.create_task(follow())
                        stack.callback(task.cancel)
                    log(f"... {opts.saves} saves of {saved}")
                    await _save_loop(
                        client,
                        arrivals,
                        result,
                        file=knowledge / saved,
                        uri=note_uri(saved),
                        saves=opts.saves,
                    )
                    log(f"... {opts.saves} notes.write of {written} through MCP (reference)")
                    await _store_loop(client, arrivals, result, written, opts.saves)
        except Exception as exc:
            result.failures.append(f"{type(exc).__name__}: {exc}")
            if tail := server.stderr():
                result.failures.append(f"server stderr: {tail[-1500:]}")
        finally:
            await server.stop()
    if result.missed:
        result.failures.append(f"{result.missed} changes got no resources/updated within 5 s")
    return result


# -- report ----------------------------------------------------------------------------------


@dataclass
class Options:
    notes: int
    latency_notes: int
    saves: int
    debounce: float | None
    protocol: str
    parts: list[str]
    profile: bool
    json: bool


def _verdict(ratio: float) -> str:
    return "within the target" if ratio <= 1 else "over the target"


def _cores(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report_import(r: ImportResult) -> None:
    print(
        f"\nImport: {r.notes:,} notes, {r.prompts} prompts, {r.boards} board(s) "
        f"({r.files:,} files, {megabytes(r.vault_bytes)}) into a fresh SQLite store"
    )
    header = f"  {'':<44} {'seconds':>8} {'files/s':>9} {'/reference':>10} {'cpu':>5} {'other':>5}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    labels = {
        "reference": "read + hash + parse every file (reference)",
        "import": "import: VaultSync.reconcile()",
        "restart": "restart: reconcile again, nothing changed",
    }
    reference = r.rates.get("reference")
    for key, label in labels.items():
        rate = r.rates.get(key)
        if rate is None:
            continue
        ratio = rate.seconds / reference.seconds if reference else math.nan
        star = "*" if rate.noisy else " "
        print(
            f"  {label:<44} {rate.seconds:>8.2f} {rate.per_s:>9,.0f} {ratio:>9.1f}x "
            f"{_cores(rate.cpu):>5} {_cores(rate.other_cpu):>5}{star}"
        )
    every_file = r.atomic_write_ms * r.files / 1000
    print(
        f"  (cpu/other: cores used by this process / by everything else. Disk: one atomic "
        f"fsync'd write takes {r.atomic_write_ms:.2f} ms here, {every_file:.1f} s for every "
        f"file; vault generated in {r.generate_s:.1f} s; the store closed after the import "
        f"in {r.close_s:.2f} s)"
    )
    if any(rate.noisy for rate in r.rates.values()):
        print("* other processes used more than a quarter of a core: rerun for a reliable figure")
    imported = r.rates.get("import")
    if imported is not None:
        ratio = imported.seconds / r.target_s
        print(
            f"Target: {TARGET_NOTES:,} notes in <= {TARGET_SECONDS:g} s "
            f"({TARGET_NOTES / TARGET_SECONDS:,.0f} notes/s): {r.notes:,} notes in "
            f"{imported.seconds:.1f} s = {ratio:.2f}x the target ({_verdict(ratio)})"
        )
    checks = "; ".join(r.failures) if r.failures else "all OK"
    print(
        f"Checks (store: {r.store_notes:,} notes, {r.store_prompts} prompts, "
        f"{r.store_boards} boards; files without id: {r.files_without_id}): {checks}"
    )


def report_profile(p: ProfileResult) -> None:
    print(
        f"\nProfile of the {p.phase} (a fresh copy, untimed, under cProfile in every thread): "
        f"{p.wall_s:.1f} s"
    )
    print("Wall time of what the sync awaited:")
    for row in p.awaited:
        name = f"  of which {row.name}" if row.inner else row.name
        count = f"{row.calls:>8,}" if row.calls else " " * 8
        per = f"{row.seconds / row.calls * 1000:8.3f} ms/call" if row.calls else ""
        print(f"  {name:<36} {count} {row.seconds:>8.2f} s {per}")
    print("CPU time by thread:")
    for name, cpu in p.threads:
        print(f"  {name:<36} {cpu:>8.2f} s")
    print(
        f"Top {p.cumulative.count(chr(10))} by cumulative time, all threads (waits and the "
        "loop's dispatch left out; a coroutine's calls count its resumptions):"
    )
    print(p.cumulative)
    print("Top 15 by own time:")
    print(p.own)


def report_latency(r: LatencyResult) -> None:
    print(
        f"\nSave -> notifications/resources/updated: mcp-workbench serve-http, vault sync over "
        f"{r.notes} notes (all listed {r.ready_s:.1f} s after start); SDK client over "
        f"Streamable HTTP, protocol {r.protocol or '?'}, {r.subscribe or '?'}; "
        f"debounce {r.debounce:g} s"
    )
    header = f"  {'ms':<40} {'n':>4} {'p50':>7} {'p95':>7} {'max':>7}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for label, values in (
        ("file saved in place", r.vault_ms),
        ("notes.write through MCP (reference)", r.store_ms),
    ):
        if values:
            cells = " ".join(f"{v:>7.1f}" for v in (percentile(values, q) for q in (0.5, 0.95)))
            print(f"  {label:<40} {len(values):>4} {cells} {max(values):>7.1f}")
        else:
            print(f"  {label:<40} {0:>4} {'-':>7} {'-':>7} {'-':>7}")
    if r.vault_ms and r.store_ms:
        vault_part = percentile(r.vault_ms, 0.5) - percentile(r.store_ms, 0.5)
        print(
            f"  (the vault's part at p50: {vault_part:.1f} ms, of which debounce "
            f"{r.debounce * 1000:.0f} ms; extra notifications: {r.extra}, missed: {r.missed})"
        )
        p95 = percentile(r.vault_ms, 0.95)
        ratio = p95 / TARGET_P95_MS
        print(
            f"Target: p95 <= {TARGET_P95_MS:.0f} ms: {p95:.1f} ms = {ratio:.2f}x the target "
            f"({_verdict(ratio)})"
        )
    for failure in r.failures:
        print("  ! " + failure.replace("\n", "\n    "))


# -- main ------------------------------------------------------------------------------------


def _parts(value: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items or any(v not in ("import", "latency") for v in items):
        raise argparse.ArgumentTypeError("choose from import, latency")
    return items


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description="Vault sync: import of a generated vault, and save -> resources/updated."
    )
    parser.add_argument("--notes", type=int, default=TARGET_NOTES, help="notes to import")
    parser.add_argument(
        "--latency-notes", type=int, default=50, help="notes in the latency phase's vault"
    )
    parser.add_argument("--saves", type=int, default=50, help="saves (and MCP writes) timed")
    parser.add_argument(
        "--debounce", type=float, help="the server's vault debounce, s (default: its own)"
    )
    parser.add_argument(
        "--protocol",
        choices=["legacy", "modern"],
        default="legacy",
        help="legacy: 2025-11-25 and resources/subscribe; modern: 2026-07-28 listen",
    )
    parser.add_argument("--only", type=_parts, default=["import", "latency"], help="import,latency")
    parser.add_argument(
        "--profile", action="store_true", help="import once more under cProfile; print where"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.debounce is not None and not 0 <= args.debounce <= 10:
        parser.error("--debounce must be between 0 and 10 s")
    return Options(
        notes=max(1, args.notes),
        latency_notes=max(2, args.latency_notes),
        saves=max(1, args.saves),
        debounce=args.debounce,
        protocol=args.protocol,
        parts=args.only,
        profile=args.profile,
        json=args.json,
    )


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    factory, loop = loop_factory()
    imported: ImportResult | None = None
    profiles: list[ProfileResult] = []
    latency: LatencyResult | None = None
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-vault-") as tmp:
            if "import" in opts.parts:
                with asyncio.Runner(loop_factory=factory) as runner:
                    imported = run_import(runner, opts, Path(tmp))
                if opts.profile:
                    vault, data_dir = Path(tmp, "pristine"), Path(tmp, "profiled")
                    log("... profiling an import of a fresh copy, then its restart")
                    profiles.append(run_profile(factory, "import", vault, data_dir, 25))
                    profiles.append(run_profile(factory, "restart", vault, data_dir, 15))
        if "latency" in opts.parts:
            with asyncio.Runner(loop_factory=factory) as runner:
                latency = runner.run(run_latency(opts))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        kill_leftovers()
    log(f"done in {time.perf_counter() - started:.0f} s")
    failed = bool((imported and imported.failures) or (latency and latency.failures))
    if opts.json:
        document: dict[str, Any] = {
            "config": asdict(opts)
            | {
                "cpus": os.cpu_count(),
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "loop": loop,
            },
            "import": asdict(imported) if imported else None,
            "profiles": [asdict(p) for p in profiles],
            "latency": asdict(latency) if latency else None,
            "failed": failed,
        }
        print(json.dumps(document, indent=2))
    else:
        print(
            f"\nVault sync benchmark: Python {sys.version.split()[0]} on {loop}; "
            f"SQLite {sqlite3.sqlite_version}; {os.cpu_count()} CPUs"
        )
        if imported:
            report_import(imported)
        for profile in profiles:
            report_profile(profile)
        if latency:
            report_latency(latency)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
