"""The store subcommands (``db``, ``prompts``, ``notes``, ``boards``), run as real processes.

Each test has its own SQLite store. Commands that do not depend on each other run
concurrently (:func:`together`), since every process pays for the imports.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from mcp_workbench.service import Workbench
from tests.conftest import ROOT, run_cli, server_env

Env = dict[str, str]
Result = subprocess.CompletedProcess[str]


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> Env:
    """Environment of CLI processes sharing one store (SQLite, or PostgreSQL when the
    test server is configured)."""
    return {**server_env(tmp_path / "data"), "MCP_WORKBENCH_DATABASE_URL": database_url}


def ok(result: Result) -> Result:
    """``result`` after checking it succeeded and said nothing on stderr."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result


def refused(result: Result, message: str, status: int = 1) -> None:
    """Check that ``result`` failed with ``status`` and one clean error line naming ``message``."""
    assert result.returncode == status, result
    assert result.stderr.startswith("mcp-workbench: error: "), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def cli(env: Env, command: str, input: str | None = None) -> Result:
    """Run ``mcp-workbench COMMAND`` (split like a shell would) on the test's store."""
    return run_cli(*shlex.split(command), input=input, env=env)


def js(env: Env, command: str, input: str | None = None) -> Any:
    """Run ``mcp-workbench COMMAND --json``, check it succeeded, and parse what it printed."""
    return parsed(cli(env, f"{command} --json", input=input))


def together(env: Env, *commands: str) -> list[Result]:
    """Run independent commands concurrently; results in the order given."""
    with ThreadPoolExecutor(len(commands)) as pool:
        return list(pool.map(lambda command: cli(env, command), commands))


def parsed(result: Result) -> Any:
    """What a successful ``--json`` run printed."""
    return json.loads(ok(result).stdout)


# -- prompts ---------------------------------------------------------------------------------
def test_prompts_create_update_label_render_delete(env: Env) -> None:
    template = "Review this {{language}} code:\n\n{{code}}\n"
    created = js(
        env,
        "prompts create review --file - --description 'Code review' --label staging",
        input=template,
    )
    assert created["version"] == 1
    assert created["messages"] == [{"role": "user", "text": template}]
    assert [a["name"] for a in created["arguments"]] == ["language", "code"]
    assert created["labels"] == ["latest", "staging"]
    assert re.fullmatch(r"cli:\S+", created["author"])
    updated = js(
        env,
        "prompts update review --expected-version 1 --message politer"
        " --template 'Please review this {{language}}:\n{{code}}'",
    )
    assert (updated["version"], updated["description"]) == (2, "Code review")  # carried over

    labelled, stale, latest, bad_label, unknown, nothing = together(
        env,
        "prompts label review production 1 --json",
        "prompts update review --expected-version 1 --template lost",
        "prompts label review latest 1",
        "prompts label review 'Bad Label' 1",
        "prompts render nope",
        "prompts update review",
    )
    assert parsed(labelled)["labels"] == {"latest": 2, "staging": 1, "production": 1}
    refused(stale, "prompt review is at version 2, not 1")
    refused(latest, "'latest' always names the newest version")
    refused(bad_label, "invalid label 'Bad Label'")
    refused(unknown, "no prompt named 'nope'")
    refused(nothing, "nothing to change")

    listing, pinned, show, rendered, text = together(
        env,
        "prompts list --json",
        "prompts show review --label production --json",
        "prompts show review",
        "prompts render review@production --arg language=Go --arg code=x --json",
        "prompts render review --arg language=Go --arg 'code=x := 1'",
    )
    assert [(p["name"], p["latest"]) for p in parsed(listing)] == [("review", 2)]
    assert (parsed(pinned)["version"], parsed(pinned)["labels"]) == (1, ["production", "staging"])
    # The stale update wrote nothing: version 2 is still the newest, with its own text.
    assert ok(show).stdout.splitlines()[:2] == ["review v2  (latest)", "description: Code review"]
    assert "message:     politer" in show.stdout
    assert show.stdout.endswith("\nPlease review this {{language}}:\n{{code}}\n")
    assert parsed(rendered) == {
        "name": "review",
        "version": 1,
        "messages": [{"role": "user", "text": "Review this Go code:\n\nx\n"}],
    }
    assert ok(text).stdout == "Please review this Go:\nx := 1\n"

    removed = js(env, "prompts label review production --remove")
    assert removed["labels"] == {"latest": 2, "staging": 1}
    assert js(env, "prompts delete review") == {"name": "review", "deleted": True}
    refused(cli(env, "prompts show review"), "no prompt named 'review'")


