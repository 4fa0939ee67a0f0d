"""``routerbot export`` and ``routerbot report`` against the sandbox over HTTP.

The history is made the way it happens in production: the bot acts through the Jira
adapter (its own account), agents act in Jira (the sandbox model, as an agent user).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from routerbot.cli import main
from routerbot.config import RoutingConfig, load_config
from routerbot.domain import AuthorRole, Comment, Person, Population, Target, Ticket
from routerbot.jsm.adapter import JiraServiceDesk
from routerbot.labelled import read_labelled
from routerbot.lead.undo import UndoTracker, observe_recent_undos, undo_counter
from routerbot.ports import BotRecord
from routerbot.sandbox import SandboxModel, SandboxServer

ROOT = Path(__file__).resolve().parents[2]
ROUTING = ROOT / "config" / "routing.toml"


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(ROUTING)


@pytest.fixture
def jira_env(monkeypatch: pytest.MonkeyPatch, empty_sandbox: SandboxServer) -> SandboxServer:
    monkeypatch.setenv("ROUTERBOT_JIRA_URL", empty_sandbox.url)
    monkeypatch.setenv("ROUTERBOT_JIRA_EMAIL", empty_sandbox.email)
    monkeypatch.setenv("ROUTERBOT_JIRA_API_TOKEN", empty_sandbox.token)
    monkeypatch.setenv("ROUTERBOT_ROUTING_FILE", str(ROUTING))
    return empty_sandbox


def bot_desk(server: SandboxServer) -> JiraServiceDesk:
    return JiraServiceDesk(server.url, server.email, server.token, move_poll_interval=0.01)


def add(model: SandboxModel, key: str, where: str, body: str, email: str) -> str:
    target = Target.parse(where)
    ticket = Ticket(
        key=key,
        service_desk=target.service_desk,
        request_type=target.request_type,
        summary=body[:40],
        description=body,
        reporter=Person(display_name="Client", email=email),
        comments=(Comment("c1", AuthorRole.CUSTOMER, "Merci de votre aide."),),
    )
    return model.add_ticket(ticket).key


def agent_sets_request_type(model: SandboxModel, key: str, request_type: str) -> None:
    model.set_request_type(model.issue(key), request_type, model.agents[0])


def answer(config: RoutingConfig, faq: str) -> str:
    return config.render(config.faq[faq].answer, Population.OPERATEUR)


def build_history(server: SandboxServer, config: RoutingConfig) -> dict[str, str]:
    """Five past tickets; returns name -> current key."""
    model = server.model
    desk = bot_desk(server)
    keys = {}
    # an agent moved an operator's habilitation request filed in the assistance form
    keys["agent_moved"] = add(
        model,
        "OPE-1",
        "3/86",
        "Voici mes formulaires d'habilitation.",
        "a@export-fruits.example",
    )
    agent_sets_request_type(model, keys["agent_moved"], "84")
    model.add_comment(keys["agent_moved"], "Dossier transmis, merci.", author="agent")
    # the bot rerouted and answered a FAQ question; nobody undid it
    keys["bot_answered"] = add(
        model,
        "OPE-2",
        "3/84",
        "Comment télécharger le modèle de certificat ?",
        "b@export-fruits.example",
    )
    desk.post_comment(keys["bot_answered"], answer(config, "telecharger-modele"), public=True)
    desk.set_request_type(keys["bot_answered"], "86")
    # the bot moved a state agent's ticket to the other desk
    keys["bot_moved"] = desk.move(
        add(
            model,
            "OPE-3",
            "3/86",
            "Je suis agent DDPP, question de signature.",
            "c@agriculture.gouv.fr",
        ),
        Target("4", "87"),
    )
    # the bot rerouted, an agent put it back
    keys["undone_reroute"] = add(
        model, "OPE-4", "3/84", "Je voudrais l'accès au module.", "d@vins.example"
    )
    desk.set_request_type(keys["undone_reroute"], "86")
    agent_sets_request_type(model, keys["undone_reroute"], "84")
    # the bot answered, an agent corrected it in public
    keys["corrected_reply"] = add(
        model, "OPE-5", "3/86", "Comment créer mon compte ?", "e@vins.example"
    )
    desk.post_comment(keys["corrected_reply"], answer(config, "creer-mon-compte"), public=True)
    model.add_comment(
        keys["corrected_reply"], "Note : client déjà inscrit", author="agent", public=False
    )
    model.add_comment(
        keys["corrected_reply"], "Correction : votre compte existe déjà.", author="agent"
    )
    return keys


def read_rows(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row for row in rows}


def test_export_labels_past_tickets_from_what_agents_finally_did(
    jira_env: SandboxServer,
    config: RoutingConfig,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    keys = build_history(jira_env, config)
    out = tmp_path / "history.jsonl"
    code = main(["export", "--jql", "project in (OPE, SD) ORDER BY key ASC", str(out)])
    assert code == 0, capsys.readouterr().err
    rows = read_rows(out)
    assert set(rows) == set(keys.values())

    moved = rows[keys["agent_moved"]]
    assert (moved["service_desk"], moved["request_type"]) == ("3", "86")
    assert moved["comments"] == [{"author": "customer", "body": "Merci de votre aide."}]
    assert moved["expected"] == {
        "category": "habilitation",
        "faq": None,
        "ask_browser": False,
        "browser": None,
        "reroute_to": "3/84",
        "auto_reply": False,
    }

    answered = rows[keys["bot_answered"]]["expected"]
    assert (answered["category"], answered["reroute_to"]) == ("assistance_operateur", "3/86")
    assert (answered["faq"], answered["auto_reply"]) == ("telecharger-modele", True)

    across = rows[keys["bot_moved"]]
    assert keys["bot_moved"].startswith("SD-")
    assert (across["service_desk"], across["request_type"]) == ("3", "86")
    assert across["expected"]["category"] == "assistance_sd"
    assert across["expected"]["reroute_to"] == "4/87"

    # the agent's public correction is the last public reply: no FAQ is credited
    assert rows[keys["corrected_reply"]]["expected"]["faq"] is None
    assert rows[keys["undone_reroute"]]["expected"]["reroute_to"] is None

    assert "exported 5 tickets" in capsys.readouterr().err
    assert [t.ticket.key for t in read_labelled(out)] == list(rows)


def test_export_limit_stops_early_and_dash_writes_to_stdout(
    jira_env: SandboxServer, config: RoutingConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    build_history(jira_env, config)
    assert main(["export", "--jql", "project = OPE ORDER BY key ASC", "-", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["OPE-1", "OPE-2"]


def test_export_never_writes_to_jira(
    jira_env: SandboxServer, config: RoutingConfig, tmp_path: Path
) -> None:
    build_history(jira_env, config)
    before = len(jira_env.model.snapshot()["tickets"])
    histories = [t["history"] for t in jira_env.model.snapshot()["tickets"]]
    assert main(["export", "--jql", "project = OPE", str(tmp_path / "o.jsonl")]) == 0
    after = jira_env.model.snapshot()["tickets"]
    assert len(after) == before
    assert [t["history"] for t in after] == histories


def test_report_prints_undo_rates_per_category_and_faq(
    jira_env: SandboxServer, config: RoutingConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    build_history(jira_env, config)
    assert main(["report", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("5 tickets read, 5 bot actions, 2 undone by agents (40.0%)")
    table = {
        tuple(line.split()[:3]): line.split()[3:5]
        for line in out.splitlines()
        if line.startswith(("reroute_reverted", "reply_corrected"))
    }
    assert table[("reroute_reverted", "assistance_operateur", "-")] == ["1", "2"]
    assert table[("reroute_reverted", "assistance_sd", "-")] == ["0", "1"]
    assert table[("reply_corrected", "assistance_operateur", "creer-mon-compte")] == ["1", "1"]
    assert table[("reply_corrected", "habilitation", "telecharger-modele")] == ["0", "1"]
    assert "OPE-4  reroute_reverted  bot put it in 3/86, an agent moved it to 3/84" in out


def test_export_without_jira_settings_fails_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ROUTERBOT_JIRA_URL", "ROUTERBOT_JIRA_EMAIL", "ROUTERBOT_JIRA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    code = main(["export", "--jql", "project = OPE", "out.jsonl", "--config", str(ROUTING)])
    assert code == 2
    err = capsys.readouterr().err
    assert "ROUTERBOT_JIRA_URL is not set" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_the_daemon_job_counts_each_recent_undo_once_in_the_metric(
    jira_env: SandboxServer, config: RoutingConfig
) -> None:
    model = jira_env.model
    desk = bot_desk(jira_env)
    registry = CollectorRegistry()
    tracker = UndoTracker(undo_counter(registry), config, since=model.now() - timedelta(minutes=1))
    key = add(model, "OPE-9", "3/84", "Je voudrais l'accès au module.", "f@vins.example")
    desk.set_request_type(key, "86")
    desk.save_record(key, BotRecord(state="done"), add_labels=[config.labels.handled])
    unlabelled = add(model, "OPE-10", "3/84", "Question.", "g@vins.example")
    desk.set_request_type(unlabelled, "86")
    for k in (key, unlabelled):
        agent_sets_request_type(model, k, "84")

    first = observe_recent_undos(desk, tracker, minutes=30)
    again = observe_recent_undos(desk, tracker, minutes=30)

    assert [(u.key, u.kind) for u in first] == [(key, "reroute_reverted")]
    assert again == []
    labels = {"kind": "reroute_reverted", "category": "assistance_operateur", "faq": "-"}
    assert registry.get_sample_value("routerbot_agent_undo_total", labels) == 1.0
