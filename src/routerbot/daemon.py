"""``routerbot run``: the poll loop, the follow-up job and routing.toml hot reload.

An APScheduler 3.x ``BlockingScheduler`` with an in-memory job store and ONE worker
thread, so jobs never overlap (each job also has ``max_instances=1``,
``coalesce=True`` and ``misfire_grace_time=None``: a late poll runs late, never
silently skipped). Several replicas never share a job store: they coordinate only
through the state store (a leader lease for polling, per-ticket leases for writes).

The poll: ``ServiceDesk.poll(cursor)`` → each snapshot through
:meth:`TriageService.handle`; the cursor moves only up to what was fully handled (a
pending ticket keeps it at its ``updated``: no ticket is ever lost). After each poll,
unfinished intents older than the settle delay are reconciled.

SIGTERM/SIGINT: stop claiming tickets, finish the one in hand, stop the scheduler,
exit 0. :meth:`Daemon.run_cycles` runs polls synchronously (demo, tests).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from routerbot import malloc
from routerbot.errors import (
    AuthenticationError,
    ConfigError,
    RouterbotError,
    ServiceDeskError,
    StateStoreError,
    TransientError,
)
from routerbot.observability import Health, Metrics, failure_summary, get_logger
from routerbot.ports import Clock, ServiceDesk, StateStore, SystemClock, TicketSnapshot
from routerbot.service import Outcome, TriageResult, TriageService

POLL_CURSOR = "poll"
LEADER_LEASE = "poller"
SHUTDOWN_GRACE_SECONDS = 25.0
STARTUP_RETRY_MAX_SECONDS = 60.0


@dataclass
class _CursorTrack:
    handled_max: datetime | None = None
    pending_min: datetime | None = None
    moving: dict[str, datetime | None] = field(default_factory=dict)


@dataclass
class PollReport:
    """What one poll did."""

    ok: bool = True
    standby: bool = False  # another replica leads the polling
    seen: int = 0
    handled: int = 0
    pending: int = 0
    results: list[TriageResult] = field(default_factory=list)
    reconciled: list[TriageResult] = field(default_factory=list)
    cursor: datetime | None = None
    error: str = ""
    interrupted: bool = False


class ConfigSource:
    """Watches routing.toml: a valid change is swapped in, an invalid one refused."""

    def __init__(self, path: Path, loader: Callable[[Path], Any]) -> None:
        self.path = path
        self._loader = loader
        self._mtime: float | None = None
        self._digest = ""

    def _stat(self) -> tuple[float, str]:
        data = self.path.read_bytes()
        return self.path.stat().st_mtime, hashlib.sha256(data).hexdigest()

    def load(self) -> Any:
        """First load: errors propagate (the daemon refuses to start)."""
        mtime, digest = self._stat()
        config = self._loader(self.path)
        self._mtime, self._digest = mtime, digest
        return config

    def changed(self) -> bool:
        try:
            mtime, digest = self._stat()
        except OSError:
            return False
        if mtime == self._mtime and digest == self._digest:
            return False
        if digest == self._digest:
            self._mtime = mtime
            return False
        return True

    def reload(self) -> Any:
        """The new config (raises ``ConfigError``); remembers the file's state either way,
        so a refused file is not re-reported until it changes again."""
        mtime, digest = self._stat()
        self._mtime, self._digest = mtime, digest
        return self._loader(self.path)


class Daemon:
    """Runs the service unattended. Build it with :func:`routerbot.bootstrap.build_app`."""

    def __init__(
        self,
        service: TriageService,
        *,
        store: StateStore,
        desk: ServiceDesk,
        metrics: Metrics,
        health: Health,
        owner: str,
        clock: Clock | None = None,
        poll_seconds: float = 60.0,
        reload_seconds: float = 30.0,
        followup_seconds: float = 3600.0,
        lease_seconds: float = 120.0,
        settle_seconds: float = 30.0,
        config_source: ConfigSource | None = None,
        logger: Any = None,
        undo_job: Callable[[], object] | None = None,
        undo_seconds: float = 900.0,
        page_size: int = 100,
        move_wait_seconds: float = 10.0,
        keep_results: bool = True,
        start_from: datetime | None = None,
        workers: int = 1,
    ) -> None:
        self.service = service
        self.store = store
        self.desk = desk
        self.metrics = metrics
        self.health = health
        self.owner = owner
        self.clock: Clock = clock or SystemClock()
        self.poll_seconds = poll_seconds
        self.reload_seconds = reload_seconds
        self.followup_seconds = followup_seconds
        self.lease_seconds = lease_seconds
        self.settle = timedelta(seconds=settle_seconds)
        self.config_source = config_source
        self.undo_job = undo_job
        self.undo_seconds = undo_seconds
        self.page_size = page_size
        self.move_wait_seconds = move_wait_seconds
        self.keep_results = keep_results  # False in ``run``: nothing kept per ticket
        self.start_from = start_from  # the first poll's cursor when none is stored
        self.workers = max(1, workers)
        self.stop_move_seconds = 5.0  # on SIGTERM, how long pending moves may still take
        self._pool: ThreadPoolExecutor | None = None
        self.log = logger or get_logger("routerbot.daemon")
        self.stopping = service.stopping
        self._dry_cursor: datetime | None = None
        self._not_before: datetime | None = None
        self._busy = threading.Lock()
        self._scheduler: Any = None
        self._started = False
        self._heartbeats = False
        self._leading = False

    @property
    def dry_run(self) -> bool:
        return self.service.dry_run

    # ------------------------------------------------------------------ jobs

    def startup(self) -> None:
        """Check the credentials, then reconcile every unfinished intent."""
        if self._started:
            return
        self._started = True
        try:
            bot = self._whoami_until_reachable()
            if bot is None:  # stopped while Jira was unreachable
                return
            self.health.set_auth(True)
            self.log.info(
                "daemon.started",
                owner=self.owner,
                bot_account=bot,
                dry_run=self.dry_run,
                config_hash=self.service.config_hash[:12],
            )
        except AuthenticationError as exc:
            self.health.set_auth(False)
            self.log.error("daemon.auth_failed", error=str(exc))
            raise
        if not self.dry_run:
            self._take_over_dead_owners()
            done = self.service.reconcile()
            self._hold(done)
            if done:
                self.log.info(
                    "daemon.reconciled", tickets=len(done), outcomes=[r.outcome for r in done]
                )

    def _whoami_until_reachable(self) -> str | None:
        """The bot account, retried with backoff (1 s doubling to 60 s) while Jira is
        unreachable or failing: a network blip at boot must not exit the daemon (the
        unit's start limit would leave it failed). ``/readyz`` says why meanwhile. An
        authentication error is raised at once: a revoked token does not fix itself.
        None when a stop was requested while waiting."""
        delay = 1.0
        while True:
            try:
                bot = self.desk.whoami()
            except TransientError as exc:
                reason = failure_summary(exc)
                self.health.set_startup_problem(f"Jira unreachable at start-up: {reason}")
                self.log.warning("daemon.jira_unreachable", error=reason, retry_in_seconds=delay)
                if self.stopping.wait(delay):
                    return None
                delay = min(delay * 2, STARTUP_RETRY_MAX_SECONDS)
                continue
            self.health.set_startup_problem(None)
            return bot

    def _take_over_dead_owners(self) -> None:
        """A restarted process takes back, at once, the leases that earlier processes of
        this host left behind when they died (owner ``{host}-{pid}``, pid gone)."""
        expire = getattr(self.store, "expire_dead_owners", None)
        if expire is None:
            return
        try:
            dead = expire(socket.gethostname(), _pid_alive, self.owner)
        except StateStoreError as exc:
            self.log.warning("daemon.takeover_failed", error=str(exc))
            return
        if dead:
            self.log.info("daemon.took_over_dead_leases", owners=dead)

    def heartbeat(self) -> None:
        """Every third of the lease TTL: keep (or take over) the poller lease, so a
        standby replaces a dead leader within one TTL; renew leases of pending moves."""
        if self.dry_run or self.stopping.is_set():
            return
        try:
            leading = self.store.try_lead(LEADER_LEASE, self.owner, self._leader_ttl())
            self.service.renew_moves()
        except StateStoreError as exc:
            self.log.warning("daemon.heartbeat_failed", error=str(exc))
            return
        if leading and not self._leading:
            self.log.info("daemon.leading", owner=self.owner)
            scheduler = self._scheduler
            if scheduler is not None and getattr(scheduler, "running", False):
                with contextlib.suppress(Exception):
                    scheduler.modify_job("poll", next_run_time=datetime.now(UTC))
        self._leading = leading

    def _leader_ttl(self) -> float:
        if self._heartbeats:
            return self.lease_seconds
        return max(self.lease_seconds, 3 * self.poll_seconds)

    def poll_once(self) -> PollReport:
        """One poll; never raises for service-desk or store failures (logged, reported)."""
        report = PollReport()
        public_reason = ""
        with self._busy:
            self.health.beat()
            if self.stopping.is_set():
                report.interrupted = True
                return report
            now = self.clock.now()
            if self._not_before is not None and now < self._not_before:
                report.error = "rate limited"
                return report
            started = time.monotonic()
            try:
                if not self._lead():
                    report.standby = True
                    self.health.poll_succeeded()
                    return report
                self._poll(report)
                if not self.dry_run and not self.stopping.is_set() and not self._holding():
                    self._retry_parked(report)
                if not self.dry_run and not self.stopping.is_set() and not self._holding():
                    report.reconciled = self.service.reconcile(older_than=now - self.settle)
                    self._hold(report.reconciled)
            except AuthenticationError as exc:
                self.health.set_auth(False)
                report.ok, report.error = False, str(exc)
                public_reason = failure_summary(exc)
                self.log.error("poll.auth_failed", error=str(exc))
            except (ServiceDeskError, StateStoreError) as exc:
                report.ok, report.error = False, str(exc)
                public_reason = failure_summary(exc)
                self.log.error("poll.failed", error=str(exc), error_type=type(exc).__name__)
            except Exception as exc:  # never let one bad poll kill the daemon
                report.ok, report.error = False, type(exc).__name__
                public_reason = type(exc).__name__
                self.log.exception("poll.crashed")
            finally:
                self.metrics.poll_duration.observe(time.monotonic() - started)
                self._update_backlog()
            if report.ok:
                self.health.set_auth(True)
                self.health.poll_succeeded()
                self.metrics.poll_last_success.set(time.time())
            else:  # /readyz shows what failed, never the upstream body
                self.health.poll_failed(public_reason or report.error)
            self.log.info(
                "poll.done",
                seen=report.seen,
                handled=report.handled,
                pending=report.pending,
                ok=report.ok,
                standby=report.standby,
                cursor=report.cursor,
            )
        return report

    def _holding(self) -> bool:
        """True while a Retry-After from Jira has not expired: send nothing."""
        return self._not_before is not None and self.clock.now() < self._not_before

    def _hold(self, results: list[TriageResult]) -> None:
        for result in results:
            if result.outcome == Outcome.RATE_LIMITED:
                wait = result.retry_after or self.poll_seconds
                self._not_before = self.clock.now() + timedelta(seconds=wait)

    def _lead(self) -> bool:
        if self.dry_run:
            return True
        self._leading = self.store.try_lead(LEADER_LEASE, self.owner, self._leader_ttl())
        return self._leading

    def _poll(self, report: PollReport) -> None:
        """Stream the poll: a page of tickets at a time (nothing kept beyond it), moves
        confirmed while the next tickets go on, the cursor advanced after each page."""
        cursor = self._dry_cursor if self.dry_run else self.store.get_cursor(POLL_CURSOR)
        if cursor is None and self.start_from is not None:
            cursor = self.start_from  # a first start does not answer a year of history
        track = _CursorTrack()
        chunk: list[TicketSnapshot] = []
        try:
            go_on = True
            for snap in self.desk.poll(cursor):
                if self.stopping.is_set():
                    report.interrupted = True
                    break
                chunk.append(snap)
                if len(chunk) >= self.page_size:
                    go_on = self._handle_page(chunk, report, track)
                    chunk = []
                    self._advance(track, report)
                    malloc.trim()
                    if not go_on:
                        break
            else:
                if chunk:
                    go_on = self._handle_page(chunk, report, track)
                if go_on:
                    self._settle_moves(report, track)
        finally:
            if self.stopping.is_set():  # the tickets in hand are finished, moves included
                for result in self.service.finish_moves(self.stop_move_seconds):
                    self._account(result, report, track)
            for result in self.service.release_moves():  # still moving: next run confirms
                self._account(result, report, track)
            self._advance(track, report)
            malloc.trim()  # what the poll freed goes back now, not at some later poll

    def _handle_page(
        self, chunk: list[TicketSnapshot], report: PollReport, track: _CursorTrack
    ) -> bool:
        """Handle one page (with ``workers`` tickets in flight, one lease each); False
        when a Retry-After says stop. Moves still pending go on with the next page (the
        cursor stays behind them)."""
        self.service.prefetch([s.ticket.key for s in chunk])
        if self.workers > 1:
            return self._handle_in_pool(chunk, report, track)
        for snap in chunk:
            if self.stopping.is_set():
                report.interrupted = True
                return False
            report.seen += 1
            if not self._account(self.service.handle(snap), report, track):
                return False
            for done in self.service.resume_moves():
                if not self._account(done, report, track):
                    return False
        return True

    def _settle_moves(self, report: PollReport, track: _CursorTrack) -> bool:
        """The poll's last moves: look again with a growing backoff until confirmed,
        for at most ``move_wait_seconds`` (what is left is released at the end of the
        poll; the next one confirms it)."""
        deadline = time.monotonic() + self.move_wait_seconds
        while self.service.moving and time.monotonic() < deadline:
            due = self.service.next_move_check() or time.monotonic()
            if self.stopping.wait(max(0.0, min(due, deadline) - time.monotonic())):
                report.interrupted = True
                return False
            if self.workers > 1:
                if not self._handle_in_pool([], report, track):
                    return False
                continue
            for done in self.service.resume_moves():
                if not self._account(done, report, track):
                    return False
        return True

    def _handle_in_pool(
        self, chunk: list[TicketSnapshot], report: PollReport, track: _CursorTrack
    ) -> bool:
        """Several tickets in flight. Each ticket appears once per page and is handled
        under its own lease, so its actions keep their order; the workers share the one
        HTTP client (its Retry-After gate and adaptive limit) and the store. Pending moves
        whose check is due go first, to the workers too: a move's checks and the rest of
        its plan never hold up the tickets behind it."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ticket")
        todo = iter(chunk)
        running: set[Future[TriageResult]] = set()
        go_on = True
        try:
            while True:
                if go_on:
                    for run in self.service.due_moves(self.workers - len(running)):
                        running.add(self._pool.submit(self.service.resume_move, run))
                while go_on and len(running) < self.workers:
                    if self.stopping.is_set():
                        report.interrupted, go_on = True, False
                        break
                    snap = next(todo, None)
                    if snap is None:
                        break
                    report.seen += 1
                    running.add(self._pool.submit(self.service.handle, snap))
                if not running:
                    break
                done, running = wait(running, timeout=0.05, return_when=FIRST_COMPLETED)
                for future in done:
                    go_on = self._account(future.result(), report, track) and go_on
        finally:
            for future in running:  # an error above: let the tickets in hand finish
                with contextlib.suppress(Exception):
                    self._account(future.result(), report, track)
        return go_on

    def _retry_parked(self, report: PollReport, limit: int = 10) -> None:
        """Parked tickets whose backoff is over (or that an operator asked to retry) are
        read and handled again, a few per poll; one that fails again is parked longer."""
        now = self.clock.now()
        due = [p for p in self.store.parked_tickets() if p.parked_until and p.parked_until <= now]
        for state in due[:limit]:
            if self.stopping.is_set():
                return
            try:
                result = self.service.handle(self.desk.get(state.key), force=True)
            except RouterbotError as exc:
                self.log.warning("parked.retry_failed", key=state.key, error=str(exc)[:300])
                continue
            if self.keep_results:
                report.results.append(result)
            if result.outcome is Outcome.RATE_LIMITED:
                self._hold([result])
                return

    def _account(self, result: TriageResult, report: PollReport, track: _CursorTrack) -> bool:
        """Count one result and track the cursor; False when rate limited."""
        if self.keep_results:
            report.results.append(result)
        updated = result.updated
        if result.outcome is Outcome.MOVING:
            track.moving[result.polled or result.key] = updated
            return True
        moved_from = track.moving.pop(result.polled or result.key, None)
        updated = updated or moved_from
        if result.handled:
            report.handled += 1
            if updated and (track.handled_max is None or updated > track.handled_max):
                track.handled_max = updated
        else:
            report.pending += 1
            if updated and (track.pending_min is None or updated < track.pending_min):
                track.pending_min = updated
        if result.outcome is Outcome.RATE_LIMITED:
            wait = result.retry_after or self.poll_seconds
            self._not_before = self.clock.now() + timedelta(seconds=wait)
            self.log.warning("poll.rate_limited", retry_after=wait)
            return False
        return True

    def _advance(self, track: _CursorTrack, report: PollReport) -> None:
        """Move the cursor up to what is fully handled (tickets come oldest first)."""
        holds = [u for u in track.moving.values() if u is not None]
        if track.pending_min is not None:
            holds.append(track.pending_min)
        new = min(holds) if holds else track.handled_max
        if new is None or new == report.cursor:
            return
        if self.dry_run:
            self._dry_cursor = new
        else:
            self.store.set_cursor(POLL_CURSOR, new)
        report.cursor = new

    def follow_up_once(self) -> list[TriageResult]:
        """Reminders and hand-overs for tickets waiting for the customer."""
        results: list[TriageResult] = []
        with self._busy:
            self.health.beat()
            if self._holding():
                return results
            try:
                waiting = self.store.waiting_tickets()
            except StateStoreError as exc:
                self.log.error("followup.failed", error=str(exc))
                return results
            for state in waiting:
                if self.stopping.is_set():
                    break
                if state.waiting_since is None:
                    continue
                try:
                    result = self.service.follow_up(state)
                except RouterbotError as exc:
                    self.log.error("followup.ticket_failed", key=state.key, error=str(exc))
                    continue
                if result is not None:
                    results.append(result)
                    if result.outcome == Outcome.RATE_LIMITED:
                        self._hold([result])
                        break
            self._update_backlog()
        return results

    def observe_undos(self) -> None:
        """Count agents undoing the bot (``routerbot_agent_undo_total``): read-only."""
        if self.undo_job is None or self.stopping.is_set():
            return
        with self._busy:
            if self._holding():
                return
            try:
                self.undo_job()
            except RouterbotError as exc:  # a metric must never stop the daemon
                self.log.warning("undo_metric.failed", error=str(exc))

    def reload_config(self) -> bool | None:
        """True: a new config is active; False: refused; None: unchanged."""
        source = self.config_source
        if source is None or not source.changed():
            return None
        try:
            config = source.reload()
        except Exception as exc:  # whatever a file does, the old rules stay
            problems = exc.problems if isinstance(exc, ConfigError) else [type(exc).__name__]
            self.metrics.config_reloads.labels("error").inc()
            self.log.error(
                "config.reload_refused",
                path=str(source.path),
                problems=problems,
                kept=self.service.config_hash[:12],
            )
            return False
        old = self.service.config_hash
        self.service.config = config
        self.metrics.config_reloads.labels("ok").inc()
        self.log.info(
            "config.reloaded",
            path=str(source.path),
            old=old[:12],
            config_hash=self.service.config_hash[:12],
        )
        return True

    def _update_backlog(self) -> None:
        try:
            counts = self.store.stats()
            backlog = counts.get("planned", 0) + counts.get("in_flight", 0)
            self.metrics.ledger_backlog.set(backlog)
            parked = self.store.parked_tickets()
        except StateStoreError:
            return
        # degraded but working: shown in /readyz "detail", never making it unready
        self.metrics.parked_now.set(len(parked))
        keys = ", ".join(p.key for p in parked[:5])
        self.health.set_detail(
            "parked",
            f"{len(parked)} ticket(s) parked after repeated failures: {keys} (routerbot parked)"
            if parked
            else None,
        )
        self.health.set_detail(
            "breaker",
            "hourly public-reply cap reached: replies deferred (routerbot breaker reset)"
            if self.service.breaker_open
            else None,
        )

    # ------------------------------------------------------------------ running

    def run_cycles(
        self, n: int, *, between: Callable[[int], None] | None = None
    ) -> list[PollReport]:
        """Run ``n`` polls (each followed by the follow-up job) without the scheduler;
        ``between(i)`` runs after cycle ``i`` (the demo uses it to play the customer)."""
        self.startup()
        reports = []
        for i in range(n):
            reports.append(self.poll_once())
            self.follow_up_once()
            if between is not None and i < n - 1:
                between(i)
        return reports

    def run(self, *, once: bool = False) -> int:
        """Block until SIGTERM/SIGINT (or after one poll with ``once``); exit code."""
        self._install_signals()
        self.keep_results = False  # unattended: nothing is kept per ticket
        self.startup()
        if self.stopping.is_set():  # SIGTERM while Jira was still unreachable
            self.log.info("daemon.stopped", reason="stopped before start-up completed")
            return 0
        if once:
            report = self.poll_once()
            self.follow_up_once()
            self._resign()
            return 0 if report.ok else 1
        from apscheduler.executors.pool import (  # noqa: PLC0415  # heavy
            ThreadPoolExecutor as JobThreads,
        )
        from apscheduler.schedulers.blocking import BlockingScheduler  # noqa: PLC0415

        scheduler = BlockingScheduler(
            # one worker for the jobs that write, one for the heartbeat (never blocked
            # behind a long poll: it keeps the poller lease alive)
            executors={
                "default": JobThreads(1),
                "beat": JobThreads(1),
                "reload": JobThreads(1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        now = datetime.now(UTC)
        scheduler.add_job(
            self.poll_once,
            "interval",
            seconds=self.poll_seconds,
            id="poll",
            name="poll",
            next_run_time=now,
        )
        scheduler.add_job(
            self.follow_up_once,
            "interval",
            seconds=self.followup_seconds,
            id="followup",
            name="follow-up",
            next_run_time=now + timedelta(seconds=min(5.0, self.poll_seconds)),
        )
        if self.config_source is not None:
            scheduler.add_job(
                self.reload_config,
                "interval",
                seconds=self.reload_seconds,
                id="reload",
                name="config reload",
                executor="reload",  # off the poll thread: a slow file never stalls polling
            )
        if not self.dry_run:
            self._heartbeats = True
            scheduler.add_job(
                self.heartbeat,
                "interval",
                seconds=max(0.5, self.lease_seconds / 3),
                id="heartbeat",
                name="lease heartbeat",
                executor="beat",
            )
        if self.undo_job is not None:
            scheduler.add_job(
                self.observe_undos,
                "interval",
                seconds=self.undo_seconds,
                id="undo",
                name="agent undo metric",
            )
        self._scheduler = scheduler
        self.log.info(
            "daemon.scheduler_started",
            poll_seconds=self.poll_seconds,
            followup_seconds=self.followup_seconds,
            reload_seconds=self.reload_seconds,
        )
        if self.stopping.is_set():  # a signal before the scheduler existed
            return 0
        scheduler.start()  # returns after shutdown
        # The job in hand finishes its ticket; wait for it before closing anything.
        if self._busy.acquire(timeout=SHUTDOWN_GRACE_SECONDS):
            self._busy.release()
        else:
            self.log.error("daemon.shutdown_timeout", grace=SHUTDOWN_GRACE_SECONDS)
        self._resign()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.log.info("daemon.stopped")
        return 0

    def request_stop(self, reason: str = "requested") -> None:
        """Stop claiming tickets; the ticket in hand is finished. Safe from a signal."""
        first = not self.stopping.is_set()
        self.stopping.set()
        if first:
            self.log.info("daemon.stopping", reason=reason)
        scheduler = self._scheduler
        if scheduler is not None and getattr(scheduler, "running", False):
            # Not here: from a signal handler the main thread may be inside the
            # scheduler's job loop, holding its re-entrant lock, and shutting down empties
            # the job store under that loop (JobLookupError: exit 1 instead of 0). Another
            # thread waits for the loop to let go of the lock.
            threading.Thread(
                target=_shutdown, args=(scheduler,), name="scheduler-stop", daemon=True
            ).start()

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            self.request_stop(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _resign(self) -> None:
        if not self.dry_run:
            with contextlib.suppress(StateStoreError):
                self.store.resign(LEADER_LEASE, self.owner)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _shutdown(scheduler: Any) -> None:
    with contextlib.suppress(Exception):  # already stopped: nothing to do
        scheduler.shutdown(wait=False)
