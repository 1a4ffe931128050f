"""What one sync pass did, for logs, tests and the workbench's status display."""

from __future__ import annotations

from dataclasses import dataclass, field

from vault_sync.model import EntityKind

__all__ = ["Problem", "SyncReport"]

EntityKey = tuple[EntityKind, str]


@dataclass(frozen=True)
class Problem:
    """A file sync left alone, and why (it is reported, never rewritten)."""

    path: str
    reason: str


@dataclass
class SyncReport:
    """The entities each kind of change touched, by (kind, id), and the files left alone."""

    imported: list[EntityKey] = field(default_factory=list)
    """New in the vault: created in the repository."""
    exported: list[EntityKey] = field(default_factory=list)
    """New in the repository: written to the vault."""
    to_repository: list[EntityKey] = field(default_factory=list)
    """Changed in the vault: the repository took the change."""
    to_vault: list[EntityKey] = field(default_factory=list)
    """Changed in the repository: the vault file took the change."""
    merged: list[EntityKey] = field(default_factory=list)
    """Changed on both sides and merged cleanly; both now hold the merge."""
    conflicts: list[EntityKey] = field(default_factory=list)
    """Changed on both sides and not mergeable: a conflict copy is in the vault."""
    deleted_in_repository: list[EntityKey] = field(default_factory=list)
    deleted_in_vault: list[EntityKey] = field(default_factory=list)
    moved: list[EntityKey] = field(default_factory=list)
    """Renamed or moved (in either place); identity kept through the frontmatter id."""
    resolved: list[EntityKey] = field(default_factory=list)
    echoes: list[str] = field(default_factory=list)
    """Watcher events that were only our own writes coming back."""
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: SyncReport) -> None:
        """Add another report's entries to this one."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))

    @property
    def changed(self) -> bool:
        """Whether anything was written on either side."""
        return any(
            getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("echoes", "problems")
        )
