"""The benchmark smoke run CI makes: ``benchmarks/run_all.py --quick`` prints its one
table with every row and a value in each. It asserts no timing (figures come from the
benchmarks, not from tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = (
    "decisions per second",
    "HTTP requests per triaged ticket",
    "HTTP requests per idle poll, quiet desk",
    "daemon RSS after",  # quiet desk, and after the backlog
    "backlog of 2,000 tickets, no latency: wall time",
    "daemon peak RSS during the backlog",
    "tickets at --latency-ms 100, 2 s moves: wall time",
    "requests in flight at once",
    "requests before a Retry-After expired",
    "cold start: routerbot --help",
    "cold start: routerbot triage --file",
    "first start after an edit: triage --file",
)


@pytest.mark.slow
def test_quick_benchmark_prints_one_table_with_every_row() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["metric", "value", "goal"], done.stdout
    body = lines[2:]
    for row in ROWS:
        assert any(row in line for line in body), f"missing row {row!r}:\n{done.stdout}"
    assert sum("daemon RSS after" in line for line in body) == 2
    assert not [line for line in body if " ERROR " in f" {line} "], done.stdout
