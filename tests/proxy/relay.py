"""A TCP relay that puts a bad network between a client and a server: added latency,
connections dropped, a silent partition, connections refused."""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["Relay"]

_CHUNK = 64 * 1024
_CONNECT_WITHIN = 5.0


class Relay:
    """Listens on 127.0.0.1 (a free port) and forwards each connection to ``host:port``.

    ``latency`` seconds are added to every chunk, each way. :meth:`drop` closes every
    current connection abruptly; :meth:`partition` holds the bytes back both ways while the
    sockets stay open (what a client sees of a network gone silent: they flow again when
    it heals); :meth:`refuse` closes new connections as soon as they are accepted.
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.latency = 0.0
        self.accepted = 0
        """Connections accepted so far (refused ones included)."""
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._refusing = False
        self._server: asyncio.Server | None = None
        self._open: dict[asyncio.Task[None], list[asyncio.StreamWriter]] = {}

    @property
    def port(self) -> int:
        assert self._server is not None, "the relay is not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connections(self) -> int:
        """Connections being relayed now."""
        return len(self._open)

    async def start(self) -> Relay:
        """Start listening."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        self.partition(False)
        self.drop()
        if self._open:
            await asyncio.wait(list(self._open), timeout=5)
        if self._server is not None:
            await self._server.wait_closed()

    def drop(self) -> None:
        """Close every current connection at once, both sides (no goodbye on either)."""
        for task, writers in list(self._open.items()):
            for writer in writers:
                writer.transport.abort()
            task.cancel()

    def partition(self, on: bool) -> None:
        """Stop (``on``) or resume forwarding bytes on every connection, new ones included."""
        if on:
            self._flowing.clear()
        else:
            self._flowing.set()

    def refuse(self, on: bool) -> None:
        """Close new connections as soon as they are accepted (``on``), or relay them again."""
        self._refusing = on

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self._refusing:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.target), _CONNECT_WITHIN
            )
        except (OSError, TimeoutError):
            writer.transport.abort()  # the server is not there: neither are we
            return
        task = asyncio.current_task()
        assert task is not None
        self._open[task] = [writer, up_writer]
        try:
            pumps = [
                asyncio.ensure_future(self._pump(reader, up_writer)),
                asyncio.ensure_future(self._pump(up_reader, writer)),
            ]
            try:
                # One side hanging up ends the connection for both.
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
        except asyncio.CancelledError:
            pass  # dropped: the transports are aborted already
        finally:
            del self._open[task]
            for side in (writer, up_writer):
                side.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while chunk := await reader.read(_CHUNK):
                if self.latency:
                    await asyncio.sleep(self.latency)
                await self._flowing.wait()
                writer.write(chunk)
                await writer.drain()
