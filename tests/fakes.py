"""The one fake per role that several test folders share.

``FakeClock`` implements the ``routerbot.ports.Clock`` port: time moves only when the
code under test sleeps (recorded in ``sleeps``) or when the test calls ``advance``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    """``FakeClock(now=T0)``: ``now()``, ``sleep(s)`` (recorded), ``advance(s, **kw)``."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or T0
        self.sleeps: list[float] = []

    @property
    def t(self) -> datetime:
        return self.current

    @t.setter
    def t(self, value: datetime) -> None:
        self.current = value

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)

    def advance(self, seconds: float = 0, **delta: float) -> None:
        """Let time pass without the code under test sleeping (``advance(31)``,
        ``advance(minutes=20)``)."""
        self.current += timedelta(seconds=seconds, **delta)
