"""Scores: who wrote the ticket, what it is about, which FAQ it asks, login failure.

Pure functions over a :class:`TicketText` (the ticket's words prepared once) and the
:class:`~routerbot.config.RoutingConfig`. Every score comes with the
:class:`~routerbot.domain.Signal` list that produced it, fired or not, so that the
decision can explain itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from routerbot.config import PATTERN_TIMEOUT_SECONDS, RoutingConfig, SignalSet
from routerbot.domain import Category, Population, Signal, Ticket
from routerbot.engine import text
from routerbot.engine.matching import Doc, Matcher, normalise

# --------------------------------------------------------------------------- compiled


@dataclass(slots=True)
class Compiled:
    """What the engine derives from one configuration, built once per config object."""

    matcher: Matcher
    patterns: dict[str, regex.Pattern[str]]
    #: per side ("sd", "operateur"): the signature entries, normalised, in config order
    signature_entries: dict[str, tuple[str, ...]]
    #: per side: the one-word entries, for a quick set test
    signature_single: dict[str, frozenset[str]]


_COMPILED: dict[int, tuple[RoutingConfig, Compiled]] = {}


def compiled(config: RoutingConfig) -> Compiled:
    hit = _COMPILED.get(id(config))
    if hit is not None and hit[0] is config:
        return hit[1]
    phrases: list[str] = []
    pattern_texts: list[str] = []
    for s in _all_signal_sets(config):
        phrases.extend((*s.strong, *s.medium, *s.weak, *s.negative))
        pattern_texts.extend(p.regex for p in s.patterns)
    matcher = Matcher(
        phrases, window=config.scoring.window, typo_min_length=config.scoring.typo_min_length
    )
    sides = {
        "sd": config.population.services_deconcentres.signature_words,
        "operateur": config.population.operateur.signature_words,
    }
    entries = {k: tuple(normalise(x) for x in v) for k, v in sides.items()}
    single = {k: frozenset(x for x in v if " " not in x) for k, v in entries.items()}
    result = Compiled(matcher, {p: regex.compile(p) for p in pattern_texts}, entries, single)
    if len(_COMPILED) > 16:  # configs are few (reloads, tests): keep the cache small
        _COMPILED.clear()
    _COMPILED[id(config)] = (config, result)
    return result


def _all_signal_sets(config: RoutingConfig) -> list[SignalSet]:
    sets = [c.signals for c in config.categories.values()]
    sets += [config.population.services_deconcentres.statements]
    sets += [config.population.operateur.statements]
    sets += [f.signals for f in config.faq.values()]
    sets += [config.login_failure.signals, config.conversation.thanks]
    return sets


# --------------------------------------------------------------------------- text


_QUESTION_WORDS = re.compile(
    r"\b(comment|quel|quels|quelle|quelles|ou trouver|est ce que|est ce qu|pouvez vous|"
    r"pourriez vous|puis je|peut on|faut il|dois je|doit on|existe t il|y a t il|"
    r"how|what|where|which|can i|could you|is there|do i|should i|cmt|kel)\b"
)


@dataclass(slots=True)
class TicketText:
    """A ticket's words, prepared once for every score."""

    doc: Doc  # summary + description + the customers' comments, cleaned
    is_question: bool
    signature: str  # signature lines and the reporter's display name, normalised
    email_domain: str


def prepare(
    ticket: Ticket, config: RoutingConfig, customer_texts: Sequence[str] = ()
) -> TicketText:
    parts = text.split_body(ticket.description)
    body = "\n".join([ticket.summary, parts.body, *customer_texts])
    doc = compiled(config).matcher.doc(body)
    raw_q = "?" in ticket.summary or "?" in parts.body or any("?" in t for t in customer_texts)
    is_question = raw_q or bool(_QUESTION_WORDS.search(doc.norm))
    sig_lines = [ln for ln in parts.signature.splitlines() if ln.strip()]
    if not sig_lines:
        # no closing formula: the last short lines may still be a signature
        tail = [ln for ln in parts.body.splitlines() if ln.strip()][-3:]
        sig_lines = [ln for ln in tail if len(ln.split()) <= 8 and not ln.rstrip().endswith(".")]
    signature = text.normalise("\n".join([*sig_lines, ticket.reporter.display_name]))
    email = ticket.reporter.email.strip().lower()
    domain = email.rpartition("@")[2] if "@" in email else ""
    return TicketText(doc, is_question, signature, domain)


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True, slots=True)
class Score:
    value: float  # 0..1
    signals: tuple[Signal, ...]
    position: int = 1 << 30  # where the earliest positive phrase matched
    raw: float = 0.0  # the uncapped sum (can exceed 1): how much evidence there is


