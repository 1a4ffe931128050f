"""The policy layer stands alone: the standard library, Cedar, and the error tree."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import mcp_workbench.policy

PACKAGE = Path(mcp_workbench.policy.__file__).parent
ALLOWED = {"cedarpy", "mcp_workbench.errors"}


def test_policy_imports_only_stdlib_cedar_and_errors() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                ok = (
                    top in sys.stdlib_module_names
                    or module in ALLOWED
                    or module.startswith("mcp_workbench.policy")
                )
                assert ok, f"{path.name} imports {module}"
