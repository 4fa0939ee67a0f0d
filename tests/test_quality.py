"""The project's own static checks run with the test suite, so one command checks all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


def _require(module: str) -> None:
    """ruff and mypy come from the environment running the tests, never from PATH."""
    probe = _run(sys.executable, "-m", module, "--version")
    if probe.returncode != 0:
        pytest.fail(f"{module} is not installed in {sys.executable}: pip install -e '.[test]'")


def test_ruff_finds_no_lint_errors() -> None:
    _require("ruff")
    result = _run(sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_src() -> None:
    _require("mypy")
    result = _run(sys.executable, "-m", "mypy", "src/routerbot")
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_is_typed() -> None:
    assert (ROOT / "src" / "routerbot" / "py.typed").is_file()
