"""The triage service: executes a :class:`~routerbot.domain.Decision` through the ports,
with each side effect done effectively once.

Protocol per ticket (reliability research §1.3, "intent → check → act once → confirm →
reconcile")::

    claim the ticket's lease (fencing epoch)
    finish any unfinished plan of an earlier run first (reconcile), then read it again
    decide (pure) → plan: reroute, then comments, then transition (loop guards applied)
    record every intent (PLANNED) before acting        ← the outbox
    for each action, in order:
        already DONE in the ledger or in the ticket's BotRecord → skip
        attempted before (IN_FLIGHT) → fresh read of the ticket: the marker is there
            (comment footer ``[routerbot:ab12cd34]``, BotRecord.done, current desk/status)
            → DONE without acting
        mark IN_FLIGHT (fenced) → act once → mark DONE (comment id / new key)
    save the BotRecord + labels on the ticket in one idempotent write
    remember the ticket's ``updated`` (a later poll with no change costs no write)

Outcomes of one action: 2xx → DONE; :class:`~routerbot.errors.AmbiguousWrite` or another
transient error → stays IN_FLIGHT, the ticket is *pending* and is reconciled later (marker
check, then at most one new attempt); :class:`~routerbot.errors.RateLimited` → pending with
``retry_after``; a definitive 4xx → FAILED (a failed reroute gets an internal note asking
the agents to move the ticket); 401 → raised (the daemon stops writing).

The action id is ``sha256(issue_id|kind|trigger_id|purpose)``: the same customer message
always yields the same ids, whatever the config version or the replica.

Loop guards: the engine never answers the bot's own comments; here, a per-ticket cap on
public replies and a global cap per hour (``count_public_replies_since``) that opens a
breaker: public replies become internal notes for the agents, logged at ERROR, metric
``routerbot_breaker_open`` = 1. Dry run decides and logs, and writes nothing anywhere.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from routerbot import engine
from routerbot.chaos import crash_point
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
from routerbot.errors import (
    AuthenticationError,
    LeaseLost,
    NotFound,
    RateLimited,
    ServiceDeskError,
    StateStoreError,
    TransientError,
)
from routerbot.observability import Metrics, action_label, get_logger, ticket_triaged_fields
from routerbot.ports import (
    ActionRecord,
    ActionState,
    BotRecord,
    Clock,
    Lease,
    ServiceDesk,
    StateStore,
    SystemClock,
    TicketSnapshot,
    TicketState,
)

MARKER_RE = re.compile(r"\[routerbot:([0-9a-f]{8})\]")
MAX_ATTEMPTS = 5  # attempts of one action before it is FAILED for a human
RECORD_DONE_LIMIT = 200
ASK_PURPOSES = frozenset({"ask_browser", "ask_browser_again"})
KIND_ORDER = {"reroute": 0, "public_reply": 1, "internal_note": 1, "transition": 2}

Decide = Callable[[Ticket, RoutingConfig], Decision]
DecideFollowup = Callable[..., Decision]


class Outcome:
    DONE = "done"  # every action carried out (or found already done)
    SKIPPED = "skipped"  # the engine decided to do nothing
    UNCHANGED = "unchanged"  # same ``updated`` as last handled: not even decided
    DRY_RUN = "dry_run"  # decided and logged, nothing written
    PENDING = "pending"  # an outcome is unknown or was refused for now: retry later
    RATE_LIMITED = "rate_limited"
    BUSY = "busy"  # another replica holds the ticket's lease
    FAILED = "failed"  # definitively refused; needs a human (the ticket is not retried)

    HANDLED = frozenset({DONE, SKIPPED, UNCHANGED, DRY_RUN, FAILED})


@dataclass(frozen=True, slots=True)
class TriageResult:
    """What happened to one ticket. ``executed`` lists what was carried out in this call
    (``reroute:4/87``, ``reply:faq:nous-contacter``…); ``planned`` what the decision asks
    for (what a dry run would do)."""

    decision: Decision
    executed: list[str]
    key: str
    outcome: str
    dry_run: bool = False
    planned: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry_after: float | None = None

    @property
    def handled(self) -> bool:
        """True when the poll cursor may move past this ticket."""
        return self.outcome in Outcome.HANDLED


@dataclass(frozen=True, slots=True)
class PlannedAction:
    action_id: str
    kind: str  # public_reply | internal_note | reroute | transition
    action: Action
    seq: int

    @property
    def label(self) -> str:
        return action_label(self.action)


@dataclass(frozen=True, slots=True)
class Finish:
    """What to write once every action of a plan is done (kept in each intent's payload
    so that reconciliation can finish a plan after a crash)."""

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


class _Pending(Exception):  # noqa: N818  # control flow, not an error
    def __init__(self, label: str, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.label = label
        self.reason = reason
        self.retry_after = retry_after


# --------------------------------------------------------------------------- pure helpers


def action_id_for(issue_id: str, kind: str, trigger_id: str, purpose: str) -> str:
    """The deterministic id of one side effect (no config version in it)."""
    return hashlib.sha256(f"{issue_id}|{kind}|{trigger_id}|{purpose}".encode()).hexdigest()


def marker_for(action_id: str) -> str:
    """The short visible reference that ends every bot comment."""
    return f"[routerbot:{action_id[:8]}]"


def with_marker(body: str, action_id: str) -> str:
    return f"{body.rstrip()}\n\n{marker_for(action_id)}"


def find_marker(ticket: Ticket, action_id: str) -> str | None:
    """The id of the comment carrying this action's marker, if any."""
    mark = marker_for(action_id)
    for comment in ticket.comments:
        if mark in comment.body:
            return comment.id or "found"
    return None


