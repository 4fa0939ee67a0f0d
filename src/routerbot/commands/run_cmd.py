"""``routerbot run`` (the daemon) and ``routerbot demo`` (the daemon against the sandbox)."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from routerbot.commands import add_config_option, routing_for

EXIT_DEADLINE_SECONDS = 8.0  # after SIGTERM; systemd and the bars give 10 s

RUN_EPILOG = """examples:
  routerbot run                          poll forever (settings from ROUTERBOT_* variables)
  routerbot run --once                   one poll and follow-up, then exit (cron, tests)
  ROUTERBOT_DRY_RUN=true routerbot run   shadow mode: decide and log, write nothing
  routerbot run --dry-run --once         the same, once
  routerbot run --config /etc/routerbot/routing.toml

The routing file: --config, else ROUTERBOT_ROUTING_FILE, else ./config/routing.toml,
else the packaged default (the config.loading log line says which).
SIGTERM or Ctrl-C finishes the ticket in hand and exits 0, within 10 s whatever the
process is waiting for (a Retry-After, a slow answer from Jira): a wait is cut short,
and a request still hanging after 8 s is abandoned (its outcome is checked on restart).
/healthz, /readyz and /metrics are served on ROUTERBOT_METRICS_PORT (9108; 0 disables).
"""

DEMO_EPILOG = """examples:
  routerbot demo                  seeded sandbox, 3 cycles, prints what the bot did
  routerbot demo --cycles 5       more polls (the last ones should change nothing)
  routerbot demo --verbose        also show the JSON log lines on stderr
  routerbot demo --config my-routing.toml   the demo on your routing rules

