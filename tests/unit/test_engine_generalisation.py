"""FAQ entries told apart by what their answer is about, asked in words the dev set
never used; and the margin rule that keeps near-ties out of public replies."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config, parse_config
from routerbot.domain import (
    AuthorRole,
    Category,
    Comment,
    InternalNote,
    Person,
    Ticket,
)
from routerbot.engine import classify, decide
from routerbot.engine.classify import FaqScore
from routerbot.engine.decide import _candidates_agree, reply_choice
from routerbot.engine.explain import render_checklist
from routerbot.engine.lexicon import Lexicon, Words, compile_phrase, find, light_key, light_keys
from routerbot.engine.text import normalise
from routerbot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / "routing.toml"


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(SHIPPED)


def make(
    description: str,
    *,
    summary: str = "Question",
    email: str = "contact@laiterie-des-monts.fr",
    where: str = "3/86",
) -> Ticket:
    desk, rtype = where.split("/")
    return Ticket(
        key="G-1",
        service_desk=desk,
        request_type=rtype,
        summary=summary,
        description=description,
        reporter=Person(display_name="Paul Renaud", email=email),
    )


def shipped_with(key: str, value: str) -> str:
    """The shipped routing file with the first ``key = …`` line set to ``value``."""
    text = SHIPPED.read_text(encoding="utf-8")
    return re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)


def with_margin(margin: str) -> str:
    return shipped_with("faq_margin", margin)


# ------------------------------------------------------------------ the margin rule


def _faq(fid: str, confidence: float, *, eligible: bool = True, blocked: str = "") -> FaqScore:
    return FaqScore(fid, confidence, (), eligible, (), blocked)


def test_close_runner_up_blocks_the_public_answer(config: RoutingConfig) -> None:
    faqs = [_faq("habiliter-collegue", 0.9), _faq("gestion-utilisateurs", 0.85)]
    top, rival = reply_choice(faqs, config)
    assert top is None
    assert rival is not None and rival.faq_id == "gestion-utilisateurs"


def test_clear_leader_is_answered(config: RoutingConfig) -> None:
    faqs = [_faq("role-admin-local", 0.9), _faq("habiliter-collegue", 0.3)]
    top, rival = reply_choice(faqs, config)
    assert top is not None and top.faq_id == "role-admin-local" and rival is None


@pytest.mark.parametrize(("asked", "answered"), [(True, True), (False, False)])
def test_a_clear_lead_answers_a_question_not_a_statement(
    config: RoutingConfig, asked: bool, answered: bool
) -> None:
    # under the reply threshold, far ahead of the runner-up: answered only when asked
    thr = config.thresholds
    low = thr.faq_reply_min_confidence - 0.01
    assert low >= thr.faq_clear_lead_min_confidence
    faqs = [_faq("procedure-habilitation", low), _faq("creer-mon-compte", low - 0.25)]
    top, _ = reply_choice(faqs, config, asked=asked)
    assert (top is not None) is answered


ROLE_FOR_MYSELF = (
    "Hello,\nI am demandeur on Certificats. Our admin local retired, so nobody manages the "
    "users. I need the role administrateur local for myself: what do I send?\nThanks\nGraham"
)


@pytest.mark.parametrize(("floor", "answered"), [("0.5", False), ("0.0", True)])
def test_an_entry_beaten_by_a_guarded_one_needs_to_stand_alone(floor: str, answered: bool) -> None:
    # role-admin-local (forbidden: one's own role is asked of the habilitation form) beats
    # gestion-utilisateurs by the margin: under faq_below_guarded_min_confidence the
    # ticket is the forbidden entry's matter, and the agents answer it
    config = parse_config(
        shipped_with("faq_below_guarded_min_confidence", floor), source="test.toml"
    )
    d = decide(make(ROLE_FOR_MYSELF, email="g.scott@cantal-cattle.fr"), config)
    assert bool(d.public_replies) is answered, d.reason
    assert any(s.name == "faq.below_guarded" for s in d.signals) is not answered


COLLEAGUE_HAS_AN_ACCOUNT = (
    "Bonjour,\n\nJe suis demandeur et administratrice locale pour notre maison de négoce. "
    "Une collègue, Mme Nadia Ferrand, doit pouvoir saisir des demandes quand je suis en "
    "congés.\nConcrètement, comment je fais pour l'habiliter ? Elle a déjà créé son "
    "compte.\n\nMerci\nSophie"
)


@pytest.mark.parametrize(("passes_on", "answered"), [("true", True), ("false", False)])
def test_guards_that_pass_on_leave_the_entry_below_answered(passes_on: str, answered: bool) -> None:
    # creer-mon-compte, forbidden by "déjà créé son compte", beats habiliter-collegue by
    # the margin; its guards say the ticket has gone past it (guards_pass_on)
    config = parse_config(shipped_with("guards_pass_on", passes_on), source="test.toml")
    d = decide(make(COLLEAGUE_HAS_AN_ACCOUNT, email="s.martin@negoce-martin.fr"), config)
    replied = [a.faq_id for a in d.public_replies]
    assert replied == (["habiliter-collegue"] if answered else []), d.reason


def test_an_entry_its_guards_forbid_is_no_rival(config: RoutingConfig) -> None:
    faqs = [
        _faq("creer-mon-compte", 0.9),
        _faq("procedure-habilitation", 0.88, blocked="never: ci-joint"),
    ]
    top, _ = reply_choice(faqs, config)
    assert top is not None and top.faq_id == "creer-mon-compte"


def test_an_entry_the_requester_may_not_receive_is_not_answered(config: RoutingConfig) -> None:
    faqs = [_faq("procedure-habilitation", 0.9, eligible=False), _faq("creer-mon-compte", 0.2)]
    top, _ = reply_choice(faqs, config)
    assert top is None


def test_after_a_login_failure_only_an_entry_that_explains_it_competes(
    config: RoutingConfig,
) -> None:
    faqs = [_faq("gestion-utilisateurs", 0.9), _faq("role-admin-local", 0.7)]
    explains = frozenset(fid for fid, e in config.faq.items() if e.explains_login_failure)
    top, _ = reply_choice(faqs, config, login_failure=True, explaining=explains)
    assert top is not None and top.faq_id == "role-admin-local"


FAILURE_AND_A_COLLEAGUES_ACCOUNT = (
    "Bonjour,\nDepuis jeudi je n'arrive plus à me connecter à Expadon, la page reste "
    "blanche.\nAutre chose : {who} commence lundi, comment crée-t-elle son compte « mon "
    "compte » ?\nMerci\nPaul"
)


@pytest.mark.parametrize("who", ["notre nouvelle assistante", "notre nouvelle vacataire"])
@pytest.mark.parametrize(("unless", "replied"), [(None, []), ("[]", ["creer-mon-compte"])])
def test_an_account_that_is_someone_elses_explains_no_login_failure(
    unless: str | None, replied: list[str], who: str
) -> None:
    # creer-mon-compte explains a failure (no account yet), not the author's failure
    # beside a question about a colleague's account: two questions, the note has both
    text = SHIPPED.read_text(encoding="utf-8")
    if unless is not None:
        text = shipped_with("explains_login_failure_unless", unless)
    config = parse_config(text, source="test.toml")
    d = decide(make(FAILURE_AND_A_COLLEAGUES_ACCOUNT.format(who=who)), config)
    assert [a.faq_id for a in d.public_replies] == replied, d.reason
    assert d.login_failure


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        # the author's own missing account still explains their login failure
        (
            "Bonjour, impossible de me connecter à Expadon : je crois que je n'ai pas "
            "encore de compte. Comment est-ce que je le crée ?\nMerci",
            "creer-mon-compte",
        ),
        # ("temps" is no temp's: the account is still the author's)
        (
            "Bonjour, impossible de me connecter à Expadon depuis quelque temps : je crois "
            "que je n'ai pas encore de compte. Comment est-ce que je le crée ?\nMerci",
            "creer-mon-compte",
        ),
        # a statement before "et je voudrais savoir" is no question of its own
        (
            "Bonjour,\nJe viens d'arriver au service logistique et je voudrais savoir "
            "comment contacter le support si on a un problème : quel formulaire ?\nMerci",
            "nous-contacter",
        ),
        # "c'est fait" with no question above it tells, it takes nothing back
        (
            "Impossible de me connecter, l'écran reste blanc. J'utilise Chrome version 104.\n"
            "PS : merci pour l'habilitation de mon collègue, c'est fait.",
            "connexion-impossible",
        ),
        # "dès que c'est fait" tells what comes next
        (
            "On me dit qu'il faut d'abord un « mon compte ». Comment je le crée ? Je vous "
            "envoie les documents dès que c'est fait.",
            "creer-mon-compte",
        ),
        # news from the DD that settles nothing: the papers came, "mais" a question
        # follows in the same sentence; nobody answered meanwhile
        (
            "Bonjour, la DDPP m'a déjà envoyé les papiers pour l'habilitation, mais il me "
            "faut d'abord un compte « mon compte » : comment le créer ? Merci",
            "creer-mon-compte",
        ),
        (
            "Bonjour, j'ai écrit à la DDPP il y a trois semaines, entre-temps personne ne "
            "m'a répondu. Quelle est la procédure pour être habilité au module Certificats ?",
            "procedure-habilitation",
        ),
    ],
)
def test_one_question_beside_what_is_told_is_answered(
    text: str, faq: str, config: RoutingConfig
) -> None:
    d = decide(make(text), config)
    assert [a.faq_id for a in d.public_replies] == [faq], d.reason


def test_margin_zero_answers_a_tie() -> None:
    config = parse_config(with_margin("0.0"), source="test.toml")
    faqs = [_faq("nous-contacter", 0.9), _faq("telecharger-modele", 0.9)]
    top, _ = reply_choice(faqs, config)
    assert top is not None and top.faq_id == "nous-contacter"


@pytest.mark.parametrize("bad", ["-0.1", "1.5", '"wide"'])
def test_faq_margin_out_of_range_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(with_margin(bad), source="test.toml")
    assert any("faq_margin" in p for p in info.value.problems)


def test_two_questions_at_once_get_a_note_with_both_not_a_public_answer(
    config: RoutingConfig,
) -> None:
    d = decide(
        make(
            "Deux questions : comment télécharger le PDF du modèle de certificat ? "
            "Et quel est le lien du formulaire pour contacter l'assistance ?"
        ),
        config,
    )
    assert d.public_replies == (), render_checklist(d)
    [note] = [a for a in d.actions if isinstance(a, InternalNote)]
    assert "telecharger-modele" in note.body and "nous-contacter" in note.body
    assert "several questions" in d.reason


@pytest.mark.parametrize(
    "body",
    [
        # joined by "et aussi", no question mark between them
        "Bonjour, je ne trouve pas où télécharger le modèle du certificat sur ma demande, et "
        "aussi comment savoir si le modèle pour Israël est en ligne ? Merci",
        # spelt by ear, no question mark at all
        "coman on telecharge le modele et coman on sai les modele qui sont en ligne",
        # an enumeration on one line
        "Bonjour, deux choses rapides : 1) comment on crée un compte mon compte pour "
        "notre nouvel apprenti 2) comment savoir si le modèle pour le Vietnam est en "
        "ligne. Merci",
        # the second question joined by "et si oui"
        "Bonjour, je voudrais savoir si le modèle pour les fromages vers le Chili est "
        "en ligne, et si oui comment je télécharge le PDF pour l'envoyer au client. "
        "Merci",
        # announced: the second is a question though it lacks its entry's required words
        "Bonjour, deux questions : 1) comment télécharger le modèle de certificat une fois "
        "la demande lancée ? 2) comment savoir quel modèle est en vigueur pour le Japon ?",
        # "et aussi s'il existe …" joins an indirect second question
        "Bonjour, pouvez-vous me dire quels modèles de certificats sont en ligne, et aussi "
        "s'il existe un numéro pour vous appeler directement ?",
        # dictated with no punctuation: "première question … deuxième question …"
        "bonjour deux questions première question comment je donne l'accès à mon collègue "
        "je suis administrateur local deuxième question comment on télécharge le modèle "
        "de certificat merci",
        # "et euh comment …" (dictated)
        "bonjour deux questions comment on sait quel modèle est en ligne pour le Japon et "
        "euh comment on télécharge le modèle du certificat merci",
        # "…, et par quel formulaire …": the question word after a preposition
        "Bonjour, deux choses : comment savoir quel modèle est en ligne pour la Corée, et par "
        "quel formulaire vous contacter par téléphone ? Merci.",
        # "… ? Et comment le télécharger ?": short, but no ellipsis
        "Modèle Japon en ligne ? Et comment le télécharger ?",
        # the second names the model by a pronoun: "lequel est en ligne"
        "Bonjour, comment récupérer le modèle de certificat en PDF, et comment savoir "
        "lequel est en ligne en ce moment pour Singapour ?",
        # the same joined in one sentence: "et comment le télécharger" keeps its "et"
        "Bonjour, je cherche à savoir quel modèle est en ligne pour le Vietnam et comment "
        "le télécharger. Merci d'avance.",
        # asked in case the answer to the first is no: a second question
        "Bonjour, étant habilitée à Agrément, est-ce que je le suis aussi à Certificats ? "
        "Si ce n'est pas le cas, quelle est la procédure à suivre ?",
        # the same, opened by "et"
        "Bonjour, notre société a déjà Agrément : cela nous donne-t-il Certificats ? Et si "
        "ce n'est pas le cas, comment faire la demande d'habilitation ?",
        # the same joined in one sentence: ", et si non quelle …"
        "Bonjour, notre laiterie est habilitée Agrément : est-ce que cela vaut pour le "
        "module Certificats, et si non quelle est la démarche à suivre ?",
        # asked in case the answer is yes, the same: "Question 2 : si oui, quelle …"
        "Bonjour,\n\nQuestion 1 : notre entreprise est habilitée sur Agrément, faut-il "
        "faire une nouvelle demande pour Certificats ?\nQuestion 2 : si oui, quelle est la "
        "procédure ?\n\nCordialement",
        # "… et si oui, comment …" (an enumeration)
        "Bonjour,\n1) comment savoir si le certificat pour l'export de foin vers l'Arabie "
        "saoudite existe sur Expadon ?\n2) et si oui, comment on récupère le modèle pour le "
        "montrer à notre client ?\nMerci",
        # "? Et sinon comment …" (no comma after "sinon": in case the answer is no)
        "Bonjour c'est Paul du haras Morel, euh on est habilités pour l'agrément, est-ce "
        "que ça vaut pour les certificats ? Et sinon comment on fait pour être habilité, "
        "c'est quoi la marche à suivre, on appelle qui ? Merci",
        # an indirect question, the second joined by "et où" without a question mark
        "Bonjour, j'aimerais savoir comment télécharger le PDF du modèle de certificat et "
        "où je vois les modèles qui sont en ligne.",
        # a question mark closing an aside ends no question; "et aussi où consulter …"
        "Bonjour, je voudrais savoir comment joindre l'assistance (un numéro direct ?) et "
        "aussi où consulter les modèles de certificats en ligne.",
        # a login failure asked beside another FAQ question: the browser answers half
        "Bonjour, deux choses :\n1) pourquoi je n'arrive plus à me connecter depuis hier ?\n"
        "2) comment savoir si le modèle pour la Corée est en ligne ?\nMerci",
    ],
)
def test_two_questions_without_a_question_mark_between_them_are_two(
    config: RoutingConfig, body: str
) -> None:
    d = decide(make(body), config)
    assert d.public_replies == (), render_checklist(d)
    assert "several questions" in d.reason


@pytest.mark.parametrize(
    "subject",
    [
        # the subject is all the author wrote, two questions joined by "+"
        "Comment télécharger le modèle + comment vous contacter",
        "Modèle Japon en ligne ? + comment vous joindre",
    ],
)
def test_two_questions_joined_by_a_plus_in_a_bare_subject_are_two(
    config: RoutingConfig, subject: str
) -> None:
    d = decide(make("", summary=subject), config)
    assert d.public_replies == (), render_checklist(d)
    assert "several questions" in d.reason


@pytest.mark.parametrize(
    ("body", "asks"),
    [
        ("admin local operateur ca donne acces a certificats ou pas", True),
        ("le modele usa volailles est il en ligne", True),
        ("c'est il y a deux jours que le certificat est parti", False),
        # "I can't find where…" asks where; "I don't know if…" is only unsure
        ("je ne trouve pas ou telecharger le modele du certificat", True),
        ("je ne sais pas comment donner l'acces a mon collegue", True),
        ("je ne sais pas si j'utilise le bon formulaire", False),
        # the English noun is no French "comment"; "il l'a, comment je lui donne…" asks
        ("there is no comment in the file", False),
        ("the comment field of the request is empty", False),
        ("une fois qu'il l'a, comment je lui donne acces", True),
    ],
)
def test_a_yes_or_no_question_without_a_question_mark_asks(body: str, asks: bool) -> None:
    assert classify._asks(normalise(body)) is asks


def test_a_question_joined_by_et_au_passage_is_a_second_question() -> None:
    parts = classify._clauses(
        "pour télécharger le modèle je fais comment, et au passage, y a-t-il une adresse "
        "mail pour vous écrire ?",
        lambda s: s,
    )
    assert parts == [
        "pour télécharger le modèle je fais comment ?",
        "y a-t-il une adresse mail pour vous écrire ?",
    ]


def test_a_sentence_opening_with_par_ailleurs_is_a_part_of_its_own() -> None:
    own = (
        "je me demande par quel formulaire nous devons passer pour vous écrire. "
        "Par ailleurs, où voir la liste des modèles en ligne ?"
    )
    parts = [p for p in classify._question_parts(own, lambda s: s) if p.strip()]
    assert parts == [
        "je me demande par quel formulaire nous devons passer pour vous écrire.",
        "Par ailleurs, où voir la liste des modèles en ligne ?",
    ]
    # a full stop before other words does not cut
    assert classify._question_parts("Merci. Où est la liste ?", lambda s: s)[0] == (
        "Merci. Où est la liste ?"
    )


def test_an_enumeration_d_une_part_d_autre_part_is_two_questions(config: RoutingConfig) -> None:
    ticket = make(
        "Je souhaiterais savoir, d'une part, où l'on peut vérifier qu'un modèle de "
        "certificat pour ce pays est bien en ligne et, d'autre part, comment l'on peut "
        "obtenir ce modèle en format PDF pour le soumettre à notre client."
    )
    d = decide(ticket, config)
    assert d.public_replies == (), render_checklist(d)
    asked = classify.several_questions(classify.prepare(ticket, config), config)
    assert {f for f, _ in asked} == {"modeles-en-ligne", "telecharger-modele"}


@pytest.mark.parametrize(
    "body",
    [
        "2 questions stp 1 comment creer mon compte sur le site 2 comment on habilite un collègue",
        "Deux questions : 1. comment créer mon compte ? 2. comment habiliter un collègue ?",
        "deux questions 1/ comment creer mon compte 2/ comment habiliter une collègue",
        # an earlier "1." that starts nothing: the "1)" enumeration is the one read
        "Depuis le 1. janvier, deux questions 1) comment creer mon compte 2) comment "
        "habiliter une collègue comme demandeur",
    ],
)
def test_an_enumeration_on_one_line_is_one_question_a_member(
    config: RoutingConfig, body: str
) -> None:
    ticket = make(body)
    asked = classify.several_questions(classify.prepare(ticket, config), config)
    assert {f for f, _ in asked} == {"creer-mon-compte", "habiliter-collegue"}
    assert decide(ticket, config).public_replies == ()


def test_numbers_without_a_question_after_them_enumerate_nothing(config: RoutingConfig) -> None:
    parts = classify._enumerated("nous avons 1 certificat en attente et 2 lots bloqués", str)
    assert parts == ["nous avons 1 certificat en attente et 2 lots bloqués"]


def test_a_joined_clause_without_a_question_word_stays_one_question(
    config: RoutingConfig,
) -> None:
    d = decide(
        make("Comment télécharger le modèle du certificat et le renvoyer à notre client ?"),
        config,
    )
    assert d.reply_faq == "telecharger-modele", render_checklist(d)


@pytest.mark.parametrize(
    ("body", "email", "where"),
    [
        # the second question, read alone, leans to an entry the first one's words forbid
        (
            "Bonjour, on vient de me nommer administratrice locale, deux questions :\n"
            "- l'application gestion des utilisateurs, elle sert à quoi au juste ?\n"
            "- avec ce rôle, est-ce que je pourrai aussi saisir nos demandes de "
            "certificats ?\nMerci",
            "contact@laiterie-des-monts.fr",
            "3/86",
        ),
        # an agent asks two things an exporter asked them
        (
            "Bonjour,\nun nouvel exportateur m'a appelé, il a deux questions :\n"
            "- comment il se crée un compte pour accéder à Expadon ;\n"
            "- quelle est ensuite la démarche pour être habilité aux certificats.\n"
            "Que dois-je lui répondre ?\nCordialement",
            "paul.renaud@haute-garonne.gouv.fr",
            "4/87",
        ),
        # a login failure told, then a question joined by "et je voudrais aussi savoir"
        (
            "Bonjour, impossible de me connecter depuis mardi et je voudrais aussi savoir "
            "comment habiliter ma nouvelle collègue au module.\nMerci",
            "contact@laiterie-des-monts.fr",
            "3/86",
        ),
        # the failure and the question share a line: the question's own sentence, read
        # alone, asks another entry
        (
            "Bonjour, je n'arrive pas à me connecter depuis mardi. Et puisque je vous "
            "écris, comment savoir quels modèles sont disponibles en ligne ?\nMerci",
            "contact@laiterie-des-monts.fr",
            "3/86",
        ),
        # numbered questions: the first, which the second's words would take over, is
        # one of its own
        (
            "Bonjour,\nJe viens d'être nommé administrateur local pour notre société.\n"
            "1) Avec ce rôle, est-ce que je peux me connecter aux Certificats ?\n"
            "2) Comment j'habilite mes collègues ?\nMerci d'avance",
            "s.lopez@lopez-agrumes.fr",
            "3/86",
        ),
        # the second question announced by "separately"
        (
            "Hi, I was given administrateur local, can I use it to get into Certificats? "
            "And separately, how do I create a mon compte account for the colleague who "
            "joins us on Monday? Thanks, Gareth",
            "contact@laiterie-des-monts.fr",
            "3/86",
        ),
        # dictated questions numbered aloud with no comma ("deux questions point un
        # comment … point deux comment …")
        (
            "bonjour virgule c'est pour ma mère virgule deux questions point un comment on "
            "sait quel modèle de certificat est en ligne pour les noix vers le Canada point "
            "deux comment on télécharge le modèle de certificat une fois qu'on l'a trouvé "
            "point merci",
            "contact@laiterie-des-monts.fr",
            "3/86",
        ),
        # the second question in a postscript
        (
            "Bonjour,\nPuis-je accéder au module Certificats avec le rôle administrateur "
            "local ? Merci\n\nPS : et pour habiliter mon collègue, comment je fais ?",
            "contact@laiterie-des-monts.fr",
            "3/86",
        ),
    ],
)
def test_announced_questions_each_close_to_an_entry_are_several(
    config: RoutingConfig, body: str, email: str, where: str
) -> None:
    d = decide(make(body, email=email, where=where), config)
    assert d.public_replies == (), render_checklist(d)
    assert "several questions" in d.reason


def test_several_questions_one_about_habilitation_go_to_the_habilitation_desk(
    config: RoutingConfig,
) -> None:
    d = decide(
        make(
            "Bonjour,\n1. Quelle est la procédure pour être habilité au module Certificats ?\n"
            "2. A quoi sert l'application gestion des utilisateurs ?\nMerci"
        ),
        config,
    )
    assert d.public_replies == (), render_checklist(d)
    assert d.category is Category.HABILITATION, render_checklist(d)


# ------------------------------------------------------------------ near neighbours

NEIGHBOURS = [
    # sees only the user-management application: does the role open Certificats?
    (
        "role-admin-local",
        "Depuis ma nomination, quand je me connecte je ne vois que l'application gestion "
        "des utilisateurs. Ce rôle d'administrateur local permet-il d'entrer dans le module "
        "Certificats ?",
    ),
    # has the local admin role, cannot get into Certificats / which role is needed
    (
        "role-admin-local",
        "On m'a attribué le rôle d'administratrice locale mais le menu Certificats reste "
        "grisé. Quel rôle me faut-il ?",
    ),
    (
        "role-admin-local",
        "I am local administrator for my firm. Which role do I need to file certificate requests?",
    ),
    # give a colleague access, add a user
    (
        "habiliter-collegue",
        "Comment ajouter notre stagiaire pour qu'il puisse saisir des demandes ? Je suis "
        "l'administrateur local.",
    ),
    ("habiliter-collegue", "How do I grant our new employee access to the Certificats module?"),
    ("habiliter-collegue", "comment habiliter un employé de notre entrepôt sur expadon ?"),
    # what the user-management application is for (removing a departed colleague is not
    # asked of the FAQ: see test_a_departed_colleagues_access_to_remove_gets_no_public_answer)
    (
        "gestion-utilisateurs",
        "Je suis administratrice locale : à quoi me sert l'application gestion des utilisateurs ?",
    ),
    # no account yet
    ("creer-mon-compte", "je n'ai aucun identifiant, où faut-il s'inscrire ?"),
    ("creer-mon-compte", "Where can I register? I don't have any account yet."),
]


@pytest.mark.parametrize(("faq_id", "body"), NEIGHBOURS)
def test_near_neighbour_entries_are_told_apart(
    config: RoutingConfig, faq_id: str, body: str
) -> None:
    d = decide(make(body), config)
    assert d.reply_faq == faq_id, render_checklist(d)
    assert d.category is Category.ASSISTANCE_OPERATEUR


def test_habilitating_an_employee_is_not_the_habilitation_procedure(
    config: RoutingConfig,
) -> None:
    d = decide(
        make("comment habiliter une autre salariée pour me remplacer pendant mes congés ?"), config
    )
    assert d.reply_faq != "procedure-habilitation", render_checklist(d)
    assert d.category is Category.ASSISTANCE_OPERATEUR
    assert d.reroute is None


def test_agent_without_an_account_gets_the_account_answer_not_a_browser_question(
    config: RoutingConfig,
) -> None:
    d = decide(
        make(
            "Bonjour, nouvelle arrivée à la DDETSPP, je n'ai pas encore d'identifiant. "
            "Comment créer mon compte ?",
            email="a.petit@correze.gouv.fr",
            where="4/87",
        ),
        config,
    )
    assert d.reply_faq == "creer-mon-compte", render_checklist(d)
    assert not d.ask_browser


@pytest.mark.parametrize(
    "body",
    [
        "J'ai bien créé mon compte hier mais je n'arrive pas à me connecter à Expadon.",
        "Impossible d'accéder à mon compte depuis ce matin, la page reste blanche.",
    ],
)
def test_a_failing_existing_account_is_still_a_login_failure(
    config: RoutingConfig, body: str
) -> None:
    d = decide(make(body), config)
    assert d.ask_browser, render_checklist(d)
    assert d.reply_faq == "connexion-impossible"


# ------------------------------------------------------------------ recall

RECALL = [
    (
        "modeles-en-ligne",
        "Le modèle pour le lait en poudre vers l'Algérie est-il disponible sur Expadon ?",
    ),
    ("modeles-en-ligne", "Where do you announce new certificate models when they go live?"),
    ("modeles-en-ligne", "Y a-t-il une liste complète des certificats dématérialisés ?"),
    ("modeles-en-ligne", "How can we tell which health certificate templates are live?"),
    (
        "agrement-vs-certificat",
        "We are registered in the Agrément module. Is that valid for the certificates "
        "module as well?",
    ),
    ("agrement-vs-certificat", "notre habilitation agrément couvre-t-elle aussi les certificats ?"),
    (
        "procedure-habilitation",
        "Nous démarrons l'export de miel. Quelles démarches pour obtenir l'accès à Expadon "
        "Certificats ?",
    ),
]


@pytest.mark.parametrize(("faq_id", "body"), RECALL)
def test_entries_are_found_however_they_are_asked(
    config: RoutingConfig, faq_id: str, body: str
) -> None:
    d = decide(make(body), config)
    assert d.reply_faq == faq_id, render_checklist(d)


def test_a_models_question_filed_as_habilitation_goes_to_assistance(
    config: RoutingConfig,
) -> None:
    d = decide(
        make(
            "Avant d'envoyer notre dossier d'habilitation, comment savoir quels modèles "
            "de certificats sont en ligne ?",
            where="3/84",
        ),
        config,
    )
    assert d.reply_faq == "modeles-en-ligne", render_checklist(d)
    assert d.category is Category.ASSISTANCE_OPERATEUR
    assert d.reroute is not None and str(d.reroute.target) == "3/86"


def test_a_legal_notice_does_not_hide_the_question(config: RoutingConfig) -> None:
    d = decide(
        make(
            "Bonjour,\n\nQuelle est la démarche pour être habilités au module Certificats ?"
            "\n\nCordialement,\nPaul Renaud\n\n--\nCe courriel et les pièces jointes sont "
            "confidentiels et destinés exclusivement à leurs destinataires. Si vous l'avez "
            "reçu par erreur, merci de le supprimer."
        ),
        config,
    )
    assert d.reply_faq == "procedure-habilitation", render_checklist(d)


# ------------------------------------------------------------------ corrections


def _operator(description: str, summary: str = "Question") -> Ticket:
    return Ticket(
        key="CH-1",
        service_desk="3",
        request_type="86",
        summary=summary,
        description=description,
        reporter=Person(display_name="Sandrine Lefèvre", email="s.lefevre@vergers-loire.fr"),
    )


def test_a_question_asked_after_a_correction_is_the_ticket(config: RoutingConfig) -> None:
    d = decide(
        _operator(
            "Je n'arrive pas à me connecter au module.\n\nEDIT : ah, c'est bon pour la "
            "connexion, j'ai vidé le cache. Par contre comment télécharger le modèle de "
            "certificat de ma demande ?",
            summary="Connexion impossible",
        ),
        config,
    )
    assert (d.reply_faq, d.ask_browser) == ("telecharger-modele", False), d.reason


@pytest.mark.parametrize(
    "said",
    [
        "Comment habiliter ma collègue qui vient d'arriver ?\n\n... laissez tomber, "
        "j'ai trouvé : je lui ai mis le rôle demandeur, elle a bien accès. Désolée.",
        "Bonjour, je cherchais comment télécharger le modèle de certificat avant de remplir "
        "la demande... Bon, en fait je viens de trouver le bouton « télécharger les "
        "documents » en haut à droite, c'est bon. Désolé pour le dérangement !",
        # settled by the author below the question ("c'est fait")
        "Comment crée-t-on un compte « mon compte » ? ... Je viens de voir que ça se fait "
        "sur moncompte.agriculture.gouv.fr, c'est fait.\nMerci quand même.",
        "Est-ce que le rôle administrateur local suffit pour faire les demandes ?\n\nBon, en "
        "écrivant j'ai fini par comprendre : je me suis mis demandeur dans gestion des "
        "utilisateurs.",
        # "ignorez ma question", then only a remark
        "Comment savoir quel modèle est en ligne ? Ah, je viens de voir la liste sur "
        "Info.Com, ignorez ma question. Le modèle Corée y est bien marqué en ligne.",
        # the office that was to send the papers sent them, or answered, meanwhile
        "Quelle est la procédure pour être habilitée au module Certificats ?\n\nMise à "
        "jour : la DDETSPP m'a répondu entre-temps, elle m'envoie le formulaire. Je "
        "reviendrai vers vous avec le dossier rempli.",
        "Bonjour, comment on fait pour être habilité sur Certificats ?\n... en relisant mes "
        "mails je vois que la DDPP m'a déjà envoyé les documents lundi, désolé. Je les "
        "remplis et je vous les renvoie.",
        # an edit that says it was found, a ticket closed by its author
        "Où est le bouton pour télécharger le modèle du certificat ?\n\nEdit : trouvé, il "
        "est en haut à droite de la demande. Désolé !",
        "Je n'arrive plus à me connecter depuis ce matin, message d'erreur.\n\nMise à jour "
        "14h : après avoir vidé le cache, tout remarche. Vous pouvez clore.",
        "Comment savoir si le modèle pour le Japon est en ligne ? ... oh pardon je viens de "
        "trouver la liste sur Info.Com. Désolée pour le dérangement.",
        # "mais je viens de trouver": found while writing
        "Bonjour, je voulais vous demander où télécharger le modèle mais je viens de "
        "trouver le bouton en haut à droite. Tout est bon, merci quand même !",
        # the button seen after all, and only a remark about the PDF after it
        "Bonjour, où est-ce qu'on télécharge le modèle du certificat ?\nAh je viens de voir "
        "le bouton « télécharger les documents », pardon. Par contre le logo du ministère "
        "est un peu flou à l'impression.",
    ],
)
def test_a_question_taken_back_gets_no_public_answer(config: RoutingConfig, said: str) -> None:
    d = decide(_operator(said), config)
    assert d.public_replies == (), d.reason
    assert "took the question back" in d.reason


@pytest.mark.parametrize(
    "said",
    [
        "Bonjour,\nJe cherchais comment vous contacter... ah je vois que c'est ce "
        "formulaire-ci, très bien. Donc ma vraie question : l'opérateur n'arrive pas à "
        "soumettre sa demande, il a le message « modèle indisponible » alors que le "
        "modèle était utilisé la semaine dernière.",
        "Bonjour, quel modèle est en ligne pour le Vietnam ? Bon, je l'ai sous les yeux sur "
        "Info.Com. Ma seule vraie question : le champ « quantité » refuse les décimales "
        "avec une virgule, c'est un bug ?",
    ],
)
def test_what_follows_ma_vraie_question_is_the_matter_though_it_only_tells(
    config: RoutingConfig, said: str
) -> None:
    d = decide(_operator(said), config)
    assert d.public_replies == (), d.reason


@pytest.mark.parametrize(
    "later",
    [
        "Ma question n'a plus lieu d'être, mon responsable m'a expliqué. Vous pouvez clôturer.",
        "c bon jai trouvé merci",
    ],
)
def test_a_question_closed_in_a_later_comment_gets_no_answer(
    config: RoutingConfig, later: str
) -> None:
    ticket = _operator("Bonjour, à quoi sert l'application gestion des utilisateurs ?")
    comment = Comment(id="c1", author=AuthorRole.CUSTOMER, body=later)
    d = decide(dataclasses.replace(ticket, comments=(comment,)), config)
    assert d.public_replies == (), d.reason


@pytest.mark.parametrize(
    ("summary", "description"),
    [
        (
            "RE: Accès au module Certificats",
            "Parfait, merci beaucoup pour votre aide !\nNadia\n\nDe : Assistance Expadon 2\n"
            "Envoyé : mercredi 10 janvier 2024 11:18\nObjet : Accès au module Certificats\n\n"
            "Bonjour,\nLe rôle d'administrateur local opérateur ouvre l'application « gestion "
            "des utilisateurs », pas le module Certificats.",
        ),
        ("Connexion", "Merci, c'est réglé de mon côté, tout fonctionne. Bonne journée"),
    ],
)
def test_a_ticket_that_only_thanks_gets_no_public_answer(
    config: RoutingConfig, summary: str, description: str
) -> None:
    d = decide(_operator(description, summary=summary), config)
    assert d.public_replies == (), d.reason
    assert any(s.name == "withdrawn" and "only thanks" in s.detail for s in d.signals)


@pytest.mark.parametrize(
    "description",
    [
        # thanks said, but a problem told: a message to read
        "bonjour ca marche pas je peux pas me connecter a expadon depuis ce matin. merci de "
        "regler le probleme rapidement on a un camion qui part ce soir",
        "Merci pour votre aide. Par contre je n'arrive toujours pas à me connecter",
        # "merci de" and a verb asks: no thank-you with nothing to answer
        "ERREUR A LA CONNECTION DEPUIS CE MATIN SUR EXPADON, merci de regler le probleme",
    ],
)
def test_thanks_beside_a_problem_is_not_only_thanks(
    config: RoutingConfig, description: str
) -> None:
    d = decide(_operator(description, summary="Connexion"), config)
    assert d.ask_browser, d.reason


def test_a_failure_the_cache_solved_is_no_failure(config: RoutingConfig) -> None:
    d = decide(
        _operator(
            "Merci Julien pour votre aide hier sur mon souci de connexion, c'était bien le "
            "cache ! Maintenant que je suis dedans : le modèle du certificat, je le télécharge "
            "comment ?",
            summary="Merci + téléchargement",
        ),
        config,
    )
    assert not d.login_failure, d.reason
    assert d.reply_faq == "telecharger-modele", d.reason


def test_a_page_that_hangs_after_the_credentials_is_a_login_failure(
    config: RoutingConfig,
) -> None:
    d = decide(
        _operator(
            "Depuis cette semaine Expadon ne s'ouvre plus, la page reste bloquée sur le logo "
            "après l'identification. Je suis sur Chrome 98.",
            summary="Expadon ne s'ouvre plus",
        ),
        config,
    )
    assert d.login_failure, d.reason
    assert d.reply_faq == "connexion-impossible", d.reason  # Chrome 98 is too old


def test_habilitation_spelt_without_its_h_meets_agrement_vs_certificat(
    config: RoutingConfig,
) -> None:
    d = decide(
        _operator(
            "nous avons l'abilitation agrement sur expadon depuis 2 ans. est ce que on est "
            "abilité aussi pour les certificat ou bien faut refaire une demande ?",
            summary="abilitation certificat",
        ),
        config,
    )
    assert d.reply_faq == "agrement-vs-certificat", d.reason


@pytest.mark.parametrize(
    ("description", "category", "reply"),
    [
        # documents sent, and a question an assistance entry answers: the documents decide
        (
            "Vous trouverez en pièce jointe mon dossier d'habilitation rempli avec la "
            "DDETSPP. Mon associée n'a pas de compte mon compte : comment le crée-t-elle ?",
            Category.HABILITATION,
            "creer-mon-compte",
        ),
        # the same question without documents: the assistance entry decides
        (
            "Mon associée n'a pas de compte mon compte : comment le crée-t-elle ?",
            Category.ASSISTANCE_OPERATEUR,
            "creer-mon-compte",
        ),
        # documents sent ("je vous envoie", "attaching") and no answer sure enough (two
        # questions, two entries too close to call): the documents still decide
        (
            "Bonjour, je vous envoie le dossier d'habilitation rempli avec la DDPP pour "
            "accéder au module Certificats. Et comment mon associé crée-t-il son compte mon "
            "compte ?",
            Category.HABILITATION,
            None,
        ),
        # the same in English: the question is the FAQ's own (its English example), so
        # it is answered beside the documents, which still decide the category
        (
            "Hello, I'm attaching our signed habilitation forms for the Certificats module. "
            "How does my colleague create his mon compte account?",
            Category.HABILITATION,
            "creer-mon-compte",
        ),
    ],
)
def test_habilitation_documents_sent_decide_the_category(
    config: RoutingConfig, description: str, category: Category, reply: str | None
) -> None:
    d = decide(_operator(description, summary="Dossier et question"), config)
    assert d.reply_faq == reply, d.reason
    assert d.category is category, d.reason


def test_ca_marche_pas_takes_nothing_back(config: RoutingConfig) -> None:
    d = decide(_operator("je n'arrive pas à me connecter à Expadon, ça marche pas, merci"), config)
    assert d.ask_browser, d.reason


def test_sinon_with_a_comma_is_by_the_way_not_a_second_question(config: RoutingConfig) -> None:
    # "Sinon, …" opens another matter (here one the FAQ does not answer), not a question
    # asked in case the answer to the first is no: the FAQ question keeps its answer
    d = decide(
        _operator(
            "Bonjour, comment savoir quel modèle est en ligne pour le Japon ? Sinon, "
            "pourquoi l'aperçu avant impression reste-t-il vide depuis hier ?"
        ),
        config,
    )
    assert d.reply_faq == "modeles-en-ligne", render_checklist(d)


def test_another_question_adds_to_the_first(config: RoutingConfig) -> None:
    # the failure and another FAQ question: two FAQ questions, both in the note (until
    # the twenty-fifth session the failure was asked about and the question left aside;
    # thresholds.question_beside_login_min_confidence, measured in routing.toml)
    d = decide(
        _operator(
            "Depuis ce matin impossible de se connecter. Autre question sans urgence : à "
            "quoi sert l'appli gestion des utilisateurs ?"
        ),
        config,
    )
    assert d.login_failure, d.reason
    assert not d.ask_browser, d.reason
    assert "several questions" in d.reason


# ------------------------------------------------------------------ matching


def test_a_known_word_is_not_read_as_a_typo_of_another_known_word() -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.learn(["obtenir", "modele", "acces", "module"])
    lex.freeze()
    words = Words.of(lex.keys(normalise("comment obtenir l'accès au module certificats")))
    assert find(words, compile_phrase(lex, "acces module"), gap=2)
    assert not find(words, compile_phrase(lex, "obtenir modele"), gap=2)


def test_known_inflections_and_real_typos_still_match() -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.learn(["habilite", "agrement", "telecharger", "modele"])
    lex.freeze()
    words = Words.of(lex.keys(normalise("je suis habilitée agrément")))
    assert find(words, compile_phrase(lex, "habilite agrement"), gap=2)
    words = Words.of(lex.keys(normalise("comment telecharjer le modele")))
    assert find(words, compile_phrase(lex, "telecharger modele"), gap=2)


def test_words_with_digits_are_corrected_only_towards_words_one_digit_away() -> None:
    # a word with two digits more than any known word is not looked up for a typo (one
    # edit changes one character): the same keys as looking
    lex = Lexicon((), typo_min_length=5)
    lex.learn(["cerfa12", "modele"])
    lex.freeze()
    assert lex.key("cerfa13") == "cerfa12"
    assert lex.key("cerfa123") == "cerfa12"  # one digit more: still one edit away
    assert lex.key("c1erfa123") == "c1erfa123"
    assert lex.key("a123456") == "a123456"
    assert lex.key("modeles") == "model"


def test_a_negation_in_a_phrases_gap_turns_it_around() -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.freeze()
    phrase = compile_phrase(lex, "je suis administrateur local")
    said = Words.of(lex.keys(normalise("je suis bien administrateur local")))
    denied = Words.of(lex.keys(normalise("je ne suis pas administrateur local")))
    assert find(said, phrase, gap=2)
    assert not find(denied, phrase, gap=2)
    # the spoken negation drops "ne": "j'arrive plus à me connecter" is a failure
    works = compile_phrase(lex, "j'arrive à me connecter")
    assert find(Words.of(lex.keys(normalise("j'arrive bien à me connecter"))), works, gap=2)
    assert not find(Words.of(lex.keys(normalise("j'arrive plus a me connecter"))), works, gap=2)


def test_a_contract_vet_is_not_a_misspelt_contact(config: RoutingConfig) -> None:
    """ "contract" is one edit from "contact": the shipped synonyms make it a word of
    its own ("contrat"), so a contract vet's question is not read as the contact one."""
    keys = config.compiled.lexicon.keys
    assert keys(normalise("contract")) != keys(normalise("contact"))
    assert keys(normalise("contract")) == keys(normalise("contrat"))


