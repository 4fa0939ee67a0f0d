"""Jira Cloud / Jira Service Management adapter.

* :mod:`routerbot.jsm.wire` — pure JSON → domain decoding (no I/O);
* :mod:`routerbot.jsm.http` — the call policy (timeouts, retries, error translation);
* :mod:`routerbot.jsm.adapter` — ``JiraServiceDesk``, the ``ServiceDesk`` port.

Import the submodules you need; this package imports nothing heavy on its own.
"""
