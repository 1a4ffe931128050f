"""The errors vault_sync raises, as one tree.

::

    VaultSyncError                 anything vault_sync refuses or cannot do
    ├── UnsafePath                 a path would leave the vault or go through a symlink
    ├── UnreadableFile             a vault file cannot be decoded or parsed; it is left as it is
    │   ├── FrontmatterError       the YAML frontmatter is malformed
    │   └── BoardFormatError       a board file is not in the Obsidian Kanban plugin's format
    ├── FileChanged                a file changed between our read and our write; retry
    ├── RepositoryRefused          the repository refused a change from the vault; reported
    └── NotConflicted              resolve was asked for an entity that is not in conflict

The workbench translates these once, at its adapter, into its own error tree.
"""

from __future__ import annotations

__all__ = [
    "BoardFormatError",
    "FileChanged",
    "FrontmatterError",
    "NotConflicted",
    "RepositoryRefused",
    "UnreadableFile",
    "UnsafePath",
    "VaultSyncError",
]


class VaultSyncError(Exception):
    """The root of every error vault_sync raises."""


class UnsafePath(VaultSyncError):
    """A path is absolute, climbs out with ``..``, or resolves outside the vault."""


class UnreadableFile(VaultSyncError):
    """A vault file cannot be decoded or parsed; sync leaves it untouched and reports it."""


class FrontmatterError(UnreadableFile):
    """The YAML frontmatter is not a valid mapping."""


class BoardFormatError(UnreadableFile):
    """A board file holds something the Obsidian Kanban plugin's format has no place for."""


class FileChanged(VaultSyncError):
    """The file on disk is not the one we read: someone saved it while we were working."""


class RepositoryRefused(VaultSyncError):
    """The repository cannot take what a file says (a name it does not allow, an invalid
    value): the file is left as it is, nothing is recorded as agreed, and it is reported."""


class NotConflicted(VaultSyncError):
    """There is no conflict to resolve for that entity."""
