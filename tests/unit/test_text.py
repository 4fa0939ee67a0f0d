"""French text normalisation: cleaning messages, comparable forms, typos, automatic replies."""

from __future__ import annotations

from pathlib import Path

import pytest

from routerbot.engine import text
from routerbot.engine.text import (
    MAX_CHARS,
    clean_body,
    is_auto_reply,
    normalise,
    split_body,
    stem,
    stems,
    tokens,
)

# --------------------------------------------------------------------------- normalise


def test_normalise_folds_case_and_accents() -> None:
    assert normalise("ÉCHEC de l'Habilitation à Expadon") == "echec de l habilitation a expadon"


def test_normalise_folds_ligatures_and_typographic_punctuation() -> None:
    assert normalise("L’œuvre « déjà » vue — cœur‑de‑métier") == "l oeuvre deja vue coeur de metier"


def test_normalise_turns_punctuation_into_single_spaces() -> None:
    assert normalise("  connexion...impossible!!!\n\t(erreur 500)  ") == (
        "connexion impossible erreur 500"
    )


@pytest.mark.parametrize(
    ("sms", "expected"),
    [
        ("bjr j ai un pb de cnx", "bonjour j ai un probleme de connexion"),
        ("mdp oublié stp", "mot de passe oublie s il te plait"),
        (
            "qd je me connecte ca marche pas svp",
            "quand je me connecte ca marche pas s il vous plait",
        ),
        ("c tjs pareil ds l appli", "c toujours pareil dans l appli"),
        ("jarrive pas a me co pr les certifs", "j arrive pas a me co pour les certificats"),
        ("j'arrive pas", "j arrive pas"),
        ("narrive pas", "n arrive pas"),
        ("impossible de meconnecter", "impossible de me connecter"),
        ("Connection refusée", "connexion refusee"),
    ],
)
def test_normalise_expands_sms_style_and_abbreviations(sms: str, expected: str) -> None:
    assert normalise(sms) == expected


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("c'est bertrand de la d d p p du morbihan", "c est bertrand de la ddpp du morbihan"),
        ("le s i v e p de Sète", "le sivep de sete"),
        ("à la D.D.T. de l'Aude", "a la ddt de l aude"),
        # three letters with a vowel are words: "y a-t-il"
        ("Y a-t-il une hotline ?", "y a t il une hotline"),
        # the application's words as voice typing hears them
        ("je me connecte sur ex pas don deux", "je me connecte sur expadon deux"),
        ("habilité au module à gré ment", "habilite au module agrement"),
        ("habilité sur le module a grès ment", "habilite sur le module agrement"),
        ("le module certifie cas virgule", "le module certificats virgule"),
        ("avoir la bilitation sur expa donc", "avoir la habilitation sur expadon"),
        ("jenarrivepas à me connecter", "je n arrive pas a me connecter"),
        # (the same pieces inside other words are left alone)
        ("un grand pas donné", "un grand pas donne"),
    ],
)
def test_normalise_joins_what_voice_typing_spells_or_splits(spoken: str, expected: str) -> None:
    assert normalise(spoken) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "Bjr, PB de cnx !",
        "L’œuvre",
        "jarrive pas ds l'appli",
        "ÉCOLE\u00a0d'été",
        "mdp",
        "Expa don",
    ],
)
def test_normalise_is_idempotent(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once


def test_normalise_maps_cyrillic_and_greek_homoglyphs_to_latin() -> None:
    # "сhrоmе" below uses Cyrillic с, о and е; "Εdge" a Greek capital epsilon.
    assert normalise("сhrоmе") == "chrome"
    assert normalise("Εdge") == "edge"


def test_normalise_drops_combining_marks_from_decomposed_text() -> None:
    decomposed = "habilite\u0301e"  # e + COMBINING ACUTE ACCENT
    assert normalise(decomposed) == "habilitee"


def test_normalise_reads_fullwidth_letters_through_nfkc() -> None:
    assert normalise("ＥＸＰＡＤＯＮ　２") == "expadon 2"


# --------------------------------------------------------------------------- tokens and stems


def test_tokens_drop_one_letter_noise_but_keep_digits() -> None:
    assert tokens("J'ai l'Expadon 2 à jour") == ["ai", "expadon", "2", "jour"]


def test_stem_reduces_french_inflections_to_one_stem() -> None:
    assert stem("habilitations") == stem("habilitation")
    assert stem("connexions") == stem("connexion")
    assert stem("regions") == stem("region")
    assert stem("certificats") == stem("certificat")


def test_stem_leaves_numbers_and_very_long_tokens_alone() -> None:
    assert stem("2024") == "2024"
    long_token = "x" * 500
    assert stem(long_token) == long_token


def test_stems_of_differently_written_phrases_agree() -> None:
    assert stems("Demandes d'HABILITATIONS") == stems("demande habilitation")


# --------------------------------------------------------------------------- clean_body: HTML


def test_clean_body_strips_html_tags_and_decodes_entities() -> None:
    raw = (
        "<div><p>Bonjour,</p><p>Erreur &laquo;&nbsp;acc&egrave;s refus&eacute;&nbsp;&raquo;"
        " &amp; page blanche</p></div>"
    )
    assert clean_body(raw) == "Bonjour,\n\nErreur « accès refusé » & page blanche"


def test_clean_body_drops_scripts_styles_and_comments() -> None:
    raw = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>Demande <!-- brouillon --> urgente</p><script>alert('x')</script></body></html>"
    )
    assert clean_body(raw) == "Demande urgente"


