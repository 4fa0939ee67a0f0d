"""``JiraServiceDesk``: the :class:`routerbot.ports.ServiceDesk` port over Jira Cloud REST.

Sends basic auth and the headers pycontribs ``jira.JIRA`` sends (:data:`JIRA_HEADERS`),
without importing that library or its retrying ``ResilientSession``, through a
``urllib3`` pool (``transport="urllib3"``: the daemon and the commands) or a plain
``requests`` session (:func:`jira_session`, the default, which the tests mock with
``responses``); every call goes through :class:`routerbot.jsm.http.JiraHttp`,
the one call policy (timeouts, retries for reads, no blind retry for writes, error
translation, no secrets in messages).

Request budget (what the bot's throughput goal rests on):

* one-off discovery, cached for the adapter's life: ``GET /rest/api/2/myself`` (account id
  and time zone), ``GET /rest/api/2/field`` (the Customer Request Type field, by its
  ``com.atlassian.servicedesk:vp-origin`` schema), ``GET /rest/servicedeskapi/servicedesk``
  (service desk id ↔ project key);
* :meth:`poll`: one ``POST /rest/api/2/search/jql`` per page, with every field ``decide``
  needs and the ``routerbot`` property; a ticket with more comments than the search embeds
  (20) costs one ``GET …/comment`` page per 100 comments, for that ticket only;
* writes: one request each (comment, request type, record+labels, transition once its
  id is known for the project; the first transition to a status also lists them).

Moving a request to another service desk (``move_strategy``):

* ``"bulk_move"`` (default): ``POST /rest/api/3/bulk/issues/move`` to the target desk's
  project with the target request type's issue type (status and field defaults inferred),
  then ``GET /rest/api/3/bulk/queue/{taskId}`` until ``COMPLETE`` (bounded by
  ``move_timeout`` seconds, slept through the clock), then read the issue by id to learn
  its new key and set the request type there. The POST is sent once: a lost answer is an
  :class:`~routerbot.errors.AmbiguousWrite` (the service re-reads the ticket's desk before
  trying again). A task that ends ``FAILED``/``CANCELLED``/``DEAD`` is a
  :class:`~routerbot.errors.Conflict`.
* ``"note_only"``: never moves; :meth:`move` raises :class:`~routerbot.errors.Conflict`
  so the service leaves an internal note for the agents to move the ticket by hand. The
  safe choice where the bot account lacks the *Bulk change* global permission or where
  moves are not wanted.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routerbot.domain import Target, TicketHistory
from routerbot.errors import Conflict, NotFound, ServiceDeskError, TransientError
from routerbot.jsm import wire
from routerbot.jsm.flow import AdaptiveLimit, RetryAfterGate
from routerbot.jsm.http import (
    JiraHttp,
    OnResponse,
    RetryPolicy,
    Timeout,
    basic_auth_value,
    lean_session,
)
from routerbot.jsm.transport import Transport, Urllib3Transport
from routerbot.ports import BotRecord, Clock, MoveProgress, MoveState, SystemClock, TicketSnapshot

if TYPE_CHECKING:
    import requests

REQUEST_TYPE_SCHEMA = "com.atlassian.servicedesk:vp-origin"
EXPERIMENTAL = {"X-ExperimentalApi": "opt-in"}
DEFAULT_STATUS_NAMES: Mapping[str, str] = {
    "waiting_for_customer": "Waiting for customer",
    "waiting_for_support": "Waiting for support",
}
BASE_FIELDS = (
    "summary",
    "description",
    "reporter",
    "comment",
    "status",
    "assignee",
    "labels",
    "created",
    "updated",
    "project",
)
COMMENT_PAGE = 100
MOVED_REMEMBERED = 2048  # moved issues whose project is remembered (their transitions)
MOVE_STRATEGIES = ("bulk_move", "note_only")
_MOVE_DONE = "COMPLETE"
_MOVE_FAILED = frozenset({"FAILED", "CANCEL_REQUESTED", "CANCELLED", "DEAD"})

SessionHook = Callable[["requests.Session"], None]


def jql_datetime(instant: datetime, zone: ZoneInfo) -> str:
    """A JQL date-time literal (``yyyy/MM/dd HH:mm``, minute precision, floored) for an
    instant, in the time zone JQL will read it in (the searching account's)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone).strftime("%Y/%m/%d %H:%M")


def _quote_jql(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# as pycontribs ``jira.JIRA`` sends them: JSON, no caching, the XSRF opt-out Jira wants
JIRA_HEADERS = {
    "Accept": "application/json,*/*;q=0.9",
    "Cache-Control": "no-cache",
    "Content-Type": "application/json",
    "X-Atlassian-Token": "no-check",
}
TRANSPORTS = ("requests", "urllib3")


def jira_session(email: str, api_token: str) -> requests.Session:
    """A ``requests`` session as pycontribs ``jira.JIRA`` builds it for basic auth: the
    credential and :data:`JIRA_HEADERS`."""
    import requests  # noqa: PLC0415  # the daemon's transport is urllib3

    session = requests.Session()
    session.auth = (email, api_token)
    session.headers.update(JIRA_HEADERS)
    return session


def jira_transport(url: str) -> Urllib3Transport:
    """The ``urllib3`` transport with :data:`JIRA_HEADERS` (the credential is added by
    :class:`~routerbot.jsm.http.JiraHttp`)."""
    transport = Urllib3Transport(url)
    transport.headers.update(JIRA_HEADERS)
    return transport


class JiraServiceDesk:
    """Jira Cloud + JSM implementation of :class:`routerbot.ports.ServiceDesk`."""

    def __init__(
        self,
        url: str,
        email: str,
        api_token: str,
        *,
        projects: Sequence[str] | None = None,
        service_desks: Sequence[str] = ("3", "4"),
        timeout: Timeout = (3.05, 20),
        overlap: timedelta = timedelta(minutes=2),
        page_size: int = 100,
        record_property: str = wire.RECORD_PROPERTY,
        move_strategy: str = "bulk_move",
        status_names: Mapping[str, str] = DEFAULT_STATUS_NAMES,
        clock: Clock | None = None,
        session_hook: SessionHook | None = None,
        on_response: OnResponse | None = None,
        retry_policy: RetryPolicy | None = None,
        move_timeout: float = 120.0,
        move_poll_interval: float = 1.0,
        not_before: datetime | None = None,
        on_rate_limit: Callable[[datetime], None] | None = None,
        gate: RetryAfterGate | None = None,
        limit: AdaptiveLimit | None = None,
        on_clock_skew: Callable[[float], None] | None = None,
        transport: str = "requests",
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}: {transport!r}")
        if move_strategy not in MOVE_STRATEGIES:
            raise ValueError(f"move_strategy must be one of {MOVE_STRATEGIES}: {move_strategy!r}")
        self._url = url.rstrip("/")
        self._projects = tuple(projects) if projects else None
        self._service_desks = tuple(str(d) for d in service_desks)
        self._overlap = overlap
        self._page_size = page_size
        self._record_property = record_property
        self._move_strategy = move_strategy
        self._status_names = dict(status_names)
        self._clock: Clock = clock or SystemClock()
        self._move_timeout = move_timeout
        self._move_poll_interval = move_poll_interval
        sender: requests.Session | Transport
        if transport == "urllib3" and session_hook is None:
            sender = jira_transport(self._url)
        else:
            sender = lean_session(jira_session(email, api_token), self._url)
            if session_hook is not None:
                session_hook(sender)
        self.http = JiraHttp(
            sender,
            self._url,
            auth=(email, api_token),
            timeout=timeout,
            clock=self._clock,
            policy=retry_policy,
            on_response=on_response,
            secrets=(api_token, basic_auth_value(email, api_token)),
            not_before=not_before,
            on_rate_limit=on_rate_limit,
            gate=gate,
            limit=limit,
            on_clock_skew=on_clock_skew,
        )
        self._me: Mapping[str, Any] | None = None
        self._rt_field: str | None = None
        self._desks: list[Mapping[str, Any]] | None = None
        self._issue_types: dict[tuple[str, str], str] = {}
        self._transition_ids: dict[tuple[str, str], str] = {}
        # project of a bulk-move task, then of the issue it moved (addressed by its id
        # afterwards): its transitions come from the remembered ids of that project
        self._task_projects: dict[str, str] = {}
        self._moved_projects: OrderedDict[str, str] = OrderedDict()

    def __repr__(self) -> str:  # never show credentials
        return f"JiraServiceDesk({self._url!r})"

    # ------------------------------------------------------------------ discovery (cached)

    def _myself(self) -> Mapping[str, Any]:
        if self._me is None:
            me = self.http.call("GET", "/rest/api/2/myself")
            if not isinstance(me, Mapping) or not me.get("accountId"):
                raise ServiceDeskError("/myself answered without an accountId")
            self._me = me
        return self._me

    def whoami(self) -> str:
        return str(self._myself()["accountId"])

    def time_zone(self) -> ZoneInfo:
        """The bot account's profile time zone, in which JQL reads date literals."""
        name = str(self._myself().get("timeZone") or "UTC")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def request_type_field(self) -> str:
        """The id of the Customer Request Type field (``customfield_NNNNN``)."""
        if self._rt_field is None:
            fields = self.http.call("GET", "/rest/api/2/field")
            found = [
                f
                for f in (fields if isinstance(fields, list) else [])
                if isinstance(f, Mapping)
                and isinstance(f.get("schema"), Mapping)
                and f["schema"].get("custom") == REQUEST_TYPE_SCHEMA
            ]
            if not found:
                raise ServiceDeskError(
                    "no Customer Request Type field (schema vp-origin) on this site: "
                    "is Jira Service Management enabled?"
                )
            # several "Request Type (migrated)" fields can exist: prefer the plain one
            found.sort(key=lambda f: (str(f.get("name")) != "Request Type", str(f.get("id"))))
            self._rt_field = str(found[0]["id"])
        return self._rt_field

    def _service_desk_list(self) -> list[Mapping[str, Any]]:
        if self._desks is None:
            desks: list[Mapping[str, Any]] = []
            start = 0
            while True:
                page = self.http.call(
                    "GET",
                    "/rest/servicedeskapi/servicedesk",
                    params={"start": start, "limit": 50},
                    headers=EXPERIMENTAL,
                )
                values = page.get("values") if isinstance(page, Mapping) else None
                batch = [v for v in (values or []) if isinstance(v, Mapping)]
                desks.extend(batch)
                if not isinstance(page, Mapping) or page.get("isLastPage", True) or not batch:
                    break
                start += len(batch)
            self._desks = desks
        return self._desks

    def project_of_desk(self, desk_id: str) -> str:
        for desk in self._service_desk_list():
            if str(desk.get("id")) == str(desk_id):
                return str(desk.get("projectKey"))
        raise NotFound(f"service desk {desk_id} is not visible to the bot account")

    def desk_by_project(self) -> dict[str, str]:
        return {str(d.get("projectKey")): str(d.get("id")) for d in self._service_desk_list()}

    def desk_by_project_id(self) -> dict[str, str]:
        return {str(d.get("projectId")): str(d.get("id")) for d in self._service_desk_list()}

    def search_fields(self) -> list[str]:
        """The issue fields a ticket is read with (the request-type field included)."""
        return [*BASE_FIELDS, self.request_type_field()]

    def projects(self) -> tuple[str, ...]:
        if self._projects is None:
            self._projects = tuple(self.project_of_desk(d) for d in self._service_desks)
        return self._projects

    # ------------------------------------------------------------------ reads

    def poll_jql(self, updated_since: datetime | None) -> str:
        projects = ", ".join(_quote_jql(p) for p in self.projects())
        clauses = [f"project in ({projects})"]
        if updated_since is not None:
            since = jql_datetime(updated_since - self._overlap, self.time_zone())
            clauses.append(f'updated >= "{since}"')
        return " AND ".join(clauses) + " ORDER BY updated ASC, key ASC"

    def _search(self, jql: str, extra: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Every issue ``jql`` matches, all pages (``POST /rest/api/2/search/jql``)."""
        token: str | None = None
        while True:
            body: dict[str, Any] = {
                "jql": jql,
                "fields": self.search_fields(),
                "maxResults": self._page_size,
                **extra,
            }
            if token:
                body["nextPageToken"] = token
            page = self.http.call("POST", "/rest/api/2/search/jql", json=body, idempotent=True)
            page = page if isinstance(page, Mapping) else {}
            issues = page.get("issues")
            if not isinstance(issues, list):
                issues = []
            token = page.get("nextPageToken")
            last = page.get("isLast", not token) or not token
            del page  # each issue is let go once handed over, not held with its page
            issues.reverse()
            while issues:
                issue = issues.pop()
                if isinstance(issue, Mapping):
                    yield issue
            issue = None
            if last:
                return

    def poll(self, updated_since: datetime | None) -> Iterator[TicketSnapshot]:
        jql = self.poll_jql(updated_since)
        bot = self.whoami()
        desks = self._desks_if_known()
        seen: set[str] = set()
        for issue in self._search(jql, {"properties": [self._record_property]}):
            key = str(issue.get("key"))
            if key in seen or wire.status_category(issue) == "done":
                continue
            seen.add(key)
            yield self._snapshot(issue, bot, desks)

    def history(self, jql: str, *, limit: int | None = None) -> Iterator[TicketHistory]:
        """:class:`routerbot.ports.TicketHistorySource`: past tickets, their comments
        and their location changes.

        Costs one search call per page (the changelog comes embedded, ``expand``); a
        ticket whose comments or changelog the search did not embed in full costs one
        more call per 100 comments or changelog entries."""
        if limit is not None and limit < 1:
            return
        bot = self.whoami()
        rt_field = self.request_type_field()
        by_id = self.desk_by_project_id()
        desks = self.desk_by_project()
        for count, issue in enumerate(self._search(jql, {"expand": "changelog"}), 1):
            snap = self._snapshot(issue, bot, desks)
            key = str(issue.get("key"))
            changes = wire.location_changes(
                self._changelog(issue, key), request_type_field=rt_field, desk_by_project_id=by_id
            )
            yield TicketHistory(snap.ticket, changes, bot)
            if limit is not None and count >= limit:
                return

    def _changelog(self, issue: Mapping[str, Any], key: str) -> list[Any]:
        """The issue's changelog entries: the embedded ones when complete, else all pages."""
        embedded = issue.get("changelog")
        if isinstance(embedded, Mapping):
            histories = [h for h in embedded.get("histories") or [] if isinstance(h, Mapping)]
            total = embedded.get("total")
            if not isinstance(total, int) or total <= len(histories):
                return histories
        return self._pages("/rest/api/2/issue/{key}/changelog", key, "values", {})

    def get(self, key: str) -> TicketSnapshot:
        issue = self.http.call(
            "GET",
            "/rest/api/2/issue/{key}",
            path_params={"key": key},
            params={"fields": ",".join(self.search_fields()), "properties": self._record_property},
        )
        if not isinstance(issue, Mapping):
            raise ServiceDeskError("issue read answered with no body", method="GET", path=key)
        return self._snapshot(issue, self.whoami(), self._desks_if_known())

    def _desks_if_known(self) -> Mapping[str, str] | None:
        return self.desk_by_project() if self._desks is not None else None

    def _snapshot(
        self, issue: Mapping[str, Any], bot: str, desks: Mapping[str, str] | None
    ) -> TicketSnapshot:
        fields = wire.as_map(issue.get("fields"))
        embedded, total = wire.embedded_comments(fields)
        comments: Sequence[Any] | None = None
        error = ""
        if total > len(embedded):
            try:
                comments = self._all_comments(str(issue.get("key") or issue.get("id")))
            except (TransientError, Conflict, NotFound) as exc:
                # one ticket's unreadable comments must not stop the poll: the
                # service sees the error, retries the ticket, and parks it if it persists
                error = f"{type(exc).__name__}: {exc}"[:300]
        snap = wire.ticket_from_issue(
            issue,
            bot_account_id=bot,
            request_type_field=self.request_type_field(),
            comments=comments,
            desk_by_project=desks,
        )
        if self._record_property != wire.RECORD_PROPERTY:
            props = issue.get("properties")
            value = props.get(self._record_property) if isinstance(props, Mapping) else None
            snap = TicketSnapshot(snap.ticket, wire.record_from_property(value))
        if error:
            snap = TicketSnapshot(snap.ticket, snap.record, error=error)
        return snap

    def _all_comments(self, key: str) -> list[Any]:
        return self._pages(
            "/rest/api/2/issue/{key}/comment", key, "comments", {"orderBy": "created"}
        )

    def _pages(self, template: str, key: str, items: str, params: Mapping[str, Any]) -> list[Any]:
        """Every item of a ``startAt``/``maxResults`` paged list about one issue."""
        out: list[Any] = []
        start = 0
        while True:
            page = self.http.call(
                "GET",
                template,
                path_params={"key": key},
                params={"startAt": start, "maxResults": COMMENT_PAGE, **params},
            )
            page = page if isinstance(page, Mapping) else {}
            batch = [c for c in page.get(items) or [] if isinstance(c, Mapping)]
            out.extend(batch)
            total = page.get("total")
            start += len(batch)
            if not batch or page.get("isLast") is True or not isinstance(total, int):
                return out
            if start >= total:
                return out

    # ------------------------------------------------------------------ writes

    def post_comment(self, key: str, body: str, *, public: bool) -> str:
        created = self.http.call(
            "POST",
            "/rest/servicedeskapi/request/{key}/comment",
            path_params={"key": key},
            json={"body": body, "public": public},
            headers=EXPERIMENTAL,
        )
        comment_id = created.get("id") if isinstance(created, Mapping) else None
        if not comment_id:
            raise ServiceDeskError(
                "comment created but no id returned",
                method="POST",
                path=f"/rest/servicedeskapi/request/{key}/comment",
            )
        return str(comment_id)

    def set_request_type(self, key: str, request_type: str) -> None:
        self.http.call(
            "PUT",
            "/rest/api/2/issue/{key}",
            path_params={"key": key},
            params={"notifyUsers": "false"},
            json={"fields": {self.request_type_field(): str(request_type)}},
        )

    def transition(self, key: str, status: str) -> bool:
        """Move ``key`` to the status configured for ``status``.

        The transition id found for a (project, status name) is remembered: next time it
        is POSTed straight away (one request). A 400 means it is not open from the current
        status: then, as the first time, the open transitions are listed and the one whose
        ``to.name`` matches is used; none → ``False`` (already there, or not reachable).
        """
        name = self._status_names.get(status, status)
        project = self._moved_projects.get(key) or key.rsplit("-", 1)[0]
        cache_key = (project, name.casefold())
        cached = self._transition_ids.get(cache_key)
        if cached is not None:
            try:
                self._post_transition(key, cached)
                return True
            except Conflict as exc:
                if exc.status != 400:
                    raise
        found = self._find_transition(key, name)
        if found is None:
            return False
        self._post_transition(key, found)
        self._transition_ids[cache_key] = found
        return True

    def _find_transition(self, key: str, name: str) -> str | None:
        listing = self.http.call(
            "GET", "/rest/api/2/issue/{key}/transitions", path_params={"key": key}
        )
        transitions = listing.get("transitions") if isinstance(listing, Mapping) else None
        wanted = name.casefold()
        for t in transitions or []:
            if not isinstance(t, Mapping) or t.get("isAvailable") is False:
                continue
            if str(wire.as_map(t.get("to")).get("name", "")).casefold() == wanted:
                return str(t.get("id"))
        return None

    def _post_transition(self, key: str, transition_id: str) -> None:
        self.http.call(
            "POST",
            "/rest/api/2/issue/{key}/transitions",
            path_params={"key": key},
            json={"transition": {"id": transition_id}},
        )

    def save_record(
        self,
        key: str,
        record: BotRecord,
        *,
        add_labels: Sequence[str] = (),
        request_type: str = "",
    ) -> None:
        body: dict[str, Any] = {
            "properties": [{"key": self._record_property, "value": wire.record_to_property(record)}]
        }
        if add_labels:
            body["update"] = {"labels": [{"add": label} for label in add_labels]}
        if request_type:  # after a move: the request type travels with the record
            body["fields"] = {self.request_type_field(): str(request_type)}
        self.http.call(
            "PUT",
            "/rest/api/2/issue/{key}",
            path_params={"key": key},
            params={"notifyUsers": "false"},
            json=body,
        )

    def move(self, key: str, target: Target) -> str:
        """Move and wait for the task (for scripts; the service uses :meth:`start_move`
        and :meth:`move_progress` so that other tickets go on meanwhile)."""
        task = self.start_move(key, target)
        waited = 0.0
        while True:
            progress = self.move_progress(task)
            if progress.state is MoveState.FAILED:
                raise Conflict(progress.error or f"bulk move task {task} failed")
            if progress.state is MoveState.DONE:
                issue = self.http.call(
                    "GET",
                    "/rest/api/2/issue/{key}",
                    path_params={"key": progress.ref or key},
                    params={"fields": "project"},
                )
                new_key = (
                    str(issue.get("key"))
                    if isinstance(issue, Mapping) and issue.get("key")
                    else key
                )
                self.set_request_type(new_key, target.request_type)
                return new_key
            if waited >= self._move_timeout:
                raise ServiceDeskError(
                    f"bulk move task {task} still RUNNING after {self._move_timeout:.0f}s"
                )
            self._clock.sleep(self._move_poll_interval)
            waited += self._move_poll_interval

    def start_move(self, key: str, target: Target) -> str:
        """Submit the bulk move (sent once: a lost answer is an ``AmbiguousWrite``, and
        the service re-reads the ticket's desk before trying again); the task id."""
        if self._move_strategy == "note_only":
            raise Conflict(
                f"moving {key} to service desk {target.service_desk} is disabled "
                "(move_strategy=note_only): an agent must move it",
                method="POST",
                path="/rest/api/3/bulk/issues/move",
            )
        project = self.project_of_desk(target.service_desk)
        issue_type = self._issue_type_of(target)
        submitted = self.http.call(
            "POST",
            "/rest/api/3/bulk/issues/move",
            json={
                "sendBulkNotification": False,
                "targetToSourcesMapping": {
                    f"{project},{issue_type}": {
                        "issueIdsOrKeys": [key],
                        "inferFieldDefaults": True,
                        "inferStatusDefaults": True,
                        "inferSubtaskTypeDefault": True,
                        "inferClassificationDefaults": True,
                    }
                },
            },
        )
        task_id = submitted.get("taskId") if isinstance(submitted, Mapping) else None
        if not task_id:
            raise ServiceDeskError(
                "bulk move accepted without a taskId",
                method="POST",
                path="/rest/api/3/bulk/issues/move",
            )
        self._task_projects[str(task_id)] = project
        return str(task_id)

    def move_progress(self, task_id: str) -> MoveProgress:
        """One read of the bulk task (never waits); DONE carries the moved issue's id."""
        progress = self.http.call(
            "GET", "/rest/api/3/bulk/queue/{task}", path_params={"task": task_id}
        )
        progress = progress if isinstance(progress, Mapping) else {}
        status = str(progress.get("status", ""))
        ended = status == _MOVE_DONE or status in _MOVE_FAILED
        project = self._task_projects.pop(task_id, None) if ended else None
        if status == _MOVE_DONE:
            failed = progress.get("failedAccessibleIssues")
            if isinstance(failed, Mapping) and failed:
                reasons = "; ".join(
                    f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                    for k, v in failed.items()
                )
                return MoveProgress(
                    MoveState.FAILED, error=f"bulk move task {task_id} failed: {reasons}"[:400]
                )
            moved_ids = [str(i) for i in progress.get("processedAccessibleIssues") or []]
            if project and moved_ids:
                self._remember_moved(moved_ids[0], project)
            # the moved issue's id: every endpoint that follows accepts it in place of
            # the key (issueIdOrKey), so no read is spent learning the new key
            return MoveProgress(MoveState.DONE, ref=moved_ids[0] if moved_ids else "")
        if status in _MOVE_FAILED:
            return MoveProgress(MoveState.FAILED, error=f"bulk move task {task_id} ended {status}")
        return MoveProgress(MoveState.RUNNING)

    def _remember_moved(self, issue_id: str, project: str) -> None:
        self._moved_projects[issue_id] = project
        while len(self._moved_projects) > MOVED_REMEMBERED:
            self._moved_projects.popitem(last=False)

    def _issue_type_of(self, target: Target) -> str:
        cache_key = (target.service_desk, target.request_type)
        if cache_key not in self._issue_types:
            rt = self.http.call(
                "GET",
                "/rest/servicedeskapi/servicedesk/{desk}/requesttype/{rt}",
                path_params={"desk": target.service_desk, "rt": target.request_type},
                headers=EXPERIMENTAL,
            )
            issue_type = rt.get("issueTypeId") if isinstance(rt, Mapping) else None
            if not issue_type:
                raise ServiceDeskError(f"request type {target} has no issueTypeId")
            self._issue_types[cache_key] = str(issue_type)
        return self._issue_types[cache_key]
