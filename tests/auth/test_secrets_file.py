"""The secrets file: made owner-only on first use, refused when others can read it."""

from __future__ import annotations

import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mcp_workbench.auth import SECRETS_FILE, AuthConfig, load_auth_secret, shared_secret
from mcp_workbench.errors import WorkbenchError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_use_creates_a_0600_file_with_32_random_bytes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    old_umask = os.umask(0)  # even a permissive umask must not widen the file
    try:
        secret = load_auth_secret(data_dir)
    finally:
        os.umask(old_umask)
    path = data_dir / SECRETS_FILE
    assert mode(path) == 0o600
    assert len(secret) == 32
    assert load_auth_secret(data_dir) == secret
    assert load_auth_secret(tmp_path / "other") != secret
    assert [p.name for p in data_dir.iterdir()] == [SECRETS_FILE]  # no temp file left


@pytest.mark.parametrize("bad_mode", [0o644, 0o640, 0o604, 0o660, 0o606])
def test_a_file_others_can_read_or_write_is_refused(tmp_path: Path, bad_mode: int) -> None:
    load_auth_secret(tmp_path)
    path = tmp_path / SECRETS_FILE
    path.chmod(bad_mode)
    with pytest.raises(WorkbenchError) as refused:
        load_auth_secret(tmp_path)
    message = str(refused.value)
    assert f"mode {bad_mode:04o}" in message
    assert f"chmod 600 {path}" in message
    assert json.loads(path.read_text())["auth_secret"] not in message


def test_a_0400_file_is_fine(tmp_path: Path) -> None:
    secret = load_auth_secret(tmp_path)
    (tmp_path / SECRETS_FILE).chmod(0o400)
    assert load_auth_secret(tmp_path) == secret


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "has no 'auth_secret'"),
        ('{"auth_secret": 5}', "has no 'auth_secret'"),
        ('{"auth_secret": "c2hvcnQ"}', "shorter than 32 bytes"),
        ('{"auth_secret": "a"}', "not base64url"),
    ],
)
def test_a_damaged_file_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / SECRETS_FILE
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(WorkbenchError, match=message):
        load_auth_secret(tmp_path)


def test_without_create_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WorkbenchError, match="no secrets file"):
        load_auth_secret(tmp_path, create=False)
    assert not (tmp_path / SECRETS_FILE).exists()


def test_concurrent_first_uses_agree_on_one_secret(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: load_auth_secret(tmp_path), range(16)))
    assert len(found) == 1


def test_a_configured_secret_wins_and_no_file_is_made(tmp_path: Path) -> None:
    config = AuthConfig(secret="k" * 32)
    assert shared_secret(config, tmp_path) == b"k" * 32
    assert not (tmp_path / SECRETS_FILE).exists()
    assert shared_secret(AuthConfig(local_secret=False), tmp_path) is None
    assert shared_secret(AuthConfig(), None) is None
    assert shared_secret(AuthConfig(), tmp_path) == load_auth_secret(tmp_path)
