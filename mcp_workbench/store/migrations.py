"""Alembic migrations of the store, run on start and by ``mcp-workbench db upgrade``.

The scripts live in ``store/alembic`` (shipped in the wheel); this module drives them
programmatically on a connection the caller opened, so no ``alembic.ini`` is needed.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

__all__ = ["SCRIPTS", "current_revision", "head_revision", "upgrade"]

SCRIPTS = Path(__file__).with_name("alembic")


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# Alembic's ``op`` and ``context`` are module globals: one migration run at a time.
_RUNNING = threading.Lock()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate the database behind ``connection`` to ``revision``."""
    with _RUNNING:
        command.upgrade(_config(connection), revision)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()
