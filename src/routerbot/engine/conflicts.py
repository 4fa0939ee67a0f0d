"""Examples that teach the wrong thing: what ``routerbot check-config`` warns about.

* an example that sits closer to another entry's examples than to its own (scored
  against the index without itself): the two entries compete on those words, and the
  example may pull tickets to the wrong entry;
* two entries too close to each other: a large share of one entry's examples are
  closer to the other;
* the same for the questions the FAQ does not answer (``[unanswered]``): one of
  them closer to an entry, or an entry's example closer to them;
* an entry taught with fewer than :data:`routerbot.config.MIN_EXAMPLES` examples;
* an example its own entry's guards forbid (a ``never`` word in it, none of its
  ``requires`` words): the entry would not answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from routerbot.config import MIN_EXAMPLES
from routerbot.engine.classify import example_blocked
from routerbot.engine.compiled import UNANSWERED

if TYPE_CHECKING:  # pragma: no cover
    from routerbot.config import RoutingConfig
    from routerbot.engine.index import ExampleIndex

#: Share of an entry's examples closer to one other entry that makes the two too close.
TOO_CLOSE_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class ExampleConflict:
    """An example closer to another entry than to its own."""

    path: str  # "faq → nous-contacter → examples[3]"
    entry_id: str
    text: str
    own_score: float
    other_id: str
    other_score: float
    other_example: str

    def __str__(self) -> str:
        return (
            f"{self.path} {self.text!r} is closer to {self.other_id} ({self.other_score:.2f}, "
            f"{self.other_example!r}) than to its own entry ({self.own_score:.2f})"
        )


def _path(section: str, entry_id: str, n: int) -> str:
    if entry_id == UNANSWERED:  # its own section of the routing file
        return f"unanswered → examples[{n}]"
    return f"{section} → {entry_id} → examples[{n}]"


def _conflicts(
    index: ExampleIndex, section: str, answer_floor: float = 0.0
) -> list[ExampleConflict]:
    """Examples closer to another entry than to their own. The questions the FAQ does
    not answer are unlike each other by nature: one of them is flagged only when an
    entry would answer it (closer to that entry than ``answer_floor``)."""
    out: list[ExampleConflict] = []
    position: dict[str, int] = {}
    for i, ex in enumerate(index.examples):
        n = position.get(ex.entry_id, 0)
        position[ex.entry_id] = n + 1
        scores = index.scores(index.example_features(i), exclude=i, hidden=True)
        if not scores:
            continue
        own = next((s for s in scores if s.entry_id == ex.entry_id), None)
        best = scores[0]
        own_score = own.score if own else 0.0
        floor = answer_floor if ex.entry_id == UNANSWERED else own_score
        if best.entry_id != ex.entry_id and best.score > max(own_score, floor):
            out.append(
                ExampleConflict(
                    _path(section, ex.entry_id, n),
                    ex.entry_id,
                    ex.text,
                    own_score,
                    best.entry_id,
                    best.score,
                    best.nearest[0].text if best.nearest else "",
                )
            )
    return out


def example_conflicts(config: RoutingConfig) -> list[ExampleConflict]:
    """Every example (FAQ and categories) closer to another entry than to its own."""
    c = config.compiled
    floor = config.thresholds.faq_reply_min_confidence
    return _conflicts(c.faq_index, "faq", floor) + _conflicts(c.category_index, "categories")


def config_warnings(config: RoutingConfig) -> list[str]:
    """What a support lead should read before deploying a routing file."""
    warnings: list[str] = []
    for fid, entry in config.faq.items():
        if len(entry.examples) < MIN_EXAMPLES:
            warnings.append(
                f"faq → {fid} → examples: {len(entry.examples)} example(s), "
                f"teach it with at least {MIN_EXAMPLES}"
            )
        for n, example in enumerate(entry.examples):
            if why := example_blocked(example, fid, config):
                warnings.append(
                    f"guarded: faq → {fid} → examples[{n}] {example!r} is forbidden by the "
                    f"entry's own guards ({why}): it would not be answered"
                )
    conflicts = example_conflicts(config)
    warnings += [f"conflict: {c}" for c in conflicts]
    sizes: dict[str, int] = {}
    for ex in config.compiled.faq_index.examples:
        sizes[ex.entry_id] = sizes.get(ex.entry_id, 0) + 1
    pulls: dict[tuple[str, str], int] = {}
    for c in conflicts:
        if c.path.startswith("faq"):
            pulls[(c.entry_id, c.other_id)] = pulls.get((c.entry_id, c.other_id), 0) + 1
    for (a, b), n in sorted(pulls.items()):
        if n >= max(2, TOO_CLOSE_SHARE * sizes.get(a, 1)):
            warnings.append(
                f"too close: {n} of the {sizes[a]} examples of faq → {a} are closer to "
                f"faq → {b}: the two entries are hard to tell apart"
            )
    return warnings
