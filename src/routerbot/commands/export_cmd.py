"""``routerbot export`` and ``routerbot report``: the support lead's view of real history.

``export`` pulls past tickets from JSM into the labelled format of ROUTING.md, labelled
from where the agents finally put them and what was finally answered, so that a
routing change can be backtested with ``routerbot eval`` before it goes live.
``report`` reads the same history and prints how often agents undid the bot.
Both read only: they never write to Jira.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from routerbot.commands import add_config_option, routing_for

if TYPE_CHECKING:  # pragma: no cover
    from routerbot.config import RoutingConfig
    from routerbot.domain import TicketHistory
    from routerbot.lead.recognise import FaqRecogniser
    from routerbot.lead.undo import UndoScan
    from routerbot.ports import TicketHistorySource

EXPORT_EPILOG = """examples:
  routerbot export --jql 'project in (OPE, SD) AND statusCategory = Done AND updated >= -90d' \\
      history.jsonl
  routerbot export --jql 'project = OPE AND statusCategory = Done AND updated >= -30d' - --limit 20
  routerbot eval history.jsonl --config routing.toml   backtest the file you edited
  routerbot eval history.jsonl --config routing.toml --compare-config old.toml

Each line is the ticket as the customer filed it (original portal and form, the
customer's first messages) with "expected" read from the history, the bot's work
included: the final request type (category, and reroute_to when it was moved), the
FAQ answer the last reply carries, whether the browser was asked for (the bot's own
questions count), the browser the customer states; "history" says who moved and who
answered (bot or agent). Logs go to stderr. Jira settings come from the
ROUTERBOT_JIRA_* variables. Read only.
"""

REPORT_EPILOG = """examples:
  routerbot report                                     the desks' last 30 days
  routerbot report --days 7
  routerbot report --html report.html                  the same, and a page with charts
  routerbot report --html report.html --state-url sqlite:///var/routerbot.db
  routerbot report --jql 'project = OPE AND updated >= -14d'

Counts the bot's reroutes and public replies and how many an agent undid: a reroute
that an agent moved elsewhere (reroute_reverted), a public bot reply followed by an
agent's public reply before the customer wrote again (reply_corrected), per category
and FAQ entry. The daemon exports the same events as the Prometheus counter
routerbot_agent_undo_total{kind,category,faq}. Read only.

--html FILE writes one self-contained HTML page (inline SVG, no CDN, no script):
decisions per category and per FAQ entry over time, undo rates per category and FAQ
entry with their counts, public replies against internal notes, the breaker, and the
parked tickets (from the daemon's state store, with --state-url).
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    export = sub.add_parser(
        "export",
        help="pull past JSM tickets into the labelled JSON Lines format, to backtest routing",
        description="Export past tickets, labelled from what the agents finally did.",
        epilog=EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("--jql", required=True, help="which tickets (a bounded JQL query)")
    export.add_argument("out", metavar="OUT.jsonl", help="file to write ('-' for stdout)")
    export.add_argument("--limit", type=int, default=None, metavar="N", help="at most N tickets")
    add_config_option(export)
    export.set_defaults(func=run_export)

    report = sub.add_parser(
        "report",
        help="how often agents undo the bot, per category and FAQ entry",
        description="Read the Jira changelog and comments and print the agents' undo rates.",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "--jql", default=None, help="which tickets (default: the desks' last --days)"
    )
    report.add_argument(
        "--days", type=int, default=30, metavar="N", help="window without --jql (default 30)"
    )
    report.add_argument("--limit", type=int, default=None, metavar="N", help="at most N tickets")
    add_config_option(report)
    report.add_argument(
        "--html",
        default=None,
        metavar="FILE",
        help="also write one self-contained HTML page with charts (no CDN, no script)",
    )
    report.add_argument(
        "--state-url",
        default=None,
        metavar="URL",
        help="the daemon's state store, to list parked tickets on the HTML page",
    )
    report.set_defaults(func=run_report)


def _connect(args: argparse.Namespace) -> tuple[TicketHistorySource, RoutingConfig]:
    from routerbot.bootstrap import build_history_source, configure_logging_for  # noqa: PLC0415
    from routerbot.config import load_config  # noqa: PLC0415
    from routerbot.errors import InputError  # noqa: PLC0415
    from routerbot.settings import load_settings  # noqa: PLC0415

    if args.limit is not None and args.limit < 1:
        raise InputError("--limit must be at least 1")
    settings = load_settings()
    configure_logging_for(settings)  # to stderr: `export … -` writes only rows to stdout
    config = load_config(routing_for(args, settings).path)
    return build_history_source(settings, config), config


def run_export(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from routerbot.errors import InputError  # noqa: PLC0415
    from routerbot.lead.export import export_row  # noqa: PLC0415
    from routerbot.lead.recognise import FaqRecogniser  # noqa: PLC0415

    source, config = _connect(args)
    recogniser = FaqRecogniser(config)
    rows = (export_row(h, config, recogniser) for h in source.history(args.jql, limit=args.limit))
    count = by_bot = by_agents = answered = asked = 0
    if args.out == "-":
        handle = sys.stdout
    else:
        try:
            handle = Path(args.out).open("w", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InputError(f"cannot write {args.out}: {exc.strerror}") from exc
    try:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
            by_bot += "bot" in row["history"]["moved_by"]
            by_agents += "agent" in row["history"]["moved_by"]
            answered += row["expected"]["faq"] is not None
            asked += bool(row["expected"]["ask_browser"])
    finally:
        if handle is not sys.stdout:
            handle.close()
    print(
        f"exported {count} tickets to {args.out}: {by_bot} moved by the bot, "
        f"{by_agents} moved by agents, {answered} answered with a FAQ entry, "
        f"{asked} asked for the browser",
        file=sys.stderr,
    )
    return 0


def run_report(args: argparse.Namespace) -> int:
    from routerbot.errors import InputError  # noqa: PLC0415
    from routerbot.lead.recognise import FaqRecogniser  # noqa: PLC0415
    from routerbot.lead.undo import detect_undos, merge_scans, render_undo_report  # noqa: PLC0415

    if args.days < 1:
        raise InputError("--days must be at least 1")
    source, config = _connect(args)
    jql = args.jql
    if not jql:
        projects = ", ".join(f'"{p}"' for p in source.projects())
        jql = f"project in ({projects}) AND updated >= -{args.days}d ORDER BY updated DESC"
    recogniser = FaqRecogniser(config)
    histories = list(source.history(jql, limit=args.limit))
    scan = merge_scans(detect_undos(h, config, recogniser) for h in histories)
    sys.stdout.write(render_undo_report(scan, tickets=len(histories)))
    if args.html:
        _write_html(
            args, jql=jql, histories=histories, scan=scan, config=config, recogniser=recogniser
        )
    return 0


def _write_html(
    args: argparse.Namespace,
    *,
    jql: str,
    histories: list[TicketHistory],
    scan: UndoScan,
    config: RoutingConfig,
    recogniser: FaqRecogniser,
) -> None:
    from datetime import UTC, datetime  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from routerbot.errors import InputError  # noqa: PLC0415
    from routerbot.lead.report import (  # noqa: PLC0415
        BreakerNow,
        Parked,
        breaker_from,
        parked_from,
        render_report_html,
        report_facts,
    )

    parked: list[Parked] | None = None
    breaker: BreakerNow | None = None
    store_note = ""
    if args.state_url:
        from routerbot.bootstrap import open_state_store  # noqa: PLC0415

        store = open_state_store(args.state_url)
        try:
            parked = parked_from(store)
            breaker = breaker_from(store, config, datetime.now(UTC))
        finally:
            store.close()
        store_note = "Read from the daemon's state store (--state-url)."
    facts = report_facts(histories, scan, config, recogniser)
    page = render_report_html(
        facts,
        config,
        query=jql,
        generated=datetime.now(UTC),
        parked=parked,
        breaker=breaker,
        store_note=store_note,
    )
    try:
        Path(args.html).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {args.html}: {exc.strerror}") from exc
    print(f"wrote {args.html} ({len(page) // 1024} KiB, self-contained)", file=sys.stderr)
