"""``routerbot export`` as a lead runs it: through the composition root, logs on stderr
only, and — on unchanged rules — an export that ``eval`` scores as what the bot did."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import lead_env

from routerbot.cli import main
from routerbot.domain import AuthorRole, Comment, Person, Ticket
from routerbot.sandbox import FaultPlan, SandboxServer

ROOT = Path(__file__).resolve().parents[2]
ROUTING = ROOT / "config" / "routing.toml"
#: the query docs/support-leads.md gives (it must work on the sandbox as on Jira Cloud)
DOCUMENTED_JQL = "project in (OPE, SD) AND statusCategory = Done AND updated >= -90d"


def _add(sandbox: SandboxServer, n: int) -> None:
    for i in range(n):
        sandbox.model.add_ticket(
            Ticket(
                key=f"OPE-{i + 1}",
                service_desk="3",
                request_type="86",
                summary=f"Question {i}",
                description="Comment télécharger le modèle de certificat ?",
                reporter=Person(display_name="Client", email=f"c{i}@vins.example"),
                comments=(Comment("c1", AuthorRole.CUSTOMER, "Merci."),),
            )
        )


def test_export_to_stdout_under_faults_writes_only_json_rows(
    sandbox_factory: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = (
        FaultPlan()
        .script("POST /rest/api/2/search/jql", ["503"])
        .script("GET /rest/servicedeskapi/servicedesk", ["500"])
    )
    sandbox = sandbox_factory(faults=plan, seeded=False)
    _add(sandbox, 3)
    lead_env(monkeypatch, sandbox)

    assert main(["export", "--jql", "project = OPE ORDER BY key ASC", "-"]) == 0

    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]  # nothing else
    assert [r["id"] for r in rows] == ["OPE-1", "OPE-2", "OPE-3"]
    assert "jsm.retry" in captured.err  # the faults did happen, and were logged there
    assert "exported 3 tickets" in captured.err


def test_export_then_eval_on_unchanged_rules_scores_what_the_bot_did(
    worked_sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "history.jsonl"
    assert main(["export", "--jql", DOCUMENTED_JQL, str(out)]) == 0
    err = capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(worked_sandbox.model.snapshot()["tickets"]) > 20
    assert any(r["expected"]["ask_browser"] for r in rows)
    assert any(r["history"]["moved_by"] == ["bot"] for r in rows)
    assert "moved by the bot" in err

    code = main(["eval", str(out), "--config", str(ROUTING), "--json"])
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    assert code == 0, metrics
    assert metrics["exact_rate"] == 1.0, metrics
    assert metrics["category_accuracy"] == 1.0
    assert metrics["ask_browser_accuracy"] == 1.0


def test_export_labels_the_bots_moves_apart_from_agents_moves(
    worked_sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = worked_sandbox.model
    moved = next(t["key"] for t in model.snapshot()["tickets"] if t["key"].startswith("OPE"))
    model.set_request_type(model.issue(moved), "84", model.agents[0])
    out = tmp_path / "history.jsonl"
    assert main(["export", "--jql", DOCUMENTED_JQL, str(out)]) == 0
    rows = {
        r["id"]: r
        for r in (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    }
    assert rows[moved]["history"]["moved_by"][-1] == "agent"
    assert rows[moved]["expected"]["reroute_to"] == "3/84"
    by_bot = [k for k, r in rows.items() if r["history"]["moved_by"] == ["bot"]]
    assert by_bot and all(rows[k]["expected"]["reroute_to"] for k in by_bot)
    summary = capsys.readouterr().err
    assert f"{len(by_bot)} moved by the bot, 1 moved by agents" in summary


def test_documented_jql_reads_only_resolved_tickets(
    sandbox_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(seeded=False)
    _add(sandbox, 2)
    sandbox.model.transition("OPE-2", "41", sandbox.model.agents[0])
    lead_env(monkeypatch, sandbox)
    out = tmp_path / "h.jsonl"
    assert main(["export", "--jql", DOCUMENTED_JQL, str(out)]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["OPE-2"]


def _documented_queries() -> set[str]:
    from routerbot.commands.export_cmd import EXPORT_EPILOG  # noqa: PLC0415

    texts = [
        (ROOT / "docs" / d).read_text(encoding="utf-8") for d in ("cli.md", "support-leads.md")
    ]
    return set(re.findall(r"routerbot export --jql '([^']+)'", "\n".join([*texts, EXPORT_EPILOG])))


def test_every_jql_the_docs_give_for_export_works_on_the_sandbox(
    sandbox_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    queries = _documented_queries()
    assert DOCUMENTED_JQL in queries and len(queries) >= 2
    sandbox = sandbox_factory(seeded=False)
    _add(sandbox, 1)
    sandbox.model.transition("OPE-1", "41", sandbox.model.agents[0])
    lead_env(monkeypatch, sandbox)
    for jql in sorted(queries):
        out = tmp_path / "h.jsonl"
        assert main(["export", "--jql", jql, str(out)]) == 0, jql
        assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["OPE-1"]