def test_clean_body_keeps_email_addresses_in_angle_brackets() -> None:
    raw = "Merci de répondre à <paul.martin@vergers-du-sud.fr> pour mon accès au module."
    assert "paul.martin@vergers-du-sud.fr" in clean_body(raw)


def test_clean_body_drops_html_blockquote_and_gmail_quote() -> None:
    raw = (
        "<p>Voici ma version de Firefox : 121.</p>"
        "<blockquote>Pouvez-vous nous indiquer votre navigateur ?</blockquote>"
    )
    assert clean_body(raw) == "Voici ma version de Firefox : 121."
    gmail = '<div>Toujours bloqué.</div><div class="gmail_quote">Le lun. ... a écrit :</div>'
    assert clean_body(gmail) == "Toujours bloqué."


# --------------------------------------------------------------------------- clean_body: wiki


def test_clean_body_removes_jira_wiki_effects_links_and_images() -> None:
    raw = (
        "h2. Contexte\n"
        "Le bouton *Télécharger* ne marche pas, voir [la capture|https://exemple.fr/c.png] "
        "et !capture-ecran.png|thumbnail! ainsi que {{monospace}} et _italique_."
    )
    assert clean_body(raw) == (
        "Contexte\nLe bouton Télécharger ne marche pas, voir la capture "
        "et ainsi que monospace et italique."
    )


def test_clean_body_keeps_code_block_contents_but_not_markers() -> None:
    raw = "Message obtenu :\n{code:java}HTTP 403 Forbidden{code}\n{noformat}ligne 2{noformat}"
    body = clean_body(raw)
    assert "HTTP 403 Forbidden" in body
    assert "ligne 2" in body
    assert "{" not in body


def test_clean_body_treats_wiki_quote_blocks_as_quoted_text() -> None:
    parts = split_body("Je confirme.\n{quote}Merci de préciser votre navigateur.{quote}")
    assert parts.body == "Je confirme."
    assert "préciser votre navigateur" in parts.quoted


def test_clean_body_treats_a_wiki_bq_paragraph_as_quoted_text() -> None:
    parts = split_body("Pareil pour moi.\n\nbq. Impossible de me connecter depuis hier soir.")
    assert parts.body == "Pareil pour moi."
    assert "Impossible de me connecter" in parts.quoted


def test_clean_body_flattens_wiki_tables() -> None:
    raw = "||Navigateur||Version||\n|Firefox|115|"
    assert clean_body(raw) == "Navigateur Version\nFirefox 115"


def test_clean_body_keeps_underscores_inside_identifiers() -> None:
    assert clean_body("mon login est j_martin_export") == "mon login est j_martin_export"


# --------------------------------------------------------------------------- clean_body: quotes


def test_clean_body_cuts_french_gmail_quote_header_and_following_text() -> None:
    raw = (
        "Bonjour, c'est Edge version 118.\n\n"
        "Le mar. 9 janv. 2024 à 14:32, Assistance Expadon <assistance@exemple.fr> a écrit :\n"
        "> Bonjour,\n> Quel navigateur utilisez-vous ?\n"
    )
    parts = split_body(raw)
    assert parts.body == "Bonjour, c'est Edge version 118."
    assert "Quel navigateur" in parts.quoted


def test_clean_body_cuts_quote_header_wrapped_on_two_lines() -> None:
    raw = (
        "Toujours la même erreur.\n"
        "Le 10/01/2024 à 09:05, Support Certificats <support@exemple.fr>\n"
        "a écrit :\n> ancien message"
    )
    assert clean_body(raw) == "Toujours la même erreur."


def test_clean_body_cuts_english_on_wrote_header() -> None:
    raw = "Still failing.\n\nOn Tue, 9 Jan 2024 at 14:32, Support wrote:\n> Which browser?"
    assert clean_body(raw) == "Still failing."


