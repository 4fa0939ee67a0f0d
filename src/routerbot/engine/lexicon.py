"""Words made comparable, and plain phrases found in a text. Built once per routing file.

A :class:`Lexicon` maps every word of a text to a *key*: its French Snowball stem,
or the key of the synonym group it belongs to (``[matching] synonyms``), or — for a
word of ``typo_min_length`` letters or more that the configuration does not know —
the known stem one edit away ("conecter" → ``connect``, "abilitation" → ``habilit``).
The configuration's vocabulary (examples, phrases, guards) is known at load, so a
word is looked up once and remembered (a per-word memo, bounded).

A :class:`PhraseSet` is a list of plain phrases ("mot de passe incorrect", "je suis
exportateur") and pairs (one phrase of ``first`` followed, within a few words, by one
of ``then``), compiled to keys. A phrase matches when its words occur in the order
written, with at most ``phrase_gap`` other words between two of them. No regular
expressions: what a support lead writes is what is matched.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from types import MappingProxyType

from rapidfuzz.distance import Levenshtein

from routerbot.engine import text as _text

#: Words that carry no meaning for the example index (already normalised: no accents).
STOP_WORDS: frozenset[str] = frozenset(
    {
     "a", "au", "aux", "avec", "ce", "c", "ca", "cet", "cette", "ces", "d", "de", "des", "du",
     "elle", "elles", "en", "et", "est", "etre", "eu", "il", "ils", "j", "je", "l", "la", "le",
     "les", "leur", "leurs", "lui", "m", "ma", "me", "mes", "moi", "mon", "n", "ne", "nous",
     "on", "ou", "par", "plus", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "si", "son",
     "sont", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre",
     "vous", "y", "ai", "as", "avons", "avez", "ont", "suis", "es", "sommes", "etes", "ete",
     "bien", "tres", "aussi", "deja", "the", "an", "to", "of", "in", "for", "and", "or", "i",
     "my", "we", "you", "your", "is", "are", "be", "it", "this", "that", "with", "at", "from",
     "am", "was", "were", "has", "have", "had", "do", "does", "did", "our", "us", "bonjour",
     "bonsoir", "hello", "hi", "madame", "monsieur", "messieurs", "merci", "thanks",
     "cordialement", "svp", "plait", "dans", "sans", "mais", "donc", "car", "alors", "comme",
     "nos", "notre", "cela", "ceci", "celui", "celle", "ici", "avoir", "fait", "faire", "been",
     "would", "could", "please", "dear", "regards",
    }
)  # fmt: skip

#: Words that turn a phrase around: a phrase's gap may not hold one ("je ne suis pas
#: administrateur local" is not "je suis administrateur local").
NEGATIONS: frozenset[str] = frozenset(
    {"ne", "n", "pas", "pa", "plus", "not", "jamais", "never", "aucun", "aucune"}
)

#: Words the French stemmer folds onto a word of another meaning: "assistance" (the
#: support) and "assistant(e)" (a colleague) both give "assist".
STEM_OVERRIDES: dict[str, str] = {"assistance": "assistanc", "assistances": "assistanc"}

#: The per-word memo is cleared when it grows past this many words.
MEMO_LIMIT = 200_000


def raw_key(word: str) -> str:
    """The stem of one normalised word, before synonyms and typos."""
    if len(word) <= 3 or word.isdigit():
        return word
    return STEM_OVERRIDES.get(word) or _text.stem(word)


def light_key(word: str) -> str:
    """A word with only its plural and feminine marks removed: what guards compare (a
    guard names a word, not every word of its family: "créé" must not match "créer";
    "bloquées" matches "bloqué")."""
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("ee"):
        word = word[:-1]
    return word


def light_keys(norm: str) -> list[str]:
    """:func:`light_key` of every word (it runs on every word of every ticket: the
    common case, a word with neither mark, costs two tests)."""
    return [light_key(w) if (w[-1] in "sxe" and len(w) > 3) else w for w in norm.split()]


def content_stems(norm: str) -> list[str]:
    """Stems of the non-stop words of a normalised text, in order."""
    return [raw_key(w) for w in norm.split() if w not in STOP_WORDS]


#: French spellings of one sound, folded (applied in this order): what a writer who
#: spells by ear changes ("sertificat", "abilitassion", "coman", "agreman", "telefone").
_SOUND_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    # (a letter the rule needs: the rule is not tried on a word without it)
    (need, re.compile(a), b)
    for need, a, b in (
        ("h", r"ph", "f"),
        ("h", r"th", "t"),
        ("h", r"ch", "S"),
        ("q", r"qu|q", "k"),
        ("ck", r"ck", "k"),
        ("sc", r"sc(?=[eiy])", "s"),
        ("c", r"c(?=[eiy])", "s"),
        ("c", r"c", "k"),
        ("gu", r"gu(?=[eiy])", "G"),
        ("g", r"g(?=[eiy])", "j"),
        ("G", r"G", "g"),
        ("h", r"h", ""),
        ("tion", r"tion", "sion"),
        ("w", r"w", "v"),
        ("y", r"y", "i"),
        ("z", r"z", "s"),
        ("", r"(.)\1", r"\1"),
        ("au", r"(?:eau|au)", "o"),
        ("i", r"(?:ai|ei)", "e"),
        ("e", r"(?:er|ez|et)$", "e"),
        ("", r"[ae][nm](?=[^aeiouAIO]|$)", "A"),
        ("o", r"o[nm](?=[^aeiouAIO]|$)", "O"),
        ("", r"(?:[iu][nm])(?=[^aeiouAIO]|$)", "I"),
        # a last "e" is silent, and so is a last consonant that no "e" follows
        # ("comment", "droits"; not "commande")
        ("", r"(?:es?|(?<!e)(?:s|t|d|x|p|ts|ds))$", ""),
    )
)

#: Sounds this short say too little: a word whose sound is shorter is not matched by
#: it, nor a word this short.
SOUND_MIN_LENGTH = 4

#: Longer words are not heard (no French word is this long: a reference, a hash).
MAX_WORD_HEARD = 30


def sound(word: str) -> str:
    """What a normalised word sounds like, roughly (French): two spellings of one word by
    ear give one sound ("sertificat" and "certificat", "coman" and "comment"). "" for a
    word with digits or too short a sound."""
    if not word.isalpha():
        return ""
    for need, pattern, repl in _SOUND_RULES:
        if need in word:
            word = pattern.sub(repl, word)
    return word if len(word) >= SOUND_MIN_LENGTH else ""


#: Words that sound alike: the one the configuration says this many times more often
#: than the others is meant ("coman": "comment", not "commencer").
SOUND_LEAD = 3

#: Letters elided before a vowel ("j'arrive", "l'habilitation") that writers glue on.
_ELIDED = frozenset("jlmdnst")
#: English's "sh" and "th" open a word ("share", "thread"): no elided "s'" or "t'"
_DIGRAPHS = frozenset({"sh", "th"})


def _deletions(word: str) -> set[str]:
    out = {word}
    out.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return out


def _one_edit_index(words: Iterable[str]) -> dict[str, set[str]]:
    """Each word's one-deletion forms (the word itself among them) → the words: what
    :func:`_one_edit_nearest` looks a word up in."""
    index: dict[str, set[str]] = {}
    for w in words:
        for d in _deletions(w):
            index.setdefault(d, set()).add(w)
    return index


def _one_edit_nearest(word: str, index: Mapping[str, Collection[str]]) -> str | None:
    """The indexed word one edit from ``word`` (the alphabetically first when two are as
    near), or None."""
    best: str | None = None
    for d in _deletions(word):
        for v in index.get(d, ()):
            if Levenshtein.distance(word, v, score_cutoff=1) <= 1 and (best is None or v < best):
                best = v
    return best


class Lexicon:
    """Word → key for one configuration (synonyms, stems, one typo)."""

    def __init__(self, synonyms: Sequence[Sequence[str]], typo_min_length: int) -> None:
        self.typo_min_length = typo_min_length
        self._synonym: dict[str, str] = {}
        for group in synonyms:
            keys = [raw_key(w) for g in group for w in _text.normalise(g).split()[:1]]
            if not keys:
                continue
            head = keys[0]
            for k in keys:
                self._synonym.setdefault(k, head)
        self._vocab: set[str] = set(self._synonym.values())
        #: sound → the keys of the configuration's words that sound so, and how often
        #: the configuration says them
        self._sounds: dict[str, dict[str, int]] = {}
        #: (sound, key) → the configuration's word most often written for it
        self._written: dict[tuple[str, str], str] = {}
        #: word spelt by ear or glued to an elided letter → the words it stands for
        #: ("labilitassion" → "l habilitation"), for what reads words as written
        self._respelt: dict[str, str] = {}
        self._deletion_index: dict[str, set[str]] = {}
        self._memo: dict[str, str] = {}
        self._most_digits = 0
        self._frozen = False

    # -- building --------------------------------------------------------------

    def learn(self, words: Iterable[str]) -> None:
        """Make these (normalised) words known: typos are corrected towards them."""
        assert not self._frozen, "the lexicon is complete once the config is compiled"
        synonym = self._synonym
        sounds = self._sounds
        written: dict[tuple[str, str], tuple[str, int]] = {}
        for w, n in Counter(words).items():  # each distinct word once, and how often
            k = raw_key(w)
            k = synonym.get(k, k)
            self._vocab.add(k)
            if len(w) >= self.typo_min_length and (heard := sound(w)):
                said = sounds.setdefault(heard, {})
                said[k] = said.get(k, 0) + n
                if n > written.get((heard, k), ("", 0))[1]:
                    written[heard, k] = (w, n)
        for (heard, k), (w, _n) in written.items():
            self._written[heard, k] = w

    def freeze(self) -> None:
        long_words = [v for v in self._vocab if len(v) >= self.typo_min_length]
        most_digits = max((sum(ch.isdigit() for ch in v) for v in long_words), default=0)
        self._deletion_index = _one_edit_index(long_words)
        #: one edit changes the count of digits by one at most: a word with more digits
        #: than this plus one (a file reference "a123456", a phone number) has no known
        #: word one edit away
        self._most_digits = most_digits
        self._frozen = True

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._vocab)

    # -- looking up ------------------------------------------------------------

    def key(self, word: str) -> str:
        """The key of one normalised word (memoised per word)."""
        found = self._memo.get(word)
        if found is not None:
            return found
        k = raw_key(word)
        k = self._synonym.get(k, k)
        if k not in self._vocab and self._frozen:
            k = self._unknown(word, k)
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
            self._respelt.clear()
        self._memo[word] = k
        return k

    def knows(self, word: str) -> bool:
        """Does the configuration say this (normalised) word, or a word of its stem?"""
        k = raw_key(word)
        return self._synonym.get(k, k) in self._vocab

    def _unknown(self, word: str, k: str, *, glued: bool = True) -> str:
        """The key of a word the configuration does not know: the known stem one edit
        away, else the known word that sounds the same ("sertificat"), else —
        for a word glued to an elided "j'", "l'", "m'"… ("jarive", "labilitation") —
        the key of the rest; else its own stem."""
        if len(k) >= self.typo_min_length:
            near = self._closest(k)
            if near != k:
                return near
        if not SOUND_MIN_LENGTH <= len(word) <= MAX_WORD_HEARD or word in STOP_WORDS:
            return k  # (a stop word is no misspelling: "ceci" is not "saisi")
        said = sound(word)
        heard = self._sounds.get(said)
        if heard is not None:
            (most, n), *others = sorted(heard.items(), key=lambda kv: -kv[1])
            if not others or n >= SOUND_LEAD * others[0][1]:
                self._respelt[word] = self._written[said, most]
                return most
        if (
            glued
            and len(word) > SOUND_MIN_LENGTH
            and word[0] in _ELIDED
            and word[1] in "aeiouh"
            and word[:2] not in _DIGRAPHS
        ):
            tail = word[1:]
            rest = raw_key(tail)
            rest = self._synonym.get(rest, rest)
            if rest not in self._vocab:
                rest = self._unknown(tail, rest, glued=False)
            if rest in self._vocab:
                self._respelt[word] = f"{word[0]} {self._respelt.get(tail, tail)}"
                return rest
        return k

    def respell(self, norm: str) -> str:
        """A normalised text with each word spelt by ear, or glued to an elided letter,
        written as the configuration's word it stands for ("je veu labilitassion" →
        "je veu l habilitation"): what guards and question words read."""
        respelt = self._respelt
        if not respelt:
            return norm
        words = norm.split()
        known, key = self._memo, self.key
        out = []
        changed = False
        for w in words:
            if w not in known:
                key(w)
            r = respelt.get(w)
            if r is not None:
                changed = True
                out.append(r)
            else:
                out.append(w)
        return " ".join(out) if changed else norm

    def _closest(self, k: str) -> str:
        if not k.isalpha() and sum(ch.isdigit() for ch in k) > self._most_digits + 1:
            return k
        return _one_edit_nearest(k, self._deletion_index) or k

    def keys(self, norm: str) -> list[str]:
        """Keys of every word of a normalised text, in order."""
        known = self._memo.get  # the memo first: most words of a ticket are known
        key = self.key
        return [known(w) or key(w) for w in norm.split()]

    def phrase_keys(self, phrase: str) -> tuple[str, ...]:
        return tuple(self.keys(_text.normalise(phrase)))


# --------------------------------------------------------------------------- phrases


@dataclass(frozen=True, slots=True)
class CompiledPhrase:
    text: str
    keys: tuple[str, ...]
    #: the distinct keys: a text that lacks one cannot hold the phrase (one subset test
    #: in C before the phrase is followed word to word)
    keyset: frozenset[str] = field(init=False)
    #: per word after the first: must it follow the previous one at once? (after an
    #: elided "l'", "j'", "qu'": "l'habilite" is not "l'entreprise soit habilitée")
    tight: tuple[bool, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keyset", frozenset(self.keys))
        object.__setattr__(self, "tight", tuple(len(k) == 1 or k == "qu" for k in self.keys[:-1]))


@dataclass(frozen=True, slots=True)
class CompiledPair:
    first: tuple[CompiledPhrase, ...]
    then: tuple[CompiledPhrase, ...]
    within: int
    anywhere: bool
    #: the first keys of the ``then`` phrases: a text holding none skips the pair
    then_firsts: frozenset[str] = frozenset()
    #: the first keys of the ``first`` phrases: the same
    first_firsts: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        a = " | ".join(p.text for p in self.first[:3]) + (" …" if len(self.first) > 3 else "")
        b = " | ".join(p.text for p in self.then[:3]) + (" …" if len(self.then) > 3 else "")
        return f"{a} + {b}" if self.anywhere else f"{a} → {b}"


@dataclass(frozen=True, slots=True)
class NearWords:
    """The long words of some phrase sets (a guard's ``requires``), and each one's
    one-deletion forms: a text's word one edit away from one of them ("adminstrateur",
    "habilitaion") is read as it, as the example index reads a typo. A word the
    configuration knows elsewhere ("admis" beside "admin") is no typo."""

    words: frozenset[str] = frozenset()
    deletions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    min_length: int = 5
    #: word → the word it is read as, or None (per word, bounded as the lexicon's memo)
    _memo: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, sets: Iterable[PhraseSet], min_length: int) -> NearWords:
        words: set[str] = set()
        for s in sets:
            for p in chain(s.phrases, (q for pair in s.pairs for q in (*pair.first, *pair.then))):
                words.update(k for k in p.keys if len(k) >= min_length and k.isalpha())
        index = _one_edit_index(words)
        frozen = MappingProxyType({d: frozenset(v) for d, v in index.items()})
        return cls(frozenset(words), frozen, min_length)

    def corrected(self, words: Words, lexicon: Lexicon) -> Words | None:
        """The text with each word one edit from one of these read as it (the
        alphabetically first when two are as near), or None when no word is."""
        if not self.words:
            return None
        fixes: dict[str, str] = {}
        own, n, memo = self.words, self.min_length, self._memo
        for w in words.present:
            if len(w) < n or w in own:
                continue
            if w in memo:
                fix = memo[w]
            else:
                fix = self._nearest(w, lexicon)
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                memo[w] = fix
            if fix is not None:
                fixes[w] = fix
        if not fixes:
            return None
        return Words([fixes.get(k, k) for k in words.keys])

    def _nearest(self, w: str, lexicon: Lexicon) -> str | None:
        if not w.isalpha():
            return None
        best = _one_edit_nearest(w, self.deletions)
        # (stemmed only for the few words near one: a word the file knows is no typo)
        return None if best is None or lexicon.knows(w) else best


class Words:
    """A text as keys, with where each key occurs (built once per text).

    ``present`` (the distinct keys, as a set: a phrase set whose first keys are all
    missing is skipped in one set operation over the smaller of the two) is made in C;
    ``positions`` (key → where it occurs, in text order) only when a phrase whose keys
    are all present is followed word to word: most texts never need it."""

    __slots__ = ("_positions", "keys", "present")

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.present = frozenset(keys)
        self._positions: dict[str, list[int]] | None = None

    @classmethod
    def of(cls, keys: list[str]) -> Words:
        return cls(keys)

    @property
    def positions(self) -> dict[str, list[int]]:
        found = self._positions
        if found is None:
            found = self._positions = {}
            for i, k in enumerate(self.keys):
                p = found.get(k)
                if p is None:
                    found[k] = [i]
                else:
                    p.append(i)
        return found


def compile_phrase(lex: Lexicon, phrase: str) -> CompiledPhrase:
    return CompiledPhrase(phrase, lex.phrase_keys(phrase))


def find(words: Words, phrase: CompiledPhrase, gap: int) -> list[tuple[int, int]]:
    """Every (start, end) where the phrase occurs (ends inclusive), in text order."""
    keys = phrase.keys
    if not keys:
        return []
    pos = words.positions
    firsts = pos.get(keys[0])
    if not firsts:
        return []
    rest = []
    for k in keys[1:]:
        p = pos.get(k)
        if not p:
            return []
        rest.append(p)
    if not rest:
        return [(start, start) for start in firsts]
    out = []
    reaches = [1 if t else gap + 1 for t in phrase.tight]
    keys_at = words.keys
    for start in firsts:
        at = start
        for plist, reach in zip(rest, reaches, strict=True):
            # the next word's first position after ``at``, if within the gap (the
            # positions are in text order: a later one would be further still)
            i = bisect_right(plist, at)
            if i == len(plist) or plist[i] > at + reach:
                break
            nxt = plist[i]
            if nxt > at + 1 and not NEGATIONS.isdisjoint(keys_at[at + 1 : nxt]):
                break  # "je ne suis pas administrateur" is not "je suis administrateur"
            at = nxt
        else:
            out.append((start, at))
    return out


def occurs(words: Words, phrase: CompiledPhrase, gap: int) -> bool:
    """``bool(find(words, phrase, gap))``, stopping at the first occurrence."""
    keys = phrase.keys
    if not keys:
        return False
    pos = words.positions
    firsts = pos.get(keys[0])
    if not firsts:
        return False
    rest = []
    for k in keys[1:]:
        p = pos.get(k)
        if not p:
            return False
        rest.append(p)
    reaches = [1 if t else gap + 1 for t in phrase.tight]
    keys_at = words.keys
    for start in firsts:
        at = start
        for plist, reach in zip(rest, reaches, strict=True):
            i = bisect_right(plist, at)
            if i == len(plist) or plist[i] > at + reach:
                break
            nxt = plist[i]
            if nxt > at + 1 and not NEGATIONS.isdisjoint(keys_at[at + 1 : nxt]):
                break
            at = nxt
        else:
            return True
    return False


def matches_pair(words: Words, pair: CompiledPair, gap: int) -> bool:
    present = words.present
    if pair.then_firsts and pair.then_firsts.isdisjoint(present):
        return False
    if pair.first_firsts and pair.first_firsts.isdisjoint(present):
        return False  # (no phrase of ``first`` can be found)
    ends = [e for p in pair.first if p.keyset <= present for _s, e in find(words, p, gap)]
    if not ends:
        return False
    starts = [s for p in pair.then if p.keyset <= present for s, _e in find(words, p, gap)]
    if not starts:
        return False
    if pair.anywhere:
        return True
    return any(0 < s - e <= pair.within + 1 for e in ends for s in starts)


def _first_keys(
    phrases: tuple[CompiledPhrase, ...], pairs: tuple[CompiledPair, ...]
) -> frozenset[str]:
    keys = {p.keys[0] for p in phrases if p.keys}
    keys.update(p.keys[0] for pair in pairs for p in pair.first if p.keys)
    return frozenset(keys)


@dataclass(frozen=True, slots=True)
class PhraseSet:
    """Phrases and pairs of one strength, compiled.

    ``firsts`` (the first key of every phrase and of every pair's ``first`` phrases)
    lets a text that holds none of them skip the set in one set operation: most
    tickets hold a few dozen words, and most sets start with rare ones. ``by_first``
    (first key → the numbers of the phrases that start with it) then leads straight
    to the few phrases whose first word the text holds, in the set's order.
    """

    phrases: tuple[CompiledPhrase, ...] = ()
    pairs: tuple[CompiledPair, ...] = ()
    firsts: frozenset[str] = frozenset()
    by_first: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    phrase_firsts: frozenset[str] = frozenset()
    #: the same for the pairs: first key of a ``first`` phrase → the pairs' numbers (a
    #: pair none of whose ``first`` phrases starts with a word of the text cannot match)
    pairs_by_first: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    pair_firsts: frozenset[str] = frozenset()
    #: no phrase and no pair
    empty: bool = True

    @classmethod
    def of(
        cls, phrases: tuple[CompiledPhrase, ...], pairs: tuple[CompiledPair, ...] = ()
    ) -> PhraseSet:
        by_first: dict[str, list[int]] = {}
        for i, p in enumerate(phrases):
            if p.keys:
                by_first.setdefault(p.keys[0], []).append(i)
        pairs_by_first: dict[str, list[int]] = {}
        for i, pair in enumerate(pairs):
            for k in sorted(pair.first_firsts):
                pairs_by_first.setdefault(k, []).append(i)
        return cls(
            phrases,
            pairs,
            _first_keys(phrases, pairs),
            MappingProxyType({k: tuple(v) for k, v in by_first.items()}),
            frozenset(by_first),
            MappingProxyType({k: tuple(v) for k, v in pairs_by_first.items()}),
            frozenset(pairs_by_first),
            not phrases and not pairs,
        )

    def _candidates(self, words: Words) -> Sequence[int]:
        """The numbers of the phrases whose first key the text holds, in set order
        (find() finds nothing in the others)."""
        keys = self.phrase_firsts & words.present
        if not keys:
            return ()
        by_first = self.by_first
        if len(keys) == 1:
            return by_first[next(iter(keys))]
        # (each phrase is listed under its first key alone: no number twice)
        return sorted(chain.from_iterable(map(by_first.__getitem__, keys)))

    def _pair_candidates(self, words: Words) -> Sequence[int]:
        """The numbers of the pairs one of whose ``first`` phrases starts with a key
        the text holds, in set order (matches_pair() finds nothing in the others)."""
        keys = self.pair_firsts & words.present
        if not keys:
            return ()
        by_first = self.pairs_by_first
        if len(keys) == 1:
            return by_first[next(iter(keys))]
        # (a pair is listed under each of its first keys: each number once)
        return sorted(set(chain.from_iterable(map(by_first.__getitem__, keys))))

    def first_match(self, words: Words, gap: int) -> str | None:
        """The text of the first phrase or pair found, or None."""
        if self.firsts.isdisjoint(words.present):
            return None
        phrases = self.phrases
        present = words.present
        for i in self._candidates(words):
            p = phrases[i]
            if p.keyset <= present and occurs(words, p, gap):
                return p.text
        pairs = self.pairs
        for i in self._pair_candidates(words):
            pair = pairs[i]
            if matches_pair(words, pair, gap):
                return pair.text
        return None

    def all_matches(self, words: Words, gap: int) -> list[str]:
        """The phrases and pairs found; phrases that read the same once stemmed and
        mapped to synonyms ("erreur" / "error") count once."""
        if self.firsts.isdisjoint(words.present):
            return []
        seen: set[tuple[str, ...]] = set()
        out = []
        phrases = self.phrases
        present = words.present
        for i in self._candidates(words):
            p = phrases[i]
            if p.keyset <= present and p.keys not in seen and occurs(words, p, gap):
                seen.add(p.keys)
                out.append(p.text)
        if self.pairs:
            pairs = self.pairs
            for i in self._pair_candidates(words):
                if matches_pair(words, pairs[i], gap):
                    out.append(pairs[i].text)
        return out
