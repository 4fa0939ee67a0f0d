"""Deciding by example: the index on small hand-written routing files, the guards,
the explanation, quoted mail chains, login failures told by their symptom."""

from __future__ import annotations

from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config, parse_config
from routerbot.domain import Category, InternalNote, Person, Ticket
from routerbot.engine import decide
from routerbot.engine.conflicts import config_warnings, example_conflicts
from routerbot.engine.explain import decision_to_json, render_checklist, render_note

ROOT = Path(__file__).resolve().parents[2]

SMALL = """
version = 1
[thresholds]
faq_reply_min_confidence = 0.5
faq_margin = 0.1
[categories.habilitation]
target = "3/84"
examples = ["voici le formulaire d'habilitation rempli", "habilitation au module, formulaire joint"]
[categories.assistance_operateur]
target = "3/86"
examples = ["ma demande de certificat est bloquée", "erreur à la validation de la demande"]
[categories.assistance_sd]
target = "4/87"
[links.operateur]
form_link = "https://example.org/3/86"
contact_link = "https://example.org/3/86"
habilitation_link = "https://example.org/3/84"
[links.services_deconcentres]
form_link = "https://example.org/4/87"
contact_link = "https://example.org/4/87"
habilitation_link = "https://example.org/4/87"
[conversation]
ask_message = "Quel navigateur, quelle version ? (réf. routerbot/navigateur)"
ask_again_message = "Il manque la version (réf. routerbot/navigateur)"
reminder_message = "Avez-vous trouvé votre navigateur ?"
[login_failure.evidence]
strong = ["impossible de me connecter"]
[faq.connexion-impossible]
question = "Connexion ?"
answer = "Videz le cache."
examples = ["je n'arrive pas à me connecter"]
[faq.telecharger-modele]
question = "Comment télécharger un modèle ?"
answer = "Le bouton télécharger les documents."
examples = [
  "comment télécharger le modèle de certificat",
  "où récupérer le pdf du modèle de certificat",
  "le bouton pour télécharger le modèle",
]
never = ["certificat signé"]
[faq.nous-contacter]
question = "Comment vous contacter ?"
answer = "Écrivez-nous : {contact_link}"
examples = [
  "comment vous contacter",
  "quel est votre numéro de téléphone pour vous contacter",
  "adresse mail pour contacter l'assistance",
]
"""

PASSWORD_ENTRY = """
[faq.mot-de-passe-oublie]
question = "J'ai oublié mon mot de passe ?"
answer = "Réinitialisez-le sur moncompte."
examples = [
  "j'ai oublié mon mot de passe",
  "comment réinitialiser mon mot de passe",
  "mot de passe perdu, que faire",
]
"""


def small(extra: str = "") -> RoutingConfig:
    return parse_config(SMALL + extra, source="small.toml")


def make(
    description: str,
    *,
    summary: str = "Question",
    email: str = "paul@vergers-martin.fr",
    where: str = "3/86",
) -> Ticket:
    desk, rtype = where.split("/")
    return Ticket(
        key="EX-1",
        service_desk=desk,
        request_type=rtype,
        summary=summary,
        description=description,
        reporter=Person(display_name="Paul Renaud", email=email),
    )


@pytest.fixture(scope="module")
def shipped() -> RoutingConfig:
    return load_config(ROOT / "config" / "routing.toml")


# ------------------------------------------------------------------ the index


def test_the_closest_entrys_answer_is_sent() -> None:
    d = decide(make("Bonjour, comment télécharger le modèle du certificat ?"), small())
    assert d.reply_faq == "telecharger-modele"


def test_an_added_entry_works_with_no_code_change() -> None:
    ticket = make("Bonjour, j'ai oublié mon mot de passe, comment faire ?")
    assert decide(ticket, small()).reply_faq is None
    assert decide(ticket, small(PASSWORD_ENTRY)).reply_faq == "mot-de-passe-oublie"


def test_a_renamed_entry_answers_under_its_new_id() -> None:
    renamed = SMALL.replace("[faq.nous-contacter]", "[faq.contact]")
    d = decide(make("Quel est votre numéro de téléphone ?"), parse_config(renamed))
    assert d.reply_faq == "contact"


UNANSWERED = """
[unanswered]
examples = [
  "comment modifier l'adresse mail de contact de notre société",
  "peut-on corriger un certificat déjà signé",
]
"""


def test_a_question_the_faq_does_not_answer_holds_the_answer_back() -> None:
    ticket = make("Bonjour, comment modifier l'adresse mail de contact de notre société ?")
    # without the lead's example, "adresse mail … contacter" is read as nous-contacter
    assert decide(ticket, small()).reply_faq == "nous-contacter"
    d = decide(ticket, small(UNANSWERED))
    assert d.public_replies == ()
    assert d.explanation.unanswered is not None
    assert d.explanation.unanswered.text.startswith("comment modifier l'adresse mail")
    assert "held back" in d.reason
    [note] = d.internal_notes
    assert "Question hors FAQ la plus proche" in note.body
    assert decision_to_json(d)["explanation"]["unanswered"]["text"].startswith("comment")
    assert "held back by a question the FAQ does not answer" in render_checklist(d)


def test_the_faqs_own_questions_are_still_answered_beside_unanswered_examples() -> None:
    d = decide(make("Bonjour, comment vous contacter ?"), small(UNANSWERED))
    assert d.reply_faq == "nous-contacter"
    assert d.explanation.unanswered is None


