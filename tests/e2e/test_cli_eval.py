"""The eval, check-config and triage commands, run through the CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from routerbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config" / "routing.toml")
EXTRA = ROOT / "tests" / "data" / "tickets-extra.jsonl"


def test_eval_prints_the_table_and_writes_decisions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "decisions.jsonl"
    code = main(["eval", str(EXTRA), "--config", CONFIG, "--decisions", str(out)])
    printed = capsys.readouterr().out
    assert "exact-decision rate" in printed and "confusion" in printed
    assert code == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == sum(1 for _ in EXTRA.open(encoding="utf-8"))
    assert set(lines[0]) == {
        "id",
        "category",
        "faq",
        "ask_browser",
        "browser",
        "reroute_to",
        "auto_reply",
    }


def test_eval_decides_unlabelled_tickets_without_scoring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "t.jsonl"
    src.write_text(
        json.dumps(
            {
                "id": "U-1",
                "service_desk": "3",
                "request_type": "86",
                "summary": "compte",
                "description": "Comment créer mon compte ?",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "d.jsonl"
    main(["eval", str(src), "--config", CONFIG, "--decisions", str(out)])
    assert "nothing to score" in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8"))["faq"] == "creer-mon-compte"


def test_check_config_says_ok_or_lists_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-config", CONFIG]) == 0
    assert capsys.readouterr().out.startswith("OK ")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        Path(CONFIG).read_text(encoding="utf-8").replace("max_asks = 2", "max_asks = 99"),
        encoding="utf-8",
    )
    assert main(["check-config", str(bad)]) == 2
    assert "conversation → max_asks (line" in capsys.readouterr().err


def test_triage_file_prints_a_checklist_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "ticket.json"
    f.write_text(
        json.dumps(
            {
                "id": "T-9",
                "service_desk": "3",
                "request_type": "86",
                "summary": "cnx",
                "description": "je n'arrive pas à me connecter",
            }
        ),
        encoding="utf-8",
    )
    assert main(["triage", "--file", str(f), "--config", CONFIG]) == 0
    text = capsys.readouterr().out
    assert "- [x] login_failure" in text and "public reply (ask_browser)" in text
    assert main(["triage", "--file", str(f), "--config", CONFIG, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ask_browser"] is True


def test_triage_without_ticket_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage"]) == 2
    assert "KEY or --file" in capsys.readouterr().err


def test_every_command_documents_an_example() -> None:
    for cmd in ("eval", "check-config", "triage"):
        result = subprocess.run(
            [sys.executable, "-m", "routerbot", cmd, "--help"],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert result.returncode == 0 and "examples:" in result.stdout