def test_clean_body_cuts_outlook_original_message_and_header_blocks() -> None:
    raw_en = "Please see above.\n-----Original Message-----\nFrom: a\nSent: b\nSubject: c\nold"
    assert clean_body(raw_en) == "Please see above."
    raw_fr = (
        "Voici le formulaire signé.\n\n"
        "De : Martin Paul <p.martin@exemple.fr>\n"
        "Envoyé : jeudi 11 janvier 2024 08:12\n"
        "À : Assistance\n"
        "Objet : RE: habilitation\n\n"
        "Texte ancien"
    )
    assert clean_body(raw_fr) == "Voici le formulaire signé."


def test_clean_body_cuts_outlook_header_flattened_on_one_line() -> None:
    raw = "Ci-joint. De : Paul Envoyé : lundi À : support Objet : demande ancien texte"
    assert clean_body(raw) == "Ci-joint."


def test_clean_body_drops_interleaved_quoted_lines() -> None:
    raw = "> Quel navigateur ?\nFirefox.\n> Quelle version ?\n121"
    assert clean_body(raw) == "Firefox.\n121"


def test_clean_body_keeps_the_content_of_a_message_that_is_only_a_forward() -> None:
    raw = (
        "---------- Message d'origine ----------\n"
        "De : Jeanne Roux\nEnvoyé : lundi\nÀ : moi\nObjet : accès\n"
        "Je n'ai pas accès au module Certificats."
    )
    assert clean_body(raw) == "Je n'ai pas accès au module Certificats."


def test_clean_body_does_not_cut_at_a_written_by_sentence_without_a_date() -> None:
    raw = "Voici ce qui s'affiche.\nLe message que le site a écrit :\nErreur interne du serveur"
    assert clean_body(raw) == raw


def test_clean_body_does_not_cut_at_a_sentence_starting_with_le() -> None:
    raw = "Le module ne s'affiche pas.\nLe message dit que j'ai écrit trop vite."
    assert clean_body(raw) == raw


# --------------------------------------------------------------------------- clean_body: signatures


def test_clean_body_removes_signature_after_cordialement() -> None:
    raw = (
        "Bonjour,\nJe voudrais savoir quels modèles sont en ligne.\n\n"
        "Cordialement,\nLucie Bernard\nAssistante export – Bernard Huîtres\n05 46 00 00 00"
    )
    parts = split_body(raw)
    assert parts.body == "Bonjour,\nJe voudrais savoir quels modèles sont en ligne."
    assert parts.signature.startswith("Cordialement,")
    assert "Bernard Huîtres" in parts.signature


@pytest.mark.parametrize(
    "closing",
    [
        "Bien cordialement,",
        "Bonne journée",
        "Merci d'avance",
        "Merci par avance pour votre retour.",
        "Bien à vous",
        "Sincères salutations",
        "--",
        "Kind regards,",
        "Cdt",
        "En vous remerciant par avance,",
    ],
)
def test_clean_body_recognises_common_closings(closing: str) -> None:
    raw = f"Bonjour,\ncomment créer mon compte ?\n{closing}\nHugo Lenoir\nLenoir Fruits"
    assert clean_body(raw) == "Bonjour,\ncomment créer mon compte ?"


def test_clean_body_removes_closing_and_name_on_the_same_line() -> None:
    assert clean_body("Erreur à la connexion avec Safari. Merci. Inès") == (
        "Erreur à la connexion avec Safari."
    )
    assert clean_body("Page blanche\nMerci, Inès Morel, Morel Primeurs") == "Page blanche"


def test_clean_body_keeps_a_closing_followed_by_a_long_message() -> None:
    long_tail = "\n".join(
        f"Point {i} : le certificat de l'envoi numéro {i} reste bloqué à la signature."
        for i in range(12)
    )
    raw = f"Bonjour,\nMerci d'avance\n{long_tail}"
    assert clean_body(raw) == raw


def test_clean_body_keeps_a_merci_sentence_that_is_a_request() -> None:
    raw = "Bonjour,\nMerci de me dire comment habiliter mon collègue."
    assert clean_body(raw) == raw


def test_clean_body_does_not_treat_a_lone_closing_as_the_whole_message() -> None:
    assert clean_body("Cordialement") == "Cordialement"


def test_clean_body_keeps_accents_and_case() -> None:
    assert clean_body("Échec de connexion à l'Espace Certificats") == (
        "Échec de connexion à l'Espace Certificats"
    )


def test_clean_body_removes_mobile_signature() -> None:
    assert clean_body("Toujours bloqué\n\nEnvoyé de mon iPhone") == "Toujours bloqué"


# --------------------------------------------------------------------------- automatic replies


