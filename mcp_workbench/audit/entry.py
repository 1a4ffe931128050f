"""``AuditEntry``: one recorded decision or change, and its table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from mcp_workbench.audit.origin import Origin, arguments_hash
from mcp_workbench.store.tables import AuditRow

__all__ = ["AuditEntry", "Outcome"]

Outcome = Literal["ok", "denied", "failed"]
"""``ok``: a change was made; ``denied``: the policy refused; ``failed``: authentication
failed."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did (or tried) what, when, with what outcome."""

    ts: float
    principal: str | None
    transport: str
    action: str
    """The policy action (``call``, ``read``, ``write``...), ``authenticate``, or the kind of
    change made (``note.updated``)."""
    kind: str
    """What the target is: ``tool``, ``prompt``, ``resource``, ``board``, ``note``,
    ``card``, ``token``..."""
    target: str
    outcome: str
    reason: str = ""
    """Why, for refusals (``policy``, ``expired``, ``bad_signature``...)."""
    session: str | None = None
    request_id: str | None = None
    args_hash: str | None = None
    seq: int | None = None
    """The event a change was recorded as."""
    id: int | None = None
    """The entry's number in the store (None until stored)."""

    @classmethod
    def of(
        cls,
        origin: Origin | None,
        *,
        ts: float,
        action: str,
        kind: str,
        target: str,
        outcome: str,
        reason: str = "",
        principal: str | None = None,
        transport: str = "local",
        seq: int | None = None,
    ) -> AuditEntry:
        """An entry for something ``origin`` caused (or the given principal, without one)."""
        if origin is not None:
            principal = origin.principal or principal
            transport = origin.transport
        request_id = origin.request_id if origin is not None else None
        return cls(
            ts=ts,
            principal=principal,
            transport=transport,
            action=action,
            kind=kind,
            target=target,
            outcome=outcome,
            reason=reason,
            session=origin.session_id if origin is not None else None,
            request_id=None if request_id is None else str(request_id),
            args_hash=arguments_hash(origin.arguments) if origin is not None else None,
            seq=seq,
        )

    @classmethod
    def from_row(cls, row: AuditRow) -> AuditEntry:
        """The entry a stored row holds."""
        return cls(**{k: getattr(row, k) for k in _FIELDS})

    def row(self) -> dict[str, Any]:
        """The columns to insert (without ``id``, which the store assigns)."""
        # Every field is a plain value: a shallow copy is asdict()'s result, many times faster.
        return {name: getattr(self, name) for name in _FIELDS if name != "id"}

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object (a line of the audit file), with an ISO time."""
        values = {name: getattr(self, name) for name in _FIELDS}
        if values["id"] is None:
            del values["id"]
        values["time"] = datetime.fromtimestamp(self.ts, UTC).isoformat(timespec="milliseconds")
        return values


_FIELDS = tuple(AuditEntry.__dataclass_fields__)
