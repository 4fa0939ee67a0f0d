"""Machine instructions per decision, counted by valgrind's callgrind: a number the
machine's load does not move (``bench_decide.py``'s CPU time swings by ±10 % or more on
a shared machine), for comparing two versions of the engine step by step.

    python3 benchmarks/bench_instructions.py [--warm 200] [--n 200] [--old PATH]

Two runs under callgrind decide the same unique tickets (``benchmarks/corpus.py``, seed
11): ``--warm`` of them, then ``--warm`` + ``--n``; the difference of their totals over
``--n`` is what one decision costs once the memos are warm (start-up, imports and the
routing file's compilation cancel out). ``PYTHONHASHSEED=0`` in both: feature sets
iterate in hash order. ``--old PATH`` counts another checkout too (its ``src`` first on
``PYTHONPATH``, its data and routing file). Needs valgrind (``apt-get install
valgrind``); about a minute and a half per checkout.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = """
import sys
from pathlib import Path
root = Path(sys.argv[1])
sys.path.insert(0, str(root / "benchmarks"))
from corpus import unique_rows
from routerbot.config import load_config
from routerbot.engine import decide
from routerbot.engine.browser import warm_up
from routerbot.labelled import ticket_from_labelled
count = int(sys.argv[2])
config = load_config(root / "config" / "routing.toml")
warm_up()
for row in unique_rows(count, seed=11, prefix="PRF"):
    decide(ticket_from_labelled(row), config)
"""


def _total(root: Path, count: int) -> int:
    """Instructions of a process that decides ``count`` tickets (callgrind's total)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(root / "src")}
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                SNIPPET,
                str(root),
                str(count),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"no total in callgrind's output for {root}")


def per_decision(root: Path, warm: int, n: int) -> float:
    return (_total(root, warm + n) - _total(root, warm)) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm", type=int, default=200, help="tickets decided before counting")
    parser.add_argument("--n", type=int, default=200, help="tickets counted")
    parser.add_argument("--old", metavar="PATH", help="a checkout of another routerbot")
    args = parser.parse_args()
    roots = [("this checkout", ROOT)]
    if args.old:
        roots.append(("old checkout", Path(args.old).resolve()))
    for name, root in roots:
        value = per_decision(root, args.warm, args.n)
        print(f"{name}: {value / 1e6:.3f} million instructions per decision ({root})")


if __name__ == "__main__":
    main()
