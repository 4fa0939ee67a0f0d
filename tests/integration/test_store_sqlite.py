"""SQLite specifics of the state store: files, WAL, concurrent writers, reopening."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from routerbot.errors import StateStoreError
from routerbot.ports import ActionState, TicketState
from routerbot.store import SCHEMA_VERSION, SqlStateStore, create_schema, open_store, redact_url
from routerbot.store.fast import FastPath

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def test_creates_the_parent_directories_of_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "var" / "deep" / "routerbot.db"
    with open_store(f"sqlite:///{path}") as store:
        store.set_cursor("poll", T0)
    assert path.is_file()


def test_database_file_runs_in_wal_mode_and_passes_quick_check(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with open_store(f"sqlite:///{path}") as store:
        store.set_cursor("poll", T0)
        assert store.quick_check()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        (version,) = raw.execute("SELECT max(version) FROM schema_version").fetchone()
        assert version == SCHEMA_VERSION
    finally:
        raw.close()


def test_reopening_after_close_keeps_everything(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with open_store(url) as first:
        first.set_cursor("poll", T0)
        first.put_ticket(
            TicketState(key="OPE-5", asks=1, status="waiting_browser", waiting_since=T0)
        )
        lease = first.claim("OPE-5", "replica-a", 600)
        assert lease is not None
        first.record_intent("act-1", "OPE-5", "public_reply", {"faq": "f2"}, lease)
        first.mark_in_flight("act-1", lease)
        first.record_intent("act-2", "OPE-5", "label", {"label": "routerbot"}, lease)
        first.mark_done("act-2", lease, "ok")

    with open_store(url) as second:
        assert second.get_cursor("poll") == T0
        assert [t.key for t in second.waiting_tickets()] == ["OPE-5"]
        (unfinished,) = second.unfinished_actions()
        assert unfinished.action_id == "act-1"
        assert unfinished.state is ActionState.IN_FLIGHT
        assert unfinished.attempts == 1
        assert second.stats()["done"] == 1
        # The lease survived the restart too: another owner must wait for it.
        assert second.claim("OPE-5", "replica-b", 600) is None


def test_two_connections_reading_then_writing_at_once_never_fail_with_database_locked(
    tmp_path: Path,
) -> None:
    """Two stores (two engines, two pools) on one file, hammered from four threads
    with read-then-write transactions: BEGIN IMMEDIATE makes them wait their turn."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    stores = [open_store(url), open_store(url)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)
    per_thread = 60

    def work(store: SqlStateStore, name: str) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                key = f"{name}-{n}"
                lease = store.claim(key, name, 600)  # read-then-write (upsert)
                assert lease is not None
                store.record_intent(f"{key}:reply", key, "public_reply", {}, lease)
                store.mark_in_flight(f"{key}:reply", lease)  # read, fence, write
                store.mark_done(f"{key}:reply", lease, f"c-{n}")
                store.put_ticket(TicketState(key=key, asks=n % 3), lease)
                store.set_cursor("poll", T0 + timedelta(seconds=n))
                store.release(lease)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(stores[i % 2], f"t{i}")) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert stores[0].stats() == {
            "planned": 0,
            "in_flight": 0,
            "done": 4 * per_thread,
            "failed": 0,
        }
        assert stores[1].get_cursor("poll") == T0 + timedelta(seconds=per_thread - 1)
    finally:
        for store in stores:
            store.close()


def test_in_memory_store_is_shared_by_threads(tmp_path: Path) -> None:
    with open_store("sqlite://") as store:
        errors: list[BaseException] = []

        def work(name: str) -> None:
            try:
                for n in range(30):
                    lease = store.claim(f"{name}-{n}", name, 60)
                    assert lease is not None
                    store.record_intent(f"{name}-{n}", f"{name}-{n}", "label", {}, lease)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert store.stats()["planned"] == 90


def test_in_memory_stores_do_not_share_data() -> None:
    with open_store("sqlite://") as one, open_store("sqlite://") as two:
        one.set_cursor("poll", T0)
        assert two.get_cursor("poll") is None


def test_create_schema_helper_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    assert create_schema(url) == SCHEMA_VERSION
    assert create_schema(url) == SCHEMA_VERSION


def test_a_database_from_a_newer_routerbot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    create_schema(f"sqlite:///{path}")
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO schema_version VALUES (99, '2030-01-01 00:00:00.000000')")
    raw.commit()
    raw.close()
    with pytest.raises(StateStoreError, match="newer"):
        open_store(f"sqlite:///{path}")


def test_database_errors_become_state_store_errors(tmp_path: Path) -> None:
    store = SqlStateStore(f"sqlite:///{tmp_path / 'state.db'}")  # no schema created
    try:
        with pytest.raises(StateStoreError, match="no such table"):
            store.get_cursor("poll")
    finally:
        store.close()