@pytest.mark.parametrize(
    "body",
    [
        "Réponse automatique : Je suis absente jusqu'au 15 mars.",
        "Bonjour,\n\nJe suis absent du bureau jusqu'au lundi 4 mars inclus. "
        "Pour toute urgence, contactez le standard.",
        "Je suis en congés jusqu'au 22 avril, avec un accès limité à mes e-mails.",
        "Bonjour, ceci est une réponse automatique. Votre message a bien été reçu.",
        "Je prendrai connaissance de votre message à mon retour le 3 juin.",
        "Automatic reply: I am out of the office until Monday.",
        "Out of Office: back on 12 February",
        "Undeliverable: RE: habilitation",
        "Mail Delivery Subsystem\nDelivery to the following recipient failed permanently",
        "Auto-Submitted: auto-replied\n\nMerci pour votre message.",
        "Votre message n'a pas pu être remis à l'adresse indiquée.",
        "RE: Réponse automatique : Absent",
        "Message automatique : je suis en congés du 10 au 21 juillet.",
        "Je suis en congés du 2 au 13 août. En mon absence, vous pouvez contacter le "
        "secrétariat de la DDPP.",
        # read receipts
        "Votre message\n\n  À : Paul Roux\n  Objet : TR: Connexion impossible\n  Envoyé : "
        "mardi 5 mars 2024 09:12\n\na été lu le mardi 5 mars 2024 09:40.",
        "Your message\n\n  To: Helpdesk\n  Subject: Login issue\n  Sent: 5 March 2024 09:12\n"
        "\nwas read on 5 March 2024 09:40.",
    ],
)
def test_is_auto_reply_recognises_automatic_replies(body: str) -> None:
    assert is_auto_reply(body)


@pytest.mark.parametrize(
    "body",
    [
        "Bonjour, je serai en congés la semaine prochaine, pouvez-vous valider mon "
        "habilitation avant ?",
        "Bonjour, je suis en congés jusqu'au 3, pouvez-vous traiter ma demande ?",
        "Bonjour, j'ai reçu une réponse automatique mais aucune réponse depuis.",
        "Bonjour, je n'arrive pas à me connecter. Je pars en vacances demain, c'est urgent.",
        "Bonjour, l'exportateur est absent, qui peut signer le certificat ?",
        "Je n'arrive pas à me connecter depuis Chrome.\n\nCordialement,\nMarc\n"
        "PS : je serai absent du bureau jusqu'au 12, contactez ma collègue.",
        "",
        "Auto-Submitted: no\n\nBonjour, voici ma demande.",
        # a person covering for someone tells of the absence, and asks further down
        "Bonjour,\n\nJe suis le gérant et je fais en ce moment le travail de mon assistante,"
        " absente jusqu'au 9 septembre. C'est elle qui avait donné l'accès aux certificats à"
        " nos commerciaux, et elle a laissé ses notes sur son bureau.\n\nUn nouveau "
        "commercial, M. Vasseur, arrive lundi pour la saison des expéditions de foie gras "
        "vers la Suisse et le Japon. Comment est-ce que je lui ouvre l'accès ?",
        # a trip told beside a problem, with no question mark and no "pouvez-vous"
        "Bonjour, depuis mon téléphone pas moyen de me connecter à Expadon, ça mouline. Je "
        "suis en déplacement jusqu'à jeudi.\nEnvoyé de mon iPhone",
        "Je suis en déplacement jusqu'à vendredi et l'export ne marche pas sur la tablette",
        "Pendant mon absence, ma collègue n'a pas pu se connecter, pouvez-vous vérifier ?",
        "Bonjour, mon dossier a-t-il été lu ? Je n'ai aucune réponse depuis trois semaines.",
        "Bonjour, mon mail a été lu le 3 mars d'après l'accusé de lecture, toujours rien.",
        # someone standing in for an absent colleague tells what fails, asking nothing
        "Bonjour, je remplace M. Lorin (en congé jusqu'au 28) pour les certificats de la "
        "criée. J'essaie de me connecter avec mon compte mais j'obtiens « erreur technique ».",
    ],
)
def test_is_auto_reply_leaves_real_messages_alone(body: str) -> None:
    assert not is_auto_reply(body)


def test_is_auto_reply_judges_on_the_opening_only() -> None:
    request = "Bonjour, voici ma demande d'habilitation, formulaires en pièce jointe. " * 20
    assert not is_auto_reply(request + "Réponse automatique : je suis absente du bureau.")


# --------------------------------------------------------------------------- hostile input

_HOSTILE = {
    "ten_megabytes": "a" * 10_000_000,
    "nul_and_controls": "Bonjour\x00\x01\x02\x1b[31m" * 200_000,
    "rtl_marks": "\u202eBonjour\u200f\u2066" * 300_000,
    "zero_width": "hab\u200bili\u200dtation\ufeff " * 100_000,
    "zalgo": ("e" + "\u0301\u0302\u0303" * 20) * 100_000,
    "nfkc_expanding": "\ufdfa" * 1_000_000,
    "unclosed_tags": "<script>" * 200_000,
    "angle_brackets": "<" * 2_000_000,
    "lone_surrogates": "\ud800\udfff abc" * 100_000,
    "closings": ("Cordialement. " * 40 + "\n") * 20_000,
    "header_lookalikes": "De : x Envoyé : y " * 200_000,
    "wiki_noise": "*a*_b_{{c}}[x|y]!i.png!|a|b|{quote}\n" * 100_000,
    "binary": bytes(range(256)).decode("latin-1") * 40_000,
}


