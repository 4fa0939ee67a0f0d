"""Browser and version extraction from words, user-agent strings and conversations."""

from __future__ import annotations

import pytest

from routerbot.domain import Browser
from routerbot.engine.browser import (
    BROWSER_NAMES,
    extract_browser,
    extract_browser_from_conversation,
    names_mentioned,
    parse_user_agent,
)


def named(text: str) -> tuple[str, str | None] | None:
    found = extract_browser(text)
    return None if found is None else (found.name, found.version)


def conversation(*texts: str) -> tuple[str, str | None] | None:
    found = extract_browser_from_conversation(texts)
    return None if found is None else (found.name, found.version)


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # a comment that is only a number answers "which version?" for the browser named
        (("Safari", "17.2"), ("safari", "17")),
        (("c'est Edge", "v121"), ("edge", "121")),
        (("Chrome", "126.0.6478.183"), ("chrome", "126")),
        # hedged ("v121 je crois", "I think 124")
        (("connexion impossible, chrome", "v121 je crois"), ("chrome", "121")),
        (("Firefox", "I think 124"), ("firefox", "124")),
        # said in words, or after "c'est la"
        (("j'ai Chrome merci", "cent vingt-deux"), ("chrome", "122")),
        (("j'ai Chrome merci", "euh cent vingt deux je crois"), ("chrome", "122")),
        (("Firefox", "c'est la 115"), ("firefox", "115")),
        # a short sentence that ends on the version ("et la version, il me dit dix-sept")
        (
            ("c'est safari sur le mac", "et la version mon collègue me dit dix sept"),
            ("safari", "17"),
        ),
        (("Edge", "la version c'est la 121"), ("edge", "121")),
        # dictated with "point": a lone "un" after it is a digit ("quinze point six point un")
        (
            ("c'est sur le mac virgule Safari", "la version c'est quinze point six point un"),
            ("safari", "15"),
        ),
        (("Safari", "la version c'est quinze point un"), ("safari", "15")),
        (("Safari", "la version je sais pas"), ("safari", None)),
        # an aside in brackets after it ("version 16.6 (mac du bureau)")
        (("safari", "version 16.6 (mac du bureau)"), ("safari", "16")),
        # alone, or after a complete answer, a number says nothing of a browser
        (("17.2",), None),
        (("Firefox 115", "2"), ("firefox", "115")),
        (("Firefox 115", "12"), ("firefox", "115")),
        # a longer comment with a number is read as it is, not as an answer
        (("Safari", "commande 17.2 en attente"), ("safari", None)),
    ],
)
def test_a_bare_number_completes_the_browser_named_before(
    texts: tuple[str, ...], expected: tuple[str, str | None] | None
) -> None:
    assert conversation(*texts) == expected


# --------------------------------------------------------------------------- user agents

