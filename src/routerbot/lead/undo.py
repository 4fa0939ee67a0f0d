"""How often agents undo the bot: ``routerbot report`` and the metric
``routerbot_agent_undo_total{kind,category,faq}``."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from routerbot.domain import AuthorRole, Comment, LocationChange, Target, TicketHistory, aware
from routerbot.lead.recognise import FaqRecogniser, asks_browser

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from prometheus_client import CollectorRegistry
    from prometheus_client import Counter as PromCounter

    from routerbot.config import RoutingConfig
    from routerbot.ports import TicketHistorySource

#: The name of the undo counter the daemon exposes.
UNDO_METRIC = "routerbot_agent_undo_total"
UNDO_KINDS = ("reroute_reverted", "reply_corrected")
NONE = "-"


@dataclass(frozen=True, slots=True)
class BotAction:
    """Something the bot did that an agent could undo."""

    key: str
    kind: str  # "reroute" | "reply"
    category: str
    faq: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class UndoEvent:
    key: str
    kind: str  # "reroute_reverted" | "reply_corrected"
    category: str
    faq: str
    at: datetime | None
    detail: str = ""

    @property
    def event_id(self) -> str:
        when = self.at.isoformat() if self.at else ""
        return f"{self.key}|{self.kind}|{when}"


@dataclass(frozen=True, slots=True)
class UndoScan:
    """The bot's actions on a set of tickets and the ones agents undid."""

    actions: tuple[BotAction, ...] = ()
    undos: tuple[UndoEvent, ...] = ()


def detect_undos(
    history: TicketHistory, config: RoutingConfig, recogniser: FaqRecogniser | None = None
) -> UndoScan:
    """Find where an agent undid the bot on one ticket.

    * ``reroute_reverted``: the bot moved the ticket (request type and/or desk) and a
      later change by someone else put it somewhere other than the bot's target;
    * ``reply_corrected``: a public bot reply was followed, before the customer wrote
      again, by a public reply from an agent, whatever internal notes (the bot's own
      triage note included) sit between.
    """
    rec = recogniser or FaqRecogniser(config)
    a1, u1 = _reroute_undos(history, config)
    a2, u2 = _reply_undos(history, config, rec)
    return UndoScan((*a1, *a2), (*u1, *u2))


def _bot_runs(
    states: list[tuple[LocationChange | None, Target]], bot: str
) -> Iterator[tuple[int, int]]:
    """(first, last) indexes of each run of consecutive changes made by the bot."""
    i = 1
    while i < len(states):
        ch = states[i][0]
        if ch is None or not bot or ch.author_id != bot:
            i += 1
            continue
        j = i
        while j + 1 < len(states):
            nxt = states[j + 1][0]
            if nxt is None or nxt.author_id != bot:
                break
            j += 1
        yield i, j
        i = j + 1


def _reroute_undos(
    history: TicketHistory, config: RoutingConfig
) -> tuple[list[BotAction], list[UndoEvent]]:
    bot, key = history.bot_account_id, history.ticket.key
    states = history.locations()
    actions: list[BotAction] = []
    undos: list[UndoEvent] = []
    for first, last in _bot_runs(states, bot):
        target, before = states[last][1], states[first - 1][1]
        if target == before:
            continue
        cat = config.category_at(target)
        cat_name = cat.value if cat else NONE
        start = states[first][0]
        at = start.at if start is not None else None
        actions.append(BotAction(key, "reroute", cat_name, NONE, at))
        for later, loc in states[last + 1 :]:
            if later is None or later.author_id == bot or not loc.request_type:
                continue
            if loc != target:
                detail = f"bot put it in {target}, an agent moved it to {loc}"
                undos.append(UndoEvent(key, "reroute_reverted", cat_name, NONE, later.at, detail))
            break
    return actions, undos


def _reply_undos(
    history: TicketHistory, config: RoutingConfig, rec: FaqRecogniser
) -> tuple[list[BotAction], list[UndoEvent]]:
    key = history.ticket.key
    comments = list(history.ticket.comments)
    actions: list[BotAction] = []
    undos: list[UndoEvent] = []
    for n, c in enumerate(comments):
        if c.author is not AuthorRole.BOT or not c.public:
            continue
        faq = rec.faq_of(c.body) or (
            config.login_failure.faq if asks_browser(c.body, config) else NONE
        )
        cat = config.category_at(history.location_at(c.created))
        cat_name = cat.value if cat else NONE
        actions.append(BotAction(key, "reply", cat_name, faq, c.created))
        correction = _correction_of(comments[n + 1 :])
        if correction is not None:
            detail = "an agent answered publicly after the bot's reply"
            undos.append(
                UndoEvent(key, "reply_corrected", cat_name, faq, correction.created, detail)
            )
    return actions, undos


