"""``eval --compare-config``: every metric old → new, the changed tickets with their label."""

from __future__ import annotations

from typing import Any

from routerbot.domain import Category, Decision, PublicReply, Reroute, Target
from routerbot.evaluation import EvalReport, TicketResult, _score, mismatches, predicted_labels
from routerbot.lead.compare import (
    DecisionSummary,
    compare_reports,
    metric_changes,
    render_changes,
    render_metric_changes,
)

LABEL_FAQ = {
    "category": "assistance_operateur",
    "faq": "telecharger-modele",
    "ask_browser": False,
    "browser": None,
    "reroute_to": None,
    "auto_reply": True,
}
LABEL_NONE = {**LABEL_FAQ, "faq": None, "auto_reply": False}


def _decision(key: str, *, faq: str | None = None, reroute: bool = False) -> Decision:
    actions: list[Any] = []
    if faq:
        actions.append(PublicReply("…", faq_id=faq))
    if reroute:
        actions.append(Reroute(Target("3", "86"), Target("3", "84")))
    return Decision(
        key=key,
        category=Category.ASSISTANCE_OPERATEUR,
        category_confidence=0.9,
        population=None,
        target=Target("3", "86"),
        actions=tuple(actions),
        faq_id=faq,
    )


def _report(rows: list[tuple[Decision, dict[str, Any]]]) -> EvalReport:
    report = EvalReport()
    for d, label in rows:
        pred = predicted_labels(d)
        report.results.append(TicketResult(d.key, d, pred, label, tuple(mismatches(pred, label))))
    _score(report)
    return report


def test_a_fixed_miss_is_the_only_change_and_recall_moves_by_one_ticket() -> None:
    old = _report(
        [(_decision("T-1"), LABEL_FAQ), (_decision("T-2", faq="telecharger-modele"), LABEL_FAQ)]
    )
    new = _report(
        [
            (_decision("T-1", faq="telecharger-modele"), LABEL_FAQ),
            (_decision("T-2", faq="telecharger-modele"), LABEL_FAQ),
        ]
    )
    [change] = compare_reports(old, new)
    assert change.key == "T-1"
    assert change.verdict == "fixed"
    assert change.expected == DecisionSummary.expected(LABEL_FAQ)
    by_name = {m.name: m for m in metric_changes(old, new)}
    assert (by_name["faq_recall"].old, by_name["faq_recall"].new) == (0.5, 1.0)
    assert (by_name["exact_rate"].old, by_name["exact_rate"].new) == (0.5, 1.0)
    assert by_name["category_accuracy"].delta == 0.0
    table = render_metric_changes(list(by_name.values()))
    recall = next(line for line in table.splitlines() if line.startswith("FAQ reply recall"))
    assert recall.split()[-3:] == ["0.500", "1.000", "+0.500"]
    category = next(line for line in table.splitlines() if line.startswith("category accuracy"))
    assert category.split()[-1] == "="


def test_a_change_that_breaks_a_right_ticket_is_called_broken() -> None:
    old = _report([(_decision("T-1"), LABEL_NONE)])
    new = _report([(_decision("T-1", faq="telecharger-modele"), LABEL_NONE)])
    [change] = compare_reports(old, new)
    assert change.verdict == "broken"
    text = render_changes([change], total=1)
    head = next(line for line in text.splitlines() if line.startswith("T-1"))
    assert head.split() == ["T-1", "old", "new", "expected", "(broken)"]
    faq = next(line for line in text.splitlines() if " faq " in line)
    assert faq.split() == ["*", "faq", "-", "telecharger-modele", "-"]
    assert "verdicts: broken 1" in text


def test_a_ticket_still_wrong_after_the_change_says_so() -> None:
    old = _report([(_decision("T-1"), LABEL_FAQ)])
    new = _report([(_decision("T-1", faq="nous-contacter"), LABEL_FAQ)])
    [change] = compare_reports(old, new)
    assert change.verdict == "still wrong"