USER_AGENTS = [
    # Desktop
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/121.0.0.0 Safari/537.36",
        ("chrome", "121"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0",
        ("firefox", "122"),
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
        ("firefox", "115"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83",
        ("edge", "121"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",
        ("edge", "18"),
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/16.6 Safari/605.1.15",
        ("safari", "16"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
        ("opera", "106"),
    ),
    ("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", ("ie", "11")),
    ("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)", ("ie", "8")),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Ubuntu Chromium/119.0.6045.159 Chrome/119.0.6045.159 Safari/537.36",
        ("chrome", "119"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 Vivaldi/6.5.3206.55",
        ("other", "6"),
    ),
    # Mobile
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
        ("safari", "17"),
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/16.6 Mobile/15E148 Safari/604.1",
        ("safari", "16"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/121.0.6167.101 Mobile Safari/537.36",
        ("chrome", "121"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) CriOS/121.0.6167.66 Mobile/15E148 Safari/604.1",
        ("chrome", "121"),
    ),
    (
        "Mozilla/5.0 (Android 14; Mobile; rv:122.0) Gecko/122.0 Firefox/122.0",
        ("firefox", "122"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) FxiOS/122.0 Mobile/15E148 Safari/605.1.15",
        ("firefox", "122"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like "
        "Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
        ("other", "23"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-G991B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/121.0.0.0 Mobile Safari/537.36 EdgA/121.0.2277.107",
        ("edge", "121"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-G991B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36 OPR/79.1.4195.76977",
        ("opera", "79"),
    ),
]


@pytest.mark.parametrize(("ua", "expected"), USER_AGENTS)
def test_parses_real_user_agent_strings(ua: str, expected: tuple[str, str]) -> None:
    assert named(ua) == expected
    parsed = parse_user_agent(ua)
    assert parsed is not None
    assert (parsed.name, parsed.version) == expected


def test_reads_a_user_agent_pasted_inside_a_sentence_and_html() -> None:
    body = (
        "<p>Voici ce que donne la page :</p><p><code>Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
        " AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 "
        "Edg/119.0.2151.97</code></p><p>Merci</p>"
    )
    assert named(body) == ("edge", "119")


def test_reads_a_user_agent_fragment_without_the_mozilla_prefix() -> None:
    assert named("copié : AppleWebKit/537.36 Chrome/118.0.5993.88 Safari/537.36") == (
        "chrome",
        "118",
    )


def test_user_agent_keeps_the_string_as_raw() -> None:
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0"
    found = extract_browser(f"Mon navigateur : {ua}\nMerci")
    assert found is not None
    assert found.raw == ua


def test_unknown_user_agent_is_not_a_browser() -> None:
    assert parse_user_agent("curl/8.4.0") is None


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("j'utilise Firefox 121", ("firefox", "121")),
        ("navigateur : firefox 102.8 esr", ("firefox", "102")),
        ("Mozilla Firefox 115.6.0esr (64 bits)", ("firefox", "115")),
        ("Chrome v.119 sous Windows", ("chrome", "119")),
        ("chrome version 118.0.5993", ("chrome", "118")),
        ("Google Chrome 108.0.5359.125", ("chrome", "108")),
        ("Google Chrome (Version 121.0.6167.140 (Build officiel) (64 bits))", ("chrome", "121")),
        ("Edge 120", ("edge", "120")),
        ("Microsoft Edge version 120.0.2210.144", ("edge", "120")),
        ("Microsoft Edge", ("edge", None)),
        ("IE11", ("ie", "11")),
        ("ie 9", ("ie", "9")),
        ("Internet Explorer 11", ("ie", "11")),
        ("toujours sous IE", ("ie", None)),
        ("Safari 16 sur un Mac", ("safari", "16")),
        ("Opera 104", ("opera", "104")),
        ("Opera GX", ("opera", None)),
        ("Vivaldi 6.4", ("other", "6")),
        ("j'utilise Brave", ("other", None)),
        ("I am using the Brave browser.", ("other", None)),
        ("Impossible d'accéder à Certificats via Brave, l'écran reste blanc", ("other", None)),
        # browsers of other markets
        ("I use Coc Coc browser version 117.", ("other", "117")),
        ("When I login it is white page. I use QQ Browser 12.", ("other", "12")),
        # the platform between the name and "version": the version is the browser's
        ("chrome sous android version cent vingt-six", ("chrome", "126")),
        ("Chrome on Android version 124", ("chrome", "124")),
        ("impossible depuis mon tel, chrome sur android, version 129.", ("chrome", "129")),
        ("Chrome sous Android, version 120", ("chrome", "120")),
        # a user agent's product token alone, written or read out
        ("mon navigateur : Firefox/121.0", ("firefox", "121")),
        ("c'est Firefox slash cent vingt et un point zéro point merci", ("firefox", "121")),
        # the About menu's name quoted, then its number
        ("la version dans « À propos de Google Chrome » : 125.0.6422", ("chrome", "125")),
        # a misspelt name
        ("cnx KO sur firefoxe v115, vide le cache", ("firefox", "115")),
        # without the word "version", a number after the platform is the platform's
        ("chrome sur android 14", ("chrome", None)),
        # but the app's own name, "Firefox pour Android", is followed by its version
        ("Impossible depuis Firefox pour Android 121 sur le téléphone", ("firefox", "121")),
        ("Chrome for Android 120 on my work phone", ("chrome", "120")),
        # the version word in Italian: "Chrome versione 118"
        ("Uso Chrome versione 118, grazie", ("chrome", "118")),
        # "à jour" between the name and its version in brackets
        ("Chrome à jour (122) mais toujours l'écran blanc", ("chrome", "122")),
        ("Firefox up to date (121), still a blank page", ("firefox", "121")),
        # Belgian and Swiss French numbers, dictated
        ("on est sur Firefox version nonante-huit au bureau de Liège", ("firefox", "98")),
        ("Chrome cent septante-deux", ("chrome", "172")),
        # Internet Explorer in French, dictated
        ("j'utilise internet explorateur version onze", ("ie", "11")),
        # a version corrected as it is said: the number said last is meant
        ("c'est Firefox version cent dix, euh non, cent quinze", ("firefox", "115")),
        ("Edge version cent douze, ah non pardon cent vingt-deux", ("edge", "122")),
        # an ellipsis before the correction, and what the About window says
        (
            "Chrome version cent dix... ah non attendez, c'est marqué cent vingt-quatre dans "
            "la fenêtre",
            ("chrome", "124"),
        ),
        ("Firefox cent quinze, non pardon, cent vingt-huit", ("firefox", "128")),
        # corrected after a look in the settings, the full version given
        (
            "J'utilise Chrome version 98... pardon, je viens de vérifier dans les paramètres, "
            "c'est la version 122.0.6261.69.",
            ("chrome", "122"),
        ),
        # ... or in the menu that names the browser again
        (
            "Je suis sous Chrome 98... non pardon, je viens de regarder dans « À propos de "
            "Google Chrome », c'est la version 121.",
            ("chrome", "121"),
        ),
        # a misreading owned before the number meant
        ("Chrome, version quatre-vingt-dix... non pardon, je lis mal, cent dix", ("chrome", "110")),
        # a mail wrapped inside the number
        ("c'est Firefox, version cent\nvingt-six je crois, c'est marqué", ("firefox", "126")),
        (
            "c'est Firefox version quatre-vingt-dix-huit non attendez je regarde mieux c'est "
            "cent vingt-quatre voilà",
            ("firefox", "124"),
        ),
        ("Firefox version cent vingt, attendez non, cent dix-huit", ("firefox", "118")),
        # the pauses written as ellipses between the two numbers
        (
            "J'ai Firefox version quatre-vingt-onze… non attendez je regarde… "
            "quatre-vingt-dix-neuf.",
            ("firefox", "99"),
        ),
        # the device between the name and "version": the version is the browser's
        ("Bonjour c'est Safari sur l'iPad, version seize point six.", ("safari", "16")),
        ("Chrome sur mon Mac version 120", ("chrome", "120")),
        # without the word "version", a number after the device is not read as it
        ("Safari sur l'iPad 16", ("safari", None)),
        # a mail wrapped after "version"
        ("he say it is Chrome, version\none hundred twenty. Please help.", ("chrome", "120")),
        # the number said first, as an answer to "which version?" goes
        ("119 sur chrome", ("chrome", "119")),
        ("cent vingt-deux sur Edge je crois", ("edge", "122")),
        ("la 128.0.3 avec firefox", ("firefox", "128")),
        # a pause after "version"; a number left hanging, then said whole
        ("c'est Edge, et la version, attendez, cent dix-neuf", ("edge", "119")),
        ("c'est Chrome et la version cent vingt... cent vingt-cinq voilà", ("chrome", "125")),
        # "non" after a version that is not corrected
        ("Chrome cent vingt, non ça ne marche toujours pas depuis 3 jours", ("chrome", "120")),
        ("Samsung Internet 22", ("other", "22")),
        ("Chromium 119", ("chrome", "119")),
        ("la version 117 de Chrome", ("chrome", "117")),
        ("CHROME V.121 SUR WINDOWS 11", ("chrome", "121")),
        ("firefox,version: 120", ("firefox", "120")),
        ("Firefox ESR 128", ("firefox", "128")),
        ("Chrome – version 119", ("chrome", "119")),
        ("Chrome, la version 118", ("chrome", "118")),
        ("Firefox en version 121", ("firefox", "121")),
        ("chrome (121)", ("chrome", "121")),
        ("IE 11.0.9600.19036", ("ie", "11")),
        ("Internet Explorer version 10", ("ie", "10")),
        ("ie-11", ("ie", "11")),
        ("Mozilla 115", ("firefox", "115")),
        ("Edge chromium 119", ("edge", "119")),
        ("Safari 17.2.1 sur iPhone", ("safari", "17")),
        ("Google Chrome est à jour\nVersion 121.0.6167.185 (Build officiel)", ("chrome", "121")),
        ("sur сhrоmе 120", ("chrome", "120")),  # Cyrillic homoglyphs
        ("Ch\u200brome 120", ("chrome", "120")),  # zero-width space inside the name
        # a few words said between the version word and its number
        ("je suis sur Chrome, version… attendez… cent dix-neuf. Voilà.", ("chrome", "119")),
        ("le poste est sous chrome mais une vieille version, la cent huit", ("chrome", "108")),
        ("c'est chrome version numéro cent vingt-quatre point zéro je crois", ("chrome", "124")),
        ("J'utilise Chrome. La version ? 120 je crois.", ("chrome", "120")),
        ("Firefox, et la version d'après le menu à propos c'est 121.0.6167", ("firefox", "121")),
        ("elle est sur Chrome, elle m'a lu la version au téléphone : 122.0.x", ("chrome", "122")),
        # corrected while looking again, whatever is said between
        (
            "Chrome version cent dix… non attendez, c'est le vieux poste, c'est 98.",
            ("chrome", "98"),
        ),
        ("Chrome version 121 je crois non attendez c'est marqué 122", ("chrome", "122")),
        (
            "Chrome version 108, enfin 118 ? Non attendez je regarde... si c'est bien 108.",
            ("chrome", "108"),
        ),
        ("Chrome, version cent... attendez... cent neuf, oui cent neuf.", ("chrome", "109")),
        ("Navigateur Chrome 122.0, euh, pardon, 126.", ("chrome", "126")),
        # a number said twice, and a hundred typed apart by the dictation
        ("c'est Firefox et la version c'est cent un cent un voilà", ("firefox", "101")),
        ("j'ai chrome version 100 22 point merci", ("chrome", "122")),
        # the device between the name and the version word
        ("Chrome sur l'iPhone (version 119 d'après les réglages)", ("chrome", "119")),
        ("C'est Safari sur un iPad, version 16.7 d'après les réglages.", ("safari", "16")),
        # a user agent read out on the phone
        (
            "apple web kit barre oblique cinq cent trente-sept point trente-six Chrome barre "
            "oblique cent dix-neuf point zéro point zéro point zéro Safari barre oblique cinq "
            "cent trente-sept point trente-six",
            ("chrome", "119"),
        ),
        (
            "alors mozilla cinq. zéro windows NT dix. zéro win soixante-quatre apple web kit "
            "chrome slash cent dix-neuf. zéro. zéro. zéro safari slash cinq cent trente-sept. "
            "trente-six voilà",
            ("chrome", "119"),
        ),
        # names as a phone or a dictation spells them
        ("écran blanc. Chrom 120 à jour.", ("chrome", "120")),
        ("j'utilise fer fox version cent quinze point zéro", ("firefox", "115")),
        # words the dictation glued together
        ("je suis surchrome version centvingt et ça me renvoie", ("chrome", "120")),
        ("firefox version quatrevingtonze", ("firefox", "91")),
        ("sur chrome version centvingtdeux", ("chrome", "122")),
        # the name Firefox went by, between the name and the version
        ("ton ordinateur a Firefox Quantum 68, c'est très vieux", ("firefox", "68")),
        ("bonjour ff esr 115 au bureau, impossible de me connecter", ("firefox", "115")),
    ],
)
def test_reads_browser_and_major_version_from_words(
    sentence: str, expected: tuple[str, str | None]
) -> None:
    assert named(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("j'utilise firefox cent quinze sous windows", ("firefox", "115")),
        ("il est sur Chrome version cent vingt-deux", ("chrome", "122")),
        ("on avait Chrome la version quatre-vingt-sept", ("chrome", "87")),
        # "la version c'est …", "la version est …": the version said after a verb
        ("je suis sur Chrome, la version c'est cent vingt-deux point zéro", ("chrome", "122")),
        ("j'utilise Firefox, la version est cent quinze", ("firefox", "115")),
        ("Navigateur Safari dix-sept.", ("safari", "17")),
        ("internet explorer onze sur le poste", ("ie", "11")),
        ("firefox E S R quatre-vingt-onze", ("firefox", "91")),
        ("c'est fire fox cent trente et un voilà", ("firefox", "131")),
        ("je suis sur faille fox cent quinze point à la ligne", ("firefox", "115")),
        # speech recognition's names, a version read digit by digit
        ("le navigateur c'est google crom version un deux un voilà", ("chrome", "121")),
        ("je suis sur microsoft ange version cent dix-neuf merci", ("edge", "119")),
        ("je suis sur fayer fox voilà merci", ("firefox", None)),
        ("j'utilise faire fox version quatre-vingt-quinze voilà", ("firefox", "95")),
        ("j'ai la dernière version de faire fox à la ligne", ("firefox", None)),
        ("firefox version un un cinq sur le portable", ("firefox", "115")),
        ("chrome version one two zero", ("chrome", "120")),
        ("safari version seize point six sur mac", ("safari", "16")),
        ("chrome cent dix-neuf point zéro point six mille quarante-cinq", ("chrome", "119")),
        ("Chrome soixante-dix-neuf", ("chrome", "79")),
        ("Firefox one hundred twenty", ("firefox", "120")),
        ("browser is chrome, version a hundred and twenty-one", ("chrome", "121")),
        # the hundred unsaid: "one twenty", "one nineteen"
        ("I am using chrome version one twenty full stop thanks", ("chrome", "120")),
        ("firefox one fifteen on the office laptop", ("firefox", "115")),
        ("chrome one twenty-two", ("chrome", "122")),
        # voice to text: "cent" heard as "sans"; the words of someone reading it out
        ("je suis sur chrome sans vingt-deux point zéro voilà", ("chrome", "122")),
        ("c'est chrome et la version attendez euh c'est cent vingt-trois", ("chrome", "123")),
        # "sans" before no number word is "without"
        ("je travaille sans deux écrans sur chrome", ("chrome", None)),
        # a phone number read out is not a version
        ("Chrome, rappeler au zéro six soixante et onze trente vingt-deux", ("chrome", None)),
        ("firefox deux fois de suite", ("firefox", None)),
    ],
)
def test_reads_versions_dictated_in_words(sentence: str, expected: tuple[str, str | None]) -> None:
    assert named(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("FF v118 on win10", ("firefox", "118")),
        ("I'm on Safari on my Mac, version 17.2.", ("safari", "17")),
        # a bare "v" on its digits before the name
        ("ça charge et ça revient au login. v120 de chrome. merci", ("chrome", "120")),
        ("la v115 de firefox sur le poste du quai", ("firefox", "115")),
        # dictation's Chrome
        ("je n'arrive pas à me connecter avec krom ça met erreur", ("chrome", None)),
        # a phone keyboard's slip
        ("pb de connexion, je suis sur firefix 118 (tablette du service)", ("firefox", "118")),
        # the version word mistyped on a phone
        ("connexion impossible au bureau, firefox versio 121 sur le poste", ("firefox", "121")),
        # voice typing's Firefox, and its "sang" for "cent"
        ("je suis sur feu refox version sang vingt-huit", ("firefox", "128")),
        ("navigateur faille air fox version cent deux point merci", ("firefox", "102")),
        # the name, the version word and the number glued by the dictation
        ("depuis ce matin point firefoxversion cent quinze point je roule", ("firefox", "115")),
        ("Jesuis sur Firefox versioncent trente. Merci.", ("firefox", "130")),
        ("je suis sur firefoxversion 115 au bureau", ("firefox", "115")),
        # digit by digit after "la version c'est"
        ("j'ai Firefox virgule la version c'est un deux huit point voilà", ("firefox", "128")),
        ("chrome verison 126 et toujours la page blanche", ("chrome", "126")),
        # a phone's platform between the name and its version
        ("sur le quai, Chrome android 120, impossible d'entrer", ("chrome", "120")),
        ("mon iPad, Safari iOS 16", ("safari", "16")),
        # a Windows version is not the browser's
        ("Firefox windows 11 au bureau", ("firefox", None)),
    ],
)
def test_reads_abbreviated_names_and_versions(
    sentence: str, expected: tuple[str, str | None]
) -> None:
    assert named(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "major"),
    [
        ("je suis sous firefox 115.6 esr poste ministere", "115"),
        ("Firefox 115 ESR poste de l'agent", "115"),
        ("chrome 120.0.6099 sur 3 postes", "120"),
    ],
)
def test_a_dotted_or_esr_version_is_a_version_whatever_word_follows(
    sentence: str, major: str
) -> None:
    found = extract_browser(sentence)
    assert found is not None and found.version == major


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the version word, then another thing's number, or a number not said whole
        ("Testé sous Edge au bureau.\nV. Lopez, DDPP 66", ("edge", None)),
        (
            "c'est Chrome et la version je l'ai pas sous les yeux c'est cent et quelque",
            ("chrome", None),
        ),
        ("Chrome, la version de Windows 10", ("chrome", None)),
        ("Firefox 115 non ESR, 64 bits", ("firefox", "115")),
        ("Chrome 120 non, rien sur Firefox", ("chrome", "120")),
        ("Chrome version 100 sur 22 postes", ("chrome", "100")),
        ("après vérification, c'est Chrome 102 et non 120.", ("chrome", "102")),
        # a "non" that answers something else, a date far after it
        (
            "Firefox 115, non rien à voir avec le navigateur, le problème est arrivé après "
            "la mise à jour du 18 mars",
            ("firefox", "115"),
        ),
        ("C'est Firefox, la version c'est 100 quelque chose, je ne sais plus", ("firefox", None)),
        (
            "elle est sur Firefox « version 60 quelque chose », le poste est ancien",
            ("firefox", "60"),
        ),
        ("le chrom de la voiture, fer forgé, version 120", None),
    ],
)
def test_a_number_near_the_version_word_that_is_not_its_version(
    sentence: str, expected: tuple[str, str | None] | None
) -> None:
    assert named(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Edge (dernière version)",
        "chrome à jour",
        "la dernière version de Chrome",
        "Chrome, tel 06 71 22 48 90",
        "Chrome 64 bits",
        "Chrome, le 12/01/2024",
        "Firefox 15/01",
        "Chrome 2 fois de suite",
        "Safari 605",  # a WebKit build, not a Safari version
        "Edge 3 postes",
        "Edge de 2019",
        "Chrome-2",
        # a number before the name that is not its version: machines, a date, a system
        "3 sur chrome",
        "le 12.05 sur chrome",
        "Je suis sous Windows 11 avec Chrome.",
        "iOS 17 with Safari",
    ],
)
def test_names_the_browser_without_a_version_when_the_number_is_not_its_version(
    sentence: str,
) -> None:
    found = extract_browser(sentence)
    assert found is not None
    assert found.version is None


