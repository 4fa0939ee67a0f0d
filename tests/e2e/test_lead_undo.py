"""Agents correcting the bot, read back from the sandbox with the comment order the
daemon really produces (its public FAQ reply, then its own internal triage note):
``routerbot report`` and the daemon's ``routerbot_agent_undo_total`` count them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from routerbot.bootstrap import App, build_app
from routerbot.cli import main
from routerbot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ROUTING = ROOT / "config" / "routing.toml"
CONTACT = {
    "id": "U-contact",
    "service_desk": "3",
    "request_type": "86",
    "summary": "Comment vous contacter ?",
    "description": "Bonjour, comment puis-je contacter l'assistance Certificats ? Merci.",
    "reporter": {"displayName": "Léa Martin", "email": "lea.martin@vins-martin.fr"},
}


@pytest.fixture
def app(empty_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    for name, value in (
        ("ROUTERBOT_JIRA_URL", empty_sandbox.url),
        ("ROUTERBOT_JIRA_EMAIL", empty_sandbox.email),
        ("ROUTERBOT_JIRA_API_TOKEN", empty_sandbox.token),
        ("ROUTERBOT_ROUTING_FILE", str(ROUTING)),
    ):
        monkeypatch.setenv(name, value)
    settings = Settings(
        _env_file=None,
        jira_url=empty_sandbox.url,
        jira_email=empty_sandbox.email,
        jira_api_token=SecretStr(empty_sandbox.token),
        state_url=f"sqlite:///{tmp_path / 'state.db'}",
        routing_file=ROUTING,
        metrics_port=0,
        poll_overlap_seconds=0,
        replica_id="undo-test",
    )
    application = build_app(settings)
    yield application
    application.close()


def _answered_by_the_bot(sb: Any, app: App) -> str:
    resp = requests.post(sb.url + "/_sandbox/tickets", json={"tickets": [CONTACT]}, timeout=10)
    resp.raise_for_status()
    key: str = resp.json()["keys"][0]
    [report] = app.daemon.run_cycles(1)
    assert report.ok and report.handled == 1
    return key


def _comment_order(sb: Any, key: str) -> list[tuple[str, bool]]:
    [ticket] = [t for t in sb.state["tickets"] if t["key"] == key]
    bot = sb.email
    return [
        ("bot" if c["author"] == bot else str(c.get("role") or c["author"]), bool(c["public"]))
        for c in ticket["comments"]
    ]


def test_report_counts_an_agent_correction_after_the_bots_triage_note(
    empty_sandbox: Any, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    key = _answered_by_the_bot(empty_sandbox, app)
    order = _comment_order(empty_sandbox, key)
    # the real order: the bot's public reply, then its internal note
    first_public = order.index(("bot", True))
    assert ("bot", False) in order[first_public + 1 :], order
    empty_sandbox.model.add_comment(
        key, "Pour vous, c'est plutôt le 01 23 45 67 89.", author="agent"
    )

    capsys.readouterr()  # the daemon's own log lines
    assert main(["report", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "1 undone by agents" in out.splitlines()[0], out
    row = next(line for line in out.splitlines() if line.startswith("reply_corrected"))
    assert row.split()[2:5] == ["nous-contacter", "1", "1"]


def test_report_counts_no_correction_when_only_notes_follow_the_bots_reply(
    empty_sandbox: Any, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    key = _answered_by_the_bot(empty_sandbox, app)
    empty_sandbox.model.add_comment(key, "RAS, réponse correcte.", author="agent", public=False)

    capsys.readouterr()  # the daemon's own log lines
    assert main(["report", "--days", "7"]) == 0
    assert "0 undone by agents" in capsys.readouterr().out.splitlines()[0]


def test_the_daemon_counts_the_correction_in_the_undo_metric(empty_sandbox: Any, app: App) -> None:
    key = _answered_by_the_bot(empty_sandbox, app)
    empty_sandbox.model.add_comment(
        key, "Pour vous, c'est plutôt le 01 23 45 67 89.", author="agent"
    )

    app.daemon.observe_undos()
    app.daemon.observe_undos()  # read again: counted once

    labels = {
        "kind": "reply_corrected",
        "category": "assistance_operateur",
        "faq": "nous-contacter",
    }
    assert app.metrics.registry.get_sample_value("routerbot_agent_undo_total", labels) == 1.0
