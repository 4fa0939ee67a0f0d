"""``routerbot soak``: the ticket mix, the fault plan, the kills and the run itself."""

from __future__ import annotations

import contextlib
import random
import signal
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routerbot.soak.oracle import OracleReport, check_invariants
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
