"""The floor of a hop: newline-delimited JSON on stdio relayed to a WebSocket and back as
bytes, parsing nothing (``python -m bench.ws_relay URL``). ``bench/proxy.py`` measures it
next to ``mcp-workbench proxy``: what any process between a client and its server costs on
this machine, whatever it does with the messages."""

from __future__ import annotations

import asyncio
import sys

import tornado.httpclient
import tornado.websocket

from bench.processes import loop_factory


async def relay(url: str) -> None:
    """Relay until stdin ends or the WebSocket closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 22)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    write_transport, write_protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, sys.stdout
    )
    writer = asyncio.StreamWriter(write_transport, write_protocol, None, loop)
    request = tornado.httpclient.HTTPRequest(url, connect_timeout=10)
    connection = await tornado.websocket.websocket_connect(request, subprotocols=["mcp"])

    async def down() -> None:
        while (message := await connection.read_message()) is not None:
            writer.write((message.encode() if isinstance(message, str) else message) + b"\n")

    answers = asyncio.ensure_future(down())
    try:
        while line := await reader.readline():
            await connection.write_message(line.rstrip(b"\n").decode())
    finally:
        answers.cancel()
        connection.close()


def main() -> None:
    factory, _ = loop_factory()
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(relay(sys.argv[1]))


if __name__ == "__main__":
    main()
