"""The shipped routing.toml keeps the product's bars on every labelled ticket file.

A support lead's edit (or an engine change) that breaks a bar on tickets the bot
already handled right fails here, with the tickets that changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config
from routerbot.evaluation import evaluate
from routerbot.labelled import read_labelled

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FILES = sorted(DATA.glob("tickets-*.jsonl"))


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(ROOT / "config" / "routing.toml")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shipped_routing_meets_every_bar(path: Path, config: RoutingConfig) -> None:
    report = evaluate(read_labelled(path), config)
    failed = {name: report.metrics[name] for name, ok in report.passes().items() if not ok}
    wrong = [(r.id, r.wrong) for r in report.results if r.wrong]
    assert not failed, (failed, wrong[:10])


def test_the_labelled_files_are_there() -> None:
    assert len(FILES) >= 5
    assert DATA / "tickets-dev.jsonl" in FILES
