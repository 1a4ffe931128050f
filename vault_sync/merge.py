"""Three-way merge of a synced file: the base both sides agreed on, the vault's text
("ours") and the repository's rendered text ("theirs").

Bodies merge by lines (merge3), frontmatter key by key, boards card by card (block id).
A change made on one side only is always taken; the same change on both sides is taken
once; different changes to the same lines, key or card are a conflict, and the merge
gives no text at all — the caller keeps both versions.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from merge3 import Merge3

from vault_sync.errors import UnreadableFile
from vault_sync.frontmatter import (
    Document,
    FrontmatterBlock,
    frontmatter_blocks,
    parse_frontmatter,
    split_document,
)
from vault_sync.kanban import BoardFile, parse_board, serialize_board
from vault_sync.model import Board, Card, EntityKind, Lane

__all__ = [
    "MergeResult",
    "merge_boards",
    "merge_documents",
    "merge_frontmatter",
    "merge_lines",
    "merge_texts",
    "merge_value",
]

T = TypeVar("T")


@dataclass(frozen=True)
class MergeResult:
    """The merged text, or None with what conflicted."""

    text: str | None
    conflicts: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """Whether the merge succeeded."""
        return self.text is not None


class _Matcher:
    """difflib's matcher without its "popular line" heuristic, which misaligns long notes."""

    def __init__(
        self,
        isjunk: Callable[[str], bool] | None = None,
        a: Sequence[str] = "",
        b: Sequence[str] = "",
        autojunk: bool = False,
    ) -> None:
        del autojunk
        self._matcher = difflib.SequenceMatcher(isjunk, a, b, autojunk=False)

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        return [(m.a, m.b, m.size) for m in self._matcher.get_matching_blocks()]


