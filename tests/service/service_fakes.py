"""Port fakes for the service and e2e tests: an in-memory service desk with scripted faults, a
clock, and a tiny rule-based ``decide`` (the real engine is tested on its own).

The fakes behave like Jira where it matters to exactly-once execution: every write
bumps ``updated``; a fault can strike *after* the write committed (the ambiguous case).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.fakes import FakeClock

from routerbot.config import RoutingConfig, load_config
from routerbot.domain import (
    AuthorRole,
    Category,
    Comment,
    Decision,
    InternalNote,
    Person,
    Population,
    PublicReply,
    Reroute,
    Target,
    Ticket,
    Transition,
)
from routerbot.errors import NotFound
from routerbot.observability import Metrics
from routerbot.ports import BotRecord, MoveProgress, MoveState, TicketSnapshot
from routerbot.service import TriageService

ROOT = Path(__file__).resolve().parents[2]

BOT_ID = "bot-account"


@dataclass
class Fault:
    """Raise ``exc`` on the next call of ``op``; ``after_commit`` applies the write first."""

    op: str
    exc: Exception
    after_commit: bool = False


@dataclass
class FakeDesk:
    """An in-memory ``ServiceDesk``. ``writes`` logs every write that took effect."""

    clock: FakeClock
    tickets: dict[str, Ticket] = field(default_factory=dict)
    records: dict[str, BotRecord] = field(default_factory=dict)
    writes: list[tuple[str, str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    moved: dict[str, str] = field(default_factory=dict)
    move_polls: int = 0  # looks at a bulk-move task before it completes
    reads: int = 0  # single-ticket reads (``get``)
    tasks: dict[str, list[Any]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    # helpers for tests -------------------------------------------------------
    def add(
        self,
        key: str,
        summary: str,
        description: str = "",
        *,
        desk: str = "3",
        rtype: str = "86",
        email: str = "marie@exportfruits.fr",
    ) -> Ticket:
        self.clock.sleep(1)
        ticket = Ticket(
            key=key,
            issue_id=str(next(self._ids)),
            service_desk=desk,
            request_type=rtype,
            summary=summary,
            description=description,
            reporter=Person("Marie", email, "cust-1"),
            status="Waiting for support",
            created=self.clock.now(),
            updated=self.clock.now(),
        )
        self.tickets[key] = ticket
        return ticket

    def customer_says(self, key: str, body: str) -> None:
        self._comment(key, body, AuthorRole.CUSTOMER, public=True)

    def public_bot_comments(self, key: str) -> list[Comment]:
        return [
            c
            for c in self.tickets[self._resolve(key)].comments
            if c.author is AuthorRole.BOT and c.public
        ]

    def bot_comments(self, key: str) -> list[Comment]:
        return [c for c in self.tickets[self._resolve(key)].comments if c.author is AuthorRole.BOT]

    def write_ops(self) -> list[str]:
        return [op for op, _, _ in self.writes]

    # internals ---------------------------------------------------------------
    def _resolve(self, key: str) -> str:
        by_id = {t.issue_id: k for k, t in self.tickets.items()}
        key = by_id.get(key, key)
        while key in self.moved:
            key = self.moved[key]
        if key not in self.tickets:
            raise NotFound(f"{key} not found", status=404)
        return key

    def _fault(self, op: str) -> Fault | None:
        for f in self.faults:
            if f.op == op:
                self.faults.remove(f)
                if not f.after_commit:
                    raise f.exc
                return f
        return None

    def _bump(self, key: str, **changes: Any) -> None:
        self.clock.sleep(1)
        self.tickets[key] = replace(self.tickets[key], updated=self.clock.now(), **changes)

    def _comment(self, key: str, body: str, author: AuthorRole, *, public: bool) -> str:
        key = self._resolve(key)
        cid = str(next(self._ids))
        comment = Comment(
            cid,
            author,
            body,
            public,
            self.clock.now(),
            BOT_ID if author is AuthorRole.BOT else "cust-1",
        )
        status = self.tickets[key].status
        if author is AuthorRole.CUSTOMER and status == "Waiting for customer":
            status = "Waiting for support"
        self._bump(key, comments=(*self.tickets[key].comments, comment), status=status)
        return cid

    # the port ----------------------------------------------------------------
    def whoami(self) -> str:
        return BOT_ID

    def poll(self, updated_since: datetime | None) -> Iterator[TicketSnapshot]:
        self._fault("poll")
        items = sorted(self.tickets.values(), key=lambda t: (t.updated, t.key))
        for t in items:
            if updated_since is None or (t.updated and t.updated >= updated_since):
                yield TicketSnapshot(t, self.records.get(t.key, BotRecord()))

    def get(self, key: str) -> TicketSnapshot:
        self.reads += 1
        self._fault("get")
        key = self._resolve(key)
        return TicketSnapshot(self.tickets[key], self.records.get(key, BotRecord()))

    def post_comment(self, key: str, body: str, *, public: bool) -> str:
        fault = self._fault("post_comment")
        cid = self._comment(key, body, AuthorRole.BOT, public=public)
        self.writes.append(("post_comment", key, {"body": body, "public": public}))
        if fault:
            raise fault.exc
        return cid

    def set_request_type(self, key: str, request_type: str) -> None:
        fault = self._fault("set_request_type")
        key = self._resolve(key)
        self._bump(key, request_type=request_type)
        self.writes.append(("set_request_type", key, request_type))
        if fault:
            raise fault.exc

    def start_move(self, key: str, target: Target) -> str:
        fault = self._fault("move")
        key = self._resolve(key)
        task = f"t{next(self._ids)}"
        self.tasks[task] = [key, target, self.move_polls, ""]
        self.writes.append(("move", key, str(target)))
        if fault and not fault.after_commit:
            raise fault.exc
        if self.move_polls == 0:
            self._complete(task)
        if fault:
            raise fault.exc
        return task

    def move_progress(self, task_id: str) -> MoveProgress:
        self._fault("move_progress")
        entry = self.tasks[task_id]
        if not entry[3]:
            if entry[2] > 0:
                entry[2] -= 1
                return MoveProgress(MoveState.RUNNING)
            self._complete(task_id)
        return MoveProgress(MoveState.DONE, ref=entry[3])

    def _complete(self, task_id: str) -> None:
        entry = self.tasks[task_id]
        key, target = entry[0], entry[1]
        new_key = f"SD{target.service_desk}-{next(self._ids)}"
        self.tickets[new_key] = replace(
            self.tickets.pop(key),
            key=new_key,
            service_desk=target.service_desk,
            request_type="",
        )
        if key in self.records:
            self.records[new_key] = self.records.pop(key)
        self.moved[key] = new_key
        self._bump(new_key)
        entry[3] = new_key

    def transition(self, key: str, status: str) -> bool:
        fault = self._fault("transition")
        key = self._resolve(key)
        if self.tickets[key].status == status:
            return False
        self._bump(key, status=status)
        self.writes.append(("transition", key, status))
        if fault:
            raise fault.exc
        return True

    def save_record(
        self,
        key: str,
        record: BotRecord,
        *,
        add_labels: Sequence[str] = (),
        request_type: str = "",
    ) -> None:
        fault = self._fault("save_record")
        key = self._resolve(key)
        self.records[key] = record
        labels = tuple(dict.fromkeys((*self.tickets[key].labels, *add_labels)))
        changes: dict[str, Any] = {"labels": labels}
        if request_type:
            changes["request_type"] = request_type
        self._bump(key, **changes)
        self.writes.append(("save_record", key, record))
        if fault:
            raise fault.exc


# --------------------------------------------------------------------------- fake engine


def _trigger(ticket: Ticket) -> tuple[str, str]:
    customer = [c for c in ticket.comments if c.author is AuthorRole.CUSTOMER]
    if customer:
        return customer[-1].id, customer[-1].body
    return "created", f"{ticket.summary} {ticket.description}"


def fake_decide(ticket: Ticket, config: Any) -> Decision:
    """Tiny rules: ``connexion`` → ask for the browser; a browser answer → note + hand
    back; ``agent DDPP`` → reroute to 4/87; otherwise the ``nous-contacter`` FAQ."""
    base = {"key": ticket.key, "category_confidence": 0.9, "population": Population.OPERATEUR}
    if ticket.comments and ticket.comments[-1].author is AuthorRole.BOT:
        return Decision(category=None, target=None, skip_reason="last word is the bot's", **base)  # type: ignore[arg-type]  # base holds the right types
    trigger, text = _trigger(ticket)
    if "routerbot" in ticket.labels and trigger == "created":
        return Decision(category=None, target=None, skip_reason="already handled", **base)  # type: ignore[arg-type]
    target = Target("3", "86")
    actions: list[Any] = []
    if "DDPP" in text:
        target = Target("4", "87")
    if ticket.location != target:
        actions.append(Reroute(ticket.location, target))
    if "firefox 115" in text.lower():
        actions += [
            InternalNote("Navigateur : firefox 115", purpose="browser"),
            Transition("waiting_for_support"),
        ]
        return Decision(
            category=Category.ASSISTANCE_OPERATEUR,
            target=target,
            actions=tuple(actions),
            trigger_id=trigger,
            reason="browser given",
            **base,
        )  # type: ignore[arg-type]
    if "connexion" in text.lower():
        asks = sum(1 for c in ticket.comments if c.author is AuthorRole.BOT and c.public)
        actions += [
            PublicReply(
                "Quel navigateur et quelle version ?",
                None,
                "ask_browser" if asks == 0 else "ask_browser_again",
            ),
            Transition("waiting_for_customer"),
        ]
        return Decision(
            category=Category.ASSISTANCE_OPERATEUR,
            target=target,
            actions=tuple(actions),
            trigger_id=trigger,
            ask_browser=True,
            reason="login failure, browser missing",
            **base,
        )  # type: ignore[arg-type]
    actions.append(PublicReply("Écrivez-nous via le formulaire 86.", "nous-contacter", "faq"))
    return Decision(
        category=Category.ASSISTANCE_OPERATEUR,
        target=target,
        actions=tuple(actions),
        trigger_id=trigger,
        faq_id="nous-contacter",
        faq_confidence=0.9,
        reason="faq",
        **base,
    )  # type: ignore[arg-type]


def fake_decide_followup(
    ticket: Ticket,
    *,
    asks: int,
    reminded: bool,
    waiting_since: datetime | None,
    now: datetime,
    config: Any,
) -> Decision:
    base = {
        "key": ticket.key,
        "category": Category.ASSISTANCE_OPERATEUR,
        "category_confidence": 0.9,
        "population": Population.OPERATEUR,
        "target": None,
    }
    if waiting_since is None:
        return Decision(skip_reason="not waiting", **base)  # type: ignore[arg-type]
    days = (now - waiting_since).total_seconds() / 86400
    if days >= 7:
        return Decision(
            actions=(
                InternalNote("Pas de réponse : aux agents.", "handover"),
                Transition("waiting_for_support"),
            ),
            trigger_id=f"handover:{waiting_since.isoformat()}",
            **base,
        )  # type: ignore[arg-type]
    if days >= 3 and not reminded:
        return Decision(
            actions=(PublicReply("Rappel : quel navigateur ?", None, "reminder"),),
            trigger_id=f"reminder:{waiting_since.isoformat()}",
            **base,
        )  # type: ignore[arg-type]
    return Decision(skip_reason="too early", **base)  # type: ignore[arg-type]


def routing_config(**loop_guard: int) -> RoutingConfig:
    """The shipped, validated routing.toml, with loop-guard limits overridden."""
    config = load_config(ROOT / "config" / "routing.toml")
    if not loop_guard:
        return config
    guard = config.loop_guard.model_copy(update=loop_guard)
    return config.model_copy(update={"loop_guard": guard})


def make_service(desk: Any, store: Any, clock: FakeClock, **kw: Any) -> TriageService:
    kw.setdefault("config", routing_config())
    kw.setdefault("owner", "replica-a")
    return TriageService(
        desk,
        store,
        clock=clock,
        metrics=kw.pop("metrics", Metrics()),
        decide=fake_decide,
        decide_followup=fake_decide_followup,
        **kw,
    )