@pytest.mark.parametrize(
    "sentence",
    [
        "version 2 du certificat",
        "Windows 10",
        "Expadon 2",
        "le 03/02/2024 à 10:15",
        "appelez-moi au 06 12 34 56 78",
        "certificat n° 2024-118563",
        "un brave homme m'a aidé",
        "with the brave team at the port",
        "c'est-à-dire, ie le navigateur par défaut",
        "l'explorateur de fichiers",
        "Windows version 10.0.19045",
        "adresse IP 192.168.100.12",
        "je ne sais pas quel navigateur",
        "",
        # the English word "edge"
        "We are on the edge of missing the vessel on Thursday.",
        "a cutting-edge exporter of cheese, the login fails",
        "the button sits at the edge of the screen",
    ],
)
def test_finds_no_browser_in_false_positive_traps(sentence: str) -> None:
    assert extract_browser(sentence) is None


def test_ignores_a_browser_the_customer_says_they_do_not_have() -> None:
    assert named("Je n'ai pas Chrome sur ce poste, seulement Edge") == ("edge", None)
    assert named("Erreur sur Edge. Je préfère ne pas installer Chrome.") == ("edge", None)
    assert named("sans Firefox ni Chrome, j'utilise Safari 17") == ("safari", "17")


def test_does_not_read_negation_far_from_the_name() -> None:
    assert named("je n'arrive pas à me connecter avec Firefox") == ("firefox", None)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # what fails on a browser says it is in use
        ("je me connecte pas sur firefox depuis la mise à jour", ("firefox", None)),
        ("ça marche pas sur chrome", ("chrome", None)),
        ("ça ne marche plus avec Edge", ("edge", None)),
        # being on a browser denied is no browser
        ("je ne suis pas sur Chrome", None),
        ("je n'utilise pas chrome", None),
    ],
)
def test_a_failure_on_a_browser_is_not_a_denial_of_it(
    sentence: str, expected: tuple[str, str | None] | None
) -> None:
    assert named(sentence) == expected