def score_signals(doc: Doc, signals: SignalSet, config: RoutingConfig, name: str) -> Score:
    """Add up the weights of the phrases and patterns that match (capped to 0..1).

    Negative phrases and patterns can only take evidence away: they are looked at
    only when something positive matched (the cheap path for most signal sets).
    """
    c = compiled(config)
    sc = config.scoring
    total = 0.0
    fired: list[Signal] = []
    position = 1 << 30
    matches = c.matcher.matches
    cands = doc.candidates  # phrases whose first word occurs: the only ones that can match
    for kind, weight in (("strong", sc.strong), ("medium", sc.medium), ("weak", sc.weak)):
        for phrase in getattr(signals, kind):
            if phrase in cands and matches(doc, phrase):
                total += weight
                fired.append(Signal(f"{name}.{kind}", True, phrase, weight))
                position = min(position, c.matcher.position(doc, phrase))
    negative_patterns = []
    for pat in signals.patterns:
        if pat.weight < 0:
            negative_patterns.append(pat)
        elif _search(c.patterns[pat.regex], doc.norm):
            total += pat.weight
            fired.append(Signal(f"{name}.pattern", True, pat.name or pat.regex, pat.weight))
    if total > 0:
        for phrase in signals.negative:
            if phrase in cands and matches(doc, phrase):
                total -= sc.negative
                fired.append(Signal(f"{name}.negative", True, phrase, -sc.negative))
        for pat in negative_patterns:
            if _search(c.patterns[pat.regex], doc.norm):
                total += pat.weight
                fired.append(Signal(f"{name}.pattern", True, pat.name or pat.regex, pat.weight))
    return Score(max(0.0, min(1.0, total)), tuple(fired), position, total)


