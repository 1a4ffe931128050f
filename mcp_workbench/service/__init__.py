"""The application layer: every change to workbench data goes through here."""

from __future__ import annotations

from mcp_workbench.service.boards import (
    DEFAULT_LANES,
    BoardService,
    LaneSpec,
    board_slug,
    board_uri,
)
from mcp_workbench.service.core import Limits, ServiceCore
from mcp_workbench.service.feedback import FeedbackService
from mcp_workbench.service.models import (
    Board,
    BoardView,
    Card,
    Feedback,
    Lane,
    Note,
    NoteSummary,
    PromptArgument,
    PromptInfo,
    PromptMessage,
    PromptVersion,
    SearchHit,
)
from mcp_workbench.service.notes import NoteService, note_path, note_uri
from mcp_workbench.service.prompts import LATEST, PromptService, split_ref
from mcp_workbench.service.workbench import Workbench

__all__ = [
    "DEFAULT_LANES",
    "LATEST",
    "Board",
    "BoardService",
    "BoardView",
    "Card",
    "Feedback",
    "FeedbackService",
    "Lane",
    "LaneSpec",
    "Limits",
    "Note",
    "NoteService",
    "NoteSummary",
    "PromptArgument",
    "PromptInfo",
    "PromptMessage",
    "PromptService",
    "PromptVersion",
    "SearchHit",
    "ServiceCore",
    "Workbench",
    "board_slug",
    "board_uri",
    "note_path",
    "note_uri",
    "split_ref",
]
