"""routerbot: routes, answers and follows up Jira Service Management tickets.

Nothing here connects, reads the environment or parses configuration at import time;
``routerbot.bootstrap`` is the composition root.
"""

__version__ = "0.1.0"
