"""Warnings about a routing file, for ``routerbot check-config PATH [--tickets FILE]``."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from routerbot.domain import AuthorRole, Ticket

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from routerbot.config import RoutingConfig, SignalSet


@dataclass(frozen=True, slots=True)
class _PhraseRef:
    path: str  # e.g. "categories → habilitation → signals → strong[2]"
    owner: str  # the category (or FAQ id) the phrase speaks for
    phrase: str


_LEVELS = ("strong", "medium", "weak")


def _signal_sets(config: RoutingConfig) -> Iterator[tuple[str, str, SignalSet]]:
    """(path, owner, signal set) of every signal set in the configuration."""
    for cat, cc in config.categories.items():
        yield f"categories → {cat.value} → signals", cat.value, cc.signals
    for fid, entry in config.faq.items():
        yield f"faq → {fid} → signals", f"faq:{fid}", entry.signals
    yield "login_failure → signals", "login_failure", config.login_failure.signals
    for side in ("services_deconcentres", "operateur"):
        yield (
            f"population → {side} → statements",
            f"population:{side}",
            getattr(config.population, side).statements,
        )


def _phrases(config: RoutingConfig, *, negative: bool) -> list[_PhraseRef]:
    levels = (*_LEVELS, "negative") if negative else _LEVELS
    out = []
    for path, owner, signals in _signal_sets(config):
        for level in levels:
            for i, phrase in enumerate(getattr(signals, level)):
                out.append(_PhraseRef(f"{path} → {level}[{i}]", owner, phrase))
    return out


def _ticket_text(ticket: Ticket) -> str:
    parts = [ticket.summary, ticket.description]
    parts.extend(c.body for c in ticket.comments if c.author is AuthorRole.CUSTOMER)
    return "\n".join(parts)


def config_warnings(config: RoutingConfig, tickets: Iterable[Ticket] | None = None) -> list[str]:
    """Warnings a support lead should read before deploying a routing file.

    * a category phrase that also fires a phrase of another category (any text that
      triggers the first triggers the second: the two categories compete on it);
    * with ``tickets``: every phrase and pattern that fires on none of them.
    """
    from routerbot.engine.matching import Matcher  # noqa: PLC0415 - heavy, load on use

    scoring = config.scoring
    refs = _phrases(config, negative=True)
    matcher = Matcher(
        (r.phrase for r in refs), window=scoring.window, typo_min_length=scoring.typo_min_length
    )
    warnings: list[str] = []
    category_refs = [
        r for r in refs if r.path.startswith("categories") and "negative" not in r.path
    ]
    docs = {r.phrase: matcher.doc(r.phrase) for r in category_refs}
    for a, b in itertools.combinations(category_refs, 2):
        if a.owner == b.owner:
            continue
        if matcher.matches(docs[a.phrase], b.phrase) or matcher.matches(docs[b.phrase], a.phrase):
            warnings.append(
                f"overlap: {a.path} {a.phrase!r} and {b.path} {b.phrase!r} fire on the same "
                f"words ({a.owner} vs {b.owner})"
            )
    if tickets is None:
        return warnings
    texts = [_ticket_text(t) for t in tickets]
    ticket_docs = [matcher.doc(t) for t in texts]
    for ref in refs:
        if not any(matcher.matches(d, ref.phrase) for d in ticket_docs):
            warnings.append(
                f"never fires: {ref.path} {ref.phrase!r} matches none of {len(texts)} tickets"
            )
    warnings.extend(_silent_patterns(config, [d.norm for d in ticket_docs]))
    return warnings


def _silent_patterns(config: RoutingConfig, norms: Sequence[str]) -> list[str]:
    import regex  # noqa: PLC0415

    from routerbot.config import PATTERN_TIMEOUT_SECONDS  # noqa: PLC0415

    out = []
    for path, _owner, signals in _signal_sets(config):
        for i, pat in enumerate(signals.patterns):
            compiled = regex.compile(pat.regex)
            fired = False
            for norm in norms:
                try:
                    if compiled.search(norm, timeout=PATTERN_TIMEOUT_SECONDS):
                        fired = True
                        break
                except TimeoutError:
                    continue
            if not fired:
                out.append(
                    f"never fires: {path} → patterns[{i}] {pat.regex!r} matches none of "
                    f"{len(norms)} tickets"
                )
    return out
