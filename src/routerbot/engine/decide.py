"""The decision: from a ticket and the routing configuration to a :class:`Decision`.

Pure: no I/O, no clock (``decide_followup`` is given ``now``), no globals but caches.
The rules, in order (ROUTING.md, "What the bot does"):

1. **Skip** tickets assigned to a person, tickets whose last word is the bot's or an
   agent's, automatic replies, tickets an agent is already talking on (unless the
   customer's new comment asks another question the FAQ answers: that answer; a
   misfiled one is still moved, nothing said), and a customer's thanks after the bot's
   answer. A skipped decision has no action but still says what the bot thinks
   (category, browser) for ``triage`` and the eval.
2. **Answer to a question for the browser**: the customer's comments are read with
   the description; complete → internal note (+ the ``connexion-impossible`` answer
   when the browser is not recommended or too old) and back to the agents;
   incomplete → ask again while fewer than ``max_asks`` asks, else hand over.
3. **New ticket**: population, category, reroute (above the confidence threshold,
   else an internal note), then one public reply at most: the FAQ entry whose examples
   the ticket is closest to, at or above ``faq_reply_min_confidence`` and at least
   ``faq_margin`` ahead of the runner-up, not forbidden by its ``never``/``requires``
   guards; or for a login failure the question for the browser (missing name or
   version) or the browser advice (not recommended / too old). Below the threshold or
   the margin the candidates go to an internal note instead.

Every decision carries an :class:`~routerbot.domain.Explanation`: the FAQ candidates
with their closest examples, the runner-up, the closest category examples.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from routerbot.config import RoutingConfig
from routerbot.domain import (
    Action,
    AddLabel,
    AuthorRole,
    Browser,
    Category,
    Decision,
    Explanation,
    FaqCandidate,
    InternalNote,
    NearestExample,
    Population,
    PublicReply,
    Reroute,
    Signal,
    Target,
    Ticket,
    Transition,
)
from routerbot.engine import browser as browser_mod
from routerbot.engine import text
from routerbot.engine.classify import (
    FaqScore,
    Score,
    TicketText,
    detect_population,
    prepare,
    prepare_text,
    question_beside,
    score_category,
    score_faqs,
    score_login_failure,
    score_thanks,
    several_questions,
    turns_to_another_matter,
    unanswered_asked_apart,
)
from routerbot.engine.compiled import UNANSWERED
from routerbot.engine.conversation import ConversationView, faq_answer_of, read_conversation
from routerbot.engine.explain import moved_by_the_bot, render_note

WAITING_FOR_CUSTOMER = "waiting_for_customer"
WAITING_FOR_SUPPORT = "waiting_for_support"


@dataclass(frozen=True, slots=True)
class _Analysis:
    """Everything the engine reads from a ticket, before choosing actions."""

    category: Category
    category_confidence: float
    population: Population
    target: Target
    faqs: list[FaqScore]
    login_failure: bool
    login_confidence: float
    login_evidence: bool
    browser: Browser | None
    signals: tuple[Signal, ...]
    tt: TicketText
    explanation: Explanation
    #: the entries of the author's separate questions, when there are two or more
    asked: tuple[tuple[str, float], ...] = ()
    #: the FAQ entry held back because a question the FAQ does not answer is as close
    held_back: FaqScore | None = None
    #: the author took their question back and asks nothing more
    withdrawn: bool = False
    #: :func:`reply_choice` of the scores (the entry that would answer, its rival),
    #: made once; (None, None) when the author took the question back
    choice: tuple[FaqScore | None, FaqScore | None] = (None, None)
    #: the entries whose answer explains this ticket's login failure (:func:`explaining`)
    explaining: frozenset[str] = frozenset()


def browser_verdict(b: Browser, config: RoutingConfig) -> tuple[bool, str]:
    """(fine, why): recommended and at least the minimum major version."""
    if b.name not in config.browsers.recommended:
        rec = " / ".join(config.browsers.recommended)
        return False, f"{b.name} is not a recommended browser ({rec})"
    minimum = config.browsers.minimum_major.get(b.name)
    if minimum is not None and b.version is not None:
        try:
            major = int(b.version)
        except ValueError:
            return True, f"{b} (version not numeric)"
        if major < minimum:
            return False, f"{b.name} {major} is older than the minimum {minimum}"
    return True, f"{b} is recommended and recent enough"


def reply_choice(
    faqs: Sequence[FaqScore],
    config: RoutingConfig,
    *,
    login_failure: bool = False,
    login_evidence: bool = False,
    asked: bool = True,
    explaining: frozenset[str] = frozenset(),
) -> tuple[FaqScore | None, FaqScore | None]:
    """(the entry to answer in public or None, the rival that made it too close).

    The best entry its guards allow is answered when the population may receive it,
    its confidence is at or above ``faq_reply_min_confidence`` and the next entry the
    guards allow is at least ``faq_margin`` behind — or, a little less close, at or
    above ``faq_clear_lead_min_confidence`` with a lead of ``faq_clear_lead`` when the
    text asks something (``asked``: a clear lead answers a question, not a request or
    a sending). A wrong public answer costs more than none.
    """
    thr = config.thresholds
    login_faq = config.login_failure.faq  # answered by the login-failure rules
    # the login-failure entry is answered by its own rules, never here; but when the
    # ticket says something of a login failure without being one, its examples still
    # compete (the margin is measured against them too)
    rivals = [
        f
        for f in faqs
        if not f.blocked
        and (f.faq_id != login_faq or login_evidence)
        # after a login failure, only an entry that explains it (:func:`explaining`) may
        # take its place
        and (not login_failure or f.faq_id in explaining)
    ]
    allowed = [f for f in rivals if f.faq_id != login_faq]
    if not allowed or not allowed[0].eligible:
        return None, None
    top = allowed[0]
    runner = next((f for f in rivals if f is not top), None)
    lead = top.confidence - (runner.confidence if runner is not None else 0.0)
    if top.confidence >= thr.faq_reply_min_confidence and lead >= thr.faq_margin - 1e-9:
        return top, None
    # (after a login failure the login entry's rules answer unless another entry is
    # close enough on its own: a lead over the other entries is not enough)
    clear = top.confidence >= thr.faq_clear_lead_min_confidence and not login_failure and asked
    if clear and lead >= thr.faq_clear_lead - 1e-9:
        return top, None
    if top.confidence >= thr.faq_clear_lead_min_confidence and runner is not None:
        return None, runner
    return None, None


def _unanswered_as_close(
    tt: TicketText, top: FaqScore, config: RoutingConfig
) -> NearestExample | None:
    """The closest example of ``[unanswered]`` when it is as close to the text as the
    entry about to be answered (``thresholds.unanswered_margin``), else None."""
    es = tt.unanswered  # scored with the entries (score_faqs)
    if es is None or not es.nearest:
        return None
    value = min(1.0, es.score + config.matching.question_bonus) if tt.is_question else es.score
    if value < top.confidence - config.thresholds.unanswered_margin - 1e-9:
        return None
    if unanswered_asked_apart(tt, top.faq_id, config):
        return None
    return NearestExample(UNANSWERED, es.nearest[0].text, round(value, 3))


def _below_a_guarded_entry(faqs: Sequence[FaqScore], top: FaqScore, config: RoutingConfig) -> bool:
    """An entry its guards forbid beats the one about to be answered by the margin ("I
    need the role administrateur local for myself: what do I send?": role-admin-local,
    forbidden by "for myself", above gestion-utilisateurs), and the answer is not close
    enough to stand alone (``faq_below_guarded_min_confidence``): the ticket is about the
    forbidden entry's matter, and the agents answer it — unless that entry's guards say
    the ticket has gone past it (``guards_pass_on``)."""
    thr = config.thresholds
    if top.confidence >= thr.faq_below_guarded_min_confidence - 1e-9:
        return False
    beaten = top.confidence + thr.faq_margin - 1e-9
    return any(
        f.blocked and f.confidence >= beaten and not config.faq[f.faq_id].guards_pass_on
        for f in faqs[: faqs.index(top)]
    )


def _told_like_login(faqs: Sequence[FaqScore], config: RoutingConfig) -> bool:
    """The login-failure entry's examples are the closest, and close enough."""
    if not faqs or faqs[0].faq_id != config.login_failure.faq:
        return False
    thr = config.thresholds
    second = faqs[1].confidence if len(faqs) > 1 else 0.0
    return (
        faqs[0].confidence >= thr.faq_reply_min_confidence
        and faqs[0].confidence - second >= thr.faq_margin
    )


