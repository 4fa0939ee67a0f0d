"""The support lead's tooling: compare configs, warn about signals, label history, count undos.

Pure functions over domain values, plus one small reader (:func:`read_history`) that
pulls past tickets and their changelog through the Jira adapter's HTTP call policy.

* :func:`compare_configs` / :func:`render_changes` — ``routerbot eval FILE
  --compare-config OLD.toml``: the tickets whose decision changes between two routing
  files, both decisions side by side.
* :func:`config_warnings` — ``routerbot check-config PATH [--tickets FILE]``: phrases
  that overlap between categories, phrases that never fire on a ticket file.
* :func:`label_history` / :func:`export_row` — ``routerbot export``: a past ticket in the
  labelled format of ROUTING.md, labelled from where the agents finally put it and
  what was finally answered publicly.
* :func:`detect_undos` / :func:`undo_rates` / :class:`UndoTracker` — ``routerbot
  report`` and the metric ``routerbot_agent_undo_total{kind,category,faq}``: how often
  agents undo the bot (a reroute moved elsewhere, a public bot reply followed by an
  agent's public correction).
"""

from __future__ import annotations

import itertools
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from routerbot.domain import AuthorRole, Category, Comment, Decision, Population, Target, Ticket
from routerbot.labelled import ticket_to_labelled

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from prometheus_client import CollectorRegistry
    from prometheus_client import Counter as PromCounter

    from routerbot.config import RoutingConfig, SignalSet
    from routerbot.jsm.adapter import JiraServiceDesk

Decide = Callable[[Ticket, "RoutingConfig"], Decision]

#: The name of the undo counter the daemon exposes.
UNDO_METRIC = "routerbot_agent_undo_total"
UNDO_KINDS = ("reroute_reverted", "reply_corrected")
NONE = "-"


# =========================================================================== comparison


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    """The part of a decision a support lead compares (the labelled ``expected`` fields)."""

    category: str | None
    reroute: str | None
    faq: str | None
    ask_browser: bool
    auto_reply: bool

    FIELDS = ("category", "reroute", "faq", "ask_browser", "auto_reply")

    @classmethod
    def of(cls, decision: Decision) -> DecisionSummary:
        reroute = decision.reroute
        return cls(
            category=decision.category.value if decision.category else None,
            reroute=str(reroute.target) if reroute else None,
            faq=decision.reply_faq,
            ask_browser=decision.ask_browser,
            auto_reply=bool(decision.public_replies),
        )

    def value(self, name: str) -> str:
        v = getattr(self, name)
        if v is None:
            return NONE
        if isinstance(v, bool):
            return "yes" if v else "no"
        return str(v)


@dataclass(frozen=True, slots=True)
class DecisionChange:
    key: str
    old: DecisionSummary
    new: DecisionSummary

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(
            f for f in DecisionSummary.FIELDS if getattr(self.old, f) != getattr(self.new, f)
        )


def _default_decide() -> Decide:
    import importlib  # noqa: PLC0415

    engine = importlib.import_module("routerbot.engine")  # heavy: load on use
    decide: Decide = engine.decide
    return decide


def compare_configs(
    tickets: Iterable[Ticket],
    old_config: RoutingConfig,
    new_config: RoutingConfig,
    *,
    decide: Decide | None = None,
) -> list[DecisionChange]:
    """The tickets whose decision differs between ``old_config`` and ``new_config``,
    in input order. ``decide`` defaults to :func:`routerbot.engine.decide`."""
    run = decide or _default_decide()
    changes = []
    for ticket in tickets:
        old = DecisionSummary.of(run(ticket, old_config))
        new = DecisionSummary.of(run(ticket, new_config))
        if old != new:
            changes.append(DecisionChange(ticket.key, old, new))
    return changes