@pytest.mark.parametrize("name", sorted(_HOSTILE))
def test_text_functions_survive_hostile_input(name: str) -> None:
    raw = _HOSTILE[name]
    cleaned = clean_body(raw)
    norm = normalise(raw)
    assert isinstance(cleaned, str)
    assert len(cleaned) <= MAX_CHARS
    assert len(norm) <= 2 * MAX_CHARS  # abbreviations may lengthen a little
    assert "\x00" not in cleaned
    assert "\u202e" not in cleaned
    assert set(norm) <= set("abcdefghijklmnopqrstuvwxyz0123456789 ")
    assert isinstance(tokens(raw), list)
    assert isinstance(stems(raw), list)
    assert isinstance(is_auto_reply(raw), bool)


def test_bounded_cuts_after_nfkc() -> None:
    # U+FDFA expands to 18 characters under NFKC: the cut must be on the expanded text.
    out = text.bounded("\ufdfa" * 10, limit=20)
    assert len(out) == 20


def test_text_functions_accept_non_string_input_without_raising() -> None:
    assert normalise(None) == ""  # type: ignore[arg-type]  # hostile caller
    assert clean_body(None) == ""  # type: ignore[arg-type]  # hostile caller
    assert is_auto_reply(None) is False  # type: ignore[arg-type]  # hostile caller


@pytest.mark.parametrize(
    "notice",
    [
        "--\nCe message et ses pièces jointes sont confidentiels et réservés à leurs "
        "destinataires. Toute diffusion non autorisée est interdite.",
        "This e-mail and any attachment are intended solely for the named recipient. "
        "If you received it in error, please delete it.\nPlease consider the environment "
        "before printing this e-mail.",
        "P Pensez à l'environnement avant d'imprimer ce courriel.",
        # the health notice of wine and spirits houses
        "L'abus d'alcool est dangereux pour la santé, à consommer avec modération.",
    ],
)
def test_split_body_cuts_a_legal_notice_off_a_message_without_closing(notice: str) -> None:
    raw = f"Bonjour,\nComment joindre le support par téléphone ?\n\n{notice}"
    parts = text.split_body(raw)
    assert parts.body == "Bonjour,\nComment joindre le support par téléphone ?"
    assert any(w in parts.signature for w in ("confidenti", "environ", "alcool"))


@pytest.mark.parametrize(
    "notice",
    [
        "Diese E-Mail enthält vertrauliche Informationen und ist nur für den Empfänger bestimmt.",
        "Ce courriel et ses pièces jointes sont confidentiels.\nEste mensaje es "
        "confidencial y está dirigido únicamente a su destinatario.",
        "Questo messaggio è riservato al destinatario.",
    ],
)
def test_a_legal_notice_over_a_forward_leaves_the_forwarded_mail_as_the_message(
    notice: str,
) -> None:
    raw = (
        f"{notice}\n\n________________________________\nDe : Marc Olivier "
        "<m.olivier@exemple.fr>\nEnvoyé : mardi 4 juin 2024 10:00\nObjet : compte\n\n"
        "Bonjour, comment créer un « mon compte » ?\nMarc"
    )
    parts = text.split_body(raw)
    assert "comment créer" in parts.body
    assert not parts.quoted
    assert (
        "confiden" in parts.signature
        or "vertraul" in parts.signature
        or ("riservat" in parts.signature)
    )


def test_split_body_keeps_a_confidentiality_sentence_that_is_the_question() -> None:
    raw = "Bonjour,\nce message d'erreur est confidentiel selon notre DSI ?\nMerci de votre aide"
    assert "confidentiel" in text.split_body(raw).body


# --------------------------------------------------------------------------- relaunches

_OWN_QUESTION = "Comment savoir si le modèle pour le Japon est en ligne ?"


def _relaunch(top: str, header: str) -> text.BodyParts:
    return split_body(f"{top}\n\n{header}\n\nBonjour,\n{_OWN_QUESTION}\nMerci\nPaul Martin")


def test_relaunch_reads_the_customers_own_quoted_question() -> None:
    parts = _relaunch(
        "Bonjour,\nje relance ma demande ci-dessous.\nCordialement",
        "De : Paul Martin\nEnvoyé : lundi 2 mars 2026 10:47\nÀ : Support\nObjet : modèle",
    )
    own = text.relaunched_message(parts, ("Paul Martin", "p.martin@export.fr"))
    assert own.endswith(_OWN_QUESTION)
    assert "Paul Martin" not in own  # its signature is cut too


