"""Contract tests: the sandbox's answers (status and body) against Atlassian's OpenAPI specs.

The specs are the trimmed copies in ``tests/contract/openapi/`` (only the operations the
sandbox serves and the schemas they reach; ``scripts/trim_openapi.py`` makes them from
Atlassian's published files, see the README there). Each case calls one endpoint over
HTTP, checks that the status is one the spec lists for the operation (or Jira's
documented behaviour, noted), and validates the JSON body against the operation's
response schema, ``$ref``s resolved from the spec's components. Platform operations are
validated against the v3 spec; v2 answers differ only in rich-text fields, which the
spec leaves untyped.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_schema_validator import OAS30ReadValidator

from routerbot.sandbox import SandboxModel
from routerbot.sandbox.server import SandboxApp

SPEC_DIR = Path(__file__).resolve().parent / "openapi"
PLATFORM = "jira-platform.swagger-v3.v3.json"
JSM = "jsm-servicedesk.swagger.v3.json"
OPT_IN = {"X-ExperimentalApi": "opt-in"}
CUSTOMER = ("lea@martin-export.fr", "customer-token")


@cache
def spec(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SPEC_DIR / name).read_text(encoding="utf-8"))
    return data


def validate(name: str, schema: dict[str, Any], body: Any) -> None:
    root = {**schema, "components": spec(name)["components"]}
    errors = sorted(OAS30ReadValidator(root).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message[:300]}" for e in errors[:5]
    )


def check(
    name: str, template: str, method: str, resp: requests.Response, *, off_spec_status: bool = False
) -> None:
    """Status listed for the operation, and body valid against its schema."""
    op = spec(name)["paths"][template][method.lower()]
    status = str(resp.status_code)
    if not off_spec_status:
        assert status in op["responses"], (
            f"{method} {template} answered {status}; spec lists {sorted(op['responses'])}"
        )
    if not resp.content:
        return
    body = resp.json()
    content = op["responses"].get(status, {}).get("content") or {}
    schema = next((c["schema"] for c in content.values() if c.get("schema")), None)
    if schema:
        validate(name, schema, body)
    elif resp.status_code >= 400:
        error = "ErrorCollection" if name == PLATFORM else "ErrorResponse"
        validate(name, {"$ref": f"#/components/schemas/{error}"}, body)
    else:  # pragma: no cover - every 2xx body we serve has a schema
        pytest.fail(f"no schema for {method} {template} {status}")


@pytest.fixture
def sb(sandbox_factory: Any) -> Any:
    model = SandboxModel.seeded(move_polls=3)  # every bulk-move stage is seen
    model.load_rows(
        [
            {
                "id": "T-1",
                "service_desk": "3",
                "request_type": "86",
                "summary": "Connexion impossible",
                "description": "Bonjour,\nimpossible de me connecter.\n\nMerci",
                "reporter": {"displayName": "Léa Martin", "email": "lea@martin-export.fr"},
                "comments": [
                    {"author": "bot", "body": "Quel navigateur ?"},
                    {"author": "agent", "body": "note", "public": False},
                    {"author": "customer", "body": "Firefox 115"},
                ],
                "labels": ["routerbot"],
                "properties": {"routerbot": {"asks": 1}},
            }
        ]
    )
    server = sandbox_factory(model=model)
    server.key = model.snapshot()["tickets"][-1]["key"]
    return server


def call(sb: Any, method: str, path: str, auth: Any = None, **kw: Any) -> requests.Response:
    return requests.request(
        method, sb.url + path.replace("{key}", sb.key), auth=auth or sb.auth, timeout=10, **kw
    )


P = "/rest/api/3"
I = "/rest/api/3/issue/{issueIdOrKey}"  # noqa: E741 - short template names keep cases readable
SD = "/rest/servicedeskapi"

PLATFORM_CASES: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("GET", f"{P}/serverInfo", f"{P}/serverInfo", {}, 200),
    ("GET", f"{P}/myself", f"{P}/myself", {}, 200),
    ("GET", f"{P}/field", f"{P}/field", {}, 200),
    ("GET", f"{P}/search/jql", f"{P}/search/jql", {"params": {"jql": "project = OPE"}}, 200),
    (
        "GET",
        f"{P}/search/jql",
        f"{P}/search/jql",
        {
            "params": {
                "jql": "project in (OPE, SD) ORDER BY updated ASC, key ASC",
                "fields": "*all",
                "properties": "routerbot",
                "expand": "names,changelog,renderedFields,transitions",
                "maxResults": 5,
            }
        },
        200,
    ),
    (
        "POST",
        f"{P}/search/jql",
        f"{P}/search/jql",
        {"json": {"jql": "project = SD", "fields": ["summary", "comment", "customfield_10010"]}},
        200,
    ),
    ("GET", f"{P}/search/jql", f"{P}/search/jql", {"params": {"jql": "order by key"}}, 400),
    ("GET", f"{P}/issue/{{key}}", I, {}, 200),
    (
        "GET",
        f"{P}/issue/{{key}}",
        I,
        {"params": {"expand": "changelog,names,schema,renderedFields", "properties": "routerbot"}},
        200,
    ),
    ("GET", "/rest/api/2/issue/{key}", I, {}, 200),
    ("GET", f"{P}/issue/NOPE-1", I, {}, 404),
    ("PUT", f"{P}/issue/{{key}}", I, {"json": {"update": {"labels": [{"add": "x"}]}}}, 204),
    (
        "PUT",
        f"{P}/issue/{{key}}",
        I,
        {"json": {"fields": {"customfield_10010": {"id": "84"}}}},
        400,
    ),
    ("GET", f"{P}/issue/{{key}}/properties/routerbot", f"{I}/properties/{{propertyKey}}", {}, 200),
    ("GET", f"{P}/issue/{{key}}/properties/nope", f"{I}/properties/{{propertyKey}}", {}, 404),
    (
        "PUT",
        f"{P}/issue/{{key}}/properties/new",
        f"{I}/properties/{{propertyKey}}",
        {"json": {"a": 1}},
        201,
    ),
    (
        "PUT",
        f"{P}/issue/{{key}}/properties/routerbot",
        f"{I}/properties/{{propertyKey}}",
        {"json": {"a": 1}},
        200,
    ),
    (
        "DELETE",
        f"{P}/issue/{{key}}/properties/routerbot",
        f"{I}/properties/{{propertyKey}}",
        {},
        204,
    ),
    ("GET", f"{P}/issue/{{key}}/transitions", f"{I}/transitions", {}, 200),
    (
        "POST",
        f"{P}/issue/{{key}}/transitions",
        f"{I}/transitions",
        {"json": {"transition": {"id": "11"}}},
        204,
    ),
    (
        "POST",
        f"{P}/issue/{{key}}/transitions",
        f"{I}/transitions",
        {"json": {"transition": {"id": "99"}}},
        400,
    ),
    ("GET", f"{P}/issue/{{key}}/comment", f"{I}/comment", {}, 200),
    (
        "GET",
        "/rest/api/2/issue/{key}/comment",
        f"{I}/comment",
        {"params": {"expand": "renderedBody"}},
        200,
    ),
    (
        "POST",
        f"{P}/issue/{{key}}/comment",
        f"{I}/comment",
        {
            "json": {
                "body": {
                    "type": "doc",
                    "version": 1,
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "note"}]}
                    ],
                },
                "properties": [{"key": "sd.public.comment", "value": {"internal": True}}],
            }
        },
        201,
    ),
    ("POST", f"{P}/issue/{{key}}/comment", f"{I}/comment", {"json": {"body": "not adf"}}, 400),
    (
        "POST",
        f"{P}/bulk/issues/move",
        f"{P}/bulk/issues/move",
        {"json": {"targetToSourcesMapping": {"SD,10006": {"issueIdsOrKeys": ["{key}"]}}}},
        201,
    ),
    (
        "POST",
        f"{P}/bulk/issues/move",
        f"{P}/bulk/issues/move",
        {"json": {"targetToSourcesMapping": {"SD,10006": {"issueIdsOrKeys": ["NOPE-1"]}}}},
        400,
    ),
]


Case = tuple[str, str, str, dict[str, Any], int]


@pytest.mark.parametrize(
    "case", PLATFORM_CASES, ids=[f"{c[0]} {c[1]} {c[4]}" for c in PLATFORM_CASES]
)
def test_platform_answers_match_the_spec(sb: Any, case: Case) -> None:
    method, path, template, kwargs, status = case
    if "json" in kwargs:
        kwargs = {**kwargs, "json": json.loads(json.dumps(kwargs["json"]).replace("{key}", sb.key))}
    resp = call(sb, method, path, **kwargs)
    assert resp.status_code == status, resp.text
    check(PLATFORM, template, method, resp)


def test_platform_401_body_matches_the_error_collection(sb: Any) -> None:
    resp = call(sb, "GET", f"{P}/myself", auth=("nobody@example.org", "x"))
    assert resp.status_code == 401
    check(PLATFORM, f"{P}/myself", "GET", resp)


def test_removed_search_answers_410_with_an_error_collection(sb: Any) -> None:
    resp = call(sb, "GET", f"{P}/search", params={"jql": "project = OPE"})
    assert resp.status_code == 410  # removed on Cloud; the 2025 spec still lists 200
    check(PLATFORM, f"{P}/search", "GET", resp, off_spec_status=True)


def test_bulk_move_progress_matches_the_spec_at_every_stage(sb: Any) -> None:
    body = {"targetToSourcesMapping": {"SD,10006": {"issueIdsOrKeys": [sb.key]}}}
    task = call(sb, "POST", f"{P}/bulk/issues/move", json=body).json()["taskId"]
    seen = []
    for _ in range(3):
        resp = call(sb, "GET", f"{P}/bulk/queue/{task}")
        check(PLATFORM, f"{P}/bulk/queue/{{taskId}}", "GET", resp)
        seen.append(resp.json()["status"])
    assert seen == ["ENQUEUED", "RUNNING", "COMPLETE"]


def test_changelog_after_a_move_matches_the_spec(sb: Any) -> None:
    body = {"targetToSourcesMapping": {"SD,10006": {"issueIdsOrKeys": [sb.key]}}}
    task = call(sb, "POST", f"{P}/bulk/issues/move", json=body).json()["taskId"]
    for _ in range(3):
        call(sb, "GET", f"{P}/bulk/queue/{task}")
    resp = call(sb, "GET", f"{P}/issue/{{key}}", params={"expand": "changelog"})
    assert any(h["items"] for h in resp.json()["changelog"]["histories"])
    check(PLATFORM, I, "GET", resp)


SD_CASES: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("GET", f"{SD}/info", f"{SD}/info", {}, 200),
    ("GET", f"{SD}/servicedesk", f"{SD}/servicedesk", {}, 200),
    ("GET", f"{SD}/servicedesk/3", f"{SD}/servicedesk/{{serviceDeskId}}", {}, 200),
    ("GET", f"{SD}/servicedesk/9", f"{SD}/servicedesk/{{serviceDeskId}}", {}, 404),
    (
        "GET",
        f"{SD}/servicedesk/3/requesttype",
        f"{SD}/servicedesk/{{serviceDeskId}}/requesttype",
        {"params": {"limit": 1}},
        200,
    ),
    (
        "GET",
        f"{SD}/servicedesk/4/requesttype/87",
        f"{SD}/servicedesk/{{serviceDeskId}}/requesttype/{{requestTypeId}}",
        {},
        200,
    ),
    (
        "GET",
        f"{SD}/servicedesk/4/requesttypegroup",
        f"{SD}/servicedesk/{{serviceDeskId}}/requesttypegroup",
        {},
        200,
    ),
    ("GET", f"{SD}/requesttype", f"{SD}/requesttype", {"headers": OPT_IN}, 200),
    (
        "GET",
        f"{SD}/request",
        f"{SD}/request",
        {"params": {"requestOwnership": "ALL_REQUESTS"}},
        200,
    ),
    (
        "GET",
        f"{SD}/request/{{key}}",
        f"{SD}/request/{{issueIdOrKey}}",
        {
            "params": {
                "expand": "participant,status,sla,requestType,serviceDesk,attachment,action,comment"
            }
        },
        200,
    ),
    ("GET", f"{SD}/request/NOPE-1", f"{SD}/request/{{issueIdOrKey}}", {}, 404),
    (
        "POST",
        f"{SD}/request",
        f"{SD}/request",
        {
            "json": {
                "serviceDeskId": "4",
                "requestTypeId": "87",
                "requestFieldValues": {"summary": "Question", "description": "Bonjour"},
                "raiseOnBehalfOf": "agent.ddpp@finistere.gouv.fr",
            }
        },
        201,
    ),
    (
        "POST",
        f"{SD}/request",
        f"{SD}/request",
        {"json": {"serviceDeskId": "4", "requestTypeId": "84", "requestFieldValues": {}}},
        400,
    ),
    ("GET", f"{SD}/request/{{key}}/status", f"{SD}/request/{{issueIdOrKey}}/status", {}, 200),
    (
        "GET",
        f"{SD}/request/{{key}}/comment",
        f"{SD}/request/{{issueIdOrKey}}/comment",
        {"params": {"limit": 2, "start": 1, "expand": "renderedBody"}},
        200,
    ),
    (
        "POST",
        f"{SD}/request/{{key}}/comment",
        f"{SD}/request/{{issueIdOrKey}}/comment",
        {"json": {"body": "Bonjour", "public": True}},
        201,
    ),
    (
        "POST",
        f"{SD}/request/{{key}}/comment",
        f"{SD}/request/{{issueIdOrKey}}/comment",
        {"json": {"body": "Bonjour"}},
        400,
    ),
    (
        "GET",
        f"{SD}/request/{{key}}/transition",
        f"{SD}/request/{{issueIdOrKey}}/transition",
        {},
        200,
    ),
    (
        "POST",
        f"{SD}/request/{{key}}/transition",
        f"{SD}/request/{{issueIdOrKey}}/transition",
        {"json": {"id": "61"}},
        204,
    ),
    (
        "POST",
        f"{SD}/request/{{key}}/transition",
        f"{SD}/request/{{issueIdOrKey}}/transition",
        {"json": {"id": "1"}},
        400,
    ),
]


@pytest.mark.parametrize("case", SD_CASES, ids=[f"{c[0]} {c[1]} {c[4]}" for c in SD_CASES])
def test_servicedeskapi_answers_match_the_spec(sb: Any, case: Case) -> None:
    method, path, template, kwargs, status = case
    resp = call(sb, method, path, **kwargs)
    assert resp.status_code == status, resp.text
    check(JSM, template, method, resp)


def test_request_comment_by_id_matches_the_spec(sb: Any) -> None:
    comment_id = sb.model.issue(sb.key).comments[0].id
    resp = call(sb, "GET", f"{SD}/request/{{key}}/comment/{comment_id}")
    assert resp.status_code == 200
    check(JSM, f"{SD}/request/{{issueIdOrKey}}/comment/{{commentId}}", "GET", resp)


def test_customer_view_of_a_request_matches_the_spec(sb: Any) -> None:
    resp = call(sb, "GET", f"{SD}/request/{{key}}/comment", auth=CUSTOMER)
    assert [c["public"] for c in resp.json()["values"]] == [True, True]
    check(JSM, f"{SD}/request/{{issueIdOrKey}}/comment", "GET", resp)


def test_servicedeskapi_401_matches_the_spec(sb: Any) -> None:
    resp = call(sb, "GET", f"{SD}/servicedesk", auth=("nobody@example.org", "x"))
    assert resp.status_code == 401
    check(JSM, f"{SD}/servicedesk", "GET", resp)


def test_experimental_refusal_is_an_error_response(sb: Any) -> None:
    resp = call(sb, "GET", f"{SD}/requesttype")
    assert resp.status_code == 412  # observed on Cloud; not listed in the spec
    check(JSM, f"{SD}/requesttype", "GET", resp, off_spec_status=True)


def test_every_served_route_is_an_operation_of_a_spec() -> None:
    app = SandboxApp(SandboxModel(), None, "http://sandbox.invalid")
    missing = []
    for route in app.routes:
        if route.family == "admin":
            continue
        template = route.template.replace("/rest/api/2/", "/rest/api/3/")
        name = JSM if template.startswith(SD) else PLATFORM
        ops = spec(name)["paths"].get(template, {})
        if route.method.lower() not in ops:
            missing.append(f"{route.method} {route.template}")
    assert missing == [], "new route? run scripts/trim_openapi.py (tests/README.md)"


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for v in node.values() for r in refs_in(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in refs_in(v)]
    return []


@pytest.mark.parametrize("name", [PLATFORM, JSM])
def test_every_ref_of_a_trimmed_spec_resolves_inside_it(name: str) -> None:
    doc = spec(name)
    unresolved = []
    for ref in set(refs_in(doc)):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            unresolved.append(ref)
    assert unresolved == []
    assert doc["x-routerbot-trimmed"]["by"] == "scripts/trim_openapi.py"