def test_an_unanswered_example_the_faq_answers_is_flagged() -> None:
    clash = UNANSWERED.replace(
        '"peut-on corriger un certificat déjà signé",',
        '"peut-on corriger un certificat déjà signé", '
        '"comment télécharger le modèle de certificat",',
    )
    found = {(c.path, c.other_id) for c in example_conflicts(small(clash))}
    assert ("unanswered → examples[2]", "telecharger-modele") in found
    assert ("faq → telecharger-modele → examples[0]", "(unanswered)") in found
    # unlike each other by nature: one far from every entry is not flagged, although
    # it is no closer to its siblings
    plain = {c.path for c in example_conflicts(small(UNANSWERED))}
    assert "unanswered → examples[1]" not in plain


def test_a_short_text_said_whole_by_a_longer_example_is_close_to_it() -> None:
    index = small().compiled.faq_index
    short = index.features("télécharger le modèle")
    [best, *_] = index.scores(short)
    assert best.entry_id == "telecharger-modele"
    # the example says more than the text ("comment", "certificat"): its coverage
    # alone would be lower than the text's own coverage
    example = "comment télécharger le modèle de certificat"
    shared = short & index.features(example)
    example_cov = sum(index.weight[f] for f in shared) / sum(
        index.weight[f] for f in index.features(example)
    )
    assert best.nearest[0].score > example_cov


# ------------------------------------------------------------------ several questions


def test_two_questions_for_two_entries_get_the_note_not_one_answer() -> None:
    d = decide(
        make(
            "Bonjour,\n- comment télécharger le modèle de certificat ?\n"
            "- quel est votre numéro de téléphone pour vous contacter ?\nMerci"
        ),
        small(),
    )
    assert d.public_replies == ()
    [note] = [a for a in d.actions if isinstance(a, InternalNote)]
    assert "telecharger-modele" in note.body and "nous-contacter" in note.body


@pytest.mark.parametrize("joined", [", et quel est", " et quel est"])
def test_two_questions_joined_in_one_sentence_are_two(joined: str) -> None:
    """ "Comment télécharger le modèle, et quel est votre numéro ?" asks two things."""
    text = (
        "Bonjour, où récupérer le pdf du modèle de certificat avec le bouton pour "
        f"télécharger le modèle{joined} votre numéro de téléphone ?"
    )
    d = decide(make(text), small())
    assert d.public_replies == (), d.reason
    assert "several questions" in d.reason


def test_a_question_closest_to_a_forbidden_entry_is_not_a_second_question() -> None:
    """ "Who do we contact?" in a ticket whose words forbid the contact entry is part of
    the other question (as "qui contacter ?" asked about being habilitated is the
    procedure's): the one question the guards allow is answered."""
    guarded = SMALL.replace(
        '  "adresse mail pour contacter l\'assistance",\n]',
        '  "adresse mail pour contacter l\'assistance",\n]\nnever = ["brouillon"]',
    )
    assert guarded != SMALL
    text = (
        "Bonjour,\n- comment télécharger le modèle de certificat ?\n"
        "- quel est votre numéro de téléphone pour vous contacter sur mon brouillon ?\nMerci"
    )
    assert decide(make(text), parse_config(guarded)).reply_faq == "telecharger-modele"
    assert decide(make(text), small()).reply_faq is None  # both allowed: two questions


def test_one_question_told_in_two_sentences_is_still_answered() -> None:
    d = decide(
        make(
            "Bonjour, je prépare ma première demande. Comment télécharger le modèle de "
            "certificat ? Où récupérer le pdf du modèle de certificat ?"
        ),
        small(),
    )
    assert d.reply_faq == "telecharger-modele"


def test_an_announced_second_question_needs_less_to_count() -> None:
    text = (
        "Comment télécharger le modèle de certificat ?\nEt comment joindre quelqu'un de chez vous ?"
    )
    strict = small('\n[matching]\nseveral_questions = ["deux questions"]\n')
    assert decide(make(text), strict).reply_faq == "telecharger-modele"
    d = decide(make(f"Deux questions :\n{text}"), strict)
    assert d.public_replies == (), d.reason


def test_a_guard_word_blocks_the_question_it_is_in() -> None:
    d = decide(make("Bonjour, comment télécharger le certificat signé ?"), small())
    assert d.public_replies == ()


def test_a_guard_word_in_another_sentence_does_not_block_the_question() -> None:
    d = decide(
        make(
            "Bonjour, le certificat signé de la semaine dernière est bien arrivé.\n"
            "Autre chose : comment télécharger le modèle de certificat ?"
        ),
        small(),
    )
    assert d.reply_faq == "telecharger-modele", d.reason
    assert any("not in the question" in s.detail for s in d.signals)


def test_a_never_word_lifted_by_its_question_leaves_the_required_words_in_force() -> None:
    """The guard word sits outside the question, so it does not block; the entry's
    `requires` words must still be said ("refusée … Faut-il refaire une demande
    complète ?" is not the Agrément question: it never says "Agrément")."""
    strict = SMALL.replace(
        'never = ["certificat signé"]', 'never = ["certificat signé"]\nrequires = ["pdf"]'
    )
    config = parse_config(strict)
    text = (
        "Bonjour, le certificat signé de la semaine dernière est bien arrivé.\n"
        "Autre chose : comment télécharger le modèle de certificat ?"
    )
    d = decide(make(text), config)
    assert d.reply_faq is None, d.reason
    [cand] = [c for c in d.explanation.faq_candidates if c.faq_id == "telecharger-modele"]
    assert cand.blocked == "requires: none of its words"
    # said with a required word, the question is answered as before
    assert decide(make(text.replace("modèle", "PDF du modèle")), config).reply_faq == (
        "telecharger-modele"
    )


