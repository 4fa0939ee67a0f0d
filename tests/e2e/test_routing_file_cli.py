"""Every command finds the routing file by the same rule and says which one it used:
``--config`` > ``ROUTERBOT_ROUTING_FILE`` > ``./config/routing.toml`` > the packaged default.

Run as a user would, as subprocesses from a folder that is not the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from routerbot.routing_file import packaged_routing_file

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "data" / "tickets-dev.jsonl"


def cli(*args: str, cwd: Path, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ROUTERBOT_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "routerbot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def ticket_file(tmp_path: Path) -> Path:
    row = json.loads(DEV.read_text(encoding="utf-8").splitlines()[0])
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    return path


def commands(ticket: Path) -> dict[str, list[str]]:
    return {
        "check-config": ["check-config"],
        "eval": ["eval", str(DEV)],
        "triage": ["triage", "--file", str(ticket)],
        "demo": ["demo", "--cycles", "1"],
    }


@pytest.mark.parametrize("name", ["check-config", "eval", "triage", "demo"])
def test_from_an_empty_folder_each_command_says_it_used_the_packaged_default(
    tmp_path: Path, ticket_file: Path, name: str
) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    result = cli(*commands(ticket_file)[name], cwd=work)
    assert result.returncode in (0, 1), result.stderr[-2000:]  # eval: 1 if a bar fails
    first = result.stderr.splitlines()[0]
    assert first == f"routing file: {packaged_routing_file()} (from packaged default)"


@pytest.mark.parametrize("name", ["check-config", "eval", "triage"])
def test_the_edited_copy_named_by_config_is_the_one_read(
    tmp_path: Path, ticket_file: Path, name: str
) -> None:
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "routing.toml", tmp_path / "config" / "routing.toml")
    edited = tmp_path / "routing.toml"
    edited.write_text("[thresholds\n", encoding="utf-8")  # the lead's (broken) edit
    result = cli(*commands(ticket_file)[name], "--config", "routing.toml", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[0] == "routing file: routing.toml (from --config)"
    assert "routing.toml" in result.stderr.splitlines()[1]


def test_the_environment_variable_comes_before_the_local_config_folder(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "routing.toml", tmp_path / "config" / "routing.toml")
    elsewhere = tmp_path / "prod.toml"
    shutil.copy(ROOT / "config" / "routing.toml", elsewhere)
    result = cli("check-config", cwd=tmp_path, ROUTERBOT_ROUTING_FILE=str(elsewhere))
    assert result.returncode == 0, result.stderr
    assert (
        result.stderr.splitlines()[0] == f"routing file: {elsewhere} (from ROUTERBOT_ROUTING_FILE)"
    )
    local = cli("check-config", cwd=tmp_path)
    assert local.stderr.splitlines()[0] == (
        "routing file: config/routing.toml (from ./config/routing.toml)"
    )


def test_a_misspelt_config_path_exits_2_without_falling_back(tmp_path: Path) -> None:
    result = cli("eval", str(DEV), "--config", "rooting.toml", cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "routerbot: configuration error: --config: rooting.toml does not exist"
    )


def test_run_logs_the_routing_file_it_loaded(sandbox: Any, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    shutil.copy(ROOT / "config" / "routing.toml", mine)
    result = cli(
        "run",
        "--once",
        "--config",
        str(mine),
        cwd=tmp_path,
        ROUTERBOT_JIRA_URL=sandbox.url,
        ROUTERBOT_JIRA_EMAIL=sandbox.email,
        ROUTERBOT_JIRA_API_TOKEN=sandbox.token,
        ROUTERBOT_STATE_URL=f"sqlite:///{tmp_path / 'state.db'}",
        ROUTERBOT_METRICS_PORT="0",
        ROUTERBOT_LOG_FORMAT="json",
        ROUTERBOT_DRY_RUN="true",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [loading] = [line for line in lines if line["event"] == "config.loading"]
    assert loading["routing_file"] == str(mine)
    assert loading["routing_from"] == "--config"
