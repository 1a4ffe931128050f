"""The official MCP SDK's ``MCPServer`` with the same echo tool, for the benchmark.

* ``python -m bench.sdk_server stdio``: ``MCPServer.run_stdio_async`` (what ``run("stdio")``
  does).
* ``python -m bench.sdk_server http``: the SDK's Streamable HTTP app
  (``streamable_http_app``) under uvicorn, as ``run("streamable-http")`` does, but bound to
  127.0.0.1 with port 0 (a free port) and the bound port reported:
  prints ``SDK serving Streamable HTTP at http://127.0.0.1:PORT/mcp`` on stderr. JSON
  responses (``json_response=True``, its fastest mode) and no access log.

``--loop asyncio`` is the stock ``anyio.run`` loop; ``--loop uvloop`` (the default) runs
the same code on uvloop, the loop our server uses.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer

server: MCPServer[Any] = MCPServer("sdk-echo", log_level="WARNING")


@server.tool()
async def echo(text: str) -> str:
    """Repeat the text."""
    return text


async def serve_http(port: int) -> None:
    """Serve Streamable HTTP on 127.0.0.1 until SIGINT/SIGTERM."""
    import uvicorn

    app = server.streamable_http_app(json_response=True, host="127.0.0.1")
    # uvicorn binds the port itself (as run("streamable-http") does); port 0 picks a free one.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    uv_server = uvicorn.Server(config)

    async def announce() -> None:
        while not uv_server.started:  # noqa: ASYNC110 - uvicorn only has this flag
            await anyio.sleep(0.01)
        bound = uv_server.servers[0].sockets[0].getsockname()[1]
        print(
            f"SDK serving Streamable HTTP at http://127.0.0.1:{bound}/mcp",
            file=sys.stderr,
            flush=True,
        )

    async with anyio.create_task_group() as tg:
        tg.start_soon(announce)
        await uv_server.serve()
        tg.cancel_scope.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("transport", choices=["stdio", "http"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    options: dict[str, Any] = {}
    if args.loop == "uvloop":
        try:
            import uvloop  # noqa: F401
        except ImportError:
            pass
        else:
            options["use_uvloop"] = True
    try:
        if args.transport == "stdio":
            anyio.run(server.run_stdio_async, backend_options=options)
        else:
            anyio.run(serve_http, args.port, backend_options=options)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
