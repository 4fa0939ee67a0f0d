"""Offline evaluation of the routing on labelled tickets (ROUTING.md's JSONL format).

Every ticket is decided with :func:`routerbot.engine.decide`; the decision is turned
into the six keys of ``expected`` (:func:`predicted_labels`):

* ``category``    — ``Decision.category``;
* ``faq``         — the FAQ id carried by the public reply (``Decision.reply_faq``), or null;
* ``ask_browser`` — ``Decision.ask_browser`` (a public question for browser/version);
* ``browser``     — ``{"name", "version"}`` of ``Decision.browser``, or null;
* ``reroute_to``  — the target of the ``Reroute`` action as ``"desk/type"``, or null;
* ``auto_reply``  — whether the decision holds any public reply.

Metrics, over the N tickets that carry ``expected`` (the others are decided, written to
``--decisions``, and not scored):

* **category accuracy** = tickets whose category equals the expected one / N; the
  confusion matrix counts (expected, predicted) pairs.
* **reroute accuracy** = tickets whose ``reroute_to`` equals the expected one (null
  included) / N.
* **FAQ reply precision** = tickets whose public reply carries the expected FAQ id /
  tickets whose public reply carries any FAQ id (1.0 when the bot never replies).
* **FAQ reply recall** = tickets whose public reply carries the expected FAQ id /
  tickets whose expected ``faq`` is not null (1.0 when none is expected).
* **ask-browser accuracy** = tickets whose ``ask_browser`` equals the expected one / N.
* **browser accuracy** = tickets whose browser name *and* major version equal the
  expected ones (both null counts as equal) / N.
* **unwanted public replies per 100** = 100 × tickets with a public reply whose
  expected ``auto_reply`` is false / N.
* **exact-decision rate** = tickets where all six keys equal the expected ones / N.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from routerbot.config import RoutingConfig
from routerbot.domain import Decision
from routerbot.labelled import EXPECTED_KEYS, LabelledTicket

#: The bars of issue 9: metric name → (minimum, or maximum when ``lower_is_better``).
BARS: dict[str, tuple[float, bool]] = {
    "category_accuracy": (0.97, False),
    "reroute_accuracy": (0.96, False),
    "faq_precision": (0.97, False),
    "faq_recall": (0.88, False),
    "browser_accuracy": (0.98, False),
    "ask_browser_accuracy": (0.97, False),
    "unwanted_replies_per_100": (1.0, True),
    "exact_rate": (0.93, False),
}

METRIC_LABELS: dict[str, str] = {
    "category_accuracy": "category accuracy",
    "reroute_accuracy": "reroute accuracy",
    "faq_precision": "FAQ reply precision",
    "faq_recall": "FAQ reply recall",
    "ask_browser_accuracy": "ask-browser accuracy",
    "browser_accuracy": "browser accuracy",
    "unwanted_replies_per_100": "unwanted public replies / 100",
    "exact_rate": "exact-decision rate",
}


def predicted_labels(decision: Decision) -> dict[str, Any]:
    """The six ``expected`` keys as this decision answers them."""
    b = decision.browser
    move = decision.reroute
    return {
        "category": decision.category.value if decision.category else None,
        "faq": decision.reply_faq,
        "ask_browser": decision.ask_browser,
        "browser": {"name": b.name, "version": b.version} if b else None,
        "reroute_to": str(move.target) if move else None,
        "auto_reply": bool(decision.public_replies),
    }


def _norm_browser(value: Any) -> tuple[str, str | None] | None:
    if not value:
        return None
    name = str(value.get("name") or "").lower()
    version = value.get("version")
    return name, (str(version) if version is not None else None)


def mismatches(predicted: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """The keys on which a prediction differs from the label."""
    out = []
    for key in EXPECTED_KEYS:
        p, e = predicted.get(key), expected.get(key)
        if key == "browser":
            if _norm_browser(p) != _norm_browser(e):
                out.append(key)
        elif key in ("ask_browser", "auto_reply"):
            if bool(p) != bool(e):
                out.append(key)
        elif p != e:
            out.append(key)
    return out


@dataclass(frozen=True, slots=True)
class TicketResult:
    id: str
    decision: Decision
    predicted: dict[str, Any]
    expected: Mapping[str, Any] | None
    wrong: tuple[str, ...] = ()


@dataclass(slots=True)
class EvalReport:
    results: list[TicketResult] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def scored(self) -> list[TicketResult]:
        return [r for r in self.results if r.expected is not None]

    def passes(self) -> dict[str, bool]:
        out = {}
        for name, (bar, lower) in BARS.items():
            value = self.metrics.get(name)
            if value is None:
                continue
            out[name] = value <= bar if lower else value >= bar
        return out


def evaluate(tickets: Iterable[LabelledTicket], config: RoutingConfig) -> EvalReport:
    """Decide every ticket and score those that carry labels."""
    from routerbot.engine import decide  # noqa: PLC0415 - keeps `import evaluation` light

    report = EvalReport()
    for lt in tickets:
        d = decide(lt.ticket, config)
        pred = predicted_labels(d)
        wrong = tuple(mismatches(pred, lt.expected)) if lt.expected is not None else ()
        report.results.append(TicketResult(lt.ticket.key, d, pred, lt.expected, wrong))
    _score(report)
    return report


def _ratio(num: int, den: int, empty: float = 1.0) -> float:
    return num / den if den else empty


def _score(report: EvalReport) -> None:
    scored = report.scored
    n = len(scored)
    c: Counter[str] = Counter()
    for r in scored:
        e, p = r.expected or {}, r.predicted
        report.confusion[(str(e.get("category")), str(p["category"]))] += 1
        c["category"] += "category" not in r.wrong
        c["reroute"] += "reroute_to" not in r.wrong
        c["ask"] += "ask_browser" not in r.wrong
        c["browser"] += "browser" not in r.wrong
        c["exact"] += not r.wrong
        if p["faq"] is not None:
            c["faq_sent"] += 1
            c["faq_sent_right"] += p["faq"] == e.get("faq")
        if e.get("faq") is not None:
            c["faq_expected"] += 1
            c["faq_expected_hit"] += p["faq"] == e.get("faq")
        if p["auto_reply"] and not e.get("auto_reply"):
            c["unwanted"] += 1
    report.counts = {"tickets": len(report.results), "scored": n, **c}
    if not n:
        report.metrics = {}
        return
    report.metrics = {
        "category_accuracy": c["category"] / n,
        "reroute_accuracy": c["reroute"] / n,
        "faq_precision": _ratio(c["faq_sent_right"], c["faq_sent"]),
        "faq_recall": _ratio(c["faq_expected_hit"], c["faq_expected"]),
        "ask_browser_accuracy": c["ask"] / n,
        "browser_accuracy": c["browser"] / n,
        "unwanted_replies_per_100": 100.0 * c["unwanted"] / n,
        "exact_rate": c["exact"] / n,
    }


def render_table(report: EvalReport, *, differences: bool = True) -> str:
    """The metrics table, the confusion matrix and (``differences``) the tickets that
    differ, one line each."""
    lines: list[str] = []
    counts = report.counts
    lines.append(f"tickets: {counts.get('tickets', 0)}  scored: {counts.get('scored', 0)}")
    if not report.metrics:
        lines.append("no labelled ticket: nothing to score")
        return "\n".join(lines) + "\n"
    passes = report.passes()
    lines.append("")
    lines.append(f"{'metric':<32} {'value':>8}  {'bar':>8}  ok")
    lines.append("-" * 56)
    for name, label in METRIC_LABELS.items():
        value = report.metrics[name]
        bar, lower = BARS[name]
        bar_s = f"{'<=' if lower else '>='}{bar:g}"
        fmt = f"{value:8.2f}" if name == "unwanted_replies_per_100" else f"{value:8.3f}"
        lines.append(f"{label:<32} {fmt}  {bar_s:>8}  {'yes' if passes[name] else 'NO'}")
    lines.append("")
    lines.append(
        f"FAQ replies sent: {counts.get('faq_sent', 0)} (right: {counts.get('faq_sent_right', 0)})"
        f"; expected: {counts.get('faq_expected', 0)}"
        f"; unwanted public replies: {counts.get('unwanted', 0)}"
    )
    cats = sorted({k for pair in report.confusion for k in pair})
    lines.append("")
    lines.append("confusion (rows: expected, columns: predicted)")
    width = max(len(x) for x in cats) + 2
    lines.append(" " * width + "".join(f"{x[:20]:>22}" for x in cats))
    for e in cats:
        row = "".join(f"{report.confusion.get((e, p), 0):>22}" for p in cats)
        lines.append(f"{e:<{width}}{row}")
    wrong = [r for r in report.scored if r.wrong]
    if wrong and differences:
        lines.append("")
        lines.append("differences:")
        for r in wrong:
            exp = r.expected or {}
            diffs = ", ".join(f"{k}: {r.predicted.get(k)!r} ≠ {exp.get(k)!r}" for k in r.wrong)
            lines.append(f"- {r.id}: {diffs}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class EntryScore:
    """Precision and recall of one FAQ entry's public replies on the scored tickets."""

    faq_id: str
    sent: int  # public replies carrying this entry
    right: int  # ... on tickets that expect it
    expected: int  # tickets that expect this entry

    @property
    def precision(self) -> float:
        return _ratio(self.right, self.sent)

    @property
    def recall(self) -> float:
        return _ratio(self.right, self.expected)


def entry_scores(report: EvalReport, known: Iterable[str] = ()) -> list[EntryScore]:
    """Per FAQ entry (``known`` first, in that order, then any other entry seen)."""
    sent: Counter[str] = Counter()
    right: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    for r in report.scored:
        want, got = (r.expected or {}).get("faq"), r.predicted.get("faq")
        if got is not None:
            sent[str(got)] += 1
            right[str(got)] += got == want
        if want is not None:
            expected[str(want)] += 1
    order = list(dict.fromkeys([*known, *sorted(set(sent) | set(expected))]))
    return [EntryScore(fid, sent[fid], right[fid], expected[fid]) for fid in order]