def test_brave_named_after_a_misspelt_browser_word() -> None:
    # voice-to-text spelling: "naviguateur"
    assert named("je ne peux pas me connecter avec mon naviguateur brave") == ("other", None)


def test_a_chromium_based_browser_keeps_its_own_name() -> None:
    assert named("J'utilise Vivaldi 6.5.3206.53 (basé sur Chromium).") == ("other", "6")
    assert named("J'utilise Brave, basé sur Chromium") == ("other", None)


def test_alternatives_without_versions_count_only_when_nothing_else_is_named() -> None:
    assert named("Vous conseillez Chrome ou Firefox, mais j'ai Edge") == ("edge", None)
    assert named("j'ai essayé Chrome et Firefox") is not None


def test_a_forms_menu_of_browsers_with_none_chosen_is_no_browser() -> None:
    menu = "Navigateur : Chrome / Firefox / Edge / Autre (rayer la mention inutile)\nVersion : _"
    assert named(menu) is None
    # two alternatives still name one (the customer hesitates, the agents ask)
    assert named("j'ai essayé Chrome et Firefox") is not None


def test_a_version_field_on_the_line_below_the_browser_field_is_its_version() -> None:
    assert named("Navigateur : Safari\nVersion : 17.2\nOS : macOS Sonoma 14.2") == ("safari", "17")
    assert named("- Navigateur : Edge\n- Version : 18") == ("edge", "18")
    # a small number in another sentence below is not the browser's version
    assert named("J'utilise Safari.\nVersion 2 du certificat refusée") == ("safari", None)


