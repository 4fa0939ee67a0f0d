"""The ledger oracle shared by ``routerbot soak`` and the chaos suite: invariants I1–I4
read from the sandbox's state as plain JSON (see :mod:`routerbot.soak`)."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MARKER_RE = re.compile(r"\[routerbot:[0-9a-f]{8}\]")
HANDLED_LABEL = "routerbot"
AUTO_REPLY_RE = re.compile(
    r"r[ée]ponse automatique|automatic reply|out of office|absente? du bureau|"
    r"auto-submitted|je suis actuellement absente?|undeliverable",
    re.IGNORECASE,
)
PEOPLE = ("customer", "agent")

# --------------------------------------------------------------------------- the oracle


@dataclass
class OracleReport:
    """What :func:`check_invariants` found. ``ok`` is the verdict."""

    tickets: int = 0
    handled: int = 0
    public_replies: dict[str, int] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)  # I1
    lost: list[str] = field(default_factory=list)  # I2
    leaks: list[str] = field(default_factory=list)  # I3
    loops: list[str] = field(default_factory=list)  # I4
    early_retries: int = 0
    early_detail: list[Any] = field(default_factory=list)
    #: Retry-Afters served just before a kill, which the dead process may never have read
    #: (not counted as early; see ``RequestLog.killed``)
    unread_at_kill: int = 0
    needs_human: list[str] = field(default_factory=list)  # FAILED actions (with reasons)

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.lost or self.leaks or self.loops or self.early_retries)

    @property
    def replies_max(self) -> int:
        return max(self.public_replies.values(), default=0)

    @property
    def replies_mean(self) -> float:
        values = list(self.public_replies.values())
        return statistics.fmean(values) if values else 0.0

    def problems(self) -> list[str]:
        out = [f"I1 duplicate: {d}" for d in self.duplicates]
        out += [f"I2 lost: {d}" for d in self.lost]
        out += [f"I3 leak: {d}" for d in self.leaks]
        out += [f"I4 loop: {d}" for d in self.loops]
        out += [f"Retry-After broken: {e}" for e in self.early_detail]
        return out

    def assert_ok(self) -> None:
        """Raise ``AssertionError`` listing every broken invariant (for tests)."""
        if not self.ok:
            raise AssertionError("invariants broken:\n  " + "\n  ".join(self.problems()[:40]))


def _timeline(ticket: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Comments and history entries, oldest first: (created, "comment"|"change", item)."""
    events: list[tuple[str, str, dict[str, Any]]] = []
    events += [(str(c.get("created", "")), "comment", dict(c)) for c in ticket.get("comments", [])]
    events += [(str(h.get("created", "")), "change", dict(h)) for h in ticket.get("history", [])]
    events.sort(key=lambda e: e[0])
    return events


def _turns(ticket: Mapping[str, Any]) -> list[tuple[dict[str, Any] | None, list[Any]]]:
    """Split the timeline at each public message from a person: (opener, bot events)."""
    turns: list[tuple[dict[str, Any] | None, list[Any]]] = [(None, [])]
    for _, kind, item in _timeline(ticket):
        if kind == "comment" and item.get("author_role") in PEOPLE and item.get("public", True):
            turns.append((item, []))
        elif (kind == "comment" and item.get("author_role") == "bot") or (
            kind == "change" and item.get("author") == "bot"
        ):
            turns[-1][1].append((kind, item))
    return turns


def _strip_marker(body: str) -> str:
    return MARKER_RE.sub("", body).strip()


