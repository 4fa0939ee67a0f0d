"""``SqlStateStore``: the :class:`routerbot.ports.StateStore` in plain driver SQL.

One class for SQLite and PostgreSQL; every statement goes through
:class:`routerbot.store.fast.FastPath` (``?`` placeholders turned into ``%s`` for
psycopg, instants stored as the SQLAlchemy columns of :mod:`routerbot.store.schema`
store them). SQLite needs no SQLAlchemy at all (its own small pool and its schema in
plain SQL, :mod:`routerbot.store.ddl`); PostgreSQL keeps SQLAlchemy's pool and creates
its tables from the Core metadata. ``FOR UPDATE`` on the lease row on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite, serialise the writers. Lease times come from
PostgreSQL's ``now()`` (the replicas' own clocks may disagree), on SQLite from the
injected clock (one host).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from routerbot.errors import StateStoreError
from routerbot.ports import (
    ActionRecord,
    ActionState,
    Clock,
    Intent,
    Lease,
    Opened,
    SystemClock,
    TicketState,
)
from routerbot.store.ddl import MIGRATIONS, SCHEMA_VERSION, SQLITE_TABLES
from routerbot.store.engine import PostgresConnections, connections, parse_url, redact_url
from routerbot.store.fast import ACTION_COLUMNS, TICKET_COLUMNS, FastPath

#: ``TicketState.status`` values that mean "waiting for the customer's answer".
WAITING_STATUSES: tuple[str, ...] = ("waiting_browser", "reminded")

#: Action kinds (``ActionRecord.kind``).
ACTION_KINDS: tuple[str, ...] = ("public_reply", "internal_note", "reroute", "transition", "label")

#: ``parked_until`` of a ticket an operator asked to retry: due at once.
RETRY_NOW = datetime(1970, 1, 1, tzinfo=UTC)

_UNFINISHED = (ActionState.PLANNED.value, ActionState.IN_FLIGHT.value)
_MAX_ERROR_CHARS = 2000


class SqlStateStore:
    """Cursor, ticket state, leases and the action ledger in one SQL database.

    ``url`` is a SQLAlchemy-style URL: ``sqlite:///var/routerbot.db`` (default,
    one replica), ``sqlite://`` (in memory, tests) or
    ``postgresql+psycopg://user@host/db`` (several replicas). Constructing the
    store does not connect; call :meth:`create_schema` (or use
    :func:`routerbot.store.open_store`, which does) before the first use.

    Every method raises :class:`~routerbot.errors.StateStoreError` on a database
    failure, never with the URL's password in it, and the fenced ones
    :class:`~routerbot.errors.LeaseLost` when the caller's lease is gone.
    """

    def __init__(
        self, url: str, *, clock: Clock | None = None, db_time: bool | None = None
    ) -> None:
        self._clock: Clock = clock or SystemClock()
        try:
            parsed = parse_url(url)
        except ValueError as exc:
            raise StateStoreError(f"invalid state store URL: {redact_url(url)}") from exc
        self._password = parsed.password
        self.url = redact_url(parsed.text)
        if parsed.backend not in ("sqlite", "postgresql"):
            raise StateStoreError(
                f"unsupported state store database {parsed.backend!r} in "
                f"{self.url}: use sqlite:///path or postgresql+psycopg://…"
            )
        try:
            self._connections = connections(parsed)
        except Exception as exc:  # a missing driver, a bad option, a directory not made
            raise self._translate(exc) from exc
        self.dialect = parsed.backend
        # The in-memory SQLite database is one shared connection: one transaction
        # at a time. Files and PostgreSQL have a pool and real locking.
        self._serial: threading.RLock | None = threading.RLock() if parsed.sqlite_memory else None
        # Lease times: the database's now() on PostgreSQL (replicas on several hosts,
        # whose clocks may disagree); the injected clock when a test asks for it.
        if db_time is None:
            db_time = clock is None
        self._db_time = db_time and self.dialect == "postgresql"
        self._closed = False
        self._fast = FastPath(
            self._connections,
            dialect=self.dialect,
            db_time=self._db_time,
            now=self._now,
            serial=self._serial,
            translate=self._translate,
            closed=lambda: self._closed,
        )

    def __repr__(self) -> str:
        return f"SqlStateStore({self.url!r})"

    @property
    def transactions(self) -> int:
        """How many transactions this store has opened (tests count them)."""
        return self._fast.transactions

    # ------------------------------------------------------------------ plumbing

    def _translate(self, exc: BaseException) -> StateStoreError:
        orig = getattr(exc, "orig", None) or exc
        text = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
        if self._password:
            text = text.replace(self._password, "***")
        return StateStoreError(f"state store ({self.url}) failed: {type(orig).__name__}: {text}")

    def _now(self) -> datetime:
        return self._clock.now()

    def _actions(
        self, where: str, args: Sequence[Any], *, order: bool = True
    ) -> list[ActionRecord]:
        f = self._fast
        sql = f"SELECT {ACTION_COLUMNS} FROM action WHERE {where}"
        if order:
            sql += " ORDER BY created, action_id"
        with f.tx(write=False) as cur:
            cur.execute(f.sql(sql), tuple(args))
            return [f.action(r) for r in cur.fetchall()]

    def _tickets(self, where: str, args: Sequence[Any], order: str) -> list[TicketState]:
        f = self._fast
        with f.tx(write=False) as cur:
            cur.execute(
                f.sql(f"SELECT {TICKET_COLUMNS} FROM ticket_state WHERE {where} ORDER BY {order}"),
                tuple(args),
            )
            return [f.ticket(r) for r in cur.fetchall()]

    # ------------------------------------------------------------------ schema

    def create_schema(self) -> int:
        """Create the tables (idempotent) and record the schema version; returns it."""
        if isinstance(self._connections, PostgresConnections):
            return self._create_schema_postgres(self._connections)
        f = self._fast
        now = f.bind_time(self._now())
        with f.tx() as cur:
            version = self._version(cur)
            if version > SCHEMA_VERSION:
                raise StateStoreError(_newer(version))
            insert = "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"
            if version == 0:  # a new database: straight to the latest schema
                for statement in SQLITE_TABLES:
                    cur.execute(statement)
                cur.execute(insert, (SCHEMA_VERSION, now))
                return SCHEMA_VERSION
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target]:
                    cur.execute(statement)
                cur.execute(insert, (target, now))
                version = target
            return version

    def _create_schema_postgres(self, pg: PostgresConnections) -> int:
        import sqlalchemy as sa  # noqa: PLC0415  # PostgreSQL only

        from routerbot.store import schema  # noqa: PLC0415  # SQLAlchemy Core metadata

        if self._closed:
            raise StateStoreError("the state store is closed")
        try:
            with pg.engine.begin() as conn:
                return schema.create_schema(conn, self._now())
        except RuntimeError as exc:
            raise StateStoreError(str(exc)) from exc
        except sa.exc.SQLAlchemyError as exc:
            raise self._translate(exc) from exc

    def _version(self, cur: Any) -> int:
        f = self._fast
        if f.sqlite:
            cur.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                "AND name = 'schema_version'"
            )
        else:
            cur.execute("SELECT to_regclass('schema_version') IS NOT NULL")
        if not cur.fetchone()[0]:
            return 0
        cur.execute("SELECT max(version) FROM schema_version")
        return int(cur.fetchone()[0] or 0)

    def schema_version(self) -> int:
        with self._fast.tx(write=False) as cur:
            return self._version(cur)

    def quick_check(self) -> bool:
        """SQLite: ``PRAGMA quick_check`` is ok. Other databases: True."""
        if self.dialect != "sqlite":
            return True
        with self._fast.tx(write=False) as cur:
            cur.execute("PRAGMA quick_check")
            rows = [r[0] for r in cur.fetchall()]
        return rows == ["ok"]

    def now(self) -> datetime:
        """The clock lease times and the shared Retry-After gate use: the database's
        ``now()`` on PostgreSQL (one clock for every replica), else the store's clock."""
        if not self._db_time:
            return self._now()
        f = self._fast
        with f.tx(write=False) as cur:
            cur.execute("SELECT now()")
            row = cur.fetchone()
        value = f.time(row[0])
        assert value is not None
        return value

    # ------------------------------------------------------------------ cursor

    def get_cursor(self, name: str) -> datetime | None:
        f = self._fast
        with f.tx(write=False) as cur:
            cur.execute(f.sql("SELECT value FROM poll_cursor WHERE name = ?"), (name,))
            row = cur.fetchone()
        return None if row is None else f.time(row[0])

    def set_cursor(self, name: str, value: datetime) -> None:
        """Move the cursor forward; a value older than the stored one is ignored,
        so two pollers can never move it backwards (use :meth:`reset_cursor`)."""
        f = self._fast
        with f.tx() as cur:
            cur.execute(
                f.sql(
                    "INSERT INTO poll_cursor (name, value, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                    "updated_at = excluded.updated_at WHERE poll_cursor.value < excluded.value"
                ),
                (name, f.bind_time(value), f.bind_time(self._now())),
            )

    def reset_cursor(self, name: str, value: datetime | None = None) -> None:
        """Operator tool: set the cursor to ``value`` even backwards (None: forget it)."""
        f = self._fast
        with f.tx() as cur:
            cur.execute(f.sql("DELETE FROM poll_cursor WHERE name = ?"), (name,))
            if value is not None:
                cur.execute(
                    f.sql("INSERT INTO poll_cursor (name, value, updated_at) VALUES (?, ?, ?)"),
                    (name, f.bind_time(value), f.bind_time(self._now())),
                )

    # ------------------------------------------------------------------ tickets

    def get_ticket(self, key: str) -> TicketState | None:
        return self.get_tickets([key]).get(key)

    def put_ticket(self, state: TicketState, lease: Lease | None = None) -> None:
        """Save the ticket state; with a lease, raises ``LeaseLost`` if fenced out."""
        f = self._fast
        with f.tx() as cur:
            if lease is not None:
                f.check(cur, lease, state.key)
            f.put_tickets(cur, [state], self._now())

    def get_tickets(self, keys: Sequence[str]) -> dict[str, TicketState]:
        """The states of several tickets in one read (a poll page)."""
        if not keys:
            return {}
        with self._fast.tx(write=False) as cur:
            return self._fast.tickets(cur, keys)

    def parked_tickets(self) -> list[TicketState]:
        """Tickets set aside after failing again and again (``routerbot parked``)."""
        return self._tickets("parked_until IS NOT NULL", (), "ticket_key")

    def unpark(self, key: str) -> bool:
        """Retry a parked ticket at the next poll (its failure count starts again): it
        stays listed, due at once, until a handling succeeds."""
        f = self._fast
        with f.tx() as cur:
            cur.execute(
                f.sql(
                    "UPDATE ticket_state SET parked_until = ?, failures = 0, "
                    "last_updated = NULL, updated_at = ? "
                    "WHERE ticket_key = ? AND parked_until IS NOT NULL"
                ),
                (f.bind_time(RETRY_NOW), f.bind_time(self._now()), key),
            )
            n = cur.rowcount
        return bool(n and n > 0)

    def waiting_tickets(self) -> list[TicketState]:
        """Tickets whose status is one of :data:`WAITING_STATUSES`, oldest wait first."""
        marks = ", ".join("?" for _ in WAITING_STATUSES)
        return self._tickets(f"status IN ({marks})", WAITING_STATUSES, "waiting_since, ticket_key")

    # ------------------------------------------------------------------ leases

    def claim(self, key: str, owner: str, ttl_seconds: float) -> Lease | None:
        """Take the ticket's lease if it is free, expired, or already ``owner``'s.

        Every successful claim bumps the epoch, which fences out any earlier lease
        on the key (even one of the same owner). None if another live owner holds it.
        """
        with self._fast.tx() as cur:
            row = self._fast.take(
                cur, "ticket_lease", "ticket_key", key, owner=owner, ttl=ttl_seconds
            )
        if row is None:
            return None
        return Lease(key=key, owner=owner, epoch=row[0], until=row[1])

    def renew(self, lease: Lease, ttl_seconds: float) -> Lease:
        """Extend a live lease (same epoch); raises ``LeaseLost`` if it is gone."""
        f = self._fast
        with f.tx() as cur:
            f.check(cur, lease, lease.key)
            return f.extend(cur, lease, ttl_seconds)

    def fence(self, lease: Lease, ttl_seconds: float) -> Lease:
        """Raise ``LeaseLost`` unless ``lease`` is live (checked right before a write
        that cannot be repeated); renews it once past half its TTL (a heartbeat)."""
        f = self._fast
        with f.tx() as cur:
            if f.check(cur, lease, lease.key, fresh_for=ttl_seconds / 2):
                return lease
            return f.extend(cur, lease, ttl_seconds)

    def release(self, lease: Lease) -> None:
        """Give the lease back (it expires now). A lease already lost is a no-op.

        The row is kept, so the epoch keeps growing and never repeats.
        """
        with self._fast.tx() as cur:
            self._fast.release(
                cur, "ticket_lease", "ticket_key", lease.key, owner=lease.owner, epoch=lease.epoch
            )

    def lease_holder(self, key: str) -> Lease | None:
        """The live lease on ``key`` (None when free or expired). For diagnostics."""
        f = self._fast
        now_sql, now_args = f.now_expr()
        with f.tx(write=False) as cur:
            cur.execute(
                f.sql(
                    "SELECT owner, epoch, lease_until FROM ticket_lease "
                    f"WHERE ticket_key = ? AND lease_until > {now_sql}"
                ),
                (key, *now_args),
            )
            row = cur.fetchone()
        if row is None:
            return None
        until = f.time(row[2])
        assert until is not None
        return Lease(key=key, owner=row[0], epoch=int(row[1]), until=until)

    def try_lead(self, name: str, owner: str, ttl_seconds: float) -> bool:
        """Leader lease: True when ``owner`` holds the lease ``name`` for ``ttl_seconds``.

        For "only one replica polls at a time": every replica calls
        ``try_lead("poller", replica_id, ttl)`` before each poll and polls only on
        True. The holder renews by calling again before ``ttl`` runs out; when it
        dies, another replica takes over once the lease has expired. Per-ticket
        leases still guard every write, so a leader change mid-poll is safe.
        """
        with self._fast.tx() as cur:
            taken = self._fast.take(cur, "leader_lease", "name", name, owner=owner, ttl=ttl_seconds)
        return taken is not None

    def resign(self, name: str, owner: str) -> None:
        """Give up the leader lease ``name`` if ``owner`` holds it (clean shutdown)."""
        with self._fast.tx() as cur:
            self._fast.release(cur, "leader_lease", "name", name, owner=owner, epoch=None)

    def expire_dead_owners(self, host: str, alive: Callable[[int], bool], me: str) -> list[str]:
        """Expire the leases of earlier processes of this host that are gone (owner
        ``{host}-{pid}`` whose pid is not alive): a restarted daemon takes its own
        tickets back at once instead of waiting for their TTL. Returns those owners."""
        prefix = f"{host}-"
        dead: list[str] = []
        f = self._fast
        with f.tx() as cur:
            for table in ("ticket_lease", "leader_lease"):
                now_sql, now_args = f.now_expr()
                cur.execute(
                    f.sql(
                        f"SELECT DISTINCT owner FROM {table} "
                        f"WHERE lease_until > {now_sql} AND owner <> ?"
                    ),
                    (*now_args, me),
                )
                for (owner,) in cur.fetchall():
                    pid = str(owner)[len(prefix) :] if str(owner).startswith(prefix) else ""
                    if pid.isdigit() and not alive(int(pid)):
                        now_sql, now_args = f.now_expr()
                        cur.execute(
                            f.sql(f"UPDATE {table} SET lease_until = {now_sql} WHERE owner = ?"),
                            (*now_args, owner),
                        )
                        dead.append(str(owner))
        return sorted(set(dead))

    # ------------------------------------------------------------------ ledger

    def record_intent(
        self,
        action_id: str,
        key: str,
        kind: str,
        payload: dict[str, Any],
        lease: Lease,
        *,
        ticket_id: str = "",
    ) -> ActionRecord:
        """Insert a PLANNED action unless ``action_id`` exists; returns the stored
        record (possibly one an earlier run or another replica recorded)."""
        f = self._fast
        now = f.bind_time(self._now())
        with f.tx() as cur:
            f.check(cur, lease, lease.key if ticket_id else key)
            cur.execute(
                f.sql(
                    f"INSERT INTO action ({ACTION_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, 0, '', '', ?, ?, ?) "
                    "ON CONFLICT (action_id) DO NOTHING"
                ),
                (
                    action_id,
                    key,
                    kind,
                    f.payload(payload),
                    ActionState.PLANNED.value,
                    now,
                    now,
                    ticket_id,
                ),
            )
            return self._load_action(cur, action_id)

    def mark_in_flight(self, action_id: str, lease: Lease) -> ActionRecord:
        """PLANNED or IN_FLIGHT → IN_FLIGHT, ``attempts += 1``; fenced.

        A DONE or FAILED action is returned unchanged: the caller must not act.
        """
        f = self._fast
        with f.tx() as cur:
            record = self._load_action(cur, action_id)
            f.check(cur, lease, record.key)
            if record.state not in (ActionState.PLANNED, ActionState.IN_FLIGHT):
                return record
            cur.execute(
                f.sql(
                    "UPDATE action SET state = ?, attempts = attempts + 1, updated = ? "
                    "WHERE action_id = ? AND state IN (?, ?)"
                ),
                (
                    ActionState.IN_FLIGHT.value,
                    f.bind_time(self._now()),
                    action_id,
                    *_UNFINISHED,
                ),
            )
            return self._load_action(cur, action_id)

    def mark_done(self, action_id: str, lease: Lease | None, external_ref: str = "") -> None:
        """→ DONE with ``external_ref`` (e.g. the comment id). Fenced when ``lease``
        is given; reconciliation without a lease passes None. Idempotent."""
        f = self._fast
        with f.tx() as cur:
            record = self._load_action(cur, action_id)
            if lease is not None:
                f.check(cur, lease, record.key)
            if record.state is ActionState.DONE and (
                not external_ref or record.external_ref == external_ref
            ):
                return
            cur.execute(
                f.sql(
                    "UPDATE action SET state = ?, external_ref = ?, error = '', updated = ? "
                    "WHERE action_id = ?"
                ),
                (
                    ActionState.DONE.value,
                    external_ref or record.external_ref,
                    f.bind_time(self._now()),
                    action_id,
                ),
            )

    def mark_failed(self, action_id: str, lease: Lease | None, error: str) -> None:
        """→ FAILED with ``error`` (a definitive refusal; needs a human). A DONE
        action stays DONE: what was done cannot be undone by a late failure."""
        f = self._fast
        with f.tx() as cur:
            record = self._load_action(cur, action_id)
            if lease is not None:
                f.check(cur, lease, record.key)
            if record.state is ActionState.DONE:
                return
            cur.execute(
                f.sql("UPDATE action SET state = ?, error = ?, updated = ? WHERE action_id = ?"),
                (
                    ActionState.FAILED.value,
                    error[:_MAX_ERROR_CHARS],
                    f.bind_time(self._now()),
                    action_id,
                ),
            )

    def get_action(self, action_id: str) -> ActionRecord | None:
        found = self._actions("action_id = ?", (action_id,), order=False)
        return found[0] if found else None

    def unfinished_actions(self, older_than: datetime | None = None) -> list[ActionRecord]:
        """PLANNED or IN_FLIGHT actions last touched before ``older_than`` (all when
        None), oldest first: what reconciliation at start-up must re-check."""
        if older_than is None:
            return self._actions("state IN (?, ?)", _UNFINISHED)
        return self._actions(
            "state IN (?, ?) AND updated < ?", (*_UNFINISHED, self._fast.bind_time(older_than))
        )

    def actions_for(self, key: str) -> list[ActionRecord]:
        """The ledger of one ticket, by key or by its stable id (a moved ticket's rows
        are found under either)."""
        return self._actions("(ticket_key = ? OR ticket_id = ?)", (key, key))

    def count_public_replies_since(self, since: datetime) -> int:
        """DONE ``public_reply`` actions confirmed at or after ``since`` (global breaker)."""
        f = self._fast
        with f.tx(write=False) as cur:
            cur.execute(
                f.sql(
                    "SELECT count(*) FROM action WHERE kind = 'public_reply' AND state = ? "
                    "AND updated >= ?"
                ),
                (ActionState.DONE.value, f.bind_time(since)),
            )
            return int(cur.fetchone()[0] or 0)

    def stats(self) -> dict[str, int]:
        """Number of actions in each state (every ``ActionState`` value, zeros
        included). Ledger backlog = ``planned + in_flight``."""
        counts = {state.value: 0 for state in ActionState}
        with self._fast.tx(write=False) as cur:
            cur.execute("SELECT state, count(*) FROM action GROUP BY state")
            for state, n in cur.fetchall():
                counts[str(state)] = int(n)
        return counts

    # ------------------------------------------------------------------ executor

    def open_ticket(
        self, ticket_id: str, key: str, owner: str, ttl_seconds: float, intents: Sequence[Intent]
    ) -> Opened | None:
        """One transaction: claim the ticket's lease (keyed by ``ticket_id``), read its
        ledger (rows under ``ticket_id``, and old rows under ``key``), and — unless an
        earlier plan is still unfinished — record ``intents`` IN_FLIGHT (attempt 1: the
        caller acts right after). Unfinished rows being resumed count one more attempt.
        None when another live owner holds the lease."""
        f = self._fast
        with f.tx() as cur:
            taken = f.take(
                cur, "ticket_lease", "ticket_key", ticket_id, owner=owner, ttl=ttl_seconds
            )
            if taken is None:
                return None
            lease = Lease(key=ticket_id, owner=owner, epoch=taken[0], until=taken[1])
            records = f.ledger(cur, ticket_id, key)
            wanted = {i.action_id for i in intents}
            unfinished = [r.action_id for r in records.values() if r.state.value in _UNFINISHED]
            other = [i for i in unfinished if i not in wanted]
            fresh: list[Intent] = []
            if not other:
                fresh = [i for i in intents if i.action_id not in records]
            now = self._now()
            if fresh:
                f.insert_in_flight(cur, ticket_id, key, fresh, now)
            if unfinished:
                f.resume(cur, ticket_id, unfinished, now)
        return Opened(lease, records, frozenset(i.action_id for i in fresh))

    def note_ref(self, lease: Lease, action_id: str, ref: str) -> None:
        """Remember an in-flight action's external reference (e.g. ``task:42`` for a
        bulk move), fenced: a later run confirms that task instead of moving again."""
        f = self._fast
        with f.tx() as cur:
            f.check(cur, lease, lease.key)
            cur.execute(
                f.sql(
                    "UPDATE action SET external_ref = ?, updated = ? "
                    "WHERE action_id = ? AND state IN (?, ?)"
                ),
                (ref[:255], f.bind_time(self._now()), action_id, *_UNFINISHED),
            )

    def settle(
        self,
        lease: Lease,
        *,
        done: Mapping[str, str] | None = None,
        failed: Mapping[str, str] | None = None,
        states: Sequence[TicketState] = (),
        release: bool = True,
    ) -> None:
        """Confirm actions (DONE with their reference, FAILED with the error), save the
        ticket states and give the lease back, in one fenced transaction. A DONE action
        is never turned FAILED."""
        f = self._fast
        now = self._now()
        with f.tx() as cur:
            f.check(cur, lease, lease.key)
            f.confirm(cur, done or {}, failed or {}, now)
            if states:
                f.put_tickets(cur, states, now)
            if release:
                f.release(
                    cur,
                    "ticket_lease",
                    "ticket_key",
                    lease.key,
                    owner=lease.owner,
                    epoch=lease.epoch,
                )

    def _load_action(self, cur: Any, action_id: str) -> ActionRecord:
        f = self._fast
        cur.execute(f.sql(f"SELECT {ACTION_COLUMNS} FROM action WHERE action_id = ?"), (action_id,))
        row = cur.fetchone()
        if row is None:
            raise StateStoreError(f"unknown action {action_id!r}")
        return f.action(row)

    # ------------------------------------------------------------------ life cycle

    def close(self) -> None:
        """Release the connections. Idempotent; the store is unusable afterwards."""
        if not self._closed:
            self._closed = True
            self._connections.dispose()

    def __enter__(self) -> SqlStateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _newer(version: int) -> str:
    return (
        f"the state database has schema version {version}, newer than this "
        f"routerbot's {SCHEMA_VERSION}: upgrade routerbot"
    )