def test_the_latest_complete_statement_wins_in_one_text() -> None:
    text = "J'ai d'abord essayé Edge, puis Google Chrome version 121.0.6167.85, même erreur."
    assert named(text) == ("chrome", "121")


def test_a_complete_statement_beats_a_later_bare_name() -> None:
    assert named("Firefox 115 au bureau ; j'ai aussi essayé Edge") == ("firefox", "115")


def test_about_page_wording_names_a_bare_version() -> None:
    assert named("Version 91.0.4472.124 (Build officiel) (64 bits)") == ("chrome", "91")
    assert named("118.0.2088.76 (Version officielle) (64 bits)") == ("edge", "118")
    assert named("Version 121.0.6167.161 (Official Build) (64-bit)") == ("chrome", "121")
    assert named("Version 121.0.2277.98 (Official build) (64-bit)") == ("edge", "121")
    assert named("115.7.0esr (64 bits)") == ("firefox", "115")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "j'ai firefox, dans aide > à propos il y a marqué 78.15.0esr. c'est le pc du bureau",
            ("firefox", "78"),
        ),
        ("sous chrome, la page à propos affiche 120.0.6099.110. merci", ("chrome", "120")),
    ],
)
def test_a_bare_version_may_end_its_sentence(
    sentence: str, expected: tuple[str, str | None]
) -> None:
    assert named(sentence) == expected


