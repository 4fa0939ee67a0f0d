"""``routerbot eval FILE --misses``: each wrong or missed ticket, and why the bot read it so.

For every scored ticket whose decision differs from its label: what was expected, what
was decided, the fields that differ, the examples of ``routing.toml`` the ticket sat
closest to (entry, example text, similarity) and the runner-up entry — the material a
lead needs to decide which entry should learn the customer's sentence — and the
``routerbot teach`` command that would teach it.

The nearest examples are read from the decision's explanation
(:attr:`routerbot.domain.Decision.explanation`); nothing here scores text itself.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from routerbot.domain import Decision
from routerbot.evaluation import EvalReport, TicketResult

#: How many of the closest examples a miss lists.
NEAREST = 3
NONE = "-"

#: The fields of a label shown for each miss, in this order.
FIELDS = ("category", "faq", "reroute_to", "ask_browser", "browser", "auto_reply")


@dataclass(frozen=True, slots=True)
class Nearest:
    entry_id: str
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """An FAQ entry the ticket resembled, and whether a guard or the population barred it."""

    faq_id: str
    confidence: float
    blocked: str = ""
    eligible: bool = True

    def describe(self) -> str:
        why = []
        if self.blocked:
            why.append(f"blocked: {self.blocked}")
        if not self.eligible:
            why.append("not for this population")
        return f"{self.faq_id} {self.confidence:.2f}" + (f" ({'; '.join(why)})" if why else "")


@dataclass(frozen=True, slots=True)
class Miss:
    """One wrong or missed ticket, explained."""

    key: str
    kind: str  # "missed FAQ", "wrong FAQ", "unwanted reply", "wrong category", …
    expected: dict[str, Any]
    decided: dict[str, Any]
    wrong: tuple[str, ...]
    nearest: tuple[Nearest, ...]
    runner_up: tuple[str, float] | None
    best: Candidate | None  # the entry the ticket was closest to
    wanted: Candidate | None  # the expected entry, when the ticket resembled it at all
    teach_faq: str | None  # the entry a lead would teach, when the miss is an FAQ's
    teach_category: str | None


def nearest_examples(decision: Decision, limit: int = NEAREST) -> tuple[Nearest, ...]:
    """The closest examples of the decision's explanation, best first."""
    found = decision.explanation.nearest_examples
    return tuple(Nearest(n.entry_id, n.text, float(n.score)) for n in found[:limit])


def category_examples(decision: Decision, limit: int = NEAREST) -> tuple[Nearest, ...]:
    """The closest habilitation / assistance examples (an operator's ticket), best first."""
    found = decision.explanation.category_examples
    return tuple(Nearest(n.entry_id, n.text, float(n.score)) for n in found[:limit])


def runner_up(decision: Decision) -> tuple[str, float] | None:
    """The entry that came second, with its confidence."""
    second = decision.explanation.runner_up
    return (second.faq_id, float(second.confidence)) if second is not None else None


#: The kind of a miss, from its first wrong field (the order says which matters most).
_KINDS = (
    ("category", "wrong category"),
    ("reroute_to", "wrong reroute"),
    ("ask_browser", "browser"),
    ("browser", "browser"),
)


def candidates(decision: Decision) -> list[Candidate]:
    """The FAQ entries of the decision's explanation, best first."""
    return [
        Candidate(c.faq_id, float(c.confidence), c.blocked, c.eligible)
        for c in decision.explanation.faq_candidates
    ]


def _kind(r: TicketResult) -> str:
    exp, got = r.expected or {}, r.predicted
    if "faq" in r.wrong:
        if exp.get("faq") is None:
            return "unwanted FAQ reply"
        return "missed FAQ" if got.get("faq") is None else "wrong FAQ"
    if "auto_reply" in r.wrong and "category" not in r.wrong:
        return "unwanted public reply" if got.get("auto_reply") else "missed public reply"
    return next((kind for name, kind in _KINDS if name in r.wrong), "other")


