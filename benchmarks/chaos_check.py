"""Issue 11's chaos bar, one table: ``python benchmarks/chaos_check.py [--pg URL]``.

A burst of 130 tickets (the soak's mix: FAQ questions, login failures with and without
a browser, wrong portal) lands at once on the sandbox, with faults (429, 5xx, dropped
connections after a write); the daemon runs as real subprocesses and is killed with
SIGKILL again and again, restarted each time:

* SQLite, one replica, 6 SIGKILLs;
* PostgreSQL (``--pg``, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
  two replicas, 8 SIGKILLs spread over both.

After the last restart the faults are switched off and the run waits until every
ticket carries the bot's label. Columns: duplicates (I1), lost (I2: tickets the bot
decided on and did not finish), loops, how long after the last restart the first
ticket moved forward (``resumed``) and all were done. The goal: 0, 0, 0, and work
resumes within 15 s of the last restart.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from routerbot.sandbox import FaultPlan, SandboxModel, SandboxServer
from routerbot.soak import DaemonProcess, check_invariants, plan_tickets, routing_file_for_load

FAULTS = "429=0.02,503=0.03,500=0.02,drop-after-write=0.01"


def _handled(sb: SandboxServer) -> int:
    return sum("routerbot" in t["labels"] for t in sb.state["tickets"])


def _wait(pred: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def run(name: str, state_url: str | None, replicas: int, kills: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix=f"routerbot-chaos-{name}-"))
    planned = plan_tickets(130, rng, prefix="CHK")
    model = SandboxModel(move_polls=1)
    model.load_rows([p.row for p in planned])
    sb = SandboxServer(model).start()
    sb.faults = FaultPlan.parse(FAULTS, seed=seed)
    routing = routing_file_for_load(tmp, per_hour=1000)
    procs = []
    for i in range(replicas):
        work = tmp / f"r{i}"
        work.mkdir()
        url = state_url or f"sqlite:///{tmp / 'state.db'}"
        procs.append(
            DaemonProcess(
                sb.url,
                sb.email,
                sb.token,
                url,
                work,
                env={
                    "ROUTERBOT_ROUTING_FILE": str(routing),
                    "ROUTERBOT_POLL_SECONDS": "0.3",
                    "ROUTERBOT_REPLICA_ID": "",  # {host}-{pid}: a new owner each start
                    "ROUTERBOT_LEASE_SECONDS": "15",
                },
            )
        )
    started = time.monotonic()
    try:
        for p in procs:
            p.start()
        for k in range(kills):
            time.sleep(rng.uniform(1.0, 2.5))
            victim = procs[k % replicas]
            victim.kill()
            time.sleep(rng.uniform(0.2, 0.6))
            victim.start()
        last_restart = time.monotonic()
        before = _handled(sb)
        sb.faults = FaultPlan()  # quiet period: no more faults
        resumed = None
        if _wait(lambda: _handled(sb) > before or _handled(sb) == len(planned), 60):
            resumed = time.monotonic() - last_restart
        _wait(lambda: _handled(sb) == len(planned), 120)
        all_done = time.monotonic() - last_restart
        time.sleep(2.0)  # more polls: a late duplicate would show now
    finally:
        codes = [p.terminate() for p in procs]
    report = check_invariants(
        sb.state,
        requests=sb.requests(),
        expected={p.source_id: "handled" for p in planned},
        canaries=[sb.token],
    )
    sb.stop()
    return [
        name,
        str(sum(p.kills for p in procs)),
        str(len(report.duplicates)),
        str(len(report.lost)),
        str(len(report.loops)),
        f"{_handled(sb)}/{len(planned)}",
        f"{resumed:.1f} s" if resumed is not None else "never",
        f"{all_done:.1f} s",
        f"{time.monotonic() - started:.0f} s",
        ",".join(str(c) for c in codes),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="", help="PostgreSQL URL for the 2-replica run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rows = [run("sqlite, 1 replica", None, 1, 6, args.seed)]
    if args.pg:
        rows.append(run("postgres, 2 replicas", args.pg, 2, 8, args.seed))
    head = [
        "run",
        "SIGKILLs",
        "duplicates",
        "lost",
        "loops",
        "handled",
        "resumed after last restart",
        "all done after it",
        "wall",
        "exit codes",
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    ok = all(r[2] == "0" and r[3] == "0" and r[4] == "0" for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
