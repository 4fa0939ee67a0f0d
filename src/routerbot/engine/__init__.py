"""The decision engine: pure functions from a ticket and the routing config to a Decision.

``decide(ticket, config)`` for a ticket that changed; ``decide_followup(...)`` for a
ticket waiting for the customer's browser answer (reminder, hand-over). Text helpers
live in ``routerbot.engine.text`` and ``routerbot.engine.browser``; scores in
``classify``; the comments in ``conversation``; explanations in ``explain``.
"""

from __future__ import annotations

from routerbot.engine.decide import decide, decide_followup

__all__ = ["decide", "decide_followup"]