_new = tuple.__new__
#: a :class:`FaqScore`'s id, confidence, nearest examples, eligibility and guard: the
#: fields of a :class:`FaqCandidate`, in its order
_candidate_fields = operator.itemgetter(0, 1, 4, 3, 5)
#: a :class:`FaqScore`'s (id, confidence)
_id_and_confidence = operator.itemgetter(0, 1)


def _explanation(
    faqs: Sequence[FaqScore],
    category_examples: tuple[Any, ...],
    unanswered: NearestExample | None = None,
) -> Explanation:
    # (a candidate is five of the score's fields, taken in C, in a tuple made a named
    # tuple without its Python constructor)
    cands = tuple([_new(FaqCandidate, _candidate_fields(f)) for f in faqs[:5]])
    # the runner-up is the entry the margin is measured against: the next one its
    # guards allow after the best allowed one
    allowed = [c for c in cands if not c.blocked]
    runner_up = allowed[1] if len(allowed) > 1 else None
    return Explanation(cands, runner_up, category_examples, unanswered)


def _candidates_agree(
    faqs: Sequence[FaqScore],
    config: RoutingConfig,
    category: Category = Category.ASSISTANCE_OPERATEUR,
    least: float | None = None,
) -> bool:
    """The closest FAQ candidates the ticket may get (at least ``least``,
    ``category_candidates_min_confidence`` by default, and every one within
    ``faq_margin`` of the best) are all entries of ``category``: "too close to call"
    between two of them still says what kind of ticket it is."""
    thr = config.thresholds
    allowed = [f for f in faqs if not f.blocked and f.eligible]
    if least is None:
        least = thr.category_candidates_min_confidence
    if not allowed or allowed[0].confidence < least:
        return False
    floor = allowed[0].confidence - thr.faq_margin - 1e-9
    return all(config.faq[f.faq_id].category is category for f in allowed if f.confidence >= floor)


def _by_examples(
    tt: TicketText,
    ticket: Ticket,
    config: RoutingConfig,
    pop_confidence: float,
    faqs: Sequence[FaqScore],
) -> tuple[Category, float, list[Signal], tuple[Any, ...]]:
    """An operator's ticket that no FAQ answer or login failure decides: habilitation
    when the author asks the desk for access or sends the documents, assistance when
    its closest FAQ candidates all are, habilitation when it was filed as one and they
    all are (if only as candidates for the note), else habilitation or assistance by the
    category examples."""
    thr = config.thresholds
    if why := _files_habilitation(tt, ticket, config):
        conf = min(pop_confidence, thr.decided_category_confidence)
        return Category.HABILITATION, conf, [Signal("category.rule", True, why, conf)], ()
    if _candidates_agree(faqs, config):
        conf = min(pop_confidence, thr.decided_category_confidence)
        why = "the closest FAQ candidates are all assistance entries"
        return Category.ASSISTANCE_OPERATEUR, conf, [Signal("category.rule", True, why, conf)], ()
    # (filed as a habilitation, and what it asks is closest to habilitation entries, if
    # only as candidates for the note: it stays where its author put it)
    filed_as = Category.HABILITATION
    if ticket.location == config.target_for(filed_as) and _candidates_agree(
        faqs, config, filed_as, thr.candidate_note_min_confidence
    ):
        conf = min(pop_confidence, thr.decided_category_confidence)
        why = "filed as a habilitation, its closest FAQ candidates are habilitation entries"
        return filed_as, conf, [Signal("category.rule", True, why, conf)], ()
    cs = score_category(tt, ticket, config)
    hab, assist = cs.habilitation, cs.assistance
    by_example = (
        hab >= thr.habilitation_min_score
        and hab - assist >= thr.category_margin
        # a weak likeness ("la semaine dernière … ma demande") told in assistance's words
        # ("liste déroulante vide", "erreur") is not a habilitation
        and (
            cs.vocabulary >= -thr.habilitation_against_vocabulary
            or hab >= thr.habilitation_sure_score
        )
    ) or (
        # examples and words both lean to habilitation, each less than alone
        hab >= thr.habilitation_lean_min_score
        and hab - assist >= thr.habilitation_lean_margin
        and cs.vocabulary >= thr.habilitation_lean_vocabulary
    )
    # filed as a habilitation, leaning to it, and told in some of its words: it stays
    by_example = by_example or (
        ticket.location == config.target_for(filed_as)
        and hab >= thr.habilitation_lean_min_score
        and hab - assist >= thr.habilitation_lean_margin
        and cs.vocabulary >= thr.habilitation_filed_vocabulary
    )
    # a long letter that no single example says, told in habilitation's words
    by_words = (
        cs.vocabulary >= thr.habilitation_vocabulary_min
        and hab >= thr.habilitation_vocabulary_min_score
    )
    if by_example or by_words:
        conf = max(
            0.5 + (hab - assist) / 2 + hab / 4 if by_example else 0.0,
            # as sure as the default when the examples do not disagree
            thr.default_category_confidence - max(0.0, assist - hab) / 2 if by_words else 0.0,
        )
        conf = min(pop_confidence, conf)
        why = (
            f"habilitation examples ({hab:.2f} vs {assist:.2f})"
            if by_example
            else f"habilitation vocabulary ({cs.vocabulary:.1f}; {hab:.2f} vs {assist:.2f})"
        )
        category = Category.HABILITATION
    else:
        conf = min(pop_confidence, thr.default_category_confidence - max(0.0, hab - assist) / 2)
        why = f"an operator's question ({hab:.2f} vs {assist:.2f})"
        category = Category.ASSISTANCE_OPERATEUR
    signals = [*cs.signals, Signal("category.rule", True, why, conf)]
    return category, conf, signals, cs.nearest


