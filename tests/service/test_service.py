"""The service executes decisions exactly once, against port fakes and a real SQLite store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from service_fakes import FakeClock, FakeDesk, Fault, make_service, routing_config
from structlog.testing import capture_logs

from routerbot.domain import AuthorRole, Decision, Ticket
from routerbot.errors import AmbiguousWrite, Conflict, RateLimited, ServerError
from routerbot.observability import Metrics
from routerbot.ports import ActionState
from routerbot.service import MARKER_RE, Outcome, TriageService, action_id_for, marker_for
from routerbot.store import SqlStateStore, open_store


def _snap(desk: FakeDesk, key: str):  # test helper
    return desk.get(key)


def test_action_id_is_deterministic_and_excludes_config() -> None:
    a = action_id_for("10001", "public_reply", "created", "faq:nous-contacter")
    assert a == action_id_for("10001", "public_reply", "created", "faq:nous-contacter")
    assert a != action_id_for("10001", "public_reply", "c-2", "faq:nous-contacter")
    assert MARKER_RE.search(marker_for(a)).group(1) == a[:8]  # type: ignore[union-attr]


def test_new_ticket_gets_its_reply_with_marker_label_and_record(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("OPE-1", "Comment vous contacter ?")
    result = service.handle(_snap(desk, "OPE-1"))
    assert result.outcome == Outcome.DONE
    assert result.executed == ["reply:faq:nous-contacter"]
    [reply] = desk.public_bot_comments("OPE-1")
    assert reply.body.startswith("Écrivez-nous")
    assert MARKER_RE.search(reply.body)
    assert "routerbot" in desk.tickets["OPE-1"].labels
    assert len(desk.records["OPE-1"].done) == 1
    assert [a.state for a in store.actions_for("OPE-1")] == [ActionState.DONE]


def _counting_decide(service: TriageService) -> list[str]:
    """Make ``service`` note the key of every ticket it decides."""
    decided: list[str] = []
    decide = service._decide

    def counted(ticket: Ticket, config: Any) -> Decision:
        decided.append(ticket.key)
        return decide(ticket, config)  # type: ignore[no-any-return]

    service._decide = counted
    return decided


def test_unchanged_ticket_costs_no_write(desk: FakeDesk, service: TriageService) -> None:
    desk.add("OPE-1", "Comment vous contacter ?")
    snap = _snap(desk, "OPE-1")
    service.handle(snap)
    before = list(desk.writes)
    decided = _counting_decide(service)
    assert service.handle(snap).outcome == Outcome.UNCHANGED
    # the bot's own writes bumped `updated`: seen again, not decided again, nothing written
    assert service.handle(_snap(desk, "OPE-1")).outcome == Outcome.UNCHANGED
    assert service.handle(_snap(desk, "OPE-1")).outcome == Outcome.UNCHANGED
    assert desk.writes == before
    assert decided == []


def test_a_customer_reply_after_the_bots_writes_is_always_decided(
    desk: FakeDesk, service: TriageService
) -> None:
    desk.add("OPE-1", "Erreur de connexion", "impossible de me connecter")
    service.handle(_snap(desk, "OPE-1"))  # the bot asks for the browser
    [ask] = desk.public_bot_comments("OPE-1")
    # the answer quotes the bot's question, marker included (a mail client's reply)
    desk.customer_says("OPE-1", f"Firefox 128\n\n> {ask.body}")
    decided = _counting_decide(service)
    result = service.handle(_snap(desk, "OPE-1"))
    assert decided == ["OPE-1"]
    assert result.outcome == Outcome.DONE and result.executed
    assert len(desk.bot_comments("OPE-1")) > 1 and ask in desk.bot_comments("OPE-1")


def test_an_agents_comment_since_the_bots_writes_is_decided(
    desk: FakeDesk, service: TriageService
) -> None:
    desk.add("OPE-1", "Comment vous contacter ?")
    service.handle(_snap(desk, "OPE-1"))
    desk._comment("OPE-1", "Je prends la main.", AuthorRole.AGENT, public=True)
    decided = _counting_decide(service)
    service.handle(_snap(desk, "OPE-1"))
    assert decided == ["OPE-1"]


def test_a_bot_comment_the_record_does_not_list_is_decided_so_the_record_is_recovered(
    desk: FakeDesk, service: TriageService
) -> None:
    """A crash after the reply, before the record: the re-read must not be skipped."""
    desk.add("OPE-1", "Comment vous contacter ?")
    service.handle(_snap(desk, "OPE-1"))
    desk.records["OPE-1"] = replace(desk.records["OPE-1"], done=())  # record never written
    decided = _counting_decide(service)
    service.handle(_snap(desk, "OPE-1"))
    assert decided == ["OPE-1"]
    assert len(desk.records["OPE-1"].done) == 1  # written again, the reply not repeated
    assert len(desk.public_bot_comments("OPE-1")) == 1


def test_actions_run_in_order_reroute_comment_transition_record(
    desk: FakeDesk, service: TriageService
) -> None:
    desk.add("OPE-2", "Je suis agent DDPP, problème de connexion", rtype="84")
    result = service.handle(_snap(desk, "OPE-2"))
    assert result.outcome == Outcome.DONE
    assert desk.write_ops() == [
        "move",
        "set_request_type",
        "post_comment",
        "transition",
        "save_record",
    ]
    new_key = result.key
    assert new_key != "OPE-2"
    assert desk.tickets[new_key].location.service_desk == "4"
    assert desk.tickets[new_key].status == "Waiting for customer"


def test_customer_answer_is_read_and_acted_on(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("OPE-3", "Erreur de connexion", "impossible de me connecter")
    service.handle(_snap(desk, "OPE-3"))
    state = store.get_ticket("OPE-3")
    assert state is not None and state.status == "waiting_browser" and state.asks == 1
    assert [s.key for s in store.waiting_tickets()] == ["OPE-3"]

    desk.customer_says("OPE-3", "J'utilise Firefox 115")
    result = service.handle(_snap(desk, "OPE-3"))
    assert result.executed == ["note:browser", "transition:waiting_for_support"]
    notes = [c for c in desk.bot_comments("OPE-3") if not c.public]
    assert len(notes) == 1 and "firefox 115" in notes[0].body
    assert desk.tickets["OPE-3"].status == "Waiting for support"
    assert store.waiting_tickets() == []


def test_restart_with_same_sqlite_file_repeats_nothing(
    desk: FakeDesk, clock: FakeClock, state_url: str
) -> None:
    desk.add("OPE-4", "Comment vous contacter ?")
    desk.add("OPE-5", "Erreur de connexion")
    first_store = open_store(state_url, clock=clock)
    first = make_service(desk, first_store, clock)
    for key in ("OPE-4", "OPE-5"):
        first.handle(_snap(desk, key))
    first_store.close()
    writes = list(desk.writes)

    second_store = open_store(state_url, clock=clock)  # a new process: new objects
    second = make_service(desk, second_store, clock, owner="replica-b")
    try:
        for snap in desk.poll(None):
            second.handle(snap)
        for snap in desk.poll(None):
            second.handle(snap, force=True)  # even a forced re-run repeats nothing
        assert second.reconcile() == []
    finally:
        second_store.close()
    assert desk.writes == writes


def test_ambiguous_write_that_committed_is_reconciled_without_reposting(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("OPE-6", "Comment vous contacter ?")
    desk.faults.append(Fault("post_comment", AmbiguousWrite("reset"), after_commit=True))
    result = service.handle(_snap(desk, "OPE-6"))
    assert result.outcome == Outcome.PENDING
    assert not result.handled
    [rec] = store.actions_for("OPE-6")
    assert rec.state is ActionState.IN_FLIGHT

    [again] = service.reconcile()
    assert again.outcome == Outcome.DONE
    assert len(desk.public_bot_comments("OPE-6")) == 1
    assert store.actions_for("OPE-6")[0].state is ActionState.DONE
    assert "routerbot" in desk.tickets["OPE-6"].labels  # the plan was finished
    assert (
        service.metrics.value(
            "routerbot_actions_total", {"kind": "public_reply", "outcome": "duplicate_suppressed"}
        )
        == 1
    )


def test_ambiguous_write_that_did_not_commit_is_posted_exactly_once(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("OPE-7", "Comment vous contacter ?")
    desk.faults.append(Fault("post_comment", AmbiguousWrite("timeout")))
    assert service.handle(_snap(desk, "OPE-7")).outcome == Outcome.PENDING
    assert desk.public_bot_comments("OPE-7") == []
    # the next poll sees the ticket again (cursor not advanced): posts once
    result = service.handle(_snap(desk, "OPE-7"))
    assert result.handled
    service.handle(_snap(desk, "OPE-7"))
    service.reconcile()
    assert len(desk.public_bot_comments("OPE-7")) == 1


def test_rate_limited_write_is_retried_later_once(desk: FakeDesk, service: TriageService) -> None:
    desk.add("OPE-8", "Comment vous contacter ?")
    desk.faults.append(Fault("post_comment", RateLimited("429", retry_after=12.0, status=429)))
    result = service.handle(_snap(desk, "OPE-8"))
    assert result.outcome == Outcome.RATE_LIMITED
    assert result.retry_after == 12.0
    assert service.handle(_snap(desk, "OPE-8")).outcome == Outcome.DONE
    assert len(desk.public_bot_comments("OPE-8")) == 1


def test_server_error_on_record_leaves_actions_done_and_finishes_later(
    desk: FakeDesk, service: TriageService
) -> None:
    desk.add("OPE-9", "Comment vous contacter ?")
    desk.faults.append(Fault("save_record", ServerError("502", status=502)))
    assert service.handle(_snap(desk, "OPE-9")).outcome == Outcome.PENDING
    assert service.handle(_snap(desk, "OPE-9")).outcome in (Outcome.DONE, Outcome.SKIPPED)
    assert len(desk.public_bot_comments("OPE-9")) == 1


def test_refused_move_is_failed_and_agents_get_a_note(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("OPE-10", "Je suis agent DDPP, comment vous contacter ?")
    desk.faults.append(Fault("move", Conflict("move disabled", status=400)))
    result = service.handle(_snap(desk, "OPE-10"))
    assert result.failed == ["reroute:4/87"]
    notes = [c for c in desk.bot_comments("OPE-10") if not c.public]
    assert len(notes) == 1 and "déplacer" in notes[0].body
    states = {a.kind: a.state for a in store.actions_for("OPE-10")}
    assert states["reroute"] is ActionState.FAILED
    # and it is not retried by the next poll
    service.handle(_snap(desk, "OPE-10"), force=True)
    assert desk.write_ops().count("move") == 0


def test_dry_run_writes_nothing_anywhere(
    desk: FakeDesk, store: SqlStateStore, clock: FakeClock
) -> None:
    desk.add("OPE-11", "Je suis agent DDPP, connexion impossible")
    dry = make_service(desk, store, clock, dry_run=True)
    with capture_logs() as logs:
        result = dry.handle(_snap(desk, "OPE-11"))
    assert result.outcome == Outcome.DRY_RUN
    assert result.planned == [
        "reroute:4/87",
        "reply:ask_browser",
        "transition:waiting_for_customer",
    ]
    assert desk.writes == []
    assert store.actions_for("OPE-11") == []
    assert store.get_ticket("OPE-11") is None
    [line] = [e for e in logs if e["event"] == "ticket.triaged"]
    assert line["dry_run"] is True and line["would_do"] == result.planned
    # a later real run still does everything
    real = make_service(desk, store, clock)
    assert real.handle(_snap(desk, "OPE-11")).outcome == Outcome.DONE
    assert desk.write_ops().count("move") == 1


def test_triage_without_apply_writes_nothing(desk: FakeDesk, service: TriageService) -> None:
    desk.add("OPE-12", "Comment vous contacter ?")
    result = service.triage("OPE-12", apply=False)
    assert result.dry_run and result.planned == ["reply:faq:nous-contacter"]
    assert desk.writes == []
    applied = service.triage("OPE-12", apply=True)
    assert applied.executed == ["reply:faq:nous-contacter"]


def test_hourly_breaker_defers_public_replies_loudly_and_answers_them_later(
    desk: FakeDesk, store: SqlStateStore, clock: FakeClock
) -> None:
    metrics = Metrics()
    config = routing_config(max_public_replies_per_hour=2)
    svc = make_service(desk, store, clock, config=config, metrics=metrics)
    for n in range(1, 4):
        desk.add(f"OPE-2{n}", "Comment vous contacter ?")
    with capture_logs() as logs:
        results = [svc.handle(_snap(desk, f"OPE-2{n}")) for n in range(1, 4)]
    assert len(desk.public_bot_comments("OPE-21")) == 1
    assert len(desk.public_bot_comments("OPE-22")) == 1
    # deferred, not converted: nothing written, the ticket stays pending
    assert desk.bot_comments("OPE-23") == []
    assert results[2].outcome == Outcome.DEFERRED and not results[2].handled
    assert svc.breaker_open
    assert metrics.value("routerbot_breaker_open") == 1
    assert metrics.value("routerbot_replies_deferred_total") == 1
    assert any(e["event"] == "breaker.deferred" and e["log_level"] == "error" for e in logs)
    # an hour later the window allows it: the customer gets the answer
    clock.sleep(3700)
    assert svc.handle(_snap(desk, "OPE-23")).outcome == Outcome.DONE
    assert len(desk.public_bot_comments("OPE-23")) == 1
    assert metrics.value("routerbot_breaker_open") == 0


def test_breaker_reset_lets_a_legitimate_burst_be_answered_at_once(
    desk: FakeDesk, store: SqlStateStore, clock: FakeClock
) -> None:
    config = routing_config(max_public_replies_per_hour=1)
    svc = make_service(desk, store, clock, config=config)
    desk.add("OPE-31", "Comment vous contacter ?")
    desk.add("OPE-32", "Comment vous contacter ?")
    svc.handle(_snap(desk, "OPE-31"))
    assert svc.handle(_snap(desk, "OPE-32")).outcome == Outcome.DEFERRED
    svc.reset_breaker()  # `routerbot breaker reset`: an operator confirms
    assert svc.handle(_snap(desk, "OPE-32")).outcome == Outcome.DONE
    assert len(desk.public_bot_comments("OPE-32")) == 1


def test_same_reply_twice_on_a_ticket_is_held_as_a_loop(
    desk: FakeDesk, service: TriageService
) -> None:
    desk.add("OPE-33", "Comment vous contacter ?")
    service.handle(_snap(desk, "OPE-33"))
    desk.customer_says("OPE-33", "Comment vous contacter ?")
    service.handle(_snap(desk, "OPE-33"))
    assert len(desk.public_bot_comments("OPE-33")) == 1
    notes = [c for c in desk.bot_comments("OPE-33") if not c.public]
    assert len(notes) == 1 and "boucle" in notes[0].body


def test_per_ticket_cap_stops_public_replies(
    desk: FakeDesk, store: SqlStateStore, clock: FakeClock
) -> None:
    config = routing_config(max_public_replies_per_ticket=1)
    svc = make_service(desk, store, clock, config=config)
    desk.add("OPE-40", "Erreur de connexion")
    svc.handle(_snap(desk, "OPE-40"))
    desk.customer_says("OPE-40", "je ne sais pas, connexion toujours impossible")
    svc.handle(_snap(desk, "OPE-40"))
    assert len(desk.public_bot_comments("OPE-40")) == 1
    assert any("plafond" in c.body for c in desk.bot_comments("OPE-40") if not c.public)
    assert desk.tickets["OPE-40"].status == "Waiting for support"  # not left waiting


def test_ticket_leased_by_another_replica_is_left_alone(
    desk: FakeDesk, service: TriageService, store: SqlStateStore
) -> None:
    desk.add("OPE-50", "Comment vous contacter ?")
    assert store.claim(desk.tickets["OPE-50"].issue_id, "replica-z", 60) is not None
    result = service.handle(_snap(desk, "OPE-50"))
    assert result.outcome == Outcome.BUSY and not result.handled
    assert desk.writes == []


def test_follow_up_reminds_once_then_hands_over(
    desk: FakeDesk, service: TriageService, store: SqlStateStore, clock: FakeClock
) -> None:
    desk.add("OPE-60", "Erreur de connexion")
    service.handle(_snap(desk, "OPE-60"))
    [state] = store.waiting_tickets()
    assert service.follow_up(state) is None  # too early
    clock.sleep(timedelta(days=3, hours=1).total_seconds())
    result = service.follow_up(store.waiting_tickets()[0])
    assert result is not None and result.executed == ["reply:reminder"]
    assert store.get_ticket("OPE-60").status == "reminded"  # type: ignore[union-attr]
    again = service.follow_up(store.waiting_tickets()[0])
    assert again is None or again.executed == []
    clock.sleep(timedelta(days=4).total_seconds())
    result = service.follow_up(store.waiting_tickets()[0])
    assert result is not None
    assert result.executed == ["note:handover", "transition:waiting_for_support"]
    assert store.waiting_tickets() == []
    public = [c for c in desk.bot_comments("OPE-60") if c.public]
    assert len(public) == 2  # the question and one reminder


def test_bot_never_answers_itself(desk: FakeDesk, service: TriageService) -> None:
    desk.add("OPE-70", "Comment vous contacter ?")
    service.handle(_snap(desk, "OPE-70"))
    for _ in range(3):
        service.handle(_snap(desk, "OPE-70"), force=True)
    assert len(desk.public_bot_comments("OPE-70")) == 1
    assert all(c.author is AuthorRole.BOT for c in desk.tickets["OPE-70"].comments)
