"""The ledger executor, one situation per test: fresh intents, resumed intents (marker
check first), moves that do not block, records recovered across a move, poison
isolation, and the transaction budget per ticket."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from service_fakes import BOT_ID, FakeClock, FakeDesk, Fault, make_service
from structlog.testing import capture_logs

from routerbot.daemon import ConfigSource, Daemon
from routerbot.domain import AuthorRole, Comment
from routerbot.errors import AmbiguousWrite, ServerError
from routerbot.observability import Health
from routerbot.ports import ActionState, MoveProgress, TicketSnapshot, TicketState
from routerbot.service import Outcome, TriageService, marker_for
from routerbot.settings import parse_start_from
from routerbot.store import SqlStateStore, open_store


def _snap(desk: FakeDesk, key: str) -> TicketSnapshot:
    return desk.get(key)


def _reads(desk: FakeDesk) -> int:
    return desk.reads


def test_fresh_intents_are_acted_on_without_reading_the_ticket_again(
    desk: FakeDesk, service: TriageService
) -> None:
    desk.add("LG-1", "Comment vous contacter ?")
    snap = _snap(desk, "LG-1")
    before = desk.reads
    assert service.handle(snap).outcome == Outcome.DONE
    assert desk.reads == before  # the polled snapshot was enough
    assert desk.write_ops() == ["post_comment", "save_record"]


def test_an_ordinary_ticket_costs_at_most_three_write_transactions(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("LG-2", "Comment vous contacter ?")
    snap = _snap(desk, "LG-2")
    service.prefetch(["LG-2"])
    service._sent_last_hour()  # the hourly count is read once per few seconds, not per ticket
    before = store.transactions
    assert service.handle(snap).outcome == Outcome.DONE
    # open (lease + ledger + intents), the fence check right before the POST, settle
    assert 1 <= store.transactions - before <= 3, store.transactions - before


def test_an_intent_from_an_earlier_run_is_checked_on_the_ticket_before_acting(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("LG-3", "Comment vous contacter ?")
    desk.faults.append(Fault("post_comment", AmbiguousWrite("reset"), after_commit=True))
    assert service.handle(_snap(desk, "LG-3")).outcome == Outcome.PENDING
    snap = _snap(desk, "LG-3")
    reads = desk.reads
    assert service.handle(snap).handled
    assert desk.reads == reads + 1  # one fresh read for the marker check
    assert len(desk.public_bot_comments("LG-3")) == 1
    assert all(a.state is ActionState.DONE for a in store.actions_for("LG-3"))


def test_a_marker_pasted_by_the_customer_does_not_count_as_the_bots_reply(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("LG-4", "Comment vous contacter ?")
    desk.faults.append(Fault("post_comment", AmbiguousWrite("timeout")))  # not committed
    assert service.handle(_snap(desk, "LG-4")).outcome == Outcome.PENDING
    [rec] = store.actions_for("LG-4")
    ticket = desk.tickets["LG-4"]
    forged = Comment("c-forged", AuthorRole.CUSTOMER, f"voir {marker_for(rec.action_id)}", True)
    desk.tickets["LG-4"] = ticket.__class__(
        **{**{f: getattr(ticket, f) for f in ticket.__dataclass_fields__}, "comments": (forged,)}
    )
    service.handle(_snap(desk, "LG-4"), force=True)
    # the reply the marker belongs to was really sent, by the bot
    assert any(marker_for(rec.action_id) in c.body for c in desk.public_bot_comments("LG-4"))


def test_a_pending_move_does_not_stop_the_next_tickets(
    clock: FakeClock, store: SqlStateStore
) -> None:
    desk = FakeDesk(clock, move_polls=3)
    svc = make_service(desk, store, clock)
    desk.add("LG-5", "Je suis agent DDPP, comment vous contacter ?")
    desk.add("LG-6", "Comment vous contacter ?")
    first = svc.handle(_snap(desk, "LG-5"))
    assert first.outcome == Outcome.MOVING and not first.handled
    second = svc.handle(_snap(desk, "LG-6"))
    assert second.outcome == Outcome.DONE  # handled while the move is still running
    assert desk.write_ops() == ["move", "post_comment", "save_record"]
    results = []
    while svc.moving:
        results += svc.resume_moves(due_only=False)
    [done] = [r for r in results if r.outcome != Outcome.MOVING]
    assert done.outcome == Outcome.DONE and done.key.startswith("SD4-")
    # the rest of the moved ticket's plan ran once, after the confirmation
    assert desk.write_ops() == [
        "move",
        "post_comment",
        "save_record",
        "set_request_type",
        "post_comment",
        "save_record",
    ]
    assert desk.tickets[done.key].request_type == "87"


@dataclass
class _ThreadsDesk(FakeDesk):
    """Notes the thread each look at a bulk-move task runs on."""

    progress_threads: list[str] = field(default_factory=list)

    def move_progress(self, task_id: str) -> MoveProgress:
        self.progress_threads.append(threading.current_thread().name)
        return super().move_progress(task_id)


def test_with_workers_a_moves_checks_run_on_the_workers_and_carry_over_pages(
    clock: FakeClock, store: SqlStateStore
) -> None:
    desk = _ThreadsDesk(clock, move_polls=3)
    svc = make_service(desk, store, clock)
    desk.add("LG-20", "Je suis agent DDPP, comment vous contacter ?")  # moves
    for n in range(21, 26):
        desk.add(f"LG-{n}", "Comment vous contacter ?")
    daemon = Daemon(
        svc,
        store=store,
        desk=desk,
        metrics=svc.metrics,
        health=Health(poll_seconds=60, clock=clock),
        owner="replica-a",
        clock=clock,
        page_size=2,
        workers=2,
    )
    try:
        report = daemon.poll_once()
    finally:
        daemon._pool and daemon._pool.shutdown()
    assert report.ok and report.handled == 6 and report.pending == 0
    assert desk.write_ops().count("move") == 1
    [new_key] = desk.moved.values()
    assert len(desk.public_bot_comments(new_key)) == 1  # the rest of its plan, once
    # the poll thread only hands out work: the move's checks ran on the pool's workers
    assert desk.progress_threads
    assert all(name.startswith("ticket") for name in desk.progress_threads)


def test_a_move_left_pending_by_a_stop_is_confirmed_not_submitted_again(
    clock: FakeClock, store: SqlStateStore
) -> None:
    desk = FakeDesk(clock, move_polls=2)
    svc = make_service(desk, store, clock)
    desk.add("LG-7", "Je suis agent DDPP, comment vous contacter ?")
    assert svc.handle(_snap(desk, "LG-7")).outcome == Outcome.MOVING
    [pending] = svc.release_moves()  # SIGTERM: give the lease back
    assert pending.outcome == Outcome.PENDING
    other = make_service(desk, store, clock, owner="replica-b")
    result = other.handle(_snap(desk, "LG-7"))
    while other.moving:
        result = other.resume_moves(due_only=False)[-1] if other.moving else result
    assert desk.write_ops().count("move") == 1
    assert len(desk.public_bot_comments(desk.moved["LG-7"])) == 1


def test_record_lost_after_a_move_is_recovered_under_the_new_key_with_its_follow_up(
    desk: FakeDesk, service: TriageService, store: SqlStateStore, clock: FakeClock
) -> None:
    """Issue 11 item 1: the ledger rows sit under the old key; the ticket is found
    under its new key and still gets its label, record, waiting state and reminder."""
    desk.add("LG-8", "Je suis agent DDPP, erreur de connexion")
    for _ in range(5):
        desk.faults.append(Fault("save_record", ServerError("503", status=503)))
    first = service.handle(_snap(desk, "LG-8"))
    assert first.outcome == Outcome.PENDING
    new_key = desk.moved["LG-8"]
    assert "routerbot" not in desk.tickets[new_key].labels
    desk.faults.clear()
    service.handle(_snap(desk, new_key))
    assert "routerbot" in desk.tickets[new_key].labels
    assert desk.records[new_key].state == "waiting_browser"
    waiting = [s.key for s in store.waiting_tickets()]
    assert new_key in waiting and "LG-8" not in waiting
    clock.sleep(timedelta(days=3, hours=1).total_seconds())
    [state] = [s for s in store.waiting_tickets() if s.key == new_key]
    reminder = service.follow_up(state)
    assert reminder is not None and reminder.executed == ["reply:reminder"]
    assert len(desk.public_bot_comments(new_key)) == 2


def test_waiting_tickets_are_rediscovered_from_the_ticket_after_losing_the_store(
    desk: FakeDesk, clock: FakeClock, tmp_path: object
) -> None:
    """Issue 11 item 3: the follow-up survives a lost database and is sent once."""
    first_store = open_store("sqlite://", clock=clock)
    first = make_service(desk, first_store, clock)
    desk.add("LG-9", "Erreur de connexion")
    first.handle(_snap(desk, "LG-9"))
    first_store.close()
    clock.sleep(timedelta(days=3, hours=1).total_seconds())
    fresh_store = open_store("sqlite://", clock=clock)  # lost: an empty database
    second = make_service(desk, fresh_store, clock, owner="replica-b")
    for snap in desk.poll(None):
        second.handle(snap)
    [state] = fresh_store.waiting_tickets()
    assert state.key == "LG-9" and state.asks == 1
    result = second.follow_up(state)
    assert result is not None and result.executed == ["reply:reminder"]
    assert second.follow_up(fresh_store.waiting_tickets()[0]) is None
    assert len(desk.public_bot_comments("LG-9")) == 2  # the question and one reminder
    fresh_store.close()


def test_a_ticket_that_keeps_failing_is_parked_and_the_others_go_on(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("LG-10", "Comment vous contacter ?")
    desk.add("LG-11", "Comment vous contacter ?")
    broken = TicketSnapshot(desk.tickets["LG-10"], error="ServerError: 500 on comments")
    outcomes = [service.handle(broken).outcome for _ in range(3)]
    assert outcomes == [Outcome.PENDING, Outcome.PENDING, Outcome.PARKED]
    assert Outcome.PARKED.handled  # the cursor moves on
    assert service.handle(_snap(desk, "LG-11")).outcome == Outcome.DONE
    [parked] = store.parked_tickets()
    assert parked.key == "LG-10" and parked.failures == 3 and "500" in parked.last_error
    assert service.metrics.value("routerbot_tickets_parked_total") == 1
    # an operator retries it (`routerbot parked --retry LG-10`): handled at once
    assert store.unpark("LG-10")
    assert service.handle(_snap(desk, "LG-10")).outcome == Outcome.DONE
    assert store.parked_tickets() == []


def test_the_bots_own_write_is_neither_logged_nor_counted_again(
    desk: FakeDesk, service: TriageService
) -> None:
    desk.add("LG-12", "Comment vous contacter ?")
    with capture_logs() as logs:
        service.handle(_snap(desk, "LG-12"))
        service.handle(_snap(desk, "LG-12"))  # seen again: `updated` moved by the bot
    assert [e["event"] for e in logs].count("ticket.triaged") == 1


def test_an_action_that_keeps_failing_ambiguously_goes_to_a_human(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("LG-13", "Comment vous contacter ?")
    for _ in range(5):
        desk.faults.append(Fault("post_comment", AmbiguousWrite("timeout")))
    for _ in range(5):
        service.handle(_snap(desk, "LG-13"), force=True)
    result = service.handle(_snap(desk, "LG-13"), force=True)
    assert result.failed == ["reply:faq:nous-contacter"]
    [rec] = store.actions_for("LG-13")
    assert rec.state is ActionState.FAILED and "gave up" in rec.error
    assert BOT_ID  # the fake's account


def test_the_first_poll_goes_back_only_as_far_as_start_from(
    desk: FakeDesk, store: SqlStateStore, clock: FakeClock
) -> None:
    """Issue 11 (breaker semantics): a first start does not answer a year of history."""
    svc = make_service(desk, store, clock)
    desk.add("OLD-1", "Comment vous contacter ?")
    clock.sleep(timedelta(days=30).total_seconds())
    desk.add("NEW-1", "Comment vous contacter ?")
    daemon = Daemon(
        svc,
        store=store,
        desk=desk,
        metrics=svc.metrics,
        health=Health(poll_seconds=60, clock=clock),
        owner="replica-a",
        clock=clock,
        start_from=parse_start_from("7d", clock.now()),
    )
    report = daemon.poll_once()
    assert report.ok and report.seen == 1
    assert desk.public_bot_comments("OLD-1") == []
    assert len(desk.public_bot_comments("NEW-1")) == 1


def test_start_from_reads_durations_dates_and_all() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert parse_start_from("7d", now) == now - timedelta(days=7)
    assert parse_start_from("12h", now) == now - timedelta(hours=12)
    assert parse_start_from("2026-01-01", now) == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_start_from("all", now) is None
    with pytest.raises(ValueError, match="expected a duration"):
        parse_start_from("last week", now)


def test_a_parked_ticket_is_retried_by_the_poll_once_its_backoff_is_over(
    desk: FakeDesk, store: SqlStateStore, clock: FakeClock
) -> None:
    svc = make_service(desk, store, clock)
    desk.add("PK-1", "Comment vous contacter ?")
    store.put_ticket(
        TicketState(
            key="PK-1",
            last_updated=desk.tickets["PK-1"].updated,  # the poll alone would skip it
            failures=3,
            parked_until=clock.now() + timedelta(minutes=2),
            last_error="ServerError: 500",
        )
    )
    daemon = Daemon(
        svc,
        store=store,
        desk=desk,
        metrics=svc.metrics,
        health=Health(poll_seconds=60, clock=clock),
        owner="replica-a",
        clock=clock,
    )
    daemon.poll_once()
    assert desk.public_bot_comments("PK-1") == []  # still within its backoff
    assert "parked" in daemon.health.details()
    clock.sleep(180)
    daemon.poll_once()
    assert len(desk.public_bot_comments("PK-1")) == 1
    assert store.parked_tickets() == []


def test_a_reload_that_blows_up_is_refused_and_the_old_rules_stay(
    desk: FakeDesk, store: SqlStateStore, clock: FakeClock, tmp_path: Path
) -> None:
    """Issue 11 item 9: a lead's file that exhausts memory while loading is a refused
    reload (``config.reload_refused``), not a job crash; the previous rules stay."""
    svc = make_service(desk, store, clock)
    routing = tmp_path / "routing.toml"
    routing.write_text("# first\n", encoding="utf-8")
    calls: list[Path] = []

    def loader(path: Path) -> Any:
        calls.append(path)
        if len(calls) > 1:
            raise MemoryError
        return svc.config

    source = ConfigSource(routing, loader)
    source.load()
    daemon = Daemon(
        svc,
        store=store,
        desk=desk,
        metrics=svc.metrics,
        health=Health(poll_seconds=60, clock=clock),
        owner="replica-a",
        clock=clock,
        config_source=source,
    )
    before = svc.config
    routing.write_text("# changed\n", encoding="utf-8")
    with capture_logs() as logs:
        assert daemon.reload_config() is False
    assert svc.config is before
    [refused] = [e for e in logs if e["event"] == "config.reload_refused"]
    assert refused["problems"] == ["MemoryError"]


def test_the_same_reporter_and_text_on_new_tickets_is_a_loop_signature(
    desk: FakeDesk, service: TriageService
) -> None:
    """An auto-responder that opens a ticket per reply: the third ticket with the same
    text from the same reporter in the hour gets a note for the agents, not a reply."""
    outcomes = []
    for i in range(3):
        desk.add(f"LS-{i}", "Comment vous contacter ?", email="robot@auto.fr")
        outcomes.append(service.handle(_snap(desk, f"LS-{i}")).executed)
    assert [len(desk.public_bot_comments(f"LS-{i}")) for i in range(3)] == [1, 1, 0]
    assert any(label.startswith("note:held_") for label in outcomes[2]), outcomes[2]
    held = service.metrics.value("routerbot_replies_held_total", {"reason": "same_reporter"})
    assert held == 1
