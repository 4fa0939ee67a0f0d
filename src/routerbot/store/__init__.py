"""The state store: poll cursor, ticket state, leases and the action ledger.

:class:`SqlStateStore` implements :class:`routerbot.ports.StateStore` with
plain driver SQL on SQLite (the default, one replica; no SQLAlchemy) or PostgreSQL
(several replicas sharing the work; SQLAlchemy's pool and schema set-up). Jira stays
the source of truth for what was done; this store is the intent log, the lease table
and a cache.

Usage::

    store = open_store("sqlite:///var/routerbot.db")   # creates the schema
    lease = store.claim("OPE-12", owner="host-1234", ttl_seconds=120)
    if lease is not None:
        rec = store.record_intent(action_id, "OPE-12", "public_reply", {...}, lease)
        if rec.state is ActionState.PLANNED:
            store.mark_in_flight(action_id, lease)     # LeaseLost: stop, do not call Jira
            ...                                        # check Jira's marker, act once
            store.mark_done(action_id, lease, external_ref=comment_id)
        store.release(lease)

Tables (schema version in ``schema_version``; :func:`create_schema` is idempotent
and applies later migrations):

``schema_version(version PK, applied_at)``
    One row per applied schema version.
``poll_cursor(name PK, value, updated_at)``
    Where each poller got to. ``set_cursor`` only moves forward.
``ticket_state(ticket_key PK, last_updated, last_trigger, asks, status,
waiting_since, category, updated_at)``
    :class:`~routerbot.ports.TicketState` per ticket. ``waiting_tickets`` returns
    those whose status is in :data:`WAITING_STATUSES`.
``ticket_lease(ticket_key PK, owner, epoch, lease_until)``
    One row per ticket ever claimed. ``claim`` is a single atomic
    ``INSERT … ON CONFLICT DO UPDATE … WHERE lease_until <= now OR owner = me
    RETURNING epoch``; every claim bumps ``epoch``; ``release`` expires the row
    but keeps it, so epochs never repeat. Every fenced write (``put_ticket`` with
    a lease, ``record_intent``, ``mark_in_flight``, ``mark_done``/``mark_failed``
    with a lease) first locks the row (``FOR UPDATE`` on PostgreSQL,
    ``BEGIN IMMEDIATE`` on SQLite) and checks owner, epoch and expiry in the
    same transaction, else raises :class:`~routerbot.errors.LeaseLost`.
``leader_lease(name PK, owner, epoch, lease_until)``
    Leader leases (``try_lead``/``resign``), e.g. "one replica polls at a time".
``action(action_id PK, ticket_key, kind, payload JSON, state, attempts,
external_ref, error, created, updated)``
    The ledger. ``action_id`` is computed by the caller (deterministic);
    ``record_intent`` inserts PLANNED with ``ON CONFLICT DO NOTHING`` and returns
    the stored row. States: PLANNED → IN_FLIGHT (``attempts += 1``) → DONE
    (``external_ref``) or FAILED (``error``). Kinds: see :data:`ACTION_KINDS`.

Lease times come from PostgreSQL's ``now()`` (replicas' clocks may disagree); on
SQLite (one host) from the store's clock.

SQLite runs in WAL mode with ``busy_timeout``, ``synchronous=NORMAL`` (an
application crash loses nothing; a power loss may lose the last commits, which
reconciliation against Jira repairs) and foreign keys; every transaction that
may write starts with ``BEGIN IMMEDIATE``. Keep the file on a local disk (WAL
does not work on network file systems) and use one process per file.

Backups: SQLite — ``sqlite3 var/routerbot.db ".backup var/routerbot-backup.db"``
(safe while the daemon runs; never ``cp`` the live file or its ``-wal``/``-shm``).
PostgreSQL — ``pg_dump --format=custom --file routerbot.dump <db>`` and
``pg_restore``. Losing the store repeats nothing as long as Jira's markers are
there: reconciliation reads them back.
"""

from __future__ import annotations

from routerbot.ports import Clock
from routerbot.store.ddl import SCHEMA_VERSION
from routerbot.store.engine import redact_url
from routerbot.store.sql import ACTION_KINDS, WAITING_STATUSES, SqlStateStore

DEFAULT_URL = "sqlite:///var/routerbot.db"

__all__ = [
    "ACTION_KINDS",
    "DEFAULT_URL",
    "SCHEMA_VERSION",
    "WAITING_STATUSES",
    "SqlStateStore",
    "create_schema",
    "open_store",
    "redact_url",
]


def open_store(
    url: str = DEFAULT_URL, *, clock: Clock | None = None, db_time: bool | None = None
) -> SqlStateStore:
    """A ready store: connects, creates or upgrades the schema. Raises ``StateStoreError``.

    ``db_time``: lease times from PostgreSQL's ``now()`` (default unless a ``clock`` is
    injected); ignored on SQLite (one host)."""
    store = SqlStateStore(url, clock=clock, db_time=db_time)
    try:
        store.create_schema()
    except BaseException:
        store.close()
        raise
    return store


def create_schema(url: str) -> int:
    """Create (or upgrade) the schema at ``url`` and return its version. Idempotent."""
    store = SqlStateStore(url)
    try:
        return store.create_schema()
    finally:
        store.close()
