"""Random concurrent edits on both sides: no edit is lost, the sides converge when there is
no true conflict, and a conflict keeps both versions."""

from __future__ import annotations

import asyncio
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.vault_sync.conftest import make_sync
from vault_sync import (
    Board,
    Card,
    EntityKind,
    InMemoryRepository,
    Lane,
    SyncReport,
    VaultLayout,
    VaultNote,
    VaultSync,
)
from vault_sync.codec import parse_entity, read_id, same_entity
from vault_sync.frontmatter import split_document, update_frontmatter
from vault_sync.kanban import new_board_file, parse_board, serialize_board
from vault_sync.paths import is_conflict_copy

K = "Workbench/Knowledge"
MARKER = re.compile(r"^[vr]\d+$")
NOTES = 3

Op = tuple[str, int, int]  # what, which note, where (a line index or a lane)
ops = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "vault_insert",
                "vault_insert",
                "repo_insert",
                "repo_insert",
                "vault_status",
                "repo_status",
                "vault_delete",
                "repo_delete",
                "vault_move",
                "repo_move",
                "vault_new",
                "repo_new",
                "sync",
                "sync",
            ]
        ),
        st.integers(0, NOTES - 1),
        st.integers(0, 6),
    ),
    min_size=1,
    max_size=14,
)


@dataclass
class World:
    """A vault and a repository kept by one sync, and what changed since the last sync."""

    root: Path
    repo: InMemoryRepository
    sync: VaultSync
    ids: list[str] = field(default_factory=list)
    counter: int = 0
    changed: dict[tuple[str, str], bool] = field(default_factory=dict)
    status: dict[tuple[str, str], str] = field(default_factory=dict)
    """The status each side last set on a note since the last sync."""
    deleted: dict[tuple[str, str], bool] = field(default_factory=dict)

    def marker(self, side: str) -> str:
        self.counter += 1
        return f"{side[0]}{self.counter}"

    def files(self) -> dict[str, Path]:
        """Note id -> its file (conflict copies left out)."""
        out: dict[str, Path] = {}
        for path in sorted((self.root / K).rglob("*.md")):
            if not is_conflict_copy(path.name):
                note_id = read_id(path.read_text())
                if note_id:
                    out[note_id] = path
        return out

    def notes(self) -> dict[str, VaultNote]:
        return {k[1]: e for k, e in self.repo.entities.items() if isinstance(e, VaultNote)}


def markers_of_text(text: str) -> set[str]:
    return {line for line in split_document(text).body.split("\n") if MARKER.match(line)}


def markers_of_note(note: VaultNote) -> set[str]:
    return {line for line in note.body.split("\n") if MARKER.match(line)}


def status_of_text(text: str) -> str | None:
    found = re.search(r"^status: (\w+)$", split_document(text).frontmatter or "", re.MULTILINE)
    return found.group(1) if found else None


def everywhere(world: World) -> set[str]:
    found: set[str] = set()
    for path in (world.root / K).rglob("*.md"):
        found |= markers_of_text(path.read_text())
    for note in world.notes().values():
        found |= markers_of_note(note)
    return found


def insert(lines: list[str], where: int, marker: str) -> list[str]:
    at = where % (len(lines) + 1)
    return [*lines[:at], marker, *lines[at:]]


