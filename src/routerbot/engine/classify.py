"""Scores: who wrote the ticket, what it is about, which FAQ it asks, login failure.

Pure functions over a :class:`TicketText` (the ticket's words prepared once) and the
:class:`~routerbot.config.RoutingConfig` with what was compiled from it at load
(``config.compiled``: example indexes, phrases). Every score comes with the
:class:`~routerbot.domain.Signal` list that produced it, fired or not, so that the
decision can explain itself.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

from routerbot.config import FaqEntry, RoutingConfig
from routerbot.domain import Category, NearestExample, Person, Population, Signal, Ticket
from routerbot.engine import browser as browser_mod
from routerbot.engine import text
from routerbot.engine.compiled import UNANSWERED, CompiledEvidence, Guards
from routerbot.engine.index import EntryScore
from routerbot.engine.lexicon import PhraseSet, Words, light_keys
from routerbot.engine.patterns import LazyPattern

# --------------------------------------------------------------------------- text


_REPORTED = r" (?:si|comment|ou|quel|quels|quelle|quelles|a quoi|a qui|pourquoi|ce qu)"
#: The question words (after a space, not a ``\b``: see :func:`_asks`; "c'est ce que"
#: asks nothing), one alternative each.
_QUESTION_ALTERNATIVES = (
    # ("no comment in the file", "the comment from the DDPP": the English noun)
    "c(?<! no c)(?<! the c)(?<! any c)(?<! my c)(?<! your c)(?<! this c)omment",
    "quel", "quels", "quelle", "quelles", "ou trouver", "(?<! c )est ce que?",
    "pouvez vous", "pourriez vous", "puis je", "peut on", "faut il", "dois je", "doit on",
    "existe t il", "y a t il", "how", "what", "where", "which", "can i", "could you",
    "is there", "do i", "should i", "cmt", "kel",
    # SMS and terse questions without "?": "c quoi gestion des utilisateurs"
    "c quoi", "c est quoi", "cest quoi", "a quoi", "pourquoi", "combien", "why", "who",
    # indirect and reported questions: call notes, dictation ("il demande si", "elle
    # cherche où", "c'est pour savoir comment", "wants to know whether")
    *(
        f"{w} (?:aussi |egalement )?savoir"
        for w in ("voudrai[st]?", "voudraient", "veu[xt]", "aimerai[st]?", "souhaite", "pour",
                  "besoin de")
    ),
    *(
        w + _REPORTED
        for w in ("demande", "demandent", "cherche", "cherchent", "me demandais", "se demande")
    ),
    "merci de (?:m|nous) (?:indiquer|dire|expliquer|preciser)",
    # "je ne trouve pas où télécharger…", "je ne sais pas comment…"
    "(?:trouve|trouvons|sais|savons) pas (?:ou|comment)",
    # the courteous forms: "je souhaiterais connaître", "je vous serais reconnaissant de
    # bien vouloir m'indiquer", "il me semblerait utile de connaître"
    "souhaiterai[st]? (?:savoir|connaitre)", "(?:souhaite|voudrai[st]?|aimerai[st]?) connaitre",
    "utile de connaitre",
    "bien vouloir (?:m|me|nous) (?:indiquer|preciser|communiquer|expliquer|dire|confirmer)",
    "wants? to know", "would like to know", "needs? to know", "wonder(?:s|ing)?",
    # English requests without "?" ("Please let us know the procedure", "can you explain")
    "let (?:us|me) know", "please (?:explain|tell|advise|outline|clarify|confirm|share)",
    "kindly (?:share|send|explain|tell|advise|clarify|confirm|guide|inform|let)",
    "can you", "can we", "would you", "do we", "is it possible",
    "asks? (?:how|whether|if|what|where)",
    "point d interrogation", "savoir si", "savoir comment", "savoir ou", "savoir quel",
    "savoir a qui", "savoir lequel", "savoir laquelle", "savoir lesquels", "savoir lesquelles",
    # where, and what to do, asked without "?" ("la liste elle est ou", "c ou", "que faire")
    "est ou", "sont ou", "c ou", "ou est", "ou sont", "ou se trouve", "ou faut il",
    "ou dois je", "ou doit on", "que faire", "que dois je", "que doit on",
    "qu est ce qu", "koi", "kelle", "kels",
    # a yes-or-no question without "?" ("ca donne acces a certificats ou pas", "le modele
    # est il en ligne") — "c'est il y a deux jours" is not one
    "ou pas", "ou non", "(?<! c )est il", "est elle", "sont ils", "sont elles",
)  # fmt: skip


def _by_first_letter(alternatives: tuple[str, ...]) -> str:
    """One alternation of ``alternatives``, those with the same first letter grouped
    behind it ("c(?:omment|mt|…)"): the regular expression engine skips a group whose
    letter is not the one at hand in one test, instead of trying some sixty
    alternatives after each space."""
    groups: dict[str, list[str]] = {}
    for a in alternatives:
        groups.setdefault(a[0], []).append(a)
    return "|".join(
        "|".join(xs) if len(xs) == 1 or not k.isalpha() else f"{k}(?:{'|'.join(x[1:] for x in xs)})"
        for k, xs in groups.items()
    )


_QUESTION_WORDS = re.compile(" (?:" + _by_first_letter(_QUESTION_ALTERNATIVES) + r")\b")


#: A call note's reported request that names what is asked for ("il demande la marche à
#: suivre"): it asks, but opens no second question after "et" (it is said of the first).
_ASKS_FOR = re.compile(
    r" (?:demande|demandent|veut|veulent|voudrait|voudraient|souhaite|souhaitent)"
    r" (?:la marche a suivre|la procedure|les demarches|le lien)\b"
)


def _asks(norm: str) -> bool:
    """Does the normalised text hold a question word? (``norm`` is words of a-z and 0-9
    joined by single spaces, so a word starts after a space or at the start: the
    pattern begins with a space, which the regular expression engine scans for in C,
    instead of trying every alternative at every character after a ``\b``.)"""
    padded = f" {norm}"
    return _QUESTION_WORDS.search(padded) is not None or _ASKS_FOR.search(padded) is not None


#: Idioms whose words mean something else to a guard: "déposé dans le 84 par erreur"
#: tells of no error, nor does "sauf erreur de ma part" (normalised words).
_IDIOMS = (("par erreur", "par megarde"), ("sauf erreur", "sauf oubli"))


def _idioms_read(norm: str) -> str:
    for idiom, meant in _IDIOMS:
        if idiom in norm:
            norm = norm.replace(idiom, meant)
    return norm


#: A mail client's line naming the device it was sent from (not a signature).
_DEVICE_LINE = re.compile(
    r"\s*(?:envoy[ée] (?:de|depuis)|sent from|get outlook|obtenir outlook)\b", re.IGNORECASE
)


class AskedQuestion(NamedTuple):
    """One of the author's questions, read alone (:func:`questions`)."""

    #: its words as the guards read them (plurals aside)
    words: Words
    #: the FAQ entry closest to it
    top: EntryScore
    #: the question as written
    text: str
    #: its example-index features
    features: set[str]


@dataclass(slots=True)
class TicketText:
    """A ticket's words, prepared once for every score."""

    norm: str  # summary + description + the customers' comments, cleaned, normalised
    words: Words
    own_words: Words  # the author's own words only (who is writing is read there)
    plain: Words  # the same words, plurals aside, for the guards
    features: set[str]  # for the example indexes
    is_question: bool
    signature: str  # signature lines and the reporter's display name, normalised
    email_domain: str
    read_quoted: bool = False  # the quoted mail was read as the question
    own_text: str = ""  # the author's own words as written (their questions, one by one)
    #: the description's own words (``clean_body``), as split once by :func:`prepare`
    clean_description: str = ""
    #: the ticket's subject as written (it may announce the questions: "Deux questions")
    subject: str = ""
    #: each of the author's questions read alone (its words for the guards), with its
    #: closest entry: computed on first need by :func:`own_questions`, then shared by
    #: every guard and rule
    split_questions: list[AskedQuestion] | None = None
    #: the closest of ``[unanswered]``'s examples, set by :func:`score_faqs` (the same
    #: pass over the index that scores the entries)
    unanswered: EntryScore | None = None
    #: the sender of the message a transfer passed on (its e-mail or name), or ""
    transferred_from: str = ""
    #: the author took their question back ("laissez tomber, j'ai trouvé") and asks
    #: nothing after it
    withdrawn: bool = False
    #: the author only thanks (a reply filed as a new ticket): ``withdrawn`` too
    thanked: bool = False
    #: the mail replies to the desk's advice or question for a login failure, quoted
    #: below it ("C'est Chrome" above "pourriez-vous nous indiquer le navigateur … ?")
    after_login_advice: bool = False
    #: ``plain`` with each word a typo from a required word read as it (None: no such
    #: word), once :func:`_typos_read` has read it
    plain_typos: Words | None = None
    typos_read: bool = False


def prepare(
    ticket: Ticket, config: RoutingConfig, customer_texts: Sequence[str] = ()
) -> TicketText:
    """The ticket's words: the summary, the author's own words in the description (no
    quoted mail, forwarded headers, signature or legal notice) and the customers'
    comments. When the author's own words only point at the mail below ("voir
    ci-dessous", "je relance ma demande") and ask nothing themselves, the quoted mail
    is the question: its words are read too, for the subject (not for who is writing).
    """
    parts = text.split_body(ticket.description)
    forwarded = _transferred(parts, ticket, config)
    if forwarded is not None:
        # someone passes a customer's message on: the message is the ticket, and its
        # sender (as its header and signature say) is the requester
        sender = Person(display_name=forwarded.name, email=forwarded.email)
        own = "\n".join([ticket.summary, forwarded.body, *customer_texts])
        tt = _prepare(
            own,
            own,
            text.BodyParts(forwarded.body, forwarded.signature),
            dataclasses.replace(ticket, reporter=sender),
            config,
            customer_texts,
            False,
        )
        tt.transferred_from = forwarded.email or forwarded.name or "?"
        return tt
    reporter = (ticket.reporter.display_name, ticket.reporter.email)
    # a bare relaunch of the customer's own (or a colleague's) message ("voir
    # ci-dessous, toujours pas de réponse"), or words that only point at the mail below:
    # the quoted mail is the question
    domain = ticket.reporter.email.rpartition("@")[2].strip().lower()
    company = "" if config.compiled.personal_domains.holds(domain) else domain
    quoted = text.relaunched_message(parts, reporter, company)
    if parts.quoted and (not quoted or not _asks_anything(quoted) or _only_relays(quoted, config)):
        # (a relaunched message that asks nothing — a DD's answer sent to the reporter,
        # "cette question relève de l'assistance" — or only asks to pass it on leaves
        # the question further down)
        quoted = _quoted_question(parts, config, ticket.summary, ticket.reporter) or quoted
    summary = ticket.summary
    if (
        not quoted
        and _REPLY_SUBJECT.match(summary)
        and not _thin(parts.body, config)
        and not _subject_asks_over_a_signature(summary, parts.body)
    ):
        summary = ""  # a reply's subject is the old question's; the new words say more
    elif summary and (text.says_over(parts.body) or _says_wrong_subject(parts.body)):
        # the description says the subject's matter is over ("Impossible de me connecter"
        # above "finalement c'est réglé. Par contre, …") or that the subject is wrong
        # ("je me suis trompée d'objet"): the subject is no question
        summary = ""
    # (what the author says the ticket is not about is not read, nor what they asked
    # before they corrected themselves)
    written = "\n".join([summary, _without_salutation(parts.body), *customer_texts])
    own = text.without_denials(written)
    said = own
    own, withdrawn = _latest_turn(own, config)
    if own == said and not withdrawn and said != written:
        # the turn was in a sentence that says a problem is over, cut above ("je
        # n'arrivais pas à me connecter. EDIT : c'était le cache, c'est reparti. Du coup :
        # comment savoir quel modèle est en ligne ?"): read from it all the same
        after, _ = _latest_turn(written, config)
        if after != written:
            own = text.without_denials(after)
    body = f"{own}\n{quoted}" if quoted else own
    tt = _prepare(body, own, parts, ticket, config, customer_texts, bool(quoted))
    if own != said:
        # the author corrected themselves ("Oubliez ma première question … Du coup : à
        # quoi sert … ?"): their questions are the ones asked after the correction
        tt.own_text = own
    if quoted:  # the quoted mail's questions are the author's, one by one
        tt.own_text = f"{tt.own_text}\n{quoted}"
    tt.withdrawn = withdrawn
    if not withdrawn and not customer_texts and _only_thanks(parts.body, config):
        tt.withdrawn = tt.thanked = True
    tt.after_login_advice = (
        bool(parts.quoted) and _quotes_login_advice(parts.quoted) and _tells_browser(parts.body)
    )
    return tt


#: The author says the subject is wrong ("je me suis trompée d'objet", "ignorez l'objet",
#: "l'objet n'est pas le bon", "wrong subject line")
_WRONG_SUBJECT = LazyPattern(
    r"\b(?:tromp[ée]e?s? d['’]objet|mauvais objet|objet (?:est )?(?:erron[ée]|faux|incorrect)"
    r"|l['’]objet n['’]est pas (?:le )?bon|pas le bon objet"
    r"|(?:ignorez|oubliez|ne tenez pas compte de) l['’]objet|wrong subject"
    r"|(?:ignore|disregard) the subject"
    # an old message reused ("le sujet n'est plus d'actualité, la connexion marche")
    r"|(?:le sujet|l['’]objet) n['’]est plus d['’]actualit[ée]"
    r"|(?:the )?subject is (?:no longer|not) (?:relevant|current|valid))\b",
    re.IGNORECASE,
)


