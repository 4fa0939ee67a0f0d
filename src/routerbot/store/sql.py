"""``SqlStateStore``: the :class:`routerbot.ports.StateStore` on SQLAlchemy Core.

One class for SQLite and PostgreSQL; the dialect-specific bits are the upsert
constructs and ``FOR UPDATE`` (ignored by SQLite, where ``BEGIN IMMEDIATE``
already serialises writers). Lease times come from PostgreSQL's ``now()`` (the
replicas' own clocks may disagree), on SQLite from the injected clock (one host).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from routerbot.errors import LeaseLost, StateStoreError
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
from routerbot.store import schema as s
from routerbot.store.engine import READ_ONLY, is_sqlite_memory, make_engine, redact_url
from routerbot.store.fast import FastPath

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

    ``url`` is a SQLAlchemy URL: ``sqlite:///var/routerbot.db`` (default,
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
            parsed = make_url(url)
        except (sa.exc.ArgumentError, ValueError) as exc:
            raise StateStoreError(f"invalid state store URL: {redact_url(url)}") from exc
        self._password = parsed.password if isinstance(parsed.password, str) else None
        self.url = redact_url(parsed)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise StateStoreError(
                f"unsupported state store database {parsed.get_backend_name()!r} in "
                f"{self.url}: use sqlite:///path or postgresql+psycopg://…"
            )
        try:
            self._engine = make_engine(parsed)
        except (sa.exc.SQLAlchemyError, ImportError, OSError) as exc:
            raise self._translate(exc) from exc
        self.dialect = self._engine.dialect.name
        # The in-memory SQLite database is one shared connection: one transaction
        # at a time. Files and PostgreSQL have a pool and real locking.
        self._serial: threading.RLock | None = (
            threading.RLock() if is_sqlite_memory(parsed) else None
        )
        # Lease times: the database's now() on PostgreSQL (replicas on several hosts,
        # whose clocks may disagree); the injected clock when a test asks for it.
        if db_time is None:
            db_time = clock is None
        self._db_time = db_time and self.dialect == "postgresql"
        self._closed = False
        # the per-ticket transactions, in plain driver SQL (routerbot.store.fast)
        self._fast = FastPath(
            self._engine,
            dialect=self.dialect,
            db_time=self._db_time,
            now=self._now,
            serial=self._serial,
            translate=self._translate,
            closed=lambda: self._closed,
        )

    def __repr__(self) -> str:
        return f"SqlStateStore({self.url!r})"

    # ------------------------------------------------------------------ plumbing

    def _translate(self, exc: BaseException) -> StateStoreError:
        orig = getattr(exc, "orig", None) or exc
        text = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
        if self._password:
            text = text.replace(self._password, "***")
        return StateStoreError(f"state store ({self.url}) failed: {type(orig).__name__}: {text}")

    @contextmanager
    def _tx(self, *, read_only: bool = False) -> Iterator[Connection]:
        """One transaction; SQLite: ``BEGIN IMMEDIATE`` unless ``read_only``."""
        if self._closed:
            raise StateStoreError("the state store is closed")
        lock = self._serial
        if lock is not None:
            lock.acquire()
        try:
            with self._engine.connect() as conn:
                if read_only:
                    conn.execution_options(**{READ_ONLY: True})
                with conn.begin():
                    yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise self._translate(exc) from exc
        finally:
            if lock is not None:
                lock.release()

    def _insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT with ``on_conflict_do_*`` support."""
        # imported here: the PostgreSQL dialect costs 2 MiB a SQLite daemon never needs
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql  # noqa: PLC0415

            return postgresql.insert(table)
        if self.dialect == "sqlite":
            from sqlalchemy.dialects import sqlite  # noqa: PLC0415

            return sqlite.insert(table)
        raise StateStoreError(f"unsupported database for the state store: {self.dialect}")

    def _now(self) -> datetime:
        return self._clock.now()

    # ------------------------------------------------------------------ schema

    def create_schema(self) -> int:
        """Create the tables (idempotent) and record the schema version; returns it."""
        try:
            with self._tx() as conn:
                return s.create_schema(conn, self._now())
        except RuntimeError as exc:
            raise StateStoreError(str(exc)) from exc

    def schema_version(self) -> int:
        with self._tx(read_only=True) as conn:
            return s.current_version(conn)

    def quick_check(self) -> bool:
        """SQLite: ``PRAGMA quick_check`` is ok. Other databases: True."""
        if self.dialect != "sqlite":
            return True
        with self._tx(read_only=True) as conn:
            rows = conn.exec_driver_sql("PRAGMA quick_check").scalars().all()
        return list(rows) == ["ok"]

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
        with self._tx() as conn:
            conn.execute(s.poll_cursor.delete().where(s.poll_cursor.c.name == name))
            if value is not None:
                conn.execute(
                    s.poll_cursor.insert().values(name=name, value=value, updated_at=self._now())
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
        t = s.ticket_state
        with self._tx(read_only=True) as conn:
            rows = conn.execute(
                sa.select(t).where(t.c.parked_until.is_not(None)).order_by(t.c.ticket_key)
            ).all()
        return [_ticket_from_row(r._mapping) for r in rows]

    def unpark(self, key: str) -> bool:
        """Retry a parked ticket at the next poll (its failure count starts again): it
        stays listed, due at once, until a handling succeeds."""
        t = s.ticket_state
        with self._tx() as conn:
            n = conn.execute(
                t.update()
                .where(t.c.ticket_key == key, t.c.parked_until.is_not(None))
                .values(
                    parked_until=RETRY_NOW, failures=0, last_updated=None, updated_at=self._now()
                )
            ).rowcount
        return bool(n)

    def waiting_tickets(self) -> list[TicketState]:
        """Tickets whose status is one of :data:`WAITING_STATUSES`, oldest wait first."""
        query = (
            sa.select(s.ticket_state)
            .where(s.ticket_state.c.status.in_(WAITING_STATUSES))
            .order_by(s.ticket_state.c.waiting_since, s.ticket_state.c.ticket_key)
        )
        with self._tx(read_only=True) as conn:
            rows = conn.execute(query).all()
        return [_ticket_from_row(r._mapping) for r in rows]

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
        t = s.ticket_lease
        with self._tx() as conn:
            self._fence(conn, lease, lease.key)
            until = conn.execute(
                t.update()
                .where(t.c.ticket_key == lease.key)
                .values(lease_until=self._until_sql(ttl_seconds))
                .returning(t.c.lease_until)
            ).scalar_one()
        return Lease(key=lease.key, owner=lease.owner, epoch=lease.epoch, until=until)

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
        t = s.ticket_lease
        with self._tx(read_only=True) as conn:
            row = conn.execute(
                sa.select(t.c.owner, t.c.epoch, t.c.lease_until).where(
                    t.c.ticket_key == key, t.c.lease_until > self._now_sql()
                )
            ).first()
        if row is None:
            return None
        return Lease(key=key, owner=row.owner, epoch=int(row.epoch), until=row.lease_until)

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

    def _now_sql(self) -> Any:
        """ "Now" for lease arithmetic in SQL: the database's clock on PostgreSQL (the
        replicas' own clocks may disagree), else the store's clock."""
        if self._db_time:
            return sa.func.now()
        return sa.literal(self._now(), s.UTCDateTime())

    def _until_sql(self, seconds: float) -> Any:
        """``now + seconds`` in SQL, on the same clock as :meth:`_now_sql`."""
        if self._db_time:
            return sa.func.now() + timedelta(seconds=seconds)
        return sa.literal(self._now() + timedelta(seconds=seconds), s.UTCDateTime())

    def _fence(self, conn: Connection, lease: Lease, key: str, *, fresh_for: float = 0.0) -> Any:
        """Raise ``LeaseLost`` unless ``lease`` is still the live lease on ``key``;
        returns the row (``lease_until``, ``remaining`` seconds).

        Locks the lease row (PostgreSQL) until the caller's transaction ends, so no
        claim can slip in between this check and the caller's write.
        """
        if lease.key != key:
            raise LeaseLost(f"lease is for {lease.key}, not {key}")
        t = s.ticket_lease
        row = conn.execute(
            sa.select(
                t.c.owner,
                t.c.epoch,
                t.c.lease_until,
                (t.c.lease_until > self._now_sql()).label("live"),
                (t.c.lease_until > self._until_sql(fresh_for)).label("fresh"),
            )
            .where(t.c.ticket_key == key)
            .with_for_update()
        ).first()
        if row is None:
            raise LeaseLost(f"{key}: no lease held")
        if row.owner != lease.owner or int(row.epoch) != lease.epoch:
            raise LeaseLost(f"{key}: lease taken over (epoch {lease.epoch} -> {row.epoch})")
        if not row.live:
            raise LeaseLost(f"{key}: lease expired")
        return row

    def expire_dead_owners(self, host: str, alive: Callable[[int], bool], me: str) -> list[str]:
        """Expire the leases of earlier processes of this host that are gone (owner
        ``{host}-{pid}`` whose pid is not alive): a restarted daemon takes its own
        tickets back at once instead of waiting for their TTL. Returns those owners."""
        prefix = f"{host}-"
        dead: list[str] = []
        with self._tx() as conn:
            for table in (s.ticket_lease, s.leader_lease):
                owners = conn.execute(
                    sa.select(table.c.owner)
                    .where(table.c.lease_until > self._now_sql(), table.c.owner != me)
                    .distinct()
                ).scalars()
                for owner in list(owners):
                    pid = str(owner)[len(prefix) :] if str(owner).startswith(prefix) else ""
                    if pid.isdigit() and not alive(int(pid)):
                        conn.execute(
                            table.update()
                            .where(table.c.owner == owner)
                            .values(lease_until=self._now_sql())
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
        now = self._now()
        stmt = (
            self._insert(s.action)
            .values(
                action_id=action_id,
                ticket_key=key,
                kind=kind,
                payload=payload,
                state=ActionState.PLANNED.value,
                attempts=0,
                external_ref="",
                error="",
                created=now,
                updated=now,
                ticket_id=ticket_id,
            )
            .on_conflict_do_nothing(index_elements=[s.action.c.action_id])
        )
        with self._tx() as conn:
            self._fence(conn, lease, lease.key if ticket_id else key)
            conn.execute(stmt)
            return self._load_action(conn, action_id)

    def mark_in_flight(self, action_id: str, lease: Lease) -> ActionRecord:
        """PLANNED or IN_FLIGHT → IN_FLIGHT, ``attempts += 1``; fenced.

        A DONE or FAILED action is returned unchanged: the caller must not act.
        """
        a = s.action
        with self._tx() as conn:
            record = self._load_action(conn, action_id)
            self._fence(conn, lease, record.key)
            if record.state not in (ActionState.PLANNED, ActionState.IN_FLIGHT):
                return record
            conn.execute(
                a.update()
                .where(a.c.action_id == action_id, a.c.state.in_(_UNFINISHED))
                .values(
                    state=ActionState.IN_FLIGHT.value,
                    attempts=a.c.attempts + 1,
                    updated=self._now(),
                )
            )
            return self._load_action(conn, action_id)

    def mark_done(self, action_id: str, lease: Lease | None, external_ref: str = "") -> None:
        """→ DONE with ``external_ref`` (e.g. the comment id). Fenced when ``lease``
        is given; reconciliation without a lease passes None. Idempotent."""
        a = s.action
        with self._tx() as conn:
            record = self._load_action(conn, action_id)
            if lease is not None:
                self._fence(conn, lease, record.key)
            if record.state is ActionState.DONE and (
                not external_ref or record.external_ref == external_ref
            ):
                return
            conn.execute(
                a.update()
                .where(a.c.action_id == action_id)
                .values(
                    state=ActionState.DONE.value,
                    external_ref=external_ref or record.external_ref,
                    error="",
                    updated=self._now(),
                )
            )

    def mark_failed(self, action_id: str, lease: Lease | None, error: str) -> None:
        """→ FAILED with ``error`` (a definitive refusal; needs a human). A DONE
        action stays DONE: what was done cannot be undone by a late failure."""
        a = s.action
        with self._tx() as conn:
            record = self._load_action(conn, action_id)
            if lease is not None:
                self._fence(conn, lease, record.key)
            if record.state is ActionState.DONE:
                return
            conn.execute(
                a.update()
                .where(a.c.action_id == action_id)
                .values(
                    state=ActionState.FAILED.value,
                    error=error[:_MAX_ERROR_CHARS],
                    updated=self._now(),
                )
            )

    def get_action(self, action_id: str) -> ActionRecord | None:
        with self._tx(read_only=True) as conn:
            row = conn.execute(sa.select(s.action).where(s.action.c.action_id == action_id)).first()
        return _action_from_row(row._mapping) if row is not None else None

    def unfinished_actions(self, older_than: datetime | None = None) -> list[ActionRecord]:
        """PLANNED or IN_FLIGHT actions last touched before ``older_than`` (all when
        None), oldest first: what reconciliation at start-up must re-check."""
        a = s.action
        query = sa.select(a).where(a.c.state.in_(_UNFINISHED))
        if older_than is not None:
            query = query.where(a.c.updated < older_than)
        query = query.order_by(a.c.created, a.c.action_id)
        with self._tx(read_only=True) as conn:
            rows = conn.execute(query).all()
        return [_action_from_row(r._mapping) for r in rows]

    def actions_for(self, key: str) -> list[ActionRecord]:
        """The ledger of one ticket, by key or by its stable id (a moved ticket's rows
        are found under either)."""
        a = s.action
        query = (
            sa.select(a)
            .where(sa.or_(a.c.ticket_key == key, a.c.ticket_id == key))
            .order_by(a.c.created, a.c.action_id)
        )
        with self._tx(read_only=True) as conn:
            rows = conn.execute(query).all()
        return [_action_from_row(r._mapping) for r in rows]

    def count_public_replies_since(self, since: datetime) -> int:
        """DONE ``public_reply`` actions confirmed at or after ``since`` (global breaker)."""
        a = s.action
        query = sa.select(sa.func.count()).where(
            a.c.kind == "public_reply",
            a.c.state == ActionState.DONE.value,
            a.c.updated >= since,
        )
        with self._tx(read_only=True) as conn:
            return int(conn.execute(query).scalar() or 0)

    def stats(self) -> dict[str, int]:
        """Number of actions in each state (every ``ActionState`` value, zeros
        included). Ledger backlog = ``planned + in_flight``."""
        a = s.action
        counts = {state.value: 0 for state in ActionState}
        with self._tx(read_only=True) as conn:
            for state, n in conn.execute(
                sa.select(a.c.state, sa.func.count()).group_by(a.c.state)
            ).all():
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

    def _load_action(self, conn: Connection, action_id: str) -> ActionRecord:
        row = conn.execute(sa.select(s.action).where(s.action.c.action_id == action_id)).first()
        if row is None:
            raise StateStoreError(f"unknown action {action_id!r}")
        return _action_from_row(row._mapping)

    # ------------------------------------------------------------------ life cycle

    def close(self) -> None:
        """Release the connections. Idempotent; the store is unusable afterwards."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> SqlStateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _ticket_from_row(row: Any) -> TicketState:
    return TicketState(
        key=row["ticket_key"],
        last_updated=row["last_updated"],
        last_trigger=row["last_trigger"],
        asks=int(row["asks"]),
        status=row["status"],
        waiting_since=row["waiting_since"],
        category=row["category"],
        failures=int(row["failures"] or 0),
        parked_until=row["parked_until"],
        last_error=row["last_error"] or "",
    )


def _action_from_row(row: Any) -> ActionRecord:
    return ActionRecord(
        action_id=row["action_id"],
        key=row["ticket_key"],
        kind=row["kind"],
        payload=dict(row["payload"] or {}),
        state=ActionState(row["state"]),
        attempts=int(row["attempts"]),
        external_ref=row["external_ref"],
        created=row["created"],
        updated=row["updated"],
        error=row["error"],
        ticket_id=row["ticket_id"] or "",
    )