def _browser_named(
    ticket: Ticket, conv: ConversationView, tt: TicketText, config: RoutingConfig
) -> Browser | None:
    """The browser the customer names in their own words, else anywhere they wrote."""
    texts = [ticket.summary, tt.clean_description, *conv.customer_texts]
    found = browser_mod.extract_browser_from_conversation(texts)
    if found is not None and found.version is not None:
        return found
    # clean_body may drop a pasted user agent or a version in a quoted or forwarded mail
    # or a signature: look at all
    everything = [
        ticket.description,
        *(c.body for c in ticket.comments if c.author is AuthorRole.CUSTOMER),
    ]
    if found is not None:
        # named in the subject, its version in the forwarded mail below ("TR: connexion
        # impossible depuis Opera" above "Navigateur Opera 106")
        fuller = browser_mod.extract_browser_from_conversation([ticket.summary, *everything])
        if fuller is not None and fuller.name == found.name and fuller.version is not None:
            return fuller
        return found
    found = browser_mod.extract_browser_from_conversation(everything)
    if (
        found is not None
        and found.version is None
        and (_all_recommended(everything, config) or _only_signed(everything, found.name))
    ):
        # a bare name beside the other recommended ones is the quoted support's advice
        # ("testez sous Chrome ou Firefox"), not the customer's browser; a bare name in a
        # signature is a company's ("Safari Avocado Import SARL")
        return None
    return found


def _only_signed(texts: Sequence[str], name: str) -> bool:
    """The browser ``name`` is named in these texts' signatures only."""
    unsigned = []
    for t in texts:
        parts = text.split_body(t)
        unsigned += [parts.body, parts.quoted]
    return name not in browser_mod.names_mentioned(unsigned)


def _all_recommended(texts: Sequence[str], config: RoutingConfig) -> bool:
    """Every recommended browser is named somewhere in these texts (two or more)."""
    names = config.browsers.recommended
    return len(names) > 1 and browser_mod.names_mentioned(texts).issuperset(names)


def _failure_and_answer(
    tt: TicketText,
    faqs: list[FaqScore],
    login: Score,
    config: RoutingConfig,
    explaining: frozenset[str],
) -> tuple[bool, tuple[FaqScore | None, FaqScore | None]]:
    """Is it a login failure, and which FAQ entry would answer it (and its rival)?
    Neither when the author took the question back ("laissez tomber, j'ai trouvé")."""
    if tt.withdrawn:
        return False, (None, None)
    # a failure told in other words: the login entry's examples are the closest, and
    # some login-failure evidence agrees
    failure = login.value >= config.thresholds.login_failure_min_confidence or (
        login.value > 0 and _told_like_login(faqs, config)
    )
    choice = reply_choice(
        faqs,
        config,
        login_failure=failure,
        login_evidence=login.raw > 0,
        asked=tt.is_question,
        explaining=explaining,
    )
    if (
        not failure
        and choice[0] is None
        and (tt.after_login_advice or (login.value > 0 and _names_a_version(tt)))
    ):
        # a reply to the desk's login advice that asks nothing else ("C'est Chrome, la
        # version je ne sais pas", "toujours pareil sous Firefox"), or a symptom told
        # beside a browser and its version ("page blanche sur Chrome 96"): a failure
        failure = True
        choice = reply_choice(
            faqs,
            config,
            login_failure=True,
            login_evidence=True,
            asked=tt.is_question,
            explaining=explaining,
        )
    return failure, choice


def explaining(tt: TicketText, config: RoutingConfig) -> frozenset[str]:
    """The entries whose answer explains this ticket's login failure
    (``explains_login_failure``: no account, the wrong role), but for those whose
    ``explains_login_failure_unless`` words are said: "comment mon assistante crée-t-elle
    son compte ?" beside "je n'arrive pas à me connecter" asks of another person's
    account, a second question."""
    gap = config.matching.phrase_gap
    return frozenset(
        fid
        for fid, entry in config.faq.items()
        if entry.explains_login_failure
        and (
            (unless := config.compiled.guards[fid].unexplained) is None
            or unless.first_match(tt.plain, gap) is None
        )
    )


def _names_a_version(tt: TicketText) -> bool:
    """The author names a browser and its version ("page blanche sur Chrome 96"): told
    beside some login-failure evidence, the browser is what the failure is about."""
    b = browser_mod.extract_browser(tt.own_text)
    return b is not None and b.version is not None


#: why a withdrawn ticket has nothing to answer, by ``TicketText.thanked``
_WITHDRAWN_WHY = {False: "the author took the question back", True: "the author only thanks"}


def _habilitation_requested(tt: TicketText, config: RoutingConfig) -> str:
    """Why an operator who asks the desk for access or a role for themselves ("pouvez-vous
    m'attribuer le rôle demandeur ?") files a habilitation, whatever else they ask; else
    ""."""
    said = config.compiled.habilitation_requests.first_match(tt.plain, config.matching.phrase_gap)
    return f"asks for it ({said})" if said is not None else ""


