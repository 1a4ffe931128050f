"""A real Jupyter server (pytest-jupyter) with the workbench extension enabled, a fresh
data directory per test, and the demo tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.conftest import FIXTURE_TOOLS


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"mcp_workbench.jupyter": True}},
            "MCPWorkbench": {
                "workbench_data_dir": str(tmp_path / "workbench"),
                "tools": [FIXTURE_TOOLS],
                "entry_points": False,
                "vault_path": str(tmp_path / "vault"),
            },
        }
    )


def workbench_of(serverapp: Any) -> Any:
    return serverapp.web_app.settings["mcp_workbench"]
