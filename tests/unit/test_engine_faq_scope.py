"""FAQ recall and precision, round 3: phrases tied to where the words are (ordered
with a window, not "anywhere in the text"), answers given by question to both
populations where they hold for both, and the near misses that must stay silent."""

from __future__ import annotations

from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config
from routerbot.domain import Category, Person, PublicReply, Ticket
from routerbot.engine import decide

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = "m.girard@girard-miels.fr"
AGENT = "p.lemaire@loire-atlantique.gouv.fr"


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(ROOT / "config" / "routing.toml")


def make(
    description: str,
    *,
    summary: str = "Question",
    email: str = OPERATOR,
    where: str = "3/86",
) -> Ticket:
    desk, rtype = where.split("/")
    return Ticket(
        key="S-1",
        service_desk=desk,
        request_type=rtype,
        summary=summary,
        description=description,
        reporter=Person(display_name="Martine Girard", email=email),
    )


def replied(ticket: Ticket, config: RoutingConfig) -> list[str | None]:
    return [a.faq_id for a in decide(ticket, config).actions if isinstance(a, PublicReply)]


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        # "also cover … or apply separately?" asks whether the Agrément access is enough
        (
            "Hi, we already use Expadon 2 for Agrément. Does that registration also cover "
            "the Certificats module, or do we need to apply separately? Thanks, Tom",
            "agrement-vs-certificat",
        ),
        # "is that normal or a bug?" about the blank PDF is the download entry's question
        (
            "Hello, I just created a new request and downloaded the PDF of the certificate "
            "but it is completely empty, only the blank model. Is that normal or is it a "
            "bug? Regards, Javier",
            "telecharger-modele",
        ),
        # "in line" for "online", as a non-native writer says it
        (
            "Dear Sir or Madam, please tell me how to confirm which certificate model is "
            "in line now for Korea. Best regards, Min-jun Park",
            "modeles-en-ligne",
        ),
        (
            "J'ai reçu le rôle d'administratrice locale hier. L'onglet des certificats "
            "n'apparaît pas dans mon menu, seulement la liste des comptes de la société. "
            "Pourquoi ?",
            "role-admin-local",
        ),
        (
            "Bonjour, je n'ai encore jamais eu d'identifiant pour Expadon. "
            "Comment fait-on pour s'inscrire ?",
            "creer-mon-compte",
        ),
        (
            "Hello, I have no account yet. How do I register to use Expadon?",
            "creer-mon-compte",
        ),
        (
            "J'ai commencé une demande pour l'Algérie et le PDF que je télécharge est vide, "
            "rien dedans. Comment j'obtiens le modèle rempli ?",
            "telecharger-modele",
        ),
        (
            "Good morning, our firm ships wine to Singapore. What is the process for us to "
            "be given access to the Certificats module?",
            "procedure-habilitation",
        ),
        (
            "Notre maison souhaite obtenir un accès au module Certificats. Quelles démarches "
            "et à qui faut-il s'adresser ?",
            "procedure-habilitation",
        ),
        # the newcomer said in English words: an intern, a new starter
        (
            "As the local admin, how do I give our trainee the requester role so she can "
            "prepare the certificates?",
            "habiliter-collegue",
        ),
        # a request in courteous English, no question mark
        (
            "Dear Sir, kindly share the list of certificate templates that are currently "
            "online on Expadon 2 for dairy products to Vietnam. Regards",
            "modeles-en-ligne",
        ),
        # the colleague who sent them to the desk is no colleague to habilitate
        (
            "Hello, my colleague told me to ask you: what do we need to do to get access "
            "to the Certificats module?",
            "procedure-habilitation",
        ),
        (
            "Bonjour, ma collègue m'a conseillé de vous écrire : quelle est la procédure "
            "pour être habilité au module Certificats ?",
            "procedure-habilitation",
        ),
        (
            "Good afternoon, our firm wants to apply for Certificats. Which documents must "
            "we prepare, and to whom do we send them?",
            "procedure-habilitation",
        ),
        # the DD's papers asked about in English ("papers", "paperwork" are its forms)
        (
            "Hi, which papers do I fill in to become habilitated as demandeur, and where do "
            "I send them when done?",
            "procedure-habilitation",
        ),
        (
            "Hello, the DDPP handed me the habilitation paperwork. Where does it go once "
            "completed?",
            "procedure-habilitation",
        ),
        # the role's name misspelt in haste
        (
            "hi, i have the adminstrateur local role but no certificats in my menu. is that "
            "role enough to log in to certificats?",
            "role-admin-local",
        ),
        # a local admin setting up a new starter, in English
        (
            "Hi, I'm the admin local for our firm. A new colleague starts next week and must "
            "raise certificate requests: how do I set him up?",
            "habiliter-collegue",
        ),
    ],
)
def test_new_phrasings_get_their_answer(text: str, faq: str, config: RoutingConfig) -> None:
    assert replied(make(text), config) == [faq]


def test_an_agent_asking_how_to_download_a_model_gets_the_answer(config: RoutingConfig) -> None:
    t = make(
        "Inspectrice à la DDPP : où clique-t-on pour télécharger le modèle PDF d'une demande "
        "qu'un exportateur vient d'ouvrir ?",
        email=AGENT,
        where="4/87",
    )
    d = decide(t, config)
    assert d.category is Category.ASSISTANCE_SD
    assert replied(t, config) == ["telecharger-modele"]


def test_an_agent_asking_the_operator_procedure_gets_no_public_answer(
    config: RoutingConfig,
) -> None:
    # procedure-habilitation describes the operator's own process: not for an agent
    t = make(
        "Agent à la DDETSPP : quelle est la procédure d'habilitation pour un exportateur de "
        "notre département ?",
        email=AGENT,
        where="4/87",
    )
    assert replied(t, config) == []


def test_asking_whom_to_address_for_access_is_the_procedure_not_the_contact_form(
    config: RoutingConfig,
) -> None:
    t = make("Pour avoir l'accès aux certificats, à qui dois-je m'adresser ?")
    assert replied(t, config) == ["procedure-habilitation"]


def test_an_account_that_exists_gets_no_account_creation_answer(config: RoutingConfig) -> None:
    t = make(
        "J'ai créé mon compte sur moncompte la semaine dernière mais je n'ai pas accès au "
        "module certificats, comment faire ?"
    )
    assert "creer-mon-compte" not in replied(t, config)


@pytest.mark.parametrize(
    "text",
    [
        # an account screen and creating certificates are not creating an account
        "Dans l'écran des comptes je ne vois rien. Le bouton pour créer une demande de "
        "certificat est grisé, est-ce un bug ?",
        # 'certificat en ligne' + 'quelle' about a blocked request is not the models list
        "Ma demande de certificat en ligne est bloquée depuis lundi, quelle solution ?",
        # 'nulle part' is not someone who left ('partie')
        "Je voudrais changer mon rôle mais je ne trouve l'option nulle part, comment faire ?",
        # a PDF filled in and still blank is a fault, not the blank-at-first answer
        "J'ai saisi toutes les informations et le PDF téléchargé reste vide. Pourquoi ?",
        # fields missing in the PDF of a finished request: a fault as well
        "Le PDF du certificat a plusieurs champs vides alors que tout est validé, normal ?",
    ],
)
def test_near_misses_get_no_public_answer(text: str, config: RoutingConfig) -> None:
    assert replied(make(text), config) == []


def test_registering_a_colleague_is_not_creating_ones_own_account(
    config: RoutingConfig,
) -> None:
    t = make("Comment inscrire mon collaborateur sur Expadon pour qu'il saisisse les demandes ?")
    assert replied(t, config) == ["habiliter-collegue"]


def test_asking_how_to_reach_the_support_by_phone_gets_the_contact_answer(
    config: RoutingConfig,
) -> None:
    t = make("Peut-on vous joindre par téléphone ? Je ne trouve pas de numéro sur le site.")
    assert replied(t, config) == ["nous-contacter"]


def test_attaching_a_file_by_mail_is_not_contacting_the_support(config: RoutingConfig) -> None:
    # "joindre" also means attaching a document
    t = make("Comment joindre par mail le certificat d'origine à ma demande en cours ?")
    assert replied(t, config) == []


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        ("Hi, what is the purpose of the user management app?", "gestion-utilisateurs"),
        (
            "Qu'est-ce qu'on doit faire pour avoir l'habilitation Certificats ?",
            "procedure-habilitation",
        ),
        (
            "Quelles démarches pour que notre coopérative puisse utiliser la plateforme ?",
            "procedure-habilitation",
        ),
        (
            "Je voudrais que ma secrétaire puisse préparer les demandes à ma place, comment ?",
            "habiliter-collegue",
        ),
        # être's subjunctive weighs nothing: "pour que je sois habilitée" is "pour être
        # habilitée"
        (
            "Bonjour, quelle est la procédure pour que je sois habilitée sur Certificats ?",
            "procedure-habilitation",
        ),
        # the account made, in English: the procedure is what is asked next
        (
            "Hi, I created my account on moncompte.agriculture.gouv.fr. Now what? How do I "
            "get access to the Certificats module?",
            "procedure-habilitation",
        ),
        # a colleague added as a requester, in English, by the local admin
        (
            "Good day, how can I add my assistant in 'gestion des utilisateurs' so he can "
            "prepare the certificate requests for our cocoa shipments?",
            "habiliter-collegue",
        ),
        (
            "Hi folks, what's the process for adding a colleague as 'demandeur'? I'm the "
            "administrateur local for our company.",
            "habiliter-collegue",
        ),
        # "on s'y prend comment ?" (no "comment habiliter")
        ("Pour habiliter notre nouvelle recrue, on s'y prend comment ?", "habiliter-collegue"),
        # the channel asked in English ("which e-mail address or channel")
        (
            "Hello, which e-mail address or channel should our team use to reach the "
            "Expadon support from now on? Regards",
            "nous-contacter",
        ),
        # a country the synonyms did not list is a country ("vers les Comores")
        (
            "bonjour le modele reunion vers les comores pour les caprins est il en ligne svp",
            "modeles-en-ligne",
        ),
        # access wanted, and "what must I do?" (no "procédure", no "habilité")
        (
            "Bonjour,\nJe fais du miel en Lozère et un client suisse me demande un "
            "certificat. J'aimerais avoir accès à Certificats : qu'est-ce que je dois faire ?",
            "procedure-habilitation",
        ),
        (
            "Bonjour, je commence à exporter des noix vers la Norvège. Que dois-je faire "
            "pour avoir accès au module Certificats ? Cordialement",
            "procedure-habilitation",
        ),
        # a newcomer asking for herself ("comment je peux être habilitée ?")
        (
            "Bonjour, je suis en alternance chez un négociant en vins jusqu'en septembre et "
            "je vais préparer les certificats pour la Chine. Comment je peux être habilitée ?",
            "procedure-habilitation",
        ),
    ],
)
def test_more_new_phrasings_get_their_answer(text: str, faq: str, config: RoutingConfig) -> None:
    assert replied(make(text), config) == [faq]


#: a guard word said of something else, in the sentence before the question's own:
#: "ne marche pas" is the mailbox's (``guard_before_question_min_confidence``)
GUARD_BEFORE_THE_QUESTION = (
    "Bonjour,\nJe suis vétérinaire mandaté auprès de la DDPP du Cantal (j'écris de ma "
    "boîte perso, la messagerie pro ne marche pas depuis lundi). Comment télécharger le "
    "modèle du certificat d'une demande pour le vérifier ?\nDr Anne Vidal"
)


@pytest.mark.parametrize(
    ("text", "where", "summary", "faq"),
    [
        (GUARD_BEFORE_THE_QUESTION, "4/87", "Question", "telecharger-modele"),
        # access for oneself and a colleague: nobody can habilitate the colleague yet
        (
            "Bonjour,\n\nJe souhaite être habilitée au module Certificats, ainsi que notre "
            "nouvelle collègue qui travaille sur notre site de Brive (elle arrive jeudi). "
            "Quelle est la démarche à suivre pour nous deux ?\n\nMerci,\nAnne Roux",
            "3/84",
            "Habilitation pour moi et une collègue de Brive",
            "procedure-habilitation",
        ),
    ],
)
def test_whole_tickets_get_their_answer(
    text: str, where: str, summary: str, faq: str, config: RoutingConfig
) -> None:
    ticket = make(text, summary=summary, email="anne.vidal@gmail.com", where=where)
    assert replied(ticket, config) == [faq]


def test_the_guard_before_the_question_can_be_turned_off(config: RoutingConfig) -> None:
    off = config.model_copy(
        update={
            "thresholds": config.thresholds.model_copy(
                update={"guard_before_question_min_confidence": 1.0}
            )
        }
    )
    ticket = make(GUARD_BEFORE_THE_QUESTION, email="anne.vidal@gmail.com", where="4/87")
    assert replied(ticket, off) == []


@pytest.mark.parametrize(
    "text",
    [
        # a colleague who cannot log in: the login-failure question, not habiliter-collegue
        "Ma collègue ne peut plus se connecter depuis hier, que faire ?",
        # asking about the status of one's habilitation request: no procedure answer
        "J'ai fait la demande pour obtenir l'habilitation il y a trois semaines, où en est-elle ?",
    ],
)
def test_more_near_misses_get_no_faq_answer(text: str, config: RoutingConfig) -> None:
    faqs = replied(make(text), config)
    assert faqs in ([], ["connexion-impossible"])


@pytest.mark.parametrize(
    "text",
    [
        # the issued certificate, not the model of a request under way
        "Comment récupérer en PDF le certificat délivré la semaine dernière pour nos archives ?",
        # an agent validating a request looks at a filled-in PDF: blank is a fault there
        "Je dois valider une demande mais le modèle PDF que je télécharge est vierge. Que faire ?",
    ],
)
def test_an_issued_or_validated_certificate_gets_no_model_answer(
    text: str, config: RoutingConfig
) -> None:
    assert replied(make(text, email=AGENT, where="4/87"), config) == []
    assert replied(make(text), config) == []


def test_no_account_on_the_platform_is_the_account_question(config: RoutingConfig) -> None:
    t = make("Je n'ai pas de compte sur la plateforme Expadon. Comment faire ?")
    assert replied(t, config) == ["creer-mon-compte"]


@pytest.mark.parametrize(
    "text",
    [
        # an account somewhere else (a carrier, a bank) is not the platform's
        "Je n'ai pas de compte chez ce transitaire, qui doit établir le certificat ?",
        # a new account that fails to log in: the login question, not account creation
        "On m'a créé un nouveau compte Expadon mais je ne peux pas me connecter, que faire ?",
    ],
)
def test_other_accounts_get_no_account_creation_answer(text: str, config: RoutingConfig) -> None:
    assert "creer-mon-compte" not in replied(make(text), config)


# ---------------------------------------------------------------- sixth session of 12-04


