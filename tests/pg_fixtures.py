"""PostgreSQL fixtures for tests marked ``@pytest.mark.postgres``.

The server is ``ROUTERBOT_TEST_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). When it cannot be
reached the tests SKIP with the reason, except when the ``CI`` environment
variable is set: then they FAIL, so CI never passes by silently skipping them.

Fixtures:

``pg_server_url``
    The admin URL, once the server answered (session scope).
``pg_url``
    A SQLAlchemy URL whose ``search_path`` is a fresh schema of its own
    (``rbtest_<unix time>_<random>``), dropped after the test: parallel tests and runs never
    see each other's tables (schemas of killed runs, older than an hour, are
    dropped at the next session start). Works across processes (pass it to a subprocess
    as ``ROUTERBOT_STATE_URL``).
``pg_url_factory``
    Call it for more such URLs in one test.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

ABANDONED_AFTER_SECONDS = 3600
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_test_url() -> str:
    return os.environ.get("ROUTERBOT_TEST_PG_URL", DEFAULT_PG_URL)


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
        poolclass=sa.NullPool,
    )


def _unreachable(reason: str) -> None:
    message = f"PostgreSQL at {sa.make_url(pg_test_url()).render_as_string()} unreachable: {reason}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(f"{message}; set ROUTERBOT_TEST_PG_URL to run the PostgreSQL tests")


def _drop_abandoned_schemas(conn: sa.Connection) -> None:
    """Schemas left by a test run that was killed (older than an hour)."""
    cutoff = int(time.time()) - ABANDONED_AFTER_SECONDS
    names = conn.execute(
        sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rbtest\\_%'")
    ).scalars()
    for name in list(names):
        parts = name.split("_")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < cutoff:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = pg_test_url()
    try:
        engine = _admin_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            _drop_abandoned_schemas(conn)
        engine.dispose()
    except Exception as exc:  # any failure means "no server to test against"
        first_line = str(getattr(exc, "orig", exc)).strip().splitlines()
        _unreachable(first_line[0] if first_line else type(exc).__name__)
    return url


@pytest.fixture
def pg_url_factory(pg_server_url: str) -> Iterator[Callable[[], str]]:
    engine = _admin_engine(pg_server_url)
    created: list[str] = []

    def make() -> str:
        schema = f"rbtest_{int(time.time())}_{uuid.uuid4().hex[:12]}"
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        created.append(schema)
        return (
            sa.make_url(pg_server_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )

    yield make
    with engine.connect() as conn:
        for schema in created:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def pg_url(pg_url_factory: Callable[[], str]) -> str:
    return pg_url_factory()
