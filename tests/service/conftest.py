"""Fixtures of the service tests (the fakes live in ``service_fakes``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from service_fakes import FakeClock, FakeDesk, make_service

from routerbot.service import TriageService
from routerbot.store import SqlStateStore, open_store

# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def desk(clock: FakeClock) -> FakeDesk:
    return FakeDesk(clock)


@pytest.fixture
def state_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def store(state_url: str, clock: FakeClock) -> Iterator[SqlStateStore]:
    s = open_store(state_url, clock=clock)
    yield s
    s.close()


@pytest.fixture
def service(desk: FakeDesk, store: SqlStateStore, clock: FakeClock) -> TriageService:
    return make_service(desk, store, clock)
