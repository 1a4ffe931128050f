"""Version of the mcp-workbench distribution."""

__version__ = "0.1.0"
