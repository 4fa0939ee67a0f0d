"""The sandbox's Jira platform endpoints over real HTTP (search, issue, comments…)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from tests.fakes import FakeClock

from routerbot.sandbox import SandboxModel

Json = dict[str, Any]


def row(key: str, desk: str = "3", rtype: str = "86", **extra: Any) -> Json:
    return {
        "id": key,
        "service_desk": desk,
        "request_type": rtype,
        "summary": extra.pop("summary", f"Demande {key}"),
        "description": extra.pop("description", "Bonjour,\nune question.\n\nMerci"),
        "reporter": {"displayName": "Client Test", "email": extra.pop("email", "a@b.fr")},
        **extra,
    }


class Api:
    def __init__(self, sb: Any, version: str = "3") -> None:
        self.sb = sb
        self.base = f"{sb.url}/rest/api/{version}"

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(self.base + path, auth=self.sb.auth, timeout=10, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> requests.Response:
        return requests.post(self.base + path, json=body, auth=self.sb.auth, timeout=10, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> requests.Response:
        return requests.put(self.base + path, json=body, auth=self.sb.auth, timeout=10, **kw)

    def search(self, jql: str, **params: Any) -> Json:
        r = self.get("/search/jql", params={"jql": jql, **params})
        assert r.status_code == 200, r.text
        data: Json = r.json()
        return data

    def keys(self, jql: str) -> list[str]:
        keys: list[str] = []
        token = None
        while True:
            params = {"fields": "summary", "maxResults": 100}
            if token:
                params["nextPageToken"] = token
            page = self.search(jql, **params)
            keys += [i["key"] for i in page["issues"]]
            token = page.get("nextPageToken")
            if page["isLast"]:
                return keys


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))


@pytest.fixture
def small(sandbox_factory: Callable[..., Any], clock: FakeClock) -> Any:
    """Four tickets at known times: OPE-1..3 (desk 3) and SD-1 (desk 4)."""
    model = SandboxModel(clock=clock, move_polls=3, move_seconds=5.0)
    t0 = clock.now()
    model.load_rows(
        [
            row("OPE-1", created=(t0 - timedelta(hours=3)).isoformat(), labels=["routerbot"]),
            row("OPE-2", rtype="84", created=(t0 - timedelta(hours=2)).isoformat()),
            row("OPE-3", created=(t0 - timedelta(minutes=30)).isoformat(), status="Resolved"),
            row("SD-1", desk="4", rtype="87", created=(t0 - timedelta(minutes=5)).isoformat()),
        ]
    )
    return sandbox_factory(model=model)


# --------------------------------------------------------------------------- meta


def test_server_info_says_cloud_without_credentials(sandbox: Any) -> None:
    r = requests.get(f"{sandbox.url}/rest/api/2/serverInfo", timeout=10)
    assert r.status_code == 200
    assert r.json()["deploymentType"] == "Cloud"


def test_myself_gives_the_bot_account_with_its_time_zone(sandbox: Any) -> None:
    me = Api(sandbox).get("/myself").json()
    assert me["emailAddress"] == "routerbot@example.org"
    assert me["timeZone"] == "Europe/Paris"
    assert me["accountType"] == "atlassian"


def test_field_list_has_the_request_type_field_by_its_vp_origin_schema(sandbox: Any) -> None:
    fields = Api(sandbox, "2").get("/field").json()
    origin = [f for f in fields if f["schema"].get("custom", "").endswith(":vp-origin")]
    assert [f["id"] for f in origin] == ["customfield_10010"]


@pytest.mark.parametrize(
    "auth", [None, ("routerbot@example.org", "wrong"), ("nobody@example.org", "sandbox-token")]
)
def test_refuses_missing_or_wrong_credentials_with_jira_401_body(sandbox: Any, auth: Any) -> None:
    r = requests.get(f"{sandbox.url}/rest/api/3/myself", auth=auth, timeout=10)
    assert r.status_code == 401
    assert r.json()["errorMessages"] == ["Client must be authenticated to access this resource."]


def test_overridden_credentials_are_the_only_bot_credentials(sandbox_factory: Any) -> None:
    sb = sandbox_factory(email="bot@expadon.example", token="s3cret")
    ok = requests.get(
        f"{sb.url}/rest/api/3/myself", auth=("bot@expadon.example", "s3cret"), timeout=10
    )
    old = requests.get(
        f"{sb.url}/rest/api/3/myself", auth=("routerbot@example.org", "sandbox-token"), timeout=10
    )
    assert (ok.status_code, old.status_code) == (200, 401)


# --------------------------------------------------------------------------- search


def test_old_search_endpoint_is_gone_with_an_explanation(sandbox: Any) -> None:
    r = Api(sandbox).get("/search", params={"jql": "project = OPE"})
    assert r.status_code == 410
    assert "/rest/api/3/search/jql" in r.json()["errorMessages"][0]


def test_unbounded_jql_is_refused(sandbox: Any) -> None:
    r = Api(sandbox).get("/search/jql", params={"jql": "ORDER BY updated ASC"})
    assert r.status_code == 400
    assert r.json()["errorMessages"] == [
        "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
    ]


def test_invalid_jql_is_a_400_with_error_messages(sandbox: Any) -> None:
    r = Api(sandbox).get("/search/jql", params={"jql": "colour = blue"})
    assert r.status_code == 400
    assert "colour" in r.json()["errorMessages"][0]


def test_search_returns_only_ids_by_default_and_no_total(small: Any) -> None:
    page = Api(small).search("project = OPE ORDER BY key ASC")
    assert page["issues"] == [{"id": i["id"]} for i in page["issues"]]
    assert len(page["issues"]) == 3
    assert page["isLast"] is True
    assert "total" not in page and "nextPageToken" not in page


def test_search_pages_with_next_page_token_until_is_last(sandbox: Any) -> None:
    api = Api(sandbox)
    everything = api.keys("project in (OPE, SD) ORDER BY key ASC")
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        params: Json = {"fields": "summary", "maxResults": 7}
        if token:
            params["nextPageToken"] = token
        page = api.search("project in (OPE, SD) ORDER BY key ASC", **params)
        pages += 1
        seen += [i["key"] for i in page["issues"]]
        if page["isLast"]:
            assert "nextPageToken" not in page
            break
        token = page["nextPageToken"]
    assert seen == everything
    assert pages == -(-len(everything) // 7)


def test_next_page_token_of_another_query_is_refused(sandbox: Any) -> None:
    api = Api(sandbox)
    token = api.search("project = OPE", maxResults=2)["nextPageToken"]
    r = api.get("/search/jql", params={"jql": "project = SD", "nextPageToken": token})
    assert r.status_code == 400


def test_post_search_takes_fields_list_and_properties(small: Any) -> None:
    small.model.issue("OPE-1").properties["routerbot"] = {"state": "answered"}
    r = Api(small).post(
        "/search/jql",
        {"jql": "key = OPE-1", "fields": ["summary", "labels"], "properties": ["routerbot"]},
    )
    issue = r.json()["issues"][0]
    assert set(issue["fields"]) == {"summary", "labels"}
    assert issue["properties"] == {"routerbot": {"state": "answered"}}


def test_post_search_refuses_unknown_body_keys(small: Any) -> None:
    r = Api(small).post("/search/jql", {"jql": "project = OPE", "startAt": 10})
    assert r.status_code == 400


def test_more_than_five_properties_is_refused(small: Any) -> None:
    r = Api(small).get("/search/jql", params={"jql": "project = OPE", "properties": "a,b,c,d,e,f"})
    assert r.status_code == 400


def test_fields_may_be_repeated_or_comma_separated(small: Any) -> None:
    r = Api(small).get(
        "/search/jql",
        params=[("jql", "key = OPE-1"), ("fields", "summary,status"), ("fields", "labels")],
    )
    assert set(r.json()["issues"][0]["fields"]) == {"summary", "status", "labels"}


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ("project = OPE ORDER BY key ASC", ["OPE-1", "OPE-2", "OPE-3"]),
        ("project in (OPE, SD) ORDER BY created DESC", ["SD-1", "OPE-3", "OPE-2", "OPE-1"]),
        ("project = SD OR labels = routerbot ORDER BY key ASC", ["OPE-1", "SD-1"]),
        ("project in (OPE,SD) AND labels is EMPTY ORDER BY key ASC", ["OPE-2", "OPE-3", "SD-1"]),
        ("project = OPE AND labels not in (routerbot) ORDER BY key ASC", []),
        (
            "project in (OPE, SD) AND (labels is EMPTY OR labels not in (routerbot)) "
            "ORDER BY key ASC",
            ["OPE-2", "OPE-3", "SD-1"],
        ),
        ("project = OPE AND status != Resolved ORDER BY key ASC", ["OPE-1", "OPE-2"]),
        (
            "project in (OPE, SD) AND statusCategory != Done ORDER BY key ASC",
            ["OPE-1", "OPE-2", "SD-1"],
        ),
        ('project = OPE AND status = "Waiting for support" ORDER BY key ASC', ["OPE-1", "OPE-2"]),
        (
            "project = OPE AND assignee is EMPTY AND resolution = Unresolved ORDER BY key DESC",
            ["OPE-2", "OPE-1"],
        ),
        ('project = OPE AND "Request Type" = Habilitation', ["OPE-2"]),
        ("cf[10010] = 84", ["OPE-2"]),
        ("project = OPE AND NOT key = OPE-1 ORDER BY key ASC", ["OPE-2", "OPE-3"]),
        ("project = OPE AND created >= -1h", ["OPE-3"]),
        ("project in (OPE, SD) AND updated >= -150m ORDER BY key ASC", ["OPE-2", "OPE-3", "SD-1"]),
        # absolute literals are Paris time (the caller's zone): 09:00 UTC is 10:00 in Paris
        (
            'project in (OPE, SD) AND created >= "2025/03/10 09:30" ORDER BY key ASC',
            ["OPE-3", "SD-1"],
        ),
        ('project in (OPE, SD) AND created >= "2025-03-10 09:55"', ["SD-1"]),
        ('project in (OPE, SD) AND created < "2025/03/10"', []),
    ],
)
def test_jql_subset(small: Any, jql: str, expected: list[str]) -> None:
    keys = Api(small).keys(jql)
    assert keys == expected if "ORDER BY" in jql else sorted(keys) == sorted(expected)


def test_absolute_dates_follow_the_callers_time_zone(small: Any) -> None:
    small.model.bot.time_zone = "UTC"
    # read as 08:30 UTC now: OPE-3 (created 08:30 UTC) and SD-1 (08:55 UTC)
    assert Api(small).keys('project in (OPE, SD) AND created >= "2025/03/10 08:30"') == [
        "SD-1",
        "OPE-3",
    ]


def test_every_write_bumps_updated_and_is_seen_by_an_updated_query(
    small: Any, clock: FakeClock
) -> None:
    api = Api(small)
    assert api.keys('project = OPE AND updated >= "2025/03/10 10:10"') == []
    clock.advance(minutes=20)  # now 09:20 UTC = 10:20 Paris
    assert api.put("/issue/OPE-1", {"update": {"labels": [{"add": "seen"}]}}).status_code == 204
    assert api.keys('project = OPE AND updated >= "2025/03/10 10:10"') == ["OPE-1"]
    fields = api.get("/issue/OPE-1", params={"fields": "updated"}).json()["fields"]
    assert fields["updated"] == "2025-03-10T10:20:00.000+0100"


def test_search_embeds_at_most_twenty_comments_with_the_true_total(empty_sandbox: Any) -> None:
    model = empty_sandbox.model
    key = model.load_rows([row("OPE-1")])[0]
    for i in range(25):
        model.add_comment(key, f"relance {i}")
    issue = Api(empty_sandbox).search("key = OPE-1", fields="comment")["issues"][0]
    page = issue["fields"]["comment"]
    assert (len(page["comments"]), page["total"]) == (20, 25)
    full = Api(empty_sandbox).get("/issue/OPE-1", params={"fields": "comment"}).json()
    assert len(full["fields"]["comment"]["comments"]) == 25


# --------------------------------------------------------------------------- issue


def test_v3_gives_adf_and_v2_gives_strings(small: Any) -> None:
    v3 = Api(small, "3").get("/issue/OPE-1").json()["fields"]
    v2 = Api(small, "2").get("/issue/OPE-1").json()["fields"]
    assert v2["description"] == "Bonjour,\nune question.\n\nMerci"
    assert v3["description"]["type"] == "doc"
    assert [p["type"] for p in v3["description"]["content"]] == ["paragraph", "paragraph"]


def test_request_type_field_reads_as_an_object_with_the_request_type(small: Any) -> None:
    f = Api(small).get("/issue/OPE-2", params={"fields": "customfield_10010"}).json()["fields"]
    rt = f["customfield_10010"]
    assert (rt["requestType"]["id"], rt["requestType"]["serviceDeskId"]) == ("84", "3")
    assert rt["currentStatus"]["status"] == "Waiting for support"


def test_unknown_issue_is_404(small: Any) -> None:
    r = Api(small).get("/issue/OPE-99")
    assert r.status_code == 404
    assert r.json()["errorMessages"]


def test_request_type_is_changed_with_a_string_id(small: Any) -> None:
    api = Api(small)
    r = api.put("/issue/OPE-1", {"fields": {"customfield_10010": "84"}})
    assert r.status_code == 204
    assert small.model.issue("OPE-1").request_type_id == "84"


def test_request_type_as_an_object_is_refused(small: Any) -> None:
    r = Api(small).put("/issue/OPE-1", {"fields": {"customfield_10010": {"id": "84"}}})
    assert r.status_code == 400
    assert r.json()["errors"] == {"customfield_10010": "Operation value must be a string"}
    assert small.model.issue("OPE-1").request_type_id == "86"


def test_request_type_of_the_other_desk_is_refused(small: Any) -> None:
    r = Api(small).put("/issue/OPE-1", {"fields": {"customfield_10010": "87"}})
    assert r.status_code == 400
    assert "customfield_10010" in r.json()["errors"]


def test_a_refused_edit_changes_nothing(small: Any) -> None:
    before = small.model.issue("OPE-2").updated
    r = Api(small).put(
        "/issue/OPE-2", {"fields": {"labels": ["ok"], "customfield_10010": {"id": "86"}}}
    )
    assert r.status_code == 400
    assert small.model.issue("OPE-2").labels == []
    assert small.model.issue("OPE-2").updated == before


def test_labels_set_add_remove_and_properties_in_one_edit(small: Any) -> None:
    api = Api(small)
    assert api.put("/issue/OPE-2", {"fields": {"labels": ["a", "b"]}}).status_code == 204
    r = api.put(
        "/issue/OPE-2",
        {
            "update": {"labels": [{"add": "c"}, {"remove": "a"}]},
            "properties": [{"key": "routerbot", "value": {"done": ["x"]}}],
        },
    )
    assert r.status_code == 204
    issue = small.model.issue("OPE-2")
    assert (issue.labels, issue.properties["routerbot"]) == (["b", "c"], {"done": ["x"]})


def test_unknown_field_cannot_be_set(small: Any) -> None:
    r = Api(small).put("/issue/OPE-1", {"fields": {"duedate": "2025-01-01"}})
    assert r.status_code == 400
    assert "duedate" in r.json()["errors"]


def test_issue_properties_created_updated_read_and_deleted(small: Any) -> None:
    api = Api(small)
    url = f"{api.base}/issue/OPE-1/properties/routerbot"
    assert requests.put(url, json={"v": 1}, auth=small.auth, timeout=10).status_code == 201
    assert requests.put(url, json={"v": 2}, auth=small.auth, timeout=10).status_code == 200
    assert api.get("/issue/OPE-1/properties/routerbot").json() == {
        "key": "routerbot",
        "value": {"v": 2},
    }
    assert [k["key"] for k in api.get("/issue/OPE-1/properties").json()["keys"]] == ["routerbot"]
    assert requests.delete(url, auth=small.auth, timeout=10).status_code == 204
    assert api.get("/issue/OPE-1/properties/routerbot").status_code == 404


def test_property_writes_do_not_bump_updated(small: Any, clock: FakeClock) -> None:
    before = small.model.issue("OPE-1").updated
    clock.advance(minutes=5)
    Api(small).put("/issue/OPE-1/properties/routerbot", {"v": 1})
    assert small.model.issue("OPE-1").updated == before


# --------------------------------------------------------------------------- transitions


def test_transitions_listed_from_the_current_status_and_performed(small: Any) -> None:
    api = Api(small)
    names = {t["name"]: t["id"] for t in api.get("/issue/OPE-1/transitions").json()["transitions"]}
    assert "Respond to customer" in names and "Reopen" not in names
    r = api.post("/issue/OPE-1/transitions", {"transition": {"id": names["Respond to customer"]}})
    assert r.status_code == 204
    assert small.model.issue("OPE-1").status == "Waiting for customer"


def test_unknown_transition_is_a_400(small: Any) -> None:
    r = Api(small).post("/issue/OPE-1/transitions", {"transition": {"id": "999"}})
    assert r.status_code == 400
    assert small.model.issue("OPE-1").status == "Waiting for support"


def test_transition_accepts_an_integer_id_as_the_jira_client_sends(small: Any) -> None:
    r = Api(small, "2").post("/issue/OPE-1/transitions", {"transition": {"id": 11}})
    assert r.status_code == 204


# --------------------------------------------------------------------------- comments


def test_platform_comment_is_public_unless_marked_internal(small: Any) -> None:
    api = Api(small, "2")
    pub = api.post("/issue/OPE-1/comment", {"body": "Bonjour"}).json()
    internal = api.post(
        "/issue/OPE-1/comment",
        {
            "body": "note",
            "properties": [{"key": "sd.public.comment", "value": {"internal": True}}],
        },
    ).json()
    assert (pub["jsdPublic"], internal["jsdPublic"]) == (True, False)
    assert pub["author"]["emailAddress"] == "routerbot@example.org"
    listed = api.get("/issue/OPE-1/comment").json()
    assert [c["jsdPublic"] for c in listed["comments"]] == [True, False]


def test_v3_comment_needs_adf_and_v2_a_string(small: Any) -> None:
    bad = Api(small, "3").post("/issue/OPE-1/comment", {"body": "texte brut"})
    good = Api(small, "3").post(
        "/issue/OPE-1/comment",
        {
            "body": {
                "type": "doc",
                "version": 1,
                "content": [{"type": "paragraph", "content": [{"type": "text", "text": "ok"}]}],
            }
        },
    )
    assert (bad.status_code, good.status_code) == (400, 201)
    assert small.model.issue("OPE-1").comments[-1].body == "ok"


def test_changelog_shows_who_changed_the_request_type(small: Any) -> None:
    api = Api(small, "2")
    api.put("/issue/OPE-1", {"fields": {"customfield_10010": "84"}})
    agent = small.model.agents[0]
    small.model.set_request_type(small.model.issue("OPE-1"), "86", agent)  # the agent undoes it
    data = api.get("/issue/OPE-1", params={"expand": "changelog", "fields": "summary"}).json()
    changes = [
        (h["author"]["emailAddress"], it["fromString"], it["toString"])
        for h in data["changelog"]["histories"]
        for it in h["items"]
        if it["fieldId"] == "customfield_10010"
    ]
    assert changes == [
        ("routerbot@example.org", "Assistance opérateurs", "Habilitation"),
        (agent.email, "Habilitation", "Assistance opérateurs"),
    ]


# --------------------------------------------------------------------------- bulk move


def move(api: Api, key: str, project: str = "SD") -> str:
    r = api.post(
        "/bulk/issues/move",
        {
            "sendBulkNotification": False,
            "targetToSourcesMapping": {
                f"{project},10006": {
                    "issueIdsOrKeys": [key],
                    "inferFieldDefaults": False,
                    "inferStatusDefaults": False,
                    "inferSubtaskTypeDefault": True,
                    "inferClassificationDefaults": False,
                }
            },
        },
    )
    assert r.status_code == 201, r.text
    task_id: str = r.json()["taskId"]
    return task_id


def test_bulk_move_goes_enqueued_running_complete_and_gives_a_new_key(small: Any) -> None:
    api = Api(small)
    task = move(api, "OPE-1")
    statuses = [api.get(f"/bulk/queue/{task}").json() for _ in range(3)]
    assert [s["status"] for s in statuses] == ["ENQUEUED", "RUNNING", "COMPLETE"]
    issue_id = int(small.model.issue("OPE-1").id)
    assert statuses[-1]["processedAccessibleIssues"] == [issue_id]
    moved = api.get("/issue/OPE-1", params={"fields": "project,customfield_10010"}).json()
    assert moved["key"] == "SD-2"  # the old key still resolves, like Jira's redirect
    assert moved["fields"]["project"]["key"] == "SD"
    assert moved["fields"]["customfield_10010"] is None  # request type of the old desk dropped
    assert api.put("/issue/SD-2", {"fields": {"customfield_10010": "87"}}).status_code == 204


def test_bulk_move_completes_by_itself_after_a_while(small: Any, clock: FakeClock) -> None:
    api = Api(small)
    move(api, "OPE-2")
    clock.advance(seconds=10)
    assert small.model.issue("OPE-2").key.startswith("SD-")


def test_bulk_move_of_an_unknown_issue_is_refused_with_the_bulk_error_shape(small: Any) -> None:
    r = Api(small).post(
        "/bulk/issues/move",
        {"targetToSourcesMapping": {"SD,10006": {"issueIdsOrKeys": ["OPE-404"]}}},
    )
    assert r.status_code == 400
    assert r.json() == {
        "errors": [{"message": "Some of the issues in the issueIdsOrKeys are not valid"}]
    }


def test_paging_reads_the_snapshot_of_the_first_page_while_tickets_change(sandbox: Any) -> None:
    """Tickets updated between two pages move to the end of ``ORDER BY updated`` in a
    new search; the pages of a search already under way neither skip nor repeat them."""
    api = Api(sandbox, "2")  # v2 takes plain-string comment bodies
    jql = "project in (OPE, SD) ORDER BY updated ASC, key ASC"
    everything = api.keys(jql)
    first = api.search(jql, fields="summary", maxResults=5)
    seen = [i["key"] for i in first["issues"]]
    for key in seen:  # touch what was read: each moves to the end of a fresh search
        assert api.post(f"/issue/{key}/comment", {"body": "vu"}).status_code == 201
    token = first["nextPageToken"]
    while token:
        page = api.search(jql, fields="summary", maxResults=5, nextPageToken=token)
        seen += [i["key"] for i in page["issues"]]
        token = page.get("nextPageToken")
    assert sorted(seen) == sorted(everything)
    assert len(seen) == len(set(seen))
    assert api.keys(jql)[:5] != seen[:5]  # a new search does see the change
