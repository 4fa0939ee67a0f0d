"""Which browser, and which major version, a customer says they use. Pure, never raises.

Sources, strongest first:

1. **Pasted user-agent strings** ("Mozilla/5.0 (…) Chrome/120.0.0.0 Safari/537.36
   Edg/120.0.2210.91") are parsed by the maintained ``ua-parser`` package; its families
   are mapped by :data:`UA_FAMILIES` (Chrome Mobile → chrome, Mobile Safari → safari,
   Samsung Internet → other…).
2. **Words**: a browser name ("Google Chrome", "Mozilla Firefox", "Microsoft Edge", "IE11",
   "Internet Explorer", "Safari", "Opera", and Vivaldi, Brave, Samsung Internet, Yandex…
   as ``other``) with a version attached to it or clearly about it: "Firefox 115",
   "firefox 115.3 esr", "Chrome v.120", "Chrome (Version 120.0.6099.217 (Build officiel))",
   "la version 119 d'Edge". A number counts only when attached to the name: "version 2
   du certificat", "Windows 10", "Expadon 2", dates, phone numbers and "64 bits" are not
   browser versions. "Edge (dernière version)", "à jour" → version ``None``.
   "Chromium" is reported as ``chrome``: same engine, same version numbers, and the
   support's advice (Chrome/Firefox) treats them alike; a Chromium-based browser that
   names itself (Vivaldi, Brave, Opera, Edge) keeps its own name, and "basé sur
   Chromium" is not a mention of Chromium.
3. **Bare versions**, with no browser name next to them ("Version 87.0.4280.88 (Build
   officiel) (32 bits)", "voici la version : 119.0.2151.97"), complete a browser named
   elsewhere. When no browser is named anywhere, the About-page wording names it:
   with that wording, a four-part version from major 79 on is Chrome's or Edge's,
   told apart by its build number (Chrome 120 is 120.0.6099.x, Edge 120 is
   120.0.2210.x); otherwise "(Version officielle)"/"(Official build)" is Edge's
   wording, "(Build officiel)"/"(Official Build)" Chrome's, "esr" Firefox's. A bare
   version that names nothing ("Browser version 122.0.6261.129", with no About-page
   words after it) gives ``None``: a version without a browser is not a browser, and
   the customer is asked which one (every labelled ticket that says so, 3 of 3). In a
   conversation, a comment that is only a number ("17.2", "v121") after the browser was
   named answers the bot's "which version?".

Mentions that deny use ("je n'ai pas Chrome", "sans Firefox", "ne pas installer
Chrome") are ignored; mentions that are only a comparison ("basé sur Chromium") or a
list of alternatives without versions ("Chrome ou Firefox") count only when nothing
else is named. Among the rest, the latest complete statement (name and version)
wins; failing one, the latest named browser.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from routerbot.domain import Browser
from routerbot.engine.patterns import LazyPattern
from routerbot.engine.text import bounded

__all__ = [
    "BROWSER_NAMES",
    "UA_FAMILIES",
    "extract_browser",
    "extract_browser_from_conversation",
    "parse_user_agent",
    "warm_up",
]

BROWSER_NAMES = ("chrome", "firefox", "edge", "safari", "ie", "opera", "other")

#: ua-parser family → our name. Families not listed map to ``other`` ("Other" to nothing).
UA_FAMILIES: dict[str, str] = {
    "Chrome": "chrome",
    "Chrome Mobile": "chrome",
    "Chrome Mobile iOS": "chrome",
    "Chrome Mobile WebView": "chrome",
    "Chromium": "chrome",
    "HeadlessChrome": "chrome",
    "Chrome Frame": "chrome",
    "Firefox": "firefox",
    "Firefox Mobile": "firefox",
    "Firefox iOS": "firefox",
    "Firefox Beta": "firefox",
    "Firefox Alpha": "firefox",
    "Firefox (Nightly)": "firefox",
    "Edge": "edge",
    "Edge Mobile": "edge",
    "Safari": "safari",
    "Mobile Safari": "safari",
    "Mobile Safari UI/WKWebView": "safari",
    "IE": "ie",
    "IE Mobile": "ie",
    "Opera": "opera",
    "Opera Mobile": "opera",
    "Opera Mini": "opera",
    "Opera Tablet": "opera",
    "Opera Neon": "opera",
    "Opera GX": "opera",
}

#: Plausible major versions per browser; a number outside is not that browser's version.
_VERSION_RANGE: dict[str, tuple[int, int]] = {
    "chrome": (4, 200),
    "firefox": (2, 200),
    "edge": (12, 200),
    "safari": (3, 30),
    "ie": (4, 11),
    "opera": (7, 200),
    "other": (1, 200),
}

_MAX_UA_PER_TEXT = 5
_MAX_MENTIONS = 60


def _build_fold_table() -> dict[int, str]:
    """Length-preserving fold: lower case, accents off, typographic punctuation unified."""
    table: dict[int, str] = {}
    for cp in range(0x00C0, 0x0250):
        c = chr(cp)
        low = c.lower()
        base = unicodedata.normalize("NFKD", low)[:1] if len(low) == 1 else ""
        if base.isascii() and base.isalpha():
            table[cp] = base
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp + 32)
    for c in "’‘ʼ`´′‛":
        table[ord(c)] = "'"
    for c in "‐‑‒–—―−":
        table[ord(c)] = "-"
    for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u3000":
        table[ord(c)] = " "
    homoglyphs = {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "ο": "o", "α": "a", "ε": "e", "ι": "i",
        "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "һ": "h", "к": "k", "м": "m",
        "т": "t", "в": "b", "н": "h",
        "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
        "С": "c", "Т": "t", "Х": "x", "І": "i", "Ј": "j", "Ѕ": "s",
    }  # fmt: skip
    for k, v in homoglyphs.items():
        table[ord(k)] = v
    return table


_FOLD = _build_fold_table()

# --------------------------------------------------------------------------- patterns

_UA_START = re.compile(r"(?:Mozilla|Opera)/\d")
_UA_PRODUCTS = (
    "AppleWebKit", "Chrome", "CriOS", "Firefox", "FxiOS", "Safari", "Edg", "EdgA", "EdgiOS",
    "Edge", "OPR", "Gecko", "Trident", "SamsungBrowser", "Vivaldi", "YaBrowser", "Version",
    "Mobile",
)  # fmt: skip
#: what each product token starts with: a text holding none has no token
_UA_PRODUCT_SLASHES = tuple(f"{p}/" for p in _UA_PRODUCTS)
#: ``\b(?:AppleWebKit|Chrome|…)/\d[\w.]*``, each name followed by its word-boundary
#: check (a look-behind) so that the pattern starts with a letter the scan can look for
_UA_TOKEN = LazyPattern("(?:" + "|".join(rf"{p}(?<=\b{p})" for p in _UA_PRODUCTS) + r")/\d[\w.]*")
_UA_STOP = LazyPattern(r"[\n<>\"«»`]")

_NAMES = LazyPattern(
    r"(?<![a-z0-9_@./-])(?:"
    # ("Microsoft hedge": Edge as speech recognition hears it)
    r"(?P<edge>(?:microsoft[ \t]+|ms[ \t]+)?h?edge(?:[ \t]+chromium)?|microsoft[ \t]+ange)"
    # ("google crom", "microsoft ange", "faille fox", "fayer fox", "faire fox", "feu refox":
    # as speech recognition hears them)
    r"|(?P<chrome>google[ \t]+chrome|chrome|chromium|google[ \t]+chrom|google[ \t]+crom|crome"
    r"|chorme|krom|chrom(?=[ \t]+v?\d))"
    r"|(?P<firefox>(?:mozilla[ \t]+)?fire[ \t]?foxe?|firfox|fierfox|firefow|firefix"
    # (not "Mozilla/5.0", nor the same read out: "mozilla cinq point zéro")
    r"|mozilla(?![ \t]*/)(?![ \t]+(?:slash[ \t]+|barre[ \t]+oblique[ \t]+)?(?:5|cinq)\b)"
    r"|fa(?:ille|yer|ire)[ \t]?(?:air[ \t]+)?fox|fer[ \t]?fox|feu[ \t]?re[ \t]?fox"
    r"|ff(?=[ \t]?(?:esr[ \t]+)?(?:v\.?[ \t]?)?\d{2,3}\b))"
    r"|(?P<ie>internet[ \t]+explor(?:er|ateur)|(?<!windows )(?<!file )explorer"
    r"|ie(?=[ \t]?-?\d{1,2}\b)|ie)"
    r"|(?P<safari>safari)"
    r"|(?P<opera>opera(?:[ \t]+gx)?)"
    r"|(?P<other>vivaldi|samsung[ \t]+internet|yandex(?:[ \t]+browser)?|duckduckgo|waterfox"
    r"|pale[ \t]?moon|seamonkey|tor[ \t]+browser|maxthon|uc[ \t]?browser|librewolf|floorp"
    r"|arc[ \t]+browser|brave"
    # browsers of other markets: "Coc Coc browser version 117", "QQ Browser 12"
    r"|coc[ \t]?coc|qq[ \t]+browser|sogou(?:[ \t]+browser)?|whale[ \t]+browser"
    r"|kiwi[ \t]+browser|huawei[ \t]+browser)"
    r")(?![a-z_@])"
)
#: Every word of a name above is a whole run of a-z letters (the look-behind and the
#: look-ahead forbid a letter on either side, and the words of a name are separated by
#: blanks): a text whose letter runs hold none of these first words names no browser.
_NAME_FIRST_WORDS = frozenset(
    {
        "microsoft", "ms", "edge", "hedge", "google", "chrome", "chromium", "crome", "chorme",
        "krom", "chrom", "fer", "ferfox", "feu", "feurefox", "feure",
        "mozilla", "fire", "firefox", "firefoxe", "firfox", "fierfox", "firefow", "firefix",
        "faille", "faillefox",
        "fayer", "fayerfox", "faire", "fairefox",
        "ff", "internet",
        "explorer", "ie", "safari", "opera", "vivaldi", "samsung", "yandex", "duckduckgo",
        "waterfox", "pale", "palemoon", "seamonkey", "tor", "maxthon", "uc", "ucbrowser",
        "librewolf", "floorp", "arc", "brave", "coc", "coccoc", "qq", "sogou", "whale", "kiwi",
        "huawei",
    }
)  # fmt: skip
_LETTER_RUN = re.compile("[a-z]+")
_AFTER_NAME = LazyPattern(
    # "Chrome à jour (122)", "Firefox up to date (121)": the version said after it
    r"(?:[ \t]+(?:[aà][ \t]+jour|up[ \t-]to[ \t-]date)(?=[ \t]*[(\[:,=-]))?"
    # ("Firefox Quantum 68": the name Firefox went by, before the version)
    # ("Firefox/121.0": the product token of a user agent, copied alone or read out as
    # "Firefox slash cent vingt et un")
    # ("« À propos de Google Chrome » : 125.0": the menu's name quoted, then its number)
    r"[ \t]*(?:[»”\"][ \t]*)?(?:[(\[:,=/-][ \t]*)?(?:(?:esr|quantum)[ \t]+)?"
    # the platform between the name and its version: "Chrome android 121", "Safari iOS 17"
    # ("chrome sous android version 126": the version word says whose number it is)
    # ("Firefox pour Android 121", "Chrome for Android 120": the app's own name)
    r"(?:(?:android|ios|mobile)[ \t]+|(?:pour|for)[ \t]+(?:android|ios)[ \t]+"
    r"|(?:sous|sur|on|under)[ \t]+(?:android|ios)[ \t]*,?[ \t]*(?=v)"
    # the device between them, before the version word: "Safari sur l'iPad, version 16"
    # ("Chrome sur l'iPhone (version 119 …)", "Safari sur un iPad, version 16.7")
    r"|(?:sur|on)[ \t]+(?:l'|(?:mon|ma|un|une|son|sa|my|the|a|an|her|his)[ \t]+)?"
    r"(?:ipad|iphone|mac|macbook|tablette|tablet)[ \t]*[,(]?[ \t]*(?=v))?"
    r"(?:(?:la[ \t]+)?(?:derniere|last|latest)[ \t]+)?"
    r"(?:(?:est|is)[ \t]+)?"  # "mon Firefox est le 101.0.1", "my Chrome is 118"
    # "chrome et la version …" (said on the phone)
    r"(?:(?:en|la|le|sa|de|with|en[ \t]+la|et[ \t]+la|and[ \t]+the)[ \t]+)?"
    # ("et la version, attendez, cent vingt-trois": a comma where the speaker pauses)
    # (a mail wrapped after the word: "Chrome, version\n120")
    # (the word mistyped on a phone: "chrome versio 124", "firefox verison 121")
    r"(?:(?:versione|version|versio|verison|vesion|verion|vers\.?|ver\.?|v\.?)[ \t]*[:.=,]?[ \t]*"
    r"\n?[ \t]*|n[°o][ \t]*)?"
    # the words of someone reading it out: "la version attendez euh c'est 123"
    r"(?:(?:euh|heu|hum|attendez|attends|alors|donc|voila|voilà)[ \t]*,?[ \t]+){0,3}"
    # "la version c'est 122", "la version est la 115", "the version is 120"
    r"(?:(?:c'est|c est|est|is)[ \t]+(?:(?:la|le)[ \t]+)?)?"
    r"(?:[\"«“][ \t]*)?"  # a version quoted as read out: « cent vingt-deux » → « 122 »
    r"(?P<v>\d{1,3}(?:\.\d{1,6}){0,3})(?P<esr>[ \t]*esr)?(?![\d/]|\.\d|[,.]\d|[a-z])"
)
_IE_VERSION = LazyPattern(r"[ \t]?-?(?P<v>\d{1,2})(?:\.\d+)*(?![\d/])")
_NOT_A_VERSION_AFTER = LazyPattern(
    r"[ \t]*(?:-?[ \t]*bits?\b|h\b|heures?\b|min\b|mn\b|jours?\b|ans\b|%|€|euros?\b|fois\b"
    r"|postes?\b|pc\b|utilisateurs?\b|agents?\b|personnes?\b|onglets?\b|fenetres?\b"
    r"|[ \t]\d{2}[ \t]\d{2}"
    # "c'est cent et quelque", "a hundred and something": not said whole (but "125
    # quelque chose" is 125)
    r"|(?<=100)[ \t]+(?:et[ \t]+)?quelques?\b|(?<=100)[ \t]+(?:and[ \t]+)?something\b)"
)
# "version", "vers.", "v." or a bare "v" on its digits ("v120 de chrome"), not preceded
# by a word character or a dot (checked once the "v" is read, so that the scan looks for
# a "v" instead of trying every position)
_VERSION_WORD = r"v(?<![\w.]v)(?:ersion|ers\.|\.|(?=\d))"
_VERSION_BEFORE_NAME = LazyPattern(
    _VERSION_WORD + r"[ \t]*(?P<v>\d{1,3}(?:\.\d{1,6}){0,3})[ \t]+"
    r"(?:de|d'|du|sur|of)[ \t]*(?:google[ \t]+|microsoft[ \t]+|mozilla[ \t]+)?"
    r"(?P<name>chrome|firefox|edge|safari|opera|internet explorer|vivaldi|brave)(?![a-z])"
)
#: a bare number said first, the way an answer to "which version?" goes: "119 sur
#: chrome" (two digits at least: "3 sur chrome" counts machines; a number with one dot
#: is a date, "le 12.05 sur chrome"; not a system's number, "Windows 11 avec Chrome")
_NUMBER_BEFORE_NAME = LazyPattern(
    r"(?<![\w.,])(?<!windows )(?<!win )(?<!ios )(?<!android )(?<!macos )(?<!os )"
    r"(?P<v>\d{2,3}(?:(?:\.\d{1,6}){2,3})?)[ \t]+(?:sur|on|avec|with)[ \t]+"
    r"(?:google[ \t]+|microsoft[ \t]+|mozilla[ \t]+)?"
    r"(?P<name>chrome|firefox|edge|safari|opera|internet explorer|vivaldi|brave)(?![a-z])"
)
_NEGATED_BEFORE = LazyPattern(
    r"(?:\bpas|\bsans|\bni|\bplus|\bnot|\bno|\bnor|\bwithout)"
    r"(?:[ \t]+(?:de|d'|le|la|l'|sur|avec|installer|installe|installee|acces[ \t]+a|utiliser"
    r"|droit[ \t]+a|encore|have|use|using|installed|a|an|the|any))*[ \t]*'?[ \t]*$"
)
# "ça marche pas sur Chrome", "je me connecte pas avec Firefox": the failure happens on
# that browser, which is in use; "je ne suis pas sur Chrome" denies it
_FAILS_ON_BEFORE = LazyPattern(
    r"(?<!\bsuis)(?<!\bes)(?<!\best)(?<!\bsommes)(?<!\betes)(?<!\bsont)(?<!\bsoit)"
    r"[ \t]+(?:pas|plus)[ \t]+(?:sur|avec)[ \t]*$"
)
_COMPARISON_BEFORE = LazyPattern(
    r"(?:\bbases?e?s?[ \t]+sur|\bbased[ \t]+on|\bmoteur|\bcomme|\bsimilaire[ \t]+a"
    r"|\bsimilar[ \t]+to|\blike|\bequivalent[ \t]+(?:a|de)|\bfork[ \t]+de|\bderive[ \t]+de"
    r"|\bsur[ \t]+base[ \t]+de)"
    r"[ \t]*(?:d'|de[ \t]+)?$"
)
_ALTERNATIVE_GAP = LazyPattern(r"^[ \t]*(?:,|/|ou|et|or|and|&|\+)[ \t]*(?:ou[ \t]+|or[ \t]+)?$")
_ABOUT_TAIL = LazyPattern(
    r"[ \t]*(?:esr)?[ \t]*\([ \t]*(?P<tail>build officiel|official build|version officielle"
    r"|build officielle|version officiel)[ \t]*\)"
)
_BARE_VERSION = LazyPattern(
    # ("la version, c'est la 115": a comma before what the speaker says it is)
    _VERSION_WORD + r"[ \t]*(?:[:=][ \t]*|,[ \t]*(?=c'est|c est))?"
    # "la version c'est 121", "la version est la 115", "the version is 120"
    r"(?:(?:c'est|c est|est|is)[ \t]+(?:(?:la|le)[ \t]+)?)?"
    r"(?P<v>\d{1,3}(?:\.\d{1,6}){0,3})"
    r"(?P<esr>esr)?(?![\d/]|\.\d|[a-z])"
)
#: the version word, then a few words said before the number: "version… attendez…
#: 119", "une vieille version, la 108", "la version d'après le menu à propos c'est
#: 121.0.6167", "la version ? 120 je crois", "version numéro 124" (no digit, no line
#: break and no full stop between; see :data:`_NOT_BROWSER_GAP`)
_LOOSE_VERSION = LazyPattern(
    r"(?<![\w.])versione?(?P<gap>(?:[ \t]*(?:[,:?(]|\.{2,4}|…)|[ \t]+[a-z'’°]+){1,8}?)[ \t]*"
    r"(?P<v>\d{1,3}(?:\.\d{1,6}){0,3})"
    r"(?P<esr>esr)?(?![\d/]|\.\d|[a-z])"
)
#: words that say the number after "version" is another thing's (the system's, the
#: form's, the portal's)
_NOT_BROWSER_GAP = LazyPattern(
    r"windows|\bwin\b|\bios\b|android|mac|expadon|adobe|acrobat|reader|office|pdf|certificat"
    r"|modele|formulaire|appli|logiciel|document|excel|word|outlook|\bos\b|systeme|firmware"
    r"|java|portail|site|norme|page|etape|jour|depuis|avant|ancienne"
)
# (a full stop may end the sentence after it: "il y a marqué 78.15.0esr.")
_BARE_ESR = LazyPattern(r"(?<![\w.])(?P<v>\d{2,3}(?:\.\d{1,2}){1,2})(?P<esr>[ \t]?esr)(?!\w|\.\w)")
_BARE_BUILD = LazyPattern(
    r"(?<![\w.])(?P<v>\d{2,3}\.\d{1,2}\.\d{3,5}\.\d{1,4})(?P<esr>esr)?(?!\w|\.\w)"
)
_NOT_BROWSER_CONTEXT = LazyPattern(
    r"(?:windows|\bios|android|mac ?os|os ?x|java|expadon|adobe|acrobat|reader|office|pdf"
    r"|certificat|modele|formulaire|appli|application|logiciel|document|excel|word|outlook"
    r"|\bos|systeme|firmware|\bip|adresse)[^.\n]{0,12}$"
)
_BRAVE_CONTEXT = LazyPattern(
    r"(?:sur|avec|via|depuis|utilise|navig\w*|browser|using|use)\W*(?:(?:the|le|la)[ \t]+)?$"
)
#: "the Brave browser", "le navigateur Brave": the browser, not the adjective
_BRAVE_BROWSER = re.compile(r"[ \t]+(?:browser|navigateur)\b")
# Every word pattern needs one of these (on folded text): a cheap first look, made of
# substrings (``in`` runs in C, where one regular expression of thirty alternatives
# tries each of them at every position), three word starts and a build number.
_HINT_SUBSTRINGS = (
    "vers", "tor", "fire", "chrom", "edge", "pale", "esr", "opera", "mozilla", "safari",
    # ("fox": dictation's "faille fox", "fayer fox", "faire fox")
    "explorer", "explorateur", "brave", "browser", "crome", "chorme", "firfox", "fierfox", "fox",
    "vivaldi",
    "samsung", "yandex", "duckduckgo", "waterfox", "seamonkey", "maxthon", "librewolf", "floorp",
    "krom",  # (dictation's Chrome)
    "coc", "sogou",  # (Coc Coc, Sogou; QQ, Whale, Kiwi and Huawei's say "browser")
)  # fmt: skip
# "ie", "ff", "v." at the start of a word (the look-behind checks it after the
# literal, which the scan then looks for directly)
_HINT_IE = re.compile(r"ie(?<=\bie)")
_HINT_FF = re.compile(r"ff(?<=\bff)")
_HINT_V = re.compile(r"v\.(?<=\bv\.)")
# (a digit, a dot… found from the dot, a literal the engine scans for, the digit
# before it checked behind: the same texts as \d\.\d{1,2}\.\d{3})
_HINT_BUILD = re.compile(r"\.(?<=\d\.)\d{1,2}\.\d{3}")


def _hinted(w: str) -> bool:
    """Could a word pattern match the folded text ``w``? (One of the hints is in it.)"""
    for h in _HINT_SUBSTRINGS:
        if h in w:
            return True
    if "ie" in w and _HINT_IE.search(w) is not None:
        return True
    if "ff" in w and _HINT_FF.search(w) is not None:
        return True
    if "v." in w and _HINT_V.search(w) is not None:
        return True
    return "." in w and _HINT_BUILD.search(w) is not None


#: Four hints are common French and English words' parts: "opera" (opérateur), "vers"
#: (vers, traverser), "tor" (autorisation), "pale" (principale). The word patterns need
#: more of them: "opera" as a whole name, "version" or "vers." at a word's start, "pale
#: moon"; "tor browser" needs "browser", itself a hint. A text with only these parts
#: gets none of the word patterns' mentions, which are then not looked for.
_LOOSE_HINTS = frozenset({"opera", "vers", "tor", "pale"})
_WORD_HINT_SUBSTRINGS = tuple(h for h in _HINT_SUBSTRINGS if h not in _LOOSE_HINTS)
# (three patterns, each starting with its word: a literal the engine scans for, where
# one alternation is tried at every character; "(?<![\w.])vers" checked after "vers")
_WORD_HINT_LOOSE = (
    ("opera", re.compile(r"opera(?![a-z_@])")),
    ("vers", re.compile(r"vers(?<![\w.]vers)(?:ion|\.)")),
    ("pale", re.compile(r"pale[ \t]?moon")),
)


def _word_hinted(w: str) -> bool:
    """:func:`_hinted`, with the four loose hints read as the word patterns need them."""
    for h in _WORD_HINT_SUBSTRINGS:
        if h in w:
            return True
    for h, rx in _WORD_HINT_LOOSE:
        if h in w and rx.search(w) is not None:
            return True
    if "ie" in w and _HINT_IE.search(w) is not None:
        return True
    if "ff" in w and _HINT_FF.search(w) is not None:
        return True
    if "v." in w and _HINT_V.search(w) is not None:
        return True
    return "." in w and _HINT_BUILD.search(w) is not None


_DE_AFTER = LazyPattern(r"[ \t]+(?:du|de|des|d')(?:[ \t]|$)")


# --------------------------------------------------------------------------- spoken numbers

#: Number words of dictated versions ("Chrome cent vingt-deux", "Firefox E S R
#: quatre-vingt-onze", "Chrome cent dix-neuf point zéro point six mille quarante-cinq"),
#: French (Belgium's and Switzerland's too) and English. "un"/"une"/"one" alone are
#: articles, not numbers.
_NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "zéro": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60, "cent": 100, "cents": 100, "mille": 1000,
    # Belgian and Swiss French ("Firefox nonante-sept")
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
    "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}  # fmt: skip
#: Inside a number only ("vingt et un", "one hundred and one").
_NUMBER_INNER: dict[str, int] = {"un": 1, "une": 1, "one": 1}
_NUMBER_JOINERS = frozenset({"et", "and"})
_NUMBER_WORD = LazyPattern(
    "(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")", re.IGNORECASE
)
_ASCII_NUMBER_WORDS = frozenset(w for w in _NUMBER_WORDS if w.isascii())
_WORD_RUN = re.compile(r"\w+")


def _says_number(s: str) -> bool:
    """Is one of the words of ``s`` (as ``\\b…\\b`` sees words: runs of ``\\w``) a number
    word, in any case? An ASCII word is looked up, any other is matched as the pattern."""
    for word in set(_WORD_RUN.findall(s)):
        if word.isascii():
            if word.lower() in _ASCII_NUMBER_WORDS:
                return True
        elif _NUMBER_WORD.fullmatch(word) is not None:
            return True
    return False


_NUMBER_ALT = "|".join(sorted([*_NUMBER_WORDS, *_NUMBER_INNER], key=len, reverse=True))
#: (a mail wrapped inside a number keeps it whole: "version cent\nvingt-trois")
_SPOKEN_RUN = LazyPattern(
    rf"\b(?:{_NUMBER_ALT})"
    rf"(?:(?:[ \t]*\n[ \t]*|[ \t]+|-)(?:(?:et|and)(?:[ \t]+|-))?(?:{_NUMBER_ALT}))*\b",
    re.IGNORECASE,
)
_SANS_FOR_CENT = LazyPattern(
    r"\b(?:sans|sang)(?=[ \t]+(?:dix|onze|douze|treize|quatorze|quinze|seize|vingt|trente|quarante"
    r"|cinquante|soixante|deux|trois|quatre|cinq|six|sept|huit|neuf)\b)",
    re.IGNORECASE,
)
#: "a hundred and twenty-one": the article counts one hundred
_A_HUNDRED = LazyPattern(r"\ba(?=[ \t]+hundred\b)", re.IGNORECASE)
#: "one twenty", "one nineteen": a version read out in the English way, the hundred unsaid
_ONE_TENS = LazyPattern(
    r"\bone(?=[ \t]+(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    r"|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b)",
    re.IGNORECASE,
)
#: "version un deux un": a version read out digit by digit (two or three digits, right
#: after "version"): the number words of one digit ("une" is only ever an article here)
_DIGIT_WORDS = {
    w: str(v) for w, v in {**_NUMBER_WORDS, **_NUMBER_INNER}.items() if v < 10 and w != "une"
}
_DIGIT_ALT = "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True))
_DIGIT_BY_DIGIT = LazyPattern(
    # ("la version c'est un deux huit": the version said digit by digit after "c'est")
    rf"\b(version[ \t]+(?:c['’]est[ \t]+(?:la[ \t]+)?)?)"
    rf"((?:{_DIGIT_ALT})(?:[ \t]+(?:{_DIGIT_ALT})){{1,2}})\b"
    rf"(?![ \t]+(?:{_DIGIT_ALT}|cent|cents|hundred|dix|vingt|trente|quarante|cinquante"
    r"|soixante)\b)",
    re.IGNORECASE,
)
_SPELLED_ESR = LazyPattern(r"\be[ \t.]s[ \t.]r\b\.?", re.IGNORECASE)
_DOT_BETWEEN = LazyPattern(r"(?<=\d)[ \t]+(?:point|dot)[ \t]+(?=\d)", re.IGNORECASE)
#: "quinze point six point un": a lone "un" is read as a number only after "point"
_POINT_ONE = LazyPattern(r"(?<=\d)[ \t]+(?:point|dot)[ \t]+(?:un|one)\b", re.IGNORECASE)


def _number_value(words: Sequence[str]) -> int | None:
    """The value of a run of number words, or None when it is not one number (a phone
    number read out, "zéro six soixante et onze…", is several)."""
    total = current = 0
    last = 10_000  # each added part must be smaller than the one before
    previous = ""
    for word in words:
        if word in _NUMBER_JOINERS:
            previous = word
            continue
        value = _NUMBER_WORDS.get(word)
        if value is None:
            value = _NUMBER_INNER.get(word)
            if value is None or len(words) == 1:
                return None
        if value == 100:
            current = (current or 1) * 100
            last = 100
        elif value == 1000:
            total += (current or 1) * 1000
            current, last = 0, 1000
        elif value == 20 and previous == "quatre":
            current += 76  # quatre-vingt(s) = 80
            last = 20
        elif value >= last or last == 0:
            return None
        else:
            current += value
            last = value
        previous = word
    return total + current


_NON_ASCII_WORD_CHAR = re.compile(r"[^\W\x00-\x7f]")


def _says_number_folded(w: str) -> bool:
    """:func:`_says_number` of a folded text, skipped when no letter run is a number word
    and every word character is ASCII (then every word is lower-case ASCII, and a number
    word would be one of its letter runs)."""
    if _NON_ASCII_WORD_CHAR.search(w) is None and _ASCII_NUMBER_WORDS.isdisjoint(
        _LETTER_RUN.findall(w)
    ):
        return False
    return _says_number(w)


def _spoken_to_digits(w: str) -> str:
    """Dictated numbers → digits in a folded text: "chrome cent dix-neuf point zero" →
    "chrome 119.0"; "e s r" → "esr". Texts without a number word are returned as is."""
    if not _says_number(w):
        return w
    # "chrome sans vingt-deux", "version sang vingt-huit": voice to text hears "cent" as
    # "sans" or "sang" before a number
    w = _SANS_FOR_CENT.sub("cent", w)
    if "hundred" in w.lower():
        w = _A_HUNDRED.sub("one", w)
    elif "one" in w.lower():
        w = _ONE_TENS.sub("one hundred", w)
    if "version" in w.lower():
        w = _DIGIT_BY_DIGIT.sub(
            lambda m: m[1] + "".join(_DIGIT_WORDS[d.lower()] for d in m[2].split()), w
        )
    w = _DOT_BETWEEN.sub(".", _replace_runs(_SPELLED_ESR.sub("esr", w)))
    w = _POINT_ONE.sub(".1", w) if "point" in w.lower() or "dot" in w.lower() else w
    # a number corrected as it is said: "version cent vingt, euh non, cent vingt-deux",
    # "cent vingt... cent vingt-trois" (the number trailed off, then said whole)
    w = _TRAILED_NUMBER.sub(r"\1", w) if ".." in w or "…" in w else w
    return _as_corrected(w)


def _as_corrected(w: str) -> str:
    """Each number corrected as it is said replaced by the one meant (also in digits:
    "Chrome 121, non pardon, 122")."""
    if _CORRECTION_HINT.search(w):
        # (corrected again: "108, enfin 118 ? Non attendez… si c'est bien 108")
        for _ in range(3):
            again = _CORRECTED_NUMBER.sub(_corrected, w)
            if again == w:
                break
            w = again
    return w


#: "120... 123" → "123": a number left hanging, then the one meant
_TRAILED_NUMBER = re.compile(r"\b\d{1,3}[ \t]*(?:\.{2,4}|…)[ \t]*(\d{1,3})\b(?!\.\d)")


#: "120, euh non, 122" → "122": the number said last is the one meant. A correction
#: word comes soon after the first number ("121 je crois, non attendez…", "118 ? Non…",
#: "122.0, euh, pardon, 126", "100… attendez… 109") and the number meant a little
#: after it, whatever is said while looking again ("c'est le vieux poste, c'est 98",
#: "je regarde… si c'est bien 108"); no browser is named and no sentence ends between
#: the two (see :func:`_corrected`).
#: the words before the menu one looks a version up in ("à propos de Firefox")
_ABOUT = r"(?:[àa] propos de|about)"
_CORRECTED_NUMBER = LazyPattern(
    r"(?<![\d.])\d{1,3}(?:\.\d{1,6}){0,3}"
    r"[^\d\n]{0,20}?"
    # (not "102 et non 120", "102 and not 120", "ou non": the first number stands)
    r"(?<![\w'])(?<!et )(?<!ou )(?<!mais )(?<!and )(?<!or )"
    r"(?:non|pardon|je veux dire|plutôt|plutot|enfin|no|sorry|i mean|attendez"
    r"|attends|wait)(?![\w'])"
    # (or longer when the author looks it up in a menu: "… vérifier dans « À propos de
    # Firefox », c'est la version 121")
    rf"(?:[^\d\n]{{0,70}}?|[^\d\n]{{0,40}}?{_ABOUT}[^\d\n]{{0,60}}?)"
    # (a full version is the number meant, "c'est la version 122.0.6261.69"; one dot
    # alone may be a date, "le 12.05")
    r"(?<![\d.])(?P<last>[1-9]\d{1,2})(?![\d]|\.\d+(?![\d.]))",
    re.IGNORECASE,
)
_CORRECTION_HINT = re.compile(
    r"\b(?:non|pardon|veux dire|plut[oô]t|enfin|no|sorry|i mean|attendez|attends|wait)\b", re.I
)
#: what may not lie between a number and its correction: a browser's name, a sentence's
#: end (a full stop alone, not an ellipsis)
_NOT_BETWEEN = LazyPattern(
    r"chrom|crome|fire ?fox|edge|safari|opera|explor|brave|vivaldi|(?<!\.)\.(?!\.)\s|!",
    re.IGNORECASE,
)


#: the menu one looks the version up in ("je viens de vérifier dans « À propos de
#: Firefox », c'est la version 121"): the browser it names is the one already named
_ABOUT_MENU = LazyPattern(
    rf"{_ABOUT}[ \t«»\"“”']*(?:google[ \t]+|mozilla[ \t]+)?"
    r"(?:chrome|firefox|edge|safari|opera)",
    re.IGNORECASE,
)


def _corrected(m: re.Match[str]) -> str:
    """:data:`_CORRECTED_NUMBER`'s match as the number meant, or as it was."""
    whole = m.group(0)
    between = whole[: m.start("last") - m.start()]
    if "propos" in between or "about" in between.lower():
        between = _ABOUT_MENU.sub(" ", between)
    if _NOT_BETWEEN.search(between) or _NOT_A_VERSION_AFTER.match(m.string, m.end()):
        return whole
    return m.group("last")