def _habilitation_documents(tt: TicketText, ticket: Ticket, config: RoutingConfig) -> str:
    """Why an operator's ticket that sends documents ("ci-joint", "en PJ") and is close
    to the habilitation examples files a habilitation, whatever else it asks; else ""
    (the documents go to the habilitation form)."""
    said = config.compiled.habilitation_documents.first_match(tt.plain, config.matching.phrase_gap)
    if said is None:
        return ""
    thr = config.thresholds
    cs = score_category(tt, ticket, config)
    hab, assist = cs.habilitation, cs.assistance
    if hab < thr.documents_min_score or hab - assist < thr.documents_margin:
        return ""
    return f"documents sent ({said}) with a habilitation ({hab:.2f} vs {assist:.2f})"


def _files_habilitation(tt: TicketText, ticket: Ticket, config: RoutingConfig) -> str:
    """Why an operator's ticket files a habilitation whatever else it asks (access asked
    of the desk for oneself, or the documents sent); else ""."""
    return _habilitation_requested(tt, config) or _habilitation_documents(tt, ticket, config)


def _login_failure_category(
    tt: TicketText, ticket: Ticket, config: RoutingConfig
) -> tuple[Category, str]:
    """An operator's login failure is assistance, unless the author also sends the
    habilitation documents or asks the desk for access: then it files a habilitation
    (the failure still gets its answer)."""
    if sent := _files_habilitation(tt, ticket, config):
        return Category.HABILITATION, sent
    return Category.ASSISTANCE_OPERATEUR, "a login failure is assistance"


def _answered_category(
    tt: TicketText,
    ticket: Ticket,
    config: RoutingConfig,
    top: FaqScore,
    hab_q: str | None,
    *,
    asked: tuple[tuple[str, float], ...] = (),
    faqs: Sequence[FaqScore] = (),
) -> tuple[Category, str]:
    """An operator's category when an FAQ answer decides it, and why; ``asked``: the
    entries of the author's questions read one by one, when there are several; ``faqs``:
    every entry's score (the entries the answer took over)."""
    if hab_q is not None:  # someone not habilitated yet asks several things: that first
        return Category.HABILITATION, f"one question asks {hab_q}"
    decider = top.faq_id
    if asked and decider not in dict(asked):
        # the questions asked one by one are not the closest entry's ("agrément obtenu
        # en juin … 1) ma nouvelle collègue ? 2) le modèle Corée ?"): they decide
        decider = asked[0][0]
    category = config.faq[decider].category
    if category is Category.ASSISTANCE_OPERATEUR and (
        sent := _files_habilitation(tt, ticket, config)
    ):
        return Category.HABILITATION, sent
    if (way := _on_the_way(decider, faqs, config)) is not None:
        return config.faq[way].category, f"FAQ {decider} answers a step towards {way}"
    return category, f"FAQ {decider} decides"


def _on_the_way(decider: str, faqs: Sequence[FaqScore], config: RoutingConfig) -> str | None:
    """The entry whose category the ticket keeps when the answer takes entries over with
    ``keeps_category_at`` (its answer is a step on the way: "pour être habilitée il me
    faut d'abord un compte, comment le créer ?" files a habilitation): the closest entry
    taken over, or, when the take-over words are not said ("la DDPP me demande de créer
    un compte avant de remplir le dossier d'habilitation"), the closest of the entries
    it takes over that its own guards allow; when the ticket is that close to it; else
    None ("on m'a dit qu'il faut d'abord un compte, comment on fait ?" names no
    habilitation; the procedure beside "avant que je puisse lui donner des droits" is
    forbidden by its own guards: a colleague's account is assistance)."""
    over = config.faq[decider].takes_over
    if over is None or over.keeps_category_at is None:
        return None  # (most answers: nothing taken over to look through)
    taken = [f for f in faqs if f.taken_by == decider]
    if taken:
        best = max(taken, key=lambda f: f.confidence)
        if not best.only_taken_over:
            return None
    else:
        steps = [f for f in faqs if f.faq_id in over.entries and f.answerable]
        if not steps:
            return None
        best = max(steps, key=lambda f: f.confidence)
    if best.confidence < over.keeps_category_at:
        return None
    return best.faq_id


def _beside_login(
    tt: TicketText,
    config: RoutingConfig,
    population: Population | None,
    login: Score | None,
    excluded: frozenset[str],
) -> tuple[tuple[str, float], ...]:
    """A login failure told (``login``: its score, None when there is none or an answer
    decides), and another FAQ question asked beside it: two questions, the failure's
    first; else ``()``."""
    if login is None:
        return ()
    lf = config.login_failure.faq
    beside = question_beside(tt, config, population, lf, excluded)
    return () if beside is None else ((lf, round(login.value, 3)), beside)


