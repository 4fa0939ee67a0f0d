"""Phrase matching on normalised French text: stems, word order, gaps and typos.

A *phrase* is what a support lead writes in ``routing.toml`` ("impossible connecter",
"telecharger modele|pdf"). It is normalised like the ticket text, split into words,
stop words dropped, each word stemmed (French Snowball); ``a|b`` gives alternatives
for one place. A phrase matches a text when its words occur in order, with at most
``window`` other (non-stop) words between two of them; a word of ``typo_min_length``
letters or more also matches a word one edit away (one typo).

Speed: the stems of every phrase of the configuration form one vocabulary; a text is
mapped once onto it (exact stems, then one-edit neighbours found through a
deletion index, as SymSpell does) so that each phrase test is a few list look-ups.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from routerbot.engine import text as _text

#: Words that carry no meaning for matching (already normalised: no accents).
STOP_WORDS: frozenset[str] = frozenset(
    {
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "c",
        "ca",
        "cet",
        "cette",
        "ces",
        "d",
        "de",
        "des",
        "du",
        "elle",
        "elles",
        "en",
        "et",
        "est",
        "etre",
        "eu",
        "il",
        "ils",
        "j",
        "je",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "m",
        "ma",
        "me",
        "mes",
        "moi",
        "mon",
        "n",
        "ne",
        "nous",
        "on",
        "ou",
        "par",
        "plus",
        "pour",
        "qu",
        "que",
        "qui",
        "s",
        "sa",
        "se",
        "ses",
        "si",
        "son",
        "sont",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "ai",
        "as",
        "avons",
        "avez",
        "ont",
        "suis",
        "es",
        "sommes",
        "etes",
        "ete",
        "bien",
        "tres",
        "aussi",
        "deja",
        "the",
        "an",
        "to",
        "of",
        "in",
        "for",
        "and",
        "or",
        "i",
        "my",
        "we",
        "you",
        "your",
        "is",
        "are",
        "be",
        "it",
        "this",
        "that",
        "with",
        "at",
        "from",
        "am",
        "was",
        "were",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
    }
)


#: Words the French stemmer folds onto a word of another meaning: "assistance" (the
#: support) and "assistant(e)" (a colleague) both give "assist".
STEM_OVERRIDES: dict[str, str] = {"assistance": "assistanc", "assistances": "assistanc"}


@functools.lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """The French stem of one normalised token (cached: vocabularies repeat)."""
    if len(token) <= 3 or token.isdigit():
        return token
    return STEM_OVERRIDES.get(token) or _text.stem(token)


@functools.lru_cache(maxsize=8192)
def normalise(s: str) -> str:
    return _text.normalise(s)


def content_stems(norm: str) -> list[str]:
    """Stems of the non-stop words of a normalised text, in order."""
    return [stem(w) for w in norm.split() if w not in STOP_WORDS]


def phrase_words(phrase: str) -> tuple[frozenset[str], ...]:
    """The stem alternatives of each place of a phrase (empty if nothing is left)."""
    places: list[frozenset[str]] = []
    for raw in phrase.split():
        alts: set[str] = set()
        multi: list[str] = []
        for alt in raw.split("|"):
            stems = content_stems(normalise(alt))
            if len(stems) == 1:
                alts.add(stems[0])
            elif len(stems) > 1 and "|" not in raw:
                multi = stems
        if multi:
            places.extend(frozenset([s]) for s in multi)
        elif alts:
            places.append(frozenset(alts))
    return tuple(places)


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    places: tuple[frozenset[str], ...]


@dataclass(slots=True)
class Doc:
    """A text mapped onto a matcher's vocabulary."""

    norm: str
    stems: list[str]
    positions: dict[str, list[int]] = field(default_factory=dict)
    #: phrases whose first word occurs in the text (the only ones that can match)
    candidates: frozenset[str] = frozenset()

    def has_word(self, stem_: str) -> bool:
        return stem_ in self.positions


