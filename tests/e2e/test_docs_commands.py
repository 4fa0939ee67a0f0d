"""Every ``routerbot`` command in README.md and docs/ runs as documented.

``tests/e2e/test_docs.py`` checks that each command and option is documented; this
runs the documented command lines themselves, as a shell would, against the seeded
sandbox (the Jira settings point at it), in a folder holding the files the examples
name (``routing.toml``, ``history.jsonl``, ``ticket.json``…). Placeholders a reader
replaces are replaced the same way (``EXPC-123`` → a sandbox key, ``/etc/routerbot/``
→ the folder). Daemons (``run`` without ``--once``, ``sandbox``) must start and stop
cleanly on SIGTERM. The soak runs are the only ones left out: they last minutes to
hours and ``tests/chaos/test_soak.py`` runs the command itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_daemon import _free_port
from tests.waiting import wait_until

from routerbot.routing_file import packaged_routing_file

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DEV = ROOT / "tests" / "data" / "tickets-dev.jsonl"
SHELLS = {"sh", "bash", "shell", "console", ""}
NEVER_RUN = re.compile(r"^routerbot soak\b")  # minutes to hours: tests/chaos/test_soak.py
DAEMONS = re.compile(r"^(\S+=\S+ )*routerbot (run(?!.*--once)|sandbox)\b")
# What a reader puts in place of the docs' placeholders.
PLACEHOLDERS = {
    "EXPC-123": "OPE-1",
    "OPE-123": "OPE-1",
    "/etc/routerbot/": "./",
    "/opt/routerbot/bin/routerbot": "routerbot",
    "--port 8080": "--port {port}",
}


def documented_commands() -> list[tuple[str, str]]:
    """``(where, command)`` for each routerbot line of a shell block."""
    found: list[tuple[str, str]] = []
    for doc in DOCS:
        fence = None
        for lineno, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("```"):
                fence = None if fence is not None else stripped[3:].strip()
                continue
            if fence not in SHELLS:
                continue
            command = stripped.split(" # ", 1)[0].strip()
            command = re.sub(r"\s{2,}\S.*$", "", command) if "  " in command else command
            words = command.split()
            head = next((w for w in words if "=" not in w), "")
            if head.endswith("routerbot") and len(words) > 1:
                found.append((f"{doc.relative_to(ROOT)}:{lineno}", command))
    return found


COMMANDS = documented_commands()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("docs-commands")
    for name in ("routing.toml", "my-routing.toml", "routing-before.toml", "old.toml"):
        shutil.copy(packaged_routing_file(), work / name)
    for name in ("history.jsonl", "tickets.jsonl", "tickets-dev.jsonl", "week.jsonl"):
        shutil.copy(DEV, work / name)
    examples = ROOT / "docs" / "examples"
    if examples.is_dir():  # the leads' guide works on docs/examples/week.jsonl
        shutil.copytree(examples, work / "docs" / "examples")
        if (examples / "week.jsonl").is_file():
            shutil.copy(examples / "week.jsonl", work / "week.jsonl")
    row = json.loads(DEV.read_text(encoding="utf-8").splitlines()[0])
    for name in ("ticket.json", "one-ticket.json"):
        (work / name).write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    return work


def _env(sandbox: Any, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ROUTERBOT_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        ROUTERBOT_JIRA_URL=sandbox.url,
        ROUTERBOT_JIRA_EMAIL=sandbox.email,
        ROUTERBOT_JIRA_API_TOKEN=sandbox.token,
        ROUTERBOT_STATE_URL=f"sqlite:///{work / 'state.db'}",
        ROUTERBOT_METRICS_PORT="0",
        ROUTERBOT_LOG_FORMAT="json",
        ROUTERBOT_POLL_SECONDS="1",
    )
    return env


def _start_then_stop(line: str, work: Path, env: dict[str, str], where: str) -> None:
    """A daemon: it must come up (``poll.done`` logged, or the sandbox's URL printed),
    then stop on SIGTERM without a traceback."""
    proc = subprocess.Popen(  # noqa: S602 - the documentation's own command line
        line,
        shell=True,
        cwd=work,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()

    def up() -> bool:
        text = "".join(lines)
        return "poll.done" in text or "http://127.0.0.1:" in text or proc.poll() is not None

    assert wait_until(up, timeout=60), f"{where}: {line} did not come up"
    assert proc.poll() is None, f"{where}: {line} exited:\n{''.join(lines)[-2000:]}"
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    output = "".join(lines)
    assert proc.returncode in (0, -signal.SIGTERM, 128 + signal.SIGTERM), (where, output[-2000:])
    assert "Traceback" not in output, (where, output[-2000:])


def _as_a_reader_would(command: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        command = command.replace(placeholder, value.format(port=_free_port()))
    return command


@pytest.mark.slow  # ~40 commands as subprocesses: a minute or more
@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_documented_command_runs_as_documented(
    sandbox: Any, workspace: Path, where: str, command: str
) -> None:
    if NEVER_RUN.match(command):
        pytest.skip("soak: minutes to hours; tests/chaos/test_soak.py runs it (slow)")
    line = _as_a_reader_would(command)
    env = _env(sandbox, workspace)
    if DAEMONS.match(line):
        _start_then_stop(line, workspace, env, where)
        return
    result = subprocess.run(  # noqa: S602 - the documentation's own command line
        line,
        shell=True,
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # eval exits 1 when a bar fails, teach when the line is not enough: outcomes, not errors
    allowed = (0, 1) if re.search(r"\brouterbot (eval|teach)\b", line) else (0,)
    assert result.returncode in allowed, f"{where}: {line}\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr, (where, result.stderr[-3000:])


def test_the_docs_show_commands_to_run() -> None:
    commands = [c for _, c in COMMANDS]
    for name in ("run", "demo", "triage", "eval", "check-config", "export", "report", "sandbox"):
        assert any(re.search(rf"\brouterbot {name}\b", c) for c in commands), name
