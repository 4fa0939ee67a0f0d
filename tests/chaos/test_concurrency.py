"""Several tickets in flight (``ROUTERBOT_WORKERS``): each ticket is handled once, its
actions keep their order (move, then comments, then the transition), and the oracle's
invariants hold — against the sandbox over HTTP, with the real store."""

from __future__ import annotations

from typing import Any

from tests.chaos.harness import (
    FAQ_TEXT,
    LOGIN_TEXT,
    SD_AGENT_TEXT,
    bot_comments,
    handled,
    ticket_row,
)

from routerbot.service import Outcome


def _text(i: int) -> tuple[str, str]:
    if i % 3 == 0:
        return SD_AGENT_TEXT, f"agent{i}@ain.gouv.fr"
    return (FAQ_TEXT if i % 3 == 1 else LOGIN_TEXT), f"client{i}@export.fr"


def _bot_changes(ticket: dict[str, Any], field: str) -> list[str]:
    return [
        str(h.get("created"))
        for h in ticket.get("history", [])
        if h.get("author") == "bot" and any(it.get("field") == field for it in h.get("items", []))
    ]


def test_four_workers_handle_each_ticket_once_and_keep_each_tickets_order(
    chaos_sandbox, bot_factory
):
    rows = []
    for i in range(1, 46):
        text, email = _text(i)
        rows.append(ticket_row(f"CC-{i}", text, email=email))
    expected = {r["id"]: "handled" for r in rows}
    sb = chaos_sandbox(rows, expected=expected)
    bot = bot_factory(sb, workers=4)
    assert bot.run_until(handled(*expected), timeout=90)
    results = [res for r in bot.reports for res in r.results]
    # each ticket was carried out once: one DONE per ticket, never two
    done: dict[str, int] = {}
    for res in results:
        if res.outcome is Outcome.DONE and res.executed:
            done[res.polled or res.key] = done.get(res.polled or res.key, 0) + 1
    assert sorted(done.values()) == [1] * len(done) and len(done) == len(rows)
    for t in sb.state["tickets"]:
        comments = [str(c["created"]) for c in bot_comments(t)]
        assert comments, t["key"]
        moves = _bot_changes(t, "project")
        if moves:  # moved first, then commented
            assert max(moves) <= min(comments), t["key"]
        waits = _bot_changes(t, "status")
        if waits:  # the question before the status change
            assert min(waits) >= max(c for c in comments), t["key"]
