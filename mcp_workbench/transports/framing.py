"""Newline-delimited JSON framing (stdio, TCP, Unix sockets), with a size limit per line."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LineFramer", "Oversized"]


@dataclass(frozen=True, slots=True)
class Oversized:
    """Stands in for a line that was longer than the limit (its bytes are dropped)."""

    size: int


class LineFramer:
    """Splits a byte stream into lines; an over-long line becomes :class:`Oversized`."""

    __slots__ = ("_buf", "_dropped", "max_bytes")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._buf = bytearray()
        self._dropped = -1  # bytes of an over-long line dropped so far; -1 when not dropping

    def feed(self, data: bytes) -> list[bytes | Oversized]:
        """Add bytes; return the complete lines (without newline, blank lines skipped)."""
        out: list[bytes | Oversized] = []
        start = 0
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            chunk = data[start:nl]
            if self._dropped >= 0:
                out.append(Oversized(self._dropped + len(chunk)))
                self._dropped = -1
            elif self._buf:
                self._buf += chunk
                line = bytes(self._buf)
                self._buf.clear()
                self._emit(line, out)
            else:
                self._emit(chunk, out)
            start = nl + 1
        rest = data[start:]
        if self._dropped >= 0:
            self._dropped += len(rest)
        elif rest:
            self._buf += rest
            if len(self._buf) > self.max_bytes:
                self._dropped = len(self._buf)
                self._buf.clear()
        return out

    def _emit(self, line: bytes, out: list[bytes | Oversized]) -> None:
        if len(line) > self.max_bytes:
            out.append(Oversized(len(line)))
        elif line.strip():
            out.append(line[:-1] if line.endswith(b"\r") else line)
