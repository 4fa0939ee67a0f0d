"""``routerbot soak``: N tickets against the sandbox while the daemon is killed at random."""

from __future__ import annotations

import argparse
import sys
from typing import Any

EPILOG = """examples:
  routerbot soak                                   1,000 tickets, default faults, a kill every ~8 s
  routerbot soak --tickets 10000 --kill-every 15   the long run (about 10-15 minutes)
  routerbot soak --faults "429=0.05,503=0.05" --seed 7
  routerbot soak --state-url postgresql+psycopg://user@host/db

The sandbox runs in this process, the daemon as a subprocess (python -m routerbot run);
exit code 0 when every invariant holds (no duplicate, no lost ticket, no leak, no loop,
no request before a Retry-After expired), 1 otherwise.
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "soak",
        help="soak test: tickets, faults and SIGKILLs against the sandbox, then check invariants",
        description="Create tickets in the sandbox over time while the daemon (a real "
        "subprocess) is killed at random and restarted, with 5xx, 429 and dropped "
        "connections injected; customers answer in between. After a quiet period, read "
        "the sandbox and print handled tickets, replies per ticket, duplicates, lost "
        "tickets, loops and early retries.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--tickets", type=int, default=1000, help="tickets to create (default 1000)")
    p.add_argument("--faults", default=None, help="fault spec (default: the soak mix)")
    p.add_argument(
        "--kill-every",
        type=float,
        default=8.0,
        metavar="SECONDS",
        help="mean seconds between SIGKILLs of the daemon; 0 never kills (default 8)",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--state-url", default="", help="state store URL (default: a temp SQLite)")
    p.add_argument("--workdir", default="", help="keep the daemon's log and state here")
    p.add_argument("--quiet", action="store_true", help="print only the final table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from routerbot.errors import InputError  # noqa: PLC0415  # keep --help fast
    from routerbot.soak import DEFAULT_FAULTS, SoakOptions, run_soak  # noqa: PLC0415

    if args.tickets < 1:
        raise InputError("--tickets must be at least 1")
    options = SoakOptions(
        tickets=args.tickets,
        faults=DEFAULT_FAULTS if args.faults is None else args.faults,
        kill_every=max(0.0, args.kill_every),
        seed=args.seed,
        state_url=args.state_url,
        workdir=args.workdir,
        progress=None if args.quiet else (lambda m: print(f"soak: {m}", file=sys.stderr)),
    )
    report = run_soak(options)
    print(report.render())
    return 0 if report.ok else 1