def test_a_stop_word_is_not_heard_as_another_word() -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.learn(["saisi", "saisir"])
    lex.freeze()
    assert lex.key("ceci") != lex.key("saisi")
    assert lex.key("saisit") == lex.key("saisi")


def test_guards_read_feminine_and_plural_participles_as_the_word() -> None:
    assert light_key("bloquees") == light_key("bloque") == "bloque"
    assert light_keys("demande bloquee") == ["demande", "bloque"]
    assert light_key("creer") != light_key("cree")


def test_a_word_after_an_elided_letter_follows_it_at_once() -> None:
    """ "l'habilite" (habilitate him) is not "l'entreprise soit habilitée"."""
    lex = Lexicon((), typo_min_length=5)
    lex.freeze()
    phrase = compile_phrase(lex, "l'habilite")
    assert find(Words.of(lex.keys(normalise("comment je l'habilite"))), phrase, gap=2)
    far = Words.of(lex.keys(normalise("que l'entreprise soit habilitée")))
    assert not find(far, phrase, gap=2)
    assert find(far, compile_phrase(lex, "l'entreprise soit"), gap=2)


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("abilitassion", "habilitation"),
        ("coman", "comment"),
        ("agreman", "agrement"),
        ("telefone", "telephone"),
        ("directeman", "directement"),
    ],
)
def test_a_word_spelt_by_ear_is_read_as_the_word_it_sounds_like(heard: str, written: str) -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.learn([written, "commande", "modele"])
    lex.freeze()
    assert lex.key(heard) == lex.key(written)
    assert lex.respell(f"je veux {heard} svp") == f"je veux {written} svp"


