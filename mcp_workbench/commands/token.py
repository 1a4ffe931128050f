"""``mcp-workbench token``: issue short-lived bearer tokens the server accepts.

``token issue`` signs with the workbench's shared secret (``MCP_WORKBENCH_AUTH_SECRET``, or
the owner-only ``secrets.json`` in the data dir, made on first use) or with the configured
private key file, and prints the token alone on stdout, for ``$(...)``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_workbench.commands.common import add_command, add_group, emit
from mcp_workbench.errors import InvalidInput

if TYPE_CHECKING:
    from mcp_workbench.auth import AuthConfig, IssuedToken
    from mcp_workbench.commands.common import Subparsers
    from mcp_workbench.service import Workbench

__all__ = ["add_parser", "auth_config"]


def _duration(text: str) -> int:
    # Imported here (as below) so that other commands do not pay for pyjwt and cryptography.
    from mcp_workbench.auth import parse_ttl  # noqa: PLC0415

    try:
        return parse_ttl(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from exc


def add_parser(sub: Subparsers) -> None:
    """Add ``token`` and its subcommands."""
    token = add_group(sub, "token", "bearer tokens for the server's authentication")
    issue = add_command(
        token,
        "issue",
        _issue,
        "print a signed, short-lived token for a subject",
        migrate=False,
    )
    issue.add_argument("--sub", required=True, metavar="SUBJECT", help="who the token is for")
    issue.add_argument(
        "--role",
        action="append",
        dest="roles",
        default=[],
        metavar="ROLE",
        help="a role the token grants; repeatable",
    )
    issue.add_argument(
        "--scope",
        action="append",
        dest="scopes",
        default=[],
        metavar="SCOPE",
        help="an OAuth scope the token grants; repeatable",
    )
    issue.add_argument(
        "--ttl",
        type=_duration,
        metavar="DURATION",
        help="lifetime: 90s, 15m, 2h, 1d (default: the configured token_ttl, 15m)",
    )
    issue.add_argument("--aud", metavar="AUDIENCE", help="audience (default: the configured one)")
    issue.add_argument("--iss", metavar="ISSUER", help="issuer (default: the configured one)")
    issue.add_argument(
        "--key-file",
        metavar="PEM",
        help="sign with this private key (Ed25519: EdDSA) instead of the shared secret",
    )


def auth_config(settings: object) -> AuthConfig:
    """The auth settings of the workbench ``settings`` (its ``auth_*`` fields).

    Raises:
        WorkbenchError: a value is invalid.
    """
    from mcp_workbench.auth import SECRET_ENV, AuthConfig  # noqa: PLC0415

    config = AuthConfig.from_settings(settings)
    if config.secret is None and os.environ.get(SECRET_ENV):
        # Settings reads MCP_WORKBENCH_AUTH_SECRET itself once it has an auth_secret field;
        # until then the CLI honours the variable here.
        config = dataclasses.replace(config, secret=os.environ[SECRET_ENV])
    return config


async def _issue(args: argparse.Namespace, workbench: Workbench) -> int:
    """Sign and print a token (the store is not used)."""
    from mcp_workbench.auth import build_issuer  # noqa: PLC0415
    from mcp_workbench.config import load_settings  # noqa: PLC0415

    settings = load_settings(args.config, data_dir=args.data_dir, database_url=args.database_url)
    config = auth_config(settings)
    if args.key_file is not None:
        config = dataclasses.replace(config, signing_key_file=Path(args.key_file))
    issuer = build_issuer(config, settings.data_dir)
    issued = issuer.issue(
        args.sub,
        ttl=args.ttl if args.ttl is not None else config.token_ttl,
        roles=args.roles,
        scopes=args.scopes,
        audience=args.aud,
        issuer=args.iss,
    )
    return emit(args, _as_json(issued), lambda: print(issued.token))


def _as_json(issued: IssuedToken) -> dict[str, Any]:
    expires = dt.datetime.fromtimestamp(issued.expires_at, dt.UTC)
    return {
        "token": issued.token,
        "sub": issued.subject,
        "roles": list(issued.roles),
        "scopes": list(issued.scopes),
        "aud": issued.audience,
        "iss": issued.issuer,
        "iat": issued.issued_at,
        "exp": issued.expires_at,
        "expires": expires.isoformat(),
        "alg": issued.algorithm,
        "kid": issued.kid,
        "jti": issued.token_id,
    }