def _replace_runs(s: str) -> str:
    def one(m: re.Match[str]) -> str:
        words = re.split(r"\s+|-", m.group(0).lower())
        values = [_number_value(part) for part in _said_again(words)]
        if any(v is None for v in values):
            return m.group(0)
        return " ".join(map(str, values))

    return _SPOKEN_RUN.sub(one, s)


def _said_again(words: list[str]) -> list[list[str]]:
    """A run of number words cut where a French number starts again: "cent un cent un"
    (said twice, as one repeats a number on the phone) is 101 and 101, not 10101 — a
    "cent" after a hundred already said begins another number (French says no "un"
    before "cent")."""
    if words.count("cent") < 2:
        return [words]
    parts: list[list[str]] = [[]]
    for word in words:
        if word == "cent" and "cent" in parts[-1] and parts[-1][-1] != "cent":
            parts.append([])
        parts[-1].append(word)
    return parts


@dataclass(frozen=True, slots=True)
class _Mention:
    pos: int
    name: str | None  # explicit name; None for a bare version
    version: str | None
    raw: str
    weak: bool = False
    inferred: str | None = None  # name guessed from an About-page wording (bare versions)


def _major_ok(name: str, major: str) -> bool:
    if not major.isdigit() or major.startswith("0"):
        return False
    low, high = _VERSION_RANGE.get(name, (1, 200))
    return low <= int(major) <= high