def test_build_number_tells_chrome_from_edge_when_wording_is_ambiguous() -> None:
    # Both About pages say "(Build officiel)" in some French builds.
    assert named("Version 120.0.2210.133 (Build officiel) (64 bits)") == ("edge", "120")
    assert named("Version 120.0.6099.217 (Build officiel) (64 bits)") == ("chrome", "120")


def test_a_bare_version_alone_names_no_browser() -> None:
    assert extract_browser("version 121") is None
    assert extract_browser("voici la version : 119.2") is None
    # a build number without the About page's words names no browser either
    assert extract_browser("Browser version 122.0.6261.129 (64-bit).") is None
    assert extract_browser("version du navigateur : 120.0.2210.91") is None


def test_raw_keeps_the_words_the_browser_was_read_from() -> None:
    found = extract_browser("Navigateur : Firefox 115.3 ESR, poste verrouillé")
    assert found == Browser("firefox", "115", "Firefox 115.3 ESR")


def test_names_are_from_the_closed_set() -> None:
    samples = ["Edge 1", "IE 11", "Vivaldi", "Safari", "Opera 100", "Firefox", "Chrome 120"]
    for sample in samples:
        found = extract_browser(sample)
        assert found is None or found.name in BROWSER_NAMES


# --------------------------------------------------------------------------- conversations


