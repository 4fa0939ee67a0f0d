"""The sandbox's in-memory Jira Service Management: desks, users, requests, comments.

One :class:`SandboxModel` holds everything under one re-entrant lock (``model.lock``);
the HTTP layer (:mod:`routerbot.sandbox.server`) takes the lock for each request and
renders JSON from these plain objects (:mod:`routerbot.sandbox.views`). Errors that an
API call would answer are raised as :class:`SandboxApiError` (status + messages) and
rendered in the error body of the API family that was called.

Behaviours copied from Jira Cloud on purpose:

* every write to an issue (fields, labels, request type, comment, transition, move)
  bumps ``updated`` — the bot's own writes too; issue *properties* do not (Jira keeps
  them outside the issue's history);
* a customer comment on a request "Waiting for customer" sends it back to "Waiting for
  support" (JSM's default automation rule), written by the automation account;
* a request moved to another service desk gets a new key, the old key still resolves,
  and its request type is cleared (it belongs to the old desk) until set again;
* the request type lives in ``customfield_10010`` (``vp-origin``); an issue without
  one is not a customer request (servicedeskapi answers 404);
* a bulk move is a task: ``ENQUEUED``, then ``RUNNING``, then ``COMPLETE``, and the issue
  changes desk and key only when it completes. How long that takes is ``move_seconds``
  (one duration, or a ``(low, high)`` range drawn per task, as Jira's 1–3 s); ``0``, the
  default, completes a task as soon as it is submitted. ``move_polls`` instead drives the
  stages by polls (first poll ENQUEUED, second RUNNING, ``move_polls``-th COMPLETE), for
  tests that look at every stage.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import random
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from routerbot.domain import AuthorRole, Ticket
from routerbot.errors import InputError
from routerbot.labelled import read_labelled, ticket_from_labelled
from routerbot.ports import Clock, SystemClock

DEFAULT_EMAIL = "routerbot@example.org"
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - the sandbox's documented default
AGENT_TOKEN = "agent-token"  # noqa: S105 - sandbox-only credential for agent accounts
CUSTOMER_TOKEN = "customer-token"  # noqa: S105 - sandbox-only credential for customers
DEFAULT_TIME_ZONE = "Europe/Paris"
REQUEST_TYPE_FIELD = "customfield_10010"
ISSUE_TYPE_ID = "10006"
ISSUE_TYPE_NAME = "[System] Service request"


class SandboxApiError(Exception):
    """An answer other than 2xx: rendered by the server in the called API's error shape."""

    def __init__(
        self,
        status: int,
        message: str = "",
        errors: Mapping[str, str] | None = None,
        i18n_key: str = "",
    ) -> None:
        self.status = status
        self.message = message
        self.errors = dict(errors or {})
        self.i18n_key = i18n_key
        super().__init__(f"{status}: {message or self.errors}")


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True)
class Desk:
    id: str
    project_id: str
    project_key: str
    name: str
    portal_id: str


@dataclass(frozen=True, slots=True)
class RequestTypeGroup:
    id: str
    desk_id: str
    name: str


@dataclass(frozen=True, slots=True)
class RequestType:
    id: str
    desk_id: str
    group_id: str
    name: str
    description: str
    help_text: str = ""


@dataclass(frozen=True, slots=True)
class Status:
    id: str
    name: str
    category: str  # "new" | "indeterminate" | "done"


@dataclass(frozen=True, slots=True)
class WorkflowTransition:
    id: str
    name: str
    to: str  # status name
    sources: tuple[str, ...]  # status names it is available from
    customer: bool = False  # offered to customers through servicedeskapi


DESKS = (
    Desk("3", "10003", "OPE", "Expadon 2 - Assistance opérateurs", "3"),
    Desk("4", "10004", "SD", "Expadon 2 - Assistance services déconcentrés", "4"),
)
GROUPS = (
    RequestTypeGroup("28", "3", "Demandes des opérateurs"),
    RequestTypeGroup("27", "4", "Demandes des services déconcentrés"),
)
REQUEST_TYPES = (
    RequestType(
        "84",
        "3",
        "28",
        "Habilitation",
        "Demander l'habilitation au module Certificats",
        "Joignez les documents fournis par votre DD(ETS)PP.",
    ),
    RequestType(
        "86",
        "3",
        "28",
        "Assistance opérateurs",
        "Toute autre demande d'assistance pour les opérateurs",
    ),
    RequestType(
        "87",
        "4",
        "27",
        "Assistance services déconcentrés",
        "Demande d'assistance des services déconcentrés",
    ),
)

