"""``routerbot teach``: propose the example line that teaches a missed ticket, and write it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routerbot.commands import add_config_option, routing_for

if TYPE_CHECKING:
    from routerbot.domain import Ticket
    from routerbot.lead.teach import Goal, TeachResult
    from routerbot.routing_file import RoutingFile

EPILOG = """examples:
  routerbot teach --file ticket.json --faq telecharger-modele
  routerbot teach HOLD-014 --file history.jsonl --faq role-admin-local --write
  routerbot teach OPE-123 --faq nous-contacter --config my-routing.toml
  routerbot teach --file ticket.json --category habilitation

The proposed line is the customer's own question: their words without greeting,
thanks, signature, quoted mail, e-mail addresses, phone numbers or names. The ticket
is decided again with the line added (in memory) and both decisions are shown. Nothing
is written without --write; with it, the line is added to the entry's `examples` in the
routing file, everything else in the file (comments, layout) staying as it was.
Exit code 0 when the ticket gets what was asked with the line, 1 when it still does not.
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "teach",
        help="propose the example line that teaches a missed ticket (and write it)",
        description="Read a ticket (a live KEY, a ticket file, or KEY in a JSON Lines "
        "file), propose the customer's cleaned question as a new example of an FAQ entry "
        "(or a category), show the ticket's decision before and after, and with --write "
        "add the line to the routing file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "key", nargs="?", help="a ticket key: live (Jira settings), or a line of --file JSONL"
    )
    p.add_argument("--file", help="a ticket file (.json), or a JSON Lines file with KEY in it")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--faq", metavar="ID", help="the FAQ entry that should answer the ticket")
    goal.add_argument(
        "--category",
        metavar="NAME",
        help="teach the category instead (habilitation or assistance_operateur examples)",
    )
    add_config_option(p)
    p.add_argument("--example", metavar="TEXT", help="use this line instead of the proposed one")
    p.add_argument("--write", action="store_true", help="add the line to the routing file")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def _read_ticket(args: argparse.Namespace) -> tuple[Ticket, str, RoutingFile]:
    """The ticket and where it came from."""
    from routerbot.errors import InputError  # noqa: PLC0415

    if args.file and _is_jsonl(args.file):
        if not args.key:
            raise InputError(f"{args.file} holds several tickets: give the KEY of one")
        from routerbot.labelled import read_labelled  # noqa: PLC0415

        for lt in read_labelled(args.file):
            if lt.ticket.key == args.key:
                return lt.ticket, f"{args.file}:{lt.line}", routing_for(args)
        raise InputError(f"no ticket {args.key!r} in {args.file}")
    if args.file:
        if args.key:
            raise InputError("give a KEY with a JSON Lines --file only, or --file alone")
        from routerbot.labelled import read_ticket_file  # noqa: PLC0415

        return read_ticket_file(args.file), args.file, routing_for(args)
    if not args.key:
        raise InputError("give a ticket KEY or --file TICKET.json")
    ticket, routing = _live_ticket(args)
    return ticket, "live", routing


def _is_jsonl(path: str) -> bool:
    return Path(path).suffix.lower() in (".jsonl", ".ndjson")


def _live_ticket(args: argparse.Namespace) -> tuple[Ticket, RoutingFile]:
    """Read one ticket through the service-desk port, wired by the composition root."""
    from routerbot.bootstrap import build_app, configure_logging_for  # noqa: PLC0415
    from routerbot.settings import load_settings  # noqa: PLC0415

    settings = load_settings()
    routing = routing_for(args, settings)
    configure_logging_for(settings)  # to stderr: stdout stays for the proposal
    app = build_app(settings, routing=routing)
    try:
        return app.service_desk.get(args.key).ticket, routing
    finally:
        app.close()


def _goal(args: argparse.Namespace, config_text: str, source: str) -> Goal:
    from routerbot.config import parse_config  # noqa: PLC0415
    from routerbot.lead.teach import Goal  # noqa: PLC0415

    config = parse_config(config_text, source=source)
    return Goal.faq(args.faq, config) if args.faq else Goal.category(args.category, config)


