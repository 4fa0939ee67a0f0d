"""Fault injection in the sandbox: each kind, scripts, rates, and early-retry records."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import pytest
import requests

from routerbot.errors import InputError
from routerbot.sandbox import FaultPlan, SandboxModel
from routerbot.sandbox.server import KILL_GRACE_SECONDS, RequestLog

COMMENT = "/rest/servicedeskapi/request/OPE-1/comment"


@pytest.fixture
def sb(sandbox_factory: Any) -> Any:
    model = SandboxModel()
    model.load_rows(
        [
            {
                "id": "T-1",
                "service_desk": "3",
                "request_type": "86",
                "summary": "Connexion impossible",
                "description": "Bonjour",
                "reporter": {"displayName": "Léa Martin", "email": "lea@martin-export.fr"},
            }
        ]
    )
    return sandbox_factory(model=model)


def comment(sb: Any, timeout: float = 10) -> requests.Response:
    return requests.post(
        sb.url + COMMENT, json={"body": "Bonjour", "public": True}, auth=sb.auth, timeout=timeout
    )


def n_comments(sb: Any) -> int:
    return len(sb.model.issue("OPE-1").comments)


def test_429_has_retry_after_seconds_and_rate_limit_headers_and_writes_nothing(sb: Any) -> None:
    sb.faults = FaultPlan.parse("retry-after=3").script("POST *", ["429"])
    r = comment(sb)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert r.headers["RateLimit-Reason"] == "jira-burst-based"
    assert "X-RateLimit-Reset" in r.headers
    assert "errorMessage" in r.json()  # servicedeskapi error shape
    assert n_comments(sb) == 0


def test_429_retry_after_can_be_an_http_date(sb: Any) -> None:
    sb.faults = FaultPlan.parse("retry-after=2,retry-after-form=date").script("GET *", ["429"])
    r = requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10)
    when = email.utils.parsedate_to_datetime(r.headers["Retry-After"])
    assert r.status_code == 429
    assert when.timestamp() > time.time()
    assert r.json()["errorMessages"] == ["Rate limit exceeded."]  # platform error shape


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_answer_with_jira_error_body_and_write_nothing(sb: Any, status: int) -> None:
    sb.faults = FaultPlan().script("POST *", [str(status)])
    r = comment(sb)
    assert r.status_code == status
    assert r.json()["errorMessage"]
    assert ("Retry-After" in r.headers) == (status == 503)
    assert n_comments(sb) == 0


def test_slow_answer_times_out_a_short_client_but_is_served(sb: Any) -> None:
    sb.faults = FaultPlan.parse("slow-seconds=0.5").script("GET *", ["slow", "slow"])
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=0.05)
    r = requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10)
    assert r.status_code == 200


def test_timeout_never_answers_and_writes_nothing(sb: Any) -> None:
    sb.faults = FaultPlan.parse("hang-seconds=0.3").script("POST *", ["timeout"])
    with pytest.raises(requests.exceptions.ConnectionError):
        comment(sb, timeout=5)
    assert n_comments(sb) == 0


def test_drop_closes_the_connection_before_the_write(sb: Any) -> None:
    sb.faults = FaultPlan().script("POST *", ["drop"])
    with pytest.raises(requests.exceptions.ConnectionError):
        comment(sb)
    assert n_comments(sb) == 0


def test_drop_after_write_commits_the_comment_then_hangs_up(sb: Any) -> None:
    sb.faults = FaultPlan().script(
        "POST /rest/servicedeskapi/request/*/comment", ["drop-after-write", "ok"]
    )
    with pytest.raises(requests.exceptions.ConnectionError):
        comment(sb)
    assert n_comments(sb) == 1  # the write happened: a blind retry would post it twice
    assert comment(sb).status_code == 201
    assert n_comments(sb) == 2


def test_drop_after_write_leaves_reads_alone(sb: Any) -> None:
    sb.faults = FaultPlan().script("GET *", ["drop-after-write"])
    r = requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10)
    assert r.status_code == 200


def test_scripts_apply_only_to_matching_requests(sb: Any) -> None:
    sb.faults = FaultPlan().script("PUT /rest/api/*/issue/*", ["503"])
    assert requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10).ok
    r = requests.put(
        sb.url + "/rest/api/3/issue/OPE-1",
        json={"fields": {"labels": ["a"]}},
        auth=sb.auth,
        timeout=10,
    )
    assert r.status_code == 503


def test_faults_are_counted_in_the_requests_endpoint(sb: Any) -> None:
    sb.faults = FaultPlan().script("GET *", ["429", "500", "ok"])
    for _ in range(3):
        requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10)
    summary = requests.get(sb.url + "/_sandbox/requests", timeout=10).json()
    assert summary["faults"] == {"429": 1, "500": 1}
    assert summary["requests"]["GET /rest/api/3/myself"] == 3


def test_a_retry_before_retry_after_expires_is_recorded(sb: Any) -> None:
    sb.faults = FaultPlan.parse("retry-after=30").script("GET *", ["429"])
    for _ in range(2):
        requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10)
    summary = sb.requests()
    assert summary["early_retry_count"] == 1
    early = summary["early_retries"][0]
    assert early["client"] == "routerbot@example.org"
    assert early["request"] == "GET /rest/api/3/myself"
    assert early["early_by_seconds"] > 0


def test_other_clients_are_not_held_to_someone_elses_retry_after(sb: Any) -> None:
    sb.faults = FaultPlan.parse("retry-after=30").script("GET *", ["429"])
    requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10)
    agent = ("sophie.martin@expadon-support.example", "agent-token")
    requests.get(sb.url + "/rest/api/3/myself", auth=agent, timeout=10)
    assert sb.requests()["early_retry_count"] == 0


def test_a_request_after_the_deadline_is_not_early() -> None:
    log = RequestLog()
    log.must_wait("bot", time.time() - 1, "429")
    log.arrive("bot", "GET /x")
    log.must_wait("bot", time.time() + 60, "429")
    log.arrive("bot", "GET /x")
    assert log.summary()["early_retry_count"] == 1


def test_fault_plan_can_be_changed_at_run_time(sb: Any) -> None:
    r = requests.post(
        sb.url + "/_sandbox/faults",
        json={"spec": "", "script": [{"match": "GET *", "outcomes": ["502"]}]},
        timeout=10,
    )
    assert r.status_code == 200
    assert requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10).status_code == 502
    assert requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10).status_code == 200


def test_bad_runtime_fault_spec_is_a_400(sb: Any) -> None:
    r = requests.post(sb.url + "/_sandbox/faults", json={"spec": "418=0.5"}, timeout=10)
    assert r.status_code == 400


def test_rates_are_reproducible_for_a_seed() -> None:
    spec = "429=0.1,503=0.1,500=0.05,drop-after-write=0.05,slow=0.05,timeout=0.05"
    a, b = FaultPlan.parse(spec, seed=42), FaultPlan.parse(spec, seed=42)
    draws_a = [a.draw("GET", "/x") for _ in range(500)]
    draws_b = [b.draw("GET", "/x") for _ in range(500)]
    assert draws_a == draws_b
    assert {"429", "503", "ok"} <= set(draws_a)
    assert 20 < draws_a.count("429") < 80  # about 10 % of 500


def test_rates_injected_over_http(sandbox_factory: Any) -> None:
    sb = sandbox_factory(faults=FaultPlan.parse("503=1.0"))
    r = requests.get(sb.url + "/rest/api/3/myself", auth=sb.auth, timeout=10)
    assert r.status_code == 503


@pytest.mark.parametrize(
    "spec",
    ["429", "429=2", "429=0.7,503=0.7", "teapot=0.1", "retry-after-form=sometimes", "429=x"],
)
def test_bad_fault_specs_are_refused(spec: str) -> None:
    with pytest.raises(InputError):
        FaultPlan.parse(spec)


def test_unknown_scripted_outcome_is_refused() -> None:
    with pytest.raises(InputError):
        FaultPlan().script("GET *", ["explode"])


def test_a_retry_after_served_just_before_a_kill_does_not_hold_the_restarted_process() -> None:
    """The killed process may have died before it read the 503 or saved its wait: its
    successor cannot honour it. A wait served earlier than the grace still holds it."""
    bot, conn = "bot@example.org", ("127.0.0.1", 50001)
    log = RequestLog()
    log.must_wait(bot, time.time() + 10, "503 on POST /x", conn)
    log.killed()  # served a moment ago: maybe never read
    log.arrive(bot, "GET /rest/api/2/myself", ("127.0.0.1", 50009))
    assert log.summary()["early_retry_count"] == 0
    assert log.summary()["retry_after_unread_at_kill"] == 1
    # served well before the kill: the dead process had saved it, the new one must wait
    log.must_wait(bot, time.time() + 10, "503 on POST /x", conn)
    until, cause, _served, c, others = log.deadlines[bot]
    log.deadlines[bot] = (until, cause, time.time() - 2 * KILL_GRACE_SECONDS, c, others)
    log.killed()
    log.arrive(bot, "GET /rest/api/2/myself", ("127.0.0.1", 50010))
    assert log.summary()["early_retry_count"] == 1
    assert log.summary()["retry_after_unread_at_kill"] == 1