def _analyse(ticket: Ticket, config: RoutingConfig, conv: ConversationView) -> _Analysis:  # noqa: PLR0915 - each reading of the ticket in turn, flat on purpose
    tt = prepare(ticket, config, conv.customer_texts)
    pop = detect_population(ticket, tt, config)
    signals: list[Signal] = list(pop.signals)
    faqs = score_faqs(tt, pop.population, config)
    login = score_login_failure(tt, config)
    signals += login.signals or (Signal("login_failure", False, "no login-failure words", 0.0),)
    explains = explaining(tt, config)
    login_failure, choice = _failure_and_answer(tt, faqs, login, config, explains)
    faq_decides = (top := choice[0]) is not None and (not login_failure or top.faq_id in explains)
    held_back: FaqScore | None = None
    unanswered: NearestExample | None = None
    if faq_decides and top is not None:
        unanswered = _unanswered_as_close(tt, top, config)
        if unanswered is not None:
            held_back, top, faq_decides = top, None, False
            signals.append(
                Signal(
                    "faq.unanswered",
                    True,
                    f"as close to a question the FAQ does not answer: {unanswered.text!r}",
                    unanswered.score,
                )
            )
    # two questions, each closest to another entry: one answer would answer half
    thr_reply = config.thresholds.faq_clear_lead_min_confidence
    close = any(not f.blocked and f.confidence >= thr_reply for f in faqs[:2])
    # (a question closest to an entry the ticket's guards forbid is part of another one:
    # "who do we contact?" in a ticket about being habilitated is the procedure's)
    blocked = frozenset(f.faq_id for f in faqs if f.blocked and not f.taken_by)
    taken = {f.faq_id: f.taken_by for f in faqs if f.taken_by}
    unmet = frozenset(f.faq_id for f in faqs if f.blocked.startswith("requires"))
    if not login_failure:
        # (the login entry is answered through the login rules: with no failure told, a
        # question closest to it — "en attente de signature depuis trois jours, est-ce
        # normal ?" — asks none of its answer)
        unmet |= {config.login_failure.faq}
    # (a login failure asked as one of several questions counts as one: "1) pourquoi je
    # n'arrive pas à me connecter ? 2) comment savoir quel modèle est en ligne ?")
    asked = (
        several_questions(tt, config, pop.population, blocked, taken, unmet=unmet)
        if close or (login_failure and not faq_decides)
        else ()
    )
    # (a question counted only because the author announced several is no reason to
    # decide the category when the ticket's guards or a take-over fold it away)
    open_asked = tuple(a for a in asked if a[0] not in blocked and a[0] not in taken)
    hab_q = next(
        (f for f, _ in open_asked if config.faq[f].category is Category.HABILITATION), None
    )
    category_examples: tuple[Any, ...] = ()
    decided = config.thresholds.decided_category_confidence
    if pop.population is Population.SERVICES_DECONCENTRES:
        category, conf = Category.ASSISTANCE_SD, pop.confidence
        signals.append(Signal("category.rule", True, "the requester is a state agent", conf))
    elif top is not None and faq_decides:
        conf = min(pop.confidence, max(top.confidence, decided))
        category, why = _answered_category(
            tt, ticket, config, top, hab_q, asked=open_asked, faqs=faqs
        )
        signals.append(Signal("category.rule", True, why, conf))
    elif hab_q is not None:  # several questions, one about habilitation
        category = Category.HABILITATION
        conf = min(pop.confidence, decided)
        signals.append(Signal("category.rule", True, f"one question asks {hab_q}", conf))
    elif login_failure:
        conf = min(pop.confidence, max(login.value, decided))
        category, why = _login_failure_category(tt, ticket, config)
        signals.append(Signal("category.rule", True, why, conf))
    else:
        category, conf, more, category_examples = _by_examples(
            tt, ticket, config, pop.confidence, faqs
        )
        signals += more
    # (after the category: the failure keeps deciding it)
    asked = asked or _beside_login(
        tt,
        config,
        pop.population,
        login if login_failure and not faq_decides else None,
        blocked | set(taken) | unmet,
    )
    if top is not None and faq_decides and _below_a_guarded_entry(faqs, top, config):
        # the category it says stands; the answer is the agents' to give
        why = f"{top.faq_id} ({top.confidence:.2f}) ranks below an entry its guards forbid"
        signals.append(Signal("faq.below_guarded", True, why, top.confidence))
        choice = (None, None)
    elif (
        top is not None
        and faq_decides
        and config.faq[top.faq_id].held_when_access_asked
        and pop.population is not Population.SERVICES_DECONCENTRES
        and (said := _habilitation_requested(tt, config))
    ):
        # the author asks the desk for the role this entry explains: the agents give it
        why = f"{top.faq_id} ({top.confidence:.2f}) held back: the author {said}"
        signals.append(Signal("faq.access_asked", True, why, top.confidence))
        choice = (None, None)
    found = _browser_named(ticket, conv, tt, config)
    signals.append(
        Signal("browser", found is not None, str(found) if found else "no browser named", 0.0)
    )
    signals += [s for f in faqs for s in f.signals]
    if tt.withdrawn:
        signals.append(Signal("withdrawn", True, _WITHDRAWN_WHY[tt.thanked], 0.0))
    return _Analysis(
        category=category,
        category_confidence=round(conf, 3),
        population=pop.population,
        target=config.target_for(category),
        faqs=faqs,
        login_failure=login_failure,
        login_confidence=round(login.value, 3),
        login_evidence=login.raw > 0,
        browser=found,
        signals=tuple(signals),
        tt=tt,
        explanation=_explanation(faqs, category_examples, unanswered),
        asked=asked,
        held_back=held_back,
        withdrawn=tt.withdrawn,
        choice=choice,
        explaining=explains,
    )


def _base(ticket: Ticket, a: _Analysis, conv: ConversationView) -> Decision:
    top = a.faqs[0] if a.faqs else None
    return Decision(
        key=ticket.key,
        category=a.category,
        category_confidence=a.category_confidence,
        population=a.population,
        target=a.target,
        faq_id=top.faq_id if top else None,
        faq_confidence=top.confidence if top else 0.0,
        browser=a.browser,
        login_failure=a.login_failure,
        signals=a.signals,
        candidates=tuple(map(_id_and_confidence, a.faqs)),
        trigger_id=conv.trigger_id,
        explanation=a.explanation,
    )


_FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:re|tr|fw|fwd)\s*:\s*)*(?:tr|fw|fwd)\s*:", re.IGNORECASE)


#: A subject that echoes an earlier message: "Absence : RE: [EXP2-4890] Impossible de me
#: connecter" (an absence prefix, or a ticket key in brackets). Its words are the old
#: message's, not a request of the sender's.
_ECHO_SUBJECT = re.compile(
    r"^\s*(?:absence|absent|absente|out of office|abwesenheit)\b[^:]{0,20}:|\[[A-Z][A-Z0-9]*-\d+\]",
    re.IGNORECASE,
)


def _automatic_ticket(ticket: Ticket) -> bool:
    """An out-of-office or bounce filed as a ticket. A customer who forwards a bounce
    ("TR: Undeliverable: …") with their own words on top wrote a real message: a
    forwarded ticket is judged on its own words (the whole forward when it has none).
    An automatic reply whose subject echoes the message it answers ("Absence : RE:
    [EXP2-4890] Impossible de me connecter") is also known by its body alone: the
    echoed words are no request."""
    if _FORWARD_SUBJECT.match(ticket.summary):
        return text.is_auto_reply(text.clean_body(ticket.description))
    if text.is_auto_reply(f"{ticket.summary}\n{ticket.description}"):
        return True
    # (the message it answers may be quoted below: the author's own words tell)
    return _ECHO_SUBJECT.search(ticket.summary) is not None and (
        text.is_auto_reply(ticket.description)
        or text.is_auto_reply(text.clean_body(ticket.description))
    )


def _skip(d: Decision, why: str) -> Decision:
    return replace(d, skip_reason=why, reason=f"skipped: {why}", actions=())


