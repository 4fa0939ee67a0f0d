"""Scores: who wrote the ticket, what it is about, which FAQ it asks, login failure.

Pure functions over a :class:`TicketText` (the ticket's words prepared once) and the
:class:`~routerbot.config.RoutingConfig` with what was compiled from it at load
(``config.compiled``: example indexes, phrases). Every score comes with the
:class:`~routerbot.domain.Signal` list that produced it, fired or not, so that the
decision can explain itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from routerbot.config import RoutingConfig
from routerbot.domain import Category, NearestExample, Population, Signal, Ticket
from routerbot.engine import text
from routerbot.engine.compiled import CompiledEvidence
from routerbot.engine.index import EntryScore
from routerbot.engine.lexicon import Words, light_keys

# --------------------------------------------------------------------------- text


_QUESTION_WORDS = re.compile(
    r"\b(comment|quel|quels|quelle|quelles|ou trouver|est ce que|est ce qu|pouvez vous|"
    r"pourriez vous|puis je|peut on|faut il|dois je|doit on|existe t il|y a t il|"
    r"how|what|where|which|can i|could you|is there|do i|should i|cmt|kel"
    # indirect and reported questions: call notes, dictation ("il demande si", "elle
    # cherche où", "c'est pour savoir comment", "wants to know whether")
    r"|(?:voudrai[st]?|voudraient|veu[xt]|aimerai[st]?|souhaite|pour|besoin de) savoir"
    r"|(?:demande|demandent|cherche|cherchent|me demandais|se demande)"
    r" (?:si|comment|ou|quel|quels|quelle|quelles|a quoi|a qui|pourquoi|ce qu)"
    r"|merci de (?:m|nous) (?:indiquer|dire|expliquer|preciser)"
    r"|(?:wants?|would like|needs?) to know|wonder(?:s|ing)?|asks? (?:how|whether|if|what|where))\b"
)


@dataclass(slots=True)
class TicketText:
    """A ticket's words, prepared once for every score."""

    norm: str  # summary + description + the customers' comments, cleaned, normalised
    words: Words
    plain: Words  # the same words, plurals aside, for the guards
    features: set[str]  # for the example indexes
    is_question: bool
    signature: str  # signature lines and the reporter's display name, normalised
    email_domain: str


def prepare(
    ticket: Ticket, config: RoutingConfig, customer_texts: Sequence[str] = ()
) -> TicketText:
    parts = text.split_body(ticket.description)
    reporter = (ticket.reporter.display_name, ticket.reporter.email)
    # a bare relaunch ("voir ci-dessous, toujours pas de réponse") says nothing but
    # "answer me": the question is the customer's own message quoted below it
    domain = ticket.reporter.email.rpartition("@")[2].strip().lower()
    company = "" if _domain_in(domain, config.population.personal_email_domains) else domain
    own = text.relaunched_message(parts, reporter, company) or parts.body
    body = "\n".join([ticket.summary, own, *customer_texts])
    return _prepare(body, parts, ticket, config, customer_texts)


def prepare_text(body: str, config: RoutingConfig) -> TicketText:
    """A bare text (a comment, an example) prepared like a ticket's words."""
    c = config.compiled
    norm = text.normalise(body)
    keys = c.lexicon.keys(norm)
    feats = c.faq_index_features(keys)
    is_question = "?" in body or bool(_QUESTION_WORDS.search(norm))
    return TicketText(norm, Words.of(keys), Words.of(light_keys(norm)), feats, is_question, "", "")


def _prepare(
    body: str,
    parts: text.BodyParts,
    ticket: Ticket,
    config: RoutingConfig,
    customer_texts: Sequence[str],
) -> TicketText:
    c = config.compiled
    norm = text.normalise(body)
    keys = c.lexicon.keys(norm)
    feats = c.faq_index_features(keys)
    raw_q = "?" in ticket.summary or "?" in parts.body or any("?" in t for t in customer_texts)
    is_question = raw_q or bool(_QUESTION_WORDS.search(norm))
    sig_lines = [ln for ln in parts.signature.splitlines() if ln.strip()]
    if not sig_lines:
        # no closing formula: the last short lines may still be a signature
        tail = [ln for ln in parts.body.splitlines() if ln.strip()][-3:]
        sig_lines = [ln for ln in tail if len(ln.split()) <= 8 and not ln.rstrip().endswith(".")]
    signature = text.normalise("\n".join([*sig_lines, ticket.reporter.display_name]))
    email = ticket.reporter.email.strip().lower()
    domain = email.rpartition("@")[2] if "@" in email else ""
    return TicketText(
        norm, Words.of(keys), Words.of(light_keys(norm)), feats, is_question, signature, domain
    )


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True, slots=True)
class Score:
    value: float  # 0..1
    signals: tuple[Signal, ...]
    position: int = 1 << 30  # where the earliest strong/medium phrase matched
    raw: float = 0.0  # the uncapped sum (can exceed 1): how much evidence there is