async def apply(world: World, op: Op) -> None:
    what, index, where = op
    side = what.split("_")[0]
    note_id = world.ids[index % len(world.ids)]
    files, notes = world.files(), world.notes()
    path, note = files.get(note_id), notes.get(note_id)
    if what == "vault_new":
        (world.root / K / f"New {world.counter}.md").write_text(world.marker("vault") + "\n")
        return
    if what == "repo_new":
        new_id = f"repo-new-{world.counter}"
        world.ids.append(new_id)
        await world.repo.put_entity(VaultNote(new_id, f"{new_id}.md", world.marker("repo")))
        return
    if (side == "vault" and path is None) or (side == "repo" and note is None):
        return
    if what == "vault_move" and path is not None:
        target = world.root / K / f"moved-{where}" / path.name
        if target.exists():  # already there: no change at all
            return
    world.changed[side, note_id] = True
    if what == "vault_insert" and path is not None:
        doc = split_document(path.read_text())
        body = "\n".join(insert(doc.body.split("\n"), where, world.marker("vault")))
        path.write_text(replace(doc, body=body).text)
    elif what == "repo_insert" and note is not None:
        body = "\n".join(insert(note.body.split("\n"), where, world.marker("repo")))
        await world.repo.put_entity(replace(note, body=body))
    elif what == "vault_status" and path is not None:
        doc = split_document(path.read_text())
        value = world.status[side, note_id] = world.marker("vault")
        path.write_text(
            replace(doc, frontmatter=update_frontmatter(doc.frontmatter, {"status": value})).text
        )
    elif what == "repo_status" and note is not None:
        value = world.status[side, note_id] = world.marker("repo")
        await world.repo.put_entity(
            replace(note, properties={**(note.properties or {}), "status": value})
        )
    elif what == "vault_delete" and path is not None:
        path.unlink()
        world.deleted[side, note_id] = True
    elif what == "repo_delete":
        await world.repo.delete_entity(EntityKind.NOTE, note_id)
        world.deleted[side, note_id] = True
    elif what == "vault_move" and path is not None:
        target = world.root / K / f"moved-{where}" / path.name
        target.parent.mkdir(exist_ok=True)
        path.rename(target)
    elif what == "repo_move" and note is not None:
        await world.repo.put_entity(replace(note, path=f"elsewhere-{where}/{note.path}"))


def cleanly_deleted(world: World, note_id: str) -> bool:
    """Deleted on one side while the other did not touch it, or deleted on both."""
    vault, repo = world.deleted.get(("vault", note_id)), world.deleted.get(("repo", note_id))
    return bool(
        (vault and (repo or not world.changed.get(("repo", note_id))))
        or (repo and not world.changed.get(("vault", note_id)))
    )


def check_converged(world: World) -> None:
    files, notes = world.files(), world.notes()
    for note_id in set(files) | set(notes):
        base = world.repo.bases.get((EntityKind.NOTE, note_id))
        if base is not None and base.conflicted:
            continue
        assert note_id in files, f"{note_id} is in the repository only"
        assert note_id in notes, f"{note_id} is in the vault only"
        location = files[note_id].relative_to(world.root / K).as_posix()
        in_vault = parse_entity(EntityKind.NOTE, location, files[note_id].read_text())
        assert same_entity(in_vault, notes[note_id]), (in_vault, notes[note_id])


async def sync_and_check(world: World) -> SyncReport:
    files, notes = world.files(), world.notes()
    vault_before = {i: markers_of_text(p.read_text()) for i, p in files.items()}
    repo_before = {i: markers_of_note(n) for i, n in notes.items()}
    before = everywhere(world)
    owners = {m: i for i, ms in {**vault_before, **repo_before}.items() for m in ms}
    report = await world.sync.reconcile()
    assert report.problems == []
    lost = before - everywhere(world)
    assert all(cleanly_deleted(world, owners.get(m, "")) for m in lost), lost
    after = world.files()
    for kind, note_id in report.conflicts:
        assert kind is EntityKind.NOTE
        base = world.repo.bases[kind, note_id]
        assert base.conflict is not None
        copy = markers_of_text((world.root / base.conflict.path).read_text())
        assert repo_before.get(note_id, set()) <= copy
        assert vault_before.get(note_id, set()) <= markers_of_text(after[note_id].read_text())
    check_converged(world)
    conflicted = {b.entity_id for b in world.repo.bases.values() if b.conflicted}
    for note_id, path in after.items():  # a status set on one side only is taken
        vault_set = world.status.get(("vault", note_id))
        repo_set = world.status.get(("repo", note_id))
        gone = world.deleted.get(("vault", note_id)) or world.deleted.get(("repo", note_id))
        if note_id not in conflicted and not gone and (vault_set is None) != (repo_set is None):
            assert status_of_text(path.read_text()) == (vault_set or repo_set)
    world.changed.clear()
    world.deleted.clear()
    world.status.clear()
    return report


