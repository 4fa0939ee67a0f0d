"""The text layer's fast paths read every text exactly as the plain code they replace.

Speed work (prefilters, one replacement per distinct character, a line-start pattern
scanned for after newlines…) must not change one decision. Each fast path is compared
here with the straightforward version it stands for, kept below as the reference, on
every text of the labelled sets and on random strings made of the characters that
trip text code (accents, ligatures, homoglyphs, Greek capitals, dotless and dotted i,
long s, combining marks, typographic punctuation, no-break spaces, newlines).
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from routerbot.engine import browser, classify, text

DATA = Path(__file__).resolve().parents[1] / "data"

ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?-'/>*#_|{}()\n\t"
    "ÉéèêàâçôîïùûœŒæÆøß’‘«»–—°€ΣσςİıſKÅﬁЕеОоΑαρ\u0301\u0327\u00a0\u202f\u2009\u200b"
)
WORDS = (
    "de", "De :", "from:", "Le", "on", "auto-submitted: auto-replied", "Precedence: bulk",
    "x-autoreply:", "h1.", "* ", "# ", "----", "--", "> ", "Expéditeur", "chrome", "version",
    "v.", "ie", "ff", "120.0.6099", "esr", "tor", "vers", "cent", "vingt", "deux", "zéro",
    "ZÉRO", "ſix", "sıx", "DEUX", "dıx", "quatre-vingt", "un", "É", "Σ", "  ", "\u00a0",
    # every browser hint: "crome", "firfox"… and the names of rarer browsers
    "chrom", "crome", "chorme", "fire", "firfox", "fierfox", "mozilla", "edge", "explorer",
    "safari", "opera", "vivaldi", "brave", "samsung", "yandex", "duckduckgo", "waterfox",
    "pale", "seamonkey", "maxthon", "browser", "librewolf", "floorp", "1.22.333", "Chrome/1",
    "xEdgA/2", "Safari/3.0", "version 120 de chrome", "vers. 9 d'edge", "v.90", "Chrome 120",
    "ms edge", "microsoft edge", "pale moon", "uc browser", "tor browser", "google chrome",
    "mozilla firefox", "internet explorer", "internet explorateur", "ie11", "ff v118",
    "119.0.6045.105", "115.3 esr",
    "Version 87.0.4280.88 (Build officiel)", "operateur", "samsung internet", "brave",
    "google chrom", "coc coc", "Coccoc", "qq browser", "sogou", "whale browser",
    # automatic-reply hints, with the accents their patterns allow, and question words
    "auto-reply", "AUTO REPLY", "autorespond", "auto\nreply", "congé", "Congè", "déplacement",
    "arrêt", "ARRÉT", "délivré", "accusé", "limité", "formation", "comment", "quel",
    "est-ce que", "c'est quoi", "voudrais savoir", "se demande si", "wants to know",
    "2comment", "savoir à qui", "c'est ce que", "est-ce que", "operas", "opera@", "xversion",
    ".version", "vers.", "palemoon",
    "pale\tmoon", "1.2.345", "a.12.3456", "9.99.999", "Précédence", "AUTO",
    # question words of every first letter, and their near misses
    "pourquoi", "combien", "how", "which", "who", "cmt", "kel", "cest quoi", "a quoi",
    "je me demandais si", "merci de m'indiquer", "merci de nous préciser", "asks whether",
    "point d'interrogation", "besoin de savoir", "aimerais savoir", "veut savoir",
    "voudraient savoir", "cherchent où", "wondering", "would like to know", "needs to know",
    "savoir à qui", "puis-je", "existe-t-il", "y a-t-il", "ou trouver", "quelles", "demandent",
    "elle est où", "c'est ou", "c où", "où sont", "que faire", "qu'est-ce qu'il", "koi", "kels",
    "estou", "sontoù", "kelles", "let us know", "please outline", "can we", "is it possible",
)  # fmt: skip


def _labelled_texts() -> list[str]:
    out: list[str] = []
    for path in sorted(DATA.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out += [row.get("summary") or "", row.get("description") or ""]
                out += [c.get("body") or "" for c in row.get("comments") or []]
    return out


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 2:
            out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))))
        else:
            sep = ("", " ", "\n", "-", "é", "_", "1", ":", " \n ")
            out.append(
                "".join(rng.choice(WORDS) + rng.choice(sep) for _ in range(rng.randint(1, 8)))
            )
    return out


TEXTS = _labelled_texts() + _random_texts(20_000, seed=9)


def _same(fast: Callable[[str], object], plain: Callable[[str], object]) -> None:
    wrong = [t for t in TEXTS if fast(t) != plain(t)]
    assert not wrong, f"{len(wrong)} texts read differently, e.g. {wrong[:3]!r}"


# --------------------------------------------------------------------------- references

_FOLD_MAP = text._FOLD_MAP


def plain_fold(s: str) -> str:
    s = text.bounded(s).casefold()
    if s.isascii():
        return s
    s = text._COMBINING.sub("", unicodedata.normalize("NFD", s))
    return re.sub(r"[^\x00-\x7f]+", lambda m: "".join(_FOLD_MAP.get(c, c) for c in m[0]), s)


def plain_normalise(s: str) -> str:
    folded = plain_fold(s)
    if folded.isascii():
        words = folded.translate(text._ASCII_PUNCT_TO_SPACE).split()
    else:
        words = re.sub(r"[^a-z0-9]+", " ", folded).split()
    out = " ".join(text.ABBREVIATIONS.get(w, w) for w in words)
    # English "sign in" is a login, every time
    out = re.sub(r"\bsign(?:ing|ed)? (?:in|on)\b", "login", out)
    # an acronym spelt out ("d d p p") is one word; three letters with a vowel stay words
    out = re.sub(r"(?<![a-z0-9])[a-z](?: [a-z]){2,}(?![a-z0-9])", _spelled, out)
    # the application's words as voice typing hears them ("ex pas don"), every time
    heard = "|".join(map(re.escape, text._MISHEARD_WORDS))
    return re.sub(rf"\b(?:{heard})\b", lambda m: text._MISHEARD_WORDS[m.group(0)], out)


def _spelled(m: re.Match[str]) -> str:
    letters = m.group(0).replace(" ", "")
    return m.group(0) if len(letters) == 3 and set(letters) & set("aeiouy") else letters


PLAIN_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
PLAIN_QUOTE_HINT = re.compile(
    r"^[ \t]*(?:>|-{2,}|\**(?:le|on|de|from|exp[ée]diteur)\b)|\b(?:de|from)[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
PLAIN_WIKI_LINE_HINT = re.compile(r"^[ \t]*(?:h[1-6]\.|[*#]+[ \t]|-{4})", re.MULTILINE)
PLAIN_BROWSER_HINT = re.compile(
    r"chrom|crome|chorme|krom|fire|firfox|fierfox|fox|mozilla|edge|explorer|explorateur|\bie|safari"
    r"|opera|vivaldi|brave|samsung|yandex|duckduckgo|waterfox|pale|seamonkey|tor|maxthon|browser|librewolf"
    r"|floorp|coc|sogou|\bff|vers|\bv\.|esr|\d\.\d{1,2}\.\d{3}"
)
PLAIN_AUTO_HINT = re.compile(
    r"automat|auto.?repl|auto.?respon|absen|office|cong[eé]|vacanc|d[ée]placement|hors du bureau"
    r"|arr[eê]t|formation|deliver|d[ée]livr|remis|mailer|daemon|accus[ée]|away|leave|undeliv"
    r"|failure|returned|distribu|connaissance|my return|limit[ée]|restreint|(?:été|ete) lu le"
    r"|was read on"
)
PLAIN_AUTO_HEADER_WORDS = re.compile("auto|precedence", re.IGNORECASE)
PLAIN_WORD_HINT_LOOSE = re.compile(r"opera(?![a-z_@])|(?<![\w.])vers(?:ion|\.)|pale[ \t]?moon")
PLAIN_BUILD_HINT = re.compile(r"\d\.\d{1,2}\.\d{3}")
#: the question words as one alternation after a word boundary, tried at every character
PLAIN_QUESTION_WORDS = re.compile(
    r"\b(?:(?<! no )(?<! the )(?<! any )(?<! my )(?<! your )(?<! this )comment|"
    r"quel|quels|quelle|quelles|ou trouver|(?<! c )est ce que?|pouvez vous|"
    r"pourriez vous|puis je|peut on|faut il|dois je|doit on|existe t il|y a t il|"
    r"how|what|where|which|can i|could you|is there|do i|should i|cmt|kel"
    r"|c quoi|c est quoi|cest quoi|a quoi|pourquoi|combien|why|who"
    r"|(?:voudrai[st]?|voudraient|veu[xt]|aimerai[st]?|souhaite|pour|besoin de) savoir"
    r"|(?:demande|demandent|cherche|cherchent|me demandais|se demande)"
    r" (?:si|comment|ou|quel|quels|quelle|quelles|a quoi|a qui|pourquoi|ce qu)"
    r"|merci de (?:m|nous) (?:indiquer|dire|expliquer|preciser)"
    r"|(?:trouve|trouvons|sais|savons) pas (?:ou|comment)"
    r"|souhaiterai[st]? (?:savoir|connaitre)|(?:souhaite|voudrai[st]?|aimerai[st]?) connaitre"
    r"|utile de connaitre"
    r"|bien vouloir (?:m|me|nous) (?:indiquer|preciser|communiquer|expliquer|dire|confirmer)"
    r"|(?:wants?|would like|needs?) to know|wonder(?:s|ing)?|asks? (?:how|whether|if|what|where)"
    r"|let (?:us|me) know|please (?:explain|tell|advise|outline|clarify|confirm|share)"
    r"|kindly (?:share|send|explain|tell|advise|clarify|confirm|guide|inform|let)"
    r"|can you|can we|would you|do we|is it possible"
    r"|point d interrogation|savoir si|savoir comment|savoir ou|savoir quel|savoir a qui"
    r"|savoir lequel|savoir laquelle|savoir lesquels|savoir lesquelles"
    r"|est ou|sont ou|c ou|ou est|ou sont|ou se trouve|ou faut il|ou dois je|ou doit on"
    r"|que faire|que dois je|que doit on|qu est ce qu|koi|kelle|kels"
    r"|ou pas|ou non|(?<! c )est il|est elle|sont ils|sont elles)\b"
)
PLAIN_SPOKEN_HINT = re.compile(
    r"\b(?:" + "|".join(sorted(browser._NUMBER_WORDS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- text


def test_fold_replaces_each_distinct_character_as_the_table_does() -> None:
    _same(text.fold, plain_fold)


def test_normalise_splits_on_everything_but_ascii_letters_and_digits() -> None:
    _same(text._normalise, plain_normalise)


def test_spaces_are_squeezed_as_before_though_single_spaces_are_left_alone() -> None:
    _same(lambda s: text._SPACES.sub(" ", s), lambda s: PLAIN_SPACES.sub(" ", s))
    _same(text._squeeze_spaces, lambda s: PLAIN_SPACES.sub(" ", s))


def test_quoted_mail_hint_is_the_multiline_pattern() -> None:
    def fast(s: str) -> bool:
        return text._QUOTE_HINT.found(s) or bool(":" in s and text._FROM_COLON.search(s))

    _same(fast, lambda s: PLAIN_QUOTE_HINT.search(s) is not None)


def test_wiki_line_hint_is_the_multiline_pattern() -> None:
    _same(text._WIKI_LINE_HINT.found, lambda s: PLAIN_WIKI_LINE_HINT.search(s) is not None)


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "X-Autoreply: yes",
        "PRECEDENCE : auto_reply",
        "x-autorespond:",
    ],
)
def test_automatic_reply_headers_pass_the_prefilter(header: str) -> None:
    assert text.is_auto_reply(f"Bonjour\n{header}\nJe suis absent.")


def test_automatic_reply_hint_is_the_single_pattern_it_replaces() -> None:
    _same(
        lambda s: text._auto_hinted(s.lower()),
        lambda s: PLAIN_AUTO_HINT.search(s.lower()) is not None,
    )


def test_automatic_reply_hint_groups_hold_every_hint_behind_a_part_of_it() -> None:
    grouped = {"automat"}  # (tested after "auto")
    for part, hints in text._AUTO_HINT_GROUPS:
        assert all(part in h for h in hints)
        grouped.update(hints or (part,))
    assert grouped == set(text._AUTO_HINTS)


def test_question_words_are_found_from_word_starts_as_word_boundaries_find_them() -> None:
    assert classify._QUESTION_WORDS.pattern.startswith(" (?:c(?:")
    _same(
        lambda s: classify._asks(text.normalise(s)),
        # (after a space, as _asks reads it: a look-behind such as "(?<! c )" then sees
        # the start of the text as a word boundary too)
        lambda s: (
            PLAIN_QUESTION_WORDS.search(" " + text.normalise(s)) is not None
            or classify._ASKS_FOR.search(" " + text.normalise(s)) is not None
        ),
    )


def test_automatic_reply_header_words_are_found_in_any_case() -> None:
    _same(text._auto_header_words, lambda s: PLAIN_AUTO_HEADER_WORDS.search(s) is not None)


def test_list_markers_are_removed_as_the_pattern_removes_them() -> None:
    parts = [line.strip() for t in TEXTS for line in t.split("\n")]
    parts += ["1) Et", "12 . x", "- a", "•b", "·", "²) x", "٣) x", "-", ""]
    wrong = [p for p in parts if classify._unmarked(p) != classify._LIST_MARKER.sub("", p)]
    assert not wrong, wrong[:3]


# --------------------------------------------------------------------------- browser


def test_loose_word_hints_are_the_single_pattern_they_replace() -> None:
    def fast(s: str) -> bool:
        w = browser._folded(s)
        return any(h in w and rx.search(w) is not None for h, rx in browser._WORD_HINT_LOOSE)

    _same(fast, lambda s: PLAIN_WORD_HINT_LOOSE.search(browser._folded(s)) is not None)


def test_build_number_hint_is_found_from_its_dot() -> None:
    _same(
        lambda s: browser._HINT_BUILD.search(s) is not None,
        lambda s: PLAIN_BUILD_HINT.search(s) is not None,
    )


def test_browser_fold_is_the_translation_table() -> None:
    _same(browser._folded, lambda s: s.translate(browser._FOLD))


def test_browser_hint_is_the_single_pattern_it_replaces() -> None:
    _same(
        lambda s: browser._hinted(browser._folded(s)),
        lambda s: PLAIN_BROWSER_HINT.search(s.translate(browser._FOLD)) is not None,
    )


def test_spoken_number_hint_sees_words_as_word_boundaries_do() -> None:
    _same(browser._says_number, lambda s: PLAIN_SPOKEN_HINT.search(s) is not None)


PLAIN_UA_TOKEN = re.compile(
    r"\b(?:AppleWebKit|Chrome|CriOS|Firefox|FxiOS|Safari|Edg|EdgA|EdgiOS|Edge|OPR|Gecko"
    r"|Trident|SamsungBrowser|Vivaldi|YaBrowser|Version|Mobile)/\d[\w.]*"
)
UA_TEXTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
    "xChrome/1 _Safari/2 EdgA/3 EdgiOS/4 é Edge/5.1 OPR/6/7 CriOS/8a FxiOS/9 Version/10",
    "Gecko/20100101 Firefox/121.0 Trident/7.0; rv:11.0 SamsungBrowser/23 YaBrowser/1 Mobile/15E",
]


def test_user_agent_tokens_are_found_where_the_word_boundary_pattern_finds_them() -> None:
    def spans(rx: re.Pattern[str], s: str) -> list[tuple[int, int]]:
        return [m.span() for m in rx.finditer(s)] + [
            m.span() for i in range(0, len(s), 7) for m in rx.finditer(s, i, i + 30)
        ]

    for t in [*UA_TEXTS, *TEXTS[:3000]]:
        assert spans(browser._UA_TOKEN, t) == spans(PLAIN_UA_TOKEN, t), t


def test_texts_without_a_product_and_slash_have_no_user_agent_token() -> None:
    for t in [*UA_TEXTS, *TEXTS]:
        if not any(p in t for p in browser._UA_PRODUCT_SLASHES):
            assert browser._UA_TOKEN.search(t) is None, t


PLAIN_VERSION_BEFORE_NAME = re.compile(
    r"(?<![\w.])(?:version|vers\.|v\.|v(?=\d))[ \t]*(?P<v>\d{1,3}(?:\.\d{1,6}){0,3})[ \t]+"
    r"(?:de|d'|du|sur|of)[ \t]*(?:google[ \t]+|microsoft[ \t]+|mozilla[ \t]+)?"
    r"(?P<name>chrome|firefox|edge|safari|opera|internet explorer|vivaldi|brave)(?![a-z])"
)
PLAIN_BARE_VERSION = re.compile(
    r"(?<![\w.])(?:version|vers\.|v\.|v(?=\d))[ \t]*(?:[:=][ \t]*|,[ \t]*(?=c'est|c est))?"
    r"(?:(?:c'est|c est|est|is)[ \t]+(?:(?:la|le)[ \t]+)?)?(?P<v>\d{1,3}(?:\.\d{1,6}){0,3})"
    r"(?P<esr>esr)?(?![\d/]|\.\d|[a-z])"
)


def _folded_texts() -> list[str]:
    return [browser._folded(browser.bounded(t)) for t in TEXTS]


def test_version_patterns_find_what_the_look_behind_first_patterns_find() -> None:
    def found(rx: re.Pattern[str], w: str) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), m.group("v")) for m in rx.finditer(w)]

    for w in _folded_texts():
        assert found(browser._VERSION_BEFORE_NAME, w) == found(PLAIN_VERSION_BEFORE_NAME, w), w
        assert found(browser._BARE_VERSION, w) == found(PLAIN_BARE_VERSION, w), w
        if browser._BARE_BUILD.search(w):
            assert w.count(".") >= 3, w
        if browser._BARE_ESR.search(w):
            assert "esr" in w, w


def test_texts_whose_letter_runs_name_no_browser_have_no_named_mention() -> None:
    for w in _folded_texts():
        runs = set(browser._LETTER_RUN.findall(w))
        every = set(browser._NAME_FIRST_WORDS)
        fast = browser._named_mentions(w, w, browser._Consumed([]), runs)
        plain = browser._named_mentions(w, w, browser._Consumed([]), every)
        assert fast == plain, w


def test_spoken_numbers_in_a_folded_text_are_skipped_only_when_absent() -> None:
    for w in _folded_texts():
        assert browser._says_number_folded(w) == browser._says_number(w), w


TURN_WORDS = (
    "je me suis mal exprimée", "Je voulais dire : comment", "ma vraie question",
    "Ma question est plutôt", "ma question c’est donc", "LAISSEZ TOMBER", "oubliez",
    "Never mind", "ah, c'est bon", "en fait c’est bon", "bon cest bon", "Ah si", "ah, si",
    "ah mais en fait", "finalement", "c'est bon j'ai", "ok, c bon", "c bon j", "pardon, je voulais",
    "pardon ma question", "en fait, j'ai trouvé", "ok jai trouvé", "j’ai trouvée la solution",
    "vous pouvez clôturer", "vous pouvez cloturer", "vous pouvez FERMER", "vous pouvez annuler",
    "n'a plus lieu d'être", "plus besoin", "ça marche maintenant", "ca repasse à nouveau",
    "ça refonctionne de nouveau", "ça remarche", "it works now", "C BON", "J'AI TROUVÉ",
    "laıssez tomber", "oublıez", "ſi", "ah ſi", "c'eſt bon", "İt works now", "pardon", "merci",
    "ok trouvé", "Réponse trouvée", "lu votre FAQ", "vu dans la FAQ", "grâce à la FAQ",
    "je viens de lire la faq", "vu la FAQ mais", "j'ai fini par trouver", "mais j'ai trouvé le",
    "I figured it out", "that part is done", "this part is OK", "-> Info.Com, trouvé",
    "j'ai trouvé comment", "en relisant votre FAQ", "relu la FAQ", "EN FAIT NON",
    "Bon, en fait je viens de trouver", "ok je viens de le trouver", "c'est fait",
    "C’EST FAIT", "c'est fait et ça", "j'ai fini par comprendre", "dès que c'est fait",
    "-> trouvé sur", "→ ok trouvé", "ignorez ma question", "IGNOREZ CETTE DEMANDE",
    "please ignore my question", "ignore this request", "ignorez",
    "vous pouvez clore", "tout remarche", "pardon je viens de trouver", "oh, je viens de trouver",
    "ma seule vraie question", "Edit : trouvé", "MAJ : ok trouvé", "mise à jour 11h : trouvé",
    "m'a déjà envoyé les documents", "m’a deja transmis le dossier", "m'a déja envoyé les papiers",
    "entre-temps la DDPP m'a répondu", "Entre temps, ma DD m'a rappelée", "m'a répondu entre-temps",
    "ne m'a répondu entre-temps", "entre-temps personne ne m'a répondu", "m'a déjà", "entre-temps",
)  # fmt: skip


#: the words a question asked in case the answer is no opens with (and near-misses)
OTHERWISE_WORDS = (
    "si non", "Si Non", "sinon", "SINON", "ſinon", "si ce n'est pas le cas",
    "si ce n’est pas le cas", "dans le cas contraire", "if not", "IF NOT", "İf not",
    "si oui", "Si Oui", "if so", "If yes", "dans ce cas", "ſi oui", "et",
    "mais", "but", ",", ";", "non", "si", "pas", "cas", "if", "quelle", "comment", "how",
)  # fmt: skip


def _turns(t: str) -> bool:
    return bool(
        classify._TURN.search(t)
        or classify._WITHDRAWN.search(t)
        or classify._FOUND.search(t)
        or classify._DONE.search(t)
    )


def _joins_otherwise(t: str) -> bool:
    return classify._JOINED_OTHERWISE.search(t) is not None


@pytest.mark.parametrize(
    ("finds", "prefilter", "words", "seed", "longest"),
    [
        (_turns, classify._may_turn, TURN_WORDS, 5, 6),
        (_joins_otherwise, classify._may_hold_otherwise, OTHERWISE_WORDS, 7, 8),
    ],
    ids=["turn", "joined-otherwise"],
)
def test_texts_the_prefilter_skips_hold_nothing_the_pattern_finds(
    finds: Callable[[str], bool],
    prefilter: Callable[[str], bool],
    words: tuple[str, ...],
    seed: int,
    longest: int,
) -> None:
    rng = random.Random(seed)
    extra = [
        " ".join(rng.choice((*words, *WORDS)) for _ in range(rng.randint(1, longest)))
        for _ in range(20_000)
    ]
    for t in [*TEXTS, *words, *extra]:
        if finds(t):
            assert prefilter(t), t
