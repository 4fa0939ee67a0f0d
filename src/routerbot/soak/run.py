"""``routerbot soak``: the ticket mix, the fault plan, the kills and the run itself."""

from __future__ import annotations

import contextlib
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routerbot.soak.oracle import OracleReport, ReplyAccount, account_replies, check_invariants
from routerbot.soak.process import DaemonProcess, routing_file_for_load

DEFAULT_FAULTS = "429=0.02,503=0.03,500=0.02,drop-after-write=0.01,slow=0.005,slow-seconds=0.3"


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

MAX_REPLICAS = 8
FAKETIME_LIBRARIES = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/faketime/libfaketimeMT.so.1",
    "/usr/local/lib/faketime/libfaketimeMT.so.1",
)


@dataclass
class SoakOptions:
    tickets: int = 1000
    faults: str = DEFAULT_FAULTS
    kill_every: float = 8.0  # mean seconds between SIGKILLs; 0 = never
    seed: int = 1
    state_url: str = ""
    replicas: int = 1  # daemon subprocesses sharing one store (more than 1: PostgreSQL)
    skew_seconds: float = 0.0  # the last replica's wall clock runs this far ahead
    batch: int = 25  # tickets created per batch
    batch_every: float = 0.25  # seconds between batches
    quiet_timeout: float = 600.0  # seconds without progress before giving up converging
    jira_timeout: float = 10.0  # the daemons' read timeout: the sandbox shares the cores
    poll_seconds: float = 0.3
    workdir: str = ""
    progress: Callable[[str], None] | None = None


def faketime_library() -> str | None:
    """libfaketime's multi-threaded preload library (Debian: ``apt-get install faketime``)."""
    for path in FAKETIME_LIBRARIES:
        if Path(path).is_file():
            return path
    return None


def options_problem(options: SoakOptions) -> str | None:  # noqa: PLR0911  # one check each
    """Why these options cannot run (one line), or None."""
    if options.tickets < 1:
        return "--tickets must be at least 1"
    if not 1 <= options.replicas <= MAX_REPLICAS:
        return f"--replicas must be between 1 and {MAX_REPLICAS}"
    if options.replicas > 1 and not options.state_url.startswith("postgresql"):
        return (
            f"--replicas {options.replicas} needs a PostgreSQL --state-url "
            "(postgresql+psycopg://...): replicas share one store, and SQLite is one process"
        )
    if options.skew_seconds:
        if options.replicas < 2:
            return "--skew-seconds needs --replicas 2 or more (one replica's clock is skewed)"
        if not math.isfinite(options.skew_seconds) or abs(options.skew_seconds) > 3600:
            return "--skew-seconds must be between -3600 and 3600"
        if faketime_library() is None:
            return "--skew-seconds needs libfaketime (Debian: apt-get install faketime)"
    return None


def skew_environment(seconds: float) -> dict[str, str]:
    """The environment that runs a process's wall clock ``seconds`` ahead (libfaketime;
    the monotonic clock is left alone, as NTP would)."""
    library = faketime_library()
    if library is None:
        raise RuntimeError("libfaketime is not installed (Debian: apt-get install faketime)")
    return {
        "LD_PRELOAD": library,
        "FAKETIME": f"{seconds:+.3f}s",
        "DONT_FAKE_MONOTONIC": "1",
    }


# the daemon's own sleep must work in the skewed child too (see ports.wait_seconds)
_PROBE = (
    "import time; from routerbot.ports import SystemClock; SystemClock().sleep(0.01); "
    "print(repr(time.time()))"
)


