"""The triage service: decides (pure engine), guards and plans (:mod:`routerbot.planning`,
pure), and executes through the ledger (:mod:`routerbot.ledger`, exactly once), with
follow-ups for waiting tickets (:mod:`routerbot.followups`).

Per ticket::

    prev state (batched per poll page) → unchanged / parked? → decide → guard → plan
    open_ticket: lease + ledger + intents                          (1 transaction)
    an earlier plan unfinished → finish it first (marker checks), then decide again
    act (a move is submitted and confirmed later: the ticket is MOVING meanwhile)
    record on the ticket, then settle: confirmations + state + release (1 transaction)

Loop guards (:func:`routerbot.planning.guard`): a per-ticket cap and a loop signature
(the same text twice) turn a public reply into a note for the agents; the global hourly
cap opens a *breaker* that **defers** public replies (the ticket stays pending and is
answered once the window allows or after ``routerbot breaker reset``), loudly: ERROR
log ``breaker.deferred``, ``routerbot_breaker_open`` = 1, ``/readyz`` detail.

Poison isolation: a ticket that fails to be read or written ``PARK_AFTER`` times in a
row is parked with a growing backoff (``routerbot parked`` lists it; ``--retry``
brings it back); every other ticket goes on. Dry run decides and logs, writes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from routerbot import engine
from routerbot.chaos import crash_point
from routerbot.config import RoutingConfig
from routerbot.domain import AuthorRole, Decision, PublicReply, Ticket
from routerbot.errors import LeaseLost, NotFound, StateStoreError, TransientError
from routerbot.followups import DecideFollowup, FollowUps, newer_state, state_from_record
from routerbot.ledger import LedgerExecutor, Run, RunResult, safe_error
from routerbot.observability import Metrics, action_label, get_logger, ticket_triaged_fields
from routerbot.planning import (
    MARKER_RE,
    Finish,
    GuardCounts,
    Kind,
    Outcome,
    RecentReplies,
    action_id_for,
    action_payload,
    finish_for,
    finish_of,
    guard,
    loop_signature,
    marker_for,
    plan_actions,
    plan_from_records,
    trigger_for,
)
from routerbot.ports import (
    ActionRecord,
    Clock,
    Intent,
    Lease,
    Opened,
    ServiceDesk,
    StateStore,
    SystemClock,
    TicketSnapshot,
    TicketState,
    wait_seconds,
)

__all__ = [
    "MARKER_RE",
    "Outcome",
    "TriageResult",
    "TriageService",
    "action_id_for",
    "marker_for",
]

BREAKER_RESET_CURSOR = "breaker_reset"
PARK_AFTER = 3  # failed handlings in a row before a ticket is parked
PARK_MAX = timedelta(hours=6)
_COUNT_TTL = 2.0  # seconds the hourly reply count is reused before it is read again

Decide = Any  # Callable[[Ticket, RoutingConfig], Decision]


@dataclass(frozen=True, slots=True)
class TriageResult:
    """What happened to one ticket. ``executed`` lists what was carried out in this call
    (``reroute:4/87``, ``reply:faq:nous-contacter``…); ``planned`` what the decision asks
    for (what a dry run would do)."""

    decision: Decision
    executed: list[str]
    key: str
    outcome: Outcome
    dry_run: bool = False
    planned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry_after: float | None = None
    updated: datetime | None = None  # the ticket's ``updated`` as polled (the cursor)
    polled: str = ""  # the key it was polled under (``key`` is the new one after a move)

    @property
    def handled(self) -> bool:
        """True when the poll cursor may move past this ticket."""
        return self.outcome.handled


def _default_decide(ticket: Ticket, config: RoutingConfig) -> Decision:
    return engine.decide(ticket, config)


def _default_decide_followup(ticket: Ticket, **kwargs: Any) -> Decision:
    return engine.decide_followup(ticket, **kwargs)


class TriageService:
    """Decides and executes, exactly once per action. Thread-safe per ticket (leases)."""

    def __init__(
        self,
        service_desk: ServiceDesk,
        store: StateStore,
        config: RoutingConfig,
        *,
        owner: str,
        clock: Clock | None = None,
        metrics: Metrics | None = None,
        lease_seconds: float = 15.0,
        dry_run: bool = False,
        decide: Decide | None = None,
        decide_followup: DecideFollowup | None = None,
        settle_seconds: float = 30.0,
        logger: Any = None,
    ) -> None:
        self.desk = service_desk
        self.store = store
        self.config = config  # swapped by the daemon's hot reload
        self.owner = owner
        self.clock: Clock = clock or SystemClock()
        self.metrics = metrics or Metrics()
        self.lease_seconds = lease_seconds
        self.dry_run = dry_run
        self._decide = decide or _default_decide
        self.settle = timedelta(seconds=settle_seconds)
        self.log = logger or get_logger("routerbot.service")
        self._breaker = False
        self._seen_dry: dict[str, datetime | None] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._bot = ""
        self._states: dict[str, TicketState | None] = {}
        self._count: tuple[float, int] | None = None
        # loop signature -> the tickets this process answered in the last hour
        self._replied = RecentReplies()
        self._moving: dict[str, Run] = {}  # pending moves, owned by no worker
        self._mlock = threading.Lock()
        self.ledger = LedgerExecutor(
            service_desk,
            store,
            metrics=self.metrics,
            clock=self.clock,
            log=self.log,
            lease_seconds=lease_seconds,
            config=lambda: self.config,
            bot_account=self.bot_account,
        )
        self.followups = FollowUps(
            service_desk,
            decide_followup or _default_decide_followup,
            self.clock,
            lambda: self.config,
        )

    # ------------------------------------------------------------------ public API

    @property
    def config_hash(self) -> str:
        return self.config.config_hash

    @property
    def breaker_open(self) -> bool:
        return self._breaker

    def bot_account(self) -> str:
        """The bot's account id (its own comments are recognised by it)."""
        if not self._bot:
            try:
                self._bot = self.desk.whoami()
            except Exception:  # the role on each comment still tells
                return ""
        return self._bot

    def prefetch(self, keys: Sequence[str]) -> None:
        """Read the stored states of a poll page in one query (instead of one each)."""
        if self.dry_run or not keys:
            return
        found = self.store.get_tickets(list(keys))
        with self._lock:
            self._states = {k: found.get(k) for k in keys}  # None: known to be new

    def triage(self, key: str, *, apply: bool) -> TriageResult:
        """``routerbot triage KEY [--apply]``: a fresh read, a decision, and with
        ``apply`` the actions carried out (else nothing is written anywhere)."""
        snap = self.desk.get(key)
        if not apply or self.dry_run:
            return self._dry(snap, None)
        result = self.handle(snap, force=True)
        if result.outcome is Outcome.MOVING:
            result = self._wait_moves(result, 120.0)
        return result

    def handle(  # noqa: PLR0911  # one return per early outcome
        self, snap: TicketSnapshot, *, force: bool = False
    ) -> TriageResult:
        """Decide and execute one polled ticket."""
        ticket = snap.ticket
        if self.dry_run:
            with self._lock:
                if (
                    not force
                    and ticket.key in self._seen_dry
                    and (self._seen_dry[ticket.key] == ticket.updated)
                ):
                    return self._unchanged(ticket)
                self._seen_dry[ticket.key] = ticket.updated
            return self._dry(snap, None)
        prev = self._state(ticket.key)
        if (
            not force
            and prev is not None
            and prev.parked_until is not None
            and prev.parked_until > self.clock.now()
        ):
            return self._simple(ticket, Outcome.PARKED, "parked after repeated failures")
        if (
            not force
            and prev is not None
            and ticket.updated is not None
            and prev.last_updated == ticket.updated
        ):
            return self._unchanged(ticket)
        if not force and not snap.error and self._only_own_writes(snap, prev):
            # the bot's own writes bumped ``updated``: nothing to decide again
            return self._unchanged(ticket, "only the bot's own writes since last handled")
        if snap.error:
            return self._failure(ticket, prev, snap.error)
        # a store that lost the ticket, or restored from an older copy: the ticket remembers
        prev = state_from_record(snap) if prev is None else newer_state(prev, snap)
        try:
            decision = self._decide(ticket, self.config)
        except Exception as exc:  # a bug in the engine must not stall the whole poll
            self.log.exception("ticket.decide_failed", key=ticket.key, error=safe_error(exc))
            return self._simple(ticket, Outcome.FAILED, "decision failed")
        return self._execute(snap, decision, prev, followup=False)

    def follow_up(self, state: TicketState) -> TriageResult | None:
        """Reminder or hand-over for a ticket waiting for the customer's answer."""
        snap, decision = self.followups.decide(state)
        if decision.skipped and not self.dry_run:
            return None
        if self.dry_run:
            return self._dry(snap, decision)
        return self._execute(snap, decision, state, followup=True)

    def reconcile(self, *, older_than: datetime | None = None) -> list[TriageResult]:
        """Finish every unfinished plan (start-up, and on each poll for settled ones)."""
        if self.dry_run:
            return []
        tickets: dict[str, str] = {}
        for rec in self.store.unfinished_actions(older_than):
            ident = rec.ticket_id or rec.key
            if not self._is_moving(ident):
                tickets.setdefault(ident, rec.key)
        results = []
        for ident, key in tickets.items():
            if self.stopping.is_set():
                break
            result = self._reconcile_one(ident, key)
            results.append(result)
            if result.outcome is Outcome.RATE_LIMITED:
                break  # Retry-After: no other request until it expires (the daemon waits)
        return results

    # -- moves in flight ---------------------------------------------------------

    @property
    def moving(self) -> int:
        with self._mlock:
            return len(self._moving)

    def _is_moving(self, ident: str) -> bool:
        with self._mlock:
            return ident in self._moving

    def finish_moves(self, budget: float) -> list[TriageResult]:
        """On a clean stop: confirm the pending moves and finish their tickets, within
        ``budget`` seconds (what is left is released: the next run confirms it)."""
        deadline = time.monotonic() + budget
        results: list[TriageResult] = []
        while self.moving and time.monotonic() < deadline:
            due = self.next_move_check() or time.monotonic()
            wait_seconds(max(0.0, min(due, deadline) - time.monotonic()))
            results += [r for r in self.resume_moves(force=True) if r.outcome is not Outcome.MOVING]
        return results

    def resume_moves(self, *, due_only: bool = True, force: bool = False) -> list[TriageResult]:
        """Look at the pending moves whose next check is due; carry on the ones done."""
        now = time.monotonic()
        with self._mlock:
            due = [(i, r) for i, r in self._moving.items() if not due_only or r.next_check <= now]
            for ident, _ in due:
                del self._moving[ident]
        results = []
        for n, (_ident, run) in enumerate(due):
            if self.stopping.is_set() and not force:
                with self._mlock:
                    self._moving.update(dict(due[n:]))
                break
            results.append(self.resume_move(run))
        return results

    def due_moves(self, limit: int) -> list[Run]:
        """Take up to ``limit`` pending moves whose next check is due, for the caller to
        hand each to :meth:`resume_move` (a worker pool: a move's checks and the rest of
        its plan do not hold up the other tickets). None once stopping."""
        if limit <= 0 or self.stopping.is_set():
            return []
        now = time.monotonic()
        with self._mlock:
            due = [r for r in self._moving.values() if r.next_check <= now]
            due.sort(key=lambda r: r.next_check)
            taken = due[:limit]
            for run in taken:
                del self._moving[run.ticket_id]
        return taken

    def resume_move(self, run: Run) -> TriageResult:
        """One look at a pending move (taken by :meth:`due_moves`); once it is done, the
        rest of the plan. MOVING again puts it back among the pending moves."""
        try:
            return self._conclude(self.ledger.run(run))
        except LeaseLost:
            return self._lease_lost(run.snap.ticket)
        except BaseException:
            self._settle_run(run)
            raise

    def next_move_check(self) -> float | None:
        """Monotonic time of the earliest due check of a pending move."""
        with self._mlock:
            return min((r.next_check for r in self._moving.values()), default=None)

    def renew_moves(self) -> None:
        """Heartbeat: keep the leases of pending moves alive (past half their TTL)."""
        with self._mlock:
            runs = list(self._moving.items())
        for ident, run in runs:
            try:
                run.lease = self.store.fence(run.lease, self.lease_seconds)
            except LeaseLost:
                with self._mlock:
                    self._moving.pop(ident, None)

    def release_moves(self) -> list[TriageResult]:
        """Give back the leases of moves still pending (the ledger keeps their task ids:
        the next run confirms them). Returns them as PENDING."""
        with self._mlock:
            runs = list(self._moving.values())
            self._moving.clear()
        results = []
        for run in runs:
            self._settle_run(run)
            results.append(
                TriageResult(
                    run.decision,
                    list(run.executed),
                    run.snap.ticket.key,
                    Outcome.PENDING,
                    planned=[p.label for p in run.planned],
                    updated=run.snap.ticket.updated,
                    polled=run.snap.ticket.key,
                )
            )
        return results

    def _settle_run(self, run: Run) -> None:
        try:
            self.store.settle(run.lease, done=run.done, failed=run.failed)
        except StateStoreError:
            self.log.warning("ticket.release_failed", key=run.snap.ticket.key)

    def _wait_moves(self, first: TriageResult, budget: float) -> TriageResult:
        deadline = time.monotonic() + budget
        result = first
        while self.moving and time.monotonic() < deadline and not self.stopping.is_set():
            due = self.next_move_check() or time.monotonic()
            self.stopping.wait(max(0.0, due - time.monotonic()))
            for r in self.resume_moves():
                result = r
        return result

    # ------------------------------------------------------------------ the main path

    def _state(self, key: str) -> TicketState | None:
        with self._lock:
            if key in self._states:
                return self._states.pop(key)
        return self.store.get_ticket(key)

    def _execute(
        self,
        snap: TicketSnapshot,
        decision: Decision,
        prev: TicketState | None,
        *,
        followup: bool,
    ) -> TriageResult:
        ticket = snap.ticket
        ticket_id = ticket.issue_id or ticket.key
        intents: list[Intent] = []
        planned = []
        finish = Finish()
        if not decision.skipped:
            sent = self._sent_last_hour()
            signature = loop_signature(ticket) if _replies(decision) else ""
            same = self._same_reporter_text(signature, ticket_id)
            guarded = guard(
                decision,
                ticket,
                GuardCounts(sent, same),
                self.config,
                bot_account=self.bot_account(),
            )
            self._set_breaker(guarded.breaker, sent)
            if guarded.deferred:
                return self._deferred(decision, ticket, sent)
            for hold in guarded.held:
                self.metrics.replies_held.labels(reason=hold.value).inc()
                self.log.warning("reply.held", key=ticket.key, reason=hold.value, same=same)
            trigger = trigger_for(decision, ticket, prev, followup=followup)
            planned = plan_actions(ticket_id, trigger, guarded.actions)
            finish = finish_for(
                decision, planned, trigger, self.config, followup=followup, prev=prev
            )
            intents = [
                Intent(p.action_id, p.kind.value, action_payload(p, finish, signature))
                for p in planned
            ]
        opened = self.store.open_ticket(
            ticket_id, ticket.key, self.owner, self.lease_seconds, intents
        )
        if opened is None:
            self.log.debug("ticket.busy", key=ticket.key)
            return self._simple(ticket, Outcome.BUSY, "leased by another replica")
        crash_point("after_claim")
        crash_point("after_intent")
        try:
            wanted = {i.action_id for i in intents}
            earlier = [r for r in opened.unfinished() if r.action_id not in wanted]
            if earlier:
                return self._finish_earlier(snap, opened, earlier, prev, fresh_read=False)
            if decision.skipped:
                return self._skip(snap, decision, opened, prev)
            run = Run(
                snap,
                decision,
                planned,
                finish,
                opened.lease,
                dict(opened.records),
                opened.fresh,
                prev,
            )
            return self._conclude(self.ledger.run(run))
        except LeaseLost:
            return self._lease_lost(ticket)
        except BaseException:
            if not self._is_moving(ticket_id):
                self._release(opened.lease)
            raise

    def _finish_earlier(
        self,
        snap: TicketSnapshot | None,
        opened: Opened,
        unfinished: list[ActionRecord],
        prev: TicketState | None,
        *,
        fresh_read: bool,
    ) -> TriageResult:
        """Carry out what an earlier run intended, from the ledger alone; then, when it
        is done and a ticket was polled, decide again on a fresh read."""
        ident = opened.lease.key
        key = unfinished[0].key
        triggers = {finish_of(r).trigger for r in unfinished}
        plan_recs = [r for r in opened.records.values() if finish_of(r).trigger in triggers]
        planned = plan_from_records(plan_recs)
        finish = finish_of(unfinished[0])
        decision = Decision(
            key=key,
            category=None,
            category_confidence=0.0,
            population=None,
            target=None,
            actions=tuple(p.action for p in planned),
            reason="reconcile",
            trigger_id=finish.trigger,
        )
        if snap is None:
            try:
                snap = self.desk.get(ident)
            except NotFound:
                self.store.settle(
                    opened.lease, failed={r.action_id: "ticket not found" for r in unfinished}
                )
                return self._simple_key(key, Outcome.FAILED, "ticket gone")
            except TransientError as exc:
                self._release(opened.lease)
                outcome = Outcome.RATE_LIMITED if exc.retry_after is not None else Outcome.PENDING
                return TriageResult(
                    _skip_decision(key, "read failed"),
                    [],
                    key,
                    outcome,
                    retry_after=exc.retry_after,
                )
            fresh_read = True
        self.log.info("ticket.reconcile", key=snap.ticket.key, actions=[p.label for p in planned])
        run = Run(
            snap,
            decision,
            planned,
            finish,
            opened.lease,
            dict(opened.records),
            frozenset(),
            prev,
            event="ticket.reconciled",
            checked=snap if fresh_read else None,
        )
        return self._conclude(self.ledger.run(run))

    def _reconcile_one(self, ident: str, key: str) -> TriageResult:
        opened = self.store.open_ticket(ident, key, self.owner, self.lease_seconds, ())
        if opened is None:
            return self._simple_key(key, Outcome.BUSY, "leased by another replica")
        try:
            unfinished = opened.unfinished()
            if not unfinished:
                self._release(opened.lease)
                return self._simple_key(key, Outcome.DONE, "nothing to reconcile")
            prev = self.store.get_ticket(unfinished[0].key)
            return self._finish_earlier(None, opened, unfinished, prev, fresh_read=True)
        except LeaseLost:
            self.metrics.lease_lost.inc()
            return self._simple_key(key, Outcome.BUSY, "lease lost")
        except BaseException:
            if not self._is_moving(ident):
                self._release(opened.lease)
            raise

    def _skip(
        self, snap: TicketSnapshot, decision: Decision, opened: Opened, prev: TicketState | None
    ) -> TriageResult:
        """Nothing to do now. If the last plan's record never reached the ticket (a
        crash, or the record write kept failing), write it now; else remember the
        ticket's ``updated`` (the next poll with no change costs nothing)."""
        ticket = snap.ticket
        recovered = self._unrecorded_plan(snap, opened)
        if recovered is not None:
            self.log.info(
                "ticket.record_recovered",
                key=ticket.key,
                actions=[p.label for p in recovered.planned],
            )
            result = self._conclude(self.ledger.run(recovered), log=False)
            if not result.handled:
                return result
        else:
            base = prev or TicketState(key=ticket.key)
            state = replace(
                base, key=ticket.key, last_updated=ticket.updated, failures=0, parked_until=None
            )
            self.store.settle(opened.lease, states=[state])
        if self._own_write(ticket, prev):
            # the bot's own writes bumped ``updated``: already logged and counted once
            self.log.debug("ticket.own_write", key=ticket.key)
        else:
            self._count_decision(decision, ["skip"])
            self._log(decision, ticket.key, [], Outcome.SKIPPED, [])
        return TriageResult(decision, [], ticket.key, Outcome.SKIPPED, updated=ticket.updated)

    def _unrecorded_plan(self, snap: TicketSnapshot, opened: Opened) -> Run | None:
        done = [r for r in opened.records.values() if r.state.value == "done"]
        if not done:
            return None
        newest = max(done, key=lambda r: (r.updated is not None, r.updated or r.created))
        finish = finish_of(newest)
        plan = [r for r in done if finish_of(r) == finish]
        if all(r.action_id in snap.record.done for r in plan):
            return None
        decision = Decision(
            key=snap.ticket.key,
            category=None,
            category_confidence=0.0,
            population=None,
            target=None,
            actions=(),
            reason="record recovered",
            trigger_id=finish.trigger,
        )
        prev = self._state_for_recovery(snap)
        return Run(
            snap,
            decision,
            plan_from_records(plan),
            finish,
            opened.lease,
            dict(opened.records),
            frozenset(),
            prev,
            event="ticket.record_recovered",
        )

    def _state_for_recovery(self, snap: TicketSnapshot) -> TicketState | None:
        return self.store.get_ticket(snap.ticket.key)

    def _conclude(self, rr: RunResult, *, log: bool = True) -> TriageResult:
        run = rr.run
        ticket = run.snap.ticket
        labels = [p.label for p in run.planned]
        if rr.outcome is Outcome.MOVING:
            with self._mlock:
                self._moving[run.ticket_id] = run
            return TriageResult(
                run.decision,
                list(run.executed),
                ticket.key,
                Outcome.MOVING,
                planned=labels,
                updated=ticket.updated,
                polled=ticket.key,
            )
        with self._mlock:
            self._moving.pop(run.ticket_id, None)
        replies = sum(
            1 for p in run.planned if p.kind is Kind.PUBLIC_REPLY and p.label in run.executed
        )
        with self._lock:
            if replies and self._count is not None:
                self._count = (self._count[0], self._count[1] + replies)
            signature = loop_signature(ticket) if replies else ""
            if signature:
                now = self.clock.now().timestamp()
                self._replied.add(signature, run.ticket_id, now)
        if rr.outcome is Outcome.PENDING and rr.error:
            self._note_failure(ticket, run.prev, rr.error)
        if log:
            self._count_decision(run.decision, run.executed or ["none"])
            self._log(
                run.decision,
                ticket.key,
                run.executed,
                rr.outcome,
                run.failed_labels,
                event=run.event,
            )
        return TriageResult(
            run.decision,
            list(run.executed),
            run.jira_key,
            rr.outcome,
            planned=labels,
            failed=list(run.failed_labels),
            retry_after=rr.retry_after,
            updated=ticket.updated,
            polled=ticket.key,
        )

    # ------------------------------------------------------------------ failures & parking

    def _failure(self, ticket: Ticket, prev: TicketState | None, error: str) -> TriageResult:
        self.log.warning("ticket.read_failed", key=ticket.key, error=error[:300])
        parked = self._note_failure(ticket, prev, error)
        outcome = Outcome.PARKED if parked else Outcome.PENDING
        return self._simple(ticket, outcome, "read failed")

    def _note_failure(self, ticket: Ticket, prev: TicketState | None, error: str) -> bool:
        """Count one more failure in a row; park the ticket past ``PARK_AFTER``."""
        base = prev or TicketState(key=ticket.key)
        failures = base.failures + 1
        parked_until = None
        if failures >= PARK_AFTER:
            backoff = min(PARK_MAX, timedelta(minutes=2 ** (failures - PARK_AFTER)))
            parked_until = self.clock.now() + backoff
            self.metrics.parked.inc()
            self.log.error(
                "ticket.parked",
                key=ticket.key,
                failures=failures,
                until=parked_until.isoformat(),
                error=error[:300],
            )
        state = replace(
            base, key=ticket.key, failures=failures, parked_until=parked_until, last_error=error
        )
        try:
            self.store.put_ticket(state)
        except StateStoreError:
            self.log.warning("ticket.failure_not_saved", key=ticket.key)
        return parked_until is not None

    # ------------------------------------------------------------------ breaker

    def _sent_last_hour(self) -> int:
        now = self.clock.now().timestamp()
        if self._count is not None and 0 <= now - self._count[0] < _COUNT_TTL:
            return self._count[1]
        since = self.clock.now() - timedelta(hours=1)
        reset = self.store.get_cursor(BREAKER_RESET_CURSOR)
        if reset is not None and reset > since:
            n = 0  # an operator confirmed the burst: the hourly cap is lifted for an hour
        else:
            n = self.store.count_public_replies_since(since)
        self._count = (now, n)
        return n

    def _same_reporter_text(self, signature: str, ticket_id: str) -> int:
        """Other tickets with this loop signature (the same reporter, the same text) that
        this process answered in public in the last hour. Kept in memory, not read from
        the store: no extra transaction per ticket; a restart or another replica starts
        its own count, so a loop gets at most ``max_replies_per_reporter_text`` replies
        per process and hour before the agents get a note instead."""
        if not signature:
            return 0
        with self._lock:
            return self._replied.others(signature, ticket_id, self.clock.now().timestamp())

    def reset_breaker(self) -> None:
        """``routerbot breaker reset``: an operator confirms the burst is legitimate; the
        hourly cap is lifted for an hour (the per-ticket cap and the loop signature still
        hold), so every deferred reply goes out."""
        self.store.set_cursor(BREAKER_RESET_CURSOR, self.clock.now() + timedelta(microseconds=1))
        self._count = None

    def _deferred(self, decision: Decision, ticket: Ticket, sent: int) -> TriageResult:
        cap = self.config.loop_guard.max_public_replies_per_hour
        self.metrics.deferred.inc()
        self.log.error(
            "breaker.deferred",
            key=ticket.key,
            sent_last_hour=sent,
            cap=cap,
            detail="public reply deferred until the hourly window allows or "
            "`routerbot breaker reset`",
        )
        return TriageResult(
            decision,
            [],
            ticket.key,
            Outcome.DEFERRED,
            planned=[action_label(a) for a in decision.actions],
            updated=ticket.updated,
        )

    def _set_breaker(self, tripped: bool, sent: int) -> None:
        cap = self.config.loop_guard.max_public_replies_per_hour
        if tripped and not self._breaker:
            self.log.error(
                "breaker.open",
                sent_last_hour=sent,
                cap=cap,
                detail="public replies deferred; tickets stay pending",
            )
        elif not tripped and self._breaker:
            self.log.warning("breaker.closed", sent_last_hour=sent, cap=cap)
        self._breaker = tripped
        self.metrics.breaker_open.set(1 if tripped else 0)

    # ------------------------------------------------------------------ helpers

    def _only_own_writes(self, snap: TicketSnapshot, prev: TicketState | None) -> bool:
        """True when the ticket changed since the bot last handled it only by the bot's
        own writes of a plan that is recorded on the ticket, so deciding again would do
        nothing (the poll right after a burst re-reads every ticket the bot wrote on).

        All of: the bot's last plan (``prev.last_trigger``) is the one the ticket's record
        names; at least one comment came since the ``updated`` the bot last handled, and
        every such comment is the bot's and carries the marker of an action the record
        lists as done. Any other comment since then — a customer's reply, an agent's —
        and any bot comment not recorded yet (a crash before the record: the normal path
        recovers it) mean a decision as before. Comments are stamped by Jira as ``updated``
        is; one stamped at the very instant the bot last handled counts as new."""
        if (
            prev is None
            or not prev.last_trigger
            or prev.last_updated is None
            or snap.ticket.updated is None
            or snap.ticket.updated <= prev.last_updated
            or snap.record.extra.get("trigger") != prev.last_trigger
            or not snap.record.done
        ):
            return False
        since, bot = prev.last_updated, self._bot
        done = {d[:8] for d in snap.record.done}
        new = 0
        for comment in reversed(snap.ticket.comments):
            if comment.created is not None and comment.created < since:
                break
            mine = (
                comment.author_id == bot
                if (bot and comment.author_id)
                else comment.author is AuthorRole.BOT
            )
            marker = MARKER_RE.search(comment.body) if mine else None
            if comment.created is None or marker is None or marker.group(1) not in done:
                return False
            new += 1
        return new > 0

    def _own_write(self, ticket: Ticket, prev: TicketState | None) -> bool:
        """The ticket changed only because the bot wrote on it (its reply is the last
        word): recognised, neither logged nor counted again."""
        if prev is None or not prev.last_trigger:
            return False
        if not ticket.comments:
            return True
        last = ticket.comments[-1]
        bot = self._bot
        return (
            (last.author_id == bot) if (bot and last.author_id) else last.author is AuthorRole.BOT
        )

    def _release(self, lease: Lease) -> None:
        try:
            self.store.release(lease)
        except StateStoreError:
            self.log.warning("ticket.release_failed", key=lease.key)

    def _lease_lost(self, ticket: Ticket) -> TriageResult:
        self.metrics.lease_lost.inc()
        self.log.warning("ticket.lease_lost", key=ticket.key)
        return self._simple(ticket, Outcome.BUSY, "lease lost")

    def _dry(self, snap: TicketSnapshot, decision: Decision | None) -> TriageResult:
        ticket = snap.ticket
        if decision is None:
            decision = self._decide(ticket, self.config)
        if decision.skipped:
            actions = list(decision.actions)
        else:
            guarded = guard(
                decision,
                ticket,
                GuardCounts(0),
                self.config,
                bot_account=self._bot,
            )
            actions = list(guarded.actions)
        labels = [action_label(a) for a in actions]
        self._log(decision, ticket.key, [], Outcome.DRY_RUN, [], dry_run=True, planned=labels)
        self._count_decision(decision, ["skip"] if decision.skipped else labels or ["none"])
        return TriageResult(
            decision,
            [],
            ticket.key,
            Outcome.DRY_RUN,
            dry_run=True,
            planned=labels,
            updated=ticket.updated,
        )

    def _unchanged(
        self, ticket: Ticket, reason: str = "no change since last handled"
    ) -> TriageResult:
        return TriageResult(
            _skip_decision(ticket.key, reason),
            [],
            ticket.key,
            Outcome.UNCHANGED,
            dry_run=self.dry_run,
            updated=ticket.updated,
        )

    def _simple(self, ticket: Ticket, outcome: Outcome, reason: str) -> TriageResult:
        return TriageResult(
            _skip_decision(ticket.key, reason), [], ticket.key, outcome, updated=ticket.updated
        )

    def _simple_key(self, key: str, outcome: Outcome, reason: str) -> TriageResult:
        return TriageResult(_skip_decision(key, reason), [], key, outcome)

    def _count_decision(self, decision: Decision, labels: Iterable[str]) -> None:
        category = decision.category.value if decision.category else "none"
        for label in labels:
            self.metrics.tickets.labels(category, label.split(":", 1)[0]).inc()

    def _log(
        self,
        decision: Decision,
        key: str,
        executed: Sequence[str],
        outcome: Outcome,
        failed: Sequence[str],
        *,
        dry_run: bool = False,
        planned: Sequence[str] = (),
        event: str = "ticket.triaged",
    ) -> None:
        fields = ticket_triaged_fields(
            decision,
            key=key,
            executed=executed,
            dry_run=dry_run or self.dry_run,
            config_hash=self.config_hash,
            outcome=outcome.value,
        )
        if failed:
            fields["failed"] = list(failed)
        if planned:
            fields["would_do"] = list(planned)
        if outcome in (Outcome.PENDING, Outcome.RATE_LIMITED) or failed:
            self.log.warning(event, **fields)
        else:
            self.log.info(event, **fields)


def _skip_decision(key: str, reason: str) -> Decision:
    return Decision(
        key=key,
        category=None,
        category_confidence=0.0,
        population=None,
        target=None,
        skip_reason=reason or None,
    )


def _replies(decision: Decision) -> bool:
    return any(isinstance(a, PublicReply) for a in decision.actions)
