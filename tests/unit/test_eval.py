"""Metrics of the evaluation on a tiny hand-made set, and unlabelled tickets."""

from __future__ import annotations

from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config
from routerbot.domain import Person, Ticket
from routerbot.evaluation import evaluate, mismatches, render_table
from routerbot.labelled import LabelledTicket

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(ROOT / "config" / "routing.toml")


def lt(key: str, description: str, expected: dict[str, object] | None) -> LabelledTicket:
    t = Ticket(key, "3", "86", "Question", description, Person("A B", "a.b@societe-ab.fr"))
    return LabelledTicket(t, expected)


def exp(
    category: str = "assistance_operateur", faq: str | None = None, **kw: object
) -> dict[str, object]:
    base: dict[str, object] = {
        "category": category,
        "faq": faq,
        "ask_browser": False,
        "browser": None,
        "reroute_to": None,
        "auto_reply": faq is not None,
    }
    return base | kw


def test_metrics_on_a_tiny_set(config: RoutingConfig) -> None:
    tickets = [
        lt("A", "Comment créer mon compte ?", exp(faq="creer-mon-compte")),  # right
        lt("B", "Comment créer mon compte ?", exp(faq="nous-contacter")),  # wrong FAQ
        lt("C", "Le certificat a été refusé.", exp()),  # right, nothing to say
        lt("D", "Le certificat a été refusé.", exp(faq="modeles-en-ligne")),  # missed FAQ
        lt("E", "Comment créer mon compte ?", exp(faq=None, auto_reply=False)),  # unwanted
        lt("F", "Comment créer mon compte ?", None),  # not scored
    ]
    report = evaluate(tickets, config)
    m = report.metrics
    assert report.counts["scored"] == 5 and report.counts["tickets"] == 6
    assert m["category_accuracy"] == 1.0
    assert m["faq_precision"] == pytest.approx(1 / 3)  # 3 FAQ replies sent, 1 right
    assert m["faq_recall"] == pytest.approx(1 / 3)  # 3 expected (A, B, D), 1 hit
    assert m["unwanted_replies_per_100"] == pytest.approx(20.0)
    assert m["exact_rate"] == pytest.approx(2 / 5)
    assert report.passes()["category_accuracy"] is True
    assert report.passes()["faq_precision"] is False
    table = render_table(report)
    assert "FAQ reply precision" in table and "- B: faq:" in table


def test_browser_match_compares_name_and_major_version() -> None:
    p = exp(browser={"name": "firefox", "version": "115"})
    assert mismatches(p, exp(browser={"name": "Firefox", "version": 115})) == []
    assert mismatches(p, exp(browser={"name": "firefox", "version": None})) == ["browser"]


def test_no_labels_means_no_metrics(config: RoutingConfig) -> None:
    report = evaluate([lt("X", "Bonjour", None)], config)
    assert report.metrics == {} and len(report.results) == 1
    assert "nothing to score" in render_table(report)