LIFTED = """
never_unless = [{ never = ["certificat signé"], when = ["avant signature"] }]
"""


def test_never_unless_lifts_some_never_words_when_its_phrases_are_said() -> None:
    config = parse_config(
        SMALL.replace(
            'never = ["certificat signé"]',
            'never = ["certificat signé", "archiver"]' + LIFTED,
        )
    )
    blocked = "Comment télécharger le modèle du certificat signé ?"
    assert decide(make(blocked), config).reply_faq is None
    lifted = "Comment télécharger le modèle du certificat signé, avant signature ?"
    assert decide(make(lifted), config).reply_faq == "telecharger-modele"
    # the other never words still hold
    other = "Comment télécharger le modèle du certificat signé, avant signature, pour archiver ?"
    d = decide(make(other), config)
    assert d.reply_faq is None
    [cand] = [c for c in d.explanation.faq_candidates if c.faq_id == "telecharger-modele"]
    assert cand.blocked == "never: archiver"


def test_never_unless_may_only_lift_the_entrys_own_never_words() -> None:
    from routerbot.errors import ConfigError  # noqa: PLC0415

    broken = SMALL.replace(
        'never = ["certificat signé"]',
        'never = ["certificat signé"]\nnever_unless = [{ never = ["pdf"], when = ["x y"] }]',
    )
    with pytest.raises(ConfigError, match="not one of the entry's never words"):
        parse_config(broken)


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour,\nJe remplace ma collègue pendant ses congés. Elle est la seule chez "
        "nous à avoir accès au module Certificats et je n'ai aucun compte. Quelle est la "
        "démarche pour que je sois habilitée à mon tour ?\nMerci",
        # a colleague and oneself, or taking over from a colleague, asked in English
        "Bonjour, ma collègue Inès et moi souhaitons être habilités au module Certificats. "
        "Quelle est la procédure ?",
        "Hello, I would like to be habilitated for the Certificats module myself, I take "
        "over from a colleague. What is the procedure?",
    ],
)
def test_a_newcomer_asking_to_be_habilitated_themselves_gets_the_procedure(
    shipped: RoutingConfig, text: str
) -> None:
    """ "collègue" keeps the procedure from answering "how do I habilitate my colleague";
    said by someone who replaces a colleague and asks for themselves, it does not."""
    d = decide(make(text, summary="Demande d'accès", where="3/84"), shipped)
    assert d.reply_faq == "procedure-habilitation", d.reason
    other = "Bonjour, quelle est la démarche pour que ma collègue soit habilitée ?"
    assert decide(make(other, where="3/84"), shipped).reply_faq != "procedure-habilitation"


def test_a_text_far_from_every_example_gets_no_public_answer() -> None:
    d = decide(make("Le poids net refuse les décimales dans le formulaire."), small())
    assert d.public_replies == ()


def test_a_never_word_forbids_the_entry() -> None:
    d = decide(make("Comment télécharger le certificat signé en PDF ?"), small())
    assert d.reply_faq is None
    [cand] = [c for c in d.explanation.faq_candidates if c.faq_id == "telecharger-modele"]
    assert cand.blocked == "never: certificat signé"


def test_requires_words_limit_an_entry_to_texts_that_hold_one() -> None:
    strict = SMALL.replace('never = ["certificat signé"]', 'requires = ["pdf"]')
    config = parse_config(strict)
    assert decide(make("Comment télécharger le modèle ?"), config).reply_faq is None
    assert decide(make("Où récupérer le PDF du modèle ?"), config).reply_faq == (
        "telecharger-modele"
    )


def test_a_required_word_is_met_one_typo_away_unless_the_file_uses_that_word() -> None:
    strict = SMALL.replace('never = ["certificat signé"]', 'requires = ["téléchargement"]')
    config = parse_config(strict)
    # "telechargment": one letter away from the required word, in no example
    assert decide(make("Le telechargment du modèle de certificat ?"), config).reply_faq == (
        "telecharger-modele"
    )
    # two letters away: not the word
    d = decide(make("Le telechrgment du modèle de certificat ?"), config)
    assert d.reply_faq is None
    [cand] = [c for c in d.explanation.faq_candidates if c.faq_id == "telecharger-modele"]
    assert cand.blocked == "requires: none of its words"
    # a word one letter away that an example uses is that word, not a typo
    known = strict.replace('"le bouton pour télécharger le modèle",', '"le bouton telechargent",')
    d = decide(make("Le telechargent du modèle de certificat ?"), parse_config(known))
    assert d.reply_faq is None


COLLEAGUE_ENTRY = """
[faq.habiliter-collegue]
question = "Comment habiliter un collègue ?"
answer = "Par la gestion des utilisateurs."
examples = [
  "comment habiliter un collègue au module",
  "comment ajouter un collègue comme demandeur",
  "un nouveau salarié doit faire les demandes, comment faire",
]
requires = ["collègue", "salarié"]
[faq.habiliter-collegue.takes_over]
entries = ["telecharger-modele"]
when = ["lui donner"]
"""


