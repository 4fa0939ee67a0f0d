"""Unit-test hooks: the example engine's known misses are strict expected failures."""

from __future__ import annotations

import pytest
from tests.unit.known_misses import KNOWN_MISSES


def miss_key(item: pytest.Item) -> str:
    """``file::test[param-values]`` with the values as written, never pytest's node id.

    Node ids are not stable across pytest versions (a long or non-ASCII parameter
    may show as ``text0`` or as ``\\xe8`` escapes), so a list of ids silently stops
    matching when CI installs another pytest; the parameter values do not change.
    """
    base = f"{item.nodeid.split('::', 1)[0]}::{getattr(item, 'originalname', item.name)}"
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return base
    return f"{base}[{'-'.join(str(v) for v in callspec.params.values())}]"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if miss_key(item) in KNOWN_MISSES:
            item.add_marker(
                pytest.mark.xfail(
                    reason="known miss of the example engine (tests/unit/known_misses.py)",
                    strict=True,
                )
            )
