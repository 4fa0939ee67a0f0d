"""Planning and guarding: the pure half of the executor.

Given a :class:`~routerbot.domain.Decision`, the ticket it is about and a few counts
read beforehand, :func:`guard` says which actions may run (the loop guards) and
:func:`plan_actions` gives each one its deterministic id and its place in the order
(reroute, then comments, then transition). Nothing here does I/O, reads a clock or
keeps state: :mod:`routerbot.ledger` executes the plan, :mod:`routerbot.service` wires
the two together.

The action id is ``sha256(issue_id|kind|trigger_id|purpose)``: the same customer
message always yields the same ids, whatever the config version or the replica.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from routerbot.config import RoutingConfig
from routerbot.domain import (
    Action,
    AddLabel,
    AuthorRole,
    Decision,
    InternalNote,
    PublicReply,
    Reroute,
    Target,
    Ticket,
    Transition,
)
from routerbot.observability import action_label
from routerbot.ports import ActionRecord, TicketState

MARKER_RE = re.compile(r"\[routerbot:([0-9a-f]{8})\]")
ASK_PURPOSES = frozenset({"ask_browser", "ask_browser_again"})


class Outcome(enum.StrEnum):
    """What happened to one ticket in one call."""

    DONE = "done"  # every action carried out (or found already done)
    SKIPPED = "skipped"  # the engine decided to do nothing
    UNCHANGED = "unchanged"  # same ``updated`` as last handled: not even decided
    DRY_RUN = "dry_run"  # decided and logged, nothing written
    PENDING = "pending"  # an outcome is unknown or was refused for now: retry later
    RATE_LIMITED = "rate_limited"
    MOVING = "moving"  # a bulk move was started; the rest waits for its confirmation
    DEFERRED = "deferred"  # the hourly breaker holds its public reply: answered later
    PARKED = "parked"  # kept failing: set aside with a backoff (``routerbot parked``)
    BUSY = "busy"  # another replica holds the ticket's lease
    FAILED = "failed"  # definitively refused; needs a human (the ticket is not retried)

    @property
    def handled(self) -> bool:
        """True when the poll cursor may move past the ticket."""
        return self in _HANDLED


_HANDLED = frozenset(
    {Outcome.DONE, Outcome.SKIPPED, Outcome.UNCHANGED, Outcome.DRY_RUN, Outcome.FAILED}
    | {Outcome.PARKED}
)


class Kind(enum.StrEnum):
    """The side effects the ledger knows (labels travel with the record write)."""

    REROUTE = "reroute"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"
    TRANSITION = "transition"

    @property
    def order(self) -> int:
        return _ORDER[self]

    @property
    def idempotent(self) -> bool:
        """True when repeating the call cannot duplicate the effect (no fence re-check)."""
        return self is Kind.TRANSITION


_ORDER = {Kind.REROUTE: 0, Kind.PUBLIC_REPLY: 1, Kind.INTERNAL_NOTE: 1, Kind.TRANSITION: 2}


@dataclass(frozen=True, slots=True)
class PlannedAction:
    action_id: str
    kind: Kind
    action: Action
    seq: int

    @property
    def label(self) -> str:
        return action_label(self.action)


class Status(enum.StrEnum):
    """Where the conversation with the customer stands (``TicketState.status``)."""

    NONE = ""
    DONE = "done"
    WAITING_BROWSER = "waiting_browser"
    REMINDED = "reminded"
    HANDED_OVER = "handed_over"
    MOVED = "moved"


@dataclass(frozen=True, slots=True)
class Finish:
    """What to write once every action of a plan is done (kept in each intent's payload
    so that any later run can finish a plan after a crash)."""

    labels: tuple[str, ...] = ()
    status: str = ""
    asks_added: int = 0
    category: str = ""
    trigger: str = ""
    faq: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "status": self.status,
            "asks_added": self.asks_added,
            "category": self.category,
            "trigger": self.trigger,
            "faq": self.faq,
        }

    @classmethod
    def from_json(cls, data: Any) -> Finish:
        d = data if isinstance(data, dict) else {}
        return cls(
            labels=tuple(str(x) for x in d.get("labels") or ()),
            status=str(d.get("status") or ""),
            asks_added=int(d.get("asks_added") or 0),
            category=str(d.get("category") or ""),
            trigger=str(d.get("trigger") or ""),
            faq=str(d.get("faq") or ""),
        )


# --------------------------------------------------------------------------- ids & markers


def action_id_for(issue_id: str, kind: str, trigger_id: str, purpose: str) -> str:
    """The deterministic id of one side effect (no config version in it)."""
    return hashlib.sha256(f"{issue_id}|{kind}|{trigger_id}|{purpose}".encode()).hexdigest()


def marker_for(action_id: str) -> str:
    """The short visible reference that ends every bot comment."""
    return f"[routerbot:{action_id[:8]}]"


def with_marker(body: str, action_id: str) -> str:
    return f"{body.rstrip()}\n\n{marker_for(action_id)}"


def find_marker(ticket: Ticket, action_id: str, bot_account: str = "") -> str | None:
    """The id of the bot's comment carrying this action's marker, if any.

    Only comments written by the bot's own account count: a customer who pastes a
    ``[routerbot:…]`` reference cannot make the bot believe it already answered."""
    mark = marker_for(action_id)
    for comment in ticket.comments:
        if not _by_bot(comment.author, comment.author_id, bot_account):
            continue
        if mark in comment.body:
            return comment.id or "found"
    return None


def _by_bot(author: AuthorRole, author_id: str, bot_account: str) -> bool:
    if bot_account and author_id:
        return author_id == bot_account
    return author is AuthorRole.BOT


# --------------------------------------------------------------------------- the plan


def kind_of(action: Action) -> Kind | None:
    if isinstance(action, PublicReply):
        return Kind.PUBLIC_REPLY
    if isinstance(action, InternalNote):
        return Kind.INTERNAL_NOTE
    if isinstance(action, Reroute):
        return Kind.REROUTE
    if isinstance(action, Transition):
        return Kind.TRANSITION
    return None  # AddLabel: written with the record


def _purpose(action: Action) -> str:
    if isinstance(action, PublicReply):
        return f"{action.purpose}:{action.faq_id or ''}"
    if isinstance(action, InternalNote):
        return action.purpose
    if isinstance(action, Reroute):
        return str(action.target)
    if isinstance(action, Transition):
        return action.to
    return ""


def plan_actions(issue_id: str, trigger_id: str, actions: Iterable[Action]) -> list[PlannedAction]:
    """Give each action its id, in execution order: reroute, comments, transition."""
    planned: list[PlannedAction] = []
    seen: dict[str, int] = {}
    indexed = [(k.order if (k := kind_of(a)) else 9, i, a) for i, a in enumerate(actions)]
    for _, _, action in sorted(indexed, key=lambda t: (t[0], t[1])):
        kind = kind_of(action)
        if kind is None:
            continue
        purpose = _purpose(action)
        n = seen.get(f"{kind}|{purpose}", 0)
        seen[f"{kind}|{purpose}"] = n + 1
        if n:
            purpose = f"{purpose}#{n}"
        planned.append(
            PlannedAction(
                action_id_for(issue_id, kind.value, trigger_id, purpose),
                kind,
                action,
                len(planned),
            )
        )
    return planned


def action_payload(p: PlannedAction, finish: Finish, signature: str = "") -> dict[str, Any]:
    a = p.action
    data: dict[str, Any] = {"seq": p.seq, "finish": finish.to_json()}
    if isinstance(a, PublicReply):
        data.update(body=a.body, purpose=a.purpose, faq_id=a.faq_id)
        if signature:
            data["signature"] = signature  # the loop signature across tickets
    elif isinstance(a, InternalNote):
        data.update(body=a.body, purpose=a.purpose)
    elif isinstance(a, Reroute):
        data.update(source=str(a.source), target=str(a.target))
    elif isinstance(a, Transition):
        data.update(to=a.to)
    return data


def action_from_record(rec: ActionRecord) -> PlannedAction | None:
    """Rebuild a planned action from its ledger row (reconciliation)."""
    p = rec.payload
    action: Action
    try:
        kind = Kind(rec.kind)
        if kind is Kind.PUBLIC_REPLY:
            action = PublicReply(
                str(p["body"]), faq_id=p.get("faq_id"), purpose=str(p.get("purpose", "faq"))
            )
        elif kind is Kind.INTERNAL_NOTE:
            action = InternalNote(str(p["body"]), purpose=str(p.get("purpose", "note")))
        elif kind is Kind.REROUTE:
            action = Reroute(Target.parse(str(p["source"])), Target.parse(str(p["target"])))
        else:
            action = Transition(str(p["to"]))
    except (KeyError, ValueError):
        return None
    return PlannedAction(rec.action_id, kind, action, int(p.get("seq", 0)))


def plan_from_records(records: Iterable[ActionRecord]) -> list[PlannedAction]:
    return sorted(
        (p for p in (action_from_record(r) for r in records) if p is not None),
        key=lambda p: p.seq,
    )


def finish_of(rec: ActionRecord) -> Finish:
    return Finish.from_json(rec.payload.get("finish"))


def finish_for(
    decision: Decision,
    planned: Sequence[PlannedAction],
    trigger: str,
    config: RoutingConfig,
    *,
    followup: bool,
    prev: TicketState | None,
) -> Finish:
    """The record, labels and conversation status that a fully done plan leaves."""
    labels = [config.labels.handled]
    labels += [a.label for a in decision.actions if isinstance(a, AddLabel)]
    asks = sum(
        1 for p in planned if isinstance(p.action, PublicReply) and p.action.purpose in ASK_PURPOSES
    )
    transitions = {p.action.to for p in planned if isinstance(p.action, Transition)}
    reminded = any(
        isinstance(p.action, PublicReply) and p.action.purpose == "reminder" for p in planned
    )
    if asks:
        status = Status.WAITING_BROWSER.value
    elif "waiting_for_support" in transitions:
        status = Status.HANDED_OVER.value
    elif followup and reminded:
        status = Status.REMINDED.value
    elif followup:
        status = prev.status if prev else ""
    else:
        status = Status.DONE.value
    return Finish(
        labels=tuple(dict.fromkeys(labels)),
        status=status,
        asks_added=asks,
        category=decision.category.value if decision.category else "",
        trigger=trigger,
        faq=decision.reply_faq or "",
    )


def trigger_for(
    decision: Decision, ticket: Ticket, prev: TicketState | None, *, followup: bool
) -> str:
    if decision.trigger_id:
        return decision.trigger_id
    if followup and prev and prev.waiting_since:
        return f"followup:{prev.waiting_since.isoformat()}"
    return ticket.updated.isoformat() if ticket.updated else "created"


def status_name(config: RoutingConfig, to: str) -> str:
    """The Jira status name configured for a transition target."""
    wf = config.workflow
    if to == "waiting_for_customer":
        return wf.status_waiting_customer
    if to == "waiting_for_support":
        return wf.status_waiting_support
    return to


# --------------------------------------------------------------------------- loop guards


class Hold(enum.StrEnum):
    """Why a public reply was not sent as planned."""

    TICKET_CAP = "ticket_cap"  # too many public replies on this ticket: note for agents
    SAME_TEXT = "same_text"  # the bot already said exactly this on the ticket: a loop
    SAME_REPORTER = "same_reporter"  # this reporter, this text, answered on other tickets
    BREAKER = "breaker"  # hourly cap reached: the whole ticket waits (deferred)


@dataclass(frozen=True, slots=True)
class GuardCounts:
    """What the guards need to know, read before planning."""

    sent_last_hour: int = 0  # public replies confirmed across all tickets in the window
    same_reporter_text: int = 0  # ... on other tickets with this ticket's loop signature


@dataclass(frozen=True, slots=True)
class Guarded:
    """The actions allowed to run, and why any public reply was held."""

    actions: tuple[Action, ...]
    held: tuple[Hold, ...] = ()
    deferred: bool = False  # the breaker holds a public reply: run nothing now
    breaker: bool = False  # the hourly cap is reached


def _strip(body: str) -> str:
    return " ".join(MARKER_RE.sub("", body).split()).casefold()


class RecentReplies:
    """The tickets each loop signature got a public reply on within ``window`` seconds:
    what :func:`guard` counts as ``GuardCounts.same_reporter_text``. Entries older than
    the window are dropped as new ones come in, so memory stays bounded by the
    replies of one window whatever the length of the run. Not thread-safe."""

    def __init__(self, window: float = 3600.0) -> None:
        self.window = window
        self._by_signature: dict[str, dict[str, float]] = {}
        self._log: deque[tuple[float, str, str]] = deque()  # (at, signature, ticket)

    def add(self, signature: str, ticket_id: str, at: float) -> None:
        self._expire(at)
        self._by_signature.setdefault(signature, {})[ticket_id] = at
        self._log.append((at, signature, ticket_id))

    def others(self, signature: str, ticket_id: str, now: float) -> int:
        """Replies within the window on tickets other than ``ticket_id``."""
        self._expire(now)
        seen = self._by_signature.get(signature, {})
        return sum(1 for tid in seen if tid != ticket_id)

    def __len__(self) -> int:
        return len(self._log)

    def _expire(self, now: float) -> None:
        horizon = now - self.window
        while self._log and self._log[0][0] < horizon:
            at, signature, tid = self._log.popleft()
            seen = self._by_signature.get(signature)
            if seen is not None and seen.get(tid) == at:  # not answered again since
                del seen[tid]
                if not seen:
                    del self._by_signature[signature]


def loop_signature(ticket: Ticket) -> str:
    """The same reporter with the same text, across tickets ("" without a reporter or
    a text): an auto-responder that opens a new ticket for each reply of the bot has
    one signature, whatever the keys."""
    who = (ticket.reporter.account_id or ticket.reporter.email).strip().casefold()
    text = _strip(f"{ticket.summary}\n{ticket.description}")
    if not who or not text:
        return ""
    return hashlib.sha256(f"{who}\x00{text}".encode()).hexdigest()[:24]


def guard(
    decision: Decision,
    ticket: Ticket,
    counts: GuardCounts,
    config: RoutingConfig,
    *,
    bot_account: str = "",
) -> Guarded:
    """Apply the loop guards to a decision (pure).

    * hourly cap across tickets reached → the breaker is open: a plan with a public
      reply is *deferred* whole (nothing runs, the ticket stays pending and is answered
      once the window allows or an operator runs ``routerbot breaker reset``);
    * per-ticket cap, a reply whose text the bot already posted on this ticket, or
      ``max_replies_per_reporter_text`` replies already sent in the hour to the same
      reporter on other tickets with the same text (:func:`loop_signature`) → the reply
      becomes an internal note for the agents saying why, and a "waiting for customer"
      transition is dropped (no question went out).
    """
    lg = config.loop_guard
    breaker = counts.sent_last_hour >= lg.max_public_replies_per_hour
    replies = [a for a in decision.actions if isinstance(a, PublicReply)]
    if not replies:
        return Guarded(tuple(decision.actions), breaker=breaker)
    if breaker:
        return Guarded(tuple(decision.actions), (Hold.BREAKER,), deferred=True, breaker=True)
    bot_public = [
        c for c in ticket.comments if c.public and _by_bot(c.author, c.author_id, bot_account)
    ]
    already = len(bot_public)
    said = {_strip(c.body) for c in bot_public}
    texts = config.texts
    out: list[Action] = []
    held: list[Hold] = []
    for a in decision.actions:
        if not isinstance(a, PublicReply):
            out.append(a)
            continue
        if already >= lg.max_public_replies_per_ticket:
            reason, why = (
                Hold.TICKET_CAP,
                texts.held_ticket_cap.format(cap=lg.max_public_replies_per_ticket),
            )
        elif _strip(a.body) in said:
            reason, why = Hold.SAME_TEXT, texts.held_same_text
        elif counts.same_reporter_text >= lg.max_replies_per_reporter_text:
            reason = Hold.SAME_REPORTER
            why = texts.held_same_reporter.format(count=counts.same_reporter_text)
        else:
            already += 1
            out.append(a)
            continue
        held.append(reason)
        out.append(
            InternalNote(
                texts.reply_held.format(reason=why, body=a.body), purpose=f"held_{a.purpose}"
            )
        )
    if held and not any(isinstance(a, PublicReply) for a in out):
        # no question went out: do not leave the ticket waiting for an answer
        out = [a for a in out if not (isinstance(a, Transition) and a.to == "waiting_for_customer")]
    return Guarded(tuple(out), tuple(held))