def decide(ticket: Ticket, config: RoutingConfig) -> Decision:  # noqa: PLR0911 - one exit per rule
    """What to do with this ticket now, and why."""
    conv = read_conversation(ticket, config)
    a = _analyse(ticket, config, conv)
    d = _base(ticket, a, conv)

    if ticket.assignee:
        return _skip(d, "assigned to a person")
    if conv.last is not None and conv.last.author is not AuthorRole.CUSTOMER:
        return _skip(d, f"the last word is the {conv.last.author.value}'s")
    if conv.last_is_auto_reply:
        return _skip(d, "the customer's last comment is an automatic reply")
    if conv.last is None and _automatic_ticket(ticket):
        # (an automatic reply asks nothing and is not moved: it is of the form it sits
        # in when its sender may file there, else of its sender's side, as any ticket)
        _, d = _stays_in_its_form(ticket, config, a, d)
        return _skip(d, "the ticket is an automatic reply")
    if conv.agent_spoke:
        follow = _after_agent(ticket, config, conv, a.browser)
        if follow is not None:
            return follow
        return _agent_talking(ticket, config, a, d)
    if config.labels.handled in ticket.labels and not conv.new_customer:
        return _skip(d, "already handled, nothing new from the customer")

    if conv.bot_spoke and conv.last_bot is not None:
        if conv.last_bot_was_ask:
            return _moved_if_misplaced(ticket, config, a, _after_ask(ticket, config, conv, a, d))
        return _after_answer(ticket, config, conv, d)
    if a.withdrawn and a.tt.thanked and conv.last is None:
        # thanks alone ask nothing either: the ticket stays in its form (a question taken
        # back still says where it belonged)
        a, d = _stays_in_its_form(ticket, config, a, d)
    return _new_ticket(ticket, config, conv, a, d)


def _moved_if_misplaced(
    ticket: Ticket, config: RoutingConfig, a: _Analysis, d: Decision
) -> Decision:
    """A ticket the bot asked about that is still in the wrong form because the bot was
    not sure enough to move it when it first read it is moved with the answer, as a
    first reading would move it: the customer's answer says more. A ticket the bot
    moved once and that sits elsewhere now was moved back by a person: it stays."""
    if d.reroute is not None or not d.actions:
        return d  # (a new question read alone already moves it: one move)
    place, where = _misplaced(ticket, config, a)
    if not place:
        return d
    return replace(d, actions=(*place, *d.actions), reason=f"{where}; {d.reason}")


def _misplaced(ticket: Ticket, config: RoutingConfig, a: _Analysis) -> tuple[list[Action], str]:
    """:func:`_placement`'s move of a ticket already in a conversation, unless the bot
    moved it once: then a person moved it back, and it stays."""
    place, where = _placement(ticket, config, a)
    if place and any(
        c.author is AuthorRole.BOT and not c.public and moved_by_the_bot(c.body)
        for c in ticket.comments
    ):
        return [], ""
    return place, where


def _agent_talking(ticket: Ticket, config: RoutingConfig, a: _Analysis, d: Decision) -> Decision:
    """An agent is already talking with the customer: the bot says nothing, but a ticket
    filed in the wrong form still goes where it belongs (the customer's new comment
    reaches the right queue; a move is no reply)."""
    why = "an agent is already talking with the customer"
    place, where = _misplaced(ticket, config, a)
    if not place:
        return _skip(d, why)
    return replace(d, actions=tuple(place), reason=f"{why}: nothing said; {where}")


def _stays_in_its_form(
    ticket: Ticket, config: RoutingConfig, a: _Analysis, d: Decision
) -> tuple[_Analysis, Decision]:
    """``a`` and ``d`` of the form the ticket sits in, when the sender may file there (an
    agent in the agents' form, an operator in an operators' form): where a ticket that
    asks nothing stays."""
    here = config.category_at(ticket.location)
    agent = a.population is Population.SERVICES_DECONCENTRES
    if here is None or here is a.category:
        return a, d
    if agent != (here is Category.ASSISTANCE_SD):
        return a, d
    target = config.target_for(here)
    return replace(a, category=here, target=target), replace(d, category=here, target=target)


def _answer_text(config: RoutingConfig, faq_id: str, population: Population) -> str:
    return config.render(config.faq[faq_id].answer, population)


def _placement(ticket: Ticket, config: RoutingConfig, a: _Analysis) -> tuple[list[Action], str]:
    """The move to where the ticket belongs, if any, and why (or why not)."""
    thr = config.thresholds
    if a.target == ticket.location:
        return [], ""
    if a.category_confidence < thr.reroute_min_confidence:
        return [], (
            f"may belong in {a.target} ({a.category.value}, confidence "
            f"{a.category_confidence:.2f} < {thr.reroute_min_confidence:.2f}): not moved"
        )
    move = Reroute(ticket.location, a.target)
    if move.moves_desk and config.reroute.move_strategy == "note_only":
        return [], f"belongs in {a.target} (note only: moves are disabled)"
    return [move], f"reroute {ticket.location} → {a.target} ({a.category.value})"


def _login_reply(config: RoutingConfig, a: _Analysis) -> tuple[list[Action], str, bool]:
    """A login failure: advise on a browser that is not fine, or ask which one."""
    login_faq = config.login_failure.faq
    b = a.browser
    if b is not None and b.complete:
        fine, why = browser_verdict(b, config)
        actions: list[Action] = []
        if not fine:
            body = _answer_text(config, login_faq, a.population)
            actions.append(PublicReply(body, login_faq, "browser_advice"))
        return actions, f"login failure, browser given: {why}", False
    body = config.render(config.conversation.ask_message, a.population)
    missing = "version" if b is not None else "browser and version"
    return (
        [PublicReply(body, login_faq, "ask_browser"), Transition(WAITING_FOR_CUSTOMER)],
        f"login failure, {missing} missing: ask",
        True,
    )


