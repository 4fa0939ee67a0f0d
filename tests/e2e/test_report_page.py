"""``routerbot report --html FILE`` on the worked sandbox, checked in headless Chromium:
the page loads on its own, its charts render, and it says what it shows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.chromium import render_page

from routerbot.cli import main
from routerbot.sandbox import SandboxServer

CORRECTION = "Correction : ce n'est pas la bonne procédure, voici la bonne."


def _corrected(sandbox: SandboxServer, n: int) -> list[str]:
    """An agent corrects in public the first ``n`` tickets the bot answered."""
    model = sandbox.model
    answered = [
        t["key"]
        for t in model.snapshot()["tickets"]
        if any(c["public"] and c["author"] == sandbox.email for c in t["comments"])
    ]
    for key in answered[:n]:
        model.add_comment(key, CORRECTION, author="agent")
    return answered[:n]


@pytest.fixture
def report_page(
    worked_sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    _corrected(worked_sandbox, 2)
    page = tmp_path / "report.html"
    assert main(["report", "--days", "30", "--html", str(page)]) == 0
    assert f"wrote {page}" in capsys.readouterr().err
    return page


def test_report_html_renders_its_charts_in_chromium(report_page: Path, tmp_path: Path) -> None:
    rendered = render_page(report_page, tmp_path)
    # decisions per category, replies per FAQ entry, two undo-rate charts,
    # public vs internal, the breaker
    rendered.assert_renders(min_svgs=6)


def test_report_html_is_self_contained_and_shows_the_undo_counts(report_page: Path) -> None:
    text = report_page.read_text(encoding="utf-8")
    assert "<script" not in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "2 (" in text and "undone by agents" in text
    assert "Per FAQ entry (replies corrected in public by an agent)" in text
    assert "Public replies and internal notes" in text
    assert "The breaker" in text and "cap: " in text
    # parked tickets live in the state store: the page says where to find them
    assert "Parked tickets" in text and "--state-url" in text


def test_report_html_lists_parked_tickets_and_the_breaker_from_the_state_store(
    worked_sandbox: SandboxServer, tmp_path: Path
) -> None:
    from routerbot.ports import TicketState  # noqa: PLC0415
    from routerbot.store import open_store  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'state.db'}"  # the daemon's store (worked_sandbox)
    store = open_store(url)
    try:
        until = datetime.now(UTC) + timedelta(hours=2)
        store.put_ticket(
            TicketState("OPE-77", failures=5, parked_until=until, last_error="move refused")
        )
    finally:
        store.close()
    page = tmp_path / "report.html"
    assert main(["report", "--html", str(page), "--state-url", url]) == 0
    text = page.read_text(encoding="utf-8")
    parked = text[text.index("<h2>Parked tickets") :]
    assert "OPE-77" in parked and "5 failures: move refused" in parked
    breaker = text[text.index("<h2>The breaker") : text.index("<h2>Parked tickets")]
    assert "closed" in breaker and "public replies in the last hour of 30" in breaker


def test_report_help_offers_html(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    assert "--html FILE" in out
    assert "routerbot report --html report.html" in out
