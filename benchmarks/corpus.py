"""Realistic tickets with unique texts, for the benchmarks.

``unique_rows(n, seed)`` takes the labelled development tickets shipped with the tests
(``tests/data/tickets-dev.jsonl`` and ``tickets-extra.jsonl``: real-looking requests to
the Expadon support, with conversations) and makes ``n`` of them, each with its own
text: a greeting and a sign-off drawn from everyday variants, a file reference, a
person and a company that no other ticket has. The wording that routing reads is kept,
so the decisions are those of the original tickets; no two descriptions are equal, so
no cache keyed on a whole text helps (word-level caches do, as they would on real
traffic: tickets share a vocabulary, not a text).
"""

from __future__ import annotations

import copy
import json
import random
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (
    ROOT / "tests" / "data" / "tickets-dev.jsonl",
    ROOT / "tests" / "data" / "tickets-extra.jsonl",
)

GREETINGS = ("Bonjour,", "Bonjour Madame, Monsieur,", "Bonjour à tous,", "Hello,", "Bonsoir,", "")
SIGN_OFFS = ("Cordialement", "Bien cordialement", "Merci d'avance", "Bien à vous", "Merci", "Cdlt")
FIRST = (
    "Claire",
    "Julien",
    "Nadia",
    "Thomas",
    "Inès",
    "Marc",
    "Sophie",
    "Karim",
    "Léa",
    "Hugo",
    "Camille",
    "Yann",
    "Aurélie",
    "Mehdi",
    "Pauline",
    "Olivier",
    "Chloé",
    "Bruno",
)
LAST = (
    "Lefebvre",
    "Moreau",
    "Garnier",
    "Rousseau",
    "Benali",
    "Fontaine",
    "Chevalier",
    "Perrin",
    "Lambert",
    "Bonnet",
    "Faure",
    "Mercier",
    "Girard",
    "Boyer",
    "Renaud",
    "Caron",
)
TRADES = (
    "Fromagerie",
    "Domaine",
    "Abattoir",
    "Conserverie",
    "Transports",
    "Maison",
    "Coopérative",
    "Laiterie",
    "Salaisons",
    "Vins",
    "Export",
    "Pêcheries",
)
PLACES = (
    "du Val",
    "Saint-Martin",
    "des Alpes",
    "Bretagne",
    "de Loire",
    "Atlantique",
    "du Sud",
    "Normande",
    "Occitane",
    "des Vosges",
    "Rhône",
    "de Gascogne",
)


def base_rows() -> list[dict[str, Any]]:
    rows = []
    for path in SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row.pop("expected", None)
                rows.append(row)
    return rows


def unique_rows(n: int, seed: int = 1, *, prefix: str = "BL") -> list[dict[str, Any]]:
    """``n`` ROUTING.md rows, each with a text of its own (deterministic for a seed)."""
    rng = random.Random(seed)
    bases = base_rows()
    out = []
    for i in range(1, n + 1):
        row = copy.deepcopy(bases[(i - 1) % len(bases)])
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = f"{rng.choice(TRADES)} {last} {rng.choice(PLACES)}"
        ref = f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXZ')}{rng.randrange(10**6):06d}"
        greeting = rng.choice(GREETINGS)
        body = str(row.get("description") or "").strip()
        if body.lower().startswith(("bonjour", "hello", "bonsoir")):
            body = body.split("\n", 1)[1] if "\n" in body else body
        row["id"] = f"{prefix}-{i}"
        row["summary"] = f"{row.get('summary') or 'Demande'} (dossier {ref})"
        row["description"] = (
            f"{greeting}\n{body}\n(dossier {ref})\n{rng.choice(SIGN_OFFS)}\n"
            f"{first} {last}\n{company} – n° {i}"
        ).strip()
        reporter = dict(row.get("reporter") or {})
        domain = str(reporter.get("email") or "client@example.fr").rpartition("@")[2]
        reporter["displayName"] = f"{first} {last}"
        local = unicodedata.normalize("NFKD", f"{first}.{last}.{i}".lower())
        reporter["email"] = f"{local.encode('ascii', 'ignore').decode()}@{domain}"
        row["reporter"] = reporter
        # comments are loaded 7 minutes apart after the creation: all in the past
        row["minutes_ago"] = 1 + 7 * len(row.get("comments") or [])
        out.append(row)
    return out