def _search(pattern: regex.Pattern[str], s: str) -> bool:
    try:
        return pattern.search(s, timeout=PATTERN_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        return False


# --------------------------------------------------------------------------- population


@dataclass(frozen=True, slots=True)
class PopulationResult:
    population: Population
    confidence: float
    signals: tuple[Signal, ...]


def detect_population(ticket: Ticket, tt: TicketText, config: RoutingConfig) -> PopulationResult:
    """Operator or services déconcentrés: statements > signature > e-mail > portal."""
    pc = config.population
    w = pc.weights
    sd = op = 0.0
    sig: list[Signal] = []

    s_sd = score_signals(tt.doc, pc.services_deconcentres.statements, config, "population.sd")
    s_op = score_signals(tt.doc, pc.operateur.statements, config, "population.operateur")
    sd += w.statement * s_sd.value
    op += w.statement * s_op.value
    sig += s_sd.signals + s_op.signals
    if s_sd.value == 0 and s_op.value == 0:
        sig.append(Signal("population.statement", False, "nobody says who they are", 0.0))

    c = compiled(config)
    words = set(tt.signature.split())
    padded = f" {tt.signature} "
    for side in ("sd", "operateur"):
        hit = _signature_hit(c.signature_entries[side], c.signature_single[side], words, padded)
        if hit:
            weight = w.signature
            if side == "sd":
                sd += weight
            else:
                weight = w.signature if w.business_signature is None else w.business_signature
                op += weight
            sig.append(Signal(f"population.{side}.signature", True, hit, weight))

    domain = tt.email_domain
    if domain:
        if _domain_in(domain, pc.state_email_domains):
            sd += w.email_state
            sig.append(Signal("population.sd.email_domain", True, domain, w.email_state))
        elif _domain_in(domain, pc.personal_email_domains):
            op += w.email_personal
            sig.append(
                Signal("population.operateur.personal_mailbox", True, domain, w.email_personal)
            )
        else:
            op += w.email_company
            sig.append(Signal("population.operateur.email_domain", True, domain, w.email_company))
    else:
        sig.append(Signal("population.email_domain", False, "no e-mail", 0.0))

    portal = ticket.service_desk
    if portal == pc.portals.get(Population.SERVICES_DECONCENTRES):
        sd += w.portal
        sig.append(Signal("population.sd.portal", True, f"portal {portal}", w.portal))
    elif portal == pc.portals.get(Population.OPERATEUR):
        op += w.portal
        sig.append(Signal("population.operateur.portal", True, f"portal {portal}", w.portal))

    pop = Population.SERVICES_DECONCENTRES if sd > op else Population.OPERATEUR
    margin = abs(sd - op)
    confidence = 0.5 + 0.5 * (1.0 - math.exp(-margin / 1.5))
    sig.append(Signal("population.total", True, f"sd={sd:.2f} operateur={op:.2f}", margin))
    return PopulationResult(pop, round(confidence, 3), tuple(sig))


def _signature_hit(
    entries: tuple[str, ...], single: frozenset[str], words: set[str], padded: str
) -> str | None:
    """The first entry found in the signature: one word, or several in a row
    ("export de", "clinique veterinaire"), as whole words."""
    if len(entries) == len(single) and single.isdisjoint(words):
        return None
    for x in entries:
        if (x in words) if " " not in x else (f" {x} " in padded):
            return x
    return None


def _domain_in(domain: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        p = pattern.lower()
        if p.startswith("*."):
            if domain.endswith(p[1:]):
                return True
        elif domain == p:
            return True
    return False


# --------------------------------------------------------------------------- FAQ


@dataclass(frozen=True, slots=True)
class FaqScore:
    faq_id: str
    confidence: float
    signals: tuple[Signal, ...]
    position: int
    priority: int
    eligible: bool
    #: uncapped evidence (sum of the weights, question bonus included): two entries
    #: both capped at 1.0 can still be told apart, or found too close to call
    raw: float = 0.0


def score_faqs(tt: TicketText, population: Population, config: RoutingConfig) -> list[FaqScore]:
    """Every FAQ entry with signals, best first (confidence, then uncapped evidence,
    then priority, then first mentioned); entries the population may not receive are
    ``eligible=False``."""
    out: list[FaqScore] = []
    bonus = config.scoring.question_bonus
    for fid, entry in config.faq.items():
        if not (entry.signals.strong or entry.signals.medium or entry.signals.patterns):
            continue
        s = score_signals(tt.doc, entry.signals, config, f"faq.{fid}")
        value = s.value
        raw = s.raw
        sig = list(s.signals)
        if value > 0 and tt.is_question:
            value = min(1.0, value + bonus)
            raw += bonus
            sig.append(Signal(f"faq.{fid}.question", True, "the text asks something", bonus))
        elif value > 0 and entry.requires_question:
            value *= 0.6
            raw *= 0.6
            sig.append(Signal(f"faq.{fid}.question", False, "no question asked", 0.0))
        if value <= 0:
            continue
        eligible = population in entry.populations
        out.append(
            FaqScore(
                fid,
                round(value, 3),
                tuple(sig),
                s.position,
                entry.priority,
                eligible,
                round(raw, 3),
            )
        )
    out.sort(key=lambda f: (-f.confidence, -f.raw, -f.priority, f.position))
    return out


# --------------------------------------------------------------------------- subjects


def score_login_failure(tt: TicketText, config: RoutingConfig) -> Score:
    return score_signals(tt.doc, config.login_failure.signals, config, "login_failure")


def score_category(
    tt: TicketText, ticket: Ticket, category: Category, config: RoutingConfig
) -> Score:
    cc = config.categories[category]
    s = score_signals(tt.doc, cc.signals, config, f"category.{category.value}")
    if cc.portal_prior and ticket.location == cc.target:
        prior = Signal(f"category.{category.value}.portal", True, str(cc.target), cc.portal_prior)
        return Score(min(1.0, s.value + cc.portal_prior), (*s.signals, prior), s.position)
    return s


def score_thanks(doc: Doc, config: RoutingConfig) -> Score:
    return score_signals(doc, config.conversation.thanks, config, "conversation.thanks")