def _correction_of(later: Iterable[Comment]) -> Comment | None:
    """The agent's public reply that corrects a bot reply, among the comments after it:
    internal notes (the bot's own triage note, agents' notes) are skipped; the
    customer writing again, or the bot replying again, closes the window."""
    for c in later:
        if not c.public:
            continue
        if c.author is AuthorRole.AGENT:
            return c
        return None  # the customer wrote again, or the bot replied again
    return None


def merge_scans(scans: Iterable[UndoScan]) -> UndoScan:
    actions: list[BotAction] = []
    undos: list[UndoEvent] = []
    for s in scans:
        actions.extend(s.actions)
        undos.extend(s.undos)
    return UndoScan(tuple(actions), tuple(undos))


@dataclass(frozen=True, slots=True)
class UndoRate:
    kind: str
    category: str
    faq: str
    actions: int
    undone: int

    @property
    def rate(self) -> float:
        return self.undone / self.actions if self.actions else 0.0


_UNDO_OF = {"reroute": "reroute_reverted", "reply": "reply_corrected"}


def undo_rates(scan: UndoScan) -> list[UndoRate]:
    """Undo rate per (kind, category, FAQ entry), most undone first."""
    done = Tally((_UNDO_OF[a.kind], a.category, a.faq) for a in scan.actions)
    undone = Tally((u.kind, u.category, u.faq) for u in scan.undos)
    rows = [
        UndoRate(kind, cat, faq, done[(kind, cat, faq)], undone[(kind, cat, faq)])
        for (kind, cat, faq) in sorted(set(done) | set(undone))
    ]
    rows.sort(key=lambda r: (-r.rate, -r.undone, r.kind, r.category, r.faq))
    return rows


def render_undo_report(scan: UndoScan, tickets: int) -> str:
    rows = undo_rates(scan)
    total_actions = len(scan.actions)
    lines = [
        f"{tickets} tickets read, {total_actions} bot actions, {len(scan.undos)} undone by agents"
        + (f" ({len(scan.undos) / total_actions:.1%})" if total_actions else "")
    ]
    if not rows:
        return lines[0] + "\n"
    lines.append("")
    lines.append(f"{'kind':<18} {'category':<22} {'faq':<24} {'undone':>7} {'of':>5} {'rate':>7}")
    for r in rows:
        lines.append(
            f"{r.kind:<18} {r.category:<22} {r.faq:<24} {r.undone:>7} {r.actions:>5} {r.rate:>7.1%}"
        )
    if scan.undos:
        lines.append("")
        lines.append("undone:")
        for u in scan.undos:
            lines.append(f"  {u.key}  {u.kind}  {u.detail}")
    return "\n".join(lines) + "\n"


# =========================================================================== metric


def undo_counter(registry: CollectorRegistry | None = None) -> PromCounter:
    """The ``routerbot_agent_undo_total{kind,category,faq}`` counter, registered in
    ``registry`` (the default registry when None)."""
    from prometheus_client import REGISTRY  # noqa: PLC0415
    from prometheus_client import Counter as _Counter  # noqa: PLC0415

    return _Counter(
        UNDO_METRIC.removesuffix("_total"),
        "Times an agent undid the bot: kind is reroute_reverted or reply_corrected.",
        ("kind", "category", "faq"),
        registry=registry if registry is not None else REGISTRY,
    )


@dataclass
class UndoTracker:
    """Counts each undo once in the metric, ignoring undos that happened before ``since``
    (so a restart does not count history again). The daemon calls :meth:`observe` with
    the histories of tickets it re-reads (:func:`observe_recent_undos`)."""

    counter: PromCounter
    config: RoutingConfig
    since: datetime | None = None
    _seen: set[str] = field(default_factory=set)

    def observe(self, history: TicketHistory) -> list[UndoEvent]:
        new = []
        for undo in detect_undos(history, self.config).undos:
            if undo.event_id in self._seen:
                continue
            if self.since is not None and (undo.at is None or aware(undo.at) < self.since):
                continue
            self._seen.add(undo.event_id)
            self.counter.labels(undo.kind, undo.category, undo.faq).inc()
            new.append(undo)
        return new


def observe_recent_undos(
    source: TicketHistorySource, tracker: UndoTracker, *, minutes: int = 60, limit: int = 500
) -> list[UndoEvent]:
    """For the daemon's periodic job: re-read the tickets the bot labelled that were
    updated in the last ``minutes`` and count new undos in the tracker's counter
    (wired by :func:`routerbot.bootstrap.build_app`)."""
    projects = ", ".join(f'"{p}"' for p in source.projects())
    label = tracker.config.labels.handled
    jql = (
        f'project in ({projects}) AND labels = "{label}" AND updated >= -{int(minutes)}m '
        "ORDER BY updated ASC"
    )
    new: list[UndoEvent] = []
    for history in source.history(jql, limit=limit):
        new.extend(tracker.observe(history))
    return new
