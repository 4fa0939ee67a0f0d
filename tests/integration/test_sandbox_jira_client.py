"""The pycontribs ``jira`` client pointed at the sandbox: other clients must work too."""

from __future__ import annotations

from typing import Any

import pytest
from jira import JIRA, JIRAError


@pytest.fixture
def client(sandbox: Any) -> JIRA:
    # The default constructor calls /rest/api/2/serverInfo: it must say Cloud.
    return JIRA(sandbox.url, basic_auth=sandbox.auth, max_retries=0, timeout=10)


def test_constructor_sees_a_cloud_site(client: JIRA) -> None:
    assert client._is_cloud
    assert client.server_info()["deploymentType"] == "Cloud"


def test_enhanced_search_one_page_then_the_next(client: JIRA, sandbox: Any) -> None:
    jql = "project in (OPE, SD) ORDER BY key ASC"
    first = client.enhanced_search_issues(jql, maxResults=5, fields="summary")
    assert len(first) == 5
    assert first.nextPageToken
    second = client.enhanced_search_issues(
        jql, nextPageToken=first.nextPageToken, maxResults=5, fields="summary"
    )
    assert {i.key for i in first}.isdisjoint({i.key for i in second})


def test_enhanced_search_all_pages(client: JIRA, sandbox: Any) -> None:
    found = client.enhanced_search_issues(
        "project in (OPE, SD) AND statusCategory != Done", maxResults=0, fields="summary"
    )
    open_tickets = [t for t in sandbox.state["tickets"] if t["status"] != "Resolved"]
    assert len(found) == len(open_tickets)


def test_search_with_post_and_field_names(client: JIRA) -> None:
    found = client.enhanced_search_issues(
        "project = SD", maxResults=10, fields=["summary", "Request Type"], use_post=True
    )
    assert found and all(i.fields.summary for i in found)


def test_reads_an_issue_with_its_request_type(client: JIRA) -> None:
    issue = client.issue("OPE-1")
    assert issue.fields.summary
    assert issue.fields.customfield_10010.requestType.serviceDeskId == "3"
    assert issue.fields.reporter.accountType == "customer"


def test_adds_public_and_internal_comments(client: JIRA, sandbox: Any) -> None:
    public = client.add_comment("OPE-1", "Bonjour, merci de préciser votre navigateur.")
    internal = client.add_comment("OPE-1", "Navigateur : Firefox 115", is_internal=True)
    assert (public.jsdPublic, internal.jsdPublic) == (True, False)
    stored = sandbox.state["tickets"][0]["comments"]
    assert [(c["body"][:7], c["public"]) for c in stored[-2:]] == [
        ("Bonjour", True),
        ("Navigat", False),
    ]
    assert [c.id for c in client.comments("OPE-1")][-2:] == [public.id, internal.id]


def test_transitions_by_name(client: JIRA, sandbox: Any) -> None:
    names = [t["name"] for t in client.transitions("OPE-1")]
    assert "Respond to customer" in names
    client.transition_issue("OPE-1", "Respond to customer")
    assert client.issue("OPE-1").fields.status.name == "Waiting for customer"


def test_labels_and_properties(client: JIRA, sandbox: Any) -> None:
    issue = client.issue("OPE-1")
    issue.update(fields={"labels": ["routerbot"]})
    issue.add_field_value("labels", "routerbot-seen")
    client.add_issue_property("OPE-1", "routerbot", {"done": ["reply:faq"]})
    assert client.issue("OPE-1").fields.labels == ["routerbot", "routerbot-seen"]
    assert client.issue_property("OPE-1", "routerbot").value.done == ["reply:faq"]


def test_service_desks_and_request_types(client: JIRA) -> None:
    desks = client.service_desks()
    assert [d.id for d in desks] == ["3", "4"]
    assert [r.id for r in client.request_types(desks[0])] == ["84", "86"]


def test_missing_issue_raises_jira_error_404(client: JIRA) -> None:
    with pytest.raises(JIRAError) as info:
        client.issue("OPE-999")
    assert info.value.status_code == 404


def test_wrong_token_raises_jira_error_401(sandbox: Any) -> None:
    with pytest.raises(JIRAError) as info:
        JIRA(sandbox.url, basic_auth=(sandbox.email, "expired"), max_retries=0, timeout=10).myself()
    assert info.value.status_code == 401
