"""Reading a ticket's comments: who spoke last, what the bot already asked, what is new.

The bot recognises its own questions for the browser by the marker it puts in them
(``conversation.ask_marker``) and, for comments written by other tools or people on
its behalf, by their similarity to the configured ask texts or by their asking for a
browser *and* a version.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from routerbot.config import RoutingConfig
from routerbot.domain import AuthorRole, Comment, Ticket
from routerbot.engine import text
from routerbot.engine.browser import extract_browser_from_conversation


@dataclass(frozen=True, slots=True)
class ConversationView:
    last: Comment | None
    bot_asks: int  # questions for the browser the bot already asked
    bot_spoke: bool  # any comment by the bot (public or internal)
    bot_public_replies: int
    agent_spoke: bool  # an agent wrote a public comment
    last_bot: Comment | None
    last_bot_was_ask: bool
    customer_texts: tuple[str, ...]  # every customer comment, cleaned, auto-replies out
    new_customer: tuple[Comment, ...]  # customer comments after the bot's/agent's last word
    trigger_id: str  # the customer comment answered, or "created"
    #: the last comment is the customer's and an automatic reply (read once, here)
    last_is_auto_reply: bool = False

    @property
    def last_author(self) -> AuthorRole | None:
        return self.last.author if self.last else None


#: how alike a bot comment and an entry's answer must be for it to be that answer
SAME_ANSWER = 70.0


def faq_answer_of(body: str, config: RoutingConfig) -> str | None:
    """The FAQ entry whose answer this (bot) comment is, if any (``fuzz.ratio`` of the
    normalised texts at least :data:`SAME_ANSWER`, for any population's links)."""
    norm = text.normalise(text.clean_body(body) or body)
    return next(
        (fid for fid, answer in config.compiled.answers if fuzz.ratio(norm, answer) >= SAME_ANSWER),
        None,
    )


def is_ask(
    body: str, config: RoutingConfig, browser_given: Callable[[], bool] = lambda: True
) -> bool:
    """Is this (bot) comment a question for the customer's browser and version?
    (``browser_given``: had the customer given a browser and its version before it?)"""
    conv = config.conversation
    if conv.ask_marker and conv.ask_marker in body:
        return True
    norm = text.normalise(text.clean_body(body) or body)
    for ref in (conv.ask_message, conv.ask_again_message):
        ref_norm = text.normalise(ref.replace(conv.ask_marker, ""))
        if fuzz.ratio(norm, ref_norm) >= conv.ask_similarity_min:
            return True
    words = set(norm.split())
    asks_browser = any(text.normalise(w) in words for w in conv.browser_words)
    asks_version = any(text.normalise(w) in words for w in conv.version_words)
    if not (asks_browser and asks_version):
        return False
    # the login entry's answer names browsers and versions too: after a browser that is
    # not recommended it is advice and asks nothing; to a customer who had named no
    # browser yet, it is the question (its last words ask for them)
    answer = faq_answer_of(body, config)
    return answer is None or (answer == config.login_failure.faq and not browser_given())


def _browser_given(ticket: Ticket, before: Sequence[Comment]) -> bool:
    """Did the customer give a browser and its version in the ticket or in a comment
    of ``before``?"""
    said = [ticket.summary, ticket.description]
    said += [c.body for c in before if c.author is AuthorRole.CUSTOMER]
    found = extract_browser_from_conversation(said)
    return found is not None and found.complete


def read_conversation(ticket: Ticket, config: RoutingConfig) -> ConversationView:
    comments = ticket.comments
    asks = 0
    bot_spoke = agent_spoke = False
    bot_public = 0
    last_bot: Comment | None = None
    last_bot_was_ask = False
    last_other_idx = -1  # index of the last bot or agent public word
    customer_texts: list[str] = []
    auto_reply = False  # the comment just read is the customer's automatic reply
    for i, c in enumerate(comments):
        auto_reply = False
        if c.author is AuthorRole.BOT:
            bot_spoke = True
            if c.public:
                bot_public += 1
                last_bot = c
                last_bot_was_ask = is_ask(
                    c.body, config, functools.partial(_browser_given, ticket, comments[:i])
                )
                asks += last_bot_was_ask
                last_other_idx = i
        elif c.author is AuthorRole.AGENT:
            if c.public:
                agent_spoke = True
                last_other_idx = i
        elif text.is_auto_reply(c.body):
            auto_reply = True
        else:
            customer_texts.append(text.clean_body(c.body))
    new_customer = tuple(
        c for c in comments[last_other_idx + 1 :] if c.author is AuthorRole.CUSTOMER
    )
    last_customer = next((c for c in reversed(comments) if c.author is AuthorRole.CUSTOMER), None)
    return ConversationView(
        last=comments[-1] if comments else None,
        bot_asks=asks,
        bot_spoke=bot_spoke,
        bot_public_replies=bot_public,
        agent_spoke=agent_spoke,
        last_bot=last_bot,
        last_bot_was_ask=last_bot_was_ask,
        customer_texts=tuple(customer_texts),
        new_customer=new_customer,
        trigger_id=last_customer.id if last_customer else "created",
        last_is_auto_reply=auto_reply,
    )
