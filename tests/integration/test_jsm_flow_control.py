"""The call policy's flow control over `responses`: the shared gate on 5xx writes, the
adaptive limit per attempt, the clock-skew check, and the lean session."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses
from structlog.testing import capture_logs
from tests.fakes import FakeClock

from routerbot.errors import AmbiguousWrite, RateLimited
from routerbot.jsm.adapter import JiraServiceDesk
from routerbot.jsm.flow import AdaptiveLimit
from routerbot.jsm.http import lean_session, server_wait_hint
from routerbot.jsm.transport import RequestsTransport

BASE = "https://expadon2.atlassian.net"
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


def desk(clock: FakeClock, **kw: Any) -> JiraServiceDesk:
    return JiraServiceDesk(BASE, "bot@example.org", "tok-123456", clock=clock, **kw)


def test_a_503_with_retry_after_on_a_write_closes_the_gate_for_every_request(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    remembered: list[datetime] = []
    rsps.post(COMMENT, status=503, headers={"Retry-After": "20"})
    rsps.get(MYSELF, json=ME)
    d = desk(clock, on_rate_limit=remembered.append)
    t0 = clock.now()
    with pytest.raises(AmbiguousWrite) as caught:
        d.post_comment("OPE-1", "Bonjour", public=True)
    assert caught.value.retry_after is not None and caught.value.retry_after >= 20
    assert d.whoami() == "bot-1"  # sent only once the wait expired
    assert clock.now() - t0 >= timedelta(seconds=20)
    [until] = remembered  # and written down for the other replicas and restarts
    assert until >= t0 + timedelta(seconds=20)


def test_a_500_without_retry_after_on_a_write_does_not_close_the_gate(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    rsps.post(COMMENT, status=500)
    rsps.get(MYSELF, json=ME)
    d = desk(clock)
    with pytest.raises(AmbiguousWrite) as caught:
        d.post_comment("OPE-1", "Bonjour", public=True)
    assert caught.value.retry_after is None
    assert d.whoami() == "bot-1"
    assert clock.sleeps == []


def test_each_attempt_holds_a_slot_and_a_429_halves_the_limit(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    limit = AdaptiveLimit(initial=8, maximum=8, cooldown_seconds=0)
    rsps.post(COMMENT, status=429, headers={"Retry-After": "1"})
    d = desk(clock, limit=limit)
    with pytest.raises(RateLimited):
        d.post_comment("OPE-1", "Bonjour", public=True)
    assert limit.limit == 4
    assert limit.in_flight == 0


def test_a_jira_clock_30_s_ahead_is_reported_as_skew(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    served = format_datetime(clock.now() + timedelta(seconds=30), usegmt=True)
    rsps.get(MYSELF, json=ME, headers={"Date": served})
    skews: list[float] = []
    d = desk(clock, on_clock_skew=skews.append)
    with capture_logs() as logs:
        d.whoami()
    assert skews == [30.0]
    [warning] = [e for e in logs if e["event"] == "jsm.clock_skew"]
    assert warning["log_level"] == "warning" and warning["skew_s"] == 30.0


def test_a_clock_within_five_seconds_is_measured_but_not_warned(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    served = format_datetime(clock.now() + timedelta(seconds=2), usegmt=True)
    rsps.get(MYSELF, json=ME, headers={"Date": served})
    skews: list[float] = []
    d = desk(clock, on_clock_skew=skews.append)
    with capture_logs() as logs:
        d.whoami()
    assert skews == [2.0]
    assert not [e for e in logs if e["event"] == "jsm.clock_skew"]


def test_a_retry_after_date_is_read_against_the_servers_own_date() -> None:
    ours = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    theirs = ours + timedelta(minutes=10)  # Jira's clock runs 10 minutes ahead of ours
    headers = {
        "Date": format_datetime(theirs, usegmt=True),
        "Retry-After": format_datetime(theirs + timedelta(seconds=30), usegmt=True),
    }
    assert server_wait_hint(headers, ours) == 30.0


def test_the_lean_session_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")
    session = lean_session(requests.Session(), BASE)
    assert session.trust_env is False
    assert session.proxies["https"] == "http://proxy.internal:3128"
    assert session.verify == "/etc/ssl/corp.pem"


def test_the_adapter_session_does_not_read_the_environment_per_call(clock: FakeClock) -> None:
    transport = desk(clock).http.transport
    assert isinstance(transport, RequestsTransport)
    assert transport.session.trust_env is False


class _WatchedLimit(AdaptiveLimit):
    """Tells when a second request starts waiting for a slot."""

    def __init__(self) -> None:
        super().__init__(initial=1, minimum=1, maximum=1)
        self.taken = threading.Event()  # the first request holds the slot
        self.waiting = threading.Event()  # the second one waits for it
        self.calls = 0

    def acquire(self, timeout: float | None = None) -> bool:
        self.calls += 1
        if self.calls == 2:
            self.waiting.set()
        got = super().acquire(timeout)
        self.taken.set()
        return got


def test_a_request_that_waited_for_a_slot_still_waits_out_a_retry_after_served_meanwhile(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    # worker A holds the only slot; worker B passed the (open) gate and waits for the
    # slot; A's answer is a 429: B must not go out before its Retry-After expires
    limit = _WatchedLimit()
    t0 = clock.now()
    sent_at: list[datetime] = []

    def rate_limited(_request: Any) -> tuple[int, dict[str, str], str]:
        assert limit.waiting.wait(10), "the second request never waited for a slot"
        return 429, {"Retry-After": "20"}, "{}"

    def myself(_request: Any) -> tuple[int, dict[str, str], str]:
        sent_at.append(clock.now())
        return 200, {}, '{"accountId": "bot-1", "timeZone": "UTC"}'

    rsps.add_callback(responses.POST, COMMENT, callback=rate_limited)
    rsps.add_callback(responses.GET, MYSELF, callback=myself)
    d = desk(clock, limit=limit)
    errors: list[BaseException] = []

    def worker_a() -> None:
        try:
            d.post_comment("OPE-1", "Bonjour", public=True)
        except RateLimited as exc:
            errors.append(exc)

    a = threading.Thread(target=worker_a)
    a.start()
    assert limit.taken.wait(10)
    assert d.whoami() == "bot-1"  # worker B
    a.join(10)
    assert len(errors) == 1
    [when] = sent_at
    assert when >= t0 + timedelta(seconds=20)
