"""The routing configuration (``config/routing.toml``), parsed once into frozen models.

The models are plain frozen dataclasses (keyword-only): the engine reads them without
pydantic, which only validates, in ``parse_config`` (imported there: a command whose
compiled config comes from :mod:`routerbot.config_cache` never loads it).
``load_config(path)`` / ``parse_config(text)`` read the TOML with :mod:`tomllib`,
validate it with pydantic (unknown keys refused, numbers in range), then check what
pydantic cannot: answer templates only use known placeholders, the three categories
are present, phrases and examples are not empty, the login-failure entry exists.
Every problem is reported at once in :class:`routerbot.errors.ConfigError`, each with
its TOML path and line::

    faq → nous-contacter → examples[3] (line 42): example is empty

A valid file is then *compiled* (:func:`routerbot.engine.compiled.compile_routing`):
the example index, the synonyms and the phrases are built once, in a few
milliseconds, and kept inside the frozen :class:`RoutingConfig` (``config.compiled``).
The decision engine receives that one immutable object; there is no other cache.

FAQ entries are data: their ids are the TOML table keys, whatever they are. Adding,
renaming or removing an entry is a change of the file only.

Nothing is read at import time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from routerbot.domain import Category, Population, Target
from routerbot.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover - the engine imports this module
    from pydantic import GetCoreSchemaHandler, TypeAdapter
    from pydantic_core import CoreSchema

    from routerbot.engine.compiled import CompiledRouting

#: Placeholders a public template may use; filled from ``links.<population>``.
TEMPLATE_PLACEHOLDERS: frozenset[str] = frozenset(
    {"form_link", "contact_link", "habilitation_link"}
)

BROWSER_NAMES = ("chrome", "firefox", "edge", "safari", "ie", "opera", "other")

#: A routing file larger than this is refused (a lead's file is ~60 KiB).
MAX_CONFIG_BYTES = 256 * 1024

#: An FAQ entry or a category should be taught with at least this many examples
#: (``check-config`` warns below it).
MIN_EXAMPLES = 15


def _parse_target(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Target.parse(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from exc
    return value


# The models are plain frozen dataclasses: what ``decide`` reads needs no pydantic (a
# command that finds its compiled file in the cache never imports it). pydantic
# validates them in ``parse_config``; these markers carry the constraints it applies.


class _Bounds:
    """A number's range (``ge``/``gt``/``le``), as pydantic's ``Field`` would say it."""

    __slots__ = ("ge", "gt", "le")

    def __init__(
        self, *, ge: float | None = None, gt: float | None = None, le: float | None = None
    ) -> None:
        self.ge, self.gt, self.le = ge, gt, le

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic import Field  # noqa: PLC0415 - validation only

        bounds = Field(ge=self.ge, gt=self.gt, le=self.le)
        return handler.generate_schema(Annotated[source, bounds])


class _Before:
    """A conversion pydantic applies before validating (``BeforeValidator``)."""

    __slots__ = ("func",)

    def __init__(self, func: Any) -> None:
        self.func = func

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema  # noqa: PLC0415 - validation only

        return core_schema.no_info_before_validator_function(self.func, handler(source))


class _Template:
    """A text with ``{name}`` placeholders from ``names`` only (checked by pydantic)."""

    __slots__ = ("names",)

    def __init__(self, *names: str) -> None:
        self.names = names

    def check(self, text: str) -> str:
        return _check_template(text, self.names)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema  # noqa: PLC0415 - validation only

        return core_schema.no_info_after_validator_function(self.check, handler(source))


TargetField = Annotated[Target, _Before(_parse_target)]
Unit = Annotated[float, _Bounds(ge=0.0, le=1.0)]
NonNegative = Annotated[float, _Bounds(ge=0.0, le=1000.0)]
Phrases = tuple[str, ...]


class _Model:
    """Base of the routing file's models: frozen dataclasses, keyword-only, whose
    unknown keys pydantic refuses."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Any:
        """A copy with these fields changed (not validated, like pydantic's)."""
        return replace(self, **(update or {}))  # type: ignore[type-var]

    def model_dump(self) -> dict[str, Any]:
        """The fields and their values (one level)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class Pair(_Model):
    """One phrase of ``first`` followed, within ``within`` words, by one of ``then``
    (``anywhere = true``: both somewhere in the text, in any order)."""

    first: Phrases
    then: Phrases
    within: Annotated[int, _Bounds(ge=0, le=30)] = 4
    anywhere: bool = False


@dataclass(frozen=True, kw_only=True)
class Evidence(_Model):
    """Plain phrases a support lead writes, by strength.

    A phrase matches when its words occur in the order written (case, accents, plurals
    and one typo in long words do not matter), with at most ``matching.phrase_gap``
    other words between two of them. Pairs combine two lists of phrases.
    """

    strong: Phrases = ()
    medium: Phrases = ()
    negative: Phrases = ()
    strong_pairs: tuple[Pair, ...] = ()
    medium_pairs: tuple[Pair, ...] = ()
    negative_pairs: tuple[Pair, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EvidenceWeights(_Model):
    """What one phrase of each strength adds to a score (capped at 1)."""

    strong: Unit = 0.8
    medium: Unit = 0.4
    negative: Unit = 0.6


@dataclass(frozen=True, kw_only=True)
class Thresholds(_Model):
    #: below this category confidence the bot does not reroute: a note instead
    reroute_min_confidence: Unit = 0.7
    #: an FAQ entry is answered in public at or above this confidence…
    faq_reply_min_confidence: Unit = 0.75
    #: …and only if it leads the next eligible entry by at least this much
    faq_margin: Unit = 0.1
    #: a less close entry is answered too when it leads the runner-up by this much…
    faq_clear_lead: Unit = 0.2
    #: …and is at least this close
    faq_clear_lead_min_confidence: Unit = 0.4
    #: an entry that one its guards forbid beats by ``faq_margin`` is answered only from
    #: this close
    faq_below_guarded_min_confidence: Unit = 0.5
    #: candidates under this are not listed in the internal note
    candidate_note_min_confidence: Unit = 0.3
    #: an operator's ticket is habilitation at or above this example similarity…
    habilitation_min_score: Unit = 0.5
    #: …and when it leads the assistance examples by at least this much
    category_margin: Unit = 0.05
    #: …or when its words lean to the habilitation examples' vocabulary by at least
    #: this much (summed log-odds, see TwoSidedVocabulary)…
    habilitation_vocabulary_min: NonNegative = 7.0
    #: …with at least this example similarity; or when both lean to habilitation, each
    #: less than alone: examples at least ``habilitation_lean_min_score`` and this much
    #: ahead of the assistance examples, words at least ``habilitation_lean_vocabulary``
    habilitation_vocabulary_min_score: Unit = 0.25
    habilitation_lean_min_score: Unit = 0.2
    habilitation_lean_margin: Unit = 0.1
    habilitation_lean_vocabulary: NonNegative = 4.0
    #: a ticket filed as a habilitation (3/84) stays one when its examples lean to it
    #: as above and its words at least this much
    habilitation_filed_vocabulary: NonNegative = 1.0
    #: the examples alone decide habilitation only when the words do not lean to
    #: assistance by more than this (summed log-odds), unless they reach
    #: ``habilitation_sure_score``
    habilitation_against_vocabulary: NonNegative = 1000.0
    habilitation_sure_score: Unit = 0.0
    #: an operator's ticket that no FAQ answer decides is assistance when its closest
    #: FAQ candidates (this close at least, and those within ``faq_margin`` of it) are
    #: all assistance entries ("too close to call" between two of them)
    category_candidates_min_confidence: Unit = 0.5
    #: an operator's ticket that sends documents (``categories.habilitation.documents_words``)
    #: is habilitation, whatever FAQ answer it also gets, at this similarity to the
    #: habilitation examples and this lead over the assistance ones
    documents_min_score: Unit = 0.5
    documents_margin: Unit = 0.2
    #: a login failure is detected at or above this evidence
    login_failure_min_confidence: Unit = 0.6
    #: a customer's comment "thanks, it works" at or above this evidence
    thanks_min_confidence: Unit = 0.75
    #: category confidence when an FAQ answer or a login failure decides it (at least)
    decided_category_confidence: Unit = 0.8
    #: category confidence of an operator's question when nothing else decides
    default_category_confidence: Unit = 0.85
    #: two questions of one ticket, each closest to a different FAQ entry at or above
    #: this similarity, are two questions: no public answer, both in the note…
    several_questions_min_confidence: Unit = 0.5
    #: …and the second one needs only this much when the author announces several
    #: questions ("deux questions", see ``matching.several_questions``)
    announced_question_min_confidence: Unit = 0.2
    #: a question closest to an entry another one took over (``takes_over``) is a
    #: question of its own when it is this close alone and the take-over words are
    #: not in it ("le rôle admin local suffit-il ? Et ma collègue, comment je lui
    #: donne l'accès ?" asks two things)
    taken_question_min_confidence: Unit = 0.6
    #: an entry's ``never`` word said in the sentences before a question does not hold
    #: back its answer when the question's own sentence, read alone and without the
    #: word, asks the entry at least this closely ("(la messagerie pro ne marche pas).
    #: Comment télécharger le modèle … ?"); 1 turns it off
    guard_before_question_min_confidence: Unit = 1.0
    #: a short note over a forwarded mail (a forward's subject or banner, at most
    #: ``matching.pointer_text_words`` content words) that tells no login failure and
    #: is less close than this to every entry asks nothing of its own: the forwarded
    #: mail is the question ("Vous pouvez le rappeler ?", "Could you look into it?");
    #: 0 turns it off
    forward_note_max_confidence: Unit = 0.0
    #: a ``never_answer`` phrase ("merci de corriger", "où en est") does not hold back
    #: an entry that one of the author's questions, read alone and without the phrase,
    #: asks at least this closely (a question and a request beside it)
    silenced_question_min_confidence: Unit = 0.9
    #: a question closest to an entry not for the requester's population is a
    #: question of its own (two questions, no half answer) at this similarity or more
    foreign_question_min_confidence: Unit = 0.5
    #: a login failure told beside a question closest to another entry at this
    #: similarity or more is two FAQ questions: no public answer, both in the note
    question_beside_login_min_confidence: Unit = 0.5
    #: no public answer when the closest of ``[unanswered]``'s examples is this close
    #: to the best entry's confidence or closer (0: as close or closer; 0.1: even 0.1
    #: behind it)
    unanswered_margin: Annotated[float, _Bounds(ge=-1.0, le=1.0)] = 0.0
    #: one of several questions, read alone, asks what the FAQ does not answer (it is no
    #: second FAQ question) when ``[unanswered]``'s closest example is this close to its
    #: closest entry or closer
    unanswered_question_margin: Annotated[float, _Bounds(ge=-1.0, le=1.0)] = 0.0
    #: population confidence = 0.5 + 0.5 * (1 - exp(-margin / population_scale))
    population_scale: Annotated[float, _Bounds(gt=0.0, le=20.0)] = 1.5


@dataclass(frozen=True, kw_only=True)
class Matching(_Model):
    """How texts are compared with the examples and phrases."""

    #: other words allowed between two words of a phrase
    phrase_gap: Annotated[int, _Bounds(ge=0, le=10)] = 2
    #: words this long or longer tolerate one typo
    typo_min_length: Annotated[int, _Bounds(ge=3, le=20)] = 5
    #: weight of two words in a row (or one apart) against a single word
    bigram_weight: Annotated[float, _Bounds(ge=0.0, le=5.0)] = 1.0
    #: how much the second-closest example of an entry counts beside the closest
    second_example_weight: Unit = 0.25
    #: how many of the closest examples the explanation lists per entry
    explain_examples: Annotated[int, _Bounds(ge=1, le=10)] = 3
    #: added to an entry's confidence when the text asks something ("?", comment…)
    question_bonus: Unit = 0.05
    #: an entry's confidence is multiplied by this when the text asks nothing (no "?",
    #: no question word, no request to be told): a statement or a request is seldom the
    #: FAQ's question
    unasked_factor: Unit = 0.6
    #: words that mean the same here (one group a line; the first word names the group)
    synonyms: tuple[Phrases, ...] = ()
    #: more words to ignore in the example index (greetings, fillers)
    ignore_words: Phrases = ()
    #: no FAQ entry is answered when one of these is in the text (a follow-up on a
    #: request, a reminder): the agents answer those
    never_answer: Phrases = ()
    #: the author's own words point at the mail quoted below ("voir ci-dessous", "je
    #: relance"): when they ask nothing themselves, the quoted mail is read as the question
    follow_quoted: Phrases = ()
    #: the author announces several questions ("deux questions", "autre question")
    several_questions: Phrases = ()
    #: the author passes someone else's message on ("je vous transfère cette demande",
    #: "ticket réaffecté depuis le support N1"): when they ask nothing themselves, the
    #: message below is the ticket, and its sender is the requester
    transfer_notes: Phrases = ()
    #: a forwarded chain's note to a colleague asks them to pass the mail on ("Jessica,
    #: can you ask the Expadon helpdesk?", "peux-tu faire remonter à l'assistance ?"): a
    #: question to the colleague, not one the desk answers
    relay_requests: Phrases = ()
    #: a note over a message passed on asks what to tell its sender ("merci de me dire
    #: quoi lui répondre"): the author wants the answer, so the ticket stays theirs
    asks_what_to_reply: Phrases = ()
    #: …when, besides pointing, they hold at most this many content words…
    pointer_text_words: Annotated[int, _Bounds(ge=0, le=100)] = 12
    #: …and so it is when the author's own words hold at most this many content words
    thin_text_words: Annotated[int, _Bounds(ge=0, le=50)] = 4


@dataclass(frozen=True, kw_only=True)
class CategoryConfig(_Model):
    target: TargetField
    label: str = ""
    #: an operator's sentences of this category (habilitation vs assistance)
    examples: Phrases = ()
    #: added to the example similarity when the ticket was filed in this form
    portal_prior: Annotated[float, _Bounds(ge=0.0, le=1.0)] = 0.0
    #: words that say documents come with the ticket ("ci-joint", "en PJ"): an
    #: operator's ticket that holds one and is close to this category's examples is of
    #: this category, whatever FAQ question it also asks (habilitation: the documents
    #: sent go to its form)
    documents_words: Phrases = ()
    #: words with which an operator asks the desk for this category's matter for
    #: themselves ("pouvez-vous m'attribuer le rôle", "could I get the … role"): an
    #: operator's ticket that holds one is of this category, whatever FAQ question it
    #: also asks
    request_words: Phrases = ()


@dataclass(frozen=True, kw_only=True)
class PopulationSide(_Model):
    statements: Evidence = Evidence()
    signature_words: Phrases = ()


@dataclass(frozen=True, kw_only=True)
class PopulationWeights(_Model):
    statement: Annotated[float, _Bounds(ge=0.0, le=10.0)] = 4.0
    signature: Annotated[float, _Bounds(ge=0.0, le=10.0)] = 3.0
    #: an operator's signature naming a business; None: the same as ``signature``
    business_signature: Annotated[float, _Bounds(ge=0.0, le=10.0)] | None = None
    email_state: Annotated[float, _Bounds(ge=0.0, le=10.0)] = 2.5
    email_company: Annotated[float, _Bounds(ge=0.0, le=10.0)] = 2.0
    email_personal: Annotated[float, _Bounds(ge=0.0, le=10.0)] = 0.5
    portal: Annotated[float, _Bounds(ge=0.0, le=10.0)] = 1.0


@dataclass(frozen=True, kw_only=True)
class PopulationConfig(_Model):
    state_email_domains: Phrases = ("agriculture.gouv.fr", "*.gouv.fr")
    personal_email_domains: Phrases = ()
    weights: PopulationWeights = PopulationWeights()
    services_deconcentres: PopulationSide = PopulationSide()
    operateur: PopulationSide = PopulationSide()
    #: which portal (service desk id) each population normally files in
    portals: dict[Population, str] = field(
        default_factory=lambda: {Population.OPERATEUR: "3", Population.SERVICES_DECONCENTRES: "4"}
    )


@dataclass(frozen=True, kw_only=True)
class Links(_Model):
    form_link: str
    contact_link: str
    habilitation_link: str


@dataclass(frozen=True, kw_only=True)
class TakeOver(_Model):
    """Words that say an entry's question is really this one: "how do I give *her*
    access" is about habilitating a colleague, however close the ticket is to the local
    admin role's or the procedure's examples."""

    #: the entries this one takes over: not answered when a phrase of ``when`` is said,
    #: and their closeness to the ticket counts for this entry
    entries: Phrases
    when: Phrases
    #: whose tickets (an agent telling of an operator says "lui" of the operator)
    populations: tuple[Population, ...] = (Population.OPERATEUR,)
    #: the answer may be a step on the way to the closest entry taken over ("pour être
    #: habilitée il me faut d'abord un compte : comment le créer ?"), or to the closest
    #: of ``entries`` when no take-over word is said: when the ticket is at least this
    #: close to that entry and its own guards allow it, the ticket keeps that entry's
    #: category (None: the answer's own category)
    keeps_category_at: Unit | None = None


@dataclass(frozen=True, kw_only=True)
class NeverUnless(_Model):
    """Some of an entry's ``never`` words that do not hold when one of ``when`` is said:
    "collègue" keeps the procedure from answering "how do I habilitate my colleague",
    not "I replace my colleague: what must I do to be habilitated myself?"."""

    #: words of the entry's ``never`` list
    never: Phrases
    #: the phrases that lift them
    when: Phrases


@dataclass(frozen=True, kw_only=True)
class FaqEntry(_Model):
    question: str
    answer: str
    #: the category an *operator* asking this question belongs to
    category: Category = Category.ASSISTANCE_OPERATEUR
    #: customers' questions this entry answers, in their own words
    examples: Phrases = ()
    #: never answer this entry when one of these words or phrases is in the text
    never: Phrases = ()
    #: ...except these of them when one of their ``when`` phrases is said
    never_unless: tuple[NeverUnless, ...] = ()
    #: answer this entry only when one of these words or phrases is in the text
    requires: Phrases = ()
    #: and, besides, one of these (the entry's subject: "Agrément" for the question
    #: whether an Agrément habilitation opens Certificats)
    requires_also: Phrases = ()
    #: when the text asks nothing (no "?", no question word), one of these words must be
    #: in it: "Demande d'accès au module Certificats" alone asks for access, not for the
    #: procedure; "procédure habilitation certificats" names what it asks
    requires_when_unasked: Phrases = ()
    #: per population, more words one of which must be in the text: an agent asking on
    #: an operator's behalf ("un exportateur me demande…") gets the operators' answer,
    #: an agent asking for their own service does not
    requires_when: dict[Population, Phrases] = field(default_factory=dict)
    #: per population, words that forbid this entry to them: an agent who asks what
    #: their own service sends the operator ("quels documents dois-je lui transmettre ?")
    #: asks what the operators' answer does not tell
    never_when: dict[Population, Phrases] = field(default_factory=dict)
    #: per population, the closeness below which this entry is not answered to them (an
    #: agent passing on an operator's question gets the operators' answer only when the
    #: question is plainly the operators' one)
    min_confidence_when: dict[Population, Unit] = field(default_factory=dict)
    #: only answer when the text asks something (a "?", "comment", "how"…)
    requires_question: bool = True
    #: the entry explains a login failure (no account, wrong role): its answer wins
    #: over the question for the browser
    explains_login_failure: bool = False
    #: ...except when one of these is said: the account or the role the answer explains
    #: is someone else's ("je n'arrive pas à me connecter. Et comment ma collègue
    #: crée-t-elle son compte ?" tells a failure and asks a second question)
    explains_login_failure_unless: Phrases = ()
    #: when its guards forbid this entry, the ticket has gone past its matter ("son compte
    #: est déjà créé": the account exists, the colleague's habilitation is next), so an
    #: entry below it is answered as if it were not there
    guards_pass_on: bool = False
    #: the entry answers no one who asks the desk for access or a role for themselves
    #: (``categories.habilitation.request_words``: "pouvez-vous m'attribuer le rôle
    #: administrateur local ?" asks for the role, not what it allows)
    held_when_access_asked: bool = False
    #: who may receive this answer
    populations: tuple[Population, ...] = (Population.OPERATEUR, Population.SERVICES_DECONCENTRES)
    #: other entries whose questions, said with these words, are this entry's
    takes_over: TakeOver | None = None


@dataclass(frozen=True, kw_only=True)
class LoginFailureConfig(_Model):
    evidence: Evidence = Evidence()
    faq: str = "connexion-impossible"


@dataclass(frozen=True, kw_only=True)
class BrowsersConfig(_Model):
    recommended: Phrases = ("chrome", "firefox")
    minimum_major: dict[str, Annotated[int, _Bounds(ge=1, le=1000)]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ConversationConfig(_Model):
    max_asks: Annotated[int, _Bounds(ge=0, le=5)] = 2
    reminder_after_days: Annotated[float, _Bounds(gt=0, le=60)] = 3
    handover_after_days: Annotated[float, _Bounds(gt=0, le=120)] = 7
    ask_marker: str = "réf. routerbot/navigateur"
    ask_message: str
    ask_again_message: str
    reminder_message: str
    ask_similarity_min: Annotated[float, _Bounds(ge=0, le=100)] = 70.0
    thanks: Evidence = Evidence()
    browser_words: Phrases = ("navigateur", "browser")
    version_words: Phrases = ("version",)


@dataclass(frozen=True, kw_only=True)
class LoopGuard(_Model):
    max_public_replies_per_ticket: Annotated[int, _Bounds(ge=0, le=50)] = 3
    max_public_replies_per_hour: Annotated[int, _Bounds(ge=0, le=10000)] = 30
    # loop signature across tickets: public replies in the last hour to one reporter on
    # other tickets with the same text (an auto-responder opening a ticket per reply)
    max_replies_per_reporter_text: Annotated[int, _Bounds(ge=1, le=1000)] = 2


def _check_template(text: str, names: tuple[str, ...]) -> str:
    """A text the bot fills in: only ``{name}`` placeholders from ``names``."""
    import string  # noqa: PLC0415 - only validating needs it

    for _, field_name, spec, conv in string.Formatter().parse(text):
        if field_name is None:
            continue
        if field_name not in names or spec or conv:
            allowed = ", ".join("{" + n + "}" for n in names) or "none"
            raise ValueError(f"unknown placeholder {{{field_name}}} (allowed: {allowed})")
    return text


@dataclass(frozen=True, kw_only=True)
class Texts(_Model):
    """Agent-facing texts the executor writes (internal notes), editable by the leads."""

    reply_held: Annotated[str, _Template("reason", "body")] = (
        "Réponse publique retenue par routerbot ({reason}). Texte prévu :\n\n{body}"
    )
    held_ticket_cap: Annotated[str, _Template("cap")] = (
        "plafond de {cap} réponses publiques atteint pour ce ticket"
    )
    held_same_text: Annotated[str, _Template()] = (
        "réponse identique déjà envoyée sur ce ticket : boucle probable"
    )
    held_same_reporter: Annotated[str, _Template("count")] = (
        "ce demandeur a déjà reçu {count} réponses publiques en une heure à ce même texte sur "
        "d'autres tickets : boucle probable (répondeur automatique ?)"
    )
    reroute_failed: Annotated[str, _Template("target", "error")] = (
        "routerbot n'a pas pu déplacer ce ticket vers {target} ({error}). "
        "Merci de le déplacer à la main."
    )


@dataclass(frozen=True, kw_only=True)
class Workflow(_Model):
    status_waiting_customer: str = "Waiting for customer"
    status_waiting_support: str = "Waiting for support"


@dataclass(frozen=True, kw_only=True)
class RerouteConfig(_Model):
    move_strategy: Literal["bulk_move", "note_only"] = "bulk_move"


@dataclass(frozen=True, kw_only=True)
class LabelsConfig(_Model):
    handled: str = "routerbot"


@dataclass(frozen=True, kw_only=True)
class Unanswered(_Model):
    """Questions of the support's domain that no FAQ entry answers ("how do I change
    my e-mail address?", "the importing country refused the certificate"): the
    out-of-scope intent of example-taught assistants. A ticket at least as close to
    them as to the best entry (``thresholds.unanswered_margin``) gets no public answer."""

    examples: Phrases = ()


@dataclass(frozen=True, kw_only=True)
class RoutingConfig(_Model):
    """The whole routing file. ``config_hash`` is the sha256 of the file's bytes.

    ``compiled`` is what the engine derived from it at load (example index,
    phrases, synonyms): built by :func:`parse_config`, never changed afterwards.
    """

    version: Literal[1] = 1
    thresholds: Thresholds = Thresholds()
    weights: EvidenceWeights = EvidenceWeights()
    matching: Matching = Matching()
    categories: dict[Category, CategoryConfig]
    population: PopulationConfig = PopulationConfig()
    links: dict[Population, Links]
    faq: dict[str, FaqEntry]
    unanswered: Unanswered = Unanswered()
    login_failure: LoginFailureConfig = LoginFailureConfig()
    browsers: BrowsersConfig = BrowsersConfig()
    conversation: ConversationConfig
    loop_guard: LoopGuard = LoopGuard()
    workflow: Workflow = Workflow()
    reroute: RerouteConfig = RerouteConfig()
    labels: LabelsConfig = LabelsConfig()
    texts: Texts = Texts()
    config_hash: str = ""
    source: str = ""

    # ``_compiled`` is not a field: it lives in the instance's ``__dict__`` (set once,
    # by ``compiled``), out of ``==``, ``repr`` and copies, and travels with a pickle.

    @property
    def compiled(self) -> CompiledRouting:
        """The engine's view of this file, built once (at load by :func:`parse_config`)."""
        c: CompiledRouting | None = self.__dict__.get("_compiled")
        if c is None:
            # a config built by hand (model_copy, validated without parse_config):
            # compile it on first use
            from routerbot.engine.compiled import compile_routing  # noqa: PLC0415

            c = compile_routing(self)
            object.__setattr__(self, "_compiled", c)
        return c

    def has_compiled(self) -> bool:
        """Was the engine's view already built (at load, or read from the cache)?"""
        return self.__dict__.get("_compiled") is not None

    def target_for(self, category: Category) -> Target:
        return self.categories[category].target

    def category_at(self, target: Target) -> Category | None:
        """The category whose target is ``target`` (None when no category routes there)."""
        return next((c for c, cc in self.categories.items() if cc.target == target), None)

    def links_for(self, population: Population | None) -> Links:
        return self.links[population or Population.OPERATEUR]

    def render(self, template: str, population: Population | None) -> str:
        """Fill a template's placeholders with the population's links."""
        links = self.links_for(population)
        return template.format(
            form_link=links.form_link,
            contact_link=links.contact_link,
            habilitation_link=links.habilitation_link,
        )


