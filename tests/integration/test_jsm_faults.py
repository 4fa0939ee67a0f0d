"""The call policy under faults: rate limits, 5xx, timeouts, dropped connections, auth errors,
and the confidentiality of the API token. `responses` in strict mode; a fake clock, no sleeping.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses
import structlog
from structlog.testing import capture_logs
from tests.fakes import FakeClock
from urllib3.exceptions import NewConnectionError, ProtocolError

from routerbot.errors import (
    AmbiguousWrite,
    AuthenticationError,
    Conflict,
    ConnectionLost,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    ServiceDeskError,
)
from routerbot.jsm.adapter import JiraServiceDesk
from routerbot.jsm.http import RetryPolicy, server_wait_hint
from routerbot.ports import BotRecord

BASE = "https://expadon2.atlassian.net"
EMAIL = "routerbot@example.org"
TOKEN = "WITNESS-ATATT3xFfGF0-s3cr3t-token-value"
MYSELF = f"{BASE}/rest/api/2/myself"
ME = {"accountId": "bot-1", "timeZone": "UTC"}
COMMENT = f"{BASE}/rest/servicedeskapi/request/OPE-1/comment"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


Seen = list[tuple[str, str, int]]


def make_desk(clock: FakeClock, seen: Seen | None = None, **kw: Any) -> JiraServiceDesk:
    def on_response(method: str, template: str, status: int, _seconds: float) -> None:
        if seen is not None:
            seen.append((method, template, status))

    return JiraServiceDesk(BASE, EMAIL, TOKEN, clock=clock, on_response=on_response, **kw)


def dropped() -> requests.ConnectionError:
    """What requests raises when the server closes the socket after reading the request."""
    return requests.ConnectionError(
        ProtocolError(
            "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection")
        )
    )


def refused() -> requests.ConnectionError:
    """What requests raises when the TCP connection cannot even be opened."""
    return requests.ConnectionError(
        NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")  # type: ignore[arg-type]  # urllib3 wants a connection object we do not have
    )


# --------------------------------------------------------------------------- 429 on reads


def test_read_waits_at_least_retry_after_seconds_then_succeeds(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(MYSELF, status=429, headers={"Retry-After": "7"})
    rsps.get(MYSELF, json=ME)
    assert make_desk(clock).whoami() == "bot-1"
    [wait] = clock.sleeps
    assert 7 <= wait <= 7 * 1.1 + 0.5


def test_read_honours_retry_after_given_as_http_date(
    rsps: responses.RequestsMock, clock: FakeClock
):
    when = format_datetime(clock.current + timedelta(seconds=30), usegmt=True)
    rsps.get(MYSELF, status=429, headers={"Retry-After": when})
    rsps.get(MYSELF, json=ME)
    assert make_desk(clock).whoami() == "bot-1"
    [wait] = clock.sleeps
    assert 30 <= wait <= 30 * 1.1 + 0.5


def test_retry_after_zero_is_clamped_up_to_one_second(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(MYSELF, status=429, headers={"Retry-After": "0"})
    rsps.get(MYSELF, json=ME)
    make_desk(clock).whoami()
    [wait] = clock.sleeps
    assert 1 <= wait <= 1.6


def test_huge_retry_after_is_clamped_down_to_the_maximum(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(MYSELF, status=429, headers={"Retry-After": "86400"})
    rsps.get(MYSELF, json=ME)
    make_desk(clock).whoami()
    assert clock.sleeps == [300.0]


def test_429_without_any_header_backs_off_at_least_one_second(
    rsps: responses.RequestsMock, clock: FakeClock
):
    for _ in range(3):
        rsps.get(MYSELF, status=429)
    rsps.get(MYSELF, json=ME)
    make_desk(clock).whoami()
    assert len(clock.sleeps) == 3
    assert all(1 <= w <= 30 for w in clock.sleeps)


def test_x_ratelimit_reset_is_honoured_when_retry_after_is_absent(
    rsps: responses.RequestsMock, clock: FakeClock
):
    reset = (clock.current + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%MZ")
    rsps.get(MYSELF, status=429, headers={"X-RateLimit-Reset": reset})
    rsps.get(MYSELF, json=ME)
    make_desk(clock).whoami()
    [wait] = clock.sleeps
    assert wait >= 120


def test_retry_after_wins_over_the_later_quota_window_reset(
    rsps: responses.RequestsMock, clock: FakeClock
):
    reset = (clock.current + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%MZ")
    rsps.get(MYSELF, status=429, headers={"Retry-After": "5", "X-RateLimit-Reset": reset})
    rsps.get(MYSELF, json=ME)
    make_desk(clock).whoami()
    [wait] = clock.sleeps
    assert 5 <= wait <= 5 * 1.1 + 0.5


def test_read_still_rate_limited_after_all_attempts_raises_rate_limited(
    rsps: responses.RequestsMock, clock: FakeClock
):
    for _ in range(3):
        rsps.get(MYSELF, status=429, headers={"Retry-After": "2"})
    desk = make_desk(clock, retry_policy=RetryPolicy(max_attempts=3))
    with pytest.raises(RateLimited) as info:
        desk.whoami()
    assert info.value.retry_after >= 2
    assert len(rsps.calls) == 3
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": " 12 "}, 12.0),
        ({"Retry-After": "Mon, 02 Mar 2026 09:00:45 GMT"}, 45.0),
        ({"Retry-After": "not a date"}, None),
        ({"X-RateLimit-Reset": "2026-03-02T09:01Z"}, 60.0),
        ({"Retry-After": "3", "X-RateLimit-Reset": "2026-03-02T09:01Z"}, 3.0),
        ({"Retry-After": "soon", "X-RateLimit-Reset": "2026-03-02T09:01Z"}, 60.0),
        ({}, None),
    ],
)
def test_server_wait_hint_reads_both_retry_after_forms(
    headers: dict[str, str], expected: float | None
):
    assert server_wait_hint(headers, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) == expected


# --------------------------------------------------------------- 5xx and transport on reads


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_read_is_retried_after_a_server_error(
    rsps: responses.RequestsMock, clock: FakeClock, status: int
):
    rsps.get(MYSELF, status=status, json={"errorMessages": ["Internal server error"]})
    rsps.get(MYSELF, json=ME)
    assert make_desk(clock).whoami() == "bot-1"
    assert len(clock.sleeps) == 1


def test_503_with_retry_after_waits_as_told(rsps: responses.RequestsMock, clock: FakeClock):
    rsps.get(MYSELF, status=503, headers={"Retry-After": "9"})
    rsps.get(MYSELF, json=ME)
    make_desk(clock).whoami()
    assert clock.sleeps[0] >= 9


def test_read_gives_up_with_server_error_after_max_attempts(
    rsps: responses.RequestsMock, clock: FakeClock
):
    for _ in range(4):
        rsps.get(MYSELF, status=502, body="<html>Bad gateway</html>")
    desk = make_desk(clock, retry_policy=RetryPolicy(max_attempts=4))
    with pytest.raises(ServerError, match=r"HTTP 502.*\(GET /rest/api/2/myself\)") as info:
        desk.whoami()
    assert info.value.status == 502
    assert len(rsps.calls) == 4


def test_read_timeout_and_dropped_connection_on_get_are_retried(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(MYSELF, body=requests.ReadTimeout("read timed out"))
    rsps.get(MYSELF, body=dropped())
    rsps.get(MYSELF, json=ME)
    assert make_desk(clock).whoami() == "bot-1"
    assert len(clock.sleeps) == 2


def test_read_that_never_gets_an_answer_raises_connection_lost(
    rsps: responses.RequestsMock, clock: FakeClock
):
    for _ in range(2):
        rsps.get(MYSELF, body=requests.ReadTimeout("read timed out"))
    desk = make_desk(clock, retry_policy=RetryPolicy(max_attempts=2))
    with pytest.raises(ConnectionLost) as info:
        desk.whoami()
    assert not isinstance(info.value, AmbiguousWrite)


def test_idempotent_put_is_retried_after_503(rsps: responses.RequestsMock, clock: FakeClock):
    rsps.get(
        f"{BASE}/rest/api/2/field",
        json=[
            {
                "id": "customfield_10010",
                "name": "Request Type",
                "schema": {"custom": "com.atlassian.servicedesk:vp-origin"},
            }
        ],
    )
    rsps.put(f"{BASE}/rest/api/2/issue/OPE-1", status=503)
    rsps.put(f"{BASE}/rest/api/2/issue/OPE-1", status=204)
    make_desk(clock).set_request_type("OPE-1", "84")
    assert len(clock.sleeps) == 1


# --------------------------------------------------------------------------- writes are sent once


def test_server_error_on_post_comment_is_not_retried(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.post(COMMENT, status=500, json={"errorMessage": "Something went wrong"})
    with pytest.raises(AmbiguousWrite, match="Something went wrong") as info:
        make_desk(clock).post_comment("OPE-1", "Bonjour", public=True)
    assert info.value.status == 500
    assert len(rsps.calls) == 1
    assert clock.sleeps == []


def test_timeout_after_sending_a_comment_is_an_ambiguous_write_sent_once(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.post(COMMENT, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(AmbiguousWrite):
        make_desk(clock).post_comment("OPE-1", "Bonjour", public=True)
    assert len(rsps.calls) == 1


def test_dropped_connection_after_sending_a_comment_is_an_ambiguous_write_sent_once(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.post(COMMENT, body=dropped())
    with pytest.raises(AmbiguousWrite, match=r"may have happened.*POST /rest/servicedeskapi"):
        make_desk(clock).post_comment("OPE-1", "Bonjour", public=True)
    assert len(rsps.calls) == 1
    assert clock.sleeps == []


def test_refused_connection_on_a_write_is_retried_because_nothing_was_sent(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.post(COMMENT, body=refused())
    rsps.post(COMMENT, status=201, json={"id": "30002", "public": True})
    assert make_desk(clock).post_comment("OPE-1", "Bonjour", public=True) == "30002"
    assert len(rsps.calls) == 2


def test_429_on_post_comment_raises_rate_limited_without_retrying(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.post(COMMENT, status=429, headers={"Retry-After": "7"})
    with pytest.raises(RateLimited) as info:
        make_desk(clock).post_comment("OPE-1", "Bonjour", public=True)
    assert info.value.retry_after >= 7
    assert len(rsps.calls) == 1
    assert clock.sleeps == []


def test_server_error_on_transition_post_is_not_retried(
    rsps: responses.RequestsMock, clock: FakeClock
):
    transitions = f"{BASE}/rest/api/2/issue/OPE-1/transitions"
    rsps.get(
        transitions,
        json={"transitions": [{"id": "11", "to": {"name": "Waiting for customer"}}]},
    )
    rsps.post(transitions, status=503)
    with pytest.raises(AmbiguousWrite):
        make_desk(clock).transition("OPE-1", "waiting_for_customer")
    assert [c.request.method for c in rsps.calls] == ["GET", "POST"]


# --------------------------------------------------------------------------- definitive refusals


def test_401_is_an_authentication_error_and_not_retried(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(MYSELF, status=401, body="Client must be authenticated to access this resource.")
    with pytest.raises(AuthenticationError, match="HTTP 401"):
        make_desk(clock).whoami()
    assert len(rsps.calls) == 1


def test_403_is_forbidden_with_jira_message(rsps: responses.RequestsMock, clock: FakeClock):
    rsps.post(
        COMMENT,
        status=403,
        json={"errorMessage": "You do not have permission to comment on this request."},
    )
    with pytest.raises(Forbidden, match="do not have permission"):
        make_desk(clock).post_comment("OPE-1", "x", public=False)


def test_404_is_not_found_with_method_path_and_jira_message(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(
        f"{BASE}/rest/api/2/issue/OPE-404/transitions",
        status=404,
        json={"errorMessages": ["Issue does not exist or you do not have permission to see it."]},
    )
    with pytest.raises(NotFound) as info:
        make_desk(clock).transition("OPE-404", "waiting_for_customer")
    text = str(info.value)
    assert "Issue does not exist" in text
    assert "GET /rest/api/2/issue/OPE-404/transitions" in text
    assert info.value.status == 404


def test_400_on_edit_is_a_conflict_carrying_field_errors(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.put(
        f"{BASE}/rest/api/2/issue/OPE-1",
        status=400,
        json={
            "errorMessages": [],
            "errors": {"customfield_10010": "Operation value must be a string"},
        },
    )
    with pytest.raises(Conflict, match="customfield_10010: Operation value must be a string"):
        make_desk(clock).save_record("OPE-1", record=BotRecord())
    assert len(rsps.calls) == 1


# --------------------------------------------------------------------------- metrics callback


def test_every_attempt_is_reported_with_its_path_template_and_status(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(f"{BASE}/rest/api/2/issue/OPE-1/transitions", status=503)
    rsps.get(f"{BASE}/rest/api/2/issue/OPE-1/transitions", json={"transitions": []})
    seen: Seen = []
    make_desk(clock, seen).transition("OPE-1", "waiting_for_customer")
    assert seen == [
        ("GET", "/rest/api/2/issue/{key}/transitions", 503),
        ("GET", "/rest/api/2/issue/{key}/transitions", 200),
    ]


def test_attempts_without_an_answer_are_reported_with_status_zero(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.post(COMMENT, body=dropped())
    seen: Seen = []
    with pytest.raises(AmbiguousWrite):
        make_desk(clock, seen).post_comment("OPE-1", "x", public=True)
    assert seen == [("POST", "/rest/servicedeskapi/request/{key}/comment", 0)]


# --------------------------------------------------------------------------- confidentiality


def _faults(rsps: responses.RequestsMock) -> list[tuple[str, Any]]:
    """Register one failing answer per kind, each echoing the credentials back."""
    echo = {"errorMessages": [f"bad credentials {TOKEN}"], "errors": {"auth": TOKEN}}
    hdrs = {"X-Echo-Token": TOKEN, "Retry-After": "1"}
    cases: list[tuple[str, Any]] = []
    for status in (400, 401, 403, 404, 409, 429, 500):
        url = f"{BASE}/rest/servicedeskapi/request/W-{status}/comment"
        rsps.post(url, status=status, json=echo, headers=hdrs)
        cases.append((f"W-{status}", None))
    rsps.post(f"{BASE}/rest/servicedeskapi/request/W-drop/comment", body=dropped())
    cases.append(("W-drop", None))
    return cases


def test_token_never_appears_in_exceptions_or_log_records(
    rsps: responses.RequestsMock, clock: FakeClock, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    # retries on a read also go through the logging path
    rsps.get(
        MYSELF,
        status=429,
        headers={"Retry-After": "1", "X-Echo-Token": TOKEN},
        json={"errorMessages": [TOKEN]},
    )
    rsps.get(MYSELF, json=ME)
    desk = make_desk(clock)
    messages: list[str] = []
    with capture_logs() as structured:
        desk.whoami()
        for key, _ in _faults(rsps):
            with pytest.raises(ServiceDeskError) as info:
                desk.post_comment(key, "x", public=True)
            exc = info.value
            messages += [str(exc), repr(exc), *map(str, exc.args)]
            messages.append(str(exc.__cause__ or ""))
            messages.append(str(exc.__context__ or ""))
    messages.append(repr(desk))
    basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    logged = [r.getMessage() for r in caplog.records] + [
        json.dumps(e, default=str) for e in structured
    ]
    for text in messages + logged:
        assert TOKEN not in text
        assert basic not in text
    assert any("HTTP 401" in m for m in messages)  # the witness check saw real messages


def test_requests_carry_basic_auth_and_a_timeout(rsps: responses.RequestsMock, clock: FakeClock):
    rsps.get(MYSELF, json=ME)
    sent: list[Any] = []

    def hook(session: requests.Session) -> None:
        original = session.send

        def send(request: requests.PreparedRequest, **kw: Any) -> requests.Response:
            sent.append(kw.get("timeout"))
            return original(request, **kw)

        session.send = send  # type: ignore[method-assign]  # a spy on the real session

    make_desk(clock, session_hook=hook, timeout=(2.0, 9.0)).whoami()
    assert sent == [(2.0, 9.0)]
    assert rsps.calls[0].request.headers["Authorization"].startswith("Basic ")


def test_retry_is_logged_without_credentials(rsps: responses.RequestsMock, clock: FakeClock):
    rsps.get(MYSELF, status=503)
    rsps.get(MYSELF, json=ME)
    with capture_logs() as logs:
        make_desk(clock).whoami()
    [event] = [e for e in logs if e["event"] == "jsm.retry"]
    assert event["status"] == 503
    assert event["path"] == "/rest/api/2/myself"
    assert TOKEN not in json.dumps(event)
    structlog.reset_defaults()


def test_a_broken_metrics_callback_does_not_break_the_call(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(MYSELF, json=ME)

    def broken(*_args: Any) -> None:
        raise RuntimeError("metrics backend down")

    desk = JiraServiceDesk(BASE, EMAIL, TOKEN, clock=clock, on_response=broken)
    assert desk.whoami() == "bot-1"


# --------------------------------------------------------------------------- the gate


def test_after_a_429_on_a_write_no_request_of_any_kind_leaves_before_retry_after(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    remembered: list[datetime] = []
    rsps.post(COMMENT, status=429, headers={"Retry-After": "30"})
    rsps.get(MYSELF, json=ME)
    desk = make_desk(clock, on_rate_limit=remembered.append)
    t0 = clock.now()
    with pytest.raises(RateLimited):
        desk.post_comment("OPE-1", "Bonjour", public=True)
    assert desk.whoami() == "bot-1"  # another endpoint, sent only after the wait
    assert clock.now() - t0 >= timedelta(seconds=30)
    [until] = remembered
    assert until >= t0 + timedelta(seconds=30)


def test_a_wait_remembered_from_before_a_restart_holds_the_first_request(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    rsps.get(MYSELF, json=ME)
    until = clock.now() + timedelta(seconds=12)
    desk = make_desk(clock, not_before=until)
    assert desk.whoami() == "bot-1"
    assert clock.now() >= until
    assert clock.sleeps == [12.0]


def test_an_expired_remembered_wait_costs_nothing(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    rsps.get(MYSELF, json=ME)
    desk = make_desk(clock, not_before=clock.now() - timedelta(seconds=5))
    assert desk.whoami() == "bot-1"
    assert clock.sleeps == []