def test_a_sound_two_known_words_share_goes_to_the_one_said_most_often() -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.learn(["comment"] * 5 + ["commant"])
    lex.freeze()
    assert lex.key("coman") == lex.key("comment")
    even = Lexicon((), typo_min_length=5)
    even.learn(["comment", "commant"])
    even.freeze()
    assert even.key("coman") == "coman"  # as often: neither is meant


def test_a_pronounced_last_consonant_keeps_words_apart() -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.learn(["comment"])
    lex.freeze()
    assert lex.key("commande") != lex.key("comment")


def test_a_word_glued_to_an_elided_letter_is_read_apart() -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.learn(["habilitation", "arrive"])
    lex.freeze()
    assert lex.key("labilitassion") == lex.key("habilitation")
    assert lex.key("jarrive") == lex.key("arrive")
    assert lex.respell("je veu labilitassion") == "je veu l habilitation"


def test_an_english_sh_or_th_is_no_elided_letter() -> None:
    lex = Lexicon((), typo_min_length=5)
    lex.learn(["hare", "read"])
    lex.freeze()
    assert lex.respell("please share the thread") == "please share the thread"
    assert lex.key("share") != lex.key("hare")


def test_guards_and_questions_read_words_spelt_by_ear(config: RoutingConfig) -> None:
    """A phonetic writer's "je veu labilitassion pour le modul sertificat" asks for the
    procedure: the procedure's `requires` words are read in "labilitassion"."""
    d = decide(
        Ticket(
            key="PH-1",
            service_desk="3",
            request_type="84",
            summary="abilitassion",
            description="bonjour coman on fai pour avoir labilitassion au modul sertificat",
            reporter=Person(display_name="Jérémy Lambert", email="j.lambert@lambert-agri.fr"),
        ),
        config,
    )
    assert d.reply_faq == "procedure-habilitation", d.reason


