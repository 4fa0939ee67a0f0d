"""Speed of the text and browser functions, per call, on one core.

    python3 benchmarks/bench_text.py [TICKETS.jsonl] [--n 10000]

Reads the tickets' summaries, descriptions and customer comments (default: the dev set
beside the repository) and times each function over ``--n`` texts, twice: with every
text made unique (cold: no cache helps) and with the texts repeated (warm: the
``lru_cache`` layers hit). The decision engine's budget is 2,000 tickets/s, i.e.
500 µs per ticket for everything.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "data" / "tickets-dev.jsonl"

FALLBACK = [
    "Bonjour, je n'arrive pas à me connecter depuis Chrome version 120.0.6099.130. Cordialement,\n"
    "Jeanne Martin\nMartin Export",
    "<p>Bonjour,</p><p>Erreur &eacute;trange sur Edge</p><p>Merci<br>Paul</p>",
    "bjr, pb de cnx svp, mdp refusé",
    "Réponse automatique : je suis absente du bureau jusqu'au 12 mars.",
]


def load(path: Path) -> list[list[str]]:
    if not path.is_file():
        return [[t] for t in FALLBACK]
    tickets = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        texts = [row.get("summary", ""), row.get("description", "")]
        texts += [c["body"] for c in row.get("comments", []) if c.get("author") == "customer"]
        tickets.append(texts)
    return tickets


def clock(label: str, fn: Callable[[str], object], texts: list[str], cold: bool = False) -> float:
    """Best of three runs (the machine may be shared); cold runs use fresh texts each time."""
    best = float("inf")
    for run in range(3):
        batch = [f"{t} {run}" for t in texts] if cold and run else texts
        start = time.perf_counter()
        for t in batch:
            fn(t)
        best = min(best, time.perf_counter() - start)
    elapsed = best
    per_call = elapsed / len(texts) * 1e6
    print(f"  {label:<34} {per_call:8.1f} µs/call  {len(texts) / elapsed:10.0f} calls/s")
    return per_call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    from routerbot.engine import browser, text  # noqa: PLC0415 - timing the import

    print(f"import text+browser: {(time.perf_counter() - t0) * 1e3:.1f} ms")
    t0 = time.perf_counter()
    browser.warm_up()
    print(f"browser.warm_up (ua-parser rules): {(time.perf_counter() - t0) * 1e3:.1f} ms")

    tickets = load(args.path)
    flat = [t for texts in tickets for t in texts]
    repeated = (flat * (args.n // max(1, len(flat)) + 1))[: args.n]
    unique = [f"{t}\nréf {i}" for i, t in enumerate(repeated)]

    for label, texts, cold in (
        ("cold (unique texts)", unique, True),
        ("warm (repeated texts)", repeated, False),
    ):
        print(f"{label}, {len(texts)} texts, best of 3:")
        clock("clean_body", text.clean_body, texts, cold)
        clock("normalise", text.normalise, texts, cold)
        clock("stems", text.stems, texts, cold)
        clock("is_auto_reply", text.is_auto_reply, texts, cold)
        clock("extract_browser", browser.extract_browser, texts, cold)

    n_tickets = max(1, args.n // 3)
    elapsed = float("inf")
    for run in range(3):
        conv = [[f"{t} #{i}.{run}" for t in tickets[i % len(tickets)]] for i in range(n_tickets)]
        start = time.perf_counter()
        for texts in conv:
            cleaned = [text.clean_body(t) for t in texts]
            text.is_auto_reply(texts[-1])
            browser.extract_browser_from_conversation(cleaned)
            text.stems("\n".join(cleaned))
        elapsed = min(elapsed, time.perf_counter() - start)
    print(
        f"per ticket (clean all, auto-reply, stems, browser), cold, best of 3: "
        f"{elapsed / n_tickets * 1e6:.1f} µs  ({n_tickets / elapsed:.0f} tickets/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
