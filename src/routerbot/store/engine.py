"""Connections for the state store: URL parsing, SQLite's own pool, PostgreSQL's engine.

SQLite (one process, several threads) needs no SQLAlchemy: :class:`SqliteConnections`
opens ``sqlite3`` connections with the store's settings — WAL journal,
``busy_timeout``, ``synchronous=NORMAL``, foreign keys on, a 512 KiB page cache per
connection, and ``BEGIN`` taken away from the driver (``isolation_level = None``) so
that the store starts every transaction that may write with ``BEGIN IMMEDIATE`` (a
DEFERRED transaction that reads then writes fails at once with "database is locked",
ignoring the busy timeout) — and keeps up to :data:`POOL_SIZE` idle ones for the
threads to share. ``sqlite://`` (in memory) is one shared connection.

PostgreSQL keeps SQLAlchemy's pool (``pool_pre_ping``: a replica survives a database
restart between polls), imported only when a PostgreSQL URL is opened.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote

from routerbot.url_secrets import mask_url

BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 512  # SQLite page cache per connection
POOL_SIZE = 5  # idle SQLite connections kept (SQLAlchemy's default for a file)

# the URL grammar SQLAlchemy's make_url accepts (dialect+driver://user:pw@host:port/db?q)
_URL = re.compile(
    r"^(?P<name>[\w+]+)://"
    r"(?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?"
    r"(?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?"
    r"(?:/(?P<database>[^?]*))?"
    r"(?:\?(?P<query>.*))?$",
    re.DOTALL,
)


def redact_url(url: str) -> str:
    """The URL with every secret masked (``user:***@``, ``?password=***``…), for logs
    and error messages (``routerbot.url_secrets``)."""
    return mask_url(str(url))


@dataclass(frozen=True, slots=True)
class StoreUrl:
    """A parsed database URL (``sqlite:///path``, ``sqlite://``,
    ``postgresql+psycopg://user:pw@host/db``)."""

    text: str
    backend: str  # "sqlite", "postgresql", …
    database: str | None
    password: str | None
    query: tuple[tuple[str, str], ...]

    @property
    def sqlite_memory(self) -> bool:
        return self.backend == "sqlite" and self.database in (None, "", ":memory:")


def parse_url(text: str) -> StoreUrl:
    """Parse ``text`` as SQLAlchemy would; ``ValueError`` when it is not a database URL."""
    m = _URL.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise ValueError("not a database URL")
    password = m.group("password")
    return StoreUrl(
        text=text.strip(),
        backend=m.group("name").split("+", 1)[0],
        database=m.group("database"),
        password=unquote(password) if password is not None else None,
        query=tuple(parse_qsl(m.group("query") or "")),
    )


class Connections(Protocol):
    """Where the store's DBAPI connections come from."""

    #: the driver's base exception (``sqlite3.Error``, ``psycopg.Error``)
    errors: tuple[type[BaseException], ...]

    def acquire(self) -> Any: ...

    def give_back(self, conn: Any) -> None: ...

    def dispose(self) -> None: ...


class SqliteConnections:
    """``sqlite3`` connections to one database, shared by the process's threads."""

    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, url: StoreUrl) -> None:
        self._memory = url.sqlite_memory
        query = dict(url.query)
        database = url.database or ":memory:"
        self._uri = query.get("uri", "").lower() in ("true", "1") or database.startswith("file:")
        if not self._memory and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._database = database
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._shared: sqlite3.Connection | None = None
        self._disposed = False

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._database,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
            uri=self._uri,
            isolation_level=None,  # the store issues BEGIN (IMMEDIATE) itself
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self._memory:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # each connection keeps its own page cache (2 MiB by default): the hot pages
            # (lease rows, the ledger's indexes) fit in far less, and the operating
            # system caches the file anyway
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except BaseException:
            conn.close()
            raise
        return conn

    def acquire(self) -> sqlite3.Connection:
        if self._memory:  # one shared connection: the store serialises its use
            with self._lock:
                if self._shared is None:
                    self._shared = self._connect()
                return self._shared
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def give_back(self, conn: sqlite3.Connection) -> None:
        if self._memory:
            return
        if conn.in_transaction:  # never hand on a connection inside a transaction
            conn.rollback()
        with self._lock:
            if not self._disposed and len(self._idle) < POOL_SIZE:
                self._idle.append(conn)
                return
        conn.close()

    def dispose(self) -> None:
        with self._lock:
            self._disposed = True
            idle, self._idle = self._idle, []
            shared, self._shared = self._shared, None
        for conn in idle:
            conn.close()
        if shared is not None:
            shared.close()


class PostgresConnections:
    """SQLAlchemy's pool for PostgreSQL (``pool_pre_ping``), DBAPI connections out of it."""

    def __init__(self, url: StoreUrl) -> None:
        import sqlalchemy as sa  # noqa: PLC0415  # 12 MiB a SQLite daemon never needs

        # pre_ping: a replica survives a database restart between polls.
        self.engine = sa.create_engine(url.text, pool_pre_ping=True, pool_size=5, max_overflow=5)
        dbapi = self.engine.dialect.dbapi
        self.errors: tuple[type[BaseException], ...] = (dbapi.Error,) if dbapi is not None else ()
        self._sa_error: type[BaseException] = sa.exc.SQLAlchemyError

    def acquire(self) -> Any:
        try:
            return self.engine.raw_connection()
        except self._sa_error as exc:  # the pool wraps connect errors: report the driver's
            orig = getattr(exc, "orig", None)
            raise (orig if isinstance(orig, BaseException) else exc) from exc

    def give_back(self, conn: Any) -> None:
        conn.close()  # back to SQLAlchemy's pool

    def dispose(self) -> None:
        self.engine.dispose()


def connections(url: StoreUrl) -> Connections:
    """The connection source for ``url`` (does not connect yet)."""
    if url.backend == "sqlite":
        return SqliteConnections(url)
    return PostgresConnections(url)