# --------------------------------------------------------------------------- user agents


@functools.cache
def _ua_parser() -> Any:
    """ua-parser with its **user-agent** matchers only, on its pure-Python resolver,
    loaded on first use.

    Its default parser compiles the OS and device rule sets too (about 19 MiB of the
    26 MiB it adds to the process); we read the browser only, so the OS and device
    lists are left empty. The user-agent rules run on ua-parser's reference resolver
    (``ua_parser.basic``: each rule, in order, compiled by Python's ``re`` on first
    use), not on the Rust ``regex`` set that ``BestAvailableResolver`` picks: that set
    adds about 8 MiB to the process for 12 µs per user agent, the reference one less
    than 1 MiB for about 0.7 ms per user agent not seen before (a user agent is pasted
    in few tickets, and each distinct one is parsed once: ``Cache``). Same rules, same
    order: the same answers on every user agent of the tests and labelled sets."""
    from ua_parser import Cache, CachingResolver, Parser  # noqa: PLC0415
    from ua_parser.basic import Resolver  # noqa: PLC0415
    from ua_parser_builtins.lazy import MATCHERS  # noqa: PLC0415 - loaded on first use

    user_agents: list[Any] = list(MATCHERS[0])
    return Parser(CachingResolver(Resolver((user_agents, [], [])), Cache(256)))