def render_changes(
    changes: Sequence[DecisionChange],
    total: int | None = None,
    *,
    old_label: str = "old",
    new_label: str = "new",
) -> str:
    """A side-by-side table, one block per changed ticket; changed fields marked ``*``."""
    head = f"{len(changes)} of {total} tickets" if total is not None else f"{len(changes)} tickets"
    lines = [f"{head} change decision ({old_label} → {new_label})"]
    if not changes:
        return lines[0] + "\n"
    width = max(
        [len(old_label), *(len(c.old.value(f)) for c in changes for f in DecisionSummary.FIELDS)]
    )
    for change in changes:
        lines.append("")
        lines.append(f"{change.key:<16}  {old_label:<{width}}  {new_label}")
        changed = change.changed
        for name in DecisionSummary.FIELDS:
            mark = "*" if name in changed else " "
            lines.append(
                f"  {mark} {name:<12}  {change.old.value(name):<{width}}  {change.new.value(name)}"
            )
    summary = Tally(f for c in changes for f in c.changed)
    lines.append("")
    lines.append(
        "changed fields: " + ", ".join(f"{name} {summary[name]}" for name in sorted(summary))
    )
    return "\n".join(lines) + "\n"


# =========================================================================== config warnings


@dataclass(frozen=True, slots=True)
class _PhraseRef:
    path: str  # e.g. "categories → habilitation → signals → strong[2]"
    owner: str  # the category (or FAQ id) the phrase speaks for
    phrase: str


_LEVELS = ("strong", "medium", "weak")


def _signal_sets(config: RoutingConfig) -> Iterator[tuple[str, str, SignalSet]]:
    """(path, owner, signal set) of every signal set in the configuration."""
    for cat, cc in config.categories.items():
        yield f"categories → {cat.value} → signals", cat.value, cc.signals
    for fid, entry in config.faq.items():
        yield f"faq → {fid} → signals", f"faq:{fid}", entry.signals
    yield "login_failure → signals", "login_failure", config.login_failure.signals
    for side in ("services_deconcentres", "operateur"):
        yield (
            f"population → {side} → statements",
            f"population:{side}",
            getattr(config.population, side).statements,
        )


def _phrases(config: RoutingConfig, *, negative: bool) -> list[_PhraseRef]:
    levels = (*_LEVELS, "negative") if negative else _LEVELS
    out = []
    for path, owner, signals in _signal_sets(config):
        for level in levels:
            for i, phrase in enumerate(getattr(signals, level)):
                out.append(_PhraseRef(f"{path} → {level}[{i}]", owner, phrase))
    return out


def _ticket_text(ticket: Ticket) -> str:
    parts = [ticket.summary, ticket.description]
    parts.extend(c.body for c in ticket.comments if c.author is AuthorRole.CUSTOMER)
    return "\n".join(parts)


def config_warnings(config: RoutingConfig, tickets: Iterable[Ticket] | None = None) -> list[str]:
    """Warnings a support lead should read before deploying a routing file.

    * a category phrase that also fires a phrase of another category (any text that
      triggers the first triggers the second: the two categories compete on it);
    * with ``tickets``: every phrase and pattern that fires on none of them.
    """
    from routerbot.engine.matching import Matcher  # noqa: PLC0415 - heavy, load on use

    scoring = config.scoring
    refs = _phrases(config, negative=True)
    matcher = Matcher(
        (r.phrase for r in refs), window=scoring.window, typo_min_length=scoring.typo_min_length
    )
    warnings: list[str] = []
    category_refs = [
        r for r in refs if r.path.startswith("categories") and "negative" not in r.path
    ]
    docs = {r.phrase: matcher.doc(r.phrase) for r in category_refs}
    for a, b in itertools.combinations(category_refs, 2):
        if a.owner == b.owner:
            continue
        if matcher.matches(docs[a.phrase], b.phrase) or matcher.matches(docs[b.phrase], a.phrase):
            warnings.append(
                f"overlap: {a.path} {a.phrase!r} and {b.path} {b.phrase!r} fire on the same "
                f"words ({a.owner} vs {b.owner})"
            )
    if tickets is None:
        return warnings
    texts = [_ticket_text(t) for t in tickets]
    ticket_docs = [matcher.doc(t) for t in texts]
    for ref in refs:
        if not any(matcher.matches(d, ref.phrase) for d in ticket_docs):
            warnings.append(
                f"never fires: {ref.path} {ref.phrase!r} matches none of {len(texts)} tickets"
            )
    warnings.extend(_silent_patterns(config, [d.norm for d in ticket_docs]))
    return warnings