# --------------------------------------------------------------------------- loading


def load_config(path: str | Path) -> RoutingConfig:
    """Read, validate and compile a routing file (raises ``ConfigError``)."""
    return parse_config(read_routing_text(path), source=str(Path(path)))


def read_routing_text(path: str | Path) -> str:
    """The text of a routing file, size-checked (raises ``ConfigError``)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{p} is {size // 1024} KiB: a routing file may be at most "
                f"{MAX_CONFIG_BYTES // 1024} KiB",
                source=str(p),
            )
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {p}: {exc.strerror}", source=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p} is not UTF-8 ({exc.reason})", source=str(p)) from exc
    return text


def parse_config(text: str, source: str = "") -> RoutingConfig:  # noqa: PLR0912 - one check per rule, flat on purpose
    """Validate the TOML text of a routing file and compile it (raises ``ConfigError``)."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"the routing file is {len(text) // 1024} KiB: at most {MAX_CONFIG_BYTES // 1024} KiB",
            source=source,
        )
    import tomllib  # noqa: PLC0415 - only a file to parse needs it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], source=source) from exc
    locator = _Locator(text)
    problems: list[str] = []
    for reserved in ("config_hash", "source"):
        if reserved in data:
            problems.append(locator.message((reserved,), "reserved key, computed by routerbot"))
            data.pop(reserved)
    for name in ("categories", "faq", "links"):
        if name in data and not isinstance(data[name], dict):
            problems.append(locator.message((name,), "must be a table"))
    if problems:
        raise ConfigError(problems, source=source)
    for cat in Category:
        if cat.value not in data.get("categories", {}):
            problems.append(locator.message(("categories",), f"missing category {cat.value!r}"))
    for fid in data.get("faq", {}):
        if not _FAQ_ID.match(fid):
            problems.append(
                locator.message(("faq", fid), "an FAQ id is lower-case letters, digits and dashes")
            )
    from pydantic import ValidationError  # noqa: PLC0415 - only a file to check needs it

    try:
        config = _adapter().validate_python(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(x for x in err["loc"] if not _is_internal_loc(x))
            problems.append(locator.message(loc, _error_text(err)))
        raise ConfigError(problems, source=source) from None
    problems.extend(_semantic_problems(config, locator))
    if problems:
        raise ConfigError(problems, source=source)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    config = replace(config, config_hash=digest, source=source)
    _ = config.compiled  # build the example index now: errors and cost at load
    return config


_ADAPTER: list[TypeAdapter[RoutingConfig]] = []


def _adapter() -> TypeAdapter[RoutingConfig]:
    """pydantic's validator of the models, built on the first file parsed."""
    if not _ADAPTER:
        from pydantic import TypeAdapter  # noqa: PLC0415 - only a file to check needs it

        _ADAPTER.append(TypeAdapter(RoutingConfig))
    return _ADAPTER[0]


_FAQ_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _is_internal_loc(part: Any) -> bool:
    # pydantic adds e.g. "[key]" or function names for annotated validators
    return isinstance(part, str) and (part.startswith("function-") or part == "[key]")


def _error_text(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return "unknown key"
    if kind == "missing":
        return "missing required key"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def _semantic_problems(config: RoutingConfig, loc: _Locator) -> list[str]:  # noqa: PLR0912, PLR0915 - a flat list of checks
    problems: list[str] = []

    def check_phrases(path: tuple[str | int, ...], phrases: Sequence[str], what: str) -> None:
        for i, phrase in enumerate(phrases):
            why = phrase_problem(phrase, what)
            if why:
                problems.append(loc.message((*path, i), why))

    def check_evidence(path: tuple[str | int, ...], ev: Evidence) -> None:
        for kind in ("strong", "medium", "negative"):
            check_phrases((*path, kind), getattr(ev, kind), "phrase")
            for i, pair in enumerate(getattr(ev, f"{kind}_pairs")):
                check_phrases((*path, f"{kind}_pairs", i, "first"), pair.first, "phrase")
                check_phrases((*path, f"{kind}_pairs", i, "then"), pair.then, "phrase")
                if not pair.first or not pair.then:
                    problems.append(
                        loc.message((*path, f"{kind}_pairs", i), "a pair needs first and then")
                    )

    def check_template(path: tuple[str | int, ...], template: str) -> None:
        why = template_problem(template)
        if why:
            problems.append(loc.message(path, why))

    for cat, cc in config.categories.items():
        check_phrases(("categories", cat.value, "examples"), cc.examples, "example")
    for side in ("services_deconcentres", "operateur"):
        ps: PopulationSide = getattr(config.population, side)
        check_evidence(("population", side, "statements"), ps.statements)
        check_phrases(("population", side, "signature_words"), ps.signature_words, "word")
    for fid, entry in config.faq.items():
        check_phrases(("faq", fid, "examples"), entry.examples, "example")
        check_phrases(("faq", fid, "never"), entry.never, "phrase")
        check_phrases(("faq", fid, "requires"), entry.requires, "phrase")
        check_phrases(("faq", fid, "requires_also"), entry.requires_also, "phrase")
        check_phrases(("faq", fid, "requires_when_unasked"), entry.requires_when_unasked, "phrase")
        unless = entry.explains_login_failure_unless
        check_phrases(("faq", fid, "explains_login_failure_unless"), unless, "phrase")
        if unless and not entry.explains_login_failure:
            problems.append(
                loc.message(
                    ("faq", fid, "explains_login_failure_unless"),
                    "the entry does not explain a login failure (explains_login_failure)",
                )
            )
        for pop, words in entry.requires_when.items():
            check_phrases(("faq", fid, "requires_when", pop.value), words, "phrase")
        for pop, words in entry.never_when.items():
            check_phrases(("faq", fid, "never_when", pop.value), words, "phrase")
        for key in ("requires_when", "never_when", "min_confidence_when"):
            for pop in getattr(entry, key):
                if pop not in entry.populations:
                    problems.append(
                        loc.message(
                            ("faq", fid, key, pop.value),
                            f"{pop.value} is not one of the entry's populations",
                        )
                    )
        check_template(("faq", fid, "answer"), entry.answer)
        for i, lift in enumerate(entry.never_unless):
            check_phrases(("faq", fid, "never_unless", i, "when"), lift.when, "phrase")
            for j, word in enumerate(lift.never):
                if word not in entry.never:
                    problems.append(
                        loc.message(
                            ("faq", fid, "never_unless", i, "never", j),
                            f"{word!r} is not one of the entry's never words",
                        )
                    )
        if entry.takes_over is not None:
            check_phrases(("faq", fid, "takes_over", "when"), entry.takes_over.when, "phrase")
            problems += _take_over_problems(config, fid, entry.takes_over, loc)
    check_phrases(("matching", "never_answer"), config.matching.never_answer, "phrase")
    check_phrases(("matching", "follow_quoted"), config.matching.follow_quoted, "phrase")
    check_phrases(("matching", "several_questions"), config.matching.several_questions, "phrase")
    check_phrases(("matching", "transfer_notes"), config.matching.transfer_notes, "phrase")
    check_phrases(("matching", "relay_requests"), config.matching.relay_requests, "phrase")
    check_phrases(("matching", "asks_what_to_reply"), config.matching.asks_what_to_reply, "phrase")
    for i, group in enumerate(config.matching.synonyms):
        check_phrases(("matching", "synonyms", i), group, "word")
        if len(group) < 2:
            problems.append(loc.message(("matching", "synonyms", i), "a group needs two words"))
    check_evidence(("login_failure", "evidence"), config.login_failure.evidence)
    if config.login_failure.faq not in config.faq:
        problems.append(
            loc.message(("login_failure", "faq"), f"unknown FAQ id {config.login_failure.faq!r}")
        )
    conv = config.conversation
    check_evidence(("conversation", "thanks"), conv.thanks)
    for name in ("ask_message", "ask_again_message", "reminder_message"):
        check_template(("conversation", name), getattr(conv, name))
    if conv.ask_marker and conv.ask_marker not in conv.ask_message:
        problems.append(
            loc.message(("conversation", "ask_message"), "must contain conversation.ask_marker")
        )
    if conv.ask_marker and conv.ask_marker not in conv.ask_again_message:
        problems.append(
            loc.message(
                ("conversation", "ask_again_message"), "must contain conversation.ask_marker"
            )
        )
    if conv.handover_after_days <= conv.reminder_after_days:
        problems.append(
            loc.message(
                ("conversation", "handover_after_days"),
                "must be greater than conversation.reminder_after_days",
            )
        )
    for i, name in enumerate(config.browsers.recommended):
        if name not in BROWSER_NAMES:
            problems.append(
                loc.message(("browsers", "recommended", i), f"unknown browser {name!r}")
            )
    for name in config.browsers.minimum_major:
        if name not in BROWSER_NAMES:
            problems.append(loc.message(("browsers", "minimum_major", name), "unknown browser"))
    for pop in Population:
        if pop not in config.links:
            problems.append(loc.message(("links",), f"missing links for {pop.value!r}"))
    return problems


def _take_over_problems(config: RoutingConfig, fid: str, t: TakeOver, loc: _Locator) -> list[str]:
    problems = []
    if not t.when or not t.entries:
        problems.append(loc.message(("faq", fid, "takes_over"), "needs entries and when"))
    for i, other in enumerate(t.entries):
        if other == fid or other not in config.faq:
            why = "an entry cannot take itself over" if other == fid else "unknown FAQ id"
            problems.append(loc.message(("faq", fid, "takes_over", "entries", i), why))
    return problems


def template_problem(template: str) -> str:
    """Why a public template is broken, or ``""``."""
    try:
        import string  # noqa: PLC0415 - only validating needs it

        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"broken template: {exc} (write {{{{ and }}}} for literal braces)"
    for _literal, field_name, spec, conversion in parts:
        if field_name is None:
            continue
        if field_name not in TEMPLATE_PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in sorted(TEMPLATE_PLACEHOLDERS))
            return f"unknown placeholder {{{field_name}}} (known: {known})"
        if spec or conversion:
            return f"placeholder {{{field_name}}} must not carry a format or conversion"
    return ""


def phrase_problem(phrase: str, what: str = "phrase") -> str:
    """Why a phrase (or example, or word) can never match, or ``""``."""
    if not phrase.strip():
        return f"{what} is empty"
    # imported here: routerbot.engine imports this module
    from routerbot.engine.text import normalise  # noqa: PLC0415

    if not normalise(phrase):
        return f"{what} has no letters or digits"
    return ""


# --------------------------------------------------------------------------- lines


class _Locator:
    """Finds the line of a TOML path by scanning the text (tomllib gives no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._headers: list[tuple[int, tuple[str, ...]]] = []
        for i, line in enumerate(self.lines):
            m = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
            if m:
                self._headers.append((i, _split_dotted(m.group(1))))

    def message(self, path: Sequence[str | int], text: str) -> str:
        where = " → ".join(_fmt_path(path)) or "(top level)"
        line = self.line_of(path)
        at = f" (line {line})" if line else ""
        return f"{where}{at}: {text}"

    def line_of(self, path: Sequence[str | int]) -> int | None:
        first_int = next((i for i, p in enumerate(path) if isinstance(p, int)), None)
        keys = [str(p) for p in (path if first_int is None else path[:first_int])]
        # 1. the longest table header that is a prefix of the path
        start, depth = -1, 0
        for i, header in self._headers:
            n = len(header)
            if n > depth and tuple(keys[:n]) == header:
                start, depth = i, n
        line_idx = start
        if depth < len(keys):
            # 2. the remaining keys, each as `key =` (or a dotted `a.b =`) after that
            search_from = start + 1 if depth else 0
            end = self._section_end(start) if depth else len(self.lines)
            for key in keys[depth:]:
                found = self._find_key(key, search_from, end)
                if found is None:
                    break
                line_idx = found
                search_from = found
        if line_idx < 0:
            return None
        # 3. an index into an array: the n-th item after the key
        if first_int is not None:
            index = path[first_int]
            assert isinstance(index, int)
            item = self._array_item_line(line_idx, index)
            if item is not None:
                return item + 1
        return line_idx + 1

    def _section_end(self, start: int) -> int:
        for i, _h in self._headers:
            if i > start:
                return i
        return len(self.lines)

    def _find_key(self, key: str, start: int, end: int) -> int | None:
        pat = re.compile(r"\s*(\"?)" + re.escape(key) + r"\1\s*(=|\.)")
        for i in range(start, min(end, len(self.lines))):
            if pat.match(self.lines[i]):
                return i
        # a key inside an inline table on one line
        inline = re.compile(r"[{,]\s*(\"?)" + re.escape(key) + r"\1\s*=")
        for i in range(start, min(end, len(self.lines))):
            if inline.search(self.lines[i]):
                return i
        return None

    def _array_item_line(self, key_line: int, index: int) -> int | None:  # noqa: PLR0912 - a tiny TOML scanner
        depth = 0
        count = -1
        in_str: str | None = None
        started = False
        for li in range(key_line, len(self.lines)):
            line = self.lines[li]
            col = line.find("=") + 1 if li == key_line else 0
            while col < len(line):
                ch = line[col]
                if in_str:
                    if ch == "\\" and in_str == '"':
                        col += 2
                        continue
                    if ch == in_str:
                        in_str = None
                elif ch == "#":
                    break
                elif ch in "\"'":
                    if depth == 1:
                        count += 1
                        if count == index:
                            return li
                    in_str = ch
                elif ch in "[{":
                    if depth == 1 and ch == "{":
                        count += 1
                        if count == index:
                            return li
                    depth += 1
                    started = True
                elif ch in "]}":
                    depth -= 1
                    if started and depth == 0:
                        return None
                col += 1
        return None


def _split_dotted(header: str) -> tuple[str, ...]:
    parts = re.findall(r'"([^"]*)"|([^.\s]+)', header)
    return tuple(a or b for a, b in parts)


def _fmt_path(path: Sequence[str | int]) -> list[str]:
    out: list[str] = []
    for p in path:
        if isinstance(p, int) and out:
            out[-1] += f"[{p}]"
        else:
            out.append(str(p))
    return out
