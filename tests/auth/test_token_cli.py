"""``mcp-workbench token issue``, run as a real process; its tokens go through the verifier."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from mcp_workbench.auth import (
    SECRET_ENV,
    SECRETS_FILE,
    AuthConfig,
    StaticKeys,
    TokenVerifier,
    build_verifier,
    thumbprint,
)
from tests.conftest import run_cli, server_env

Result = subprocess.CompletedProcess[str]


def ok(result: Result) -> str:
    """What a successful run printed, after checking it said nothing on stderr."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def failed(result: Result, message: str, status: int = 2) -> None:
    """Check for one clean error line naming ``message``."""
    assert result.returncode == status, result
    assert result.stderr.startswith("mcp-workbench: error: "), result.stderr
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


async def test_issue_prints_a_token_the_verifier_accepts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    before = time.time()
    out = ok(
        run_cli(
            "token",
            "issue",
            "--sub",
            "alice",
            "--role",
            "editor",
            "--role",
            "admin",
            "--ttl",
            "15m",
            "--data-dir",
            str(data_dir),
            env=server_env(data_dir),
        )
    )
    after = time.time()
    token = out.strip()
    assert out == token + "\n"
    secrets_file = data_dir / SECRETS_FILE
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert token not in secrets_file.read_text()
    verifier = build_verifier(AuthConfig(), data_dir)
    principal = await verifier.verify(token)
    assert principal.subject == "alice"
    assert principal.roles == {"editor", "admin"}
    assert principal.expires_at is not None
    assert int(before) + 900 <= principal.expires_at <= after + 900
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert not (data_dir / "workbench.db").exists()  # the store was not touched


async def test_issue_json_with_audience_issuer_and_scopes(tmp_path: Path) -> None:
    env = server_env(tmp_path)  # the data dir comes from MCP_WORKBENCH_DATA_DIR
    out = ok(
        run_cli(
            "token",
            "issue",
            "--sub",
            "svc",
            "--ttl",
            "90s",
            "--aud",
            "wb",
            "--iss",
            "me",
            "--scope",
            "notes:read",
            "--json",
            env=env,
        )
    )
    issued = json.loads(out)
    assert issued["sub"] == "svc"
    assert issued["exp"] - issued["iat"] == 90
    assert (issued["aud"], issued["iss"], issued["alg"]) == ("wb", "me", "HS256")
    config = AuthConfig(audience="wb", issuer="me")
    principal = await build_verifier(config, tmp_path).verify(issued["token"])
    assert principal.scopes == {"notes:read"}
    assert principal.expires_at == issued["exp"]
    assert principal.claims["jti"] == issued["jti"]


async def test_the_secret_can_come_from_the_environment(tmp_path: Path) -> None:
    secret = "e" * 40
    env = {**server_env(tmp_path), SECRET_ENV: secret}
    token = ok(run_cli("token", "issue", "--sub", "alice", env=env)).strip()
    assert not (tmp_path / SECRETS_FILE).exists()
    verifier = TokenVerifier(StaticKeys.from_secret(secret.encode()))
    principal = await verifier.verify(token)
    assert principal.expires_at is not None
    assert principal.expires_at - time.time() == pytest.approx(900, abs=60)  # the default TTL


async def test_eddsa_with_a_key_file(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    key_file.chmod(0o600)
    args = ["token", "issue", "--sub", "bob", "--role", "viewer", "--key-file", str(key_file)]
    token = ok(run_cli(*args, env=server_env(tmp_path))).strip()
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": thumbprint(key.public_key())}
    public = tmp_path / "signing.pub"
    public.write_bytes(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    verifier = build_verifier(AuthConfig(public_key_files=(public,), local_secret=False), None)
    assert (await verifier.verify(token)).roles == {"viewer"}


def test_a_secrets_file_others_can_read_is_refused(tmp_path: Path) -> None:
    (tmp_path / SECRETS_FILE).write_text(json.dumps({"auth_secret": "A" * 43}))
    os.chmod(tmp_path / SECRETS_FILE, 0o644)
    result = run_cli("token", "issue", "--sub", "alice", env=server_env(tmp_path))
    failed(result, "is accessible by group or others (mode 0644)")
    assert result.stdout == ""
    assert "A" * 43 not in result.stderr


def test_bad_requests_are_refused(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    commands = [
        ["--ttl", "soon"],
        ["--sub", " "],
        ["--ttl", "30d"],
        ["--key-file", str(tmp_path / "no.pem")],
    ]
    with ThreadPoolExecutor(len(commands)) as pool:  # independent: run them at once
        bad_ttl, empty_sub, too_long, no_key = pool.map(
            lambda extra: run_cli("token", "issue", "--sub", "a", *extra, env=env), commands
        )
    assert bad_ttl.returncode == 2
    assert "argument --ttl: invalid duration 'soon'" in bad_ttl.stderr
    failed(empty_sub, "subject must not be empty", 1)
    failed(too_long, "lifetime", 1)
    failed(no_key, "cannot read")