@pytest.mark.parametrize(
    "body",
    [
        "Mon certificat sanitaire pour la Chine n'est toujours pas disponible, la DD l'a-t-elle "
        "signé ?",
        "Bonjour, comment supprimer une demande de certificat créée par erreur ?",
        "Je suis administrateur local. Notre demande vers le Japon reste au statut brouillon, "
        "que faire ?",
        "Our new employee submitted a certificate request but it was rejected, why?",
        "Le module certificats est très lent depuis ce matin, est-ce un incident ?",
    ],
)
def test_wider_vocabulary_does_not_answer_other_questions(config: RoutingConfig, body: str) -> None:
    d = decide(make(body), config)
    assert d.public_replies == (), render_checklist(d)


def test_a_question_diluted_in_a_letter_is_read_alone(config: RoutingConfig) -> None:
    # the letter's story says nothing of any entry and dilutes the whole text: read
    # alone, its one question is the procedure's
    d = decide(
        make(
            "Bonjour,\nNous sommes une petite conserverie familiale de sardines à Douarnenez "
            "et nous commençons à expédier vers le Japon au printemps, avec un transitaire "
            "du Havre qui s'occupait jusqu'ici de tout.\nNous voulons être habilités pour "
            "faire nos certificats nous-mêmes. Quelle est la marche à suivre ?\n"
            "Bien cordialement,\nYann Le Goff\nConserverie Le Goff",
            summary="habilitation",
        ),
        config,
    )
    assert d.reply_faq == "procedure-habilitation", render_checklist(d)
    assert d.category is Category.HABILITATION


