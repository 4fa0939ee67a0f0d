"""Issue 11, the executor's part, with the daemon as a real subprocess against the
sandbox over HTTP: a restart takes its own dead leases back at once, one unreadable
ticket does not stop the desk (it is parked), a burst over the hourly cap is deferred
(never turned into notes) and answered after ``routerbot breaker reset``, and a moved
ticket whose plan was cut before its record still gets its record and waiting state."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from tests.chaos.harness import (
    FAQ_TEXT,
    bot_comments,
    by_source,
    handled,
    oracle,
    sqlite_daemon,
    ticket_row,
)

from routerbot.chaos import CRASH_EXIT_CODE
from routerbot.sandbox import FaultPlan
from routerbot.store import open_store

pytestmark = pytest.mark.slow

SD_LOGIN = "Bonjour, je suis agent à la DDPP de l'Ain, je n'arrive pas à me connecter à Expadon."


def _wait(pred: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def test_a_daemon_restarted_after_sigkill_takes_its_own_dead_leases_back_at_once(
    chaos_sandbox, tmp_path
):
    """Issue 11 item 7: the restarted process (new pid, same host) does not wait for
    the dead one's leases (60 s here) to expire."""
    rows = [ticket_row(f"RS-{i}", FAQ_TEXT) for i in range(1, 31)]
    expected = {r["id"]: "handled" for r in rows}
    sb = chaos_sandbox(rows, expected=expected)
    # replica id {host}-{pid} (the default), long leases
    daemon = sqlite_daemon(sb, tmp_path, ROUTERBOT_REPLICA_ID="", ROUTERBOT_LEASE_SECONDS="60")
    daemon.start()
    assert _wait(lambda: any("routerbot" in t["labels"] for t in sb.state["tickets"]), 30)
    daemon.kill()
    restarted = time.monotonic()
    daemon.start()
    try:
        # the restarted process is up (its signal handlers installed) before the desk is
        # checked: the first one may have handled all 30 tickets before its kill, and a
        # SIGTERM during the interpreter's start-up is not the daemon's to catch
        assert _wait(lambda: "daemon.started" in daemon.logs().rpartition("--- start 2")[2], 25), (
            daemon.logs()[-3000:]
        )
        assert _wait(lambda: handled(*expected)(sb.state), 25), daemon.logs()[-3000:]
        resumed_in = time.monotonic() - restarted
    finally:
        assert daemon.terminate() == 0
    assert resumed_in < 25  # well under the 60 s lease
    oracle(sb, expected=expected).assert_ok()


def test_one_ticket_whose_comments_cannot_be_read_is_parked_and_the_desk_goes_on(
    chaos_sandbox, tmp_path
):
    """Issue 11 item 4: a comment page that keeps answering 500 on one ticket."""
    many = [{"author": "customer", "body": f"précision {n}"} for n in range(25)]
    rows = [ticket_row("PZ-poison", FAQ_TEXT, comments=many)]
    rows += [ticket_row(f"PZ-{i}", FAQ_TEXT) for i in range(1, 11)]
    expected = {r["id"]: "handled" for r in rows[1:]}
    faults = FaultPlan().script("GET /rest/api/2/issue/*/comment", ["500"] * 400)
    sb = chaos_sandbox(rows, faults=faults, expected=expected)
    daemon = sqlite_daemon(sb, tmp_path)
    daemon.start()
    try:
        assert _wait(lambda: handled(*expected)(sb.state), 60), daemon.logs()[-3000:]
        assert _wait(lambda: "ticket.parked" in daemon.logs(), 60), daemon.logs()[-3000:]
    finally:
        assert daemon.terminate() == 0
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        parked = store.parked_tickets()
    poison = by_source(sb, "PZ-poison")
    assert [p.key for p in parked] == [poison["key"]]
    assert "500" in parked[0].last_error or "ServerError" in parked[0].last_error
    assert bot_comments(poison) == []  # never decided on a partial read


def test_a_burst_over_the_hourly_cap_is_deferred_then_answered_after_breaker_reset(
    chaos_sandbox, tmp_path
):
    """Issue 11 item 8: 20 tickets at once, cap 5 an hour: 5 answered, 15 deferred (no
    internal note instead of the answer), all 20 answered after the operator's reset."""
    rows = [ticket_row(f"BK-{i}", FAQ_TEXT) for i in range(1, 21)]
    expected = {r["id"]: "handled" for r in rows}
    sb = chaos_sandbox(rows, expected=expected)
    daemon = sqlite_daemon(sb, tmp_path, per_hour=5)
    daemon.start()
    try:
        replied = lambda: sum(  # noqa: E731
            len(bot_comments(t, public=True)) for t in sb.state["tickets"]
        )
        assert _wait(lambda: replied() == 5 and "breaker.deferred" in daemon.logs(), 60)
        time.sleep(1.0)  # a few more polls: nothing more goes out, nothing is converted
        assert replied() == 5
        deferred = [t for t in sb.state["tickets"] if not bot_comments(t, public=True)]
        assert len(deferred) == 15
        assert all(bot_comments(t) == [] for t in deferred)  # no note instead of the answer
        env = daemon.environment()
        reset = subprocess.run(  # our own interpreter, fixed args
            [sys.executable, "-m", "routerbot", "breaker", "reset"],
            env={**os.environ, **env},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert reset.returncode == 0, reset.stderr
        assert _wait(lambda: handled(*expected)(sb.state), 60), daemon.logs()[-3000:]
    finally:
        assert daemon.terminate() == 0
    assert all(len(bot_comments(t, public=True)) == 1 for t in sb.state["tickets"])
    assert '"event": "breaker.deferred"' in daemon.logs()


def test_a_moved_ticket_cut_before_its_record_still_gets_record_and_follow_up_state(
    chaos_sandbox, tmp_path
):
    """Issue 11 item 1: killed after every action of a move + question, before the
    record; the restarted daemon finds the ledger under the ticket's new key."""
    rows = [ticket_row("MV-1", SD_LOGIN, email="x.agent@ain.gouv.fr")]
    sb = chaos_sandbox(rows, expected={"MV-1": "handled"})
    daemon = sqlite_daemon(sb, tmp_path)
    daemon.start(crash_at="after_done_before_record")
    assert daemon.wait(timeout=60) == CRASH_EXIT_CODE, daemon.logs()[-3000:]
    daemon.start()
    try:
        assert _wait(lambda: handled("MV-1")(sb.state), 30), daemon.logs()[-3000:]
        time.sleep(1.0)
    finally:
        assert daemon.terminate() == 0
    ticket = by_source(sb, "MV-1")
    assert ticket["service_desk"] == "4" and ticket["old_keys"]
    assert ticket["properties"]["routerbot"]["state"] == "waiting_browser"
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        waiting = [s.key for s in store.waiting_tickets()]
    assert ticket["key"] in waiting  # its follow-up will come
    assert len(bot_comments(ticket, public=True)) == 1
