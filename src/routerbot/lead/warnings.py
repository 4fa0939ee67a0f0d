"""Warnings about a routing file, for ``routerbot check-config PATH [--tickets FILE]``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from routerbot.domain import AuthorRole, Ticket

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from routerbot.config import RoutingConfig


def _ticket_text(ticket: Ticket) -> str:
    parts = [ticket.summary, ticket.description]
    parts.extend(c.body for c in ticket.comments if c.author is AuthorRole.CUSTOMER)
    return "\n".join(parts)


def config_warnings(config: RoutingConfig, tickets: Iterable[Ticket] | None = None) -> list[str]:
    """Warnings a support lead should read before deploying a routing file.

    * entries with too few examples, examples closer to another entry than to their
      own, entries too close to each other (:mod:`routerbot.engine.conflicts`);
    * with ``tickets``: every FAQ entry that is the closest entry for none of them.
    """
    from routerbot.engine.classify import prepare_text  # noqa: PLC0415 - heavy, load on use
    from routerbot.engine.conflicts import config_warnings as example_warnings  # noqa: PLC0415

    warnings = example_warnings(config)
    if tickets is None:
        return warnings
    texts = [_ticket_text(t) for t in tickets]
    index = config.compiled.faq_index
    top: set[str] = set()
    for t in texts:
        scores = index.scores(prepare_text(t, config).features)
        if scores:
            top.add(scores[0].entry_id)
    for fid in config.faq:
        if fid not in top:
            warnings.append(
                f"never closest: faq → {fid} is the closest entry for none of {len(texts)} tickets"
            )
    return warnings
