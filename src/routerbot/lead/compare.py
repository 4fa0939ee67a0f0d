"""Compare two routing files on a ticket set: ``routerbot eval FILE --compare-config OLD``."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routerbot.domain import Decision, Ticket

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from routerbot.config import RoutingConfig

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

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(
            f for f in DecisionSummary.FIELDS if getattr(self.old, f) != getattr(self.new, f)
        )


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
    width = max(
        [len(old_label), *(len(c.old.value(f)) for c in changes for f in DecisionSummary.FIELDS)]
    )
    for change in changes:
        lines.append("")
        lines.append(f"{change.key:<16}  {old_label:<{width}}  {new_label}")
        changed = change.changed
        for name in DecisionSummary.FIELDS:
            mark = "*" if name in changed else " "
            lines.append(
                f"  {mark} {name:<12}  {change.old.value(name):<{width}}  {change.new.value(name)}"
            )
    summary = Tally(f for c in changes for f in c.changed)
    lines.append("")
    lines.append(
        "changed fields: " + ", ".join(f"{name} {summary[name]}" for name in sorted(summary))
    )
    return "\n".join(lines) + "\n"


def compare_file(
    path: str, old_config_path: str, new_config: RoutingConfig
) -> tuple[list[DecisionChange], int]:
    """``routerbot eval FILE --compare-config OLD.toml``: the changes and the ticket count."""
    from routerbot.config import load_config  # noqa: PLC0415
    from routerbot.labelled import read_labelled  # noqa: PLC0415

    old = load_config(old_config_path)
    tickets = [lt.ticket for lt in read_labelled(path)]
    return compare_configs(tickets, old, new_config), len(tickets)


def changes_as_json(changes: Sequence[DecisionChange]) -> list[dict[str, Any]]:
    fields = DecisionSummary.FIELDS
    return [
        {
            "id": c.key,
            "changed": list(c.changed),
            "old": {f: getattr(c.old, f) for f in fields},
            "new": {f: getattr(c.new, f) for f in fields},
        }
        for c in changes
    ]
