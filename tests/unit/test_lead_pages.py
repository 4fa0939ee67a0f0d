"""The lead's pages as pure functions: the HTML toolkit and the report's facts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config
from routerbot.domain import AuthorRole, Comment, LocationChange, Person, Ticket, TicketHistory
from routerbot.lead import html as h
from routerbot.lead.report import (
    BreakerNow,
    Parked,
    render_report_html,
    report_facts,
)
from routerbot.lead.undo import detect_undos, merge_scans

ROOT = Path(__file__).resolve().parents[2]
BOT, AGENT = "bot", "agent"
DAY1 = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(ROOT / "config" / "routing.toml")


def _ticket(key: str, rtype: str, comments: tuple[Comment, ...]) -> Ticket:
    return Ticket(
        key=key,
        service_desk="3",
        request_type=rtype,
        summary="s",
        description="d",
        reporter=Person(display_name="C", email="c@x.fr"),
        comments=comments,
    )


def _c(n: int, role: AuthorRole, body: str, *, day: int = 0, public: bool = True) -> Comment:
    return Comment(str(n), role, body, public, DAY1 + timedelta(days=day, minutes=n))


def test_bar_chart_draws_bars_in_proportion_and_escapes_labels() -> None:
    svg = h.bar_chart([h.Bar("<a>", 1.0, "1 of 1"), h.Bar("b", 0.25)], title="t", max_value=1.0)
    widths = [
        float(w)
        for w in re.findall(
            r'<rect x="\d+" y="[\d.]+" width="([\d.]+)" height="18" fill="#(?!eef0f3)', svg
        )
    ]
    assert len(widths) == 2 and widths[0] == pytest.approx(4 * widths[1], rel=0.01)
    assert "&lt;a&gt;" in svg and "<a>" not in svg


def test_charts_without_data_say_so_instead_of_drawing_nothing() -> None:
    assert "Nothing to show" in h.bar_chart([], title="t")
    assert "Nothing to show" in h.stacked_columns([], [], title="t")
    assert "Nothing to show" in h.line_chart(["a"], [], title="t")


def test_stacked_columns_stack_every_series_with_a_legend() -> None:
    svg = h.stacked_columns(["d1", "d2"], [("x", [1, 2]), ("y", [3, 0])], title="t")
    assert svg.count("<title>d") == 3  # zero is not drawn
    assert ">x</text>" in svg and ">y</text>" in svg


def test_page_is_self_contained() -> None:
    page = h.page("T", [h.section("S", h.table(["a"], [[1]]), note="n")])
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http" not in page.split("</style>")[1]


def test_report_facts_count_decisions_replies_notes_and_held_replies_per_day(
    config: RoutingConfig,
) -> None:
    answer = config.render(config.faq["nous-contacter"].answer, None)
    faq_ticket = TicketHistory(
        _ticket(
            "A-1",
            "86",
            (
                _c(1, AuthorRole.BOT, answer),
                _c(2, AuthorRole.BOT, "[routerbot] note", public=False),
                _c(3, AuthorRole.AGENT, "Correction"),
            ),
        ),
        bot_account_id=BOT,
    )
    moved = TicketHistory(
        _ticket("A-2", "84", (_c(1, AuthorRole.BOT, "[routerbot] note", day=1, public=False),)),
        (LocationChange(DAY1 + timedelta(days=1), BOT, None, None, "86", "84"),),
        BOT,
    )
    held = TicketHistory(
        _ticket(
            "A-3",
            "86",
            (
                _c(
                    1,
                    AuthorRole.BOT,
                    config.texts.reply_held.format(
                        reason="plafond de 2 réponses publiques atteint pour ce ticket", body="x"
                    ),
                    day=2,
                    public=False,
                ),
            ),
        ),
        bot_account_id=BOT,
    )
    histories = [faq_ticket, moved, held]
    scan = merge_scans(detect_undos(x, config) for x in histories)
    facts = report_facts(histories, scan, config)
    d1, d2, d3 = (DAY1.date() + timedelta(days=i) for i in range(3))
    assert facts.days == [d1, d2, d3]
    assert facts.by_category["assistance_operateur"][d1] == 1
    assert facts.by_category["habilitation"][d2] == 1
    assert facts.by_faq == {"nous-contacter": {d1: 1}}
    assert (facts.public[d1], facts.notes[d1], facts.notes[d2]) == (1, 1, 1)
    assert [(k, why) for k, _, why in facts.held] == [
        ("A-3", "plafond de 2 réponses publiques atteint pour ce ticket")
    ]

    page = render_report_html(
        facts,
        config,
        query="q",
        generated=DAY1,
        parked=[Parked("A-9", None, "failing")],
        breaker=BreakerNow(sent_last_hour=31, cap=30),
    )
    assert "OPEN: public replies are deferred" in page
    assert "1 (50.0%)" in page  # one undo of two bot actions
    assert "A-9" in page and "A-3" in page
