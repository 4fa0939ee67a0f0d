"""What the engine derives from one routing file, built once at load: :class:`CompiledRouting`.

:func:`compile_routing` learns the vocabulary of the file (examples, phrases, guards,
synonyms), then builds the FAQ example index, the category example index and every
phrase list. It takes a few milliseconds and needs no network and no model. The
result is immutable and travels inside the :class:`~routerbot.config.RoutingConfig`
(``config.compiled``), the one object :func:`routerbot.engine.decide` receives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from routerbot.domain import Category, Population
from routerbot.engine import text as _text
from routerbot.engine.index import ExampleIndex, TwoSidedVocabulary, default_ignore, text_features
from routerbot.engine.lexicon import (
    CompiledPair,
    CompiledPhrase,
    Lexicon,
    NearWords,
    PhraseSet,
    compile_phrase,
    light_keys,
)

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from routerbot.config import Evidence, FaqEntry, Pair, RoutingConfig

#: The hidden entry of the FAQ index that holds ``[unanswered]``'s examples (not a
#: valid FAQ id, so no entry can take it).
UNANSWERED = "(unanswered)"


@dataclass(frozen=True, slots=True)
class CompiledEvidence:
    strong: PhraseSet
    medium: PhraseSet
    negative: PhraseSet
    #: the first keys of every strong and medium phrase: a text holding none of them
    #: has no evidence (negative phrases only take evidence away)
    firsts: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return self.strong.empty and self.medium.empty


@dataclass(frozen=True, slots=True)
class Guards:
    """An FAQ entry's plain-word guards, matched on words as written (plurals aside),
    not on stems or synonyms; a required word is also met one typo away
    (:attr:`CompiledRouting.required_near`)."""

    never: PhraseSet
    requires: PhraseSet
    requires_when: Mapping[Population, PhraseSet]
    #: ``takes_over``: (the entries taken over, the words, the populations), or None
    takes_over: tuple[frozenset[str], PhraseSet, frozenset[Population]] | None = None
    requires_also: PhraseSet | None = None
    #: ``never_unless``: (the never words lifted, the phrases that lift them, the never
    #: words left)
    never_unless: tuple[tuple[frozenset[str], PhraseSet, PhraseSet], ...] = ()
    #: ``never_when``: per population, words that forbid the entry to it
    never_when: Mapping[Population, PhraseSet] = field(default_factory=dict)
    #: ``requires_when_unasked``: words one of which a text that asks nothing must hold
    requires_unasked: PhraseSet | None = None
    #: ``explains_login_failure_unless``: words that say the failure is not this
    #: answer's to explain
    unexplained: PhraseSet | None = None


@dataclass(frozen=True, slots=True)
class DomainSet:
    """E-mail domains as written in the population lists: exact names and ``*.suffix``
    wildcards (case-insensitive), looked up in one set and one ``endswith``."""

    exact: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()  # ".gouv.fr" for "*.gouv.fr"

    @classmethod
    def of(cls, patterns: Iterable[str]) -> DomainSet:
        low = [p.lower() for p in patterns]
        return cls(
            frozenset(p for p in low if not p.startswith("*.")),
            tuple(p[1:] for p in low if p.startswith("*.")),
        )

    def holds(self, domain: str) -> bool:
        """Is this (lower-case) domain one of the list's, or under one of its wildcards?"""
        return domain in self.exact or (bool(self.suffixes) and domain.endswith(self.suffixes))