def misses(report: EvalReport, limit: int = NEAREST) -> list[Miss]:
    """Every scored ticket whose decision differs from its label, in file order."""
    out = []
    for r in report.scored:
        if not r.wrong:
            continue
        exp = dict(r.expected or {})
        want_faq = exp.get("faq")
        teach_faq = str(want_faq) if "faq" in r.wrong and want_faq else None
        teach_cat = str(exp.get("category")) if "category" in r.wrong and not teach_faq else None
        cands = candidates(r.decision)
        out.append(
            Miss(
                key=r.id,
                kind=_kind(r),
                expected=exp,
                decided=dict(r.predicted),
                wrong=r.wrong,
                nearest=(
                    category_examples(r.decision, limit)
                    if teach_cat
                    else nearest_examples(r.decision, limit)
                ),
                runner_up=runner_up(r.decision),
                best=cands[0] if cands else None,
                wanted=next((c for c in cands if c.faq_id == want_faq), None),
                teach_faq=teach_faq,
                teach_category=teach_cat,
            )
        )
    return out


def _show(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        name, version = value.get("name"), value.get("version")
        return f"{name} {version}" if version else str(name)
    return str(value)


def teach_command(miss: Miss, file: str, config: str) -> str | None:
    """The ``routerbot teach`` command that would teach this miss (dry run)."""
    if miss.teach_faq:
        target = f"--faq {shlex.quote(miss.teach_faq)}"
    elif miss.teach_category:
        target = f"--category {shlex.quote(miss.teach_category)}"
    else:
        return None
    return (
        f"routerbot teach {shlex.quote(miss.key)} --file {shlex.quote(file)} {target} "
        f"--config {shlex.quote(config)}"
    )


def render_misses(
    items: Sequence[Miss], total: int, *, file: str, config: str, rule: str = ""
) -> str:
    """One block per miss: expected vs decided, the closest examples, the runner-up.
    ``rule`` says when an entry is answered (the thresholds of the routing file)."""
    lines = [f"{len(items)} of {total} tickets wrong or missed ({config})"]
    if rule and items:
        lines.append(rule)
    for m in items:
        lines.append("")
        lines.append(f"{m.key}  {m.kind}")
        width = max(len(f) for f in FIELDS)
        lines.append(f"  {'':<{width}}    {'expected':<24}  decided")
        for name in FIELDS:
            mark = "*" if name in m.wrong else " "
            exp, got = _show(m.expected.get(name)), _show(m.decided.get(name))
            lines.append(f"  {mark} {name:<{width}}  {exp:<24}  {got}")
        if m.nearest:
            lines.append("  closest examples:")
            for n in m.nearest:
                lines.append(f"    {n.score:.2f}  {n.entry_id:<24}  {n.text!r}")
        else:
            lines.append("  closest examples: none share a word with this ticket")
        if m.best is not None:
            line = f"  best entry: {m.best.describe()}"
            if m.runner_up is not None:
                line += f" · runner-up: {m.runner_up[0]} {m.runner_up[1]:.2f}"
            lines.append(line)
        want = m.expected.get("faq")
        if want and m.wanted is not None and m.wanted.faq_id != (m.best and m.best.faq_id):
            lines.append(f"  expected entry: {m.wanted.describe()}")
        elif want and m.wanted is None:
            lines.append(f"  expected entry: {want} shares no example word with this ticket")
        command = teach_command(m, file, config)
        if command:
            lines.append(f"  teach it: {command}")
    return "\n".join(lines) + "\n"


def misses_as_json(items: Sequence[Miss]) -> list[dict[str, Any]]:
    return [
        {
            "id": m.key,
            "kind": m.kind,
            "wrong": list(m.wrong),
            "expected": m.expected,
            "decided": m.decided,
            "nearest_examples": [
                {"entry": n.entry_id, "text": n.text, "score": n.score} for n in m.nearest
            ],
            "runner_up": (
                {"entry": m.runner_up[0], "confidence": m.runner_up[1]} if m.runner_up else None
            ),
            "best": _candidate_json(m.best),
            "expected_entry": _candidate_json(m.wanted),
        }
        for m in items
    ]


def _candidate_json(c: Candidate | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "entry": c.faq_id,
        "confidence": c.confidence,
        "blocked": c.blocked or None,
        "eligible": c.eligible,
    }
