"""Security under faults: the token never reaches logs, errors or metrics; internal notes
stay internal; ticket text cannot change the bot's templates."""

from __future__ import annotations

import re
import time

from tests.chaos.harness import (
    FAQ_TEXT,
    bot_comments,
    by_source,
    handled,
    oracle,
    ticket_row,
)

from routerbot.sandbox import FaultPlan

MARK = re.compile(r"\[routerbot:[0-9a-f]{8}\]")
INJECTIONS = (
    "{faq} {{7*7}} ${7*7} {0.__class__} {config} %(body)s #{7*7} <%= 7*7 %> "
    "[~accountid:5b10a2844c20165700ede21g] {{config.__class__.__init__.__globals__}} "
    "\\{faq\\} $faq ${faq_link}"
)


def test_ticket_text_cannot_change_the_reply_template(chaos_sandbox, bot_factory):
    rows = [
        ticket_row("TPL-plain", FAQ_TEXT),
        ticket_row("TPL-inject", FAQ_TEXT + " " + INJECTIONS, summary="{0.__class__} {{7*7}}"),
    ]
    for r in rows:
        r["reporter"]["displayName"] = "{0.__class__.__mro__} {{7*7}}"
    sb = chaos_sandbox(rows)
    bot = bot_factory(sb)
    assert bot.run_until(handled("TPL-plain", "TPL-inject"), timeout=30)
    plain = bot_comments(by_source(sb, "TPL-plain"), public=True)
    inject = bot_comments(by_source(sb, "TPL-inject"), public=True)
    assert len(plain) == len(inject) == 1
    assert MARK.sub("", plain[0]["body"]) == MARK.sub("", inject[0]["body"])
    for c in bot_comments(by_source(sb, "TPL-inject")):
        assert "49" not in c["body"]
        assert "<class" not in c["body"]
        assert "accountid:5b10" not in c["body"] or not c["public"]


def test_token_never_in_logs_errors_or_metrics_under_faults_and_401(chaos_sandbox, bot_factory):
    plan = FaultPlan.parse("500=0.1,503=0.1,429=0.05,drop-after-write=0.05,retry-after=0", seed=3)
    sb = chaos_sandbox([ticket_row(f"TK-{i}", FAQ_TEXT) for i in range(1, 6)], faults=plan)
    bot = bot_factory(sb, log_level="DEBUG")
    bot.cycles(4)
    sb.model.bot.token = "revoked"
    reports = []
    for _ in range(40):  # a Retry-After from the faults may hold the first polls
        reports.append(bot.cycle())
        if any("401" in r.error or "auth" in r.error.lower() for r in reports):
            break
        time.sleep(0.1)
    sb.model.bot.token = sb.token
    sb.faults = FaultPlan()
    assert bot.run_until(handled(*(f"TK-{i}" for i in range(1, 6))), timeout=60)
    errors = " ".join(r.error for r in reports)
    assert "authentication" in errors.lower() or "401" in errors
    metrics = bot.app.metrics.render().decode()
    texts = [bot.log.getvalue(), errors, metrics]
    assert sb.token not in "".join(texts)
    basic = "cm91dGVyYm90QGV4YW1wbGUub3JnOnNhbmRib3gtdG9rZW4"  # base64 of email:token
    assert basic not in "".join(texts)
    oracle(sb, texts=texts).assert_ok()


def test_agents_internal_notes_never_reach_a_public_reply(chaos_sandbox, bot_factory):
    canary = "CANARI-NOTE-INTERNE-7f3a9c"
    rows = [
        ticket_row(
            f"IN-{i}",
            text,
            comments=[
                {
                    "author": "agent",
                    "body": f"Client VIP {canary} ne pas divulguer",
                    "public": False,
                },
                {"author": "customer", "body": "Alors, vous avez une réponse ?"},
            ],
        )
        for i, text in enumerate([FAQ_TEXT, "Bonjour, je n'arrive pas à me connecter."])
    ]
    sb = chaos_sandbox(rows, internal_canaries=[canary])
    bot = bot_factory(sb)
    bot.cycles(3)
    for t in sb.state["tickets"]:
        for c in t["comments"]:
            if c["public"]:
                assert canary not in c["body"]
        for note in bot_comments(t, public=False):
            assert note["public"] is False