def _says_wrong_subject(body: str) -> bool:
    """:data:`_WRONG_SUBJECT` is said (looked for only where "objet", "sujet" or
    "subject" is)."""
    low = body.lower()
    return ("objet" in low or "subject" in low or "sujet" in low) and (
        _WRONG_SUBJECT.search(body) is not None
    )


#: The desk's own message quoted below a reply: its header names the desk (its name or
#: its Jira mailbox)
_DESK_QUOTED = re.compile(
    r"assistance expadon|support expadon|assistance d'expadon|équipe d'assistance expadon"
    r"|expadon 2 - certificats|expadon 2 certificats|jira@|expadon2@|@expadon2\.",
    re.IGNORECASE,
)
#: ...and it is about the browser of a failed login (the desk's advice or its question)
_BROWSER_WORDS = re.compile(r"navigateur|browser", re.IGNORECASE)
_LOGIN_WORDS = re.compile(r"connecter|connexion|cache|log in|login", re.IGNORECASE)


def _quotes_login_advice(quoted: str) -> bool:
    """The quoted mail is the desk's answer to a login failure: its header names the desk
    (not a DD's mail that mentions it), and it speaks of the browser and of logging in
    (or of the cache to empty)."""
    head = quoted[:1500]
    return (
        _DESK_QUOTED.search(head[:_QUOTE_HEADER_CHARS]) is not None
        and _BROWSER_WORDS.search(head) is not None
        and _LOGIN_WORDS.search(head) is not None
    )


#: how far into a quote its header runs ("Le 5 nov. 2024 à 14:40, Assistance Expadon 2
#: <…> a écrit :", or four Outlook header lines)
_QUOTE_HEADER_CHARS = 300
#: "Voici la version : 17.4" (a version without a name answers "which version?")
_VERSION_TOLD = re.compile(r"\bversion\b[^\n\d]{0,20}\d", re.IGNORECASE)


def _tells_browser(own: str) -> bool:
    """The author's own words name a browser or give a version: the answer to the desk."""
    return browser_mod.extract_browser(own) is not None or _VERSION_TOLD.search(own) is not None


#: A text longer than this says more than thanks (``matching.pointer_text_words`` content
#: words and their small words fit well within it): not read word by word.
_THANKS_MAX_CHARS = 500


def _only_thanks(body: str, config: RoutingConfig) -> bool:
    """The author's own words thank and say it is solved or done ("Parfait, merci
    beaucoup pour votre aide !", "merci, c'est réglé") and ask nothing: a reply to the
    support filed as a new ticket, with nothing to answer."""
    if not body or "?" in body or len(body) > _THANKS_MAX_CHARS:
        return False
    c = config.compiled
    keys = c.lexicon.keys(norm := text.normalise(body))
    if len([k for k in keys if k not in c.ignore]) > config.matching.pointer_text_words:
        return False  # more said than thanks: a message to read
    if _asks_or_requests(body) or turns_to_another_matter(body):
        return False
    if c.habilitation_documents.first_match(Words.of(light_keys(norm)), config.matching.phrase_gap):
        return False  # "je vous envoie les documents, en pièce jointe, merci" sends them
    thanks = score_thanks(Words.of(keys), config)
    strong = any(s.name.endswith(".strong") for s in thanks.signals)
    if not (strong and thanks.value >= config.thresholds.thanks_min_confidence):
        return False
    # "« vous n'avez pas les droits » alors que tout marchait hier": what worked is the
    # past, the failure told is today's
    return not _tells_login_failure(body, config)


#: words that turn from thanks to another matter
_CONTRAST = re.compile(
    r"\b(?:par contre|en revanche|cependant|toutefois|mais maintenant|however|but now)\b",
    re.IGNORECASE,
)
#: what must follow the turn for it to say something (not "par contre, bravo !")
_CONTRAST_MIN_WORDS = 5


def turns_to_another_matter(said: str) -> bool:
    """Thanks that turn to another matter ("Merci, c'est fait. Par contre maintenant la
    page reste blanche après l'authentification"): more than thanks to read."""
    turn = _CONTRAST.search(said)
    return turn is not None and len(said[turn.end() :].split()) >= _CONTRAST_MIN_WORDS


#: Words with which an author corrects or takes back what they wrote above ("je me suis
#: mal exprimée", "pardon, je voulais dire : comment…", "laissez tomber", "ah, c'est
#: bon"); "erratum" and "correction" are not among them: they mostly fix a detail (a
#: country, a version), not the question.
#: the turns that say what follows is the matter (:data:`_MATTER_FOLLOWS`)
_MATTER_WORDS = r"ma (?:seule )?vraie question|ma question (?:est|c['’]est) (?:plut[ôo]t|donc)"
#: "ah c'est bon", "ok, c'est bon", "ah non c'est bon", "Edit : c'est bon": the author
#: settles what came before
#: (a turn, and what takes a question back: :data:`_WITHDRAWN`)
_SETTLED = r"(?:ah|bon|ok|en fait|edit ?:)(?:,? non)?,? c['’]?est bon"
_TURN = LazyPattern(
    r"\b(?:je me suis mal exprim[ée]e?|je voulais dire\s*:?\s*(?:comment|que|qu|si|est-ce|o[uù]"
    rf"|quel|quelle)|{_MATTER_WORDS}"
    rf"|laissez tomber|oubliez|never mind|{_SETTLED}"
    r"|ah,? si\b"
    r"|ignorez (?:ma|cette) (?:question|demande)|ignore (?:my|this) (?:question|request)"
    r"|ah,? (?:mais )?en fait|en fait,? non|finalement"
    r"|c['’]est bon j['’]ai|(?:ah|bon|ok),? c bon"
    r"|pardon,? (?:je voulais|ma question)|(?:ah|en fait),? j['’]ai trouv[ée])\b",
    re.IGNORECASE,
)

#: no "mais" later in the sentence: what was found settles it ("j'ai trouvé comment …,
#: mais …" goes on asking)
_NO_MAIS_AFTER = r"(?![^.?!\n]*\bmais\b)"
#: someone "m'a" (told, sent, called back) the author; not "ne m'a", "n'm'a"
_TO_ME = r"(?<!\bne )(?<!\bn')m['’]a "

#: Words that say the author found the answer to the question before them: a turn read
#: from the end of their sentence, which tells what was found ("j'ai trouvé le bouton «
#: télécharger les documents », merci. Mon autre question : …" asks about a colleague).
_FOUND = LazyPattern(
    # "je me demandais comment télécharger le modèle, mais j'ai fini par trouver le
    # bouton. Par contre, …"
    # ("merci, j'ai bien trouvé le bouton. Autre sujet : …")
    # ("en écrivant ce message j'ai fini par comprendre : …")
    r"\b(?:j['’]ai fini par (?:le |la |les )?(?:trouver|comprendre)"
    rf"|j['’]ai trouv[ée] comment{_NO_MAIS_AFTER}"
    r"|mais j['’]ai trouv[ée] (?:le|la|les|comment"
    r"|o[uù])|j['’]ai bien trouv[ée] (?:le|la|les|comment|o[uù])"
    # "I figured out how to create my account, that part is done. Now, what is …?"
    r"|i figured (?:it )?out|(?:that|this) part is (?:done|sorted|ok)"
    # "I wanted to ask how to create an account, but I found the site and it worked."
    r"|but i (?:found|figured)\b"
    # "je cherchais comment télécharger le modèle… Bon, en fait je viens de trouver le
    # bouton, c'est bon."
    # ("ah pardon je viens de trouver la liste sur Info.Com")
    # ("je voulais vous demander comment télécharger le modèle mais je viens de trouver
    # le bouton")
    # ("... Bon, en fouillant j'ai trouvé la liste sur Info.Com, désolé. Par contre …")
    r"|(?:en fait|ah|oh|bon|ok|finalement|pardon),? en (?:fouillant|cherchant|regardant)"
    r",? j['’]ai trouv[ée] (?:le|la|les|comment|o[uù])"
    r"|(?:en fait|ah|oh|bon|ok|finalement|pardon|mais),? je viens de (?:(?:le |la |les )?trouver"
    # ("… ah je viens de voir le bouton « télécharger les documents », désolée.")
    r"|voir (?:le|la|les) (?:bouton|lien|onglet|menu|rubrique))"
    # the office that was to send the papers sent them, or answered, meanwhile ("Mise à
    # jour : ma DDPP m'a répondu entre-temps, elle m'envoie les documents"; "je vois que
    # la DDPP m'a déjà envoyé les documents"; not "entre-temps personne ne m'a répondu")
    rf"|{_TO_ME}d[ée]j[àa] (?:envoy[ée]|transmis|fait parvenir)"
    rf" (?:les|le|tous les) (?:documents|formulaires?|papiers|dossier|pi[èe]ces){_NO_MAIS_AFTER}"
    rf"|entre[- ]temps,? [^.?!\n]{{0,40}}?{_TO_ME}(?:r[ée]pondu|rappel[ée]e?|envoy[ée]|transmis)"
    rf"{_NO_MAIS_AFTER}"
    rf"|{_TO_ME}(?:r[ée]pondu|rappel[ée]e?) entre[- ]temps{_NO_MAIS_AFTER}"
    # "Edit : trouvé, c'est le bouton en haut à droite."
    r"|\b(?:edit|update|maj|mise [àa] jour)\b[^:\n]{0,12}:\s*(?:ok,?\s*)?trouv[ée]"
    # a question the author settled herself, then another ("Comment télécharger le
    # modèle ? -> ok trouvé. Par contre …", "j'ai bien compris grâce à la FAQ")
    # ("j'ai vu la FAQ question 4 mais je veux être sûr : …" doubts it: no turn)
    # ("Comment télécharger le modèle ? (trouvé, merci la FAQ). Par contre …"; "la FAQ
    # dit que …" is no such turn: "… Mais laquelle ?" asks on from it)
    # ("Je cherchais comment créer mon compte — trouvé, c'est sur moncompte. Par contre …")
    r"|(?:ok,? trouv[ée]|r[ée]ponse trouv[ée]e|\(\s*(?:ok,?\s*)?trouv[ée]|(?<=[—–]\s)trouv[ée]"
    r"|(?:lu|relu|vu|trouv[ée]e?|lire|(?:re)?lisant) (?:dans )?(?:votre|la|vos) faq"
    r"|(?:gr[âa]ce [àa]|merci(?: [àa])?) (?:votre|la|vos) faq)(?![^.?!\n]{0,20}\bmais\b))\b"
    # the answer written after an arrow, then "trouvé" ("Comment savoir quel modèle est
    # en ligne ? -> Info.Com, trouvé.")
    # (a dot may be in the answer's name: "Info.Com")
    r"|(?:->|→|=>)[^?!\n]{0,60}?,\s*trouv[ée]e?s?\b"
    # ("1) comment savoir quel modèle est en ligne -> trouvé sur Info.Com, merci")
    r"|(?:->|→|=>)\s*(?:ok,?\s*)?trouv[ée]e?s?\b",
    re.IGNORECASE,
)
#: where the sentence of a :data:`_FOUND` ends
_FOUND_END = re.compile(r"[.!?\n]")

#: Words that take a question back: after them, a ticket that asks nothing more is done.
_WITHDRAWN = LazyPattern(
    rf"\b(?:laissez tomber|oubliez|{_SETTLED}"
    r"|c['’]est bon j['’]ai"
    r"|ignorez (?:ma|cette) (?:question|demande)|ignore (?:my|this) (?:question|request)"
    r"|(?:ah|bon|ok),? c bon|c bon j|(?:ah|ok|bon|c['’]est bon),? j['’]?ai trouv[ée]"
    r"|j['’]ai trouv[ée],? (?:tout seul|toute seule|la solution|la r[ée]ponse|merci)"
    r"|vous pouvez (?:cl[ôo]turer|clore|fermer|annuler)|n['’]a plus lieu d['’][êe]tre|plus besoin"
    r"|never mind|[çc]a (?:re)?(?:marche|passe|fonctionne) (?:maintenant|[àa] nouveau|de nouveau)"
    # "EDIT : c'était le cache, ça marche après l'avoir vidé. Mais du coup, … ?"
    r"|[çc]a (?:re)?(?:marche|passe|fonctionne) apr[èe]s (?:avoir|l['’]avoir)"
    r"|c['’]?[ée]tait (?:juste |simplement )?(?:le|les) caches?|it was (?:just )?the cache"
    r"|(?:[çc]a|tout) remarche|it works now)\b",
    re.IGNORECASE,
)

#: Words that say the matter is done ("c'est fait"): a question asked above them is
#: taken back ("Comment crée-t-on un compte ? ... Je viens de voir que c'est sur
#: moncompte, c'est fait."); with no question above they only tell ("PS : merci pour
#: l'habilitation de mon collègue, c'est fait"), and "dès que c'est fait" tells what
#: comes next. ("c'est réglé" never reaches them: :func:`text.without_denials` cuts
#: its sentence.)
_DONE = LazyPattern(
    r"(?<!\bque )(?<!\bquand )(?<!\blorsque )(?<!\bsi )"
    r"\bc['’]est fait(?= *(?:[.!\n]|$| et [çc]a|, je l['’]ai\b|, j['’]ai\b))",
    re.IGNORECASE,
)

