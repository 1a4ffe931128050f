"""Store throughput and search latency: the service layer against the bare database driver.

Everything runs in this process on fresh stores (SQLite files in a temporary directory, WAL
with ``synchronous=NORMAL`` as ``mcp_workbench/store/database.py`` opens them):

1. **Mutations/s** through :class:`~mcp_workbench.service.Workbench`, each awaited until it
   returns: ``notes.write`` of new notes one at a time (``sequential``) and from
   ``--concurrency`` coroutines (``concurrent``), then a ``mix`` of ``boards.create_card``,
   ``boards.move_card`` and ``prompts.update`` (a new board every 30 cards, so lanes keep
   a board's size). Each phase warms up for ``--warmup`` s, then counts for ``--seconds``.
2. **Search latency**: ``--notes`` generated Markdown notes (seeded: titles, paragraphs,
   lists, ``#tags``, ``[[links]]``, some frontmatter; the same text every run) are loaded
   through ``notes.write`` by ``--load-concurrency`` coroutines (the load rate is a figure
   too), then ``--queries`` searches of 1-3 words, ``word*`` prefixes and tag-filtered
   words are timed one at a time: p50/p95/p99 in ms.
3. **Size**: the database after the load (WAL checkpointed), and the process's peak RSS
   (the whole run, generated corpus included).

How to read the ratios. Each figure is divided by a reference measured in the same run, on
the same machine, with the bare driver (stdlib ``sqlite3``; ``psycopg`` for PostgreSQL) on
a database migrated by the project (same tables, indexes and FTS triggers):

* mutations: one transaction per mutation that inserts the event row (its payload holds
  the entity's full new state, as the service's do) and inserts or updates the state rows
  (a moved card's row only: the service also renumbers the lanes it touches), and nothing
  else: no validation, no ORM, no threads, no read-back of the result. ``service/raw`` is
  the share of the raw rate the service keeps: 1.0 would make the service layer free, 0.1
  means it costs nine times the database work. The store has one writer, and so does a
  SQLite file: on SQLite the ``concurrent`` reference is the sequential raw rate; on
  PostgreSQL it is ``--concurrency`` threads with a connection each.
* search: the service's own SQL (``mcp_workbench/store/search.py``) and the same MATCH
  (or tsquery) expression run by the driver on the same database; ``service/raw`` above
  1.0 is what the service adds to each query (thread hop, SQLAlchemy, pydantic).

A phase during which other processes used more than a quarter of a core is starred: its
figure, and the ratio built on it, is not reliable.

Run: ``.venv/bin/python bench/store.py [--notes 10000] [--seconds 3] [--warmup 0.5]
[--concurrency 32] [--load-concurrency 4] [--queries 300] [--database-url URL] [--json]``.
With ``--database-url postgresql+psycopg://...`` the same runs against PostgreSQL after
SQLite; the URL's role needs CREATEDB: every store is a new database, dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import json
import math
import os
import random
import re
import resource
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.processes import log, loop_factory, system_busy_seconds
from mcp_workbench.service import Workbench
from mcp_workbench.store import Database, sqlite_url
from mcp_workbench.store.search import fts5_query

ACTOR = "bench"
SEED = 20261125
CARDS_PER_BOARD = 30
PROMPTS = 10
LANES = ("Todo", "Doing", "Done")
SEARCH_LIMIT = 10
_NOISY = 0.25  # cores used by other processes that make a phase unreliable
# As mcp_workbench/store/database.py sets them on every connection.
_SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    "busy_timeout=10000",
)


# -- the corpus --------------------------------------------------------------------------------

_STOP = "the a of and to in is for on with that as by this it we be are from at or not but"
_VOCABULARY = """
account action adapter agenda agent algorithm analysis anchor answer archive argument array
artifact aspect assumption attention audit author backlog balance barrier baseline batch
benchmark binding boundary branch bridge budget buffer cache calendar candidate capacity
capture catalog category channel chapter checklist checkpoint circuit claim client cluster
coherence collection column commit community compass compiler component concept conflict
consensus constraint context contract control corpus cost counter coverage credential
criteria culture cursor customer cycle dashboard dataset deadline debt decision default
delivery dependency deployment design detail diagram dialogue digest dimension directory
discovery dispatch document domain draft driver duration editor effort element embedding
encoder endpoint engine entity entropy envelope episode estimate evaluation event evidence
example exception experiment export factor feature feedback field filter fixture flag focus
folder format fragment framework frontier function gateway gesture gradient graph grammar
habit handler harvest header heuristic hierarchy highlight history horizon hypothesis idea
identity image impact incident index inference insight instance interface interval inventory
invoice issue iteration journal kernel keyword label language latency layer ledger lesson
library lifecycle limit lineage listener literature locale lookup loop manifest margin
marker matrix measure memory merger message metadata method metric migration milestone
mirror model module momentum monitor narrative network node notebook notion objective offset
onboarding operator option orbit outcome outline owner package padding parameter parser
partition pattern payload pipeline pivot planner platform plugin pointer policy portfolio
practice prediction preference premise priority probe process product profile progress
project prompt property protocol prototype provider quality query queue quota radius ranking
reader reasoning recipe record recovery reference refactor region registry release replica
report request research resolver resource response retention review revision rhythm risk
roadmap routine sample scaffold scenario schema scope score script search section segment
selector semantics sensor sequence server service session signal sketch snapshot socket
source specification sprint stack standard statement status storage strategy stream
structure summary surface survey symbol syntax system table target task taxonomy teammate
template tension tenant terminal theme thread threshold ticket timeline token topic trace
tradeoff transaction transcript transport trend trigger tuple tutorial upgrade usage
utility validation value variable vector vendor version viewpoint vocabulary volume
walkthrough warning weight widget window workflow workload workspace writer zettel
"""
_TAG_TEXT = """
project/atlas project/beacon project/cobalt area/ops area/research area/writing idea todo
reading meeting review draft evergreen question decision howto reference journal retro
planning incident design learning
"""
_WORDS, _TAGS, _STOPS = _VOCABULARY.split(), _TAG_TEXT.split(), _STOP.split()
_GENERAL = 60  # words every topic uses
_TOPICS = 40
_FOLDERS = ("projects", "areas", "resources", "journal", "zettel", "meetings")
_FENCE_LANGS = ("python", "bash", "sql", "json")
QUERY_KINDS = ("1 word", "2 words", "3 words", "prefix", "tag")
# How often each kind appears in a run of queries.
_QUERY_MIX = ("1 word",) * 8 + ("2 words",) * 5 + ("3 words",) * 2 + ("prefix",) * 3 + ("tag",) * 2


@dataclass(frozen=True, slots=True)
class NoteDoc:
    """A generated note, and what the service would derive from it (for the reference)."""

    path: str
    title: str
    body: str
    frontmatter: dict[str, Any]
    tags: list[str]
    links: list[str]


@dataclass(frozen=True, slots=True)
class Query:
    """A search: free text, and a tag the hits must carry."""

    kind: str
    text: str
    tag: str | None = None


class Corpus:
    """Deterministic Markdown notes and search queries drawn from a fixed word list.

    Each note is about one of ``_TOPICS`` topics (25 words each, from the topical part of
    the list) and mixes in a general vocabulary with Zipf-like weights; so a topical word is
    in a few percent of the notes and the words of a multi-word query go together.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._seed = seed
        vocab = list(_WORDS)
        random.Random(seed).shuffle(vocab)
        self._general, topical = vocab[:_GENERAL], vocab[_GENERAL:]
        self._cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(_GENERAL)))
        picker = random.Random(seed + 2)
        self._topics = [picker.sample(topical, 25) for _ in range(_TOPICS)]
        self._topic = self._topics[0]
        self._titles: list[str] = []

    def _words(self, n: int) -> list[str]:
        rng = self._rng
        return [
            rng.choices(self._general, cum_weights=self._cum)[0]
            if rng.random() < 0.3
            else rng.choice(self._topic)
            for _ in range(n)
        ]

    def _sentence(self) -> str:
        out: list[str] = []
        for word in self._words(self._rng.randint(5, 14)):
            if self._rng.random() < 0.35:
                out.append(self._rng.choice(_STOPS))
            out.append(word)
        return " ".join(out).capitalize() + "."

    def note(self, folder: str | None = None) -> NoteDoc:
        """The next note; it may link to the notes made before it."""
        rng = self._rng
        serial = len(self._titles)
        self._topic = rng.choice(self._topics)
        title = " ".join(self._words(rng.randint(2, 5))).capitalize()
        tags = rng.sample(_TAGS, rng.randint(1, 3))
        links = (
            list(dict.fromkeys(rng.choice(self._titles) for _ in range(rng.randint(0, 3))))
            if self._titles
            else []
        )
        paragraphs = [
            [self._sentence() for _ in range(rng.randint(2, 5))] for _ in range(rng.randint(2, 6))
        ]
        paragraphs[0].append(" ".join(f"#{tag}" for tag in tags))
        for link in links:
            rng.choice(paragraphs).append(f"See [[{link}]] for the {self._words(1)[0]}.")
        blocks = [f"# {title}", *(" ".join(p) for p in paragraphs)]
        if rng.random() < 0.3:
            items = (f"- {' '.join(self._words(rng.randint(2, 6)))}" for _ in range(3))
            blocks.insert(rng.randint(2, len(blocks)), "\n".join(items))
        if rng.random() < 0.15:
            code = f"{'_'.join(self._words(2))} = {rng.randint(0, 999)}  # not a #tag"
            blocks.append(f"```{rng.choice(_FENCE_LANGS)}\n{code}\n```")
        frontmatter: dict[str, Any] = {}
        if rng.random() < 0.3:
            frontmatter = {"status": rng.choice(("seed", "draft", "evergreen")), "source": "bench"}
        self._titles.append(title)
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        path = f"{folder or rng.choice(_FOLDERS)}/{slug}-{serial:05d}.md"
        return NoteDoc(path, title, "\n\n".join(blocks) + "\n", frontmatter, tags, links)

    def queries(self, count: int) -> list[Query]:
        """``count`` searches for the words of a topic, as someone looking for notes would."""
        rng = random.Random(self._seed + 1)
        out: list[Query] = []
        for i in range(count):
            kind = _QUERY_MIX[i % len(_QUERY_MIX)]
            topic = rng.choice(self._topics)
            if kind == "prefix":
                word = rng.choice(topic)
                out.append(Query(kind, word[: rng.randint(3, max(3, len(word) - 2))] + "*"))
            elif kind == "tag":
                out.append(Query(kind, rng.choice(topic), rng.choice(_TAGS)))
            else:
                out.append(Query(kind, " ".join(rng.sample(topic, int(kind[0])))))
        rng.shuffle(out)
        return out


