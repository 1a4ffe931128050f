"""AuthConfig: validation, and building it from the workbench settings' auth_* fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from mcp_workbench.auth import AuthConfig
from mcp_workbench.errors import WorkbenchError


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"algorithms": ("none",)}, "none not supported"),
        ({"algorithms": ("HS256", "RS512")}, "RS512 not supported"),
        ({"algorithms": ()}, "at least one"),
        ({"secret": "short"}, "secret: at least 32 bytes"),
        ({"leeway": -1}, "leeway"),
        ({"leeway": 3600}, "leeway: at most 300"),
        ({"role_claims": ()}, "role_claims"),
        ({"role_claims": ("..",)}, "role_claims"),
        ({"jwks_min_ttl": 100, "jwks_max_ttl": 50}, "jwks_max_ttl"),
        ({"token_ttl": 0}, "token_ttl"),
        ({"token_ttl": 100, "max_token_ttl": 50}, "token_ttl: must not exceed"),
        ({"max_token_bytes": 10}, "max_token_bytes"),
        ({"jwks_timeout": float("nan")}, "jwks_timeout"),
    ],
)
def test_invalid_values_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(WorkbenchError, match="invalid auth settings") as refused:
        AuthConfig(**values)
    assert message in str(refused.value)


def test_the_secret_is_not_in_the_error_or_repr() -> None:
    with pytest.raises(WorkbenchError) as refused:
        AuthConfig(secret="tiny-secret")
    assert "tiny-secret" not in str(refused.value)
    assert "z" * 40 not in repr(AuthConfig(secret="z" * 40))


class FakeSettings:
    """What the workbench Settings will look like with auth_* fields."""

    def __init__(self) -> None:
        self.auth_audience = "mcp-workbench"
        self.auth_issuer = None  # unset: keeps the default
        self.auth_algorithms = ["RS256", "EdDSA"]
        self.auth_role_claims = ["realm_access.roles"]
        self.auth_secret = SecretStr("s" * 32)
        self.auth_public_key_files = ["/etc/keys/a.pem", Path("/etc/keys/b.pem")]
        self.auth_signing_key_file = "/etc/keys/signing.pem"
        self.auth_leeway = 10.0
        self.unrelated = "ignored"


def test_from_settings_reads_the_auth_fields() -> None:
    config = AuthConfig.from_settings(FakeSettings())
    assert config.audience == "mcp-workbench"
    assert config.issuer is None
    assert config.algorithms == ("RS256", "EdDSA")
    assert config.role_claims == ("realm_access.roles",)
    assert config.secret == "s" * 32
    assert config.public_key_files == (Path("/etc/keys/a.pem"), Path("/etc/keys/b.pem"))
    assert config.signing_key_file == Path("/etc/keys/signing.pem")
    assert config.leeway == 10.0
    assert config.jwks_url is None


def test_from_settings_without_auth_fields_gives_the_defaults() -> None:
    assert AuthConfig.from_settings(object()) == AuthConfig()


def test_from_settings_validates() -> None:
    class Bad:
        auth_algorithms = ("none",)

    with pytest.raises(WorkbenchError, match="none not supported"):
        AuthConfig.from_settings(Bad())
