"""Issue 11, loops caught by signature across tickets, with the daemon as a real
subprocess: an auto-responder that opens a new ticket with the same text for each reply
of the bot gets at most ``max_replies_per_reporter_text`` public replies in an hour; the
next tickets get an internal note for the agents saying why (no endless ping-pong, and
no silence for the other customers: the hourly breaker is never reached)."""

from __future__ import annotations

import pytest
from tests.chaos.harness import (
    FAQ_TEXT,
    bot_comments,
    by_source,
    handled,
    sqlite_daemon,
    ticket_row,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

ROBOT = "noreply-robot@auto-export.fr"


def test_an_auto_responder_opening_a_ticket_per_reply_is_caught_by_its_signature(
    chaos_sandbox, tmp_path
):
    sources = [f"AUTO-{i}" for i in range(1, 6)]
    sb = chaos_sandbox(expected=dict.fromkeys([*sources, "OTHER-1"], "handled"))
    daemon = sqlite_daemon(sb, tmp_path)
    daemon.start()
    try:
        for sid in sources:  # each new ticket comes after the bot answered the last one
            sb.model.load_rows([ticket_row(sid, FAQ_TEXT, email=ROBOT, minutes_ago=0)])
            assert wait_until(lambda s=sid: handled(s)(sb.state), 60), daemon.logs()[-3000:]
        # another customer asking the same thing is answered as usual
        sb.model.load_rows(
            [ticket_row("OTHER-1", FAQ_TEXT, email="someone@export-lait.fr", minutes_ago=0)]
        )
        assert wait_until(lambda: handled("OTHER-1")(sb.state), 60), daemon.logs()[-3000:]
    finally:
        assert daemon.terminate() == 0
    answered = [s for s in sources if bot_comments(by_source(sb, s), public=True)]
    assert answered == sources[:2]  # max_replies_per_reporter_text = 2 per hour
    for sid in sources[2:]:
        notes = [c["body"] for c in bot_comments(by_source(sb, sid), public=False)]
        assert any("répondeur automatique" in n for n in notes), notes  # says why
    assert len(bot_comments(by_source(sb, "OTHER-1"), public=True)) == 1
    assert '"event": "reply.held"' in daemon.logs()
