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
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from mcp_workbench.errors import StoreError
from mcp_workbench.store.migrations import upgrade

__all__ = ["Database", "sqlite_url"]

T = TypeVar("T")

# Any fixed number works; it names "the workbench event log" among advisory locks.
_PG_WRITE_LOCK = 0x6D637077  # "mcpw"


_MIGRATION_LOCK = 0x6D6370776200  # "mcpwb": the advisory lock key migrations take


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path)}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling starts a transaction only at the first write,
    # so a write's reads (version checks) would run outside it; we issue BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. NORMAL is durable against a process crash
    # (only an OS crash or power loss may lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A write takes the database's write lock up front (IMMEDIATE), so what it read and
    # checked cannot be changed by another process before it commits.
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """A store database at ``url`` (``sqlite:///file`` or ``postgresql+psycopg://...``)."""

    def __init__(self, url: str, *, readers: int = 4) -> None:
        """Raises:
        StoreError: the URL is malformed, names another database, or its driver or
            directory is missing.
        """
        self.url = url
        try:
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
                event.listen(self.engine, "begin", _sqlite_begin)
            elif self.dialect == "postgresql":
                self.engine = create_engine(url, pool_pre_ping=True, pool_size=readers + 2)
            else:
                raise StoreError(
                    f"unsupported database {self.dialect!r}: use sqlite:/// or postgresql+psycopg://"
                )
        except (SQLAlchemyError, OSError, ImportError) as exc:
            raise StoreError(f"cannot open the store: {exc}") from exc
        self._write_engine = self.engine.execution_options(sqlite_immediate=True)
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
            # One migration at a time across processes (two starting on a fresh store
            # would both create the tables): SQLite's write lock taken up front, or a
            # PostgreSQL advisory lock held until the transaction ends.
            with (
                self.engine.connect().execution_options(sqlite_immediate=True) as connection,
                connection.begin(),
            ):
                if not self.is_sqlite:
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                upgrade(connection)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot migrate the store at {self.safe_url}: {exc}") from exc

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def transaction(self, fn: Callable[[Session], T], *, rollback: bool = False) -> T:
        """Run ``fn`` in one write transaction, now, on this thread; with ``rollback``,
        undo it afterwards (to try a change, or to compare a replay with the state).

        Raises:
            StoreError: the database failed (the transaction is rolled back).
        """
        try:
            with Session(self._write_engine, expire_on_commit=False) as session:
                session.begin()
                try:
                    if self.dialect == "postgresql":
                        session.execute(
                            text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK}
                        )
                    result = fn(session)
                except BaseException:
                    session.rollback()
                    raise
                if rollback:
                    session.rollback()
                else:
                    session.commit()
                return result
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
        self,
        fn: Callable[[Session], T],
        *,
        then: Callable[[T], None] | None = None,
        rollback: bool = False,
    ) -> T:
        """Run ``fn`` in one write transaction on the writer thread.

        ``then(result)`` runs on the same thread right after the commit, before the next
        write starts: the place to hand committed events on in commit order. With
        ``rollback`` the transaction is undone instead of committed.

        Raises:
            StoreError: the database failed (nothing was written).
        """

        def run(fn: Callable[[Session], T]) -> T:
            result = self.transaction(fn, rollback=rollback)
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
