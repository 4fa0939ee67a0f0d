"""The sandbox over real HTTP: Jira Cloud platform + servicedeskapi, faults, admin.

``SandboxServer(model, port=0).start()`` serves on 127.0.0.1 in a background thread
(``http.server.ThreadingHTTPServer``; stdlib only). ``latency=Latency(100)`` holds each
API request 100 ms ± 25 ms before handling it (outside the model lock, so concurrent
clients overlap as they would against Jira); ``date_skew_seconds`` shifts the ``Date``
header (a Jira whose clock disagrees with ours). Every API route needs Basic auth
(``email:token``; the bot account by default, ``agent-token`` for agents and
``customer-token`` for customers) except ``serverInfo`` and ``servicedeskapi/info``.
The admin routes under ``/_sandbox/`` need none and are not counted or faulted::

    GET  /_sandbox/requests   counts by "METHOD /path/{template}", faults, early retries,
                              the most requests ever in flight at once
    GET  /_sandbox/state      every ticket (see SandboxModel.snapshot)
    POST /_sandbox/tickets    {"tickets": [ROUTING.md objects]} or JSON Lines text
    POST /_sandbox/comments   {"key", "body", "author": "customer|agent|bot", "public"}
    POST /_sandbox/faults     {"spec": "429=0.1", "seed": 1,
                               "script": [{"match": "POST /rest/*", "outcomes": [...]}]}
    POST /_sandbox/reset      {"seeded": false} forgets tickets and counters
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.utils
import functools
import json
import re
import socket
import threading
import time
import uuid
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from routerbot.errors import InputError
from routerbot.sandbox import jql
from routerbot.sandbox.faults import FaultPlan, Latency
from routerbot.sandbox.model import (
    REQUEST_TYPE_FIELD,
    Issue,
    SandboxApiError,
    SandboxModel,
    User,
    status_named,
)
from routerbot.sandbox.views import (
    CATEGORIES,
    FIELDS,
    View,
    adf_to_text,
    page_params,
)

EXPERIMENTAL_MESSAGE = (
    "This API is experimental. Experimental APIs are not guaranteed to be stable within the "
    "preview period. You must set the header 'X-ExperimentalApi: opt-in' to opt into using "
    "this API."
)
REMOVED_SEARCH_MESSAGE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
SNAPSHOTS_KEPT = 64  # search snapshots kept for nextPageToken (oldest dropped)
UNBOUNDED_MESSAGE = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
WRITE_METHODS = ("POST", "PUT", "DELETE")


# --------------------------------------------------------------------------- request/response


@dataclass
class Req:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    raw_body: bytes
    params: dict[str, str] = field(default_factory=dict)
    user: User | None = None
    family: str = "platform"  # platform | sd | bulk | admin
    version: str = "3"

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def qlist(self, name: str) -> list[str]:
        """A multi-valued parameter: repeated and/or comma-separated."""
        out: list[str] = []
        for v in self.query.get(name, []):
            out.extend(x.strip() for x in v.split(",") if x.strip())
        return out

    def qbool(self, name: str, default: bool) -> bool:
        v = self.q(name)
        return default if v is None else v.lower() == "true"

    def json(self) -> Any:
        if not self.raw_body.strip():
            return None
        try:
            return json.loads(self.raw_body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SandboxApiError(400, f"Unexpected character in the request body: {exc}") from exc

    def body_object(self) -> dict[str, Any]:
        data = self.json()
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise SandboxApiError(400, "The request body must be a JSON object.")
        return data


@dataclass
class Resp:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Req], Resp]


@dataclass(frozen=True)
class Route:
    method: str
    regex: re.Pattern[str]
    template: str
    handler: Handler
    family: str
    auth: bool = True
    experimental: bool = False
    prefix: str = ""  # the literal start of every path it matches (a cheap first test)


# --------------------------------------------------------------------------- request log


ON_THE_WIRE_SECONDS = 0.05
#: A Retry-After served this shortly before the client's process was killed may never
#: have been read (nor saved to the store) by it: see :meth:`RequestLog.killed`
KILL_GRACE_SECONDS = 0.5


class RequestLog:
    """Counts per route template, faults served, and retries sent too early.

    A request is *early* when it arrives after a 429 (or 503) with ``Retry-After`` was
    served to the same client and before that wait expired. One exception, for clients
    that send concurrently: when the client had other requests in flight as the 429 went
    out, a request on *another connection* arriving within ``ON_THE_WIRE_SECONDS`` is
    counted in ``on_the_wire`` only — another thread had already sent it, or was sending
    it, before the client could have read the 429, as any concurrent client does against
    Jira too. The same holds for a client that runs as several processes on one account
    (``several_processes``: replicas): the others learn of the 429 through their shared
    store, which takes the first a few milliseconds to write. A sequential client's
    retry, or one on the connection that got the 429, is always early. And when the
    harness kills the client's process (:meth:`killed`), a Retry-After served within
    ``KILL_GRACE_SECONDS`` before the kill is dropped and counted in
    ``unread_at_kill``: the process may have died before it read the answer or wrote the
    wait to its store, and its successor cannot honour a wait nobody told it of (as with
    Jira). One served earlier than that still holds the restarted process.
    """

    #: the client runs as several processes (replicas) sharing one account
    several_processes = False

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.counts: Counter[str] = Counter()
            self.by_client: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            # client -> (until, cause, served at, connection, other requests in flight)
            self.deadlines: dict[str, tuple[float, str, float, object, int]] = {}
            self.early: list[dict[str, Any]] = []
            self.on_the_wire = 0
            self.unread_at_kill = 0
            self.in_flight = 0
            self.in_flight_max = 0
            self.in_flight_by: Counter[str] = Counter()

    def arrive(self, client: str, template: str, connection: object = None) -> None:
        now = time.time()
        with self.lock:
            self.counts[template] += 1
            self.by_client[client] += 1
            deadline = self.deadlines.get(client)
            if deadline is not None and now < deadline[0] - 0.01:
                concurrent, served, by = deadline[4], deadline[2], deadline[3]
                parallel = concurrent or self.several_processes
                if parallel and now < served + ON_THE_WIRE_SECONDS and connection != by:
                    self.on_the_wire += 1
                    return
                self.early.append(
                    {
                        "client": client,
                        "request": template,
                        "after": deadline[1],
                        "early_by_seconds": round(deadline[0] - now, 3),
                    }
                )

    def fault(self, kind: str) -> None:
        with self.lock:
            self.faults[kind] += 1

    def enter(self, client: str = "") -> None:
        """An API request is being served (from arrival to the last byte of the answer)."""
        with self.lock:
            self.in_flight += 1
            self.in_flight_max = max(self.in_flight_max, self.in_flight)
            self.in_flight_by[client] += 1

    def leave(self, client: str = "") -> None:
        with self.lock:
            self.in_flight -= 1
            self.in_flight_by[client] -= 1

    def must_wait(self, client: str, until: float, cause: str, connection: object = None) -> None:
        with self.lock:
            others = max(0, self.in_flight_by[client] - 1)  # besides the one answered
            self.deadlines[client] = (until, cause, time.time(), connection, others)

    def killed(self) -> None:
        """The client's process was just killed (by a soak harness): forget the
        Retry-After deadlines served within ``KILL_GRACE_SECONDS`` before now."""
        now = time.time()
        with self.lock:
            for client, deadline in list(self.deadlines.items()):
                if now - deadline[2] <= KILL_GRACE_SECONDS:
                    del self.deadlines[client]
                    self.unread_at_kill += 1

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": sum(self.counts.values()),
                "requests": dict(sorted(self.counts.items())),
                "by_client": dict(self.by_client),
                "faults": dict(self.faults),
                "early_retries": list(self.early),
                "early_retry_count": len(self.early),
                "on_the_wire_at_retry_after": self.on_the_wire,
                "retry_after_unread_at_kill": self.unread_at_kill,
                "in_flight_max": self.in_flight_max,
            }


# --------------------------------------------------------------------------- the app


class SandboxApp:
    """Routes and handlers; independent of the socket layer (tested through it)."""

    def __init__(
        self,
        model: SandboxModel,
        faults: FaultPlan | None,
        base_url: str,
        latency: Latency | None = None,
    ) -> None:
        self.model = model
        self.faults = faults or FaultPlan()
        self.latency = latency or Latency()
        self.base = base_url
        self.log = RequestLog()
        self.routes: list[Route] = []
        # Search result snapshots, one per first page: later pages of the same search
        # read the ids the first page saw (stable paging while tickets change, and no
        # re-evaluation of the JQL over every issue for each page).
        self._snapshots: OrderedDict[str, list[str]] = OrderedDict()
        self._snapshot_lock = threading.Lock()
        self._register()

    # ----------------------------------------------------------------- routing table

    def _add(
        self,
        method: str,
        template: str,
        handler: Handler,
        family: str = "platform",
        *,
        auth: bool = True,
        experimental: bool = False,
        versions: str = "23",
    ) -> None:
        for v in versions if "{v}" in template else "x":
            concrete = template.replace("{v}", v)
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(concrete))
            self.routes.append(
                Route(
                    method,
                    re.compile(f"^{pattern}$"),
                    concrete,
                    handler,
                    family,
                    auth,
                    experimental,
                    concrete.split("{", 1)[0],
                )
            )

    def _register(self) -> None:
        api = "/rest/api/{v}"
        add = self._add
        add("GET", f"{api}/serverInfo", self.server_info, auth=False)
        add("GET", f"{api}/myself", self.myself)
        add("GET", f"{api}/field", self.fields)
        add("GET", f"{api}/user", self.user)
        add("GET", f"{api}/search/jql", self.search)
        add("POST", f"{api}/search/jql", self.search)
        add("POST", f"{api}/search/approximate-count", self.approximate_count)
        add("GET", f"{api}/search", self.search_removed)
        add("POST", f"{api}/search", self.search_removed)
        add("GET", f"{api}/issue/{{issueIdOrKey}}", self.get_issue)
        add("PUT", f"{api}/issue/{{issueIdOrKey}}", self.edit_issue)
        add("GET", f"{api}/issue/{{issueIdOrKey}}/properties", self.property_keys)
        add("GET", f"{api}/issue/{{issueIdOrKey}}/properties/{{propertyKey}}", self.get_property)
        add("PUT", f"{api}/issue/{{issueIdOrKey}}/properties/{{propertyKey}}", self.set_property)
        add(
            "DELETE",
            f"{api}/issue/{{issueIdOrKey}}/properties/{{propertyKey}}",
            self.delete_property,
        )
        add("GET", f"{api}/issue/{{issueIdOrKey}}/transitions", self.get_transitions)
        add("POST", f"{api}/issue/{{issueIdOrKey}}/transitions", self.do_transition)
        add("GET", f"{api}/issue/{{issueIdOrKey}}/comment", self.get_comments)
        add("POST", f"{api}/issue/{{issueIdOrKey}}/comment", self.add_comment)
        add("GET", f"{api}/issue/{{issueIdOrKey}}/comment/{{id}}", self.get_comment)
        add("POST", f"{api}/bulk/issues/move", self.bulk_move, "bulk")
        add("GET", f"{api}/bulk/queue/{{taskId}}", self.bulk_progress, "bulk")
        sd = "/rest/servicedeskapi"
        add("GET", f"{sd}/info", self.sd_info, "sd", auth=False)
        add("GET", f"{sd}/servicedesk", self.sd_desks, "sd")
        add("GET", f"{sd}/servicedesk/{{serviceDeskId}}", self.sd_desk, "sd")
        add("GET", f"{sd}/servicedesk/{{serviceDeskId}}/requesttype", self.sd_request_types, "sd")
        add(
            "GET",
            f"{sd}/servicedesk/{{serviceDeskId}}/requesttype/{{requestTypeId}}",
            self.sd_request_type,
            "sd",
        )
        add("GET", f"{sd}/servicedesk/{{serviceDeskId}}/requesttypegroup", self.sd_groups, "sd")
        add("GET", f"{sd}/requesttype", self.sd_all_request_types, "sd", experimental=True)
        add("GET", f"{sd}/request", self.sd_requests, "sd")
        add("POST", f"{sd}/request", self.sd_create_request, "sd")
        add("GET", f"{sd}/request/{{issueIdOrKey}}", self.sd_request, "sd")
        add("GET", f"{sd}/request/{{issueIdOrKey}}/status", self.sd_status, "sd")
        add("GET", f"{sd}/request/{{issueIdOrKey}}/comment", self.sd_comments, "sd")
        add("POST", f"{sd}/request/{{issueIdOrKey}}/comment", self.sd_add_comment, "sd")
        add("GET", f"{sd}/request/{{issueIdOrKey}}/comment/{{commentId}}", self.sd_comment, "sd")
        add("GET", f"{sd}/request/{{issueIdOrKey}}/transition", self.sd_transitions, "sd")
        add("POST", f"{sd}/request/{{issueIdOrKey}}/transition", self.sd_transition, "sd")
        adm = "/_sandbox"
        add("GET", f"{adm}/requests", self.admin_requests, "admin", auth=False)
        add("GET", f"{adm}/state", self.admin_state, "admin", auth=False)
        add("POST", f"{adm}/tickets", self.admin_tickets, "admin", auth=False)
        add("POST", f"{adm}/comments", self.admin_comments, "admin", auth=False)
        add("GET", f"{adm}/faults", self.admin_get_faults, "admin", auth=False)
        add("POST", f"{adm}/faults", self.admin_faults, "admin", auth=False)
        add("POST", f"{adm}/reset", self.admin_reset, "admin", auth=False)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route, its path parameters, and whether the path exists for another method."""
        other = False
        for r in self.routes:
            if not path.startswith(r.prefix):
                continue
            m = r.regex.match(path)
            if m:
                if r.method == method:
                    return r, m.groupdict(), False
                other = True
        return None, {}, other

    # ----------------------------------------------------------------- errors

    @staticmethod
    def error(family: str, exc: SandboxApiError) -> Resp:
        if family == "sd":
            body: dict[str, Any] = {"errorMessage": exc.message or "; ".join(exc.errors.values())}
            body["i18nErrorMessage"] = {
                "i18nKey": exc.i18n_key or "sd.error.generic",
                "parameters": [],
            }
        elif family == "bulk":
            messages = [exc.message] if exc.message else list(exc.errors.values())
            body = {"errors": [{"message": m} for m in messages]}
        else:
            body = {"errorMessages": [exc.message] if exc.message else [], "errors": exc.errors}
        return Resp(exc.status, body)

    def authenticate(self, req: Req) -> User | None:
        header = req.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        email_, _, token = decoded.partition(":")
        return self.model.authenticate(email_, token)

    @staticmethod
    def client_of(req: Req, address: str) -> str:
        header = req.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                return base64.b64decode(value.strip()).decode("utf-8").partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                pass
        return address

    # ----------------------------------------------------------------- dispatch

    def handle(self, req: Req, route: Route) -> Resp:
        """Auth, experimental check and the handler, under the model lock."""
        req.family = route.family
        if "/rest/api/2/" in req.path:
            req.version = "2"
        if route.auth:
            req.user = self.authenticate(req)
            if req.user is None:
                resp = self.error(
                    route.family,
                    SandboxApiError(401, "Client must be authenticated to access this resource."),
                )
                resp.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
                resp.headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
                return resp
        if route.experimental and req.headers.get("x-experimentalapi", "").lower() not in (
            "opt-in",
            "true",
        ):
            return self.error(
                route.family,
                SandboxApiError(412, EXPERIMENTAL_MESSAGE, i18n_key="sd.api.experimental.required"),
            )
        try:
            with self.model.lock:
                return route.handler(req)
        except SandboxApiError as exc:
            return self.error(route.family, exc)
        except InputError as exc:
            return self.error(route.family, SandboxApiError(400, str(exc)))

    def view(self, req: Req) -> View:
        assert req.user is not None
        return View(self.model, self.base, req.user, req.version)

    def agent_issue(self, req: Req) -> Issue:
        """The issue for platform endpoints: customers cannot browse it (404, as Jira)."""
        issue = self.model.issue(req.params["issueIdOrKey"])
        assert req.user is not None
        if not req.user.is_agent:
            raise SandboxApiError(
                404, "Issue does not exist or you do not have permission to see it."
            )
        return issue

    # ----------------------------------------------------------------- platform: meta

    def server_info(self, req: Req) -> Resp:
        viewer = req.user or self.model.bot
        return Resp(
            200, View(self.model, self.base, viewer, req.version).server_info(self.model.now())
        )

    def myself(self, req: Req) -> Resp:
        return Resp(200, self.view(req).myself())

    def fields(self, req: Req) -> Resp:
        return Resp(200, self.view(req).field_list())

    def user(self, req: Req) -> Resp:
        found = self.model.user(req.q("accountId"))
        if found is None:
            raise SandboxApiError(404, "The user does not exist.")
        return Resp(200, self.view(req).user_details(found))

    # ----------------------------------------------------------------- platform: search

    def search_removed(self, req: Req) -> Resp:
        return Resp(410, {"errorMessages": [REMOVED_SEARCH_MESSAGE], "errors": {}})

    def _search_args(self, req: Req) -> dict[str, Any]:
        if req.method == "GET":
            return {
                "jql": req.q("jql", ""),
                "nextPageToken": req.q("nextPageToken"),
                "maxResults": req.q("maxResults"),
                "fields": req.qlist("fields"),
                "expand": req.q("expand") or "",
                "properties": req.qlist("properties"),
            }
        body = req.body_object()
        allowed = {
            "jql",
            "nextPageToken",
            "maxResults",
            "fields",
            "expand",
            "properties",
            "fieldsByKeys",
            "reconcileIssues",
            "failFast",
        }
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise SandboxApiError(400, f'Unrecognized field "{unknown[0]}" in the request body.')
        fields = body.get("fields") or []
        props = body.get("properties") or []
        if not isinstance(fields, list) or not isinstance(props, list):
            raise SandboxApiError(400, "'fields' and 'properties' must be lists.")
        expand = body.get("expand") or ""
        if not isinstance(expand, str):
            raise SandboxApiError(400, "'expand' must be a comma-separated string.")
        return {
            "jql": body.get("jql") or "",
            "nextPageToken": body.get("nextPageToken"),
            "maxResults": body.get("maxResults"),
            "fields": [x.strip() for f in fields for x in str(f).split(",") if x.strip()],
            "expand": expand,
            "properties": [x.strip() for p in props for x in str(p).split(",") if x.strip()],
        }

    def _query(self, req: Req, text: str) -> jql.Query:
        assert req.user is not None
        ctx = jql.Context(self.model.now(), req.user.time_zone, req.user.account_id)
        try:
            query = jql.parse(text, ctx)
        except jql.JqlError as exc:
            raise SandboxApiError(400, str(exc)) from exc
        if not query.bounded:
            raise SandboxApiError(400, UNBOUNDED_MESSAGE)
        return query

    def _results(self, req: Req, query: jql.Query) -> list[Issue]:
        assert req.user is not None
        if not req.user.is_agent:
            return []
        found = [i for i in self.model.visible_issues(req.user) if query.matches(_Row(self, i))]
        found.sort(key=lambda i: int(i.id))
        order = query.order or (("created", True),)
        for name, desc in reversed(order):
            found.sort(key=functools.partial(_sort_key, self, name=name), reverse=desc)
        return found

    def search(self, req: Req) -> Resp:
        args = self._search_args(req)
        query = self._query(req, str(args["jql"]))
        props: list[str] = args["properties"]
        if len(props) > 5:
            raise SandboxApiError(400, "You can request at most 5 issue properties.")
        fields = _field_selection(args["fields"])
        id_only = fields == {"id"}
        cap = 5000 if id_only else 100
        try:
            limit = int(args["maxResults"]) if args["maxResults"] is not None else 50
        except (TypeError, ValueError) as exc:
            raise SandboxApiError(400, "maxResults must be a number.") from exc
        limit = max(1, min(limit, cap))
        token = args["nextPageToken"]
        digest = zlib.crc32(str(args["jql"]).encode())
        if token:
            start, snap_id = _read_token(token, digest)
            with self._snapshot_lock:
                ids = self._snapshots.get(snap_id)
            if ids is None:
                raise SandboxApiError(400, "The provided next page token is invalid or expired.")
        else:
            start, snap_id = 0, uuid.uuid4().hex
            ids = [i.id for i in self._results(req, query)]
            with self._snapshot_lock:
                self._snapshots[snap_id] = ids
                while len(self._snapshots) > SNAPSHOTS_KEPT:
                    self._snapshots.popitem(last=False)
        page = [
            issue
            for issue_id in ids[start : start + limit]
            if (issue := self.model.issues.get(issue_id)) is not None
        ]
        view = self.view(req)
        expand = {x.strip() for x in str(args["expand"]).split(",") if x.strip()}
        chosen = None if fields is None else fields - {"id", "key"}
        rendered: list[dict[str, Any]] = []
        for issue in page:
            if id_only and not props:
                rendered.append({"id": issue.id})
            else:
                rendered.append(
                    view.issue(issue, chosen, properties=props, expand=expand, in_search=True)
                )
        body: dict[str, Any] = {"issues": rendered}
        if start + limit < len(ids):
            body["nextPageToken"] = _make_token(start + limit, digest, snap_id)
            body["isLast"] = False
        else:
            body["isLast"] = True
        if "names" in expand:
            body["names"] = {k: FIELDS[k][0] for k in (chosen or FIELDS) if k in FIELDS}
        return Resp(200, body)

    def approximate_count(self, req: Req) -> Resp:
        body = req.body_object()
        query = self._query(req, str(body.get("jql") or ""))
        return Resp(200, {"count": len(self._results(req, query))})

    # ----------------------------------------------------------------- platform: issue

    def get_issue(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        sel = _field_selection(req.qlist("fields") or ["*all"])
        chosen = None if sel is None else sel - {"id", "key"}
        expand = set(req.qlist("expand"))
        return Resp(
            200,
            self.view(req).issue(issue, chosen, properties=req.qlist("properties"), expand=expand),
        )

    def edit_issue(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        assert req.user is not None
        body = req.body_object()
        fields = body.get("fields") or {}
        update = body.get("update") or {}
        if not isinstance(fields, dict) or not isinstance(update, dict):
            raise SandboxApiError(400, "'fields' and 'update' must be objects.")
        both = sorted(set(fields) & set(update))
        if both:
            raise SandboxApiError(
                400,
                "",
                {both[0]: f"Field '{both[0]}' cannot be set in both 'fields' and 'update'."},
            )
        edit = _Edit(self.model, issue, req.user, req.version, list(issue.labels))
        errors: dict[str, str] = {}
        operations = [(n, [{"set": v}]) for n, v in fields.items()] + list(update.items())
        for name, ops in operations:
            problem = edit.plan_field(name, ops)
            if problem:
                errors[name] = problem
        props = body.get("properties") or []
        if not isinstance(props, list) or not all(
            isinstance(p, dict) and "key" in p and "value" in p for p in props
        ):
            errors["properties"] = "Each property needs a 'key' and a 'value'."
        if errors:
            raise SandboxApiError(400, "", errors)
        for step in edit.plan:
            step()
        for p in props:
            self.model.set_property(issue, str(p["key"]), p["value"])
        if req.qbool("returnIssue", False):
            return Resp(200, self.view(req).issue(issue, None))
        return Resp(204)

    # ----------------------------------------------------------------- platform: properties

    def property_keys(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        base = f"{self.base}/rest/api/{req.version}/issue/{issue.id}/properties/"
        return Resp(200, {"keys": [{"key": k, "self": base + k} for k in issue.properties]})

    def get_property(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        key = req.params["propertyKey"]
        if key not in issue.properties:
            raise SandboxApiError(404, f"The property with key '{key}' does not exist.")
        return Resp(200, {"key": key, "value": issue.properties[key]})

    def set_property(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        value = req.json()
        if value is None:
            raise SandboxApiError(400, "The property value must not be empty.")
        created = self.model.set_property(issue, req.params["propertyKey"], value)
        return Resp(201 if created else 200)

    def delete_property(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        key = req.params["propertyKey"]
        if issue.properties.pop(key, None) is None:
            raise SandboxApiError(404, f"The property with key '{key}' does not exist.")
        return Resp(204)

    # ----------------------------------------------------------------- platform: transitions

    def get_transitions(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        view = self.view(req)
        wanted = req.q("transitionId")
        ts = [
            view.transition(t)
            for t in self.model.transitions_for(issue)
            if wanted is None or t.id == wanted
        ]
        return Resp(200, {"expand": "transitions", "transitions": ts})

    def do_transition(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        assert req.user is not None
        body = req.body_object()
        tr = body.get("transition")
        tid = tr.get("id") if isinstance(tr, dict) else None
        if tid is None:
            raise SandboxApiError(400, "Missing 'transition' identifier")
        comment_body = None
        for op in (body.get("update") or {}).get("comment") or []:
            if isinstance(op, dict) and isinstance(op.get("add"), dict):
                comment_body = self._comment_text(req, op["add"].get("body"))
        self.model.transition(issue.key, str(tid), req.user)
        if comment_body:
            self.model.add_comment(issue.key, comment_body, author=req.user, public=True)
        return Resp(204)

    # ----------------------------------------------------------------- platform: comments

    def _comment_text(self, req: Req, body: Any) -> str:
        if req.version == "3":
            if not (isinstance(body, dict) and body.get("type") == "doc"):
                raise SandboxApiError(400, "", {"comment": "Comment body is not valid!"})
            text = adf_to_text(body)
        else:
            if not isinstance(body, str):
                raise SandboxApiError(400, "", {"comment": "Comment body is not valid!"})
            text = body
        if not text.strip():
            raise SandboxApiError(400, "", {"comment": "Comment body can not be empty!"})
        return text

    def get_comments(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        order = req.q("orderBy", "created") or "created"
        if order.lstrip("+-") != "created":
            raise SandboxApiError(400, "Ordering by field other than 'created' is not supported.")
        comments = list(issue.comments)
        if order.startswith("-"):
            comments.reverse()
        start, limit = page_params(req.q("startAt"), req.q("maxResults"), 5000, 5000)
        rendered = "renderedBody" in req.qlist("expand")
        return Resp(
            200,
            self.view(req).comment_page(
                issue, comments, start=start, limit=limit, rendered=rendered
            ),
        )

    def get_comment(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        for c in issue.comments:
            if c.id == req.params["id"]:
                return Resp(200, self.view(req).comment(issue, c))
        raise SandboxApiError(404, f"Can not find a comment for the id: {req.params['id']}.")

    def add_comment(self, req: Req) -> Resp:
        issue = self.agent_issue(req)
        body = req.body_object()
        text = self._comment_text(req, body.get("body"))
        props = body.get("properties") or []
        internal = bool(body.get("visibility"))
        stored: dict[str, Any] = {}
        for p in props if isinstance(props, list) else []:
            if isinstance(p, dict) and "key" in p:
                stored[str(p["key"])] = p.get("value")
                value = p.get("value")
                if (
                    p["key"] == "sd.public.comment"
                    and isinstance(value, dict)
                    and value.get("internal") is True
                ):
                    internal = True
        comment = self.model.add_comment(
            issue.key, text, author=req.user or "bot", public=not internal, properties=stored
        )
        rendered = "renderedBody" in req.qlist("expand")
        return Resp(201, self.view(req).comment(issue, comment, rendered=rendered))

    # ----------------------------------------------------------------- bulk move

    def bulk_move(self, req: Req) -> Resp:
        assert req.user is not None
        if not req.user.is_agent:
            raise SandboxApiError(401, "You do not have the Bulk change permission.")
        body = req.body_object()
        mapping = body.get("targetToSourcesMapping")
        if not isinstance(mapping, dict) or not mapping:
            raise SandboxApiError(400, "targetToSourcesMapping must not be empty.")
        jobs: list[tuple[str, str, list[str]]] = []
        for target, spec in mapping.items():
            parts = [p.strip() for p in str(target).split(",")]
            if len(parts) < 2 or not isinstance(spec, dict):
                raise SandboxApiError(
                    400, f"Invalid target '{target}': expected '<project>,<issueType>[,<parent>]'."
                )
            refs = spec.get("issueIdsOrKeys")
            if not isinstance(refs, list) or not refs:
                raise SandboxApiError(400, "issueIdsOrKeys must be a non-empty list.")
            jobs.append((parts[0], parts[1], [str(r) for r in refs]))
        task = self.model.submit_move(jobs, req.user)
        return Resp(201, {"taskId": task.id})

    def bulk_progress(self, req: Req) -> Resp:
        task = self.model.poll_task(req.params["taskId"])
        view = self.view(req)
        total = len(task.targets)
        done = len(task.processed)
        progress = {
            "taskId": task.id,
            "status": task.status,
            "progressPercent": 100 if task.status == "COMPLETE" else (done * 100 // total),
            "submittedBy": {"accountId": task.submitted_by},
            "created": view.jira_time(task.created),
            "started": view.jira_time(task.started),
            "updated": view.jira_time(task.updated or task.created),
            "totalIssueCount": total,
            "processedAccessibleIssues": [int(i) for i in task.processed],
            "failedAccessibleIssues": task.failed,
            "invalidOrInaccessibleIssueCount": task.invalid_count,
        }
        return Resp(200, {k: v for k, v in progress.items() if v is not None})

    # ----------------------------------------------------------------- servicedeskapi

    def sd_info(self, req: Req) -> Resp:
        return Resp(
            200,
            {
                "version": "10.0.0",
                "platformVersion": "1001.0.0",
                "isLicensedForUse": True,
                "buildDate": View(self.model, self.base, self.model.bot).date_dto(self.model.now()),
                "buildChangeSet": "350e7d5a3ea46c7b7dd875b9439a1b0467131186",
                "_links": {"self": f"{self.base}/rest/servicedeskapi"},
            },
        )

    def _page(
        self,
        req: Req,
        values: list[Any],
        path: str,
        limit_default: int = 50,
        extra_query: dict[str, str] | None = None,
    ) -> Resp:
        start, limit = page_params(req.q("start"), req.q("limit"), limit_default)
        return Resp(
            200, self.view(req).page(values, start=start, limit=limit, path=path, query=extra_query)
        )

    def sd_desks(self, req: Req) -> Resp:
        view = self.view(req)
        return self._page(req, [view.desk(d) for d in self.model.desks.values()], "/servicedesk")

    def sd_desk(self, req: Req) -> Resp:
        return Resp(200, self.view(req).desk(self.model.desk(req.params["serviceDeskId"])))

    def sd_request_types(self, req: Req) -> Resp:
        desk = self.model.desk(req.params["serviceDeskId"])
        view = self.view(req)
        group = req.q("groupId")
        search = (req.q("searchQuery") or "").lower()
        rts = [
            view.request_type(rt)
            for rt in self.model.request_types.values()
            if rt.desk_id == desk.id
            and (group is None or rt.group_id == group)
            and search in rt.name.lower()
        ]
        query = {k: v for k, v in (("groupId", group), ("searchQuery", search or None)) if v}
        return self._page(req, rts, f"/servicedesk/{desk.id}/requesttype", extra_query=query)

    def sd_request_type(self, req: Req) -> Resp:
        desk = self.model.desk(req.params["serviceDeskId"])
        rt = self.model.request_types.get(req.params["requestTypeId"])
        if rt is None or rt.desk_id != desk.id:
            raise SandboxApiError(
                404,
                f"The request type {req.params['requestTypeId']} does "
                "not exist in this service desk.",
            )
        return Resp(200, self.view(req).request_type(rt))

    def sd_groups(self, req: Req) -> Resp:
        desk = self.model.desk(req.params["serviceDeskId"])
        groups = [
            {"id": g.id, "name": g.name} for g in self.model.groups.values() if g.desk_id == desk.id
        ]
        return self._page(req, groups, f"/servicedesk/{desk.id}/requesttypegroup")

    def sd_all_request_types(self, req: Req) -> Resp:
        view = self.view(req)
        desks = set(req.qlist("serviceDeskId"))
        rts = [
            view.request_type(rt)
            for rt in self.model.request_types.values()
            if not desks or rt.desk_id in desks
        ]
        return self._page(req, rts, "/requesttype")

    def _request(self, req: Req) -> Issue:
        assert req.user is not None
        try:
            issue = self.model.issue(req.params["issueIdOrKey"])
        except SandboxApiError as exc:
            raise SandboxApiError(
                404, "The request could not be found.", i18n_key="sd.request.error.not.found"
            ) from exc
        if not self.model.can_see(req.user, issue) or issue.request_type_id is None:
            raise SandboxApiError(
                404, "The request could not be found.", i18n_key="sd.request.error.not.found"
            )
        return issue

    def sd_requests(self, req: Req) -> Resp:
        assert req.user is not None
        view = self.view(req)
        expand = set(req.qlist("expand"))
        ownership = set(req.qlist("requestOwnership"))
        desk = req.q("serviceDeskId")
        rtype = req.q("requestTypeId")
        state = req.q("requestStatus", "ALL_REQUESTS")
        found = []
        for issue in sorted(self.model.issues.values(), key=lambda i: i.updated, reverse=True):
            if issue.request_type_id is None or not self.model.can_see(req.user, issue):
                continue
            mine = issue.reporter_id == req.user.account_id
            if not mine and not ("ALL_REQUESTS" in ownership and req.user.is_agent):
                continue
            if (desk and issue.desk_id != desk) or (rtype and issue.request_type_id != rtype):
                continue
            closed = status_named(issue.status).category == "done"
            if (state == "OPEN_REQUESTS" and closed) or (state == "CLOSED_REQUESTS" and not closed):
                continue
            found.append(view.customer_request(issue, expand))
        return self._page(req, found, "/request")

    def sd_request(self, req: Req) -> Resp:
        issue = self._request(req)
        return Resp(200, self.view(req).customer_request(issue, set(req.qlist("expand"))))

    def sd_create_request(self, req: Req) -> Resp:
        assert req.user is not None
        body = req.body_object()
        desk = self.model.desk(str(body.get("serviceDeskId") or ""))
        rt = self.model.request_types.get(str(body.get("requestTypeId") or ""))
        if rt is None or rt.desk_id != desk.id:
            raise SandboxApiError(
                400,
                f"The request type {body.get('requestTypeId')} is not "
                f"valid for service desk {desk.id}.",
            )
        values = body.get("requestFieldValues") or {}
        if not isinstance(values, dict):
            raise SandboxApiError(400, "requestFieldValues must be an object.")
        extra = sorted(set(values) - {"summary", "description"})
        if extra:
            raise SandboxApiError(400, f"Field '{extra[0]}' is not valid for this request type.")
        summary = values.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise SandboxApiError(400, "Field 'summary' is required.")
        description = values.get("description") or ""
        if isinstance(description, dict):
            description = adf_to_text(description)
        reporter = req.user
        on_behalf = body.get("raiseOnBehalfOf")
        if on_behalf:
            if not req.user.is_agent:
                raise SandboxApiError(403, "You cannot raise requests on behalf of others.")
            found = self.model.find_user(str(on_behalf))
            if found is None and "@" in str(on_behalf):
                found = self.model.customer(str(on_behalf))
            if found is None:
                raise SandboxApiError(400, f"The user {on_behalf} does not exist.")
            reporter = found
        issue = self.model.create_issue(
            desk_id=desk.id,
            request_type_id=rt.id,
            summary=summary,
            description=str(description),
            reporter=reporter,
        )
        return Resp(201, self.view(req).customer_request(issue, set()))

    def sd_status(self, req: Req) -> Resp:
        issue = self._request(req)
        view = self.view(req)
        history: list[dict[str, Any]] = []
        for h in issue.history:
            for it in h.items:
                if it.field == "status" and it.to_string:
                    s = status_named(it.to_string)
                    history.append(
                        {
                            "status": s.name,
                            "statusCategory": {
                                "new": "NEW",
                                "indeterminate": "INDETERMINATE",
                                "done": "DONE",
                            }[s.category],
                            "statusDate": view.date_dto(h.created),
                        }
                    )
        history.append(
            {
                "status": "Waiting for support",
                "statusCategory": "NEW",
                "statusDate": view.date_dto(issue.created),
            }
        )
        history = [history[-1], *history[:-1]]
        history.reverse()
        return self._page(req, history, f"/request/{issue.id}/status")

    def sd_comments(self, req: Req) -> Resp:
        issue = self._request(req)
        assert req.user is not None
        want_public = req.qbool("public", True)
        want_internal = req.qbool("internal", True) and req.user.is_agent
        rendered = "renderedBody" in req.qlist("expand")
        view = self.view(req)
        shown = [
            view.sd_comment(issue, c, rendered=rendered)
            for c in issue.comments
            if (c.public and want_public) or (not c.public and want_internal)
        ]
        query = {
            k: v
            for k, v in (("public", req.q("public")), ("internal", req.q("internal")))
            if v is not None
        }
        return self._page(req, shown, f"/request/{issue.id}/comment", extra_query=query)

    def sd_comment(self, req: Req) -> Resp:
        issue = self._request(req)
        assert req.user is not None
        for c in issue.comments:
            if c.id == req.params["commentId"] and (c.public or req.user.is_agent):
                return Resp(200, self.view(req).sd_comment(issue, c))
        raise SandboxApiError(404, "The comment could not be found.")

    def sd_add_comment(self, req: Req) -> Resp:
        issue = self._request(req)
        body = req.body_object()
        if "public" not in body or not isinstance(body["public"], bool):
            raise SandboxApiError(
                400,
                "The request is missing the required 'public' field.",
                i18n_key="sd.comment.public.required",
            )
        text = body.get("body")
        if not isinstance(text, str) or not text.strip():
            raise SandboxApiError(
                400, "The comment body is required.", i18n_key="sd.comment.body.required"
            )
        assert req.user is not None
        comment = self.model.add_comment(issue.key, text, author=req.user, public=body["public"])
        return Resp(201, self.view(req).sd_comment(issue, comment))

    def sd_transitions(self, req: Req) -> Resp:
        issue = self._request(req)
        ts = [
            {"id": t.id, "name": t.name} for t in self.model.transitions_for(issue, customer=True)
        ]
        return self._page(req, ts, f"/request/{issue.id}/transition")

    def sd_transition(self, req: Req) -> Resp:
        issue = self._request(req)
        assert req.user is not None
        body = req.body_object()
        tid = body.get("id")
        if tid is None:
            raise SandboxApiError(400, "The transition id is required.")
        self.model.transition(issue.key, str(tid), req.user, customer=True)
        extra = body.get("additionalComment")
        if isinstance(extra, dict) and isinstance(extra.get("body"), str) and extra["body"]:
            self.model.add_comment(issue.key, extra["body"], author=req.user, public=True)
        return Resp(204)

    # ----------------------------------------------------------------- admin

    def admin_requests(self, req: Req) -> Resp:
        return Resp(200, self.log.summary())

    def admin_state(self, req: Req) -> Resp:
        return Resp(200, self.model.snapshot())

    def admin_tickets(self, req: Req) -> Resp:
        text = req.raw_body.decode("utf-8", errors="replace")
        try:
            data = json.loads(text)
            rows = (
                data.get("tickets")
                if isinstance(data, dict) and "tickets" in data
                else (data if isinstance(data, list) else [data])
            )
        except json.JSONDecodeError:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        if not isinstance(rows, list):
            raise SandboxApiError(400, 'Expected {"tickets": [...]}, a list or JSON Lines.')
        keys = self.model.load_rows(rows)
        return Resp(201, {"keys": keys})

    def admin_comments(self, req: Req) -> Resp:
        body = req.body_object()
        key = str(body.get("key") or "")
        comment = self.model.add_comment(
            key,
            str(body.get("body") or ""),
            author=str(body.get("author") or "customer"),
            public=bool(body.get("public", True)),
        )
        return Resp(201, {"id": comment.id, "key": self.model.issue(key).key})

    def admin_get_faults(self, req: Req) -> Resp:
        return Resp(200, self.faults.describe())

    def admin_faults(self, req: Req) -> Resp:
        body = req.body_object()
        seed = body.get("seed")
        plan = FaultPlan.parse(
            str(body.get("spec") or ""), seed=int(seed) if seed is not None else None
        )
        for s in body.get("script") or []:
            plan.script(str(s.get("match")), [str(o) for o in s.get("outcomes") or []])
        self.faults = plan
        return Resp(200, plan.describe())

    def admin_reset(self, req: Req) -> Resp:
        body = req.body_object()
        self.model.reset()
        if body.get("seeded"):
            self.model.load_rows(_seed_rows())
        self.log.reset()
        if body.get("faults", True):
            self.faults = FaultPlan()
        return Resp(200, {"tickets": len(self.model.issues)})


@dataclass
class _Edit:
    """One ``PUT issue``: every operation is validated before any is applied."""

    model: SandboxModel
    issue: Issue
    actor: User
    version: str
    labels: list[str]  # label operations chain within one edit
    plan: list[Callable[[], None]] = field(default_factory=list)
    labels_planned: bool = False

    def plan_field(self, name: str, ops: Any) -> str | None:
        """Queue the writes for one field; returns the problem, if any."""
        if not isinstance(ops, list):
            return "Operations must be a list."
        planner = {
            "labels": self._labels,
            REQUEST_TYPE_FIELD: self._request_type,
            "summary": self._text,
            "description": self._text,
            "assignee": self._assignee,
        }.get(name)
        if planner is None:
            return f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
        for op in ops:
            if not isinstance(op, dict) or len(op) != 1:
                return "Each operation must be an object with one verb."
            verb, value = next(iter(op.items()))
            if name != "labels" and verb != "set":
                return f"Operation '{verb}' is not supported for this field."
            problem = planner(name, verb, value)
            if problem:
                return problem
        return None

    def _labels(self, name: str, verb: str, value: Any) -> str | None:
        if verb == "set":
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                return "Labels must be a list of strings."
            new = list(value)
        elif verb in ("add", "remove"):
            if not isinstance(value, str):
                return "A label must be a string."
            new = [*self.labels, value] if verb == "add" else [x for x in self.labels if x != value]
        else:
            return f"Operation '{verb}' is not supported for labels."
        bad = [x for x in new if not x or any(c.isspace() for c in x)]
        if bad:
            return f"The label '{bad[0]}' contains spaces which is invalid."
        if not self.labels_planned:  # one change (and one history entry) for all label ops
            self.labels_planned = True
            self.plan.append(lambda: self.model.set_labels(self.issue, self.labels, self.actor))
        self.labels[:] = new
        return None

    def _request_type(self, name: str, verb: str, value: Any) -> str | None:
        if not isinstance(value, str):
            return "Operation value must be a string"
        rt = self.model.request_types.get(value)
        if rt is None or rt.desk_id != self.issue.desk_id:
            project = self.model.desks[self.issue.desk_id].project_key
            return f"The request type '{value}' is not valid for project {project}."
        self.plan.append(
            functools.partial(self.model.set_request_type, self.issue, value, self.actor)
        )
        return None

    def _text(self, name: str, verb: str, value: Any) -> str | None:
        text = value
        if name == "description" and self.version == "3":
            if value is not None and not (isinstance(value, dict) and value.get("type") == "doc"):
                return "Operation value must be an Atlassian Document."
            text = adf_to_text(value) if value else ""
        text = "" if text is None else text
        if not isinstance(text, str):
            return "Operation value must be a string"
        if name == "summary" and not text.strip():
            return "You must specify a summary of the issue."
        self.plan.append(functools.partial(self.model.set_text, self.issue, name, text, self.actor))
        return None

    def _assignee(self, name: str, verb: str, value: Any) -> str | None:
        account = value.get("accountId") if isinstance(value, dict) else value
        if account is not None and self.model.user(str(account)) is None:
            return f"User '{account}' cannot be assigned issues."
        self.plan.append(
            functools.partial(self.model.set_assignee, self.issue, account, self.actor)
        )
        return None


def _seed_rows() -> list[dict[str, Any]]:
    text = resources.files("routerbot.sandbox").joinpath("seed.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --------------------------------------------------------------------------- helpers


class _Row:
    """Adapts an issue to what JQL clauses read."""

    def __init__(self, app: SandboxApp, issue: Issue) -> None:
        self.model = app.model
        self.issue = issue

    def value(self, name: str) -> Any:
        getter = getattr(self, "_" + name, None)
        return getter() if getter is not None else None

    def _project(self) -> Any:
        d = self.model.desks[self.issue.desk_id]
        return [d.project_key, d.project_id, d.name]

    def _key(self) -> Any:
        return [self.issue.key, *self.issue.old_keys, self.issue.id]

    def _created(self) -> Any:
        return self.issue.created

    def _updated(self) -> Any:
        return self.issue.updated

    def _labels(self) -> Any:
        return list(self.issue.labels)

    def _status(self) -> Any:
        s = status_named(self.issue.status)
        return [s.name, s.id]

    def _statusCategory(self) -> Any:  # noqa: N802 - named after the JQL field
        c = CATEGORIES[status_named(self.issue.status).category]
        return [c["key"], c["name"], str(c["id"])]

    def _resolution(self) -> Any:
        return "Done" if status_named(self.issue.status).category == "done" else None

    def _person(self, account_id: str | None) -> Any:
        u = self.model.user(account_id)
        return None if u is None else [u.account_id, u.email, u.display_name]

    def _assignee(self) -> Any:
        return self._person(self.issue.assignee_id)

    def _reporter(self) -> Any:
        return self._person(self.issue.reporter_id)

    def _requestType(self) -> Any:  # noqa: N802 - named after the JQL field
        rt = self.model.request_types.get(self.issue.request_type_id or "")
        return None if rt is None else [rt.id, rt.name]

    def _summary(self) -> Any:
        return self.issue.summary

    def _description(self) -> Any:
        return self.issue.description

    def _text(self) -> Any:
        i = self.issue
        return " ".join([i.summary, i.description, *(c.body for c in i.comments)])


def _sort_key(app: SandboxApp, issue: Issue, *, name: str) -> Any:
    if name == "key":
        return (issue.key.rsplit("-", 1)[0], issue.number)
    if name in ("created", "updated"):
        return getattr(issue, name)
    if name == "status":
        return issue.status
    if name == "project":
        return app.model.desks[issue.desk_id].project_key
    return issue.summary


def _field_selection(raw: list[str]) -> set[str] | None:
    """The field ids asked for (None = all); default is ``id`` only, as Jira's search/jql."""
    if not raw:
        return {"id"}
    chosen: set[str] = set()
    everything = False
    excluded: set[str] = set()
    by_name = {name.lower(): fid for fid, (name, _, _) in FIELDS.items()}
    for item in raw:
        if item in ("*all", "*navigable"):
            everything = True
            if item == "*navigable":
                excluded |= {f for f, (_, nav, _) in FIELDS.items() if not nav}
            continue
        if item.startswith("-"):
            excluded.add(by_name.get(item[1:].lower(), item[1:]))
            continue
        chosen.add(by_name.get(item.lower(), item))
    if everything:
        return set(FIELDS) - excluded if excluded else None
    return chosen - excluded


def _make_token(offset: int, digest: int, snapshot: str) -> str:
    raw = json.dumps({"o": offset, "h": digest, "s": snapshot}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(token: str, digest: int) -> tuple[int, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = int(data["o"])
        snapshot = str(data["s"])
        same = data["h"] == digest
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise SandboxApiError(400, "The provided next page token is invalid or expired.") from exc
    if not same:
        raise SandboxApiError(400, "The provided next page token is invalid or expired.")
    return offset, snapshot


# --------------------------------------------------------------------------- HTTP layer


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: SandboxApp
    stopping: threading.Event
    date_skew: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server: _HttpServer
    server_version = "sandbox-jsm"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        app = self.server.app
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        req = Req(
            self.command,
            parts.path.rstrip("/") or "/",
            parse_qs(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in self.headers.items()},
            raw,
        )
        route, params, other = app.match(req.method, req.path)
        if route is None:
            family = "sd" if req.path.startswith("/rest/servicedeskapi") else "platform"
            status = 405 if other else 404
            msg = "Method Not Allowed" if other else "null for uri: " + req.path
            if not req.path.startswith("/_sandbox"):
                app.log.arrive(
                    app.client_of(req, self.client_address[0]), f"{req.method} (unmatched)"
                )
            self._send(app.error(family, SandboxApiError(status, msg)))
            return
        req.params = params
        if route.family == "admin":
            self._send(app.handle(req, route))
            return
        client = app.client_of(req, self.client_address[0])
        app.log.arrive(client, f"{req.method} {route.template}", self.client_address)
        app.log.enter(client)
        try:
            self._serve_api(app, req, route, client)
        finally:
            app.log.leave(client)

    def _serve_api(self, app: SandboxApp, req: Req, route: Route, client: str) -> None:
        delay = app.latency.draw()
        if delay > 0:
            self.server.stopping.wait(delay)
        outcome = app.faults.draw(req.method, req.path)
        if outcome != "ok":
            if outcome == "drop-after-write" and req.method not in WRITE_METHODS:
                outcome = "ok"
            else:
                app.log.fault(outcome)
        if outcome in ("429", "500", "502", "503", "504"):
            self._send(self._fault_response(app, route, client, int(outcome)))
            return
        if outcome == "drop":
            self._drop()
            return
        if outcome == "timeout":
            self.server.stopping.wait(app.faults.hang_seconds)
            self._drop()
            return
        if outcome == "slow":
            self.server.stopping.wait(app.faults.slow_seconds)
        resp = app.handle(req, route)
        if outcome == "drop-after-write" and resp.status < 400:
            self._drop()
            return
        self._send(resp)

    def _fault_response(self, app: SandboxApp, route: Route, client: str, status: int) -> Resp:
        plan = app.faults
        messages = {
            429: "Rate limit exceeded.",
            500: "Internal server error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }
        resp = app.error(route.family, SandboxApiError(status, messages[status]))
        if status in (429, 503):
            wait = max(0.0, plan.retry_after)
            now = time.time()
            if plan.date_form():
                until = float(int(now + wait) + 1)
                resp.headers["Retry-After"] = email.utils.formatdate(
                    until + self.server.date_skew, usegmt=True
                )
            else:
                seconds = int(wait) if wait == int(wait) else int(wait) + 1
                until = now + seconds
                resp.headers["Retry-After"] = str(seconds)
            app.log.must_wait(
                client, until, f"{status} on {self.command} {route.template}", self.client_address
            )
            if status == 429:
                reset = time.strftime(
                    "%Y-%m-%dT%H:%MZ", time.gmtime(until + 60 + self.server.date_skew)
                )
                resp.headers |= {
                    "X-RateLimit-Limit": "100",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset,
                    "RateLimit-Reason": "jira-burst-based",
                    "X-RateLimit-NearLimit": "true",
                }
        return resp

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header, shifted by the server's ``date_skew_seconds``."""
        when = time.time() if timestamp is None else timestamp
        return email.utils.formatdate(when + self.server.date_skew, usegmt=True)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, resp: Resp) -> None:
        payload = (
            b""
            if resp.body is None or resp.status == 204
            else json.dumps(resp.body, ensure_ascii=False).encode("utf-8")
        )
        try:
            self.send_response(resp.status)
            if payload:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-AREQUESTID", f"sandbox-{time.monotonic_ns() % 10**9}")
            for k, v in resp.headers.items():
                self.send_header(k, v)
            # the end of the headers and the body in one write (what end_headers()
            # does, plus the body): one segment and one wake-up of the client, not two
            buffered = self._headers_buffer  # type: ignore[attr-defined]  # http.server's own
            buffered.append(b"\r\n" + payload)
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class SandboxServer:
    """The sandbox on ``http://host:port`` (port 0 picks a free one), in a thread.

    ::

        with SandboxServer(SandboxModel.seeded()) as sb:
            requests.get(sb.url + "/rest/api/3/myself", auth=(sb.email, sb.token))
    """

    def __init__(
        self,
        model: SandboxModel | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        *,
        latency: Latency | None = None,
        date_skew_seconds: float = 0.0,
    ) -> None:
        self.model = model if model is not None else SandboxModel.seeded()
        self.host = host
        self.port = port
        self._faults = faults
        self._latency = latency
        self.date_skew_seconds = date_skew_seconds
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self.app: SandboxApp | None = None

    @property
    def url(self) -> str:
        if self.app is None:
            raise RuntimeError("the sandbox is not started")
        return self.app.base

    @property
    def email(self) -> str:
        return self.model.bot_email

    @property
    def token(self) -> str:
        return self.model.bot_token

    @property
    def faults(self) -> FaultPlan:
        assert self.app is not None
        return self.app.faults

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        assert self.app is not None
        self.app.faults = plan

    @property
    def state(self) -> dict[str, Any]:
        """What ``GET /_sandbox/state`` serves, without HTTP."""
        return self.model.snapshot()

    def requests(self) -> dict[str, Any]:
        """What ``GET /_sandbox/requests`` serves, without HTTP."""
        assert self.app is not None
        return self.app.log.summary()

    def start(self) -> SandboxServer:
        httpd = _HttpServer((self.host, self.port), _Handler)
        host, port = httpd.server_address[:2]
        self.port = int(port)
        httpd.stopping = threading.Event()
        httpd.date_skew = self.date_skew_seconds
        self.app = SandboxApp(
            self.model, self._faults, f"http://{host!s}:{self.port}", self._latency
        )
        httpd.app = self.app
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def serve_forever(self) -> None:
        """Block until interrupted (the CLI)."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> SandboxServer:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
