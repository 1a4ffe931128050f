"""The MCP revisions this server speaks, and what differs between them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LATEST",
    "LATEST_LEGACY",
    "LEGACY_VERSIONS",
    "MODERN",
    "MODERN_VERSIONS",
    "REVISIONS",
    "SUPPORTED_VERSIONS",
    "Revision",
    "revision",
]


@dataclass(frozen=True, slots=True)
class Revision:
    """One protocol revision and the features that set it apart."""

    version: str
    modern: bool
    """Stateless, per-request ``_meta`` (2026-07-28 on) instead of an ``initialize`` handshake."""
    batches: bool
    """JSON-RPC batches are allowed (2025-03-26 only)."""
    structured_output: bool
    """``outputSchema``/``structuredContent``, ``title`` fields, resource links (2025-06-18 on)."""
    elicitation: bool
    """The client may be asked for input (2025-06-18 on)."""
    icons: bool
    """``icons`` on tools, prompts and resources (2025-11-25 on)."""
    resource_not_found_code: int
    """-32002 up to 2025-11-25, -32602 from 2026-07-28."""
    sse_polling: bool
    """SSE streams open with a priming event and may be closed for the client to resume
    (2025-11-25)."""


REVISIONS: dict[str, Revision] = {
    r.version: r
    for r in (
        Revision("2026-07-28", True, False, True, True, True, -32602, False),
        Revision("2025-11-25", False, False, True, True, True, -32002, True),
        Revision("2025-06-18", False, False, True, True, False, -32002, False),
        Revision("2025-03-26", False, True, False, False, False, -32002, False),
    )
}
SUPPORTED_VERSIONS: list[str] = list(REVISIONS)
MODERN_VERSIONS: list[str] = [v for v, r in REVISIONS.items() if r.modern]
"""Versions a request may name in ``_meta`` (stateless revisions)."""
LEGACY_VERSIONS: list[str] = [v for v, r in REVISIONS.items() if not r.modern]
"""Versions reached through the ``initialize`` handshake."""
LATEST = REVISIONS["2026-07-28"]
LATEST_LEGACY = REVISIONS["2025-11-25"]
MODERN = LATEST
# What an HTTP request without a protocol version header is taken to speak (the spec allows it).
HTTP_DEFAULT = REVISIONS["2025-03-26"]


def revision(version: str) -> Revision | None:
    """The revision named ``version``, or None when it is not supported."""
    return REVISIONS.get(version)
