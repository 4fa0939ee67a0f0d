"""``routerbot check-config [PATH | --config PATH]``: validate a routing file, print OK or
every error."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from routerbot.commands import add_config_option, routing_for

EPILOG = """examples:
  routerbot check-config                          the file the daemon would load
  routerbot check-config --config /etc/routerbot/routing.toml
  routerbot check-config my-routing.toml --tickets history.jsonl

Without a path: ROUTERBOT_ROUTING_FILE, else ./config/routing.toml, else the packaged
default (the first line on stderr says which).

Exit code 0 when the file is valid, 2 when it is not (every problem is listed with
its TOML path and line).
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "check-config",
        help="validate a routing.toml and print a summary or every error",
        description="Validate a routing file: unknown keys, bad patterns, unknown FAQ ids, "
        "broken templates, out-of-range numbers, missing categories.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", default=None, help="the routing file (same as --config)")
    add_config_option(p)
    p.add_argument(
        "--tickets",
        metavar="FILE.jsonl",
        help="also warn about FAQ entries that are the closest entry for none of these tickets",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from routerbot.config import load_config  # noqa: PLC0415 - keep --help fast
    from routerbot.errors import ConfigError  # noqa: PLC0415

    if args.path and args.config and args.path != args.config:
        from routerbot.errors import InputError  # noqa: PLC0415

        raise InputError("give the routing file once: PATH or --config PATH")
    args.config = args.config or args.path
    path = routing_for(args).path
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"{path}: {'; '.join(exc.problems)}", file=sys.stderr)
        return 2
    examples = sum(len(f.examples) for f in config.faq.values())
    cat_examples = sum(len(c.examples) for c in config.categories.values())
    print(f"OK {path} (sha256 {config.config_hash[:12]})")
    for cat, cc in config.categories.items():
        print(f"  category {cat.value:<22} → {cc.target}")
    print(f"  FAQ entries: {len(config.faq)}; examples: {examples} (categories: {cat_examples})")
    t = config.thresholds
    print(
        f"  thresholds: reroute ≥ {t.reroute_min_confidence}, "
        f"FAQ reply ≥ {t.faq_reply_min_confidence}"
    )
    mins = ", ".join(f"{k} ≥ {v}" for k, v in config.browsers.minimum_major.items())
    print(f"  browsers: {', '.join(config.browsers.recommended)} ({mins})")
    print(
        f"  conversation: at most {config.conversation.max_asks} asks, reminder after "
        f"{config.conversation.reminder_after_days} d, hand-over after "
        f"{config.conversation.handover_after_days} d"
    )
    from routerbot.labelled import read_labelled  # noqa: PLC0415
    from routerbot.lead import warnings as lead_warnings  # noqa: PLC0415 - load on use

    tickets = [lt.ticket for lt in read_labelled(args.tickets)] if args.tickets else None
    warnings = lead_warnings.config_warnings(config, tickets)
    print(f"  warnings: {len(warnings)}")
    for warning in warnings:
        print(f"  - {warning}")
    return 0
