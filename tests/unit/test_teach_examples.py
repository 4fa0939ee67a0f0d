"""``routerbot teach`` as a library: the example line it proposes (the customer's question,
cleaned) and the loop that keeps the first line making the ticket a hit."""

from __future__ import annotations

from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, parse_config
from routerbot.domain import AuthorRole, Comment, Decision, Person, PublicReply, Ticket
from routerbot.errors import InputError
from routerbot.lead.teach import MAX_WORDS, Goal, example_candidates, scrub, teach

ROOT = Path(__file__).resolve().parents[2]


def _ticket(description: str, summary: str = "question", name: str = "Jeanne Martin") -> Ticket:
    return Ticket(
        key="T-1",
        service_desk="3",
        request_type="86",
        summary=summary,
        description=description,
        reporter=Person(display_name=name, email="j.martin@exemple.fr"),
    )


def test_keeps_the_question_and_drops_greeting_thanks_and_signature() -> None:
    ticket = _ticket(
        "Bonjour Madame, Monsieur,\n\nComment télécharger le modèle de certificat en PDF "
        "depuis ma demande ?\n\nMerci d'avance.\nCordialement,\nJeanne Martin\nSARL Martin Export"
    )
    assert example_candidates(ticket)[0] == (
        "Comment télécharger le modèle de certificat en PDF depuis ma demande ?"
    )


def test_a_short_question_borrows_the_sentence_before_it() -> None:
    ticket = _ticket(
        "Bonjour,\nJe viens d'arriver dans la société. On m'a dit qu'il me faut un compte "
        "du ministère. Où est-ce que je le crée ?\nMerci"
    )
    assert example_candidates(ticket)[0] == (
        "On m'a dit qu'il me faut un compte du ministère. Où est-ce que je le crée ?"
    )


def test_strips_emails_phone_numbers_and_names() -> None:
    text = scrub(
        "Ma collègue Sophie Durand (sophie.durand@vins.fr, 06 71 22 45 90) et M. Payet "
        "n'ont pas accès, écrivez à Jeanne.",
        names=["Jeanne", "Martin"],
    )
    for gone in ("Sophie", "Durand", "@", "06", "71", "Payet", "Jeanne"):
        assert gone not in text
    assert text.startswith("Ma collègue") and "n'ont pas accès" in text


def test_drops_a_sentence_that_only_gives_contact_details() -> None:
    ticket = _ticket(
        "je n'arrive pas à me connecter depuis ce matin. rappelez moi au 06 71 22 45 90"
    )
    first = example_candidates(ticket)[0]
    assert first == "Je n'arrive pas à me connecter depuis ce matin."


def test_a_question_about_it_keeps_the_sentence_that_says_what_it_is() -> None:
    ticket = _ticket(
        "Bonjour, une nouvelle recrue arrive lundi au service expédition. Qu'est-ce que je "
        "dois faire de mon côté pour qu'elle ait ses accès le jour même ?\nMerci, Paul"
    )
    assert example_candidates(ticket)[0] == (
        "Une nouvelle recrue arrive lundi au service expédition. Qu'est-ce que je dois faire "
        "de mon côté pour qu'elle ait ses accès le jour même ?"
    )


def test_who_the_writer_is_is_not_borrowed_as_context() -> None:
    ticket = _ticket(
        "Bonjour, je suis éleveur de chèvres. Comment télécharger le modèle de certificat ?"
    )
    assert example_candidates(ticket)[0] == "Comment télécharger le modèle de certificat ?"


def test_without_a_question_it_takes_the_sentence_that_states_the_problem() -> None:
    ticket = _ticket(
        "Bonjour,\nApicultrice dans la Drôme, j'exporte du miel. Depuis lundi je ne parviens "
        "plus à me connecter à Expadon 2.\nFrançoise"
    )
    assert example_candidates(ticket)[0] == (
        "Depuis lundi je ne parviens plus à me connecter à Expadon 2."
    )


def test_quoted_mail_below_does_not_become_the_example() -> None:
    ticket = _ticket(
        "Où trouver la liste des modèles en ligne ?\n\n"
        "Le 3 mars 2024 à 10:12, Support <support@expadon.fr> a écrit :\n"
        "> Comment créer mon compte ?\n> Bonjour"
    )
    candidates = example_candidates(ticket)
    assert candidates[0] == "Où trouver la liste des modèles en ligne ?"
    assert not any("compte" in c for c in candidates)


def test_long_text_is_cut_to_a_good_example_and_all_caps_are_lowered() -> None:
    long = "Nous avons un souci " + ", ".join(f"point {i}" for i in range(40)) + "."
    assert len(example_candidates(_ticket(long))[0].split()) <= MAX_WORDS
    shout = example_candidates(_ticket("BONJOUR A QUOI SERT LA GESTION DES UTILISATEURS ?"))
    assert shout[0] == "A quoi sert la gestion des utilisateurs ?"


def test_an_empty_description_falls_back_to_the_first_customer_comment() -> None:
    ticket = Ticket(
        key="T-2",
        service_desk="3",
        request_type="86",
        summary="aide",
        description="",
        comments=(Comment("c1", AuthorRole.CUSTOMER, "Comment créer mon compte Expadon ?"),),
    )
    assert example_candidates(ticket)[0] == "Comment créer mon compte Expadon ?"


def test_teach_refuses_a_line_the_entry_already_has() -> None:
    text = (ROOT / "config" / "routing.toml").read_text(encoding="utf-8")
    config = parse_config(text)
    faq_id, entry = next((k, v) for k, v in config.faq.items() if v.examples)
    goal = Goal.faq(faq_id, config)
    with pytest.raises(InputError, match="already an example of"):
        teach(_ticket("Une question ?"), goal, text, candidates=[entry.examples[0].upper()])


def test_teach_keeps_the_first_line_that_makes_the_ticket_a_hit() -> None:
    text = (ROOT / "config" / "routing.toml").read_text(encoding="utf-8")
    config = parse_config(text)
    faq_id = next(iter(config.faq))
    calls: list[str] = []

    def decide(ticket: Ticket, cfg: RoutingConfig) -> Decision:
        taught = cfg.faq[faq_id].examples[-1] if cfg is not config else ""
        calls.append(taught)
        hit = taught == "second wording"
        actions = (PublicReply("…", faq_id=faq_id),) if hit else ()
        return Decision(ticket.key, None, 0.0, None, None, actions=actions)

    result = teach(
        _ticket("x"),
        Goal.faq(faq_id, config),
        text,
        decide=decide,
        candidates=["first wording", "second wording", "third wording"],
    )
    assert result.hit and result.example == "second wording" and result.tried == 2
    assert result.new_text.count('"second wording",') == 1
    assert "first wording" not in result.new_text
