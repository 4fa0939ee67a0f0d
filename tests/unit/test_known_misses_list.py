"""The known-miss list names tests that exist: a key that matches nothing (a renamed
test, a changed parameter) would silently turn a strict expected failure into a
plain failure or a pass nobody notices."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.unit.known_misses import KNOWN_MISSES

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = """
import pytest
from tests.unit.conftest import miss_key
class Keys:
    def pytest_collection_modifyitems(self, items):
        for item in items:
            print("KEY", miss_key(item))
raise SystemExit(pytest.main(["-q", "--co", "-p", "no:cacheprovider", *FILES], plugins=[Keys()]))
"""


def test_every_known_miss_names_a_collected_test() -> None:
    files = sorted({key.split("::", 1)[0] for key in KNOWN_MISSES})
    code = f"FILES = {files!r}\n{PLUGIN}"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    collected = {line[4:] for line in run.stdout.splitlines() if line.startswith("KEY ")}
    assert collected, run.stdout
    assert sorted(KNOWN_MISSES - collected) == []
