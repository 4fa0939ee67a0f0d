"""The shipped routing.toml keeps its ground on the four family sets.

The family sets (tests/data/families/, one family of writers each) are tuning data:
their first-touch scores are in the README. Their floors live in
``tests/data/families/floors.toml``; a change that loses exact decisions, FAQ
precision or adds unwanted public replies on any of them fails here, with the tickets
it gets wrong.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config
from routerbot.evaluation import evaluate
from routerbot.labelled import read_labelled

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ROOT / "tests" / "data" / "families"
FLOORS: dict[str, dict[str, float]] = tomllib.loads(
    (FAMILIES / "floors.toml").read_text(encoding="utf-8")
)
#: metric → True when the floor is a maximum
LOWER_IS_BETTER = {"exact_rate": False, "faq_precision": False, "unwanted_replies_per_100": True}


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(ROOT / "config" / "routing.toml")


@pytest.mark.parametrize("family", sorted(FLOORS))
def test_shipped_routing_keeps_the_family_floors(family: str, config: RoutingConfig) -> None:
    report = evaluate(read_labelled(FAMILIES / f"tickets-{family}.jsonl"), config)
    below = {}
    for metric, floor in FLOORS[family].items():
        value = report.metrics[metric]
        ok = value <= floor + 1e-9 if LOWER_IS_BETTER[metric] else value >= floor - 1e-9
        if not ok:
            below[metric] = (round(value, 3), floor)
    wrong = [(r.id, r.wrong) for r in report.results if r.wrong]
    assert not below, (below, wrong[:15])


def test_every_family_set_has_floors_for_every_metric() -> None:
    files = {p.stem.removeprefix("tickets-") for p in FAMILIES.glob("tickets-*.jsonl")}
    assert files == set(FLOORS)
    for family, floors in FLOORS.items():
        assert set(floors) == set(LOWER_IS_BETTER), family
