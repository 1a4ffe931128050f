"""ToolExecutor: threads for sync tools, the loop for coroutines, deadlines, logs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Connect, run_cli, stdio_args


async def test_sync_tools_run_in_worker_threads(connect_modern: Connect) -> None:
    async with connect_modern() as client:
        sync = await client.call_tool("where_am_i", {})
        coro = await client.call_tool("where_am_i_async", {})
    assert sync.content[0].text.startswith("mcp-tool")  # type: ignore[union-attr]
    assert coro.content[0].text == "MainThread"  # type: ignore[union-attr]


async def test_per_tool_deadline(connect_modern: Connect) -> None:
    async with connect_modern() as client:
        result = await client.call_tool("too_slow", {})
        assert result.is_error
        assert result.content[0].text == "Tool too_slow timed out after 0.2 s"  # type: ignore[union-attr]
        assert (await client.call_tool("echo", {"text": "next"})).content[0].text == "next"  # type: ignore[union-attr]


def test_structured_log_lines(tmp_path: Path) -> None:
    frames = (
        '{"jsonrpc":"2.0","method":"notifications/unheard-of"}\n'
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fail",'
        '"arguments":{"message":"x"},"_meta":{"io.modelcontextprotocol/protocolVersion":'
        '"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}\n'
    )
    result = run_cli(*stdio_args("--log-format", "json", "--log-level", "DEBUG"), input=frames)
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert records, result.stderr
    assert all({"ts", "level", "logger", "message"} <= set(r) for r in records)
    messages = [r["message"] for r in records]
    assert "ignored notification notifications/unheard-of" in messages
    assert any(r["level"] == "WARNING" and "tool fail failed" in r["message"] for r in records)
    assert json.loads(result.stdout)["result"]["isError"] is True
