"""The ``eval --html`` page, as a string: self-contained, escaped, every part present."""

from __future__ import annotations

import re
from typing import Any

from routerbot.domain import Category, Decision, PublicReply, Target
from routerbot.evaluation import EvalReport, TicketResult, _score, mismatches, predicted_labels
from routerbot.lead.compare import compare_reports, metric_changes
from routerbot.lead.evalpage import render_page
from routerbot.lead.misses import Miss, Nearest

LABEL = {
    "category": "assistance_operateur",
    "faq": "telecharger-modele",
    "ask_browser": False,
    "browser": None,
    "reroute_to": None,
    "auto_reply": True,
}


def _report(faqs: dict[str, str | None], category: Category = Category.ASSISTANCE_OPERATEUR) -> Any:
    report = EvalReport()
    for key, faq in faqs.items():
        d = Decision(
            key=key,
            category=category,
            category_confidence=0.9,
            population=None,
            target=Target("3", "86"),
            actions=(PublicReply("…", faq_id=faq),) if faq else (),
            faq_id=faq,
        )
        pred = predicted_labels(d)
        report.results.append(TicketResult(key, d, pred, LABEL, tuple(mismatches(pred, LABEL))))
    _score(report)
    return report


def test_the_page_is_self_contained_and_shows_matrix_entries_and_changes() -> None:
    old = _report({"T-1": None, "T-<2>": "telecharger-modele"})
    new = _report({"T-1": "telecharger-modele", "T-<2>": "telecharger-modele"})
    page = render_page(
        new,
        file="week.jsonl",
        config="routing.toml",
        faq_ids=["telecharger-modele", "nous-contacter"],
        old_config="routing-before.toml",
        metric_changes=metric_changes(old, new),
        changes=compare_reports(old, new),
        misses=[
            Miss(
                key="T-<2>",
                kind="missed FAQ",
                expected=dict(LABEL),
                decided={**LABEL, "faq": None},
                wrong=("faq",),
                nearest=(Nearest("telecharger-modele", "le <b>modèle PDF", 0.4),),
                runner_up=None,
                best=None,
                wanted=None,
                teach_faq="telecharger-modele",
                teach_category=None,
            )
        ],
    )
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and not re.search(r"(?:src|href)=\"https?:", page)
    assert page.count("<svg") >= 3  # confusion matrix, precision, recall
    assert "T-&lt;2&gt;" in page and "T-<2>" not in page  # data is escaped
    assert "Wrong or missed tickets: 1" in page and "&lt;b&gt;modèle" in page
    assert "Metrics, old → new" in page and "+0.500" in page
    assert "Tickets whose decision changes: 1 of 2" in page
    row = re.search(r"<tr><td>T-1</td><td>faq</td>(.*?)</tr>", page)
    assert row is not None
    assert re.findall(r"<td>(.*?)</td>", row.group(1)) == [
        "-",
        "telecharger-modele",
        "telecharger-modele",
        "fixed",
    ]
    assert "expected assistance_operateur, decided assistance_operateur: 2" in page


def test_without_labels_the_page_says_there_is_nothing_to_score() -> None:
    page = render_page(EvalReport(), file="t.jsonl", config="routing.toml")
    assert "No labelled ticket: nothing to score." in page and "<svg" not in page