def test_conversation_merges_a_name_with_a_version_given_later() -> None:
    assert conversation(
        "je n'arrive pas à me connecter",
        "c'est Chrome",
        "Version 121.0.6167.140 (Build officiel) (64 bits)",
    ) == ("chrome", "121")


def test_conversation_merges_a_bare_version_into_the_named_browser() -> None:
    assert conversation("erreur sur Edge", "voici la version : 120.0.2210.144") == ("edge", "120")


def test_conversation_merges_a_version_given_before_the_name() -> None:
    assert conversation("Version 121.0.6167.140", "c'est Chrome") == ("chrome", "121")


def test_conversation_named_browser_beats_about_wording_guess() -> None:
    # The customer named Chrome; an ambiguous About line does not rename it.
    assert conversation("c'est chrome", "Version 119.0.6045.200") == ("chrome", "119")


def test_conversation_latest_complete_statement_wins() -> None:
    assert conversation("Firefox 115", "finalement sur Chrome 121 même erreur") == (
        "chrome",
        "121",
    )
    assert conversation("Firefox 115", "j'ai aussi essayé Chrome") == ("firefox", "115")


def test_conversation_with_a_new_browser_named_takes_its_own_version() -> None:
    assert conversation("Firefox 115", "je suis passé sur Edge", "version 120.0.2210.91") == (
        "edge",
        "120",
    )


def test_conversation_keeps_the_name_when_the_version_never_comes() -> None:
    assert conversation("connexion impossible", "c'est chrome", "je ne trouve pas") == (
        "chrome",
        None,
    )


def test_conversation_bare_version_with_no_name_anywhere_is_none() -> None:
    assert conversation("connexion impossible", "la version est 121") is None


def test_conversation_bare_version_named_by_about_wording_when_nothing_else_does() -> None:
    assert conversation("page blanche", "Version 86.0.4240.198 (Build officiel) (32 bits)") == (
        "chrome",
        "86",
    )


