"""Audit: who did or tried what, when, and how it ended — in the store and, optionally, a
file of JSON lines. Arguments are kept only as a hash."""

from __future__ import annotations

from mcp_workbench.audit.entry import AuditEntry, Outcome
from mcp_workbench.audit.log import AuditLog, entries_after, entries_before
from mcp_workbench.audit.origin import LocalOrigin, Origin, arguments_hash, current_origin

__all__ = [
    "AuditEntry",
    "AuditLog",
    "LocalOrigin",
    "Origin",
    "Outcome",
    "arguments_hash",
    "current_origin",
    "entries_after",
    "entries_before",
]
