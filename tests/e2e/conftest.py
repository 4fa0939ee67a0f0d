"""Fixtures of the lead's end-to-end tests (export, report)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from routerbot.bootstrap import build_app
from routerbot.observability import configure_logging
from routerbot.sandbox import SandboxServer
from routerbot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ROUTING = ROOT / "config" / "routing.toml"


def lead_env(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> None:
    """The variables a lead sets to run ``export`` or ``report`` against ``sandbox``."""
    monkeypatch.setenv("ROUTERBOT_JIRA_URL", sandbox.url)
    monkeypatch.setenv("ROUTERBOT_JIRA_EMAIL", sandbox.email)
    monkeypatch.setenv("ROUTERBOT_JIRA_API_TOKEN", sandbox.token)
    monkeypatch.setenv("ROUTERBOT_ROUTING_FILE", str(ROUTING))
    monkeypatch.setenv("ROUTERBOT_LOG_FORMAT", "json")


@pytest.fixture
def worked_sandbox(
    sandbox_factory: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SandboxServer:
    """The seeded sandbox after the daemon's two polls, every ticket then resolved by
    an agent (history is what is resolved)."""
    sandbox: SandboxServer = sandbox_factory()
    configure_logging(level="ERROR", fmt="json", secrets=[sandbox.token], stream=sys.stderr)
    settings = Settings(
        _env_file=None,
        jira_url=sandbox.url,
        jira_email=sandbox.email,
        jira_api_token=SecretStr(sandbox.token),
        state_url=f"sqlite:///{tmp_path / 'state.db'}",
        routing_file=ROUTING,
        metrics_port=0,
        poll_overlap_seconds=0,
        replica_id="backtest",
    )
    app = build_app(settings, adapter_options={"move_poll_interval": 0.02})
    try:
        app.daemon.startup()
        for _ in range(2):
            assert app.daemon.poll_once().ok
            app.daemon.follow_up_once()
    finally:
        app.close()
    model = sandbox.model
    agent = model.agents[0]
    for ticket in model.snapshot()["tickets"]:
        if ticket["status"] != "Resolved":
            model.transition(ticket["key"], "41", agent)
    lead_env(monkeypatch, sandbox)
    return sandbox
