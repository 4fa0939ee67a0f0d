"""The ``routerbot`` command: a thin shell over the library.

Each sub-command lives in ``routerbot.commands.<module>`` and exposes
``register(subparsers)``; heavy imports happen inside the command's ``run`` so that
``routerbot --help`` stays fast. Library errors become one line on stderr and a
non-zero exit code: 2 for bad input or configuration, 1 for anything else.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from routerbot import __version__
from routerbot.errors import ConfigError, InputError, RouterbotError

#: Each command and the module that registers it, in the order ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "run": "routerbot.commands.run_cmd",
    "demo": "routerbot.commands.run_cmd",
    "triage": "routerbot.commands.triage_cmd",
    "eval": "routerbot.commands.eval_cmd",
    "teach": "routerbot.commands.teach_cmd",
    "check-config": "routerbot.commands.config_cmd",
    "sandbox": "routerbot.commands.sandbox_cmd",
    "export": "routerbot.commands.export_cmd",
    "report": "routerbot.commands.export_cmd",
    "soak": "routerbot.commands.soak_cmd",
    "parked": "routerbot.commands.state_cmd",
    "breaker": "routerbot.commands.state_cmd",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))

EPILOG = """examples:
  routerbot demo                              seeded sandbox + daemon, prints what it did
  routerbot triage --file ticket.json         explain the decision for one ticket file
  routerbot eval tickets.jsonl                score the routing on labelled tickets
  routerbot eval tickets.jsonl --misses       ... and explain each wrong or missed ticket
  routerbot teach --file t.json --faq ID      propose the example line that teaches a miss
  routerbot check-config config/routing.toml  validate a routing file
  routerbot run                               the daemon (settings from ROUTERBOT_* variables)
"""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command or, given a known command name, of that command's
    module only: ``routerbot triage …`` neither imports nor builds the others (part of
    the command's cold start)."""
    parser = argparse.ArgumentParser(
        prog="routerbot",
        description="Routes, answers and follows up the Expadon 2 Certificats JSM tickets.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"routerbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words[0] if words else None)
    args = parser.parse_args(words)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        code = _call(func, args)
        sys.stdout.flush()  # a reader that went away (| head) surfaces here
    except BrokenPipeError:
        return _quiet_broken_pipe()
    return code


def _call(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command; library errors become one line on stderr and an exit code."""
    try:
        return func(args)
    except ConfigError as exc:
        _say(f"routerbot: configuration error: {exc}")
        return 2
    except InputError as exc:
        _say(f"routerbot: {exc}")
        return 2
    except RouterbotError as exc:
        _say(f"routerbot: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130


def _say(line: str) -> None:
    """One line on stderr, through the log redactor: a secret in any form (a URL's
    password, a token) never reaches the terminal, whichever error carried it."""
    from routerbot.observability import redactor  # noqa: PLC0415

    print(redactor().text(line), file=sys.stderr)


def _quiet_broken_pipe() -> int:
    """The reader of our stdout left (``routerbot export - | head``): exit quietly, as
    Python's docs advise, without a traceback at interpreter shutdown."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a command killed by it


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