Needs no configuration: the sandbox runs in-process on a free 127.0.0.1 port, the
state lives in a temporary SQLite file, nothing outside is touched.
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    run = sub.add_parser(
        "run",
        help="run the daemon: poll JSM, route, answer and follow up tickets",
        description="Poll Jira Service Management and triage every new or updated "
        "request, with each side effect done once. Settings come from ROUTERBOT_* "
        "variables (see the README).",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--once", action="store_true", help="one poll and follow-up, then exit")
    run.add_argument(
        "--dry-run", action="store_true", help="decide and log only (ROUTERBOT_DRY_RUN=true)"
    )
    add_config_option(run)
    run.set_defaults(func=run_daemon)

    demo = sub.add_parser(
        "demo",
        help="run the bot against the seeded sandbox and print what it did",
        description="Start the seeded JSM sandbox in-process, run the daemon against it "
        "over HTTP for a few cycles (a customer answers the bot's browser question "
        "between cycles), and print a table of what the bot did to each ticket.",
        epilog=DEMO_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--cycles", type=int, default=3, help="number of polls (default 3)")
    demo.add_argument("--verbose", action="store_true", help="log lines (JSON) on stderr")
    add_config_option(demo)
    demo.set_defaults(func=run_demo)


# --------------------------------------------------------------------------- run


def run_daemon(args: argparse.Namespace) -> int:
    from routerbot import malloc  # noqa: PLC0415

    malloc.tune()  # before any thread of the daemon allocates (see routerbot.malloc)
    from routerbot.bootstrap import build_app, configure_logging_for  # noqa: PLC0415
    from routerbot.settings import load_settings  # noqa: PLC0415

    overrides: dict[str, Any] = {"dry_run": True} if args.dry_run else {}
    settings = load_settings(**overrides)
    configure_logging_for(settings)
    from routerbot.errors import Interrupted  # noqa: PLC0415

    app = build_app(settings, routing=routing_for(args, settings, say=False))
    stopping: threading.Event = app.daemon.stopping
    threading.Thread(
        target=_exit_deadline, args=(stopping,), name="exit-deadline", daemon=True
    ).start()
    try:
        app.start_metrics_server()
        return app.daemon.run(once=args.once)
    except Interrupted:  # SIGTERM while start-up waited for Jira: a clean stop
        if not stopping.is_set():
            raise
        return 0
    finally:
        app.close()


def _exit_deadline(stopping: threading.Event) -> None:
    """Once the daemon is asked to stop, give it ``EXIT_DEADLINE_SECONDS``; a job still
    stuck then (a request Jira does not answer) is abandoned: the process exits, as after
    a crash, and the ledger checks that request's outcome on the next start."""
    stopping.wait()
    threading.Event().wait(EXIT_DEADLINE_SECONDS)  # not time.sleep: see ports.wait_seconds
    from routerbot.observability import get_logger  # noqa: PLC0415

    get_logger("routerbot.daemon").error(
        "daemon.exit_forced", after_s=EXIT_DEADLINE_SECONDS, detail="a job did not finish"
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --------------------------------------------------------------------------- demo

ANSWERS = ("J'utilise Firefox 115 sur Windows.", "Je suis sur Chrome.")


@dataclass
class _Row:
    key: str
    category: str = ""
    reroute: list[str] = field(default_factory=list)
    public: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    skip: str = ""
    keys: list[str] = field(default_factory=list)


def _cell(items: list[str]) -> str:
    return ", ".join(items) if items else "-"


def _collect(rows: dict[str, _Row], alias: dict[str, str], results: list[Any], cycle: int) -> None:
    prefix = f"({cycle}) " if cycle > 1 else ""
    for result in results:
        key = alias.get(result.decision.key, result.decision.key)
        if result.key != result.decision.key:
            alias[result.key] = key
        row = rows.setdefault(key, _Row(key))
        if result.key != key and result.key not in row.keys:
            row.keys.append(result.key)
        decision = result.decision
        if decision.category is not None and not row.category:
            row.category = decision.category.value
        if decision.skipped and not row.skip and not result.executed:
            row.skip = decision.skip_reason or ""
        for label in result.executed:
            kind, _, rest = label.partition(":")
            if kind == "reroute":
                row.reroute.append(prefix + rest)
            elif kind == "reply":
                row.public.append(prefix + rest.replace("faq:", ""))
            elif kind == "note":
                row.notes.append(prefix + rest)
            elif kind == "transition":
                row.status.append(prefix + rest.replace("waiting_for_", "→"))
        if result.failed:
            row.notes.append(prefix + "FAILED " + ", ".join(result.failed))


def _table(rows: list[_Row]) -> str:
    head = (
        "TICKET",
        "CATEGORY",
        "REROUTE",
        "PUBLIC REPLY / QUESTION",
        "INTERNAL NOTE",
        "STATUS / SKIPPED",
    )
    body = []
    for r in rows:
        key = r.key + (" → " + r.keys[-1] if r.keys else "")
        acted = r.reroute or r.public or r.notes or r.status
        status = (
            _cell(r.status) if r.status else ("-" if acted or not r.skip else f"skipped: {r.skip}")
        )
        body.append(
            (key, r.category or "-", _cell(r.reroute), _cell(r.public), _cell(r.notes), status)
        )
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in body
    ]
    return "\n".join(lines)


def run_demo(args: argparse.Namespace) -> int:  # noqa: PLR0915  # one linear story
    import tempfile  # noqa: PLC0415  # keep --help fast
    from pathlib import Path  # noqa: PLC0415

    import requests  # noqa: PLC0415
    from pydantic import SecretStr  # noqa: PLC0415

    from routerbot.bootstrap import build_app  # noqa: PLC0415
    from routerbot.observability import configure_logging  # noqa: PLC0415
    from routerbot.sandbox import SandboxModel, SandboxServer  # noqa: PLC0415
    from routerbot.settings import Settings  # noqa: PLC0415

    cycles = max(1, args.cycles)
    routing = routing_for(args)
    sandbox = SandboxServer(SandboxModel.seeded())
    sandbox.start()
    configure_logging(
        level="INFO" if args.verbose else "ERROR",
        fmt="json" if args.verbose else "auto",
        secrets=[sandbox.token],
        stream=sys.stderr,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="routerbot-demo-") as tmp:
            settings = Settings(
                _env_file=None,
                jira_url=sandbox.url,
                jira_email=sandbox.email,
                jira_api_token=SecretStr(sandbox.token),
                jira_api_token_file=None,
                state_url=f"sqlite:///{Path(tmp) / 'state.db'}",
                dry_run=False,
                metrics_port=0,
                poll_seconds=1.0,
                replica_id="demo",
            )
            app = build_app(settings, adapter_options={"move_poll_interval": 0.05}, routing=routing)
            rows: dict[str, _Row] = {}
            alias: dict[str, str] = {}
            answered: list[tuple[str, str]] = []
            last_writes = -1

            def customer_answers(i: int) -> None:
                if i != 0:
                    return
                for state, text in zip(app.store.waiting_tickets(), ANSWERS, strict=False):
                    resp = requests.post(
                        sandbox.url + "/_sandbox/comments",
                        json={"key": state.key, "body": text, "author": "customer"},
                        timeout=10,
                    )
                    resp.raise_for_status()
                    answered.append((alias.get(state.key, state.key), text))

            try:
                app.daemon.startup()
                ok = True
                for i in range(cycles):
                    before = _writes(sandbox.url)
                    report = app.daemon.poll_once()
                    followups = app.daemon.follow_up_once()
                    ok = ok and report.ok
                    _collect(rows, alias, report.results + report.reconciled + followups, i + 1)
                    last_writes = _writes(sandbox.url) - before
                    if i < cycles - 1:
                        customer_answers(i)
                metrics = app.metrics
            finally:
                app.close()
    finally:
        sandbox.stop()

    ordered = sorted(rows.values(), key=lambda r: _key_order(r.key))
    print(f"routerbot demo: {cycles} poll cycle(s) against the seeded JSM sandbox over HTTP")
    print(routing.describe())
    print()
    print(_table(ordered))
    print()
    for key, text in answered:
        print(f"between cycles 1 and 2, the customer of {key} answered: {text!r}")
    totals = {
        "tickets": len(rows),
        "rerouted": sum(1 for r in rows.values() if r.reroute),
        "public replies": sum(len(r.public) for r in rows.values()),
        "internal notes": sum(len(r.notes) for r in rows.values()),
        "skipped": sum(
            1 for r in rows.values() if not (r.reroute or r.public or r.notes or r.status)
        ),
    }
    print("totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    print(
        f"API calls: {int(sum(_samples(metrics, 'routerbot_api_calls_total')))}, "
        f"writes in the last cycle: {last_writes} (a repeated poll repeats nothing)"
    )
    print("(n) = done in cycle n; → = status change; run 'routerbot demo --verbose' for logs")
    return 0 if ok else 1


def _key_order(key: str) -> tuple[str, int]:
    prefix, _, number = key.rpartition("-")
    return (prefix, int(number) if number.isdigit() else 0)


def _samples(metrics: Any, name: str) -> list[float]:
    values = []
    for family in metrics.registry.collect():
        for sample in family.samples:
            if sample.name == name:
                values.append(float(sample.value))
    return values


def _writes(url: str) -> int:
    """Write requests the sandbox received so far (from its admin counters)."""
    import requests  # noqa: PLC0415

    data = requests.get(url + "/_sandbox/requests", timeout=10).json()
    total = 0
    counts = data.get("requests") if isinstance(data, dict) else None
    if isinstance(counts, dict):
        for route, n in counts.items():
            if (
                isinstance(n, int)
                and str(route).split(" ", 1)[0] in ("POST", "PUT", "DELETE")
                and "search" not in str(route)
            ):
                total += n
    return total