@dataclass(frozen=True, slots=True)
class CompiledRouting:
    """The example indexes, phrases and signature words of one routing file."""

    lexicon: Lexicon
    faq_index: ExampleIndex
    category_index: ExampleIndex
    #: habilitation (side A) against assistance (side B): the category examples' words
    category_vocabulary: TwoSidedVocabulary
    guards: Mapping[str, Guards]
    #: the long words of every entry's ``requires``, ``requires_also`` and
    #: ``requires_when``: a word of the text one typo away from one of them is read as it
    required_near: NearWords
    never_answer: PhraseSet  # no FAQ entry is answered when one of these is in the text
    follow_quoted: PhraseSet  # the author's words point at the quoted mail below
    several_questions: PhraseSet  # the author announces several questions
    transfer_notes: PhraseSet  # the author passes someone else's message on
    relay_requests: PhraseSet  # a note asks a colleague to pass the mail on to the desk
    asks_what_to_reply: PhraseSet  # a note asks what to tell the sender of the mail below
    #: habilitation's documents_words: documents come with the ticket
    habilitation_documents: PhraseSet
    #: habilitation's request_words: the author asks for access or a role for themselves
    habilitation_requests: PhraseSet
    login_failure: CompiledEvidence
    thanks: CompiledEvidence
    statements: Mapping[str, CompiledEvidence]  # "sd" / "operateur"
    signature_entries: Mapping[str, tuple[str, ...]]  # normalised, config order
    signature_single: Mapping[str, frozenset[str]]
    state_domains: DomainSet  # population.state_email_domains
    personal_domains: DomainSet  # population.personal_email_domains
    phrase_gap: int
    #: every entry's answer as the customer reads it, normalised, per population's links
    #: (entry id, text): how a bot comment is recognised as an answer already given
    answers: tuple[tuple[str, str], ...]
    ignore: frozenset[str]  # keys the example indexes ignore (stop words)
    #: FAQ entry id → the names of its example, question and guard signals
    faq_signal_names: Mapping[str, tuple[str, str, str]]

    def faq_index_features(self, keys: Sequence[str]) -> set[str]:
        """The example-index features of a text given as keys."""
        return text_features(keys, self.ignore)


def _evidence_texts(ev: Evidence) -> Iterable[str]:
    yield from ev.strong
    yield from ev.medium
    yield from ev.negative
    for pairs in (ev.strong_pairs, ev.medium_pairs, ev.negative_pairs):
        for p in pairs:
            yield from p.first
            yield from p.then


def _words(texts: Iterable[str]) -> Iterable[str]:
    for t in texts:
        yield from _text.normalise(t).split()


def _phrases(lex: Lexicon, phrases: Sequence[str], pairs: Sequence[Pair] = ()) -> PhraseSet:
    return PhraseSet.of(
        tuple(compile_phrase(lex, p) for p in phrases),
        tuple(_pair(lex, p) for p in pairs),
    )


def _pair(lex: Lexicon, p: Pair) -> CompiledPair:
    first = tuple(compile_phrase(lex, x) for x in p.first)
    then = tuple(compile_phrase(lex, x) for x in p.then)
    return CompiledPair(
        first,
        then,
        p.within,
        p.anywhere,
        frozenset(t.keys[0] for t in then if t.keys),
        frozenset(f.keys[0] for f in first if f.keys),
    )


def _light(phrases: Sequence[str]) -> PhraseSet:
    return PhraseSet.of(
        tuple(CompiledPhrase(p, tuple(light_keys(_text.normalise(p)))) for p in phrases)
    )


def _evidence(lex: Lexicon, ev: Evidence) -> CompiledEvidence:
    strong = _phrases(lex, ev.strong, ev.strong_pairs)
    medium = _phrases(lex, ev.medium, ev.medium_pairs)
    negative = _phrases(lex, ev.negative, ev.negative_pairs)
    return CompiledEvidence(strong, medium, negative, strong.firsts | medium.firsts)


def _guards(e: FaqEntry) -> Guards:
    requires = _light(e.requires)
    requires_when = MappingProxyType({p: _light(w) for p, w in e.requires_when.items()})
    requires_also = _light(e.requires_also) if e.requires_also else None
    return Guards(
        _light(e.never),
        requires,
        requires_when,
        None
        if e.takes_over is None
        else (
            frozenset(e.takes_over.entries),
            _light(e.takes_over.when),
            frozenset(e.takes_over.populations),
        ),
        requires_also,
        tuple(
            (
                frozenset(lift.never),
                _light(lift.when),
                _light(tuple(w for w in e.never if w not in lift.never)),
            )
            for lift in e.never_unless
        ),
        MappingProxyType({p: _light(w) for p, w in e.never_when.items()}),
        _light(e.requires_when_unasked) if e.requires_when_unasked else None,
        _light(e.explains_login_failure_unless) if e.explains_login_failure_unless else None,
    )