@pytest.mark.parametrize(
    ("text", "email", "where"),
    [
        # an error page where the download should be: a bug, not how to download
        (
            "When I press the download documents button I get an error 404 page, on every "
            "request since Monday. Can you check?",
            OPERATOR,
            "3/86",
        ),
        # the user search finds nobody: the colleague's account is the problem
        (
            "Je suis administratrice locale. Dans gestion des utilisateurs, ma nouvelle "
            "collègue reste introuvable, par nom comme par e-mail, alors qu'elle a fait son "
            "compte. Que faire ?",
            OPERATOR,
            "3/86",
        ),
        # an agent's own rights, not an operator's colleague
        (
            "J'arrive à la DDPP et je remplace une collègue partie en congés : pouvez-vous "
            "m'attribuer les droits de signature sur le module Certificats ?",
            AGENT,
            "4/87",
        ),
        # an account in another system
        (
            "Notre client américain nous dit qu'il faut créer un compte sur VEHCS pour les "
            "produits animaux. Est-ce à nous de le créer ?",
            OPERATOR,
            "3/86",
        ),
        # when a model will come: the FAQ does not say
        (
            "Le modèle pour l'Indonésie et les produits laitiers va-t-il être mis en ligne "
            "prochainement ? Nos clients attendent.",
            OPERATOR,
            "3/86",
        ),
        # the button or the PDF that used to work: a bug, not how to download
        (
            "Le bouton « télécharger les documents » n'apparaît plus sur ma demande en cours, "
            "il était là hier. Pouvez-vous regarder ?",
            OPERATOR,
            "3/86",
        ),
        (
            "Le PDF téléchargé depuis nos demandes ne s'ouvre plus, message fichier endommagé. "
            "Comment faire ?",
            OPERATOR,
            "3/86",
        ),
        # no local administrator left to habilitate anyone: the answer would send them to
        # the role nobody has
        (
            "Bonjour, notre administrateur local est parti à la retraite, il n'y a plus "
            "personne pour habiliter notre nouvelle collègue comme demandeur. Comment faire ?",
            OPERATOR,
            "3/86",
        ),
        # habilitation papers already sent, chased: not the procedure again
        (
            "Bonjour, je vous ai envoyé mes papiers d'habilitation mardi. C'est bon pour vous ?",
            OPERATOR,
            "3/84",
        ),
    ],
)
def test_this_sessions_near_misses_get_no_faq_answer(
    text: str, email: str, where: str, config: RoutingConfig
) -> None:
    assert replied(make(text, email=email, where=where), config) == []


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        (
            "Comment savoir si le certificat pour le Pérou et la viande de porc est passé en "
            "ligne ou s'il faut encore passer par le papier ?",
            "modeles-en-ligne",
        ),
        (
            "La DD nous a donné un dossier d'habilitation à compléter. Une fois rempli, "
            "à qui doit-on le renvoyer ?",
            "procedure-habilitation",
        ),
        # a button "not found" is the download question; an error page is not (above)
        (
            "The download documents button is not found on my request page. Where can I "
            "download the certificate model as a PDF?",
            "telecharger-modele",
        ),
        (
            "We have never used Expadon. What should we do to become authorised to "
            "request certificates, and who should we contact first?",
            "procedure-habilitation",
        ),
    ],
)
def test_this_sessions_phrasings_get_their_answer(
    text: str, faq: str, config: RoutingConfig
) -> None:
    assert replied(make(text), config) == [faq]


@pytest.mark.parametrize(
    "text",
    [
        # bug reports about the FAQ's subject: its answer does not fix them
        "Le bouton « télécharger les documents » reste grisé sur ma demande depuis ce "
        "matin. Pouvez-vous regarder ?",
        "Depuis hier le téléchargement des documents me donne un fichier vide. "
        "Pouvez-vous regarder ?",
        "Je suis habilitée sur Agrément et sur Certificats, mais depuis lundi le module "
        "Agrément a disparu de mon tableau de bord. Pouvez-vous vérifier ?",
        "Dans gestion des utilisateurs, j'ai une erreur technique quand j'attribue le rôle "
        "demandeur à ma collègue. Pouvez-vous regarder ?",
        "Ma demande est complète mais le pdf téléchargé reste vide, pourquoi ?",
        # when a model comes, what the DD's file holds: the answers do not say
        "Do you have a date for when the health certificate model for Japan will be "
        "available in Expadon 2?",
        "Pour notre dossier d'habilitation, quels documents exactement faut-il fournir ?",
        # a sales pitch contacts the support and asks nothing of it
        "Bonjour, je me permets de vous contacter pour vous présenter notre solution SaaS "
        "de traçabilité. Seriez-vous disponible pour une démo ?",
        "Want to contact 25,000 verified food importers? Reach out to us today for our "
        "spring offer. To unsubscribe, reply STOP.",
        # the procedure's first step is the one that fails
        "Je voudrais être habilité au module Certificats. On me dit de passer par ma DD, "
        "mais elle est injoignable depuis trois semaines. Comment faire ?",
        # a second question announced by "au passage": one answer would answer half
        "Comment télécharger le modèle du certificat ? Et au passage, comment je fais "
        "pour donner l'accès à une personne qui arrive dans l'équipe ?",
    ],
)
def test_bug_reports_stalled_steps_and_a_second_question_get_no_faq_answer(
    text: str, config: RoutingConfig
) -> None:
    assert replied(make(text), config) == []


def test_an_agent_relaying_an_operators_question_below_gets_its_answer(
    config: RoutingConfig,
) -> None:
    """ "Transfert pour réponse" passes the quoted message on: its question is the
    ticket's, and the agent who relays it stays the requester."""
    text = (
        "Bonjour, transfert pour réponse.\nP. Lemaire\n"
        "DDPP de Loire-Atlantique\n\n> Bonjour,\n> Nous avons commencé une demande et ne "
        "trouvons pas comment télécharger le modèle de certificat en PDF.\n> Merci"
    )
    d = decide(make(text, email=AGENT, where="4/87"), config)
    assert d.category is Category.ASSISTANCE_SD
    assert [a.faq_id for a in d.actions if isinstance(a, PublicReply)] == ["telecharger-modele"]


@pytest.mark.parametrize(
    "text",
    [
        "bonjour j'arrive plus a me connecter a expadon depuis hier !!",
        "je me connecte pas a expadon depuis ce matin, firefox",
    ],
)
def test_a_failure_told_without_ne_is_still_a_failure(text: str, config: RoutingConfig) -> None:
    """ "j'arrive plus a me connecter" drops the "ne" of speech: not "j'arrive à me
    connecter"; "je me connecte pas" is "je ne me connecte pas"."""
    d = decide(make(text), config)
    assert d.login_failure and d.ask_browser


@pytest.mark.parametrize("opening", ["{quote}\n", "{quote}"])
def test_a_relayed_question_in_a_jira_quote_block_is_read(
    opening: str, config: RoutingConfig
) -> None:
    """Jira stores a pasted mail between {quote} marks (alone on a line or before the
    first words): the mail the agent points at is read there too (the marks are not one
    more level of quoting)."""
    text = (
        "Bonjour, je relaie la question ci-dessous. Merci\nP. Lemaire - DDPP de Loire-Atlantique"
        f"\n\n{opening}Bonjour,\nComment télécharger le modèle du certificat de notre "
        "demande ? Nous ne trouvons pas le bouton.\nMerci\n{quote}"
    )
    d = decide(make(text, email=AGENT, where="4/87"), config)
    assert [a.faq_id for a in d.actions if isinstance(a, PublicReply)] == ["telecharger-modele"]


def test_a_colleague_quoted_in_a_jira_bq_paragraph_is_read_when_pointed_at(
    config: RoutingConfig,
) -> None:
    text = (
        "Bonjour\n\nbq. Hélène, Expadon me refuse depuis hier soir, impossible de se "
        "connecter (message d'erreur rouge). Tu peux faire remonter ?\n\n"
        "Pareil pour moi depuis ce matin. Merci de regarder.\n\nLéa Morin"
    )
    d = decide(make(text, summary="TR: Pb connexion"), config)
    assert d.login_failure and d.ask_browser, d.reason


def test_several_questions_decide_the_category_not_a_word_of_the_context(
    config: RoutingConfig,
) -> None:
    """ "agrément obtenu en juin" (a sanitary approval) makes the Agrément entry the
    closest, but the two questions asked are a colleague's access and a model: the
    ticket is assistance, not habilitation, and both go to the note."""
    text = (
        "Nous préparons nos premiers envois de porc vers la Corée (agrément obtenu en juin "
        "pour notre atelier de découpe). Deux choses :\n"
        "1) j'ai une nouvelle collègue à l'ADV qui devra saisir les demandes ; comment je lui "
        "donne l'accès ? (je suis administrateur local)\n"
        "2) le modèle de certificat Corée pour le porc est-il déjà en ligne, et comment le "
        "savoir ?"
    )
    d = decide(make(text), config)
    assert d.category is Category.ASSISTANCE_OPERATEUR
    assert replied(make(text), config) == []


@pytest.mark.parametrize(
    ("text", "email", "where"),
    [
        (
            "Hi, our contact at the DDPP advised us to write here. I can't log into Expadon 2 "
            "since yesterday. Browser: Chrome 119.",
            "j.oneill@atlantic-seafood.fr",
            "4/87",
        ),
        (
            "Bonjour, la DDETSPP m'a donné ce lien mais je vois que c'est pour les services "
            "déconcentrés. Quel est le bon formulaire pour nous, les exportateurs ?",
            "p.aubry@aubry-cidres.fr",
            "4/87",
        ),
    ],
)
def test_who_sent_an_operator_here_is_not_who_is_writing(
    text: str, email: str, where: str, config: RoutingConfig
) -> None:
    d = decide(make(text, email=email, where=where), config)
    assert d.category is Category.ASSISTANCE_OPERATEUR
    assert d.reroute is not None and str(d.reroute.target) == "3/86"


@pytest.mark.parametrize(
    "text",
    [
        "Je ne sais pas si je suis au bon endroit. Nous attendons notre habilitation au module "
        "Certificats depuis début mars. Une commande est bloquée. Pourriez-vous accélérer ?",
        "La DDPP nous a dit qu'elle avait elle-même transmis à votre service nos documents "
        "d'habilitation, pour gagner du temps. Nous n'avons reçu aucune confirmation depuis. "
        "Nous avons une commande de rillettes pour un distributeur au Québec, premier envoi "
        "prévu le 25/11. Pourriez-vous vérifier si notre dossier d'habilitation est bien arrivé "
        "et s'il est en cours de traitement ?",
        "Je suis déjà demandeur sur le module Certificats pour la société Transit Océan. Pour sa "
        "filiale, dois-je refaire toute la procédure d'habilitation avec la DDPP ?",
    ],
)
def test_a_habilitation_chased_or_held_gets_no_procedure_answer(
    text: str, config: RoutingConfig
) -> None:
    assert replied(make(text), config) == []


def test_papers_sent_and_still_not_habilitated_is_a_habilitation(config: RoutingConfig) -> None:
    text = (
        "slt, jai envoye les papiers de la ddpp ya 15j et tjs pas habilite?? vous pouvez regarder"
    )
    d = decide(make(text, where="3/84"), config)
    assert d.category is Category.HABILITATION and d.reroute is None


def test_a_login_failure_in_sms_style_asks_for_the_browser(config: RoutingConfig) -> None:
    d = decide(make("jpeux pas me co a expadon ça marche pas du tout, c urgent svp"), config)
    assert d.login_failure and d.ask_browser


def test_a_blank_pdf_asked_normal_or_bug_gets_the_download_answer(config: RoutingConfig) -> None:
    text = (
        "Je viens de créer ma demande de certificat et quand je clique sur « télécharger les "
        "documents » le PDF est complètement vierge. C'est normal ou il y a un bug ?"
    )
    assert replied(make(text), config) == ["telecharger-modele"]
    reported = "Le PDF est vierge quand je clique sur télécharger les documents, il y a un bug."
    assert replied(make(reported), config) == []


@pytest.mark.parametrize(
    "text",
    [
        "Je suis habilitée demandeur. Suite au départ de notre responsable export, je souhaiterais "
        "obtenir en plus le rôle d'administrateur local opérateur. Pouvez-vous me l'attribuer ?",
        "Notre responsable qui était administrateur local a quitté la société : je dois "
        "reprendre ce rôle pour gérer les accès. Quelle démarche pour obtenir le rôle "
        "d'administrateur local ?",
    ],
)
def test_taking_over_the_local_admin_role_is_a_habilitation(
    text: str, config: RoutingConfig
) -> None:
    d = decide(make(text), config)
    assert replied(make(text), config) == []
    assert d.category is Category.HABILITATION


def test_the_habilitation_form_sent_gets_no_procedure_answer(config: RoutingConfig) -> None:
    text = (
        "Suite à mon échange avec la DDETSPP, je vous envoie le formulaire d'habilitation rempli "
        "et signé pour notre exploitation. Je ne savais pas quel formulaire choisir."
    )
    assert replied(make(text, where="4/87"), config) == []


def test_a_suspicious_mail_reported_gets_no_contact_answer(config: RoutingConfig) -> None:
    text = (
        "Plusieurs collègues ont reçu un mail « Expadon 2 - mise à jour de sécurité : "
        "reconnectez-vous via ce lien ». Est-ce un message officiel ou une tentative "
        "d'hameçonnage ? Comment vous joindre pour le signaler ?"
    )
    assert replied(make(text, email=AGENT, where="4/87"), config) == []


def test_mon_compte_spelt_by_ear_gets_the_account_answer(config: RoutingConfig) -> None:
    # dictated: "mon conte"
    text = "bonjour comment je fais pour créer mon conte pour aller sur expadon merci"
    assert replied(make(text), config) == ["creer-mon-compte"]


def test_an_agent_asking_which_address_to_write_to_gets_the_contact_answer(
    config: RoutingConfig,
) -> None:
    text = (
        "Bonjour, je travaille à la DDETSPP du Cher. Quelle adresse dois-je utiliser "
        "pour vous contacter : celle des opérateurs ou une autre ?"
    )
    assert replied(make(text, email=AGENT), config) == ["nous-contacter"]


def test_a_question_taken_back_as_it_is_told_is_not_answered(config: RoutingConfig) -> None:
    text = (
        "Bonjour, j'allais vous demander comment créer un compte « mon compte », mais "
        "j'ai trouvé le lien. Merci quand même."
    )
    assert replied(make(text), config) == []


def test_asking_the_desk_to_remove_an_access_gets_no_user_management_answer(
    config: RoutingConfig,
) -> None:
    text = (
        "Bonjour, Mme Ollivier a quitté la société. Pouvez-vous supprimer son accès à "
        "Expadon s'il vous plaît ?"
    )
    assert replied(make(text), config) == []


def test_a_bug_told_after_thanks_for_a_fix_stays_assistance(config: RoutingConfig) -> None:
    # "la semaine dernière … ma demande" is like a habilitation chaser; the words are a bug's
    text = (
        "Bonjour, merci pour la correction de la semaine dernière sur le champ température, "
        "ça fonctionne. Mais maintenant c'est la liste déroulante des ports de sortie qui est "
        "vide à l'étape 3. Demande 2024-CS-33102."
    )
    d = decide(make(text), config)
    assert d.category is Category.ASSISTANCE_OPERATEUR
    assert d.reroute is None


def test_a_question_forwarded_with_answer_it_reads_the_quoted_question(
    config: RoutingConfig,
) -> None:
    text = (
        "Bonjour,\nPouvez-vous répondre à la question de notre qualité ?\n\nJean-Marc\n\n"
        "________________________________\n"
        "De : Qualité <qualite@olivier-plats-cuisines.fr>\n"
        "Envoyé : jeudi 8 février 2024 13:44\nObjet : Agrément / Certificats\n\n"
        "Nous sommes déjà habilités au module Agrément d'Expadon 2 pour notre établissement. "
        "Est-ce que ça nous donne aussi l'accès aux Certificats ?"
    )
    assert replied(make(text, summary="TR: Agrément / Certificats"), config) == [
        "agrement-vs-certificat"
    ]


def test_a_colleague_misspelt_still_asks_to_habilitate_a_colleague(
    config: RoutingConfig,
) -> None:
    text = "bonjour comment faire pour l'abilitation de mon colegue ? je suis admin locale."
    assert replied(make(text), config) == ["habiliter-collegue"]


def test_the_local_admin_role_handed_over_is_a_habilitation(config: RoutingConfig) -> None:
    text = (
        "Notre administrateur local quitte la société fin du mois. Pouvez-vous transférer "
        "son rôle d'administrateur local sur mon compte, pour que je puisse gérer les accès ?"
    )
    d = decide(make(text), config)
    assert replied(make(text), config) == []
    assert d.category is Category.HABILITATION


def test_an_agent_asking_to_answer_an_operator_below_gets_the_operators_answer(
    config: RoutingConfig,
) -> None:
    text = (
        "Pouvez-vous répondre à cet opérateur ? Je ne connais pas la procédure.\n\n"
        "Valérie Lopez\nDDPP des Pyrénées-Orientales\n\n"
        "Le mer. 26 juin 2024 à 17:05, Catalan Fruits <direction@catalan-fruits.fr> a écrit :\n"
        "> Madame, je suis administrateur local sur Expadon. Comment je fais pour habiliter "
        "ma collègue Mme Sala afin qu'elle puisse faire les demandes de certificats ?"
    )
    ticket = make(text, email=AGENT, where="4/87", summary="TR: ajout d'un collègue")
    assert replied(ticket, config) == ["habiliter-collegue"]


def test_an_agent_asking_what_user_management_is_for_gets_its_answer(
    config: RoutingConfig,
) -> None:
    text = "A quoi sert le lien gestion des utilisateurs que je vois dans mon menu ? merci"
    assert replied(make(text, email=AGENT, where="4/87"), config) == ["gestion-utilisateurs"]


