"""Compare two routing files on a ticket set: ``routerbot eval FILE --compare-config OLD``.

* :func:`compare_reports` pairs the decisions of two evaluations of the same file (one
  per routing file) and keeps the tickets whose decision changes, each with the
  expected decision beside it and a verdict (``fixed``, ``broken``, ``still wrong``);
* :func:`metric_changes` / :func:`render_metric_changes`: every metric old → new;
* :func:`compare_configs` / :func:`render_changes`: the same side by side on tickets
  without labels.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routerbot.domain import Decision, Ticket

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from routerbot.config import RoutingConfig
    from routerbot.evaluation import EvalReport

Decide = Callable[[Ticket, "RoutingConfig"], Decision]
NONE = "-"


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    """The part of a decision a support lead compares (the labelled ``expected`` fields)."""

    category: str | None
    reroute: str | None
    faq: str | None
    ask_browser: bool
    auto_reply: bool

    FIELDS = ("category", "reroute", "faq", "ask_browser", "auto_reply")

    @classmethod
    def of(cls, decision: Decision) -> DecisionSummary:
        reroute = decision.reroute
        return cls(
            category=decision.category.value if decision.category else None,
            reroute=str(reroute.target) if reroute else None,
            faq=decision.reply_faq,
            ask_browser=decision.ask_browser,
            auto_reply=bool(decision.public_replies),
        )

    @classmethod
    def expected(cls, label: Mapping[str, Any]) -> DecisionSummary:
        """The same five fields, read from a labelled ticket's ``expected``."""
        return cls(
            category=label.get("category"),
            reroute=label.get("reroute_to"),
            faq=label.get("faq"),
            ask_browser=bool(label.get("ask_browser")),
            auto_reply=bool(label.get("auto_reply")),
        )

    def value(self, name: str) -> str:
        v = getattr(self, name)
        if v is None:
            return NONE
        if isinstance(v, bool):
            return "yes" if v else "no"
        return str(v)


@dataclass(frozen=True, slots=True)
class DecisionChange:
    key: str
    old: DecisionSummary
    new: DecisionSummary
    #: what the ticket's label expects (None for an unlabelled ticket)
    expected: DecisionSummary | None = None

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(
            f for f in DecisionSummary.FIELDS if getattr(self.old, f) != getattr(self.new, f)
        )

    @property
    def verdict(self) -> str:
        """``fixed`` (now right), ``broken`` (was right), ``still wrong``, or "" unlabelled."""
        if self.expected is None:
            return ""
        if self.new == self.expected:
            return "fixed"
        if self.old == self.expected:
            return "broken"
        return "still wrong"


def compare_reports(old: EvalReport, new: EvalReport) -> list[DecisionChange]:
    """The tickets whose decision differs between two evaluations of the same tickets
    (``old`` under the old routing file, ``new`` under the new one), in file order."""
    if [r.id for r in old.results] != [r.id for r in new.results]:
        raise ValueError("the two evaluations are not of the same tickets")
    changes = []
    for before, after in zip(old.results, new.results, strict=True):
        o, n = DecisionSummary.of(before.decision), DecisionSummary.of(after.decision)
        if o != n:
            label = after.expected
            expected = DecisionSummary.expected(label) if label is not None else None
            changes.append(DecisionChange(after.id, o, n, expected))
    return changes


@dataclass(frozen=True, slots=True)
class MetricChange:
    name: str
    label: str
    old: float
    new: float

    @property
    def delta(self) -> float:
        return self.new - self.old


def metric_changes(old: EvalReport, new: EvalReport) -> list[MetricChange]:
    """Every metric of the eval table, old → new (the table's order)."""
    from routerbot.evaluation import METRIC_LABELS  # noqa: PLC0415

    return [
        MetricChange(name, label, old.metrics[name], new.metrics[name])
        for name, label in METRIC_LABELS.items()
        if name in old.metrics and name in new.metrics
    ]


def _fmt(name: str, value: float) -> str:
    return f"{value:.2f}" if name == "unwanted_replies_per_100" else f"{value:.3f}"


