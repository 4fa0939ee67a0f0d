"""Fault injection for the sandbox: rates per request, or a script per route.

A spec is a comma-separated list of ``kind=rate`` and ``option=value``::

    429=0.02,503=0.03,500=0.02,drop-after-write=0.01,slow=0.005,timeout=0.01
    429=0.1,retry-after=2,retry-after-form=date,slow-seconds=1.5,hang-seconds=10

Kinds:

``429``                 answer 429 with ``Retry-After`` and the ``X-RateLimit-*`` headers
``500`` ``502`` ``503`` ``504``  answer that status with Jira's error body (503 carries
                        ``Retry-After`` too); nothing is written
``slow``                wait ``slow-seconds`` (default 1.5), then answer normally
``timeout``             hold the request ``hang-seconds`` (default 15), then close the
                        connection without answering; nothing is written
``drop``                close the connection at once without answering; nothing written
``drop-after-write``    carry out the write (POST/PUT/DELETE), then close the connection
                        without answering — the client cannot know it happened. On a
                        read it does nothing.

Options: ``retry-after`` (seconds, default 1; ``0`` is allowed, as Jira sometimes
sends), ``retry-after-form`` (``seconds`` | ``date`` | ``mixed``), ``seed``.

Scripts take precedence over rates: ``plan.script("POST /rest/servicedeskapi/request/*
/comment", ["drop-after-write", "ok"])`` makes the next two matching requests fail that
way in order (``*`` matches anything, ``/`` included); once the list is used up the
rates apply again.

:class:`Latency` is the other half of realism: every API request waits ``ms`` ± ``jitter``
milliseconds before it is handled (``routerbot sandbox --latency-ms 100``), as a request
to Jira Cloud over the internet does.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections import deque
from dataclasses import dataclass, field

from routerbot.errors import InputError

KINDS = ("429", "500", "502", "503", "504", "slow", "timeout", "drop", "drop-after-write")
OUTCOMES = (*KINDS, "ok")
FORMS = ("seconds", "date", "mixed")


@dataclass
class _Script:
    pattern: str
    outcomes: deque[str]


@dataclass
class FaultPlan:
    """What goes wrong, how often. Thread-safe; ``draw`` is deterministic for a seed."""

    rates: dict[str, float] = field(default_factory=dict)
    seed: int | None = None
    retry_after: float = 1.0
    retry_after_form: str = "seconds"
    slow_seconds: float = 1.5
    hang_seconds: float = 15.0

    def __post_init__(self) -> None:
        for kind, rate in self.rates.items():
            if kind not in KINDS:
                raise InputError(f"unknown fault {kind!r} (known: {', '.join(KINDS)})")
            if not 0.0 <= rate <= 1.0:
                raise InputError(f"fault rate for {kind} must be between 0 and 1, got {rate}")
        if sum(self.rates.values()) > 1.0 + 1e-9:
            raise InputError("fault rates add up to more than 1")
        if self.retry_after_form not in FORMS:
            raise InputError(f"retry-after-form must be one of {', '.join(FORMS)}")
        self._rng = random.Random(self.seed)  # noqa: S311 - simulation, not security
        self._lock = threading.Lock()
        self._scripts: list[_Script] = []

    @classmethod
    def parse(cls, spec: str, *, seed: int | None = None) -> FaultPlan:
        """Read ``"429=0.02,503=0.03,retry-after=2"`` (raises ``InputError``)."""
        rates: dict[str, float] = {}
        options: dict[str, str] = {}
        for part in (p.strip() for p in (spec or "").split(",")):
            if not part:
                continue
            name, sep, value = part.partition("=")
            name = name.strip().lower()
            if not sep:
                raise InputError(f"fault spec part {part!r} must look like kind=rate")
            if name in KINDS:
                try:
                    rates[name] = float(value)
                except ValueError as exc:
                    raise InputError(f"fault rate for {name} is not a number: {value!r}") from exc
            else:
                options[name] = value.strip()
        known = {"retry-after", "retry-after-form", "slow-seconds", "hang-seconds", "seed"}
        unknown = set(options) - known
        if unknown:
            raise InputError(
                f"unknown fault {sorted(unknown)[0]!r} "
                f"(known: {', '.join(KINDS)}; options: {', '.join(sorted(known))})"
            )
        try:
            return cls(
                rates=rates,
                seed=int(options["seed"]) if "seed" in options else seed,
                retry_after=float(options.get("retry-after", 1.0)),
                retry_after_form=options.get("retry-after-form", "seconds"),
                slow_seconds=float(options.get("slow-seconds", 1.5)),
                hang_seconds=float(options.get("hang-seconds", 15.0)),
            )
        except ValueError as exc:
            raise InputError(f"bad fault option: {exc}") from exc

    def script(self, pattern: str, outcomes: list[str]) -> FaultPlan:
        """Queue outcomes for requests matching ``"METHOD /path/with/*"``; returns self."""
        for o in outcomes:
            if o not in OUTCOMES:
                raise InputError(f"unknown scripted outcome {o!r} (known: {', '.join(OUTCOMES)})")
        with self._lock:
            self._scripts.append(_Script(pattern, deque(outcomes)))
        return self

    def draw(self, method: str, path: str) -> str:
        """The outcome for one request: a kind from :data:`KINDS`, or ``"ok"``."""
        target = f"{method.upper()} {path}"
        with self._lock:
            for s in self._scripts:
                if s.outcomes and fnmatch.fnmatchcase(target, s.pattern):
                    return s.outcomes.popleft()
            if not self.rates:
                return "ok"
            r = self._rng.random()
            acc = 0.0
            for kind in KINDS:
                acc += self.rates.get(kind, 0.0)
                if r < acc:
                    return kind
            return "ok"

    def date_form(self) -> bool:
        """Whether the next ``Retry-After`` is an HTTP date (else seconds)."""
        if self.retry_after_form == "mixed":
            with self._lock:
                return self._rng.random() < 0.5
        return self.retry_after_form == "date"

    def describe(self) -> dict[str, object]:
        with self._lock:
            pending = [
                {"match": s.pattern, "outcomes": list(s.outcomes)}
                for s in self._scripts
                if s.outcomes
            ]
        return {
            "rates": dict(self.rates),
            "seed": self.seed,
            "retry_after": self.retry_after,
            "retry_after_form": self.retry_after_form,
            "slow_seconds": self.slow_seconds,
            "hang_seconds": self.hang_seconds,
            "scripts": pending,
        }


@dataclass
class Latency:
    """The added round-trip time of each API request: ``ms`` ± ``jitter_ms`` (uniform;
    a quarter of ``ms`` when not given), never below zero. Thread-safe and deterministic
    for a seed."""

    ms: float = 0.0
    jitter_ms: float | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.ms < 0 or (self.jitter_ms is not None and self.jitter_ms < 0):
            raise InputError("latency and jitter must be >= 0 ms")
        self._rng = random.Random(self.seed)  # noqa: S311 - simulation, not security
        self._lock = threading.Lock()

    @property
    def spread_ms(self) -> float:
        return self.ms / 4 if self.jitter_ms is None else self.jitter_ms

    def draw(self) -> float:
        """Seconds to hold the next request (0 when no latency is configured)."""
        if self.ms <= 0 and not self.jitter_ms:
            return 0.0
        spread = self.spread_ms
        with self._lock:
            ms = self.ms + self._rng.uniform(-spread, spread)
        return max(0.0, ms) / 1000.0