WAITING_FOR_SUPPORT = "Waiting for support"
WAITING_FOR_CUSTOMER = "Waiting for customer"
IN_PROGRESS = "In progress"
RESOLVED = "Resolved"
STATUSES = (
    Status("10001", WAITING_FOR_SUPPORT, "new"),
    Status("10002", WAITING_FOR_CUSTOMER, "indeterminate"),
    Status("3", IN_PROGRESS, "indeterminate"),
    Status("10003", RESOLVED, "done"),
)
_OPEN = (WAITING_FOR_SUPPORT, WAITING_FOR_CUSTOMER, IN_PROGRESS)
TRANSITIONS = (
    WorkflowTransition(
        "11", "Respond to customer", WAITING_FOR_CUSTOMER, (WAITING_FOR_SUPPORT, IN_PROGRESS)
    ),
    WorkflowTransition(
        "21",
        "Back to waiting for support",
        WAITING_FOR_SUPPORT,
        (WAITING_FOR_CUSTOMER, IN_PROGRESS),
    ),
    WorkflowTransition(
        "31", "Start progress", IN_PROGRESS, (WAITING_FOR_SUPPORT, WAITING_FOR_CUSTOMER)
    ),
    WorkflowTransition("41", "Resolve this issue", RESOLVED, _OPEN),
    WorkflowTransition("51", "Reopen", WAITING_FOR_SUPPORT, (RESOLVED,)),
    WorkflowTransition("61", "Cancel request", RESOLVED, _OPEN, customer=True),
    WorkflowTransition("71", "Reopen request", WAITING_FOR_SUPPORT, (RESOLVED,), customer=True),
)


def status_named(name: str) -> Status:
    for s in STATUSES:
        if s.name.lower() == name.lower():
            return s
    raise KeyError(name)


# --------------------------------------------------------------------------- people


@dataclass(slots=True)
class User:
    account_id: str
    email: str
    display_name: str
    role: str  # "bot" | "agent" | "customer" | "automation"
    token: str = ""
    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def account_type(self) -> str:
        if self.role == "customer":
            return "customer"
        if self.role == "automation":
            return "app"
        return "atlassian"

    @property
    def is_agent(self) -> bool:
        return self.role in ("bot", "agent", "automation")


def _atlassian_id(email: str) -> str:
    return hashlib.sha1(email.lower().encode(), usedforsecurity=False).hexdigest()[:24]


def _customer_id(email: str) -> str:
    u = uuid.uuid5(uuid.NAMESPACE_URL, "mailto:" + email.lower())
    return f"qm:{u}"


# --------------------------------------------------------------------------- issues


@dataclass(slots=True)
class SComment:
    id: str
    author_id: str
    body: str
    public: bool
    created: datetime
    updated: datetime
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class HistoryItem:
    field: str
    field_id: str
    fieldtype: str
    from_: str | None
    from_string: str | None
    to: str | None
    to_string: str | None


@dataclass(slots=True)
class History:
    id: str
    author_id: str
    created: datetime
    items: list[HistoryItem]


@dataclass(slots=True)
class Issue:
    id: str
    key: str
    desk_id: str
    request_type_id: str | None
    summary: str
    description: str
    reporter_id: str
    status: str
    created: datetime
    updated: datetime
    status_date: datetime
    assignee_id: str | None = None
    labels: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    comments: list[SComment] = field(default_factory=list)
    history: list[History] = field(default_factory=list)
    old_keys: list[str] = field(default_factory=list)
    source_id: str = ""

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])


