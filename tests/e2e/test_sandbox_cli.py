"""``routerbot sandbox`` as a user runs it: a real process, then HTTP against it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

CMD = [sys.executable, "-m", "routerbot", "sandbox", "--port", "0"]


def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [*CMD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(2)]
    found = dict(re.findall(r"(ROUTERBOT_JIRA_\w+)=(\S+)", lines[1]))
    assert set(found) == {
        "ROUTERBOT_JIRA_URL",
        "ROUTERBOT_JIRA_EMAIL",
        "ROUTERBOT_JIRA_API_TOKEN",
    }, lines
    return proc, found


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)


def test_serves_the_seeded_sample_with_the_printed_credentials(running: list) -> None:
    proc, env = start()
    running.append(proc)
    url = env["ROUTERBOT_JIRA_URL"]
    auth = (env["ROUTERBOT_JIRA_EMAIL"], env["ROUTERBOT_JIRA_API_TOKEN"])
    assert auth == ("routerbot@example.org", "sandbox-token")
    me = requests.get(f"{url}/rest/api/3/myself", auth=auth, timeout=10)
    assert me.json()["emailAddress"] == "routerbot@example.org"
    assert len(requests.get(f"{url}/_sandbox/state", timeout=10).json()["tickets"]) >= 25


def test_stops_cleanly_on_sigterm(running: list) -> None:
    proc, _ = start()
    running.append(proc)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_loads_a_ticket_file_with_overridden_credentials(running: list, tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "X-1",
                "service_desk": "4",
                "request_type": "87",
                "summary": "Signature impossible",
                "description": "Bonjour",
                "reporter": {"displayName": "Agent DDPP", "email": "agent@loiret.gouv.fr"},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    proc, env = start("--tickets", str(path), "--email", "bot@x.example", "--token", "t0k")
    running.append(proc)
    assert env["ROUTERBOT_JIRA_EMAIL"] == "bot@x.example"
    r = requests.get(
        f"{env['ROUTERBOT_JIRA_URL']}/rest/servicedeskapi/request/SD-1",
        auth=("bot@x.example", "t0k"),
        timeout=10,
    )
    assert r.json()["summary"] == "Signature impossible"


def test_serves_faults_from_the_command_line(running: list) -> None:
    proc, env = start("--faults", "503=1.0", "--seed", "1")
    running.append(proc)
    r = requests.get(
        f"{env['ROUTERBOT_JIRA_URL']}/rest/api/3/myself",
        auth=(env["ROUTERBOT_JIRA_EMAIL"], env["ROUTERBOT_JIRA_API_TOKEN"]),
        timeout=10,
    )
    assert r.status_code == 503


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--faults", "teapot=0.5"], "unknown fault"),
        (["--tickets", "/nonexistent.jsonl"], "cannot read"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], message: str) -> None:
    done = subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_latency_flag_holds_requests_and_makes_moves_take_seconds(running: list) -> None:
    proc, env = start("--latency-ms", "300", "--jitter-ms", "0", "--move-seconds", "1-3")
    running.append(proc)
    assert proc.stdout is not None
    assert "latency: 300 ms +/- 0 ms; bulk moves take 1-3 s" in proc.stdout.readline()
    auth = (env["ROUTERBOT_JIRA_EMAIL"], env["ROUTERBOT_JIRA_API_TOKEN"])
    r = requests.get(f"{env['ROUTERBOT_JIRA_URL']}/rest/api/3/myself", auth=auth, timeout=10)
    assert r.status_code == 200
    assert r.elapsed.total_seconds() >= 0.3  # a lower bound: the latency was applied


def test_bad_move_seconds_exit_2_with_one_line() -> None:
    done = subprocess.run(
        [*CMD, "--move-seconds", "3-1"], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 2
    assert "--move-seconds" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