def _silent_patterns(config: RoutingConfig, norms: Sequence[str]) -> list[str]:
    import regex  # noqa: PLC0415

    from routerbot.config import PATTERN_TIMEOUT_SECONDS  # noqa: PLC0415

    out = []
    for path, _owner, signals in _signal_sets(config):
        for i, pat in enumerate(signals.patterns):
            compiled = regex.compile(pat.regex)
            fired = False
            for norm in norms:
                try:
                    if compiled.search(norm, timeout=PATTERN_TIMEOUT_SECONDS):
                        fired = True
                        break
                except TimeoutError:
                    continue
            if not fired:
                out.append(
                    f"never fires: {path} → patterns[{i}] {pat.regex!r} matches none of "
                    f"{len(norms)} tickets"
                )
    return out


# =========================================================================== history


@dataclass(frozen=True, slots=True)
class LocationChange:
    """One changelog entry that moved a ticket: its desk, its request type, or both.

    ``None`` for a side the entry did not touch; ``""`` for a cleared value (a move
    clears the request type until it is set again in the new desk).
    """

    at: datetime | None
    author_id: str
    old_desk: str | None = None
    new_desk: str | None = None
    old_request_type: str | None = None
    new_request_type: str | None = None


@dataclass(frozen=True, slots=True)
class TicketHistory:
    """A past ticket as it stands now, with the changes of its location."""

    ticket: Ticket
    changes: tuple[LocationChange, ...] = ()
    bot_account_id: str = ""

    @property
    def final(self) -> Target:
        return self.ticket.location

    def locations(self) -> list[tuple[LocationChange | None, Target]]:
        """The original location (with ``None``), then the location after each change."""
        desk, rtype = self.ticket.service_desk, self.ticket.request_type
        for ch in reversed(self.changes):
            if ch.old_request_type is not None:
                rtype = ch.old_request_type
            if ch.old_desk is not None:
                desk = ch.old_desk
        states: list[tuple[LocationChange | None, Target]] = [(None, Target(desk, rtype))]
        for ch in self.changes:
            if ch.new_desk is not None:
                desk = ch.new_desk
            if ch.new_request_type is not None:
                rtype = ch.new_request_type
            states.append((ch, Target(desk, rtype)))
        return states

    @property
    def original(self) -> Target:
        return self.locations()[0][1]

    def location_at(self, when: datetime | None) -> Target:
        """Where the ticket was at an instant (the final place when unknown)."""
        if when is None:
            return self.final
        current = self.original
        for ch, loc in self.locations()[1:]:
            if ch is not None and ch.at is not None and _aware(ch.at) <= _aware(when):
                current = loc
        return current


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _str(v: object) -> str:
    return "" if v is None else str(v)


def location_changes(
    histories: Iterable[Mapping[str, Any]],
    *,
    request_type_field: str,
    desk_by_project_id: Mapping[str, str],
) -> tuple[LocationChange, ...]:
    """Location changes from Jira changelog entries (``/issue/{key}/changelog`` values),
    oldest first. Request type: the item whose ``fieldId`` is the Customer Request Type
    field (``from``/``to`` are request type ids). Desk: the ``project`` item (``from``/``to``
    are project ids, mapped to service desk ids)."""
    from routerbot.jsm.wire import parse_jira_datetime  # noqa: PLC0415

    out = []
    for entry in histories:
        if not isinstance(entry, Mapping):
            continue
        change = LocationChange(
            at=parse_jira_datetime(entry.get("created")),
            author_id=_str((entry.get("author") or {}).get("accountId")),
        )
        touched = False
        for item in entry.get("items") or []:
            if not isinstance(item, Mapping):
                continue
            fid = _str(item.get("fieldId"))
            name = _str(item.get("field")).casefold()
            if fid == request_type_field or (
                not fid and name in ("customer request type", "request type")
            ):
                change = replace(
                    change,
                    old_request_type=_str(item.get("from")),
                    new_request_type=_str(item.get("to")),
                )
                touched = True
            elif fid == "project" or name == "project":
                old_p, new_p = _str(item.get("from")), _str(item.get("to"))
                change = replace(
                    change,
                    old_desk=desk_by_project_id.get(old_p, old_p),
                    new_desk=desk_by_project_id.get(new_p, new_p),
                )
                touched = True
        if touched:
            out.append(change)
    epoch = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(out, key=lambda c: _aware(c.at) if c.at else epoch))


