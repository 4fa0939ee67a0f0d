"""``routerbot sandbox``: serve the in-memory JSM emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sized
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from routerbot.sandbox import FaultPlan, Latency, SandboxServer

EPILOG = """examples:
  routerbot sandbox                                   seeded sample tickets on a free port
  routerbot sandbox --port 8080 --tickets tickets.jsonl
  routerbot sandbox --faults "429=0.02,503=0.03,500=0.02,drop-after-write=0.01,slow=0.005" --seed 7
  routerbot sandbox --latency-ms 100                  100 ms ± 25 ms per request, moves 1-3 s
  routerbot sandbox --latency-ms 100 --move-seconds 2 moves that take 2 s each

Realism: --latency-ms holds every API request that long (± --jitter-ms, a quarter of it
by default) and, unless --move-seconds says otherwise, makes each bulk-move task take
1 to 3 s to complete, as Jira's do. Without either flag requests are answered at once
and move tasks complete as soon as they are submitted. --clock-skew S shifts the Date
header (a Jira whose clock is S seconds ahead).

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
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="N",
        help="hold each API request N ms (with jitter) before answering (default 0)",
    )
    parser.add_argument(
        "--jitter-ms",
        type=float,
        default=None,
        metavar="J",
        help="latency varies uniformly by +/- J ms (default: a quarter of --latency-ms)",
    )
    parser.add_argument(
        "--move-seconds",
        default=None,
        metavar="S|LO-HI",
        help="time a bulk-move task takes, e.g. 2 or 1-3 "
        "(default: 1-3 with --latency-ms, else 0: at once)",
    )
    parser.add_argument(
        "--clock-skew",
        type=float,
        default=0.0,
        metavar="S",
        help="shift the Date response header by S seconds (default 0)",
    )
    parser.set_defaults(func=run)


def move_seconds(text: str | None, latency_ms: float) -> tuple[float, float]:
    """``"2"`` -> (2, 2); ``"1-3"`` -> (1, 3); unset: (1, 3) with latency, else (0, 0)."""
    from routerbot.errors import InputError  # noqa: PLC0415 - keep --help fast

    if text is None:
        return (1.0, 3.0) if latency_ms > 0 else (0.0, 0.0)
    low, sep, high = text.partition("-")
    try:
        lo = float(low)
        hi = float(high) if sep else lo
    except ValueError:
        raise InputError(f"--move-seconds: expected S or LO-HI, got {text!r}") from None
    if not 0 <= lo <= hi:
        raise InputError(f"--move-seconds: need 0 <= LO <= HI, got {text!r}")
    return (lo, hi)


def run(args: argparse.Namespace) -> int:
    from routerbot.sandbox import FaultPlan, Latency, SandboxModel, SandboxServer  # noqa: PLC0415 - keep --help fast
    from routerbot.sandbox.model import DEFAULT_EMAIL, DEFAULT_TOKEN  # noqa: PLC0415

    faults = FaultPlan.parse(args.faults, seed=args.seed)
    latency = Latency(args.latency_ms, args.jitter_ms, seed=args.seed)
    moves = move_seconds(args.move_seconds, args.latency_ms)
    email: str = args.email or DEFAULT_EMAIL
    token: str = args.token or DEFAULT_TOKEN
    options: dict[str, Any] = {"email": email, "token": token, "move_seconds": moves}
    if args.tickets:
        model = SandboxModel(**options, move_seed=args.seed)
        model.load_labelled(args.tickets)
    else:
        model = SandboxModel.seeded(**options, move_seed=args.seed)
    server = SandboxServer(
        model,
        host=args.host,
        port=args.port,
        faults=faults,
        latency=latency,
        date_skew_seconds=args.clock_skew,
    )
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
        _announce(server, model.issues, faults, latency, moves)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _announce(
    server: SandboxServer,
    issues: Sized,
    faults: FaultPlan,
    latency: Latency,
    moves: tuple[float, float],
) -> None:
    print(f"JSM sandbox on {server.url} with {len(issues)} tickets", flush=True)
    print(
        f"ROUTERBOT_JIRA_URL={server.url} ROUTERBOT_JIRA_EMAIL={server.email} "
        f"ROUTERBOT_JIRA_API_TOKEN={server.token}",
        flush=True,
    )
    if latency.ms > 0 or moves[1] > 0:
        span = f"{moves[0]:g}" if moves[0] == moves[1] else f"{moves[0]:g}-{moves[1]:g}"
        print(
            f"latency: {latency.ms:g} ms +/- {latency.spread_ms:g} ms; bulk moves take {span} s",
            flush=True,
        )
    if faults.rates:
        rates = ",".join(f"{k}={v}" for k, v in faults.rates.items())
        print(f"faults: {rates}", flush=True)
    print(f"state: {server.url}/_sandbox/state   (Ctrl-C to stop)", flush=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
