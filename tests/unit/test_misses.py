"""``eval --misses`` as a library: each wrong ticket, why the bot read it so, how to teach it."""

from __future__ import annotations

from typing import Any

from routerbot.domain import (
    Category,
    Decision,
    Explanation,
    FaqCandidate,
    NearestExample,
    PublicReply,
    Target,
)
from routerbot.evaluation import EvalReport, TicketResult, _score, mismatches, predicted_labels
from routerbot.lead.misses import misses, misses_as_json, render_misses, teach_command

LABEL = {
    "category": "assistance_operateur",
    "faq": "telecharger-modele",
    "ask_browser": False,
    "browser": None,
    "reroute_to": None,
    "auto_reply": True,
}


def _result(key: str, label: dict[str, Any], *, faq: str | None = None, **kw: Any) -> TicketResult:
    d = Decision(
        key=key,
        category=kw.get("category", Category.ASSISTANCE_OPERATEUR),
        category_confidence=0.9,
        population=None,
        target=Target("3", "86"),
        actions=(PublicReply("…", faq_id=faq),) if faq else (),
        faq_id=faq,
        explanation=kw.get("explanation", Explanation()),
    )
    pred = predicted_labels(d)
    return TicketResult(key, d, pred, label, tuple(mismatches(pred, label)))


def _report(*results: TicketResult) -> EvalReport:
    report = EvalReport(results=list(results))
    _score(report)
    return report


def test_a_miss_blocked_by_a_guard_says_so_beside_the_best_entry() -> None:
    model = FaqCandidate(
        "telecharger-modele",
        0.62,
        (NearestExample("telecharger-modele", "Où télécharger le modèle ?", 0.55),),
        blocked="never: 'erreur'",
    )
    contact = FaqCandidate(
        "nous-contacter", 0.7, (NearestExample("nous-contacter", "Votre numéro ?", 0.6),)
    )
    why = Explanation((contact, model), runner_up=model)
    report = _report(
        _result("T-1", LABEL, explanation=why),
        _result("T-2", LABEL, faq="telecharger-modele"),
    )
    [miss] = misses(report)
    assert (
        miss.key == "T-1" and miss.kind == "missed FAQ" and miss.teach_faq == "telecharger-modele"
    )
    assert [n.entry_id for n in miss.nearest] == ["nous-contacter", "telecharger-modele"]
    text = render_misses([miss], 2, file="week.jsonl", config="routing.toml", rule="(rule)")
    assert text.splitlines()[:2] == ["1 of 2 tickets wrong or missed (routing.toml)", "(rule)"]
    assert "  best entry: nous-contacter 0.70 · runner-up: telecharger-modele 0.62" in text
    assert "  expected entry: telecharger-modele 0.62 (blocked: never: 'erreur')" in text
    assert misses_as_json([miss])[0]["expected_entry"]["blocked"] == "never: 'erreur'"


def test_an_unwanted_reply_and_a_wrong_category_are_told_apart() -> None:
    no_faq = {**LABEL, "faq": None, "auto_reply": False}
    habilitation = {**no_faq, "category": "habilitation", "reroute_to": "3/84"}
    report = _report(
        _result("T-1", no_faq, faq="nous-contacter"),
        _result("T-2", habilitation),
    )
    unwanted, category = misses(report)
    assert unwanted.kind == "unwanted FAQ reply" and unwanted.teach_faq is None
    assert teach_command(unwanted, "f.jsonl", "r.toml") is None
    assert category.kind == "wrong category" and category.teach_category == "habilitation"
    assert teach_command(category, "my file.jsonl", "r.toml") == (
        "routerbot teach T-2 --file 'my file.jsonl' --category habilitation --config r.toml"
    )
    text = render_misses([category], 2, file="f.jsonl", config="r.toml")
    assert "closest examples: none share a word with this ticket" in text
