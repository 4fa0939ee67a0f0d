"""``routerbot eval FILE.jsonl``: decide labelled tickets and print the metrics table."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from routerbot.config import RoutingConfig
    from routerbot.evaluation import EvalReport
    from routerbot.lead.misses import Miss

from routerbot.commands import add_config_option, load_routing, routing_for

EPILOG = """examples:
  routerbot eval tests/data/tickets-dev.jsonl
  routerbot eval tickets.jsonl --config my-routing.toml --decisions out.jsonl
  routerbot eval tickets.jsonl --misses
  routerbot eval history.jsonl --compare-config routing-before.toml
  routerbot eval history.jsonl --compare-config routing-before.toml --html eval.html

--misses explains each wrong or missed ticket: expected vs decided, the closest
examples of the routing file and the runner-up, and the `routerbot teach` command
that would teach it. --compare-config scores OLD.toml too: every metric old → new,
and each ticket whose decision changes, with the expected decision beside it.

Tickets without "expected" are decided and written to --decisions, not scored.
Exit code 0 when every bar of the metrics table holds, 1 otherwise.
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "eval",
        help="score the routing on labelled tickets (JSON Lines)",
        description="Decide each ticket of FILE and print category accuracy and confusion "
        "matrix, reroute accuracy, FAQ reply precision/recall, ask-browser and browser "
        "accuracy, unwanted public replies and the exact-decision rate.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The eval arguments (kept apart so other options can be added beside them)."""
    p.add_argument("file", help="tickets in the ROUTING.md JSON Lines format")
    add_config_option(p)
    p.add_argument("--decisions", metavar="OUT.jsonl", help="write one decision per line here")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument(
        "--compare-config",
        metavar="OLD.toml",
        help="also score OLD.toml: every metric old → new, and the tickets whose decision "
        "changes, side by side with the expected decision",
    )
    p.add_argument(
        "--html",
        metavar="OUT.html",
        help="also write the evaluation as one self-contained HTML page (confusion matrix, "
        "per-entry precision and recall, with --compare-config the changed tickets)",
    )
    p.add_argument(
        "--misses",
        action="store_true",
        help="explain each wrong or missed ticket (closest examples, runner-up, teach command)",
    )


def load(args: argparse.Namespace) -> tuple[RoutingConfig, EvalReport]:
    """Load the config and evaluate the file (reused by extensions of this command)."""
    from routerbot.evaluation import evaluate  # noqa: PLC0415
    from routerbot.labelled import read_labelled  # noqa: PLC0415

    args.routing = routing_for(args)
    config = load_routing(args.routing.path)
    return config, evaluate(read_labelled(args.file), config)


def load_old(args: argparse.Namespace) -> EvalReport:
    """The same file evaluated under ``--compare-config OLD.toml``."""
    from routerbot.evaluation import evaluate  # noqa: PLC0415
    from routerbot.labelled import read_labelled  # noqa: PLC0415

    return evaluate(read_labelled(args.file), load_routing(args.compare_config))


def write_decisions(report: EvalReport, path: str) -> None:
    from routerbot.errors import InputError  # noqa: PLC0415

    try:
        with open(path, "w", encoding="utf-8") as out:
            for r in report.results:
                out.write(json.dumps({"id": r.id, **r.predicted}, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


def write_html(
    path: str,
    args: argparse.Namespace,
    *,
    config: RoutingConfig,
    report: EvalReport,
    old: EvalReport | None,
    wrong: list[Miss],
) -> None:
    from pathlib import Path  # noqa: PLC0415

    from routerbot.errors import InputError  # noqa: PLC0415
    from routerbot.lead import compare, evalpage  # noqa: PLC0415

    page = evalpage.render_page(
        report,
        file=args.file,
        config=str(args.routing.path),
        faq_ids=list(config.faq),
        old_config=args.compare_config,
        metric_changes=compare.metric_changes(old, report) if old is not None else None,
        changes=compare.compare_reports(old, report) if old is not None else None,
        misses=wrong,
    )
    try:
        Path(path).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


def run(args: argparse.Namespace) -> int:
    from routerbot.evaluation import render_table  # noqa: PLC0415
    from routerbot.lead import compare, misses  # noqa: PLC0415

    config, report = load(args)
    if args.decisions:
        write_decisions(report, args.decisions)
    old = load_old(args) if args.compare_config else None
    changes = compare.compare_reports(old, report) if old is not None else None
    metrics = compare.metric_changes(old, report) if old is not None else None
    wrong = misses.misses(report) if args.misses or args.html else []
    if args.html:
        write_html(args.html, args, config=config, report=report, old=old, wrong=wrong)
        print(f"wrote {args.html}", file=sys.stderr)
    if args.json:
        out: dict[str, Any] = {"counts": report.counts, "metrics": report.metrics}
        if old is not None and changes is not None and metrics is not None:
            out["old_metrics"] = old.metrics
            out["changes"] = compare.changes_as_json(changes)
        if args.misses:
            out["misses"] = misses.misses_as_json(wrong)
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0 if all(report.passes().values()) else 1
    print(render_table(report, differences=not args.misses), end="")
    if args.misses:
        print()
        t = config.thresholds
        rule = (
            f"(an FAQ entry is answered in public at confidence ≥ {t.faq_reply_min_confidence:g}"
            f" with a lead of ≥ {t.faq_margin:g} over the runner-up)"
        )
        text = misses.render_misses(
            wrong, len(report.scored), file=args.file, config=str(args.routing.path), rule=rule
        )
        print(text, end="")
    if changes is not None and metrics is not None:
        print(f"\nold: {args.compare_config}   new: {args.routing.path}")
        print(compare.render_metric_changes(metrics))
        print(compare.render_changes(changes, len(report.results)), end="")
    return 0 if all(report.passes().values()) else 1
