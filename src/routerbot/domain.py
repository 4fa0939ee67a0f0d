"""Domain types: what a ticket is, and what the bot decided to do with it.

These are plain frozen values. Nothing here knows about Jira JSON, HTTP or the
database: adapters translate wire formats into these types at the edge
(``routerbot.jsm.wire``, ``routerbot.sandbox``), and the pure decision engine
(``routerbot.engine``) maps a :class:`Ticket` and the routing configuration to a
:class:`Decision`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple


class Category(enum.StrEnum):
    """The three kinds of request the support handles (ROUTING.md)."""

    HABILITATION = "habilitation"
    ASSISTANCE_OPERATEUR = "assistance_operateur"
    ASSISTANCE_SD = "assistance_sd"


class Population(enum.StrEnum):
    """Who the requester is: an exporter's staff or a state agent."""

    OPERATEUR = "operateur"
    SERVICES_DECONCENTRES = "services_deconcentres"


class AuthorRole(enum.StrEnum):
    """Who wrote a comment, as seen by the bot."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a ticket lives or should live: service desk id and request type id."""

    service_desk: str
    request_type: str

    def __str__(self) -> str:
        return f"{self.service_desk}/{self.request_type}"

    @classmethod
    def parse(cls, text: str) -> Target:
        desk, sep, rtype = text.partition("/")
        if not sep or not desk or not rtype:
            raise ValueError(f"expected 'DESK/REQUEST_TYPE', got {text!r}")
        return cls(desk.strip(), rtype.strip())


@dataclass(frozen=True, slots=True)
class Person:
    display_name: str = ""
    email: str = ""
    account_id: str = ""


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment of a request, oldest first in :attr:`Ticket.comments`."""

    id: str
    author: AuthorRole
    body: str
    public: bool = True
    created: datetime | None = None
    author_id: str = ""


@dataclass(frozen=True, slots=True)
class Ticket:
    """A JSM customer request, as the decision engine sees it."""

    key: str
    service_desk: str
    request_type: str
    summary: str
    description: str
    reporter: Person = field(default_factory=Person)
    comments: tuple[Comment, ...] = ()
    status: str = ""
    assignee: str | None = None
    labels: tuple[str, ...] = ()
    created: datetime | None = None
    updated: datetime | None = None
    issue_id: str = ""

    @property
    def location(self) -> Target:
        return Target(self.service_desk, self.request_type)


@dataclass(frozen=True, slots=True)
class Browser:
    """A browser as stated by the customer: normalised name and major version."""

    name: str  # chrome | firefox | edge | safari | ie | opera | other
    version: str | None = None  # major version, e.g. "120"; None when not given
    raw: str = ""  # the words or user-agent it was read from

    @property
    def complete(self) -> bool:
        return self.version is not None

    def __str__(self) -> str:
        return f"{self.name} {self.version}" if self.version else f"{self.name} (version inconnue)"


# --------------------------------------------------------------------------- actions
# A closed set: the executor (routerbot.service) handles exactly these.


@dataclass(frozen=True, slots=True)
class PublicReply:
    """A comment the customer sees. ``faq_id`` is None for ask-for-browser messages."""

    body: str
    faq_id: str | None = None
    purpose: str = "faq"  # faq | ask_browser | ask_browser_again | browser_advice


@dataclass(frozen=True, slots=True)
class InternalNote:
    """A comment only agents see."""

    body: str
    purpose: str = "note"


@dataclass(frozen=True, slots=True)
class Reroute:
    """Change the request type, or move the ticket to another service desk."""

    source: Target
    target: Target

    @property
    def moves_desk(self) -> bool:
        return self.source.service_desk != self.target.service_desk


@dataclass(frozen=True, slots=True)
class Transition:
    """Move the ticket's status: to the customer (waiting) or back to the agents."""

    to: str  # "waiting_for_customer" | "waiting_for_support" (names mapped in config)


@dataclass(frozen=True, slots=True)
class AddLabel:
    label: str


Action = PublicReply | InternalNote | Reroute | Transition | AddLabel


# --------------------------------------------------------------------------- explanation


class Signal(NamedTuple):
    """One piece of evidence the engine looked at: fired or missing, and its weight
    (a named tuple, like :class:`NearestExample`: a decision carries a few dozen)."""

    name: str  # e.g. "population.email_domain", "faq.connexion-impossible"
    fired: bool
    detail: str = ""
    weight: float = 0.0


class NearestExample(NamedTuple):
    """One example of ``routing.toml`` close to the ticket: the entry it teaches (an FAQ
    id or a category), the example's text, and the similarity (0..1)."""

    entry_id: str
    text: str
    score: float


