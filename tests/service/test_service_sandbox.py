"""The service with the real engine, the real Jira adapter and the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from routerbot.bootstrap import RATE_LIMIT_CURSOR, App, build_app
from routerbot.ports import ActionState
from routerbot.sandbox import FaultPlan
from routerbot.service import MARKER_RE, Outcome
from routerbot.settings import Settings

CONTACT = {
    "id": "S-1",
    "service_desk": "3",
    "request_type": "86",
    "summary": "Comment joindre le support ?",
    "description": "Bonjour, comment puis-je contacter l'assistance Certificats ?",
    "reporter": {"displayName": "Léa Martin", "email": "lea.martin@vins-martin.fr"},
}


@pytest.fixture
def app(empty_sandbox: Any, tmp_path: Path) -> Iterator[App]:
    settings = Settings(
        _env_file=None,
        jira_url=empty_sandbox.url,
        jira_email=empty_sandbox.email,
        jira_api_token=SecretStr(empty_sandbox.token),
        state_url=f"sqlite:///{tmp_path / 'state.db'}",
        metrics_port=0,
        poll_overlap_seconds=0,
        replica_id="svc-test",
    )
    application = build_app(settings)
    yield application
    application.close()


def _add(sb: Any, ticket: dict[str, Any]) -> str:
    resp = requests.post(sb.url + "/_sandbox/tickets", json={"tickets": [ticket]}, timeout=10)
    resp.raise_for_status()
    key: str = resp.json()["keys"][0]
    return key


def _public_bot_comments(sb: Any, key: str) -> list[dict[str, Any]]:
    [ticket] = [t for t in sb.state["tickets"] if t["key"] == key]
    return [
        c
        for c in ticket["comments"]
        if c.get("public") and MARKER_RE.search(str(c.get("body", "")))
    ]


def test_new_ticket_gets_its_faq_reply_within_one_poll(empty_sandbox: Any, app: App) -> None:
    key = _add(empty_sandbox, CONTACT)
    [report] = app.daemon.run_cycles(1)
    assert report.ok and report.handled == 1
    [result] = report.results
    assert result.outcome == Outcome.DONE
    assert result.decision.reply_faq == "nous-contacter"
    assert len(_public_bot_comments(empty_sandbox, key)) == 1


def test_dropped_connection_after_the_comment_is_reconciled_without_a_duplicate(
    empty_sandbox: Any, app: App
) -> None:
    key = _add(empty_sandbox, CONTACT)
    empty_sandbox.faults = FaultPlan().script(
        "POST /rest/servicedeskapi/request/*/comment", ["drop-after-write"]
    )
    [report] = app.daemon.run_cycles(1)
    assert report.pending == 1
    [rec] = [r for r in app.store.actions_for(key) if r.kind == "public_reply"]
    assert rec.state is ActionState.IN_FLIGHT
    assert len(_public_bot_comments(empty_sandbox, key)) == 1  # it did happen

    [result] = app.service.reconcile()
    assert result.outcome == Outcome.DONE
    assert len(_public_bot_comments(empty_sandbox, key)) == 1  # and only once
    assert all(r.state is ActionState.DONE for r in app.store.actions_for(key))


def test_dropped_connection_before_the_comment_posts_exactly_once(
    empty_sandbox: Any, app: App
) -> None:
    key = _add(empty_sandbox, CONTACT)
    empty_sandbox.faults = FaultPlan().script(
        "POST /rest/servicedeskapi/request/*/comment", ["drop"]
    )
    app.daemon.run_cycles(1)
    assert _public_bot_comments(empty_sandbox, key) == []
    app.daemon.run_cycles(2)  # the cursor stayed on the ticket: the next poll finishes it
    assert len(_public_bot_comments(empty_sandbox, key)) == 1


WRONG_FORM = {
    "id": "S-9",
    "service_desk": "3",
    "request_type": "86",
    "summary": "Demande d'habilitation au module Certificats",
    "description": "Bonjour, veuillez trouver ci-joint les formulaires d'habilitation remplis "
    "avec notre DDPP pour deux utilisateurs de notre société. Cordialement, Marc Petit",
    "reporter": {"displayName": "Marc Petit", "email": "marc.petit@petit-export.fr"},
}


def test_daemon_counts_an_agent_moving_a_rerouted_ticket_back(app: App, empty_sandbox: Any) -> None:
    key = _add(empty_sandbox, WRONG_FORM)
    app.daemon.run_cycles(1)
    model = empty_sandbox.model
    assert model.issue(key).request_type_id == "84", "the bot reroutes the habilitation"
    model.set_request_type(model.issue(key), "86", model.agents[0])  # an agent undoes it

    app.daemon.observe_undos()
    app.daemon.observe_undos()  # counted once, however often the job runs

    total = sum(
        s.value
        for metric in app.metrics.registry.collect()
        if metric.name == "routerbot_agent_undo"
        for s in metric.samples
        if s.name == "routerbot_agent_undo_total" and s.labels.get("kind") == "reroute_reverted"
    )
    assert total == 1.0


def test_a_retry_after_is_remembered_for_the_next_process(
    empty_sandbox: Any, app: App, tmp_path: Path
) -> None:
    _add(empty_sandbox, CONTACT)
    empty_sandbox.faults = FaultPlan.parse("retry-after=2").script(
        "POST /rest/servicedeskapi/request/*/comment", ["429"]
    )
    app.daemon.run_cycles(1)
    until = app.store.get_cursor(RATE_LIMIT_CURSOR)
    assert until is not None and until > datetime.now(UTC)

    # a restarted process (new objects, same state file) starts behind the same gate
    restarted = build_app(app.settings)
    try:
        restarted.service_desk.http.gate.refresh()  # read before the first burst
        assert restarted.service_desk.http.not_before == until
    finally:
        restarted.close()
