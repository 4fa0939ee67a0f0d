"""Decisions per second on 10,000 tickets with unique texts (one core).

    python3 benchmarks/bench_decide.py [--n 10000] [--repeat]

The tickets come from ``benchmarks/corpus.py``: the labelled development tickets, each
made unique (greeting, file reference, sign-off, person and company of its own), so that
no cache keyed on a whole text helps. ``--repeat`` measures the older way instead (the
dev set repeated as is, which caches flatter). Also reports the cold start of
``routerbot --help`` and ``routerbot triage --file``. Bar: at least 2,000 decisions per
second.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import base_rows, unique_rows

from routerbot.config import load_config
from routerbot.engine import decide
from routerbot.labelled import ticket_from_labelled

ROOT = Path(__file__).resolve().parents[1]


def cold(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", action="store_true", help="the dev set repeated as is")
    args = parser.parse_args()
    config = load_config(ROOT / "config" / "routing.toml")
    if args.repeat:
        base = [ticket_from_labelled(r) for r in base_rows()]
        tickets = [base[i % len(base)] for i in range(args.n)]
    else:
        tickets = [ticket_from_labelled(r) for r in unique_rows(args.n, seed=3, prefix="DEC")]
    unique = len({t.description for t in tickets})
    t0 = time.perf_counter()
    decide(tickets[0], config)  # compiles the phrases once
    warm = time.perf_counter() - t0
    start = time.perf_counter()
    for t in tickets:
        decide(t, config)
    elapsed = time.perf_counter() - start
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(unique_rows(1, seed=9)[0], f)
    help_s = min(cold([sys.executable, "-m", "routerbot", "--help"]) for _ in range(3))
    triage_s = min(
        cold([sys.executable, "-m", "routerbot", "triage", "--file", f.name]) for _ in range(3)
    )
    Path(f.name).unlink()
    rows = [
        ("tickets decided", f"{args.n} ({unique} unique texts)"),
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
