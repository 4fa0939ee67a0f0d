"""PyStemmer (a dependency) gives the very stems of the pure-Python Snowball stemmer that
the engine was tuned with, on every word of the shipped routing file."""

from __future__ import annotations

import re
from pathlib import Path

import snowballstemmer
from snowballstemmer.french_stemmer import FrenchStemmer

ROUTING = Path(__file__).resolve().parents[2] / "config" / "routing.toml"


def test_snowballstemmer_uses_pystemmer_when_installed() -> None:
    assert type(snowballstemmer.stemmer("french")).__module__ == "Stemmer"


def test_pystemmer_stems_like_pure_python_snowball_on_the_routing_vocabulary() -> None:
    words = sorted(set(re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ]{3,}", ROUTING.read_text().lower())))
    assert len(words) > 300
    fast, pure = snowballstemmer.stemmer("french"), FrenchStemmer()
    assert [fast.stemWord(w) for w in words] == [pure.stemWord(w) for w in words]
