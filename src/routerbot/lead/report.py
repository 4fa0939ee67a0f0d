"""``routerbot report --html FILE``: the lead's page — what the bot decided over time,
how often agents undid it, public replies against internal notes, the breaker and the
parked tickets.

:func:`report_facts` reads the histories (pure); :func:`render_report_html` draws them
with :mod:`routerbot.lead.html`. Parked tickets live in the daemon's state store, not
in Jira: they are shown when the store is given and exposes them
(:class:`ParkedSource`), and the page says where each figure comes from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from routerbot.domain import AuthorRole, TicketHistory, aware
from routerbot.lead import html as h
from routerbot.lead.recognise import FaqRecogniser, asked_browser
from routerbot.lead.undo import NONE, UndoRate, UndoScan, undo_rates

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from routerbot.config import RoutingConfig
    from routerbot.ports import StateStore

OTHER = "(other reply)"


def held_prefix(config: RoutingConfig) -> str:
    """How the bot's note for a public reply it held back begins (``texts.reply_held``
    up to its first placeholder)."""
    return config.texts.reply_held.split("{", 1)[0].rstrip(" (")


@runtime_checkable
class ParkedSource(Protocol):
    """A state store that lists the tickets the daemon set aside after repeated failures."""

    def parked_tickets(self) -> Sequence[Any]: ...


@dataclass(frozen=True, slots=True)
class BreakerNow:
    """The breaker as the state store sees it: public replies in the last hour."""

    sent_last_hour: int
    cap: int

    @property
    def open(self) -> bool:
        return self.sent_last_hour >= self.cap


@dataclass(frozen=True, slots=True)
class Parked:
    key: str
    until: datetime | None
    detail: str = ""


@dataclass
class ReportFacts:
    """What the page shows, counted once from the histories."""

    tickets: int = 0
    days: list[date] = field(default_factory=list)
    by_category: dict[str, Counter[date]] = field(default_factory=dict)
    by_faq: dict[str, Counter[date]] = field(default_factory=dict)
    public: Counter[date] = field(default_factory=Counter)
    notes: Counter[date] = field(default_factory=Counter)
    peak_hour: Counter[date] = field(default_factory=Counter)  # most public replies in 1 h
    held: list[tuple[str, datetime | None, str]] = field(default_factory=list)  # key, at, why
    rates: list[UndoRate] = field(default_factory=list)
    scan: UndoScan = field(default_factory=UndoScan)


def _day(at: datetime | None) -> date | None:
    return aware(at).date() if at is not None else None


def report_facts(
    histories: Iterable[TicketHistory],
    scan: UndoScan,
    config: RoutingConfig,
    recogniser: FaqRecogniser | None = None,
) -> ReportFacts:
    rec = recogniser or FaqRecogniser(config)
    facts = ReportFacts(scan=scan, rates=undo_rates(scan))
    prefix = held_prefix(config)
    decided: set[tuple[str, date]] = set()
    per_hour: Counter[datetime] = Counter()
    by_category: dict[str, Counter[date]] = defaultdict(Counter)
    by_faq: dict[str, Counter[date]] = defaultdict(Counter)
    for history in histories:
        facts.tickets += 1
        key, bot = history.ticket.key, history.bot_account_id
        events: list[datetime | None] = [
            ch.at for ch in history.changes if bot and ch.author_id == bot
        ]
        for c in history.ticket.comments:
            if c.author is not AuthorRole.BOT:
                continue
            events.append(c.created)
            if c.created is None:
                continue
            at = aware(c.created)
            day = at.date()
            if c.public:
                facts.public[day] += 1
                per_hour[at.replace(minute=0, second=0, microsecond=0)] += 1
                faq = rec.faq_of(c.body) or (
                    config.login_failure.faq if asked_browser(c, config, rec) else OTHER
                )
                by_faq[faq][day] += 1
            else:
                facts.notes[day] += 1
                if prefix and c.body.startswith(prefix):
                    why = c.body[len(prefix) :].split(")", 1)[0].strip(" (")
                    facts.held.append((key, c.created, why))
        for when in events:
            when_day = _day(when)
            if when_day is None or (key, when_day) in decided:
                continue
            decided.add((key, when_day))
            cat = config.category_at(history.location_at(when))
            by_category[cat.value if cat else NONE][when_day] += 1
    for hour, n in per_hour.items():
        day = hour.date()
        facts.peak_hour[day] = max(facts.peak_hour[day], n)
    all_days = {d for _, d in decided} | set(facts.public) | set(facts.notes)
    if all_days:
        first, last = min(all_days), max(all_days)
        facts.days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    facts.by_category = dict(sorted(by_category.items()))
    facts.by_faq = dict(sorted(by_faq.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])))
    return facts


def parked_from(store: object) -> list[Parked] | None:
    """The parked tickets of a state store, or None when it does not expose them."""
    if not isinstance(store, ParkedSource):
        return None
    out = []
    for state in store.parked_tickets():
        until = getattr(state, "parked_until", None)
        failures = getattr(state, "failures", 0)
        error = str(getattr(state, "last_error", ""))[:120]
        out.append(Parked(str(getattr(state, "key", "?")), until, f"{failures} failures: {error}"))
    return out


def breaker_from(store: StateStore, config: RoutingConfig, now: datetime) -> BreakerNow:
    """Public replies the store counts in the last hour, against the cap."""
    sent = store.count_public_replies_since(now - timedelta(hours=1))
    return BreakerNow(sent, config.loop_guard.max_public_replies_per_hour)


# --------------------------------------------------------------------------- page


def _series(
    counters: dict[str, Counter[date]], days: Sequence[date]
) -> list[tuple[str, list[float]]]:
    return [(name, [float(c[d]) for d in days]) for name, c in counters.items()]


def _rate_bars(rows: Sequence[UndoRate], label_of: str) -> list[h.Bar]:
    """One bar per category (``label_of="category"``) or FAQ entry, kinds summed."""
    done: Counter[str] = Counter()
    undone: Counter[str] = Counter()
    for r in rows:
        name = r.category if label_of == "category" else r.faq
        if name == NONE:
            continue
        done[name] += r.actions
        undone[name] += r.undone
    bars = []
    for name in sorted(done, key=lambda n: (-(undone[n] / done[n] if done[n] else 0), n)):
        rate = undone[name] / done[name] if done[name] else 0.0
        color = h.PALETTE[3] if rate >= 0.2 else h.PALETTE[1] if rate >= 0.1 else h.PALETTE[2]
        bars.append(h.Bar(name, rate, f"{undone[name]} of {done[name]} ({rate:.0%})", color))
    return bars


def render_report_html(
    facts: ReportFacts,
    config: RoutingConfig,
    *,
    query: str,
    generated: datetime,
    parked: list[Parked] | None = None,
    breaker: BreakerNow | None = None,
    store_note: str = "",
) -> str:
    labels = [d.strftime("%d %b") for d in facts.days]
    total_actions = len(facts.scan.actions)
    undone = len(facts.scan.undos)
    cap = config.loop_guard.max_public_replies_per_hour
    body = [
        h.kpis(
            [
                (str(facts.tickets), "tickets read"),
                (str(total_actions), "bot reroutes and public replies"),
                (
                    f"{undone} ({undone / total_actions:.1%})" if total_actions else "0",
                    "undone by agents",
                ),
                (str(sum(facts.public.values())), "public replies"),
                (str(sum(facts.notes.values())), "internal notes"),
                (str(len(facts.held)), "public replies turned into notes"),
            ]
        ),
        h.section(
            "Decisions over time",
            h.subheading("Tickets the bot acted on, per day, by category"),
            h.stacked_columns(
                labels, _series(facts.by_category, facts.days), title="Decisions per category"
            ),
            h.subheading("Public replies per day, by FAQ entry"),
            h.stacked_columns(
                labels, _series(facts.by_faq, facts.days), title="Public replies per FAQ entry"
            ),
            note="A ticket counts once per day it was acted on, in the category of the "
            "place the bot left it; a reply counts under the FAQ entry its text carries "
            "(the browser question under the login-failure entry).",
        ),
        h.section(
            "How often agents undo the bot",
            h.subheading("Per category (reroutes reverted and replies corrected)"),
            h.bar_chart(
                _rate_bars(facts.rates, "category"), title="Undo rate per category", max_value=1.0
            ),
            h.subheading("Per FAQ entry (replies corrected in public by an agent)"),
            h.bar_chart(
                _rate_bars(facts.rates, "faq"), title="Undo rate per FAQ entry", max_value=1.0
            ),
            h.table(
                ["kind", "category", "FAQ entry", "undone", "of", "rate"],
                [
                    (r.kind, r.category, r.faq, r.undone, r.actions, f"{r.rate:.1%}")
                    for r in facts.rates
                ],
                numeric=(3, 4, 5),
            ),
            note="reroute_reverted: the bot moved the ticket and an agent put it elsewhere; "
            "reply_corrected: an agent replied in public after the bot's reply, before "
            "the customer wrote again (internal notes in between do not count).",
        ),
        h.section(
            "Public replies and internal notes",
            h.stacked_columns(
                labels,
                [
                    ("public replies", [float(facts.public[d]) for d in facts.days]),
                    ("internal notes", [float(facts.notes[d]) for d in facts.days]),
                ],
                title="Bot public replies and internal notes per day",
            ),
            note="Everything the bot wrote, per day: what customers saw against what only "
            "agents saw.",
        ),
        _breaker_section(facts, labels, cap, breaker),
        _parked_section(parked, store_note),
        h.paragraph(f"Query: {query}"),
    ]
    subtitle = f"Generated {generated:%Y-%m-%d %H:%M} UTC from Jira's comments and changelog" + (
        f", {facts.days[0]:%d %b %Y} – {facts.days[-1]:%d %b %Y}" if facts.days else ""
    )
    return h.page("routerbot — what the bot did, and what agents undid", body, subtitle=subtitle)


def _breaker_section(
    facts: ReportFacts, labels: Sequence[str], cap: int, now: BreakerNow | None
) -> str:
    rows = [(key, f"{aware(at):%Y-%m-%d %H:%M}" if at else "", why) for key, at, why in facts.held]
    parts = []
    if now is not None:
        state = "OPEN: public replies are deferred" if now.open else "closed"
        parts.append(
            h.kpis([(state, f"now: {now.sent_last_hour} public replies in the last hour of {cap}")])
        )
    parts += [
        h.line_chart(
            labels,
            [("most public replies in one hour", [float(facts.peak_hour[d]) for d in facts.days])],
            title="Busiest hour per day against the breaker's cap",
            threshold=(f"cap: {cap} public replies per hour", float(cap)),
        ),
        h.subheading(f"Public replies turned into notes for the agents ({len(rows)})"),
        h.table(["ticket", "when", "why"], rows) if rows else h.paragraph("None."),
    ]
    source = (
        "Now: read from the daemon's state store (--state-url). "
        if now is not None
        else "The breaker's state now is in the state store (--state-url) and the metric "
        "routerbot_breaker_open. "
    ) + "Per day: read from Jira (the bot's public replies and its notes)."
    return h.section(
        "The breaker",
        *parts,
        note="While the bot has sent loop_guard.max_public_replies_per_hour public replies "
        "in the last hour, the breaker defers every further reply (the tickets stay "
        "pending until the hour allows, or 'routerbot breaker reset'). Replies held by the "
        "per-ticket cap or a repeated text become internal notes, listed below.",
        source=source,
    )


def _parked_section(parked: list[Parked] | None, store_note: str) -> str:
    if parked is None:
        return h.section(
            "Parked tickets",
            h.paragraph("Not shown."),
            source=store_note
            or "Parked tickets live in the daemon's state store, not in Jira: run "
            "'routerbot report --html FILE --state-url URL' with the daemon's store to list them.",
        )
    rows = [
        (p.key, f"{aware(p.until):%Y-%m-%d %H:%M}" if p.until else "", p.detail) for p in parked
    ]
    return h.section(
        "Parked tickets",
        h.table(["ticket", "parked until", "state"], rows)
        if rows
        else h.paragraph("No ticket is parked."),
        note="Tickets the daemon set aside after failing again and again; "
        "they are retried after the date shown.",
        source=store_note or "Read from the daemon's state store.",
    )
