"""JSON shapes of the sandbox's answers, as in Atlassian's OpenAPI specs.

Pure functions of the model's objects: platform beans (``IssueBean``, ``Comment``,
``UserDetails``…) and servicedeskapi DTOs (``CustomerRequestDTO``, ``CommentDTO``,
paging envelopes…). Timestamps are rendered in the caller's time zone, the way Jira
Cloud does (``2025-01-17T12:34:00.000+0100``).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from routerbot.sandbox.model import (
    ISSUE_TYPE_ID,
    ISSUE_TYPE_NAME,
    REQUEST_TYPE_FIELD,
    Desk,
    History,
    Issue,
    RequestType,
    SandboxModel,
    SComment,
    User,
    WorkflowTransition,
    status_named,
)

CATEGORIES = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "colorName": "yellow",
        "name": "In Progress",
    },
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
SD_CATEGORY = {"new": "NEW", "indeterminate": "INDETERMINATE", "done": "DONE"}

# Field id -> (name, navigable, schema)
FIELDS: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "summary": ("Summary", True, {"type": "string", "system": "summary"}),
    "description": ("Description", True, {"type": "string", "system": "description"}),
    "status": ("Status", True, {"type": "status", "system": "status"}),
    "assignee": ("Assignee", True, {"type": "user", "system": "assignee"}),
    "reporter": ("Reporter", True, {"type": "user", "system": "reporter"}),
    "creator": ("Creator", True, {"type": "user", "system": "creator"}),
    "labels": ("Labels", True, {"type": "array", "items": "string", "system": "labels"}),
    "created": ("Created", True, {"type": "datetime", "system": "created"}),
    "updated": ("Updated", True, {"type": "datetime", "system": "updated"}),
    "statuscategorychangedate": (
        "Status Category Changed",
        True,
        {"type": "datetime", "system": "statuscategorychangedate"},
    ),
    "project": ("Project", True, {"type": "project", "system": "project"}),
    "issuetype": ("Issue Type", True, {"type": "issuetype", "system": "issuetype"}),
    "resolution": ("Resolution", True, {"type": "resolution", "system": "resolution"}),
    "resolutiondate": ("Resolved", True, {"type": "datetime", "system": "resolutiondate"}),
    "priority": ("Priority", True, {"type": "priority", "system": "priority"}),
    "comment": ("Comment", False, {"type": "comments-page", "system": "comment"}),
    REQUEST_TYPE_FIELD: (
        "Request Type",
        True,
        {
            "type": "sd-customerrequesttype",
            "custom": "com.atlassian.servicedesk:vp-origin",
            "customId": 10010,
        },
    ),
}
SEARCH_COMMENT_CAP = 20


def text_to_adf(text: str) -> dict[str, Any]:
    """Plain text as an ADF document: blank lines split paragraphs, newlines are hardBreaks."""
    content = []
    for para in text.replace("\r\n", "\n").split("\n\n"):
        if not para.strip():
            continue
        nodes: list[dict[str, Any]] = []
        for i, line in enumerate(para.split("\n")):
            if i:
                nodes.append({"type": "hardBreak"})
            if line:
                nodes.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": nodes})
    return {"type": "doc", "version": 1, "content": content}


def adf_to_text(node: Any) -> str:
    """Flatten an ADF document to text (paragraphs separated by blank lines)."""
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    inner = [adf_to_text(c) for c in node.get("content") or []]
    if kind in ("doc", "bulletList", "orderedList", "blockquote"):
        return "\n\n".join(x for x in inner if x)
    return "".join(inner)


def wiki_to_html(text: str) -> str:
    paras = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br/>\n") + "</p>" for p in paras)


@functools.lru_cache(maxsize=16384)
def _jira_time(when: datetime, zone: str) -> str:
    """Jira's ``2026-03-02T10:00:00.000+0100`` in the viewer's zone (a search page
    formats the same instants again and again: remembered)."""
    local = when.astimezone(ZoneInfo(zone))
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}"
        + local.strftime("%z")
    )


@dataclass(frozen=True, slots=True)
class View:
    """Renders model objects for one caller: base URL, API version and time zone."""

    model: SandboxModel
    base: str
    viewer: User
    version: str = "3"  # platform REST version: "2" (strings) or "3" (ADF)

    # ---------------------------------------------------------------- common

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.viewer.time_zone)

    def jira_time(self, when: datetime | None) -> str | None:
        if when is None:
            return None
        return _jira_time(when, self.viewer.time_zone)

    def date_dto(self, when: datetime) -> dict[str, Any]:
        local = when.astimezone(self.tz)
        jira = self.jira_time(when)
        return {
            "epochMillis": int(when.timestamp() * 1000),
            "friendly": local.strftime("%d/%b/%y %I:%M %p"),
            "iso8601": local.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "jira": jira,
        }

    def avatars(self, seed: str) -> dict[str, str]:
        return {f"{n}x{n}": f"{self.base}/avatar/{seed}?s={n}" for n in (48, 24, 16, 32)}

    def rich(self, text: str) -> Any:
        if self.version == "3":
            return text_to_adf(text) if text else None
        return text

    # ---------------------------------------------------------------- platform

    def user_details(self, user: User | None) -> dict[str, Any] | None:
        if user is None:
            return None
        return {
            "self": f"{self.base}/rest/api/{self.version}/user?accountId={user.account_id}",
            "accountId": user.account_id,
            "emailAddress": user.email,
            "avatarUrls": self.avatars(user.account_id),
            "displayName": user.display_name,
            "active": True,
            "timeZone": user.time_zone,
            "accountType": user.account_type,
        }

    def myself(self) -> dict[str, Any]:
        data = self.user_details(self.viewer)
        assert data is not None
        return data | {"locale": "fr_FR", "expand": "groups,applicationRoles"}

    def status(self, name: str) -> dict[str, Any]:
        s = status_named(name)
        cat = CATEGORIES[s.category]
        return {
            "self": f"{self.base}/rest/api/{self.version}/status/{s.id}",
            "description": "",
            "iconUrl": f"{self.base}/images/icons/status_generic.gif",
            "name": s.name,
            "id": s.id,
            "statusCategory": {
                "self": f"{self.base}/rest/api/{self.version}/statuscategory/{cat['id']}"
            }
            | cat,
        }

    def project(self, desk: Desk) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/{self.version}/project/{desk.project_id}",
            "id": desk.project_id,
            "key": desk.project_key,
            "name": desk.name,
            "projectTypeKey": "service_desk",
            "simplified": False,
            "avatarUrls": self.avatars(desk.project_key),
        }

    def issuetype(self) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/{self.version}/issuetype/{ISSUE_TYPE_ID}",
            "id": ISSUE_TYPE_ID,
            "description": "Demande d'un client via le portail.",
            "iconUrl": f"{self.base}/images/icons/issuetypes/request.png",
            "name": ISSUE_TYPE_NAME,
            "subtask": False,
            "hierarchyLevel": 0,
        }

    def comment(self, issue: Issue, c: SComment, *, rendered: bool = False) -> dict[str, Any]:
        author = self.user_details(self.model.users[c.author_id])
        data: dict[str, Any] = {
            "self": f"{self.base}/rest/api/{self.version}/issue/{issue.id}/comment/{c.id}",
            "id": c.id,
            "author": author,
            "body": text_to_adf(c.body) if self.version == "3" else c.body,
            "updateAuthor": author,
            "created": self.jira_time(c.created),
            "updated": self.jira_time(c.updated),
            "jsdPublic": c.public,
        }
        if rendered:
            data["renderedBody"] = wiki_to_html(c.body)
        return data

    def comment_page(
        self,
        issue: Issue,
        comments: Sequence[SComment],
        *,
        start: int = 0,
        limit: int | None = None,
        total: int | None = None,
        rendered: bool = False,
    ) -> dict[str, Any]:
        page = list(comments)[start:] if limit is None else list(comments)[start : start + limit]
        return {
            "comments": [self.comment(issue, c, rendered=rendered) for c in page],
            "self": f"{self.base}/rest/api/{self.version}/issue/{issue.id}/comment",
            "maxResults": limit if limit is not None else len(page),
            "total": len(comments) if total is None else total,
            "startAt": start,
        }

    def request_type_field(self, issue: Issue) -> dict[str, Any] | None:
        rt = self.model.request_types.get(issue.request_type_id or "")
        if rt is None:
            return None
        return {
            "_links": self.request_links(issue),
            "requestType": self.request_type(rt),
            "currentStatus": self.current_status(issue),
        }

    def field_values(self, issue: Issue, *, in_search: bool = False) -> dict[str, Any]:
        desk = self.model.desks[issue.desk_id]
        done = status_named(issue.status).category == "done"
        comments = issue.comments
        if in_search:
            shown = comments[:SEARCH_COMMENT_CAP]
            comment = self.comment_page(issue, shown, limit=SEARCH_COMMENT_CAP, total=len(comments))
        else:
            comment = self.comment_page(issue, comments, limit=max(len(comments), 5000))
        return {
            "summary": issue.summary,
            "description": self.rich(issue.description),
            "status": self.status(issue.status),
            "assignee": self.user_details(self.model.user(issue.assignee_id)),
            "reporter": self.user_details(self.model.user(issue.reporter_id)),
            "creator": self.user_details(self.model.user(issue.reporter_id)),
            "labels": list(issue.labels),
            "created": self.jira_time(issue.created),
            "updated": self.jira_time(issue.updated),
            "statuscategorychangedate": self.jira_time(issue.status_date),
            "project": self.project(desk),
            "issuetype": self.issuetype(),
            "resolution": (
                {
                    "self": f"{self.base}/rest/api/{self.version}/resolution/10000",
                    "id": "10000",
                    "description": "Work has been completed.",
                    "name": "Done",
                }
                if done
                else None
            ),
            "resolutiondate": self.jira_time(issue.status_date) if done else None,
            "priority": {
                "self": f"{self.base}/rest/api/{self.version}/priority/3",
                "iconUrl": f"{self.base}/images/icons/priorities/medium.svg",
                "name": "Medium",
                "id": "3",
            },
            "comment": comment,
            REQUEST_TYPE_FIELD: self.request_type_field(issue),
        }

    def issue(
        self,
        issue: Issue,
        fields: set[str] | None,
        *,
        properties: Sequence[str] = (),
        expand: set[str] | frozenset[str] = frozenset(),
        in_search: bool = False,
    ) -> dict[str, Any]:
        """An ``IssueBean``. ``fields`` is the set of field ids to include (None: all)."""
        values = self.field_values(issue, in_search=in_search)
        chosen = values if fields is None else {k: v for k, v in values.items() if k in fields}
        data: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,"
            "versionedRepresentations,customfield_10010.requestTypePractice",
            "id": issue.id,
            "self": f"{self.base}/rest/api/{self.version}/issue/{issue.id}",
            "key": issue.key,
            "fields": chosen,
        }
        if properties:
            data["properties"] = {
                k: issue.properties[k] for k in properties if k in issue.properties
            }
        if "names" in expand:
            data["names"] = {k: FIELDS[k][0] for k in chosen if k in FIELDS}
        if "schema" in expand:
            data["schema"] = {k: FIELDS[k][2] for k in chosen if k in FIELDS}
        if "renderedFields" in expand:
            data["renderedFields"] = {"description": wiki_to_html(issue.description)}
        if "changelog" in expand:
            data["changelog"] = self.changelog(issue.history)
        if "transitions" in expand:
            data["transitions"] = [self.transition(t) for t in self.model.transitions_for(issue)]
        return data

    def changelog(self, histories: Sequence[History]) -> dict[str, Any]:
        return {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": [
                {
                    "id": h.id,
                    "author": self.user_details(self.model.users[h.author_id]),
                    "created": self.jira_time(h.created),
                    # Jira sends nulls here; the spec types them as plain strings, so the
                    # sandbox leaves empty ends out (clients read them with .get()).
                    "items": [
                        {
                            k: v
                            for k, v in (
                                ("field", it.field),
                                ("fieldtype", it.fieldtype),
                                ("fieldId", it.field_id),
                                ("from", it.from_),
                                ("fromString", it.from_string),
                                ("to", it.to),
                                ("toString", it.to_string),
                            )
                            if v is not None
                        }
                        for it in h.items
                    ],
                }
                for h in histories
            ],
        }

    def transition(self, t: WorkflowTransition) -> dict[str, Any]:
        return {
            "id": t.id,
            "name": t.name,
            "to": self.status(t.to),
            "hasScreen": False,
            "isGlobal": False,
            "isInitial": False,
            "isAvailable": True,
            "isConditional": False,
            "looped": False,
        }

    def field_list(self) -> list[dict[str, Any]]:
        out = []
        for fid, (name, navigable, schema) in FIELDS.items():
            custom = fid.startswith("customfield_")
            clause = ["cf[10010]", "Request Type"] if custom else [fid]
            out.append(
                {
                    "id": fid,
                    "key": fid,
                    "name": name,
                    "custom": custom,
                    "orderable": True,
                    "navigable": navigable,
                    "searchable": True,
                    "clauseNames": clause,
                    "schema": schema,
                }
            )
        # A second, legacy request-type field with the same name, as real sites have.
        out.append(
            {
                "id": "customfield_10201",
                "key": "customfield_10201",
                "name": "Request Type (migrated)",
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": ["cf[10201]"],
                "schema": {
                    "type": "string",
                    "custom": "com.atlassian.jira.plugin.system.customfieldtypes:textfield",
                    "customId": 10201,
                },
            }
        )
        return out

    # ---------------------------------------------------------------- servicedeskapi

    def sd_user(self, user: User | None) -> dict[str, Any] | None:
        if user is None:
            return None
        return {
            "accountId": user.account_id,
            "emailAddress": user.email,
            "displayName": user.display_name,
            "active": True,
            "timeZone": user.time_zone,
            "_links": {
                "jiraRest": f"{self.base}/rest/api/2/user?accountId={user.account_id}",
                "avatarUrls": self.avatars(user.account_id),
                "self": f"{self.base}/rest/api/2/user?accountId={user.account_id}",
            },
        }

    def desk(self, desk: Desk) -> dict[str, Any]:
        return {
            "id": desk.id,
            "projectId": desk.project_id,
            "projectName": desk.name,
            "projectKey": desk.project_key,
            "_links": {"self": f"{self.base}/rest/servicedeskapi/servicedesk/{desk.id}"},
        }

    def request_type(self, rt: RequestType) -> dict[str, Any]:
        icon = f"{self.base}/secure/viewavatar?avatarType=SD_REQTYPE&avatarId=1050{rt.id}"
        return {
            "_expands": ["field"],
            "id": rt.id,
            "_links": {
                "self": f"{self.base}/rest/servicedeskapi/servicedesk/{rt.desk_id}/"
                f"requesttype/{rt.id}"
            },
            "name": rt.name,
            "description": rt.description,
            "helpText": rt.help_text,
            "issueTypeId": ISSUE_TYPE_ID,
            "serviceDeskId": rt.desk_id,
            "portalId": self.model.desks[rt.desk_id].portal_id,
            "groupIds": [rt.group_id],
            "icon": {
                "id": f"1050{rt.id}",
                "_links": {"iconUrls": {f"{n}x{n}": f"{icon}&size={n}" for n in (48, 24, 16, 32)}},
            },
            "restrictionStatus": "OPEN",
        }

    def request_links(self, issue: Issue) -> dict[str, str]:
        return {
            "jiraRest": f"{self.base}/rest/api/2/issue/{issue.id}",
            "web": f"{self.base}/servicedesk/customer/portal/"
            f"{self.model.desks[issue.desk_id].portal_id}/{issue.key}",
            "agent": f"{self.base}/browse/{issue.key}",
            "self": f"{self.base}/rest/servicedeskapi/request/{issue.id}",
        }

    def current_status(self, issue: Issue) -> dict[str, Any]:
        s = status_named(issue.status)
        return {
            "status": s.name,
            "statusCategory": SD_CATEGORY[s.category],
            "statusDate": self.date_dto(issue.status_date),
        }

    def sd_comment(self, issue: Issue, c: SComment, *, rendered: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "_expands": ["attachment", "renderedBody"],
            "id": c.id,
            "body": c.body,
            "public": c.public,
            "author": self.sd_user(self.model.users[c.author_id]),
            "created": self.date_dto(c.created),
            "_links": {
                "self": f"{self.base}/rest/servicedeskapi/request/{issue.id}/comment/{c.id}"
            },
        }
        if rendered:
            data["renderedBody"] = {"html": wiki_to_html(c.body)}
        return data

    def page(
        self,
        values: list[Any],
        *,
        start: int,
        limit: int,
        path: str,
        query: dict[str, str] | None = None,
        expands: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The servicedeskapi paging envelope; ``values`` is the full list."""
        chunk = values[start : start + limit]
        last = start + limit >= len(values)
        base = f"{self.base}/rest/servicedeskapi"

        def link(at: int) -> str:
            return f"{base}{path}?" + urlencode({**(query or {}), "start": at, "limit": limit})

        links: dict[str, str] = {"self": f"{base}{path}", "base": base, "context": ""}
        if not last:
            links["next"] = link(start + limit)
        if start > 0:
            links["prev"] = link(max(0, start - limit))
        return {
            "_expands": list(expands),
            "size": len(chunk),
            "start": start,
            "limit": limit,
            "isLastPage": last,
            "_links": links,
            "values": chunk,
        }

    def customer_request(self, issue: Issue, expand: set[str]) -> dict[str, Any]:
        rt = self.model.request_types[issue.request_type_id or ""]
        desk = self.model.desks[issue.desk_id]
        reporter = self.model.users[issue.reporter_id]
        values: list[dict[str, Any]] = [
            {"fieldId": "summary", "label": "Résumé", "value": issue.summary},
            {
                "fieldId": "description",
                "label": "Description",
                "value": issue.description,
                "renderedValue": {"html": wiki_to_html(issue.description)},
            },
        ]
        data: dict[str, Any] = {
            "_expands": [
                "participant",
                "status",
                "sla",
                "requestType",
                "serviceDesk",
                "attachment",
                "action",
                "comment",
            ],
            "issueId": issue.id,
            "issueKey": issue.key,
            "summary": issue.summary,
            "requestTypeId": rt.id,
            "serviceDeskId": desk.id,
            "createdDate": self.date_dto(issue.created),
            "reporter": self.sd_user(reporter),
            "requestFieldValues": values,
            "currentStatus": self.current_status(issue),
            "_links": self.request_links(issue),
        }
        path = f"/request/{issue.id}"
        if "requestType" in expand:
            data["requestType"] = self.request_type(rt)
        if "serviceDesk" in expand:
            data["serviceDesk"] = self.desk(desk)
        if "participant" in expand:
            data["participants"] = self.page([], start=0, limit=50, path=path + "/participant")
        if "sla" in expand:
            data["sla"] = self.page([], start=0, limit=50, path=path + "/sla")
        if "attachment" in expand:
            data["attachments"] = self.page([], start=0, limit=50, path=path + "/attachment")
        if "status" in expand:
            data["status"] = self.page(
                [self.current_status(issue)], start=0, limit=50, path=path + "/status"
            )
        if "comment" in expand:
            shown = [
                self.sd_comment(issue, c)
                for c in issue.comments
                if c.public or self.viewer.is_agent
            ]
            data["comments"] = self.page(shown, start=0, limit=50, path=path + "/comment")
        if "action" in expand:
            allowed = {"allowed": True}
            data["actions"] = {
                "addAttachment": allowed,
                "addComment": allowed,
                "addParticipant": allowed,
                "removeParticipant": allowed,
            }
        return data

    def server_info(self, now: datetime) -> dict[str, Any]:
        return {
            "baseUrl": self.base,
            "displayUrl": self.base,
            "displayUrlServicedeskHelpCenter": f"{self.base}/servicedesk/customer",
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100288,
            "buildDate": "2025-09-15T00:00:00.000+0000",
            "serverTime": self.jira_time(now),
            "scmInfo": "350e7d5a3ea46c7b7dd875b9439a1b0467131186",
            "serverTitle": "Expadon 2 (sandbox)",
            "serverTimeZone": "Etc/UTC",
        }


def page_params(
    start: str | None, limit: str | None, default: int = 50, maximum: int = 100
) -> tuple[int, int]:
    """servicedeskapi ``start``/``limit``: bad numbers fall back to the defaults."""
    try:
        s = max(0, int(start)) if start is not None else 0
    except ValueError:
        s = 0
    try:
        n = int(limit) if limit is not None else default
    except ValueError:
        n = default
    return s, max(1, min(n, maximum))


def urlquery(params: dict[str, str]) -> str:
    return urlencode(params)
