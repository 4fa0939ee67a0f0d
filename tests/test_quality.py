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


def test_the_plain_command_leaves_the_slow_tests_out() -> None:
    plain = _run(sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/chaos/test_soak.py")
    slow = _run(sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "slow", "tests/chaos")
    soak = "test_soak_of_1000_tickets_with_faults_and_kills_keeps_every_invariant"
    assert soak not in plain.stdout and "deselected" in plain.stdout, plain.stdout
    assert soak in slow.stdout, slow.stdout
    assert "test_random_faults_on_every_route_never_duplicate_nor_lose" in slow.stdout


def test_ci_runs_the_readme_test_command_with_ci_set_then_the_slow_tests() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    [command] = [
        line.strip() for line in readme.splitlines()[:5] if line.strip().endswith("pytest")
    ]
    lines = [line.strip() for line in ci.splitlines()]
    assert "export CI=true" in lines
    assert command in lines
    assert lines.index(command) < lines.index("python3 -m pytest -m slow")


def test_nothing_under_src_or_tests_reads_the_shared_folder_beside_the_repo() -> None:
    # (built, not written out, so that this file holds no such path itself)
    folder = "sha" + "red"
    needles = (f"../{folder}", f'"{folder}"', f"'{folder}'")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("src", "tests", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if path != Path(__file__).resolve()
        and any(n in path.read_text(encoding="utf-8") for n in needles)
    ]
    assert offenders == []
