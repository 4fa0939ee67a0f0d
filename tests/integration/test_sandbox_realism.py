"""The sandbox's realism knobs: bulk moves that take time, latency, in-flight count, Date skew."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from tests.fakes import FakeClock
from tests.waiting import wait_until

from routerbot.sandbox import Latency, SandboxModel, SandboxServer
from routerbot.sandbox.server import RequestLog

MOVE = {"targetToSourcesMapping": {"SD,10006": {"issueIdsOrKeys": ["OPE-1"]}}}


def one_ticket(**model_kwargs: Any) -> SandboxModel:
    model = SandboxModel(**model_kwargs)
    model.load_rows(
        [
            {
                "id": "OPE-1",
                "service_desk": "3",
                "request_type": "86",
                "summary": "Signature",
                "description": "Bonjour",
                "reporter": {"displayName": "A B", "email": "a@b.fr"},
            }
        ]
    )
    return model


def submit(model: SandboxModel) -> str:
    return model.submit_move([("SD", "10006", ["OPE-1"])], model.bot).id


def test_without_a_delay_a_move_is_complete_when_submitted() -> None:
    model = one_ticket()
    task = submit(model)
    assert model.poll_task(task).status == "COMPLETE"
    assert model.issue("OPE-1").key == "SD-1"


def test_a_move_goes_enqueued_running_complete_over_its_configured_time() -> None:
    clock = FakeClock()
    model = one_ticket(clock=clock, move_seconds=2.0)
    task = submit(model)
    seen = [model.poll_task(task).status]
    assert model.issue("OPE-1").key == "OPE-1"  # nothing moves before the task completes
    clock.advance(1.0)
    seen.append(model.poll_task(task).status)
    clock.advance(1.0)
    seen.append(model.poll_task(task).status)
    assert seen == ["ENQUEUED", "RUNNING", "COMPLETE"]
    assert model.issue("OPE-1").key == "SD-1"


def test_an_unpolled_move_completes_by_itself_when_due() -> None:
    clock = FakeClock()
    model = one_ticket(clock=clock, move_seconds=2.0)
    submit(model)
    clock.advance(1.9)
    assert model.issue("OPE-1").key == "OPE-1"
    clock.advance(0.2)
    assert model.issue("OPE-1").key == "SD-1"


def test_move_durations_are_drawn_within_the_configured_range() -> None:
    model = one_ticket(move_seconds=(1.0, 3.0), move_seed=3)
    durations = []
    for _ in range(50):
        task = model.tasks[submit(model)]
        assert task.due is not None
        durations.append((task.due - task.created).total_seconds())
    assert all(1.0 <= d <= 3.0 for d in durations)
    assert max(durations) - min(durations) > 1.0  # drawn, not one fixed value


def test_completed_moves_leave_the_pending_heap() -> None:
    """Settling looks only at due tasks: finished ones are never scanned again."""
    clock = FakeClock()
    model = one_ticket(clock=clock, move_seconds=1.0)
    for _ in range(200):
        submit(model)
    assert model.pending_tasks == 200
    clock.advance(1.0)
    model.issue("OPE-1")
    assert model.pending_tasks == 0
    assert {t.status for t in model.tasks.values()} == {"COMPLETE"}


def test_move_polls_drive_every_stage_when_asked() -> None:
    model = one_ticket(move_polls=3)
    task = submit(model)
    assert [model.poll_task(task).status for _ in range(3)] == ["ENQUEUED", "RUNNING", "COMPLETE"]


@pytest.mark.parametrize("bad", [-1.0, (3.0, 1.0)])
def test_a_negative_or_inverted_move_time_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="move_seconds"):
        SandboxModel(move_seconds=bad)


# --------------------------------------------------------------------------- over HTTP


def test_latency_holds_each_api_request_but_not_the_admin_routes(
    sandbox_factory: Callable[..., Any],
) -> None:
    sb = sandbox_factory()
    sb.app.latency = Latency(400, 0)
    started = time.monotonic()
    requests.get(f"{sb.url}/rest/api/3/myself", auth=sb.auth, timeout=10)
    assert time.monotonic() - started >= 0.4
    requests.get(f"{sb.url}/_sandbox/requests", timeout=10)
    assert sb.requests()["total"] == 1  # the admin call is neither counted nor held


def test_latency_jitter_stays_within_its_bounds() -> None:
    latency = Latency(100, 20, seed=1)
    draws = [latency.draw() for _ in range(500)]
    assert all(0.08 <= d <= 0.12 for d in draws)
    assert len(set(draws)) > 100
    assert Latency().draw() == 0.0


def test_requests_in_flight_at_once_are_counted(sandbox_factory: Callable[..., Any]) -> None:
    sb = sandbox_factory()
    sb.app.latency = Latency(1000, 0)
    start = threading.Barrier(5)

    def call() -> None:
        start.wait()
        requests.get(f"{sb.url}/rest/api/3/myself", auth=sb.auth, timeout=10)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary = sb.requests()
    assert summary["in_flight_max"] == 5
    # a handler counts itself out after its answer's last byte: the client may be first
    assert wait_until(lambda: sb.app.log.in_flight == 0, 5)


def test_date_header_follows_the_configured_skew() -> None:
    with SandboxServer(SandboxModel(), date_skew_seconds=3600) as sb:
        r = requests.get(f"{sb.url}/rest/api/3/serverInfo", timeout=10)
    served = email.utils.parsedate_to_datetime(r.headers["Date"])
    assert abs((served - datetime.now(UTC)).total_seconds() - 3600) < 5


def test_a_request_already_on_the_wire_at_a_429_is_not_counted_early() -> None:
    log = RequestLog()
    bot, got_429, other = "bot@example.org", ("127.0.0.1", 50001), ("127.0.0.1", 50002)
    log.enter(bot)  # a concurrent client: two requests in flight as the 429 goes out
    log.enter(bot)
    log.must_wait(bot, time.time() + 10, "429 on POST /x", got_429)
    log.arrive(bot, "GET /rest/api/2/myself", other)  # another worker, sent as the 429 left
    assert log.summary()["early_retry_count"] == 0
    assert log.summary()["on_the_wire_at_retry_after"] == 1
    log.arrive(bot, "POST /x", got_429)  # a retry on the connection that read the 429
    assert log.summary()["early_retry_count"] == 1
    until, cause, _served, conn, others = log.deadlines[bot]
    log.deadlines[bot] = (until, cause, time.time() - 1.0, conn, others)  # a second later
    log.arrive(bot, "GET /rest/api/2/myself", other)
    assert log.summary()["early_retry_count"] == 2


def test_a_sequential_clients_quick_retry_is_early_on_any_connection() -> None:
    log = RequestLog()
    bot = "bot@example.org"
    log.enter(bot)  # only the request that gets the 429
    log.must_wait(bot, time.time() + 10, "429 on GET /x", ("127.0.0.1", 50001))
    log.arrive(bot, "GET /x", ("127.0.0.1", 50002))
    assert log.summary()["early_retry_count"] == 1


def test_replicas_on_one_account_have_the_stores_few_milliseconds_to_learn_a_429() -> None:
    bot, got_429, other = "bot@example.org", ("127.0.0.1", 50001), ("127.0.0.1", 50002)
    for several, early in ((False, 1), (True, 0)):
        log = RequestLog()
        log.several_processes = several
        log.enter(bot)  # replica A's only request in flight: it gets the 429
        log.must_wait(bot, time.time() + 10, "429 on GET /x", got_429)
        # replica B sends before A has written the Retry-After to their shared store
        log.arrive(bot, "GET /rest/api/2/myself", other)
        assert log.summary()["early_retry_count"] == early
    # a second later, B had time to read the store: early whatever the processes
    until, cause, _served, conn, others = log.deadlines[bot]
    log.deadlines[bot] = (until, cause, time.time() - 1.0, conn, others)
    log.arrive(bot, "GET /rest/api/2/myself", other)
    assert log.summary()["early_retry_count"] == 1
