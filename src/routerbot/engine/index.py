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
from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress, pairwise
from typing import NamedTuple

from routerbot.domain import NearestExample
from routerbot.engine.lexicon import STOP_WORDS, Lexicon


class EntryScore(NamedTuple):
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
    if len(content) > 1:
        # each word with the next one, then with the one after (joined in C), added in
        # that order: a set's order of iteration depends on its order of insertion, and
        # the index adds up weights in that order
        pairs = list(map(" ".join, pairwise(content)))
        skips = map(" ".join, zip(content, content[2:], strict=False))
        feats.update(chain.from_iterable(zip(pairs, skips, strict=False)))
        feats.add(pairs[-1])
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
        hidden: frozenset[str] = frozenset(),
    ) -> None:
        self.lexicon = lexicon
        #: entries that :meth:`scores` (unless asked) and :meth:`best` leave out,
        #: and that weigh no word: adding one of their examples changes no other
        #: entry's score
        self.hidden = hidden
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
                    entries = df.setdefault(f, set())
                    if eid not in hidden:
                        entries.add(eid)
        n = max(1, sum(1 for eid in self.entry_ids if eid not in hidden))
        self.weight: dict[str, float] = {}
        for f, entries in df.items():
            # a word only hidden entries use weighs as the rarest word
            w = math.log(1.0 + n / max(1, len(entries)))
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
        self._totals = tuple(x.total for x in items)
        #: the examples from the lightest to the heaviest, and their weights
        self._by_weight = tuple(sorted(range(len(items)), key=self._totals.__getitem__))
        self._weights_sorted = tuple(self._totals[i] for i in self._by_weight)
        #: what a word of a text weighs when no example uses it: as the rarest word
        self._unknown_weight = math.log(1.0 + n)
        self._order = {eid: n for n, eid in enumerate(self.entry_ids)}
        # the examples of one entry are contiguous: entry number → (first, end)
        ranges: dict[int, tuple[int, int]] = {}
        for i, x in enumerate(items):
            e = self._order[x.entry_id]
            first, _end = ranges.get(e, (i, i))
            ranges[e] = (first, i + 1)
        self._ranges = tuple(range(*ranges[e]) for e in range(len(self.entry_ids)))
        #: example number → its entry's number
        self._entry_of = tuple(self._order[x.entry_id] for x in items)
        self._hidden_numbers = frozenset(self._order[e] for e in hidden if e in self._order)
        #: feature → the examples that hold it (the weight is the feature's)
        self.postings: dict[str, tuple[int, ...]] = {f: tuple(p) for f, p in postings.items()}
        #: the same with the weight beside it: one look-up per feature of a text
        self._weighted: dict[str, tuple[float, tuple[int, ...]]] = {
            f: (self.weight[f], p) for f, p in self.postings.items()
        }
        self._texts = tuple(x.text for x in items)
        self._keep = max(2, explain)  # closest examples kept per entry (two for the score)
        self._features_of = {i: feats for i, (_e, _t, feats) in enumerate(feats_of)}

    def features(self, text: str) -> set[str]:
        from routerbot.engine.text import normalise  # noqa: PLC0415

        return text_features(self.lexicon.keys(normalise(text)), self.ignore)

    def example_features(self, i: int) -> set[str]:
        return self._features_of[i]

    def _similarities(self, feats: Collection[str]) -> _Similarities | None:
        """The similarity of the text to each example it shares a feature with, and
        which examples those are, entry by entry; None when it shares no feature.

        The similarity is the example's *coverage* (the weight of its features found in
        the text over the weight of all its features), or, when more is covered of the
        text than of the example, the harmonic mean of the two coverages (Dice): a
        short ticket ("c quoi gestion des utilisateurs") said whole by one longer
        example is close to it, a long ticket barely moves. A word of the text that no
        example uses weighs as much as the rarest word, so a short text full of other
        things is not said whole.

        A ticket touches about half of the examples: they are added up in a list over
        all of them. A question or a short ticket touches fewer: only those are visited
        (a dict)."""
        weighted = self._weighted
        found_all: list[tuple[float, tuple[int, ...]]] = []
        postings = 0
        text_total = 0.0
        for f in feats:
            found = weighted.get(f)
            if found is None:
                if " " not in f:
                    text_total += self._unknown_weight
                continue
            found_all.append(found)
            postings += len(found[1])
            text_total += found[0]
        if not found_all:
            return None
        # (the weights are added in the order of the text's features, as they always
        # were: a float sum depends on its order)
        # (the two ways give the same similarities; a dict of the touched examples is
        # the faster below about half as many postings as examples, a question or a
        # short ticket: measured on the benchmark's tickets and questions)
        if postings * 2 < len(self._inverse_total):
            return self._sparse(found_all, text_total)
        dense = [0.0] * len(self._inverse_total)
        for w, ids in found_all:
            for i in ids:
                dense[i] += w
        return self._dense_similarities(dense, text_total)

    def _sparse(
        self, found: list[tuple[float, tuple[int, ...]]], text_total: float
    ) -> _Similarities:
        """:meth:`_similarities` of a text that touches few examples: those alone."""
        inverse, totals = self._inverse_total, self._totals
        acc: dict[int, float] = {}
        get = acc.get
        for w, ids in found:
            for i in ids:
                acc[i] = get(i, 0.0) + w
        sparse = {
            i: (c if (c := a * inverse[i]) >= (d := 2.0 * a / (totals[i] + text_total)) else d)
            for i, a in acc.items()
        }
        groups: dict[int, list[int]] = {}
        entry_of = self._entry_of
        for i in sorted(sparse):
            e = entry_of[i]
            group = groups.get(e)
            if group is None:
                groups[e] = [i]
            else:
                group.append(i)
        return sparse, sorted(groups.items())

    def _dense_similarities(self, dense: list[float], text_total: float) -> _Similarities:
        totals = self._totals
        # the coverage of every example, in C (0.0 where nothing is shared)...
        cov = list(map(operator.mul, dense, self._inverse_total))
        # ...and Dice where it may be larger: only for an example that weighs at least
        # the text (below, with a margin far above rounding, the coverage is larger),
        # found among the examples sorted by weight
        heavy = self._by_weight[bisect_left(self._weights_sorted, text_total * (1.0 - 1e-9)) :]
        for i in heavy:
            a = dense[i]
            if a and (d := 2.0 * a / (totals[i] + text_total)) > cov[i]:
                cov[i] = d
        # each entry's examples sharing a feature (an entry's examples are contiguous;
        # compress() keeps those above 0, in C), the entries with none left out
        groups: list[tuple[int, list[int]]] = []
        for e, r in enumerate(self._ranges):
            ids = list(compress(r, cov[r.start : r.stop]))
            if ids:
                groups.append((e, ids))
        return cov, groups

    def coverages(self, feats: Collection[str]) -> dict[int, float]:
        """Example number → coverage, for the examples sharing a feature with the text."""
        found = self._similarities(feats)
        if found is None:
            return {}
        cov, groups = found
        return {i: c for _e, ids in groups for i in ids if (c := cov[i])}

    def _entries(
        self, found: _Similarities, *, hidden: bool = False
    ) -> list[tuple[int, float, list[int]]]:
        """(entry number, score, its closest examples) for every entry with a shared
        feature, in config order; the hidden entries only when ``hidden``.

        An entry's score is its closest example's similarity plus ``second_weight`` of
        the second one's (times the closest's); its closest examples are best first,
        ties in config order (those that share nothing would come after them at 0: they
        are not listed, a second example at 0 counts as none)."""
        cov, groups = found
        keep = self._keep
        second_weight = self.second_weight
        skip = () if hidden else self._hidden_numbers
        out: list[tuple[int, float, list[int]]] = []
        for e, ids in groups:
            if e in skip:
                continue
            top = _closest_first(ids, cov, keep) if len(ids) > 1 else ids
            best = cov[top[0]]
            if best <= 0.0:
                continue
            second = cov[top[1]] if len(top) > 1 else 0.0
            out.append((e, min(1.0, best + second_weight * second * best), top))
        return out

    def _entry_score(
        self, e: int, score: float, top: list[int], cov: list[float] | dict[int, float]
    ) -> EntryScore:
        # (the named tuples made with tuple.__new__: a ticket makes some forty of them,
        # and a named tuple's own constructor is a Python function, twice the time)
        eid = self.entry_ids[e]
        texts = self._texts
        nearest = tuple(
            [
                _new(NearestExample, (eid, texts[i], c))
                for i in top[: self.explain]
                if (c := cov[i]) > 0
            ]
        )
        return _new(EntryScore, (eid, score, nearest))

    def scores(
        self, feats: Collection[str], *, exclude: int | None = None, hidden: bool = False
    ) -> list[EntryScore]:
        """Every entry with a shared feature, best first (ties: config order); the
        hidden entries too when ``hidden``."""
        found = self._similarities(feats)
        if found is None:
            return []
        cov = found[0]
        if exclude is not None and (isinstance(cov, list) or exclude in cov):
            cov[exclude] = 0.0
        out = [
            self._entry_score(e, s, top, cov) for e, s, top in self._entries(found, hidden=hidden)
        ]
        # best first; ties keep the config order they were appended in (a stable sort)
        out.sort(key=_score, reverse=True)
        return out

    def best(self, feats: Collection[str]) -> EntryScore | None:
        """``scores(feats)[0]`` (the closest entry, ties: config order), or None when no
        entry shares a feature; the other entries' closest examples are not gathered."""
        found = self._similarities(feats)
        if found is None:
            return None
        winner: tuple[int, float, list[int]] | None = None
        for entry in self._entries(found):
            if winner is None or entry[1] > winner[1]:  # (the first of equals stays)
                winner = entry
        return None if winner is None else self._entry_score(*winner, found[0])