def test_relaunch_recognises_the_sender_by_mailbox() -> None:
    parts = _relaunch(
        "Voir ci-dessous svp.", "Le 02/03/2026 à 18:20, Rucher des Cévennes a écrit :"
    )
    own = text.relaunched_message(parts, ("Martine Delmas", "rucherdescevennes@free.fr"))
    assert own.endswith(_OWN_QUESTION)


def test_a_relaunch_of_a_relaunch_reads_the_first_message() -> None:
    parts = split_body(
        "2ème relance. Merci de me répondre.\n\n-----Message d'origine-----\n"
        "De : Paul Martin <p.martin@export.fr>\nEnvoyé : mercredi 4 mars 2026 08:47\n"
        "Objet : TR: modèle\n\nje relance\n\n-----Message d'origine-----\n"
        "De : Paul Martin <p.martin@export.fr>\nEnvoyé : lundi 2 mars 2026 10:47\n"
        f"Objet : modèle\n\nBonjour,\n{_OWN_QUESTION}\nMerci\nPaul Martin"
    )
    own = text.relaunched_message(parts, ("Paul Martin", "p.martin@export.fr"))
    assert own.endswith(_OWN_QUESTION)


def test_relaunch_ignores_a_message_someone_else_wrote() -> None:
    parts = _relaunch(
        "Voir ci-dessous, toujours bloqué.",
        "De : Assistance Expadon\nEnvoyé : lundi 2 mars 2026 10:47\nObjet : modèle",
    )
    assert text.relaunched_message(parts, ("Paul Martin", "p.martin@export.fr")) == ""


def test_a_message_with_its_own_question_is_not_a_relaunch() -> None:
    parts = _relaunch(
        "Merci, c'est réglé. Autre question : je ne trouve toujours pas où télécharger le PDF"
        " du certificat en cours de saisie, où est le bouton, et est-il vierge au début de la"
        " demande ou déjà rempli avec les données que nous avons saisies la semaine dernière ?",
        "De : Paul Martin\nEnvoyé : lundi 2 mars 2026 10:47\nObjet : modèle",
    )
    assert text.relaunched_message(parts, ("Paul Martin", "p.martin@export.fr")) == ""


def test_clean_body_cuts_a_gmail_forwarded_message_separator() -> None:
    raw = (
        "Je transfère le message que j'avais préparé.\n\n"
        "---------- Forwarded message ---------\nDe : Paul <p@x.fr>\nDate: mar. 17 mars 2026"
        "\nSubject: essai\nTo: Paul <p@x.fr>\n\nbrouillon"
    )
    assert clean_body(raw) == "Je transfère le message que j'avais préparé."


def test_relaunch_reads_a_colleagues_question_from_the_company_mailbox() -> None:
    parts = _relaunch(
        "Voir la question de ma collègue ci-dessous.",
        "Le mer. 11 mars 2026 à 11:05, Pauline Faure <pauline@miel.fr> a écrit :",
    )
    sender = ("Christophe Gauthier", "c.gauthier@miel.fr")
    assert text.relaunched_message(parts, sender, "miel.fr").endswith(_OWN_QUESTION)
    assert text.relaunched_message(parts, sender) == ""  # a public mailbox proves nothing


def test_empty_fields_of_a_template_are_not_the_authors_words() -> None:
    body = (
        "Contexte : export de vins vers le Brésil.\n"
        "Question : le certificat original papier nous est-il envoyé ?\n"
        "Pièces jointes : N/A\n"
        "Navigateur : ____\n"
        "Version : ?\n"
        "Erreur à la connexion :\n"
        "AUTH_ERROR 401"
    )
    cleaned = clean_body(body)
    assert "Pièces jointes" not in cleaned and "Navigateur" not in cleaned
    assert "Version" not in cleaned
    # a field that is filled, and a label that introduces the next lines, stay
    assert "Question : le certificat original" in cleaned
    assert "Erreur à la connexion :" in cleaned and "AUTH_ERROR 401" in cleaned


def test_empty_fields_of_a_bilingual_template_are_not_the_authors_words() -> None:
    body = (
        "[FR] Demandeur / [EN] Requester : Marta Silva\n"
        "[FR] Question / [EN] Question : quelle est la procédure d'habilitation ?\n"
        "[FR] Pièces jointes / [EN] Attachments : ____\n"
        "[FR] Numéro d'habilitation actuel / [EN] Current habilitation # : N/A"
    )
    cleaned = clean_body(body)
    assert "Pièces jointes" not in cleaned and "Attachments" not in cleaned
    assert "Current habilitation" not in cleaned
    assert "Marta Silva" in cleaned and "quelle est la procédure" in cleaned


