"""The daemon as a real subprocess (``python -m routerbot run``), killed at every crash
point of the service (``ROUTERBOT_CRASH_AT``, ``os._exit(137)``) or with SIGKILL, then
restarted: each side effect exists exactly once and no ticket is lost."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from tests.chaos.harness import (
    FAQ_TEXT,
    LOGIN_TEXT,
    SD_AGENT_TEXT,
    bot_comments,
    by_source,
    handled,
    oracle,
    sqlite_daemon,
    ticket_row,
)
from tests.waiting import more_polls

from routerbot.chaos import CRASH_EXIT_CODE, CRASH_POINTS

ROWS = [
    ticket_row("CR-1", FAQ_TEXT),
    ticket_row("CR-2", LOGIN_TEXT),
    ticket_row("CR-3", SD_AGENT_TEXT, email="x.agent@ain.gouv.fr"),
]
EXPECTED = {"CR-1": "handled", "CR-2": "handled", "CR-3": "handled"}


def _wait(pred: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_killed_at_each_step_then_restarted_does_each_effect_exactly_once(
    chaos_sandbox, tmp_path, point
):
    sb = chaos_sandbox(ROWS, expected=EXPECTED)
    daemon = sqlite_daemon(sb, tmp_path)
    daemon.start(crash_at=point)
    assert daemon.wait(timeout=60) == CRASH_EXIT_CODE, daemon.logs()[-3000:]
    daemon.start()
    try:
        assert _wait(lambda: handled("CR-1", "CR-2", "CR-3")(sb.state), 60), daemon.logs()[-3000:]
        assert more_polls(sb, 3), daemon.logs()[-3000:]  # a late duplicate would show now
    finally:
        assert daemon.terminate() == 0
    state = sb.state
    faq, login, moved = (by_source(sb, s) for s in ("CR-1", "CR-2", "CR-3"))
    assert len(bot_comments(faq, public=True)) == 1
    assert len(bot_comments(login, public=True)) == 1
    assert login["status"] == "Waiting for customer"
    assert moved["service_desk"] == "4" and len(moved["old_keys"]) == 1
    report = oracle(sb, expected=EXPECTED)
    report.assert_ok()
    assert sb.token not in daemon.logs()
    assert len(state["tickets"]) == 3


def test_sigkill_in_the_middle_of_a_backlog_loses_and_duplicates_nothing(chaos_sandbox, tmp_path):
    rows = [ticket_row(f"KB-{i}", FAQ_TEXT if i % 2 else LOGIN_TEXT) for i in range(1, 41)]
    expected = {r["id"]: "handled" for r in rows}
    sb = chaos_sandbox(rows, expected=expected)
    daemon = sqlite_daemon(sb, tmp_path)

    def labelled() -> int:
        return sum("routerbot" in t["labels"] for t in sb.state["tickets"])

    for _ in range(3):
        daemon.start()
        before = labelled()
        _wait(lambda b=before: labelled() > b, 20)  # killed mid-backlog, once this life worked
        daemon.kill()
    daemon.start()
    try:
        assert _wait(lambda: handled(*expected)(sb.state), 60), daemon.logs()[-3000:]
        assert more_polls(sb, 3), daemon.logs()[-3000:]
    finally:
        assert daemon.terminate() == 0
    assert daemon.kills == 3
    oracle(sb, expected=expected).assert_ok()


def test_sigterm_finishes_the_ticket_in_hand_and_exits_zero(chaos_sandbox, tmp_path):
    rows = [ticket_row(f"ST-{i}", FAQ_TEXT) for i in range(1, 21)]
    sb = chaos_sandbox(rows)
    daemon = sqlite_daemon(sb, tmp_path)
    daemon.start()
    _wait(lambda: any("routerbot" in t["labels"] for t in sb.state["tickets"]), 20)
    assert daemon.terminate(timeout=30) == 0
    daemon.start()
    try:
        # the first run may have handled every ticket already: SIGTERM only once the
        # second has started (before that Python's default action kills it, -15)
        assert _wait(lambda: daemon.logs().count("daemon.started") == 2, 30), daemon.logs()
        assert _wait(lambda: handled(*(r["id"] for r in rows))(sb.state), 60)
    finally:
        assert daemon.terminate() == 0
    assert "daemon.stopped" in daemon.logs()