@dataclass(slots=True)
class BulkTask:
    id: str
    submitted_by: str
    created: datetime
    targets: dict[str, str]  # issue id -> target desk id
    due: datetime | None = None  # completes at this instant (None: driven by polls only)
    invalid_count: int = 0
    polls: int = 0
    status: str = "ENQUEUED"
    started: datetime | None = None
    updated: datetime | None = None
    processed: list[str] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- model


class SandboxModel:
    """An in-memory JSM site with the two Expadon portals.

    ``clock`` gives "now" for every timestamp (inject a fake in tests).

    Bulk-move tasks (see the module doc): ``move_seconds`` is how long one takes to
    complete, polled or not — a number, or a ``(low, high)`` range drawn per task from
    ``random.Random(move_seed)``; ``0`` completes it at submission. ENQUEUED lasts the
    first quarter of that time, RUNNING the rest. With ``move_polls`` set, the stages
    follow the polls instead (first poll ENQUEUED, second RUNNING, ``move_polls``-th
    COMPLETE), and ``move_seconds`` (when above 0) still completes an unpolled task.

    Pending tasks sit in a heap by due time: settling them on each access costs nothing
    while none is due, however many moves were made.
    """

    def __init__(
        self,
        *,
        email: str = DEFAULT_EMAIL,
        token: str = DEFAULT_TOKEN,
        clock: Clock | None = None,
        time_zone: str = DEFAULT_TIME_ZONE,
        move_seconds: float | tuple[float, float] = 0.0,
        move_polls: int | None = None,
        move_seed: int | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock: Clock = clock or SystemClock()
        self.bot_email = email
        self.bot_token = token
        self.time_zone = time_zone
        low, high = (
            (float(move_seconds), float(move_seconds))
            if isinstance(move_seconds, int | float)
            else (float(move_seconds[0]), float(move_seconds[1]))
        )
        if not 0.0 <= low <= high:
            raise ValueError(f"move_seconds must be >= 0 and low <= high, got {move_seconds!r}")
        if move_polls is not None and move_polls < 1:
            raise ValueError(f"move_polls must be at least 1, got {move_polls}")
        self.move_seconds = (low, high)
        self.move_polls = move_polls
        self._move_rng = random.Random(move_seed)  # noqa: S311 - simulation, not security
        self.desks = {d.id: d for d in DESKS}
        self.groups = {g.id: g for g in GROUPS}
        self.request_types = {r.id: r for r in REQUEST_TYPES}
        self.reset()

    # ----------------------------------------------------------------- lifecycle

    def reset(self) -> None:
        """Forget every issue, task and customer; keep the catalogue and staff accounts."""
        with self.lock:
            self.users: dict[str, User] = {}
            self.issues: dict[str, Issue] = {}  # by id
            self._keys: dict[str, str] = {}  # key (current and old) -> id
            self.tasks: dict[str, BulkTask] = {}
            self._due: list[tuple[datetime, int, str]] = []  # (due, seq, task id), a heap
            self._next_issue = 10100
            self._next_comment = 20000
            self._next_history = 30000
            self._next_task = 40000
            self._next_number = {d.project_key: 1 for d in DESKS}
            self.bot = self._add_user(self.bot_email, "routerbot", "bot", self.bot_token)
            self.agents = [
                self._add_user(
                    "sophie.martin@expadon-support.example", "Sophie Martin", "agent", AGENT_TOKEN
                ),
                self._add_user(
                    "julien.robert@expadon-support.example", "Julien Robert", "agent", AGENT_TOKEN
                ),
            ]
            self.automation = self._add_user(
                "automation@atlassian.invalid", "Automation for Jira", "automation", ""
            )

    @classmethod
    def seeded(cls, **kwargs: Any) -> SandboxModel:
        """A model loaded with the shipped sample tickets (``sandbox/seed.jsonl``)."""
        model = cls(**kwargs)
        text = resources.files("routerbot.sandbox").joinpath("seed.jsonl").read_text("utf-8")
        model.load_rows(_json_lines(text, "seed.jsonl"))
        return model

    def now(self) -> datetime:
        value = self.clock.now()
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    # ----------------------------------------------------------------- users

    def _add_user(self, email: str, name: str, role: str, token: str) -> User:
        account = _customer_id(email) if role == "customer" else _atlassian_id(email)
        user = User(account, email, name, role, token, self.time_zone)
        self.users[account] = user
        return user

    def customer(self, email: str, display_name: str = "") -> User:
        """The customer account for an e-mail address, created on first use."""
        with self.lock:
            for u in self.users.values():
                if u.email.lower() == email.lower():
                    return u
            name = display_name or email.split("@", 1)[0]
            return self._add_user(email, name, "customer", CUSTOMER_TOKEN)

    def authenticate(self, email: str, token: str) -> User | None:
        with self.lock:
            for u in self.users.values():
                if u.email.lower() == email.lower() and u.token and u.token == token:
                    return u
        return None

    def user(self, account_id: str | None) -> User | None:
        return self.users.get(account_id) if account_id else None

    def find_user(self, ref: str) -> User | None:
        """By account id or e-mail."""
        if ref in self.users:
            return self.users[ref]
        for u in self.users.values():
            if u.email.lower() == ref.lower():
                return u
        return None

    # ----------------------------------------------------------------- lookups

    def desk(self, ref: str) -> Desk:
        """By id, ``projectKey:KEY`` or ``projectId:ID`` (as servicedeskapi accepts)."""
        kind, _, value = ref.partition(":")
        for d in self.desks.values():
            if (
                (not value and d.id == ref)
                or (kind == "projectKey" and d.project_key == value)
                or (kind == "projectId" and d.project_id == value)
            ):
                return d
        raise SandboxApiError(
            404,
            f"Service Desk with id {ref} does not exist.",
            i18n_key="sd.service.desk.error.not.found",
        )

    def desk_for_project(self, ref: str) -> Desk | None:
        for d in self.desks.values():
            if ref in (d.project_key, d.project_id) or ref.lower() == d.project_key.lower():
                return d
        return None

    def issue(self, id_or_key: str) -> Issue:
        """By id, key or a key it had before a move; 404 otherwise."""
        with self.lock:
            self._settle_tasks()
            issue_id = id_or_key if id_or_key in self.issues else self._keys.get(id_or_key.upper())
            if issue_id is None:
                raise SandboxApiError(
                    404, "Issue does not exist or you do not have permission to see it."
                )
            return self.issues[issue_id]

    def visible_issues(self, viewer: User) -> Iterator[Issue]:
        self._settle_tasks()
        for issue in self.issues.values():
            if viewer.is_agent or issue.reporter_id == viewer.account_id:
                yield issue

    def can_see(self, viewer: User, issue: Issue) -> bool:
        return viewer.is_agent or issue.reporter_id == viewer.account_id

    # ----------------------------------------------------------------- writes

    def _touch(self, issue: Issue, when: datetime | None = None) -> datetime:
        now = when or self.now()
        issue.updated = max(now, issue.updated)
        return now

    def _record(
        self, issue: Issue, author_id: str, items: list[HistoryItem], when: datetime | None = None
    ) -> None:
        if not items:
            return
        self._next_history += 1
        issue.history.append(History(str(self._next_history), author_id, when or self.now(), items))

    def create_issue(
        self,
        *,
        desk_id: str,
        request_type_id: str | None,
        summary: str,
        description: str,
        reporter: User,
        status: str = WAITING_FOR_SUPPORT,
        created: datetime | None = None,
        key: str | None = None,
        source_id: str = "",
    ) -> Issue:
        with self.lock:
            desk = self.desk(desk_id)
            if request_type_id is not None:
                rt = self.request_types.get(request_type_id)
                if rt is None or rt.desk_id != desk.id:
                    raise SandboxApiError(
                        400,
                        f"The request type {request_type_id} does not belong to service "
                        f"desk {desk.id}.",
                        {"requestTypeId": "invalid request type"},
                    )
            when = created or self.now()
            self._next_issue += 1
            if (
                key
                and key.upper().startswith(desk.project_key + "-")
                and key.upper() not in self._keys
                and key.rsplit("-", 1)[1].isdigit()
            ):
                key = key.upper()
                self._next_number[desk.project_key] = max(
                    self._next_number[desk.project_key], int(key.rsplit("-", 1)[1]) + 1
                )
            else:
                key = f"{desk.project_key}-{self._next_number[desk.project_key]}"
                self._next_number[desk.project_key] += 1
            issue = Issue(
                id=str(self._next_issue),
                key=key,
                desk_id=desk.id,
                request_type_id=request_type_id,
                summary=summary,
                description=description,
                reporter_id=reporter.account_id,
                status=status_named(status).name,
                created=when,
                updated=when,
                status_date=when,
                source_id=source_id,
            )
            self.issues[issue.id] = issue
            self._keys[key] = issue.id
            return issue

    def add_comment(
        self,
        key: str,
        body: str,
        *,
        author: User | str = "customer",
        public: bool = True,
        when: datetime | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> SComment:
        """Add a comment. ``author`` is a user or a role: customer (the reporter),
        agent (the first agent) or bot."""
        with self.lock:
            issue = self.issue(key)
            user = self._author(issue, author)
            if not public and not user.is_agent:
                raise SandboxApiError(403, "Customers cannot add internal comments.")
            now = when or self.now()
            self._next_comment += 1
            comment = SComment(
                str(self._next_comment),
                user.account_id,
                body,
                public,
                now,
                now,
                dict(properties or {}),
            )
            issue.comments.append(comment)
            self._touch(issue, now)
            if user.role == "customer" and issue.status == WAITING_FOR_CUSTOMER and when is None:
                self._set_status(issue, WAITING_FOR_SUPPORT, self.automation)
            return comment

    def _author(self, issue: Issue, author: User | str) -> User:
        if isinstance(author, User):
            return author
        role = str(author)
        if role == AuthorRole.CUSTOMER.value:
            reporter = self.user(issue.reporter_id)
            assert reporter is not None  # every issue has a reporter account
            return reporter
        if role == AuthorRole.AGENT.value:
            return self.agents[0]
        if role == AuthorRole.BOT.value:
            return self.bot
        found = self.find_user(role)
        if found is None:
            raise SandboxApiError(400, f"Unknown author {role!r}.")
        return found

    def _set_status(self, issue: Issue, status: str, actor: User) -> None:
        old = status_named(issue.status)
        new = status_named(status)
        issue.status = new.name
        now = self._touch(issue)
        issue.status_date = now
        self._record(
            issue,
            actor.account_id,
            [HistoryItem("status", "status", "jira", old.id, old.name, new.id, new.name)],
        )

    def transitions_for(self, issue: Issue, *, customer: bool = False) -> list[WorkflowTransition]:
        return [t for t in TRANSITIONS if issue.status in t.sources and t.customer == customer]

    def transition(
        self, key: str, transition_id: str, actor: User, *, customer: bool = False
    ) -> None:
        with self.lock:
            issue = self.issue(key)
            for t in self.transitions_for(issue, customer=customer):
                if t.id == str(transition_id):
                    self._set_status(issue, t.to, actor)
                    return
            raise SandboxApiError(
                400, f"Transition id '{transition_id}' is not valid for this issue."
            )

    def set_labels(self, issue: Issue, labels: Iterable[str], actor: User) -> None:
        new = sorted(dict.fromkeys(labels))
        for label in new:
            if not label or any(c.isspace() for c in label):
                raise SandboxApiError(
                    400, "", {"labels": f"The label '{label}' contains spaces which is invalid."}
                )
        old = sorted(issue.labels)
        if new == old:
            return
        issue.labels = new
        self._touch(issue)
        self._record(
            issue,
            actor.account_id,
            [HistoryItem("labels", "labels", "jira", None, " ".join(old), None, " ".join(new))],
        )

    def set_request_type(self, issue: Issue, request_type_id: str, actor: User) -> None:
        rt = self.request_types.get(request_type_id)
        if rt is None or rt.desk_id != issue.desk_id:
            raise SandboxApiError(
                400,
                "",
                {
                    REQUEST_TYPE_FIELD: f"The request type '{request_type_id}' is not valid for "
                    f"project {self.desks[issue.desk_id].project_key}."
                },
            )
        if issue.request_type_id == request_type_id:
            return
        old = self.request_types.get(issue.request_type_id or "")
        issue.request_type_id = request_type_id
        self._touch(issue)
        self._record(
            issue,
            actor.account_id,
            [
                HistoryItem(
                    "Customer Request Type",
                    REQUEST_TYPE_FIELD,
                    "custom",
                    old.id if old else None,
                    old.name if old else None,
                    rt.id,
                    rt.name,
                )
            ],
        )

    def set_assignee(self, issue: Issue, account_id: str | None, actor: User) -> None:
        if account_id is not None and self.user(account_id) is None:
            raise SandboxApiError(
                400, "", {"assignee": f"User '{account_id}' cannot be assigned issues."}
            )
        if issue.assignee_id == account_id:
            return
        old, new = self.user(issue.assignee_id), self.user(account_id)
        issue.assignee_id = account_id
        self._touch(issue)
        self._record(
            issue,
            actor.account_id,
            [
                HistoryItem(
                    "assignee",
                    "assignee",
                    "jira",
                    old.account_id if old else None,
                    old.display_name if old else None,
                    new.account_id if new else None,
                    new.display_name if new else None,
                )
            ],
        )

    def set_text(self, issue: Issue, field_id: str, value: str, actor: User) -> None:
        old = getattr(issue, field_id)
        if old == value:
            return
        setattr(issue, field_id, value)
        self._touch(issue)
        self._record(
            issue,
            actor.account_id,
            [HistoryItem(field_id, field_id, "jira", None, old, None, value)],
        )

    def set_property(self, issue: Issue, prop_key: str, value: Any) -> bool:
        """Set an issue property; True when it was created. Does not bump ``updated``."""
        if not prop_key or len(prop_key) > 255:
            raise SandboxApiError(400, "The property key must be 1 to 255 characters long.")
        if len(json.dumps(value)) > 32768:
            raise SandboxApiError(400, "The property value is longer than 32768 characters.")
        created = prop_key not in issue.properties
        issue.properties[prop_key] = json.loads(json.dumps(value))
        return created

    # ----------------------------------------------------------------- bulk move

    def submit_move(self, mappings: list[tuple[str, str, list[str]]], actor: User) -> BulkTask:
        """Queue a bulk move. ``mappings``: (project id or key, issue type id, issue refs)."""
        with self.lock:
            targets: dict[str, str] = {}
            for project_ref, issue_type, refs in mappings:
                desk = self.desk_for_project(project_ref)
                if desk is None:
                    raise SandboxApiError(400, f"The project {project_ref} does not exist.")
                if issue_type != ISSUE_TYPE_ID:
                    raise SandboxApiError(
                        400,
                        f"The issue type {issue_type} is not valid for project {desk.project_key}.",
                    )
                for ref in refs:
                    try:
                        targets[self.issue(str(ref)).id] = desk.id
                    except SandboxApiError as exc:
                        raise SandboxApiError(
                            400, "Some of the issues in the issueIdsOrKeys are not valid"
                        ) from exc
            if not targets:
                raise SandboxApiError(400, "Some of the issues in the issueIdsOrKeys are not valid")
            self._next_task += 1
            now = self.now()
            task = BulkTask(str(self._next_task), actor.account_id, now, targets)
            low, high = self.move_seconds
            seconds = low if low == high else self._move_rng.uniform(low, high)
            if self.move_polls is None or seconds > 0:
                task.due = now + timedelta(seconds=seconds)
            self.tasks[task.id] = task
            if self.move_polls is None and seconds <= 0:
                self._complete(task)  # no delay configured: done at once
            elif task.due is not None:
                heapq.heappush(self._due, (task.due, self._next_task, task.id))
            return task

    def poll_task(self, task_id: str) -> BulkTask:
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                raise SandboxApiError(404, f"Task {task_id} not found.")
            task.polls += 1
            self._settle_tasks()
            if task.status == "COMPLETE":
                return task
            now = self.now()
            if self.move_polls is not None:
                if task.status == "ENQUEUED" and task.polls > 1:
                    task.status, task.started, task.updated = "RUNNING", now, now
                if task.status == "RUNNING" and task.polls >= self.move_polls:
                    self._complete(task)
            elif (
                task.status == "ENQUEUED"
                and task.due is not None
                and now >= task.created + (task.due - task.created) / 4
            ):
                task.status, task.started, task.updated = "RUNNING", now, now
            return task

    @property
    def pending_tasks(self) -> int:
        """Bulk-move tasks waiting on their due time (not complete yet)."""
        with self.lock:
            return len(self._due)

    def _settle_tasks(self) -> None:
        """Complete the tasks whose time has come: only the due ones are looked at."""
        if not self._due:
            return
        now = self.now()
        while self._due and self._due[0][0] <= now:
            _, _, task_id = heapq.heappop(self._due)
            task = self.tasks[task_id]
            if task.status in ("ENQUEUED", "RUNNING"):
                self._complete(task)

    def _complete(self, task: BulkTask) -> None:
        actor = self.users[task.submitted_by]
        for issue_id, desk_id in task.targets.items():
            issue, desk = self.issues[issue_id], self.desks[desk_id]
            if issue.desk_id == desk.id:
                task.processed.append(issue_id)
                continue
            old_key, old_desk = issue.key, self.desks[issue.desk_id]
            new_key = f"{desk.project_key}-{self._next_number[desk.project_key]}"
            self._next_number[desk.project_key] += 1
            old_rt = self.request_types.get(issue.request_type_id or "")
            issue.old_keys.append(old_key)
            issue.key, issue.desk_id, issue.request_type_id = new_key, desk.id, None
            self._keys[new_key] = issue.id
            self._touch(issue)
            items = [
                HistoryItem(
                    "project",
                    "project",
                    "jira",
                    old_desk.project_id,
                    old_desk.name,
                    desk.project_id,
                    desk.name,
                ),
                HistoryItem("Key", "issuekey", "jira", None, old_key, None, new_key),
            ]
            if old_rt is not None:
                items.append(
                    HistoryItem(
                        "Customer Request Type",
                        REQUEST_TYPE_FIELD,
                        "custom",
                        old_rt.id,
                        old_rt.name,
                        None,
                        None,
                    )
                )
            self._record(issue, actor.account_id, items)
            task.processed.append(issue_id)
        task.status = "COMPLETE"
        task.started = task.started or self.now()
        task.updated = self.now()

    # ----------------------------------------------------------------- loading

    def add_ticket(
        self,
        ticket: Ticket,
        *,
        status: str = WAITING_FOR_SUPPORT,
        labels: Iterable[str] = (),
        assignee: str | None = None,
        properties: Mapping[str, Any] | None = None,
        created: datetime | None = None,
        minutes_apart: float = 7.0,
    ) -> Issue:
        """Load one domain :class:`Ticket`: reporter becomes a customer, comments are
        written by the reporter (customer), the first agent (agent) or the bot (bot)."""
        with self.lock:
            desk_id = ticket.service_desk
            rt_id: str | None = ticket.request_type or None
            if not desk_id and rt_id and rt_id in self.request_types:
                desk_id = self.request_types[rt_id].desk_id
            if desk_id not in self.desks:
                raise InputError(f"{ticket.key}: unknown service desk {desk_id!r} (3 or 4)")
            email = ticket.reporter.email or f"{ticket.key.lower()}@customer.invalid"
            reporter = self.customer(email, ticket.reporter.display_name)
            n_comments = len(ticket.comments)
            start = created or (self.now() - timedelta(minutes=minutes_apart * (n_comments + 1)))
            try:
                issue = self.create_issue(
                    desk_id=desk_id,
                    request_type_id=rt_id,
                    summary=ticket.summary,
                    description=ticket.description,
                    reporter=reporter,
                    status=status,
                    created=start,
                    key=ticket.key,
                    source_id=ticket.key,
                )
            except SandboxApiError as exc:
                raise InputError(f"{ticket.key}: {exc.message}") from exc
            except KeyError as exc:
                raise InputError(f"{ticket.key}: unknown status {status!r}") from exc
            for i, c in enumerate(ticket.comments, start=1):
                self.add_comment(
                    issue.key,
                    c.body,
                    author=c.author.value,
                    public=c.public,
                    when=start + timedelta(minutes=minutes_apart * i),
                )
            if labels:
                issue.labels = sorted(dict.fromkeys(labels))
            if assignee:
                user = self.agents[0] if assignee == "agent" else self.find_user(assignee)
                if user is None:
                    raise InputError(f"{ticket.key}: unknown assignee {assignee!r}")
                issue.assignee_id = user.account_id
            for k, v in (properties or {}).items():
                issue.properties[k] = v
            return issue

    def load_rows(self, rows: Iterable[Mapping[str, Any]]) -> list[str]:
        """Load ROUTING.md-format objects (``expected`` ignored). Optional sandbox-only
        keys: ``status``, ``labels``, ``assignee`` ("agent" or an e-mail),
        ``properties``, ``created`` (ISO 8601), ``minutes_ago``. Returns the keys."""
        keys = []
        with self.lock:
            for i, row in enumerate(rows, start=1):
                try:
                    ticket = ticket_from_labelled(row)
                except InputError as exc:
                    raise InputError(f"ticket {i}: {exc}") from exc
                created = None
                if row.get("created"):
                    created = datetime.fromisoformat(str(row["created"]))
                elif row.get("minutes_ago") is not None:
                    created = self.now() - timedelta(minutes=float(row["minutes_ago"]))
                issue = self.add_ticket(
                    ticket,
                    status=str(row.get("status") or WAITING_FOR_SUPPORT),
                    labels=row.get("labels") or (),
                    assignee=row.get("assignee"),
                    properties=row.get("properties"),
                    created=created,
                )
                keys.append(issue.key)
        return keys

    def load_labelled(self, path: str | Path) -> list[str]:
        """Load a ROUTING.md JSON Lines file (validated by ``read_labelled``)."""
        p = Path(path)
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {p}: {exc}") from exc
        rows = [json.loads(lines[lt.line - 1]) for lt in read_labelled(p)]
        return self.load_rows(rows)

    # ----------------------------------------------------------------- snapshot

    def snapshot(self) -> dict[str, Any]:
        """Every ticket as plain JSON (what ``GET /_sandbox/state`` serves)."""
        with self.lock:
            self._settle_tasks()
            tickets = []
            for issue in sorted(self.issues.values(), key=lambda i: int(i.id)):
                reporter = self.users[issue.reporter_id]
                assignee = self.user(issue.assignee_id)
                tickets.append(
                    {
                        "key": issue.key,
                        "id": issue.id,
                        "old_keys": list(issue.old_keys),
                        "source_id": issue.source_id,
                        "service_desk": issue.desk_id,
                        "project": self.desks[issue.desk_id].project_key,
                        "request_type": issue.request_type_id,
                        "status": issue.status,
                        "labels": list(issue.labels),
                        "properties": json.loads(json.dumps(issue.properties)),
                        "assignee": assignee.email if assignee else None,
                        "reporter": {
                            "email": reporter.email,
                            "displayName": reporter.display_name,
                            "accountId": reporter.account_id,
                        },
                        "summary": issue.summary,
                        "created": issue.created.isoformat(),
                        "updated": issue.updated.isoformat(),
                        "comments": [self._comment_state(c) for c in issue.comments],
                        "history": [
                            {
                                "author": self.users[h.author_id].role,
                                "created": h.created.isoformat(),
                                "items": [
                                    {"field": it.field, "from": it.from_string, "to": it.to_string}
                                    for it in h.items
                                ],
                            }
                            for h in issue.history
                        ],
                    }
                )
            tasks = [
                {"taskId": t.id, "status": t.status, "targets": dict(t.targets)}
                for t in self.tasks.values()
            ]
            return {"tickets": tickets, "tasks": tasks}

    def _comment_state(self, c: SComment) -> dict[str, Any]:
        author = self.users[c.author_id]
        return {
            "id": c.id,
            "author_role": author.role,
            "author": author.email,
            "author_account": author.account_id,
            "public": c.public,
            "body": c.body,
            "created": c.created.isoformat(),
        }


def _json_lines(text: str, source: str) -> Iterator[dict[str, Any]]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{source}:{lineno}: not valid JSON ({exc.msg})") from exc