def _new_ticket(
    ticket: Ticket, config: RoutingConfig, conv: ConversationView, a: _Analysis, d: Decision
) -> Decision:
    # 1. where it belongs
    actions, where = _placement(ticket, config, a)
    reasons = [where] if where else []
    # 2. at most one public reply
    top, rival = a.choice
    faq_wins = (
        top is not None
        and not a.withdrawn
        and a.held_back is None
        and (not a.login_failure or top.faq_id in a.explaining)
    )
    # (two questions each closest to another entry say why there is no answer, also
    # when the two entries are too close to call)
    too_close = top is None and rival is not None and not a.login_failure and not a.withdrawn
    # (a login failure beside another FAQ question: two questions, one answer would answer
    # half)
    beside_login = a.login_failure and not faq_wins and config.login_failure.faq in dict(a.asked)
    asked = a.asked if faq_wins or (too_close and a.held_back is None) or beside_login else ()
    ask = False
    reply_faq: str | None = None
    if asked:
        listed = ", ".join(f"{fid} ({v:.2f})" for fid, v in asked)
        reasons.append(f"several questions ({listed}): candidates in a note")
    elif faq_wins and top is not None:
        reply_faq = top.faq_id
        actions.append(PublicReply(_answer_text(config, top.faq_id, a.population), top.faq_id))
        reasons.append(f"FAQ {top.faq_id} ({top.confidence:.2f})")
    elif a.withdrawn:
        reasons.append(f"{_WITHDRAWN_WHY[a.tt.thanked]}: nothing to answer")
    elif a.held_back is not None and not a.login_failure:
        ex = a.explanation.unanswered
        reasons.append(
            f"FAQ {a.held_back.faq_id} ({a.held_back.confidence:.2f}) held back: as close to "
            f"a question the FAQ does not answer ({ex.score if ex else 0.0:.2f}): "
            "candidates in a note"
        )
    elif a.login_failure:
        replies, why, ask = _login_reply(config, a)
        actions += replies
        reasons.append(why)
        if replies:
            reply_faq = config.login_failure.faq
    elif (note_why := _no_reply_reason(a.faqs, rival, config)) is not None:
        reasons.append(note_why)
    # 3. the note for the agents, and the label
    reason = "; ".join(reasons) or f"{a.category.value}: nothing to answer"
    if actions or reasons:
        cands = _candidates(a.faqs, config)
        if asked:  # every question asked, then the other candidates
            cands = [*asked, *(c for c in cands if c[0] not in dict(asked))][:4]
        # (the note reads the decision as it will be: its reason is the new one)
        actions.append(InternalNote(render_note(d, cands, reason=reason), "triage"))
    actions.append(AddLabel(config.labels.handled))
    return replace(
        d, faq_id=reply_faq or d.faq_id, ask_browser=ask, reason=reason, actions=tuple(actions)
    )


def _no_reply_reason(
    faqs: Sequence[FaqScore], rival: FaqScore | None, config: RoutingConfig
) -> str | None:
    thr = config.thresholds
    if rival is not None:
        best = next(f for f in faqs if not f.blocked)
        if best.confidence < thr.faq_reply_min_confidence:
            # (the rule that held it back: under the threshold, a clear lead is needed)
            return (
                f"FAQ {best.faq_id} ({best.confidence:.2f}) under "
                f"{thr.faq_reply_min_confidence:.2f} and not clearly ahead of "
                f"{rival.faq_id} ({rival.confidence:.2f}; a clear lead is "
                f"{thr.faq_clear_lead:.2f}): candidates in a note"
            )
        return (
            f"FAQ {best.faq_id} ({best.confidence:.2f}) and {rival.faq_id} "
            f"({rival.confidence:.2f}) too close to call (margin {thr.faq_margin:.2f}): "
            "candidates in a note"
        )
    if faqs and faqs[0].confidence >= thr.candidate_note_min_confidence:
        return "no FAQ answer sure enough: candidates in a note"
    return None


def _candidates(faqs: Sequence[FaqScore], config: RoutingConfig) -> list[tuple[str, float]]:
    return [
        (f.faq_id, f.confidence)
        for f in faqs
        if f.confidence >= config.thresholds.candidate_note_min_confidence
    ][:3]


def _new_words(conv: ConversationView) -> str:
    """The customer's comments since the bot's last word, without quotes and signatures."""
    return "\n".join(text.clean_body(c.body) for c in conv.new_customer)


def _only_thanks_now(new_text: str, config: RoutingConfig) -> bool:
    """The customer's new words thank or say it works now, and ask nothing, nor turn to
    another matter."""
    thanks = score_thanks(prepare_text(new_text, config).words, config)
    return (
        thanks.value >= config.thresholds.thanks_min_confidence
        and "?" not in new_text
        and not turns_to_another_matter(new_text)
    )


def _works_now(new_text: str, config: RoutingConfig) -> bool:
    """The customer's new words say it works now ("Merci, ça marche avec Firefox"), a
    strong word of ``conversation.thanks`` and not only a "merci", whatever else they
    ask."""
    thanks = score_thanks(prepare_text(new_text, config).words, config)
    return thanks.value >= config.thresholds.thanks_min_confidence and any(
        s.name.endswith(".strong") for s in thanks.signals
    )


def _after_ask(
    ticket: Ticket, config: RoutingConfig, conv: ConversationView, a: _Analysis, d: Decision
) -> Decision:
    """The customer wrote after the bot asked for the browser: it works now (back to
    the agents, no advice on a browser they no longer need; a new question the FAQ
    answers asked beside it gets that answer), the browser is given (a note, and advice
    on a browser that is not fine), a new question the FAQ answers (that answer), or
    still no browser (ask again, at most ``max_asks`` times)."""
    login_faq = config.login_failure.faq
    b = a.browser
    new_text = _new_words(conv)
    only_thanks = _only_thanks_now(new_text, config)
    if only_thanks or _works_now(new_text, config):
        # ("Merci, ça marche avec Firefox. Par contre, comment télécharger le modèle ?":
        # the browser named is the one that works, the question is the ticket's now)
        follow = None if only_thanks else _next_question(ticket, config, conv, new_text, b)
        if follow is not None and follow.reply_faq != login_faq:
            return follow
        d = replace(d, reason="the customer says it works now: back to the agents")
        return replace(
            d,
            actions=(InternalNote(render_note(d, []), "resolved"), Transition(WAITING_FOR_SUPPORT)),
        )
    if b is not None and b.complete:
        fine, why = browser_verdict(b, config)
        actions: list[Action] = []
        if not fine:
            body = _answer_text(config, login_faq, a.population)
            actions.append(PublicReply(body, login_faq, "browser_advice"))
        d = replace(d, reason=f"the customer gave the browser: {why}")
        actions += [
            InternalNote(render_note(d, []), "browser"),
            Transition(WAITING_FOR_SUPPORT),
        ]
        return replace(d, actions=tuple(actions))
    # no browser named at all: the comment may be about something else now
    follow = _next_question(ticket, config, conv, new_text, b) if b is None else None
    if follow is not None and follow.reply_faq != login_faq:
        return follow
    if conv.bot_asks < config.conversation.max_asks:
        missing = "version" if b is not None else "browser and version"
        body = config.render(config.conversation.ask_again_message, a.population)
        d = replace(
            d,
            ask_browser=True,
            faq_id=login_faq,
            reason=f"answer incomplete ({missing} missing): ask again ({conv.bot_asks + 1}"
            f"/{config.conversation.max_asks})",
        )
        return replace(
            d,
            actions=(
                PublicReply(body, login_faq, "ask_browser_again"),
                Transition(WAITING_FOR_CUSTOMER),
            ),
        )
    d = replace(
        d,
        reason=f"asked {conv.bot_asks} times without a complete answer: hand over to the agents",
    )
    return replace(
        d, actions=(InternalNote(render_note(d, []), "handover"), Transition(WAITING_FOR_SUPPORT))
    )


