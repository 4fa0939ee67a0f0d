"""The sandbox's servicedeskapi endpoints and its admin endpoints, over real HTTP."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from routerbot.errors import InputError
from routerbot.sandbox import SandboxModel

SD = "/rest/servicedeskapi"
OPT_IN = {"X-ExperimentalApi": "opt-in"}
CUSTOMER = ("m.durand@vins-durand.fr", "customer-token")
AGENT = ("sophie.martin@expadon-support.example", "agent-token")


def ticket(key: str = "T-1", **extra: Any) -> dict[str, Any]:
    return {
        "id": key,
        "service_desk": extra.pop("service_desk", "3"),
        "request_type": extra.pop("request_type", "86"),
        "summary": "Certificat introuvable",
        "description": "Bonjour, je ne retrouve pas mon certificat.",
        "reporter": {"displayName": "Marc Durand", "email": "m.durand@vins-durand.fr"},
        **extra,
    }


@pytest.fixture
def desk(sandbox_factory: Any) -> Any:
    """One request OPE-1 by a customer, with a public bot reply and an internal agent note."""
    model = SandboxModel()
    model.load_rows(
        [
            ticket(
                comments=[
                    {"author": "bot", "body": "Quel navigateur ?"},
                    {"author": "agent", "body": "Client connu.", "public": False},
                    {"author": "customer", "body": "Firefox 115"},
                ]
            )
        ]
    )
    return sandbox_factory(model=model)


def get(sb: Any, path: str, auth: Any = None, **kw: Any) -> requests.Response:
    return requests.get(sb.url + path, auth=auth or sb.auth, timeout=10, **kw)


def post(sb: Any, path: str, body: Any, auth: Any = None, **kw: Any) -> requests.Response:
    return requests.post(sb.url + path, json=body, auth=auth or sb.auth, timeout=10, **kw)


# --------------------------------------------------------------------------- desks


def test_lists_the_two_expadon_service_desks(sandbox: Any) -> None:
    page = get(sandbox, f"{SD}/servicedesk").json()
    assert [(d["id"], d["projectKey"]) for d in page["values"]] == [("3", "OPE"), ("4", "SD")]
    assert page["values"][0]["projectName"] == "Expadon 2 - Assistance opérateurs"
    assert (page["size"], page["isLastPage"]) == (2, True)


def test_service_desk_by_project_key(sandbox: Any) -> None:
    assert get(sandbox, f"{SD}/servicedesk/projectKey:SD").json()["id"] == "4"
    r = get(sandbox, f"{SD}/servicedesk/99")
    assert r.status_code == 404
    assert set(r.json()) == {"errorMessage", "i18nErrorMessage"}


def test_request_types_and_groups_of_each_desk(sandbox: Any) -> None:
    ope = get(sandbox, f"{SD}/servicedesk/3/requesttype").json()["values"]
    sd = get(sandbox, f"{SD}/servicedesk/4/requesttype").json()["values"]
    assert [(r["id"], r["groupIds"]) for r in ope] == [("84", ["28"]), ("86", ["28"])]
    assert [(r["id"], r["name"]) for r in sd] == [("87", "Assistance services déconcentrés")]
    groups = get(sandbox, f"{SD}/servicedesk/4/requesttypegroup").json()["values"]
    assert [g["id"] for g in groups] == ["27"]
    assert get(sandbox, f"{SD}/servicedesk/3/requesttype/87").status_code == 404
    assert get(sandbox, f"{SD}/servicedesk/4/requesttype/87").json()["serviceDeskId"] == "4"


def test_paging_envelope_has_size_start_limit_and_links(sandbox: Any) -> None:
    first = get(sandbox, f"{SD}/servicedesk/3/requesttype", params={"limit": 1}).json()
    assert (first["size"], first["start"], first["limit"], first["isLastPage"]) == (1, 0, 1, False)
    assert "start=1" in first["_links"]["next"] and "prev" not in first["_links"]
    second = requests.get(first["_links"]["next"], auth=sandbox.auth, timeout=10).json()
    assert (second["size"], second["start"], second["isLastPage"]) == (1, 1, True)
    assert "next" not in second["_links"] and "start=0" in second["_links"]["prev"]
    assert second["values"][0]["id"] == "86"


def test_experimental_operation_needs_the_opt_in_header(sandbox: Any) -> None:
    refused = get(sandbox, f"{SD}/requesttype")
    assert refused.status_code == 412
    assert "X-ExperimentalApi" in refused.json()["errorMessage"]
    allowed = get(sandbox, f"{SD}/requesttype", headers=OPT_IN)
    assert [r["id"] for r in allowed.json()["values"]] == ["84", "86", "87"]


def test_servicedeskapi_401_uses_its_own_error_shape(sandbox: Any) -> None:
    r = requests.get(f"{sandbox.url}{SD}/servicedesk", timeout=10)
    assert r.status_code == 401
    assert r.json()["errorMessage"] == "Client must be authenticated to access this resource."


# --------------------------------------------------------------------------- requests


def test_request_has_reporter_field_values_and_status(desk: Any) -> None:
    req = get(desk, f"{SD}/request/OPE-1", params={"expand": "requestType,serviceDesk"}).json()
    assert (req["issueKey"], req["requestTypeId"], req["serviceDeskId"]) == ("OPE-1", "86", "3")
    assert req["reporter"]["emailAddress"] == "m.durand@vins-durand.fr"
    values = {v["fieldId"]: v["value"] for v in req["requestFieldValues"]}
    assert values["description"] == "Bonjour, je ne retrouve pas mon certificat."
    assert req["currentStatus"]["statusCategory"] == "NEW"
    assert req["requestType"]["name"] == "Assistance opérateurs"
    assert req["serviceDesk"]["projectKey"] == "OPE"


def test_issue_without_request_type_is_not_a_request(empty_sandbox: Any) -> None:
    empty_sandbox.model.load_rows([ticket(request_type="")])
    assert get(empty_sandbox, f"{SD}/request/OPE-1").status_code == 404


def test_customer_creates_a_request_and_sees_it_but_not_others(desk: Any) -> None:
    other = ("autre@exemple.fr", "customer-token")
    desk.model.customer("autre@exemple.fr")
    body = {
        "serviceDeskId": "4",
        "requestTypeId": "87",
        "requestFieldValues": {"summary": "Question DDPP", "description": "Bonjour"},
    }
    r = post(desk, f"{SD}/request", body, auth=other)
    assert r.status_code == 201
    key = r.json()["issueKey"]
    assert key.startswith("SD-")
    assert get(desk, f"{SD}/request/{key}", auth=other).status_code == 200
    assert get(desk, f"{SD}/request/OPE-1", auth=other).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"serviceDeskId": "3", "requestTypeId": "87", "requestFieldValues": {"summary": "x"}},
        {"serviceDeskId": "3", "requestTypeId": "86", "requestFieldValues": {}},
        {
            "serviceDeskId": "3",
            "requestTypeId": "86",
            "requestFieldValues": {"summary": "x", "priority": "High"},
        },
    ],
)
def test_invalid_request_creation_is_a_400(desk: Any, body: dict[str, Any]) -> None:
    assert post(desk, f"{SD}/request", body).status_code == 400


# --------------------------------------------------------------------------- comments


def test_agent_reads_public_and_internal_comments_with_authors(desk: Any) -> None:
    values = get(desk, f"{SD}/request/OPE-1/comment").json()["values"]
    assert [(c["public"], c["author"]["emailAddress"]) for c in values] == [
        (True, "routerbot@example.org"),
        (False, "sophie.martin@expadon-support.example"),
        (True, "m.durand@vins-durand.fr"),
    ]


def test_public_and_internal_filters(desk: Any) -> None:
    only_internal = get(desk, f"{SD}/request/OPE-1/comment", params={"public": "false"}).json()
    only_public = get(desk, f"{SD}/request/OPE-1/comment", params={"internal": "false"}).json()
    assert [c["body"] for c in only_internal["values"]] == ["Client connu."]
    assert [c["public"] for c in only_public["values"]] == [True, True]


def test_customer_never_sees_internal_comments(desk: Any) -> None:
    values = get(desk, f"{SD}/request/OPE-1/comment", auth=CUSTOMER).json()["values"]
    assert [c["body"] for c in values] == ["Quel navigateur ?", "Firefox 115"]
    internal_id = desk.model.issue("OPE-1").comments[1].id
    assert get(desk, f"{SD}/request/OPE-1/comment/{internal_id}", auth=CUSTOMER).status_code == 404


def test_comments_page_through_start_and_limit(desk: Any) -> None:
    page = get(desk, f"{SD}/request/OPE-1/comment", params={"start": 1, "limit": 1}).json()
    assert (page["size"], page["start"], page["isLastPage"]) == (1, 1, False)
    assert page["values"][0]["body"] == "Client connu."


def test_posting_a_comment_requires_public(desk: Any) -> None:
    r = post(desk, f"{SD}/request/OPE-1/comment", {"body": "Bonjour"})
    assert r.status_code == 400
    assert "public" in r.json()["errorMessage"]
    assert len(desk.model.issue("OPE-1").comments) == 3


def test_bot_posts_an_internal_note_and_a_public_reply(desk: Any) -> None:
    note = post(desk, f"{SD}/request/OPE-1/comment", {"body": "Firefox 115", "public": False})
    reply = post(desk, f"{SD}/request/OPE-1/comment", {"body": "Bonjour", "public": True})
    assert (note.status_code, reply.status_code) == (201, 201)
    assert (note.json()["public"], reply.json()["public"]) == (False, True)
    comments = desk.state["tickets"][0]["comments"]
    assert [(c["author_role"], c["public"]) for c in comments[-2:]] == [
        ("bot", False),
        ("bot", True),
    ]


def test_customer_cannot_post_internal_notes(desk: Any) -> None:
    r = post(desk, f"{SD}/request/OPE-1/comment", {"body": "x", "public": False}, auth=CUSTOMER)
    assert r.status_code == 403


def test_customer_reply_sends_a_waiting_request_back_to_support(desk: Any) -> None:
    model = desk.model
    model.transition("OPE-1", "11", model.bot)
    before = model.issue("OPE-1").updated
    r = post(desk, f"{SD}/request/OPE-1/comment", {"body": "Chrome 120", "public": True}, CUSTOMER)
    assert r.status_code == 201
    issue = model.issue("OPE-1")
    assert issue.status == "Waiting for support"
    assert issue.updated >= before


def test_customer_transitions(desk: Any) -> None:
    ts = get(desk, f"{SD}/request/OPE-1/transition", auth=CUSTOMER).json()["values"]
    assert ts == [{"id": "61", "name": "Cancel request"}]
    assert post(desk, f"{SD}/request/OPE-1/transition", {"id": "71"}, CUSTOMER).status_code == 400
    r = post(desk, f"{SD}/request/OPE-1/transition", {"id": "61"}, CUSTOMER)
    assert r.status_code == 204
    assert desk.model.issue("OPE-1").status == "Resolved"


# --------------------------------------------------------------------------- admin + loading


def test_state_lists_every_seeded_ticket_with_comments_and_visibility(sandbox: Any) -> None:
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=10).json()
    tickets = state["tickets"]
    assert len(tickets) >= 25
    assert {t["service_desk"] for t in tickets} == {"3", "4"}
    assert {t["request_type"] for t in tickets} == {"84", "86", "87"}
    roles = {c["author_role"] for t in tickets for c in t["comments"]}
    assert roles == {"bot", "agent", "customer"}
    assert any(not c["public"] for t in tickets for c in t["comments"])


def test_requests_endpoint_counts_by_method_and_path_template(desk: Any) -> None:
    get(desk, f"{SD}/request/OPE-1/comment")
    get(desk, f"{SD}/request/10101/comment")
    get(desk, "/rest/api/3/issue/OPE-1")
    counts = requests.get(f"{desk.url}/_sandbox/requests", timeout=10).json()
    assert counts["requests"] == {
        "GET /rest/servicedeskapi/request/{issueIdOrKey}/comment": 2,
        "GET /rest/api/3/issue/{issueIdOrKey}": 1,
    }
    assert counts["total"] == 3


def test_tickets_posted_to_the_admin_endpoint_are_loaded(empty_sandbox: Any) -> None:
    rows = [ticket("X-1"), ticket("X-2", service_desk="4", request_type="87")]
    r = requests.post(f"{empty_sandbox.url}/_sandbox/tickets", json={"tickets": rows}, timeout=10)
    assert r.status_code == 201
    assert r.json()["keys"] == ["OPE-1", "SD-1"]
    lines = "\n".join(json.dumps(x) for x in [ticket("X-3")])
    r = requests.post(f"{empty_sandbox.url}/_sandbox/tickets", data=lines.encode(), timeout=10)
    assert r.json()["keys"] == ["OPE-2"]
    assert [t["source_id"] for t in empty_sandbox.state["tickets"]] == ["X-1", "X-2", "X-3"]


def test_bad_ticket_posted_to_the_admin_endpoint_is_a_400(empty_sandbox: Any) -> None:
    r = requests.post(
        f"{empty_sandbox.url}/_sandbox/tickets", json={"tickets": [{"summary": "x"}]}, timeout=10
    )
    assert r.status_code == 400
    assert empty_sandbox.state["tickets"] == []


def test_admin_comment_acts_as_the_customer(desk: Any) -> None:
    r = requests.post(
        f"{desk.url}/_sandbox/comments",
        json={"key": "OPE-1", "body": "J'utilise Edge 119", "author": "customer"},
        timeout=10,
    )
    assert r.status_code == 201
    last = desk.state["tickets"][0]["comments"][-1]
    assert (last["author"], last["author_role"], last["public"]) == (
        "m.durand@vins-durand.fr",
        "customer",
        True,
    )


def test_reset_forgets_tickets_and_counters(sandbox: Any) -> None:
    get(sandbox, "/rest/api/3/myself")
    requests.post(f"{sandbox.url}/_sandbox/reset", json={}, timeout=10)
    assert sandbox.state["tickets"] == []
    assert sandbox.requests()["total"] == 0
    requests.post(f"{sandbox.url}/_sandbox/reset", json={"seeded": True}, timeout=10)
    assert len(sandbox.state["tickets"]) >= 25


def test_loads_a_routing_md_file_with_authors_by_role(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    rows = [
        ticket(
            "DEV-9",
            comments=[
                {"author": "customer", "body": "Bonjour"},
                {"author": "bot", "body": "Quel navigateur ?"},
                {"author": "agent", "body": "vu"},
            ],
            expected={"category": "assistance_operateur"},
        )
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    model = SandboxModel()
    assert model.load_labelled(path) == ["OPE-1"]
    comments = model.snapshot()["tickets"][0]["comments"]
    assert [(c["author_role"], c["author"]) for c in comments] == [
        ("customer", "m.durand@vins-durand.fr"),
        ("bot", "routerbot@example.org"),
        ("agent", "sophie.martin@expadon-support.example"),
    ]
    reporter = model.find_user("m.durand@vins-durand.fr")
    assert reporter is not None and reporter.account_type == "customer"


def test_loading_a_broken_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(ticket()) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match=":2:"):
        SandboxModel().load_labelled(path)


def test_seeded_tickets_are_oldest_first_in_the_past(sandbox: Any) -> None:
    tickets = sandbox.state["tickets"]
    assert all(t["created"] <= t["updated"] for t in tickets)
    assert sum(1 for t in tickets if t["status"] == "Waiting for customer") >= 1
    assert sum(1 for t in tickets if t["assignee"]) >= 1


def test_parallel_writes_are_all_kept(desk: Any) -> None:
    def write(i: int) -> int:
        with requests.Session() as s:
            for j in range(10):
                s.post(
                    f"{desk.url}{SD}/request/OPE-1/comment",
                    json={"body": f"{i}-{j}", "public": j % 2 == 0},
                    auth=desk.auth,
                    timeout=10,
                ).raise_for_status()
        return i

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(write, range(8))) == list(range(8))
    ids = [c.id for c in desk.model.issue("OPE-1").comments]
    assert len(ids) == 3 + 80 == len(set(ids))
