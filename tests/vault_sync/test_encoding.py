"""Bytes ↔ text: encodings, byte-order marks and line endings survive a round trip."""

from __future__ import annotations

import codecs

import pytest

from vault_sync.encoding import DEFAULT_FORMAT, TextFormat, content_hash, decode, encode
from vault_sync.errors import UnreadableFile


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"a\nb\n", TextFormat("utf-8", False, "\n")),
        (b"a\r\nb\r\n", TextFormat("utf-8", False, "\r\n")),
        (codecs.BOM_UTF8 + "é\r\n".encode(), TextFormat("utf-8", True, "\r\n")),
        (codecs.BOM_UTF16_LE + "ü\n".encode("utf-16-le"), TextFormat("utf-16-le", True, "\n")),
        (codecs.BOM_UTF16_BE + "ü\n".encode("utf-16-be"), TextFormat("utf-16-be", True, "\n")),
    ],
)
def test_decoding_normalises_newlines_and_encoding_restores_the_bytes(
    data: bytes, fmt: TextFormat
) -> None:
    text, found = decode(data)
    assert found == fmt
    assert "\r" not in text
    assert encode(text, found) == data


def test_a_mixed_file_is_written_back_with_its_first_line_ending() -> None:
    text, fmt = decode(b"a\r\nb\nc\r\n")
    assert fmt.newline == "\r\n"
    assert encode(text, fmt) == b"a\r\nb\r\nc\r\n"


@pytest.mark.parametrize("data", [b"caf\xe9 in latin-1", b"bin\x00ary"])
def test_what_is_not_text_is_refused(data: bytes) -> None:
    with pytest.raises(UnreadableFile):
        decode(data)


def test_the_default_format_is_what_obsidian_writes() -> None:
    assert encode("x\ny", DEFAULT_FORMAT) == b"x\ny"
    assert content_hash(b"x") == content_hash(b"x") != content_hash(b"y")
    assert len(content_hash(b"")) == 64
