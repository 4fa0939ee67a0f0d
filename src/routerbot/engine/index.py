"""The example index: which entry's examples a text is closest to, and how close.

Built at load from the ``examples`` lists of ``routing.toml`` (milliseconds, no
network, no model). Each example becomes a set of *features*: the keys of its words
(stems, synonyms; see :mod:`routerbot.engine.lexicon`) without stop words, and the
pairs of keys that follow each other (or with one word between: "télécharger le
modèle" → ``telecharg model``). A feature weighs its inverse *entry* frequency: a
word found in the examples of one entry only ("télécharger") weighs ``log(1 + N)``,
a word every entry uses ("certificat") almost nothing. This is the discriminative
vocabulary of each entry, learned from its examples.

A text is scored against every example by *coverage*: the weight of the example's
features found in the text over the weight of all the example's features (how much of
what that example says the text also says). An entry's score is its closest example's
coverage, plus a little of the second closest (``second_example_weight``): one stray
example cannot carry an entry alone when its neighbours disagree. The caller compares
the best entry with the runner-up (the margin) before answering anything.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from routerbot.domain import NearestExample
from routerbot.engine.lexicon import STOP_WORDS, Lexicon


@dataclass(frozen=True, slots=True)
class EntryScore:
    """How close a text is to one entry's examples (best first in :meth:`scores`)."""

    entry_id: str
    score: float
    nearest: tuple[NearestExample, ...]


@dataclass(frozen=True, slots=True)
class _Example:
    entry_id: str
    text: str
    total: float  # the weight of all its features


def text_features(keys: Sequence[str], ignore: frozenset[str]) -> set[str]:
    """Unigrams and (skip-)bigrams of the content keys of a text."""
    content = [k for k in keys if k not in ignore and not k.isdigit()]
    feats = set(content)
    for i in range(len(content) - 1):
        a = content[i]
        feats.add(f"{a} {content[i + 1]}")
        if i + 2 < len(content):
            feats.add(f"{a} {content[i + 2]}")
    return feats