def test_a_template_with_an_empty_attachments_field_is_not_a_habilitation_request() -> None:
    from routerbot.config import load_config  # noqa: PLC0415
    from routerbot.domain import Category, Person, Ticket  # noqa: PLC0415
    from routerbot.engine import decide  # noqa: PLC0415

    config = load_config(Path(__file__).resolve().parents[2] / "config" / "routing.toml")
    body = (
        "Contexte : export de vins vers le Brésil.\n"
        "Question : après signature, le certificat original papier nous est-il envoyé par "
        "la DDPP, ou devons-nous l'imprimer nous-mêmes ?\n"
        "Impact métier : expédition du 22/05\n"
        "Pièces jointes : N/A"
    )
    t = Ticket("T-1", "3", "86", "Originaux papier", body, Person("A B", "a@vins-export.fr"))
    assert decide(t, config).category is Category.ASSISTANCE_OPERATEUR


def test_the_message_a_transfer_passes_on_and_its_sender() -> None:
    from routerbot.engine.text import forwarded_message, split_body  # noqa: PLC0415

    raw = (
        "Bonjour,\nje transfère la question de ma collègue Maud.\nStéphanie Caron\n\n"
        "De : Maud Vincent\nObjet : Expadon PDF\n"
        "Stéphanie, comment je télécharge le modèle de certificat ?\nMaud Vincent - DDETSPP 80"
    )
    parts = split_body(raw)
    # a "De :" and an "Objet :" below a note are a forward's header, even with no address
    assert "comment je télécharge" not in parts.body
    f = forwarded_message(parts)
    assert f is not None and f.name == "Maud Vincent" and f.email == ""
    assert "comment je télécharge le modèle" in f.body
    wrote = (
        "Transfert N1.\n\nLe 14/04/2025 à 15:02, Sébastien Marty <seb.marty@marty-cereales.fr>"
        " a écrit :\n> bonjour\n> comment je crée un compte ?\n> S. Marty"
    )
    g = forwarded_message(split_body(wrote))
    assert g is not None and g.email == "seb.marty@marty-cereales.fr"
    assert g.name == "Sébastien Marty" and "comment je crée un compte" in g.body
    # a memo's own header at the top is not a forward, nor a shipment's route below a note
    memo = "De : DDPP 33\nObjet : habilitation\nVoici le dossier de la SARL Dupont."
    assert "Voici le dossier" in split_body(memo).body
    route = (
        "Bonjour, voici l'expédition :\nDe : Le Havre\nÀ : Shanghai\nProduit : fromages\n"
        "Comment télécharger le modèle du certificat ?"
    )
    assert "Comment télécharger" in split_body(route).body


@pytest.mark.parametrize(
    ("said", "left"),
    [
        (
            "Je ne cherche pas à créer un compte, j'en ai un. Quel modèle est en ligne ?",
            "Quel modèle est en ligne ?",
        ),
        ("Ce n'est pas pour un collègue, c'est pour moi.", "c'est pour moi."),
        (
            "Avant je n'arrivais pas à me connecter mais c'est réglé. Où est la liste ?",
            "Où est la liste ?",
        ),
        (
            "Pas besoin de m'expliquer le bouton. Le modèle est-il en ligne ?",
            "Le modèle est-il en ligne ?",
        ),
        ("This is not a login issue. Where is the list?", "Where is the list?"),
        ("The login issue is now solved. Where is the list?", "Where is the list?"),
        (
            "Merci, c'était bien le cache, tout fonctionne. Comment ajouter un stagiaire ?",
            "Comment ajouter un stagiaire ?",
        ),
        (
            "J'ai résolu le problème en passant sur Firefox. Comment télécharger le modèle ?",
            "Comment télécharger le modèle ?",
        ),
        # what settled it is the subject: "vider le cache a résolu mon problème"
        (
            "Vider le cache a résolu mon problème de connexion ! Comment télécharger le modèle ?",
            "Comment télécharger le modèle ?",
        ),
        ("Clearing the cache fixed my issue. Where is the list?", "Where is the list?"),
        # a colon ends the denial: what follows it is what the ticket is about
        (
            "En fait ce n'est pas pour les modèles : je n'arrive pas à me connecter.",
            "je n'arrive pas à me connecter.",
        ),
    ],
)
def test_what_the_author_says_the_ticket_is_not_about_is_not_read(said: str, left: str) -> None:
    read = text.without_denials(said)
    assert left in read
    assert said[:12] not in read