def test_an_entry_takes_over_a_rivals_question_said_with_its_words() -> None:
    config = small(COLLEAGUE_ENTRY)
    text = "Comment télécharger le modèle de certificat pour lui donner ?"
    d = decide(make(text), config)
    # the words say the question is the colleague entry's: it is answered, with the
    # closeness of the entry it took over, although its own `requires` words are absent
    assert d.reply_faq == "habiliter-collegue"
    [taken] = [c for c in d.explanation.faq_candidates if c.faq_id == "telecharger-modele"]
    assert taken.blocked == "taken over by habiliter-collegue: lui donner"
    assert any(s.name == "faq.habiliter-collegue.takes_over" for s in d.signals)
    # without the words, the rival answers as before
    assert decide(make("Comment télécharger le modèle de certificat ?"), config).reply_faq == (
        "telecharger-modele"
    )
    # an agent telling of an operator ("lui" is the operator) is not taken over
    agent = make(text, email="agent@agriculture.gouv.fr", where="4/87")
    assert decide(agent, config).reply_faq != "habiliter-collegue"


def test_an_entry_its_never_words_forbid_takes_nothing_over() -> None:
    """ "Nous comptons lui donner le rôle X : avec ce rôle pourra-t-il…" — the take-over
    words are said, but the taker's own never words forbid it: the rival answers."""
    config = small(
        COLLEAGUE_ENTRY.replace(
            'requires = ["collègue", "salarié"]',
            ('requires = ["collègue", "salarié"]\nnever = ["avec ce bouton"]'),
        )
    )
    text = "Comment télécharger le modèle de certificat pour lui donner avec ce bouton ?"
    d = decide(make(text), config)
    assert d.reply_faq == "telecharger-modele", d.reason
    assert not any(s.name == "faq.habiliter-collegue.takes_over" for s in d.signals)


@pytest.mark.parametrize(
    ("takes_over", "error"),
    [
        ('entries = ["nope"]\nwhen = ["lui"]', "unknown FAQ id"),
        ('entries = ["habiliter-collegue"]\nwhen = ["lui"]', "cannot take itself over"),
        ('entries = ["telecharger-modele"]\nwhen = []', "needs entries and when"),
        (
            'entries = ["telecharger-modele"]\nwhen = ["lui"]\nkeeps_category_at = 1.5',
            "keeps_category_at .*less than or equal to 1",
        ),
    ],
)
def test_a_take_over_naming_no_other_entry_is_refused(takes_over: str, error: str) -> None:
    from routerbot.errors import ConfigError  # noqa: PLC0415

    broken = COLLEAGUE_ENTRY.split("[faq.habiliter-collegue.takes_over]", maxsplit=1)[0]
    broken += "[faq.habiliter-collegue.takes_over]\n" + takes_over + "\n"
    with pytest.raises(ConfigError, match=error):
        small(broken)


def test_requires_also_asks_for_a_second_word_besides_requires() -> None:
    extra = 'requires = ["modèle"]\nrequires_also = ["pdf", "bouton"]\n'
    cfg = parse_config(SMALL.replace('never = ["certificat signé"]', extra))
    assert decide(make("comment télécharger le modèle de certificat en pdf ?"), cfg).reply_faq == (
        "telecharger-modele"
    )
    d = decide(make("comment télécharger le modèle de certificat ?"), cfg)
    assert d.reply_faq is None
    assert any("requires_also" in s.detail for s in d.signals), d.signals


def test_requires_when_unasked_holds_a_text_that_asks_nothing_and_names_none() -> None:
    extra = 'requires_when_unasked = ["pdf", "bouton"]\n'
    cfg = parse_config(SMALL.replace('never = ["certificat signé"]', extra))
    # a text that asks keeps the entry's answer, whatever its words
    asked = decide(make("comment télécharger le modèle de certificat ?"), cfg)
    assert asked.reply_faq == "telecharger-modele", asked.reason
    # a text that asks nothing needs one of the words
    d = decide(make("Téléchargement du modèle de certificat.", summary="Modèle"), cfg)
    assert d.reply_faq is None
    assert any("requires_when_unasked" in s.detail for s in d.signals), d.signals
    named = decide(
        make("Le bouton de téléchargement du modèle de certificat.", summary="Modèle"), cfg
    )
    assert not any("requires_when_unasked" in s.detail for s in named.signals), named.signals


def test_requires_when_unasked_words_are_checked() -> None:
    from routerbot.errors import ConfigError  # noqa: PLC0415

    broken = SMALL.replace('never = ["certificat signé"]', 'requires_when_unasked = [""]')
    with pytest.raises(ConfigError, match="requires_when_unasked"):
        parse_config(broken)


def test_an_access_request_that_asks_nothing_gets_no_procedure_answer(
    shipped: RoutingConfig,
) -> None:
    """'Demande d'accès au module Certificats' alone asks for access, not for how to get
    it: a habilitation for the agents; naming the procedure asks it."""
    request = decide(
        make(
            "Bonjour,\nJe souhaiterais être habilité comme demandeur sur le module "
            "Certificats pour notre coopérative.\nCordialement\nMarc Tessier",
            summary="Demande d'accès module Certificats",
            where="3/84",
        ),
        shipped,
    )
    assert request.category is Category.HABILITATION
    assert request.reply_faq is None, request.reason
    named = decide(make("", summary="procédure d'habilitation au module certificats"), shipped)
    assert named.reply_faq == "procedure-habilitation", named.reason