def test_conversation_of_nothing_is_none() -> None:
    assert extract_browser_from_conversation([]) is None
    assert conversation("bonjour", "merci") is None


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "raw",
    [
        "Chrome 120 " * 1_000_000,
        "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0.0.0 Safari/537.36\n" * 50_000,
        "Chrome/1 " * 500_000,
        "\x00\x01Chrome\x02 120\x7f" * 100_000,
        "\u202eChrome 120\u200f" * 100_000,
        ("C" + "\u0301" * 30 + "hrome ") * 50_000,
        "version 120.0.6099.1 " * 200_000,
        "chrome ou firefox ou edge " * 200_000,
        "1." * 2_000_000,
        bytes(range(256)).decode("latin-1") * 40_000,
    ],
)
def test_browser_extraction_survives_hostile_input(raw: str) -> None:
    found = extract_browser(raw)
    assert found is None or found.name in BROWSER_NAMES
    merged = extract_browser_from_conversation([raw, raw])
    assert merged is None or merged.name in BROWSER_NAMES


def test_browser_extraction_accepts_non_string_input_without_raising() -> None:
    assert extract_browser(None) is None  # type: ignore[arg-type]  # hostile caller
    assert extract_browser_from_conversation([None, "Chrome 120"]) == Browser(  # type: ignore[list-item]  # hostile caller
        "chrome", "120", "Chrome 120"
    )


# --------------------------------------------------------------------------- spoken versions


@pytest.mark.parametrize(
    ("text", "name", "version"),
    [
        ("j'utilise firefox cent quinze", "firefox", "115"),
        ("chrome version cent vingt-deux", "chrome", "122"),
        ("c'est Edge, version quatre-vingt-sept", "edge", "87"),
        ("sur Chrome version quatre vingt dix neuf", "chrome", "99"),
        ("firefox version cent deux esr", "firefox", "102"),
        ("le navigateur est firefox version cent vingt et un", "firefox", "121"),
        ("chrome one hundred twenty", "chrome", "120"),
    ],
)
def test_a_version_dictated_in_words_is_read(text: str, name: str, version: str) -> None:
    b = extract_browser(text)
    assert b is not None and (b.name, b.version) == (name, version)


# --------------------------------------------------------------------------- client hints


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('Sec-CH-UA: "Google Chrome";v="120", "Chromium";v="120", "Not_A Brand";v="24"', "chrome"),
        ('sec-ch-ua: "Not_A Brand";v="8", "Chromium";v="120", "Microsoft Edge";v="120"', "edge"),
        ('Sec-CH-UA: "Chromium";v="120", "Not_A Brand";v="24"', "chrome"),
    ],
)
def test_a_pasted_client_hint_header_names_the_browser(header: str, name: str) -> None:
    b = extract_browser(f"Voici les infos techniques :\n{header}\n")
    assert b is not None and (b.name, b.version) == (name, "120")


# --------------------------------------------------------------------------- devices


@pytest.mark.parametrize(
    "signature",
    [
        "Envoyé de mon iPhone",
        "Envoyé de mon iPad",
        "Sent from Outlook for Android",
        "Get Outlook for iOS",
        "Envoyé depuis mon Samsung Galaxy",
        "Sent from my iPhone",
    ],
)
def test_a_mail_client_signature_naming_a_device_is_not_a_browser(signature: str) -> None:
    assert extract_browser(f"Je n'arrive pas à me connecter.\n\n{signature}") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon Firefox est le 101.0.1, je crois.", ("firefox", "101")),
        ("My Chrome is 118, I think.", ("chrome", "118")),
        ("Chrome est le navigateur du bureau.", ("chrome", None)),
    ],
)
def test_a_version_told_with_a_verb_is_read(text: str, expected: tuple[str, str | None]) -> None:
    b = extract_browser(text)
    assert b is not None
    assert (b.name, b.version) == expected


def test_names_mentioned_reads_the_names_as_the_extractor_does() -> None:
    assert names_mentioned(["Testez sous Chrome ou Firefox.", "J'ai Edge 120"]) == {
        "chrome",
        "firefox",
        "edge",
    }
    assert names_mentioned(["Bonjour, rien à signaler."]) == frozenset()


@pytest.mark.parametrize(
    "answer",
    [
        "la version c'est cent dix-huit",
        "la version est la 118",
        "the version is 118",
        "La version, c'est la 118.",
    ],
)
def test_a_version_said_after_a_verb_completes_the_browser_named_before(answer: str) -> None:
    # the customer named the browser in the ticket, then answers with the version alone
    assert conversation("impossible de me connecter sur Firefox, page blanche", answer) == (
        "firefox",
        "118",
    )