# -- notes -----------------------------------------------------------------------------------
def test_notes_write_list_search_move_delete(env: Env) -> None:
    body = "# Hello\n\nSearching for #idea in [[Other]].\n"
    hello = js(env, "notes write ideas/hello --file -", input=body)
    assert (hello["path"], hello["version"], hello["title"]) == ("ideas/hello.md", 1, "hello")
    assert (hello["body"], hello["tags"], hello["links"]) == (body, ["idea"], ["Other"])

    other, stale = together(
        env,
        "notes write ideas/other.md --body 'Other words' --tag ref --title 'The other' --json",
        "notes write ideas/hello --body lost --expected-version 5",
    )
    assert (parsed(other)["tags"], parsed(other)["title"]) == (["ref"], "The other")
    refused(stale, "note ideas/hello.md is at version 1, not 5")

    everything, tagged, hits, show = together(
        env,
        "notes list --json",
        "notes list --tag ref --prefix ideas/ --json",
        "notes search searching --json",
        "notes show ideas/hello.md",
    )
    assert [n["path"] for n in parsed(everything)] == ["ideas/hello.md", "ideas/other.md"]
    assert [n["path"] for n in parsed(tagged)] == ["ideas/other.md"]
    [hit] = parsed(hits)
    assert hit["path"] == "ideas/hello.md"
    assert "**Searching**" in hit["snippet"]
    lines = ok(show).stdout.splitlines()
    assert lines[0] == "ideas/hello.md  v1  hello"  # the stale write changed nothing
    assert "tags:    #idea" in lines
    assert "links:   Other" in lines
    assert show.stdout.endswith("\n\n" + body)  # the body, as stored, after the details

    moved = js(env, "notes move ideas/other.md archive/other.md")
    assert (moved["path"], moved["version"]) == ("archive/other.md", 2)
    assert moved["id"] == parsed(other)["id"]
    assert ok(cli(env, "notes delete archive/other.md")).stdout == "deleted archive/other.md\n"
    refused(cli(env, "notes show archive/other.md"), "no note at archive/other.md")


# -- boards ----------------------------------------------------------------------------------
def test_boards_cards_update_move_archive(env: Env) -> None:
    board = js(env, "boards create 'Release 1.0' --id rel --lane Backlog --lane Doing")
    assert board["id"] == "rel"
    lanes = {lane["title"]: lane["id"] for lane in board["lanes"]}
    assert list(lanes) == ["Backlog", "Doing"]
    docs = js(env, "boards add-card rel backlog 'Write docs' --due 2025-07-01 --tag docs")
    assert (docs["lane_id"], docs["due"], docs["tags"]) == (
        lanes["Backlog"],
        "2025-07-01",
        ["docs"],
    )
    bug = js(env, "boards add-card 'Release 1.0' Backlog 'Fix bug' --position 0")
    assert bug["position"] == 0

    updated = js(env, f"boards update-card {bug['id']} --done --tag bug --body details")
    assert (updated["done"], updated["tags"], updated["body"]) == (True, ["bug"], "details")
    assert updated["version"] == 2
    moved = js(env, f"boards move-card {bug['id']} --lane doing --position 0 --expected-version 2")
    assert (moved["lane_id"], moved["position"], moved["version"]) == (lanes["Doing"], 0, 3)
    assert js(env, f"boards archive-card {docs['id']}")["archived"] is True

    view, shown, listing, stale, unknown = together(
        env,
        "boards show rel --json",
        "boards show rel --archived",
        "boards list --json",
        f"boards update-card {bug['id']} --expected-version 1 --body other",  # clashes
        "boards move-card nope --lane Doing",
    )
    cards = parsed(view)["cards"]
    assert [(c["title"], c["lane_id"]) for c in cards] == [("Fix bug", lanes["Doing"])]
    human = ok(shown).stdout
    assert human.startswith("Release 1.0  (rel, v1)\n\nBacklog (0)\n")  # archived: not counted
    assert f"  {docs['id']}  [ ]  Write docs  (v2, due 2025-07-01, archived)  #docs\n" in human
    assert f"Doing (1)\n  {bug['id']}  [x]  Fix bug  (pos 0, v3)  #bug\n" in human
    assert [(b["id"], b["title"]) for b in parsed(listing)] == [("rel", "Release 1.0")]
    refused(stale, f"card {bug['id']} is at version 3, not 1")
    refused(unknown, "no card 'nope'")

    restored = ok(cli(env, f"boards archive-card {docs['id']} --restore")).stdout
    assert restored == (
        f"restored {docs['id']}  [ ]  Write docs  (lane Backlog, pos 0, v3, due 2025-07-01)"
        "  #docs\n"
    )


# -- db ----------------------------------------------------------------------------------------
async def _changes(database_url: str) -> None:
    wb = Workbench.open(database_url=database_url, poll_interval=0)
    try:
        await wb.notes.write("a", "# A\n\nfirst", actor="seed")
        await wb.prompts.create("p", template="Hi {{name}}", actor="seed")
        await wb.boards.create_board("B", board_id="b", actor="seed")
        await wb.notes.write("a", "# A\n\nsecond", actor="seed")
    finally:
        wb.close()


