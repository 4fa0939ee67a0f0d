"""Waits on observable state, instead of sleeping a fixed time and hoping.

``wait_until(pred, timeout)`` polls a predicate. ``more_polls(sandbox, n)`` waits until
the bot has searched the sandbox ``n`` more times: what a test means by "a late
duplicate would show now" is "the bot has polled again since", and that is observable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(pred: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """True as soon as ``pred()`` holds; False once ``timeout`` seconds passed without."""
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def searches(sandbox: Any) -> int:
    """How many JQL searches (one per poll page) the sandbox has answered."""
    counts: dict[str, int] = sandbox.requests()["requests"]
    return sum(n for route, n in counts.items() if "/search" in route)


def more_polls(sandbox: Any, n: int = 2, timeout: float = 30) -> bool:
    """Wait until the bot has searched ``n`` more times than now."""
    start = searches(sandbox)
    return wait_until(lambda: searches(sandbox) >= start + n, timeout)