def test_the_agrement_entry_needs_agrement_said(shipped: RoutingConfig) -> None:
    """Asked whether to go through the DD or the desk to be habilitated, with no word
    of Agrément: the procedure's question, not whether Agrément opens Certificats."""
    d = decide(
        make(
            "On passe par la DD ou par vous pour être habilités sur Certificats ?",
            where="3/84",
        ),
        shipped,
    )
    assert d.reply_faq == "procedure-habilitation", d.reason


def test_a_ticket_filed_par_erreur_tells_of_no_error(shipped: RoutingConfig) -> None:
    """ "erreur" forbids the download answer (an error is a bug); "déposé par erreur"
    (by mistake) is no error."""
    text = "Déposé dans le 84 par erreur, désolé. Comment télécharger le modèle de certificat ?"
    assert decide(make(text, where="3/84"), shipped).reply_faq == "telecharger-modele"
    bug = "Quand je veux télécharger le modèle de certificat j'ai une erreur, que faire ?"
    assert decide(make(bug), shipped).reply_faq is None


@pytest.mark.parametrize(
    "text",
    ["la liste des modèles à jour elle est où", "les modèles en ligne c où"],
)
def test_where_asked_without_a_question_mark_is_a_question(
    shipped: RoutingConfig, text: str
) -> None:
    d = decide(make(text, summary="modèles"), shipped)
    assert d.reply_faq == "modeles-en-ligne", d.reason


def test_when_a_model_comes_online_is_not_which_model_is_online(shipped: RoutingConfig) -> None:
    text = "À quelle date le nouveau modèle de certificat pour le Japon sera-t-il en ligne ?"
    assert decide(make(text), shipped).reply_faq is None
    assert decide(make("Le modèle pour le Japon est-il en ligne ?"), shipped).reply_faq == (
        "modeles-en-ligne"
    )


def test_a_typo_and_an_accent_do_not_hide_the_entry() -> None:
    d = decide(make("comment telecharjer le modele de certificat ?"), small())
    assert d.reply_faq == "telecharger-modele"


def test_synonyms_carry_the_examples_to_other_words() -> None:
    text = "How do I download the template?"
    assert decide(make(text), small()).reply_faq is None
    with_synonyms = SMALL.replace(
        "[thresholds]",
        '[matching]\nsynonyms = [["telecharger", "download"], ["modele", "template"]]\n'
        "[thresholds]",
    )
    assert decide(make(text), parse_config(with_synonyms)).reply_faq == "telecharger-modele"


def test_the_habilitation_examples_decide_an_operators_category() -> None:
    config = small()
    hab = decide(make("Voici notre formulaire d'habilitation rempli."), config)
    assert hab.category is Category.HABILITATION
    other = decide(make("Ma demande de certificat est bloquée depuis lundi."), config)
    assert other.category is Category.ASSISTANCE_OPERATEUR


def test_the_category_vocabulary_leans_to_the_side_whose_examples_use_the_words() -> None:
    from routerbot.engine.index import TwoSidedVocabulary  # noqa: PLC0415

    voc = TwoSidedVocabulary.of(
        [{"habilit", "formulair"}, {"habilit", "dossi"}, {"habilit", "certificat"}],
        [{"certificat", "bloqu"}, {"certificat", "erreur"}],
    )
    lean, words = voc.lean({"habilit", "dossi", "inconnu"})
    assert lean > 2.0
    assert words[0] == "habilit"
    assert voc.lean({"bloqu", "erreur"})[0] < -1.0
    assert voc.lean({"inconnu"}) == (0.0, ())


def test_a_long_letter_sending_habilitation_papers_is_habilitation(
    shipped: RoutingConfig,
) -> None:
    # said in a letter that matches no single habilitation example closely
    letter = (
        "Bonjour,\nSuite à notre rendez-vous avec la dame de la DDPP du Gers la semaine "
        "dernière, je vous fais parvenir les papiers qu'elle m'a aidé à remplir pour "
        "l'habilitation de mon élevage de canards, tout est signé. Je ne sais pas si je "
        "dois aussi les envoyer par la poste.\nBien à vous\nGérard Castex"
    )
    d = decide(make(letter, summary="papiers", email="gerard.castex@orange.fr"), shipped)
    assert d.category is Category.HABILITATION
    assert d.reroute is not None and str(d.reroute.target) == "3/84"
    assert any(s.name == "category.vocabulary" and s.fired for s in d.signals)


# ------------------------------------------------------------------ the explanation


def test_the_explanation_lists_the_nearest_examples_and_the_runner_up() -> None:
    d = decide(make("Comment vous contacter par téléphone ?"), small())
    [best, *_] = d.explanation.faq_candidates
    assert best.faq_id == "nous-contacter"
    texts = [n.text for n in best.nearest_examples]
    assert "quel est votre numéro de téléphone pour vous contacter" in texts
    assert all(n.entry_id == "nous-contacter" for n in best.nearest_examples)
    scores = [n.score for n in best.nearest_examples]
    assert scores == sorted(scores, reverse=True)
    assert d.explanation.runner_up is not None
    assert d.explanation.runner_up.faq_id != "nous-contacter"


def test_triage_and_json_show_the_closest_examples() -> None:
    d = decide(make("Comment vous contacter par téléphone ?"), small())
    checklist = render_checklist(d)
    assert "closest examples:" in checklist
    assert "quel est votre numéro de téléphone pour vous contacter" in checklist
    assert "(runner-up)" in checklist
    data = decision_to_json(d)
    first = data["explanation"]["faq_candidates"][0]
    assert first["faq_id"] == "nous-contacter"
    assert first["nearest_examples"][0]["entry_id"] == "nous-contacter"