async def scenario(root: Path, steps: list[Op]) -> None:
    for i in range(NOTES):
        (root / K / f"Note {i}.md").write_text(f"---\nid: n{i}\n---\nbase a\nbase b\nbase c\n")
    repo = InMemoryRepository()
    world = World(
        root, repo, make_sync(VaultLayout(root), repo), ids=[f"n{i}" for i in range(NOTES)]
    )
    await world.sync.reconcile()
    for step in [*steps, ("sync", 0, 0)]:
        if step[0] == "sync":
            await sync_and_check(world)
        else:
            await apply(world, step)
    for base in list(repo.bases.values()):
        if base.conflicted:
            await world.sync.resolve(base.kind, base.entity_id, keep="vault")
    final = await world.sync.reconcile()
    assert not final.conflicts
    assert not any(base.conflicted for base in repo.bases.values())
    check_converged(world)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_concurrent_note_edits_are_never_lost(steps: list[Op]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / K).mkdir(parents=True)
        asyncio.run(scenario(root, steps))


# -- boards: cards moved, edited, added and deleted on both sides ---------------------

B = "Workbench/Boards"
LANES = ("Todo", "Doing", "Done")
card_ops = st.lists(
    st.tuples(
        st.sampled_from(["vault", "repo"]),
        st.sampled_from(["edit", "move", "add", "delete", "check"]),
        st.integers(0, 5),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=8,
)


def mutate(board: Board, op: tuple[str, str, int, int], marker: str) -> tuple[Board, set[str]]:
    """One card change; returns the board and the markers the change itself deleted."""
    _, what, index, lane_index = op
    cards = [(lane.title, card) for lane in board.lanes for card in lane.cards]
    lanes = {lane.title: list(lane.cards) for lane in board.lanes}
    removed: set[str] = set()
    if what == "add" or not cards:
        lanes[LANES[lane_index]].append(Card("", marker))
    else:
        title, card = cards[index % len(cards)]
        position = lanes[title].index(card)
        if what == "edit":
            lanes[title][position] = replace(card, text=f"{card.text}\n{marker}")
        elif what == "check":
            lanes[title][position] = replace(card, check="x" if card.check == " " else " ")
        elif what == "delete":
            del lanes[title][position]
            removed = set(card.text.split("\n"))
        else:
            del lanes[title][position]
            lanes[LANES[lane_index]].insert(0, card)
    new_lanes = tuple(replace(lane, cards=tuple(lanes[lane.title])) for lane in board.lanes)
    return replace(board, lanes=new_lanes), removed


def card_markers(board: Board) -> set[str]:
    return {line for card in board.cards() for line in card.text.split("\n") if MARKER.match(line)}


async def board_scenario(root: Path, steps: list[tuple[str, str, int, int]]) -> None:
    lanes = tuple(
        Lane(title, (Card(f"card0{i}", f"{title} card"),)) for i, title in enumerate(LANES)
    )
    path = root / B / "Plan.md"
    path.write_text(serialize_board(new_board_file(Board("b1", "Plan", lanes))))
    repo = InMemoryRepository()
    sync = make_sync(VaultLayout(root), repo)
    await sync.reconcile()
    made: dict[str, set[str]] = {"vault": set(), "repo": set()}
    for number, step in enumerate(steps):
        side, marker = step[0], f"{step[0][0]}{number}"
        if side == "vault":
            file = parse_board(path.read_text(), name="Plan")
            board, removed = mutate(file.board, step, marker)
            path.write_text(serialize_board(replace(file, board=board)))
        else:
            current = repo.entities[EntityKind.BOARD, "b1"]
            assert isinstance(current, Board)
            board, removed = mutate(current, step, marker)
            await repo.put_entity(board)
        made[side] = (made[side] | (card_markers(board) & {marker})) - removed
    report = await sync.reconcile()
    assert report.problems == []
    in_vault = parse_board(path.read_text(), name="Plan").board
    in_repo = repo.entities[EntityKind.BOARD, "b1"]
    assert isinstance(in_repo, Board)
    if report.conflicts:
        base = repo.bases[EntityKind.BOARD, "b1"]
        assert base.conflict is not None
        copy = parse_board((root / base.conflict.path).read_text(), name="Plan").board
        assert made["vault"] <= card_markers(in_vault)
        assert made["repo"] <= card_markers(copy)
        assert card_markers(copy) == card_markers(in_repo)
    else:
        assert in_vault == in_repo
        assert all(card.id for card in in_vault.cards())
        assert made["vault"] | made["repo"] <= card_markers(in_vault)


@settings(max_examples=100, deadline=None)
@given(card_ops)
def test_concurrent_board_edits_merge_by_card(steps: list[tuple[str, str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / B).mkdir(parents=True)
        asyncio.run(board_scenario(root, steps))