def _regions(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> Any:
    return Merge3(base, ours, theirs, sequence_matcher=_Matcher).merge_regions()


def merge_lines(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge text by lines."""
    if theirs in (ours, base):
        return MergeResult(ours)
    if base == ours:
        return MergeResult(theirs)
    # A missing final newline would make the last line differ on every side.
    lines = [
        (text if text.endswith("\n") or not text else text + "\n") for text in (base, ours, theirs)
    ]
    b, o, t = (text.splitlines(keepends=True) for text in lines)
    out: list[str] = []
    conflicts: list[str] = []
    for region in _regions(b, o, t):
        what = region[0]
        if what == "unchanged":
            out.extend(b[region[1] : region[2]])
        elif what in ("same", "a"):
            out.extend(o[region[1] : region[2]])
        elif what == "b":
            out.extend(t[region[1] : region[2]])
        else:
            conflicts.append(f"lines {region[3] + 1}-{region[4]} changed on both sides")
    if conflicts:
        return MergeResult(None, tuple(conflicts))
    merged = "".join(out)
    if not ours.endswith("\n") and ours and merged.endswith("\n"):
        merged = merged[:-1]
    return MergeResult(merged)


def merge_value(
    base: T, ours: T, theirs: T, same: Callable[[T, T], bool] | None = None
) -> tuple[T, bool]:
    """Three-way merge of one value, taken whole from the side that changed it:
    (result, conflicted)."""
    equal = same or (lambda left, right: left == right)
    if equal(ours, theirs) or equal(base, theirs):
        return ours, False
    if equal(base, ours):
        return theirs, False
    return ours, True


def _merge_order(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> list[str]:
    """Merge three orderings; where both reordered the same stretch, ours wins."""
    out: list[str] = []
    for region in _regions(base, ours, theirs):
        what = region[0]
        if what == "unchanged":
            out.extend(base[region[1] : region[2]])
        elif what in ("same", "a"):
            out.extend(ours[region[1] : region[2]])
        elif what == "b":
            out.extend(theirs[region[1] : region[2]])
        else:
            mine = list(ours[region[3] : region[4]])
            out.extend(mine + [k for k in theirs[region[5] : region[6]] if k not in mine])
    return list(dict.fromkeys(out))


def _place_missing(order: list[str], wanted: Sequence[str], *sources: Sequence[str]) -> list[str]:
    """``order`` restricted to ``wanted``, with wanted keys it lacks put after the key that
    precedes them in the first source that has them."""
    result = [key for key in order if key in set(wanted)]
    for key in wanted:
        if key in result:
            continue
        source = next((s for s in sources if key in s), [])
        position = 0
        if source:
            before = list(source)[: list(source).index(key)]
            for previous in reversed(before):
                if previous in result:
                    position = result.index(previous) + 1
                    break
        result.insert(position, key)
    return result


def _blocks_by_key(blocks: Sequence[FrontmatterBlock]) -> dict[str, str]:
    return {block.key: block.text for block in blocks if block.key is not None}


def merge_frontmatter(base: str | None, ours: str | None, theirs: str | None) -> MergeResult:
    """Merge frontmatter key by key (by lines when a layout cannot be cut into keys).
    The result's text is None only on conflict; a merged "no frontmatter" is ``""``."""
    split = [frontmatter_blocks(text or "") for text in (base, ours, theirs)]
    b, o, t = split
    if b is None or o is None or t is None:
        return merge_lines(base or "", ours or "", theirs or "")
    kb, ko, kt = _blocks_by_key(b), _blocks_by_key(o), _blocks_by_key(t)

    def same(left: str | None, right: str | None) -> bool:
        if left is None or right is None:
            return left is right
        if left == right:
            return True
        try:
            return parse_frontmatter(left) == parse_frontmatter(right)
        except UnreadableFile:
            return False

    merged: dict[str, str] = {}
    conflicts: list[str] = []
    for key in dict.fromkeys([*ko, *kt, *kb]):
        value, conflicted = merge_value(kb.get(key), ko.get(key), kt.get(key), same)
        if conflicted:
            conflicts.append(f"frontmatter key {key!r} changed on both sides")
        elif value is not None:
            merged[key] = value if value.endswith("\n") else value + "\n"
    if conflicts:
        return MergeResult(None, tuple(conflicts))
    order = _place_missing(_merge_order(list(kb), list(ko), list(kt)), list(merged), list(kt))
    lead = [blk.text for blk in o[:1] if blk.key is None]
    tail = [blk.text for blk in o[1:][-1:] if blk.key is None]
    return MergeResult("".join([*lead, *(merged[key] for key in order), *tail]))


def merge_documents(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge a note or prompt: frontmatter by key, body by lines."""
    db, do, dt = split_document(base), split_document(ours), split_document(theirs)
    frontmatter = merge_frontmatter(db.frontmatter, do.frontmatter, dt.frontmatter)
    body = merge_lines(db.body, do.body, dt.body)
    if frontmatter.text is None or body.text is None:
        return MergeResult(None, frontmatter.conflicts + body.conflicts)
    present, _ = merge_value(
        db.frontmatter is not None, do.frontmatter is not None, dt.frontmatter is not None
    )
    fences = do if do.frontmatter is not None else dt
    text = frontmatter.text if present or frontmatter.text else None
    return MergeResult(Document(text, body.text, fences.opening, fences.closing).text)


_ARCHIVE = "archive"


def _lane_keys(base: Sequence[Lane], side: Sequence[Lane]) -> list[str]:
    """Match a side's lanes to the base's: same title first, then same position (a
    rename); the rest are new, keyed by title so both sides adding one lane agree."""
    keys: list[str | None] = [None] * len(side)
    used: set[int] = set()
    for i, lane in enumerate(side):
        for j, old in enumerate(base):
            if j not in used and old.title == lane.title:
                keys[i] = f"lane{j}"
                used.add(j)
                break
    for i in range(len(side)):
        if keys[i] is None and i < len(base) and i not in used:
            keys[i] = f"lane{i}"
            used.add(i)
    seen: dict[str, int] = {}
    for i, lane in enumerate(side):
        if keys[i] is None:
            seen[lane.title] = seen.get(lane.title, 0) + 1
            keys[i] = f"new:{lane.title}:{seen[lane.title]}"
    return [key for key in keys if key is not None]


_Placed = tuple[str, str, str]  # lane key, text, check


class _Side:
    """One board version, as lane attributes, card placements and orders, by key."""

    def __init__(self, board: Board, base: Board) -> None:
        keys = _lane_keys(base.lanes, board.lanes)
        self.lanes = {
            k: (ln.title, ln.wip_limit, ln.complete)
            for k, ln in zip(keys, board.lanes, strict=True)
        }
        self.lane_order = keys
        self.cards: dict[str, _Placed] = {}
        self.ids: dict[str, str] = {}
        self.orders: dict[str, list[str]] = {}
        seen: dict[str, int] = {}
        for lane_key, cards in [
            *zip(keys, (ln.cards for ln in board.lanes), strict=True),
            (_ARCHIVE, board.archive),
        ]:
            order = self.orders.setdefault(lane_key, [])
            for card in cards:
                key = card.id
                if not key:  # a card added in Obsidian without a block id yet
                    seen[card.text] = seen.get(card.text, 0) + 1
                    key = f"~{card.text}#{seen[card.text]}"
                self.cards[key] = (lane_key, card.text, card.check)
                self.ids[key] = card.id
                order.append(key)


def _merge_card(
    key: str, b: _Placed | None, o: _Placed | None, t: _Placed | None, conflicts: list[str]
) -> _Placed | None:
    if b is None:
        if o is not None and t is not None and o != t:
            conflicts.append(f"card {key!r} added differently on both sides")
        return o or t
    if o is None or t is None:  # deleted on one side: an edit on the other side wins
        other = t if o is None else o
        return None if other is None or other == b else other
    lane, lane_conflict = merge_value(b[0], o[0], t[0])
    check, check_conflict = merge_value(b[2], o[2], t[2])
    text, text_conflict = merge_value(b[1], o[1], t[1])
    if text_conflict:
        merged = merge_lines(b[1] + "\n", o[1] + "\n", t[1] + "\n")
        text_conflict = merged.text is None
        text = (merged.text or "").rstrip("\n")
    if lane_conflict or check_conflict or text_conflict:
        conflicts.append(f"card {key!r} changed on both sides")
    return lane, text, check


def _merge_board(base: Board, ours: Board, theirs: Board, conflicts: list[str]) -> Board:
    sb, so, st = _Side(base, base), _Side(ours, base), _Side(theirs, base)
    cards: dict[str, _Placed] = {}
    for key in dict.fromkeys([*so.cards, *st.cards, *sb.cards]):
        placed = _merge_card(
            key, sb.cards.get(key), so.cards.get(key), st.cards.get(key), conflicts
        )
        if placed is not None:
            cards[key] = placed
    lanes: dict[str, tuple[str, int, bool]] = {}
    for key in dict.fromkeys([*so.lanes, *st.lanes, *sb.lanes]):
        b, o, t = sb.lanes.get(key), so.lanes.get(key), st.lanes.get(key)
        if b is not None and (o is None or t is None):
            other = t if o is None else o
            if other is not None and other != b:
                lanes[key] = other  # renamed or re-limited on one side: keep it
            elif any(lane == key for lane, _, _ in cards.values()):
                lanes[key] = other or b  # a card still lives there
            continue
        if b is None or o is None or t is None:  # new on one side (or both: ours wins)
            value = o or t
            if value is not None:
                lanes[key] = value
            continue
        title, title_clash = merge_value(b[0], o[0], t[0])
        wip, wip_clash = merge_value(b[1], o[1], t[1])
        complete, complete_clash = merge_value(b[2], o[2], t[2])
        if title_clash or wip_clash or complete_clash:
            conflicts.append(f"lane {title!r} changed on both sides")
        lanes[key] = (title, wip, complete)
    for lane_key, _, _ in cards.values():
        if lane_key != _ARCHIVE and lane_key not in lanes:
            conflicts.append(f"lane {lane_key!r} was deleted while it got cards")
    order = _merge_order(sb.lane_order, so.lane_order, st.lane_order)
    order = _place_missing(order, list(lanes), so.lane_order, st.lane_order)

    def lane_cards(lane_key: str) -> tuple[Card, ...]:
        wanted = [key for key, placed in cards.items() if placed[0] == lane_key]
        mine = [
            [key for key in side.orders.get(lane_key, []) if key in wanted] for side in (sb, so, st)
        ]
        keys = _place_missing(_merge_order(*mine), wanted, mine[1], mine[2])
        ids = {**sb.ids, **st.ids, **so.ids}
        return tuple(Card(ids.get(key, ""), cards[key][1], cards[key][2]) for key in keys)

    return Board(
        id=ours.id,
        name=ours.name,
        lanes=tuple(Lane(lanes[k][0], lane_cards(k), lanes[k][1], lanes[k][2]) for k in order),
        archive=lane_cards(_ARCHIVE),
    )


def merge_boards(base: str, ours: str, theirs: str, *, name: str = "") -> MergeResult:
    """Merge board files card by card (block id), lanes by title, frontmatter by key;
    the settings block is taken from whichever side changed it."""
    try:
        fb, fo, ft = (parse_board(text, name=name) for text in (base, ours, theirs))
    except UnreadableFile as exc:
        return MergeResult(None, (f"a board version cannot be read: {exc}",))
    conflicts: list[str] = []
    frontmatter = merge_frontmatter(fb.frontmatter, fo.frontmatter, ft.frontmatter)
    conflicts.extend(frontmatter.conflicts)
    settings, settings_conflict = merge_value(fb.settings, fo.settings, ft.settings)
    if settings_conflict:
        conflicts.append("the board settings changed on both sides")
    board = _merge_board(fb.board, fo.board, ft.board, conflicts)
    if conflicts or frontmatter.text is None:
        return MergeResult(None, tuple(conflicts))
    board_id = parse_frontmatter(frontmatter.text).get("id")
    board = Board(str(board_id or ""), board.name, board.lanes, board.archive)
    return MergeResult(serialize_board(BoardFile(board, frontmatter.text, settings, fo.indent)))


def merge_texts(
    kind: EntityKind, base: str, ours: str, theirs: str, *, name: str = ""
) -> MergeResult:
    """Merge one synced file's three versions the way its kind merges."""
    if kind is EntityKind.BOARD:
        return merge_boards(base, ours, theirs, name=name)
    return merge_documents(base, ours, theirs)