def test_the_agents_note_names_the_closest_example_of_each_candidate() -> None:
    d = decide(make("Comment vous contacter par téléphone ?"), small())
    note = render_note(d, [("nous-contacter", 0.9)])
    closest = d.explanation.faq_candidates[0].nearest_examples[0].text
    assert f"- nous-contacter : exemple le plus proche « {closest} »" in note


# ------------------------------------------------------------------ check-config


def test_an_example_closer_to_another_entry_is_flagged() -> None:
    misplaced = SMALL.replace(
        '  "adresse mail pour contacter l\'assistance",\n',
        '  "adresse mail pour contacter l\'assistance",\n'
        '  "où télécharger le pdf du modèle de certificat",\n',
    )
    conflicts = example_conflicts(parse_config(misplaced))
    [conflict] = [c for c in conflicts if c.entry_id == "nous-contacter"]
    assert conflict.path == "faq → nous-contacter → examples[3]"
    assert conflict.other_id == "telecharger-modele"
    assert conflict.other_score > conflict.own_score
    assert str(conflict).startswith(
        "faq → nous-contacter → examples[3] 'où télécharger le pdf du modèle de certificat' "
        "is closer to telecharger-modele"
    )


def test_distinct_entries_raise_no_conflict() -> None:
    assert example_conflicts(small()) == []


def test_an_entry_with_few_examples_is_warned_about() -> None:
    warnings = config_warnings(small())
    assert "faq → nous-contacter → examples: 3 example(s), teach it with at least 15" in warnings


def test_an_example_its_own_guards_forbid_is_warned_about() -> None:
    guarded = SMALL.replace(
        '  "le bouton pour télécharger le modèle",\n',
        '  "le bouton pour télécharger le modèle",\n  "où télécharger le certificat signé",\n',
    )
    warnings = config_warnings(parse_config(guarded))
    assert (
        "guarded: faq → telecharger-modele → examples[3] 'où télécharger le certificat "
        "signé' is forbidden by the entry's own guards (never: certificat signé): it would "
        "not be answered"
    ) in warnings
    assert not [w for w in config_warnings(small()) if w.startswith("guarded:")]


def test_the_shipped_file_teaches_every_entry_with_fifteen_examples(
    shipped: RoutingConfig,
) -> None:
    warnings = config_warnings(shipped)
    assert not [w for w in warnings if "teach it with at least" in w]
    # and no example its own entry's guards forbid
    assert not [w for w in warnings if w.startswith("guarded:")]


# ------------------------------------------------------------------ quoted mail chains


def test_a_forwarded_chain_is_decided_on_the_question_on_top(shipped: RoutingConfig) -> None:
    body = (
        "Bonjour,\n\nComment télécharger le modèle de certificat en PDF pour le relire "
        "avant de soumettre la demande ?\n\nMerci\nPaul\n\n"
        "-----Message d'origine-----\n"
        "De : Paul Renaud <paul@vergers-martin.fr>\n"
        "Envoyé : lundi 4 mars 2024 09:12\n"
        "À : assistance@expadon.fr\n"
        "Objet : compte\n\n"
        "Bonjour, je suis agent à la DDPP du Rhône. Comment vous contacter par téléphone ? "
        "Comment créer un compte ?\n"
    )
    d = decide(make(body), shipped)
    assert d.reply_faq == "telecharger-modele", render_checklist(d)
    assert d.population is not None and d.population.value == "operateur"


def test_quoted_old_question_does_not_trip_a_guard(shipped: RoutingConfig) -> None:
    body = (
        "Bonjour, où trouver la liste des modèles de certificats disponibles en ligne ?\n\n"
        "Le 3 mars 2024 à 10:02, Paul Renaud a écrit :\n"
        "> Comment télécharger le PDF du modèle ?\n"
    )
    d = decide(make(body), shipped)
    assert d.reply_faq == "modeles-en-ligne", render_checklist(d)


# ------------------------------------------------------------------ login failures


@pytest.mark.parametrize(
    "body",
    [
        "Après avoir saisi mon identifiant et mon mot de passe, j'arrive sur une page blanche.",
        "Le site affiche « identifiant ou mot de passe incorrect » alors que je viens de le "
        "changer.",
        "À chaque connexion j'ai le message session expirée et ça recommence en boucle.",
        "Hello, after signing in I only get a blank page.",
        "It says invalid username or password although it is correct.",
        # the symptom after typing the credentials, with no login-failure words
        "Je rentre mon identifiant et mon mot de passe, ça tourne, et je reviens sur la page "
        "d'accueil comme si je n'avais rien fait. Que dois-je faire ?",
        "quand je fais l'accès avec mes identifiants, la page du module des Certificats reste "
        "complètement blanche, aucune erreur n'est montrée",
        # a negative said in another sentence takes nothing away from the failure
        "La semaine dernière j'ai fait deux demandes sans souci. Depuis lundi, impossible de me "
        "connecter à Expadon.",
        "Erreur à la connexion sur Expadon 2 depuis ce matin. Nous avons des certificats à signer.",
        # courteous: "il ne m'est plus possible d'accéder", "des difficultés pour me connecter"
        "Il ne m'est plus possible, depuis lundi matin, d'accéder au module Certificats.",
        "Je rencontre des difficultés pour me connecter à Expadon 2 depuis mon poste.",
        "Après saisie de mon identifiant et de mon mot de passe, l'écran se recharge et je me "
        "retrouve à nouveau sur la page d'accueil.",
    ],
)
def test_a_login_failure_told_by_its_symptom_asks_for_the_browser(
    shipped: RoutingConfig, body: str
) -> None:
    d = decide(make(body), shipped)
    assert d.login_failure and d.ask_browser, render_checklist(d)