@pytest.mark.parametrize(
    "text",
    [
        "Hi, I can't get past the login page of Expadon. Please advise.",
        "We get an error at login since Monday, the message is 'Authentification échouée'.",
        "Since last week the portal refuses my login with a red message.",
        "HTTP 500 Internal Server Error right after entering my credentials, every time.",
        "Hello, the login page keeps reloading and I never get in.",
        "Dear team, we can not log on to the site, the page stays empty.",
        "When I try login I get 'Accès refusé'. What to do?",
        "Expadon login broken again since this morning. Can someone look please.",
        "Our login stopped working after the weekend, nobody in the team gets in.",
        # and in French, by their symptom, in capitals
        "Message d'erreur « utilisateur inconnu » quand je me connecte à Expadon 2.",
        "Plus rien ne s'affiche après l'identification, depuis ce matin.",
        "I am unable to authenticate on the Expadon 2 portal, an error page appears.",
        "Toujours le message « Une erreur est survenue » au moment de la connexion.",
        "URGENT PLUS ACCES A EXPADON DEPUIS CE MATIN, CAMION BLOQUE",
        # the symptom alone, in the order the writers put it
        "Hello, when logging into Expadon the page keeps loading and nothing happens.",
        "Hi, I get an authentication error on Expadon 2. Can you check?",
        "À la connexion j'ai le message « utilisateur inconnu » depuis lundi.",
        "Every time I log in it sends me back to the login page. So annoying.",
        "Good morning, after I log in I get a white screen on Expadon.",
        "After authenticating I get 'Error 403 - Forbidden' on Expadon.",
        "Notre PC ne se connecte plus à Expadon depuis une semaine.",
        "J'essaie de me connecter depuis ma tablette et j'ai une erreur.",
    ],
)
def test_login_failures_told_in_other_words_ask_for_the_browser(
    config: RoutingConfig, text: str
) -> None:
    d = decide(make(text), config)
    assert d.login_failure and d.ask_browser, d.reason


def test_edge_as_speech_recognition_hears_it_is_edge(config: RoutingConfig) -> None:
    d = decide(
        make("je n'arrive pas à me connecter point j'utilise Microsoft hedge version cent vingt"),
        config,
    )
    assert d.browser is not None and (d.browser.name, d.browser.version) == ("edge", "120")


def test_a_question_asked_as_a_request_in_english_is_answered(config: RoutingConfig) -> None:
    d = decide(
        make(
            "Sir/Madam, please let us know the procedure for getting habilitation in the "
            "Expadon 2 Certificats module. We are a new operator.",
            where="3/84",
        ),
        config,
    )
    assert d.reply_faq == "procedure-habilitation", d.reason


@pytest.mark.parametrize(
    "on_top",
    [
        "Merci, après avoir vidé le cache c'est reparti. Bonne journée.",
        "Merci beaucoup, tout est rentré dans l'ordre ! Bonne journée.",
        "Thanks, all back to normal now.",
    ],
)
def test_a_forwarded_failure_said_to_work_again_on_top_gets_no_ask(
    config: RoutingConfig, on_top: str
) -> None:
    d = decide(
        make(
            f"{on_top}\n\n"
            "De : Paul Martin\nEnvoyé : lundi 14 décembre 2026 08:12\nObjet : connexion\n\n"
            "Bonjour, je n'arrive pas à me connecter à Expadon sous Chrome, ça tourne.",
            summary="RE: TR: Impossible de se connecter",
        ),
        config,
    )
    assert not d.ask_browser and d.public_replies == (), d.reason


@pytest.mark.parametrize(
    "said",
    [
        # a session that times out while a form is filled
        "Les lenteurs sont intenables : hier j'ai perdu deux fois ma saisie parce que la "
        "session a expiré pendant que je remplissais, et les scellés sont à ressaisir "
        "à chaque fois.",
        # a printer that no longer joins the network
        "Notre imprimante du service export ne veut plus se connecter au réseau depuis le "
        "changement de box, donc impossible d'imprimer les certificats sur papier sécurisé. "
        "Vous avez une autre manière d'imprimer depuis Expadon ?",
    ],
)
def test_what_fails_once_logged_in_or_off_the_portal_is_not_a_login_failure(
    config: RoutingConfig, said: str
) -> None:
    d = decide(make(said), config)
    assert not d.login_failure and d.public_replies == (), d.reason


@pytest.mark.parametrize(
    ("text", "email"),
    [
        (
            "Je suis demandeur. Je souhaiterais avoir en plus le rôle d'administrateur local "
            "pour gérer les accès de l'équipe. Que dois-je fournir ?",
            OPERATOR,
        ),
        (
            "L'administrateur local de la société X est parti. Pouvez-vous attribuer le rôle "
            "à Mme Irigoyen ? Les documents signés sont joints.",
            AGENT,
        ),
    ],
)
def test_asking_for_the_local_admin_role_gets_no_answer_on_what_it_allows(
    config: RoutingConfig, text: str, email: str
) -> None:
    assert replied(make(text, email=email), config) == []


@pytest.mark.parametrize(
    ("text", "email", "faq"),
    [
        (
            "Notre importateur demande un certificat sanitaire. Que faut-il faire pour avoir "
            "accès aux certificats ? Quelle est la marche à suivre ?",
            OPERATOR,
            "procedure-habilitation",
        ),
    ],
)
def test_the_examples_a_lead_added_after_the_first_round_answer(
    config: RoutingConfig, text: str, email: str, faq: str
) -> None:
    assert replied(make(text, email=email), config) == [faq]


def test_someone_who_already_has_an_account_gets_no_account_answer(
    config: RoutingConfig,
) -> None:
    # "il a déjà son compte": the account exists; the question is about the colleague
    assert replied(
        make(
            "Bonjour, mon associé a déjà son compte agriculture. Comment lui donner les "
            "droits pour faire les certificats ?"
        ),
        config,
    ) == ["habiliter-collegue"]


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        (
            "Hi, how can I know if the model for egg products to Canada is online?",
            "modeles-en-ligne",
        ),
        ("how do i register on moncompte? where is the link", "creer-mon-compte"),
        (
            "I'm local admin at our plant. A colleague from quality needs to create "
            "certificate requests: how can I grant her the requester role?",
            "habiliter-collegue",
        ),
        (
            "Who do we contact when we have a problem with a certificate request? Is it "
            "this form or another one?",
            "nous-contacter",
        ),
    ],
)
def test_plain_english_questions_get_their_answer(
    config: RoutingConfig, text: str, faq: str
) -> None:
    assert replied(make(text), config) == [faq]


def test_a_call_note_that_reports_what_is_asked_for_asks_it(config: RoutingConfig) -> None:
    text = (
        "Appel de Mme Roche, export chez Roche Primeurs, administratrice locale. Elle "
        "souhaite habiliter une nouvelle collègue de son équipe sur Expadon. Elle "
        "demande la marche à suivre. Rappeler au 04 66 .. .."
    )
    assert replied(make(text, summary="Note d'appel"), config) == ["habiliter-collegue"]


@pytest.mark.parametrize(
    "text",
    [
        "bonjour j'ai deux questions virgule la première comment on habilite un collègue qui "
        "vient d'arriver virgule la deuxième comment savoir quel modèle est en ligne pour le "
        "lait en poudre vers l'Algérie point merci",
        "Two things. First, how do I add my new colleague as demandeur. Secondly, where do I "
        "see which certificate models are online for Japan. Thanks",
        # numbered aloud: "Un, … Deux, …"
        "Bonjour j'ai deux questions. Un, comment je donne l'accès à un collègue, je suis "
        "administrateur local. Deux, comment on télécharge le modèle du certificat. Merci",
        # joined after a clause of time
        "bonjour comment on sait quel modèle est en ligne pour le canada et une fois la "
        "demande lancée comment on télécharge le modèle merci",
        # an indirect question joined by "et si"
        "Pourriez-vous m'expliquer à quoi sert l'application gestion des utilisateurs, et "
        "si un exportateur administrateur local peut aussi aller dans Certificats ?",
        # the second question's word after what it is about ("et avec ce rôle, est-ce que")
        "Bonjour, comment savoir quels modèles de certificats sont en ligne, et pour le "
        "téléchargement du pdf du modèle est-ce qu'il y a un bouton quelque part ?",
        # a list dictated as "un …, et deux …"
        "bonjour alors deux questions virgule un comment on habilite une collègue qui "
        "arrive lundi virgule et deux comment je télécharge le modèle pour le japon point",
        # the first question diluted by a sentence of context before it
        "Bonjour, je m'occupe des expéditions chez un grossiste en volailles. Comment "
        "peut-on vous joindre et comment télécharge-t-on le modèle du certificat ?",
        # "ni … ni …": two things the author does not know
        "Bonjour, je ne sais ni comment habiliter mon nouveau collègue ni comment "
        "télécharger le modèle du certificat. Merci de votre aide.",
        # dictated: the second one after a stop, "et puis aussi"
        "bonjour virgule alors j'aimerais savoir comment on habilite un collègue parce que "
        "mon associé voudrait faire les certificats aussi point et puis aussi comment on "
        "télécharge le modèle du certificat avant de l'envoyer point merci",
    ],
)
def test_two_questions_run_together_get_no_half_answer(config: RoutingConfig, text: str) -> None:
    # two FAQ questions run together: neither answer alone (the note lists both)
    assert replied(make(text), config) == []


def test_a_forward_whose_subject_asks_above_a_bare_signature_is_read_by_its_subject(
    config: RoutingConfig,
) -> None:
    d = decide(
        make(
            "Paul MARTIN\nResponsable export\nMARTIN FRUITS SAS\n"
            "04 90 12 34 56 / 06 12 34 56 78\n\n"
            "De : Julie Roux <j.roux@martin-fruits.fr>\nEnvoyé : lundi 6 mai 2024 09:00\n"
            "À : Paul Martin <p.martin@martin-fruits.fr>\nObjet : Expadon\n\n"
            "Paul, je n'ai toujours pas accès, tu peux me rajouter ?",
            summary="TR: comment habiliter un collègue sur Expadon certificats ??",
        ),
        config,
    )
    assert d.reply_faq == "habiliter-collegue", d.reason


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        # a reply with a sentence of its own is not read by its old subject
        (
            "Bonjour,\nCi-joint nos documents d'habilitation signés, comme indiqué par la "
            "DDPP.\nCordialement\nNicolas Giraud",
            "RE: [Expadon 2] Comment vous contacter ?",
        ),
        # two dictated questions ("point d'interrogation" ends the first one) are two:
        # neither answer is sent alone
        (
            "bonjour virgule nous avons l'agrément sur expadon pour notre atelier point "
            "est-ce que ça suffit pour faire les certificats point d'interrogation et si non "
            "quelle est la procédure pour être habilité point merci",
            "documents",
        ),
        # an English status chase
        (
            "Hello, we sent all the documents for the habilitation of our company "
            "(Ibérica Foods France) on 3 March through your form. Until now we have no "
            "answer and cannot use Certificats. Could you please tell us the status?",
            "Question",
        ),
    ],
    ids=["old-subject", "dictated-questions", "status-chase"],
)
def test_these_habilitation_tickets_get_no_faq_answer(
    config: RoutingConfig, text: str, summary: str
) -> None:
    d = decide(make(text, summary=summary, where="3/84"), config)
    assert d.reply_faq is None, d.reason


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        # a country no example names is a country all the same
        (
            "je ne vois pas de modèle pour exporter des chevaux vers le Qatar, est-il en ligne ?",
            "modeles-en-ligne",
        ),
        ("Merci pour hier. Le modèle Canada viande bovine est-il en ligne ?", "modeles-en-ligne"),
        # a country named beside something else asked: not whether a model is online
        (
            "Pour les certificats vers l'Algérie, faut-il encore imprimer et signer à la main "
            "le certificat en plus de la signature électronique dans Expadon 2 ?",
            None,
        ),
        (
            "J'ai commencé hier une demande UK en brouillon. Ce matin le nouveau modèle UK est "
            "en ligne. Dois-je recommencer sur le nouveau modèle ?",
            None,
        ),
    ],
)
def test_a_country_named_asks_for_the_models_online_only_with_a_word_of_it(
    config: RoutingConfig, text: str, faq: str | None
) -> None:
    assert replied(make(text), config) == ([faq] if faq else [])


@pytest.mark.parametrize(
    "text",
    [
        # the role question alone, then a colleague's access: "lui donner" took the role
        # question over, but only in its own sentence
        "Bonjour, avec le rôle administrateur local, est-ce que je peux aussi saisir des "
        "demandes de certificats ? Et ma nouvelle collègue, comment je lui donne le rôle "
        "demandeur ?",
        "Le profil administrateur local suffit-il pour créer des demandes de certificats ? "
        "Autre chose : mon stagiaire arrive lundi, comment lui attribuer l'accès ?",
    ],
)
def test_a_question_another_entry_took_over_elsewhere_is_a_question_of_its_own(
    config: RoutingConfig, text: str
) -> None:
    d = decide(make(text), config)
    assert replied(make(text), config) == []
    assert "several questions" in d.reason


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        (
            "Bonjour, pouvez-vous m'expliquer à quoi sert l'application gestion des "
            "utilisateurs ? Et aussi, merci de corriger l'adresse de notre siège dans "
            "Expadon, elle a changé.",
            "gestion-utilisateurs",
        ),
        (
            "Deux choses : comment télécharger un modèle de certificat ? "
            "Et nous aimerions une démo pour nos nouveaux collègues.",
            "telecharger-modele",
        ),
    ],
)
def test_a_clear_faq_question_beside_a_request_the_faq_does_not_answer_is_answered(
    config: RoutingConfig, text: str, faq: str
) -> None:
    assert replied(make(text), config) == [faq]


def test_a_request_that_stays_the_question_still_gets_no_answer(config: RoutingConfig) -> None:
    # the never_answer phrase is in the question itself: the agents answer it
    text = "Merci de corriger le rôle dans gestion des utilisateurs, à quoi sert cette page ?"
    assert replied(make(text), config) == []


@pytest.mark.parametrize(
    "text",
    [
        "hi, need the demandeur role added on my profile please, I now handle exports. Tom",
        "bonjour je voudrais devenir administrateur local pour gérer les accès de nos "
        "salariés, comment on fait",
        "Bonjour, je souhaite être habilitée au module Certificats ; on me dit de créer "
        "d'abord mon compte « mon compte », comment faire ?",
        "Hi, my DD says I must open a 'mon compte' first to request my habilitation. "
        "Where is the sign-up page?",
        "Bonjour, je débute chez un négociant et je dois être habilité aux Certificats, "
        "où crée-t-on le compte « mon compte » ?",
        "Bonjour, nous souhaitons être habilités pour les certificats ; il faut d'abord "
        "un compte « mon compte », comment le crée-t-on ?",
        "Bonjour, déjà demandeuse pour notre maison mère, j'aurais besoin d'être "
        "habilitée aussi pour la filiale de Lyon. Merci",
        "Hello, our previous local admin left. I need the administrateur local role for "
        "my own account so I can manage our users.",
        "Hi, we'd like access to the Certificats module; our partner says we need a mon "
        "compte account first. How do I create it?",
        "Hello, our office manager retired. Could you please give me the administrateur "
        "local opérateur role for our company so that I can manage our users?",
        "bonjour j'ai changé d'employeur, mon accès certificats est resté sur l'ancienne "
        "société, il me faut un accès pour la nouvelle merci",
        "Hi, could you please change my role from demandeur to administrateur local "
        "opérateur? Our admin retired last month.",
        "Hello, I'd like to get habilitated for Certificats. The DDPP told me I first need "
        "a 'mon compte' account. How do I create one?",
        "Bonjour, je dois créer un compte « mon compte » pour moi et pour mon intérimaire, "
        "pour pouvoir ensuite demander notre habilitation. Comment on fait ?",
        "Bonjour, mon associé et moi souhaitons accéder au module Certificats. Nous n'avons "
        "pas de compte « mon compte » : comment le crée-t-on ?",
        "Bonjour, notre administrateur local est parti sur un autre site et plus personne "
        "ne peut gérer les accès. Je souhaiterais être habilitée à sa place : quelle est "
        "la démarche ?",
    ],
)
def test_asking_for_a_role_for_oneself_in_other_words_is_a_habilitation(
    config: RoutingConfig, text: str
) -> None:
    assert decide(make(text, where="3/86"), config).category is Category.HABILITATION


