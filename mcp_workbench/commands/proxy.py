"""``mcp-workbench proxy``: a desktop client's stdio server in front of remote workbenches.

    mcp-workbench proxy --upstream wss://host/mcp/ws --token-file ~/.config/wb-token
    mcp-workbench proxy --upstream lab=https://a/mcp --upstream team=wss://b/mcp/ws
    mcp-workbench proxy --status

The client starts the command; the proxy answers lists from its mirror of the upstream's
catalog (kept on disk, so lists work while the upstream is down) and forwards calls.
``--status`` shows each cached upstream: its state (when a proxy runs for it), its seq and
its last sync.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from mcp_workbench.commands.common import Subparsers
    from mcp_workbench.proxy.server import Mount, Proxy

# What the proxy runs is imported when it runs: ``mcp-workbench`` starts fast for every
# command (the engine brings jsonschema's format checkers, see cli._skip_slow_format_checkers).

__all__ = ["add_proxy_command", "run_proxy"]

_STATUS_EVERY = 1.0


def add_proxy_command(sub: Subparsers) -> None:
    """Register ``proxy``."""
    parser = sub.add_parser(
        "proxy",
        help="serve MCP on stdio in front of remote workbench servers (for desktop clients)",
        description="A thin local MCP server on stdio: lists come from a mirror of the "
        "upstream's catalog (also while it is down), calls are forwarded to it.",
    )
    parser.add_argument(
        "--upstream",
        action="append",
        metavar="[NAME=]URL",
        default=[],
        help="ws(s)://…/mcp/ws or http(s)://…/mcp; with several, each NAME= is its namespace",
    )
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help="file holding the bearer token (default: $MCP_WORKBENCH_TOKEN)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where mirrors are kept (default: $MCP_WORKBENCH_PROXY_CACHE, or the user's cache "
        "folder)",
    )
    parser.add_argument("--no-cache", action="store_true", help="keep the mirror in memory only")
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=15.0,
        metavar="S",
        help="seconds between pings that notice a silent network (default 15)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds a call waits for a down upstream before failing (default 0)",
    )
    parser.add_argument(
        "--status", action="store_true", help="show the cached upstreams and running proxies"
    )
    parser.add_argument("--json", action="store_true", help="--status as JSON")


def _mounts(values: list[str]) -> list[Mount]:
    from mcp_workbench.proxy.server import Mount

    mounts = []
    for value in values:
        name, sep, url = value.partition("=")
        if sep and "://" not in name:
            mounts.append(Mount(url, name))
        else:
            mounts.append(Mount(value, None))
    if len(mounts) > 1 and any(m.namespace is None for m in mounts):
        raise ValueError("with several --upstream, name each one: NAME=URL")
    return mounts


def _token(args: argparse.Namespace) -> str | None:
    if args.token_file:
        return Path(args.token_file).expanduser().read_text(encoding="utf-8").strip() or None
    return os.environ.get("MCP_WORKBENCH_TOKEN") or None


def run_proxy(args: argparse.Namespace) -> int:
    """Run the proxy on stdio (or print ``--status``); returns the exit status."""
    from mcp_workbench.proxy.mirror import cache_dir
    from mcp_workbench.transports.stdio import claim_stdout

    directory = Path(args.cache_dir).expanduser() if args.cache_dir else cache_dir()
    if args.status:
        return _print_status(directory, as_json=args.json)
    protocol_out = claim_stdout()
    try:
        if not args.upstream:
            raise ValueError("give at least one --upstream URL")
        mounts = _mounts(args.upstream)
        for mount in mounts:
            if not mount.url.startswith(("ws://", "wss://", "http://", "https://")):
                raise ValueError(
                    f"upstream URL must start with ws(s):// or http(s)://: {mount.url}"
                )
        token = _token(args)
    except (ValueError, OSError) as exc:
        print(f"mcp-workbench proxy: error: {exc}", file=sys.stderr)
        return 2
    from mcp_workbench.logs import configure_logging

    configure_logging(os.environ.get("MCP_WORKBENCH_LOG_LEVEL", "WARNING"), "text")
    with contextlib.suppress(KeyboardInterrupt):
        _run(
            _serve(
                mounts,
                token,
                None if args.no_cache else directory,
                heartbeat=args.heartbeat,
                wait=args.wait,
                protocol_out=protocol_out,
            )
        )
    return 0


async def _serve(
    mounts: list[Mount],
    token: str | None,
    directory: Path | None,
    *,
    heartbeat: float,
    wait: float,
    protocol_out: BinaryIO,
) -> None:
    from mcp_workbench.proxy.server import Proxy
    from mcp_workbench.transports.stdio import serve_stdio

    proxy = Proxy(mounts, token, cache=directory, heartbeat=heartbeat, timeout=10.0, call_wait=wait)
    proxy.start()
    reporter = asyncio.ensure_future(_report(proxy, directory)) if directory else None
    try:
        await serve_stdio(proxy.engine, stdout=protocol_out)
    finally:
        if reporter is not None:
            reporter.cancel()
        await proxy.stop()
        if directory is not None:
            _status_path(directory).unlink(missing_ok=True)


def _run(coro: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
    else:
        uvloop.run(coro)


def _status_path(directory: Path) -> Path:
    return directory / "running" / f"{os.getpid()}.json"


async def _report(proxy: Proxy, directory: Path) -> None:
    """Keep this proxy's status file current (``--status`` reads it)."""
    path = _status_path(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    last = b""
    while True:
        data = json.dumps(
            {"pid": os.getpid(), "updated": time.time(), "upstreams": proxy.status()}
        ).encode()
        if data != last:
            temp = path.with_suffix(".tmp")
            temp.write_bytes(data)
            os.replace(temp, path)
            last = data
        await asyncio.sleep(_STATUS_EVERY)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _when(ts: Any) -> str:
    if not isinstance(ts, int | float):
        return "never"
    return dt.datetime.fromtimestamp(ts).isoformat(sep=" ", timespec="seconds")


def status_report(directory: Path) -> dict[str, Any]:
    """The cached mirrors and the running proxies under ``directory``."""
    from mcp_workbench.proxy.mirror import read_cache

    cached: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.json")):
        data = read_cache(path)
        if data is None:
            cached.append({"file": str(path), "error": "unreadable or of another format"})
            continue
        items = data.get("items") or {}
        cached.append(
            {
                "file": str(path),
                "upstream": data.get("upstream"),
                "seq": data.get("seq"),
                "epoch": data.get("epoch"),
                "syncedAt": data.get("syncedAt"),
                "items": {k: len(v) for k, v in items.items() if isinstance(v, list)},
                "bytes": path.stat().st_size,
            }
        )
    running = []
    for path in sorted((directory / "running").glob("*.json")):
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(state, dict) and _alive(int(state.get("pid", 0))):
            running.append(state)
        else:
            path.unlink(missing_ok=True)  # a proxy that died without cleaning up
    return {"cacheDir": str(directory), "cached": cached, "running": running}


def _print_status(directory: Path, *, as_json: bool) -> int:
    report = status_report(directory)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"cache: {report['cacheDir']}")
    if not report["cached"] and not report["running"]:
        print("no upstream cached and no proxy running")
        return 0
    for proxy in report["running"]:
        for upstream in proxy["upstreams"]:
            error = f" ({upstream['lastError']})" if upstream.get("lastError") else ""
            print(
                f"proxy {proxy['pid']}: {upstream['url']}: {upstream['state']}{error}, "
                f"seq {upstream['seq']}, last sync {_when(upstream['syncedAt'])}"
            )
    for entry in report["cached"]:
        if "error" in entry:
            print(f"cached {entry['file']}: {entry['error']}")
            continue
        counts = ", ".join(f"{n} {k}" for k, n in entry["items"].items())
        print(
            f"cached {entry['upstream']}: seq {entry['seq']}, last sync "
            f"{_when(entry['syncedAt'])}, {counts} ({entry['bytes']:,} bytes)"
        )
    return 0
