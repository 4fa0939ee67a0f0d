"""The PostgreSQL fixture must never let CI pass by skipping: it fails there when the
server is unreachable, and skips with a reason elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from routerbot.store import open_store

pytest_plugins = ["tests.pg_fixtures"]

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import pytest

pytest_plugins = ["tests.pg_fixtures"]


@pytest.mark.postgres
def test_needs_postgres(pg_url):
    assert pg_url
"""


def _run_probe(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    # Port 1 on loopback: refused at once, so the fixture sees no server.
    env["ROUTERBOT_TEST_PG_URL"] = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    env["PYTHONPATH"] = str(ROOT)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(probe)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_unreachable_postgres_skips_with_a_reason_outside_ci(tmp_path: Path) -> None:
    result = _run_probe(tmp_path, ci=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "unreachable" in result.stdout
    assert "ROUTERBOT_TEST_PG_URL" in result.stdout


def test_unreachable_postgres_fails_when_ci_is_set(tmp_path: Path) -> None:
    result = _run_probe(tmp_path, ci=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CI is set" in result.stdout
    assert "skipped" not in result.stdout


@pytest.mark.postgres
def test_each_pg_url_has_its_own_schema(pg_url_factory: Callable[[], str]) -> None:
    with open_store(pg_url_factory()) as one, open_store(pg_url_factory()) as two:
        one.set_cursor("poll", datetime(2025, 1, 1, tzinfo=UTC))
        assert two.get_cursor("poll") is None
        assert one.get_cursor("poll") is not None
