"""Crash points for the chaos suite: deterministic kills at the service's step boundaries.

``crash_point("after_intent")`` ends the process at once (``os._exit(137)``, like a
SIGKILL: no ``finally``, no flush, no lease release) when the environment variable
``ROUTERBOT_CRASH_AT`` equals that name. The variable is read at each call (cheap: one
dictionary lookup), never at import time, so a test can start ``routerbot run`` with it
set, watch the process die at that exact step, and restart it without it.

The points, in the order one ticket meets them (:mod:`routerbot.service`):

``after_claim``                 the ticket's lease is held, nothing recorded yet
``after_intent``                every intent of the plan is in the ledger (PLANNED)
``after_in_flight``             one action is IN_FLIGHT, its Jira call not yet sent
``after_send_before_done``      Jira accepted the write; the ledger still says IN_FLIGHT
``after_done_before_record``    every action DONE; the ticket's BotRecord not yet saved
``after_record_before_state``   BotRecord + labels saved on the ticket; local state not
``after_record_before_cursor``  local ticket state saved; the poll cursor not yet moved
"""

from __future__ import annotations

import os

CRASH_ENV = "ROUTERBOT_CRASH_AT"
CRASH_EXIT_CODE = 137
CRASH_POINTS = (
    "after_claim",
    "after_intent",
    "after_in_flight",
    "after_send_before_done",
    "after_done_before_record",
    "after_record_before_state",
    "after_record_before_cursor",
)


def crash_point(name: str) -> None:
    """Die here, like a SIGKILL, when ``ROUTERBOT_CRASH_AT`` names this point."""
    if os.environ.get(CRASH_ENV) == name:
        os._exit(CRASH_EXIT_CODE)
