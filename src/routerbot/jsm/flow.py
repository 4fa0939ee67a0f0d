"""Flow control shared by every call to Jira: the Retry-After gate and the adaptive limit.

Both objects are shared by all threads of a process (one per Jira site); the gate is
also shared by all replicas through the state store.

**The gate** (:class:`RetryAfterGate`) — nothing is sent to Jira before ``not_before``::

    gate = RetryAfterGate(clock=clock, stop=stopping, store=GateStore(load, save, repair))
    gate.wait()              # before each request: blocks while closed (Interrupted on stop)
    gate.close(30.0)         # a 429 / 5xx with Retry-After: 30 s for every thread, every
                             # replica (saved to the store), and across restarts

* Before a burst of requests — at most every ``refresh_seconds``, when :meth:`wait` is
  called — the gate re-reads the store, so a Retry-After another replica received holds
  this one too, and a standby that takes over starts behind it.
* An instant read from the store further ahead than ``cap_seconds`` (what a replica with
  a fast clock writes) is clamped to ``now + cap_seconds``, logged, and the store is
  repaired, so that the shared gate keeps working for the other replicas.
* Instants are stored on the store's clock (``GateStore.now``: the database's
  ``now()`` on PostgreSQL), measured at each read: a replica whose own clock runs 30 s
  ahead neither sends 30 s early after another one's Retry-After nor holds the others
  30 s longer after its own.
* Every wait is interruptible: once ``stop`` is set, :meth:`wait` raises
  :class:`~routerbot.errors.Interrupted` at once (nothing was sent), and so does
  :func:`pause` (the retry backoff).

**The adaptive limit** (:class:`AdaptiveLimit`) — how many requests may be in flight at
once, AIMD style: +1 after ``limit`` successes in a row (additive increase), halved on a
429 (multiplicative decrease, at most once per ``cooldown_seconds`` so one burst of 429s
counts once), between ``minimum`` and ``maximum``::

    limit = AdaptiveLimit(initial=4, maximum=8, stop=stopping)
    with limit.slot() as slot:     # blocks while `limit` requests are in flight
        response = send()
        if response.status_code == 429:
            slot.rate_limited()     # halves the limit (else the exit counts a success)

:class:`~routerbot.jsm.http.JiraHttp` takes one slot per HTTP attempt and waits at the
gate before each, so a worker pool on top of it can run N tickets at once and still
never have more than ``limit`` requests in flight. A caller that wants fewer *tickets*
in flight than workers can use its own :class:`AdaptiveLimit` around each ticket (never
the transport's own: a ticket holding a slot of it while its requests wait for another
would deadlock).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from routerbot.errors import Interrupted, StateStoreError
from routerbot.ports import Clock, SystemClock

log = structlog.get_logger(__name__)

#: seconds between two measures of the store's clock against this process's
OFFSET_EVERY = 60.0
SAME_CLOCK = timedelta(milliseconds=500)  # store and process clocks closer than this agree


def pause(seconds: float, *, clock: Clock, stop: threading.Event | None) -> None:
    """Sleep ``seconds`` unless ``stop`` is set first (then raise ``Interrupted``).

    With the system clock it waits on the event itself (a signal handler that sets it
    wakes it at once); with an injected clock it sleeps through that clock in slices of
    at most 0.5 s, checking the event between them."""
    if stop is None:
        clock.sleep(seconds)
        return
    if stop.is_set():
        raise Interrupted("stopping: the call was not sent")
    if isinstance(clock, SystemClock):
        if stop.wait(max(0.0, seconds)):
            raise Interrupted("stopping: the call was not sent")
        return
    left = seconds
    while left > 0:
        step = min(left, 0.5)
        clock.sleep(step)
        left -= step
        if stop.is_set():
            raise Interrupted("stopping: the call was not sent")


@dataclass(frozen=True, slots=True)
class GateStore:
    """Where the gate's instant is shared: ``load()`` the stored instant (None: none),
    ``save(until)`` keep the later of stored and ``until``, ``repair(until)`` overwrite a
    stored instant found too far ahead. Each may raise ``StateStoreError``.

    ``now()``, when given, is the store's clock (the database's ``now()`` on
    PostgreSQL): stored instants are on that clock, shared by every replica, and each
    gate converts them to and from its own clock, which may run ahead or behind."""

    load: Callable[[], datetime | None]
    save: Callable[[datetime], None]
    repair: Callable[[datetime], None]
    now: Callable[[], datetime] | None = None


class RetryAfterGate:
    """No request before ``not_before``; see the module doc."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        stop: threading.Event | None = None,
        store: GateStore | None = None,
        cap_seconds: float = 300.0,
        refresh_seconds: float = 1.0,
        not_before: datetime | None = None,
    ) -> None:
        self._clock: Clock = clock or SystemClock()
        self.stop = stop
        self._store = store
        self._cap = timedelta(seconds=cap_seconds)
        self._refresh_every = refresh_seconds
        self._lock = threading.Lock()
        self._not_before: datetime | None = None
        self._loaded_at: float | None = None  # monotonic time of the last store read
        self._last_stored: datetime | None = None
        self._offset = timedelta(0)  # the store's clock minus this process's clock
        self._offset_at: float | None = None  # monotonic time it was last measured
        if not_before is not None:
            self._raise_to(self._clamped(not_before, "initial"))

    @property
    def not_before(self) -> datetime | None:
        """Nothing is sent before this instant (None: no Retry-After in force)."""
        with self._lock:
            return self._not_before

    def remaining(self) -> float:
        """Seconds until the gate opens (0 when open)."""
        with self._lock:
            until = self._not_before
        if until is None:
            return 0.0
        return max(0.0, (until - self._clock.now()).total_seconds())

    def close(self, seconds: float) -> datetime:
        """Hold every request for ``seconds`` (a Retry-After); shared through the store."""
        until = self._clock.now() + timedelta(seconds=min(seconds, self._cap.total_seconds()))
        if self._raise_to(until) and self._store is not None:
            try:
                self._store.save(until + self._offset)
            except StateStoreError as exc:  # remembering the wait must not break the call
                log.warning("jsm.rate_limit_not_persisted", error=str(exc))
        return until

    def refresh(self) -> None:
        """Read the shared instant from the store now (another replica's Retry-After)."""
        if self._store is None:
            return
        self._loaded_at = now = time.monotonic()
        try:
            # the clocks drift slowly: measured once a minute, not at every read (on a
            # shared store the gate is read before every request)
            due = self._offset_at is None or now - self._offset_at >= OFFSET_EVERY
            if self._store.now is not None and due:
                before = self._clock.now()
                store_now = self._store.now()
                offset = store_now - (before + (self._clock.now() - before) / 2)
                # below the read's own latency the clocks agree (one host, SQLite)
                self._offset = offset if abs(offset) >= SAME_CLOCK else timedelta(0)
                self._offset_at = now
            stored = self._store.load()
        except StateStoreError as exc:
            log.warning("jsm.rate_limit_unreadable", error=str(exc))
            return
        if stored is None or stored == self._last_stored:
            return
        self._last_stored = stored
        local = stored - self._offset  # on this process's clock
        clamped = self._clamped(local, "store")
        if clamped != local:
            try:
                self._store.repair(clamped + self._offset)
                self._last_stored = clamped + self._offset
            except StateStoreError as exc:
                log.warning("jsm.rate_limit_not_repaired", error=str(exc))
        self._raise_to(clamped)

    def wait(self, method: str = "", path: str = "") -> None:
        """Block until the gate is open; ``Interrupted`` if ``stop`` is set meanwhile."""
        logged = False
        while True:
            if self._store is not None and (
                self._loaded_at is None or time.monotonic() - self._loaded_at >= self._refresh_every
            ):
                self.refresh()
            left = self.remaining()
            if left <= 0:
                return
            if not logged:
                log.info("jsm.rate_limit_wait", method=method, path=path, wait_s=round(left, 3))
                logged = True
            if self._store is not None:  # in slices: a longer wait stored meanwhile counts too
                left = min(left, max(self._refresh_every, 0.05))
            pause(left, clock=self._clock, stop=self.stop)

    # ------------------------------------------------------------------ internals

    def _clamped(self, until: datetime, source: str) -> datetime:
        ceiling = self._clock.now() + self._cap
        if until <= ceiling:
            return until
        log.warning(
            "jsm.rate_limit_clamped",
            source=source,
            stored=until.isoformat(),
            ahead_s=round((until - self._clock.now()).total_seconds()),
            cap_s=self._cap.total_seconds(),
        )
        return ceiling

    def _raise_to(self, until: datetime) -> bool:
        with self._lock:
            if self._not_before is None or until > self._not_before:
                self._not_before = until
                return True
            return False


