"""The REST API's own shapes: request bodies, query strings, and the answers that are not
service models (those come from :mod:`mcp_workbench.service.models` as they are).

Bodies refuse unknown fields, so a misspelt field is a 400 rather than silently ignored;
query strings ignore them (Jupyter clients may add their own, such as ``token``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mcp_workbench.service import DEFAULT_LANES, LaneSpec, PromptArgument, PromptMessage

__all__ = [
    "ApiIndex",
    "AuditQuery",
    "BoardCreate",
    "BoardQuery",
    "BoardUpdate",
    "CardCreate",
    "CardMove",
    "CardUpdate",
    "ErrorReply",
    "FeedbackCreate",
    "FeedbackQuery",
    "LabelSet",
    "NoteListQuery",
    "NoteMove",
    "NoteSearchQuery",
    "NoteWrite",
    "PolicyAction",
    "PolicyExplanation",
    "PolicyKind",
    "PolicyQuestion",
    "PolicyRule",
    "PolicyStatus",
    "PromptCreate",
    "PromptListQuery",
    "PromptQuery",
    "PromptUpdate",
    "RenderRequest",
    "SessionInfo",
    "ToolDescriptor",
    "ToolResult",
]

PolicyAction = Literal["list", "call", "read", "write", "admin"]
"""The policy's actions (as :data:`mcp_workbench.policy.ACTIONS`; spelt out here so that
loading the API does not load Cedar)."""
PolicyKind = Literal["tool", "prompt", "resource", "board"]
"""The policy's resource kinds (as :data:`mcp_workbench.policy.RESOURCE_KINDS`)."""

