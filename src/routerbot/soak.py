"""The soak run and the ledger oracle shared with the chaos suite (``tests/chaos``).

``routerbot soak`` (or ``python benchmarks/soak.py``) starts the JSM sandbox in this
process, the daemon as a real subprocess (``python -m routerbot run``), creates N tickets
over time (FAQ questions, login failures with and without a browser, wrong portal,
agents' internal notes carrying a canary, customers who answer, out-of-office replies),
injects 5xx, 429 and dropped connections, and kills the daemon with SIGKILL at random,
restarting it each time. After a quiet period (faults off, no more kills) it reads
``/_sandbox/state`` and ``/_sandbox/requests`` and checks the invariants:

I1 no duplicate side effect
    each bot marker ``[routerbot:xxxxxxxx]`` at most once per ticket; within one *turn*
    (the comments and changes between two messages from people) no two bot comments
    with the same text and no two bot changes of one field to the same value.
I2 no ticket lost
    every ticket the run expects to be handled carries the bot's label (and reacted to
    the customer's last message when one was expected); no intent is left PLANNED or
    IN_FLIGHT in the ledger.
I3 no leak
    the canaries (the API token, …) appear in no comment, property, log line or
    metric; no agent's internal note and no bot internal note's heading appears in a
    public comment.
I4 no loop
    at most ``reply_cap`` bot public replies per ticket, at most one per turn, none in a
    turn opened by an automatic reply, at most ``max_bot_comments`` bot comments per turn.

Everything here reads the sandbox's state as plain JSON: :func:`check_invariants` is
what every chaos test calls at its end, and :class:`DaemonProcess` is the process
harness the crash tests use.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER_RE = re.compile(r"\[routerbot:[0-9a-f]{8}\]")
HANDLED_LABEL = "routerbot"
DEFAULT_FAULTS = "429=0.02,503=0.03,500=0.02,drop-after-write=0.01,slow=0.005,slow-seconds=0.3"
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
    return report


# --------------------------------------------------------------------------- the daemon process


def routing_file_for_load(directory: Path, *, per_hour: int = 10_000) -> Path:
    """A copy of the shipped routing file whose global reply cap (a runaway breaker
    meant for production rates) does not trip under a synthetic load."""
    from routerbot.bootstrap import DEFAULT_ROUTING_FILE, resolve_routing_file  # noqa: PLC0415

    text = resolve_routing_file(DEFAULT_ROUTING_FILE).read_text(encoding="utf-8")
    text = re.sub(
        r"(?m)^max_public_replies_per_hour\s*=\s*\d+",
        f"max_public_replies_per_hour = {per_hour}",
        text,
    )
    path = directory / "routing.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class DaemonProcess:
    """``python -m routerbot run`` as a real subprocess, against a sandbox.

    ``env`` holds extra ``ROUTERBOT_*`` variables (they win over the defaults below).
    Output goes to ``log_path`` (appended across restarts) so tests can search it.
    """

    sandbox_url: str
    email: str
    token: str
    state_url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / "daemon.log"

    def environment(self, crash_at: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROUTERBOT_")}
        env.update(
            {
                "ROUTERBOT_JIRA_URL": self.sandbox_url,
                "ROUTERBOT_JIRA_EMAIL": self.email,
                "ROUTERBOT_JIRA_API_TOKEN": self.token,
                "ROUTERBOT_STATE_URL": self.state_url,
                "ROUTERBOT_POLL_SECONDS": "0.3",
                "ROUTERBOT_METRICS_PORT": "0",
                "ROUTERBOT_LOG_FORMAT": "json",
                "ROUTERBOT_LOG_LEVEL": "INFO",
                "ROUTERBOT_REPLICA_ID": "soak-1",
                "ROUTERBOT_LEASE_SECONDS": "5",
                "ROUTERBOT_POLL_OVERLAP_SECONDS": "90",
                "ROUTERBOT_JIRA_TIMEOUT": "2",
                "ROUTERBOT_RELOAD_SECONDS": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        if crash_at:
            env["ROUTERBOT_CRASH_AT"] = crash_at
        return env

    def start(self, *, crash_at: str | None = None) -> DaemonProcess:
        if self.running:
            raise RuntimeError("the daemon is already running")
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1} crash_at={crash_at}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(  # noqa: S603  # our own interpreter, fixed args
                [sys.executable, "-m", "routerbot", "run", *self.args],
                cwd=self.workdir,
                env=self.environment(crash_at),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout: float) -> int:
        """The exit code (raises ``subprocess.TimeoutExpired``)."""
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, like the OOM killer or a power cut of the container."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.kills += 1

    def terminate(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait; the exit code (None when it was not running)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def logs(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


# --------------------------------------------------------------------------- the ticket mix

_FAQ_QUESTIONS = (
    (
        "Modèles en ligne",
        "Bonjour, comment savoir quels modèles de certificats sont disponibles "
        "en ligne en ce moment ? Merci",
    ),
    (
        "Télécharger un modèle",
        "Bonjour, où se trouve le bouton pour télécharger le modèle de "
        "certificat en PDF ? Cordialement",
    ),
    ("Compte", "Bonjour, comment créer un compte mon compte pour accéder à Expadon ? merci"),
    (
        "Collègue",
        "Bonjour, comment habiliter un collègue à Certificats ? Je suis administrateur local.",
    ),
)
_LOGIN_NO_BROWSER = (
    "Bonjour, je n'arrive pas à me connecter à Expadon 2 depuis ce matin, page blanche après "
    "authentification.",
    "Bonjour, impossible de me connecter, j'ai un message d'erreur à la connexion.",
)
_LOGIN_BROWSER = (
    "Bonjour, impossible de me connecter, j'utilise Firefox 121 sous Windows 11.",
    "Bonjour, je n'arrive pas à me connecter avec Chrome version 120.0.6099.",
    "Bonjour, impossible de me connecter avec Edge 118.",
)
_WRONG_PORTAL = (
    (
        "3",
        "86",
        "Signature",
        "Bonjour, je suis agent à la DDPP du Finistère, je n'arrive pas à "
        "signer un certificat dans Expadon.",
        "{n}.agent@finistere.gouv.fr",
    ),
    (
        "3",
        "86",
        "Habilitation",
        "Bonjour, notre société exporte des fromages, je souhaite être "
        "habilitée au module Certificats, quelle est la procédure ?",
        "{n}@laiterie-export.fr",
    ),
)
_ANSWER_COMPLETE = ("J'utilise Chrome 120 sur Windows.", "Firefox version 128, merci.")
_ANSWER_INCOMPLETE = ("Je suis sur Chrome.",)
_AUTO_REPLY = (
    "Réponse automatique : je suis absente du bureau jusqu'au 12 et je prendrai connaissance "
    "de votre message à mon retour."
)
KINDS = ("faq", "login_ask", "login_browser", "wrong_portal", "canary_note")
KIND_WEIGHTS = (30, 30, 15, 10, 15)
# what a customer does after the bot asked for the browser
ANSWERS = ("complete", "incomplete", "auto_reply", "none")
ANSWER_WEIGHTS = (45, 15, 20, 20)


@dataclass
class PlannedTicket:
    source_id: str
    kind: str
    row: dict[str, Any]
    answer: str = "none"
    canary: str = ""
    answered: int = 0

    @property
    def expectation(self) -> str:
        if self.kind == "canary_note":
            return "any"
        if self.kind == "login_ask" and self.answer == "complete" and self.answered:
            return "react"
        return "handled"


def plan_tickets(n: int, rng: random.Random, *, prefix: str = "SOAK") -> list[PlannedTicket]:
    """A reproducible mix of ``n`` tickets (ROUTING.md rows + what happens next)."""
    out = []
    for i in range(1, n + 1):
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        sid = f"{prefix}-{i}"
        email = f"client{i}@export-{i % 97}.fr"
        desk, rt, summary = "3", "86", "Demande"
        if kind == "faq":
            summary, text = rng.choice(_FAQ_QUESTIONS)
        elif kind in ("login_ask", "canary_note"):
            summary, text = "Connexion impossible", rng.choice(_LOGIN_NO_BROWSER)
        elif kind == "login_browser":
            summary, text = "Connexion impossible", rng.choice(_LOGIN_BROWSER)
        else:
            desk, rt, summary, text, mail = rng.choice(_WRONG_PORTAL)
            email = mail.format(n=i)
        row = {
            "id": sid,
            "service_desk": desk,
            "request_type": rt,
            "summary": f"{summary} ({i})",
            "description": text,
            "reporter": {"displayName": f"Client {i}", "email": email},
            "minutes_ago": 0,
        }
        p = PlannedTicket(sid, kind, row)
        if kind == "login_ask":
            p.answer = rng.choices(ANSWERS, ANSWER_WEIGHTS)[0]
        if kind == "canary_note":
            p.canary = f"CANARI-INTERNE-{i}-{rng.randrange(10**8):08d}"
        out.append(p)
    return out


# --------------------------------------------------------------------------- the soak run


@dataclass
class SoakOptions:
    tickets: int = 1000
    faults: str = DEFAULT_FAULTS
    kill_every: float = 8.0  # mean seconds between SIGKILLs; 0 = never
    seed: int = 1
    state_url: str = ""
    batch: int = 25  # tickets created per batch
    batch_every: float = 0.25  # seconds between batches
    quiet_timeout: float = 180.0  # max seconds to converge once faults are off
    poll_seconds: float = 0.3
    workdir: str = ""
    progress: Callable[[str], None] | None = None


@dataclass
class SoakReport:
    options: SoakOptions
    oracle: OracleReport
    kills: int
    starts: int
    wall_seconds: float
    requests_total: int
    faults_served: dict[str, int]
    answers_posted: int
    converged: bool
    exit_codes: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.oracle.ok and self.converged

    def render(self) -> str:
        o = self.oracle
        rows = [
            ("tickets created", self.options.tickets),
            ("tickets handled (label)", o.handled),
            ("public replies per ticket (max)", o.replies_max),
            ("public replies per ticket (mean)", f"{o.replies_mean:.2f}"),
            ("customer answers posted", self.answers_posted),
            ("duplicates (I1)", len(o.duplicates)),
            ("lost tickets (I2)", len(o.lost)),
            ("leaks (I3)", len(o.leaks)),
            ("loops (I4)", len(o.loops)),
            ("requests before Retry-After expired", o.early_retries),
            ("actions needing a human (FAILED)", len(o.needs_human)),
            ("daemon kills (SIGKILL)", self.kills),
            ("daemon starts", self.starts),
            ("HTTP requests to the sandbox", self.requests_total),
            ("faults served", ", ".join(f"{k}={v}" for k, v in sorted(self.faults_served.items()))),
            ("converged after the quiet period", "yes" if self.converged else "NO"),
            ("wall time (s)", f"{self.wall_seconds:.1f}"),
            ("seed", self.options.seed),
            ("faults", self.options.faults),
            ("verdict", "OK" if self.ok else "INVARIANT BROKEN"),
        ]
        width = max(len(r[0]) for r in rows)
        lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
        problems = o.problems()
        if problems:
            lines.append("")
            lines += [f"  {p}" for p in problems[:30]]
            if len(problems) > 30:
                lines.append(f"  … {len(problems) - 30} more")
        if o.needs_human:
            lines.append("")
            lines += [f"  needs human: {p}" for p in o.needs_human[:10]]
        return "\n".join(lines)


def _say(options: SoakOptions, msg: str) -> None:
    if options.progress is not None:
        options.progress(msg)


def _post_answers(
    sb: Any, planned: dict[str, PlannedTicket], state: Mapping[str, Any], rng: random.Random
) -> int:
    """Customers answer the bot's browser question (each at most twice)."""
    posted = 0
    for t in state["tickets"]:
        p = planned.get(str(t.get("source_id")))
        if p is None:
            continue
        comments = t.get("comments", [])
        if p.kind == "canary_note" and not p.answered and comments:
            # an agent's internal note with the canary, then the customer writes again
            sb.model.add_comment(
                t["key"],
                f"Note interne : {p.canary} — ne pas transmettre.",
                author="agent",
                public=False,
            )
            sb.model.add_comment(t["key"], "Avez-vous du nouveau ? Merci.", author="customer")
            p.answered = 1
            posted += 1
            continue
        if p.kind != "login_ask" or p.answer == "none" or p.answered >= 2:
            continue
        if t.get("status") != "Waiting for customer" or not comments:
            continue
        last = comments[-1]
        if last.get("author_role") != "bot" or not last.get("public"):
            continue
        if p.answer == "complete":
            body = rng.choice(_ANSWER_COMPLETE)
        elif p.answer == "incomplete":
            body = rng.choice(_ANSWER_INCOMPLETE)
        else:
            body = _AUTO_REPLY
        sb.model.add_comment(t["key"], body, author="customer")
        p.answered += 1
        posted += 1
    return posted


