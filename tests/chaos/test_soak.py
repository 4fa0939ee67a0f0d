"""The soak run CI keeps: 1,000 tickets, faults, random SIGKILLs, then the oracle; and the
oracle itself, fed hand-made sandbox states that break each invariant."""

from __future__ import annotations

from typing import Any

import pytest

from routerbot.cli import main
from routerbot.soak import check_invariants


@pytest.mark.slow  # ~20-100 s: run by .ci/run (python3 -m pytest -m slow)
def test_soak_of_1000_tickets_with_faults_and_kills_keeps_every_invariant(capsys, tmp_path):
    code = main(
        [
            "soak",
            "--tickets",
            "1000",
            "--kill-every",
            "8",
            "--seed",
            "1",
            "--quiet",
            "--workdir",
            str(tmp_path),
        ]
    )
    table = capsys.readouterr().out
    assert code == 0, table
    rows = dict(line.split("  ", 1) for line in table.splitlines() if "  " in line)
    values = {k.strip(): v.strip() for k, v in rows.items()}
    assert values["duplicates (I1)"] == "0"
    assert values["lost tickets (I2)"] == "0"
    assert values["requests before Retry-After expired"] == "0"
    assert int(values["daemon kills (SIGKILL)"]) >= 2


# --------------------------------------------------------------------------- the oracle


def _c(role: str, body: str, t: int, public: bool = True) -> dict[str, Any]:
    when = f"2026-01-01T10:{t:02d}"
    return {"author_role": role, "body": body, "public": public, "created": when}


def _change(t: int, field: str, to: str) -> dict[str, Any]:
    return {
        "author": "bot",
        "created": f"2026-01-01T10:{t:02d}",
        "items": [{"field": field, "to": to}],
    }


def _state(*comments: dict[str, Any], labels=("routerbot",), history=()) -> dict[str, Any]:
    return {
        "tickets": [
            {
                "key": "OPE-1",
                "source_id": "T-1",
                "labels": list(labels),
                "comments": list(comments),
                "history": list(history),
                "old_keys": [],
            }
        ]
    }


def test_oracle_accepts_one_reply_per_customer_message():
    state = _state(
        _c("bot", "Quel navigateur ? [routerbot:aaaaaaaa]", 1),
        _c("customer", "Chrome 120", 2),
        _c("bot", "Merci [routerbot:bbbbbbbb]", 3),
    )
    assert check_invariants(state, expected={"T-1": "react"}).ok


A1 = _c("bot", "A [routerbot:aaaaaaaa]", 1)
VIP = "Note interne: client VIP, remise 30 %"
CASES = {
    "same-marker": ([A1, _c("bot", "A [routerbot:aaaaaaaa]", 2)], [], "I1"),
    "same-text": ([A1, _c("bot", "A [routerbot:cccccccc]", 2)], [], "I1"),
    "same-change": ([], [_change(1, "status", "X"), _change(2, "status", "X")], "I1"),
    "auto-reply": (
        [A1, _c("customer", "Réponse automatique : absent", 2), _c("bot", "B", 3)],
        [],
        "I4",
    ),
    "cap": (
        [_c("customer", f"q{i}", 2 * i) for i in range(4)]
        + [_c("bot", f"r{i} [routerbot:{i:08x}]", 2 * i + 1) for i in range(4)],
        [],
        "I4",
    ),
    "internal": ([_c("agent", VIP, 1, public=False), _c("bot", f"Bonjour, {VIP}", 2)], [], "I3"),
    "token": ([_c("bot", "token sandbox-token [routerbot:aaaaaaaa]", 1)], [], "I3"),
}


@pytest.mark.parametrize(("comments", "history", "kind"), CASES.values(), ids=CASES.keys())
def test_oracle_flags_each_broken_invariant(comments, history, kind):
    report = check_invariants(_state(*comments, history=history), canaries=["sandbox-token"])
    assert not report.ok
    assert any(p.startswith(kind) for p in report.problems()), report.problems()


def test_oracle_flags_a_lost_ticket_and_an_early_retry():
    report = check_invariants(
        _state(labels=()),
        expected={"T-1": "handled", "T-2": "handled"},
        requests={"early_retry_count": 1, "early_retries": [{"request": "GET"}]},
    )
    assert len(report.lost) == 2
    assert report.early_retries == 1
    assert not report.ok
