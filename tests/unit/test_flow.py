"""The Retry-After gate and the adaptive limit (``routerbot.jsm.flow``): no network."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from structlog.testing import capture_logs
from tests.fakes import FakeClock

from routerbot.bootstrap import gate_refresh_seconds
from routerbot.errors import Interrupted, StateStoreError
from routerbot.jsm.flow import AdaptiveLimit, GateStore, RetryAfterGate, pause
from routerbot.ports import SystemClock


class MemoryGateStore:
    """The state store's cursor row, as the gate sees it (later instant kept on save)."""

    def __init__(self, value: datetime | None = None, *, clock: FakeClock | None = None) -> None:
        self.value = value
        self.loads = 0
        self.broken = False
        self.clock = clock  # the store's own clock (the database's now()), when it has one

    def load(self) -> datetime | None:
        self.loads += 1
        if self.broken:
            raise StateStoreError("database is locked")
        return self.value

    def save(self, until: datetime) -> None:
        if self.value is None or until > self.value:
            self.value = until

    def repair(self, until: datetime) -> None:
        self.value = until

    def now(self) -> datetime:
        assert self.clock is not None
        return self.clock.now()

    def port(self) -> GateStore:
        return GateStore(self.load, self.save, self.repair, self.now if self.clock else None)


# --------------------------------------------------------------------------- gate


def test_a_closed_gate_holds_the_caller_until_it_opens() -> None:
    clock = FakeClock()
    gate = RetryAfterGate(clock=clock)
    gate.close(30)
    assert gate.remaining() == 30
    gate.wait()
    assert clock.sleeps == [30]
    assert gate.remaining() == 0


def test_a_shorter_retry_after_never_shortens_the_gate() -> None:
    clock = FakeClock()
    gate = RetryAfterGate(clock=clock)
    gate.close(30)
    gate.close(5)
    assert gate.remaining() == 30


def test_closing_the_gate_shares_it_through_the_store() -> None:
    clock, store = FakeClock(), MemoryGateStore()
    gate = RetryAfterGate(clock=clock, store=store.port())
    until = gate.close(12)
    assert store.value == until == clock.now() + timedelta(seconds=12)


def test_a_retry_after_stored_by_another_replica_holds_this_one() -> None:
    clock, store = FakeClock(), MemoryGateStore()
    gate = RetryAfterGate(clock=clock, store=store.port(), refresh_seconds=0)
    gate.wait()
    assert clock.sleeps == []
    store.value = clock.now() + timedelta(seconds=20)  # another replica got a 429
    gate.wait()
    assert clock.now() >= store.value
    assert sum(clock.sleeps) == pytest.approx(20)


class SkewedClock(FakeClock):
    """This replica's clock: the store's clock plus ``ahead`` seconds, moving with it."""

    def __init__(self, base: FakeClock, ahead: float) -> None:
        super().__init__()
        self.base, self.ahead = base, timedelta(seconds=ahead)

    def now(self) -> datetime:
        return self.base.now() + self.ahead

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.base.sleep(seconds)


def test_a_replica_whose_clock_runs_ahead_still_waits_for_a_stored_retry_after() -> None:
    db = FakeClock()  # the database's now()
    store = MemoryGateStore(clock=db)
    fast = SkewedClock(db, ahead=30)
    gate = RetryAfterGate(clock=fast, store=store.port(), refresh_seconds=0)
    store.value = db.now() + timedelta(seconds=20)  # another replica got a 429 (Retry-After 20)
    gate.wait()
    assert sum(fast.sleeps) == pytest.approx(20)  # not 0: its clock is 30 s ahead


def test_a_replica_whose_clock_runs_ahead_stores_its_retry_after_on_the_store_clock() -> None:
    db = FakeClock()
    store = MemoryGateStore(clock=db)
    gate = RetryAfterGate(clock=SkewedClock(db, ahead=30), store=store.port(), refresh_seconds=0)
    gate.wait()
    gate.close(10)
    assert store.value == db.now() + timedelta(seconds=10)  # not 40 s for the other replicas


def test_a_far_future_stored_instant_is_clamped_to_the_cap_and_repaired() -> None:
    clock = FakeClock()
    store = MemoryGateStore(clock.now() + timedelta(hours=6))  # a fast clock wrote it
    gate = RetryAfterGate(clock=clock, store=store.port(), cap_seconds=300)
    with capture_logs() as logs:
        gate.refresh()
    assert gate.remaining() == 300
    assert store.value == clock.now() + timedelta(seconds=300)
    assert [e["event"] for e in logs] == ["jsm.rate_limit_clamped"]
    gate.refresh()  # the same stored value again: not clamped twice, no moving deadline
    clock.sleep(300)
    assert gate.remaining() == 0


