"""``mcp-workbench proxy`` as a desktop client runs it: the official SDK client spawns it
over stdio, in front of a real upstream server process on 127.0.0.1 that is killed
(SIGKILL) and started again on the same port."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

from mcp_workbench.engine.catalog import catalog_checksum
from mcp_workbench.proxy.server import UPSTREAM_UNAVAILABLE
from tests.conftest import FIXTURE_TOOLS, ROOT, proxy_command, server_env
from tests.serving import Listener

pytestmark = pytest.mark.timeout(120)


@contextmanager
def running_upstream() -> Iterator[Listener]:
    upstream = Listener(FIXTURE_TOOLS, server_env())
    upstream.start()
    try:
        yield upstream
    finally:
        upstream.kill()


@pytest.fixture
def upstream() -> Iterator[Listener]:
    with running_upstream() as server:
        yield server


@asynccontextmanager
async def proxied(*urls: str, cache: Path | None = None) -> AsyncIterator[Client]:
    extra = ["--heartbeat", "0.5", "--cache-dir", str(cache)] if cache else ["--no-cache"]
    if not cache:
        extra += ["--heartbeat", "0.5"]
    command = proxy_command(*urls, extra=extra)
    target = StdioServerParameters(
        command=command[0], args=command[1:], env=server_env(), cwd=str(ROOT)
    )
    async with Client(target, mode="legacy", cache=None, read_timeout_seconds=20) as client:
        yield client


async def _all_tools(client: Client) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await client.list_tools(cursor=cursor)
        tools += [t.model_dump(by_alias=True, exclude_none=True) for t in page.tools]
        if (cursor := page.next_cursor) is None:
            return tools


async def _eventually(check: Any, *, within: float = 20.0) -> None:
    for _ in range(int(within / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the condition did not hold in time")


@pytest.mark.parametrize("transport", ["ws", "http"])
async def test_lists_and_calls_go_through(upstream: Listener, transport: str) -> None:
    url = upstream.ws_url if transport == "ws" else upstream.http_url
    async with proxied(url) as client:
        names = {t["name"] for t in await _all_tools(client)}
        assert {"echo", "add", "slow"} <= names
        result = await client.call_tool("echo", {"text": "through"})
        assert not result.is_error
        assert result.content[0].text == "through"  # type: ignore[union-attr]
        added = await client.call_tool("add", {"numbers": [2, 3]})
        assert added.structured_content == {"total": 5, "count": 2}
        with pytest.raises(MCPError) as err:
            await client.call_tool("no-such-tool", {})
        assert err.value.error.code == -32602  # the upstream's own error, relayed


async def test_progress_comes_back(upstream: Listener) -> None:
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    async with proxied(upstream.ws_url) as client:
        result = await client.call_tool("slow", {"steps": 3}, progress_callback=on_progress)
        assert not result.is_error
        assert seen == [1, 2, 3]


async def test_upstream_killed_and_restarted(tmp_path: Path) -> None:
    """Lists keep being answered while the upstream is down; calls fail at once with a
    clear error (no hang); after the restart (a new catalog epoch) the proxy reconnects,
    takes a snapshot and serves calls again."""
    with running_upstream() as upstream:
        async with proxied(upstream.ws_url, cache=tmp_path) as client:
            before = await _all_tools(client)
            upstream.kill()
            assert await _all_tools(client) == before  # from the mirror

            errors: list[MCPError] = []

            async def refused() -> bool:
                try:
                    await client.call_tool("echo", {"text": "x"})
                except MCPError as exc:
                    errors.append(exc)
                    return True
                return False

            await asyncio.wait_for(_eventually(refused), 30)
            assert errors[-1].error.code == UPSTREAM_UNAVAILABLE
            assert "unavailable" in errors[-1].error.message or "lost" in errors[-1].error.message
            upstream.start()

            async def answered() -> bool:
                try:
                    result = await client.call_tool("echo", {"text": "back"})
                except MCPError:
                    return False
                return result.content[0].text == "back"  # type: ignore[union-attr]

            await asyncio.wait_for(_eventually(answered, within=30), 40)
            assert await _all_tools(client) == before

        # A proxy started while the upstream is down answers lists from its disk cache.
        upstream.kill()
        async with proxied(upstream.ws_url, cache=tmp_path) as offline:
            assert await _all_tools(offline) == before
        status = await asyncio.to_thread(
            subprocess.run,
            proxy_command(extra=["--status", "--json", "--cache-dir", str(tmp_path)]),
            capture_output=True,
            text=True,
            env=server_env(),
            cwd=str(ROOT),
            timeout=30,
            check=True,
        )
        report = json.loads(status.stdout)
        (cached,) = report["cached"]
        assert cached["upstream"] == upstream.ws_url
        assert cached["seq"] is not None
        assert cached["items"]["tools"] == len(before)


def _only_cache_file(directory: Path) -> dict[str, Any]:
    (path,) = directory.glob("*.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


async def test_the_cache_holds_the_servers_catalog(upstream: Listener, tmp_path: Path) -> None:
    """The mirror on disk has the checksum the server computes for its catalog."""
    async with proxied(upstream.ws_url, cache=tmp_path) as client:
        await _all_tools(client)
    cached = await asyncio.to_thread(_only_cache_file, tmp_path)
    assert catalog_checksum(cached["items"]) == cached["checksum"]


async def test_federation_mounts_upstreams_under_namespaces() -> None:
    with running_upstream() as first, running_upstream() as second:
        async with proxied(f"lab={first.ws_url}", f"team={second.http_url}") as client:
            names = {t["name"] for t in await _all_tools(client)}
            assert {"lab.echo", "team.echo"} <= names
            assert "echo" not in names
            one = await client.call_tool("lab.echo", {"text": "a"})
            two = await client.call_tool("team.echo", {"text": "b"})
            assert [one.content[0].text, two.content[0].text] == ["a", "b"]  # type: ignore[union-attr]
            second.kill()
            with pytest.raises(MCPError) as err:
                await client.call_tool("team.echo", {"text": "c"})
            assert err.value.error.code == UPSTREAM_UNAVAILABLE
            still = await client.call_tool("lab.echo", {"text": "d"})
            assert still.content[0].text == "d"  # type: ignore[union-attr]


def test_bad_command_lines_get_clear_errors() -> None:
    for args, message in (
        ([], "at least one --upstream"),
        (["--upstream", "ftp://x"], "ws(s)://"),
        (["--upstream", "ws://a/ws", "--upstream", "ws://b/ws"], "NAME=URL"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "mcp_workbench.cli", "proxy", *args],
            check=False,
            capture_output=True,
            text=True,
            env=server_env(),
            cwd=str(ROOT),
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 2, done
        assert message in done.stderr