# =========================================================================== FAQ detection


def _content_stems(text: str) -> list[str]:
    from routerbot.engine.matching import content_stems, normalise  # noqa: PLC0415

    return content_stems(normalise(text))


def _faq_fingerprints(config: RoutingConfig) -> dict[str, list[frozenset[str]]]:
    """The answer words of each FAQ entry (per population's links), without the words
    most answers share (greeting, signature), which tell the entries apart poorly."""
    raw: dict[str, list[frozenset[str]]] = {}
    for fid, entry in config.faq.items():
        variants = []
        for pop in Population:
            try:
                text = config.render(entry.answer, pop)
            except (KeyError, IndexError, ValueError):
                text = entry.answer
            variants.append(frozenset(s for s in _content_stems(text) if len(s) > 2))
        raw[fid] = variants
    spread = Tally(s for variants in raw.values() for s in frozenset().union(*variants))
    common = {s for s, n in spread.items() if n > max(1, len(raw) // 2)}
    return {fid: [v - common for v in variants if v - common] for fid, variants in raw.items()}


class FaqRecogniser:
    """Which FAQ answer a reply carries: the entry whose distinctive answer words the
    reply holds (at least ``min_share`` of them); the largest share wins, then the
    longest answer (a reply quoting one answer also holds most of a shorter one)."""

    def __init__(self, config: RoutingConfig, *, min_share: float = 0.7, min_words: int = 4):
        self._prints = _faq_fingerprints(config)
        self._min_share = min_share
        self._min_words = min_words  # a few shared words are chance, not a quoted answer

    def faq_of(self, body: str) -> str | None:
        words = set(_content_stems(body))
        best: tuple[float, int, str] | None = None
        for fid, variants in self._prints.items():
            for stems in variants:
                hits = len(stems & words)
                share = hits / len(stems)
                if hits < self._min_words or share < self._min_share:
                    continue
                if best is None or (share, hits) > best[:2]:
                    best = (share, hits, fid)
        return best[2] if best else None


def _asks_browser(body: str, config: RoutingConfig) -> bool:
    conv = config.conversation
    if conv.ask_marker and conv.ask_marker in body:
        return True
    from routerbot.engine.matching import normalise  # noqa: PLC0415

    norm = set(normalise(body).split())
    browser = any(normalise(w) in norm for w in conv.browser_words)
    version = any(normalise(w) in norm for w in conv.version_words)
    return browser and version and "?" in body


# =========================================================================== labelling


def category_of(config: RoutingConfig, target: Target) -> Category | None:
    """The category whose target is ``target`` (None when no category routes there)."""
    return next((c for c, cc in config.categories.items() if cc.target == target), None)


def _staff_public(comments: Iterable[Comment]) -> list[Comment]:
    return [c for c in comments if c.public and c.author is not AuthorRole.CUSTOMER]


def label_history(
    history: TicketHistory, config: RoutingConfig, recogniser: FaqRecogniser | None = None
) -> dict[str, Any]:
    """The ``expected`` object of a past ticket, from what the agents finally did.

    * ``category``: the category of the final location (``None`` when it is not one of
      the three targets);
    * ``reroute_to``: the final location when it differs from the original one (the
      request type the customer filed in, read from the changelog);
    * ``faq``: the FAQ entry the last FAQ answer (by the bot or an agent) carries,
      unless an agent corrected it in public before the customer wrote again;
    * ``ask_browser``: a public reply asked for the browser and its version (its FAQ
      entry is then the login-failure one, ``login_failure.faq``, as in ROUTING.md);
    * ``auto_reply``: a FAQ answer or a browser question was sent publicly;
    * ``browser``: the browser and major version the customer states in the exported
      text (:func:`as_filed`), read by the engine's extractor — a text fact, not an
      agent's judgement, so browser accuracy on exported files checks little.
    """
    rec = recogniser or FaqRecogniser(config)
    final, original = history.final, history.original
    category = category_of(config, final)
    staff = _staff_public(history.ticket.comments)
    faq = _final_faq(history.ticket.comments, rec)
    ask = any(_asks_browser(c.body, config) for c in staff)
    if ask and faq is None:  # the browser question carries the login-failure steps
        faq = config.login_failure.faq
    return {
        "category": category.value if category else None,
        "faq": faq,
        "ask_browser": ask,
        "browser": _stated_browser(as_filed(history)),
        "reroute_to": str(final) if final != original and final.request_type else None,
        "auto_reply": bool(faq) or ask,
    }


def _stated_browser(ticket: Ticket) -> dict[str, str | None] | None:
    from routerbot.engine.browser import extract_browser_from_conversation  # noqa: PLC0415

    texts = [ticket.summary, ticket.description]
    texts.extend(c.body for c in ticket.comments if c.author is AuthorRole.CUSTOMER)
    browser = extract_browser_from_conversation(texts)
    return {"name": browser.name, "version": browser.version} if browser else None


def _final_faq(comments: Iterable[Comment], rec: FaqRecogniser) -> str | None:
    """The FAQ entry the last FAQ-carrying public reply holds, unless an agent's public
    reply followed it before the customer wrote again (a correction)."""
    faq: str | None = None
    open_answer = False
    for c in comments:
        if c.author is AuthorRole.CUSTOMER:
            open_answer = False
            continue
        if not c.public:
            continue
        found = rec.faq_of(c.body)
        if found:
            faq, open_answer = found, True
        elif open_answer and c.author is AuthorRole.AGENT:
            faq, open_answer = None, False
    return faq


def as_filed(history: TicketHistory) -> Ticket:
    """The ticket as the bot first saw it: original location, and only the customer's
    comments written before anyone else answered."""
    original = history.original
    leading: list[Comment] = []
    for c in history.ticket.comments:
        if c.author is not AuthorRole.CUSTOMER:
            break
        leading.append(c)
    return replace(
        history.ticket,
        service_desk=original.service_desk,
        request_type=original.request_type,
        comments=tuple(leading),
        assignee=None,
        labels=(),
    )


def export_row(
    history: TicketHistory, config: RoutingConfig, recogniser: FaqRecogniser | None = None
) -> dict[str, Any]:
    """One line of the labelled format for a past ticket."""
    return ticket_to_labelled(as_filed(history), label_history(history, config, recogniser))


# =========================================================================== undo detection


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
      again, by a public reply from an agent.
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
        cat = category_of(config, target)
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
            config.login_failure.faq if _asks_browser(c.body, config) else NONE
        )
        cat = category_of(config, history.location_at(c.created))
        cat_name = cat.value if cat else NONE
        actions.append(BotAction(key, "reply", cat_name, faq, c.created))
        for later in comments[n + 1 :]:
            if later.author is not AuthorRole.AGENT:
                break
            if later.public:
                detail = "an agent answered publicly after the bot's reply"
                undos.append(
                    UndoEvent(key, "reply_corrected", cat_name, faq, later.created, detail)
                )
                break
    return actions, undos


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
    the histories of tickets it re-reads (:func:`read_history`)."""

    counter: PromCounter
    config: RoutingConfig
    since: datetime | None = None
    _seen: set[str] = field(default_factory=set)

    def observe(self, history: TicketHistory) -> list[UndoEvent]:
        new = []
        for undo in detect_undos(history, self.config).undos:
            if undo.event_id in self._seen:
                continue
            if self.since is not None and (undo.at is None or _aware(undo.at) < self.since):
                continue
            self._seen.add(undo.event_id)
            self.counter.labels(undo.kind, undo.category, undo.faq).inc()
            new.append(undo)
        return new


# =========================================================================== reading Jira


def _paged(desk: JiraServiceDesk, template: str, key: str, items: str) -> list[Any]:
    out: list[Any] = []
    start = 0
    while True:
        page = desk.http.call(
            "GET",
            template,
            path_params={"key": key},
            params={"startAt": start, "maxResults": 100},
        )
        page = page if isinstance(page, Mapping) else {}
        batch = [v for v in page.get(items) or [] if isinstance(v, Mapping)]
        out.extend(batch)
        start += len(batch)
        total = page.get("total")
        if not batch or page.get("isLast") is True or (isinstance(total, int) and start >= total):
            return out


def _changelog(desk: JiraServiceDesk, issue: Mapping[str, Any], key: str) -> list[Any]:
    """The issue's changelog entries: the embedded ones when complete, else all pages."""
    embedded = issue.get("changelog")
    if isinstance(embedded, Mapping):
        histories = [h for h in embedded.get("histories") or [] if isinstance(h, Mapping)]
        total = embedded.get("total")
        if not isinstance(total, int) or total <= len(histories):
            return histories
    return _paged(desk, "/rest/api/2/issue/{key}/changelog", key, "values")


def read_history(
    desk: JiraServiceDesk, jql: str, *, limit: int | None = None
) -> Iterator[TicketHistory]:
    """Past tickets matching ``jql`` with every comment and their location changes.

    Costs one search call per page (the changelog comes embedded); a ticket whose
    comments or changelog the search did not embed in full costs one more call per
    100 comments or changelog entries.
    """
    from routerbot.jsm import wire  # noqa: PLC0415

    bot = desk.whoami()
    rt_field = desk.request_type_field()
    desks = desk.desk_by_project_id()
    by_key = desk.desk_by_project()
    fields = desk.search_fields()
    token: str | None = None
    count = 0
    page_size = 50 if limit is None else max(1, min(50, limit))
    while True:
        body: dict[str, Any] = {
            "jql": jql,
            "fields": fields,
            "expand": "changelog",
            "maxResults": page_size,
        }
        if token:
            body["nextPageToken"] = token
        page = desk.http.call("POST", "/rest/api/2/search/jql", json=body, idempotent=True)
        page = page if isinstance(page, Mapping) else {}
        for issue in page.get("issues") or []:
            if not isinstance(issue, Mapping):
                continue
            key = _str(issue.get("key"))
            embedded, total = wire.embedded_comments(wire.as_map(issue.get("fields")))
            comments = (
                _paged(desk, "/rest/api/2/issue/{key}/comment", key, "comments")
                if total > len(embedded)
                else None
            )
            snap = wire.ticket_from_issue(
                issue,
                bot_account_id=bot,
                request_type_field=rt_field,
                comments=comments,
                desk_by_project=by_key,
            )
            log = _changelog(desk, issue, key)
            changes = location_changes(log, request_type_field=rt_field, desk_by_project_id=desks)
            yield TicketHistory(snap.ticket, changes, bot)
            count += 1
            if limit is not None and count >= limit:
                return
        token = page.get("nextPageToken")
        if page.get("isLast", not token) or not token:
            return


def observe_recent_undos(
    desk: JiraServiceDesk, tracker: UndoTracker, *, minutes: int = 60, limit: int = 500
) -> list[UndoEvent]:
    """For the daemon's periodic job: re-read the tickets the bot labelled that were
    updated in the last ``minutes`` and count new undos in the tracker's counter.

    Wiring (composition root)::

        counter = support.undo_counter(metrics.registry)
        tracker = support.UndoTracker(counter, config, since=clock.now())
        every 15 minutes: support.observe_recent_undos(desk, tracker, minutes=30)
    """
    projects = ", ".join(f'"{p}"' for p in desk.projects())
    label = tracker.config.labels.handled
    jql = (
        f'project in ({projects}) AND labels = "{label}" AND updated >= -{int(minutes)}m '
        "ORDER BY updated ASC"
    )
    new: list[UndoEvent] = []
    for history in read_history(desk, jql, limit=limit):
        new.extend(tracker.observe(history))
    return new


# =========================================================================== file helpers


def compare_file(
    path: str, old_config_path: str, new_config: RoutingConfig
) -> tuple[list[DecisionChange], int]:
    """``routerbot eval FILE --compare-config OLD.toml``: the changes and the ticket count."""
    from routerbot.config import load_config  # noqa: PLC0415
    from routerbot.labelled import read_labelled  # noqa: PLC0415

    old = load_config(old_config_path)
    tickets = [lt.ticket for lt in read_labelled(path)]
    return compare_configs(tickets, old, new_config), len(tickets)


def changes_as_json(changes: Sequence[DecisionChange]) -> list[dict[str, Any]]:
    fields = DecisionSummary.FIELDS
    return [
        {
            "id": c.key,
            "changed": list(c.changed),
            "old": {f: getattr(c.old, f) for f in fields},
            "new": {f: getattr(c.new, f) for f in fields},
        }
        for c in changes
    ]
