"""JiraServiceDesk against recorded Jira Cloud payload shapes, with `responses` in strict mode.

Every registered response must be used (``assert_all_requests_are_fired``) and any request
not registered fails, so these tests also pin the number of HTTP calls per operation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import responses
from responses import matchers
from tests.fakes import FakeClock

from routerbot.domain import AuthorRole, Target
from routerbot.errors import Conflict, ServiceDeskError
from routerbot.jsm.adapter import JiraServiceDesk, jql_datetime
from routerbot.ports import BotRecord

PAYLOADS = Path(__file__).parent / "payloads"
BASE = "https://expadon2.atlassian.net"
TOKEN = "ATATT3xFfGF0-not-a-real-token"
BOT_ID = "5b10ac8d82e05b22cc7d4ef5"


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_desk(clock: FakeClock, **kw: Any) -> JiraServiceDesk:
    return JiraServiceDesk(BASE, "routerbot@example.org", TOKEN, clock=clock, **kw)


def add_discovery(rsps: responses.RequestsMock, *, desks: bool = True) -> None:
    rsps.get(f"{BASE}/rest/api/2/myself", json=payload("myself"))
    rsps.get(f"{BASE}/rest/api/2/field", json=payload("field"))
    if desks:
        rsps.get(f"{BASE}/rest/servicedeskapi/servicedesk", json=payload("servicedesk"))


def body_of(call: Any) -> Any:
    return json.loads(call.request.body)


# --------------------------------------------------------------------------- discovery


def test_whoami_reads_myself_once_and_caches_it(rsps: responses.RequestsMock, clock: FakeClock):
    rsps.get(f"{BASE}/rest/api/2/myself", json=payload("myself"))
    desk = make_desk(clock)
    assert desk.whoami() == BOT_ID
    assert desk.whoami() == BOT_ID
    assert str(desk.time_zone()) == "Europe/Paris"
    assert len(rsps.calls) == 1


def test_request_type_field_is_found_by_vp_origin_schema_preferring_the_plain_one(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(f"{BASE}/rest/api/2/field", json=payload("field"))
    desk = make_desk(clock)
    assert desk.request_type_field() == "customfield_10010"
    assert desk.request_type_field() == "customfield_10010"
    assert len(rsps.calls) == 1


def test_missing_request_type_field_is_a_clear_error(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(f"{BASE}/rest/api/2/field", json=[f for f in payload("field") if f["id"] == "summary"])
    with pytest.raises(ServiceDeskError, match="Customer Request Type"):
        make_desk(clock).request_type_field()


def test_constructing_the_adapter_makes_no_request(rsps: responses.RequestsMock, clock: FakeClock):
    make_desk(clock)
    assert len(rsps.calls) == 0


# --------------------------------------------------------------------------- poll


def test_poll_pages_through_next_page_token_and_fetches_missing_comments_only_where_needed(
    rsps: responses.RequestsMock, clock: FakeClock
):
    add_discovery(rsps)
    search = f"{BASE}/rest/api/2/search/jql"
    rsps.post(search, json=payload("search-page-1"))
    rsps.post(
        search,
        json=payload("search-page-2"),
        match=[matchers.json_params_matcher({"nextPageToken": "CAEaAggD"}, strict_match=False)],
    )
    rsps.get(
        f"{BASE}/rest/api/2/issue/OPE-102/comment",
        json=payload("comments-ope-102"),
        match=[
            matchers.query_param_matcher(
                {"startAt": "0", "maxResults": "100", "orderBy": "created"}
            )
        ],
    )
    desk = make_desk(clock)

    snaps = list(desk.poll(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)))

    # OPE-90 is resolved (status category done): not an open request
    assert [s.ticket.key for s in snaps] == ["OPE-101", "SD-7", "OPE-102"]
    first = body_of(rsps.calls[3])
    assert first["properties"] == ["routerbot"]
    assert "customfield_10010" in first["fields"]
    assert {"comment", "reporter", "status", "labels", "updated"} <= set(first["fields"])
    assert "nextPageToken" not in first
    ope102 = snaps[2].ticket
    assert [c.id for c in ope102.comments] == ["20010", "20011", "20012", "20013"]
    assert [c.author for c in ope102.comments] == [
        AuthorRole.CUSTOMER,
        AuthorRole.AGENT,
        AuthorRole.BOT,
        AuthorRole.CUSTOMER,
    ]


def test_poll_returns_everything_decide_needs_from_the_search_page(
    rsps: responses.RequestsMock, clock: FakeClock
):
    add_discovery(rsps)
    rsps.post(f"{BASE}/rest/api/2/search/jql", json=payload("search-page-1"))
    rsps.post(f"{BASE}/rest/api/2/search/jql", json=payload("search-empty"))
    snaps = list(make_desk(clock).poll(None))
    ope101 = snaps[0]
    t = ope101.ticket
    assert (t.service_desk, t.request_type) == ("3", "86")
    assert t.reporter.email == "p.martin@vergers-du-sud.fr"
    assert t.description.startswith("Bonjour,")
    assert [c.public for c in t.comments] == [True, False, True]
    assert t.labels == ("certificats",)
    assert t.status == "Waiting for support"
    assert t.assignee is None
    assert t.issue_id == "10101"
    assert ope101.record == BotRecord(
        done=("a1b2c3",), asks=1, state="waiting_browser", extra={"faq": "connexion-impossible"}
    )
    assert snaps[1].ticket.assignee == "Agnès Support"


def test_idle_poll_costs_one_request_once_discovery_is_cached(
    rsps: responses.RequestsMock, clock: FakeClock
):
    add_discovery(rsps)
    rsps.post(f"{BASE}/rest/api/2/search/jql", json=payload("search-empty"))
    desk = make_desk(clock)
    assert list(desk.poll(None)) == []
    before = len(rsps.calls)
    assert list(desk.poll(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))) == []
    assert len(rsps.calls) - before == 1


def test_poll_jql_uses_the_bot_time_zone_minus_the_overlap(
    rsps: responses.RequestsMock, clock: FakeClock
):
    add_discovery(rsps)
    rsps.post(f"{BASE}/rest/api/2/search/jql", json=payload("search-empty"))
    desk = make_desk(clock, overlap=timedelta(minutes=2))
    list(desk.poll(datetime(2026, 3, 2, 8, 30, 45, tzinfo=UTC)))
    jql = body_of(rsps.calls[-1])["jql"]
    # 08:30:45Z - 2 min = 08:28:45Z = 09:28 in Paris (winter, UTC+1)
    assert jql == (
        'project in ("OPE", "SD") AND updated >= "2026/03/02 09:28" ORDER BY updated ASC, key ASC'
    )


def test_poll_with_explicit_projects_skips_the_service_desk_lookup(
    rsps: responses.RequestsMock, clock: FakeClock
):
    add_discovery(rsps, desks=False)
    rsps.post(f"{BASE}/rest/api/2/search/jql", json=payload("search-empty"))
    desk = make_desk(clock, projects=["OPE"])
    assert list(desk.poll(None)) == []
    assert body_of(rsps.calls[-1])["jql"] == 'project in ("OPE") ORDER BY updated ASC, key ASC'


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (datetime(2026, 1, 15, 12, 0, 59, tzinfo=UTC), "UTC", "2026/01/15 12:00"),
        (datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "Europe/Paris", "2026/01/15 13:00"),
        (datetime(2026, 7, 15, 12, 0, tzinfo=UTC), "Europe/Paris", "2026/07/15 14:00"),
        # the night summer time starts in Paris (29 March 2026, 01:00Z)
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Europe/Paris", "2026/03/29 01:59"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Europe/Paris", "2026/03/29 03:00"),
        (datetime(2026, 1, 15, 0, 30, tzinfo=UTC), "America/New_York", "2026/01/14 19:30"),
    ],
)
def test_jql_literal_is_written_in_the_searching_account_time_zone(
    instant: datetime, zone: str, expected: str
):
    assert jql_datetime(instant, ZoneInfo(zone)) == expected


def test_unknown_time_zone_in_profile_falls_back_to_utc(
    rsps: responses.RequestsMock, clock: FakeClock
):
    me = payload("myself") | {"timeZone": "Mars/Olympus_Mons"}
    rsps.get(f"{BASE}/rest/api/2/myself", json=me)
    assert str(make_desk(clock).time_zone()) == "UTC"


# --------------------------------------------------------------------------- get


def test_get_reads_one_issue_with_its_fields_and_record(
    rsps: responses.RequestsMock, clock: FakeClock
):
    add_discovery(rsps, desks=False)
    rsps.get(
        f"{BASE}/rest/api/2/issue/OPE-101",
        json=payload("issue-ope-101"),
        match=[
            matchers.query_param_matcher(
                {
                    "fields": "summary,description,reporter,comment,status,assignee,labels,"
                    "created,updated,project,customfield_10010",
                    "properties": "routerbot",
                }
            )
        ],
    )
    snap = make_desk(clock).get("OPE-101")
    assert snap.ticket.key == "OPE-101"
    assert snap.ticket.comments[-1].author is AuthorRole.BOT
    assert snap.record.state == "waiting_browser"


# --------------------------------------------------------------------------- writes


def test_post_comment_uses_the_jsm_endpoint_with_public_flag(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.post(
        f"{BASE}/rest/servicedeskapi/request/OPE-101/comment",
        status=201,
        json=payload("sd-comment-created"),
        match=[
            matchers.json_params_matcher({"body": "Note interne", "public": False}),
            matchers.header_matcher({"X-ExperimentalApi": "opt-in"}),
        ],
    )
    assert make_desk(clock).post_comment("OPE-101", "Note interne", public=False) == "30001"


def test_set_request_type_puts_the_id_as_a_string_without_notifying(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(f"{BASE}/rest/api/2/field", json=payload("field"))
    rsps.put(
        f"{BASE}/rest/api/2/issue/OPE-101",
        status=204,
        match=[
            matchers.query_param_matcher({"notifyUsers": "false"}),
            matchers.json_params_matcher({"fields": {"customfield_10010": "84"}}),
        ],
    )
    make_desk(clock).set_request_type("OPE-101", "84")


def test_transition_posts_the_one_leading_to_the_configured_status(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(
        f"{BASE}/rest/api/2/issue/OPE-101/transitions",
        json=payload("transitions-waiting-support"),
    )
    rsps.post(
        f"{BASE}/rest/api/2/issue/OPE-101/transitions",
        status=204,
        match=[matchers.json_params_matcher({"transition": {"id": "11"}})],
    )
    assert make_desk(clock).transition("OPE-101", "waiting_for_customer") is True


def test_transition_returns_false_when_no_transition_leads_there(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(
        f"{BASE}/rest/api/2/issue/OPE-101/transitions",
        json=payload("transitions-waiting-support"),
    )
    assert make_desk(clock).transition("OPE-101", "waiting_for_support") is False


def test_transition_names_come_from_configuration(rsps: responses.RequestsMock, clock: FakeClock):
    rsps.get(
        f"{BASE}/rest/api/2/issue/OPE-101/transitions",
        json=payload("transitions-waiting-support"),
    )
    rsps.post(
        f"{BASE}/rest/api/2/issue/OPE-101/transitions",
        status=204,
        match=[matchers.json_params_matcher({"transition": {"id": "21"}})],
    )
    desk = make_desk(clock, status_names={"waiting_for_customer": "resolved"})
    assert desk.transition("OPE-101", "waiting_for_customer") is True


def test_save_record_writes_property_and_labels_in_one_put(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.put(
        f"{BASE}/rest/api/2/issue/OPE-101",
        status=204,
        match=[
            matchers.json_params_matcher(
                {
                    "update": {"labels": [{"add": "routerbot"}, {"add": "routerbot-asked"}]},
                    "properties": [
                        {
                            "key": "routerbot",
                            "value": {
                                "v": 1,
                                "done": ["x1", "x2"],
                                "asks": 2,
                                "state": "handed_over",
                                "extra": {},
                            },
                        }
                    ],
                }
            )
        ],
    )
    record = BotRecord(done=("x1", "x2"), asks=2, state="handed_over")
    make_desk(clock).save_record("OPE-101", record, add_labels=["routerbot", "routerbot-asked"])


def test_save_record_without_labels_sends_no_update_block(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.put(f"{BASE}/rest/api/2/issue/OPE-101", status=204)
    make_desk(clock).save_record("OPE-101", BotRecord(state="answered"))
    assert "update" not in body_of(rsps.calls[0])


# --------------------------------------------------------------------------- move


def test_move_submits_a_bulk_move_waits_for_the_task_and_sets_the_request_type(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(f"{BASE}/rest/servicedeskapi/servicedesk", json=payload("servicedesk"))
    rsps.get(
        f"{BASE}/rest/servicedeskapi/servicedesk/4/requesttype/87",
        json=payload("requesttype-4-87"),
    )
    rsps.post(
        f"{BASE}/rest/api/3/bulk/issues/move",
        status=201,
        json=payload("bulk-move-submitted"),
        match=[
            matchers.json_params_matcher(
                {
                    "sendBulkNotification": False,
                    "targetToSourcesMapping": {
                        "SD,10200": {
                            "issueIdsOrKeys": ["OPE-101"],
                            "inferFieldDefaults": True,
                            "inferStatusDefaults": True,
                            "inferSubtaskTypeDefault": True,
                            "inferClassificationDefaults": True,
                        }
                    },
                }
            )
        ],
    )
    rsps.get(f"{BASE}/rest/api/3/bulk/queue/10641", json=payload("bulk-queue-running"))
    rsps.get(f"{BASE}/rest/api/3/bulk/queue/10641", json=payload("bulk-queue-complete"))
    rsps.get(
        f"{BASE}/rest/api/2/issue/10101",
        json={"id": "10101", "key": "SD-8", "fields": {"project": {"key": "SD"}}},
    )
    rsps.get(f"{BASE}/rest/api/2/field", json=payload("field"))
    rsps.put(
        f"{BASE}/rest/api/2/issue/SD-8",
        status=204,
        match=[matchers.json_params_matcher({"fields": {"customfield_10010": "87"}})],
    )
    desk = make_desk(clock, move_poll_interval=2.0)
    assert desk.move("OPE-101", Target("4", "87")) == "SD-8"
    assert clock.sleeps == [2.0]


def test_move_reports_a_failed_task_as_conflict(rsps: responses.RequestsMock, clock: FakeClock):
    rsps.get(f"{BASE}/rest/servicedeskapi/servicedesk", json=payload("servicedesk"))
    rsps.get(
        f"{BASE}/rest/servicedeskapi/servicedesk/4/requesttype/87",
        json=payload("requesttype-4-87"),
    )
    rsps.post(f"{BASE}/rest/api/3/bulk/issues/move", status=201, json={"taskId": "9"})
    failed = payload("bulk-queue-complete") | {
        "taskId": "9",
        "processedAccessibleIssues": [],
        "failedAccessibleIssues": {"10101": ["Move issues permission missing"]},
    }
    rsps.get(f"{BASE}/rest/api/3/bulk/queue/9", json=failed)
    with pytest.raises(Conflict, match="Move issues permission missing"):
        make_desk(clock).move("OPE-101", Target("4", "87"))


def test_move_gives_up_after_the_timeout_without_real_sleeping(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(f"{BASE}/rest/servicedeskapi/servicedesk", json=payload("servicedesk"))
    rsps.get(
        f"{BASE}/rest/servicedeskapi/servicedesk/4/requesttype/87",
        json=payload("requesttype-4-87"),
    )
    rsps.post(f"{BASE}/rest/api/3/bulk/issues/move", status=201, json={"taskId": "10641"})
    rsps.get(f"{BASE}/rest/api/3/bulk/queue/10641", json=payload("bulk-queue-running"))
    desk = make_desk(clock, move_timeout=5.0, move_poll_interval=1.0)
    with pytest.raises(ServiceDeskError, match="still RUNNING"):
        desk.move("OPE-101", Target("4", "87"))
    assert sum(clock.sleeps) == 5.0


def test_note_only_strategy_refuses_to_move_without_any_request(
    rsps: responses.RequestsMock, clock: FakeClock
):
    desk = make_desk(clock, move_strategy="note_only")
    with pytest.raises(Conflict, match="disabled"):
        desk.move("OPE-101", Target("4", "87"))
    assert len(rsps.calls) == 0


def test_unknown_move_strategy_is_rejected_at_construction():
    with pytest.raises(ValueError, match="move_strategy"):
        JiraServiceDesk(BASE, "a@b.c", TOKEN, move_strategy="teleport")


def test_second_transition_in_a_project_posts_the_remembered_id_directly(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(
        f"{BASE}/rest/api/2/issue/OPE-101/transitions",
        json=payload("transitions-waiting-support"),
    )
    rsps.post(f"{BASE}/rest/api/2/issue/OPE-101/transitions", status=204)
    rsps.post(
        f"{BASE}/rest/api/2/issue/OPE-102/transitions",
        status=204,
        match=[matchers.json_params_matcher({"transition": {"id": "11"}})],
    )
    desk = make_desk(clock)
    assert desk.transition("OPE-101", "waiting_for_customer") is True
    assert desk.transition("OPE-102", "waiting_for_customer") is True
    assert [c.request.method for c in rsps.calls] == ["GET", "POST", "POST"]


def test_a_moved_issue_addressed_by_id_uses_the_remembered_transition_of_its_new_project(
    rsps: responses.RequestsMock, clock: FakeClock
):
    rsps.get(
        f"{BASE}/rest/api/2/issue/SD-5/transitions", json=payload("transitions-waiting-support")
    )
    rsps.post(f"{BASE}/rest/api/2/issue/SD-5/transitions", status=204)
    rsps.get(f"{BASE}/rest/servicedeskapi/servicedesk", json=payload("servicedesk"))
    rsps.get(
        f"{BASE}/rest/servicedeskapi/servicedesk/4/requesttype/87",
        json=payload("requesttype-4-87"),
    )
    rsps.post(f"{BASE}/rest/api/3/bulk/issues/move", status=201, json={"taskId": "10641"})
    rsps.get(f"{BASE}/rest/api/3/bulk/queue/10641", json=payload("bulk-queue-complete"))
    rsps.post(
        f"{BASE}/rest/api/2/issue/10101/transitions",
        status=204,
        match=[matchers.json_params_matcher({"transition": {"id": "11"}})],
    )
    desk = make_desk(clock)
    assert desk.transition("SD-5", "waiting_for_customer") is True
    task = desk.start_move("OPE-101", Target("4", "87"))
    assert desk.move_progress(task).ref == "10101"
    assert desk.transition("10101", "waiting_for_customer") is True
    # no listing for the moved issue: SD's transition id was already known
    assert [c.request.method for c in rsps.calls] == [
        "GET",
        "POST",
        "GET",
        "GET",
        "POST",
        "GET",
        "POST",
    ]


def test_remembered_transition_refused_falls_back_to_listing(
    rsps: responses.RequestsMock, clock: FakeClock
):
    url = f"{BASE}/rest/api/2/issue/OPE-101/transitions"
    rsps.get(url, json=payload("transitions-waiting-support"))
    rsps.post(url, status=204)
    rsps.post(
        url,
        status=400,
        json={"errorMessages": ["Transition id '11' is not valid for this issue."]},
    )
    rsps.get(url, json={"transitions": []})
    desk = make_desk(clock)
    assert desk.transition("OPE-101", "waiting_for_customer") is True
    assert desk.transition("OPE-101", "waiting_for_customer") is False
    assert [c.request.method for c in rsps.calls] == ["GET", "POST", "POST", "GET"]