#: similarity by example number (a list over all examples, or a dict of the touched
#: ones), and the entries with a touched example: (entry number, its example numbers)
_Similarities = tuple[list[float] | dict[int, float], list[tuple[int, list[int]]]]

_score = operator.attrgetter("score")
_new = tuple.__new__


def _closest_first(ids: list[int], cov: list[float] | dict[int, float], keep: int) -> list[int]:
    """The ``keep`` closest of these examples, best first, ties in config order.

    A float sum's last digits follow the order its terms came in (the text's words, in
    the order of the process's string hashing): two examples equally close are told
    apart by their number, not by that noise, so every process lists the same ones."""
    ranked = sorted(ids, key=cov.__getitem__, reverse=True)
    n = len(ranked)
    end = keep if keep < n else n
    # the examples tied with the last one kept compete for its place too
    while end < n and cov[ranked[end - 1]] - cov[ranked[end]] < _TIE:
        end += 1
    head = ranked[:end]
    # sorted by rounded similarity, then number: the order changes only where two
    # neighbours are within 2 x _TIE (further apart, their rounded values differ in
    # the same order), and most heads have none
    before = cov[head[0]]
    for i in head[1:]:
        c = cov[i]
        if before - c < _TIE_SORT:
            head.sort(key=lambda i: (-round(cov[i] / _TIE), i))
            break
        before = c
    return head[:keep]


