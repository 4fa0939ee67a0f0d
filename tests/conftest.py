"""Shared pytest fixtures. Sections are owned by their authors; append yours below.

Sandbox (``routerbot.sandbox``)
    ``sandbox``          a running seeded sandbox on a free 127.0.0.1 port (fresh per
                         test): ``.url``, ``.email``, ``.token``, ``.auth``, ``.state``
                         (the ``/_sandbox/state`` dict), ``.model``, ``.requests()``,
                         ``.faults`` (settable FaultPlan), ``.stop()``
    ``empty_sandbox``    the same with no tickets
    ``sandbox_factory``  ``sandbox_factory(model=None, faults=None, seeded=True)`` for
                         custom models, clocks or fault plans; all stopped at teardown
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from routerbot.sandbox import FaultPlan, SandboxModel, SandboxServer

# --------------------------------------------------------------------------- sandbox


class RunningSandbox(SandboxServer):
    """A started :class:`SandboxServer` with test conveniences."""

    @property
    def auth(self) -> tuple[str, str]:
        return (self.email, self.token)


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., RunningSandbox]]:
    started: list[RunningSandbox] = []

    def make(
        model: SandboxModel | None = None,
        faults: FaultPlan | None = None,
        seeded: bool = True,
        **model_kwargs: Any,
    ) -> RunningSandbox:
        if model is None:
            model = SandboxModel.seeded(**model_kwargs) if seeded else SandboxModel(**model_kwargs)
        server = RunningSandbox(model, faults=faults)
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., RunningSandbox]) -> RunningSandbox:
    return sandbox_factory()


@pytest.fixture
def empty_sandbox(sandbox_factory: Callable[..., RunningSandbox]) -> RunningSandbox:
    return sandbox_factory(seeded=False)


# --------------------------------------------------------------------------- PostgreSQL
# pg_server_url, pg_url (own schema per test), pg_url_factory: see tests/pg_fixtures.py.
pytest_plugins = ["tests.pg_fixtures"]