def score_evidence(words: Words, ev: CompiledEvidence, config: RoutingConfig, name: str) -> Score:
    """Add up the weights of the phrases and pairs found (capped to 0..1).

    Negative phrases only take evidence away, and are looked at only when something
    positive was found.
    """
    w = config.weights
    gap = config.matching.phrase_gap
    total = 0.0
    fired: list[Signal] = []
    position = 1 << 30
    for kind, weight, ps in (("strong", w.strong, ev.strong), ("medium", w.medium, ev.medium)):
        if ps.empty:
            continue
        for hit in ps.all_matches(words, gap):
            total += weight
            fired.append(Signal(f"{name}.{kind}", True, hit, weight))
        if fired:
            position = min(position, ps.position(words, gap))
    if total > 0 and not ev.negative.empty:
        for hit in ev.negative.all_matches(words, gap):
            total -= w.negative
            fired.append(Signal(f"{name}.negative", True, hit, -w.negative))
    return Score(max(0.0, min(1.0, total)), tuple(fired), position, total)


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

    c = config.compiled
    s_sd = score_evidence(tt.words, c.statements["sd"], config, "population.sd")
    s_op = score_evidence(tt.words, c.statements["operateur"], config, "population.operateur")
    sd += w.statement * s_sd.value
    op += w.statement * s_op.value
    sig += s_sd.signals + s_op.signals
    if s_sd.value == 0 and s_op.value == 0:
        sig.append(Signal("population.statement", False, "nobody says who they are", 0.0))

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
    confidence = 0.5 + 0.5 * (1.0 - math.exp(-margin / config.thresholds.population_scale))
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
    """One FAQ entry as the examples see the ticket."""

    faq_id: str
    confidence: float  # the example similarity, with the question bonus
    signals: tuple[Signal, ...]
    #: the population may receive this entry's answer
    eligible: bool
    #: the closest examples of this entry, best first
    nearest: tuple[NearestExample, ...] = ()
    #: why a guard forbids answering it ("never: …", "requires: …"), or ""
    blocked: str = ""

    @property
    def answerable(self) -> bool:
        return self.eligible and not self.blocked


def score_faqs(tt: TicketText, population: Population, config: RoutingConfig) -> list[FaqScore]:
    """Every FAQ entry whose examples share something with the text, best first."""
    c = config.compiled
    gap = config.matching.phrase_gap
    bonus = config.matching.question_bonus
    out: list[FaqScore] = []
    for es in c.faq_index.scores(tt.features):
        entry = config.faq[es.entry_id]
        value = es.score
        fid = es.entry_id
        sig: list[Signal] = []
        best = es.nearest[0] if es.nearest else None
        if best is not None:
            sig.append(Signal(f"faq.{fid}.example", True, best.text, best.score))
        if tt.is_question:
            value = min(1.0, value + bonus)
        elif entry.requires_question:
            value *= 0.6
            sig.append(Signal(f"faq.{fid}.question", False, "no question asked", 0.0))
        blocked = ""
        g = c.guards[fid]
        hit = g.never.first_match(tt.plain, gap) if not g.never.empty else None
        if hit is not None:
            blocked = f"never: {hit}"
        elif not g.requires.empty and g.requires.first_match(tt.plain, gap) is None:
            blocked = "requires: none of its words"
        if blocked:
            sig.append(Signal(f"faq.{fid}.guard", True, blocked, 0.0))
        out.append(
            FaqScore(
                fid,
                round(value, 3),
                tuple(sig),
                population in entry.populations,
                es.nearest,
                blocked,
            )
        )
    out.sort(key=lambda f: -f.confidence)
    return out


# --------------------------------------------------------------------------- subjects


def score_login_failure(tt: TicketText, config: RoutingConfig) -> Score:
    return score_evidence(tt.words, config.compiled.login_failure, config, "login_failure")


@dataclass(frozen=True, slots=True)
class CategoryScore:
    """Habilitation against assistance, for an operator's ticket, from the examples."""

    habilitation: float
    assistance: float
    nearest: tuple[NearestExample, ...]
    signals: tuple[Signal, ...]


def score_category(tt: TicketText, ticket: Ticket, config: RoutingConfig) -> CategoryScore:
    scores: dict[str, EntryScore] = {
        s.entry_id: s for s in config.compiled.category_index.scores(tt.features)
    }
    sig: list[Signal] = []
    values: dict[Category, float] = {}
    for cat in (Category.HABILITATION, Category.ASSISTANCE_OPERATEUR):
        es = scores.get(cat.value)
        v = es.score if es else 0.0
        cc = config.categories[cat]
        if es and es.nearest:
            best = es.nearest[0]
            sig.append(Signal(f"category.{cat.value}.example", True, best.text, best.score))
        if cc.portal_prior and ticket.location == cc.target:
            v += cc.portal_prior
            sig.append(
                Signal(f"category.{cat.value}.portal", True, str(cc.target), cc.portal_prior)
            )
        values[cat] = min(1.0, v)
    nearest = tuple(
        sorted(
            (n for es in scores.values() for n in es.nearest),
            key=lambda n: -n.score,
        )
    )[:3]
    return CategoryScore(
        values[Category.HABILITATION], values[Category.ASSISTANCE_OPERATEUR], nearest, tuple(sig)
    )


def score_thanks(words: Words, config: RoutingConfig) -> Score:
    return score_evidence(words, config.compiled.thanks, config, "conversation.thanks")
