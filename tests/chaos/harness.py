"""The chaos suite's harness: the bot in-process against a sandbox over HTTP, the
daemon as a real subprocess (:class:`routerbot.soak.DaemonProcess`), and the ledger
oracle (:func:`routerbot.soak.check_invariants`) that every test ends with."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from routerbot.bootstrap import App, build_app
from routerbot.daemon import PollReport
from routerbot.observability import configure_logging
from routerbot.sandbox import SandboxServer
from routerbot.settings import Settings
from routerbot.soak import DaemonProcess, OracleReport, check_invariants, routing_file_for_load

PORTAL_OPERATORS = ("3", "86")


def ticket_row(
    sid: str,
    description: str,
    *,
    summary: str = "Demande",
    desk: str = "3",
    request_type: str = "86",
    email: str = "",
    comments: Iterable[dict[str, Any]] = (),
    **extra: Any,
) -> dict[str, Any]:
    """One ROUTING.md row (sandbox extras allowed: status, assignee, minutes_ago…).

    Each ticket has its own reporter unless ``email`` says otherwise: one reporter
    sending the same text on many tickets is a loop signature (an auto-responder)."""
    row: dict[str, Any] = {
        "id": sid,
        "service_desk": desk,
        "request_type": request_type,
        "summary": summary,
        "description": description,
        "reporter": {
            "displayName": "Client Test",
            "email": email or f"client-{sid.lower()}@export-fruits.fr",
        },
        "comments": list(comments),
        # comments are loaded 7 minutes apart after the creation: keep them all in the past
        "minutes_ago": 1 + 7 * (len(list(comments)) + 1),
    }
    row.update(extra)
    return row


FAQ_TEXT = "Bonjour, comment savoir quels modèles de certificats sont disponibles en ligne ?"
LOGIN_TEXT = (
    "Bonjour, je n'arrive pas à me connecter à Expadon 2 depuis ce matin, page blanche "
    "après authentification."
)
LOGIN_BROWSER_TEXT = "Bonjour, impossible de me connecter avec Edge 118."
SD_AGENT_TEXT = (
    "Bonjour, je suis agent à la DDPP du Finistère, je n'arrive pas à signer un certificat."
)


@dataclass
class InProcessBot:
    """``build_app`` wired to a sandbox, polled synchronously (no scheduler)."""

    sandbox: SandboxServer
    app: App
    log: io.StringIO
    reports: list[PollReport] = field(default_factory=list)

    def cycle(self) -> PollReport:
        report = self.app.daemon.poll_once()
        self.app.daemon.follow_up_once()
        self.reports.append(report)
        return report

    def cycles(self, n: int) -> list[PollReport]:
        self.app.daemon.startup()
        return [self.cycle() for _ in range(n)]

    def run_until(
        self, done: Callable[[dict[str, Any]], bool], *, timeout: float = 30.0, pause: float = 0.05
    ) -> bool:
        """Poll until ``done(state)`` holds and one more poll changed nothing."""
        self.app.daemon.startup()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.cycle()
            if done(self.sandbox.state):
                self.cycle()  # one more: a late duplicate would show now
                return True
            time.sleep(pause)
        return False

    def close(self) -> None:
        self.app.close()


def sqlite_daemon(sb: SandboxServer, tmp: Path, per_hour: int = 1000, **env: str) -> DaemonProcess:
    """The daemon as a real subprocess on a SQLite file in ``tmp``, polling every 0.2 s,
    with a copy of the shipped routing file whose hourly reply cap is ``per_hour``."""
    routing = routing_file_for_load(tmp, per_hour=per_hour)
    return DaemonProcess(
        sb.url,
        sb.email,
        sb.token,
        f"sqlite:///{tmp / 'state.db'}",
        tmp,
        env={"ROUTERBOT_ROUTING_FILE": str(routing), "ROUTERBOT_POLL_SECONDS": "0.2", **env},
    )


def make_settings(sandbox: SandboxServer, tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "jira_url": sandbox.url,
        "jira_email": sandbox.email,
        "jira_api_token": SecretStr(sandbox.token),
        "jira_api_token_file": None,
        "state_url": f"sqlite:///{tmp / 'state.db'}",
        "metrics_port": 0,
        "poll_seconds": 0.2,
        "replica_id": "chaos-a",
        "lease_seconds": 5.0,
        "poll_overlap_seconds": 90.0,
        "jira_timeout": 2.0,
        "routing_file": routing_file_for_load(tmp, per_hour=1000),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def start_bot(sandbox: SandboxServer, tmp: Path, **overrides: Any) -> InProcessBot:
    log = io.StringIO()
    configure_logging(level="DEBUG", fmt="json", secrets=[sandbox.token], stream=log)
    settings = make_settings(sandbox, tmp, **overrides)
    app = build_app(settings, adapter_options={"move_poll_interval": 0.02})
    return InProcessBot(sandbox, app, log)


def handled(*sources: str) -> Callable[[dict[str, Any]], bool]:
    """``done`` predicate: these tickets carry the bot's label."""

    def check(state: dict[str, Any]) -> bool:
        by = {t["source_id"]: t for t in state["tickets"]}
        return all("routerbot" in by[s]["labels"] for s in sources)

    return check


def by_source(sandbox: SandboxServer, sid: str) -> dict[str, Any]:
    return next(t for t in sandbox.state["tickets"] if t["source_id"] == sid)


def bot_comments(ticket: dict[str, Any], *, public: bool | None = None) -> list[dict[str, Any]]:
    return [
        c
        for c in ticket["comments"]
        if c["author_role"] == "bot" and (public is None or c["public"] is public)
    ]


def oracle(sandbox: SandboxServer, **kw: Any) -> OracleReport:
    kw.setdefault("requests", sandbox.requests())
    kw.setdefault("canaries", [sandbox.token])
    return check_invariants(sandbox.state, **kw)
