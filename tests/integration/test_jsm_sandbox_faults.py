"""The adapter's call policy against the sandbox's injected faults, over real HTTP.

Scripted faults hit exact calls; a seeded rate plan checks that under mixed faults reads
always end up answered and writes are never duplicated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.fakes import FakeClock

from routerbot.errors import AmbiguousWrite, RateLimited, ServiceDeskError
from routerbot.jsm.adapter import JiraServiceDesk
from routerbot.jsm.http import RetryPolicy
from routerbot.ports import BotRecord, SystemClock
from routerbot.sandbox import FaultPlan

COMMENT = "POST /rest/servicedeskapi/request/*/comment"
SEARCH = "POST /rest/api/2/search/jql"


def make_desk(sandbox: Any, clock: Any = None, **kw: Any) -> JiraServiceDesk:
    kw.setdefault("timeout", (2.0, 5.0))
    return JiraServiceDesk(
        sandbox.url, sandbox.email, sandbox.token, clock=clock or FakeClock(datetime.now(UTC)), **kw
    )


def first_key(desk: JiraServiceDesk) -> str:
    return next(iter(desk.poll(None))).ticket.key


def bodies(desk: JiraServiceDesk, key: str) -> list[str]:
    return [c.body for c in desk.get(key).ticket.comments]


@pytest.mark.parametrize("form", ["seconds", "date"])
def test_search_rate_limited_in_either_form_waits_then_succeeds(
    sandbox_factory: Callable[..., Any], form: str
):
    plan = FaultPlan(retry_after=3, retry_after_form=form).script(SEARCH, ["429", "429"])
    sandbox = sandbox_factory(faults=plan)
    clock = FakeClock(datetime.now(UTC))
    snaps = list(make_desk(sandbox, clock).poll(None))
    assert snaps
    assert len(clock.sleeps) == 2
    # an HTTP date has one-second resolution, so it may read as a little under 3 s
    assert all(s >= (3 if form == "seconds" else 1) for s in clock.sleeps)


def test_server_errors_on_reads_are_retried(sandbox_factory: Callable[..., Any]):
    plan = FaultPlan().script("GET /rest/api/2/issue/*", ["503", "500", "502"])
    sandbox = sandbox_factory(faults=plan)
    desk = make_desk(sandbox)
    key = first_key(desk)
    assert desk.get(key).ticket.key == key


def test_comment_committed_then_connection_dropped_is_ambiguous_and_exists_once(
    sandbox_factory: Callable[..., Any],
):
    plan = FaultPlan().script(COMMENT, ["drop-after-write"])
    sandbox = sandbox_factory(faults=plan)
    desk = make_desk(sandbox)
    key = first_key(desk)
    with pytest.raises(AmbiguousWrite):
        desk.post_comment(key, "Réponse unique RB-7F3A", public=True)
    # the write happened: the service's marker check finds it, exactly once
    assert bodies(desk, key).count("Réponse unique RB-7F3A") == 1


def test_server_error_on_comment_is_ambiguous_and_not_retried(
    sandbox_factory: Callable[..., Any],
):
    plan = FaultPlan().script(COMMENT, ["500"])
    sandbox = sandbox_factory(faults=plan)
    desk = make_desk(sandbox)
    key = first_key(desk)
    with pytest.raises(AmbiguousWrite):
        desk.post_comment(key, "Jamais deux fois", public=True)
    assert (
        sandbox.requests()["requests"].get(
            "POST /rest/servicedeskapi/request/{issueIdOrKey}/comment"
        )
        == 1
    )
    assert "Jamais deux fois" not in bodies(desk, key)


def test_stalled_comment_is_ambiguous_after_the_read_timeout(
    sandbox_factory: Callable[..., Any],
):
    plan = FaultPlan(hang_seconds=2.0).script(COMMENT, ["timeout"])
    sandbox = sandbox_factory(faults=plan)
    desk = make_desk(sandbox, timeout=(2.0, 0.5))
    key = first_key(desk)
    with pytest.raises(AmbiguousWrite):
        desk.post_comment(key, "x", public=False)


def test_rate_limited_comment_is_rejected_with_its_retry_after(
    sandbox_factory: Callable[..., Any],
):
    plan = FaultPlan(retry_after=4).script(COMMENT, ["429"])
    sandbox = sandbox_factory(faults=plan)
    desk = make_desk(sandbox)
    key = first_key(desk)
    with pytest.raises(RateLimited) as info:
        desk.post_comment(key, "Plus tard", public=True)
    assert info.value.retry_after >= 4
    assert "Plus tard" not in bodies(desk, key)


def test_record_put_dropped_after_write_is_retried_safely(sandbox_factory: Callable[..., Any]):
    plan = FaultPlan().script("PUT /rest/api/2/issue/*", ["drop-after-write"])
    sandbox = sandbox_factory(faults=plan)
    desk = make_desk(sandbox)
    key = first_key(desk)
    record = BotRecord(done=("act-1",), state="answered")
    desk.save_record(key, record, add_labels=["routerbot"])
    again = desk.get(key)
    assert again.record == record
    assert again.ticket.labels.count("routerbot") == 1


def test_real_waits_never_retry_before_retry_after(sandbox_factory: Callable[..., Any]):
    """The sandbox notes any request that arrives before the Retry-After it gave."""
    plan = FaultPlan(retry_after=1).script(SEARCH, ["429"])
    sandbox = sandbox_factory(faults=plan)
    list(make_desk(sandbox, SystemClock()).poll(None))
    summary = sandbox.requests()
    assert summary["faults"].get("429") == 1
    assert summary["early_retry_count"] == 0


def test_mixed_faults_never_duplicate_a_write_and_reads_always_end_answered(
    sandbox_factory: Callable[..., Any],
):
    plan = FaultPlan.parse(
        "429=0.05,503=0.05,500=0.04,502=0.03,drop=0.03,drop-after-write=0.05,retry-after=0",
        seed=7,
    )
    sandbox = sandbox_factory(faults=plan)
    desk = make_desk(sandbox, retry_policy=RetryPolicy(max_attempts=8))
    keys = [s.ticket.key for s in desk.poll(None)]
    outcomes: dict[str, str] = {}
    for i in range(40):
        key = keys[i % len(keys)]
        body = f"marqueur-{i:03d}"
        try:
            desk.post_comment(key, body, public=bool(i % 2))
            outcomes[body] = "ok"
        except AmbiguousWrite:
            outcomes[body] = "ambiguous"
        except RateLimited:
            outcomes[body] = "rejected"
        except ServiceDeskError as exc:  # pragma: no cover - would be a policy bug
            pytest.fail(f"unexpected {type(exc).__name__}: {exc}")
    seen: dict[str, int] = {}
    for key in keys:
        for text in bodies(desk, key):
            if text.startswith("marqueur-"):
                seen[text] = seen.get(text, 0) + 1
    assert all(n == 1 for n in seen.values())  # nothing was ever posted twice
    assert all(body in seen for body, o in outcomes.items() if o == "ok")
    assert not any(body in seen for body, o in outcomes.items() if o == "rejected")
    assert "ambiguous" in outcomes.values()  # the plan did exercise the ambiguous path
    assert sandbox.requests()["faults"]