class ExampleIndex:
    """Examples of several entries, weighted and inverted for fast scoring."""

    def __init__(
        self,
        lexicon: Lexicon,
        examples: Mapping[str, Sequence[str]],
        *,
        bigram_weight: float,
        second_weight: float,
        explain: int,
        ignore: frozenset[str],
        example_share: float = 1.0,
    ) -> None:
        self.lexicon = lexicon
        self.example_share = example_share
        self.ignore = ignore
        self.second_weight = second_weight
        self.explain = explain
        self.entry_ids: tuple[str, ...] = tuple(eid for eid, ex in examples.items() if ex)
        feats_of: list[tuple[str, str, set[str]]] = []
        df: dict[str, set[str]] = {}
        for eid in self.entry_ids:
            for text in examples[eid]:
                feats = self.features(text)
                feats_of.append((eid, text, feats))
                for f in feats:
                    df.setdefault(f, set()).add(eid)
        n = max(1, len(self.entry_ids))
        self.weight: dict[str, float] = {}
        for f, entries in df.items():
            w = math.log(1.0 + n / len(entries))
            self.weight[f] = w * bigram_weight if " " in f else w
        postings: dict[str, list[int]] = {}
        items: list[_Example] = []
        for i, (eid, text, feats) in enumerate(feats_of):
            total = sum(self.weight[f] for f in feats)
            items.append(_Example(eid, text, total or 1.0))
            for f in feats:
                postings.setdefault(f, []).append(i)
        self.examples: tuple[_Example, ...] = tuple(items)
        self._inverse_total = tuple(1.0 / x.total for x in items)
        self._order = {eid: n for n, eid in enumerate(self.entry_ids)}
        # the examples of one entry are contiguous: entry number → (first, end)
        ranges: dict[int, tuple[int, int]] = {}
        for i, x in enumerate(items):
            e = self._order[x.entry_id]
            first, _end = ranges.get(e, (i, i))
            ranges[e] = (first, i + 1)
        self._ranges = tuple(ranges[e] for e in range(len(self.entry_ids)))
        #: feature → the examples that hold it (the weight is the feature's)
        self.postings: dict[str, tuple[int, ...]] = {f: tuple(p) for f, p in postings.items()}
        #: the same with the weight beside it: one look-up per feature of a text
        self._weighted: dict[str, tuple[float, tuple[int, ...]]] = {
            f: (self.weight[f], p) for f, p in self.postings.items()
        }
        self._texts = tuple(x.text for x in items)
        self._features_of = {i: feats for i, (_e, _t, feats) in enumerate(feats_of)}

    def features(self, text: str) -> set[str]:
        from routerbot.engine.text import normalise  # noqa: PLC0415

        return text_features(self.lexicon.keys(normalise(text)), self.ignore)

    def example_features(self, i: int) -> set[str]:
        return self._features_of[i]

    def _coverage_list(self, feats: Iterable[str]) -> list[float] | None:
        acc = [0.0] * len(self.examples)
        weighted = self._weighted
        touched = False
        for f in feats:
            found = weighted.get(f)
            if found is None:
                continue
            touched = True
            w, ids = found
            for i in ids:
                acc[i] += w
        if not touched:
            return None
        return list(map(operator.mul, acc, self._inverse_total))

    def coverages(self, feats: Iterable[str]) -> dict[int, float]:
        """Example number → coverage, for the examples sharing a feature with the text."""
        cov = self._coverage_list(feats)
        return {} if cov is None else {i: c for i, c in enumerate(cov) if c}

    def _entries(self, cov: list[float]) -> Iterator[tuple[str, float, list[int]]]:
        """(entry, score, its closest examples) for every entry with a shared feature,
        in config order."""
        sw = self.second_weight
        k = max(2, self.explain)
        get = cov.__getitem__
        for eid, (a, b) in zip(self.entry_ids, self._ranges, strict=True):
            # an entry's examples, closest first (ties: config order)
            top = sorted(range(a, b), key=get, reverse=True)[:k]
            best = cov[top[0]]
            if best <= 0.0:
                continue  # not one feature in common
            second = cov[top[1]] if len(top) > 1 else 0.0
            yield eid, min(1.0, best + sw * second * best), top

    def _entry_score(self, eid: str, score: float, top: list[int], cov: list[float]) -> EntryScore:
        texts = self._texts
        nearest = [NearestExample(eid, texts[i], cov[i]) for i in top[: self.explain] if cov[i] > 0]
        return EntryScore(eid, score, tuple(nearest))

    def scores(self, feats: Iterable[str], *, exclude: int | None = None) -> list[EntryScore]:
        """Every entry with a shared feature, best first (ties: config order)."""
        cov = self._coverage_list(feats)
        if cov is None:
            return []
        if exclude is not None:
            cov[exclude] = 0.0
        out = [self._entry_score(eid, s, top, cov) for eid, s, top in self._entries(cov)]
        # best first; ties keep the config order they were appended in (a stable sort)
        out.sort(key=_score, reverse=True)
        return out

    def best(self, feats: Iterable[str]) -> EntryScore | None:
        """``scores(feats)[0]`` (the closest entry, ties: config order), or None when no
        entry shares a feature; the other entries' closest examples are not gathered."""
        cov = self._coverage_list(feats)
        if cov is None:
            return None
        winner: tuple[str, float, list[int]] | None = None
        for entry in self._entries(cov):
            if winner is None or entry[1] > winner[1]:  # (the first of equals stays)
                winner = entry
        return None if winner is None else self._entry_score(*winner, cov)


_score = operator.attrgetter("score")


def default_ignore(extra: Iterable[str], lexicon: Lexicon) -> frozenset[str]:
    """The keys the index ignores: stop words and the configured extra words."""
    words = set(STOP_WORDS)
    from routerbot.engine.text import normalise  # noqa: PLC0415

    for w in extra:
        words.update(normalise(w).split())
    keys = {lexicon.key(w) for w in words}
    return frozenset(keys | words)
