"""Engine construction for the state store: SQLite tuning and URL redaction.

SQLite (one process, several threads): WAL journal, ``busy_timeout``,
``synchronous=NORMAL``, foreign keys on, a 512 KiB page cache per connection.
SQLAlchemy takes over ``BEGIN`` from the ``sqlite3`` driver (the documented recipe:
``isolation_level = None`` on connect, our own ``BEGIN`` on the engine's ``begin``
event; the plain-SQL path issues its own) so that every transaction that
may write starts with ``BEGIN IMMEDIATE``: a DEFERRED transaction that reads then
writes fails at once with "database is locked", ignoring the busy timeout.
Read-only transactions ask for a plain ``BEGIN`` through the execution option
:data:`READ_ONLY`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from routerbot.url_secrets import mask_url

#: Execution option: this transaction only reads (SQLite: plain ``BEGIN``).
READ_ONLY = "routerbot_read_only"

BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 512  # SQLite page cache per connection


def redact_url(url: str | URL) -> str:
    """The URL with every secret masked (``user:***@``, ``?password=***``…), for logs
    and error messages (``routerbot.url_secrets``)."""
    text = url.render_as_string(hide_password=False) if isinstance(url, URL) else str(url)
    return mask_url(text)


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url``; creates the parent directory of a SQLite file.

    Does not connect: the first query does.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        # pre_ping: a replica survives a database restart between polls.
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    return sa.create_engine(parsed, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    kwargs: dict[str, Any] = {}
    connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    if is_sqlite_memory(url):
        # One shared connection, so every thread sees the same database; the
        # store serialises its transactions on it with a lock.
        kwargs["poolclass"] = StaticPool
        connect_args["check_same_thread"] = False
    else:
        assert url.database is not None  # not memory, so a path
        if not url.database.startswith("file:"):
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Threads of one process share the file through the pool.
        connect_args["check_same_thread"] = False
    engine = sa.create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take BEGIN away from the driver; the "begin" hook below emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            # each pooled connection keeps its own page cache (2 MiB by default): the
            # hot pages (lease rows, the ledger's indexes) fit in far less, and the
            # operating system caches the file anyway
            cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
