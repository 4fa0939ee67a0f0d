"""Build the example report page of docs/support-leads.md from three weeks of made-up
history (seeded, so the page is the same each time), and its screenshot.

    python scripts/report_example.py                  # docs/images/report-example.{html,png}
    python scripts/report_example.py --out /tmp/x     # elsewhere

The histories are built in memory with the real FAQ answers, the real browser question
and the bot's real "reply held" wording; the page is drawn by the same code as
``routerbot report --html``. The screenshot needs Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from routerbot.config import load_config
from routerbot.domain import (
    AuthorRole,
    Comment,
    LocationChange,
    Person,
    Population,
    Ticket,
    TicketHistory,
)
from routerbot.lead.recognise import FaqRecogniser
from routerbot.lead.report import BreakerNow, Parked, render_report_html, report_facts
from routerbot.lead.undo import detect_undos, merge_scans

ROOT = Path(__file__).resolve().parents[1]
BOT, AGENT = "bot-account", "agent-account"
START = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
DAYS = 21


def _histories(rng: random.Random) -> list[TicketHistory]:
    config = load_config(ROOT / "config" / "routing.toml")
    faqs = list(config.faq)
    weights = [rng.randint(1, 8) for _ in faqs]
    out: list[TicketHistory] = []
    n = 0
    for day in range(DAYS):
        weekend = (START + timedelta(days=day)).weekday() >= 5
        for _ in range(rng.randint(2, 5) if weekend else rng.randint(9, 18)):
            n += 1
            at = START + timedelta(days=day, minutes=rng.randint(0, 9 * 60))
            kind = rng.choices(["faq", "ask", "reroute", "note"], [50, 15, 20, 15])[0]
            rtype, comments, changes = "86", [], []

            def c(
                minutes: int,
                role: AuthorRole,
                body: str,
                *,
                public: bool = True,
                _at: datetime = at,
                _n: int = n,
            ) -> Comment:
                return Comment(
                    f"c{_n}-{minutes}", role, body, public, _at + timedelta(minutes=minutes)
                )

            if kind == "faq":
                fid = rng.choices(faqs, weights)[0]
                body = config.render(config.faq[fid].answer, Population.OPERATEUR)
                if day in (17, 18) and rng.random() < 0.4:
                    comments.append(
                        c(
                            1,
                            AuthorRole.BOT,
                            config.texts.reply_held.format(
                                reason="plafond de 2 réponses publiques atteint pour ce ticket",
                                body=body,
                            ),
                            public=False,
                        )
                    )
                else:
                    comments.append(c(1, AuthorRole.BOT, body))
                comments.append(
                    c(1, AuthorRole.BOT, "[routerbot] Analyse automatique", public=False)
                )
                wrong = 0.25 if fid == "telecharger-modele" else 0.05
                if rng.random() < wrong:
                    comments.append(c(90, AuthorRole.AGENT, "Correction : voici la bonne réponse."))
            elif kind == "ask":
                comments.append(c(1, AuthorRole.BOT, config.conversation.ask_message))
                comments.append(c(300, AuthorRole.CUSTOMER, "Firefox 128"))
            elif kind == "reroute":
                changes.append(
                    LocationChange(at + timedelta(minutes=1), BOT, None, None, "86", "84")
                )
                comments.append(
                    c(1, AuthorRole.BOT, "[routerbot] Analyse automatique", public=False)
                )
                rtype = "84"
                if rng.random() < 0.12:
                    changes.append(
                        LocationChange(at + timedelta(hours=3), AGENT, None, None, "84", "86")
                    )
                    rtype = "86"
            else:
                comments.append(
                    c(1, AuthorRole.BOT, "[routerbot] Analyse automatique", public=False)
                )
            ticket = Ticket(
                key=f"OPE-{1000 + n}",
                service_desk="3",
                request_type=rtype,
                summary="…",
                description="…",
                reporter=Person(display_name="Client", email="client@example.fr"),
                comments=tuple(comments),
            )
            out.append(TicketHistory(ticket, tuple(changes), BOT))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    config = load_config(ROOT / "config" / "routing.toml")
    rec = FaqRecogniser(config)
    histories = _histories(random.Random(12))  # noqa: S311 - made-up data, not security
    scan = merge_scans(detect_undos(h, config, rec) for h in histories)
    facts = report_facts(histories, scan, config, rec)
    parked = [
        Parked("OPE-1187", START + timedelta(days=DAYS, hours=2), "failing: move refused"),
    ]
    page = render_report_html(
        facts,
        config,
        query="made-up history of scripts/report_example.py",
        generated=START + timedelta(days=DAYS),
        parked=parked,
        breaker=BreakerNow(sent_last_hour=4, cap=config.loop_guard.max_public_replies_per_hour),
        store_note="Made-up example; with --state-url the list comes from the state store.",
    )
    html_path = args.out / "report-example.html"
    html_path.write_text(page, encoding="utf-8")
    exe = shutil.which("chromium")
    if exe is None:
        print(f"wrote {html_path}; no chromium, no screenshot", file=sys.stderr)
        return 0
    png = args.out / "report-example.png"
    subprocess.run(  # noqa: S603 - chromium found on PATH, our own file
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1100,3150",
            f"--screenshot={png}",
            html_path.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
    )
    print(f"wrote {html_path} and {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
