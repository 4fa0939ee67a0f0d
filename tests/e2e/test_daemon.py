"""``routerbot run`` as a subprocess against the sandbox over HTTP, end to end."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from routerbot.sandbox import FaultPlan, SandboxModel
from routerbot.store import open_store

ROOT = Path(__file__).resolve().parents[2]
CANARY = "CANARY-e2e-7c41b9d2"
MARKER = "[routerbot:"


def _ticket(
    tid: str,
    summary: str,
    description: str,
    *,
    email: str = "marc@durand-export.fr",
    desk: str = "3",
    rtype: str = "86",
) -> dict[str, Any]:
    return {
        "id": tid,
        "service_desk": desk,
        "request_type": rtype,
        "summary": summary,
        "description": description,
        "reporter": {"displayName": "Marc Durand", "email": email},
    }


CONTACT = _ticket(
    "T-contact",
    "Comment vous contacter ?",
    "Bonjour, comment puis-je contacter l'assistance Certificats ? Merci.",
)
LOGIN = _ticket(
    "T-login",
    "Connexion impossible",
    "Bonjour, je n'arrive pas à me connecter à Certificats depuis ce matin.",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Daemon:
    """A ``routerbot run`` subprocess whose stderr (the logs) is collected live."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "routerbot", "run", *args],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(s,), daemon=True)
            for s in (self.proc.stdout, self.proc.stderr)
        ]
        for r in self._readers:
            r.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30, after: int = 0) -> int:
        """Index of the first log line after ``after`` containing ``text``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, line in enumerate(self.lines[after:], start=after):
                if text in line:
                    return i
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not logged; output:\n{self.output[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        for r in self._readers:
            r.join(timeout=5)
        return code


@pytest.fixture
def routing_file(tmp_path: Path) -> Path:
    path = tmp_path / "routing.toml"
    shutil.copy(ROOT / "config" / "routing.toml", path)
    return path


@pytest.fixture
def make_env(tmp_path: Path, routing_file: Path) -> Callable[..., dict[str, str]]:
    def make(sb: Any, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ROUTERBOT_")}
        env.update(
            ROUTERBOT_JIRA_URL=sb.url,
            ROUTERBOT_JIRA_EMAIL=sb.email,
            ROUTERBOT_JIRA_API_TOKEN=sb.token,
            ROUTERBOT_STATE_URL=f"sqlite:///{tmp_path / 'state.db'}",
            ROUTERBOT_ROUTING_FILE=str(routing_file),
            ROUTERBOT_METRICS_PORT="0",
            ROUTERBOT_LOG_FORMAT="json",
            ROUTERBOT_POLL_OVERLAP_SECONDS="0",
        )
        env.update(extra)
        return env

    return make


@pytest.fixture
def running() -> Iterator[list[Daemon]]:
    daemons: list[Daemon] = []
    yield daemons
    for d in daemons:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait(timeout=10)


def _run_once(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "routerbot", "run", "--once"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _add(sb: Any, *tickets: dict[str, Any]) -> list[str]:
    resp = requests.post(sb.url + "/_sandbox/tickets", json={"tickets": list(tickets)}, timeout=10)
    resp.raise_for_status()
    keys: list[str] = resp.json()["keys"]
    return keys


def _issue(sb: Any, key: str) -> dict[str, Any]:
    for t in sb.state["tickets"]:
        if t["key"] == key or key in t.get("old_keys", []):
            return dict(t)
    raise KeyError(key)


def _bot_comments(sb: Any, key: str, *, public: bool | None = None) -> list[dict[str, Any]]:
    out = []
    for c in _issue(sb, key)["comments"]:
        if MARKER in str(c.get("body", "")) and (public is None or c.get("public") == public):
            out.append(c)
    return out


def _public_replies_within(sb: Any, key: str, seconds: float) -> list[dict[str, Any]]:
    """The bot's public comments on ``key`` once there is one, or none after ``seconds``
    (a ticket's actions are separate writes: its internal note may land first)."""
    deadline = time.monotonic() + seconds
    while not (found := _bot_comments(sb, key, public=True)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def _writes(sb: Any) -> int:
    counts = requests.get(sb.url + "/_sandbox/requests", timeout=10).json()["requests"]
    return sum(
        n
        for route, n in counts.items()
        if route.split(" ", 1)[0] in ("POST", "PUT", "DELETE") and "search" not in route
    )


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310  # loopback
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError:
        return 0, ""


# --------------------------------------------------------------------------- tests


def test_new_ticket_answered_in_one_poll_and_a_restart_repeats_nothing(
    empty_sandbox: Any, make_env: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    [key] = _add(empty_sandbox, CONTACT)
    env = make_env(empty_sandbox)
    result = _run_once(env, tmp_path)
    [reply] = _bot_comments(empty_sandbox, key, public=True)
    assert "formulaire" in reply["body"]
    assert "routerbot" in _issue(empty_sandbox, key)["labels"]
    assert '"event": "ticket.triaged"' in result.stderr
    writes = _writes(empty_sandbox)
    for _ in range(2):  # new processes, same SQLite file
        _run_once(env, tmp_path)
    assert _writes(empty_sandbox) == writes
    assert len(_bot_comments(empty_sandbox, key, public=True)) == 1


def test_customer_answer_is_read_and_acted_on(
    empty_sandbox: Any, make_env: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    [key] = _add(empty_sandbox, LOGIN)
    env = make_env(empty_sandbox)
    _run_once(env, tmp_path)
    [ask] = _bot_comments(empty_sandbox, key, public=True)
    assert "navigateur" in ask["body"].lower()
    assert _issue(empty_sandbox, key)["status"].lower() == "waiting for customer"

    requests.post(
        empty_sandbox.url + "/_sandbox/comments",
        timeout=10,
        json={"key": key, "body": "J'utilise Firefox 128.", "author": "customer"},
    )
    _run_once(env, tmp_path)
    notes = _bot_comments(empty_sandbox, key, public=False)
    assert any("firefox" in n["body"].lower() and "128" in n["body"] for n in notes)
    assert len(_bot_comments(empty_sandbox, key, public=True)) == 1  # no second question
    assert _issue(empty_sandbox, key)["status"].lower() != "waiting for customer"


def test_dry_run_writes_nothing_to_jira(
    empty_sandbox: Any, make_env: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    [key] = _add(empty_sandbox, CONTACT, LOGIN)[:1]
    result = _run_once(make_env(empty_sandbox, ROUTERBOT_DRY_RUN="true"), tmp_path)
    assert '"dry_run": true' in result.stderr
    assert _writes(empty_sandbox) == 0
    assert _issue(empty_sandbox, key)["comments"] == []
    _run_once(make_env(empty_sandbox), tmp_path)  # the real run still does it all
    assert len(_bot_comments(empty_sandbox, key, public=True)) == 1


def test_sigterm_during_a_poll_exits_zero_with_nothing_half_done(
    sandbox_factory: Callable[..., Any],
    make_env: Callable[..., dict[str, str]],
    tmp_path: Path,
    running: list[Daemon],
) -> None:
    sb = sandbox_factory(faults=FaultPlan.parse("slow=0.3,slow-seconds=0.1", seed=3))
    daemon = Daemon([], make_env(sb, ROUTERBOT_POLL_SECONDS="60"), tmp_path)
    running.append(daemon)
    daemon.wait_for('"event": "ticket.triaged"', timeout=60)
    assert daemon.stop(signal.SIGTERM) == 0
    assert "daemon.stopped" in daemon.output
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        assert store.unfinished_actions() == []
    finally:
        store.close()
    for ticket in sb.state["tickets"]:  # a plan is finished once begun: label + record
        if any(MARKER in str(c.get("body", "")) for c in ticket["comments"]):
            assert "routerbot" in ticket["labels"], ticket["key"]


def test_health_readiness_metrics_and_no_token_in_output(
    sandbox_factory: Callable[..., Any],
    make_env: Callable[..., dict[str, str]],
    tmp_path: Path,
    running: list[Daemon],
) -> None:
    sb = sandbox_factory(model=SandboxModel(token=CANARY), seeded=False)
    _add(sb, CONTACT, LOGIN)
    port = _free_port()
    env = make_env(
        sb,
        ROUTERBOT_METRICS_PORT=str(port),
        ROUTERBOT_METRICS_HOST="127.0.0.1",
        ROUTERBOT_POLL_SECONDS="1",
        ROUTERBOT_LOG_LEVEL="DEBUG",
    )
    daemon = Daemon([], env, tmp_path)
    running.append(daemon)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while _get(base + "/readyz")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _get(base + "/readyz")[0] == 200, daemon.output[-2000:]
    assert _get(base + "/healthz")[0] == 200
    status, metrics = _get(base + "/metrics")
    assert status == 200
    assert "routerbot_tickets_total{" in metrics
    assert "routerbot_poll_duration_seconds_count" in metrics
    assert 'routerbot_api_calls_total{endpoint="/rest/api/2/search/jql"' in metrics
    assert "routerbot_breaker_open 0.0" in metrics
    assert daemon.stop() == 0
    assert CANARY not in daemon.output
    assert CANARY not in metrics


def test_hot_reload_swaps_a_good_file_and_refuses_a_bad_one(
    empty_sandbox: Any,
    make_env: Callable[..., dict[str, str]],
    tmp_path: Path,
    routing_file: Path,
    running: list[Daemon],
) -> None:
    good = routing_file.read_text(encoding="utf-8")
    env = make_env(empty_sandbox, ROUTERBOT_POLL_SECONDS="0.5", ROUTERBOT_RELOAD_SECONDS="0.2")
    daemon = Daemon([], env, tmp_path)
    running.append(daemon)
    daemon.wait_for("poll.done")

    routing_file.write_text(
        good.replace("[faq.nous-contacter]", "[faq.nous-contacter"), encoding="utf-8"
    )
    at = daemon.wait_for("config.reload_refused")
    # (created now, as a customer's new ticket is: the sandbox backdates a loaded ticket
    # by default, behind a cursor that a poll in between may already have moved past)
    [first] = _add(empty_sandbox, {**CONTACT, "minutes_ago": 0})
    replies = _public_replies_within(empty_sandbox, first, 60)
    assert len(replies) == 1, (_bot_comments(empty_sandbox, first), daemon.output[-3000:])
    [reply] = replies
    assert "Vous pouvez nous écrire via ce formulaire" in reply["body"]  # old config kept

    routing_file.write_text(
        good.replace(
            "Vous pouvez nous écrire via ce formulaire", "Nouveau : écrivez-nous via ce formulaire"
        ),
        encoding="utf-8",
    )
    daemon.wait_for("config.reloaded", after=at)
    [second] = _add(empty_sandbox, {**CONTACT, "id": "T-contact-2", "minutes_ago": 0})
    replies = _public_replies_within(empty_sandbox, second, 60)
    assert len(replies) == 1, (_bot_comments(empty_sandbox, second), daemon.output[-3000:])
    [reply] = replies
    assert "Nouveau : écrivez-nous via ce formulaire" in reply["body"]
    assert daemon.stop() == 0
