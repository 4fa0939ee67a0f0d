"""``routerbot parked`` and ``routerbot breaker reset``: operator commands on the state
store (settings from the ``ROUTERBOT_*`` variables, like ``run``)."""

from __future__ import annotations

import argparse
from typing import Any

PARKED_EPILOG = """examples:
  routerbot parked                    list the tickets set aside after repeated failures
  routerbot parked --retry OPE-12     handle OPE-12 again at the next poll
  routerbot parked --retry-all        handle every parked ticket again
"""

BREAKER_EPILOG = """examples:
  routerbot breaker reset     the burst is legitimate: answer the deferred public replies now

The hourly cap (loop_guard.max_public_replies_per_hour) is then lifted for one hour;
the per-ticket cap and the loop signature (the same text twice) still hold.
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "parked",
        help="list tickets parked after repeated failures, or retry them",
        description="Tickets that failed again and again are parked with a growing "
        "backoff so that the others go on; list them, or bring them back.",
        epilog=PARKED_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--retry", metavar="KEY", action="append", default=[], help="retry KEY")
    p.add_argument("--retry-all", action="store_true", help="retry every parked ticket")
    p.set_defaults(func=run_parked)
    b = sub.add_parser(
        "breaker",
        help="reset the hourly public-reply breaker",
        description="While the hourly cap is reached, public replies are deferred (the "
        "tickets stay pending). `reset` confirms the burst is legitimate.",
        epilog=BREAKER_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    b.add_argument("action", choices=["reset"], help="reset: answer the deferred replies now")
    b.set_defaults(func=run_breaker)


def _store() -> Any:
    from routerbot.settings import load_settings  # noqa: PLC0415 - keep --help fast
    from routerbot.store import open_store  # noqa: PLC0415

    return open_store(load_settings().state_url)


def run_parked(args: argparse.Namespace) -> int:
    store = _store()
    try:
        parked = store.parked_tickets()
        keys = [s.key for s in parked] if args.retry_all else list(args.retry)
        if keys:
            for key in keys:
                print(f"{key}: {'retried' if store.unpark(key) else 'not parked'}")
            return 0
        if not parked:
            print("no parked ticket")
        for s in parked:
            until = s.parked_until.isoformat() if s.parked_until else ""
            print(f"{s.key}\tfailures={s.failures}\tuntil={until}\t{s.last_error[:120]}")
        return 0
    finally:
        store.close()


def run_breaker(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415

    from routerbot.service import BREAKER_RESET_CURSOR  # noqa: PLC0415

    store = _store()
    try:
        now = datetime.now(UTC) + timedelta(microseconds=1)
        store.set_cursor(BREAKER_RESET_CURSOR, now)
        print(f"breaker reset at {now.isoformat()}: the hourly cap is lifted for one hour")
        return 0
    finally:
        store.close()
