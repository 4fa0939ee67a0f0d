"""The support lead's tooling, one module per job.

* :mod:`routerbot.lead.compare` — ``routerbot eval FILE --compare-config OLD.toml``: the
  tickets whose decision changes between two routing files.
* :mod:`routerbot.lead.warnings` — ``routerbot check-config PATH [--tickets FILE]``:
  what a lead should read before deploying a routing file.
* :mod:`routerbot.lead.recognise` — which FAQ answer a reply carries, whether a reply
  asks for the browser.
* :mod:`routerbot.lead.export` — ``routerbot export``: a past ticket labelled from what
  the bot and the agents did.
* :mod:`routerbot.lead.undo` — ``routerbot report`` and the metric
  ``routerbot_agent_undo_total``: how often agents undo the bot.

Past tickets are read through the :class:`routerbot.ports.TicketHistorySource` port
(the Jira adapter implements it); the composition root (:mod:`routerbot.bootstrap`)
builds it. Everything here is pure over domain values, except the metric counter.
"""
