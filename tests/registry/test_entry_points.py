"""Tools published by other distributions through the ``mcp_workbench.tools`` entry points."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_workbench import Settings
from mcp_workbench.app import build_engine


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A distribution on sys.path whose entry point ``acme`` names a tools module."""
    (tmp_path / "acme_tools.py").write_text(
        "from mcp_workbench import tool\n\n"
        "@tool\n"
        "def ping() -> str:\n"
        '    """Answer pong."""\n'
        "    return 'pong'\n"
    )
    dist = tmp_path / "acme_tools-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tools\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[mcp_workbench.tools]\nacme = acme_tools\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("acme_tools", None)


def test_entry_point_modules_are_loaded_under_their_name(installed_plugin: Path) -> None:
    engine = build_engine(Settings(builtin_tools=False))
    assert "acme.ping" in engine.registry.tools
    engine = build_engine(Settings(builtin_tools=False, entry_points=False))
    assert "acme.ping" not in engine.registry.tools