def seed(database_url: str) -> None:
    """Four events (note a, prompt p, board b, note a again), written in this process: much
    faster than CLI runs. On a thread of its own, so its event loop is not the tests'."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _changes(database_url)).result()


def test_db_upgrade_reports_revisions(env: Env, database_url: str) -> None:
    first = js(env, "db upgrade")
    assert first["before"] is None
    assert first["after"]
    assert first["store"].split(":")[0] == database_url.split(":", maxsplit=1)[0]
    again = ok(cli(env, "db upgrade")).stdout
    assert again == f"{first['store']} is up to date (revision {first['after']})\n"


def test_db_rebuild_verify_detects_and_repairs_tampering(env: Env, database_url: str) -> None:
    seed(database_url)
    assert ok(cli(env, "db rebuild --verify")).stdout == ("state equals the replay of 4 events\n")
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sql("UPDATE notes SET body = 'x'"))
    finally:
        engine.dispose()
    text, data = together(env, "db rebuild --verify", "db rebuild --verify --json")
    assert (text.returncode, text.stderr) == (1, "")
    assert text.stdout.startswith("state differs from the replay of 4 events in 1 row(s):\n")
    assert re.search(r"notes \w+: body is 'x', the replay says '# A\\n\\nsecond'", text.stdout)
    assert data.returncode == 1
    report = json.loads(data.stdout)
    assert (report["events"], report["equal"]) == (4, False)
    [difference] = report["differences"]
    assert difference["table"] == "notes"
    assert (difference["stored"]["body"], difference["replayed"]["body"]) == ("x", "# A\n\nsecond")

    assert js(env, "db rebuild") == {"events": 4, "rebuilt": True}
    verified, note = together(env, "db rebuild --verify", "notes show a --json")
    assert ok(verified).stdout == "state equals the replay of 4 events\n"
    assert parsed(note)["body"] == "# A\n\nsecond"


def test_db_events_tail(env: Env, database_url: str) -> None:
    seed(database_url)
    page, lines, kinds, newest = together(
        env,
        "db events tail --json --after 1 --limit 2",
        "db events tail",
        "db events tail --kind note --kind board.created --json",
        "db events tail --limit 1 --json",
    )
    events = [json.loads(line) for line in ok(page).stdout.splitlines()]
    assert [(e["seq"], e["kind"], e["id"]) for e in events] == [
        (2, "prompt.created", "p"),
        (3, "board.created", "b"),
    ]
    assert set(events[0]) == {"seq", "ts", "actor", "kind", "entity", "id", "version", "payload"}
    human = ok(lines).stdout.splitlines()
    assert len(human) == 4
    assert re.fullmatch(r"2 \d{4}-\d\d-\d\dT\S+ seed prompt\.created prompt/p v1", human[1])
    assert [json.loads(line)["seq"] for line in ok(kinds).stdout.splitlines()] == [1, 3, 4]
    assert [json.loads(line)["seq"] for line in ok(newest).stdout.splitlines()] == [4]


def test_db_events_tail_follow_sees_other_processes(env: Env, database_url: str) -> None:
    seed(database_url)
    command = [sys.executable, "-m", "mcp_workbench.cli", "db", "events", "tail", "--follow"]

    def follow(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**env, "MCP_WORKBENCH_STORE_POLL_INTERVAL": "0.1"},
            cwd=ROOT,
        )

    bounded, endless = follow("--after", "3", "--limit", "2", "--json"), follow("--after", "4")
    try:
        assert bounded.stdout is not None
        assert endless.stdout is not None
        assert json.loads(bounded.stdout.readline())["seq"] == 4  # it is running
        ok(cli(env, "notes write c --body new"))
        out, err = bounded.communicate(timeout=20)
        assert (bounded.returncode, err) == (0, "")  # stopped after --limit events
        assert json.loads(out)["kind"] == "note.created"  # seq 5, from the other process
        assert re.fullmatch(r"5 \S+ cli:\S+ note\.created note/\w+ v1\n", endless.stdout.readline())
        endless.send_signal(signal.SIGINT)
        _, err = endless.communicate(timeout=20)
        assert (endless.returncode, err) == (130, "")  # interrupted, quietly
    finally:
        for proc in (bounded, endless):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


# -- settings and help -----------------------------------------------------------------------
def test_bad_store_settings_are_clear_errors(tmp_path: Path) -> None:
    env = server_env(tmp_path / "data")
    (tmp_path / "file").write_text("not a directory")
    malformed, no_dir, help_text = together(
        env,
        "prompts list --database-url 'not a url'",
        f"db upgrade --data-dir {tmp_path / 'file' / 'data'}",
        "--help",
    )
    refused(malformed, "cannot open the store: Could not parse SQLAlchemy URL", status=2)
    refused(no_dir, "cannot open the store", status=2)
    for command in ("db", "prompts", "notes", "boards"):
        assert re.search(rf"^    {command} ", ok(help_text).stdout, re.MULTILINE)


def test_processes_starting_together_on_a_fresh_store_migrate_it_once(env: Env) -> None:
    """Two clients launched at once (a server and a desktop client's stdio command) both
    find an empty store: one migrates it, the others wait and find it done."""
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: run_cli("notes", "list", "--json", env=env), range(6)))
    assert [r.returncode for r in results] == [0] * 6, [r.stderr[-300:] for r in results]
    assert all(json.loads(r.stdout) == [] for r in results)