def parse_user_agent(ua: str) -> Browser | None:
    """A user-agent string → :class:`Browser` (via ``ua-parser``), or None if unknown."""
    try:
        parsed = _ua_parser().parse_user_agent(ua[:2000])
    except Exception:  # pragma: no cover - defensive: never raise on hostile input
        return None
    if parsed is None or parsed.family == "Other":
        return None
    name = UA_FAMILIES.get(parsed.family)
    if name is None:
        if not _UA_START.match(ua.lstrip()):
            return None  # curl, bots, libraries: not a browser a person uses
        name = "other"
    major = parsed.major if parsed.major and _major_ok(name, parsed.major) else None
    return Browser(name, major, ua.strip())


def warm_up() -> None:
    """Load ua-parser's rules now rather than on the first pasted user agent."""
    parse_user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Firefox/121.0")


def _ua_spans(s: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _UA_START.finditer(s):
        if m.start() < pos:
            continue
        stop = _UA_STOP.search(s, m.start(), m.start() + 1200)
        end = stop.start() if stop else min(len(s), m.start() + 1200)
        spans.append((m.start(), end))
        pos = end
        if len(spans) >= _MAX_UA_PER_TEXT:
            return spans
    # Fragments without the "Mozilla/5.0" prefix: two product tokens on one line (each
    # is a product's name and "/": a text with none is not scanned with the pattern,
    # which tries its alternatives at every character)
    if not any(p in s for p in _UA_PRODUCT_SLASHES):
        return spans
    for m in _UA_TOKEN.finditer(s):
        if any(a <= m.start() < b for a, b in spans):
            continue
        stop = _UA_STOP.search(s, m.start(), m.start() + 1200)
        end = stop.start() if stop else min(len(s), m.start() + 1200)
        if len(_UA_TOKEN.findall(s, m.start(), end)) >= 2:
            spans.append((m.start(), end))
            if len(spans) >= _MAX_UA_PER_TEXT:
                break
    return spans


# --------------------------------------------------------------------------- words


def _infer_from_version(version: str, tail: str | None, raw_tail: str, esr: bool) -> str | None:
    parts = version.split(".")
    if esr:
        return "firefox"
    if (
        tail is not None
        and len(parts) == 4
        and parts[0].isdigit()
        and parts[2].isdigit()
        and int(parts[0]) >= 79
    ):
        major, build = int(parts[0]), int(parts[2])
        midpoint = 2127 + 53 * (major - 79)
        return "edge" if build < midpoint else "chrome"
    if tail in ("version officielle", "version officiel"):
        return "edge"
    if tail == "official build":
        return "edge" if "Official build" in raw_tail else "chrome"
    if tail in ("build officiel", "build officielle"):
        return "chrome"
    return None


class _Consumed:
    """Character spans already read as part of a mention (a number is read once)."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.spans = list(spans)

    def free(self, a: int, b: int) -> bool:
        return not any(a < y and x < b for x, y in self.spans)

    def add(self, a: int, b: int) -> None:
        self.spans.append((a, b))


def _version_before_name(s: str, w: str, used: _Consumed) -> list[_Mention]:
    mentions: list[_Mention] = []
    _before_name(s, w, used, _VERSION_BEFORE_NAME.finditer(w), mentions)
    if " sur " in w or " avec " in w or " on " in w or " with " in w:
        # (what the version word already read is not read again)
        bare = [m for m in _NUMBER_BEFORE_NAME.finditer(w) if used.free(m.start(), m.end())]
        _before_name(s, w, used, bare, mentions)
    return mentions


def _before_name(
    s: str, w: str, used: _Consumed, found: Iterable[re.Match[str]], out: list[_Mention]
) -> None:
    """The mentions of ``found`` (a version, then the name) whose number may be that
    browser's version, added to ``out`` and to ``used``."""
    for m in found:
        name = m.group("name")
        name = {"internet explorer": "ie", "vivaldi": "other", "brave": "other"}.get(name, name)
        major = m.group("v").split(".")[0]
        if _major_ok(name, major):
            out.append(_Mention(m.start(), name, major, s[m.start() : m.end()]))
            used.add(m.start(), m.end())


#: "on the edge of missing the vessel", "cutting-edge": the English word, not the browser
_EDGE_OF = LazyPattern(r"[ \t]+of\b")
_EDGE_ADJECTIVE = LazyPattern(r"(?:cutting|leading|bleeding)[ \t-]*$")


def _is_false_name(s: str, w: str, m: re.Match[str], name: str) -> bool:
    """Lower-case "ie" without a version, "brave" used as an adjective, or the English
    word "edge" ("on the edge of", "cutting-edge")."""
    word = m.group(0)
    if name == "edge" and word in ("edge", "hedge"):
        before = w[max(0, m.start() - 12) : m.start()]
        return _EDGE_OF.match(w, m.end()) is not None or _EDGE_ADJECTIVE.search(before) is not None
    if name == "ie" and word == "ie" and s[m.start() : m.end()] != "IE":
        return _IE_VERSION.match(w, m.end()) is None
    if name == "other" and word == "brave":
        before = w[max(0, m.start() - 30) : m.start()]
        if _BRAVE_CONTEXT.search(before) or _BRAVE_BROWSER.match(w, m.end()):
            return False
        return _AFTER_NAME.match(w, m.end()) is None
    return False


def _attached_version(w: str, name: str, start: int) -> tuple[str | None, int]:
    """The major version attached after a name ending at ``start``, and where it ends."""
    after = _AFTER_NAME.match(w, start)
    if after is None:
        return None, start
    v = after.group("v")
    major = v.split(".")[0]
    # "chrome 120 postes" counts workstations; "firefox 115.6 esr poste ministère" (a
    # dotted number, or ESR) is a version whatever follows
    counted = "." not in v and not after.group("esr")
    if (counted and _NOT_A_VERSION_AFTER.match(w, after.end())) or not _major_ok(name, major):
        return None, start
    about = _ABOUT_TAIL.match(w, after.end())
    return major, about.end() if about is not None else after.end()


def _named_mentions(s: str, w: str, used: _Consumed, runs: set[str]) -> list[_Mention]:
    mentions: list[_Mention] = []
    if runs.isdisjoint(_NAME_FIRST_WORDS):
        return mentions
    last_end = -1
    for m in _NAMES.finditer(w):
        if len(mentions) >= _MAX_MENTIONS:
            break
        name = m.lastgroup or "other"
        if not used.free(m.start(), m.end()) or _is_false_name(s, w, m, name):
            continue
        before = w[max(0, m.start() - 60) : m.start()]
        if _NEGATED_BEFORE.search(before) and not _FAILS_ON_BEFORE.search(before):
            used.add(m.start(), m.end())
            continue
        weak = _COMPARISON_BEFORE.search(before) is not None
        version, end = _attached_version(w, name, m.end())
        mention = _Mention(m.start(), name, version, s[m.start() : end].strip(), weak=weak)
        previous = mentions[-1] if mentions else None
        if (
            previous is not None
            and version is None
            and previous.version is None
            and _ALTERNATIVE_GAP.match(w[last_end : m.start()])
        ):
            mentions[-1] = _Mention(previous.pos, previous.name, None, previous.raw, weak=True)
            mention = _Mention(m.start(), name, None, mention.raw, weak=True)
        mentions.append(mention)
        used.add(m.start(), end)
        last_end = end
    return mentions


def _bare_version_ok(w: str, m: re.Match[str], rx: LazyPattern) -> bool:
    parts = m.group("v").split(".")
    major = parts[0]
    if (
        not major.isdigit()
        or major.startswith("0")
        or _NOT_BROWSER_CONTEXT.search(w[max(0, m.start() - 40) : m.start()])
        or _NOT_A_VERSION_AFTER.match(w, m.end())
        or (rx is _LOOSE_VERSION and _NOT_BROWSER_GAP.search(m.group("gap")))
    ):
        return False
    if rx is _BARE_ESR:
        return 10 <= int(major) <= 200
    if len(parts) >= 3:
        if rx is _BARE_BUILD:
            return 40 <= int(major) <= 200 and int(parts[2]) >= 256
        return 3 <= int(major) <= 200
    if _DE_AFTER.match(w, m.end()) is not None:
        return False
    # a small major ("Safari on my Mac, version 17.2") only right after a browser name
    near = _name_just_before(w, m.start()) if rx in (_BARE_VERSION, _LOOSE_VERSION) else None
    return 40 <= int(major) <= 200 or (near is not None and _major_ok(near, major))


def _name_just_before(w: str, start: int) -> str | None:
    """The browser named in the same sentence, at most 40 characters before ``start``,
    or on the line above when the version is a form's own field ("Navigateur : Safari"
    then "Version : 17.2")."""
    window = w[max(0, start - 40) : start]
    cut = max(window.rfind(". "), window.rfind("\n"), window.rfind("? "), window.rfind("! "))
    if cut >= 0 and window[cut] == "\n" and _LINE_START.fullmatch(window, cut + 1):
        cut = max(window.rfind(". ", 0, cut), window.rfind("\n", 0, cut))
    names = [m.lastgroup for m in _NAMES.finditer(window, cut + 1)]
    return names[-1] if names else None


#: the start of a line, up to a form field's label ("Version : 17.2", "- Version 17")
_LINE_START = LazyPattern(r"[ \t]*(?:[-*•][ \t]*)?")
#: this many browsers offered and none chosen (no version) are a menu, not an answer
_MENU_NAMES = 3


def _bare_mentions(s: str, w: str, used: _Consumed) -> list[_Mention]:
    mentions: list[_Mention] = []
    for rx in (_BARE_VERSION, _LOOSE_VERSION, _BARE_BUILD, _BARE_ESR):
        if (rx is _BARE_BUILD and w.count(".") < 3) or (rx is _BARE_ESR and "esr" not in w):
            continue  # a build number has three dots; an ESR version says "esr"
        for m in rx.finditer(w):
            if len(mentions) >= _MAX_MENTIONS:
                break
            if not used.free(m.start(), m.end()) or not _bare_version_ok(w, m, rx):
                continue
            version = m.group("v")
            about = _ABOUT_TAIL.match(w, m.end())
            wording = about.group("tail") if about else None
            raw_wording = s[about.start() : about.end()] if about else ""
            end = about.end() if about else m.end()
            inferred = _infer_from_version(version, wording, raw_wording, bool(m.group("esr")))
            major = version.split(".")[0]
            raw = s[m.start() : end].strip()
            mentions.append(_Mention(m.start(), None, major, raw, inferred=inferred))
            used.add(m.start(), end)
    return mentions


def _word_mentions(s: str, w: str, ua_spans: Sequence[tuple[int, int]]) -> list[_Mention]:
    """Named mentions and bare versions in ``w`` (``s`` folded, same length)."""
    used = _Consumed(ua_spans)
    mentions = _version_before_name(s, w, used)
    mentions.extend(_named_mentions(s, w, used, set(_LETTER_RUN.findall(w))))
    mentions.extend(_bare_mentions(s, w, used))
    return mentions


_ASCII_RUN = re.compile(r"[\x00-\x7f]+")


def _folded(s: str) -> str:
    """``s`` through :data:`_FOLD` (same length): lower case, accents off, punctuation
    unified. The few distinct non-ASCII characters of a text are replaced one by one and
    the rest lowered in C, which is exact when no character left outside the table has
    a lower case of its own; otherwise (Greek capitals, "İ"…) the table is applied."""
    if s.isascii():
        return s.lower()
    w = s
    # (the distinct characters outside ASCII: what is left once the ASCII runs are cut)
    for c in set(_ASCII_RUN.sub("", s)):
        f = _FOLD.get(ord(c))
        if f is not None:
            w = w.replace(c, f)
        elif c.lower() != c:
            w = s.translate(_FOLD)
            break
    else:
        w = w.lower()
    if len(w) != len(s):  # pragma: no cover - both ways are length-preserving by construction
        w = w[: len(s)].ljust(len(s))
    return w


# --------------------------------------------------------------------------- client hints

#: A pasted ``Sec-CH-UA`` header: ``"Google Chrome";v="120", "Chromium";v="120"``.
_CLIENT_HINTS = LazyPattern(
    r"sec-ch-ua(?:-full-version-list)?[ \t]*[:=]?[ \t]*([^\n]{1,600})", re.IGNORECASE
)
_HINT_BRAND = LazyPattern(r'"([^"]{1,60})"[ \t]*;[ \t]*v[ \t]*=[ \t]*"(\d{1,4})')
_HINT_BRANDS: dict[str, str] = {
    "google chrome": "chrome",
    "microsoft edge": "edge",
    "opera": "opera",
    "brave": "other",
    "vivaldi": "other",
    "yandex": "other",
    "chromium": "chrome",
}


def _client_hint_mentions(s: str) -> list[_Mention]:
    """A browser named by a pasted client-hint header; Chromium only when nothing more
    specific is listed, "Not A Brand" placeholders ignored."""
    out: list[_Mention] = []
    for m in _CLIENT_HINTS.finditer(s):
        found = [(b.strip().lower(), v) for b, v in _HINT_BRAND.findall(m.group(1))]
        named = [(_HINT_BRANDS[b], v) for b, v in found if b in _HINT_BRANDS and b != "chromium"]
        if not named:
            named = [(_HINT_BRANDS[b], v) for b, v in found if b == "chromium"]
        if named:
            name, version = named[0]
            ok = version if _major_ok(name, version) else None
            out.append(_Mention(m.start(), name, ok, m.group(0).strip()[:200]))
    return out


#: a user agent read out on the phone: "Chrome slash cent dix-neuf point zéro…",
#: "AppleWebKit barre oblique 537.36", "apple web kit"
_SAID_SLASH = LazyPattern(r"[ \t]+(?:slash|barre[ \t]+oblique)[ \t]+(?=\d)", re.IGNORECASE)
_SPACED_DOTS = LazyPattern(r"(?<=\d)\.[ \t]+(?=\d)")
_SAID_PRODUCT = LazyPattern(
    r"\b(mozilla|apple[ \t]?web[ \t]?kit|chrome|safari|firefox|gecko|edg|edge|opr)(?=/\d)",
    re.IGNORECASE,
)
_PRODUCT_SPELLING = {
    "mozilla": "Mozilla",
    "chrome": "Chrome",
    "safari": "Safari",
    "firefox": "Firefox",
    "gecko": "Gecko",
    "edg": "Edg",
    "edge": "Edge",
    "opr": "OPR",
}


def _read_out_agent(s: str) -> str:
    """A user agent read out, as it is written: "chrome slash 119.0.0.0 safari slash
    537.36" → "Chrome/119.0.0.0 Safari/537.36" (the numbers are digits by now)."""
    # (a dictation's "point" may have become a full stop: "119. 0. 0. 0")
    s = _SPACED_DOTS.sub(".", _SAID_SLASH.sub("/", s))
    # ("apple web kit", "applewebkit", … as the agent writes it)
    return _SAID_PRODUCT.sub(lambda m: _PRODUCT_SPELLING.get(m.group(1).lower(), "AppleWebKit"), s)


#: Words a dictation glued together: "surchrome" (sur Chrome), "firefoxversion",
#: "versioncent", "centvingt" (cent vingt), "quatrevingtonze": each word of the run,
#: apart. A number run starts with a hundred or a ten (the first look,
#: :data:`_GLUED_HINTS`, is made of them).
_GLUED = LazyPattern(
    r"\b(?:sur(?=(?:chrome|firefox|edge|safari|opera)\b)"
    r"|(?:chrome|firefox|edge|safari|opera)(?=version)"
    r"|version(?=(?:cent|vingt|trente|quarante|cinquante|soixante|septante|nonante|quatre"
    r"|dix)[a-z]*\b)"
    r"|(?:cent|vingt|trente|quarante|cinquante|soixante|septante|huitante|octante|nonante"
    r"|quatre|dix)(?=(?:cent|dix|onze|douze|treize|quatorze|quinze|seize|vingt|trente"
    r"|quarante|cinquante|soixante|deux|trois|quatre|cinq|six|sept|huit|neuf|et|un)+\b))",
    re.IGNORECASE,
)
_GLUED_HINTS = (
    "surchrome", "surfirefox", "suredge", "sursafari", "suropera",
    "chromeversion", "foxversion", "edgeversion", "safariversion", "operaversion",
    # (the number words: "versioncent" holds "cent" already)
    "cent", "vingt", "trente", "ante", "quatre", "dix",
)  # fmt: skip


def _unglued(s: str) -> str:
    """:data:`_GLUED` runs apart: "surchrome version centvingt" → "sur chrome version cent
    vingt"."""
    if not any(h in s.lower() for h in _GLUED_HINTS):
        return s
    for _ in range(4):  # "centvingtdeux": one word taken off the front each time
        apart = _GLUED.sub(lambda m: m.group(0) + " ", s)
        if apart == s:
            break
        s = apart
    return s


#: "version 100 22": a hundred and a two-digit number typed apart by a dictation
_HUNDRED_APART = LazyPattern(r"(\bversion[ \t]+)100[ \t]+([1-9]\d)\b(?![ \t]*\d)", re.IGNORECASE)


def _mentions_uncached(text: str) -> tuple[_Mention, ...]:
    s = bounded(text)
    w = _folded(s)
    hinted = _hinted(w)
    if hinted and (apart := _unglued(s)) != s:  # "surchrome version centvingt"
        s, w = apart, _folded(apart)
    if hinted and _says_number_folded(w):  # a version dictated in words: read it as digits
        s = _spoken_to_digits(s)
        w = _folded(s)
    elif hinted and (corrected := _as_corrected(s)) != s:  # "Chrome 121, non pardon, 122"
        s, w = corrected, _folded(corrected)
    if hinted and ("slash" in w or "barre oblique" in w):  # a user agent read out
        s = _read_out_agent(s)
        w = _folded(s)
    if "100 " in s and hinted:  # "version 100 22": "cent vingt-deux" as dictation typed it
        s = _HUNDRED_APART.sub(r"\g<1>1\g<2>", s)
        w = _folded(s)
    mentions: list[_Mention] = []
    if "ch-ua" in s or "CH-UA" in s or "Ch-Ua" in s:
        mentions.extend(_client_hint_mentions(s))
        s = _CLIENT_HINTS.sub(lambda m: " " * len(m.group(0)), s)
        w = _folded(s)
    spans = _ua_spans(s) if "/" in s else []
    for a, b in spans:
        parsed = parse_user_agent(s[a:b])
        if parsed is not None:
            mentions.append(_Mention(a, parsed.name, parsed.version, parsed.raw))
    if hinted and _word_hinted(w):
        mentions.extend(_word_mentions(s, w, spans))
    mentions.sort(key=lambda m: m.pos)
    return tuple(mentions)


@functools.lru_cache(maxsize=2048)
def _mentions_cached(text: str) -> tuple[_Mention, ...]:
    return _mentions_uncached(text)


def _mentions(text: object) -> tuple[_Mention, ...]:
    if not isinstance(text, str) or not text:
        return ()
    try:
        if len(text) <= 8192:
            return _mentions_cached(text)
        return _mentions_uncached(text)
    except Exception:  # pragma: no cover - defensive: never raise on hostile input
        return ()


# --------------------------------------------------------------------------- merging


def _merge(mentions: Sequence[_Mention]) -> Browser | None:
    strong = [m for m in mentions if not m.weak]
    if not any(m.name for m in strong):
        named = {m.name for m in mentions if m.name is not None}
        if len(named) >= _MENU_NAMES and not any(m.version for m in mentions):
            return None  # a form's menu ("Chrome / Firefox / Edge / Autre"), none chosen
        strong = list(mentions)  # only comparisons or alternatives: better than nothing
    current: _Mention | None = None  # the browser being talked about
    latest_complete: Browser | None = None
    pending: _Mention | None = None  # a bare version waiting for a name
    for m in strong:
        if m.name is not None:
            if m.version is not None:
                current = m
                latest_complete = Browser(m.name, m.version, m.raw)
            elif pending is not None:
                raw = f"{m.raw} … {pending.raw}"
                current = _Mention(m.pos, m.name, pending.version, raw)
                latest_complete = Browser(m.name, pending.version, raw)
                pending = None
            elif current is None or current.name != m.name:
                current = m
        elif current is not None and current.name is not None and current.version is None:
            raw = f"{current.raw} … {m.raw}"
            current = _Mention(m.pos, current.name, m.version, raw)
            latest_complete = Browser(current.name or "other", m.version, raw)
        elif current is None:
            pending = m
    if latest_complete is not None:
        return latest_complete
    if current is not None and current.name is not None:
        return Browser(current.name, current.version, current.raw)
    if pending is not None and pending.inferred is not None:
        return Browser(pending.inferred, pending.version, pending.raw)
    return None


def extract_browser(text: str) -> Browser | None:
    """The browser and major version stated in one text, or None when none is named.

    ``Browser.version`` is None when the browser is named without a usable version.
    See the module docstring for the rules.
    """
    try:
        return _merge(_mentions(text))
    except Exception:  # pragma: no cover - defensive
        return None


def names_mentioned(texts: Sequence[str]) -> frozenset[str]:
    """The browsers these texts name, as :func:`extract_browser_from_conversation` reads
    them (whole words, aliases, user agents), with or without a version."""
    try:
        return frozenset(m.name for t in texts[:50] for m in _mentions(t) if m.name)
    except Exception:  # pragma: no cover - defensive
        return frozenset()


# a comment that is only a version number ("17.2", "v121", "126.0.6478.183"), hedged or
# not ("v121 je crois", "I think 124"): the answer to "which version?" once the browser
# was named in an earlier text
_HEDGE = (
    r"(?:je crois|je pense|il me semble|normalement|apparemment|a priori|à priori"
    r"|sauf erreur|i think|i believe|probably|probablement)"
)
_NUMBER_ANSWER = re.compile(
    rf"\s*(?:{_HEDGE}\s*,?\s*)?(?:(?:euh|heu|alors)\s*,?\s*)?"
    # "c'est la 122", "la 122"
    rf"(?:(?:c'est|c est|it's|it is)\s+)?(?:(?:la|le)\s+)?"
    rf"v?\.?\s*(\d{{2,3}})(?:[.,]\d{{1,5}}){{0,3}}"
    rf"\s*,?\s*(?:{_HEDGE}\s*)?[.!]?\s*",
    re.IGNORECASE,
)


#: ... or a short sentence that ends on the version ("et la version, mon collègue me dit
#: dix-sept", "la version c'est la 17")
_VERSION_ANSWER = re.compile(
    rf"\bversion\b[^\d\n]{{0,40}}?\bv?(\d{{2,3}})(?:[.,]\d{{1,5}}){{0,3}}"
    # (an aside in brackets after it: "version 16.6 (mac du bureau)")
    rf"\s*,?\s*(?:{_HEDGE}\s*)?(?:\([^()\n\d]{{0,40}}\)\s*)?[.!]?\s*$",
    re.IGNORECASE,
)
#: the longest comment read as a version answer
_VERSION_ANSWER_CHARS = 80


def _number_answer(text: str) -> tuple[_Mention, ...]:
    m = _NUMBER_ANSWER.fullmatch(text) if len(text) <= 40 else None
    if m is None and len(text) <= 60 and _says_number_folded(_folded(text)):
        m = _NUMBER_ANSWER.fullmatch(_spoken_to_digits(text))  # "cent vingt-deux"
    if m is None and len(text) <= _VERSION_ANSWER_CHARS and "version" in text.lower():
        m = _VERSION_ANSWER.search(text)
        if m is None and _says_number_folded(_folded(text)):
            m = _VERSION_ANSWER.search(_spoken_to_digits(text))
    if m is None or m.group(1).startswith("0"):
        return ()
    return (_Mention(0, None, m.group(1), text.strip()),)


def extract_browser_from_conversation(texts: Sequence[str]) -> Browser | None:
    """The browser stated across the customer's texts, oldest first.

    A browser named in one text is completed by a version given later ("c'est chrome"
    … "Version 120.0.6099.130 (Build officiel)" → chrome 120); the latest complete
    statement wins when they contradict; a bare version with no browser named anywhere
    gives None unless its About-page wording names the browser.
    """
    try:
        mentions: list[_Mention] = []
        for t in texts[:50]:
            found = _mentions(t)
            if not found and mentions and isinstance(t, str):
                found = _number_answer(t)
            mentions.extend(found)
        return _merge(mentions)
    except Exception:  # pragma: no cover - defensive
        return None