def compile_routing(config: RoutingConfig) -> CompiledRouting:
    """Build the engine's view of a validated routing file."""
    m = config.matching
    lex = Lexicon(m.synonyms, m.typo_min_length)
    pop = config.population
    texts: list[str] = []
    for entry in config.faq.values():
        # (not `requires`: it may list misspellings on purpose, "abilitation", and a
        # misspelling learned as a word would no longer be read as the word it misspells)
        texts += [*entry.examples, *entry.never, *entry.explains_login_failure_unless]
        texts += [w for ws in entry.requires_when.values() for w in ws]
        texts += [w for ws in entry.never_when.values() for w in ws]
    texts += [*m.never_answer, *m.follow_quoted, *m.several_questions]
    for cc in config.categories.values():
        texts += cc.examples
    texts += config.unanswered.examples
    for ev in (
        config.login_failure.evidence,
        config.conversation.thanks,
        pop.services_deconcentres.statements,
        pop.operateur.statements,
    ):
        texts += list(_evidence_texts(ev))
    lex.learn(_words(texts))
    lex.freeze()
    ignore = default_ignore(m.ignore_words, lex)
    faq_examples = {fid: e.examples for fid, e in config.faq.items()}
    faq_examples[UNANSWERED] = config.unanswered.examples
    faq_index = ExampleIndex(
        lex,
        faq_examples,
        hidden=frozenset({UNANSWERED}),
        bigram_weight=m.bigram_weight,
        second_weight=m.second_example_weight,
        explain=m.explain_examples,
        ignore=ignore,
    )
    category_index = ExampleIndex(
        lex,
        {
            c.value: config.categories[c].examples
            for c in (Category.HABILITATION, Category.ASSISTANCE_OPERATEUR)
            if c in config.categories
        },
        bigram_weight=m.bigram_weight,
        second_weight=m.second_example_weight,
        explain=m.explain_examples,
        ignore=ignore,
    )
    hab_features, assist_features = (
        [category_index.features(t) for t in config.categories[c].examples]
        if c in config.categories
        else []
        for c in (Category.HABILITATION, Category.ASSISTANCE_OPERATEUR)
    )
    guards = {fid: _guards(e) for fid, e in config.faq.items()}
    sides = {
        "sd": pop.services_deconcentres.signature_words,
        "operateur": pop.operateur.signature_words,
    }
    entries = {k: tuple(_text.normalise(x) for x in v) for k, v in sides.items()}
    single = {k: frozenset(x for x in v if " " not in x) for k, v in entries.items()}
    return CompiledRouting(
        lexicon=lex,
        faq_index=faq_index,
        category_index=category_index,
        category_vocabulary=TwoSidedVocabulary.of(hab_features, assist_features),
        guards=MappingProxyType(guards),
        required_near=NearWords.of(
            (
                s
                for g in guards.values()
                for s in (
                    g.requires,
                    g.requires_also,
                    g.requires_unasked,
                    *g.requires_when.values(),
                )
                if s is not None
            ),
            m.typo_min_length,
        ),
        never_answer=_light(m.never_answer),
        follow_quoted=_light(m.follow_quoted),
        several_questions=_light(m.several_questions),
        transfer_notes=_light(m.transfer_notes),
        relay_requests=_light(m.relay_requests),
        asks_what_to_reply=_light(m.asks_what_to_reply),
        habilitation_documents=_light(
            config.categories[Category.HABILITATION].documents_words
            if Category.HABILITATION in config.categories
            else ()
        ),
        habilitation_requests=_light(
            config.categories[Category.HABILITATION].request_words
            if Category.HABILITATION in config.categories
            else ()
        ),
        login_failure=_evidence(lex, config.login_failure.evidence),
        thanks=_evidence(lex, config.conversation.thanks),
        statements=MappingProxyType(
            {
                "sd": _evidence(lex, pop.services_deconcentres.statements),
                "operateur": _evidence(lex, pop.operateur.statements),
            }
        ),
        signature_entries=MappingProxyType(entries),
        signature_single=MappingProxyType(single),
        state_domains=DomainSet.of(pop.state_email_domains),
        personal_domains=DomainSet.of(pop.personal_email_domains),
        phrase_gap=m.phrase_gap,
        answers=tuple(
            (fid, _text.normalise(config.render(entry.answer, pop)))
            for fid, entry in config.faq.items()
            for pop in entry.populations
        ),
        ignore=ignore,
        faq_signal_names=MappingProxyType(
            {
                fid: (f"faq.{fid}.example", f"faq.{fid}.question", f"faq.{fid}.guard")
                for fid in config.faq
            }
        ),
    )