def _kind(action: Action) -> str | None:
    if isinstance(action, PublicReply):
        return "public_reply"
    if isinstance(action, InternalNote):
        return "internal_note"
    if isinstance(action, Reroute):
        return "reroute"
    if isinstance(action, Transition):
        return "transition"
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
    indexed = [(KIND_ORDER.get(_kind(a) or "", 9), i, a) for i, a in enumerate(actions)]
    for _, _, action in sorted(indexed, key=lambda t: (t[0], t[1])):
        kind = _kind(action)
        if kind is None:
            continue
        purpose = _purpose(action)
        n = seen.get(f"{kind}|{purpose}", 0)
        seen[f"{kind}|{purpose}"] = n + 1
        if n:
            purpose = f"{purpose}#{n}"
        planned.append(
            PlannedAction(
                action_id_for(issue_id, kind, trigger_id, purpose), kind, action, len(planned)
            )
        )
    return planned


def action_payload(p: PlannedAction, finish: Finish) -> dict[str, Any]:
    a = p.action
    data: dict[str, Any] = {"seq": p.seq, "finish": finish.to_json()}
    if isinstance(a, PublicReply):
        data.update(body=a.body, purpose=a.purpose, faq_id=a.faq_id)
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
        if rec.kind == "public_reply":
            action = PublicReply(
                str(p["body"]), faq_id=p.get("faq_id"), purpose=str(p.get("purpose", "faq"))
            )
        elif rec.kind == "internal_note":
            action = InternalNote(str(p["body"]), purpose=str(p.get("purpose", "note")))
        elif rec.kind == "reroute":
            action = Reroute(Target.parse(str(p["source"])), Target.parse(str(p["target"])))
        elif rec.kind == "transition":
            action = Transition(str(p["to"]))
        else:
            return None
    except (KeyError, ValueError):
        return None
    return PlannedAction(rec.action_id, rec.kind, action, int(p.get("seq", 0)))


def _safe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _default_decide(ticket: Ticket, config: RoutingConfig) -> Decision:
    return engine.decide(ticket, config)


def _default_decide_followup(ticket: Ticket, **kwargs: Any) -> Decision:
    return engine.decide_followup(ticket, **kwargs)