#: A part of every text the patterns above find, lower-cased ("est bon" for "c'est
#: bon", "trouv" for "j'ai trouvé" and "réponse trouvée", "e maintenant" for "ça marche
#: maintenant"): a text without one is not scanned with them (two alternations tried at
#: every character).
_TURN_PARTS = (
    "exprim", "voulais dire", "vraie question", "ma question", "laissez tomber", "oubliez",
    "never mind", "est bon", "ah si", "ah, si", "en fait", "finalement", "c bon", "pardon",
    "trouv", "turer", "fermer", "annuler", "plus lieu", "plus besoin", "e maintenant",
    "e a nouveau", "e à nouveau", "e de nouveau", "remarche", "works now", "faq", "figured",
    "part is", "i found", "est fait", "fini par", "ignore", "clore", "entre-temps",
    "entre temps", "ja envoy", "jà envoy", "ja transmis", "jà transmis", "ja fait parvenir",
    "jà fait parvenir", "viens de voir l", "e apres", "e après", "tait le cache",
    "tait les cache", "tait juste", "tait simplement", "the cache",
)  # fmt: skip
#: the characters a case-insensitive pattern reads as "i" or "s" that lower() does not
#: lower-case to them: a text holding one is scanned whatever its parts
_CASE_ODD = ("ı", "ſ", "İ")


def _may_turn(own: str) -> bool:
    """Could :data:`_TURN`, :data:`_FOUND` or :data:`_WITHDRAWN` find something in
    ``own``?"""
    if not own.isascii() and any(c in own for c in _CASE_ODD):
        return True
    low = own.lower()
    return any(p in low for p in _TURN_PARTS)


#: A turn is read from when it leaves a question of this many words at least after it.
_TURN_MIN_WORDS = 5
#: Turns that say what follows is the matter, asked or told ("ah je vois que c'est ce
#: formulaire-ci. Donc ma vraie question : l'opérateur a le message « modèle
#: indisponible »"): read from, though what follows only tells.
_MATTER_FOLLOWS = LazyPattern(rf"\b(?:{_MATTER_WORDS})\b", re.IGNORECASE)


def _latest_turn(own: str, config: RoutingConfig) -> tuple[str, bool]:
    """The author's words from their last correction that still asks something on
    ("EDIT : en fait c'est bon pour la connexion. Par contre, comment télécharger… ?"
    is a question about downloading) or tells a login failure ("Oubliez ma première
    question. Mon vrai problème : je n'arrive pas à me connecter"); and whether they
    took everything back ("laissez tomber, j'ai trouvé"; or found the answer, "j'ai lu
    votre FAQ : ce n'est pas le cas", and only tell something after it) with nothing
    asked after."""
    if not own or not _may_turn(own):
        return own, False
    turns = [m.start() for p in (_TURN, _WITHDRAWN) for m in p.finditer(own)]
    done = {m.start() for m in _DONE.finditer(own) if "?" in own[: m.start()]}
    turns += done
    found: set[int] = set()
    for m in _FOUND.finditer(own):
        end = _FOUND_END.search(own, m.end())
        turns.append(at := end.end() if end else len(own))
        found.add(at)
    turns.sort()
    if not turns:
        return own, False
    told = {m.start() for m in _MATTER_FOLLOWS.finditer(own)}
    for at in reversed(turns):
        after = own[at:]
        if len(after.split()) >= _TURN_MIN_WORDS and (
            at in told or _asks_or_requests(after) or _tells_login_failure(after, config)
        ):
            return after, False
    last = turns[-1]
    taken_back = last in found or last in done or _WITHDRAWN.search(own, last) is not None
    return own, taken_back and not _asks_or_requests(own[last:])


def _tells_login_failure(said: str, config: RoutingConfig) -> bool:
    """The words tell a login failure (read as a ticket's would be)."""
    return (
        score_login_failure(prepare_text(said, config), config).value
        >= config.thresholds.login_failure_min_confidence
    )


def _asks_or_requests(said: str) -> bool:
    """A question, or a request ("juste la procédure s'il vous plaît")."""
    if "?" in said:
        return True
    norm = text.normalise(said)
    return (
        _asks(norm)
        or any(w in norm for w in _REQUESTS)
        or ("merci de" in norm and _THANKS_TO_DO.search(norm) is not None)
    )


_REQUESTS = ("s il vous plait", "svp", "merci de m", "merci de nous", "please")
#: "merci de" and a verb asks for something ("merci de régler le problème"); "merci de
#: votre aide", "merci de la réponse" thank (read only in a short text that may only
#: thank: compiled on first use, as the engine's other rare patterns)
_THANKS_TO_DO = LazyPattern(
    r"\bmerci de (?!(?:votre|vos|notre|nos|leur|leurs|ton|ta|tes|la|le|les|l|ce|cette|ces)\b)"
    r"[a-z]+(?:er|ir|re)\b"
)


def _transferred(
    parts: text.BodyParts, ticket: Ticket, config: RoutingConfig
) -> text.Forwarded | None:
    """The customer's message a transfer passes on: the author's own words ask nothing,
    say they pass a message on (``matching.transfer_notes``) or come from a state
    mailbox that is not an agent's (a help desk: its words and signature name no state
    service), and the message below is someone else's (not the reporter's own, not
    the support's, not a state service's written to an operator who forwards it).
    Whoever tells a login failure in their own words passes nothing on ("je vous fais
    suivre le mail de notre informaticien. Depuis ce matin, impossible de me
    connecter…"), unless a state mailbox says it passes a message on."""
    if not parts.quoted or "?" in parts.body:
        return None
    norm = text.normalise(parts.body)
    said = _says_transfer(norm, config)
    if (
        _asks(norm)
        or _asks_what_to_reply(norm, config)
        or not _passes_on(norm, said, parts, ticket, config)
    ):
        return None
    if (not said or not _state_mailbox(ticket, config)) and _tells_login_failure(
        parts.body, config
    ):
        # a customer who tells their own login failure over a colleague's mail: their
        # words are the ticket (a help desk's note tells the user's, in its own words,
        # and says it passes the message on: a state mailbox that only tells a login
        # failure over its chief's mail is an agent's own ticket)
        return None
    forwarded = text.forwarded_message(parts)
    if forwarded is not None and _only_relays(forwarded.body, config):
        # a colleague's note that only asks to pass it on ("Pauline, can you ask the
        # French helpdesk? Thx"): the message passed on is the one it forwards
        forwarded = text.forwarded_message(parts, below=1)
    if forwarded is None:
        return None
    if _from_a_state_service(forwarded.email, config) and not _state_mailbox(ticket, config):
        # an operator passes on what their DD wrote to them ("je vous transfère le
        # message de la DDETSPP ainsi que les documents remplis"): the ticket is theirs
        return None
    # neither the reporter's own earlier message nor the support's answer quoted back
    support = "expadon" in f"{forwarded.name} {forwarded.email}".lower()
    return None if _written_by(forwarded, ticket.reporter) or support else forwarded


def _written_by(mail: text.Forwarded, person: Person) -> bool:
    """The quoted mail's header names ``person`` (their mailbox or their name)."""
    return bool(
        (mail.email and mail.email == person.email.strip().lower())
        or (mail.name and text.normalise(mail.name) == text.normalise(person.display_name))
    )


def _asks_what_to_reply(norm: str, config: RoutingConfig) -> bool:
    """The note asks what to tell the sender of the mail it passes on ("merci de me dire
    quoi lui répondre", ``matching.asks_what_to_reply``): the answer is for the author,
    the ticket theirs."""
    note = Words.of(light_keys(norm))
    return (
        config.compiled.asks_what_to_reply.first_match(note, config.matching.phrase_gap) is not None
    )


def _says_transfer(norm: str, config: RoutingConfig) -> bool:
    """The note says it passes a message on (``matching.transfer_notes``)."""
    note = Words.of(light_keys(norm))
    return config.compiled.transfer_notes.first_match(note, config.matching.phrase_gap) is not None


def _from_a_state_service(email: str, config: RoutingConfig) -> bool:
    """The address is a state domain's (an agent's, a DD's or a state help desk's)."""
    domain = email.rpartition("@")[2].strip().lower()
    return bool(domain) and config.compiled.state_domains.holds(domain)


def _state_mailbox(ticket: Ticket, config: RoutingConfig) -> bool:
    """The reporter writes from a state domain."""
    return _from_a_state_service(ticket.reporter.email, config)


def _passes_on(
    norm: str, said: bool, parts: text.BodyParts, ticket: Ticket, config: RoutingConfig
) -> bool:
    """The note (normalised ``norm``) passes a message on, and not as a state agent: a
    transfer phrase (``said``), or a state mailbox whose words and signature name no
    service."""
    c = config.compiled
    if not said and not _state_mailbox(ticket, config):
        return False
    # a state agent passing an operator's file or question on keeps the ticket theirs
    agent = score_evidence(Words.of(c.lexicon.keys(norm)), c.statements["sd"], config, "sd")
    says = any(s.name == "sd.strong" for s in agent.signals)  # "agent à la DDPP", not "signer"
    signature = _signature(parts, ticket.reporter.display_name)
    if not _state_mailbox(ticket, config) or _bare_signature(parts.body):
        # the note's words too: an operator passing on their DD's mail ("je vous transfère
        # le mail de la DDPP") keeps the ticket theirs, and a signature block the mail app
        # did not mark can be the whole note ("Annick Leblanc / Chargée de mission export
        # / DDPP de la Vendée / Liberté / Égalité …"); a state help desk's note names the
        # DD of the operator it passes on ("formulaire signé par la DDPP 35")
        signature = f"{signature} {norm}"
    elif len(lines := parts.body.rstrip().splitlines()) >= _UNMARKED_SIGNATURE_LINES + 1:
        # a state mailbox's note signed on its last lines, with no mark the mail app
        # sees ("… sur son Mac.\nMarc-Antoine Lebon\nDDTM de la Charente-Maritime")
        tail = " ".join(lines[-_UNMARKED_SIGNATURE_LINES:])
        signature = f"{signature} {text.normalise(tail)}"
    words = set(signature.split())
    padded = f" {signature} "
    hit = _signature_hit(c.signature_entries["sd"], c.signature_single["sd"], words, padded)
    return not says and hit is None


#: the last lines of a note read as its signature when the mail app marked none
_UNMARKED_SIGNATURE_LINES = 2


def prepare_text(body: str, config: RoutingConfig) -> TicketText:
    """A bare text (a comment, an example) prepared like a ticket's words."""
    c = config.compiled
    norm = text.normalise(body)
    keys = c.lexicon.keys(norm)
    words = Words.of(keys)
    feats = c.faq_index_features(keys)
    is_question = "?" in body or _asks(norm)
    return TicketText(
        norm, words, words, Words.of(light_keys(norm)), feats, is_question, "", "", False
    )


#: A quoted line's mail header ("De : …", "Sent: …") or reply header ("Le …, X a écrit :").
_QUOTED_HEADER = LazyPattern(
    r"^\s*(?:\**(?:de|from|envoy[ée](?: le)?|sent|date|[àa]|to|cc|objet|subject)\**\s*:"
    r"|(?:le|on)\b.{0,250}(?:a [ée]crit|wrote)\s*:?\s*$)",
    re.IGNORECASE,
)


#: Jira wiki markup's quote marks: {quote}, on a line of its own or before the quoted
#: words, and a "bq." paragraph.
_JIRA_QUOTE = re.compile(r"\{quote\}|^[ \t]*bq\.[ \t]*", re.IGNORECASE)


