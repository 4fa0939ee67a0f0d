"""The lead's loop through the CLI: ``eval --misses`` shows a miss, ``teach`` proposes the
line and writes it, ``eval --compare-config`` shows exactly that change, the file loads.

The tickets are the sample week of the support leads' guide (``docs/examples/week.jsonl``):
seven tickets the shipped routing file gets right and one it misses (WEEK-06, a
customer asking for the model PDF in words no example uses).
"""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from routerbot.cli import main
from routerbot.labelled import read_labelled
from routerbot.routing_file import packaged_routing_file

ROOT = Path(__file__).resolve().parents[2]
ROUTING = ROOT / "config" / "routing.toml"
WEEK = ROOT / "docs" / "examples" / "week.jsonl"
MISS, FAQ = "WEEK-06", "telecharger-modele"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lead's working folder: their copy of the routing file and the week's tickets."""
    shutil.copy(ROUTING, tmp_path / "routing.toml")
    shutil.copy(WEEK, tmp_path / "week.jsonl")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_misses_lists_the_missed_ticket_with_expected_decided_and_closest_examples(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out = _run(capsys, "eval", "week.jsonl", "--config", "routing.toml", "--misses")
    assert "1 of 8 tickets wrong or missed (routing.toml)" in out
    block = out[out.index(f"{MISS}  missed FAQ") :]
    faq = next(line for line in block.splitlines() if " faq " in line)
    assert faq.split() == ["*", "faq", FAQ, "-"]
    closest = block[block.index("closest examples:") : block.index("best entry:")]
    rows = [line.split(maxsplit=2) for line in closest.splitlines()[1:] if line.strip()]
    assert rows and all(float(score) > 0 for score, _entry, _text in rows)
    assert [float(r[0]) for r in rows] == sorted((float(r[0]) for r in rows), reverse=True)
    assert "runner-up:" in block
    assert (
        f"teach it: routerbot teach {MISS} --file week.jsonl --faq {FAQ} --config routing.toml"
        in block
    )
    # the one-line "differences" list gives way to the explained misses
    assert "differences:" not in out


def test_misses_as_json_carry_the_nearest_examples(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out = _run(
        capsys, "eval", "week.jsonl", "--config", "routing.toml", "--misses", "--json"
    )
    [miss] = json.loads(out)["misses"]
    assert miss["id"] == MISS and miss["kind"] == "missed FAQ"
    assert miss["expected"]["faq"] == FAQ and miss["decided"]["faq"] is None
    assert {"entry", "text", "score"} <= set(miss["nearest_examples"][0])


def test_teach_turns_the_miss_into_a_hit_and_compare_config_shows_exactly_that_change(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (desk / "routing.toml").read_text(encoding="utf-8")
    (desk / "routing-before.toml").write_text(before, encoding="utf-8")
    _code, old_json = _run(capsys, "eval", "week.jsonl", "--config", "routing.toml", "--json")
    old = json.loads(old_json)

    # a dry run proposes the line and shows old → new, writing nothing
    code, out = _run(
        capsys, "teach", MISS, "--file", "week.jsonl", "--faq", FAQ, "--config", "routing.toml"
    )
    assert code == 0, out
    proposed = out.splitlines()[
        out.splitlines().index(f"proposed example for [faq.{FAQ}] examples:") + 1
    ]
    line = json.loads(proposed.strip().rstrip(","))
    assert "brouillon" in line and "06 12" not in line and "Olivier" not in line
    faq_row = next(row for row in out.splitlines() if row.startswith("* faq"))
    assert faq_row.split() == ["*", "faq", "-", FAQ]
    assert "dry run: nothing written" in out
    assert (desk / "routing.toml").read_text(encoding="utf-8") == before

    # --write adds exactly that line; every other line (comments too) stays
    code, out = _run(
        capsys,
        "teach",
        MISS,
        "--file",
        "week.jsonl",
        "--faq",
        FAQ,
        "--config",
        "routing.toml",
        "--write",
    )
    assert code == 0 and "wrote 1 example to routing.toml" in out
    after = (desk / "routing.toml").read_text(encoding="utf-8")
    ops = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines()).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    assert [op[0] for op in changed] == ["insert"]
    assert after.splitlines()[changed[0][3] : changed[0][4]] == [
        f"  {json.dumps(line, ensure_ascii=False)},"
    ]
    assert main(["check-config", "routing.toml"]) == 0
    capsys.readouterr()

    # compare-config: one ticket changes, fixed; the metrics move by exactly that ticket
    _code, out = _run(
        capsys,
        "eval",
        "week.jsonl",
        "--config",
        "routing.toml",
        "--compare-config",
        "routing-before.toml",
        "--json",
    )
    data = json.loads(out)
    [change] = data["changes"]
    assert change["id"] == MISS and change["verdict"] == "fixed"
    assert change["old"]["faq"] is None and change["new"]["faq"] == FAQ
    assert change["expected"]["faq"] == FAQ
    assert data["old_metrics"] == old["metrics"]
    n = old["counts"]["scored"]
    expected_faq = old["counts"]["faq_expected"]
    moved = {k: data["metrics"][k] - old["metrics"][k] for k in old["metrics"]}
    assert moved["faq_recall"] == pytest.approx(1 / expected_faq)
    assert moved["exact_rate"] == pytest.approx(1 / n)
    assert all(v == 0 for k, v in moved.items() if k not in ("faq_recall", "exact_rate"))

    # and the miss is gone from --misses
    _code, out = _run(capsys, "eval", "week.jsonl", "--config", "routing.toml", "--misses")
    assert "0 of 8 tickets wrong or missed" in out


def test_teach_refuses_an_unknown_faq_id_and_lists_the_known_ones(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["teach", MISS, "--file", "week.jsonl", "--faq", "telecharger", "--config", "routing.toml"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown FAQ id 'telecharger'" in err and FAQ in err and "nous-contacter" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--file", "week.jsonl", "--faq", FAQ], "give the KEY of one"),
        (["NOPE-1", "--file", "week.jsonl", "--faq", FAQ], "no ticket 'NOPE-1' in week.jsonl"),
        (["--faq", FAQ], "give a ticket KEY or --file"),
        ([MISS, "--file", "week.jsonl", "--category", "assistance"], "unknown category"),
    ],
)
def test_teach_refuses_bad_input_in_one_line(
    desk: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    before = (desk / "routing.toml").read_text(encoding="utf-8")
    code = main(["teach", *argv, "--config", "routing.toml", "--write"])
    err = capsys.readouterr().err
    errors = [ln for ln in err.strip().splitlines() if not ln.startswith("routing file:")]
    assert code == 2 and len(errors) == 1 and message in errors[0]
    assert (desk / "routing.toml").read_text(encoding="utf-8") == before


def test_teach_on_a_ticket_already_answered_writes_nothing(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["teach", MISS, "--file", "week.jsonl", "--faq", FAQ, "--config", "routing.toml"]
    assert main([*argv, "--write"]) == 0
    capsys.readouterr()
    # the ticket is a hit now: nothing to teach, nothing written
    before = (desk / "routing.toml").read_text(encoding="utf-8")
    assert main([*argv, "--write"]) == 0
    assert "already gets faq telecharger-modele: nothing to teach" in capsys.readouterr().out
    assert (desk / "routing.toml").read_text(encoding="utf-8") == before


def test_teach_a_category_adds_an_example_to_the_category(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = {
        "id": "K-2",
        "service_desk": "3",
        "request_type": "86",
        "summary": "dossier",
        "description": "Bonjour, voilà le paquet de la direction départementale avec leurs "
        "tampons, je vous le transmets tel quel.",
        "reporter": {"displayName": "Luc Morel", "email": "luc@morel-export.fr"},
    }
    (desk / "k2.json").write_text(json.dumps(ticket, ensure_ascii=False), encoding="utf-8")
    argv = ["teach", "--file", "k2.json", "--category", "habilitation", "--config", "routing.toml"]
    code, out = _run(capsys, *argv, "--json")
    data = json.loads(out)
    assert data["table"] == ["categories", "habilitation"]
    assert data["old"]["category"] == "assistance_operateur"
    assert code == 0 and data["hit"] is True and data["new"]["category"] == "habilitation"
    assert data["new"]["reroute_to"] == "3/84"


def test_teach_reads_a_live_ticket_through_the_service_desk(
    empty_sandbox: Any,
    desk: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ROUTERBOT_JIRA_URL", empty_sandbox.url)
    monkeypatch.setenv("ROUTERBOT_JIRA_EMAIL", empty_sandbox.email)
    monkeypatch.setenv("ROUTERBOT_JIRA_API_TOKEN", empty_sandbox.token)
    monkeypatch.setenv("ROUTERBOT_STATE_URL", f"sqlite:///{desk / 'state.db'}")
    monkeypatch.setenv("ROUTERBOT_METRICS_PORT", "0")
    row = next(json.loads(x) for x in WEEK.read_text(encoding="utf-8").splitlines() if MISS in x)
    [key] = empty_sandbox.model.load_rows([row])
    before = empty_sandbox.model.snapshot()["tickets"]
    code, out = _run(capsys, "teach", key, "--faq", FAQ, "--config", "routing.toml")
    assert code == 0, out
    assert f"ticket: {key} (live)" in out and "brouillon" in out
    assert empty_sandbox.model.snapshot()["tickets"] == before  # read only


def test_the_guide_sample_is_labelled_like_any_ticket_file() -> None:
    rows = list(read_labelled(WEEK))
    assert len(rows) == 8 and all(r.expected is not None for r in rows)


def test_teach_never_writes_into_the_default_shipped_inside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(WEEK, tmp_path / "week.jsonl")
    monkeypatch.chdir(tmp_path)  # no ./config/routing.toml here
    monkeypatch.delenv("ROUTERBOT_ROUTING_FILE", raising=False)
    packaged = packaged_routing_file()
    before = packaged.read_text(encoding="utf-8")
    code = main(["teach", MISS, "--file", "week.jsonl", "--faq", FAQ, "--write"])
    assert code == 2
    assert "shipped inside the package: copy it" in capsys.readouterr().err
    assert packaged.read_text(encoding="utf-8") == before


def test_a_line_that_does_not_make_the_hit_is_reported_with_exit_code_1(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(
        capsys,
        "teach",
        MISS,
        "--file",
        "week.jsonl",
        "--faq",
        FAQ,
        "--config",
        "routing.toml",
        "--example",
        "Question sur la facture du mois dernier",
    )
    assert code == 1
    assert '"Question sur la facture du mois dernier",' in out
    assert "result: not enough" in out and "try another wording with --example" in out
