"""``routerbot soak``: N tickets against the sandbox while the daemon is killed at random."""

from __future__ import annotations

import argparse
import sys
from typing import Any

EPILOG = """examples:
  routerbot soak                                   1,000 tickets, default faults, a kill every ~8 s
  routerbot soak --tickets 10000 --kill-every 15   the long run (20-40 minutes on 2 busy cores)
  routerbot soak --faults "429=0.05,503=0.05" --seed 7
  routerbot soak --state-url postgresql+psycopg://user@host/db
  routerbot soak --tickets 2000 --replicas 2 --skew-seconds 30 \
      --state-url postgresql+psycopg://user@host/db
                     two daemons on one PostgreSQL, the second's clock 30 s ahead

--replicas N starts N daemons on one store (PostgreSQL only); each kill picks one at
random. --skew-seconds S runs the last replica's wall clock S seconds ahead with
libfaketime (Debian: apt-get install faketime); the run checks that a child's
time.time() is really shifted before it starts.

The sandbox runs in this process, the daemon as a subprocess (python -m routerbot run);
exit code 0 when every invariant holds (no duplicate, no lost ticket, no leak, no loop,
no request before a Retry-After expired, every public reply in the ledger sent and
every one sent in the ledger), 1 otherwise; 2 for options that cannot run.
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
    p.add_argument(
        "--replicas",
        type=int,
        default=1,
        metavar="N",
        help="daemon subprocesses on one store; more than 1 needs a PostgreSQL --state-url "
        "(default 1)",
    )
    p.add_argument(
        "--skew-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="run the last replica's wall clock S seconds ahead (libfaketime; needs "
        "--replicas 2 or more)",
    )
    p.add_argument("--workdir", default="", help="keep the daemon's log and state here")
    p.add_argument("--quiet", action="store_true", help="print only the final table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from routerbot.errors import InputError  # noqa: PLC0415  # keep --help fast
    from routerbot.soak import (  # noqa: PLC0415
        DEFAULT_FAULTS,
        SoakOptions,
        options_problem,
        run_soak,
    )

    options = SoakOptions(
        tickets=args.tickets,
        faults=DEFAULT_FAULTS if args.faults is None else args.faults,
        kill_every=max(0.0, args.kill_every),
        seed=args.seed,
        state_url=args.state_url,
        replicas=args.replicas,
        skew_seconds=args.skew_seconds,
        workdir=args.workdir,
        progress=None if args.quiet else (lambda m: print(f"soak: {m}", file=sys.stderr)),
    )
    problem = options_problem(options)
    if problem:
        raise InputError(problem)
    report = run_soak(options)
    print(report.render())
    return 0 if report.ok else 1
