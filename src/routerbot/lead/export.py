"""``routerbot export``: a past ticket in the labelled format of ROUTING.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from routerbot.domain import AuthorRole, Comment, Ticket, TicketHistory
from routerbot.labelled import ticket_to_labelled
from routerbot.lead.recognise import FaqRecogniser, asked_browser

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from routerbot.config import RoutingConfig


def _staff_public(comments: Iterable[Comment]) -> list[Comment]:
    return [c for c in comments if c.public and c.author is not AuthorRole.CUSTOMER]


def label_history(
    history: TicketHistory, config: RoutingConfig, recogniser: FaqRecogniser | None = None
) -> dict[str, Any]:
    """The ``expected`` object of a past ticket, from what the bot and the agents did
    (what stands at the end: an agent's later move or correction wins).

    * ``category``: the category of the final location (``None`` when it is not one of
      the three targets);
    * ``reroute_to``: the final location when it differs from the original one (the
      request type the customer filed in, read from the changelog);
    * ``faq``: the FAQ entry the last FAQ answer (by the bot or an agent) carries,
      unless an agent corrected it in public before the customer wrote again;
    * ``ask_browser``: a public reply asked for the browser and its version — the bot's
      own earlier questions included, recognised as the bot recognises them (its FAQ
      entry is then the login-failure one, ``login_failure.faq``, as in ROUTING.md);
    * ``auto_reply``: a FAQ answer or a browser question was sent publicly;
    * ``browser``: the browser and major version the customer states in the exported
      text (:func:`as_filed`), read by the engine's extractor — a text fact, not an
      agent's judgement, so browser accuracy on exported files checks little.
    """
    rec = recogniser or FaqRecogniser(config)
    final, original = history.final, history.original
    category = config.category_at(final)
    staff = _staff_public(history.ticket.comments)
    faq = _final_faq(history.ticket.comments, rec)
    ask = any(asked_browser(c, config, rec) for c in staff)
    if ask and faq is None:  # the browser question carries the login-failure steps
        faq = config.login_failure.faq
    return {
        "category": category.value if category else None,
        "faq": faq,
        "ask_browser": ask,
        "browser": _stated_browser(as_filed(history)),
        "reroute_to": str(final) if final != original and final.request_type else None,
        "auto_reply": bool(faq) or ask,
    }


def _stated_browser(ticket: Ticket) -> dict[str, str | None] | None:
    from routerbot.engine.browser import extract_browser_from_conversation  # noqa: PLC0415

    texts = [ticket.summary, ticket.description]
    texts.extend(c.body for c in ticket.comments if c.author is AuthorRole.CUSTOMER)
    browser = extract_browser_from_conversation(texts)
    return {"name": browser.name, "version": browser.version} if browser else None


def _final_faq(comments: Iterable[Comment], rec: FaqRecogniser) -> str | None:
    """The FAQ entry the last FAQ-carrying public reply holds, unless an agent's public
    reply followed it before the customer wrote again (a correction)."""
    faq: str | None = None
    open_answer = False
    for c in comments:
        if c.author is AuthorRole.CUSTOMER:
            open_answer = False
            continue
        if not c.public:
            continue
        found = rec.faq_of(c.body)
        if found:
            faq, open_answer = found, True
        elif open_answer and c.author is AuthorRole.AGENT:
            faq, open_answer = None, False
    return faq


def as_filed(history: TicketHistory) -> Ticket:
    """The ticket as the bot first saw it: original location, and only the customer's
    comments written before anyone else answered."""
    original = history.original
    leading: list[Comment] = []
    for c in history.ticket.comments:
        if c.author is not AuthorRole.CUSTOMER:
            break
        leading.append(c)
    return replace(
        history.ticket,
        service_desk=original.service_desk,
        request_type=original.request_type,
        comments=tuple(leading),
        assignee=None,
        labels=(),
    )


def who_did(history: TicketHistory) -> dict[str, Any]:
    """Who moved the ticket and who answered it publicly, ``"bot"`` apart from
    ``"agent"``, in order (the ``history`` object beside ``expected`` in an exported
    row; readers of the labelled format ignore it)."""
    bot = history.bot_account_id

    def role(author_id: str) -> str:
        return "bot" if bot and author_id == bot else "agent"

    moved: list[str] = []
    for ch, loc in history.locations()[1:]:
        if ch is None or not loc.request_type:
            continue  # a move clears the request type until it is set again
        who = role(ch.author_id)
        if not moved or moved[-1] != who:
            moved.append(who)
    answered: list[str] = []
    for c in _staff_public(history.ticket.comments):
        who = "bot" if c.author is AuthorRole.BOT else "agent"
        if not answered or answered[-1] != who:
            answered.append(who)
    return {"moved_by": moved, "answered_by": answered}


def export_row(
    history: TicketHistory, config: RoutingConfig, recogniser: FaqRecogniser | None = None
) -> dict[str, Any]:
    """One line of the labelled format for a past ticket, with who did what beside it."""
    row = ticket_to_labelled(as_filed(history), label_history(history, config, recogniser))
    row["history"] = who_did(history)
    return row
