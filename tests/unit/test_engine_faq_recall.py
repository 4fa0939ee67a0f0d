"""FAQ questions asked in words the earlier vocabulary missed, the near misses that
must still get no public answer, and who may receive which answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config
from routerbot.domain import Category, Person, Population, PublicReply, Ticket
from routerbot.engine import decide

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(ROOT / "config" / "routing.toml")


def make(
    description: str, *, email: str = "a.roux@salaisons-roux.fr", where: str = "3/86"
) -> Ticket:
    desk, rtype = where.split("/")
    return Ticket(
        key="F-1",
        service_desk=desk,
        request_type=rtype,
        summary="Question",
        description=description,
        reporter=Person(display_name="Anne Roux", email=email),
    )


def replied(ticket: Ticket, config: RoutingConfig) -> list[str | None]:
    return [a.faq_id for a in decide(ticket, config).actions if isinstance(a, PublicReply)]


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        (
            "On m'a nommée administratrice locale le mois dernier. Ce rôle me permet-il de "
            "saisir les demandes de certificats ou faut-il autre chose ?",
            "role-admin-local",
        ),
        (
            "Je suis administrateur local de notre entreprise mais je ne vois nulle part le "
            "module Certificats, seulement l'écran de gestion. Que faire ?",
            "role-admin-local",
        ),
        (
            "Nous allons exporter des fromages au Canada. Comment obtenir le droit d'utiliser "
            "Expadon pour nos certificats ? Quelles sont les étapes ?",
            "procedure-habilitation",
        ),
        (
            "Je viens de lancer une demande pour la Corée et le PDF téléchargé est vierge, "
            "sans aucune information. Est-ce normal ?",
            "telecharger-modele",
        ),
        (
            "Dans mon espace il y a une application gestion des utilisateurs : elle sert à "
            "quoi ? J'ai peur de cliquer dessus et de tout casser.",
            "gestion-utilisateurs",
        ),
        (
            "Auprès de qui puis-je m'adresser pour une question sur Expadon ? Je ne sais pas "
            "si je suis au bon endroit.",
            "nous-contacter",
        ),
    ],
)
def test_question_in_new_words_gets_its_answer(config: RoutingConfig, text: str, faq: str) -> None:
    assert replied(make(f"Bonjour,\n{text}\nMerci"), config) == [faq]


@pytest.mark.parametrize(
    "text",
    [
        # filled in and still blank: a problem for the agents, not "blank at first"
        "J'ai saisi toute ma demande mais le PDF téléchargé reste vierge. Est-ce normal ?",
        # "poser une question" is a preamble, not a request for the contact form
        "Je voudrais poser une question : quel certificat faut-il pour des porcs vers Cuba ?",
        # a request already under way: its status, not the procedure
        "Quel est l'avancement de notre habilitation ? Quelle est la procédure ensuite ?",
        "Toujours pas de nouvelles de mon habilitation, quelles démarches faire ?",
        # the "droit" to the module failing for someone already set up is not the procedure
        "Nous n'avons plus le droit d'accéder au module certificats, menu grisé. Vérifiez ?",
    ],
)
def test_near_miss_gets_no_public_answer(config: RoutingConfig, text: str) -> None:
    assert replied(make(f"Bonjour,\n{text}\nMerci"), config) == []


def test_whom_to_turn_to_for_habilitation_is_the_procedure_not_the_contact_form(
    config: RoutingConfig,
) -> None:
    ticket = make("Bonjour,\nÀ qui dois-je m'adresser pour être habilitée ?\nMerci")
    assert replied(ticket, config) == ["procedure-habilitation"]


def test_support_in_a_sentence_is_not_an_assistant_colleague(config: RoutingConfig) -> None:
    # "assistance" and "assistante" share a stem: the support is not a colleague
    ticket = make(
        "Bonjour,\nJ'ai déjà écrit à l'assistance pour l'accès de notre dossier, "
        "comment vous joindre par téléphone ?\nMerci"
    )
    d = decide(ticket, config)
    assert "habiliter-collegue" not in [f for f, _ in d.candidates]


def test_registration_on_the_platform_alone_is_not_creating_an_account(
    config: RoutingConfig,
) -> None:
    # "inscription sur Expadon" may mean the habilitation: no account word, no answer
    assert "creer-mon-compte" not in replied(
        make("Bonjour, inscription sur Expadon pour nos exports : comment faire ?"), config
    )


def test_agent_asking_agrement_versus_certificats_gets_the_answer_with_the_agents_form(
    config: RoutingConfig,
) -> None:
    ticket = make(
        "Bonjour,\nInspecteur à la DDPP, je suis habilité sur Agrément. Est-ce que cela "
        "m'ouvre aussi le module Certificats pour instruire les demandes ?\nCordialement",
        email="p.martin@loiret.gouv.fr",
        where="4/87",
    )
    d = decide(ticket, config)
    replies = [a for a in d.actions if isinstance(a, PublicReply)]
    assert d.category is Category.ASSISTANCE_SD
    assert [r.faq_id for r in replies] == ["agrement-vs-certificat"]
    sd_link = config.links[Population.SERVICES_DECONCENTRES].habilitation_link
    assert sd_link in replies[0].body
    assert "/portal/3/" not in replies[0].body


def test_operator_asking_agrement_versus_certificats_gets_the_habilitation_form(
    config: RoutingConfig,
) -> None:
    ticket = make(
        "Bonjour,\nNotre laiterie est habilitée Agrément sur Expadon. Est-ce valable aussi "
        "pour les certificats export ?\nMerci",
        where="3/86",
    )
    d = decide(ticket, config)
    replies = [a for a in d.actions if isinstance(a, PublicReply)]
    assert d.category is Category.HABILITATION
    assert [r.faq_id for r in replies] == ["agrement-vs-certificat"]
    assert config.links[Population.OPERATEUR].habilitation_link in replies[0].body


def test_agent_without_an_account_gets_the_account_answer(config: RoutingConfig) -> None:
    ticket = make(
        "Bonjour,\nNouvelle technicienne à la DDETSPP, je n'ai encore aucun identifiant. "
        "Comment créer mon compte ?\nMerci",
        email="c.lemoine@ain.gouv.fr",
        where="4/87",
    )
    assert replied(ticket, config) == ["creer-mon-compte"]
