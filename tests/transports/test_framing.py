"""Newline framing: any chunking of the byte stream yields the same lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mcp_workbench.transports.framing import LineFramer, Oversized

lines = st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=12)


@given(lines, st.lists(st.integers(1, 17), min_size=1, max_size=30))
def test_chunking_does_not_matter(items: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(item + b"\n" for item in items)
    framer = LineFramer(max_bytes=64)
    out: list[bytes | Oversized] = []
    pos, i = 0, 0
    while pos < len(stream):
        size = cuts[i % len(cuts)]
        out += framer.feed(stream[pos : pos + size])
        pos += size
        i += 1
    expected = [item.removesuffix(b"\r") for item in items if item.strip()]
    assert out == expected


def test_oversized_lines_are_reported_and_skipped() -> None:
    framer = LineFramer(max_bytes=8)
    out = framer.feed(b"short\n" + b"x" * 5)
    out += framer.feed(b"y" * 20)
    out += framer.feed(b"\nafter\n")
    assert out == [b"short", Oversized(25), b"after"]
    assert framer.feed(b"z" * 9 + b"\n") == [Oversized(9)]
