"""The soak run and the ledger oracle shared with the chaos suite (``tests/chaos``).

``routerbot soak`` (or ``python benchmarks/soak.py``) starts the JSM sandbox in this
process, the daemon as a real subprocess (``python -m routerbot run``), creates N tickets
over time (FAQ questions, login failures with and without a browser, wrong portal,
agents' internal notes carrying a canary, customers who answer, out-of-office replies),
injects 5xx, 429 and dropped connections, and kills the daemon with SIGKILL at random,
restarting it each time. After a quiet period (faults off, no more kills) it reads
``/_sandbox/state`` and ``/_sandbox/requests`` and checks the invariants:

I1 no duplicate side effect
    each bot marker ``[routerbot:xxxxxxxx]`` at most once per ticket; within one *turn*
    (the comments and changes between two messages from people) no two bot comments
    with the same text and no two bot changes of one field to the same value.
I2 no ticket lost
    every ticket the run expects to be handled carries the bot's label (and reacted to
    the customer's last message when one was expected); no intent is left PLANNED or
    IN_FLIGHT in the ledger.
I3 no leak
    the canaries (the API token, …) appear in no comment, property, log line or
    metric; no agent's internal note and no bot internal note's heading appears in a
    public comment.
I4 no loop
    at most ``reply_cap`` bot public replies per ticket, at most one per turn, none in a
    turn opened by an automatic reply, at most ``max_bot_comments`` bot comments per turn.

Everything here reads the sandbox's state as plain JSON: :func:`check_invariants` is
what every chaos test calls at its end, and :class:`DaemonProcess` is the process
harness the crash tests use.

The package sits beside the product, not in it: only the ``soak`` command, the chaos
suite and the benchmarks import it; the daemon never does.

* :mod:`routerbot.soak.oracle` — :func:`check_invariants`, :class:`OracleReport`;
* :mod:`routerbot.soak.process` — :class:`DaemonProcess`, :func:`routing_file_for_load`;
* :mod:`routerbot.soak.run` — :func:`plan_tickets`, :func:`run_soak`.
"""

from routerbot.soak.oracle import OracleReport, ReplyAccount, account_replies, check_invariants
from routerbot.soak.process import DaemonProcess, routing_file_for_load
from routerbot.soak.run import (
    DEFAULT_FAULTS,
    SoakOptions,
    SoakReport,
    options_problem,
    plan_tickets,
    run_soak,
)

__all__ = [
    "DEFAULT_FAULTS",
    "DaemonProcess",
    "OracleReport",
    "ReplyAccount",
    "SoakOptions",
    "SoakReport",
    "account_replies",
    "check_invariants",
    "options_problem",
    "plan_tickets",
    "routing_file_for_load",
    "run_soak",
]
