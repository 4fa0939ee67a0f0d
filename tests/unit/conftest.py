"""Unit-test hooks: the example engine's known misses are strict expected failures."""

from __future__ import annotations

import pytest
from tests.unit.known_misses import KNOWN_MISSES


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid in KNOWN_MISSES:
            item.add_marker(
                pytest.mark.xfail(
                    reason="known miss of the example engine (tests/unit/known_misses.py)",
                    strict=True,
                )
            )
