"""Tables of the state store (SQLAlchemy Core) and the idempotent schema set-up on
PostgreSQL (SQLite uses the same schema in plain SQL: :mod:`routerbot.store.ddl`).

See the package docstring (``routerbot.store``) for what each table holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from routerbot.store.ddl import MIGRATIONS, SCHEMA_VERSION

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "create_schema", "current_version", "metadata"]

#: Arbitrary constant for ``pg_advisory_xact_lock``: serialises concurrent
#: ``create_schema`` calls from several replicas starting at once.
_SCHEMA_LOCK_ID = 0x526F7574  # "Rout"


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant stored in UTC, read back as a timezone-aware ``datetime``.

    SQLite has no time zones: SQLAlchemy stores a fixed-width text without offset,
    so every value is converted to UTC first (text order is then time order).
    Naive datetimes given by a caller are taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

poll_cursor = sa.Table(
    "poll_cursor",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

ticket_state = sa.Table(
    "ticket_state",
    metadata,
    sa.Column("ticket_key", sa.String(64), primary_key=True),
    sa.Column("last_updated", UTCDateTime, nullable=True),
    sa.Column("last_trigger", sa.String(255), nullable=False, server_default=""),
    sa.Column("asks", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String(40), nullable=False, server_default=""),
    sa.Column("waiting_since", UTCDateTime, nullable=True),
    sa.Column("category", sa.String(100), nullable=False, server_default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # v2: poison isolation (a ticket that keeps failing is parked with a backoff)
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("parked_until", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_ticket_state_status", "status"),
)

ticket_lease = sa.Table(
    "ticket_lease",
    metadata,
    sa.Column("ticket_key", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("epoch", sa.BigInteger, nullable=False),
    sa.Column("lease_until", UTCDateTime, nullable=False),
)

leader_lease = sa.Table(
    "leader_lease",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("epoch", sa.BigInteger, nullable=False),
    sa.Column("lease_until", UTCDateTime, nullable=False),
)

action = sa.Table(
    "action",
    metadata,
    sa.Column("action_id", sa.String(128), primary_key=True),
    sa.Column("ticket_key", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("external_ref", sa.String(255), nullable=False, server_default=""),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("updated", UTCDateTime, nullable=False),
    # v2: the ticket's stable id (Jira issue id): a moved ticket keeps its ledger
    sa.Column("ticket_id", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_action_ticket_key", "ticket_key"),
    sa.Index("ix_action_ticket_id", "ticket_id"),
    sa.Index("ix_action_state_updated", "state", "updated"),
    sa.Index("ix_action_kind_state_updated", "kind", "state", "updated"),
)


def current_version(conn: Connection) -> int:
    """The highest applied schema version (0 for an empty database)."""
    if not sa.inspect(conn).has_table(schema_version.name):
        return 0
    found: Any = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(found or 0)


def create_schema(conn: Connection, now: datetime) -> int:
    """Create missing tables and apply pending migrations, inside the caller's
    transaction. Idempotent; safe when several replicas start at once on PostgreSQL.

    Returns the schema version now in place. Raises ``RuntimeError`` when the
    database was written by a newer routerbot (the caller translates it).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK_ID)))
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"the state database has schema version {version}, newer than this "
            f"routerbot's {SCHEMA_VERSION}: upgrade routerbot"
        )
    if version == 0:  # a new database: the metadata is the latest schema
        metadata.create_all(conn, checkfirst=True)
        conn.execute(schema_version.insert().values(version=SCHEMA_VERSION, applied_at=now))
        return SCHEMA_VERSION
    for target in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[target]:
            conn.exec_driver_sql(statement)
        conn.execute(schema_version.insert().values(version=target, applied_at=now))
        version = target
    return version
