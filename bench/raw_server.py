"""A minimal raw asyncio + orjson echo server: the ceiling the benchmark compares against.

No framework, no validation beyond what the echo needs: it answers ``tools/call`` with a
CallToolResult-shaped echo of ``arguments.text`` (and ``initialize``/``ping`` minimally, so
the legacy handshake works too).

* ``python -m bench.raw_server stdio``: newline-delimited JSON on stdin/stdout; each chunk
  read is answered with one write.
* ``python -m bench.raw_server http``: an HTTP/1.1 keep-alive responder on 127.0.0.1 (port
  0 picks a free one) that answers every POST with the JSON-RPC reply; prints
  ``raw serving HTTP at http://127.0.0.1:PORT/mcp`` on stderr.

``--loop asyncio`` runs it on the stock event loop instead of uvloop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Coroutine
from typing import Any

import orjson

_HIGH_WATER = 1 << 20
_SERVER_INFO = {"name": "raw-echo", "version": "0"}


def answer(line: bytes) -> bytes:
    """The encoded reply to one JSON-RPC message (empty for a notification or blank line)."""
    if not line.strip():
        return b""
    try:
        msg = orjson.loads(line)
    except orjson.JSONDecodeError:
        return orjson.dumps(
            {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}
        )
    rid = msg.get("id")
    if rid is None:
        return b""
    method = msg.get("method")
    params = msg.get("params") or {}
    result: dict[str, Any]
    if method == "tools/call":
        text = params["arguments"]["text"]
        result = {
            "content": [{"type": "text", "text": text}],
            "isError": False,
            "resultType": "complete",
        }
    elif method == "initialize":
        result = {
            "protocolVersion": params.get("protocolVersion", "2025-11-25"),
            "capabilities": {"tools": {}},
            "serverInfo": _SERVER_INFO,
        }
    elif method == "ping":
        result = {}
    else:
        error = {"code": -32601, "message": f"Method not found: {method}"}
        return orjson.dumps({"jsonrpc": "2.0", "id": rid, "error": error})
    return orjson.dumps({"jsonrpc": "2.0", "id": rid, "result": result})


async def serve_stdio() -> None:
    """Answer newline-delimited JSON on stdin/stdout until stdin closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    pending = b""
    while data := await reader.read(1 << 16):
        lines = (pending + data).split(b"\n")
        pending = lines.pop()
        out = b"".join(r + b"\n" for r in map(answer, lines) if r)
        if out:
            writer.write(out)
        if transport.get_write_buffer_size() > _HIGH_WATER:
            await writer.drain()
    writer.close()


async def _http_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            length = 0
            for raw in head.split(b"\r\n")[1:]:
                name, _, value = raw.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            if head.startswith(b"POST "):
                reply = answer(body)
                status = b"200 OK" if reply else b"202 Accepted"
            else:
                reply, status = b"", b"405 Method Not Allowed"
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(reply)).encode()
                + b"\r\n\r\n"
                + reply
            )
            if writer.transport.get_write_buffer_size() > _HIGH_WATER:
                await writer.drain()
    finally:
        writer.close()


async def serve_http(port: int) -> None:
    """Answer HTTP POSTs on 127.0.0.1 until killed."""
    server = await asyncio.start_server(_http_connection, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    print(f"raw serving HTTP at http://127.0.0.1:{bound}/mcp", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


def run(coro: Coroutine[Any, Any, None], loop: str) -> None:
    """Run ``coro`` on uvloop (when asked and installed) or the stock asyncio loop."""
    if loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            uvloop.run(coro)
            return
    asyncio.run(coro)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("transport", choices=["stdio", "http"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    coro = serve_stdio() if args.transport == "stdio" else serve_http(args.port)
    with contextlib.suppress(KeyboardInterrupt):
        run(coro, args.loop)


if __name__ == "__main__":
    main()
