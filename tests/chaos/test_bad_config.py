"""Bad configuration: at start-up ``routerbot run`` exits 2 naming every problem and
sends nothing to Jira; on reload the old configuration stays in force."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.chaos.harness import FAQ_TEXT, LOGIN_TEXT, bot_comments, by_source, handled, ticket_row

from routerbot.sandbox import SandboxServer
from routerbot.soak import DaemonProcess, routing_file_for_load

BROKEN_TOML = {
    "syntax": lambda t: t + "\n[loop_guard\n",
    "duplicate_key": lambda t: t + "\n[loop_guard]\nmax_public_replies_per_ticket = 2\n",
    "bad_value": lambda t: t.replace(
        "max_public_replies_per_ticket = 3", 'max_public_replies_per_ticket = "three"'
    ),
    "out_of_range": lambda t: t.replace(
        "max_public_replies_per_ticket = 3", "max_public_replies_per_ticket = -1"
    ),
    "empty": lambda t: "",
}


def _run_once(sb: SandboxServer, tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    daemon = DaemonProcess(sb.url, sb.email, sb.token, f"sqlite:///{tmp / 's.db'}", tmp, env=env)
    return subprocess.run(
        [sys.executable, "-m", "routerbot", "run", "--once"],
        cwd=tmp,
        env=daemon.environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("kind", sorted(BROKEN_TOML))
def test_broken_routing_file_at_start_up_exits_2_and_writes_nothing(chaos_sandbox, tmp_path, kind):
    sb = chaos_sandbox([ticket_row("BC-1", FAQ_TEXT)])
    good = routing_file_for_load(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(BROKEN_TOML[kind](good.read_text(encoding="utf-8")), encoding="utf-8")
    done = _run_once(sb, tmp_path, ROUTERBOT_ROUTING_FILE=str(bad))
    assert done.returncode == 2, done.stderr[-2000:]
    assert "configuration error" in done.stderr
    assert str(bad) in done.stderr or "bad.toml" in done.stderr
    assert sb.requests()["total"] == 0
    assert sb.token not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ROUTERBOT_POLL_SECONDS": "-1"}, "ROUTERBOT_POLL_SECONDS"),
        ({"ROUTERBOT_JIRA_URL": "http://jira.example.org"}, "ROUTERBOT_JIRA_URL"),
        ({"ROUTERBOT_JIRA_EMAIL": ""}, "ROUTERBOT_JIRA_EMAIL"),
        ({"ROUTERBOT_ROUTING_FILE": "/nonexistent/routing.toml"}, "ROUTERBOT_ROUTING_FILE"),
        ({"ROUTERBOT_LOG_LEVEL": "LOUD"}, "ROUTERBOT_LOG_LEVEL"),
    ],
)
def test_bad_settings_at_start_up_exit_2_naming_the_variable(chaos_sandbox, tmp_path, env, named):
    sb = chaos_sandbox([ticket_row("BS-1", FAQ_TEXT)])
    env.setdefault("ROUTERBOT_ROUTING_FILE", str(routing_file_for_load(tmp_path)))
    done = _run_once(sb, tmp_path, **env)
    assert done.returncode == 2, done.stderr[-2000:]
    assert named in done.stderr
    assert sb.requests()["total"] == 0
    assert sb.token not in done.stderr + done.stdout


@pytest.mark.parametrize("kind", sorted(BROKEN_TOML))
def test_broken_routing_file_on_reload_keeps_the_old_config_working(
    chaos_sandbox, bot_factory, kind
):
    sb = chaos_sandbox([ticket_row("RL-1", FAQ_TEXT)])
    bot = bot_factory(sb)
    assert bot.run_until(handled("RL-1"), timeout=30)
    path = Path(bot.app.settings.routing_file)
    before = bot.app.service.config_hash
    path.write_text(BROKEN_TOML[kind](path.read_text(encoding="utf-8")), encoding="utf-8")
    assert bot.app.daemon.reload_config() is False
    assert bot.app.daemon.reload_config() is None  # refused once, not re-reported
    assert bot.app.service.config_hash == before
    assert "config.reload_refused" in bot.log.getvalue()
    sb.model.load_rows([ticket_row("RL-2", LOGIN_TEXT, minutes_ago=0)])
    assert bot.run_until(handled("RL-2"), timeout=30)
    assert len(bot_comments(by_source(sb, "RL-2"), public=True)) == 1