def measure_skew(env: Mapping[str, str]) -> float:
    """How far ahead ``time.time()`` is in a Python child started with ``env``."""
    before = time.time()
    out = subprocess.run(  # noqa: S603  # our own interpreter, fixed args
        [sys.executable, "-c", _PROBE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    after = time.time()
    return float(out.strip()) - (before + after) / 2


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
    replies: ReplyAccount | None = None
    kills_per_replica: dict[str, int] = field(default_factory=dict)
    skew_measured: float | None = None
    skewed_replica: str = ""
    skew_warnings: int = 0

    @property
    def ok(self) -> bool:
        replies_ok = self.replies is None or self.replies.ok
        return self.oracle.ok and self.converged and replies_ok

    def render(self) -> str:
        o = self.oracle
        r = self.replies
        rows: list[tuple[str, object]] = [
            ("tickets created", self.options.tickets),
            ("tickets handled (label)", o.handled),
            ("public replies decided (ledger)", "-" if r is None else r.decided),
            ("public replies sent (Jira)", "-" if r is None else r.sent),
            ("decided but not sent (I5)", "-" if r is None else len(r.unsent)),
            ("sent but not in the ledger (I5)", "-" if r is None else len(r.undecided)),
            ("public replies per ticket (max)", o.replies_max),
            ("public replies per ticket (mean)", f"{o.replies_mean:.2f}"),
            ("customer answers posted", self.answers_posted),
            ("duplicates (I1)", len(o.duplicates)),
            ("lost tickets (I2)", len(o.lost)),
            ("leaks (I3)", len(o.leaks)),
            ("loops (I4)", len(o.loops)),
            ("requests before Retry-After expired", o.early_retries),
            ("Retry-After served just before a kill", o.unread_at_kill),
            ("actions needing a human (FAILED)", len(o.needs_human)),
            ("replicas", self.options.replicas),
            ("clock skew", self._skew_text()),
            ("daemon kills (SIGKILL)", self.kills),
            ("kills per replica", ", ".join(f"{k}={v}" for k, v in self.kills_per_replica.items())),
            ("daemon starts", self.starts),
            ("HTTP requests to the sandbox", self.requests_total),
            ("faults served", ", ".join(f"{k}={v}" for k, v in sorted(self.faults_served.items()))),
            ("converged after the quiet period", "yes" if self.converged else "NO"),
            ("wall time (s)", f"{self.wall_seconds:.1f}"),
            ("seed", self.options.seed),
            ("faults", self.options.faults),
            ("verdict", "OK" if self.ok else "INVARIANT BROKEN"),
        ]
        width = max(len(row[0]) for row in rows)
        lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
        problems = o.problems() + ([] if r is None else r.problems())
        if problems:
            lines.append("")
            lines += [f"  {p}" for p in problems[:30]]
            if len(problems) > 30:
                lines.append(f"  … {len(problems) - 30} more")
        if o.needs_human:
            lines.append("")
            lines += [f"  needs human: {p}" for p in o.needs_human[:10]]
        return "\n".join(lines)

    def _skew_text(self) -> str:
        if not self.options.skew_seconds:
            return "none"
        measured = "" if self.skew_measured is None else f", measured {self.skew_measured:+.1f} s"
        return (
            f"{self.skewed_replica} {self.options.skew_seconds:+g} s "
            f"(libfaketime{measured}; jsm.clock_skew warnings {self.skew_warnings})"
        )


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


def _lost(sb: Any, planned: Mapping[str, PlannedTicket], store: Any) -> int:
    report = check_invariants(
        sb.state, expected={s: p.expectation for s, p in planned.items()}, ledger=store
    )
    return len(report.lost)


class _Replicas:
    """The daemon subprocesses: kills pick one at random, every stopped one restarts."""

    def __init__(
        self,
        daemons: list[DaemonProcess],
        rng: random.Random,
        on_kill: Callable[[], None] | None = None,
    ) -> None:
        self.daemons = daemons
        self.rng = rng
        self.on_kill = on_kill  # tells the sandbox's request log a process just died
        self.exit_codes: list[int] = []

    def start(self) -> None:
        for d in self.daemons:
            d.start()

    def kill_one(self) -> None:
        running = [d for d in self.daemons if d.running]
        if running:
            self.rng.choice(running).kill()
            if self.on_kill is not None:
                self.on_kill()
        self.keep_running()

    def keep_running(self) -> None:
        for d in self.daemons:
            if not d.running:
                _restart(d, self.exit_codes)

    def terminate(self) -> None:
        for d in self.daemons:
            code = d.terminate()
            if code is not None:
                self.exit_codes.append(code)

    def kill_all(self) -> None:
        for d in self.daemons:
            if d.running:
                d.kill()

    def logs(self) -> list[str]:
        return [d.logs() for d in self.daemons]

    @property
    def kills(self) -> int:
        return sum(d.kills for d in self.daemons)

    @property
    def starts(self) -> int:
        return sum(d.starts for d in self.daemons)


def _replica_name(i: int) -> str:
    return f"soak-{i}"


def run_soak(options: SoakOptions) -> SoakReport:  # noqa: PLR0912, PLR0915  # one story
    """Run the soak and check the invariants (see the module docstring)."""
    from routerbot.sandbox import FaultPlan, SandboxModel, SandboxServer  # noqa: PLC0415
    from routerbot.store import open_store  # noqa: PLC0415

    problem = options_problem(options)
    if problem:
        raise ValueError(problem)
    rng = random.Random(options.seed)  # noqa: S311 - simulation
    started = time.monotonic()
    tmp = Path(options.workdir or tempfile.mkdtemp(prefix="routerbot-soak-"))
    tmp.mkdir(parents=True, exist_ok=True)
    state_url = options.state_url or f"sqlite:///{tmp / 'state.db'}"
    skew_env: dict[str, str] = {}
    skew_measured: float | None = None
    if options.skew_seconds:
        skew_env = skew_environment(options.skew_seconds)
        skew_measured = measure_skew(skew_env)
        if abs(skew_measured - options.skew_seconds) > 2.0:
            raise RuntimeError(
                f"libfaketime did not skew the clock: asked {options.skew_seconds:+g} s, "
                f"a child's time.time() is {skew_measured:+.1f} s off"
            )
    token = f"soak-token-{rng.randrange(16**12):012x}"
    model = SandboxModel(token=token, move_polls=1)
    sb = SandboxServer(model).start()
    if options.replicas > 1 and sb.app is not None:
        # replicas share one account: one learns of another's 429 through the store
        sb.app.log.several_processes = True
    routing = routing_file_for_load(tmp)
    daemons = []
    for i in range(1, options.replicas + 1):
        work = tmp if options.replicas == 1 else tmp / _replica_name(i)
        work.mkdir(parents=True, exist_ok=True)
        env = {
            "ROUTERBOT_ROUTING_FILE": str(routing),
            "ROUTERBOT_POLL_SECONDS": str(options.poll_seconds),
            "ROUTERBOT_REPLICA_ID": _replica_name(i),
            # the sandbox answers from this process, on the same busy cores: a search over
            # 10,000 tickets took more than the harness's default 2 s on a loaded 2-core
            # machine, and every poll then failed
            "ROUTERBOT_JIRA_TIMEOUT": str(options.jira_timeout),
        }
        if i == options.replicas and skew_env:
            env.update(skew_env)
        daemons.append(DaemonProcess(sb.url, sb.email, token, state_url, work, env=env))
    replicas = _Replicas(daemons, rng, on_kill=sb.app.log.killed if sb.app is not None else None)
    planned = {p.source_id: p for p in plan_tickets(options.tickets, rng)}
    rows = [p.row for p in planned.values()]
    answers = 0
    store = None
    try:
        sb.faults = FaultPlan.parse(options.faults, seed=options.seed)
        replicas.start()
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
                replicas.kill_one()
                next_kill = _next_kill(options, rng)
            replicas.keep_running()
            if created % 250 < options.batch:
                _say(options, f"created {created}/{len(rows)} tickets, kills {replicas.kills}")
        # keep killing and answering for a while after the last ticket
        tail_until = time.monotonic() + max(5.0, 2 * (options.kill_every or 0))
        while time.monotonic() < tail_until:
            time.sleep(0.5)
            answers += _post_answers(sb, planned, sb.state, rng)
            if next_kill is not None and time.monotonic() >= next_kill:
                replicas.kill_one()
                next_kill = _next_kill(options, rng)
            replicas.keep_running()
        _say(options, "quiet period: faults off, no more kills")
        sb.faults = FaultPlan()
        store = open_store(state_url)
        # converge: the daemons drain the backlog at their pace (2.5 tickets/s on 2 loaded
        # cores, 10-15 on idle ones); give up only after quiet_timeout s without progress
        converged = False
        left = _lost(sb, planned, store)
        stalled_at = time.monotonic() + options.quiet_timeout
        while time.monotonic() < stalled_at:
            time.sleep(1.0)
            answers += _post_answers(sb, planned, sb.state, rng)
            replicas.keep_running()
            now_left = _lost(sb, planned, store)
            if now_left == 0:
                converged = True
                break
            if now_left < left:
                left, stalled_at = now_left, time.monotonic() + options.quiet_timeout
        # two more polls' worth of time: a late duplicate would show up now
        time.sleep(max(1.0, 4 * options.poll_seconds))
        replicas.terminate()
        requests_summary = sb.requests()
        logs = replicas.logs()
        final = sb.state
        report = check_invariants(
            final,
            requests=requests_summary,
            expected={s: p.expectation for s, p in planned.items()},
            canaries=[token],
            internal_canaries=[p.canary for p in planned.values() if p.canary],
            texts=logs,
            ledger=store,
            is_auto_reply=lambda body: body.startswith("Réponse automatique"),
        )
        return SoakReport(
            options=options,
            oracle=report,
            kills=replicas.kills,
            starts=replicas.starts,
            wall_seconds=time.monotonic() - started,
            requests_total=int(requests_summary.get("total", 0)),
            faults_served=dict(requests_summary.get("faults", {})),
            answers_posted=answers,
            converged=converged,
            exit_codes=replicas.exit_codes,
            replies=account_replies(final, store),
            kills_per_replica={_replica_name(i + 1): d.kills for i, d in enumerate(daemons)},
            skew_measured=skew_measured,
            skewed_replica=_replica_name(options.replicas) if skew_env else "",
            skew_warnings=logs[-1].count('"jsm.clock_skew"') if skew_env else 0,
        )
    finally:
        replicas.kill_all()
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
