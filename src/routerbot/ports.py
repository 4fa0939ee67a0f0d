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
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    error: str = ""  # part of the ticket could not be read (e.g. a comment page): retry


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

    def start_move(self, key: str, target: Target) -> str:
        """Submit the move to another service desk; returns the task id at once."""
        ...

    def move_progress(self, task_id: str) -> MoveProgress:
        """Where a submitted move stands (one read; never waits)."""
        ...

    def transition(self, key: str, status: str) -> bool:
        """Move to the status named in config; False when no such transition is open
        (for instance because the ticket is already there)."""
        ...

    def save_record(
        self,
        key: str,
        record: BotRecord,
        *,
        add_labels: Sequence[str] = (),
        request_type: str = "",
    ) -> None:
        """Write routerbot's record (issue property), labels and, after a move, the
        request type, in one idempotent update."""
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
    ticket_id: str = ""  # the ticket's stable id (survives a move); "" in old rows


@dataclass(frozen=True, slots=True)
class Intent:
    """An action to record before acting (the outbox row)."""

    action_id: str
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Opened:
    """What :meth:`StateStore.open_ticket` found and did, in one transaction.

    ``records``: every ledger row of the ticket as it stood *before* this call (under
    any of its keys); ``fresh``: the intents this call inserted (never attempted, so
    no marker check is needed before acting on them)."""

    lease: Lease
    records: dict[str, ActionRecord]
    fresh: frozenset[str] = frozenset()

    def unfinished(self) -> list[ActionRecord]:
        return [
            r
            for r in self.records.values()
            if r.state in (ActionState.PLANNED, ActionState.IN_FLIGHT)
        ]


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
    failures: int = 0  # failed handlings in a row (poison isolation)
    parked_until: datetime | None = None  # set aside until then (``routerbot parked``)
    last_error: str = ""


class MoveState(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class MoveProgress:
    """Where a bulk move stands. ``ref`` (when DONE) addresses the moved ticket: its new
    key when known, else its id (Jira accepts either)."""

    state: MoveState
    ref: str = ""
    error: str = ""


class StateStore(Protocol):
    """Cursor, per-ticket state and the action ledger. Errors: ``StateStoreError``."""

    def now(self) -> datetime:
        """The store's clock (the database's ``now()`` on PostgreSQL): shared instants
        such as the Retry-After gate are on it."""
        ...

    def get_cursor(self, name: str) -> datetime | None: ...

    def set_cursor(self, name: str, value: datetime) -> None:
        """Move the cursor forward (an older value is ignored)."""
        ...

    def reset_cursor(self, name: str, value: datetime | None = None) -> None:
        """Set the cursor even backwards (None: forget it)."""
        ...

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
        self,
        action_id: str,
        key: str,
        kind: str,
        payload: dict[str, Any],
        lease: Lease,
        *,
        ticket_id: str = "",
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

    # -- the executor's few transactions per ticket --------------------------------

    def open_ticket(
        self, ticket_id: str, key: str, owner: str, ttl_seconds: float, intents: Sequence[Intent]
    ) -> Opened | None:
        """Claim the lease, read the ledger, record the intents: one transaction.
        None when another live owner holds the ticket."""
        ...

    def fence(self, lease: Lease, ttl_seconds: float) -> Lease:
        """Raise ``LeaseLost`` unless ``lease`` is live; renews it past half its TTL."""
        ...

    def note_ref(self, lease: Lease, action_id: str, ref: str) -> None:
        """Remember an in-flight action's external reference (a bulk-move task id)."""
        ...

    def settle(
        self,
        lease: Lease,
        *,
        done: Mapping[str, str] | None = None,
        failed: Mapping[str, str] | None = None,
        states: Sequence[TicketState] = (),
        release: bool = True,
    ) -> None:
        """Confirmations, ticket states and the lease release in one fenced transaction."""
        ...

    def get_tickets(self, keys: Sequence[str]) -> dict[str, TicketState]: ...

    def expire_dead_owners(self, host: str, alive: Callable[[int], bool], me: str) -> list[str]:
        """Expire leases of this host's dead processes (owner ``{host}-{pid}``)."""
        ...

    def parked_tickets(self) -> list[TicketState]: ...

    def unpark(self, key: str) -> bool: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- clock


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        wait_seconds(seconds)


def wait_seconds(seconds: float) -> None:
    """Sleep on the monotonic clock through a condition wait, not ``time.sleep``: the
    same wait, and it also works where the wall clock is shifted for the process
    (libfaketime 0.9.10 makes ``time.sleep`` fail with EINVAL; the soak's skewed
    replica runs under it)."""
    if seconds > 0:
        threading.Event().wait(seconds)
