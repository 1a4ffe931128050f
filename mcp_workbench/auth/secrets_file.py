"""The workbench's own signing secret, kept in an owner-only file in the data dir.

``secrets.json`` is created on first use with 32 random bytes, mode 0600, and refused
afterwards if anyone but its owner can read it (the way ``ssh`` treats private keys). These
functions block: call them at start-up or from the CLI, not on a running event loop.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import stat
from pathlib import Path

from mcp_workbench.errors import WorkbenchError

__all__ = ["SECRETS_FILE", "SECRET_ENV", "check_private_file", "load_auth_secret"]

SECRETS_FILE = "secrets.json"
"""Name of the secrets file inside the data dir."""

SECRET_ENV = "MCP_WORKBENCH_AUTH_SECRET"
"""Environment variable that, when set, gives the shared secret instead of the file."""

_FIELD = "auth_secret"
_POSIX = os.name == "posix"


def check_private_file(path: Path) -> None:
    """Refuse a secret-bearing file others could read or that someone else owns.

    Raises:
        WorkbenchError: it is readable or writable by group or others, or not ours (POSIX).
    """
    if not _POSIX:
        return  # Windows: ACLs, not mode bits; the data dir is per user there
    try:
        info = path.stat()
    except OSError as exc:
        raise WorkbenchError(f"cannot read {path}: {exc.strerror}") from exc
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise WorkbenchError(
            f"{path} is accessible by group or others (mode {mode:04o}); "
            f"it holds a secret: run 'chmod 600 {path}'"
        )
    if info.st_uid != os.getuid():
        raise WorkbenchError(f"{path} belongs to another user; it holds a secret")


def _encode(secret: bytes) -> str:
    return base64.urlsafe_b64encode(secret).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _create(path: Path) -> None:
    """Write a new secrets file, owner-only from its first byte; if another process
    created it first, keep theirs.

    Raises:
        WorkbenchError: the file cannot be written.
    """
    content = json.dumps({_FIELD: _encode(secrets.token_bytes(32))}, indent=2) + "\n"
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, content.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        # A hard link appears whole or not at all and never replaces an existing file:
        # two first runs at once agree on one secret.
        with contextlib.suppress(FileExistsError):
            os.link(partial, path)
    except OSError as exc:
        raise WorkbenchError(f"cannot create the secrets file {path}: {exc.strerror}") from exc
    finally:
        partial.unlink(missing_ok=True)


def load_auth_secret(data_dir: Path, *, create: bool = True) -> bytes:
    """The signing secret in ``data_dir``'s secrets file, made on first use if ``create``.

    Raises:
        WorkbenchError: the file is missing (and ``create`` is off), unreadable, readable
            by others, or does not hold a valid secret.
    """
    path = Path(data_dir) / SECRETS_FILE
    if not path.exists():
        if not create:
            raise WorkbenchError(f"no secrets file at {path}")
        _create(path)
    check_private_file(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise WorkbenchError(f"cannot read the secrets file {path}: not valid JSON") from exc
    value = document.get(_FIELD) if isinstance(document, dict) else None
    if not isinstance(value, str):
        raise WorkbenchError(f"the secrets file {path} has no {_FIELD!r}")
    try:
        secret = _decode(value)
    except (binascii.Error, ValueError) as exc:
        raise WorkbenchError(f"the secrets file {path}: {_FIELD!r} is not base64url") from exc
    if len(secret) < 32:
        raise WorkbenchError(f"the secrets file {path}: {_FIELD!r} is shorter than 32 bytes")
    return secret
