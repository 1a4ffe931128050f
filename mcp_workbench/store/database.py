"""The database: one SQLAlchemy engine, migrations, and threads for blocking work.

SQLite (the default) runs in WAL mode with one writer thread, so writes never wait on each
other's locks; PostgreSQL writers take a transaction-scoped advisory lock, so event ``seq``
values commit in order even with several nodes. Nothing here runs on the event loop:
callers ``await`` :meth:`Database.write` / :meth:`Database.read`, which use worker threads.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from mcp_workbench.errors import StoreError, WorkbenchError
from mcp_workbench.store.migrations import upgrade

__all__ = ["Database", "sqlite_url"]

T = TypeVar("T")

# Any fixed number works; it names "the workbench event log" among advisory locks.
_PG_WRITE_LOCK = 0x6D637077  # "mcpw"


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path)}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. NORMAL is durable against a process crash
    # (only an OS crash or power loss may lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """A store database at ``url`` (``sqlite:///file`` or ``postgresql+psycopg://...``)."""

    def __init__(self, url: str, *, readers: int = 4) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 10}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=readers + 2)
        else:
            raise WorkbenchError(f"unsupported database {self.dialect!r}: use SQLite or PostgreSQL")
        # One writer thread: commits (and what runs right after them) happen in seq order.
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="store-write")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="store-read")

    @property
    def is_sqlite(self) -> bool:
        """True on SQLite, where full-text search is FTS5."""
        return self.dialect == "sqlite"

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (blocking; call before serving).

        Raises:
            StoreError: the database cannot be reached or migrated.
        """
        try:
            with self.engine.begin() as connection:
                upgrade(connection)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot migrate the store at {self.safe_url}: {exc}") from exc

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def transaction(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one write transaction, now, on this thread.

        Raises:
            StoreError: the database failed (the transaction is rolled back).
        """
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                if self.dialect == "postgresql":
                    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})
                return fn(session)
        except SQLAlchemyError as exc:
            raise StoreError(f"store write failed: {exc}") from exc

    def query(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a read-only session, now, on this thread.

        Raises:
            StoreError: the database failed.
        """
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                return fn(session)
        except SQLAlchemyError as exc:
            raise StoreError(f"store read failed: {exc}") from exc

    async def write(
        self, fn: Callable[[Session], T], *, then: Callable[[T], None] | None = None
    ) -> T:
        """Run ``fn`` in one write transaction on the writer thread.

        ``then(result)`` runs on the same thread right after the commit, before the next
        write starts: the place to hand committed events on in commit order.

        Raises:
            StoreError: the database failed (nothing was written).
        """

        def run(fn: Callable[[Session], T]) -> T:
            result = self.transaction(fn)
            if then is not None:
                then(result)
            return result

        return await self._submit(self._writer, run, fn)

    async def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a session on a reader thread.

        Raises:
            StoreError: the database failed.
        """
        return await self._submit(self._readers, self.query, fn)

    @staticmethod
    async def _submit(
        pool: ThreadPoolExecutor, runner: Callable[[Callable[[Session], T]], T], fn: Any
    ) -> T:
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        return await loop.run_in_executor(pool, ctx.run, runner, fn)

    def close(self) -> None:
        """Wait for running work, then close every connection."""
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        self.engine.dispose()
