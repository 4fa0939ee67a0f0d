"""The decision: from a ticket and the routing configuration to a :class:`Decision`.

Pure: no I/O, no clock (``decide_followup`` is given ``now``), no globals but caches.
The rules, in order (ROUTING.md, "What the bot does"):

1. **Skip** tickets assigned to a person, tickets whose last word is the bot's or an
   agent's, automatic replies, tickets an agent is already talking on, and a
   customer's thanks after the bot's answer. A skipped decision has no action but
   still says what the bot thinks (category, browser) for ``triage`` and the eval.
2. **Answer to a question for the browser**: the customer's comments are read with
   the description; complete → internal note (+ the ``connexion-impossible`` answer
   when the browser is not recommended or too old) and back to the agents;
   incomplete → ask again while fewer than ``max_asks`` asks, else hand over.
3. **New ticket**: population, category, reroute (above the confidence threshold,
   else an internal note), then one public reply at most: the FAQ entry at or above
   ``faq_reply_min_confidence``, or for a login failure the question for the browser
   (missing name or version) or the browser advice (not recommended / too old).
   Below the FAQ threshold the candidates go to an internal note instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from routerbot.config import RoutingConfig
from routerbot.domain import (
    Action,
    AddLabel,
    AuthorRole,
    Browser,
    Category,
    Decision,
    InternalNote,
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
    TicketText,
    compiled,
    detect_population,
    prepare,
    score_category,
    score_faqs,
    score_login_failure,
    score_thanks,
)
from routerbot.engine.conversation import ConversationView, read_conversation
from routerbot.engine.explain import render_note
from routerbot.engine.matching import Doc

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
    browser: Browser | None
    signals: tuple[Signal, ...]
    tt: TicketText


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
    faqs: Sequence[FaqScore], config: RoutingConfig
) -> tuple[FaqScore | None, FaqScore | None]:
    """(the entry to answer in public or None, the rival that made it too close).

    The best eligible entry at or above ``faq_reply_min_confidence`` is answered
    unless the next eligible entry comes within ``faq_margin`` of it (both measured
    on their uncapped evidence): then neither is, both go to the internal note. A
    wrong public answer costs more than none.
    """
    thr = config.thresholds
    eligible = [f for f in faqs if f.eligible]
    if not eligible or eligible[0].confidence < thr.faq_reply_min_confidence:
        return None, None
    top = eligible[0]
    if len(eligible) > 1 and thr.faq_margin > 0:
        rival = eligible[1]
        if top.raw - rival.raw < thr.faq_margin - 1e-9:
            return None, rival
    return top, None


def _analyse(ticket: Ticket, config: RoutingConfig, conv: ConversationView) -> _Analysis:
    tt = prepare(ticket, config, conv.customer_texts)
    pop = detect_population(ticket, tt, config)
    signals: list[Signal] = list(pop.signals)
    faqs = score_faqs(tt, pop.population, config)
    login = score_login_failure(tt, config)
    signals += login.signals or (Signal("login_failure", False, "no login-failure words", 0.0),)
    login_failure = login.value >= config.login_failure.min_confidence
    top, _ = reply_choice(faqs, config)

    if pop.population is Population.SERVICES_DECONCENTRES:
        category, conf = Category.ASSISTANCE_SD, pop.confidence
        signals.append(Signal("category.rule", True, "the requester is a state agent", conf))
    elif top is not None and (not login_failure or config.faq[top.faq_id].priority >= 10):
        category = config.faq[top.faq_id].category
        conf = min(pop.confidence, max(top.confidence, 0.8))
        signals.append(Signal("category.rule", True, f"FAQ {top.faq_id} decides", conf))
    elif login_failure:
        category = Category.ASSISTANCE_OPERATEUR
        conf = min(pop.confidence, max(login.value, 0.8))
        signals.append(Signal("category.rule", True, "a login failure is assistance", conf))
    else:
        hab = score_category(tt, ticket, Category.HABILITATION, config)
        signals += hab.signals
        if hab.value >= config.thresholds.category_min_confidence:
            category = Category.HABILITATION
            conf = min(pop.confidence, 0.5 + hab.value / 2)
            signals.append(Signal("category.rule", True, "habilitation words", conf))
        else:
            category = Category.ASSISTANCE_OPERATEUR
            conf = min(pop.confidence, 0.85 - hab.value / 2)
            signals.append(Signal("category.rule", True, "an operator's question (default)", conf))
    texts = [ticket.summary, text.clean_body(ticket.description), *conv.customer_texts]
    found = browser_mod.extract_browser_from_conversation(texts)
    if found is None:
        # clean_body may drop a pasted user agent quoted or in a signature: look at all
        found = browser_mod.extract_browser_from_conversation(
            [
                ticket.description,
                *(c.body for c in ticket.comments if c.author is AuthorRole.CUSTOMER),
            ]
        )
    signals.append(
        Signal("browser", found is not None, str(found) if found else "no browser named", 0.0)
    )
    for f in faqs:
        signals += f.signals
    return _Analysis(
        category=category,
        category_confidence=round(conf, 3),
        population=pop.population,
        target=config.target_for(category),
        faqs=faqs,
        login_failure=login_failure,
        login_confidence=round(login.value, 3),
        browser=found,
        signals=tuple(signals),
        tt=tt,
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
        candidates=tuple((f.faq_id, f.confidence) for f in a.faqs),
        trigger_id=conv.trigger_id,
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
    if conv.last is not None and text.is_auto_reply(conv.last.body):
        return _skip(d, "the customer's last comment is an automatic reply")
    if conv.last is None and text.is_auto_reply(f"{ticket.summary}\n{ticket.description}"):
        return _skip(d, "the ticket is an automatic reply")
    if conv.agent_spoke:
        return _skip(d, "an agent is already talking with the customer")
    if config.labels.handled in ticket.labels and not conv.new_customer:
        return _skip(d, "already handled, nothing new from the customer")

    if conv.bot_spoke and conv.last_bot is not None:
        if conv.last_bot_was_ask:
            return _after_ask(ticket, config, conv, a, d)
        return _after_answer(config, conv, d)
    return _new_ticket(ticket, config, a, d)


def _answer_text(config: RoutingConfig, faq_id: str, population: Population) -> str:
    return config.render(config.faq[faq_id].answer, population)


def _new_ticket(ticket: Ticket, config: RoutingConfig, a: _Analysis, d: Decision) -> Decision:
    actions: list[Action] = []
    reasons: list[str] = []
    thr = config.thresholds
    # 1. where it belongs
    if a.target != ticket.location:
        if a.category_confidence >= thr.reroute_min_confidence:
            move = Reroute(ticket.location, a.target)
            if move.moves_desk and config.reroute.move_strategy == "note_only":
                reasons.append(f"belongs in {a.target} (note only: moves are disabled)")
            else:
                actions.append(move)
                reasons.append(f"reroute {ticket.location} → {a.target} ({a.category.value})")
        else:
            reasons.append(
                f"may belong in {a.target} ({a.category.value}, confidence "
                f"{a.category_confidence:.2f} < {thr.reroute_min_confidence:.2f}): not moved"
            )
    # 2. at most one public reply
    top, rival = reply_choice(a.faqs, config)
    faq_wins = top is not None and (not a.login_failure or config.faq[top.faq_id].priority >= 10)
    ask = False
    reply_faq: str | None = None
    login_faq = config.login_failure.faq
    if faq_wins and top is not None:
        reply_faq = top.faq_id
        actions.append(PublicReply(_answer_text(config, top.faq_id, a.population), top.faq_id))
        reasons.append(f"FAQ {top.faq_id} ({top.confidence:.2f})")
    elif a.login_failure:
        b = a.browser
        if b is not None and b.complete:
            fine, why = browser_verdict(b, config)
            if not fine:
                reply_faq = login_faq
                actions.append(
                    PublicReply(
                        _answer_text(config, login_faq, a.population), login_faq, "browser_advice"
                    )
                )
            reasons.append(f"login failure, browser given: {why}")
        else:
            ask = True
            reply_faq = login_faq
            body = config.render(config.conversation.ask_message, a.population)
            actions.append(PublicReply(body, login_faq, "ask_browser"))
            actions.append(Transition(WAITING_FOR_CUSTOMER))
            missing = "version" if b is not None else "browser and version"
            reasons.append(f"login failure, {missing} missing: ask")
    elif (note_why := _no_reply_reason(a.faqs, rival, config)) is not None:
        reasons.append(note_why)
    # 3. the note for the agents, and the label
    d = replace(d, faq_id=reply_faq or d.faq_id, ask_browser=ask)
    reason = "; ".join(reasons) or f"{a.category.value}: nothing to answer"
    d = replace(d, reason=reason)
    if actions or reasons:
        actions.append(InternalNote(render_note(d, _candidates(a.faqs, config)), "triage"))
    actions.append(AddLabel(config.labels.handled))
    return replace(d, actions=tuple(actions))


def _no_reply_reason(
    faqs: Sequence[FaqScore], rival: FaqScore | None, config: RoutingConfig
) -> str | None:
    thr = config.thresholds
    if rival is not None:
        best = next(f for f in faqs if f.eligible)
        return (
            f"FAQ {best.faq_id} ({best.raw:.2f}) and {rival.faq_id} ({rival.raw:.2f}) too "
            f"close to call (margin {thr.faq_margin:.2f}): candidates in a note"
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


def _after_ask(
    ticket: Ticket, config: RoutingConfig, conv: ConversationView, a: _Analysis, d: Decision
) -> Decision:
    login_faq = config.login_failure.faq
    b = a.browser
    actions: list[Action] = []
    if b is not None and b.complete:
        fine, why = browser_verdict(b, config)
        if not fine:
            body = _answer_text(config, login_faq, a.population)
            actions.append(PublicReply(body, login_faq, "browser_advice"))
        d = replace(d, reason=f"the customer gave the browser: {why}")
        actions += [
            InternalNote(render_note(d, []), "browser"),
            Transition(WAITING_FOR_SUPPORT),
        ]
        return replace(d, actions=tuple(actions))
    new_text = "\n".join(text.clean_body(c.body) for c in conv.new_customer)
    thanks = score_thanks(_doc(new_text, config), config)
    if thanks.value >= 0.75 and "?" not in new_text:
        d = replace(d, reason="the customer says it works now: back to the agents")
        return replace(
            d,
            actions=(InternalNote(render_note(d, []), "resolved"), Transition(WAITING_FOR_SUPPORT)),
        )
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


def _after_answer(config: RoutingConfig, conv: ConversationView, d: Decision) -> Decision:
    new_text = "\n".join(text.clean_body(c.body) for c in conv.new_customer)
    thanks = score_thanks(_doc(new_text, config), config)
    if thanks.value >= 0.75 and "?" not in new_text:
        return _skip(d, "the customer thanks for the bot's answer")
    d = replace(d, reason="the customer wrote again after the bot's answer: for the agents")
    return replace(
        d, actions=(InternalNote(render_note(d, []), "handover"), Transition(WAITING_FOR_SUPPORT))
    )


def _doc(s: str, config: RoutingConfig) -> Doc:
    return compiled(config).matcher.doc(s)


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
