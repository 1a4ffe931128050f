"""The one settings model of MCP Workbench: a TOML file, then environment, then CLI flags.

Environment variables use the prefix ``MCP_WORKBENCH_`` (``MCP_WORKBENCH_PORT=9000``); list
values are JSON (``MCP_WORKBENCH_TOOLS='["pkg.mod"]'``). A settings file is TOML, with the
same field names at top level.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mcp_workbench.errors import WorkbenchError

__all__ = ["RateRule", "Settings", "default_data_dir", "load_settings"]


def default_data_dir() -> Path:
    """Where the workbench keeps its data unless told otherwise (per user, per platform)."""
    return Path(user_data_dir("mcp-workbench", appauthor=False))


class RateRule(BaseModel):
    """A token bucket: ``burst`` requests at once, refilled at ``rate`` per second."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: str = Field(
        "*", description="Tool name pattern (tools/call) or method name pattern, e.g. 'notes.*'."
    )
    per: Literal["session", "principal"] = Field(
        "session", description="One bucket per session, or one per principal across sessions."
    )
    rate: float = Field(gt=0, description="Tokens added per second.")
    burst: int = Field(ge=1, description="Bucket size: requests allowed at once.")


class Settings(BaseSettings):
    """Everything that can be configured, with its default."""

    model_config = SettingsConfigDict(env_prefix="MCP_WORKBENCH_", extra="forbid")

    server_name: str = Field("mcp-workbench", description="Name reported to MCP clients.")
    node_name: str | None = Field(
        None,
        description="This server's name among several sharing one store: its catalog "
        "journal is kept under it (default: the host name).",
    )
    instructions: str | None = Field(
        None, description="Guidance for models on how to use this server, sent to clients."
    )
    host: str = Field("127.0.0.1", description="Address the HTTP transport binds to.")
    port: int = Field(8765, ge=0, le=65535, description="Port of the HTTP transport (0: any).")
    listen_tcp: list[str] = Field(
        default_factory=list, description="`listen`: TCP addresses (HOST:PORT), JSON lines."
    )
    listen_unix: list[str] = Field(
        default_factory=list, description="`listen`: Unix socket paths (owner-only), JSON lines."
    )
    listen_ws: list[str] = Field(
        default_factory=list, description="`listen`: WebSocket addresses (HOST:PORT)."
    )
    listen_http: list[str] = Field(
        default_factory=list, description="`listen`: Streamable HTTP addresses (HOST:PORT)."
    )
    mcp_path: str = Field("/mcp", description="URL path of the Streamable HTTP endpoint.")
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the HTTP endpoint besides same-host loopback "
        "ones; '*' allows any (only behind an authenticating proxy).",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host header values accepted besides loopback names (DNS rebinding guard).",
    )
    tools: list[str] = Field(
        default_factory=list,
        description="Python modules to load tools, prompts and resources from; "
        "'ns=pkg.module' mounts them under the namespace 'ns'.",
    )
    builtin_tools: bool = Field(
        True, description="Serve the built-in 'workbench.*' tools and resources."
    )
    entry_points: bool = Field(
        True, description="Also load modules from the 'mcp_workbench.tools' entry-point group."
    )
    include: list[str] = Field(
        default_factory=list, description="Only serve items whose name matches these patterns."
    )
    exclude: list[str] = Field(
        default_factory=list, description="Never serve items whose name matches these patterns."
    )
    page_size: int = Field(100, ge=1, le=10_000, description="Items per page of list results.")
    max_message_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Largest JSON-RPC message accepted, in bytes."
    )
    tool_timeout: float = Field(
        300.0, gt=0, description="Seconds a tool call may run before it is cancelled."
    )
    worker_threads: int = Field(16, ge=1, le=512, description="Threads that run synchronous tools.")
    socket_idle_timeout: float = Field(
        300.0,
        gt=0,
        description="Seconds a TCP, Unix or WebSocket connection may stay silent (with nothing "
        "running or subscribed) before it is closed.",
    )
    ws_ping_interval: float = Field(
        20.0, gt=0, description="Seconds between WebSocket pings; a peer silent for two is dropped."
    )
    ws_path: str = Field("/ws", description="URL path of the WebSocket endpoint.")
    session_idle_timeout: float = Field(
        3600.0, gt=0, description="Seconds an idle HTTP session is kept before it expires."
    )
    sse_keepalive: float = Field(
        15.0, gt=0, description="Seconds between keep-alive comments on idle SSE streams."
    )
    sse_retry_ms: int = Field(
        1000, ge=0, description="Reconnect delay suggested to clients on resumable SSE streams."
    )
    sse_history: int = Field(
        256, ge=0, description="SSE events kept per stream for Last-Event-ID resumption."
    )
    list_ttl_ms: int = Field(
        0, ge=0, description="Freshness hint (ttlMs) on cacheable results; 0: always refetch."
    )
    task_ttl: float = Field(
        3600.0, gt=0, description="Seconds a task (tasks extension) is kept after it starts."
    )
    task_poll_interval: float = Field(
        0.5, gt=0, description="Polling interval suggested to clients waiting on a task."
    )
    request_state_secret: str | None = Field(
        None,
        description="Key that protects MRTR requestState; random per process when unset "
        "(set it when several nodes serve one client).",
    )
    auth: bool = Field(
        False,
        description="Require a bearer JWT on every network transport (HTTP, WebSocket, TCP, "
        "Unix); stdio always runs as the OS user.",
    )
    auth_secret: SecretStr | None = Field(
        None, description="Shared HS256 secret (32+ bytes); default: the data dir's secrets file."
    )
    auth_issuer: str | None = Field(None, description="Required `iss` of tokens.")
    auth_audience: str | None = Field(None, description="Required `aud` of tokens.")
    auth_jwks_url: str | None = Field(None, description="JWKS URL of an identity provider.")
    auth_public_key_files: list[Path] | None = Field(
        None, description="PEM public keys that sign tokens."
    )
    auth_local_secret: bool | None = Field(
        None, description="Also accept tokens from `mcp-workbench token issue` (default true)."
    )
    auth_role_claims: list[str] | None = Field(
        None, description="Claims holding roles (default roles, groups; dotted paths reach in)."
    )
    auth_leeway: float | None = Field(None, description="Clock skew tolerated, seconds (30).")
    auth_signing_key_file: Path | None = Field(
        None, description="Private key `token issue` signs with instead of the shared secret."
    )
    auth_token_ttl: float | None = Field(None, description="Lifetime of issued tokens (900 s).")
    tls_cert: Path | None = Field(
        None, description="PEM certificate (chain): TCP, WebSocket and HTTP listeners use TLS."
    )
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert.")
    tls_client_ca: Path | None = Field(
        None,
        description="CA bundle client certificates must chain to (mutual TLS); the "
        "certificate's common name is the principal unless a token says otherwise.",
    )
    policy_path: Path | None = Field(
        None,
        description="Cedar policy file or directory (with an optional *.cedarschema); "
        "reloaded on change. Unset: everyone may do everything.",
    )
    resume_grace: float = Field(
        60.0,
        ge=0,
        description="Seconds a TCP, Unix or WebSocket session that asked for a resume token "
        "(workbench/session) is kept after its connection drops, for workbench/resume on a "
        "new one; 0: sessions end with their connection.",
    )
    resume_buffer: int = Field(
        1000,
        ge=1,
        description="Messages held for a dropped session; one more and it cannot be resumed.",
    )
    audit_file: Path | None = Field(
        None,
        description="Also write each audit entry (refusals, failed authentications, changes) "
        "to this file as a JSON line; it is created owner-only. The store always keeps them.",
    )
    preauth_timeout: float = Field(
        10.0,
        gt=0,
        description="With authentication on: seconds a TCP, Unix or WebSocket client has to "
        "send workbench/authenticate before the connection is closed.",
    )
    max_sessions: int = Field(
        10_000, ge=1, description="Sessions (connections, legacy HTTP sessions) open at once."
    )
    max_sessions_per_principal: int = Field(
        1_000, ge=1, description="Sessions one principal may have open at once."
    )
    drain_timeout: float = Field(
        30.0, ge=0, description="On shutdown, seconds running calls get to finish."
    )
    rate_limits: list[RateRule] = Field(
        default_factory=list,
        description="Token-bucket limits; a request must find a token in every rule it matches.",
    )
    catalog_log_size: int = Field(
        10_000,
        ge=1,
        description="Catalog changes kept for workbench/catalog/delta; a mirror further "
        "behind takes a snapshot.",
    )
    vault_path: Path = Field(
        Path("/data/obsidian"),
        description="The Obsidian vault the store's notes, prompts and boards are kept in "
        "step with (merge mode).",
    )
    vault_sync: bool | None = Field(
        None,
        description="Keep the vault and the store in step while serving. Unset: on for "
        "servers when the vault folder exists, off for stdio (run it beside a server that "
        "syncs).",
    )
    vault_folder: str = Field(
        "Workbench",
        description="The folder inside the vault that holds Prompts/, Knowledge/ and "
        "Boards/ ('' for the vault's root).",
    )
    vault_debounce: float = Field(
        0.1,
        ge=0,
        le=10,
        description="Seconds of quiet after a vault file changes before it is synced "
        "(editors save in several steps).",
    )
    jupyter_roles: list[str] = Field(
        default_factory=lambda: ["admin"],
        description="Inside Jupyter: the roles the access policy gives callers Jupyter "
        "authenticated (with its token they own the server).",
    )
    allow_code_execution: bool = Field(
        False,
        description="Inside Jupyter: let the kernel tools run code (the access policy must "
        "also allow calling them).",
    )
    store: bool = Field(
        True, description="Keep prompts, notes and boards in the store and serve them over MCP."
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Directory of the workbench's own files (the SQLite store among them).",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store; default: the SQLite file workbench.db in "
        "data_dir. PostgreSQL: postgresql+psycopg://user:password@host/database.",
    )
    store_poll_interval: float = Field(
        1.0,
        ge=0,
        description="Seconds between looks at the event log for changes other processes "
        "(the CLI, other nodes) made to the same store; 0 turns it off.",
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest note, prompt or card text stored, in bytes."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Level of the server's own log (always on stderr)."
    )
    log_format: Literal["json", "text"] = Field("text", description="Format of the server log.")

    @field_validator("mcp_path")
    @classmethod
    def _path_starts_with_slash(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value.rstrip("/") or "/"


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from ``config_file`` (TOML), the environment and ``overrides`` (CLI flags).

    Later sources win: file < environment < overrides. ``None`` overrides are ignored.

    Raises:
        WorkbenchError: the file cannot be read or a value is invalid (message says which).
    """
    file_values: dict[str, Any] = {}
    if config_file is not None:
        try:
            file_values = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise WorkbenchError(f"cannot read settings file {config_file}: {exc}") from exc
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        env_only = Settings()
        env_set = env_only.model_fields_set
        merged = {**file_values, **{k: getattr(env_only, k) for k in env_set}, **given}
        return Settings.model_validate(merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise WorkbenchError(f"invalid settings: {problems}") from exc