class Matcher:
    """Every phrase of one configuration, compiled once."""

    def __init__(self, phrases: Iterable[str], *, window: int = 3, typo_min_length: int = 5):
        self.window = window
        self.typo_min_length = typo_min_length
        self._phrases: dict[str, tuple[Phrase, ...]] = {}
        self._neighbours: dict[str, tuple[str, ...]] = {}
        self._vocab_dirty = True
        for p in phrases:
            self.compile(p)

    def compile(self, phrase: str) -> tuple[Phrase, ...]:
        """``a b + c d`` is two phrases that must both match, anywhere."""
        found = self._phrases.get(phrase)
        if found is None:
            found = tuple(Phrase(part, phrase_words(part)) for part in phrase.split(" + "))
            self._phrases[phrase] = found
            self._vocab_dirty = True
        return found

    def _build_vocab(self) -> None:
        self.vocab: frozenset[str] = frozenset(
            s for ps in self._phrases.values() for p in ps for place in p.places for s in place
        )
        deletions: dict[str, set[str]] = {}
        for v in self.vocab:
            if len(v) >= self.typo_min_length:
                for d in _deletions(v):
                    deletions.setdefault(d, set()).add(v)
        self._deletions = deletions
        self._neighbours = {}
        by_stem: dict[str, set[str]] = {}
        for text_, parts in self._phrases.items():
            for s in parts[0].places[0] if parts and parts[0].places else ():
                by_stem.setdefault(s, set()).add(text_)
        self._by_stem = by_stem
        self._vocab_dirty = False

    def _fuzzy(self, s: str) -> tuple[str, ...]:
        cached = self._neighbours.get(s)
        if cached is not None:
            return cached
        out: set[str] = set()
        if len(s) >= self.typo_min_length:
            for d in _deletions(s):
                for v in self._deletions.get(d, ()):
                    if v != s and Levenshtein.distance(s, v, score_cutoff=1) <= 1:
                        out.add(v)
        result = tuple(sorted(out))
        if len(self._neighbours) > 100_000:
            self._neighbours.clear()
        self._neighbours[s] = result
        return result

    def doc(self, text: str, *, normalised: bool = False) -> Doc:
        if self._vocab_dirty:
            self._build_vocab()
        norm = text if normalised else normalise(text)
        stems = content_stems(norm)
        positions: dict[str, list[int]] = {}
        vocab = self.vocab
        for i, s in enumerate(stems):
            if s in vocab:
                positions.setdefault(s, []).append(i)
                # a word the configuration knows is that word, not a typo of another
                # one ("module" is not a misspelt "modele"); only a letter more or less
                # still links two known stems (inflections: "habilite"/"habilit")
                for v in self._fuzzy(s):
                    if len(v) != len(s):
                        positions.setdefault(v, []).append(i)
                continue
            for v in self._fuzzy(s):
                positions.setdefault(v, []).append(i)
        by_stem = self._by_stem
        candidates: set[str] = set()
        for s in positions:
            found = by_stem.get(s)
            if found:
                candidates.update(found)
        return Doc(norm, stems, positions, frozenset(candidates))

    def matches(self, doc: Doc, phrase: str) -> bool:
        if phrase not in doc.candidates:
            if phrase in self._phrases:
                return False
            self.compile(phrase)  # pragma: no cover - phrases are compiled up front
            return self.matches(self.doc(doc.norm, normalised=True), phrase)
        parts = self._phrases[phrase]
        present = doc.positions.keys()
        # cheap test first: every place of every part must occur somewhere
        for part in parts:
            for place in part.places:
                if present.isdisjoint(place):
                    return False
        return all(
            len(p.places) == 1 or _match_places(doc.positions, p.places, self.window) for p in parts
        )

    def position(self, doc: Doc, phrase: str) -> int:
        """Index of the first word of the phrase's first match (or a large number)."""
        parts = self._phrases.get(phrase) or self.compile(phrase)
        best = 1 << 30
        for place in parts[0].places[:1]:
            for s in place:
                pos = doc.positions.get(s)
                if pos:
                    best = min(best, pos[0])
        return best

    def first_match(self, doc: Doc, phrases: Sequence[str]) -> str | None:
        return next((p for p in phrases if self.matches(doc, p)), None)


def _deletions(word: str) -> set[str]:
    out = {word}
    out.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return out


def _match_places(
    positions: dict[str, list[int]], places: tuple[frozenset[str], ...], window: int
) -> bool:
    if not places:
        return False
    cands: list[list[int]] = []
    for place in places:
        pos: list[int] = []
        for s in place:
            pos.extend(positions.get(s, ()))
        if not pos:
            return False
        pos.sort()
        cands.append(pos)

    def search(k: int, after: int) -> bool:
        if k == len(cands):
            return True
        for p in cands[k]:
            if p <= after:
                continue
            if p > after + window + 1:
                break
            if search(k + 1, p):
                return True
        return False

    return any(search(1, p) for p in cands[0])