class FaqCandidate(NamedTuple):
    """One FAQ entry the ticket resembles, with the examples that make it so."""

    faq_id: str
    confidence: float
    nearest_examples: tuple[NearestExample, ...] = ()
    #: the requester's population may receive this answer
    eligible: bool = True
    #: why a guard (``never`` / ``requires``) forbids answering it, or ""
    blocked: str = ""


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why the engine read the ticket as it did, in terms of the lead's examples.

    ``faq_candidates`` are best first; ``runner_up`` is the entry that came second
    (the margin is measured against it); ``category_examples`` are the closest
    habilitation / assistance examples for an operator's ticket; ``unanswered`` is
    the example of ``[unanswered]`` that held back the best entry's answer.
    """

    faq_candidates: tuple[FaqCandidate, ...] = ()
    runner_up: FaqCandidate | None = None
    category_examples: tuple[NearestExample, ...] = ()
    #: the closest question the FAQ does not answer, when it stopped a public answer
    unanswered: NearestExample | None = None

    @property
    def nearest_examples(self) -> tuple[NearestExample, ...]:
        """The closest examples over every FAQ entry, best first."""
        found = [n for c in self.faq_candidates for n in c.nearest_examples]
        return tuple(sorted(found, key=lambda n: -n.score))


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one ticket, and why. Pure value; executed by the service.

    ``skip_reason`` set means: do nothing at all (no action, no state change
    other than remembering that the ticket was seen).
    """

    key: str
    category: Category | None
    category_confidence: float
    population: Population | None
    target: Target | None
    actions: tuple[Action, ...] = ()
    faq_id: str | None = None
    faq_confidence: float = 0.0
    browser: Browser | None = None
    ask_browser: bool = False
    login_failure: bool = False
    skip_reason: str | None = None
    reason: str = ""
    signals: tuple[Signal, ...] = ()
    candidates: tuple[tuple[str, float], ...] = ()  # FAQ ids and scores, best first
    trigger_id: str = ""  # the comment id (or "created") this decision answers
    explanation: Explanation = field(default_factory=Explanation)

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None

    @property
    def reroute(self) -> Reroute | None:
        return next((a for a in self.actions if isinstance(a, Reroute)), None)

    @property
    def public_replies(self) -> tuple[PublicReply, ...]:
        return tuple(a for a in self.actions if isinstance(a, PublicReply))

    @property
    def internal_notes(self) -> tuple[InternalNote, ...]:
        return tuple(a for a in self.actions if isinstance(a, InternalNote))

    @property
    def reply_faq(self) -> str | None:
        """The FAQ id carried by the public reply, if any (what the eval scores)."""
        return next((r.faq_id for r in self.public_replies if r.faq_id), None)


# --------------------------------------------------------------------------- history


@dataclass(frozen=True, slots=True)
class LocationChange:
    """One changelog entry that moved a ticket: its desk, its request type, or both.

    ``None`` for a side the entry did not touch; ``""`` for a cleared value (a move
    clears the request type until it is set again in the new desk).
    """

    at: datetime | None
    author_id: str
    old_desk: str | None = None
    new_desk: str | None = None
    old_request_type: str | None = None
    new_request_type: str | None = None


@dataclass(frozen=True, slots=True)
class TicketHistory:
    """A past ticket as it stands now, with the changes of its location."""

    ticket: Ticket
    changes: tuple[LocationChange, ...] = ()
    bot_account_id: str = ""

    @property
    def final(self) -> Target:
        return self.ticket.location

    def locations(self) -> list[tuple[LocationChange | None, Target]]:
        """The original location (with ``None``), then the location after each change."""
        desk, rtype = self.ticket.service_desk, self.ticket.request_type
        for ch in reversed(self.changes):
            if ch.old_request_type is not None:
                rtype = ch.old_request_type
            if ch.old_desk is not None:
                desk = ch.old_desk
        states: list[tuple[LocationChange | None, Target]] = [(None, Target(desk, rtype))]
        for ch in self.changes:
            if ch.new_desk is not None:
                desk = ch.new_desk
            if ch.new_request_type is not None:
                rtype = ch.new_request_type
            states.append((ch, Target(desk, rtype)))
        return states

    @property
    def original(self) -> Target:
        return self.locations()[0][1]

    def location_at(self, when: datetime | None) -> Target:
        """Where the ticket was at an instant (the final place when unknown)."""
        if when is None:
            return self.final
        current = self.original
        for ch, loc in self.locations()[1:]:
            if ch is not None and ch.at is not None and aware(ch.at) <= aware(when):
                current = loc
        return current


def aware(t: datetime) -> datetime:
    """``t`` with UTC as its zone when it has none."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)
