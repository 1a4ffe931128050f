"""stdio transport: newline-delimited JSON on stdin/stdout; logs only ever on stderr."""

from __future__ import annotations

import asyncio
import getpass
import os
import stat
import sys
from typing import BinaryIO

from mcp_workbench.engine import Engine
from mcp_workbench.transports.lines import LineSink, StreamSink, serve_connection

__all__ = ["claim_stdout", "serve_stdio", "stdio_streams"]


class _FileSink:
    """A :class:`LineSink` over a regular file (``> out.jsonl``): plain blocking writes."""

    __slots__ = ("_closed", "_file")

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._closed = False

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()

    def buffered(self) -> int:
        return 0

    async def drain(self) -> None:
        return None

    def is_closing(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _is_regular_file(file: BinaryIO) -> bool:
    """True for files the event loop cannot poll: regular files, and devices that are not
    terminals (``/dev/null``), which epoll refuses."""
    mode = os.fstat(file.fileno()).st_mode
    if stat.S_ISREG(mode) or stat.S_ISBLK(mode):
        return True
    return stat.S_ISCHR(mode) and not os.isatty(file.fileno())


async def _feed_from_file(file: BinaryIO, reader: asyncio.StreamReader) -> None:
    while data := await asyncio.to_thread(
        file.read1 if hasattr(file, "read1") else file.read, 65536
    ):
        reader.feed_data(data)
    reader.feed_eof()


async def stdio_streams(stdin: BinaryIO, stdout: BinaryIO) -> tuple[asyncio.StreamReader, LineSink]:
    """A reader and a sink over stdin/stdout: pipes and terminals, or regular files
    (``mcp-workbench stdio < requests.jsonl > replies.jsonl``)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 16)
    if _is_regular_file(stdin):
        feeder = loop.create_task(_feed_from_file(stdin, reader))
        _background.add(feeder)
        feeder.add_done_callback(_background.discard)
    else:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    if _is_regular_file(stdout):
        return reader, _FileSink(stdout)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
    return reader, StreamSink(asyncio.StreamWriter(transport, protocol, None, loop))


_background: set[asyncio.Task[None]] = set()


def claim_stdout() -> BinaryIO:
    """Keep the real stdout for the protocol and point file descriptor 1 at stderr.

    Called before user modules are imported, so that their prints (at import or call time)
    go to stderr and can never corrupt the protocol stream.
    """
    sys.stdout.flush()
    protocol_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return os.fdopen(protocol_fd, "wb", buffering=0)


async def serve_stdio(
    engine: Engine, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """Serve MCP on stdin/stdout (or the given pipes) until stdin closes."""
    reader, writer = await stdio_streams(stdin or sys.stdin.buffer, stdout or claim_stdout())
    await serve_connection(engine, reader, writer, transport="stdio", principal=_os_user())