def test_close_candidates_of_assistance_keep_an_assistance_ticket_out_of_habilitation(
    config: RoutingConfig,
) -> None:
    # two assistance entries too close to call: no public answer, but the ticket is
    # still assistance, whatever its habilitation words
    faqs = [_faq("habiliter-collegue", 0.58), _faq("creer-mon-compte", 0.59)]
    assert _candidates_agree(faqs, config)
    mixed = [_faq("creer-mon-compte", 0.59), _faq("procedure-habilitation", 0.58)]
    assert not _candidates_agree(mixed, config)
    far = [_faq("creer-mon-compte", 0.59), _faq("procedure-habilitation", 0.45)]
    assert _candidates_agree(far, config)
    weak = [_faq("creer-mon-compte", 0.3)]
    assert not _candidates_agree(weak, config)


@pytest.mark.parametrize(
    "body",
    [
        "Bonjour, je vous renvoie les documents d'habilitation corrigés : il manquait la "
        "signature de notre gérante la première fois.",
        "Je vous renvoie le formulaire d'habilitation corrigé, j'avais inversé deux "
        "chiffres du SIRET.",
    ],
)
def test_documents_sent_again_are_habilitation(config: RoutingConfig, body: str) -> None:
    d = decide(make(body, summary="Documents corrigés"), config)
    assert d.category is Category.HABILITATION, render_checklist(d)