def run(args: argparse.Namespace) -> int:
    from routerbot.errors import InputError  # noqa: PLC0415 - keep --help fast
    from routerbot.lead import teach as teaching  # noqa: PLC0415
    from routerbot.lead.tomledit import replace_file  # noqa: PLC0415
    from routerbot.routing_file import Origin  # noqa: PLC0415

    ticket, origin, routing = _read_ticket(args)
    path = routing.path
    if args.write and routing.origin is Origin.PACKAGED:
        raise InputError(
            f"{path} is the default shipped inside the package: copy it, edit the copy "
            "and pass it with --config (or ROUTERBOT_ROUTING_FILE)"
        )
    try:
        config_text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    goal = _goal(args, config_text, str(path))
    candidates = [args.example.strip()] if args.example and args.example.strip() else None
    result = teaching.teach(ticket, goal, config_text, source=str(path), candidates=candidates)
    written = False
    if args.write and not result.already:
        replace_file(path, config_text, result.new_text)
        written = True
    if args.json:
        print(
            json.dumps(
                _as_json(result, ticket.key, origin, path, written), indent=2, ensure_ascii=False
            )
        )
    else:
        print(_render(result, ticket.key, origin, path, written=written, asked=args.write), end="")
    return 0 if result.hit else 1


def _render(
    result: TeachResult, key: str, origin: str, path: Path, *, written: bool, asked: bool
) -> str:
    from routerbot.lead.compare import DecisionSummary  # noqa: PLC0415
    from routerbot.lead.misses import category_examples, nearest_examples, runner_up  # noqa: PLC0415
    from routerbot.lead.tomledit import toml_string  # noqa: PLC0415

    table = ".".join(result.goal.table)
    lines = [f"routing file: {path}", f"ticket: {key} ({origin})", f"goal: {result.goal.label}"]
    if result.already:
        lines.append("")
        lines.append(f"the ticket already gets {result.goal.label}: nothing to teach")
        return "\n".join(lines) + "\n"
    lines.append("")
    lines.append(f"proposed example for [{table}] examples:")
    lines.append(f"  {toml_string(result.example)},")
    old, new = DecisionSummary.of(result.old), DecisionSummary.of(result.new)
    width = max(len("old"), *(len(old.value(f)) for f in DecisionSummary.FIELDS))
    lines.append("")
    lines.append(f"  {'decision':<14}  {'old':<{width}}  new")
    for name in DecisionSummary.FIELDS:
        mark = "*" if getattr(old, name) != getattr(new, name) else " "
        lines.append(f"{mark} {name:<14}  {old.value(name):<{width}}  {new.value(name)}")
    by_category = result.goal.table[0] == "categories"
    near = category_examples(result.new) if by_category else nearest_examples(result.new)
    if near:
        lines.append("")
        lines.append("closest examples with the line added:")
        lines.extend(f"  {n.score:.2f}  {n.entry_id:<24}  {n.text!r}" for n in near)
    second = runner_up(result.new)
    if second is not None and not by_category:
        lines.append(f"runner-up: {second[0]} ({second[1]:.2f})")
    lines.append("")
    if result.new.skipped:
        lines.append(f"the bot skips this ticket whatever its examples: {result.new.skip_reason}")
    if result.hit:
        lines.append(f"result: the ticket now gets {result.goal.label}")
    else:
        lines.append(
            f"result: not enough — with this line the ticket still does not get "
            f"{result.goal.label} ({result.tried} wording(s) tried); try another wording "
            "with --example, or look at the closest examples above"
        )
    if written:
        lines.append(f"wrote 1 example to {path}; check it: routerbot check-config {path}")
    elif not asked:
        lines.append(f"dry run: nothing written (add --write to add the line to {path})")
    return "\n".join(lines) + "\n"


def _as_json(
    result: TeachResult, key: str, origin: str, path: Path, written: bool
) -> dict[str, Any]:
    from routerbot.evaluation import predicted_labels  # noqa: PLC0415

    return {
        "ticket": key,
        "source": origin,
        "routing_file": str(path),
        "goal": result.goal.label,
        "table": list(result.goal.table),
        "example": result.example,
        "old": predicted_labels(result.old),
        "new": predicted_labels(result.new),
        "already": result.already,
        "hit": result.hit,
        "written": written,
    }
