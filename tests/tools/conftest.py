"""Servers with the store on, and the SDK client to talk to them over stdio and HTTP."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from mcp_workbench import Settings
from mcp_workbench.app import WorkbenchServer
from mcp_workbench.transports.http_server import start_http_server
from tests.conftest import POSTGRES_URL, ROOT, fresh_data_dir, postgres_database, server_env

StoreConnect = Callable[..., AbstractAsyncContextManager[Client]]

# The current revision over both transports, and the newest handshake one (notifications
# and subscriptions work differently there).
COMBINATIONS = [("stdio", "2026-07-28"), ("http", "2026-07-28")]
LEGACY = [("stdio", "2025-11-25"), ("http", "2025-11-25")]


class StoreServer:
    """A workbench with its store, served over HTTP in this process."""

    def __init__(self, server: WorkbenchServer, url: str) -> None:
        self.server = server
        self.url = url


@pytest.fixture(scope="session")
def store_database_url() -> Iterator[str | None]:
    """The store the session's servers share: PostgreSQL when the test server is configured
    (then this suite runs on PostgreSQL), else None (SQLite in each server's data dir)."""
    if POSTGRES_URL is None:
        yield None
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture(scope="session")
async def store_http_server(store_database_url: str | None) -> AsyncIterator[StoreServer]:
    """One HTTP workbench server with a store of its own for the session."""
    settings = Settings(
        entry_points=False,
        data_dir=fresh_data_dir(),
        database_url=store_database_url,
        tool_timeout=10.0,
    )
    server = WorkbenchServer(settings)
    await server.start()
    http, transport, port = await start_http_server(server.engine, "127.0.0.1", 0)
    yield StoreServer(server, f"http://127.0.0.1:{port}/mcp")
    http.stop()
    await transport.close()
    await server.engine.shutdown()
    server.close()


@pytest.fixture(scope="session")
def stdio_data_dir() -> Path:
    """The data directory every stdio server of the session shares (so state persists
    across processes, as it does for a desktop client restarting the server)."""
    return fresh_data_dir()


def _factory(
    transport: str,
    revision: str,
    http: StoreServer,
    data_dir: Path,
    database_url: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> StoreConnect:
    if revision != "2026-07-28":
        import mcp.client.session

        monkeypatch.setattr(mcp.client.session, "LATEST_HANDSHAKE_VERSION", revision)

    @asynccontextmanager
    async def open_client(**options: Any) -> AsyncIterator[Client]:
        target: Any = http.url
        if transport == "stdio":
            target = StdioServerParameters(
                command=sys.executable,
                args=["-m", "mcp_workbench.cli", "stdio", "--no-entry-points"]
                + (["--database-url", database_url] if database_url else []),
                env=server_env(data_dir),
                cwd=str(ROOT),
            )
        options.setdefault("read_timeout_seconds", 20)
        mode = "auto" if revision == "2026-07-28" else "legacy"
        async with Client(target, mode=mode, cache=None, **options) as client:
            assert client.protocol_version == revision
            yield client

    open_client.transport = transport  # type: ignore[attr-defined]
    open_client.revision = revision  # type: ignore[attr-defined]
    return open_client


@pytest.fixture(params=COMBINATIONS, ids=[f"{t}-{r}" for t, r in COMBINATIONS])
def store_connect(
    request: pytest.FixtureRequest,
    store_http_server: StoreServer,
    stdio_data_dir: Path,
    store_database_url: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> StoreConnect:
    """An SDK client of a workbench with its store, over stdio or HTTP."""
    transport, revision = request.param
    return _factory(
        transport, revision, store_http_server, stdio_data_dir, store_database_url, monkeypatch
    )


@pytest.fixture(params=COMBINATIONS + LEGACY, ids=[f"{t}-{r}" for t, r in COMBINATIONS + LEGACY])
def store_connect_any(
    request: pytest.FixtureRequest,
    store_http_server: StoreServer,
    stdio_data_dir: Path,
    store_database_url: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> StoreConnect:
    """Like ``store_connect``, and also speaking the newest handshake revision."""
    transport, revision = request.param
    return _factory(
        transport, revision, store_http_server, stdio_data_dir, store_database_url, monkeypatch
    )