# -- the reference: the bare driver ------------------------------------------------------------

Statement = tuple[str, Sequence[Any]]

_INSERT_EVENT = (
    "INSERT INTO events (ts, actor, kind, entity, entity_id, version, payload) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_NOTE = (
    "INSERT INTO notes (id, path, title, body, frontmatter, tags, links, version, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_BOARD = (
    "INSERT INTO boards (id, title, archived, version, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_LANE = "INSERT INTO lanes (id, board_id, title, position, wip_limit) VALUES (?, ?, ?, ?, ?)"
_INSERT_CARD = (
    "INSERT INTO cards (id, board_id, lane_id, title, body, position, done, due, tags, "
    "archived, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_MOVE_CARD = "UPDATE cards SET lane_id = ?, position = ?, version = ?, updated_at = ? WHERE id = ?"
_INSERT_PROMPT = "INSERT INTO prompts (name, latest, created_at, updated_at) VALUES (?, ?, ?, ?)"
_UPDATE_PROMPT = "UPDATE prompts SET latest = ?, updated_at = ? WHERE name = ?"
_INSERT_PROMPT_VERSION = (
    "INSERT INTO prompt_versions (name, version, description, messages, arguments, message, "
    "author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# The SQL of mcp_workbench/store/search.py, run through the bare driver.
_SQLITE_SEARCH = (
    "SELECT n.id, n.path, n.title, bm25(notes_fts, 10.0, 1.0, 5.0) AS rank, "
    "snippet(notes_fts, 1, '**', '**', '…', 16) "
    "FROM notes_fts JOIN notes AS n ON n.rowid = notes_fts.rowid "
    "WHERE notes_fts MATCH ? ORDER BY rank LIMIT ?"
)
_PG_SEARCH = (
    "SELECT n.id, n.path, n.title, ts_rank(n.search, q) AS rank, "
    "ts_headline('simple', n.body, q, 'StartSel=**, StopSel=**, MaxWords=24, MinWords=8') "
    "FROM notes AS n, to_tsquery('simple', %(q)s) AS q "
    "WHERE n.search @@ q{tag} ORDER BY rank DESC, n.path LIMIT %(limit)s"
)
_TERM = re.compile(r"[\w][\w'-]*\*?", re.UNICODE)


class RawConnection(Protocol):
    """One bare driver connection: transactions of plain statements, and the search query."""

    def transaction(self, statements: Sequence[Statement]) -> None: ...

    def json(self, value: Any) -> Any: ...

    def search(self, query: Query, limit: int) -> int: ...

    def durability(self) -> str: ...

    def close(self) -> None: ...


class SqliteRaw:
    """Stdlib ``sqlite3`` with the store's pragmas; explicit BEGIN IMMEDIATE/COMMIT."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in _SQLITE_PRAGMAS:
            self.conn.execute(f"PRAGMA {pragma}")

    def transaction(self, statements: Sequence[Statement]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")  # as the store's writes begin
        try:
            for sql, params in statements:
                self.conn.execute(sql, params)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def json(self, value: Any) -> Any:
        return json.dumps(value)

    def search(self, query: Query, limit: int) -> int:
        match = fts5_query(query.text)
        if match is None:
            return 0
        if query.tag:
            match = f'({match}) AND tags : "{query.tag}"'
        return len(self.conn.execute(_SQLITE_SEARCH, (match, limit)).fetchall())

    def durability(self) -> str:
        return _sqlite_durability(lambda sql: self.conn.execute(sql).fetchone()[0])

    def close(self) -> None:
        self.conn.close()


def _sqlite_durability(scalar: Callable[[str], Any]) -> str:
    return (
        f"journal_mode={scalar('PRAGMA journal_mode')} synchronous={scalar('PRAGMA synchronous')}"
    )


@functools.cache
def _pg_sql(sql: str) -> str:
    return sql.replace("?", "%s")


def _tsquery(text_: str) -> str | None:
    parts = []
    for term in _TERM.findall(text_):
        word = re.sub(r"[^\w]", "", term)
        if word:
            parts.append(word + (":*" if term.endswith("*") else ""))
    return " & ".join(parts) or None


class PostgresRaw:
    """``psycopg`` in autocommit mode with explicit transactions."""

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True)

    def transaction(self, statements: Sequence[Statement]) -> None:
        with self.conn.transaction():
            for sql, params in statements:
                self.conn.execute(_pg_sql(sql), params)

    def json(self, value: Any) -> Any:
        from psycopg.types.json import Json

        return Json(value)

    def search(self, query: Query, limit: int) -> int:
        tsq = _tsquery(query.text)
        if tsq is None:
            return 0
        sql = _PG_SEARCH.format(tag=" AND n.tags::jsonb ? %(tag)s" if query.tag else "")
        params = {"q": tsq, "limit": limit, "tag": query.tag}
        return len(self.conn.execute(sql, params).fetchall())

    def durability(self) -> str:
        row = self.conn.execute("SHOW synchronous_commit").fetchone()
        return f"synchronous_commit={row[0] if row else '?'}"

    def close(self) -> None:
        self.conn.close()


class RawStore:
    """The reference mutations: the event row and the state rows, one transaction each."""

    def __init__(self, conn: RawConnection) -> None:
        self.conn = conn

    def _event(
        self, kind: str, key: str, version: int, payload: dict[str, Any], now: float
    ) -> Statement:
        entity = kind.partition(".")[0]
        return _INSERT_EVENT, (now, ACTOR, kind, entity, key, version, self.conn.json(payload))

    def write_note(self, doc: NoteDoc, path: str) -> None:
        now, note_id, j = time.time(), uuid.uuid4().hex[:16], self.conn.json
        state = {
            "path": path,
            "title": doc.title,
            "body": doc.body,
            "frontmatter": doc.frontmatter,
            "tags": doc.tags,
            "links": doc.links,
            "id": note_id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        row = (note_id, path, doc.title, doc.body, j(doc.frontmatter), j(doc.tags), j(doc.links))
        self.conn.transaction(
            [
                self._event("note.created", note_id, 1, {"note": state}, now),
                (_INSERT_NOTE, (*row, 1, now, now)),
            ]
        )

    def create_board(self, board_id: str, title: str) -> list[str]:
        now = time.time()
        board = {"id": board_id, "title": title, "archived": False, "version": 1}
        board |= {"created_at": now, "updated_at": now}
        lanes = [
            {"id": uuid.uuid4().hex[:16], "board_id": board_id, "title": t, "position": i}
            | {"wip_limit": None}
            for i, t in enumerate(LANES)
        ]
        payload = {"board": board, "lanes": lanes}
        self.conn.transaction(
            [
                self._event("board.created", board_id, 1, payload, now),
                (_INSERT_BOARD, tuple(board.values())),
                *((_INSERT_LANE, tuple(lane.values())) for lane in lanes),
            ]
        )
        return [str(lane["id"]) for lane in lanes]

    def create_card(
        self, board_id: str, lane_id: str, title: str, body: str, pos: int
    ) -> dict[str, Any]:
        """A new card; returns its state, which ``move_card`` changes."""
        now, card_id = time.time(), uuid.uuid4().hex[:16]
        state: dict[str, Any] = {"id": card_id, "board_id": board_id, "lane_id": lane_id}
        state |= {"title": title, "body": body, "position": pos, "done": False, "due": None}
        state |= {"tags": ["bench"], "archived": False, "version": 1}
        state |= {"created_at": now, "updated_at": now}
        row = [*state.values()]
        row[8] = self.conn.json(state["tags"])
        self.conn.transaction(
            [
                self._event("card.created", card_id, 1, {"card": state}, now),
                (_INSERT_CARD, row),
            ]
        )
        return state

    def move_card(self, state: dict[str, Any], lane_id: str, position: int) -> None:
        now, version = time.time(), state["version"] + 1
        state |= {"lane_id": lane_id, "position": position, "version": version, "updated_at": now}
        self.conn.transaction(
            [
                self._event("card.moved", state["id"], version, {"card": state}, now),
                (_MOVE_CARD, (lane_id, position, version, now, state["id"])),
            ]
        )

    def save_prompt(self, name: str, version: int, template: str) -> None:
        now, j = time.time(), self.conn.json
        messages = [{"role": "user", "text": template}]
        arguments = [{"name": "topic", "description": "", "required": True}]
        prompt = {"name": name, "latest": version, "created_at": now, "updated_at": now}
        row = {"name": name, "version": version, "description": "", "messages": messages}
        row |= {"arguments": arguments, "message": f"v{version}", "author": ACTOR}
        row |= {"created_at": now}
        values = [j(v) if isinstance(v, list) else v for v in row.values()]
        state: Statement = (
            (_INSERT_PROMPT, (name, version, now, now))
            if version == 1
            else (_UPDATE_PROMPT, (version, now, name))
        )
        kind = "prompt.created" if version == 1 else "prompt.versioned"
        payload = {"prompt": prompt, "version": row, "labels": {}}
        self.conn.transaction(
            [
                self._event(kind, name, version, payload, now),
                state,
                (_INSERT_PROMPT_VERSION, values),
            ]
        )


# -- the card/prompt mix --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MixOp:
    """One mutation of the mix; ``board`` and ``card`` are serial numbers."""

    kind: str
    board: int = 0
    card: int = 0
    lane: int = 0
    position: int = 0
    prompt: int = 0


def mix_ops(seed: int) -> Iterator[MixOp]:
    """Per cycle: a card created, a card of the same board moved, a prompt versioned."""
    rng = random.Random(seed)
    for cycle in itertools.count():
        board, card = divmod(cycle, CARDS_PER_BOARD)
        if card == 0:
            yield MixOp("board", board)
        yield MixOp("card", board, card)
        lane, position = rng.randrange(len(LANES)), rng.randrange(CARDS_PER_BOARD // 2)
        yield MixOp("move", board, rng.randrange(card + 1), lane, position)
        yield MixOp("prompt", prompt=cycle % PROMPTS)


def _template(version: int) -> str:
    return f"Summarise {{{{topic}}}} in at most {100 + version} words, citing the notes you used."


class ServiceMix:
    """The mix through the service."""

    def __init__(self, wb: Workbench) -> None:
        self.wb = wb
        self.ops = mix_ops(SEED)
        self.cards: dict[int, list[str]] = {}
        self.serial = itertools.count(2)

    async def setup(self) -> None:
        for i in range(PROMPTS):
            await self.wb.prompts.create(f"bench-{i}", template=_template(1), actor=ACTOR)

    async def step(self) -> None:
        op, boards = next(self.ops), self.wb.boards
        if op.kind == "board":
            await boards.create_board(f"Bench {op.board}", board_id=f"b{op.board}", actor=ACTOR)
        elif op.kind == "card":
            card = await boards.create_card(
                f"b{op.board}",
                "Todo",
                f"Card {op.card}",
                body="Do it.",
                tags=["bench"],
                actor=ACTOR,
            )
            self.cards.setdefault(op.board, []).append(card.id)
        elif op.kind == "move":
            card_id = self.cards[op.board][op.card]
            await boards.move_card(card_id, lane=LANES[op.lane], position=op.position, actor=ACTOR)
        else:
            await self.wb.prompts.update(
                f"bench-{op.prompt}",
                template=_template(next(self.serial)),
                message="v",
                actor=ACTOR,
            )


class RawMix:
    """The same mix as bare statements."""

    def __init__(self, raw: RawStore) -> None:
        self.raw = raw
        self.ops = mix_ops(SEED)
        self.lanes: dict[int, list[str]] = {}
        self.cards: dict[int, list[dict[str, Any]]] = {}
        self.prompts = dict.fromkeys(range(PROMPTS), 1)

    def setup(self) -> None:
        for i in range(PROMPTS):
            self.raw.save_prompt(f"bench-{i}", 1, _template(1))

    def step(self) -> None:
        op = next(self.ops)
        if op.kind == "board":
            self.lanes[op.board] = self.raw.create_board(f"b{op.board}", f"Bench {op.board}")
        elif op.kind == "card":
            lane_id = self.lanes[op.board][0]
            card = self.raw.create_card(f"b{op.board}", lane_id, f"Card {op.card}", "Do it.", 0)
            self.cards.setdefault(op.board, []).append(card)
        elif op.kind == "move":
            card = self.cards[op.board][op.card]
            self.raw.move_card(card, self.lanes[op.board][op.lane], op.position)
        else:
            version = self.prompts[op.prompt] = self.prompts[op.prompt] + 1
            self.raw.save_prompt(f"bench-{op.prompt}", version, _template(version))


# -- timing ---------------------------------------------------------------------------------------


@dataclass
class Rate:
    """Operations counted during a timed window, and the CPU used meanwhile."""

    count: int
    seconds: float
    per_s: float
    cpu: float | None  # cores this process used (all its threads)
    other_cpu: float | None  # cores every other process used

    @property
    def noisy(self) -> bool:
        return self.other_cpu is not None and self.other_cpu > _NOISY


class Window:
    """A timed window: wall clock, this process's CPU, the machine's CPU."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.own = time.process_time()
        self.busy = system_busy_seconds()

    def rate(self, count: int) -> Rate:
        seconds = time.perf_counter() - self.start
        cpu = (time.process_time() - self.own) / seconds
        busy = system_busy_seconds()
        other = None
        if busy is not None and self.busy is not None:
            other = max(0.0, (busy - self.busy) / seconds - cpu)
        return Rate(count, seconds, count / seconds, cpu, other)


def timed_sync(step: Callable[[], None], warmup: float, seconds: float) -> Rate:
    """Call ``step`` for ``warmup`` seconds, then count calls for ``seconds``."""
    deadline = time.perf_counter() + warmup
    while time.perf_counter() < deadline:
        step()
    window, count = Window(), 0
    end = window.start + seconds
    while time.perf_counter() < end:
        step()
        count += 1
    return window.rate(count)


def timed_threads(step: Callable[[], None], threads: int, warmup: float, seconds: float) -> Rate:
    """``timed_sync`` from ``threads`` threads at once (the PostgreSQL concurrent reference)."""
    state = {"counting": False, "stop": False}
    counts = [0] * threads

    def work(i: int) -> None:
        while not state["stop"]:
            step()
            if state["counting"]:
                counts[i] += 1

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(work, i) for i in range(threads)]
        time.sleep(warmup)
        window = Window()
        state["counting"] = True
        time.sleep(seconds)
        state["counting"] = False
        rate = window.rate(sum(counts))
        state["stop"] = True
        for future in futures:
            future.result()
    return rate


async def timed_async(
    step: Callable[[], Awaitable[None]], workers: int, warmup: float, seconds: float
) -> Rate:
    """Run ``step`` in a loop in ``workers`` coroutines; count completions in the window."""
    state = {"counting": False, "stop": False}
    count = 0

    async def work() -> None:
        nonlocal count
        while not state["stop"]:
            await step()
            if state["counting"]:
                count += 1

    tasks = [asyncio.create_task(work()) for _ in range(workers)]
    try:
        await asyncio.sleep(warmup)
        window = Window()
        state["counting"] = True
        await asyncio.sleep(seconds)
        state["counting"] = False
        rate = window.rate(count)
    finally:
        state["stop"] = True
        await asyncio.gather(*tasks)
    return rate


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest rank) and the mean."""
    ordered = sorted(samples)
    if not ordered:
        return {}

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    mean = sum(ordered) / len(ordered)
    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "mean": mean}


# -- backends -------------------------------------------------------------------------------------


class Backend(Protocol):
    """Where fresh stores come from, and how the bare driver reaches them."""

    name: str

    def fresh_url(self, label: str) -> str: ...

    def raw(self, url: str) -> RawConnection: ...

    def size(self, url: str) -> int: ...

    def cleanup(self) -> None: ...


class SqliteBackend:
    """SQLite files in a temporary directory."""

    name = "sqlite"

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="mcpw-bench-")

    def fresh_url(self, label: str) -> str:
        return sqlite_url(Path(self._tmp.name) / label / "workbench.db")

    def raw(self, url: str) -> RawConnection:
        return SqliteRaw(make_url(url).database or "")

    def size(self, url: str) -> int:
        base = make_url(url).database or ""
        return sum(os.path.getsize(p) for p in (base, base + "-wal") if os.path.exists(p))

    def cleanup(self) -> None:
        self._tmp.cleanup()


class PostgresBackend:
    """New databases on the server of ``admin_url``; dropped by ``cleanup``."""

    name = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self._admin = make_url(admin_url)
        self._prefix = f"mcpw_bench_{uuid.uuid4().hex[:8]}"
        self._made: list[str] = []

    def _dsn(self, database: str | None = None) -> str:
        url = self._admin.set(drivername="postgresql")
        if database is not None:
            url = url.set(database=database)
        return url.render_as_string(hide_password=False)

    def fresh_url(self, label: str) -> str:
        import psycopg

        name = f"{self._prefix}_{label}"
        with psycopg.connect(self._dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return self._admin.set(database=name).render_as_string(hide_password=False)

    def raw(self, url: str) -> RawConnection:
        return PostgresRaw(self._dsn(make_url(url).database))

    def size(self, url: str) -> int:
        import psycopg

        with psycopg.connect(self._dsn(make_url(url).database)) as conn:
            row = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class AS c "
                "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')"
            ).fetchone()
        return int(row[0] or 0) if row else 0

    def cleanup(self) -> None:
        import psycopg

        with psycopg.connect(self._dsn(), autocommit=True) as conn:
            for name in self._made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated(url: str) -> None:
    """Give the (empty) database at ``url`` the store's schema."""
    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.close()


def service_durability(wb: Workbench) -> str:
    """What the service's own connections run with."""
    with wb.db.engine.connect() as conn:
        if wb.db.is_sqlite:
            return _sqlite_durability(lambda sql: conn.execute(text(sql)).scalar())
        return f"synchronous_commit={conn.execute(text('SHOW synchronous_commit')).scalar()}"


# -- the phases -----------------------------------------------------------------------------------


@dataclass
class Options:
    notes: int = 10_000
    seconds: float = 3.0
    warmup: float = 0.5
    concurrency: int = 32
    load_concurrency: int = 4
    queries: int = 300
    database_url: str | None = None
    json: bool = False


@dataclass
class Throughput:
    """A mutation phase: the service's rate, the reference's, and service/raw."""

    phase: str
    service: Rate
    raw: Rate
    ratio: float
    reference: str


@dataclass
class Search:
    """Latencies in ms of the same queries through the service and through the driver."""

    queries: int
    service: dict[str, float]
    raw: dict[str, float]
    ratio: dict[str, float]
    by_kind: dict[str, dict[str, float]]
    mean_hits: float
    mismatches: int  # queries where service and driver found a different number of hits


@dataclass
class BackendResult:
    backend: str
    durability: dict[str, str] = field(default_factory=dict)
    throughput: list[Throughput] = field(default_factory=list)
    load: dict[str, float] = field(default_factory=dict)
    search: Search | None = None
    database_bytes: int = 0
    corpus_bytes: int = 0


async def _service_throughput(
    wb: Workbench, pool: list[NoteDoc], opts: Options
) -> tuple[Rate, Rate, Rate]:
    serial = itertools.count()

    async def write_note() -> None:
        i = next(serial)
        doc = pool[i % len(pool)]
        await wb.notes.write(
            f"bench/{i:07d}.md", doc.body, frontmatter=doc.frontmatter, actor=ACTOR
        )

    log("... service: notes.write, sequential")
    sequential = await timed_async(write_note, 1, opts.warmup, opts.seconds)
    log(f"... service: notes.write, {opts.concurrency} coroutines")
    concurrent = await timed_async(write_note, opts.concurrency, opts.warmup, opts.seconds)
    log("... service: cards and prompts")
    mix = ServiceMix(wb)
    await mix.setup()
    mixed = await timed_async(mix.step, 1, opts.warmup, opts.seconds)
    return sequential, concurrent, mixed


def _raw_throughput(
    backend: Backend, raw: RawConnection, url: str, pool: list[NoteDoc], opts: Options
) -> tuple[Rate, Rate | None, Rate]:
    store = RawStore(raw)
    serial = itertools.count()

    def write_note(store: RawStore = store) -> None:
        i = next(serial)
        store.write_note(pool[i % len(pool)], f"bench/{i:07d}.md")

    log(f"... {backend.name} driver: notes, sequential")
    sequential = timed_sync(write_note, opts.warmup, opts.seconds)
    concurrent = None
    if backend.name == "postgresql":
        log(f"... {backend.name} driver: notes, {opts.concurrency} threads")
        conns = [backend.raw(url) for _ in range(opts.concurrency)]
        spare = [RawStore(c) for c in conns]
        own = threading.local()

        def write_own() -> None:
            if not hasattr(own, "store"):
                own.store = spare.pop()
            write_note(own.store)

        try:
            concurrent = timed_threads(write_own, opts.concurrency, opts.warmup, opts.seconds)
        finally:
            for conn in conns:
                conn.close()
    log(f"... {backend.name} driver: cards and prompts")
    mix = RawMix(store)
    mix.setup()
    mixed = timed_sync(mix.step, opts.warmup, opts.seconds)
    return sequential, concurrent, mixed


async def _load(wb: Workbench, docs: list[NoteDoc], concurrency: int) -> Rate:
    pending = iter(enumerate(docs, 1))
    quarter = max(1, len(docs) // 4)

    async def work() -> None:
        for serial, doc in pending:
            await wb.notes.write(doc.path, doc.body, frontmatter=doc.frontmatter, actor=ACTOR)
            if serial % quarter == 0:
                log(f"    {serial:,} notes sent")

    window = Window()
    await asyncio.gather(*(work() for _ in range(concurrency)))
    return window.rate(len(docs))


async def _service_search(wb: Workbench, queries: list[Query]) -> tuple[list[float], list[int]]:
    times, hits = [], []
    for query in queries:
        start = time.perf_counter()
        found = await wb.notes.search(query.text, limit=SEARCH_LIMIT, tag=query.tag)
        times.append((time.perf_counter() - start) * 1000)
        hits.append(len(found))
    return times, hits


def _raw_search(raw: RawConnection, queries: list[Query]) -> tuple[list[float], list[int]]:
    times, hits = [], []
    for query in queries:
        start = time.perf_counter()
        hits.append(raw.search(query, SEARCH_LIMIT))
        times.append((time.perf_counter() - start) * 1000)
    return times, hits


def _search_result(
    queries: list[Query],
    service: tuple[list[float], list[int]],
    raw: tuple[list[float], list[int]],
) -> Search:
    ours, ref = percentiles(service[0]), percentiles(raw[0])
    by_kind = {}
    for kind in QUERY_KINDS:
        picks = [i for i, q in enumerate(queries) if q.kind == kind]
        if picks:
            by_kind[kind] = {
                "service_p50": percentiles([service[0][i] for i in picks])["p50"],
                "raw_p50": percentiles([raw[0][i] for i in picks])["p50"],
                "mean_hits": sum(service[1][i] for i in picks) / len(picks),
            }
    return Search(
        queries=len(queries),
        service=ours,
        raw=ref,
        ratio={k: ours[k] / ref[k] for k in ours if ref.get(k)},
        by_kind=by_kind,
        mean_hits=sum(service[1]) / len(queries),
        mismatches=sum(a != b for a, b in zip(service[1], raw[1], strict=True)),
    )


def run_backend(backend: Backend, runner: asyncio.Runner, opts: Options) -> BackendResult:
    """Every phase on one backend."""
    result = BackendResult(backend.name)
    corpus = Corpus(SEED)
    pool = [corpus.note("bench") for _ in range(256)]

    # 1. Mutations: the service on one fresh store, the driver on another.
    url = backend.fresh_url("service")
    wb = Workbench.open(database_url=url)
    try:
        runner.run(wb.start())
        result.durability["service"] = service_durability(wb)
        rates = runner.run(_service_throughput(wb, pool, opts))
    finally:
        wb.close()
    raw_url = backend.fresh_url("raw")
    migrated(raw_url)
    raw = backend.raw(raw_url)
    try:
        result.durability["raw"] = raw.durability()
        raw_rates = _raw_throughput(backend, raw, raw_url, pool, opts)
    finally:
        raw.close()
    sequential_ref = "raw sequential (one writer)"
    references = [
        ("notes.write, sequential", raw_rates[0], "raw sequential"),
        (
            f"notes.write, {opts.concurrency} coroutines",
            raw_rates[1] or raw_rates[0],
            f"raw, {opts.concurrency} threads" if raw_rates[1] else sequential_ref,
        ),
        ("cards created+moved, prompts versioned", raw_rates[2], "raw sequential"),
    ]
    for (phase, ref, label), ours in zip(references, rates, strict=True):
        result.throughput.append(Throughput(phase, ours, ref, ours.per_s / ref.per_s, label))

    # 2. Bulk load and search.
    log(f"... generating {opts.notes:,} notes")
    docs = [corpus.note() for _ in range(opts.notes)]
    result.corpus_bytes = sum(len(d.body.encode()) for d in docs)
    queries = corpus.queries(opts.queries)
    url = backend.fresh_url("search")
    wb = Workbench.open(database_url=url)
    raw = backend.raw(url)
    try:
        runner.run(wb.start())
        log(f"... loading {opts.notes:,} notes, {opts.load_concurrency} coroutines")
        loaded = runner.run(_load(wb, docs, opts.load_concurrency))
        result.load = {
            "notes": opts.notes,
            "concurrency": opts.load_concurrency,
            "seconds": loaded.seconds,
            "notes_per_s": loaded.per_s,
        }
        del docs
        log(f"... {opts.queries} searches, through the service and the driver")
        _raw_search(raw, queries)  # warm the page cache and both paths
        runner.run(_service_search(wb, queries))
        service = runner.run(_service_search(wb, queries))
        reference = _raw_search(raw, queries)
        result.search = _search_result(queries, service, reference)
    finally:
        raw.close()
        wb.close()
    result.database_bytes = backend.size(url)
    return result


# -- report ---------------------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def _cpu(rate: Rate, flag: bool) -> str:
    cpu = "-" if rate.cpu is None else f"{rate.cpu:.2f}"
    other = "-" if rate.other_cpu is None else f"{rate.other_cpu:.2f}"
    return f"{cpu:>5} {other:>5}" + (" *" if flag and rate.noisy else "  ")


def _report_backend(res: BackendResult) -> None:
    # A local PostgreSQL server's own CPU shows as "other": it is not noise there.
    flag = res.backend == "sqlite"
    print(
        f"\n[{res.backend}] service: {res.durability['service']}; driver: {res.durability['raw']}"
    )
    header = (
        f"{'mutations/s':<40} {'service':>9} {'cpu':>5} {'other':>5}   "
        f"{'raw':>9} {'cpu':>5} {'other':>5}   {'service/raw':>11}"
    )
    print(header)
    print("-" * len(header))
    for t in res.throughput:
        print(
            f"{t.phase:<40} {t.service.per_s:>9,.0f} {_cpu(t.service, flag)} "
            f"{t.raw.per_s:>9,.0f} {_cpu(t.raw, flag)} {t.ratio:>10.3f}x"
        )
    refs = ", ".join(f"{t.phase.split(',')[0]}: {t.reference}" for t in res.throughput[1:2])
    print(f"(cpu/other: cores used by this process / by everything else; {refs})")
    if flag and any(t.service.noisy or t.raw.noisy for t in res.throughput):
        print(f"* other processes used more than {_NOISY:g} core: rerun for a reliable figure")
    load, notes = res.load, max(1, int(res.load.get("notes", 1)))
    print(
        f"\nLoad: {notes:,} notes ({_mb(res.corpus_bytes)} of Markdown) through notes.write, "
        f"{int(load['concurrency'])} coroutine(s): {load['seconds']:.1f} s, "
        f"{load['notes_per_s']:,.0f} notes/s"
    )
    if res.search is not None:
        s = res.search
        print(
            f"Search: {s.queries} queries, limit {SEARCH_LIMIT}, {s.mean_hits:.1f} hits on average"
        )
        print(f"  {'ms':<24} {'p50':>7} {'p95':>7} {'p99':>7} {'mean':>7}")
        for label, row, unit in (
            ("service notes.search", s.service, " "),
            ("driver, same SQL", s.raw, " "),
            ("service/raw", s.ratio, "x"),
        ):
            cells = " ".join(f"{row[k]:>6.2f}{unit}" for k in ("p50", "p95", "p99", "mean"))
            print(f"  {label:<24} {cells}")
        kinds = ", ".join(
            f"{kind} {v['service_p50']:.2f}/{v['raw_p50']:.2f}" for kind, v in s.by_kind.items()
        )
        print(f"  p50 by kind, service/driver ms: {kinds}")
        if s.mismatches:
            print(f"  ! {s.mismatches} queries found a different number of hits than the driver")
    print(
        f"Database after the load: {_mb(res.database_bytes)}, "
        f"{res.database_bytes / notes / 1000:.1f} kB per note "
        f"(the Markdown alone: {res.corpus_bytes / notes / 1000:.1f} kB)"
    )


def report(results: list[BackendResult], opts: Options, peak_rss: int, loop: str) -> None:
    print(
        f"\nStore benchmark: {opts.seconds:g} s per phase after {opts.warmup:g} s warmup; "
        f"Python {sys.version.split()[0]} on {loop}; SQLite {sqlite3.sqlite_version}; "
        f"{os.cpu_count()} CPUs"
    )
    for res in results:
        _report_backend(res)
    print(f"\nPeak RSS of this process: {_mb(peak_rss)}")


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description="Store mutations/s and search latency: the service vs the bare driver."
    )
    parser.add_argument("--notes", type=int, default=10_000, help="notes loaded before searching")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per phase")
    parser.add_argument("--warmup", type=float, default=0.5, help="warmup seconds per phase")
    parser.add_argument("--concurrency", type=int, default=32, help="coroutines writing at once")
    parser.add_argument(
        "--load-concurrency", type=int, default=4, help="coroutines loading the notes"
    )
    parser.add_argument("--queries", type=int, default=300, help="searches timed")
    parser.add_argument(
        "--database-url",
        help="postgresql+psycopg://... to run against PostgreSQL too (its role needs CREATEDB)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.database_url and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url must be a PostgreSQL URL (SQLite always runs)")
    return Options(
        notes=max(1, args.notes),
        seconds=args.seconds,
        warmup=args.warmup,
        concurrency=max(1, args.concurrency),
        load_concurrency=max(1, args.load_concurrency),
        queries=max(1, args.queries),
        database_url=args.database_url,
        json=args.json,
    )


def _peak_rss() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    factory, loop = loop_factory()
    backends: list[Backend] = [SqliteBackend()]
    if opts.database_url:
        backends.append(PostgresBackend(opts.database_url))
    results: list[BackendResult] = []
    started = time.perf_counter()
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            for backend in backends:
                log(f"[{backend.name}]")
                results.append(run_backend(backend, runner, opts))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for backend in backends:
            backend.cleanup()
    log(f"done in {time.perf_counter() - started:.0f} s")
    peak = _peak_rss()
    if opts.json:
        config = asdict(opts)
        if opts.database_url:
            config["database_url"] = make_url(opts.database_url).render_as_string()
        document = {
            "config": config
            | {
                "cpus": os.cpu_count(),
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "loop": loop,
            },
            "backends": [asdict(r) for r in results],
            "peak_rss_bytes": peak,
        }
        print(json.dumps(document, indent=2))
    else:
        report(results, opts, peak, loop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
