"""The echo tool our server serves in the benchmark (``--tools bench.echo_tools``)."""

from __future__ import annotations

from mcp_workbench import tool


@tool
async def echo(text: str) -> str:
    """Repeat the text."""
    return text
