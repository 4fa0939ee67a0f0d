"""``routerbot triage KEY [--apply]`` against the sandbox over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from routerbot.cli import main


def _env(monkeypatch: pytest.MonkeyPatch, sandbox: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("ROUTERBOT_JIRA_URL", sandbox.url)
    monkeypatch.setenv("ROUTERBOT_JIRA_EMAIL", sandbox.email)
    monkeypatch.setenv("ROUTERBOT_JIRA_API_TOKEN", sandbox.token)
    monkeypatch.setenv("ROUTERBOT_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("ROUTERBOT_METRICS_PORT", "0")
    monkeypatch.delenv("ROUTERBOT_DRY_RUN", raising=False)


def _comment_count(sandbox: Any, key: str) -> int:
    ticket = next(t for t in sandbox.model.snapshot()["tickets"] if t["key"] == key)
    return len(ticket["comments"])


def test_triage_key_without_apply_explains_and_writes_nothing(
    sandbox: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, sandbox, tmp_path)
    before = sandbox.model.snapshot()
    assert main(["triage", "OPE-1"]) == 0
    out = capsys.readouterr().out
    assert "connexion-impossible" in out or "login" in out.lower()
    assert "executed: nothing" in out
    assert sandbox.model.snapshot()["tickets"] == before["tickets"]


def test_triage_key_with_apply_carries_the_actions_out_once(
    sandbox: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, sandbox, tmp_path)
    assert _comment_count(sandbox, "OPE-1") == 0
    assert main(["triage", "OPE-1", "--apply"]) == 0
    first = capsys.readouterr().out
    assert "executed:" in first and "executed: nothing" not in first
    after_first = _comment_count(sandbox, "OPE-1")
    assert after_first >= 1
    # a second --apply on the same unchanged ticket repeats nothing
    assert main(["triage", "OPE-1", "--apply"]) == 0
    capsys.readouterr()
    assert _comment_count(sandbox, "OPE-1") == after_first


def test_triage_key_reports_missing_settings_in_one_line(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("ROUTERBOT_JIRA_URL", "ROUTERBOT_JIRA_EMAIL", "ROUTERBOT_JIRA_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    code = main(["triage", "OPE-1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "ROUTERBOT_JIRA_URL" in err
    assert len(err.strip().splitlines()) <= 3