def test_an_agent_who_says_in_english_where_they_work_is_a_state_agent(
    config: RoutingConfig,
) -> None:
    text = (
        "Hi, I joined the DDETSPP 24 two weeks ago as an inspector and I cannot see the "
        "certificates waiting for signature. Regards, Ann Clark"
    )
    d = decide(make(text, email="ann.clark.home@gmail.com", where="3/86"), config)
    assert d.category is Category.ASSISTANCE_SD


def test_an_agent_relaying_a_second_question_for_an_exporter_gets_no_half_answer(
    config: RoutingConfig,
) -> None:
    text = (
        "Bonjour. 1) Un opérateur me demande la démarche pour être habilité à Certificats : "
        "je l'oriente vers vous, d'accord ? 2) Où vérifier quels modèles de certificats sont "
        "en ligne ? Le modèle pour le Pérou reste introuvable."
    )
    d = decide(make(text, email=AGENT, where="4/87"), config)
    assert replied(make(text, email=AGENT, where="4/87"), config) == []
    assert "several questions" in d.reason


def test_an_english_status_chase_gets_no_faq_answer(config: RoutingConfig) -> None:
    text = (
        "Hello, following up on our habilitation request from last month: the DD gave its "
        "approval and we have Agrément already. Could you please prioritise it?"
    )
    assert replied(make(text, where="3/84"), config) == []


def test_an_agent_asking_what_user_management_is_for_in_other_words_gets_the_answer(
    config: RoutingConfig,
) -> None:
    text = "l'appli gestion des utilisateurs, elle sert à quoi au juste ? merci"
    assert replied(make(text, email=AGENT, where="4/87"), config) == ["gestion-utilisateurs"]


@pytest.mark.parametrize(
    ("text", "summary", "email"),
    [
        # a forward handed to the desk in a few words is read by the mail below
        pytest.param(
            "Bonjour,\n\nÀ voir avec l'assistance svp, urgent pour nous.\n\nClaire Morel\n"
            "ADV export\n\nDe : Luc Arnaud <l.arnaud@biscuiterie-arnaud.fr>\n"
            "Envoyé : lundi 3 mars 2025 09:12\nÀ : Claire Morel\nObjet : Expadon\n\n"
            "Claire,\nDepuis ce matin impossible de me connecter à Expadon 2, j'ai une page "
            "blanche après le mot de passe.\nLuc",
            "Question",
            "c.morel@biscuiterie-arnaud.fr",
            id="forward-handed-over",
        ),
        # a reply saying the desk's login advice did not help
        pytest.param(
            "J'ai vidé le cache comme conseillé, ça ne change rien du tout.\n\nMarc\n\n"
            "Le 6 janv. 2025 à 09:40, Assistance Expadon 2 <jira@expadon2.atlassian.net> a "
            "écrit :\n> Bonjour,\n> Videz les caches de votre navigateur et testez un autre "
            "navigateur.\n> Cordialement,\n> L'assistance Expadon 2",
            "RE: [CERT-1999] accès",
            OPERATOR,
            id="advice-did-not-help",
        ),
    ],
)
def test_a_failure_told_in_the_mail_below_asks_for_the_browser(
    text: str, summary: str, email: str, config: RoutingConfig
) -> None:
    d = decide(make(text, summary=summary, email=email), config)
    assert d.ask_browser, d.reason


def test_asking_to_be_given_the_vacant_local_admin_role_is_a_habilitation(
    config: RoutingConfig,
) -> None:
    for text in (
        "Hi, the local administrator role is vacant since Paul left. Please grant me the "
        "role, I am the export manager.",
        "Bonjour, notre admin local est parti, je souhaite devenir administrateur local à "
        "sa place, que faut-il faire ?",
    ):
        d = decide(make(text), config)
        assert d.category is Category.HABILITATION, text
        assert replied(make(text), config) == [], text


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        (
            "Hello, our new office manager got the administrateur local opérateur role. "
            "Can she log in to Certificats with it, or is it only user management?",
            "role-admin-local",
        ),
        (
            "Hello, we need a mon compte account for our new export assistant. How is such "
            "an account created? Best regards",
            "creer-mon-compte",
        ),
    ],
)
def test_the_faqs_own_questions_asked_in_english_get_their_answer(
    text: str, faq: str, config: RoutingConfig
) -> None:
    # each entry's examples hold the FAQ's question in English, as ROUTING.md words it
    assert replied(make(text, email="ann.lee@northfoods.co.uk"), config) == [faq]


def test_a_team_member_is_a_colleague(config: RoutingConfig) -> None:
    # giving a team member access is managing colleagues (assistance), not one's own access
    t = make(
        "Hello, how do I give demandeur access to a new team member in our company "
        "account? Regards",
        email="ann.lee@northfoods.co.uk",
    )
    assert decide(t, config).category is Category.ASSISTANCE_OPERATEUR


def test_a_subject_that_asks_two_questions_over_a_silent_description_asks_both(
    config: RoutingConfig,
) -> None:
    # the description only signs: the subject's questions are the ticket's, one by one
    t = make(
        "Jean, DDPP 31",
        summary="comment on télécharge le modèle et comment savoir s il est bien en ligne ?",
    )
    assert replied(t, config) == []
    # one question in the subject is still answered
    one = make("", summary="comment créer mon compte « mon compte » ?")
    assert replied(one, config) == ["creer-mon-compte"]


@pytest.mark.parametrize(
    "summary",
    [
        "Certificat Japon en ligne + comment télécharger le modèle ?",
        "modèle Corée disponible + télécharger le pdf pour mon client ?",
        # a short subject joins two matters by "+" whatever follows it
        "Modèles en ligne + téléchargement du modèle ?",
        "Procédure d'habilitation + modèles en ligne ?",
    ],
)
def test_a_subject_joining_two_questions_with_a_plus_asks_both(
    summary: str, config: RoutingConfig
) -> None:
    # "X + Y ?": the piece before "+" asks what the line asks, and a verb after it opens
    # the second question
    assert replied(make("", summary=summary), config) == []


def test_asking_whether_a_role_lets_one_in_is_no_login_failure(config: RoutingConfig) -> None:
    t = make(
        "Bonjour,\nOn m'a donné le rôle administrateur local hier mais je ne vois pas le "
        "module Certificats dans mon portail. C'est normal ? Je ne peux pas me connecter "
        "à Certificats avec ce rôle ?\nMerci\nLouis"
    )
    d = decide(t, config)
    assert not d.login_failure and replied(t, config) == ["role-admin-local"]


def test_a_colleague_whose_account_exists_asks_how_to_habilitate_him(
    config: RoutingConfig,
) -> None:
    # his "mon compte" is made: the question is giving him the role, not creating it
    t = make(
        "Bonjour,\nNotre nouvelle commerciale a créé son compte Mon Compte hier. Elle doit "
        "saisir des demandes de certificats : c'est à vous de l'habiliter ou on peut le "
        "faire nous-mêmes ? Et si oui comment ?\nMerci"
    )
    assert "creer-mon-compte" not in replied(t, config)