def check_invariants(  # noqa: PLR0912, PLR0915  # one pass, four invariants
    state: Mapping[str, Any],
    *,
    requests: Mapping[str, Any] | None = None,
    expected: Mapping[str, str] | None = None,
    canaries: Sequence[str] = (),
    internal_canaries: Sequence[str] = (),
    texts: Iterable[str] = (),
    ledger: Any = None,
    reply_cap: int = 3,
    per_turn_cap: int = 1,
    max_bot_comments: int = 4,
    is_auto_reply: Callable[[str], bool] | None = None,
) -> OracleReport:
    """Check I1–I4 on a sandbox state (``GET /_sandbox/state``).

    ``expected`` maps a ticket's ``source_id`` (the id it was created with) to
    ``"handled"`` (carries the bot's label), ``"react"`` (handled, and the bot wrote or
    changed something after the last message from the customer), ``"silent"`` (the bot
    never wrote on it) or ``"any"``. ``ledger`` is a state store (its ``stats``,
    ``unfinished_actions`` and ``actions_for`` are read) or None. ``texts`` are logs,
    metrics pages, error messages: searched for the canaries.
    """
    auto = is_auto_reply or (lambda body: bool(AUTO_REPLY_RE.search(body[:400])))
    report = OracleReport()
    tickets = list(state.get("tickets", []))
    report.tickets = len(tickets)
    by_source = {str(t.get("source_id") or t["key"]): t for t in tickets}
    secret = [c for c in canaries if c]

    public_text: list[str] = []
    internal_snippets: set[str] = set()
    for t in tickets:
        key = t["key"]
        if HANDLED_LABEL in t.get("labels", []):
            report.handled += 1
        bot_comments = [c for c in t.get("comments", []) if c.get("author_role") == "bot"]
        public_bot = [c for c in bot_comments if c.get("public")]
        report.public_replies[key] = len(public_bot)
        # I1: markers
        seen = Counter(m for c in bot_comments for m in MARKER_RE.findall(c.get("body", "")))
        report.duplicates += [
            f"{key}: marker {m} on {n} comments" for m, n in seen.items() if n > 1
        ]
        # I1 + I4, per turn
        for opener, events in _turns(t):
            bodies = Counter(
                (item.get("public"), _strip_marker(item.get("body", "")))
                for kind, item in events
                if kind == "comment"
            )
            for (public, body), n in bodies.items():
                if n > 1:
                    what = "public reply" if public else "internal note"
                    report.duplicates.append(f"{key}: same {what} {n}x in one turn: {body[:60]!r}")
            changes = Counter(
                (it.get("field"), it.get("to"))
                for kind, item in events
                if kind == "change"
                for it in item.get("items", [])
                if it.get("field") not in ("labels", None)
            )
            for (fld, to), n in changes.items():
                if n > 1:
                    report.duplicates.append(f"{key}: {fld} set to {to!r} {n}x in one turn")
            replies = [item for kind, item in events if kind == "comment" and item.get("public")]
            if len(replies) > per_turn_cap:
                report.loops.append(f"{key}: {len(replies)} public replies in one turn")
            if opener is not None and replies and auto(str(opener.get("body", ""))):
                report.loops.append(f"{key}: public reply to an automatic reply")
            n_bot = sum(1 for kind, _ in events if kind == "comment")
            if n_bot > max_bot_comments:
                report.loops.append(f"{key}: {n_bot} bot comments in one turn")
        if len(public_bot) > reply_cap:
            report.loops.append(f"{key}: {len(public_bot)} public replies (cap {reply_cap})")
        # I3 material
        for c in t.get("comments", []):
            body = str(c.get("body", ""))
            if c.get("public"):
                public_text.append(body)
            elif c.get("author_role") == "agent" and len(body.strip()) >= 16:
                internal_snippets.add(body.strip())
            elif c.get("author_role") == "bot":
                head = body.strip().splitlines()[0] if body.strip() else ""
                if len(head) >= 20 and not MARKER_RE.fullmatch(head):
                    internal_snippets.add(head)
        if secret:
            blob = json.dumps(t, ensure_ascii=False)
            report.leaks += [
                f"{key}: a canary secret is in the ticket" for s in secret if s in blob
            ]
    # I3: internal → public
    joined = "\x00".join(public_text)
    for snippet in sorted(internal_snippets):
        if snippet in joined:
            report.leaks.append(f"internal text became public: {snippet[:60]!r}")
    for canary in internal_canaries:
        if canary and canary in joined:
            report.leaks.append(f"internal canary {canary[:30]!r} in a public comment")
    for i, text in enumerate(texts):
        for s in secret:
            if s in text:
                report.leaks.append(f"a canary secret is in text #{i} (logs/metrics/errors)")
    # I2
    for source, want in sorted((expected or {}).items()):
        t = by_source.get(source)
        if t is None:
            report.lost.append(f"{source}: missing from the sandbox")
            continue
        key = t["key"]
        bot_any = any(c.get("author_role") == "bot" for c in t.get("comments", []))
        if want == "silent":
            if bot_any:
                report.loops.append(f"{key}: the bot wrote on a ticket it must leave alone")
            continue
        if want in ("handled", "react") and HANDLED_LABEL not in t.get("labels", []):
            report.lost.append(f"{key} ({source}): not handled (no {HANDLED_LABEL!r} label)")
            continue
        if want == "react":
            turns = _turns(t)
            opener, events = turns[-1]
            if opener is not None and not auto(str(opener.get("body", ""))) and not events:
                report.lost.append(f"{key} ({source}): the customer's last message got nothing")
    if ledger is not None:
        keys = {k for t in tickets for k in [t["key"], *t.get("old_keys", [])]}
        for rec in ledger.unfinished_actions():
            if rec.key in keys:
                report.lost.append(f"{rec.key}: {rec.kind} left {rec.state.value} in the ledger")
        failed = int(ledger.stats().get("failed", 0)) if hasattr(ledger, "stats") else 0
        if failed:
            for t in tickets:
                for rec in ledger.actions_for(t["key"]):
                    if rec.state.value == "failed":
                        report.needs_human.append(f"{t['key']}: {rec.kind}: {rec.error[:80]}")
    if requests is not None:
        report.early_retries = int(requests.get("early_retry_count", 0))
        report.early_detail = list(requests.get("early_retries", []))[:10]
        report.unread_at_kill = int(requests.get("retry_after_unread_at_kill", 0))
    return report


