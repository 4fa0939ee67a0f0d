"""``routerbot triage --file`` through the cache of compiled routing files, as a user runs
it: the second run reads the entry the first wrote and prints the same checklist;
``ROUTERBOT_CACHE_DIR=off`` writes nothing; a broken cache never breaks the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "data" / "tickets-dev.jsonl"


def triage(ticket: Path, cwd: Path, cache: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ROUTERBOT_")}
    env["ROUTERBOT_CACHE_DIR"] = cache
    return subprocess.run(
        [sys.executable, "-m", "routerbot", "triage", "--file", str(ticket), "--json"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def decision(run: subprocess.CompletedProcess[str]) -> Any:
    """The printed decision, its weights rounded: sums over sets of words follow the
    process's string hashing, so two processes may differ in the last bit of a weight
    (with or without the cache)."""
    assert run.returncode == 0, run.stderr
    return _rounded(json.loads(run.stdout))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def test_triage_writes_then_reads_the_cache_and_says_the_same(tmp_path: Path) -> None:
    ticket = tmp_path / "ticket.json"
    ticket.write_text(DEV.read_text(encoding="utf-8").splitlines()[3], encoding="utf-8")
    cache = tmp_path / "cache"

    off = decision(triage(ticket, ROOT, "off"))
    assert not cache.exists()

    first = decision(triage(ticket, ROOT, str(cache)))
    (entry,) = cache.glob("*.pickle")
    second = decision(triage(ticket, ROOT, str(cache)))
    assert second == first == off

    entry.write_bytes(b"\x80\x05 broken")
    assert decision(triage(ticket, ROOT, str(cache))) == off

    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    assert decision(triage(ticket, ROOT, str(blocked / "cache"))) == off
