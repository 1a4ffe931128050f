"""Catalog sync: what one change costs a mirror of a big catalog, delta against snapshot.

An engine with ``--tools`` registered tools (default 10 000) serves TCP on 127.0.0.1. A
client takes a snapshot, then one tool is replaced; timed over ``--rounds`` rounds:

* ``snapshot``: ``workbench/catalog/snapshot`` (the reference: what a mirror without
  deltas must fetch after every change),
* ``delta``: ``workbench/catalog/delta {since}`` for that one change (its checksum
  included), and the bytes each answer takes on the wire.

Run: ``.venv/bin/python bench/catalog.py [--tools 10000] [--rounds 20] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import Any

import orjson

from bench.processes import log, loop_factory
from mcp_workbench import Settings
from mcp_workbench.app import build_engine
from mcp_workbench.registry import Tool
from mcp_workbench.transports.sockets import start_tcp_server


def _tool(n: int, revision: int = 0) -> Tool:
    def run(text: str, count: int = 1) -> str:
        return text * count

    description = f"Tool number {n}, revision {revision}: repeats a text."
    return Tool.from_function(run, name=f"bench.tool_{n:05d}", description=description)


class _Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.rid = reader, writer, 0

    async def request(self, method: str, **params: Any) -> tuple[dict[str, Any], int]:
        """The answer and its size in bytes (notifications on the way are skipped)."""
        self.rid += 1
        body = {"jsonrpc": "2.0", "id": self.rid, "method": method, "params": params}
        self.writer.write(orjson.dumps(body) + b"\n")
        await self.writer.drain()
        while True:
            line = await asyncio.wait_for(self.reader.readline(), 60)
            message: dict[str, Any] = orjson.loads(line)
            if message.get("id") == self.rid:
                return message, len(line)


async def run(tools: int, rounds: int) -> dict[str, Any]:
    settings = Settings(entry_points=False, builtin_tools=False, store=False, page_size=1000)
    engine = build_engine(settings)
    for n in range(tools):
        engine.registry.add_tool(_tool(n))
    server = await start_tcp_server(engine, "127.0.0.1", 0)
    host, port = server.address.rsplit(":", 1)
    client = _Client(*await asyncio.open_connection(host, int(port), limit=256 * 1024 * 1024))
    handshake = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {}}
    await client.request("initialize", **handshake)
    snapshots: list[float] = []
    deltas: list[float] = []
    sizes = {"snapshot": 0, "delta": 0}
    try:
        for revision in range(1, rounds + 1):
            started = time.perf_counter()
            snap, sizes["snapshot"] = await client.request("workbench/catalog/snapshot")
            snapshots.append(time.perf_counter() - started)
            seq = snap["result"]["seq"]
            engine.registry.add_tool(_tool(revision % tools, revision))
            started = time.perf_counter()
            delta, sizes["delta"] = await client.request("workbench/catalog/delta", since=seq)
            deltas.append(time.perf_counter() - started)
            changes = delta["result"]["changes"]
            assert len(changes) == 1, changes
            assert changes[0]["item"]["description"].endswith(
                f"revision {revision}: repeats a text."
            )
    finally:
        client.writer.close()
        await server.close()
        await engine.shutdown()
    return {
        "tools": tools,
        "rounds": rounds,
        "snapshot_ms": statistics.median(snapshots) * 1000,
        "delta_ms": statistics.median(deltas) * 1000,
        "snapshot_bytes": sizes["snapshot"],
        "delta_bytes": sizes["delta"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tools", type=int, default=10_000, help="tools in the catalog")
    parser.add_argument("--rounds", type=int, default=20, help="changes timed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    factory, loop = loop_factory()
    log(f"... {args.tools:,} tools, {args.rounds} changes, {loop}")
    with asyncio.Runner(loop_factory=factory) as runner:
        figures = runner.run(run(max(1, args.tools), max(1, args.rounds)))
    if args.json:
        print(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
        return 0
    print(f"Catalog sync over TCP: {figures['tools']:,} tools, one replaced per round")
    print(f"  {'':28} {'median ms':>10} {'bytes':>12}")
    for what in ("snapshot", "delta"):
        ms, size = figures[f"{what}_ms"], figures[f"{what}_bytes"]
        print(f"  {what:28} {ms:10.2f} {size:12,}")
    time_ratio = figures["delta_ms"] / figures["snapshot_ms"]
    size_ratio = figures["delta_bytes"] / figures["snapshot_bytes"]
    print(
        f"One change as a delta: {time_ratio:.3f}x the snapshot's time, {size_ratio:.4f}x its bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
