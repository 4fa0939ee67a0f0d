"""Follow-ups: reminders and hand-overs for tickets waiting for the customer's answer.

Which tickets wait comes from the state store, and — so that a lost or restored
database loses no follow-up — from the ticket itself: the ``routerbot`` issue property
written with every plan says ``state = "waiting_browser"`` and since when
(:func:`state_from_record`). What to do is the engine's ``decide_followup`` (pure); the
service executes it through the ledger like any other decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from routerbot.config import RoutingConfig
from routerbot.domain import Decision
from routerbot.planning import Status
from routerbot.ports import Clock, ServiceDesk, TicketSnapshot, TicketState

DecideFollowup = Callable[..., Decision]
WAITING = frozenset({Status.WAITING_BROWSER.value, Status.REMINDED.value})


def state_from_record(snap: TicketSnapshot) -> TicketState | None:
    """The conversation state kept on the ticket (issue property), for a ticket the
    local store does not know (new replica, lost or restored database)."""
    record = snap.record
    if record.state not in WAITING and not record.asks:
        return None
    since = _instant(record.extra.get("waiting_since"))
    if since is None:
        since = snap.ticket.updated
    return TicketState(
        key=snap.ticket.key,
        last_updated=None,
        last_trigger=str(record.extra.get("trigger") or ""),
        asks=record.asks,
        status=record.state,
        waiting_since=since if record.state in WAITING else None,
        category=str(record.extra.get("category") or ""),
    )


def newer_state(prev: TicketState, snap: TicketSnapshot) -> TicketState:
    """The store's state, unless the ticket's own record says otherwise.

    The record is written on the ticket with every plan, before the store settles, so
    when the two disagree (another trigger, another conversation state) the store is
    the older one: restored from a backup, or cut before it settled. Then the record's
    conversation state wins (a customer who answered after the backup gets no reminder;
    one asked after it is followed up)."""
    record = snap.record
    trigger = str(record.extra.get("trigger") or "")
    if not record.state and not trigger:
        return prev  # nothing recorded on the ticket (older tickets, dry runs)
    if record.state == prev.status and trigger == prev.last_trigger:
        return prev
    waiting = record.state in WAITING
    since = _instant(record.extra.get("waiting_since")) or snap.ticket.updated
    return replace(
        prev,
        last_trigger=trigger or prev.last_trigger,
        asks=record.asks,
        status=record.state,
        waiting_since=since if waiting else None,
        category=str(record.extra.get("category") or prev.category),
    )


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class FollowUps:
    """Reads a waiting ticket and asks the engine whether to remind or hand over."""

    def __init__(
        self,
        desk: ServiceDesk,
        decide_followup: DecideFollowup,
        clock: Clock,
        config: Callable[[], RoutingConfig],
    ) -> None:
        self.desk = desk
        self._decide = decide_followup
        self.clock = clock
        self._config = config

    def decide(self, state: TicketState) -> tuple[TicketSnapshot, Decision]:
        snap = self.desk.get(state.key)
        decision = self._decide(
            snap.ticket,
            asks=state.asks,
            reminded=state.status == Status.REMINDED,
            waiting_since=state.waiting_since,
            now=self.clock.now(),
            config=self._config(),
        )
        return snap, decision