class _Slot:
    """One request in flight; :meth:`rate_limited` marks its answer as a 429."""

    __slots__ = ("limited",)

    def __init__(self) -> None:
        self.limited = False

    def rate_limited(self) -> None:
        self.limited = True


class AdaptiveLimit:
    """At most ``limit`` requests in flight; AIMD on 429s. See the module doc."""

    def __init__(
        self,
        initial: int = 4,
        *,
        minimum: int = 1,
        maximum: int = 8,
        backoff: float = 0.5,
        cooldown_seconds: float = 1.0,
        stop: threading.Event | None = None,
    ) -> None:
        if not 1 <= minimum <= initial <= maximum:
            raise ValueError(
                f"need 1 <= minimum <= initial <= maximum, got {minimum}/{initial}/{maximum}"
            )
        if not 0 < backoff < 1:
            raise ValueError(f"backoff must be between 0 and 1, got {backoff}")
        self.minimum = minimum
        self.maximum = maximum
        self.backoff = backoff
        self.cooldown = cooldown_seconds
        self.stop = stop
        self._limit = float(initial)
        self._in_flight = 0
        self._successes = 0
        self._last_decrease = -1e9
        self._cond = threading.Condition()

    @property
    def limit(self) -> int:
        """Requests allowed in flight at once now."""
        with self._cond:
            return int(self._limit)

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    def acquire(self, timeout: float | None = None) -> bool:
        """Take a slot; blocks while the limit is reached. False after ``timeout``;
        ``Interrupted`` once ``stop`` is set."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._in_flight >= int(self._limit):
                if self.stop is not None and self.stop.is_set():
                    raise Interrupted("stopping: the call was not sent")
                wait = 0.25 if deadline is None else min(0.25, deadline - time.monotonic())
                if wait <= 0:
                    return False
                self._cond.wait(wait)
            self._in_flight += 1
            return True

    def release(self, *, rate_limited: bool = False) -> None:
        """Give the slot back: a success, or a 429 (``rate_limited=True``)."""
        with self._cond:
            self._in_flight -= 1
            now = time.monotonic()
            if rate_limited:
                self._successes = 0
                if now - self._last_decrease >= self.cooldown:
                    self._last_decrease = now
                    old = self._limit
                    self._limit = max(float(self.minimum), self._limit * self.backoff)
                    if int(self._limit) != int(old):
                        log.info("jsm.concurrency_decreased", limit=int(self._limit))
            else:
                self._successes += 1
                if self._successes >= int(self._limit) and self._limit < self.maximum:
                    self._successes = 0
                    self._limit = min(float(self.maximum), self._limit + 1.0)
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[_Slot]:
        """``with limit.slot() as s:`` one request; ``s.rate_limited()`` on a 429."""
        self.acquire()
        s = _Slot()
        try:
            yield s
        finally:
            self.release(rate_limited=s.limited)
