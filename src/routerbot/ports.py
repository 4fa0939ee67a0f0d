"""Ports: the roles the service needs from the outside world, named after the role.

Implementations:

* :class:`ServiceDesk` — ``routerbot.jsm.adapter.JiraServiceDesk`` (Jira Cloud over
  HTTP; also what talks to the sandbox), and the in-memory sandbox model for unit-level
  service tests.
* :class:`TicketHistorySource` — ``JiraServiceDesk`` too (search with the changelog).
* :class:`StateStore` — ``routerbot.store.SqlStateStore`` (SQLite by default,
  PostgreSQL for several replicas).
* :class:`Clock` — ``SystemClock`` below; tests pass a fake.

Nothing here does I/O. The composition root (``routerbot.bootstrap``) picks the
implementations.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from routerbot.domain import Target, Ticket, TicketHistory

# --------------------------------------------------------------------------- service desk


@dataclass(frozen=True, slots=True)
class BotRecord:
    """What routerbot keeps on the ticket itself (an issue property).

    Jira is the source of truth for what was done: ``done`` holds the ids of the
    actions already carried out on this ticket (bounded, newest last).
    """

    done: tuple[str, ...] = ()
    asks: int = 0
    state: str = ""  # "", "waiting_browser", "handed_over", "answered", ...
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TicketSnapshot:
    """A ticket as read from the service desk, with routerbot's own record on it."""

    ticket: Ticket
    record: BotRecord = field(default_factory=BotRecord)


class ServiceDesk(Protocol):
    """The help desk the bot works on. Errors are ``routerbot.errors.ServiceDeskError``."""

    def whoami(self) -> str:
        """The bot account's id (used to recognise its own comments)."""
        ...

    def poll(self, updated_since: datetime | None) -> Iterator[TicketSnapshot]:
        """Every open request of the configured desks updated at or after the given
        instant (with the adapter's overlap window), oldest first, all pages."""
        ...

    def get(self, key: str) -> TicketSnapshot:
        """A fresh read of one request, with all its comments (public and internal)."""
        ...

    def post_comment(self, key: str, body: str, *, public: bool) -> str:
        """Add a comment; returns its id. Never retried blindly by the adapter."""
        ...

    def set_request_type(self, key: str, request_type: str) -> None:
        """Change the request type within the same service desk (idempotent)."""
        ...

    def move(self, key: str, target: Target) -> str:
        """Move the request to another service desk and request type; returns its key
        after the move (Jira gives moved issues a new key)."""
        ...

    def transition(self, key: str, status: str) -> bool:
        """Move to the status named in config; False when no such transition is open
        (for instance because the ticket is already there)."""
        ...

    def save_record(self, key: str, record: BotRecord, *, add_labels: Sequence[str] = ()) -> None:
        """Write routerbot's record (issue property) and labels in one idempotent update."""
        ...


@runtime_checkable
class TicketHistorySource(Protocol):
    """Past tickets with their whole story, for the lead's tools (``export``, ``report``)
    and the undo metric. Read only. Errors are ``routerbot.errors.ServiceDeskError``."""

    def projects(self) -> tuple[str, ...]:
        """The project keys of the configured desks (to build a JQL query)."""
        ...

    def history(self, jql: str, *, limit: int | None = None) -> Iterator[TicketHistory]:
        """Tickets matching ``jql`` (open or resolved), every comment, public and
        internal, and the changes of their location, in the query's order."""
        ...


# --------------------------------------------------------------------------- state store


class ActionState(enum.StrEnum):
    PLANNED = "planned"  # intent recorded, not yet attempted
    IN_FLIGHT = "in_flight"  # attempted, outcome unknown until confirmed
    DONE = "done"
    FAILED = "failed"  # definitive refusal; needs a human


@dataclass(frozen=True, slots=True)
class Lease:
    """A claim on one ticket. ``epoch`` fences stale owners."""

    key: str
    owner: str
    epoch: int
    until: datetime


@dataclass(frozen=True, slots=True)
class ActionRecord:
    action_id: str
    key: str
    kind: str
    payload: dict[str, Any]
    state: ActionState
    attempts: int = 0
    external_ref: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class TicketState:
    """What the store remembers of a ticket between polls."""

    key: str
    last_updated: datetime | None = None  # the ticket's ``updated`` when last handled
    last_trigger: str = ""  # id of the comment (or "created") last answered
    asks: int = 0
    status: str = ""  # "", "waiting_browser", "reminded", "handed_over", "done"
    waiting_since: datetime | None = None
    category: str = ""


class StateStore(Protocol):
    """Cursor, per-ticket state and the action ledger. Errors: ``StateStoreError``."""

    def get_cursor(self, name: str) -> datetime | None: ...

    def set_cursor(self, name: str, value: datetime) -> None: ...

    def get_ticket(self, key: str) -> TicketState | None: ...

    def put_ticket(self, state: TicketState, lease: Lease | None = None) -> None:
        """Save the ticket state; with a lease, raises ``LeaseLost`` if fenced out."""
        ...

    def waiting_tickets(self) -> list[TicketState]:
        """Tickets waiting for the customer's answer (follow-up job)."""
        ...

    def claim(self, key: str, owner: str, ttl_seconds: float) -> Lease | None:
        """Take the ticket's lease (None if another live owner has it)."""
        ...

    def release(self, lease: Lease) -> None: ...

    def renew(self, lease: Lease, ttl_seconds: float) -> Lease:
        """Extend a live lease (same epoch); raises ``LeaseLost`` if it is gone."""
        ...

    def try_lead(self, name: str, owner: str, ttl_seconds: float) -> bool:
        """Leader lease (one poller among replicas): True while ``owner`` holds it."""
        ...

    def resign(self, name: str, owner: str) -> None:
        """Give up the leader lease on a clean stop."""
        ...

    def stats(self) -> dict[str, int]:
        """Number of actions in each state (for the ledger-backlog metric)."""
        ...

    def record_intent(
        self, action_id: str, key: str, kind: str, payload: dict[str, Any], lease: Lease
    ) -> ActionRecord:
        """Insert a PLANNED action unless it exists; returns the stored record."""
        ...

    def mark_in_flight(self, action_id: str, lease: Lease) -> ActionRecord: ...

    def mark_done(self, action_id: str, lease: Lease | None, external_ref: str = "") -> None: ...

    def mark_failed(self, action_id: str, lease: Lease | None, error: str) -> None: ...

    def unfinished_actions(self, older_than: datetime | None = None) -> list[ActionRecord]:
        """PLANNED or IN_FLIGHT actions, for reconciliation at start-up."""
        ...

    def actions_for(self, key: str) -> list[ActionRecord]: ...

    def count_public_replies_since(self, since: datetime) -> int: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- clock


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
