"""The soak run CI keeps: 1,000 tickets, faults, random SIGKILLs, then the oracle; and the
oracle itself, fed hand-made sandbox states that break each invariant."""

from __future__ import annotations

from typing import Any

import pytest

from routerbot.cli import main
from routerbot.soak import account_replies, check_invariants
from routerbot.soak import run as soak_run


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
    values = _table(table)
    assert values["duplicates (I1)"] == "0"
    assert values["lost tickets (I2)"] == "0"
    assert values["requests before Retry-After expired"] == "0"
    assert int(values["daemon kills (SIGKILL)"]) >= 2


def _table(text: str) -> dict[str, str]:
    rows = dict(line.split("  ", 1) for line in text.splitlines() if "  " in line)
    return {k.strip(): v.strip() for k, v in rows.items()}


@pytest.mark.slow  # ~30-90 s: run by .ci/run (python3 -m pytest -m slow)
@pytest.mark.postgres
def test_two_replica_postgres_soak_with_a_30s_skew_keeps_every_invariant(capsys, tmp_path, pg_url):
    code = main(
        [
            "soak",
            "--tickets",
            "150",
            "--kill-every",
            "5",
            "--replicas",
            "2",
            "--skew-seconds",
            "30",
            "--state-url",
            pg_url,
            "--seed",
            "1",
            "--quiet",
            "--workdir",
            str(tmp_path),
        ]
    )
    table = capsys.readouterr().out
    values = _table(table)
    assert code == 0, table
    assert values["duplicates (I1)"] == "0"
    assert values["lost tickets (I2)"] == "0"
    assert values["requests before Retry-After expired"] == "0"
    assert values["decided but not sent (I5)"] == values["sent but not in the ledger (I5)"] == "0"
    assert int(values["public replies decided (ledger)"]) > 0
    assert values["public replies decided (ledger)"] == values["public replies sent (Jira)"]
    # the second replica really ran 30 s ahead: its own skew detector saw it against
    # the sandbox's Date header
    assert values["clock skew"].startswith("soak-2 +30 s (libfaketime, measured +")
    assert "jsm.clock_skew warnings 0)" not in values["clock skew"]
    assert (tmp_path / "soak-1" / "daemon.log").exists()
    assert (tmp_path / "soak-2" / "daemon.log").exists()


REFUSED = {
    "replicas-on-sqlite": (["--replicas", "2"], "needs a PostgreSQL --state-url"),
    "no-replicas": (["--replicas", "0"], "--replicas must be between 1 and 8"),
    "skew-alone": (["--skew-seconds", "30"], "--skew-seconds needs --replicas 2"),
    "skew-huge": (
        ["--replicas", "2", "--state-url", "postgresql+psycopg://u@h/db", "--skew-seconds", "1e9"],
        "--skew-seconds must be between",
    ),
    "no-tickets": (["--tickets", "0"], "--tickets must be at least 1"),
}


@pytest.mark.parametrize(("args", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_soak_refuses_options_it_cannot_run_with_one_line(capsys, args, message):
    assert main(["soak", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_soak_refuses_a_skew_without_libfaketime(capsys, monkeypatch):
    monkeypatch.setattr(soak_run, "FAKETIME_LIBRARIES", ("/nonexistent/libfaketime.so.1",))
    args = ["--replicas", "2", "--state-url", "postgresql+psycopg://u@h/db", "--skew-seconds", "5"]
    assert main(["soak", *args]) == 2
    assert "needs libfaketime" in capsys.readouterr().err


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


class _Ledger:
    def __init__(self, records: dict[str, list[Any]]) -> None:
        self.records = records

    def actions_for(self, key: str) -> list[Any]:
        return self.records.get(key, [])


def _rec(action_id: str, kind: str = "public_reply", state: str = "done") -> Any:
    from routerbot.ports import ActionRecord, ActionState  # noqa: PLC0415

    return ActionRecord(action_id, "OPE-1", kind, {}, ActionState(state))


def test_reply_accounting_matches_the_ledger_with_the_public_comments():
    state = _state(
        _c("bot", "A [routerbot:aaaaaaaa]", 1), _c("bot", "note [routerbot:cccccccc]", 2, False)
    )
    ledger = _Ledger({"OPE-1": [_rec("aaaaaaaa-1"), _rec("cccccccc-1", "internal_note")]})
    account = account_replies(state, ledger)
    assert (account.decided, account.sent, account.ok) == (1, 1, True)


def test_reply_accounting_flags_a_decided_reply_never_sent_and_one_not_in_the_ledger():
    state = _state(
        _c("bot", "A [routerbot:aaaaaaaa]", 1),
        _c("bot", "A [routerbot:aaaaaaaa]", 2),  # sent twice: one too many
        _c("bot", "B [routerbot:dddddddd]", 3),  # in no ledger row
    )
    ledger = _Ledger({"OPE-1": [_rec("aaaaaaaa-1"), _rec("bbbbbbbb-1", state="failed")]})
    account = account_replies(state, ledger)
    assert not account.ok
    assert account.unsent == ["OPE-1: [routerbot:bbbbbbbb] (failed)"]
    assert account.undecided == ["OPE-1: [routerbot:dddddddd]"]
    assert (account.decided, account.sent) == (2, 3)