def render_metric_changes(changes: Sequence[MetricChange]) -> str:
    """``metric  old  new  change``, one line per metric."""
    if not changes:
        return "metrics: no labelled ticket, nothing to compare\n"
    lines = [f"{'metric':<32} {'old':>8} {'new':>8}  change", "-" * 60]
    for c in changes:
        if abs(c.delta) < 1e-9:
            delta = "="
        else:
            delta = f"{c.delta:+.2f}" if c.name == "unwanted_replies_per_100" else f"{c.delta:+.3f}"
        lines.append(f"{c.label:<32} {_fmt(c.name, c.old):>8} {_fmt(c.name, c.new):>8}  {delta}")
    return "\n".join(lines) + "\n"


def _default_decide() -> Decide:
    import importlib  # noqa: PLC0415

    engine = importlib.import_module("routerbot.engine")  # heavy: load on use
    decide: Decide = engine.decide
    return decide


def compare_configs(
    tickets: Iterable[Ticket],
    old_config: RoutingConfig,
    new_config: RoutingConfig,
    *,
    decide: Decide | None = None,
) -> list[DecisionChange]:
    """The tickets whose decision differs between ``old_config`` and ``new_config``,
    in input order. ``decide`` defaults to :func:`routerbot.engine.decide`."""
    run = decide or _default_decide()
    changes = []
    for ticket in tickets:
        old = DecisionSummary.of(run(ticket, old_config))
        new = DecisionSummary.of(run(ticket, new_config))
        if old != new:
            changes.append(DecisionChange(ticket.key, old, new))
    return changes


def render_changes(
    changes: Sequence[DecisionChange],
    total: int | None = None,
    *,
    old_label: str = "old",
    new_label: str = "new",
) -> str:
    """A side-by-side table, one block per changed ticket; changed fields marked ``*``."""
    head = f"{len(changes)} of {total} tickets" if total is not None else f"{len(changes)} tickets"
    lines = [f"{head} change decision ({old_label} → {new_label})"]
    if not changes:
        return lines[0] + "\n"
    fields = DecisionSummary.FIELDS
    width = max([len(old_label), *(len(c.old.value(f)) for c in changes for f in fields)])
    labelled = any(c.expected is not None for c in changes)
    nwidth = max([len(new_label), *(len(c.new.value(f)) for c in changes for f in fields)])
    for change in changes:
        lines.append("")
        head = f"{change.key:<16}  {old_label:<{width}}  "
        if labelled:
            head += f"{new_label:<{nwidth}}  expected"
            if change.verdict:
                head += f"   ({change.verdict})"
        else:
            head += new_label
        lines.append(head.rstrip())
        changed = change.changed
        for name in fields:
            mark = "*" if name in changed else " "
            row = f"  {mark} {name:<12}  {change.old.value(name):<{width}}  "
            if labelled:
                exp = change.expected.value(name) if change.expected is not None else ""
                row += f"{change.new.value(name):<{nwidth}}  {exp}"
            else:
                row += change.new.value(name)
            lines.append(row.rstrip())
    summary = Tally(f for c in changes for f in c.changed)
    lines.append("")
    lines.append(
        "changed fields: " + ", ".join(f"{name} {summary[name]}" for name in sorted(summary))
    )
    verdicts = Tally(c.verdict for c in changes if c.verdict)
    if verdicts:
        lines.append(
            "verdicts: "
            + ", ".join(
                f"{v} {verdicts[v]}" for v in ("fixed", "broken", "still wrong") if v in verdicts
            )
        )
    return "\n".join(lines) + "\n"


def changes_as_json(changes: Sequence[DecisionChange]) -> list[dict[str, Any]]:
    fields = DecisionSummary.FIELDS
    return [
        {
            "id": c.key,
            "changed": list(c.changed),
            "old": {f: getattr(c.old, f) for f in fields},
            "new": {f: getattr(c.new, f) for f in fields},
            "expected": (
                {f: getattr(c.expected, f) for f in fields} if c.expected is not None else None
            ),
            "verdict": c.verdict or None,
        }
        for c in changes
    ]
