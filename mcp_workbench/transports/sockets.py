"""TCP and Unix socket transports: newline-delimited JSON, many clients at once.

Each connection is one session, served like stdio (:func:`serve_connection`): frames are
limited to ``max_message_bytes``, reading pauses while a client has too much running, and
a silent connection is closed after ``socket_idle_timeout``. On a Unix socket the peer's
OS user (``SO_PEERCRED``) is the principal; the socket file is made owner-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pwd
import socket
import stat
import struct
from pathlib import Path

from mcp_workbench.engine import Engine
from mcp_workbench.transports.lines import serve_connection
from mcp_workbench.transports.listeners import BACKLOG, host_port
from mcp_workbench.transports.tls import certificate_principal, server_tls

__all__ = ["SocketServer", "start_tcp_server", "start_unix_server"]

log = logging.getLogger(__name__)


def _peer_user(writer: asyncio.StreamWriter) -> str | None:
    sock = writer.get_extra_info("socket")
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return None
    try:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        return pwd.getpwuid(uid).pw_name
    except (OSError, KeyError):
        return None


class SocketServer:
    """A listening TCP or Unix socket and the connections it serves."""

    def __init__(self, engine: Engine, transport: str) -> None:
        self.engine = engine
        self.transport = transport
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.Task[None]] = set()
        self._closing = False
        self.address = ""
        """Where it listens: ``host:port`` or the socket path."""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._closing:  # accepted just as the listener was closing
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        if self.transport == "unix":
            principal = _peer_user(writer)
        else:
            principal = certificate_principal(writer.get_extra_info("peercert"))
        sock = writer.get_extra_info("socket")
        if sock is not None and self.transport == "tcp":
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await serve_connection(
                self.engine,
                reader,
                writer,
                transport=self.transport,
                principal=principal,
                idle_timeout=self.engine.settings.socket_idle_timeout,
                needs_auth=self.engine.authenticator is not None,
            )
        except ConnectionError:
            pass  # the peer went away mid-write
        except asyncio.CancelledError:
            if not self._closing:
                raise
            # close() ended this connection: finish quietly (asyncio's own callback would
            # report a cancelled connection task as an error).
        finally:
            self.connections.discard(task)

    def stop_accepting(self) -> None:
        """Close the listening socket; open connections go on (to drain)."""
        if self.server is not None:
            self.server.close()

    async def close(self) -> None:
        """Stop accepting, end every connection and wait for them."""
        self._closing = True
        if self.server is not None:
            self.server.close()
        await asyncio.sleep(0)  # connections accepted before the close start (and see it)
        for task in list(self.connections):
            task.cancel()
        if self.connections:
            await asyncio.gather(*self.connections, return_exceptions=True)
        if self.server is not None:
            with contextlib.suppress(Exception):
                await self.server.wait_closed()
        if self.transport == "unix" and self.address:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.address)


async def start_tcp_server(engine: Engine, host: str, port: int) -> SocketServer:
    """Listen on ``host:port`` (port 0: any free one; read it back from ``address``).

    Raises:
        OSError: the address cannot be bound.
    """
    listener = SocketServer(engine, "tcp")
    listener.server = await asyncio.start_server(
        listener._serve,
        host,
        port,
        limit=1 << 16,
        backlog=BACKLOG,
        reuse_address=True,
        ssl=server_tls(engine.settings),
    )
    bound = listener.server.sockets[0].getsockname()
    listener.address = host_port(bound[0], bound[1])
    return listener


async def start_unix_server(engine: Engine, path: str | Path) -> SocketServer:
    """Listen on the Unix socket ``path`` (owner-only); a stale socket file is replaced.

    Raises:
        OSError: the path is in use by a live server, or cannot be created.
    """
    target = Path(path)
    if _existing_socket(target):
        if await _in_use(target):
            raise OSError(f"{target} is in use by a running server")
        _remove(target)
    listener = SocketServer(engine, "unix")
    old_umask = os.umask(0o177)  # created owner-only: no window where others can connect
    try:
        listener.server = await asyncio.start_unix_server(
            listener._serve, str(target), limit=1 << 16, backlog=BACKLOG
        )
    finally:
        os.umask(old_umask)
    listener.address = str(target)
    return listener


def _existing_socket(path: Path) -> bool:
    """True when ``path`` is a socket file (startup-time check, so a blocking stat is fine)."""
    if not path.exists():
        return False
    if not stat.S_ISSOCK(path.stat().st_mode):
        raise OSError(f"{path} exists and is not a socket")
    return True


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


async def _in_use(path: Path) -> bool:
    try:
        _reader, writer = await asyncio.open_unix_connection(str(path))
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
