"""Read the bot's and the agents' replies back: which FAQ answer a reply carries, and
whether it asks for the browser."""

from __future__ import annotations

from collections import Counter as Tally
from typing import TYPE_CHECKING

from routerbot.domain import AuthorRole, Comment, Population

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from routerbot.config import RoutingConfig


def _content_stems(text: str) -> list[str]:
    from routerbot.engine.lexicon import content_stems  # noqa: PLC0415
    from routerbot.engine.text import normalise  # noqa: PLC0415

    return content_stems(normalise(text))


def _faq_fingerprints(config: RoutingConfig) -> dict[str, list[frozenset[str]]]:
    """The answer words of each FAQ entry (per population's links), without the words
    most answers share (greeting, signature), which tell the entries apart poorly."""
    raw: dict[str, list[frozenset[str]]] = {}
    for fid, entry in config.faq.items():
        variants = []
        for pop in Population:
            try:
                text = config.render(entry.answer, pop)
            except (KeyError, IndexError, ValueError):
                text = entry.answer
            variants.append(frozenset(s for s in _content_stems(text) if len(s) > 2))
        raw[fid] = variants
    spread = Tally(s for variants in raw.values() for s in frozenset().union(*variants))
    common = {s for s, n in spread.items() if n > max(1, len(raw) // 2)}
    return {fid: [v - common for v in variants if v - common] for fid, variants in raw.items()}


class FaqRecogniser:
    """Which FAQ answer a reply carries: the entry whose distinctive answer words the
    reply holds (at least ``min_share`` of them); the largest share wins, then the
    longest answer (a reply quoting one answer also holds most of a shorter one)."""

    def __init__(self, config: RoutingConfig, *, min_share: float = 0.7, min_words: int = 4):
        self._prints = _faq_fingerprints(config)
        self._min_share = min_share
        self._min_words = min_words  # a few shared words are chance, not a quoted answer

    def faq_of(self, body: str) -> str | None:
        words = set(_content_stems(body))
        best: tuple[float, int, str] | None = None
        for fid, variants in self._prints.items():
            for stems in variants:
                hits = len(stems & words)
                share = hits / len(stems)
                if hits < self._min_words or share < self._min_share:
                    continue
                if best is None or (share, hits) > best[:2]:
                    best = (share, hits, fid)
        return best[2] if best else None


def asks_browser(body: str, config: RoutingConfig) -> bool:
    conv = config.conversation
    if conv.ask_marker and conv.ask_marker in body:
        return True
    from routerbot.engine.text import normalise  # noqa: PLC0415

    norm = set(normalise(body).split())
    browser = any(normalise(w) in norm for w in conv.browser_words)
    version = any(normalise(w) in norm for w in conv.version_words)
    return browser and version and "?" in body


def asked_browser(comment: Comment, config: RoutingConfig, rec: FaqRecogniser) -> bool:
    """Did this public staff comment ask the customer for the browser and its version?

    The bot's own comments are read as the bot reads them (:func:`routerbot.engine.
    conversation.is_ask`: its marker, the configured ask texts, or browser and version
    words) — except a FAQ answer that merely mentions the browser, which answers rather
    than asks. (The engine, which has the ticket, also reads the login entry's answer
    sent to a customer who had named no browser yet as the question; a comment read
    alone here cannot tell, and counts as an answer.) An agent's comment must ask
    outright (browser and version words and a question mark)."""
    if comment.author is AuthorRole.BOT:
        from routerbot.engine.conversation import is_ask  # noqa: PLC0415 - heavy, load on use

        marked = bool(config.conversation.ask_marker) and config.conversation.ask_marker in (
            comment.body
        )
        return is_ask(comment.body, config) and (marked or rec.faq_of(comment.body) is None)
    return asks_browser(comment.body, config)