@pytest.mark.parametrize(
    ("description", "summary", "email", "expected"),
    [
        # "2. comment télécharger ce modèle" is short, but a list's member asks on its
        # own: two FAQ questions, no public answer
        pytest.param(
            "Bonjour\n1. comment savoir si le modèle pour le sucre vers le Japon est en "
            "ligne\n2. comment télécharger ce modèle\nmerci\nPaul",
            "Question",
            OPERATOR,
            [],
            id="numbered-list-member",
        ),
        # the middle of a forwarded chain ("Nina, could you ask the Expadon helpdesk?")
        # asks a colleague to pass the mail on: the one question is the download's
        pytest.param(
            "Hello,\n\nQuestion from our shipping manager (below). How do we download the "
            "certificate model from Expadon 2? Our buyer in Texas wants a draft.\n\n"
            "Regards,\nNina Roy\nOffice Coordinator - Roy Cheeses\n\n"
            "From: Paul Grant <p.grant@roycheeses.com>\nSent: Monday, June 2, 2025 9:30 AM\n"
            "To: Nina Roy\nSubject: FW: certificate draft\n\n"
            "Nina, could you ask the Expadon helpdesk? Thanks.\n\n"
            "From: Amy Stone <a.stone@roycheeses.com>\nSent: Sunday, June 1, 2025 6:10 PM\n"
            "To: Paul Grant\nSubject: certificate draft\n\n"
            "Paul, I started the request but I cannot find the PDF of the model.\nAmy",
            "Question",
            "n.roy@roycheeses.com",
            ["telecharger-modele"],
            id="relay-request-to-a-colleague",
        ),
        # the answer did not help: it is not sent again
        pytest.param(
            "Bonjour, votre réponse automatique ne répond pas à ma question : le bouton "
            "« télécharger les documents » n'est pas en haut à droite de ma demande, il "
            "n'y a rien. Où puis-je télécharger le modèle ?",
            "Question",
            OPERATOR,
            [],
            id="answer-did-not-help",
        ),
        # "(bug ?)" reports a bug: one FAQ question beside another matter gets its answer
        pytest.param(
            "Bonjour,\nMon nouveau collègue doit faire les demandes : comment crée-t-il son "
            "compte « mon compte » ? Par ailleurs quand je veux l'ajouter dans gestion des "
            "utilisateurs, la recherche par nom ne donne rien (bug ?).\nMerci\nLéa",
            "Question",
            OPERATOR,
            ["creer-mon-compte"],
            id="bug-aside",
        ),
        pytest.param(
            "Hello, our company has the Agrément authorization already. Can we use the "
            "same one for Certificat requests, or must we apply again? Thanks",
            "Question",
            "ops@harbourtrade.sg",
            ["agrement-vs-certificat"],
            id="agrement-authorization-in-english",
        ),
        # the login entry is answered through the login rules: "en attente de signature
        # depuis trois jours, est-ce normal ?" is another matter, not a second FAQ question
        pytest.param(
            "Bonjour,\nDeux choses :\n1) À quoi sert l'application gestion des "
            "utilisateurs ?\n2) Notre demande EXP-2024-5521 reste en attente de signature "
            "depuis trois jours, est-ce normal ?\nMerci\nPaul Morin",
            "Question",
            OPERATOR,
            ["gestion-utilisateurs"],
            id="near-the-login-entry-without-a-failure",
        ),
        # "et aussi : …" goes on from the subject's question: two FAQ questions, no answer
        pytest.param(
            "Bonjour,\nEt aussi : comment créer un compte « mon compte » pour notre nouvel "
            "assistant qui arrive lundi ?\nMerci\nPaul",
            "Où voir la liste des modèles de certificats en ligne ?",
            OPERATOR,
            [],
            id="description-goes-on-from-its-subject",
        ),
        # "Et de notre côté, …" turns to another matter: its guard word ("brouillon") is
        # not in the FAQ question before it
        pytest.param(
            "Bonjour,\n\nNotre client demande comment savoir quel modèle est en ligne pour "
            "le Vietnam. Et de notre côté, la demande 24-100231 est bloquée en « brouillon » "
            "depuis lundi, pourquoi ?\n\nLucie Marchand\nMarchand Transit",
            "Question",
            "l.marchand@marchand-transit.fr",
            ["modeles-en-ligne"],
            id="another-matter-on-our-side",
        ),
        # a one-word forward over a signature block the mail app did not mark: the
        # forwarded mail is the ticket
        pytest.param(
            "Urgent\n\nPhilippe GARNIER\nDirecteur\nVergers du Quercy – 46140 Luzech\n\n"
            "De : Manon Tessier <m.tessier@vergers-quercy.fr>\nEnvoyé : mardi 5 mars 2024 "
            "08:47\nÀ : Philippe Garnier <p.garnier@vergers-quercy.fr>\nObjet : Expadon\n\n"
            "Bonjour Philippe,\n\nDepuis ce matin je n'arrive plus à me connecter à "
            "Expadon, j'ai une page blanche juste après avoir saisi mon mot de passe.\n"
            "Peux-tu faire remonter au support ?\n\nMerci\nManon",
            "TR: Expadon",
            "p.garnier@vergers-quercy.fr",
            ["connexion-impossible"],
            id="one-word-forward-over-a-signature",
        ),
        # only a signature block over a forward, under a subject that asks nothing: the
        # forwarded mail is the ticket
        pytest.param(
            "Hélène Bastide\nAssistante de direction – Salaisons Bastide\n12 route de "
            "Rodez, 12000 Onet\n\nDe : Marc Bastide <m.bastide@salaisons-bastide.fr>\n"
            "Envoyé : lundi 3 mars 2025 09:12\nÀ : Hélène Bastide\nObjet : Expadon\n\n"
            "Hélène, on a trouvé un acheteur à Singapour. Comment je sais si le modèle de "
            "certificat pour Singapour est en ligne sur Expadon ?\nMarc",
            "TR: Expadon",
            "h.bastide@salaisons-bastide.fr",
            ["modeles-en-ligne"],
            id="bare-signature-over-a-forward",
        ),
        # the description goes on from the subject ("Autre question :"): the subject is a
        # question of its own, and two questions get no single answer
        pytest.param(
            "Bonjour, autre question : je suis administratrice locale, comment je donne "
            "le rôle demandeur à un nouveau collègue ? Merci. Inès Carré",
            "Comment savoir si le modèle pour le Japon est en ligne ?",
            OPERATOR,
            [],
            id="subject-then-another-question",
        ),
        # the description says the subject's matter is settled, then asks something else
        pytest.param(
            "Bonjour, finalement c'est réglé après avoir vidé le cache, merci. Par contre, "
            "comment savoir quel modèle est en ligne pour la Corée ?",
            "Impossible de me connecter",
            OPERATOR,
            ["modeles-en-ligne"],
            id="subject-matter-settled",
        ),
        # the author says the subject is wrong: it asks nothing
        pytest.param(
            "Ce n'est pas un problème de connexion en fait, je me suis trompée d'objet. Je "
            "voudrais savoir quel modèle est en ligne pour les ovins vers Israël.",
            "Problème de connexion",
            OPERATOR,
            ["modeles-en-ligne"],
            id="subject-said-wrong",
        ),
        pytest.param(
            "L'objet n'est pas le bon, désolée. Je voudrais savoir quel modèle est en ligne "
            "pour les ovins vers la Jordanie.",
            "Problème de connexion",
            OPERATOR,
            ["modeles-en-ligne"],
            id="subject-not-the-right-one",
        ),
        # a question settled by the author ("c'est fait, je l'ai …"), then another matter
        pytest.param(
            "Bonjour, comment habiliter une collègue sur Certificats ?\n\n... Ah, je viens de "
            "voir dans la FAQ qu'il faut passer par gestion des utilisateurs, c'est fait, je "
            "l'ai mise demandeur. Par contre elle ne reçoit pas le mail d'activation. "
            "Pouvez-vous regarder ?",
            "Collègue",
            OPERATOR,
            [],
            id="question-done-then-another-matter",
        ),
        # a question "in that case" needs its entry's words: no second question
        pytest.param(
            "Bonjour, j'ai téléchargé le modèle au début de ma demande et le PDF est vide. "
            "Ah, en relisant la doc je crois comprendre qu'il se remplit au fil de la "
            "saisie ? Dans ce cas où est le bouton pour le récupérer une fois tout rempli ?",
            "PDF vide",
            OPERATOR,
            ["telecharger-modele"],
            id="in-that-case-question-of-the-same-matter",
        ),
        # a numbered question settled by the author ("-> trouvé sur …"), then another
        pytest.param(
            "Bonjour,\n1) comment savoir quel modèle est en ligne -> trouvé sur Info.Com, "
            "merci à votre doc\n2) comment télécharger le modèle une fois la demande lancée ?",
            "modèles",
            OPERATOR,
            ["telecharger-modele"],
            id="numbered-question-found-then-another",
        ),
        # ...while "tout fonctionne" said of something else leaves the subject asking
        pytest.param(
            "Bonjour, pour l'Agrément tout fonctionne depuis deux ans. Est-ce que nos accès "
            "nous permettent aussi d'aller dans Certificats ?",
            "Agrément et Certificats",
            OPERATOR,
            ["agrement-vs-certificat"],
            id="something-else-works",
        ),
        # the note says whose message it is and adds a fact: the message is the ticket
        pytest.param(
            "Bonjour,\n\nVoici le message de notre gérant. Pour information il travaille "
            "sur une tablette Android.\n\nCordialement,\nLéa Viguier\n\nDe : Paul "
            "Viguier <p.viguier@viguier-fruits.fr>\nEnvoyé : jeudi 6 mars 2025 17:02\n"
            "À : Léa Viguier\nObjet : Expadon\n\nLéa, je n'arrive pas à me connecter à "
            "Expadon depuis hier soir, ça tourne dans le vide. Voyez avec eux. Paul",
            "TR: Expadon",
            "l.viguier@viguier-fruits.fr",
            ["connexion-impossible"],
            id="here-is-the-message-of",
        ),
        pytest.param(
            "Hello,\nForwarding the question from our Lyon office, thank you.\nPiotr Nowak\n"
            "Vistula Foods - French branch\n\nFrom: Ewa Zielinska <e.zielinska@vistula-foods.fr>"
            "\nSent: Monday, 3 March 2025 09:12\nTo: Piotr Nowak\nSubject: access\n\nPiotr, "
            "I am the local administrator on Expadon. How do I give our new colleague Marta "
            "access to Certificats as a requester?\nEwa",
            "FW: how to give access to a colleague",
            "p.nowak@vistula-foods.fr",
            ["habiliter-collegue"],
            id="forwarding-the-question",
        ),
        # a cooperative passing a member's mail on: the member's failure is the ticket
        pytest.param(
            "Bonjour,\n\nUn de nos adhérents nous a demandé de faire suivre son message, il "
            "n'a pas de boîte mail au bureau. Merci de nous répondre, on transmettra.\n\n"
            "Martine Roux\nAccueil – Coopérative du Val\n\n---------- Forwarded message "
            "---------\nDe : GAEC du Moulin <gaecmoulin@wanadoo.fr>\nSubject: expadon\n\n"
            "bonsoir Martine\nje n'arrive pas à me connecter à expadon, après le mot de passe "
            "j'ai une page blanche. Tu peux voir avec eux ?\nJean-Paul",
            "TR: expadon",
            "accueil@coop-val.fr",
            ["connexion-impossible"],
            id="cooperative-passing-a-members-mail-on",
        ),
        # "Can you check please?" points at the colleague's mail below
        pytest.param(
            "Can you check please? She is using Safari 17 on her Mac.\n\nRichard Okafor\n"
            "Export Logistics Manager\n\nFrom: Emma Clarke <emma.clarke@bdx-wines.com>\n"
            "Sent: Thursday, 18 April 2024 14:02\nTo: Richard Okafor\nSubject: Expadon "
            "login\n\nRichard,\nI still can't log into Expadon 2, it keeps loading and then "
            "goes back to the start. Any idea?\nEmma",
            "FW: Expadon login",
            "r.okafor@bdx-wines.com",
            ["connexion-impossible"],
            id="can-you-check-the-mail-below",
        ),
        # nothing above the forwarded mail but a signature opened by its "--" mark
        pytest.param(
            "--\nVirginie Dumas\nResponsable ADV\nDumas Volailles\n04 74 30 12 58\n\n"
            "De : Kévin Thevenet <k.thevenet@dumas-volailles.fr>\nEnvoyé : mercredi 4 "
            "septembre 2024 16:22\nObjet : Expadon\n\nVirginie,\nPeux-tu transmettre à "
            "l'assistance ? Je n'arrive plus à me connecter, j'ai un message « session "
            "expirée » en boucle dès que je valide mon mot de passe.\nKévin",
            "TR: Expadon session expirée",
            "v.dumas@dumas-volailles.fr",
            ["connexion-impossible"],
            id="only-a-signature-over-the-forward",
        ),
        # ...but a newsletter passed on with "FYI" asks the desk nothing
        pytest.param(
            "FYI\n\nBertrand Klein\nResponsable export - Semences du Ried\n\n"
            "-------- Message transféré --------\nSujet : Lettre d'information Expadon 2\n"
            "De : Info.Com Expadon <ne-pas-repondre@expadon.fr>\n\nAu sommaire :\n- "
            "nouveaux modèles de certificats mis en ligne ce mois-ci ;\n- webinaire pour "
            "les nouveaux opérateurs.",
            "TR: Lettre d'information",
            "b.klein@semences-ried.fr",
            [],
            id="newsletter-passed-on",
        ),
        # the DD contacted as the answer said, and silent: a chase, not how to reach us
        pytest.param(
            "Bonjour,\nJ'ai contacté ma DD comme vous me l'avez indiqué, mais ils ne "
            "répondent pas depuis trois semaines. Je fais comment ?\nArnaud",
            "Question",
            OPERATOR,
            [],
            id="dd-contacted-and-silent",
        ),
        # whether the local administrator's role gives access is role-admin-local's
        # question, not what the user-management application is for
        pytest.param(
            "Bonjour,\nOn m'a mis administrateur local. Quand je me connecte je vois "
            "l'application Gestion des utilisateurs, mais pas de module Certificats. Avec "
            "le rôle admin local, est-ce que je suis censée avoir accès aux certificats ?",
            "Question",
            OPERATOR,
            ["role-admin-local"],
            id="with-the-local-admin-role",
        ),
        # a salutation that names the desk is not a question of how to reach it
        pytest.param(
            "Dear Support Team,\n\nCan an export certificate be amended after it has "
            "been signed by the official vet? Our importer needs the seal number "
            "corrected.\n\nBest regards,\nAbdullah",
            "Question",
            "a.rahman@gulf-foodstuff.com",
            [],
            id="salutation-to-the-support-team",
        ),
        # one's own role to be changed is asked of the habilitation form, not what the
        # user-management application is for
        pytest.param(
            "Hi, I currently have the demandeur role. Since our export manager left, I "
            "need to become the administrateur local for our company. Can you change my "
            "role? Thanks, Claire",
            "Question",
            OPERATOR,
            [],
            id="change-my-own-role",
        ),
        # a subject that asks nothing, alone: a request or a sending, not the FAQ's
        # question (a clear lead answers a question, not a statement)
        pytest.param(
            "",
            "Request for access to the Certificats module",
            OPERATOR,
            [],
            id="request-that-asks-nothing",
        ),
        pytest.param(
            "",
            "Envoi du formulaire d'habilitation Certificats",
            OPERATOR,
            [],
            id="sending-that-asks-nothing",
        ),
        # asking the desk for the local administrator's role is asking for it, not what
        # it allows: the agents give it (held_when_access_asked)
        pytest.param(
            "Bonjour, je fais déjà des certificats. Pourriez-vous me donner le rôle "
            "administrateur local pour gérer les accès de mes collègues ?",
            "Rôle administrateur local",
            OPERATOR,
            [],
            id="asks-the-desk-for-the-admin-role",
        ),
        pytest.param(
            "Bonjour, suite à ma promotion je souhaite passer du rôle demandeur au rôle "
            "administrateur local pour gérer les accès de notre équipe. Est-ce possible ?",
            "Changement de rôle",
            OPERATOR,
            [],
            id="asks-to-move-to-the-admin-role",
        ),
        pytest.param(
            "J'ai le rôle administrateur local opérateur : est-ce que je peux me "
            "connecter au module Certificats avec ?",
            "Rôle administrateur local",
            OPERATOR,
            ["role-admin-local"],
            id="asks-what-the-admin-role-allows",
        ),
        # "et au fait" opens another matter: the bug's word ("caractères bizarres") is
        # not about the question after it
        pytest.param(
            "Bonjour, le PDF de notre demande pour le Canada sort avec des caractères "
            "bizarres à l'impression. Et au fait, où est le bouton pour télécharger le "
            "modèle d'une demande ?",
            "Impression PDF",
            OPERATOR,
            ["telecharger-modele"],
            id="by-the-way-opens-a-question-of-its-own",
        ),
        # one FAQ question and, asked apart, one the FAQ does not answer: the FAQ
        # question gets its answer (the agents see the other in the ticket)
        pytest.param(
            "Bonjour, deux choses. Comment télécharger le modèle d'une demande déjà créée "
            "? Une maintenance est-elle prévue ce week-end, pour que je m'organise ?",
            "Questions",
            OPERATOR,
            ["telecharger-modele"],
            id="faq-question-beside-one-the-faq-does-not-answer",
        ),
        # … but a question that hangs on the unanswered one ("si oui, …") is part of it
        pytest.param(
            "Bonjour, nos camions partent souvent le samedi. Le support Expadon assure-t-il "
            "une astreinte le week-end en cas de certificat bloqué ? Si oui, quel numéro ?",
            "Astreinte samedi",
            OPERATOR,
            [],
            id="if-so-hangs-on-the-unanswered-question",
        ),
        # the account is made ("c'est fait"): how to create one is not what is asked
        pytest.param(
            "Bonjour, je viens d'arriver au service export. On m'a expliqué qu'il fallait "
            "d'abord se créer un compte sur « mon compte », c'est fait. Et maintenant, "
            "comment j'ai accès aux certificats ?",
            "Nouvelle au service export",
            OPERATOR,
            [],
            id="account-made-is-no-account-question",
        ),
        # news of a file already sent is a chase, not the procedure question
        pytest.param(
            "Bonjour, avez-vous des nouvelles de notre dossier d'habilitation envoyé il y a "
            "trois semaines ? Merci",
            "Habilitation",
            OPERATOR,
            [],
            id="news-of-the-file-is-a-chase",
        ),
        # the local admin adding "un demandeur" adds someone else
        pytest.param(
            "je suis admin local, comment ajouter un demandeur sur Certificats ?",
            "ajout demandeur",
            OPERATOR,
            ["habiliter-collegue"],
            id="adding-a-requester-is-someone-else",
        ),
        # "pouvez-vous répondre ?" over a forward points at the forwarded question
        pytest.param(
            "Bonjour, ma comptable m'a fait passer ce message, pouvez-vous répondre ?\n\n"
            "-----Message d'origine-----\nDe : Claire Petit\nEnvoyé : lundi 3 juin 2024 "
            "10:00\nObjet : modèle\n\nBonjour, où est-ce qu'on télécharge le modèle du "
            "certificat une fois la demande créée ?",
            "TR: modèle",
            OPERATOR,
            ["telecharger-modele"],
            id="can-you-answer-points-below",
        ),
        # "qu'est-ce que je réponds ?", "même question que ma collègue" over a forward
        pytest.param(
            "qu'est-ce que je réponds ?\n\nMartine Girard\n\n-------- Message transféré "
            "--------\nDe : Elevage du Causse <contact@elevage-causse.fr>\nObjet : modèle"
            "\n\nBonjour, comment on sait si le modèle pour le Maroc est en ligne ? Merci",
            "TR: modèle Maroc",
            OPERATOR,
            ["modeles-en-ligne"],
            id="what-do-i-answer-points-below",
        ),
        pytest.param(
            "J'ai la même question que ma collègue, c'est urgent car le camion part jeudi "
            "et personne ici ne sait faire.\n\nMartine Girard\n\n> De: "
            "Julie Bras\n> Envoyé: lundi 4 mars 2024 09:12\n> Objet: modèle\n>\n> Bonjour, "
            "où est le bouton pour télécharger le modèle du certificat d'une demande ?",
            "TR: modèle",
            OPERATOR,
            ["telecharger-modele"],
            id="same-question-points-below",
        ),
        # the DD's answer, sent to the author, asks nothing: the author's own question
        # it quotes is the ticket's
        pytest.param(
            "cf. la réponse de la DD ci-dessous, merci de nous répondre.\n\nM. Girard\n\n"
            "-------- Message transféré --------\nSujet : Re: Certificats\nDe : SPAE DDPP 35 "
            "<ddpp-spae@ille-et-vilaine.gouv.fr>\nPour : m.girard@girard-miels.fr\n\n"
            "Madame,\n\nCe point relève de l'assistance Expadon 2, merci de les contacter."
            "\n\nCordialement\n\nLe 12/03/2024 à 10:02, Martine Girard a écrit :\n> Bonjour,"
            "\n> Nous avons l'habilitation Agrément depuis 2022. Est-ce qu'elle vaut aussi "
            "pour le module Certificats ?\n> Martine Girard",
            "Fwd: Re: Certificats",
            OPERATOR,
            ["agrement-vs-certificat"],
            id="the-dd-answer-quotes-the-question",
        ),
        # a second question read alone is as close to one the FAQ does not answer as to
        # any entry: it is no second FAQ question, and the first gets its answer
        pytest.param(
            "Bonjour,\nDeux questions :\n1) Comment savoir si le modèle pour le miel vers "
            "le Japon est en ligne ?\n2) Pourquoi notre demande de certificat a-t-elle été "
            "refusée sans motif visible dans l'application ?\nMerci\nM. Girard",
            "Deux questions",
            OPERATOR,
            ["modeles-en-ligne"],
            id="second-question-the-faq-does-not-answer",
        ),
        # "et aussi si son habilitation…" joins a second question (an indirect one)
        pytest.param(
            "Bonjour, un exportateur me demande quelle est la procédure pour être habilité, "
            "et aussi si son habilitation Agrément vaut pour le module Certificats. Merci",
            "Questions opérateur",
            AGENT,
            [],
            id="indirect-second-question-after-et-aussi-si-son",
        ),
        # the second question leans to an entry (the models) only a little more than to a
        # question the FAQ does not answer (when a model is corrected): no second FAQ
        # question (thresholds.unanswered_question_margin)
        pytest.param(
            "Bonjour, nous avons l'habilitation Agrément depuis l'an dernier. Cela nous "
            "ouvre-t-il aussi Certificats ? Et au passage, savez-vous quand le modèle "
            "miel vers la Chine sera corrigé ? Le poids net est mal libellé.",
            "Agrément / Certificats",
            OPERATOR,
            ["agrement-vs-certificat"],
            id="second-question-nearly-as-close-to-unanswered",
        ),
        # taking over a departed colleague's role: a role change, not the role's question
        pytest.param(
            "Bonjour, notre responsable qualité nous quitte le mois prochain. Je "
            "voudrais reprendre son rôle d'administrateur local, je suis demandeur pour "
            "l'instant. Pouvez-vous me l'attribuer ?",
            "Rôle administrateur local",
            OPERATOR,
            [],
            id="taking-over-the-admin-role",
        ),
        # rights to be checked are the agents' to look at, not the Agrément answer
        pytest.param(
            "Bonjour, agent à la DDPP, j'ai accès au module Agrément mais dans Certificats "
            "je ne vois pas le bouton pour signer. Pouvez-vous vérifier mes droits ? Merci",
            "Droits Certificats",
            AGENT,
            [],
            id="rights-to-check-are-no-agrement-question",
        ),
        # "j'habilite Manon": the local admin habilitates someone else
        pytest.param(
            "Bonjour, Julien part à la retraite en mars et c'est Claire qui fera les "
            "demandes. Je suis administratrice locale : comment est-ce que j'habilite "
            "Claire de mon côté ?",
            "Passation",
            OPERATOR,
            ["habiliter-collegue"],
            id="j-habilite-someone-else",
        ),
        pytest.param(
            "Bonjour, je suis administratrice locale de la cave sur Expadon 2. Comment "
            "est-ce que je donne accès au module Certificats à notre technicienne du chai, "
            "Mme Petit ?",
            "Accès technicien",
            OPERATOR,
            ["habiliter-collegue"],
            id="je-donne-acces-a-notre-technicien",
        ),
        # a file chased in English: where it stands is the agents' to say
        pytest.param(
            "Hello, our habilitation documents for Certificats went to you on 3 March. "
            "Could you tell us where our application stands?",
            "Habilitation forms",
            OPERATOR,
            [],
            id="where-our-application-stands",
        ),
        # a contact told, not asked
        pytest.param(
            "bonjour on a contacté la DDT comme prévu ils nous ont envoyé les papiers on les "
            "a remplis et je vous les mets en pièce jointe le tampon est un peu pâle est-ce "
            "que ça passe",
            "habilitation",
            OPERATOR,
            [],
            id="a-contact-told-not-asked",
        ),
        # access asked of the desk: the agents open it, the procedure is not the answer
        pytest.param(
            "Bonjour, je viens de rejoindre le service export. Merci de bien vouloir "
            "m'habiliter au module Certificats en tant que demandeur, quelle est la suite ?",
            "Habilitation",
            OPERATOR,
            [],
            id="habilitate-me-asks-the-desk",
        ),
        # whether the desk is open on a day is the agents' to say
        pytest.param(
            "Bonjour, serez-vous joignables le lundi de Pâques ? Nous avons trois départs "
            "d'agneaux ce jour-là.",
            "Lundi de Pâques",
            OPERATOR,
            [],
            id="open-on-a-bank-holiday",
        ),
        # reaching the DD's vet is not reaching the desk
        pytest.param(
            "Hi, what is the best way to contact the DDPP veterinarian who signs our "
            "certificates? We only have a general switchboard number.",
            "DDPP vet",
            OPERATOR,
            [],
            id="contact-the-dd-vet",
        ),
        # documents sent: a contact named in them is no question
        pytest.param(
            "Hello,\nplease find attached the habilitation file for the company Vergers du "
            "Lot (contact: Mrs Roque), which I have checked for our service.\nRegards\n"
            "DDPP 46",
            "Dossier habilitation",
            AGENT,
            [],
            id="documents-sent-with-a-contact",
        ),
        # a local admin asks how a new colleague, with no account yet, makes one
        pytest.param(
            "bonjour je suis administrateur local et je voudrais habiliter mon nouveau "
            "collègue dans gestion des utilisateurs mais il a pas encore de compte mon compte "
            "comment il fait pour le créer",
            "compte pour un collègue",
            OPERATOR,
            ["creer-mon-compte"],
            id="local-admin-asks-how-a-colleague-makes-an-account",
        ),
        # a newcomer whose local admin waits for their account before giving the role
        pytest.param(
            "Bonjour, je viens d'arriver au service export. Notre chef, administrateur local, "
            "me donnera le rôle demandeur, mais il dit que je dois d'abord créer mon « mon "
            "compte ». Comment on crée ce compte ?",
            "compte agriculture",
            OPERATOR,
            ["creer-mon-compte"],
            id="newcomer-must-first-make-an-account-for-the-local-admin",
        ),
        # an agent asks the desk to publish a model: not whether it is online
        pytest.param(
            "Bonjour, pourriez-vous mettre en ligne le modèle de certificat pour les agneaux "
            "vers la Jordanie ? Nos exportateurs en ont besoin en janvier.",
            "publication modele",
            AGENT,
            [],
            id="agent-asks-to-publish-a-model",
        ),
        # an agent asks, tersely, what the application is
        pytest.param(
            "gestion des utilisateurs = quoi exactement ?",
            "gestion des utilisateurs ?",
            AGENT,
            ["gestion-utilisateurs"],
            id="agent-asks-what-user-management-is-exactly",
        ),
        pytest.param(
            "c koi l appli gestion des utilisateurs svp",
            "gestion utilisateurs ??",
            AGENT,
            ["gestion-utilisateurs"],
            id="agent-asks-what-user-management-is-in-sms-spelling",
        ),
        # a password to reset is not what the application's answer tells
        pytest.param(
            "Bonjour, je suis administrateur local. Notre nouvelle stagiaire a oublié son mot "
            "de passe : puis-je le réinitialiser dans gestion des utilisateurs ?",
            "mot de passe stagiaire",
            OPERATOR,
            [],
            id="local-admin-asks-to-reset-a-password",
        ),
        # an importer asks whether Agrément brings Certificats "too" (no word of access)
        pytest.param(
            "Hi, our Lyon office is on Agrément since 2022. Certificats too? Or do we also "
            "have to ask for it? Regards, Mei",
            "Agrement and Certificats",
            OPERATOR,
            ["agrement-vs-certificat"],
            id="importer-asks-if-agrement-brings-certificats-too",
        ),
        # a new manager who must be habilitated in turn asks what to do
        pytest.param(
            "Bonjour, je prends la direction de la fromagerie ce mois-ci et mon prédécesseur "
            "faisait les certificats. Je dois donc être habilité à mon tour : que dois-je "
            "faire ?",
            "nouveau gérant",
            OPERATOR,
            ["procedure-habilitation"],
            id="new-manager-to-be-habilitated-in-turn-asks-what-to-do",
        ),
        # the FAQ's question about a company, in a longer mail
        pytest.param(
            "Bonjour, je comprends que nous devrons désormais faire nous-mêmes les demandes de "
            "certificats dans Expadon 2, ce que nous n'avons jamais fait. Quelle est la "
            "procédure pour que notre société soit habilitée ? Et faut-il prévoir un délai "
            "particulier ? Notre premier envoi de cognac pour Singapour est prévu le 2 avril.",
            "Question",
            OPERATOR,
            ["procedure-habilitation"],
            id="company-to-be-habilitated-asks-the-procedure-in-a-long-mail",
        ),
        # a habilitation that did not go through: why is the agents' to say
        pytest.param(
            "Bonjour, on m'écrit que ma demande d'habilitation au module Certificats n'a pas pu "
            "aboutir, sans plus d'explication. J'avais pourtant envoyé les documents de ma "
            "DDPP. Pouvez-vous m'en dire plus ?",
            "habilitation",
            OPERATOR,
            [],
            id="habilitation-that-did-not-go-through",
        ),
        # the certificates waiting for an absent colleague's signature are not models
        pytest.param(
            "Bonjour, je remplace un collègue absent cette semaine à la DDPP. Où trouver la "
            "liste des certificats en attente de validation qui lui étaient attribués ?",
            "certificats collègue",
            AGENT,
            [],
            id="agent-looks-for-certificates-waiting-for-a-colleague",
        ),
        # what the local administrator's role allows, asked in English: not what the user
        # management application is for
        pytest.param(
            "Hello, I am the local administrator of our company. I see only the application "
            "'gestion des utilisateurs', not Certificats. With this role, can I enter "
            "Certificats?",
            "Local admin",
            OPERATOR,
            [],
            id="english-local-admin-seeing-only-user-management-is-not-asked-what-it-is",
        ),
        # the local administrator's role named: a country to export to does not make it a
        # question about the models online
        pytest.param(
            "Bonjour, la DD m'a mis administrateur local sur Expadon. Est-ce que ça suffit "
            "pour aller dans Certificats faire nos certificats pour la Corée ou il faut autre "
            "chose ?",
            "Question",
            OPERATOR,
            ["role-admin-local"],
            id="local-admin-role-named-with-a-country-is-not-models-online",
        ),
        # machine-translated English: "enabled" is habilitated
        pytest.param(
            "Dear sir, our firm wishes to be enabled on the Certificates module of Expadon. "
            "Which is the procedure, please?",
            "Certificates module",
            OPERATOR,
            ["procedure-habilitation"],
            id="english-firm-to-be-enabled-asks-the-procedure",
        ),
        # dictation: Agrément and Expadon heard in pieces
        pytest.param(
            "Bonjour, nous avons l'accès au module à gré ment sur ex pas don deux. Est-ce que "
            "ça suffit pour faire les certificats ?",
            "question",
            OPERATOR,
            ["agrement-vs-certificat"],
            id="dictated-agrement-question",
        ),
        # "et si non, combien de temps ?": a delay the FAQ does not tell, not a second
        # FAQ question
        pytest.param(
            "Bonjour, nous avons l'habilitation Agrément depuis l'an dernier. Sommes-nous "
            "pour autant habilités aux Certificats ? Et si non, combien de temps faut-il "
            "compter pour l'accès ?",
            "Agrément",
            OPERATOR,
            ["agrement-vs-certificat"],
            id="agrement-question-and-a-delay-if-not",
        ),
        # the newcomer is the author ("mon propre accès"): the procedure, not a colleague's
        pytest.param(
            "Bonjour, je suis embauchée pour l'été chez un producteur de melons et on me "
            "demande d'avoir mon propre accès au module Certificats. Quelle est la démarche "
            "pour être habilitée ?",
            "Question",
            OPERATOR,
            ["procedure-habilitation"],
            id="seasonal-newcomer-asks-for-her-own-access",
        ),
        # the local administrator's role already taken over: how to habilitate colleagues
        pytest.param(
            "Bonjour, je viens de reprendre le rôle d'administrateur local après le départ de "
            "notre directeur. Comment est-ce que j'habilite nos deux préparateurs comme "
            "demandeurs ?",
            "Question",
            OPERATOR,
            ["habiliter-collegue"],
            id="new-local-admin-who-took-the-role-over-habilitates-colleagues",
        ),
        # the FAQ's answer already known, a detail of it asked: the agents answer
        pytest.param(
            "Bonjour, on m'a dit qu'il faut contacter sa DD pour être habilité. Mais "
            "laquelle, celle du siège ou celle de l'entrepôt ?",
            "Question",
            OPERATOR,
            [],
            id="which-dd-when-the-procedure-is-known",
        ),
        # a forwarded mail: the local administrator asks how to habilitate "tu"
        pytest.param(
            "Bonjour, question de M. Roux ci-dessous.\n"
            "Lucie Perrot, secrétariat\n"
            "\n"
            "-----Message d'origine-----\n"
            "De : Alain Roux\n"
            "Envoyé : lundi 3 juin 2024 08:10\n"
            "À : Lucie Perrot\n"
            "Objet : Expadon\n"
            "\n"
            "Lucie,\n"
            "Je suis administrateur local de la SCEA sur Expadon. Je voudrais que tu puisses "
            "faire les demandes de certificats pendant mes congés. Demande au support comment "
            "je t'habilite comme demandeur, je le ferai avant de partir.\n"
            "Alain",
            "TR: Expadon",
            OPERATOR,
            ["habiliter-collegue"],
            id="forwarded-local-admin-asks-how-to-habilitate-the-secretary",
        ),
        # the role given to the one the author writes for, who asks what it allows
        pytest.param(
            "Bonjour, je vous écris pour mon père : on lui a donné le rôle administrateur "
            "local et il voudrait savoir si avec ça il peut aller dans le module Certificats "
            "pour faire ses certificats.",
            "Question",
            OPERATOR,
            ["role-admin-local"],
            id="role-given-to-the-one-the-author-writes-for",
        ),
        # ... who then asks how to habilitate someone: the colleague answer
        pytest.param(
            "Bonjour, j'écris pour ma mère qui est gérante : on lui a donné le rôle "
            "administrateur local. Comment elle fait pour habiliter sa nouvelle employée "
            "comme demandeur ?",
            "Habiliter",
            OPERATOR,
            ["habiliter-collegue"],
            id="role-given-then-how-to-habilitate-someone",
        ),
        # the role just received: what does it allow?
        pytest.param(
            "Bonjour, mon souci de connexion est réglé, merci. Autre chose : je viens de "
            "récupérer le rôle administrateur local, est-ce qu'avec ce rôle j'accède aussi "
            "au module Certificats ?",
            "Suite",
            OPERATOR,
            ["role-admin-local"],
            id="role-just-received-what-does-it-allow",
        ),
        # the role held, the question about the newcomer
        pytest.param(
            "Bonjour, comment je fais pour mettre le nouveau magasinier en demandeur ? J'ai "
            "le rôle admin local mais je ne trouve pas où ça se passe.",
            "Question",
            OPERATOR,
            ["habiliter-collegue"],
            id="role-held-newcomer-to-make-demandeur",
        ),
        # the desk asked to do it for a newcomer
        pytest.param(
            "Bonjour, notre administratrice locale est en congés jusqu'à la rentrée et nous "
            "avons un nouveau commercial. Pouvez-vous lui attribuer le rôle demandeur "
            "directement de votre côté ?",
            "Accès",
            OPERATOR,
            [],
            id="desk-asked-to-give-the-role-itself",
        ),
        # the author is the newcomer (a seasonal worker, newly hired)
        pytest.param(
            "Bonjour, je suis saisonnière à la coopérative jusqu'en novembre et je dois "
            "préparer les certificats. Quelle est la procédure pour être habilitée ?",
            "Accès",
            OPERATOR,
            ["procedure-habilitation"],
            id="seasonal-worker-asks-for-herself",
        ),
        pytest.param(
            "Bonjour, je suis stagiaire pour l'été chez nous, on m'a demandé de préparer les "
            "certificats. Quelle est la procédure pour être habilitée ?",
            "Stage été - accès",
            OPERATOR,
            ["procedure-habilitation"],
            id="intern-asks-for-herself",
        ),
        # ... but the new local administrator habilitates the others
        pytest.param(
            "Bonjour, je suis la nouvelle administratrice locale de notre société : comment "
            "j'habilite mes collègues comme demandeurs ?",
            "Habiliter",
            OPERATOR,
            ["habiliter-collegue"],
            id="new-local-admin-habilitates-the-others",
        ),
        # "not found" said of the way, not of a search that finds nobody
        pytest.param(
            "Hello, I am the local admin and I have not found how to add my colleague as "
            "demandeur, can you explain how to habilitate him?",
            "Colleague",
            OPERATOR,
            ["habiliter-collegue"],
            id="way-not-found-is-no-search-without-result",
        ),
        # access for one's own business, a role for one's own account: no colleague's case
        pytest.param(
            "Bonjour, comment donner l'accès à ma société au module Certificats ? Nous "
            "n'avons jamais été habilités.",
            "Accès",
            OPERATOR,
            ["procedure-habilitation"],
            id="access-for-ones-own-business",
        ),
        pytest.param(
            "Hello, we created a new subsidiary. How do I give our new company access to the "
            "Certificats module?",
            "Access",
            OPERATOR,
            [],
            id="access-for-a-new-company",
        ),
        pytest.param(
            "Bonjour, je suis administrateur local. Comment mettre le nouveau rôle demandeur "
            "sur mon propre compte pour faire les certificats ?",
            "Rôle",
            OPERATOR,
            ["role-admin-local"],
            id="role-for-ones-own-account",
        ),
        # someone else's seasonal worker: a colleague to habilitate
        pytest.param(
            "Bonjour, pouvez-vous expliquer à notre gérant, qui est administrateur local, "
            "comment habiliter notre saisonnier pour les certificats ?",
            "Accès saisonnier",
            OPERATOR,
            ["habiliter-collegue"],
            id="seasonal-worker-to-habilitate",
        ),
        # documents sent, and a question about the account
        pytest.param(
            "Bonjour, je vous envoie mes pièces pour l'habilitation (formulaire de la DD et "
            "carte d'identité). Question : faut-il aussi un compte « mon compte » avant, et si "
            "oui comment on le crée ?",
            "Habilitation",
            OPERATOR,
            ["creer-mon-compte"],
            id="documents-sent-account-asked",
        ),
        # a new address, an account to make again
        pytest.param(
            "Bonjour, comme j'ai changé d'adresse mail il faut que je recrée un mon compte, "
            "comment on crée un mon compte ?",
            "mon compte",
            OPERATOR,
            ["creer-mon-compte"],
            id="new-address-account-to-make-again",
        ),
        # an agent: the operator tried user management and it fails
        pytest.param(
            "Bonjour, l'opérateur (une fromagerie de Vitré) est admin local mais il n'arrive "
            "pas à se donner le rôle demandeur dans gestion des utilisateurs, message « droit "
            "insuffisant ». DDPP 35",
            "appli gestion des utilisateurs",
            AGENT,
            [],
            id="agent-reports-user-management-failing",
        ),
        # access given to someone named: not what the local admin's role allows
        pytest.param(
            "Bonjour,\nVoir la demande de notre maître de chai. Je suis administratrice "
            "locale de notre société sur Expadon 2 : comment puis-je donner à Kevin l'accès "
            "pour saisir les demandes de certificats ?\nMerci",
            "accès Expadon pour Kevin",
            OPERATOR,
            [],
            id="access-for-someone-named-is-no-role-question",
        ),
        # the role asked for the one the author writes for: the habilitation form
        pytest.param(
            "Merci pour votre réponse. Notre directeur me dit qu'il n'a pas l'application "
            "« gestion des utilisateurs » : il n'a que le rôle demandeur. Il voudrait avoir "
            "le rôle administrateur local pour pouvoir gérer les accès de l'équipe.",
            "Habiliter un collègue",
            OPERATOR,
            [],
            id="role-wanted-for-the-director-is-no-user-management-question",
        ),
        # the list read: a model it says online is missing from the application
        pytest.param(
            "Bonjour, le modèle volaille vers la Chine est indiqué « en ligne » sur Info.Com "
            "mais je ne le vois pas dans Expadon. Est-ce normal ?",
            "Question modèle",
            AGENT,
            [],
            id="model-listed-online-but-missing",
        ),
        # the subject announces the questions the description lists
        pytest.param(
            "Bonjour,\n- Quelle est la procédure pour être habilité en tant qu'opérateur ?\n"
            "- Et comment crée-t-on un compte « mon compte », c'est le même que pour "
            "Télépac ?\nMerci",
            "Plusieurs questions habilitation",
            OPERATOR,
            [],
            id="subject-announces-several-questions",
        ),
        # the documents put here, or asked of the desk: no procedure to explain
        pytest.param(
            "Bonjour,\nje n'ai pas trouvé le bon formulaire pour envoyer mes documents "
            "d'habilitation remplis avec la DDETSPP, je les mets ici. J'ai eu une erreur en "
            "essayant de les déposer dans l'autre formulaire (fichier trop lourd ?).",
            "Documents habilitation + erreur formulaire",
            OPERATOR,
            [],
            id="habilitation-documents-put-here",
        ),
        # ... but asking whether here is the place is the procedure's question
        pytest.param(
            "Bonjour, j'ai rempli les documents d'habilitation de la DDPP : je les envoie "
            "ici ou à la DD ?",
            "documents",
            OPERATOR,
            ["procedure-habilitation"],
            id="habilitation-documents-here-or-to-the-dd",
        ),
        pytest.param(
            "Bonjour,\nJ'ai appelé deux fois la DDPP de l'Aude pour obtenir les documents "
            "d'habilitation, sans réponse. Est-ce que vous pouvez me les envoyer directement ? "
            "C'est urgent, j'ai des brebis à expédier vers la Tunisie.",
            "Documents d'habilitation introuvables",
            OPERATOR,
            [],
            id="habilitation-documents-asked-of-the-desk",
        ),
        # an agent for an operator named by its trade ("la fromagerie", "un mareyeur")
        pytest.param(
            "Bonjour, la fromagerie Bouchet a un nouveau salarié qui doit faire les demandes "
            "de certificats. Le responsable est déjà admin local. Comment il fait pour "
            "habiliter son collègue ? Merci. Olivier Blanc DDETSPP 73",
            "nouveau salarié fromagerie",
            AGENT,
            ["habiliter-collegue"],
            id="agent-for-a-cheese-dairy-colleague",
        ),
        pytest.param(
            "Bonjour, je suis a la DDPP 62. Un mareyeur a le role admin local : peut-il se "
            "connecter a certificats avec ? et comment il habilite son collegue ? Merci",
            "admin local / collegue",
            AGENT,
            [],
            id="agent-relays-two-questions-of-a-fish-merchant",
        ),
        # ... but an agent's own new colleague, who will follow the breeders, is none
        pytest.param(
            "Bonjour, un nouveau collègue arrive à la DDPP, il suivra les éleveurs de "
            "bovins. Comment lui donner l'accès au module Certificats ?",
            "accès collègue",
            AGENT,
            [],
            id="agents-own-colleague-who-follows-breeders",
        ),
        # an old message reused: its subject is no longer the question
        pytest.param(
            "(j'ai réutilisé un ancien message, le sujet n'est plus d'actualité, la "
            "connexion marche)\nComment savoir quel modèle de certificat est en ligne pour "
            "l'export de volailles vers Singapour ?",
            "Connexion impossible",
            OPERATOR,
            ["modeles-en-ligne"],
            id="old-message-reused-subject-no-longer-current",
        ),
        # the list found while searching; a model missing from it is for the agents
        pytest.param(
            "Bonjour, comment savoir quel modèle est en ligne ?\n... Bon, en fouillant j'ai "
            "trouvé la liste sur Info.Com, désolé. Par contre le modèle « produits laitiers – "
            "Vietnam » n'y figure pas alors que notre DD nous dit qu'il existe. Pouvez-vous "
            "vérifier ?",
            "Modèle Vietnam",
            OPERATOR,
            [],
            id="list-found-while-searching-then-a-model-missing",
        ),
        # the local admin's role asked of the desk for the boss
        pytest.param(
            "Bonjour,\nM. Vabre, qui est déjà demandeur sur Expadon, souhaite aussi avoir le "
            "rôle administrateur local pour gérer les accès de l'équipe. Pourriez-vous le "
            "lui attribuer ?",
            "TR: rôle administrateur local pour M. Vabre",
            OPERATOR,
            [],
            id="local-admin-role-asked-of-the-desk-for-the-boss",
        ),
        # ... but the local admin asking how to give a colleague the role asks the
        # colleague's question
        pytest.param(
            "Bonjour, je suis administrateur local. Mon nouveau collègue a besoin du rôle "
            "demandeur : comment le lui attribuer ?",
            "rôle demandeur",
            OPERATOR,
            ["habiliter-collegue"],
            id="local-admin-asks-how-to-give-the-role",
        ),
        # the local admin's role asked of the desk for oneself, the admin being away
        pytest.param(
            "Bonjour,\nNotre administratrice locale est en arrêt maladie pour plusieurs "
            "semaines. Nous avons une nouvelle assistante export qui doit être habilitée "
            "rapidement. Est-il possible de me donner le rôle d'administrateur local à sa "
            "place, au moins temporairement ? Je suis déjà demandeur.",
            "Administrateur local absent",
            OPERATOR,
            [],
            id="local-admin-role-asked-of-the-desk-for-oneself",
        ),
        # the local admin away and nobody else holding the role: nobody can habilitate
        pytest.param(
            "Bonjour,\nNotre administratrice locale est en congé longue durée depuis mars et "
            "personne d'autre chez nous n'a ce rôle. Un nouveau collègue doit pouvoir faire "
            "des demandes de certificats. Comment pouvons-nous faire dans cette situation ?",
            "Administrateur local absent - nouveau collègue à habiliter",
            OPERATOR,
            [],
            id="nobody-else-holds-the-local-admin-role",
        ),
        # ... but "personne d'autre" about who did the certificates so far is not that
        pytest.param(
            "Bonjour, je suis administratrice locale et jusqu'ici personne d'autre ne "
            "faisait les certificats. Comment habiliter ma nouvelle collègue comme "
            "demandeur ?",
            "collègue",
            OPERATOR,
            ["habiliter-collegue"],
            id="nobody-else-did-the-certificates-so-far",
        ),
        # access for the author and a colleague: nobody is there to habilitate yet
        pytest.param(
            "Dear Support,\nWe are the logistics desk of a Kuwaiti livestock importer. Our "
            "French supplier asked that we handle the export certificates on Expadon from "
            "our Paris office. Kindly advise the procedure for myself and one colleague to "
            "be habilitated to the Certificats module.\nBest Regards",
            "Habilitation - export live cattle",
            OPERATOR,
            [],
            id="procedure-for-myself-and-a-colleague-is-no-colleagues-question",
        ),
        # English: newcomers to habilitate ("habilitate them"), by the local admin
        pytest.param(
            "Dear Expadon team,\nI manage the export desk of our cooperative and have the "
            "local administrator role. Three new colleagues started this month. What is the "
            'way to habilitate them on Certificats? Do I do it myself in "gestion des '
            'utilisateurs" or do they each have to send documents to you?\nThank you',
            "Giving access to my team",
            OPERATOR,
            ["habiliter-collegue"],
            id="english-newcomers-to-habilitate",
        ),
    ],
)
def test_what_the_author_asks_decides_the_answer(
    description: str, summary: str, email: str, expected: list[str], config: RoutingConfig
) -> None:
    t = make(description, summary=summary, email=email)
    assert replied(t, config) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, notre magasinier est parti à la retraite fin mars. Comment est-ce que je "
        "lui retire son accès à Expadon ?",
        "Notre ex-salariée a quitté l'entreprise vendredi, comment retirer ses droits sur "
        "Expadon ?",
        "Hello, one of our shippers resigned last week, how can I take away his access to "
        "Certificats?",
    ],
)
def test_a_departed_colleagues_access_to_remove_gets_no_public_answer(
    text: str, config: RoutingConfig
) -> None:
    """Most writers label it null: the FAQ's question is what "gestion des utilisateurs"
    is for, not how to remove someone (123 null against 94 gestion-utilisateurs over the
    labelled tickets). It stays the operators' assistance."""
    d = decide(make(text, summary="Départ d'un collègue", email=OPERATOR), config)
    assert d.reply_faq is None, d.reason
    assert d.category is Category.ASSISTANCE_OPERATEUR, d.reason


