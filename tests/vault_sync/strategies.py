"""Hypothesis strategies for vault_sync: boards within what the Kanban format can say."""

from __future__ import annotations

import re
import string

from hypothesis import strategies as st

from vault_sync.kanban import DEFAULT_SETTINGS, BoardFile, new_board_file
from vault_sync.model import Board, Card, Lane

_WORD = string.ascii_letters + string.digits
# No "<" (the plugin reads "<br>" as a line break), no "^" (block ids), no backticks or
# "%" (code fences and the settings marker), no tabs.
_CARD_CHARS = _WORD + " #@{}[]().,:!?'/*_-=+"
_TITLE_CHARS = _WORD + " .,:!?'/*_-&"


def _line(chars: str, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(alphabet=chars, min_size=min_size, max_size=14)


@st.composite
def lane_titles(draw: st.DrawFn) -> str:
    lines = draw(st.lists(_line(_TITLE_CHARS, 1), min_size=1, max_size=2))
    title = "\n".join(lines).strip()
    # "Title (3)" is how a WIP limit is written, so a title cannot end like that.
    if not title or re.search(r"\(\d+\)$", title):
        return "Lane"
    return title


# Continuation lines that are Markdown structure of their own inside a card.
_STRUCTURE = st.sampled_from(
    ["- nested item", "  - deeper", "1. numbered", "> quoted", "# heading", "***", "    code", ""]
)


@st.composite
def card_texts(draw: st.DrawFn) -> str:
    first = draw(_line(_CARD_CHARS, 1)).strip() or "card"
    rest = draw(st.lists(_line(_CARD_CHARS) | _STRUCTURE, max_size=3))
    return "\n".join([first, *rest]).strip()


block_ids = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=6, max_size=6)
checks = st.sampled_from([" ", " ", "x", "X", "/", "-"])


@st.composite
def boards(draw: st.DrawFn, *, with_ids: bool = True) -> Board:
    ids = iter(draw(st.lists(block_ids, min_size=24, max_size=24, unique=True)))

    def card() -> Card:
        card_id = next(ids) if with_ids or draw(st.booleans()) else ""
        return Card(card_id, draw(card_texts()), draw(checks))

    lanes = tuple(
        Lane(
            draw(lane_titles()),
            tuple(card() for _ in range(draw(st.integers(0, 3)))),
            draw(st.sampled_from([0, 0, 1, 5, 12])),
            draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    archive = tuple(card() for _ in range(draw(st.integers(0, 2))))
    board_id = draw(st.sampled_from(["board-1", "42", "1e5", "true", "b7f3"]))
    return Board(board_id, "Board", lanes, archive)


@st.composite
def board_files(draw: st.DrawFn, *, with_ids: bool = True) -> BoardFile:
    board = draw(boards(with_ids=with_ids))
    settings = draw(
        st.sampled_from(
            [
                DEFAULT_SETTINGS,
                None,
                '%% kanban:settings\n```\n{"kanban-plugin":"board","lane-width":300}\n```\n%%',
            ]
        )
    )
    return BoardFile(board, new_board_file(board).frontmatter, settings)
