"""The ledger executor: carries out a plan with each side effect done effectively once.

Protocol (reliability research §1.3, "intent → check → act once → confirm → reconcile"),
in at most three store transactions for an ordinary ticket::

    open_ticket: claim the lease + read the ledger + record every intent   (1 transaction)
    for each action, in order:
        DONE in the ledger, in the ticket's BotRecord, or already the state → skip
        recorded by an earlier run (outcome unknown) → fresh read of the ticket: the
            bot's own marker ``[routerbot:ab12cd34]`` / BotRecord.done / desk / status
            is there → DONE without acting
        a write that cannot be repeated → re-check the fence (renews the lease past
            half its TTL)                                                   (a read)
        act once
    save the BotRecord + labels (+ request type after a move) on the ticket: one PUT
    settle: every confirmation + the ticket state + lease release           (1 transaction)

A move to another desk does not block: the bulk move is submitted, its task id noted in
the ledger, and :meth:`LedgerExecutor.resume` confirms it later (the daemon handles
other tickets meanwhile); the rest of the plan runs after the confirmation, once.

Outcomes of one action are a :class:`Step`; nothing here uses exceptions for expected
states. 2xx → DONE; an ambiguous or transient error → PENDING (the intent stays
IN_FLIGHT and the next run checks the marker first); a 429 → RATE_LIMITED with the
wait; a definitive 4xx → FAILED (a failed reroute adds an internal note asking the
agents to move the ticket); 401 is raised (the daemon stops writing).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from routerbot.chaos import crash_point
from routerbot.config import RoutingConfig
from routerbot.domain import Decision, InternalNote, PublicReply, Reroute, Transition
from routerbot.errors import (
    AuthenticationError,
    NotFound,
    ServiceDeskError,
    TransientError,
)
from routerbot.observability import Metrics
from routerbot.planning import (
    Finish,
    Outcome,
    PlannedAction,
    Status,
    action_payload,
    find_marker,
    plan_actions,
    status_name,
    with_marker,
)
from routerbot.ports import (
    ActionRecord,
    ActionState,
    BotRecord,
    Clock,
    Lease,
    MoveState,
    ServiceDesk,
    StateStore,
    TicketSnapshot,
    TicketState,
)

MAX_ATTEMPTS = 5  # attempts of one action before it is FAILED for a human
RECORD_DONE_LIMIT = 200
TASK_PREFIX = "task:"


class Step(enum.StrEnum):
    """The outcome of one action."""

    DONE = "done"  # carried out now
    ALREADY = "already"  # found done (ledger, record, marker or current state)
    FAILED = "failed"  # definitively refused: needs a human
    GONE = "gone"  # the ticket no longer exists
    MOVING = "moving"  # bulk move submitted, not confirmed yet
    PENDING = "pending"  # outcome unknown or refused for now: later, marker check first
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    ref: str = ""
    error: str = ""
    retry_after: float | None = None


@dataclass
class Run:
    """One plan being carried out (kept across a pending move)."""

    snap: TicketSnapshot
    decision: Decision
    planned: list[PlannedAction]
    finish: Finish
    lease: Lease
    records: dict[str, ActionRecord]
    fresh: frozenset[str]
    prev: TicketState | None
    event: str = "ticket.triaged"
    jira_key: str = ""
    index: int = 0
    done: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    executed: list[str] = field(default_factory=list)
    failed_labels: list[str] = field(default_factory=list)
    checked: TicketSnapshot | None = None  # the fresh read markers are checked against
    moved: bool = False
    note_added: bool = False
    next_check: float = 0.0  # monotonic time of the next look at a pending move
    check_delay: float = 0.05
    stamp: datetime | None = None  # when the plan finished (waiting_since, same everywhere)

    def __post_init__(self) -> None:
        if not self.jira_key:
            self.jira_key = self.snap.ticket.key

    @property
    def ticket_id(self) -> str:
        return self.lease.key


@dataclass(frozen=True, slots=True)
class RunResult:
    outcome: Outcome
    run: Run
    retry_after: float | None = None
    error: str = ""


def safe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


class LedgerExecutor:
    """Executes :class:`Run` plans against the service desk, recorded in the store."""

    def __init__(
        self,
        desk: ServiceDesk,
        store: StateStore,
        *,
        metrics: Metrics,
        clock: Clock,
        log: Any,
        lease_seconds: float,
        config: Callable[[], RoutingConfig],
        bot_account: Callable[[], str],
    ) -> None:
        self.desk = desk
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self.log = log
        self.lease_seconds = lease_seconds
        self._config = config
        self._bot = bot_account

    # ------------------------------------------------------------------ running a plan

    def run(self, run: Run) -> RunResult:
        """Carry the plan on from where it stands; MOVING leaves the lease held."""
        while run.index < len(run.planned):
            p = run.planned[run.index]
            result = self._step(run, p)
            if result.step is Step.MOVING:
                return RunResult(Outcome.MOVING, run)
            if result.step in (Step.PENDING, Step.RATE_LIMITED):
                self._settle(run, release=True)
                outcome = (
                    Outcome.RATE_LIMITED if result.step is Step.RATE_LIMITED else Outcome.PENDING
                )
                self.log.warning(
                    "ticket.pending",
                    key=run.snap.ticket.key,
                    action=p.label,
                    reason=result.error,
                    retry_after=result.retry_after,
                )
                return RunResult(outcome, run, result.retry_after, result.error)
            run.index += 1
            if result.step in (Step.DONE, Step.ALREADY):
                run.done[p.action_id] = result.ref
                if result.step is Step.DONE:
                    run.executed.append(p.label)
                    self.metrics.actions.labels(p.kind.value, "done").inc()
                if isinstance(p.action, Reroute) and result.ref:
                    run.jira_key = result.ref
                    run.moved = run.moved or p.action.moves_desk
                continue
            run.failed[p.action_id] = result.error
            run.failed_labels.append(p.label)
            self.metrics.actions.labels(p.kind.value, "failed").inc()
            if result.step is Step.GONE:
                run.index = len(run.planned)
                break
            if isinstance(p.action, Reroute) and not run.note_added:
                self._add_reroute_note(run, p, result.error)
        return self._finish(run)

    def _add_reroute_note(self, run: Run, p: PlannedAction, error: str) -> None:
        assert isinstance(p.action, Reroute)
        run.note_added = True
        text = self._config().texts.reroute_failed.format(target=p.action.target, error=error[:200])
        note = InternalNote(text, purpose="reroute_failed")
        [np] = plan_actions(run.ticket_id, run.finish.trigger, [note])
        np = replace(np, seq=len(run.planned))
        if np.action_id not in run.records:
            rec = self.store.record_intent(
                np.action_id,
                run.snap.ticket.key,
                np.kind.value,
                action_payload(np, run.finish),
                run.lease,
                ticket_id=run.ticket_id,
            )
            run.records[np.action_id] = rec
            run.fresh = run.fresh | {np.action_id}
        run.planned.insert(run.index, np)

    def _finish(self, run: Run) -> RunResult:
        """Every action is settled: the record on the ticket, then one transaction."""
        crash_point("after_done_before_record")
        run.stamp = self.clock.now()
        # the record (and labels) go with every plan, even one of labels only
        try:
            self._save_record(run)
        except TransientError as exc:
            self._settle(run, release=True)
            outcome = Outcome.RATE_LIMITED if exc.retry_after is not None else Outcome.PENDING
            self.log.warning(
                "ticket.pending",
                key=run.snap.ticket.key,
                action="record",
                reason=safe_error(exc),
            )
            return RunResult(outcome, run, exc.retry_after, safe_error(exc))
        except AuthenticationError:
            raise
        except ServiceDeskError as exc:  # the actions are done; the record is a bonus
            self.log.error("record.failed", key=run.snap.ticket.key, error=safe_error(exc))
        crash_point("after_record_before_state")
        self._settle(run, release=True, states=self.remember(run))
        crash_point("after_record_before_cursor")
        outcome = (
            Outcome.FAILED if run.failed and not run.executed and not run.done else Outcome.DONE
        )
        return RunResult(outcome, run)

    def _settle(self, run: Run, *, release: bool, states: list[TicketState] | None = None) -> None:
        self.store.settle(
            run.lease, done=run.done, failed=run.failed, states=states or [], release=release
        )
        run.done, run.failed = {}, {}

    def _save_record(self, run: Run) -> None:
        snap, finish = run.snap, run.finish
        done = list(snap.record.done)
        done += [p.action_id for p in run.planned if p.action_id not in done]
        extra = {
            **snap.record.extra,
            "category": finish.category,
            "faq": finish.faq,
            "trigger": finish.trigger,
        }
        if finish.status == Status.WAITING_BROWSER:
            extra["waiting_since"] = (run.stamp or self.clock.now()).isoformat()
        record = BotRecord(
            done=tuple(done[-RECORD_DONE_LIMIT:]),
            asks=snap.record.asks + finish.asks_added,
            state=finish.status,
            extra=extra,
        )
        self.desk.save_record(
            run.jira_key,
            record,
            add_labels=finish.labels,
        )

    def remember(self, run: Run) -> list[TicketState]:
        """The local state a fully done plan leaves (under the new key after a move)."""
        ticket, finish = run.snap.ticket, run.finish
        base = run.prev or TicketState(key=ticket.key)
        waiting = finish.status == Status.WAITING_BROWSER
        state = replace(
            base,
            key=ticket.key,
            last_updated=ticket.updated,
            last_trigger=finish.trigger,
            asks=base.asks + finish.asks_added,
            status=finish.status,
            waiting_since=(run.stamp or self.clock.now())
            if waiting
            else (base.waiting_since if finish.status == Status.REMINDED else None),
            category=finish.category or base.category,
            failures=0,
            parked_until=None,
            last_error="",
        )
        new_key = run.jira_key
        reroute = next((p.action for p in run.planned if isinstance(p.action, Reroute)), None)
        if reroute is not None and ticket.location == reroute.target:
            return [state]  # polled at its new place already: this key is the new one
        if new_key == ticket.key or not run.moved:
            return [state]
        # Moved: the new key carries the memory; the old one is closed. When only the
        # issue id is known, the next poll learns the new key and its state from the
        # record written on the ticket (``followups.state_from_record``).
        closed = replace(state, status=Status.MOVED.value, waiting_since=None)
        if new_key.isdigit():
            return [closed]
        return [closed, replace(state, key=new_key, last_updated=None)]

    # ------------------------------------------------------------------ one action

    def _step(self, run: Run, p: PlannedAction) -> StepResult:
        known = self._known(run, p)
        if known is not None:
            return known
        return self._act(run, p)

    def _known(self, run: Run, p: PlannedAction) -> StepResult | None:  # noqa: PLR0911
        """The check before acting: None means "act now"."""
        rec = run.records.get(p.action_id)
        if rec is not None and rec.state is ActionState.DONE:
            return StepResult(Step.ALREADY, rec.external_ref)
        if rec is not None and rec.state is ActionState.FAILED:
            return StepResult(Step.FAILED, error=rec.error)
        if p.action_id in run.snap.record.done:
            self.metrics.actions.labels(p.kind.value, "duplicate_suppressed").inc()
            return StepResult(Step.ALREADY, "record")
        if isinstance(p.action, Reroute) and run.snap.ticket.location == p.action.target:
            return StepResult(Step.ALREADY, run.snap.ticket.key)
        if p.action_id in run.fresh or rec is None:
            return None
        # Recorded by an earlier run with an unknown outcome.
        if isinstance(p.action, Reroute) and rec.external_ref.startswith(TASK_PREFIX):
            return self._check_move(run, p, rec.external_ref[len(TASK_PREFIX) :])
        if run.checked is None:
            try:
                run.checked = self.desk.get(run.jira_key)
            except NotFound:
                return StepResult(Step.GONE, error="ticket not found")
            except TransientError as exc:
                return _transient(exc)
        ref = self._effect_present(p, run.checked)
        if ref is not None:
            self.metrics.actions.labels(p.kind.value, "duplicate_suppressed").inc()
            self.log.info("action.already_done", key=run.snap.ticket.key, action=p.label)
            return StepResult(Step.ALREADY, ref)
        if rec.attempts >= MAX_ATTEMPTS:
            self.log.error(
                "action.gave_up", key=run.snap.ticket.key, action=p.label, attempts=rec.attempts
            )
            return StepResult(Step.FAILED, error=f"gave up after {rec.attempts} attempts")
        return None

    def _effect_present(self, p: PlannedAction, snap: TicketSnapshot) -> str | None:
        """Is this action's effect already on the ticket? (the marker check)"""
        if p.action_id in snap.record.done:
            return "record"
        a = p.action
        if isinstance(a, PublicReply | InternalNote):
            return find_marker(snap.ticket, p.action_id, self._bot())
        if isinstance(a, Reroute):
            return snap.ticket.key if snap.ticket.location == a.target else None
        if isinstance(a, Transition):
            name = status_name(self._config(), a.to)
            return "status" if snap.ticket.status.casefold() == name.casefold() else None
        return None

    def _act(self, run: Run, p: PlannedAction) -> StepResult:
        """Act once and sort the outcome (research §1.3 step 6)."""
        if not p.kind.idempotent:
            # right before a write that cannot be repeated: is the lease still ours?
            run.lease = self.store.fence(run.lease, self.lease_seconds)
        crash_point("after_in_flight")
        try:
            result = self._perform(run, p)
        except AuthenticationError:
            self.metrics.actions.labels(p.kind.value, "auth_failed").inc()
            raise
        except TransientError as exc:  # AmbiguousWrite included: the next run checks first
            label = "rate_limited" if exc.status == 429 else "ambiguous"
            self.metrics.actions.labels(p.kind.value, label).inc()
            return _transient(exc)
        except ServiceDeskError as exc:  # definitive: NotFound, Conflict, Forbidden, 4xx
            self.log.error(
                "action.failed", key=run.snap.ticket.key, action=p.label, error=safe_error(exc)
            )
            step = Step.GONE if isinstance(exc, NotFound) else Step.FAILED
            return StepResult(step, error=safe_error(exc))
        crash_point("after_send_before_done")
        return result

    def _perform(self, run: Run, p: PlannedAction) -> StepResult:
        a, key = p.action, run.jira_key
        if isinstance(a, Reroute):
            if not a.moves_desk:
                self.desk.set_request_type(key, a.target.request_type)
                return StepResult(Step.DONE, key)
            task = self.desk.start_move(key, a.target)
            self.store.note_ref(run.lease, p.action_id, TASK_PREFIX + task)
            run.records[p.action_id] = replace(
                run.records.get(p.action_id) or _placeholder(p, run),
                external_ref=TASK_PREFIX + task,
            )
            run.fresh = run.fresh - {p.action_id}
            run.next_check = time.monotonic()
            return self._check_move(run, p, task)
        if isinstance(a, PublicReply):
            return StepResult(
                Step.DONE,
                self.desk.post_comment(key, with_marker(a.body, p.action_id), public=True),
            )
        if isinstance(a, InternalNote):
            return StepResult(
                Step.DONE,
                self.desk.post_comment(key, with_marker(a.body, p.action_id), public=False),
            )
        assert isinstance(a, Transition)
        moved = self.desk.transition(key, status_name(self._config(), a.to))
        return StepResult(Step.DONE, "transitioned" if moved else "not-available")

    def _check_move(  # noqa: PLR0911  # one return per task state and error kind
        self, run: Run, p: PlannedAction, task: str
    ) -> StepResult:
        """One look at a submitted bulk move (never waits)."""
        try:
            progress = self.desk.move_progress(task)
        except AuthenticationError:
            raise
        except TransientError as exc:
            return _transient(exc)
        except ServiceDeskError as exc:
            return StepResult(Step.FAILED, error=safe_error(exc))
        if progress.state is MoveState.RUNNING:
            run.check_delay = min(1.0, max(0.05, run.check_delay * 2))
            run.next_check = time.monotonic() + run.check_delay
            return StepResult(Step.MOVING)
        if progress.state is MoveState.FAILED:
            return StepResult(Step.FAILED, error=progress.error or "bulk move failed")
        run.checked = None  # the ticket moved: any later marker check reads it again
        new_key = progress.ref or run.jira_key
        assert isinstance(p.action, Reroute)
        try:
            # at once (idempotent): JSM treats an issue without a request type as no
            # customer request, so the comments that follow need it
            self.desk.set_request_type(new_key, p.action.target.request_type)
        except AuthenticationError:
            raise
        except TransientError as exc:
            return _transient(exc)
        except ServiceDeskError as exc:
            return StepResult(Step.FAILED, error=safe_error(exc))
        return StepResult(Step.DONE, new_key)


def _transient(exc: TransientError) -> StepResult:
    step = Step.RATE_LIMITED if exc.retry_after is not None else Step.PENDING
    return StepResult(step, error=safe_error(exc), retry_after=exc.retry_after)


def _placeholder(p: PlannedAction, run: Run) -> ActionRecord:
    return ActionRecord(
        action_id=p.action_id,
        key=run.snap.ticket.key,
        kind=p.kind.value,
        payload={},
        state=ActionState.IN_FLIGHT,
        attempts=1,
        ticket_id=run.ticket_id,
    )