@pytest.mark.parametrize(
    ("note", "answered"),
    [
        # the desk's answer quoted back under papers sent as it said: nothing to answer
        (
            "Bonjour,\nComme indiqué ci-dessous, nous avons fait viser les formulaires par la "
            "DDETSPP : vous les trouverez en pièce jointe.\nCordialement",
            [],
        ),
        # the same question again, about another product: the quote says which
        (
            "Merci. Même question pour le fromage vers le Canada, comment savoir s'il est "
            "en ligne ?",
            ["modeles-en-ligne"],
        ),
    ],
)
def test_the_desks_answer_quoted_back_is_settled(
    note: str, answered: list[str], config: RoutingConfig
) -> None:
    """A reply over the desk's own answer reads the quoted mail only when the author asks
    again or says it still fails: the old question the answer quotes is settled."""
    body = (
        f"{note}\n\nDe : Assistance Expadon 2\nEnvoyé : lundi 3 mars 2025 10:15\n"
        "Objet : RE: modèle en ligne ?\n\nBonjour,\nLa liste des modèles en ligne est "
        "publiée sur Info.Com.\n\nDe : Martine Girard\nEnvoyé : vendredi 28 février 2025 "
        "17:02\nObjet : modèle en ligne ?\n\nComment savoir si le modèle pour le lait en "
        "poudre vers l'Algérie est en ligne ?"
    )
    assert replied(make(body, summary="RE: modèle en ligne ?"), config) == answered


