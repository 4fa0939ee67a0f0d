"""Issue 11 item 3, with the daemon as a real subprocess: the SQLite state file is lost
(deleted) or an older copy is restored while tickets wait for the customer's browser
answer. The waiting state is read back from each ticket's ``routerbot`` entity property
in Jira, so every follow-up still happens, and exactly once."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.chaos.harness import LOGIN_TEXT, bot_comments, by_source, sqlite_daemon, ticket_row
from tests.waiting import more_polls, wait_until

from routerbot.sandbox import SandboxServer
from routerbot.store import open_store

pytestmark = pytest.mark.slow

BROWSER_ANSWER = "J'utilise Chrome 120 sur Windows."


def _rows(*sources: str) -> list[dict[str, Any]]:
    return [ticket_row(s, LOGIN_TEXT, summary="Connexion impossible") for s in sources]


def _asked(sb: SandboxServer, sid: str) -> bool:
    """The bot asked for the browser, and its record on the ticket says it waits (the
    state file is lost after that: a kill between the question and the record, with the
    state file lost too, is not what this tests)."""
    t = by_source(sb, sid)
    recorded = t.get("properties", {}).get("routerbot", {}).get("state") == "waiting_browser"
    return (
        t["status"] == "Waiting for customer"
        and len(bot_comments(t, public=True)) == 1
        and "routerbot" in t["labels"]
        and recorded
    )


def _answer(sb: SandboxServer, sid: str) -> None:
    sb.model.add_comment(by_source(sb, sid)["key"], BROWSER_ANSWER, author="customer")


def _reacted(sb: SandboxServer, sid: str) -> bool:
    """The bot wrote after the customer's answer."""
    comments = by_source(sb, sid)["comments"]
    answered = [i for i, c in enumerate(comments) if c["body"] == BROWSER_ANSWER]
    return bool(answered) and any(c["author_role"] == "bot" for c in comments[answered[-1] :])


def _after_answer(sb: SandboxServer, sid: str) -> list[tuple[str, bool, str]]:
    """What the bot wrote after the customer's answer: exactly the hand-over note for
    the agents (as without any loss), no second question, nothing twice."""
    comments = by_source(sb, sid)["comments"]
    i = max(i for i, c in enumerate(comments) if c["body"] == BROWSER_ANSWER)
    return [(c["author_role"], c["public"], c["body"][:31]) for c in comments[i + 1 :]]


HAND_OVER = [("bot", False, "[routerbot] Analyse automatique")]


def _story(sb: SandboxServer, sid: str) -> list[tuple[str, bool, str]]:
    return [(c["author_role"], c["public"], c["body"][:70]) for c in by_source(sb, sid)["comments"]]


def _drop_state(tmp: Path) -> None:
    for name in ("state.db", "state.db-wal", "state.db-shm"):
        (tmp / name).unlink(missing_ok=True)


def test_a_lost_state_file_loses_no_follow_up_and_repeats_none(chaos_sandbox, tmp_path):
    sources = ("LOST-1", "LOST-2", "LOST-3")
    sb = chaos_sandbox(
        _rows(*sources), expected={"LOST-1": "react", "LOST-2": "react", "LOST-3": "handled"}
    )
    daemon = sqlite_daemon(sb, tmp_path, per_hour=10_000)
    daemon.start()
    try:
        assert wait_until(lambda: all(_asked(sb, s) for s in sources), 60), daemon.logs()[-3000:]
        daemon.kill()  # then the disk is lost: no state file at the next start
        _drop_state(tmp_path)
        _answer(sb, "LOST-1")  # the customer answers while the daemon is down
        daemon.start()
        assert wait_until(lambda: _reacted(sb, "LOST-1"), 60), daemon.logs()[-3000:]
        _answer(sb, "LOST-2")  # and another once it runs again
        assert wait_until(lambda: _reacted(sb, "LOST-2"), 60), daemon.logs()[-3000:]
        assert more_polls(sb, 6)  # a late duplicate (a second question) would show now
    finally:
        assert daemon.terminate() == 0
    for sid in ("LOST-1", "LOST-2"):
        assert _after_answer(sb, sid) == HAND_OVER, _story(sb, sid)
    unanswered = by_source(sb, "LOST-3")
    assert len(bot_comments(unanswered, public=True)) == 1  # not asked again
    assert unanswered["properties"]["routerbot"]["state"] == "waiting_browser"
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        waiting = {s.key: s for s in store.waiting_tickets()}
    # read back from the ticket's property: its reminder and hand-over will come
    assert unanswered["key"] in waiting
    assert waiting[unanswered["key"]].asks == 1


def test_an_older_state_file_restored_loses_no_follow_up_and_repeats_none(chaos_sandbox, tmp_path):
    sources = ("OLD-1", "OLD-2", "OLD-3")
    sb = chaos_sandbox(
        _rows(*sources), expected={"OLD-1": "react", "OLD-2": "react", "OLD-3": "handled"}
    )
    daemon = sqlite_daemon(sb, tmp_path, per_hour=10_000)
    daemon.start()
    try:
        assert wait_until(lambda: all(_asked(sb, s) for s in sources), 60), daemon.logs()[-3000:]
        backup = tmp_path / "backup.db"  # last night's backup: all three still waiting
        with (
            sqlite3.connect(tmp_path / "state.db") as live,
            sqlite3.connect(backup) as copy,
        ):
            live.backup(copy)
        _answer(sb, "OLD-1")
        assert wait_until(lambda: _reacted(sb, "OLD-1"), 60), daemon.logs()[-3000:]
        assert daemon.terminate() == 0
        _drop_state(tmp_path)  # the operator restores the backup
        backup.rename(tmp_path / "state.db")
        daemon.start()
        assert more_polls(sb, 6)  # OLD-1's answer, already answered, is seen again
        _answer(sb, "OLD-2")
        assert wait_until(lambda: _reacted(sb, "OLD-2"), 60), daemon.logs()[-3000:]
        assert more_polls(sb, 6)
    finally:
        daemon.terminate()
    for sid in ("OLD-1", "OLD-2"):
        assert _after_answer(sb, sid) == HAND_OVER, _story(sb, sid)
    unanswered = by_source(sb, "OLD-3")
    assert len(bot_comments(unanswered, public=True)) == 1
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        waiting = {s.key for s in store.waiting_tickets()}
    assert unanswered["key"] in waiting
    # the restored copy said OLD-1 still waits; its property says it was answered and
    # handed over: no reminder may go to a customer who answered
    assert by_source(sb, "OLD-1")["key"] not in waiting  # no reminder for an answered one
