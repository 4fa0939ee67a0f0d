"""The lead's backtest loop through the CLI: ``eval --compare-config`` and
``check-config --tickets`` on a small labelled file written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routerbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
ROUTING = ROOT / "config" / "routing.toml"

TICKETS = [
    {
        "id": "BT-1",
        "service_desk": "3",
        "request_type": "86",
        "summary": "Demande d'habilitation au module Certificats",
        "description": "Bonjour, vous trouverez ci-joint les formulaires d'habilitation "
        "remplis et signés par la DDPP. Merci, Paul Girard, Conserverie Girard",
        "reporter": {"displayName": "Paul Girard", "email": "p.girard@conserverie-girard.fr"},
    },
    {
        "id": "BT-2",
        "service_desk": "3",
        "request_type": "86",
        "summary": "Question facture",
        "description": "Bonjour, où puis-je retrouver la facture du mois dernier ? Merci",
        "reporter": {"displayName": "Anne Roy", "email": "anne@roy-export.fr"},
    },
]


@pytest.fixture
def tickets_file(tmp_path: Path) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_text(
        "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in TICKETS), encoding="utf-8"
    )
    return path


@pytest.fixture
def strict_config(tmp_path: Path) -> Path:
    """The shipped routing file, but never confident enough to reroute."""
    text = ROUTING.read_text(encoding="utf-8")
    assert "reroute_min_confidence = 0.55" in text
    path = tmp_path / "routing-before.toml"
    path.write_text(
        text.replace("reroute_min_confidence = 0.55", "reroute_min_confidence = 1.0"),
        encoding="utf-8",
    )
    return path


def test_eval_compare_config_lists_the_ticket_whose_reroute_appears(
    tickets_file: Path, strict_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "eval",
            str(tickets_file),
            "--config",
            str(ROUTING),
            "--compare-config",
            str(strict_config),
        ]
    )
    out = capsys.readouterr().out
    assert "1 of 2 tickets change decision (old → new)" in out
    assert "BT-1" in out and "BT-2" not in out
    reroute = next(line for line in out.splitlines() if "reroute" in line and "*" in line)
    assert reroute.split() == ["*", "reroute", "-", "3/84"]


def test_eval_compare_config_with_the_same_file_changes_nothing(
    tickets_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "eval",
            str(tickets_file),
            "--config",
            str(ROUTING),
            "--compare-config",
            str(ROUTING),
            "--json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert data["changes"] == []


def test_eval_compare_config_json_gives_both_decisions(
    tickets_file: Path, strict_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "eval",
            str(tickets_file),
            "--config",
            str(ROUTING),
            "--compare-config",
            str(strict_config),
            "--json",
        ]
    )
    [change] = json.loads(capsys.readouterr().out)["changes"]
    assert change["id"] == "BT-1"
    assert change["old"]["reroute"] is None
    assert change["new"]["reroute"] == "3/84"
    assert "reroute" in change["changed"]


def test_eval_compare_config_reports_a_broken_old_file(
    tickets_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("version = 1\n[thresholds]\nnope = 1\n", encoding="utf-8")
    code = main(
        ["eval", str(tickets_file), "--config", str(ROUTING), "--compare-config", str(broken)]
    )
    assert code == 2
    assert "configuration error" in capsys.readouterr().err


def test_check_config_tickets_lists_entries_closest_to_no_ticket(
    tickets_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-config", str(ROUTING), "--tickets", str(tickets_file)]) == 0
    out = capsys.readouterr().out
    silent = [line for line in out.splitlines() if "never closest:" in line]
    assert silent, out
    assert all("for none of 2 tickets" in line for line in silent)
