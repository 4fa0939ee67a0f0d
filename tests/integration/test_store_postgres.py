"""Two replicas on one PostgreSQL: each store has its own engine and pool, each
replica runs in its own thread, as two processes would."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from tests.fakes import FakeClock

from routerbot.errors import LeaseLost
from routerbot.ports import ActionState, Clock, Lease, TicketState
from routerbot.store import SCHEMA_VERSION, SqlStateStore, open_store

pytest_plugins = ["tests.pg_fixtures"]

pytestmark = pytest.mark.postgres

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
TICKETS = [f"OPE-{n}" for n in range(1, 201)]


@pytest.fixture
def replicas(
    pg_url: str,
) -> Iterator[Callable[[Clock | None], tuple[SqlStateStore, SqlStateStore]]]:
    opened: list[SqlStateStore] = []

    def make(clock: Clock | None = None) -> tuple[SqlStateStore, SqlStateStore]:
        pair = (open_store(pg_url, clock=clock), open_store(pg_url, clock=clock))
        opened.extend(pair)
        return pair

    yield make
    for store in opened:
        store.close()


def _run_both(
    work: Callable[[SqlStateStore, str], None], a: SqlStateStore, b: SqlStateStore
) -> None:
    """Run ``work`` for replica a and b in two threads started behind a barrier."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(store: SqlStateStore, name: str) -> None:
        try:
            barrier.wait()
            work(store, name)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(a, "replica-a")),
        threading.Thread(target=run, args=(b, "replica-b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_two_replicas_claiming_200_tickets_at_once_each_get_a_ticket_exactly_once(
    replicas: Callable[[Clock | None], tuple[SqlStateStore, SqlStateStore]],
) -> None:
    a, b = replicas(None)
    won: dict[str, list[Lease]] = {"replica-a": [], "replica-b": []}

    def work(store: SqlStateStore, name: str) -> None:
        for key in TICKETS:
            lease = store.claim(key, name, 600)
            if lease is not None:
                won[name].append(lease)
                store.record_intent(f"{key}:reply", key, "public_reply", {"by": name}, lease)

    _run_both(work, a, b)

    keys_a = {lease.key for lease in won["replica-a"]}
    keys_b = {lease.key for lease in won["replica-b"]}
    assert keys_a.isdisjoint(keys_b)
    assert keys_a | keys_b == set(TICKETS)
    assert all(lease.epoch == 1 for leases in won.values() for lease in leases)
    assert a.stats()["planned"] == 200
    for key in TICKETS:
        (record,) = b.actions_for(key)
        assert record.payload["by"] == ("replica-a" if key in keys_a else "replica-b")


def test_two_replicas_never_hold_the_same_ticket_at_the_same_time(
    replicas: Callable[[Clock | None], tuple[SqlStateStore, SqlStateStore]],
) -> None:
    """Both replicas claim, work and release every ticket three times over; an
    in-process witness counts holders per ticket inside each critical section."""
    a, b = replicas(None)
    guard = threading.Lock()
    holders: Counter[str] = Counter()
    overlaps: list[str] = []
    handled: Counter[str] = Counter()

    def work(store: SqlStateStore, name: str) -> None:
        for _round in range(3):
            for key in TICKETS:
                lease = store.claim(key, name, 600)
                if lease is None:
                    continue
                with guard:
                    holders[key] += 1
                    if holders[key] > 1:
                        overlaps.append(key)
                    handled[name] += 1
                store.put_ticket(TicketState(key=key, category=name), lease)
                with guard:
                    holders[key] -= 1
                store.release(lease)

    _run_both(work, a, b)
    assert overlaps == []
    assert sum(handled.values()) >= len(TICKETS)


def test_same_action_id_recorded_by_both_replicas_yields_one_row(
    replicas: Callable[[Clock | None], tuple[SqlStateStore, SqlStateStore]], pg_url: str
) -> None:
    clock = FakeClock(T0)
    a, b = replicas(clock)
    first: dict[str, str] = {}
    guard = threading.Lock()

    def claim_and_intend(store: SqlStateStore, name: str) -> None:
        for key in TICKETS:
            lease = store.claim(key, name, 30)
            if lease is None:
                continue
            record = store.record_intent(f"{key}:reply", key, "public_reply", {"by": name}, lease)
            with guard:
                first.setdefault(key, record.payload["by"])

    _run_both(claim_and_intend, a, b)  # each ticket's intent by whoever won it
    clock.advance(31)  # every lease expires: the other replica may now take over
    _run_both(claim_and_intend, a, b)

    engine = sa.create_engine(pg_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT action_id, payload FROM action")).all()
    finally:
        engine.dispose()
    assert len(rows) == len(TICKETS)
    assert len({row.action_id for row in rows}) == len(TICKETS)
    for key in TICKETS:
        (record,) = a.actions_for(key)
        assert record.payload["by"] == first[key]


def test_paused_replica_is_fenced_out_after_another_takes_over_its_expired_lease(
    replicas: Callable[[Clock | None], tuple[SqlStateStore, SqlStateStore]],
) -> None:
    clock = FakeClock(T0)
    a, b = replicas(clock)
    lease_a = a.claim("OPE-1", "replica-a", 30)
    assert lease_a is not None
    a.record_intent("OPE-1:reply", "OPE-1", "public_reply", {}, lease_a)

    clock.advance(45)  # replica A is paused (GC, SIGSTOP) past its lease
    lease_b = b.claim("OPE-1", "replica-b", 30)
    assert lease_b is not None
    assert lease_b.epoch == lease_a.epoch + 1
    intent = b.record_intent("OPE-1:reply", "OPE-1", "public_reply", {}, lease_b)
    assert intent.state is ActionState.PLANNED
    b.mark_in_flight("OPE-1:reply", lease_b)
    b.mark_done("OPE-1:reply", lease_b, "c-100")

    # A wakes up and tries to go on: it is stopped before it could call Jira.
    with pytest.raises(LeaseLost):
        a.mark_in_flight("OPE-1:reply", lease_a)
    with pytest.raises(LeaseLost):
        a.mark_done("OPE-1:reply", lease_a, "c-duplicate")
    (record,) = a.actions_for("OPE-1")
    assert record.state is ActionState.DONE
    assert record.attempts == 1
    assert record.external_ref == "c-100"


def test_only_one_of_two_replicas_becomes_leader(
    replicas: Callable[[Clock | None], tuple[SqlStateStore, SqlStateStore]],
) -> None:
    a, b = replicas(None)
    leaders: dict[str, list[str]] = {"replica-a": [], "replica-b": []}
    names = [f"poller-{n}" for n in range(50)]

    def work(store: SqlStateStore, name: str) -> None:
        for lead in names:
            if store.try_lead(lead, name, 600):
                leaders[name].append(lead)

    _run_both(work, a, b)
    assert sorted(leaders["replica-a"] + leaders["replica-b"]) == sorted(names)


def test_two_replicas_starting_at_once_both_create_the_schema(pg_url: str) -> None:
    opened: list[SqlStateStore] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def start() -> None:
        try:
            barrier.wait()
            opened.append(open_store(pg_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert [store.schema_version() for store in opened] == [SCHEMA_VERSION] * 2
    finally:
        for store in opened:
            store.close()


def test_cursor_set_by_two_replicas_ends_at_the_latest_value(
    replicas: Callable[[Clock | None], tuple[SqlStateStore, SqlStateStore]],
) -> None:
    a, b = replicas(None)

    def work(store: SqlStateStore, name: str) -> None:
        offset = 0 if name == "replica-a" else 1
        for n in range(0, 100, 2):
            store.set_cursor("poll", T0 + timedelta(seconds=n + offset))

    _run_both(work, a, b)
    assert a.get_cursor("poll") == T0 + timedelta(seconds=99)


class _AheadClock:
    """A replica whose clock runs a minute ahead (issue 11 item 2)."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=60)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def test_a_replica_whose_clock_runs_ahead_cannot_take_a_live_lease(pg_url: str) -> None:
    """With lease times from each replica's clock (``db_time=False``, the old
    behaviour) the fast replica sees B's live lease as expired and takes it: two
    replicas on one ticket, two replies. PostgreSQL's now() makes them agree."""
    b = open_store(pg_url, db_time=True)
    a = open_store(pg_url, clock=_AheadClock(), db_time=True)
    try:
        held = b.claim("SKEW-1", "replica-b", 15)
        assert held is not None
        assert a.claim("SKEW-1", "replica-a", 15) is None
        b.fence(held, 15)  # B's lease is intact: it may write
    finally:
        a.close()
        b.close()
