"""``routerbot triage``: explain the decision for one ticket (a file, or a live KEY)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from routerbot.commands import add_config_option, load_routing, routing_for

EPILOG = """examples:
  routerbot triage --file ticket.json                 checklist for a ticket file
  routerbot triage --file ticket.json --json          the decision as JSON
  routerbot triage EXPC-123                           a live ticket (dry run)
  routerbot triage EXPC-123 --apply                   ... and carry the actions out
  routerbot triage --file ticket.json --config my-routing.toml

A ticket file holds one ticket in the ROUTING.md format (the object of one line of a
labelled JSONL file; "expected" is ignored).
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "triage",
        help="explain what the bot decides for one ticket",
        description="Print the decision for one ticket and its explanation as a checklist: "
        "the signals that fired or were missing, their weights, the actions, the reason.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("key", nargs="?", help="a live ticket key (needs the service settings)")
    p.add_argument("--file", help="a ticket as a JSON file (ROUTING.md format)")
    add_config_option(p)
    p.add_argument("--json", action="store_true", help="print the decision as JSON")
    p.add_argument("--apply", action="store_true", help="with KEY: carry the actions out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from routerbot.errors import InputError  # noqa: PLC0415 - keep --help fast

    if bool(args.file) == bool(args.key):
        raise InputError("give either a ticket KEY or --file TICKET.json")
    if args.file:
        from routerbot.engine import decide  # noqa: PLC0415
        from routerbot.labelled import read_ticket_file  # noqa: PLC0415

        if args.apply:
            raise InputError("--apply needs a live ticket KEY, not --file")
        config = load_routing(routing_for(args).path)
        decision = decide(read_ticket_file(args.file), config)
        executed: list[str] | None = None
    else:
        decision, executed = _triage_live(args)
    _print(decision, executed, as_json=args.json)
    return 0


def _triage_live(args: argparse.Namespace) -> tuple[Any, list[str]]:
    from routerbot.bootstrap import build_app, configure_logging_for  # noqa: PLC0415
    from routerbot.settings import load_settings  # noqa: PLC0415

    settings = load_settings()
    routing = routing_for(args, settings)
    configure_logging_for(settings)  # to stderr: the checklist on stdout stays clean
    app = build_app(settings, routing=routing)
    try:
        result = app.service.triage(args.key, apply=args.apply)
    finally:
        app.close()
    return result.decision, list(result.executed)


def _print(decision: Any, executed: list[str] | None, *, as_json: bool) -> None:
    from routerbot.engine.explain import decision_to_json, render_checklist  # noqa: PLC0415

    if as_json:
        data = decision_to_json(decision)
        if executed is not None:
            data["executed"] = executed
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    print(render_checklist(decision), end="")
    if executed is not None:
        print("executed:" if executed else "executed: nothing (dry run or nothing to do)")
        for item in executed:
            print(f"- {item}")
