"""Operating the daemon: start-up when Jira is down, settings errors, pipes.

``routerbot`` runs as a subprocess, as systemd or Docker would run it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_daemon import Daemon, _free_port, _get
from tests.waiting import wait_until

from routerbot.sandbox import SandboxModel, SandboxServer


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ROUTERBOT_")}
    env.update(
        ROUTERBOT_STATE_URL=f"sqlite:///{tmp_path / 'state.db'}",
        ROUTERBOT_METRICS_PORT="0",
        ROUTERBOT_LOG_FORMAT="json",
    )
    env.update(extra)
    return env


@pytest.mark.slow  # ~12-17 s: waits for two backoff rounds, then for the start-up
def test_jira_unreachable_at_start_up_is_retried_while_readyz_says_so(tmp_path: Path) -> None:
    jira_port, metrics_port = _free_port(), _free_port()
    model = SandboxModel.seeded()
    env = _env(
        tmp_path,
        ROUTERBOT_JIRA_URL=f"http://127.0.0.1:{jira_port}",
        ROUTERBOT_JIRA_EMAIL=model.bot.email,
        ROUTERBOT_JIRA_API_TOKEN=model.bot.token,
        ROUTERBOT_METRICS_PORT=str(metrics_port),
        ROUTERBOT_METRICS_HOST="127.0.0.1",
        ROUTERBOT_POLL_SECONDS="1",
        ROUTERBOT_DRY_RUN="true",
    )
    daemon = Daemon([], env, tmp_path)
    sandbox: SandboxServer | None = None
    try:
        first = daemon.wait_for("daemon.jira_unreachable", timeout=60)
        daemon.wait_for("daemon.jira_unreachable", timeout=60, after=first + 1)  # retried
        assert daemon.proc.poll() is None  # still running: never exits for a blip
        status, body = _get(f"http://127.0.0.1:{metrics_port}/readyz")
        assert status == 503
        [problem] = [p for p in json.loads(body)["problems"] if "start-up" in p]
        assert problem.startswith("Jira unreachable at start-up: ConnectionLost")
        sandbox = SandboxServer(model, port=jira_port).start()  # the network is back
        daemon.wait_for("daemon.started", timeout=90)
        assert wait_until(
            lambda: _get(f"http://127.0.0.1:{metrics_port}/readyz")[0] == 200, timeout=60
        ), daemon.output[-2000:]
        assert daemon.stop() == 0
    finally:
        daemon.stop()
        if sandbox is not None:
            sandbox.stop()


def test_sigterm_while_jira_is_unreachable_at_start_up_exits_zero(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        ROUTERBOT_JIRA_URL=f"http://127.0.0.1:{_free_port()}",
        ROUTERBOT_JIRA_EMAIL="bot@example.org",
        ROUTERBOT_JIRA_API_TOKEN="x",
    )
    daemon = Daemon([], env, tmp_path)
    daemon.wait_for("daemon.jira_unreachable", timeout=60)
    assert daemon.stop(timeout=15) == 0


def cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "routerbot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def ok_env(tmp_path: Path) -> dict[str, str]:
    return _env(
        tmp_path,
        ROUTERBOT_JIRA_URL="http://127.0.0.1:9",
        ROUTERBOT_JIRA_EMAIL="bot@example.org",
        ROUTERBOT_JIRA_API_TOKEN="tok-not-echoed",
    )


BAD_SETTINGS = [
    ("ROUTERBOT_MOVE_STRATEGY", "teleport-zq9"),
    ("ROUTERBOT_STATE_URL", "garbage-zq9"),
    ("ROUTERBOT_POLL_SECONDS", "soon-zq9"),
    ("ROUTERBOT_LOG_LEVEL", "LOUD-zq9"),
    ("ROUTERBOT_LOG_FORMAT", "xml-zq9"),
    ("ROUTERBOT_DRY_RUN", "maybe-zq9"),
    ("ROUTERBOT_JIRA_URL", "ftp://zq9.example.org"),
    ("ROUTERBOT_METRICS_PORT", "99999"),
    ("ROUTERBOT_SECRETS_DIR", "/nonexistent-zq9"),
]


@pytest.mark.parametrize(("name", "value"), BAD_SETTINGS, ids=[n for n, _ in BAD_SETTINGS])
def test_an_invalid_setting_is_one_line_naming_it_exit_2_and_never_its_value(
    tmp_path: Path, ok_env: dict[str, str], name: str, value: str
) -> None:
    result = cli("run", "--once", cwd=tmp_path, env={**ok_env, name: value})
    assert result.returncode == 2, result.stderr[-2000:]
    [line] = result.stderr.splitlines()
    assert line.startswith(f"routerbot: configuration error: {name}: "), line
    assert value not in result.stderr and "zq9" not in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_token_file_names_its_variable_once(
    tmp_path: Path, ok_env: dict[str, str]
) -> None:
    env = {k: v for k, v in ok_env.items() if k != "ROUTERBOT_JIRA_API_TOKEN"}
    env["ROUTERBOT_JIRA_API_TOKEN_FILE"] = str(tmp_path / "missing-token")
    result = cli("run", "--once", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "routerbot: configuration error: ROUTERBOT_JIRA_API_TOKEN_FILE: cannot be read "
        "(No such file or directory)"
    )


def test_a_busy_metrics_port_is_one_line_and_exit_2(tmp_path: Path, ok_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **ok_env,
            "ROUTERBOT_METRICS_PORT": str(port),
            "ROUTERBOT_METRICS_HOST": "127.0.0.1",
            "ROUTERBOT_LOG_LEVEL": "ERROR",
        }
        result = cli("run", "--once", cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip() == (
        "routerbot: configuration error: ROUTERBOT_METRICS_PORT: cannot serve /metrics there "
        "(Address already in use)"
    )


def test_a_mistyped_variable_is_warned_about_with_the_closest_name(
    sandbox: Any, tmp_path: Path
) -> None:
    env = _env(
        tmp_path,
        ROUTERBOT_JIRA_URL=sandbox.url,
        ROUTERBOT_JIRA_EMAIL=sandbox.email,
        ROUTERBOT_JIRA_API_TOKEN=sandbox.token,
        ROUTERBOT_DRY_RUN="true",
        ROUTERBOT_POL_SECONDS="5",
    )
    result = cli("run", "--once", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [warning] = [e for e in events if e["event"] == "settings.unknown_variable"]
    assert warning["level"] == "warning"
    assert warning["problem"] == (
        "ROUTERBOT_POL_SECONDS is not a routerbot setting and is ignored; "
        "did you mean ROUTERBOT_POLL_SECONDS?"
    )


def test_a_password_in_the_state_url_query_string_is_never_printed(
    tmp_path: Path, ok_env: dict[str, str]
) -> None:
    url = f"postgresql+psycopg://bot:pw-in-userinfo-1@127.0.0.1:{_free_port()}/db"
    url += "?password=pw-in-query-2&sslpassword=pw-ssl-3&connect_timeout=2"
    result = cli("run", "--once", cwd=tmp_path, env={**ok_env, "ROUTERBOT_STATE_URL": url})
    assert result.returncode != 0
    assert "state store" in result.stderr  # the start-up error is shown...
    for secret in ("pw-in-userinfo-1", "pw-in-query-2", "pw-ssl-3"):
        assert secret not in result.stderr + result.stdout  # ... without any password


def test_output_piped_into_a_reader_that_leaves_closes_quietly(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    model = SandboxModel.seeded()
    model.load_rows(
        [
            {
                "id": f"PIPE-{i}",
                "service_desk": "3",
                "request_type": "86",
                "summary": "Connexion impossible " + "x" * 200,
                "description": "Bonjour, je n'arrive pas à me connecter. " * 20,
                "reporter": {"displayName": "Client", "email": "c@example.org"},
            }
            for i in range(150)
        ]
    )
    sb = sandbox_factory(model=model)
    env = _env(
        tmp_path,
        ROUTERBOT_JIRA_URL=sb.url,
        ROUTERBOT_JIRA_EMAIL=sb.email,
        ROUTERBOT_JIRA_API_TOKEN=sb.token,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "routerbot", "export", "--jql", "project = OPE", "-"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # `| head -1`: read one row, then go away
    assert first.startswith("{")
    proc.stdout.close()
    err = proc.stderr.read()
    code = proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err[-2000:]
    assert code == 141