def test_a_login_failure_told_beside_another_faq_question_gets_no_half_answer(
    config: RoutingConfig,
) -> None:
    """A failure told as a statement and another FAQ question asked beside it are two FAQ
    questions (the writers' brief: no public answer); the failure still decides the category,
    and ``question_beside_login_min_confidence = 1`` turns the rule off."""
    text = (
        "Bonjour,\nMon collègue du quai n'arrive plus à se connecter à Expadon depuis lundi. "
        "Et par la même occasion, comment j'habilite la stagiaire qui arrive ?\nMerci"
    )
    d = decide(make(text), config)
    assert replied(make(text), config) == []
    assert not d.ask_browser
    assert d.category is Category.ASSISTANCE_OPERATEUR
    assert "several questions" in d.reason
    off = config.model_copy(
        update={
            "thresholds": config.thresholds.model_copy(
                update={"question_beside_login_min_confidence": 1.0}
            )
        }
    )
    assert decide(make(text), off).ask_browser
    # a failure asked about alone is still answered
    alone = make("Bonjour, je n'arrive plus à me connecter depuis lundi, que faire ?")
    assert decide(alone, config).ask_browser


@pytest.mark.parametrize(
    ("text", "answered", "ask"),
    [
        # the first question taken back, the second asked: only the second is read
        (
            "Bonjour,\nComment ajouter une collègue comme demandeur ? Oubliez ma première "
            "question, je ne suis pas administrateur local, c'est ma cheffe qui s'en occupe. "
            "Du coup : à quoi sert l'application gestion des utilisateurs ?\nMerci",
            ["gestion-utilisateurs"],
            False,
        ),
        # the first question taken back, then a login failure told: the browser is asked
        (
            "Bonjour, comment vous joindre par téléphone ? Ah non oubliez ma question, j'ai "
            "le numéro. Mon vrai souci : je n'arrive plus à me connecter à Expadon depuis "
            "hier soir.\nMerci",
            ["connexion-impossible"],
            True,
        ),
        # a question the author settled with the FAQ, then another: only the other is read
        (
            "Bonjour,\nQuestion 1 : le rôle admin local suffit-il pour faire des demandes ? "
            "-> réponse trouvée dans votre FAQ, non, il faut le rôle demandeur.\nQuestion 2 : "
            "comment savoir si le modèle pour l'Égypte est en ligne ?\nMerci",
            ["modeles-en-ligne"],
            False,
        ),
        (
            "Bonjour, comment on télécharge le modèle ? -> ok trouvé tout seul, merci. "
            "Autre chose : par quel formulaire vous contacter pour un souci de signature ?",
            ["nous-contacter"],
            False,
        ),
        # the answer the author found written after an arrow, then "trouvé": only the
        # question after it is read (and the FAQ does not answer it)
        (
            "Bonjour,\nQuels modèles sont en ligne pour le Maroc ? -> vu sur Info.Com, "
            "trouvé.\nReste une question : pourquoi ma demande d'hier n'apparaît plus dans "
            "la liste ?",
            [],
            False,
        ),
        # a question the author found the answer to while writing, then another
        (
            "Bonjour, je me demandais comment télécharger le modèle, mais j'ai fini par "
            "trouver le bouton en haut à droite. Par contre, comment savoir quel modèle est "
            "en ligne pour le Canada ?",
            ["modeles-en-ligne"],
            False,
        ),
        # what was found is told in the same sentence: it asks nothing
        (
            "Bonjour, j'avais une question sur le modèle en PDF mais j'ai trouvé le bouton "
            "« télécharger les documents » en haut à droite, merci. Autre chose : comment "
            "habiliter une collègue ? Je suis administratrice locale.",
            ["habiliter-collegue"],
            False,
        ),
        # the first step done, in English: the next one is the question
        (
            "Hi, I figured out how to create my 'mon compte' account, that part is done. "
            "Now, what is the procedure to get access to the Certificats module as an "
            "exporter?",
            ["procedure-habilitation"],
            False,
        ),
        # a login failure over once the cache was cleared, then another question
        (
            "Bonjour, je vous écrivais pour un souci de connexion, mais en vidant le cache "
            "c'est reparti. Du coup autre question : comment télécharger le modèle du "
            "certificat pour le relire ?",
            ["telecharger-modele"],
            False,
        ),
        # a question the author was about to ask, and did not: only the next one is read
        (
            "Bonjour, j'allais vous demander comment vous contacter, mais j'ai vu qu'il "
            "fallait passer par ce formulaire. Mon dossier d'habilitation est parti il y a "
            "trois semaines : quel est le délai de traitement habituel ?",
            [],
            False,
        ),
        # "j'ai trouvé comment …": that step is done, the question after it is asked
        (
            "Bonjour,\n\nJ'ai trouvé comment créer mon compte (merci le lien sur "
            "l'intranet). Question : comment signe-t-on électroniquement un certificat quand "
            "le vétérinaire habituel est absent ?\n\nCordialement,\nDDPP du Nord",
            [],
            False,
        ),
        # …but "j'ai trouvé comment X, mais comment Y ?" still asks Y
        (
            "Bonjour, je débute. J'ai trouvé comment ouvrir la demande, mais comment on sort "
            "le PDF du modèle de certificat ? La seule fois où je l'ai ouvert, il était vide.",
            ["telecharger-modele"],
            False,
        ),
        # the FAQ read again ("en relisant votre FAQ"): the question after it is asked
        (
            "Bonjour,\n\nJe pensais que notre habilitation Agrément suffisait, mais en "
            "relisant votre FAQ j'ai vu que les deux modules sont indépendants. Donc comment "
            "on fait pour être habilité à Certificats ?\n\nBien à vous",
            ["procedure-habilitation"],
            False,
        ),
        # a question answered in parentheses ("(trouvé, merci la FAQ)"): the next one is
        # asked, and the FAQ does not answer it
        (
            "Bonjour, comment savoir quel modèle est en ligne ? (trouvé, merci la FAQ). Par "
            "contre pourquoi le Japon n'apparaît pas dans la liste des destinations pour le "
            "foie gras ?",
            [],
            False,
        ),
        # settled after a dash ("— trouvé, …"): the question after it is the one asked
        (
            "Bonjour, je me demandais comment télécharger le modèle — trouvé, c'est le bouton "
            "en haut à droite. Par contre, comment savoir quels modèles sont en ligne ?",
            ["modeles-en-ligne"],
            False,
        ),
        # "en fait non": the author corrects the start of the mail, and asks after it
        (
            "Bonjour, je souhaiterais être habilitée au module Certificats... En fait non, je "
            "viens de regarder, je suis habilitée depuis l'an dernier, c'est mon collègue qui "
            "ne l'est pas. Comment puis-je lui donner l'accès ?",
            ["habiliter-collegue"],
            False,
        ),
        # the same in English, "just" before "the cache"
        (
            "Hello, I could not log in this morning. Edit: it was just the cache, fine after "
            "clearing it. But what is the application gestion des utilisateurs in my menu "
            "for?",
            ["gestion-utilisateurs"],
            False,
        ),
        # "ah non c'est bon": the failure taken back, the question after it is asked
        (
            "Bonjour, je me connecte pas... ah non c'est bon, j'avais tapé le mauvais "
            "identifiant. Par contre, comment je télécharge le modèle une fois la demande "
            "commencée ?",
            ["telecharger-modele"],
            False,
        ),
        # a login failure the author solved (the cache) before asking something else
        (
            "Bonjour, je n'arrivais pas à me connecter ce matin. Edit : c'était le cache, ça "
            "marche après l'avoir vidé. Par contre, à quoi sert l'application gestion des "
            "utilisateurs que je vois dans le menu ?",
            ["gestion-utilisateurs"],
            False,
        ),
        # the turn inside the sentence that says the failure is over
        (
            "Bonjour, je n'arrivais pas à me connecter sous Firefox hier. EDIT : c'était le "
            "cache, je l'ai vidé et c'est reparti. Du coup j'en profite : comment savoir "
            "quel modèle est en ligne pour le Canada ?",
            ["modeles-en-ligne"],
            False,
        ),
        # "Edit : c'est bon" settles the failure above
        (
            "Bonjour, impossible de me connecter ce matin...\n\nEdit : c'est bon, "
            "j'avais inversé deux lettres du mot de passe. Par contre, comment savoir si "
            "le modèle pour le Japon est en ligne ?",
            ["modeles-en-ligne"],
            False,
        ),
        # the FAQ read, but doubted: the question before is still the one asked
        (
            "Bonjour, comment j'habilite une collègue ? J'ai lu la FAQ mais je préfère "
            "vérifier : c'est bien dans gestion des utilisateurs que je lui donne le rôle "
            "demandeur ?",
            ["habiliter-collegue"],
            False,
        ),
    ],
)
def test_a_question_taken_back_leaves_what_comes_after_it(
    text: str, answered: list[str], ask: bool, config: RoutingConfig
) -> None:
    t = make(text, summary="Question")
    assert replied(t, config) == answered
    assert decide(t, config).ask_browser is ask