# --------------------------------------------------------------------------- replies


@dataclass
class ReplyAccount:
    """Public replies the bot decided (its ledger) against those Jira shows (the sandbox).

    Every decided reply must be sent, once (``unsent`` empty), and nothing the bot
    posted publicly may be missing from its ledger (``undecided`` empty)."""

    decided: int = 0
    sent: int = 0
    unsent: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.unsent or self.undecided)

    def problems(self) -> list[str]:
        return [f"I5 decided, not sent: {u}" for u in self.unsent] + [
            f"I5 sent, not in the ledger: {u}" for u in self.undecided
        ]


def account_replies(state: Mapping[str, Any], ledger: Any) -> ReplyAccount:
    """Match the ledger's ``public_reply`` actions with the bot's public comments by
    their ``[routerbot:…]`` marker (the first 8 characters of the action id)."""
    account = ReplyAccount()
    for t in state.get("tickets", []):
        key = t["key"]
        records = {}
        for k in [key, *t.get("old_keys", [])]:
            for rec in ledger.actions_for(k):
                records[rec.action_id] = rec
        decided = {
            f"[routerbot:{rec.action_id[:8]}]": rec
            for rec in records.values()
            if rec.kind == "public_reply"
        }
        sent = [
            m
            for c in t.get("comments", [])
            if c.get("author_role") == "bot" and c.get("public")
            for m in MARKER_RE.findall(str(c.get("body", ""))) or ["(no marker)"]
        ]
        account.decided += len(decided)
        account.sent += len(sent)
        account.unsent += [
            f"{key}: {m} ({rec.state.value})" for m, rec in decided.items() if m not in sent
        ]
        account.undecided += [f"{key}: {m}" for m in sent if m not in decided]
    return account


# --------------------------------------------------------------------------- the daemon process