@pytest.mark.parametrize(
    "body",
    [
        "Bonjour, je me permets de relancer : notre dossier d'habilitation au module "
        "Certificats est parti il y a trois semaines, toujours sans réponse. Pouvez-vous "
        "me dire si le dossier est complet ?",
        "Relance de ma demande d'accès au module Certificats déposée le 3 mars avec les "
        "documents de la DD : pas de nouvelles depuis.",
    ],
)
def test_a_habilitation_file_chased_gets_no_procedure_answer(
    config: RoutingConfig, body: str
) -> None:
    d = decide(make(body, where="3/84"), config)
    assert d.public_replies == (), render_checklist(d)
    assert d.category is Category.HABILITATION


def test_a_relaunch_quoting_two_numbered_questions_gets_no_half_answer(
    config: RoutingConfig,
) -> None:
    d = decide(
        make(
            "Bonjour, je n'ai pas eu de réponse à mon mail du 18 décembre, je me permets "
            "de relancer.\nYves Morvan\n\n> Bonjour,\n> 1. y a-t-il un numéro de téléphone "
            "pour vous joindre ?\n> 2. comment savoir quels modèles de certificats sont en "
            "ligne pour le Mexique ?\n> Merci\n> Yves Morvan",
            summary="Je relance : 2 questions",
            email="yves.morvan@morvan-vins.fr",
        ),
        config,
    )
    assert d.public_replies == (), render_checklist(d)
    assert "several questions" in d.reason