def _converged(sb: Any, planned: Mapping[str, PlannedTicket], store: Any) -> bool:
    report = check_invariants(
        sb.state, expected={s: p.expectation for s, p in planned.items()}, ledger=store
    )
    return not report.lost


def run_soak(options: SoakOptions) -> SoakReport:  # noqa: PLR0912, PLR0915  # one story
    """Run the soak and check the invariants (see the module docstring)."""
    from routerbot.sandbox import FaultPlan, SandboxModel, SandboxServer  # noqa: PLC0415
    from routerbot.store import open_store  # noqa: PLC0415

    rng = random.Random(options.seed)  # noqa: S311 - simulation
    started = time.monotonic()
    tmp = Path(options.workdir or tempfile.mkdtemp(prefix="routerbot-soak-"))
    tmp.mkdir(parents=True, exist_ok=True)
    state_url = options.state_url or f"sqlite:///{tmp / 'state.db'}"
    token = f"soak-token-{rng.randrange(16**12):012x}"
    model = SandboxModel(token=token, move_polls=1)
    sb = SandboxServer(model).start()
    routing = routing_file_for_load(tmp)
    daemon = DaemonProcess(
        sb.url,
        sb.email,
        token,
        state_url,
        tmp,
        env={
            "ROUTERBOT_ROUTING_FILE": str(routing),
            "ROUTERBOT_POLL_SECONDS": str(options.poll_seconds),
        },
    )
    planned = {p.source_id: p for p in plan_tickets(options.tickets, rng)}
    rows = [p.row for p in planned.values()]
    answers = 0
    store = None
    exit_codes: list[int] = []
    try:
        sb.faults = FaultPlan.parse(options.faults, seed=options.seed)
        daemon.start()
        next_kill = _next_kill(options, rng)
        last_answer_scan = 0.0
        created = 0
        while created < len(rows):
            batch = rows[created : created + options.batch]
            model.load_rows(batch)
            created += len(batch)
            time.sleep(options.batch_every)
            now = time.monotonic()
            if now - last_answer_scan > 1.0:
                answers += _post_answers(sb, planned, sb.state, rng)
                last_answer_scan = now
            if next_kill is not None and now >= next_kill:
                daemon.kill()
                _restart(daemon, exit_codes)
                next_kill = _next_kill(options, rng)
            if not daemon.running:
                _restart(daemon, exit_codes)
            if created % 250 < options.batch:
                _say(options, f"created {created}/{len(rows)} tickets, kills {daemon.kills}")
        # keep killing and answering for a while after the last ticket
        tail_until = time.monotonic() + max(5.0, 2 * (options.kill_every or 0))
        while time.monotonic() < tail_until:
            time.sleep(0.5)
            answers += _post_answers(sb, planned, sb.state, rng)
            if next_kill is not None and time.monotonic() >= next_kill:
                daemon.kill()
                _restart(daemon, exit_codes)
                next_kill = _next_kill(options, rng)
            if not daemon.running:
                _restart(daemon, exit_codes)
        _say(options, "quiet period: faults off, no more kills")
        sb.faults = FaultPlan()
        store = open_store(state_url)
        # the daemon drains a backlog at ~10-15 tickets/s: give big runs the time to finish
        deadline = time.monotonic() + max(options.quiet_timeout, 0.2 * options.tickets)
        converged = False
        while time.monotonic() < deadline:
            time.sleep(1.0)
            answers += _post_answers(sb, planned, sb.state, rng)
            if not daemon.running:
                _restart(daemon, exit_codes)
            if _converged(sb, planned, store):
                converged = True
                break
        # two more polls' worth of time: a late duplicate would show up now
        time.sleep(max(1.0, 4 * options.poll_seconds))
        code = daemon.terminate()
        if code is not None:
            exit_codes.append(code)
        requests_summary = sb.requests()
        report = check_invariants(
            sb.state,
            requests=requests_summary,
            expected={s: p.expectation for s, p in planned.items()},
            canaries=[token],
            internal_canaries=[p.canary for p in planned.values() if p.canary],
            texts=[daemon.logs()],
            ledger=store,
            is_auto_reply=lambda body: body.startswith("Réponse automatique"),
        )
        return SoakReport(
            options=options,
            oracle=report,
            kills=daemon.kills,
            starts=daemon.starts,
            wall_seconds=time.monotonic() - started,
            requests_total=int(requests_summary.get("total", 0)),
            faults_served=dict(requests_summary.get("faults", {})),
            answers_posted=answers,
            converged=converged,
            exit_codes=exit_codes,
        )
    finally:
        if daemon.running:
            daemon.kill()
        if store is not None:
            store.close()
        sb.stop()


def _next_kill(options: SoakOptions, rng: random.Random) -> float | None:
    if options.kill_every <= 0:
        return None
    return time.monotonic() + rng.uniform(0.3, 1.7) * options.kill_every


MAX_UNEXPECTED_EXITS = 10


def _restart(daemon: DaemonProcess, exit_codes: list[int]) -> None:
    """Start again after a kill or an exit; refuse to crash-loop on a daemon that dies
    by itself (a configuration error, a bug)."""
    if daemon.proc is not None and daemon.proc.returncode is not None:
        code = daemon.proc.returncode
        if code != -signal.SIGKILL:
            exit_codes.append(code)
            if len(exit_codes) > MAX_UNEXPECTED_EXITS:
                tail = daemon.logs()[-2000:]
                raise RuntimeError(
                    f"the daemon keeps exiting by itself (codes {exit_codes}):\n{tail}"
                )
    with contextlib.suppress(RuntimeError):
        daemon.start()
