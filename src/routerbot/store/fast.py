"""The state store's per-ticket path in plain driver SQL.

Every ticket costs a few transactions (``open_ticket``, ``fence`` before a write that
cannot be repeated, ``settle``), plus a read per poll page (``get_tickets``) and the
cursor and leader lease per poll. Through SQLAlchemy Core each of them spent about
1 ms of CPU building, caching and executing constructs; here the same statements are
fixed strings sent through the pool's DBAPI connection (``sqlite3`` or ``psycopg``),
about a tenth of that.

The statements, their locks and their results are those the Core versions in
:mod:`routerbot.store.sql` had: ``BEGIN IMMEDIATE`` on SQLite for every transaction
that may write, ``FOR UPDATE`` on the lease row on PostgreSQL, lease times from the
database's ``now()`` when ``db_time`` (PostgreSQL) else from the store's clock. Values
are stored as the Core columns store them (:class:`routerbot.store.schema.UTCDateTime`:
UTC, naive ``YYYY-MM-DD HH:MM:SS.ffffff`` text on SQLite; ``sa.JSON``: JSON text on
SQLite), so both paths read and write the same rows.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from routerbot.errors import LeaseLost, StateStoreError
from routerbot.ports import ActionRecord, ActionState, Intent, Lease, TicketState
from routerbot.store.engine import Connections

_IN_FLIGHT = ActionState.IN_FLIGHT.value
_DONE = ActionState.DONE.value
_FAILED = ActionState.FAILED.value
_UNFINISHED = (ActionState.PLANNED.value, _IN_FLIGHT)
MAX_ERROR_CHARS = 2000
_IN_CHUNK = 500  # keys per ``IN (…)`` list (SQLite's bound-parameter limit is 999+)

ACTION_COLUMNS = (
    "action_id, ticket_key, kind, payload, state, attempts, external_ref, error, "
    "created, updated, ticket_id"
)
TICKET_COLUMNS = (
    "ticket_key, last_updated, last_trigger, asks, status, waiting_since, category, "
    "failures, parked_until, last_error"
)
_STATE_SET = ", ".join(
    f"{c} = excluded.{c}"
    for c in (
        "last_updated",
        "last_trigger",
        "asks",
        "status",
        "waiting_since",
        "category",
        "failures",
        "parked_until",
        "last_error",
        "updated_at",
    )
)


class FastPath:
    """Plain-SQL transactions on the store's connections (see the module doc)."""

    def __init__(
        self,
        connections: Connections,
        *,
        dialect: str,
        db_time: bool,
        now: Callable[[], datetime],
        serial: threading.RLock | None,
        translate: Callable[[BaseException], StateStoreError],
        closed: Callable[[], bool],
    ) -> None:
        self._connections = connections
        self.transactions = 0  # how many transactions were opened (tests count them)
        self.sqlite = dialect == "sqlite"
        self._db_time = db_time and not self.sqlite
        self._now = now
        self._serial = serial
        self._translate = translate
        self._closed = closed
        self._errors = connections.errors
        self._for_update = "" if self.sqlite else " FOR UPDATE"

    # ------------------------------------------------------------------ plumbing

    def sql(self, text: str) -> str:
        """``?`` placeholders for the driver at hand (``%s`` for psycopg)."""
        return text if self.sqlite else text.replace("?", "%s")

    @contextmanager
    def tx(self, *, write: bool = True) -> Iterator[Any]:
        """A DBAPI cursor in one transaction (SQLite: ``BEGIN IMMEDIATE`` when
        ``write``, none for a single read); committed on success."""
        if self._closed():
            raise StateStoreError("the state store is closed")
        lock = self._serial
        if lock is not None:
            lock.acquire()
        try:
            try:
                conn = self._connections.acquire()
            except Exception as exc:  # cannot connect (the driver's error, or the pool's)
                raise self._translate(exc) from exc
            self.transactions += 1
            try:
                cur = conn.cursor()
                if self.sqlite and write:
                    cur.execute("BEGIN IMMEDIATE")
                try:
                    yield cur
                except BaseException:
                    with suppress(Exception):  # the original error is the one to report
                        conn.rollback()
                    raise
                if self.sqlite:
                    if write:
                        cur.execute("COMMIT")
                else:
                    conn.commit()
            except self._errors as exc:
                raise self._translate(exc) from exc
            finally:
                self._connections.give_back(conn)
        finally:
            if lock is not None:
                lock.release()

    def bind_time(self, value: datetime | None) -> Any:
        """A Python instant as the column stores it."""
        if value is None:
            return None
        if self.sqlite:  # naive UTC text, always with microseconds (as Core writes it)
            if value.tzinfo is not None and value.utcoffset():
                value = value.astimezone(UTC)
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def time(self, value: Any) -> datetime | None:
        """A stored instant as an aware UTC ``datetime``."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]

    def _json(self, value: Any) -> Any:
        if self.sqlite or isinstance(value, str):
            return json.loads(value) if isinstance(value, str) else value
        return value

    def payload(self, payload: Mapping[str, Any]) -> str:
        return json.dumps(payload)

    def now_expr(self, seconds: float = 0.0) -> tuple[str, tuple[Any, ...]]:
        """SQL for ``now + seconds`` on the lease clock, and its parameters."""
        if self._db_time:
            if not seconds:
                return "now()", ()
            return "(now() + ?)", (timedelta(seconds=seconds),)
        return "?", (self.bind_time(self._now() + timedelta(seconds=seconds)),)

    # ------------------------------------------------------------------ rows

    def action(self, row: Sequence[Any]) -> ActionRecord:
        return ActionRecord(
            action_id=row[0],
            key=row[1],
            kind=row[2],
            payload=dict(self._json(row[3]) or {}),
            state=ActionState(row[4]),
            attempts=int(row[5]),
            external_ref=row[6],
            error=row[7],
            created=self.time(row[8]),
            updated=self.time(row[9]),
            ticket_id=row[10] or "",
        )

    def ticket(self, row: Sequence[Any]) -> TicketState:
        return TicketState(
            key=row[0],
            last_updated=self.time(row[1]),
            last_trigger=row[2],
            asks=int(row[3]),
            status=row[4],
            waiting_since=self.time(row[5]),
            category=row[6],
            failures=int(row[7] or 0),
            parked_until=self.time(row[8]),
            last_error=row[9] or "",
        )

    # ------------------------------------------------------------------ leases

    def take(
        self, cur: Any, table: str, key_col: str, key: str, *, owner: str, ttl: float
    ) -> tuple[int, datetime] | None:
        """Take if free, expired or mine: one ``INSERT … ON CONFLICT DO UPDATE … WHERE
        … RETURNING``; (epoch, until) or None. On PostgreSQL the conflicting row is
        locked and the WHERE re-read, so of two concurrent claims exactly one wins."""
        if ttl <= 0:
            raise ValueError("ttl_seconds must be positive")
        until_sql, until_args = self.now_expr(ttl)
        now_sql, now_args = self.now_expr()
        cur.execute(
            self.sql(
                f"INSERT INTO {table} ({key_col}, owner, epoch, lease_until) "
                f"VALUES (?, ?, 1, {until_sql}) "
                f"ON CONFLICT ({key_col}) DO UPDATE SET owner = excluded.owner, "
                f"epoch = {table}.epoch + 1, lease_until = excluded.lease_until "
                f"WHERE {table}.lease_until <= {now_sql} OR {table}.owner = ? "
                "RETURNING epoch, lease_until"
            ),
            (key, owner, *until_args, *now_args, owner),
        )
        row = cur.fetchone()
        if row is None:
            return None
        until = self.time(row[1])
        assert until is not None
        return int(row[0]), until

    def check(self, cur: Any, lease: Lease, key: str, *, fresh_for: float = 0.0) -> bool:
        """Raise ``LeaseLost`` unless ``lease`` is the live lease on ``key`` (the row is
        locked on PostgreSQL until the transaction ends); True when it still has more
        than ``fresh_for`` seconds to run."""
        if lease.key != key:
            raise LeaseLost(f"lease is for {lease.key}, not {key}")
        now_sql, now_args = self.now_expr()
        fresh_sql, fresh_args = self.now_expr(fresh_for)
        cur.execute(
            self.sql(
                f"SELECT owner, epoch, lease_until > {now_sql}, lease_until > {fresh_sql} "
                f"FROM ticket_lease WHERE ticket_key = ?{self._for_update}"
            ),
            (*now_args, *fresh_args, key),
        )
        row = cur.fetchone()
        if row is None:
            raise LeaseLost(f"{key}: no lease held")
        if row[0] != lease.owner or int(row[1]) != lease.epoch:
            raise LeaseLost(f"{key}: lease taken over (epoch {lease.epoch} -> {row[1]})")
        if not row[2]:
            raise LeaseLost(f"{key}: lease expired")
        return bool(row[3])

    def extend(self, cur: Any, lease: Lease, ttl: float) -> Lease:
        until_sql, until_args = self.now_expr(ttl)
        cur.execute(
            self.sql(
                f"UPDATE ticket_lease SET lease_until = {until_sql} WHERE ticket_key = ? "
                "RETURNING lease_until"
            ),
            (*until_args, lease.key),
        )
        until = self.time(cur.fetchone()[0])
        assert until is not None
        return Lease(key=lease.key, owner=lease.owner, epoch=lease.epoch, until=until)

    def release(
        self, cur: Any, table: str, key_col: str, key: str, *, owner: str, epoch: int | None
    ) -> None:
        """The lease expires now (its row is kept: epochs never repeat)."""
        now_sql, now_args = self.now_expr()
        where = f"{key_col} = ? AND owner = ?" + (" AND epoch = ?" if epoch is not None else "")
        cur.execute(
            self.sql(f"UPDATE {table} SET lease_until = {now_sql} WHERE {where}"),
            (*now_args, key, owner, *(() if epoch is None else (epoch,))),
        )

    # ------------------------------------------------------------------ ledger

    def ledger(self, cur: Any, ticket_id: str, key: str) -> dict[str, ActionRecord]:
        """Every row of the ticket: under its id, and old rows (no id) under its key."""
        if key and key != ticket_id:
            cur.execute(
                self.sql(
                    f"SELECT {ACTION_COLUMNS} FROM action WHERE ticket_id = ? "
                    "OR (ticket_id = '' AND ticket_key = ?) ORDER BY created"
                ),
                (ticket_id, key),
            )
        else:
            cur.execute(
                self.sql(
                    f"SELECT {ACTION_COLUMNS} FROM action WHERE ticket_id = ? ORDER BY created"
                ),
                (ticket_id,),
            )
        records = [self.action(r) for r in cur.fetchall()]
        return {r.action_id: r for r in records}

    def insert_in_flight(
        self, cur: Any, ticket_id: str, key: str, intents: Sequence[Intent], now: datetime
    ) -> None:
        stamp = self.bind_time(now)
        cur.executemany(
            self.sql(
                f"INSERT INTO action ({ACTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, 1, '', '', ?, ?, ?)"
            ),
            [
                (
                    i.action_id,
                    key,
                    i.kind,
                    self.payload(i.payload),
                    _IN_FLIGHT,
                    stamp,
                    stamp,
                    ticket_id,
                )
                for i in intents
            ],
        )

    def resume(self, cur: Any, ticket_id: str, action_ids: Sequence[str], now: datetime) -> None:
        marks = ", ".join("?" for _ in action_ids)
        cur.execute(
            self.sql(
                "UPDATE action SET state = ?, attempts = attempts + 1, ticket_id = ?, "
                f"updated = ? WHERE action_id IN ({marks})"
            ),
            (_IN_FLIGHT, ticket_id, self.bind_time(now), *action_ids),
        )

    def confirm(
        self,
        cur: Any,
        done: Mapping[str, str],
        failed: Mapping[str, str],
        now: datetime,
    ) -> None:
        """DONE with their reference (an empty one keeps the stored one); FAILED with
        the error, never over a DONE."""
        stamp = self.bind_time(now)
        if done:
            cur.executemany(
                self.sql(
                    "UPDATE action SET state = ?, error = '', updated = ?, external_ref = "
                    "CASE WHEN ? = '' THEN external_ref ELSE ? END WHERE action_id = ?"
                ),
                [(_DONE, stamp, ref[:255], ref[:255], aid) for aid, ref in done.items()],
            )
        if failed:
            cur.executemany(
                self.sql(
                    "UPDATE action SET state = ?, error = ?, updated = ? "
                    "WHERE action_id = ? AND state <> ?"
                ),
                [
                    (_FAILED, error[:MAX_ERROR_CHARS], stamp, aid, _DONE)
                    for aid, error in failed.items()
                ],
            )

    # ------------------------------------------------------------------ tickets

    def put_tickets(self, cur: Any, states: Sequence[TicketState], now: datetime) -> None:
        stamp = self.bind_time(now)
        cur.executemany(
            self.sql(
                f"INSERT INTO ticket_state ({TICKET_COLUMNS}, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                f"ON CONFLICT (ticket_key) DO UPDATE SET {_STATE_SET}"
            ),
            [
                (
                    st.key,
                    self.bind_time(st.last_updated),
                    st.last_trigger,
                    st.asks,
                    st.status,
                    self.bind_time(st.waiting_since),
                    st.category,
                    st.failures,
                    self.bind_time(st.parked_until),
                    st.last_error[:MAX_ERROR_CHARS],
                    stamp,
                )
                for st in states
            ],
        )

    def tickets(self, cur: Any, keys: Sequence[str]) -> dict[str, TicketState]:
        found: dict[str, TicketState] = {}
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = list(keys[start : start + _IN_CHUNK])
            marks = ", ".join("?" for _ in chunk)
            cur.execute(
                self.sql(
                    f"SELECT {TICKET_COLUMNS} FROM ticket_state WHERE ticket_key IN ({marks})"
                ),
                chunk,
            )
            for row in cur.fetchall():
                found[row[0]] = self.ticket(row)
        return found