def test_a_login_failure_the_role_explains_still_counts_a_second_question(
    config: RoutingConfig,
) -> None:
    body = (
        "1) Je suis administrateur local opérateur pour notre société, pourquoi je "
        "n'arrive pas à entrer dans le module Certificats avec ce rôle ?\n"
        "2) Comment est-ce que j'ajoute mon collègue Bastien comme demandeur ?"
    )
    d = decide(make(body), config)
    assert d.public_replies == (), render_checklist(d)
    # the first question alone is the role's answer
    alone = decide(make(body.split("\n", maxsplit=1)[0][3:]), config)
    assert alone.reply_faq == "role-admin-local", render_checklist(alone)


def test_found_thanks_then_a_new_question_reads_the_new_question(config: RoutingConfig) -> None:
    d = decide(
        make(
            "Ok pour le bouton « télécharger les documents », j'ai trouvé, merci.\nPar "
            "contre je ne trouve pas le modèle pour la Chine dans la liste déroulante. "
            "Comment savoir si ce modèle est en ligne ou pas encore ?"
        ),
        config,
    )
    assert d.reply_faq == "modeles-en-ligne", render_checklist(d)


@pytest.mark.parametrize(
    ("body", "entries"),
    [
        # "où" unaccented after "et"
        (
            "Bonjour, 2 questions : comment je crée mon compte pour Expadon et ou je vois la "
            "liste des modèles de certificats en ligne ?",
            {"creer-mon-compte", "modeles-en-ligne"},
        ),
        # "ainsi que" joins like "et"
        (
            "Pourriez-vous me dire comment habiliter ma collègue comme demandeur ainsi que "
            "comment télécharger le modèle de certificat pour une demande en cours ?",
            {"habiliter-collegue", "telecharger-modele"},
        ),
    ],
)
def test_a_second_question_joined_in_the_same_sentence(
    config: RoutingConfig, body: str, entries: set[str]
) -> None:
    ticket = make(body)
    asked = classify.several_questions(classify.prepare(ticket, config), config)
    assert {f for f, _ in asked} == entries
    assert decide(ticket, config).public_replies == ()