@pytest.mark.parametrize(
    "kept",
    [
        "Je n'arrive pas à me connecter depuis ce matin.",
        "Ce n'est pas la première fois que je n'arrive pas à me connecter.",
        "Le problème n'est pas réglé, je ne peux toujours pas télécharger le modèle.",
        "Je ne sais pas comment télécharger le modèle.",
    ],
)
def test_a_problem_told_in_the_negative_is_still_read(kept: str) -> None:
    assert text.without_denials(kept) == kept


@pytest.mark.parametrize(
    ("said", "left", "gone"),
    [
        (
            "Je passe par le formulaire habilitation car c'était le seul lien. Notre "
            "certificat est bloqué.",
            "Notre certificat est bloqué.",
            "habilitation",
        ),
        (
            "J'ai un problème avec un certificat, le formulaire habilitation était le seul "
            "ouvert. Pouvez-vous m'aider ?",
            "J'ai un problème avec un certificat",
            "habilitation",
        ),
        (
            "Je ne savais pas quel formulaire choisir entre les deux. Voici mes documents.",
            "Voici mes documents.",
            "choisir",
        ),
    ],
)
def test_a_remark_on_the_form_chosen_is_not_read(said: str, left: str, gone: str) -> None:
    read = text.without_denials(said)
    assert left in read
    assert gone not in read


@pytest.mark.parametrize(
    "remark",
    [
        "Je passe par ici",
        "je mets par le portail des opérateurs",
        "je prends par celui-ci",
        "je suis passée par ce formulaire",
        "ce formulaire d'assistance est le seul",
        "c'était le seul lien",
        "je ne savais pas où mettre ce message",
        "faute de mieux",
        "j'ai cliqué au hasard",
        "je ne m'y retrouve pas entre les deux",
    ],
)
def test_every_kind_of_form_remark_is_cut(remark: str) -> None:
    read = text.without_denials(f"{remark}. Le certificat est bloqué.")
    assert read.strip(" .") == "Le certificat est bloqué", read


def test_a_question_about_which_form_to_use_is_still_read() -> None:
    said = "Je ne sais pas quel formulaire utiliser pour ma question, pouvez-vous m'indiquer ?"
    assert text.without_denials(said) == said


def test_what_works_is_cut_at_its_clause_not_its_sentence() -> None:
    said = (
        "je n'arrive pas à me connecter au module : dans gestion des utilisateurs tout "
        "fonctionne, mais quand je clique sur Certificats on me dit non."
    )
    read = text.without_denials(said)
    assert "je n'arrive pas à me connecter au module" in read
    assert "mais quand je clique sur Certificats" in read
    assert "tout fonctionne" not in read


@pytest.mark.parametrize(
    ("dictated", "typed"),
    [
        (
            "Bonjour virgule ci-joint les documents point je ne savais pas quel formulaire "
            "prendre point cordialement",
            "Bonjour, ci-joint les documents. je ne savais pas quel formulaire prendre. "
            "cordialement",
        ),
        ("ça suffit point d'interrogation merci", "ça suffit ? merci"),
        ("voilà point à la ligne merci", "voilà.\nmerci"),
        # "point" as a noun stays: "le point de contrôle", "au point mort"
        (
            "le point de contrôle est au point mort virgule voilà",
            "le point de contrôle est au point mort, voilà",
        ),
        # only bare stops, two or more and no typed full stop: dictated too
        (
            "je n'arrive plus à me connecter point ça met une erreur point j'ai des "
            "certificats à signer",
            "je n'arrive plus à me connecter. ça met une erreur. j'ai des certificats à signer",
        ),
    ],
)
def test_dictated_punctuation_is_written(dictated: str, typed: str) -> None:
    assert text.spoken_punctuation(dictated) == typed


def test_a_typed_text_keeps_its_points() -> None:
    # no dictation mark ("virgule", "point à la ligne"…): "point" is a word
    typed = "Un point important : le certificat point par point."
    assert text.spoken_punctuation(typed) == typed
    # one bare "point" is no dictation
    assert text.spoken_punctuation("ça bloque point barre") == "ça bloque point barre"


@pytest.mark.parametrize(
    "raw",
    [
        "Ce message a été transcrit automatiquement et peut contenir des erreurs.\n« Oui "
        "bonjour, je voulais savoir où on télécharge le PDF du certificat. Merci. »",
        "Transcription automatique (peut contenir des erreurs) :\n« bonjour, je voulais "
        "savoir où on télécharge le PDF du certificat, merci »",
        "« bonjour, je voulais savoir où on télécharge le PDF du certificat, merci »\n\n"
        "— Transcription automatique, peut contenir des erreurs",
        "Voicemail transcript (may contain errors):\nhello, where do I download the PDF of "
        "the certificate, thanks",
    ],
)
def test_a_voicemail_transcripts_warning_is_no_error_of_the_callers(raw: str) -> None:
    body = split_body(raw).body
    assert "erreur" not in body.lower() and "error" not in body.lower(), body
    assert "PDF" in body