def test_a_version_dictated_in_words_needs_no_question(shipped: RoutingConfig) -> None:
    d = decide(make("Impossible de me connecter, j'utilise firefox cent quinze."), shipped)
    assert d.browser is not None and (d.browser.name, d.browser.version) == ("firefox", "115")
    assert not d.ask_browser


def test_a_phone_signature_is_not_a_browser(shipped: RoutingConfig) -> None:
    d = decide(make("Je n'arrive plus à me connecter.\n\nEnvoyé de mon iPhone"), shipped)
    assert d.browser is None and d.ask_browser


@pytest.mark.parametrize(
    "summary, body",
    [
        ("cnx", "ça marche pas"),
        ("Connexion", "safari 17.2 mac, bloqué à la connexion"),
        ("Expadon", "ça charge pas après le login depuis ce matin"),
        ("Accès", "Pas moyen de me connecter depuis ce matin, message Accès refusé."),
    ],
)
def test_a_login_failure_told_tersely_is_one(
    shipped: RoutingConfig, summary: str, body: str
) -> None:
    d = decide(make(body, summary=summary), shipped)
    assert d.login_failure, render_checklist(d)


@pytest.mark.parametrize(
    "body",
    [
        "Mme Léger a un message d'erreur quand elle veut se connecter à Expadon depuis lundi.",
        "Notre responsable est absent ; sur son poste, la connexion à Expadon plante avec "
        "un écran gris, sous Opera.",
        "Mon collègue a une erreur en se connectant, il me demande de vous écrire.",
    ],
)
def test_a_login_failure_told_for_someone_else_is_one(shipped: RoutingConfig, body: str) -> None:
    d = decide(make(body, summary="Connexion"), shipped)
    assert d.login_failure, render_checklist(d)


def test_a_file_that_does_not_open_is_not_a_login_failure(shipped: RoutingConfig) -> None:
    body = (
        "Quand je clique sur télécharger les documents je reçois un zip, "
        "mais je ne peux pas l'ouvrir, il est corrompu."
    )
    d = decide(make(body), shipped)
    assert not d.login_failure and not d.ask_browser, render_checklist(d)


def test_a_terse_question_without_a_question_mark_is_answered(shipped: RoutingConfig) -> None:
    d = decide(make("", summary="c quoi gestion des utilisateurs"), shipped)
    assert d.reply_faq == "gestion-utilisateurs", render_checklist(d)


def test_an_sso_loop_with_a_browser_is_not_answered_as_a_missing_account(
    shipped: RoutingConfig,
) -> None:
    body = (
        "Impossible de se connecter au module Certificats : après saisie des identifiants "
        "sur la mire d'authentification, le navigateur revient sur l'accueil puis repart "
        "vers l'authentification, en boucle.\nUser-Agent : Mozilla/5.0 (Windows NT 10.0; "
        "Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
        "Safari/537.36 Edg/120.0.2210.91"
    )
    d = decide(make(body), shipped)
    # Edge is not recommended: the login entry's advice, not "create an account"
    assert d.reply_faq == "connexion-impossible", render_checklist(d)
    assert d.browser is not None and d.browser.name == "edge"


def test_changing_an_accounts_email_is_not_creating_one(shipped: RoutingConfig) -> None:
    body = (
        "J'ai changé d'adresse mail professionnelle. Comment je peux modifier l'email "
        "dans mon compte ? Je ne veux pas créer un nouveau compte."
    )
    d = decide(make(body), shipped)
    assert d.public_replies == (), render_checklist(d)


PROCEDURE_ENTRY = """
[faq.procedure]
question = "Quelle est la procédure d'habilitation ?"
category = "habilitation"
answer = "Contactez votre DD."
examples = [
  "quelle est la procédure pour être habilité au module certificats",
  "comment se faire habiliter au module certificats",
  "que faut-il faire pour obtenir l'habilitation certificats",
]
"""


def test_a_ticket_filed_as_a_habilitation_stays_when_its_candidates_are_habilitation_ones() -> None:
    config = small(PROCEDURE_ENTRY)
    text = "comment faire pour être habilité, notre société démarre l'export ?"
    d = decide(make(text, where="3/84"), config)
    assert d.candidates and d.candidates[0][0] == "procedure"
    assert d.reply_faq is None  # not close enough to answer…
    assert d.category is Category.HABILITATION  # …but it says what kind of ticket it is
    assert d.reroute is None
    # filed elsewhere, the same weak likeness moves nothing
    assert decide(make(text, where="3/86"), config).category is Category.ASSISTANCE_OPERATEUR


# ------------------------------------------------ who may get an entry's answer

RELAYED_ENTRY = """
[faq.procedure]
question = "Opérateur : quelle est la procédure pour être habilité ?"
answer = "Contactez votre DD : {habilitation_link}"
populations = ["operateur", "services_deconcentres"]
requires_when = { services_deconcentres = ["exportateur"] }
never_when = { services_deconcentres = ["lui transmettre"] }
min_confidence_when = { services_deconcentres = 0.9 }
examples = [
  "quelle est la procédure pour être habilité au module certificats",
  "comment être habilité au module certificats",
  "démarche pour obtenir l'habilitation certificats",
]
"""