def test_je_suis_en_ddpp_says_who_is_writing(config: RoutingConfig) -> None:
    d = decide(
        make(
            "Bonjour, je suis en DDPP 47 et un opérateur m'appelle : il a le rôle "
            "administrateur local opérateur mais n'accède pas au module Certificats. Ce "
            "rôle suffit-il ?",
            email="franck.delmas@lot-et-garonne.gouv.fr",
        ),
        config,
    )
    assert d.category is Category.ASSISTANCE_SD, render_checklist(d)


def test_a_postscript_after_the_signature_is_a_second_question(config: RoutingConfig) -> None:
    ticket = make(
        "Bonjour,\nComment je télécharge le modèle de certificat de la demande que je "
        "viens de créer ? Je voudrais l'envoyer à mon client.\n\nMerci,\nClaire\n\n"
        "PS : on voit où la liste des modèles en ligne, d'ailleurs ?"
    )
    assert "PS : on voit" in classify.prepare(ticket, config).own_text
    assert decide(ticket, config).public_replies == ()


@pytest.mark.parametrize("mark", ["P.-S. :", "P-S :", "P.S.:", "PS-", "Post-scriptum :"])
def test_a_postscript_in_any_spelling_after_the_signature_is_the_authors_words(
    config: RoutingConfig, mark: str
) -> None:
    # a remark above, the question in a postscript below the signature
    ticket = make(
        "Bonjour,\n\nTrois jours pour obtenir une signature, c'est trop long. Je tenais à "
        f"le signaler.\n\nCordialement,\nVéronique Adam\nAdam Primeurs\n\n{mark} à quoi "
        "sert le menu « gestion des utilisateurs » ?"
    )
    assert "gestion des utilisateurs" in classify.prepare(ticket, config).own_text
    assert decide(ticket, config).reply_faq == "gestion-utilisateurs"


def test_an_english_login_failure_told_by_its_symptom(config: RoutingConfig) -> None:
    d = decide(
        make(
            "Hello, I can't open Expadon 2 anymore. After the login the page spins forever "
            "and nothing appears."
        ),
        config,
    )
    assert d.ask_browser, render_checklist(d)
    assert d.reply_faq == "connexion-impossible"


def test_a_short_follow_up_opened_by_et_goes_on_with_the_question_before(
    config: RoutingConfig,
) -> None:
    # "Et par quel moyen ?" hangs on the question before it, as "Par quel moyen ?" would
    d = decide(
        make(
            "J'ai reçu de la DDPP les documents pour l'habilitation. Je ne comprends pas à qui "
            "je dois les renvoyer une fois signés : à eux ou à vous ? Et par quel moyen ? "
            "Quelle est la procédure exacte ?"
        ),
        config,
    )
    # (one question about the procedure, not the procedure and a contact question; the
    # ticket sits at the reply threshold, 0.45, so whether it is answered is the
    # threshold's business, not this rule's)
    assert "several questions" not in d.reason, render_checklist(d)
    assert d.candidates[0][0] == "procedure-habilitation", render_checklist(d)
    assert d.reply_faq != "nous-contacter"


def test_a_login_failure_told_beside_an_aside_asks_the_browser_beside_a_faq_question_not(
    config: RoutingConfig,
) -> None:
    # told, not asked: the failure is the ticket's matter, the question an aside — when
    # the question is far from any entry; one close to an entry (0.5) is a second FAQ
    # question, and one answer would answer half
    aside = decide(
        make(
            "Bonjour, je n'arrive plus à me connecter depuis hier. Au passage, est-ce que "
            "vous serez ouverts le lundi de Pâques ?"
        ),
        config,
    )
    assert aside.ask_browser, render_checklist(aside)
    d = decide(
        make(
            "Bonjour, je n'arrive plus à me connecter depuis hier. Au passage, comment savoir "
            "si le modèle pour la Corée est en ligne ?"
        ),
        config,
    )
    assert not d.ask_browser, render_checklist(d)
    assert "several questions" in d.reason