#: A subject carried over from an earlier mail: "RE: …", "TR: …", "Fwd: …".
_REPLY_SUBJECT = re.compile(
    r"^\s*(?:(?:re|tr|fw|fwd|aw|rep)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


#: A signature block's lines are short: a name, a title, a company, a phone number.
_SIGNATURE_LINE_WORDS = 10
_SIGNATURE_LINES = 8
#: a line of this many words or more that ends with a stop is a sentence
_SENTENCE_WORDS = 4
_ECO_FOOTER = re.compile(r"\bimprimer\b|\bprint(?:ing)? this\b", re.IGNORECASE)


def _subject_asks_over_a_signature(summary: str, body: str) -> bool:
    """A forwarded mail's subject asks ("TR: comment habiliter un collègue ??") and the
    author's own words above the forward are only a signature block or a mail app's
    line ("Benoît ARNAL / Responsable agence / 04 68 …", "Envoyé de mon iPhone"): the
    subject is the question the author sends."""
    subject = _REPLY_SUBJECT.sub("", summary)
    if "?" not in subject and not _asks(text.normalise(subject)):
        return False
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    return (
        "?" not in body
        and len(lines) <= _SIGNATURE_LINES
        and all(_signature_line(ln) for ln in lines)
        and not _asks(text.normalise(body))
    )


def _signature_line(line: str) -> bool:
    """A line a signature block holds: a few words (a phone number's groups of digits
    are not words), not a sentence ("Ci-joint nos documents signés." is one; an
    eco-footer "Pensez à l'environnement avant d'imprimer ce message." is not)."""
    words = [w for w in line.split() if any(ch.isalpha() for ch in w)]
    if len(words) > _SIGNATURE_LINE_WORDS:
        return False
    sentence = line.endswith((".", "!")) and len(words) >= _SENTENCE_WORDS
    return not sentence or _ECO_FOOTER.search(line) is not None


def _thin(own: str, config: RoutingConfig) -> bool:
    """The author's own words hold almost no content word."""
    c = config.compiled
    content = [k for k in c.lexicon.keys(text.normalise(own)) if k not in c.ignore]
    return len(content) <= config.matching.thin_text_words


def _quoted_question(  # noqa: PLR0912 - one branch per way of pointing at the mail below
    parts: text.BodyParts, config: RoutingConfig, summary: str, reporter: Person
) -> str:
    """The quoted mail's own words, when the author's words point at it (or are only a
    signature block, under a subject that asks nothing)."""
    own = parts.body
    c = config.compiled
    norm = text.normalise(own)
    plain = Words.of(light_keys(norm))
    pointer = c.follow_quoted.first_match(plain, config.matching.phrase_gap)
    m = config.matching
    # (a phone number in the signature below "Pouvez-vous regarder ?" says nothing, nor
    # a signature block the mail app did not mark: "Urgent" over "Philippe GARNIER /
    # Directeur / Vergers du Lot")
    above = _above_a_signature_block(own) if "\n" in own else own
    if above is own and _bare_signature(own) and not _subject_asks_over_a_signature(summary, own):
        above = ""  # "Sophie Marchal | Service Qualité / Groupe Valdor – 12 rue …" alone
    said = norm if above is own else text.normalise(above)
    content = len([k for k in c.lexicon.keys(said) if k not in c.ignore and not k.isdigit()])
    passed_on = c.transfer_notes.first_match(plain, m.phrase_gap) is not None
    if _browser_over_a_failure(parts, own, reporter, config):
        pass  # the failure below is the ticket's; the author's words give its browser
    elif passed_on and "?" not in own and not _asks(norm):
        pass  # a message passed on (an agent's colleague's): its question is the ticket's
    elif "?" not in own and _asks_what_to_reply(norm, config):
        pass  # "ma collègue me demande (voir ci-dessous) et je ne sais pas lui répondre"
    elif pointer is not None:
        if content > m.pointer_text_words:
            return ""  # the author asks something of their own as well
    elif _forward_note(parts, summary, above, content, config):
        pass  # "Vous pouvez le rappeler ?" over a forwarded mail asks nothing of its own
    elif "?" in own or content > m.thin_text_words:
        return ""
    if _NO_REPLY_SENDER.search(parts.quoted):
        return ""  # a newsletter or a notice passed on ("FYI") asks the desk nothing
    if (
        "?" not in own
        and not _asks(norm)
        and _from_the_desk(parts)
        and not _still_failing(own, norm, config)
    ):
        # the desk's answer quoted back under words that ask nothing ("Suite à votre
        # réponse ci-dessous, vous trouverez les documents en pièces jointes"): what it
        # answered is settled, unless the author says it still fails or gives the
        # browser it asked for ("même question pour …?" asks again: read on)
        return ""
    lines: list[str] = []
    last = 0  # where the last message quoted in the quote starts
    for raw in parts.quoted.splitlines():
        # (the quote's own marks: "> " and Jira's {quote}, which would quote it again)
        line = _JIRA_QUOTE.sub("", raw).lstrip(" \t>")
        if not _QUOTED_HEADER.match(line):
            lines.append(line)
        elif any(ln.strip() for ln in lines[last:]):
            last = len(lines)
    found = text.split_body("\n".join(lines)).body
    if (
        last
        and (
            not _asks_anything(found)
            or _only_relays(text.split_body("\n".join(lines[:last])).body, config)
        )
        and not _from_the_desk(parts)
    ):
        # the mail passed on asks nothing ("Ce point relève de l'assistance, merci de
        # les contacter") or only asks a colleague to pass it on ("Agnès, tu peux passer
        # ça au support ?"): the question is the one it quotes (unless that mail is the
        # desk's answer: what it quotes is answered)
        deeper = text.split_body("\n".join(lines[last:])).body
        if _asks_anything(deeper):
            return deeper
    return found


def _browser_over_a_failure(
    parts: text.BodyParts, own: str, reporter: Person, config: RoutingConfig
) -> bool:
    """The author passes on someone's login failure and gives its browser in their own
    words, telling no failure themselves ("Ci-dessous le souci remonté par l'équipe de
    nuit. Le poste est resté sous Chrome 108." over "impossible de me connecter"): the
    mail below is the ticket's matter. Not the desk's answer quoted back, nor the
    author's own earlier mail (a reply: "Merci, ça fonctionne de nouveau avec Firefox.
    Autre question : …" over their old failure)."""
    if browser_mod.extract_browser(own) is None or _tells_login_failure(own, config):
        return False
    mail = text.forwarded_message(parts)
    if mail is None or _sent_by_the_desk(mail) or _written_by(mail, reporter):
        return False
    return _tells_login_failure(parts.quoted, config)


#: A forward's subject: "TR: …", "Fwd: …", "RE: TR: …"
_FORWARD_SUBJECT = re.compile(
    r"^\s*(?:(?:re|rép|rep|aw)\s*(?:\[\d+\])?\s*:\s*)*(?:tr|fw|fwd|wg)\s*(?:\[\d+\])?\s*:",
    re.IGNORECASE,
)
#: A forward's banner at the top of the quoted mail ("-------- Message transféré
#: --------", "---------- Forwarded message ---------", "-----Message d'origine-----")
_FORWARD_BANNER = re.compile(
    r"transf[ée]r[ée]|forwarded|message d'origine|original message", re.IGNORECASE
)
#: how far into the quote its banner is looked for
_FORWARD_BANNER_CHARS = 300


def _forward_note(
    parts: text.BodyParts, summary: str, said: str, content: int, config: RoutingConfig
) -> bool:
    """The author's few words over a mail they forward ask nothing the desk answers (no
    login failure, no entry as close as ``thresholds.forward_note_max_confidence``:
    "Vous pouvez le rappeler ?", "Forwarding this. Could you look into it?"), and the
    forwarded mail asks or tells a login failure. Not a reply's quote (the author's own
    earlier mail, the desk's answer), nor a signature under a subject that asks."""
    limit = config.thresholds.forward_note_max_confidence
    if limit <= 0 or content > config.matching.pointer_text_words:
        return False
    forward = _FORWARD_SUBJECT.match(summary) is not None or (
        _FORWARD_BANNER.search(parts.quoted[:_FORWARD_BANNER_CHARS]) is not None
    )
    if not forward:
        return False
    mail = text.forwarded_message(parts)
    if (
        mail is None
        or _sent_by_the_desk(mail)
        or _subject_asks_over_a_signature(summary, parts.body)
        or _tells_login_failure(said, config)
        # (a mail that asks nothing and tells no failure is news passed on: "votre
        # société doit demander son habilitation", a DD's answer)
        or not (_asks_anything(mail.body) or _tells_login_failure(mail.body, config))
    ):
        return False
    closest = _closest_to(text.normalise(said), config)
    return closest is None or closest.score < limit


def _still_failing(own: str, norm: str, config: RoutingConfig) -> bool:
    """The author's words over the desk's quoted answer say the trouble goes on ("rien
    n'y fait", "still not working": ``conversation.thanks.negative``) or name the browser
    the desk asked for ("Voici : Chrome 96")."""
    c = config.compiled
    words = Words.of(c.lexicon.keys(norm))
    if c.thanks.negative.first_match(words, config.matching.phrase_gap) is not None:
        return True
    return browser_mod.extract_browser(own) is not None


def _from_the_desk(parts: text.BodyParts) -> bool:
    """The first quoted mail's sender is the desk (its name or its mailbox)."""
    first = text.forwarded_message(parts)
    return first is not None and _sent_by_the_desk(first)


def _sent_by_the_desk(mail: text.Forwarded) -> bool:
    """The quoted mail's sender is the desk (its name or its mailbox)."""
    return _DESK_QUOTED.search(f"{mail.name} {mail.email}") is not None


#: a mail this short at most may only relay another ("Pauline, can you ask the French
#: helpdesk? Thx")
_RELAY_MAIL_WORDS = 20


def _only_relays(said: str, config: RoutingConfig) -> bool:
    """A short mail (``_RELAY_MAIL_WORDS`` at most) that asks a colleague to pass the
    message on to the desk (``matching.relay_requests``): too short to ask the desk
    anything of its own beside that."""
    if len(said.split()) > _RELAY_MAIL_WORDS:
        return False
    c = config.compiled
    plain = Words.of(light_keys(c.lexicon.respell(text.normalise(said))))
    return c.relay_requests.first_match(plain, config.matching.phrase_gap) is not None


def _asks_anything(said: str) -> bool:
    """A question mark or a question word."""
    return "?" in said or _asks(text.normalise(said))


#: A salutation that names the desk ("Dear Support Team,", "Bonjour l'équipe support
#: Expadon,"): who the mail is for, not what it asks ("How can I contact the support
#: team?"). Only a first line made of a greeting and these words is one: "Bonjour, je
#: suis au service export de la DDPP" says who writes.
_GREETINGS = frozenset(
    {"dear", "hello", "hi", "good", "morning", "afternoon", "bonjour", "bonsoir", "madame",
     "monsieur", "messieurs", "attention"}
)  # fmt: skip
_DESK_WORDS = frozenset(
    {"support", "team", "équipe", "equipe", "assistance", "helpdesk", "help", "desk",
     "service", "expadon", "certificats", "certificat", "customer"}
)  # fmt: skip
_ADDRESS_WORDS = _GREETINGS | _DESK_WORDS | frozenset(
    {"the", "all", "l", "la", "le", "les", "de", "du", "des", "d", "à", "a", "2", "cher",
     "chère", "chers", "tout", "toute", "toutes", "responsable"}
)  # fmt: skip
_WORD = re.compile(r"\w+")


def _without_salutation(body: str) -> str:
    first, newline, rest = body.partition("\n")
    if not newline or len(first) > 60:
        return body
    words = _WORD.findall(first.lower())
    if (
        words
        and words[0] in _GREETINGS
        and not _DESK_WORDS.isdisjoint(words)
        and _ADDRESS_WORDS.issuperset(words)
    ):
        return rest
    return body


#: A mail sent from an address that takes no answer: a newsletter, a notice
_NO_REPLY_SENDER = re.compile(
    r"[<\s:](?:no-?reply|ne-?pas-?r[ée]pondre|nepasrepondre|do-?not-?reply)@", re.IGNORECASE
)


def _above_a_signature_block(own: str) -> str:
    """The author's words above the blank line after which every line is a signature
    block's (a name, a title, a company, "Begin forwarded message:"), or all of them."""
    if own.lstrip().startswith("--"):
        return ""  # the signature's own mark opens the mail: no words of the author's
    paragraphs = own.strip().split("\n\n")
    rest = [ln.strip() for p in paragraphs[1:] for ln in p.splitlines() if ln.strip()]
    if rest and len(rest) <= _SIGNATURE_LINES and all(_signature_line(ln) for ln in rest):
        return paragraphs[0]
    return own


def _bare_signature(own: str) -> bool:
    """The author's words are one block of two or more signature lines and ask nothing
    ("Nathalie Kerbrat / Déclarante en douane / 29 quai de la Douane")."""
    if "?" in own or "\n\n" in own.strip():
        return False
    lines = [ln for ln in own.splitlines() if ln.strip()]
    return (
        1 < len(lines) <= _SIGNATURE_LINES
        and all(_signature_line(ln.strip()) for ln in lines)
        and not _asks(text.normalise(own))
    )


def _signature(parts: text.BodyParts, display_name: str) -> str:
    """The signature lines of a message and the sender's name, normalised."""
    # (a rule of underscores, the separator above an Outlook forward, is no signature)
    sig_lines = [ln for ln in parts.signature.splitlines() if any(ch.isalnum() for ch in ln)]
    if not sig_lines or all(_DEVICE_LINE.match(ln) for ln in sig_lines):
        # no closing formula, or only a phone's "Envoyé de mon iPhone": the last short
        # lines may still be a signature
        # (not the first line: a one-line message is the message, "attached the cerfa
        # signed by DDPP for our habilitation, thanks")
        tail = [ln for ln in parts.body.splitlines() if ln.strip()][1:][-3:]
        sig_lines = [ln for ln in tail if len(ln.split()) <= 10 and not ln.rstrip().endswith(".")]
    return text.normalise("\n".join([*sig_lines, display_name]))


def _prepare(  # noqa: PLR0917 - the parts of one ticket, prepared once
    body: str,
    own: str,
    parts: text.BodyParts,
    ticket: Ticket,
    config: RoutingConfig,
    customer_texts: Sequence[str],
    read_quoted: bool,
) -> TicketText:
    c = config.compiled
    norm = text.normalise(body)
    keys = c.lexicon.keys(norm)
    words = Words.of(keys)
    own_words = Words.of(c.lexicon.keys(text.normalise(own))) if read_quoted else words
    feats = c.faq_index_features(keys)
    raw_q = "?" in ticket.summary or "?" in parts.body or any("?" in t for t in customer_texts)
    heard = _idioms_read(c.lexicon.respell(norm))  # as the guards read the words
    is_question = raw_q or ("?" in body and read_quoted) or _asks(heard)
    signature = _signature(parts, ticket.reporter.display_name)
    email = ticket.reporter.email.strip().lower()
    domain = email.rpartition("@")[2] if "@" in email else ""
    return TicketText(
        norm,
        words,
        own_words,
        Words.of(light_keys(heard)),
        feats,
        is_question,
        signature,
        domain,
        read_quoted,
        # (what the author says the ticket is not about asks nothing: "j'allais vous
        # demander comment vous contacter, mais …")
        text.without_denials(
            "\n".join([*_asking_subject(ticket.summary, parts.body), parts.body, *customer_texts])
        ),
        clean_description=parts.body,
        subject=ticket.summary,
    )


def _asking_subject(summary: str, body: str) -> tuple[str, ...]:
    """The subject, when it asks the ticket's questions itself ("comment créer mon compte
    et comment télécharger un modèle ?") and the description asks none, or when the
    description goes on from it ("Où trouver la liste des modèles ?" then "Bonjour, et
    aussi : comment créer un compte ?"): a question of its own beside the others."""
    if not summary or _REPLY_SUBJECT.match(summary):
        return ()
    if "?" not in summary and not _asks(text.normalise(summary)):
        return ()  # (most subjects: the description is not read again)
    said = text.normalise(body)
    if _GOES_ON.match(said) or not said:
        # (or the subject is all the author wrote: "Comment télécharger le modèle +
        # comment vous contacter")
        return (summary,)
    if "?" not in summary or "?" in body:
        return ()
    if body.strip() and _asks(said):
        return ()  # the description asks in its own words: the subject only names it
    return (summary,)


#: A description that goes on from its subject: "(Bonjour,) et aussi…", "… aussi savoir"
_GOES_ON = re.compile(
    r"^(?:(?:bonjour|bonsoir|hello|hi|madame|monsieur|salut)\b[^a-z]*)?"
    r"(?:et\b|aussi\b|also\b|and also\b|par ailleurs\b|autre (?:question|chose|point)\b"
    r"|another (?:question|thing)\b|[^.?!\n]{0,40}\baussi (?:savoir|a savoir|demander)\b)"
)


# --------------------------------------------------------------------------- evidence


class Score(NamedTuple):
    value: float  # 0..1
    signals: tuple[Signal, ...]
    raw: float = 0.0  # the uncapped sum (can exceed 1): how much evidence there is


def score_evidence(words: Words, ev: CompiledEvidence, config: RoutingConfig, name: str) -> Score:
    """Add up the weights of the phrases and pairs found (capped to 0..1).

    Negative phrases only take evidence away, and are looked at only when something
    positive was found.
    """
    if ev.firsts.isdisjoint(words.present):
        return _NO_EVIDENCE
    w = config.weights
    gap = config.matching.phrase_gap
    total = 0.0
    fired: list[Signal] = []
    for kind, weight, ps in (("strong", w.strong, ev.strong), ("medium", w.medium, ev.medium)):
        if ps.empty:
            continue
        for hit in ps.all_matches(words, gap):
            total += weight
            fired.append(Signal(f"{name}.{kind}", True, hit, weight))
    if total > 0 and not ev.negative.empty:
        for hit in ev.negative.all_matches(words, gap):
            total -= w.negative
            fired.append(Signal(f"{name}.negative", True, hit, -w.negative))
    return Score(max(0.0, min(1.0, total)), tuple(fired), total)


_NO_EVIDENCE = Score(0.0, ())


# --------------------------------------------------------------------------- population


@dataclass(frozen=True, slots=True)
class PopulationResult:
    population: Population
    confidence: float
    signals: tuple[Signal, ...]


def detect_population(ticket: Ticket, tt: TicketText, config: RoutingConfig) -> PopulationResult:
    """Operator or services déconcentrés: statements > signature > e-mail > portal."""
    pc = config.population
    w = pc.weights
    sd = op = 0.0
    sig: list[Signal] = []

    c = config.compiled
    s_sd = score_evidence(tt.own_words, c.statements["sd"], config, "population.sd")
    s_op = score_evidence(tt.own_words, c.statements["operateur"], config, "population.operateur")
    sd += w.statement * s_sd.value
    op += w.statement * s_op.value
    sig += s_sd.signals + s_op.signals
    if s_sd.value == 0 and s_op.value == 0:
        sig.append(Signal("population.statement", False, "nobody says who they are", 0.0))

    words = set(tt.signature.split())
    padded = f" {tt.signature} "
    for side in ("sd", "operateur"):
        hit = _signature_hit(c.signature_entries[side], c.signature_single[side], words, padded)
        if hit:
            weight = w.signature
            if side == "sd":
                sd += weight
            else:
                weight = w.signature if w.business_signature is None else w.business_signature
                op += weight
            sig.append(Signal(f"population.{side}.signature", True, hit, weight))

    domain = tt.email_domain
    if domain:
        if c.state_domains.holds(domain):
            sd += w.email_state
            sig.append(Signal("population.sd.email_domain", True, domain, w.email_state))
        elif c.personal_domains.holds(domain):
            op += w.email_personal
            sig.append(
                Signal("population.operateur.personal_mailbox", True, domain, w.email_personal)
            )
        else:
            op += w.email_company
            sig.append(Signal("population.operateur.email_domain", True, domain, w.email_company))
    else:
        sig.append(Signal("population.email_domain", False, "no e-mail", 0.0))

    portal = ticket.service_desk
    if portal == pc.portals.get(Population.SERVICES_DECONCENTRES):
        sd += w.portal
        sig.append(Signal("population.sd.portal", True, f"portal {portal}", w.portal))
    elif portal == pc.portals.get(Population.OPERATEUR):
        op += w.portal
        sig.append(Signal("population.operateur.portal", True, f"portal {portal}", w.portal))

    sig += _transfer_signal(tt)
    pop = Population.SERVICES_DECONCENTRES if sd > op else Population.OPERATEUR
    margin = abs(sd - op)
    confidence = 0.5 + 0.5 * (1.0 - math.exp(-margin / config.thresholds.population_scale))
    sig.append(Signal("population.total", True, f"sd={sd:.2f} operateur={op:.2f}", margin))
    return PopulationResult(pop, round(confidence, 3), tuple(sig))


def _transfer_signal(tt: TicketText) -> list[Signal]:
    if not tt.transferred_from:
        return []
    return [Signal("population.transferred", True, f"read as {tt.transferred_from}'s", 0.0)]


def _signature_hit(
    entries: tuple[str, ...], single: frozenset[str], words: set[str], padded: str
) -> str | None:
    """The first entry found in the signature: one word, or several in a row
    ("export de", "clinique veterinaire"), as whole words."""
    if len(entries) == len(single) and single.isdisjoint(words):
        return None
    for x in entries:
        if (x in words) if " " not in x else (f" {x} " in padded):
            return x
    return None


# --------------------------------------------------------------------------- FAQ


class FaqScore(NamedTuple):
    """One FAQ entry as the examples see the ticket (a named tuple: made for every entry
    of every ticket, it is built in a third of a frozen dataclass's time)."""

    faq_id: str
    confidence: float  # the example similarity, with the question bonus
    signals: tuple[Signal, ...]
    #: the population may receive this entry's answer
    eligible: bool
    #: the closest examples of this entry, best first
    nearest: tuple[NearestExample, ...] = ()
    #: why a guard forbids answering it ("never: …", "requires: …"), or ""
    blocked: str = ""
    #: the entry that took this one's question over (``takes_over``), or ""
    taken_by: str = ""

    @property
    def answerable(self) -> bool:
        return self.eligible and not self.blocked

    @property
    def only_taken_over(self) -> bool:
        """Another entry took this one's question over, and its own guards allow it
        (``blocked`` is the take-over's reason, not a ``never`` or ``requires`` of its
        own)."""
        return bool(self.taken_by) and self.blocked.startswith(TAKEN_OVER)


#: how ``FaqScore.blocked`` starts for an entry another one took over
TAKEN_OVER = "taken over by"


def example_blocked(example: str, fid: str, config: RoutingConfig) -> str:
    """Why entry ``fid``'s own guards would forbid answering its ``example`` ("never:
    pdf", "requires: none of its words"), or "": such an example teaches words the entry
    is never answered with. (Read as a ticket of the entry's first population.)"""
    entry = config.faq[fid]
    population = next(iter(entry.populations))
    tt = prepare_text(example, config)
    g = config.compiled.guards[fid]
    blocked, _ = _guard(tt, fid, g=g, silenced=None, population=population, config=config)
    return blocked


def _asked_apart(
    tt: TicketText,
    fid: str,
    never: PhraseSet,
    config: RoutingConfig,
    floor: float | None = None,
) -> bool:
    """One of the author's questions, read alone, asks this entry (at least ``floor``
    close, ``several_questions_min_confidence`` by default), and the guard word sits
    elsewhere ("ci-joint mes documents. Au passage, à quoi sert … ?"), or only before
    the question's own sentence, which asks the entry at least
    ``guard_before_question_min_confidence`` close (unless the word is one the entry's
    answer says: "j'ai consulté Info.Com : le modèle n'y est pas. Comment savoir quel
    modèle est en ligne ?" has done what the answer would tell): the guard is about the
    question, not about everything else the ticket says."""
    if not tt.own_text:
        return False
    floor = config.thresholds.several_questions_min_confidence if floor is None else floor
    gap = config.matching.phrase_gap
    asked = own_questions(tt, config)
    if any(
        q.top.entry_id == fid and q.top.score >= floor and never.first_match(q.words, gap) is None
        for q in asked
    ):
        return True
    # the guard word in a sentence before the question's own, which asks the entry
    # closely alone: "(la messagerie pro ne marche pas). Comment télécharger le modèle … ?"
    c = config.compiled
    close = max(floor, config.thresholds.guard_before_question_min_confidence)
    if close >= 1.0:
        return False  # (turned off: a similarity is at most 1)
    for q in asked:
        if q.top.entry_id != fid or not (last := _last_sentence(q.text)):
            continue
        hit = never.first_match(q.words, gap)
        if hit is not None and _says_in_answer(hit, fid, config):
            continue  # (what the answer would tell them: "j'ai consulté Info.Com : …")
        norm = text.normalise(last)
        if never.first_match(Words.of(light_keys(c.lexicon.respell(norm))), gap) is not None:
            continue
        alone = _closest_to(norm, config)
        if alone is not None and alone.entry_id == fid and alone.score >= close:
            return True
    return False


def _says_in_answer(phrase: str, fid: str, config: RoutingConfig) -> bool:
    """Does entry ``fid``'s answer say ``phrase`` (whole words)?"""
    return f" {text.normalise(phrase)} " in f" {text.normalise(config.faq[fid].answer)} "


def _lifted(hit: str, g: Guards, plain: Words, gap: int) -> str | None:
    """The never word that still holds once ``never_unless`` is applied, or None."""
    for words, when, rest in g.never_unless:
        if hit in words and when.first_match(plain, gap) is not None:
            return rest.first_match(plain, gap)
    return hit


def _guard(
    tt: TicketText,
    fid: str,
    *,
    g: Guards,
    silenced: str | None,
    population: Population,
    config: RoutingConfig,
) -> tuple[str, str]:
    """(why the entry's guards forbid answering it, or ""; the never word they let
    pass because it sits outside the question that asks the entry, or "")."""
    gap = config.matching.phrase_gap
    plain = tt.plain
    apart = ""
    hit = silenced
    if hit is None and (g.never.phrases or g.never.pairs):
        hit = g.never.first_match(plain, gap)
        if hit is not None and g.never_unless:
            hit = _lifted(hit, g, plain, gap)
    # (the ticket-wide never_answer phrase lets a question pass only when it is closer)
    never, floor = (
        (g.never, None)
        if silenced is None
        else (config.compiled.never_answer, config.thresholds.silenced_question_min_confidence)
    )
    if hit is not None and _asked_apart(tt, fid, never, config, floor):
        apart, hit = hit, None  # the guard is about the question; the others still hold
    if hit is not None:
        return f"never: {hit}", apart
    required = (
        (g.requires, "requires"),
        (g.requires_also, "requires_also"),
        (g.requires_when.get(population), "requires_when"),
        # (named so that no take-over lifts it: its words say whom a question is about,
        # not that the text asks one)
        (None if tt.is_question else g.requires_unasked, "unasked: requires_when_unasked"),
    )
    unmet = [
        (words, name)
        for words, name in required
        if words is not None and not words.empty and words.first_match(plain, gap) is None
    ]
    if unmet:  # (the text read with its typos: "adminstrateur" is "administrateur")
        near = _typos_read(tt, config)
        for words, name in unmet:
            if near is None or words.first_match(near, gap) is None:
                where = f".{population.value}" if name == "requires_when" else ""
                return f"{name}{where}: none of its words", apart
    return "", apart


def _typos_read(tt: TicketText, config: RoutingConfig) -> Words | None:
    """The guards' words with each one a typo from a required word read as it, or None
    when none is (read once per ticket, on first need)."""
    if not tt.typos_read:
        c = config.compiled
        tt.typos_read = True
        tt.plain_typos = c.required_near.corrected(tt.plain, c.lexicon)
    return tt.plain_typos


def score_faqs(tt: TicketText, population: Population, config: RoutingConfig) -> list[FaqScore]:
    """Every FAQ entry whose examples share something with the text, best first."""
    c = config.compiled
    gap = config.matching.phrase_gap
    bonus = config.matching.question_bonus
    unasked = config.matching.unasked_factor
    out: list[FaqScore] = []
    plain = tt.plain
    silenced = c.never_answer.first_match(plain, gap)
    is_question = tt.is_question
    faq, guards = config.faq, c.guards
    # (signals and scores made with tuple.__new__, the signal names compiled with the config:
    # some twenty named tuples per ticket, each twice as fast)
    for es in c.faq_index.scores(tt.features, hidden=True):
        fid = es.entry_id
        if fid == UNANSWERED:
            tt.unanswered = es
            continue
        entry = faq[fid]
        names = c.faq_signal_names[fid]
        value = es.score
        sig: list[Signal] = []
        nearest = es.nearest
        if nearest:
            best = nearest[0]
            sig.append(_new(Signal, (names[0], True, best.text, best.score)))
        if is_question:
            value = min(1.0, value + bonus)
        elif entry.requires_question:
            value *= unasked
            sig.append(_new(Signal, (names[1], False, "no question asked", 0.0)))
        blocked, apart = _guard(
            tt, fid, g=guards[fid], silenced=silenced, population=population, config=config
        )
        if apart:
            sig.append(Signal(names[2], False, f"never: {apart}, not in the question", 0.0))
        if blocked:
            sig.append(_new(Signal, (names[2], True, blocked, 0.0)))
        out.append(
            _new(
                FaqScore,
                (
                    fid,
                    round(value, 3),
                    tuple(sig),
                    population in entry.populations,
                    nearest,
                    blocked,
                    "",  # taken_by: see _take_over (every field given: no defaults here)
                ),
            )
        )
    out = _asked_alone(out, tt, config)
    out = _take_over(out, tt, population, config)
    out = [_for_population(f, tt, population, config) if f.eligible else f for f in out]
    # best first; equal confidences keep the index's order (a stable sort, reversed)
    out.sort(key=_confidence, reverse=True)
    return out


def _for_population(
    f: FaqScore, tt: TicketText, population: Population, config: RoutingConfig
) -> FaqScore:
    """``f``, not eligible when its entry's ``min_confidence_when`` or ``never_when``
    keeps its answer from this population: the ticket is about the entry, and no other
    entry is answered in its place."""
    entry = config.faq[f.faq_id]
    why = ""
    if not answered_to(entry, population, f.confidence):
        floor = entry.min_confidence_when[population]
        why = f"min_confidence_when.{population.value}: {f.confidence:.2f} < {floor:.2f}"
    elif words := config.compiled.guards[f.faq_id].never_when.get(population):
        hit = words.first_match(tt.plain, config.matching.phrase_gap)
        why = f"never_when.{population.value}: {hit}" if hit is not None else ""
    if not why:
        return f
    sig = Signal(f"faq.{f.faq_id}.population", False, why, 0.0)
    return f._replace(eligible=False, signals=(*f.signals, sig))


def answered_to(entry: FaqEntry, population: Population | None, closeness: float) -> bool:
    """May a ticket of ``population`` this close to ``entry`` get its answer? (Its
    populations, and its ``min_confidence_when`` for this one.)"""
    if population is None:
        return True
    if population not in entry.populations:
        return False
    floor = entry.min_confidence_when.get(population)
    return floor is None or closeness >= floor - 1e-9


def _asked_alone(faqs: list[FaqScore], tt: TicketText, config: RoutingConfig) -> list[FaqScore]:
    """The author's questions, each read alone, all closest to one entry: that entry is
    at least as close as its question ("… nous voulons être habilités. Quelle est la
    marche à suivre ?" said in a letter that dilutes it). Questions closest to two or
    more entries change nothing (see :func:`several_questions`). (The questions are now
    cut and scored for every ticket, not only when two entries are close: +8 % machine
    instructions per decision, for +14 exact decisions over 7,272 labelled tickets.)"""
    if not tt.own_text or not faqs:
        return faqs
    asked = own_questions(tt, config)
    if not asked or any(q.top.entry_id != asked[0].top.entry_id for q in asked):
        return faqs
    fid = asked[0].top.entry_id
    value = max(q.top.score for q in asked) + config.matching.question_bonus
    return [
        f._replace(confidence=round(min(1.0, value), 3))
        if f.faq_id == fid and not f.blocked and value > f.confidence
        else f
        for f in faqs
    ]


def _take_over(
    faqs: list[FaqScore], tt: TicketText, population: Population, config: RoutingConfig
) -> list[FaqScore]:
    """Apply the entries' ``takes_over``: when one of its words is said in a ticket of
    its populations, the rivals an entry takes over are not answered, and their
    closeness counts for it (the words say whom the question is about: its own
    ``requires`` is met by them, its ``never`` still holds)."""
    gap = config.matching.phrase_gap
    for fid, g in config.compiled.guards.items():
        if g.takes_over is None or population not in g.takes_over[2]:
            continue
        taken, words, _ = g.takes_over
        given = [f for f in faqs if f.faq_id in taken]
        hit = words.first_match(tt.plain, gap) if given else None
        if hit is None:
            continue
        if any(f.faq_id == fid and f.blocked.startswith("never") for f in faqs):
            continue  # its own never words forbid it: it takes nothing over
        best = max(given, key=lambda f: f.confidence)
        eligible = population in config.faq[fid].populations
        lift = Signal(f"faq.{fid}.takes_over", True, f"{hit}: {best.faq_id}", best.confidence)
        faqs = [_taken_or_lifted(f, fid, taken, hit, best.confidence, lift) for f in faqs]
        if not any(f.faq_id == fid for f in faqs):
            faqs.append(FaqScore(fid, best.confidence, (lift,), eligible))
    return faqs


def _taken_or_lifted(  # noqa: PLR0917 - one score and what the take-over says of it
    f: FaqScore, fid: str, taken: frozenset[str], hit: str, value: float, lift: Signal
) -> FaqScore:
    """``f`` after entry ``fid`` took over the entries ``taken`` (``hit`` said)."""
    if f.faq_id in taken:
        why = f"{TAKEN_OVER} {fid}: {hit}"
        guard = Signal(f"faq.{f.faq_id}.guard", True, why, 0.0)
        return f._replace(blocked=f.blocked or why, signals=(*f.signals, guard), taken_by=fid)
    if f.faq_id == fid:
        return f._replace(
            confidence=max(f.confidence, value),
            blocked="" if f.blocked.startswith("requires") else f.blocked,
            signals=(*f.signals, lift),
        )
    return f


_new = tuple.__new__
_confidence = operator.itemgetter(1)


#: A question of fewer words after another one ("À quelle adresse ?", "Qui contacter en
#: premier ?") goes on with it: it is not a second question.
ELLIPTICAL_WORDS = 5
#: a remark whose only question mark is an aside ("la recherche ne renvoie rien (bug
#: ?)", "(normal ?)"): it reports, it asks nothing the FAQ answers
_ASIDE_ONLY = re.compile(r"^[^?(]*\(\s*\w+\s*\?\s*\)?[^?]*$")
#: a note to a colleague that only asks them to pass the mail on is this short
RELAY_WORDS = 10


#: a question mark that ends no question: it closes a parenthesis
_ASIDE_MARK = re.compile(r"\?(?!\s?\))")


def _question_parts(own: str, respell: Callable[[str], str]) -> list[str]:
    """The text cut where one question ends and the next may begin: after "?" (kept
    with its question), at a line break, where a second question is joined to the
    first (:func:`_clauses`). What ``re.split`` on "a look-behind for '?' or a newline"
    gives, with ``str.split`` (the pattern was tried at every character)."""
    out: list[str] = []
    lines = own.split("\n")
    if "1" in own:  # "1) comment … 2) comment …" on one line: one question a member
        lines = [p for line in lines for p in _enumerated(line, respell)]
    lines = [p for line in lines for p in _ANNOUNCED_NEXT.split(line)]
    if " + " in own:  # "Comment télécharger le modèle + comment vous contacter"
        lines = [p for line in lines for p in _plus_joined(line, respell)]
    for line in lines:
        if "?" in line:
            # (a "?" closing an aside, "(un formulaire dédié ?)", ends no question)
            *asked, rest = (
                _ASIDE_MARK.split(line) if "?)" in line or "? )" in line else line.split("?")
            )
            for p in asked:
                out += _clauses(p + "?", respell)
            out += _clauses(rest, respell)
        else:
            out += _clauses(line, respell)
    return out


def _plus_joined(line: str, respell: Callable[[str], str]) -> list[str]:
    """The line cut before each "+" that joins a second question to the first, often in
    a subject ("Modèle Chine en ligne ? + comment télécharger le pdf"): a question word
    follows it, and "+" is the second question's list marker ("un formulaire + une
    liste de pièces" joins no question)."""
    out = [line]
    asks = line.rstrip().endswith("?")
    # (a short line that asks, a subject's way, joins two matters by "+" whatever follows
    # it: "Modèles en ligne + téléchargement du modèle ?")
    pair = asks and len(line.split()) <= _PLUS_SHORT_LINE
    for m in reversed(list(_PLUS.finditer(line))):
        # (in a line that asks, a verb after "+" opens a question too: "modèles en ligne
        # + télécharger le pdf ?"; the piece before it asks what the line asks)
        if (
            pair
            or _question_word_at(line, m.end(), respell)
            or (asks and _INFINITIVE.match(line, m.end()) is not None)
        ):
            head = out.pop(0)
            first = head[: m.start()]
            if asks and "?" not in first:
                first += " ?"
            out[:0] = [first, head[m.start() :].lstrip()]
    return out


_PLUS = re.compile(r"\s+\+\s+")
#: a line that asks and has this many words at most is a subject's pair of matters
_PLUS_SHORT_LINE = 10
#: a verb's infinitive ("télécharger", "savoir", "créer"; not "notre", "votre", "autre")
_INFINITIVE = re.compile(r"(?!(?:notre|votre|autre|entre)\b)\w{2,}(?:er|ir|re)\b", re.IGNORECASE)


#: A sentence that opens with words announcing another matter ("… solliciter. Par
#: ailleurs, où …"): the sentence before it is a part of its own.
_ANNOUNCED_NEXT = re.compile(
    r"(?<=[.!])\s+(?=(?:par ailleurs|au passage|(?:et )?au fait|by the way|autre question"
    r"|d['’]autre part|de plus|enfin|sinon|autre chose|also|another question"
    r"|(?:et )?de (?:notre|mon) c[ôo]t[ée]"
    # (dictated: "… faire les certificats aussi point et puis aussi comment on télécharge …")
    r"|et (?:puis )?aussi|puis aussi"
    r"|autre (?:point|sujet)|en revanche|par contre|on (?:a|another) (?:note|matter))\b)"
    # "j'ai deux questions, la première comment …, la deuxième comment …" (dictated)
    r"|(?<=[,;.])\s+(?=(?:la|le|en)\s+(?:deuxi[eè]me|seconde?|troisi[eè]me)\s"
    r"|deuxi[eè]mement|troisi[eè]mement|secondly|thirdly)"
    # dictated with no punctuation: "… première question comment … deuxième question
    # comment …"
    r"|\s+(?=(?:deuxi[eè]me|seconde?|troisi[eè]me|second|third) question\b)"
    # "… j'ai deux questions. Un, comment … Deux, comment …" (dictated numbers)
    r"|(?<=[,;.])\s+(?=(?:deux|trois|two|three)(?:\s*[,:]|\s+(?:comment|o[uù]|quels?|quelles?"
    r"|pourquoi|combien|est[- ]ce|qui|how|what|where|which|why)\b))",
    re.IGNORECASE,
)


#: ", et …", " and also …", " et sinon …", ", et si oui …": where a second question may
#: be joined to the first; it is one when a question word follows (:func:`_clauses`).
_JOINED_QUESTION = re.compile(
    r",?\s+(?:et|puis|and|sinon|ainsi que|as well as|ni|nor)"
    r"(?:\s+(?:aussi|puis|sinon|ensuite|[ée]galement|also|then|si oui,?|if so,?"
    r"|au passage,?|par ailleurs,?|d['’]autre part,?"
    # "…, et deux comment je sais quels modèles sont en ligne" (a dictated list)
    r"|deux,?|trois,?|deuxi[eè]mement,?|secundo,?|secondly,?|two,?))?"
    # "… et euh comment on télécharge …" (dictated)
    r"(?:\s+(?:euh|heu|hum),?)?\s+",
    re.IGNORECASE,
)
#: "…, et par quel formulaire vous contacter ?": a question word after a preposition
#: ("et dans quel délai" hangs on the question before it)
_PREPOSED_QUESTION = re.compile(
    r"(?:par|avec|sur|à|a|by|with|on)\s+(?:quel|quelle|quels|quelles|qui|what"
    r"|which|whom)\b",
    re.IGNORECASE,
)
_JOINS = (" et ", " and ", " puis ", " sinon ", " ainsi que ", " as well as ", " ni ", " nor ")
#: "…, et avec le rôle d'administrateur local est-ce que je peux …": a complement, then
#: "est-ce que" (within the same clause)
_ASKED_AFTER_A_COMPLEMENT = re.compile(
    r"(?:avec|pour|sur|dans|concernant|quant [àa])\s[^,;:?.!]{0,60}?\best[- ]ce qu", re.IGNORECASE
)
#: "… en ligne et une fois la demande lancée comment on télécharge le modèle": a clause of
#: time between the join and the second question's word
_LATER = re.compile(r"(?:une fois|apr[eè]s|ensuite|once|after)\b", re.IGNORECASE)
#: how far after such a clause's first word its question word may come
_LATER_REACH = 60
#: the words a first question needs before such a clause ("Bonjour, et une fois …" opens one)
_LATER_AFTER_WORDS = 4
#: "… et où je vois la liste ?": "où" asks, but unaccented it is "ou" (or), which the
#: question words leave out; after "et", before a subject or a verb, it asks.
_WHERE_JOINED = re.compile(
    r"o[uù] (?:je|j['’]|on|nous|vous|peut|puis|trouv|voi|est|se|sont"
    # "… et aussi où consulter la liste": where to do it
    r"|consult|t[ée]l[ée]charg|obten|r[ée]cup[ée]r|envoy|adress|d[ée]pos|v[ée]rifi"
    r"|regard|acc[ée]d|[ée]cri)"
    # an indirect question: "pouvez-vous me dire à quoi sert X, et si un opérateur …"
    r"|si (?:un|une|le|la|les|l['’]|on|je|j['’]|nous|vous|il|elle|ils|elles|mon|ma|mes"
    r"|notre|nos|son|sa|ses|leur|leurs|cet|cette|ce|ces|c['’]est|ça|cela)\b"
    # "… et aussi s'il existe un numéro pour vous appeler"
    r"|s['’]ils? ",
    re.IGNORECASE,
)
#: ", et si non, quelle …", ", and if not, what …", ", et si oui, comment …": a question
#: asked in case the answer to the one before is no (or yes), joined to it in one
#: sentence (group 1: its own words, which :data:`_OTHERWISE` reads; then the question
#: word)
_JOINED_OTHERWISE = re.compile(
    r"[,;]?\s+(?:(?:et|mais|and|but),?\s+)?"
    r"((?:si non|sinon(?!\s*,)|si ce n['’]est pas le cas|dans le cas contraire|if not"
    r"|si oui|if so|if yes|dans ce cas)),?\s+",
    re.IGNORECASE,
)
#: one of these is in any text :data:`_JOINED_OTHERWISE` can match (most parts hold none:
#: they are not scanned)
_OTHERWISE_HINTS = (
    " non", "sinon", "pas le cas", "contraire", "if not", "si oui", "if so", "if yes", "ce cas",
)  # fmt: skip


def _may_hold_otherwise(part: str) -> bool:
    """Could :data:`_JOINED_OTHERWISE` find something in ``part``?"""
    if not part.isascii() and any(c in part for c in _CASE_ODD):
        return True  # ("ſinon": the pattern reads it in any case, lower() does not)
    low = part.lower()
    return any(h in low for h in _OTHERWISE_HINTS)


#: "d'une part …, et, d'autre part, …": an enumeration of what is asked, each member a
#: question of the sentence's question word ("je souhaiterais savoir, d'une part, où
#: vérifier…, et, d'autre part, comment obtenir…")
_OTHER_PART = re.compile(r",?\s*(?:et\s*,?\s*)?d['’]\s*autre\s+part\s*,?\s*", re.IGNORECASE)


def _clauses(part: str, respell: Callable[[str], str]) -> list[str]:
    """A part cut where a second question is joined to it: "comment savoir quels
    modèles sont en ligne, et quelle est la procédure ?", "coman on telecharge le
    modele et coman on sai les modele qui sont en ligne" (question words spelt by ear
    read as the configuration's), "…, d'une part, X et, d'autre part, Y". A question's
    pieces each end with "?", and so do those of a part whose first piece asks without
    one ("j'aimerais savoir comment X et où je vois Y")."""
    low = part.lower()
    enumerated = "autre part" in low
    if not enumerated and not any(j in low for j in _JOINS) and not _may_hold_otherwise(part):
        return [part]
    cuts = [
        (m.start(), found)
        for m in _JOINED_QUESTION.finditer(part)
        # (a join that opens the part joins it to the question before: "… ? Et comment
        # le télécharger ?" keeps its "et", which tells it is no ellipsis)
        if (part[: m.start()].strip() or not _AND_FIRST.match(part.lstrip()))
        and (found := _second_question_at(part, m.end(), respell)) is not None
    ]
    # "… est-ce valable pour Certificats, et si non quelle est la démarche ?": a question
    # asked in case the answer to the first is no, cut where its own words start (they
    # tell :func:`several_questions` it is one)
    cuts += [
        (m.start(), m.start(1))
        for m in _JOINED_OTHERWISE.finditer(part)
        if part[: m.start()].strip() and _question_word_at(part, m.end(), respell)
    ]
    cuts.sort()
    if enumerated:
        cuts = sorted([*cuts, *((m.start(), m.end()) for m in _OTHER_PART.finditer(part))])
    if not cuts:
        return [part]
    pieces: list[str] = []
    at = 0
    told: set[int] = set()  # pieces that tell, before "et je voudrais savoir …"
    for start, end in cuts:
        if start < at:
            continue  # (overlapping cuts: the first one holds)
        piece = part[at:start]
        if (
            _ASKER.match(part, end)
            and not _question_word_at(part, end, respell)
            and not _asks(respell(text.normalise(piece)))
        ):
            told.add(len(pieces))
        pieces.append(piece)
        # (a question joined by "et" keeps it: "… en ligne et comment le télécharger"
        # asks "et comment le télécharger", a question of its own however short)
        joined = _AND_KEPT.match(part, start)
        at = joined.start(1) if joined is not None and joined.end() == end else end
    pieces.append(part[at:])
    asked = part.rstrip().endswith("?") or _asks(respell(text.normalise(pieces[0])))
    if asked:
        return [
            p if p.rstrip().endswith("?") or i in told else p + " ?" for i, p in enumerate(pieces)
        ]
    return pieces


def _second_question_at(part: str, at: int, respell: Callable[[str], str]) -> int | None:
    """Where the question joined at ``at`` starts: there when a question word follows
    the join, a few words further when a clause of time comes first ("et une fois la
    demande lancée comment …"), else None."""
    if (
        _question_word_at(part, at, respell)
        or _WHERE_JOINED.match(part, at)
        or _PREPOSED_QUESTION.match(part, at)
    ):
        return at
    # "… depuis lundi et je voudrais aussi savoir comment …": the author asks it
    if (said := _ASKER.match(part, at)) is not None and _question_word_at(
        part, said.end(), respell
    ):
        return at
    if _ASKED_AFTER_A_COMPLEMENT.match(part, at) and _asks(text.normalise(part[:at])):
        # "à quoi sert X, et avec le rôle Y est-ce que je peux …": the second question's
        # word comes after what it is about
        return at
    if not _LATER.match(part, at) or len(part[:at].split()) < _LATER_AFTER_WORDS:
        return None  # (a clause of time that opens the part belongs to its question)
    for gap in re.finditer(r"\s+", part[at : at + _LATER_REACH]):
        if _question_word_at(part, start := at + gap.end(), respell):
            return start
    return None


#: the author as the subject of a second question ("et je voudrais savoir …", "and I
#: would like to know …")
_ASKER = re.compile(r"(?:(?:je|nous|i|we)\b\s*|j['’])", re.IGNORECASE)


def _question_word_at(part: str, at: int, respell: Callable[[str], str]) -> bool:
    """A question word starts the part at ``at`` (its next 40 characters, as heard)."""
    return _QUESTION_WORDS.match(" " + respell(text.normalise(part[at : at + 40]))) is not None


#: The first member of an enumeration on one line: "1)", "1.", "1/", "1 -", "1 :" or a
#: bare "1" (the marker is group 1).
_INLINE_FIRST = re.compile(r"(?:^|\s)1\s?([).:/-]?)\s")
#: Where a later member starts: before its number, marked as the first one was.
_INLINE_NEXT = re.compile(r"(?<=\S)\s+([2-9])\s?([).:/-]?)\s")


def _enumerated(line: str, respell: Callable[[str], str]) -> list[str]:
    """The members of an enumeration on one line ("1) … 2) …", "2 questions : 1
    comment … 2 comment …"), or the line. A bare number starts a member only when a
    question word follows it ("1 certificat et 2 lots" enumerates nothing). The first
    "1" whose later members follow is the enumeration's ("le 1. mars … 1) … 2) …")."""
    for first in _INLINE_FIRST.finditer(line):
        marker = first.group(1)
        cuts = [
            m.start(1)
            for m in _INLINE_NEXT.finditer(line, first.end())
            if m.group(2) == marker
            and (marker or _asks(respell(text.normalise(line[m.end() : m.end() + 30]))))
        ]
        if cuts:
            return [line[a:b] for a, b in pairwise([0, *cuts, len(line)])]
    return [line]


#: A list marker at the start of a line: "-", "•", "*", "+", "1)", "2.".
_LIST_MARKER = re.compile(r"^(?:[-•*·+]+|\d{1,2}\s*[).:-])\s*")


def _unmarked(part: str) -> str:
    """The part without its list marker (the pattern tried only on a part that starts
    as a marker does)."""
    if part[:1] in "-•*·+" or part[:1].isdigit():
        return _LIST_MARKER.sub("", part)
    return part


def questions(own: str, config: RoutingConfig) -> Iterator[AskedQuestion]:
    """Each question of the author's own words (a sentence ending in "?", a list item,
    a line that asks), read alone."""
    c = config.compiled
    index = c.faq_index
    asked = False
    for raw in _question_parts(own, c.lexicon.respell):
        stripped = raw.strip()
        part = _unmarked(stripped)
        # (the "et" a join opening the part keeps is not counted)
        n = len(part.split()) - bool(_AND_FIRST.match(part))
        if n < 3:  # "Et ?", "Merci.", "et comment ?" ask nothing
            continue
        # "À quelle adresse ?" goes on with the last one; a list's member ("2. comment
        # télécharger ce modèle") is a question of its own; so is "Et comment le
        # télécharger ?"
        short = n < ELLIPTICAL_WORDS
        if asked and short and len(part) == len(stripped) and not _and_asks(part):
            continue
        norm = text.normalise(part)
        heard = c.lexicon.respell(norm)
        # three parts in four ask nothing
        if ("?" not in part or _ASIDE_ONLY.search(part)) and not _asks(heard):
            continue
        plain = Words.of(light_keys(heard))
        if n <= RELAY_WORDS and c.relay_requests.first_match(plain, config.matching.phrase_gap):
            # "Jessica, can you ask the helpdesk?" asks a colleague, not the desk (but "tu
            # peux demander au support si avec le rôle X on peut …" relays a question)
            continue
        # (what prepare_text would make of the part, only what the rules read)
        feats = c.faq_index_features(c.lexicon.keys(norm))
        best = index.best(feats)
        if best is not None:
            asked = True
            yield AskedQuestion(plain, best, part, feats)


def _sharpened(top: EntryScore, asked_text: str, config: RoutingConfig) -> EntryScore:
    """A question's closest entry as close as its last sentence alone is to it, when
    that is closer: what the sentences before it tell ("Bonjour, je suis exportateur de
    fromages.") dilutes the question, though they may also make it ("Nous sommes
    habilités Agrément. Est-ce valable pour Certificats ?": then the whole is closer)."""
    last = _last_sentence(asked_text)
    if not last:
        return top
    alone = _closest_to(text.normalise(last), config)
    if alone is None or alone.entry_id != top.entry_id or alone.score <= top.score:
        return top
    return alone


def _closest_to(norm: str, config: RoutingConfig) -> EntryScore | None:
    """The FAQ entry closest to a normalised text read alone (a question's sentence)."""
    c = config.compiled
    return c.faq_index.best(c.faq_index_features(c.lexicon.keys(norm)))


#: the end of a sentence before the last one of a part: ". ", "! " and what follows
_SENTENCE_BREAK = re.compile(r"[.!]\s+(?=\S)")


def _last_sentence(part: str) -> str:
    """The part's last sentence when it asks ("?") after another one and holds at least
    three words, else ""."""
    if "?" not in part:
        return ""
    ends = list(_SENTENCE_BREAK.finditer(part))
    if not ends:
        return ""
    last = part[ends[-1].end() :]
    return last if len(last.split()) >= 3 else ""


#: "… ? Et comment le télécharger ?": a short question that adds, not goes on
_AND_FIRST = re.compile(r"(?:et|and)\s", re.IGNORECASE)
#: a join that is "et" or "and" alone, then the question (group 1: from the join word)
_AND_KEPT = re.compile(r",?\s+((?:et|and)\s+)(?=\S)", re.IGNORECASE)
_AND_ASKS = re.compile(
    r"(?:et|and)\s+(?:(?:euh|heu|aussi|also),?\s+)?(?:comment|o[uù]|pourquoi|how|where|why)\b",
    re.IGNORECASE,
)


def _and_asks(part: str) -> bool:
    """Does the short part open with "et" and "comment", "où"… ("Et comment le
    télécharger ?", "And where do I find it?"): a question of its own, where "À quelle
    adresse ?" or "Et par quel moyen ?" goes on with the one before."""
    return _AND_ASKS.match(part) is not None


def own_questions(tt: TicketText, config: RoutingConfig) -> list[AskedQuestion]:
    """:func:`questions` of the author's own words, computed once per ticket."""
    if tt.split_questions is None:
        tt.split_questions = list(questions(tt.own_text, config))
    return tt.split_questions


def unanswered_asked_apart(tt: TicketText, fid: str, config: RoutingConfig) -> bool:
    """One of the author's several questions, read alone, asks entry ``fid`` and is not
    as close to a question the FAQ does not answer: what the FAQ does not answer is
    asked apart ("Comment télécharge-t-on le modèle ? … Une maintenance est-elle prévue
    ce week-end ?"), and the entry's answer answers the question that asks it. A
    question that hangs on the one before it ("Si oui, quel numéro ?") is not apart."""
    asked = own_questions(tt, config)
    if len(asked) < 2:
        return False
    thr = config.thresholds
    for q in asked:
        if q.top.entry_id != fid or q.top.score < thr.several_questions_min_confidence:
            continue
        if _FOLLOWS_ON.match(q.text):
            continue
        un = _unanswered_score(q.features, config)
        if un is None or un < q.top.score - thr.unanswered_margin - 1e-9:
            return True
    return False


#: "… une astreinte le week-end ? Si oui, quel numéro ?": a question that hangs on the
#: one before it
_FOLLOWS_ON = re.compile(
    r"\s*(?:et\s+)?(?:si oui|if so|if yes)\b",
    re.IGNORECASE,
)


def _unanswered_score(feats: set[str], config: RoutingConfig) -> float | None:
    """How close a question's features are to the closest question the FAQ does not
    answer (``[unanswered]``), or None when none shares anything with it."""
    scores = config.compiled.faq_index.scores(feats, hidden=True)
    return next((e.score for e in scores if e.entry_id == UNANSWERED), None)


def _closer_to_unanswered(feats: set[str], score: float, config: RoutingConfig) -> bool:
    """A question read alone is as close to one the FAQ does not answer as to its
    closest entry (``score``), within ``thresholds.unanswered_question_margin``."""
    un = _unanswered_score(feats, config)
    return un is not None and un >= score - config.thresholds.unanswered_question_margin - 1e-9


def _says_take_over(words: Words, taker: str, config: RoutingConfig) -> bool:
    """The words with which ``taker`` takes other entries over are in ``words``."""
    over = config.compiled.guards[taker].takes_over
    return over is not None and over[1].first_match(words, config.matching.phrase_gap) is not None


#: the first and second items of a numbered list, each at a line's start ("1) Avec ce
#: rôle, est-ce que je peux me connecter ? 2) Comment j'habilite mes collègues ?")
_FIRST_ITEM = LazyPattern(r"^[ \t]*1[ \t]*[).-][ \t]+\S", re.MULTILINE)
_SECOND_ITEM = LazyPattern(r"^[ \t]*2[ \t]*[).-][ \t]+\S", re.MULTILINE)


def _numbered(own: str) -> bool:
    """The author numbers what they ask ("1) … 2) …"): each item is a question of its
    own, though the second needs as much as an unannounced one."""
    first = _FIRST_ITEM.search(own)
    return first is not None and _SECOND_ITEM.search(own, first.end()) is not None


def several_questions(
    tt: TicketText,
    config: RoutingConfig,
    population: Population | None = None,
    blocked: frozenset[str] = frozenset(),
    taken: Mapping[str, str] | None = None,
    *,
    unmet: frozenset[str] = frozenset(),
) -> tuple[tuple[str, float], ...]:
    """The FAQ entries the author's questions ask, one per question, when there are
    two or more; else ``()``.

    Each question (a sentence ending in "?", a list item, a line that asks) is scored
    alone against the examples: two questions whose closest entries differ, each close
    enough, are two questions, and one public answer would answer only half. A question
    as close to ``[unanswered]`` as to its closest entry (within
    ``unanswered_question_margin``) asks what the FAQ does not answer ("… pourquoi notre
    demande a-t-elle été refusée ?"): no FAQ question, unless its entry is about
    habilitation (it still tells what the ticket is about). When the author announces
    several questions, the second needs less. A question whose closest
    entry is not for this ``population`` (an agent asking what an exporter must do) is
    content the FAQ does not answer them, not a second FAQ question (unless it asks that
    entry at ``foreign_question_min_confidence`` or closer: then the agent relays a
    question of its own beside the other), and so is a question closest to an entry the
    ticket's guards forbid (``blocked``): "who do we contact?" in a ticket about being
    habilitated is part of the procedure question; a question closest to an entry
    another one took over (``taken``: entry → taker) asks the taker's (unless it is
    close to its entry alone, at ``taken_question_min_confidence``, and says none of the
    take-over words: "le rôle admin local suffit-il ? Et ma collègue, comment je lui
    donne l'accès ?"). Unless the author announces several questions ("deux questions",
    "plusieurs choses") and that question, read alone, is close to its entry
    (``several_questions_min_confidence``): then it is a question of its own — "deux
    questions : à quoi sert gestion des utilisateurs ? … ce rôle me permet-il de faire
    les demandes ?" wants two answers, not the first one. A question closest to an entry
    whose required words the ticket lacks (``unmet``: the caller adds the login entry
    when no login failure is told) asks none, unless it is announced so ("deux
    questions : 1) comment télécharger le modèle ? 2) comment savoir quel modèle est en
    vigueur ?"). A question asked in case the answer to the one before is no ("… ? Si
    ce n'est pas le cas, quelle est la procédure ?") is announced by its own words: it
    counts as one, though the ticket's guards forbid its entry.
    """
    c = config.compiled
    thr = config.thresholds
    qs = own_questions(tt, config)
    if len(qs) < 2:
        return ()
    announced: list[bool] = []  # read once, when first needed

    def is_announced() -> bool:
        if not announced:
            # (the subject may say it: "Deux questions" over a list of two)
            hit = None
            for said in (tt.own_text, tt.subject):
                norm = c.lexicon.respell(text.normalise(said))
                hit = c.several_questions.first_match(
                    Words.of(light_keys(norm)), config.matching.phrase_gap
                )
                if hit is not None:
                    break
            announced.append(hit is not None)
        return announced[0]

    takers = taken or {}
    best: dict[str, float] = {}
    otherwise = False  # a question asked in case the answer to the one before is no
    for words, closest, asked_text, feats in qs:
        # ("Bonjour, je suis exportateur de fromages. Comment peut-on vous joindre ?": as
        # close as its last sentence alone is to the same entry)
        top = _sharpened(closest, asked_text, config)
        eid = top.entry_id
        # ("… ? Si ce n'est pas le cas, quelle est la procédure ?": a second question,
        # announced by its own words)
        if _OTHERWISE.match(asked_text):
            otherwise = True
            # ("… ? Et si non, combien de temps faut-il ?": far from every entry but the
            # habilitation's, it asks what the FAQ does not tell)
            if (
                top.score < thr.several_questions_min_confidence
                and config.faq[eid].category is not Category.HABILITATION
            ):
                continue
            # (its own words announce it past the ticket's guards, not past the words
            # its entry requires: "Dans ce cas, où est le bouton … ?" asks no procedure)
            if (
                eid in blocked
                and eid not in unmet
                and top.score >= thr.announced_question_min_confidence
            ):
                best[eid] = max(best.get(eid, 0.0), top.score)
                continue
        # (close enough alone, when the author said there are several: read only if needed)
        close_alone = top.score >= thr.several_questions_min_confidence
        if eid in unmet and not (close_alone and is_announced()):
            continue  # none of the words the entry requires: not its question
        # (after the cheap test above: this one is a second pass over the index)
        if config.faq[eid].category is not Category.HABILITATION and _closer_to_unanswered(
            feats, top.score, config
        ):
            # asks what the FAQ does not answer: no second FAQ question (one about
            # habilitation still tells what the ticket is about)
            continue
        # (an entry not for this population is content the FAQ does not answer them,
        # unless the question asks it this closely: a relayed question of its own)
        foreign = (
            population is not None
            and not answered_to(config.faq[eid], population, top.score)
            and top.score < thr.foreign_question_min_confidence
        )
        # (a question closest to a taken entry asks the taker's, unless it is close to
        # its entry alone and says none of the words that took it over)
        taken_here = eid in takers and (
            top.score < thr.taken_question_min_confidence
            or _says_take_over(words, takers[eid], config)
        )
        folded = foreign or eid in blocked or taken_here
        # a question close on its own, when the author said there are several, keeps its
        # entry; else a forbidden one is part of another, a taken one asks the taker's
        # (a numbered list keeps such a question too, but asks as much as unannounced
        # questions of the others: its items are often what the FAQ does not answer)
        if folded and not (close_alone and (is_announced() or _numbered(tt.own_text))):
            if foreign or eid in blocked:
                continue
            eid = takers[eid]
        best[eid] = max(best.get(eid, 0.0), top.score)
    if len(best) < 2:
        return ()
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    second = (
        thr.announced_question_min_confidence
        if otherwise or is_announced()
        else thr.several_questions_min_confidence
    )
    if ranked[0][1] < thr.several_questions_min_confidence or ranked[1][1] < second:
        return ()
    return tuple((fid, round(v, 3)) for fid, v in ranked if v >= second)


def question_beside(
    tt: TicketText,
    config: RoutingConfig,
    population: Population | None,
    entry: str,
    excluded: frozenset[str],
) -> tuple[str, float] | None:
    """The first of the author's questions, read alone, closest to an entry other than
    ``entry`` (told as a statement: the login failure) at
    ``question_beside_login_min_confidence`` or closer, for this population and not
    ``excluded`` (forbidden by the guards, taken over, missing its required words), when
    none of the questions is closest to ``entry`` itself: a second FAQ question asked
    beside what is told. None otherwise."""
    floor = config.thresholds.question_beside_login_min_confidence
    qs = own_questions(tt, config) if tt.own_text else []
    asked = [_asked_after_the_failure(q, entry, config) for q in qs]
    tops = [top for top in asked if top is not None]
    if len(tops) < len(asked):
        return None  # the failure is asked about: the questions decide as usual
    for top in tops:
        eid = top.entry_id
        if (
            top.score >= floor
            and eid not in excluded
            and answered_to(config.faq[eid], population, top.score)
        ):
            return eid, round(top.score, 3)
    return None


def _asked_after_the_failure(
    q: AskedQuestion, entry: str, config: RoutingConfig
) -> EntryScore | None:
    """The entry a question asks, or None when it asks of the failure (``entry``). A
    question closest to the failure whose last sentence, read alone, asks another entry
    tells the failure first, then asks ("Je n'arrive pas à me connecter depuis hier. Et
    puisque je vous écris : comment savoir quels modèles sont en ligne ?")."""
    if q.top.entry_id != entry:
        return q.top
    last = _last_sentence(q.text)
    alone = _closest_to(text.normalise(last), config) if last else None
    if alone is None or alone.entry_id == entry:
        return None
    return alone


#: A question asked in case the answer to the one before is no ("Si ce n'est pas le
#: cas, quelle est la procédure ?", "Et si non, …", "Et sinon comment …", "If not, what
#: …"; not "Sinon, …" with its comma, as often "by the way": measured, "sinon" with a
#: comma too lost four labelled answers to "Et sinon, que signifie …" for as many gained)
#: or yes ("Question 2 : si oui, quelle est la procédure ?", "If so, how …", "Dans ce
#: cas, …")
_OTHERWISE = re.compile(
    r"\s*(?:(?:et|mais|and|but),?\s+)?"
    r"(?:si non|sinon(?!\s*,)|si ce n['’]est pas le cas|dans le cas contraire|if not"
    r"|si oui|if so|if yes|dans ce cas)\b",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- subjects


def score_login_failure(tt: TicketText, config: RoutingConfig) -> Score:
    """The login-failure evidence. A negative phrase takes evidence away only in its own
    sentence: "deux demandes pour Shanghai sans souci. Depuis lundi, impossible de me
    connecter" is a failure, "je me connecte sans souci mais impossible de signer" is
    not. (Scored sentence by sentence only when a negative took the whole text's score
    under the bar but left some of it, ``raw > 0``: the common case costs nothing more.
    Negatives that outweigh the evidence in the sum still veto it: letting them act only
    in their sentences there too was measured, +1 −1 exact and one more wrong public
    answer over the 7,272 labelled tickets, "d'où ses soucis de connexion" told as a
    past cause being read as a failure.)"""
    ev = config.compiled.login_failure
    whole = score_evidence(tt.words, ev, config, "login_failure")
    floor = config.thresholds.login_failure_min_confidence
    if whole.value >= floor or whole.raw <= 0 or not tt.own_text:
        return whole
    if not any(sig.name == "login_failure.negative" for sig in whole.signals):
        return whole
    lex = config.compiled.lexicon
    total = 0.0
    fired: list[Signal] = []
    for sentence in _SENTENCE_END.split(tt.own_text):
        if not sentence.strip():
            continue
        part = score_evidence(
            Words.of(lex.keys(text.normalise(sentence))), ev, config, "login_failure"
        )
        if part.raw > 0:
            total += part.raw
            fired += part.signals
    if total <= whole.raw:
        return whole
    return Score(max(0.0, min(1.0, total)), tuple(fired), total)


#: where a sentence ends: ".", "!", "?", ";" or a line break
_SENTENCE_END = re.compile(r"[.!?;\n]+")


@dataclass(frozen=True, slots=True)
class CategoryScore:
    """Habilitation against assistance, for an operator's ticket, from the examples."""

    habilitation: float
    assistance: float
    nearest: tuple[NearestExample, ...]
    signals: tuple[Signal, ...]
    #: how much the words lean to the habilitation examples' vocabulary (log-odds)
    vocabulary: float = 0.0


def score_category(tt: TicketText, ticket: Ticket, config: RoutingConfig) -> CategoryScore:
    scores: dict[str, EntryScore] = {
        s.entry_id: s for s in config.compiled.category_index.scores(tt.features)
    }
    sig: list[Signal] = []
    values: dict[Category, float] = {}
    for cat in (Category.HABILITATION, Category.ASSISTANCE_OPERATEUR):
        es = scores.get(cat.value)
        v = es.score if es else 0.0
        cc = config.categories[cat]
        if es and es.nearest:
            best = es.nearest[0]
            sig.append(Signal(f"category.{cat.value}.example", True, best.text, best.score))
        if cc.portal_prior and ticket.location == cc.target:
            v += cc.portal_prior
            sig.append(
                Signal(f"category.{cat.value}.portal", True, str(cc.target), cc.portal_prior)
            )
        values[cat] = min(1.0, v)
    nearest = tuple(
        sorted(
            (n for es in scores.values() for n in es.nearest),
            key=lambda n: -n.score,
        )
    )[:3]
    lean, words = config.compiled.category_vocabulary.lean(tt.features)
    sig.append(Signal("category.vocabulary", lean > 0, " · ".join(words), lean))
    return CategoryScore(
        values[Category.HABILITATION],
        values[Category.ASSISTANCE_OPERATEUR],
        nearest,
        tuple(sig),
        lean,
    )


def score_thanks(words: Words, config: RoutingConfig) -> Score:
    return score_evidence(words, config.compiled.thanks, config, "conversation.thanks")