Version = Annotated[int, Field(ge=1)]
Position = Annotated[int | None, Field(ge=0, description="0 is the top; default: the bottom.")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- prompts -------------------------------------------------------------------------------
class PromptCreate(_Body):
    """A new prompt (version 1): a template, or messages."""

    name: str = Field(description="1-128 letters, digits, '.', '_' or '-'.")
    template: str | None = Field(None, description="One user message; {{name}} is an argument.")
    messages: list[PromptMessage] | None = Field(None, description="Instead of a template.")
    description: str = ""
    arguments: list[PromptArgument] | None = Field(
        None, description="Declared arguments; by default every {{placeholder}}."
    )
    labels: list[str] = Field(default_factory=list, description="Labels to put on version 1.")


class PromptUpdate(_Body):
    """A new version; what is not given is kept from the newest one."""

    template: str | None = None
    messages: list[PromptMessage] | None = None
    description: str | None = None
    arguments: list[PromptArgument] | None = None
    message: str = Field("", description="What changed, for the history.")
    labels: list[str] = Field(default_factory=list, description="Labels to move to it.")


class PromptListQuery(_Query):
    """Which prompts to list."""

    q: str | None = Field(
        None,
        max_length=500,
        description="Words that must all occur in the name or description (any case).",
    )


class PromptQuery(_Query):
    """Which version of a prompt: by label, by number, or (neither) the newest."""

    label: str | None = Field(None, description="e.g. 'production'.")
    version: Version | None = None


class LabelSet(_Body):
    """Where a label should point."""

    version: Version


class RenderRequest(_Body):
    """The values of a prompt's arguments, and which version to fill in."""

    arguments: dict[str, str] = Field(default_factory=dict)
    label: str | None = None
    version: Version | None = None


# -- notes ---------------------------------------------------------------------------------
class NoteWrite(_Body):
    """The content of a note; title, tags and links are derived from it unless given."""

    body: str = Field(description="Markdown, without frontmatter.")
    title: str | None = None
    frontmatter: dict[str, Any] | None = None
    tags: list[str] | None = Field(
        None, description="Default: frontmatter tags and #tags in the body."
    )


class NoteMove(_Body):
    """Where a note goes."""

    new_path: str = Field(description="Vault-relative path; '.md' is added when missing.")


class NoteListQuery(_Query):
    """Which notes to list, by path."""

    prefix: str = Field("", description="Only notes under this folder, e.g. 'projects/'.")
    tag: str | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    offset: Annotated[int, Field(ge=0)] = 0


class NoteSearchQuery(_Query):
    """A full-text search."""

    q: str = Field(min_length=1, description="Words that must all occur; 'word*' = prefix.")
    limit: Annotated[int, Field(ge=1, le=200)] = 20
    tag: str | None = None


# -- boards and cards ----------------------------------------------------------------------
def _default_lanes() -> list[str | LaneSpec]:
    return [*DEFAULT_LANES]


class BoardCreate(_Body):
    """A new board."""

    title: str
    lanes: Annotated[list[str | LaneSpec], Field(min_length=1)] = Field(
        default_factory=_default_lanes,
        description="Lane titles (or lanes with WIP limits), in order.",
    )
    id: str | None = Field(None, description="Default: made from the title.")


class BoardUpdate(_Body):
    """A change to a board: rename, archive, or replace its lanes."""

    title: str | None = None
    lanes: list[LaneSpec] | None = Field(
        None, description="All lanes in order; an existing lane keeps its id."
    )
    archived: bool | None = None


class BoardQuery(_Query):
    """Whether archived boards (in a list) or cards (on a board) are included."""

    include_archived: bool = False


class CardCreate(_Body):
    """A new card."""

    lane: str = Field(description="Lane id or title.")
    title: str
    body: str = ""
    due: str | None = Field(None, description="YYYY-MM-DD")
    tags: list[str] | None = None
    position: Position = None
    force: bool = Field(False, description="Ignore the lane's WIP limit.")


class CardUpdate(_Body):
    """A change to a card's fields."""

    title: str | None = None
    body: str | None = None
    due: str | None = Field(None, description="YYYY-MM-DD; '' clears it.")
    tags: list[str] | None = None
    done: bool | None = None


class CardMove(_Body):
    """Where a card goes."""

    lane: str | None = Field(None, description="Lane id or title; default: its own.")
    position: Position = None
    force: bool = Field(False, description="Ignore the target lane's WIP limit.")


# -- tools ---------------------------------------------------------------------------------
class ToolDescriptor(BaseModel):
    """A tool as MCP ``tools/list`` describes it."""

    model_config = ConfigDict(extra="allow")

    name: str
    title: str | None = None
    description: str | None = None
    inputSchema: dict[str, Any]
    outputSchema: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None


class ToolResult(BaseModel):
    """The result of MCP ``tools/call``: a tool's failure is a result with ``isError``."""

    model_config = ConfigDict(extra="allow")

    content: list[dict[str, Any]]
    structuredContent: dict[str, Any] | None = None
    isError: bool | None = None


# -- sessions, audit, policy ---------------------------------------------------------------
class SessionInfo(BaseModel):
    """An open MCP session, without what would let anyone take it over."""

    id: str = Field(description="The first characters of the session id.")
    transport: str
    principal: str | None
    roles: list[str]
    protocol_version: str | None = Field(description="Negotiated by a legacy handshake.")
    client: str | None = Field(description="The client's name, as it declared itself.")
    age_seconds: float
    idle_seconds: float
    in_flight: int = Field(description="Requests running now.")


class AuditQuery(_Query):
    """Which audit entries: oldest first from ``after``, or newest first from ``before``."""

    order: Literal["oldest", "newest"] = Field(
        "oldest",
        description="oldest: entries numbered above `after`, oldest first; newest: entries "
        "numbered below `before` (from the newest when absent), newest first.",
    )
    after: Annotated[int, Field(ge=0)] = 0
    before: Annotated[int | None, Field(ge=1)] = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    principal: str | None = None
    outcome: Literal["ok", "denied", "failed"] | None = None


class PolicyStatus(BaseModel):
    """The access policy in force."""

    active: bool = Field(description="False: no policy files, everyone may do everything.")
    path: str | None
    source: str
    version: int = Field(description="1 at start, one more per successful reload.")
    files: list[str]
    permits: int
    forbids: int
    last_error: str | None = Field(description="Why the last reload failed, if it did.")


class PolicyQuestion(_Body):
    """May ``principal`` (holding ``roles``) do ``action`` to the ``kind`` named ``name``?"""

    principal: str
    roles: list[str] = Field(default_factory=list)
    action: PolicyAction
    kind: PolicyKind
    name: str = Field(description="e.g. a tool name, a prompt name, note://x.md, a board id.")
    context: dict[str, Any] = Field(default_factory=dict)
    attributes: dict[str, Any] = Field(default_factory=dict)


class PolicyRule(BaseModel):
    """One policy as written, and where."""

    id: str
    effect: Literal["permit", "forbid"]
    file: str
    line: int
    annotation: str | None
    text: str


class PolicyExplanation(BaseModel):
    """A decision and the policies behind it; ``explanation`` tells it in words."""

    decision: Literal["allow", "deny"]
    allowed: bool
    reasons: list[str]
    errors: list[str]
    version: int
    principal: str
    roles: list[str]
    action: str
    resource: str
    namespace: str | None
    context: dict[str, Any]
    source: str
    determining: list[PolicyRule]
    overridden: list[PolicyRule]
    explanation: str


# -- feedback ------------------------------------------------------------------------------
FeedbackEntity = Literal["prompt", "note", "card"]


class FeedbackCreate(_Body):
    """A rating (0..1), a comment, or both."""

    entity: FeedbackEntity
    entity_id: str = Field(description="Prompt name, note id or card id.")
    score: Annotated[float | None, Field(ge=0, le=1)] = None
    comment: str = ""
    version: int | None = Field(None, description="The version the feedback is about.")


class FeedbackQuery(_Query):
    """Whose feedback to list."""

    entity: FeedbackEntity
    entity_id: str = Field(description="Prompt name, note id or card id.")


# -- the API itself ------------------------------------------------------------------------
class ApiIndex(BaseModel):
    """What the API root tells: its version and where its description is."""

    name: str
    version: str
    openapi: str = Field(description="URL of the OpenAPI document.")
    store: bool = Field(description="Whether the store is on (else its routes answer 503).")


class ErrorReply(BaseModel):
    """An error, as Jupyter's API handlers answer them, with the workbench's details."""

    message: str
    reason: str | None = Field(description="The kind of error, e.g. 'Conflict'.")
    data: Any = Field(
        None,
        description="Details: for a Conflict, current and expected (versions) and, when a "
        "merge clashed, fields (each field that clashed, with how).",
    )


class VaultConflict(BaseModel):
    """An item vault sync found changed on both sides in ways that do not merge."""

    kind: Literal["prompt", "note", "board"]
    id: str = Field(description="The frontmatter id of its file.")
    path: str = Field(description="Its file, relative to the vault.")
    copy_path: str = Field(description="The conflict copy beside it (the store's version).")


class VaultProblem(BaseModel):
    """A vault file sync left as it is, and why."""

    path: str
    reason: str


class VaultStatus(BaseModel):
    """Vault sync: where, whether it runs, what it did, what waits for a resolve."""

    enabled: bool = Field(description="False: this server does not sync a vault.")
    vault: str
    folder: str
    ready: bool = Field(description="The first reconcile since start is done.")
    reconciled_at: float | None
    last_sync_at: float | None
    imported: int = Field(description="Changes taken from the vault since start.")
    exported: int = Field(description="Changes written to the vault since start.")
    conflicts: list[VaultConflict]
    problems: list[VaultProblem] = Field(description="The latest files left alone.")


class VaultResolve(_Body):
    """End a conflict: keep the vault's version, the store's, or a hand-merged text."""

    kind: Literal["prompt", "note", "board"]
    id: str = Field(description="The frontmatter id (or note path, prompt name, board id).")
    keep: Literal["vault", "store"] | None = None
    text: str | None = Field(None, description="The whole file as it should be.")