# --------------------------------------------------------------------------- the service


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
        lease_seconds: float = 120.0,
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
        self._decide_followup = decide_followup or _default_decide_followup
        self.settle = timedelta(seconds=settle_seconds)
        self.log = logger or get_logger("routerbot.service")
        self._breaker = False
        self._seen_dry: dict[str, datetime | None] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    # ------------------------------------------------------------------ public API

    @property
    def config_hash(self) -> str:
        return self.config.config_hash

    @property
    def breaker_open(self) -> bool:
        return self._breaker

    def triage(self, key: str, *, apply: bool) -> TriageResult:
        """``routerbot triage KEY [--apply]``: a fresh read, a decision, and with
        ``apply`` the actions carried out (else nothing is written anywhere)."""
        snap = self.desk.get(key)
        if not apply or self.dry_run:
            return self._dry(snap, None)
        return self.handle(snap, force=True)

    def handle(self, snap: TicketSnapshot, *, force: bool = False) -> TriageResult:
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
        prev = self.store.get_ticket(ticket.key)
        if (
            not force
            and prev is not None
            and ticket.updated is not None
            and prev.last_updated == ticket.updated
        ):
            return self._unchanged(ticket)
        return self._with_lease(ticket.key, lambda lease: self._handle_leased(snap, lease))

    def follow_up(self, state: TicketState) -> TriageResult | None:
        """Reminder or hand-over for a ticket waiting for the customer's answer."""
        snap = self.desk.get(state.key)
        decision = self._decide_followup(
            snap.ticket,
            asks=state.asks,
            reminded=state.status == "reminded",
            waiting_since=state.waiting_since,
            now=self.clock.now(),
            config=self.config,
        )
        if decision.skipped and not self.dry_run:
            return None
        if self.dry_run:
            return self._dry(snap, decision)
        return self._with_lease(
            state.key, lambda lease: self._execute(snap, decision, lease, followup=True)
        )

    def reconcile(self, *, older_than: datetime | None = None) -> list[TriageResult]:
        """Finish every unfinished plan (start-up, and on each poll for settled ones)."""
        if self.dry_run:
            return []
        keys: list[str] = []
        for rec in self.store.unfinished_actions(older_than):
            if rec.key not in keys:
                keys.append(rec.key)
        results = []
        for key in keys:
            if self.stopping.is_set():
                break
            results.append(self._with_lease(key, functools.partial(self._reconcile_key, key)))
            if results[-1].outcome == Outcome.RATE_LIMITED:
                break  # Retry-After: no other request until it expires (the daemon waits)
        return results

    # ------------------------------------------------------------------ lease wrapper

    def _with_lease(self, key: str, work: Callable[[Lease], TriageResult]) -> TriageResult:
        lease = self.store.claim(key, self.owner, self.lease_seconds)
        if lease is None:
            self.log.debug("ticket.busy", key=key)
            return TriageResult(
                _skip_decision(key, "leased by another replica"), [], key, Outcome.BUSY
            )
        try:
            crash_point("after_claim")
            return work(lease)
        except LeaseLost:
            self.metrics.lease_lost.inc()
            self.log.warning("ticket.lease_lost", key=key)
            return TriageResult(_skip_decision(key, "lease lost"), [], key, Outcome.BUSY)
        finally:
            try:
                self.store.release(lease)
            except StateStoreError:
                self.log.warning("ticket.release_failed", key=key)

    # ------------------------------------------------------------------ the main path

    def _handle_leased(self, snap: TicketSnapshot, lease: Lease) -> TriageResult:
        key = snap.ticket.key
        records = self.store.actions_for(key)
        unfinished = [r for r in records if r.state in (ActionState.PLANNED, ActionState.IN_FLIGHT)]
        finished: TriageResult | None = None
        if unfinished:
            finished = self._finish_plan(key, unfinished, lease, snap=None)
            if not finished.handled:
                return finished
            snap = self.desk.get(finished.key)
        else:
            self._save_missing_record(snap, records, lease)
        try:
            decision = self._decide(snap.ticket, self.config)
        except Exception as exc:  # a bug in the engine must not stall the whole poll
            self.log.exception("ticket.decide_failed", key=key, error=_safe_error(exc))
            return TriageResult(_skip_decision(key, "decision failed"), [], key, Outcome.FAILED)
        result = self._execute(snap, decision, lease)
        if finished is None or not finished.executed:
            return result
        # What the earlier, unfinished plan needed counts as done in this call too.
        outcome = Outcome.DONE if result.outcome == Outcome.SKIPPED else result.outcome
        return replace(
            result,
            executed=finished.executed + result.executed,
            planned=finished.planned + result.planned,
            failed=finished.failed + result.failed,
            outcome=outcome,
        )

    def _save_missing_record(
        self, snap: TicketSnapshot, records: Sequence[ActionRecord], lease: Lease
    ) -> None:
        """A crash after the last action and before the record write (crash point
        ``after_done_before_record``) left every action DONE but the ticket without its
        BotRecord, label and local state: the decision now sees the bot's own last word and
        skips, so write them here (tests/chaos/test_crashes.py)."""
        done = [r for r in records if r.state is ActionState.DONE]
        if not done:
            return
        newest = max(done, key=lambda r: (r.updated is not None, r.updated or r.created))
        finish = Finish.from_json(newest.payload.get("finish"))
        plan = [r for r in done if Finish.from_json(r.payload.get("finish")) == finish]
        if all(r.action_id in snap.record.done for r in plan):
            return
        planned = sorted(
            (p for p in (action_from_record(r) for r in plan) if p is not None),
            key=lambda p: p.seq,
        )
        key = snap.ticket.key
        self.log.info("ticket.record_recovered", key=key, actions=[p.label for p in planned])
        try:
            self._save_record(key, snap, planned, finish, lease)
        except _Pending:
            return  # tried again at the next poll
        self._remember(snap.ticket, self.store.get_ticket(key), lease, finish=finish, key=key)

    def _execute(
        self, snap: TicketSnapshot, decision: Decision, lease: Lease, *, followup: bool = False
    ) -> TriageResult:
        ticket = snap.ticket
        prev = self.store.get_ticket(ticket.key)
        if decision.skipped:
            self._remember(ticket, prev, lease, finish=None, key=ticket.key)
            self._count(decision, ["skip"])
            self._log(decision, ticket.key, [], Outcome.SKIPPED, [])
            return TriageResult(decision, [], ticket.key, Outcome.SKIPPED)
        trigger = decision.trigger_id or (
            f"followup:{prev.waiting_since.isoformat()}"
            if followup and prev and prev.waiting_since
            else (ticket.updated.isoformat() if ticket.updated else "created")
        )
        actions = self._guard(snap, decision)
        planned = plan_actions(ticket.issue_id or ticket.key, trigger, actions)
        finish = self._finish_for(decision, planned, trigger, followup=followup, prev=prev)
        for p in planned:  # the outbox: every intent first
            self.store.record_intent(
                p.action_id, ticket.key, p.kind, action_payload(p, finish), lease
            )
        crash_point("after_intent")
        records = {r.action_id: r for r in self.store.actions_for(ticket.key)}
        return self._run(snap, decision, planned, records=records, finish=finish, lease=lease)

    def _run(
        self,
        snap: TicketSnapshot,
        decision: Decision,
        planned: Sequence[PlannedAction],
        *,
        records: dict[str, ActionRecord],
        finish: Finish,
        lease: Lease,
        event: str = "ticket.triaged",
    ) -> TriageResult:
        ticket = snap.ticket
        jira_key = ticket.key
        executed: list[str] = []
        failed: list[str] = []
        fresh: list[TicketSnapshot] = []
        queue = list(planned)
        extra_note = 0
        try:
            while queue:
                p = queue.pop(0)
                status, ref = self._run_one(
                    p,
                    jira_key=jira_key,
                    snap=snap,
                    rec=records.get(p.action_id),
                    lease=lease,
                    fresh=fresh,
                )
                if status == "done":
                    executed.append(p.label)
                    if isinstance(p.action, Reroute) and ref:
                        jira_key = ref
                elif status == "failed":
                    failed.append(p.label)
                    if isinstance(p.action, Reroute) and extra_note == 0:
                        extra_note += 1
                        note = InternalNote(
                            "routerbot n'a pas pu déplacer ce ticket vers "
                            f"{p.action.target} ({ref}). Merci de le déplacer à la main.",
                            purpose="reroute_failed",
                        )
                        [np] = plan_actions(ticket.issue_id or ticket.key, finish.trigger, [note])
                        rec = self.store.record_intent(
                            np.action_id, ticket.key, np.kind, action_payload(np, finish), lease
                        )
                        records[np.action_id] = rec
                        queue.insert(0, np)
                elif status == "gone":
                    failed.append(p.label)
                    break
            crash_point("after_done_before_record")
            self._save_record(jira_key, snap, planned, finish, lease)
            crash_point("after_record_before_state")
        except _Pending as pend:
            outcome = Outcome.RATE_LIMITED if pend.retry_after is not None else Outcome.PENDING
            self.log.warning(
                "ticket.pending",
                key=ticket.key,
                action=pend.label,
                reason=pend.reason,
                retry_after=pend.retry_after,
            )
            self._count(decision, executed)
            self._log(decision, ticket.key, executed, outcome, failed, event=event)
            return TriageResult(
                decision,
                executed,
                jira_key,
                outcome,
                planned=_labels(planned),
                failed=failed,
                retry_after=pend.retry_after,
            )
        self._remember(
            ticket, self.store.get_ticket(ticket.key), lease, finish=finish, key=jira_key
        )
        crash_point("after_record_before_cursor")
        outcome = Outcome.FAILED if failed and not executed else Outcome.DONE
        self._count(decision, executed or ["none"])
        self._log(decision, ticket.key, executed, outcome, failed, event=event)
        return TriageResult(
            decision, executed, jira_key, outcome, planned=_labels(planned), failed=failed
        )

    def _run_one(
        self,
        p: PlannedAction,
        *,
        jira_key: str,
        snap: TicketSnapshot,
        rec: ActionRecord | None,
        lease: Lease,
        fresh: list[TicketSnapshot],
    ) -> tuple[str, str]:
        """One action: ``("done"|"already"|"failed"|"gone", ref)``. Raises _Pending."""
        known = self._known_outcome(
            p, jira_key=jira_key, snap=snap, rec=rec, lease=lease, fresh=fresh
        )
        if known is not None:
            return known
        self._renew(lease)
        current = self.store.mark_in_flight(p.action_id, lease)
        if current.state is ActionState.DONE:
            return "already", current.external_ref
        if current.state is ActionState.FAILED:
            return "failed", current.error
        crash_point("after_in_flight")
        return self._act(p, jira_key, snap.ticket.key, lease)

    def _known_outcome(  # noqa: PLR0911  # one return per ledger situation
        self,
        p: PlannedAction,
        *,
        jira_key: str,
        snap: TicketSnapshot,
        rec: ActionRecord | None,
        lease: Lease,
        fresh: list[TicketSnapshot],
    ) -> tuple[str, str] | None:
        """The check before acting: None means "act now"."""
        if rec is not None and rec.state is ActionState.DONE:
            return "already", rec.external_ref
        if rec is not None and rec.state is ActionState.FAILED:
            return "failed", rec.error
        if p.action_id in snap.record.done:
            self.store.mark_done(p.action_id, lease, "record")
            self.metrics.actions.labels(p.kind, "duplicate_suppressed").inc()
            return "already", ""
        if isinstance(p.action, Reroute) and snap.ticket.location == p.action.target:
            self.store.mark_done(p.action_id, lease, snap.ticket.key)
            return "already", ""
        if rec is None or (rec.state is not ActionState.IN_FLIGHT and rec.attempts == 0):
            return None
        # Attempted before with an unknown outcome: look at the ticket itself.
        if not fresh:
            try:
                fresh.append(self.desk.get(jira_key))
            except NotFound:
                return "gone", ""
            except TransientError as exc:
                raise _Pending(
                    p.label, _safe_error(exc), getattr(exc, "retry_after", None)
                ) from None
        ref = self._effect_present(p, fresh[0])
        if ref is not None:
            self.store.mark_done(p.action_id, lease, ref)
            self.metrics.actions.labels(p.kind, "duplicate_suppressed").inc()
            self.log.info("action.already_done", key=snap.ticket.key, action=p.label)
            return "already", ref
        if rec.attempts >= MAX_ATTEMPTS:
            self.store.mark_failed(p.action_id, lease, f"gave up after {rec.attempts} attempts")
            self.metrics.actions.labels(p.kind, "failed").inc()
            self.log.error(
                "action.gave_up", key=snap.ticket.key, action=p.label, attempts=rec.attempts
            )
            return "failed", "too many attempts"
        return None

    def _act(self, p: PlannedAction, jira_key: str, key: str, lease: Lease) -> tuple[str, str]:
        """Act once and sort the outcome (research §1.3 step 6)."""
        try:
            ref = self._perform(p, jira_key)
        except AuthenticationError:
            self.metrics.actions.labels(p.kind, "auth_failed").inc()
            raise
        except RateLimited as exc:
            self.metrics.actions.labels(p.kind, "rate_limited").inc()
            raise _Pending(p.label, _safe_error(exc), exc.retry_after) from None
        except TransientError as exc:  # AmbiguousWrite included: stays IN_FLIGHT
            self.metrics.actions.labels(p.kind, "ambiguous").inc()
            # a 503 may carry Retry-After: the daemon then waits before any other request
            raise _Pending(p.label, _safe_error(exc), getattr(exc, "retry_after", None)) from None
        except ServiceDeskError as exc:  # definitive: NotFound, Conflict, Forbidden, 4xx
            self.store.mark_failed(p.action_id, lease, _safe_error(exc))
            self.metrics.actions.labels(p.kind, "failed").inc()
            self.log.error("action.failed", key=key, action=p.label, error=_safe_error(exc))
            return ("gone" if isinstance(exc, NotFound) else "failed"), str(exc)[:200]
        crash_point("after_send_before_done")
        self.store.mark_done(p.action_id, lease, ref)
        self.metrics.actions.labels(p.kind, "done").inc()
        return "done", ref if isinstance(p.action, Reroute) else ""

    def _perform(self, p: PlannedAction, key: str) -> str:
        a = p.action
        if isinstance(a, Reroute):
            if a.moves_desk:
                return self.desk.move(key, a.target)
            self.desk.set_request_type(key, a.target.request_type)
            return key
        if isinstance(a, PublicReply):
            return self.desk.post_comment(key, with_marker(a.body, p.action_id), public=True)
        if isinstance(a, InternalNote):
            return self.desk.post_comment(key, with_marker(a.body, p.action_id), public=False)
        if isinstance(a, Transition):
            moved = self.desk.transition(key, self._status_name(a.to))
            return "transitioned" if moved else "not-available"
        raise TypeError(f"not an executable action: {type(a).__name__}")

    def _effect_present(self, p: PlannedAction, snap: TicketSnapshot) -> str | None:
        """Is this action's effect already on the ticket? (the marker check)"""
        if p.action_id in snap.record.done:
            return "record"
        a = p.action
        if isinstance(a, PublicReply | InternalNote):
            return find_marker(snap.ticket, p.action_id)
        if isinstance(a, Reroute):
            return snap.ticket.key if snap.ticket.location == a.target else None
        if isinstance(a, Transition):
            name = self._status_name(a.to)
            return "status" if snap.ticket.status.casefold() == name.casefold() else None
        return None

    def _status_name(self, to: str) -> str:
        wf = self.config.workflow
        if to == "waiting_for_customer":
            return wf.status_waiting_customer
        if to == "waiting_for_support":
            return wf.status_waiting_support
        return to

    def _renew(self, lease: Lease) -> None:
        self.store.renew(lease, self.lease_seconds)

    # ------------------------------------------------------------------ record & state

    def _finish_for(
        self,
        decision: Decision,
        planned: Sequence[PlannedAction],
        trigger: str,
        *,
        followup: bool,
        prev: TicketState | None,
    ) -> Finish:
        labels = [self.config.labels.handled]
        labels += [a.label for a in decision.actions if isinstance(a, AddLabel)]
        asks = sum(
            1
            for p in planned
            if isinstance(p.action, PublicReply) and p.action.purpose in ASK_PURPOSES
        )
        transitions = {p.action.to for p in planned if isinstance(p.action, Transition)}
        if asks:
            status = "waiting_browser"
        elif "waiting_for_support" in transitions:
            status = "handed_over"
        elif followup and any(
            isinstance(p.action, PublicReply) and p.action.purpose == "reminder" for p in planned
        ):
            status = "reminded"
        elif followup:
            status = prev.status if prev else ""
        else:
            status = "done"
        return Finish(
            labels=tuple(dict.fromkeys(labels)),
            status=status,
            asks_added=asks,
            category=decision.category.value if decision.category else "",
            trigger=trigger,
            faq=decision.reply_faq or "",
        )

    def _save_record(
        self,
        key: str,
        snap: TicketSnapshot,
        planned: Sequence[PlannedAction],
        finish: Finish,
        lease: Lease,
    ) -> None:
        done = [a for a in snap.record.done]
        done += [p.action_id for p in planned if p.action_id not in done]
        record = BotRecord(
            done=tuple(done[-RECORD_DONE_LIMIT:]),
            asks=snap.record.asks + finish.asks_added,
            state=finish.status,
            extra={
                **snap.record.extra,
                "category": finish.category,
                "faq": finish.faq,
                "trigger": finish.trigger,
            },
        )
        try:
            self._renew(lease)
            self.desk.save_record(key, record, add_labels=finish.labels)
        except RateLimited as exc:
            raise _Pending("record", _safe_error(exc), exc.retry_after) from None
        except TransientError as exc:
            raise _Pending("record", _safe_error(exc)) from None
        except AuthenticationError:
            raise
        except ServiceDeskError as exc:  # the actions are done; the record is a bonus
            self.log.error("record.failed", key=key, error=_safe_error(exc))

    def _remember(
        self,
        ticket: Ticket,
        prev: TicketState | None,
        lease: Lease,
        *,
        finish: Finish | None,
        key: str,
    ) -> None:
        base = prev or TicketState(key=ticket.key)
        if finish is None:
            state = TicketState(
                key=ticket.key,
                last_updated=ticket.updated,
                last_trigger=base.last_trigger,
                asks=base.asks,
                status=base.status,
                waiting_since=base.waiting_since,
                category=base.category,
            )
        else:
            waiting = finish.status == "waiting_browser"
            state = TicketState(
                key=ticket.key,
                last_updated=ticket.updated,
                last_trigger=finish.trigger,
                asks=base.asks + finish.asks_added,
                status=finish.status,
                waiting_since=self.clock.now()
                if waiting
                else (base.waiting_since if finish.status == "reminded" else None),
                category=finish.category or base.category,
            )
        if key == ticket.key:
            self.store.put_ticket(state, lease)
            return
        # Moved: the new key carries the memory; the old one is closed.
        self.store.put_ticket(
            TicketState(
                key=ticket.key,
                last_updated=ticket.updated,
                last_trigger=state.last_trigger,
                asks=state.asks,
                status="moved",
                category=state.category,
            ),
            lease,
        )
        self.store.put_ticket(
            TicketState(
                key=key,
                last_updated=None,
                last_trigger=state.last_trigger,
                asks=state.asks,
                status=state.status,
                waiting_since=state.waiting_since,
                category=state.category,
            )
        )

    # ------------------------------------------------------------------ reconcile

    def _reconcile_key(self, key: str, lease: Lease) -> TriageResult:
        unfinished = [
            r
            for r in self.store.actions_for(key)
            if r.state in (ActionState.PLANNED, ActionState.IN_FLIGHT)
        ]
        if not unfinished:
            return TriageResult(_skip_decision(key, "nothing to reconcile"), [], key, Outcome.DONE)
        return self._finish_plan(key, unfinished, lease, snap=None)

    def _finish_plan(
        self,
        key: str,
        unfinished: list[ActionRecord],
        lease: Lease,
        *,
        snap: TicketSnapshot | None,
    ) -> TriageResult:
        """Carry out what an earlier run intended, from the ledger alone."""
        try:
            snap = snap or self.desk.get(key)
        except NotFound:
            for rec in unfinished:
                self.store.mark_failed(rec.action_id, lease, "ticket not found")
            return TriageResult(_skip_decision(key, "ticket gone"), [], key, Outcome.FAILED)
        except TransientError as exc:
            return TriageResult(
                _skip_decision(key, "read failed"),
                [],
                key,
                Outcome.PENDING,
                retry_after=getattr(exc, "retry_after", None),
            )
        # every action of the same plan shares the trigger; finish them all in order
        triggers = {Finish.from_json(r.payload.get("finish")).trigger for r in unfinished}
        all_recs = [
            r
            for r in self.store.actions_for(key)
            if Finish.from_json(r.payload.get("finish")).trigger in triggers
        ]
        planned = sorted(
            (p for p in (action_from_record(r) for r in all_recs) if p is not None),
            key=lambda p: p.seq,
        )
        finish = Finish.from_json(unfinished[0].payload.get("finish"))
        records = {r.action_id: r for r in all_recs}
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
        self.log.info("ticket.reconcile", key=key, actions=[p.label for p in planned])
        # A fresh read is what _run_one checks markers against.
        return self._run(
            snap,
            decision,
            planned,
            records=records,
            finish=finish,
            lease=lease,
            event="ticket.reconciled",
        )

    # ------------------------------------------------------------------ loop guards

    def _guard(self, snap: TicketSnapshot, decision: Decision) -> list[Action]:
        replies = [a for a in decision.actions if isinstance(a, PublicReply)]
        if not replies:
            return list(decision.actions)
        ticket = snap.ticket
        per_ticket = self.config.loop_guard.max_public_replies_per_ticket
        per_hour = self.config.loop_guard.max_public_replies_per_hour
        already = sum(1 for c in ticket.comments if c.author is AuthorRole.BOT and c.public)
        sent_hour = self.store.count_public_replies_since(self.clock.now() - timedelta(hours=1))
        self._set_breaker(sent_hour >= per_hour, sent_hour, per_hour)
        out: list[Action] = []
        held_reason = ""
        for a in decision.actions:
            if not isinstance(a, PublicReply):
                out.append(a)
                continue
            if self._breaker or sent_hour >= per_hour:
                held_reason = (
                    f"disjoncteur ouvert : {sent_hour} réponses publiques dans l'heure "
                    f"(plafond {per_hour})"
                )
                self.log.error(
                    "breaker.held_reply",
                    key=ticket.key,
                    purpose=a.purpose,
                    sent_last_hour=sent_hour,
                    cap=per_hour,
                )
            elif already >= per_ticket:
                held_reason = f"plafond de {per_ticket} réponses publiques atteint pour ce ticket"
                self.log.warning("loop_guard.ticket_cap", key=ticket.key, cap=per_ticket)
            else:
                already += 1
                sent_hour += 1
                out.append(a)
                continue
            out.append(
                InternalNote(
                    "Réponse publique retenue par routerbot (" + held_reason + "). "
                    "Texte prévu :\n\n" + a.body,
                    purpose=f"held_{a.purpose}",
                )
            )
        if held_reason and not any(isinstance(a, PublicReply) for a in out):
            # no question went out: do not leave the ticket waiting for an answer
            out = [
                a for a in out if not (isinstance(a, Transition) and a.to == "waiting_for_customer")
            ]
        return out

    def _set_breaker(self, tripped: bool, sent: int, cap: int) -> None:
        if tripped and not self._breaker:
            self.log.error(
                "breaker.open",
                sent_last_hour=sent,
                cap=cap,
                detail="public replies stopped; internal notes only",
            )
        elif not tripped and self._breaker:
            self.log.warning("breaker.closed", sent_last_hour=sent, cap=cap)
        self._breaker = tripped
        self.metrics.breaker_open.set(1 if tripped else 0)

    # ------------------------------------------------------------------ dry run & logs

    def _dry(self, snap: TicketSnapshot, decision: Decision | None) -> TriageResult:
        ticket = snap.ticket
        if decision is None:
            decision = self._decide(ticket, self.config)
        actions = list(decision.actions) if decision.skipped else self._guard(snap, decision)
        labels = [action_label(a) for a in actions]
        outcome = Outcome.DRY_RUN
        self._log(decision, ticket.key, [], outcome, [], dry_run=True, planned=labels)
        self._count(decision, ["skip"] if decision.skipped else labels or ["none"])
        return TriageResult(decision, [], ticket.key, outcome, dry_run=True, planned=labels)

    def _unchanged(self, ticket: Ticket) -> TriageResult:
        return TriageResult(
            _skip_decision(ticket.key, "no change since last handled"),
            [],
            ticket.key,
            Outcome.UNCHANGED,
            dry_run=self.dry_run,
        )

    def _count(self, decision: Decision, labels: Iterable[str]) -> None:
        category = decision.category.value if decision.category else "none"
        for label in labels:
            self.metrics.tickets.labels(category, label.split(":", 1)[0]).inc()

    def _log(
        self,
        decision: Decision,
        key: str,
        executed: Sequence[str],
        outcome: str,
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
            outcome=outcome,
        )
        if failed:
            fields["failed"] = list(failed)
        if planned:
            fields["would_do"] = list(planned)
        if outcome in (Outcome.PENDING, Outcome.RATE_LIMITED) or failed:
            self.log.warning(event, **fields)
        else:
            self.log.info(event, **fields)


def _labels(planned: Sequence[PlannedAction]) -> list[str]:
    return [p.label for p in planned]


def _skip_decision(key: str, reason: str) -> Decision:
    return Decision(
        key=key,
        category=None,
        category_confidence=0.0,
        population=None,
        target=None,
        skip_reason=reason or None,
    )