def test_error_messages_never_contain_the_url_password() -> None:
    secret = "Sup3r-S3cret-pw"
    url = f"postgresql+psycopg://routerbot:{secret}@127.0.0.1:1/routerbot?connect_timeout=2"
    store = SqlStateStore(url)
    try:
        with pytest.raises(StateStoreError) as caught:
            store.create_schema()
        assert secret not in str(caught.value)
        assert "127.0.0.1" in str(caught.value)
        assert secret not in repr(store)
    finally:
        store.close()
    assert secret not in redact_url(url)


def test_an_unparseable_url_is_a_state_store_error() -> None:
    with pytest.raises(StateStoreError, match="invalid state store URL"):
        SqlStateStore("not a url")


def test_an_unsupported_database_is_refused_up_front() -> None:
    with pytest.raises(StateStoreError, match="unsupported"):
        SqlStateStore("mysql://user:pw@127.0.0.1/routerbot")


def test_a_version_1_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    raw = sqlite3.connect(path)
    raw.executescript(
        """
        CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at DATETIME NOT NULL);
        INSERT INTO schema_version VALUES (1, '2026-01-01 00:00:00.000000');
        CREATE TABLE ticket_state (ticket_key VARCHAR(64) PRIMARY KEY, last_updated DATETIME,
          last_trigger VARCHAR(255) NOT NULL DEFAULT '', asks INTEGER NOT NULL DEFAULT 0,
          status VARCHAR(40) NOT NULL DEFAULT '', waiting_since DATETIME,
          category VARCHAR(100) NOT NULL DEFAULT '', updated_at DATETIME NOT NULL);
        INSERT INTO ticket_state (ticket_key, status, updated_at)
          VALUES ('OPE-1', 'waiting_browser', '2026-01-01 00:00:00.000000');
        CREATE TABLE action (action_id VARCHAR(128) PRIMARY KEY, ticket_key VARCHAR(64) NOT NULL,
          kind VARCHAR(40) NOT NULL, payload JSON NOT NULL, state VARCHAR(16) NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0, external_ref VARCHAR(255) NOT NULL DEFAULT '',
          error TEXT NOT NULL DEFAULT '', created DATETIME NOT NULL, updated DATETIME NOT NULL);
        """
    )
    raw.commit()
    raw.close()
    with open_store(f"sqlite:///{path}") as store:
        assert store.schema_version() == SCHEMA_VERSION
        state = store.get_ticket("OPE-1")
        assert state is not None and state.status == "waiting_browser" and state.failures == 0


def _sqlite_schema(path: Path) -> list[tuple[str, str, str]]:
    raw = sqlite3.connect(path)
    try:
        rows = raw.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    finally:
        raw.close()
    return [(t, n, s.replace(" IF NOT EXISTS", "")) for t, n, s in rows]


def test_the_plain_sql_schema_is_the_one_sqlalchemy_creates(tmp_path: Path) -> None:
    import sqlalchemy as sa  # noqa: PLC0415  # the reference, for this comparison only

    from routerbot.store.schema import metadata  # noqa: PLC0415

    plain = tmp_path / "plain.db"
    with open_store(f"sqlite:///{plain}"):
        pass
    reference = tmp_path / "core.db"
    engine = sa.create_engine(f"sqlite:///{reference}")
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()
    assert _sqlite_schema(plain) == _sqlite_schema(reference)


def test_a_sqlite_daemon_imports_neither_sqlalchemy_nor_jira_nor_requests(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    code = (
        "import sys\n"
        "import routerbot.bootstrap\n"
        "from routerbot.settings import Settings\n"
        "from routerbot.store import open_store\n"
        f"Settings(_env_file=None, state_url={url!r})\n"
        f"store = open_store({url!r})\n"
        "store.stats(); store.unfinished_actions(); store.close()\n"
        "from routerbot.jsm.adapter import JiraServiceDesk\n"
        "JiraServiceDesk('https://desk.example', 'bot@example.com', 'token', transport='urllib3')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'jira', "
        "'requests')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_plain_sql_path_stamps_instants_as_the_core_column_stores_them() -> None:
    """Fixed-width naive UTC text with microseconds (text order is time order), for an
    aware UTC instant, another offset, a naive one (taken as UTC), a zero fraction."""
    import sqlalchemy as sa  # noqa: PLC0415  # the reference, for this comparison only
    from sqlalchemy.dialects import sqlite as sa_sqlite  # noqa: PLC0415

    from routerbot.store.schema import UTCDateTime  # noqa: PLC0415

    col, dialect = UTCDateTime(), sa_sqlite.dialect()
    core = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)
    fast = FastPath.__new__(FastPath)
    fast.sqlite = True
    values = [
        datetime(2026, 12, 3, 19, 23, 31, 278940, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 1, 2, 3, 4, 5),
        datetime(2026, 6, 1, 0, 0, 0, tzinfo=UTC),
    ]
    for value in values:
        stored = col.process_bind_param(value, dialect)
        assert core is not None and stored is not None
        assert fast.bind_time(value) == core(stored)
    assert fast.bind_time(values[1]) == "2026-01-02 01:04:05.000007"
    assert fast.bind_time(values[3]) == "2026-06-01 00:00:00.000000"
