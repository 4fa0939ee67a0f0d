"""``/readyz`` says what failed, never what Jira answered (issue 11, item 10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.chaos.harness import start_bot

from routerbot.errors import ServerError
from routerbot.observability import failure_summary
from routerbot.sandbox import FaultPlan, SandboxModel


def test_failure_summary_keeps_the_kind_status_and_route_not_the_body() -> None:
    exc = ServerError(
        "server error: HTTP 500: upstream says db-host-7 password=x",
        status=500,
        method="GET",
        path="/rest/api/2/search/jql?jql=project%20%3D%20OPE",
    )
    assert failure_summary(exc) == "ServerError HTTP 500 on GET /rest/api/2/search/jql"


def test_a_failed_poll_shows_in_readyz_without_the_upstream_error_text(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    plan = FaultPlan().script("* /rest/api/*/search/jql", ["500"] * 20)
    sb = sandbox_factory(model=SandboxModel.seeded(), faults=plan)
    bot = start_bot(sb, tmp_path)
    try:
        bot.app.daemon.startup()
        report = bot.cycle()
        assert not report.ok
        assert "Internal server error" in report.error  # the log keeps Jira's words...
        ready, problems = bot.app.health.readiness()
    finally:
        bot.close()
    assert not ready
    text = " | ".join(problems)
    assert "Internal server error" not in text  # ... /readyz does not
    assert "ServerError HTTP 500 on " in text and "/search/jql" in text