def test_an_unreadable_store_leaves_the_gate_as_it_was() -> None:
    clock, store = FakeClock(), MemoryGateStore()
    store.broken = True
    gate = RetryAfterGate(clock=clock, store=store.port())
    with capture_logs() as logs:
        gate.wait()
    assert clock.sleeps == []
    assert logs[0]["event"] == "jsm.rate_limit_unreadable"


def test_a_wait_is_cut_short_by_the_stop_event() -> None:
    stop = threading.Event()
    gate = RetryAfterGate(clock=SystemClock(), stop=stop)
    gate.close(60)
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        gate.wait()
    assert time.monotonic() - started < 10  # not the 60 s the gate asked for


def test_a_stopping_process_sends_without_waiting_when_the_gate_is_open() -> None:
    stop = threading.Event()
    stop.set()
    gate = RetryAfterGate(clock=FakeClock(), stop=stop)
    gate.wait()  # open gate: the ticket in hand may still finish


def test_pause_with_an_injected_clock_checks_the_stop_event_between_slices() -> None:
    stop = threading.Event()

    class StoppingClock(FakeClock):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            if sum(self.sleeps) >= 2:
                stop.set()

    clock = StoppingClock()
    with pytest.raises(Interrupted):
        pause(100, clock=clock, stop=stop)
    assert sum(clock.sleeps) == pytest.approx(2)


# --------------------------------------------------------------------------- limit


def test_the_limit_blocks_beyond_its_slots() -> None:
    limit = AdaptiveLimit(initial=2, maximum=8)
    assert limit.acquire(timeout=0.01) and limit.acquire(timeout=0.01)
    assert not limit.acquire(timeout=0.05)
    limit.release()
    assert limit.acquire(timeout=0.01)
    assert limit.in_flight == 2


def test_a_429_halves_the_limit_and_successes_grow_it_back() -> None:
    limit = AdaptiveLimit(initial=8, maximum=8, cooldown_seconds=0)
    limit.acquire()
    limit.release(rate_limited=True)
    assert limit.limit == 4
    for _ in range(4):  # additive increase: +1 after `limit` successes in a row
        limit.acquire()
        limit.release()
    assert limit.limit == 5


def test_a_burst_of_429s_counts_as_one_decrease_within_the_cooldown() -> None:
    limit = AdaptiveLimit(initial=8, maximum=8, cooldown_seconds=60)
    for _ in range(5):
        limit.acquire()
        limit.release(rate_limited=True)
    assert limit.limit == 4


def test_the_limit_stays_between_its_bounds() -> None:
    limit = AdaptiveLimit(initial=2, minimum=1, maximum=3, cooldown_seconds=0)
    for _ in range(10):
        limit.acquire()
        limit.release(rate_limited=True)
    assert limit.limit == 1
    for _ in range(100):
        limit.acquire()
        limit.release()
    assert limit.limit == 3


def test_the_slot_context_reports_a_rate_limited_answer() -> None:
    limit = AdaptiveLimit(initial=4, maximum=8, cooldown_seconds=0)
    with limit.slot() as slot:
        slot.rate_limited()
    assert limit.limit == 2
    assert limit.in_flight == 0


def test_a_caller_waiting_for_a_slot_is_interrupted_by_the_stop_event() -> None:
    stop = threading.Event()
    limit = AdaptiveLimit(initial=1, maximum=1, stop=stop)
    limit.acquire()
    threading.Timer(0.2, stop.set).start()
    with pytest.raises(Interrupted):
        limit.acquire()


def test_concurrent_callers_never_exceed_the_limit() -> None:
    limit = AdaptiveLimit(initial=3, maximum=3)
    seen: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(10):
            with limit.slot():
                with lock:
                    seen.append(limit.in_flight)
                time.sleep(0.002)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 80
    assert max(seen) <= 3


@pytest.mark.parametrize(
    ("initial", "minimum", "maximum", "backoff"),
    [(0, 1, 8, 0.5), (9, 1, 8, 0.5), (4, 1, 8, 1.0)],
)
def test_inconsistent_limits_are_refused(
    initial: int, minimum: int, maximum: int, backoff: float
) -> None:
    with pytest.raises(ValueError, match=r"between|need"):
        AdaptiveLimit(initial, minimum=minimum, maximum=maximum, backoff=backoff)


@pytest.mark.parametrize(
    ("state_url", "every"),
    [
        ("postgresql+psycopg://bot@db/routerbot", 0.0),  # replicas share the gate
        ("sqlite:///var/routerbot.db", 1.0),
        ("sqlite://", 1.0),
    ],
)
def test_replicas_on_a_shared_store_read_the_gate_before_every_request(
    state_url: str, every: float
) -> None:
    assert gate_refresh_seconds(state_url) == every
