"""Hostile ticket text through the whole bot over HTTP: no crash, no stall, and the
oracle's invariants hold (each ticket handled once, no loop)."""

from __future__ import annotations

import json

from tests.chaos.harness import FAQ_TEXT, LOGIN_TEXT, bot_comments, by_source, handled, ticket_row

ADF = json.dumps(
    {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": LOGIN_TEXT}]}],
    }
)
HOSTILE = {
    "huge": FAQ_TEXT + " " + ("bla " * 250_000),
    "control": "Bonjour\x00\x01\x02\x1b[31m je n'arrive\x07 pas à me connecter\x7f\x0c" * 50,
    "html": "<html><script>alert(1)</script>" + "<div>" * 5000 + FAQ_TEXT + "</div>" * 5000,
    "adf": ADF,
    "empty": "",
    "homoglyphs": "Вonjour, je n'аrrive pаs à me соnnecter à Ехраdon (Cyrillic а/о/с/е/х/р)",
    "combining": "Bonjour " + "e\u0301\u0300\u0302" * 20_000 + " impossible de me connecter",
    "rtl": "\u202eBonjour, je n'arrive pas à me connecter\u202c \u2066\u200b\ufeff",
    "nfkc_bomb": "\ufdfa" * 20_000 + " " + FAQ_TEXT,
    "redos": "(" * 5000 + "a" * 5000 + "!" + FAQ_TEXT,
    "emoji": "🔥" * 10_000 + " " + LOGIN_TEXT,
}


def test_hostile_ticket_text_never_crashes_nor_stalls_the_poll(chaos_sandbox, bot_factory):
    rows = [
        ticket_row(f"BAD-{name}", text, summary=(text[:200] or " "))
        for name, text in HOSTILE.items()
    ]
    rows.append(ticket_row("BAD-control-sentinel", FAQ_TEXT))
    sb = chaos_sandbox(rows)
    bot = bot_factory(sb)
    every = [r["id"] for r in rows]
    assert bot.run_until(handled(*every), timeout=120)
    assert all(r.ok for r in bot.reports)
    assert not any(res.outcome == "failed" for r in bot.reports for res in r.results)
    # a hostile ticket still gets the same reply as a plain one would
    assert len(bot_comments(by_source(sb, "BAD-control-sentinel"), public=True)) == 1


def test_hostile_comments_from_the_customer_are_handled_once(chaos_sandbox, bot_factory):
    sb = chaos_sandbox([ticket_row("BC-1", LOGIN_TEXT)])
    bot = bot_factory(sb)
    assert bot.run_until(handled("BC-1"), timeout=30)
    key = by_source(sb, "BC-1")["key"]
    for text in HOSTILE.values():
        sb.model.add_comment(key, text or " ", author="customer")
        bot.cycles(2)
    assert all(r.ok for r in bot.reports)
    assert len(bot_comments(by_source(sb, "BC-1"), public=True)) <= 3
