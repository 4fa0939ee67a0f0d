"""Decisions per second on the dev set repeated to 10,000 tickets (one core).

    python3 benchmarks/bench_decide.py [TICKETS.jsonl] [--n 10000]

Also reports the cold start of ``routerbot --help`` and ``routerbot triage --file``.
Bar (issue 2): at least 2,000 decisions per second.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from routerbot.config import load_config
from routerbot.engine import decide
from routerbot.labelled import read_labelled, ticket_to_labelled

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "data" / "tickets-dev.jsonl"


def cold(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", default=str(DEFAULT))
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    config = load_config(ROOT / "config" / "routing.toml")
    base = [lt.ticket for lt in read_labelled(args.file)]
    tickets = [base[i % len(base)] for i in range(args.n)]
    t0 = time.perf_counter()
    decide(base[0], config)  # compiles the phrases once
    warm = time.perf_counter() - t0
    start = time.perf_counter()
    for t in tickets:
        decide(t, config)
    elapsed = time.perf_counter() - start
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(ticket_to_labelled(base[0]), f)
    help_s = min(cold([sys.executable, "-m", "routerbot", "--help"]) for _ in range(3))
    triage_s = min(
        cold([sys.executable, "-m", "routerbot", "triage", "--file", f.name]) for _ in range(3)
    )
    rows = [
        ("tickets decided", f"{args.n}"),
        ("first decision (compiles config)", f"{warm * 1000:.1f} ms"),
        ("total", f"{elapsed:.2f} s"),
        ("decisions / second", f"{args.n / elapsed:,.0f}"),
        ("bar", ">= 2,000 / s " + ("OK" if args.n / elapsed >= 2000 else "MISSED")),
        ("cold start: routerbot --help", f"{help_s * 1000:.0f} ms"),
        ("cold start: routerbot triage --file", f"{triage_s * 1000:.0f} ms"),
    ]
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{width}}  {b}")


if __name__ == "__main__":
    main()
