"""``mcp-workbench policy``: check Cedar access policies, and explain one decision.

Neither subcommand needs the store: they read only the policy files they are given.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_workbench.commands.common import add_group, add_storeless_command, print_json
from mcp_workbench.policy import ACTIONS, RESOURCE_KINDS, PolicyEngine, check_policies

if TYPE_CHECKING:
    from mcp_workbench.commands.common import Subparsers

__all__ = ["add_parser"]


def _resource(text: str) -> tuple[str, str]:
    kind, colon, name = text.partition(":")
    if not colon or not name or kind.lower() not in RESOURCE_KINDS:
        kinds = ", ".join(RESOURCE_KINDS)
        raise argparse.ArgumentTypeError(f"expected KIND:NAME with KIND one of {kinds}")
    return kind.lower(), name


def _pair(text: str) -> tuple[str, Any]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def add_parser(sub: Subparsers) -> None:
    """Add ``policy`` and its subcommands."""
    policy = add_group(sub, "policy", "check access policies (Cedar) and explain decisions")

    check = add_storeless_command(
        policy, "check", _check, "validate a policy file or directory (exit status 1 if invalid)"
    )
    check.add_argument("path", help="a .cedar file, or a directory of *.cedar files")
    _schema_option(check)

    explain = add_storeless_command(
        policy,
        "explain",
        _explain,
        "decide one request and tell which policy decided it (exit status 1: denied)",
    )
    explain.add_argument(
        "--policies", required=True, metavar="PATH", help="a .cedar file or a directory of them"
    )
    _schema_option(explain)
    explain.add_argument(
        "--principal", required=True, metavar="NAME", help='who asks: User::"NAME"'
    )
    explain.add_argument(
        "--role",
        action="append",
        dest="roles",
        default=[],
        metavar="ROLE",
        help='a role the principal holds (Role::"ROLE"); repeatable',
    )
    explain.add_argument("--action", required=True, choices=ACTIONS)
    explain.add_argument(
        "--resource",
        required=True,
        type=_resource,
        metavar="KIND:NAME",
        help="what it is asked of: tool:notes.read, prompt:review, resource:note://x.md, "
        "board:roadmap",
    )
    explain.add_argument(
        "--context",
        action="append",
        type=_pair,
        default=[],
        metavar="KEY=VALUE",
        help="a context attribute (VALUE is read as JSON if it parses, else as text); repeatable",
    )
    explain.add_argument(
        "--attribute",
        action="append",
        dest="attributes",
        type=_pair,
        default=[],
        metavar="KEY=VALUE",
        help="an attribute of the resource, e.g. read_only=true; repeatable",
    )


def _schema_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schema",
        metavar="FILE",
        help="validate against this Cedar schema (default: the directory's *.cedarschema)",
    )


async def _check(args: argparse.Namespace) -> int:
    check = check_policies(args.path, schema=args.schema)
    policies = check.policies
    sources = check.sources
    if args.json:
        print_json(
            {
                "valid": check.ok,
                "path": args.path,
                "files": [str(f.path) for f in sources.files],
                "schema": str(sources.schema.path) if sources.schema else None,
                "permits": policies.count("permit") if policies else None,
                "forbids": policies.count("forbid") if policies else None,
                "problems": [p.to_dict() for p in check.problems],
            }
        )
    elif policies is not None:
        schema = f", validated against {sources.schema.path}" if sources.schema else ""
        files = len(sources.files)
        print(
            f"{args.path}: valid: {policies.count('permit')} permit and"
            f" {policies.count('forbid')} forbid in {files} file{'' if files == 1 else 's'}"
            f"{schema}"
        )
        if not policies.policies:
            print("note: no policies: every request would be denied")
    else:
        for problem in check.problems:
            print(problem)
        count = len(check.problems)
        print(f"{args.path}: invalid: {count} problem{'' if count == 1 else 's'}")
    return 0 if check.ok else 1


async def _explain(args: argparse.Namespace) -> int:
    engine = PolicyEngine(Path(args.policies), schema=args.schema)
    kind, name = args.resource
    explanation = engine.explanation(
        args.principal,
        args.roles,
        args.action,
        kind,
        name,
        context=dict(args.context),
        attributes=dict(args.attributes),
    )
    if args.json:
        print_json(explanation.to_dict())
    else:
        print(explanation)
    return 0 if explanation.decision.allowed else 1
