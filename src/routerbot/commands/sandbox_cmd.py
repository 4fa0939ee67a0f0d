"""``routerbot sandbox``: serve the in-memory JSM emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sized
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from routerbot.sandbox import FaultPlan, SandboxServer

EPILOG = """examples:
  routerbot sandbox                                   seeded sample tickets on a free port
  routerbot sandbox --port 8080 --tickets tickets.jsonl
  routerbot sandbox --faults "429=0.02,503=0.03,500=0.02,drop-after-write=0.01,slow=0.005" --seed 7

Prints the three ROUTERBOT_JIRA_* variables to point the bot at it. Credentials: the
bot account (--email/--token); agents use "agent-token", customers "customer-token".
Admin endpoints (no auth): GET /_sandbox/state, GET /_sandbox/requests,
POST /_sandbox/tickets, /_sandbox/comments, /_sandbox/faults, /_sandbox/reset.
Fault kinds: 429, 500, 502, 503, 504, slow, timeout, drop, drop-after-write; options
retry-after=S, retry-after-form=seconds|date|mixed, slow-seconds=S, hang-seconds=S.
"""


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="run the Jira Service Management emulator (seeded, over HTTP) until Ctrl-C",
        description="Serve an in-memory JSM (Expadon portals 3 and 4) on 127.0.0.1.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: free)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--tickets",
        metavar="FILE.jsonl",
        default=None,
        help="load these ROUTING.md-format tickets instead of the shipped sample",
    )
    parser.add_argument(
        "--faults", metavar="SPEC", default="", help='fault rates, e.g. "429=0.02,503=0.03"'
    )
    parser.add_argument(
        "--seed", type=int, default=None, metavar="N", help="seed of the fault generator"
    )
    parser.add_argument(
        "--email", default=None, help="bot account e-mail (default routerbot@example.org)"
    )
    parser.add_argument("--token", default=None, help="bot API token (default sandbox-token)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from routerbot.sandbox import FaultPlan, SandboxModel, SandboxServer  # noqa: PLC0415 - keep --help fast
    from routerbot.sandbox.model import DEFAULT_EMAIL, DEFAULT_TOKEN  # noqa: PLC0415

    faults = FaultPlan.parse(args.faults, seed=args.seed)
    email: str = args.email or DEFAULT_EMAIL
    token: str = args.token or DEFAULT_TOKEN
    if args.tickets:
        model = SandboxModel(email=email, token=token)
        model.load_labelled(args.tickets)
    else:
        model = SandboxModel.seeded(email=email, token=token)
    server = SandboxServer(model, host=args.host, port=args.port, faults=faults)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.start()
    except OSError as exc:
        print(
            f"routerbot: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr
        )
        return 1
    try:
        _announce(server, model.issues, faults)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _announce(server: SandboxServer, issues: Sized, faults: FaultPlan) -> None:
    print(f"JSM sandbox on {server.url} with {len(issues)} tickets", flush=True)
    print(
        f"ROUTERBOT_JIRA_URL={server.url} ROUTERBOT_JIRA_EMAIL={server.email} "
        f"ROUTERBOT_JIRA_API_TOKEN={server.token}",
        flush=True,
    )
    if faults.rates:
        rates = ",".join(f"{k}={v}" for k, v in faults.rates.items())
        print(f"faults: {rates}", flush=True)
    print(f"state: {server.url}/_sandbox/state   (Ctrl-C to stop)", flush=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