AGENT = {"email": "agent@agriculture.gouv.fr", "where": "4/87"}


def test_an_agent_passing_on_an_operators_question_gets_the_operators_answer() -> None:
    config = small(RELAYED_ENTRY)
    asked = "Quelle est la procédure pour être habilité au module certificats ?"
    # an operator asking gets it; an agent naming the exporter they ask for gets it too
    assert decide(make(asked), config).reply_faq == "procedure"
    relayed = f"Bonjour, un exportateur me demande : {asked[0].lower()}{asked[1:]}"
    assert decide(make(relayed, **AGENT), config).reply_faq == "procedure"
    # an agent asking for themselves says no exporter: no answer
    assert decide(make(asked, **AGENT), config).reply_faq is None


def test_never_when_keeps_an_entry_and_every_other_from_that_population() -> None:
    """ "Quels documents dois-je lui transmettre ?" asks what the agent's own service
    does: the operators' procedure is not answered to them, and no other entry is
    answered in its place (the ticket is about the procedure)."""
    config = small(RELAYED_ENTRY)
    text = (
        "Bonjour, un exportateur veut savoir quelle est la procédure pour être habilité au "
        "module certificats, et comment vous contacter. Que dois-je lui transmettre ?"
    )
    d = decide(make(text, **AGENT), config)
    assert d.reply_faq is None, d.reason
    [cand] = [c for c in d.explanation.faq_candidates if c.faq_id == "procedure"]
    assert not cand.eligible and not cand.blocked
    why = [s.detail for s in d.signals if s.name == "faq.procedure.population"]
    assert why == ["never_when.services_deconcentres: lui transmettre"]
    # the words keep the answer from agents only: an operator who says them gets it
    said = (
        "Bonjour, notre DD nous a dit de lui transmettre le dossier : quelle est la "
        "procédure pour être habilité au module certificats ?"
    )
    assert decide(make(said), config).reply_faq == "procedure"


def test_min_confidence_when_asks_a_relayed_question_to_be_plainly_the_entrys() -> None:
    config = small(RELAYED_ENTRY)
    loose = "Bonjour, un exportateur voudrait être habilité, que faire pour le module ?"
    d_agent = decide(make(loose, **AGENT), config)
    [cand] = [c for c in d_agent.explanation.faq_candidates if c.faq_id == "procedure"]
    assert cand.confidence < 0.9
    assert d_agent.reply_faq is None
    why = [s.detail for s in d_agent.signals if s.name == "faq.procedure.population"]
    assert why and why[0].startswith("min_confidence_when.services_deconcentres: ")
    # a lower floor lets the same relayed question through
    lowered = small(
        RELAYED_ENTRY.replace("services_deconcentres = 0.9", "services_deconcentres = 0.3")
    )
    assert decide(make(loose, **AGENT), lowered).reply_faq == "procedure"


@pytest.mark.parametrize("key", ["requires_when", "never_when", "min_confidence_when"])
def test_a_per_population_key_must_name_one_of_the_entrys_populations(key: str) -> None:
    from routerbot.errors import ConfigError  # noqa: PLC0415

    broken = RELAYED_ENTRY.replace(
        'populations = ["operateur", "services_deconcentres"]', 'populations = ["operateur"]'
    )
    others = {"requires_when", "never_when", "min_confidence_when"} - {key}
    lines = [ln for ln in broken.splitlines() if ln.split(" =")[0] not in others]
    with pytest.raises(ConfigError, match="not one of the entry's populations"):
        small("\n".join(lines))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an agent passing on an exporter's question gets the operators' procedure
        (
            "Bonjour, une conserverie de mon département me demande quelle est la "
            "procédure pour qu'un opérateur soit habilité au module Certificats. Merci",
            "procedure-habilitation",
        ),
        # what the agent's own service must send is not in the operators' answer
        (
            "Bonjour, un exportateur veut être habilité au module Certificats : quelle est "
            "la procédure, et quels documents dois-je lui transmettre ? Merci",
            None,
        ),
        # an agent asking for their own access names no operator
        (
            "Bonjour, je viens d'arriver à la DDPP, quelle est la procédure pour être "
            "habilitée au module Certificats ? Merci",
            None,
        ),
    ],
)
def test_the_shipped_procedure_answers_an_agent_only_for_an_operator(
    shipped: RoutingConfig, text: str, expected: str | None
) -> None:
    d = decide(make(text, summary="Habilitation", **AGENT), shipped)
    assert d.category is Category.ASSISTANCE_SD
    assert d.reply_faq == expected, d.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a cooperative or a forwarder named: the agent asks for an operator
        (
            "Bonjour, la coopérative céréalière du secteur me demande comment leur "
            "administrateur local habilite un nouveau collègue au module Certificats ?",
            "habiliter-collegue",
        ),
        (
            "Bonjour, je voudrais comprendre ce que permet l'application gestion des "
            "utilisateurs, pour l'expliquer en réunion. Merci",
            "gestion-utilisateurs",
        ),
    ],
)
def test_the_shipped_entries_answer_an_agent_asking_for_operators(
    shipped: RoutingConfig, text: str, expected: str
) -> None:
    d = decide(make(text, summary="Question", **AGENT), shipped)
    assert d.reply_faq == expected, d.reason