def _after_answer(
    ticket: Ticket, config: RoutingConfig, conv: ConversationView, d: Decision
) -> Decision:
    new_text = _new_words(conv)
    if _only_thanks_now(new_text, config):
        return _skip(d, "the customer thanks for the bot's answer")
    follow = _next_question(ticket, config, conv, new_text, d.browser)
    if follow is not None:
        return follow
    d = replace(d, reason="the customer wrote again after the bot's answer: for the agents")
    return replace(
        d, actions=(InternalNote(render_note(d, []), "handover"), Transition(WAITING_FOR_SUPPORT))
    )


def _after_agent(
    ticket: Ticket, config: RoutingConfig, conv: ConversationView, named: Browser | None
) -> Decision | None:
    """An agent answered, and the customer's new comment asks another question that the
    FAQ answers ("Merci, c'est débloqué. Et comment savoir quel modèle est en ligne ?"):
    that answer, decided as after the bot's answer (:func:`_next_question`), or tells a
    new login failure after an answer on another matter (the question for the browser).
    Anything else — thanks, a reply to the agent, the failure the agent is answering —
    stays the agent's: ``None``."""
    new_text = _new_words(conv)
    if not new_text.strip() or _only_thanks_now(new_text, config):
        return None
    follow = _next_question(ticket, config, conv, new_text, named, after="an agent's")
    if follow is None:
        return None
    if (follow.ask_browser or follow.reply_faq == config.login_failure.faq) and _told_failure(
        ticket, config
    ):
        return None  # the failure the agent is answering
    return follow


def _told_failure(ticket: Ticket, config: RoutingConfig) -> bool:
    """The ticket's first message, or an agent's answer, tells a login failure: one the
    new comment tells is the one the agent is on ("toujours pas", "voici mon
    navigateur"), not a new matter after an answer about something else."""
    before = "\n".join(
        [ticket.summary, ticket.description]
        + [c.body for c in ticket.comments if c.author is AuthorRole.AGENT]
    )
    first = replace(ticket, summary="", description=before, comments=())
    tt = prepare(first, config, ())
    return score_login_failure(tt, config).raw > 0


def _answered(ticket: Ticket, config: RoutingConfig) -> set[str]:
    """The FAQ entries whose answer the bot already posted on this ticket."""
    found = (
        faq_answer_of(c.body, config)
        for c in ticket.comments
        if c.author is AuthorRole.BOT and c.public
    )
    return {fid for fid in found if fid is not None}


def _next_question(
    ticket: Ticket,
    config: RoutingConfig,
    conv: ConversationView,
    new_text: str,
    named: Browser | None,
    *,
    after: str = "the bot's",
) -> Decision | None:
    """The customer's comment after the bot's (or, ``after``, an agent's) answer asks
    something else that the FAQ answers, or tells a login failure: it is decided as a
    ticket of its own (a new answer, or the question for the browser), keyed on that
    comment, with the browser the whole ticket ``named`` when the comment names none. The
    same answer is never given twice, nor a second question for the browser; anything
    else goes to the agents (the caller).
    ``loop_guard.max_public_replies_per_ticket`` still caps the ticket's public
    replies."""
    alone = replace(ticket, summary="", description=new_text, comments=(), labels=())
    conv_alone = read_conversation(alone, config)
    a = _analyse(alone, config, conv_alone)
    nd = _new_ticket(alone, config, conv_alone, a, _base(alone, a, conv_alone))
    replies = nd.public_replies
    if not replies or (nd.ask_browser and conv.bot_asks > 0):
        return None
    if nd.reply_faq is not None and nd.reply_faq in _answered(ticket, config):
        return None
    return replace(
        nd,
        key=ticket.key,
        trigger_id=conv.trigger_id,
        # (the browser the ticket ``named`` before stays its browser: "je n'arrive pas à
        # me connecter depuis Chrome 138" … "c'est bon ! Par contre, comment … ?")
        browser=nd.browser or named,
        reason=f"a new question after {after} answer: {nd.reason}",
    )


def decide_followup(
    ticket: Ticket,
    *,
    asks: int,
    reminded: bool,
    waiting_since: datetime,
    now: datetime,
    config: RoutingConfig,
) -> Decision:
    """For a ticket waiting for the customer's browser answer: remind, or hand over.

    A customer comment after the bot's last word means the customer answered: the
    ordinary :func:`decide` applies.
    """
    conv = read_conversation(ticket, config)
    if conv.last is not None and conv.last.author is AuthorRole.CUSTOMER and conv.bot_spoke:
        return decide(ticket, config)
    a = _analyse(ticket, config, conv)
    d = replace(_base(ticket, a, conv), trigger_id="followup")
    if ticket.assignee:
        return _skip(d, "assigned to a person")
    waited = now - waiting_since
    conf = config.conversation
    if waited >= timedelta(days=conf.handover_after_days):
        d = replace(
            d,
            trigger_id=f"handover-{asks}",
            reason=f"no answer for {waited.days} days after {asks} ask(s): hand over",
        )
        return replace(
            d,
            actions=(InternalNote(render_note(d, []), "handover"), Transition(WAITING_FOR_SUPPORT)),
        )
    if waited >= timedelta(days=conf.reminder_after_days) and not reminded:
        body = config.render(conf.reminder_message, a.population)
        d = replace(
            d,
            trigger_id=f"reminder-{asks}",
            reason=f"no answer for {waited.days} days: one reminder",
        )
        return replace(d, actions=(PublicReply(body, None, "reminder"),))
    return _skip(d, "waiting for the customer's answer")