def test_a_colleague_to_give_the_role_to_takes_the_role_question_over(
    config: RoutingConfig,
) -> None:
    # "pour qu'elle ait le rôle demandeur": the role is for a colleague, so the question is
    # how to habilitate her, not what the local administrator's role allows
    text = (
        "Bonjour,\nMerci pour votre réponse. Pour ma collègue Léa qui commence lundi, je "
        "fais comment pour qu'elle ait le rôle demandeur ? Je suis administratrice locale."
    )
    d = decide(make(text, summary="Rôle demandeur"), config)
    assert d.reply_faq == "habiliter-collegue", d.reason
    assert d.category is Category.ASSISTANCE_OPERATEUR


def test_an_sms_asking_for_ones_own_habilitation_gets_the_procedure(
    config: RoutingConfig,
) -> None:
    t = make(
        "slt\n\nmon beau-frere m a donné votre lien. je veu etre abilité pr fair mes certif "
        "export moi meme (pommes belgique). cmt on fait ???\n\nmerci\nAlex\nEnvoyé de mon "
        "téléphone Orange",
        summary="slt pr etre abilité",
        email="alex.d29@hotmail.fr",
    )
    assert replied(t, config) == ["procedure-habilitation"]


@pytest.mark.parametrize(
    ("text", "email", "where"),
    [
        # overseas services' domains, subdomains and the domain itself
        (
            "Bonjour, je n'arrive pas à valider les certificats de ce matin, le bouton reste "
            "grisé. Merci",
            "cellule.certif@daaf.gouv.nc",
            "3/86",
        ),
        (
            "Bonjour, je n'arrive pas à valider les certificats de ce matin, le bouton reste "
            "grisé. Merci",
            "agent.export@biosecurite.gov.pf",
            "3/86",
        ),
        (
            "Bonjour, la signature des certificats ne marche pas ce matin. Merci",
            "certification@gouv.nc",
            "3/86",
        ),
        # a mandated vet signing from a personal mailbox
        (
            "Bonjour, la signature des certificats ne marche pas depuis hier soir, le bouton ne "
            "répond pas.\nMerci\nDr Anne Cordier - vétérinaire mandatée, clinique des Tilleuls",
            "anne.cordier56@free.fr",
            "4/87",
        ),
    ],
)
def test_who_writes_is_a_state_agent(
    text: str, email: str, where: str, config: RoutingConfig
) -> None:
    t = make(text, summary="Certificats", email=email, where=where)
    assert decide(t, config).category is Category.ASSISTANCE_SD


def test_a_login_failure_told_as_back_to_normal_leaves_the_other_question(
    config: RoutingConfig,
) -> None:
    t = make(
        "Bonjour, lundi je n'arrivais plus à me connecter, mais j'ai vidé le cache du navigateur "
        "et c'est revenu, donc tout va bien de ce côté. En revanche, comment je sais quel modèle "
        "de certificat est en ligne pour le Japon ?\nCordialement\nPaul Morel",
        summary="Modèle Japon",
    )
    d = decide(t, config)
    assert d.reply_faq == "modeles-en-ligne", d.reason
    assert not d.ask_browser


def test_the_local_admin_role_and_a_colleagues_access_asked_apart_are_two_questions(
    config: RoutingConfig,
) -> None:
    # "ce rôle" read alone is not very close to the role's entry (0.4-0.6), but it is its
    # question, and the colleague's access is another: one answer would answer half
    t = make(
        "Bonjour,\n\nJe suis administrateur local chez nous. Est-ce que ce rôle suffit pour "
        "aller dans Certificats ? Et comment je donne l'accès à notre nouvelle stagiaire ?\n\n"
        "Merci\nPaul Roche",
        summary="Accès",
    )
    d = decide(t, config)
    assert replied(t, config) == [], d.reason
    assert "several questions" in d.reason


@pytest.mark.parametrize(
    ("text", "summary", "email", "where"),
    [
        # a chase of the documents sent: the agents answer it
        (
            "Bonjour, nos papiers d'habilitation sont-ils bien arrivés ? Nous les avons "
            "envoyés jeudi via le formulaire. Merci. Marc",
            "Papiers habilitation",
            OPERATOR,
            "3/84",
        ),
        # a call note that only informs
        (
            "Note d'appel du standard. M. Perrin, apiculteur, voulait savoir comment contacter "
            "l'assistance Expadon : je lui ai transmis le lien du formulaire des opérateurs. "
            "Pour information, rien à faire de votre côté.",
            "Note d'appel",
            AGENT,
            "4/87",
        ),
    ],
)
def test_a_chase_of_documents_sent_or_a_note_for_information_gets_no_answer(
    text: str, summary: str, email: str, where: str, config: RoutingConfig
) -> None:
    t = make(text, summary=summary, email=email, where=where)
    assert replied(t, config) == [], decide(t, config).reason


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, merci beaucoup pour vos explications sur l'application gestion des "
        "utilisateurs. Par contre avec mon rôle d'administrateur local, est-ce que je peux "
        "aussi aller dans Certificats ?\nCordialement\nHugo Marin",
        "Hello, thank you for the explanation about user management. With the local admin "
        "role, can I also log in to the Certificats module?\nBest, Hugo",
    ],
)
def test_thanks_for_an_earlier_answer_on_a_subject_are_not_the_question(
    text: str, config: RoutingConfig
) -> None:
    t = make(text, summary="Rôle")
    assert replied(t, config) == ["role-admin-local"], decide(t, config).reason


def test_an_operators_manager_next_to_the_dd_named_is_no_state_agent(
    config: RoutingConfig,
) -> None:
    t = make(
        "Je remplace Mme Roux au poste de responsable qualité. La DDETSPP de l'Aude m'a "
        "transmis les documents d'habilitation, les voici remplis.",
        summary="Habilitation nouvelle responsable",
        email="export@conserverie-lafitte.fr",
        where="3/84",
    )
    d = decide(t, config)
    assert d.population is not None and d.population.value == "operateur", d.reason
    assert d.category is Category.HABILITATION


@pytest.mark.parametrize(
    ("text", "answered"),
    [
        # Info.Com heard of: where the list is, the entry's question
        (
            "bonjour un client m'a parlé d'info point com pour voir quels modèles de "
            "certificats sont en ligne mais je la trouve pas cette liste merci",
            ["modeles-en-ligne"],
        ),
        # Info.Com read, the model missing from it: a problem for the agents
        (
            "Bonjour, j'ai consulté la liste Info.Com : le modèle pour les fromages vers le "
            "Vietnam n'y est pas. Comment savoir quel modèle est en ligne pour ce pays ?",
            [],
        ),
        # a re-export named beside the entry's own question
        (
            "Hello, we re-export Norwegian salmon from our Boulogne warehouse to Morocco. How "
            "can I know which certificate model is online in Expadon 2 for that?",
            ["modeles-en-ligne"],
        ),
        # whether a re-export certificate is made in Expadon at all: not the FAQ's answer
        (
            "Bonjour, un certificat de réexportation pour un lot entré par le poste frontalier "
            "peut-il être établi dans Expadon 2, ou faut-il rester sur le papier ?",
            [],
        ),
    ],
)
def test_modeles_en_ligne_never_words_lifted_only_beside_its_own_question(
    text: str, answered: list[str], config: RoutingConfig
) -> None:
    t = make(text, summary="Liste des modèles")
    assert replied(t, config) == answered, decide(t, config).reason


@pytest.mark.parametrize(
    ("text", "summary", "email", "answered"),
    [
        # a question the author meant to ask but found: the next one is asked
        (
            "Hello,\nI wanted to ask how to download the certificate model, but I found the button "
            "on the request page. What is the procedure to get habilitated as an exporter?\nBest,\n"
            "Tom",
            "Habilitation",
            "tom@greenvale-foods.co.uk",
            ["procedure-habilitation"],
        ),
        # "I wanted to ask" with no turn is a polite opener, not a question taken back
        (
            "Hello, I wanted to ask how to download the certificate model from Expadon. "
            "Thanks, Tom",
            "Model",
            "tom@greenvale-foods.co.uk",
            ["telecharger-modele"],
        ),
        # ... nor with a "but" that still asks
        (
            "Hello, I wanted to ask how to create a mon compte account, but I can't find the "
            "link anywhere. Where is it? Tom",
            "Account",
            "tom@greenvale-foods.co.uk",
            ["creer-mon-compte"],
        ),
        (
            "Bonjour, je voulais vous demander comment créer un compte mon compte mais je ne "
            "trouve pas le lien. Merci",
            "Compte",
            OPERATOR,
            ["creer-mon-compte"],
        ),
        # an earlier answer found, then another subject: the new one is asked
        (
            "Merci pour votre réponse, j'ai bien trouvé le bouton « télécharger les "
            "documents ».\n\nAutre chose : notre nouvel apprenti doit faire des demandes. "
            "Comment est-ce que je l'habilite comme demandeur ? Je suis administrateur "
            "local.\n\nJulien",
            "RE: Téléchargement du modèle",
            OPERATOR,
            ["habiliter-collegue"],
        ),
        # an account to make before the role is given: the account is asked
        (
            'Hello, our new staff member Maria must first create her "mon compte" before I can '
            'add her as demandeur in "gestion des utilisateurs" (I am local admin). Where does '
            "she create it? Thank you, Jorge",
            "mon compte for Maria",
            "jorge@limatrade.pe",
            ["creer-mon-compte"],
        ),
        # whether certificates are paid for: "une question … me pose la question" is near
        # "à qui poser une question ?", but the question is the price, which the FAQ does
        # not answer
        (
            "Bonjour,\n\nMerci, c'est réglé. Par ailleurs, une question : la délivrance des "
            "certificats via Expadon est-elle payante ? Notre comptable me pose la question.\n\n"
            "Cordialement,\nPaul Morin",
            "RE: erreur de connexion",
            OPERATOR,
            [],
        ),
    ],
)
def test_wordings_of_rounds_44_and_45_get_the_answer_they_ask(
    text: str, summary: str, email: str, answered: list[str], config: RoutingConfig
) -> None:
    t = make(text, summary=summary, email=email)
    assert replied(t, config) == answered, decide(t, config).reason


@pytest.mark.parametrize(
    ("text", "summary", "email", "where", "category", "answered"),
    [
        # an account to make before one's own habilitation: a step towards the author's
        # own access, though none of the take-over words ("il me faut d'abord un compte")
        # is said
        (
            "Bonjour,\nAvant de remplir le dossier d'habilitation, la DDPP me demande d'avoir "
            "un compte « mon compte ». Comment est-ce que je le crée ? Je ne trouve pas le "
            "site.\nMerci\nJulie Vasseur\nVasseur Primeurs",
            "Création de compte",
            OPERATOR,
            "3/86",
            Category.HABILITATION,
            ["creer-mon-compte"],
        ),
        # ... and in English, with "I need a mon compte"
        (
            "Hi, the DDPP told me that before I can use the Certificats module I need a mon "
            "compte. How do I create one? Thanks, Rhys Evans",
            "mon compte",
            "rhys@valleylamb.co.uk",
            "3/86",
            Category.HABILITATION,
            ["creer-mon-compte"],
        ),
        # an account for a colleague: the procedure's own guards (a colleague) forbid it
        (
            "Bonjour,\nNotre nouvelle collègue n'a pas encore de compte « mon compte ». "
            "Comment le crée-t-elle, avant que je lui donne le rôle demandeur ?\nMerci\n"
            "Julie Vasseur",
            "Compte pour une collègue",
            OPERATOR,
            "3/86",
            Category.ASSISTANCE_OPERATEUR,
            None,  # (the category only)
        ),
        # still no access after the papers went to the DD, in capitals, asking nothing
        (
            "BONJOUR NOUS N'AVONS TOUJOURS PAS ACCES AU MODULE CERTIFICATS, NOS PAPIERS SONT "
            "PARTIS A LA DDPP IL Y A TROIS SEMAINES. MERCI DE FAIRE LE NECESSAIRE\nJ. MOREL",
            "ACCES CERTIFICATS",
            "jmorel@orange.fr",
            "3/86",
            Category.HABILITATION,
            [],
        ),
        # a question settled with the FAQ, and only news after it
        (
            "Bonjour,\nJe croyais que mon habilitation Agrément valait aussi pour les "
            "certificats, mais j'ai lu votre FAQ : ce n'est pas le cas. Je vous envoie donc les "
            "documents remplis avec la DDPP du Cher.\nCordialement\nMarie Perrot",
            "Documents d'habilitation",
            OPERATOR,
            "3/84",
            Category.HABILITATION,
            [],
        ),
    ],
)
def test_category_and_answer_of_habilitation_wordings(  # noqa: PLR0917 - one table row
    text: str,
    summary: str,
    email: str,
    where: str,
    category: Category,
    answered: list[str] | None,
    config: RoutingConfig,
) -> None:
    t = make(text, summary=summary, email=email, where=where)
    d = decide(t, config)
    assert d.category is category, d.reason
    if answered is not None:
        assert replied(t, config) == answered, d.reason


@pytest.mark.parametrize(
    ("text", "summary", "email", "where", "faq", "ask"),
    [
        # others who "ne parviennent pas" to log in
        (
            "Bonjour, les agents du poste ne parviennent pas à se connecter depuis les "
            "tablettes. Merci de regarder.",
            "Connexion tablettes",
            AGENT,
            "4/87",
            None,
            True,
        ),
        # "cannot enter in Certificats", and a screen that stays blank
        (
            "Hello, I cannot enter in Certificats since Monday, the screen stays blank. "
            "Chrome 98. Regards, Paulo",
            "Certificats access",
            "paulo@andina-trading.com",
            "3/86",
            "connexion-impossible",
            None,
        ),
        # the refusal told before the login
        (
            "Hello, our packer gets 'accès refusé' when logging in to Expadon 2 this morning. "
            "He uses Chrome, I don't know the version yet. Regards, Tom",
            "Expadon access",
            "tom@greenvale-foods.co.uk",
            "3/86",
            None,
            True,
        ),
    ],
)
def test_login_failures_told_in_new_words(  # noqa: PLR0917 - one table row
    text: str,
    summary: str,
    email: str,
    where: str,
    faq: str | None,
    ask: bool | None,
    config: RoutingConfig,
) -> None:
    # (None: not what the row checks)
    d = decide(make(text, summary=summary, email=email, where=where), config)
    assert d.login_failure, d.reason
    if faq is not None:
        assert d.reply_faq == faq, d.reason
    if ask is not None:
        assert d.ask_browser is ask, d.reason
