"""File bytes ↔ text with ``\\n`` line endings, remembering how to write it back the same way.

Everything above this module works on text whose lines end in ``\\n``; a file's encoding,
byte-order mark and line ending are kept in a :class:`TextFormat` so that what we write
back looks like what the user's editor wrote.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass

from vault_sync.errors import UnreadableFile

__all__ = ["DEFAULT_FORMAT", "TextFormat", "content_hash", "decode", "encode"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class TextFormat:
    """How a file's text is stored: encoding, whether it starts with a BOM, line ending."""

    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"


DEFAULT_FORMAT = TextFormat()
"""What Obsidian writes: UTF-8, no BOM, ``\\n``."""


def content_hash(data: bytes) -> str:
    """The hash sync compares files by (hex SHA-256 of the bytes)."""
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> tuple[str, TextFormat]:
    """Decode a file's bytes to text with ``\\n`` line endings, and how it was stored.

    Raises:
        UnreadableFile: the bytes are neither UTF-8 nor UTF-16 with a byte-order mark.
    """
    encoding, bom = "utf-8", False
    for mark, name in _BOMS:
        if data.startswith(mark):
            encoding, bom, data = name, True, data[len(mark) :]
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not {encoding} text: {exc.reason} at byte {exc.start}") from exc
    if "\x00" in text:
        raise UnreadableFile("binary content (NUL bytes)")
    crlf = text.find("\r\n")
    lf = text.find("\n")
    # The first line ending decides; a file that mixes them is written back consistently.
    newline = "\r\n" if crlf != -1 and crlf + 1 == lf else "\n"
    return text.replace("\r\n", "\n"), TextFormat(encoding, bom, newline)


def encode(text: str, fmt: TextFormat = DEFAULT_FORMAT) -> bytes:
    """Encode ``\\n``-text back into the bytes ``fmt`` describes."""
    if fmt.newline != "\n":
        text = text.replace("\n", fmt.newline)
    data = text.encode(fmt.encoding)
    if fmt.bom:
        mark = next(mark for mark, name in _BOMS if name == fmt.encoding)
        data = mark + data
    return data
