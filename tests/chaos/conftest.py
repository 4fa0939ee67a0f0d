"""Chaos-suite fixtures. Every sandbox a test starts through ``chaos_sandbox`` is checked
by the ledger oracle (I1 duplicates, I2 lost, I3 leaks, I4 loops, Retry-After) when the
test ends, whatever the test itself asserted; a test that breaks an invariant on
purpose calls ``oracle_off(sandbox)``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.chaos.harness import InProcessBot, oracle, start_bot

from routerbot.sandbox import FaultPlan, SandboxModel, SandboxServer


class _Registry:
    def __init__(self) -> None:
        self.sandboxes: list[tuple[SandboxServer, dict[str, Any]]] = []
        self.skip: set[int] = set()
        self.bots: list[InProcessBot] = []


@pytest.fixture
def _chaos_registry() -> Iterator[_Registry]:
    reg = _Registry()
    yield reg
    for bot in reg.bots:
        bot.close()
    failures = []
    for sb, kw in reg.sandboxes:
        if id(sb) not in reg.skip:
            report = oracle(sb, **kw)
            if not report.ok:
                failures.append("\n  ".join(report.problems()[:20]))
        sb.stop()
    if failures:
        pytest.fail("ledger oracle: invariants broken:\n  " + "\n  ".join(failures), pytrace=False)


@pytest.fixture
def chaos_sandbox(_chaos_registry: _Registry) -> Callable[..., SandboxServer]:
    """``chaos_sandbox(rows=[...], faults=None, seeded=False, expected={...}, **oracle_kw)``"""

    def make(
        rows: list[dict[str, Any]] | None = None,
        *,
        faults: FaultPlan | None = None,
        seeded: bool = False,
        model: SandboxModel | None = None,
        **oracle_kw: Any,
    ) -> SandboxServer:
        m = model or (SandboxModel.seeded(move_polls=1) if seeded else SandboxModel(move_polls=1))
        if rows:
            m.load_rows(rows)
        sb = SandboxServer(m, faults=faults).start()
        _chaos_registry.sandboxes.append((sb, oracle_kw))
        return sb

    return make


@pytest.fixture
def oracle_off(_chaos_registry: _Registry) -> Callable[[SandboxServer], None]:
    return lambda sb: _chaos_registry.skip.add(id(sb))


@pytest.fixture
def bot_factory(_chaos_registry: _Registry, tmp_path: Path) -> Callable[..., InProcessBot]:
    def make(sandbox: SandboxServer, **overrides: Any) -> InProcessBot:
        d = tmp_path / f"bot{len(_chaos_registry.bots)}"
        d.mkdir()
        bot = start_bot(sandbox, d, **overrides)
        _chaos_registry.bots.append(bot)
        return bot

    return make