#: similarities closer than this are equal (far above rounding, far below any margin)
_TIE = 1e-9
_TIE_SORT = 2 * _TIE


@dataclass(frozen=True, slots=True)
class TwoSidedVocabulary:
    """Which words lean to one side of two example lists, and how much: the log-odds
    of a feature being found in an example of side A rather than of side B (document
    frequencies, add-half smoothing), learned at load from the examples alone.

    Nearest-example coverage asks "is this ticket one of these sentences?"; a broad
    class such as *habilitation* is better told by its vocabulary ("habilitation",
    "formulaire", "dossier … DDPP", "pièce jointe") spread over a long letter that
    matches no single example. :meth:`lean` sums the weights of a text's features
    (words no example uses weigh nothing)."""

    weights: Mapping[str, float]

    @classmethod
    def of(
        cls, a: Sequence[set[str]], b: Sequence[set[str]], smoothing: float = 0.5
    ) -> TwoSidedVocabulary:
        """From the feature sets of side A's and side B's examples."""
        fa: dict[str, int] = {}
        fb: dict[str, int] = {}
        for feats, counts in ((a, fa), (b, fb)):
            for f in (f for example in feats for f in example):
                counts[f] = counts.get(f, 0) + 1
        na, nb = len(a) + 2 * smoothing, len(b) + 2 * smoothing
        weights = {
            f: math.log((fa.get(f, 0) + smoothing) / na) - math.log((fb.get(f, 0) + smoothing) / nb)
            for f in fa.keys() | fb.keys()
        }
        return cls(weights)

    def lean(self, feats: Iterable[str], explain: int = 3) -> tuple[float, tuple[str, ...]]:
        """The summed log-odds of the text's features (> 0 leans to side A) and the
        ``explain`` features that lean most to side A."""
        found = [(w, f) for f in feats if (w := self.weights.get(f)) is not None]
        found.sort(reverse=True)
        return sum(w for w, _ in found), tuple(f for w, f in found[:explain] if w > 0)


def default_ignore(extra: Iterable[str], lexicon: Lexicon) -> frozenset[str]:
    """The keys the index ignores: stop words and the configured extra words."""
    words = set(STOP_WORDS)
    from routerbot.engine.text import normalise  # noqa: PLC0415

    for w in extra:
        words.update(normalise(w).split())
    keys = {lexicon.key(w) for w in words}
    return frozenset(keys | words)
