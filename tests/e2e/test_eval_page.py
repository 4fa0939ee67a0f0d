"""``routerbot eval FILE --html OUT.html`` after a lead taught one miss, checked in
headless Chromium: the page loads on its own, its charts render, and it shows the
confusion matrix, each entry's precision and recall and the changed ticket beside its
expected decision."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tests.chromium import render_page

from routerbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
WEEK = ROOT / "docs" / "examples" / "week.jsonl"
MISS, FAQ = "WEEK-06", "telecharger-modele"


@pytest.fixture
def eval_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """The guide's loop: teach WEEK-06, then the comparison as a page."""
    shutil.copy(ROOT / "config" / "routing.toml", tmp_path / "routing.toml")
    shutil.copy(ROOT / "config" / "routing.toml", tmp_path / "routing-before.toml")
    shutil.copy(WEEK, tmp_path / "week.jsonl")
    monkeypatch.chdir(tmp_path)
    argv = ["teach", MISS, "--file", "week.jsonl", "--faq", FAQ, "--config", "routing.toml"]
    assert main([*argv, "--write"]) == 0
    page = tmp_path / "eval.html"
    code = main(
        [
            "eval",
            "week.jsonl",
            "--config",
            "routing.toml",
            "--compare-config",
            "routing-before.toml",
            "--html",
            str(page),
        ]
    )
    assert code == 0
    assert f"wrote {page}" in capsys.readouterr().err
    return page


def test_eval_html_renders_its_charts_in_chromium(eval_page: Path, tmp_path: Path) -> None:
    rendered = render_page(eval_page, tmp_path, name="eval")
    # the confusion matrix, precision per entry, recall per entry, changes by verdict
    rendered.assert_renders(min_svgs=4)
    assert "Tickets whose decision changes: 1 of 8" in rendered.dom


def test_eval_html_is_self_contained_and_puts_the_change_beside_its_label(
    eval_page: Path,
) -> None:
    text = eval_page.read_text(encoding="utf-8")
    assert "<script" not in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    row = re.search(rf"<tr><td>{MISS}</td><td>faq</td>(.*?)</tr>", text)
    assert row is not None
    assert re.findall(r"<td>(.*?)</td>", row.group(1)) == ["-", FAQ, FAQ, "fixed"]
    assert "Metrics, old → new" in text and "FAQ entries: precision and recall" in text
    assert "Wrong or missed tickets" in text and "None: every ticket is right." in text
    assert "expected assistance_operateur, decided assistance_operateur: 7" in text
