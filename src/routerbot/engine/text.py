"""French text as the public writes it, made comparable: pure, fast, never raising.

Two layers:

* :func:`clean_body` (and :func:`split_body`) keep the *human* text of a message:
  HTML, Jira wiki markup, quoted e-mail replies and signatures removed, accents and
  case kept. Use it before looking for meaning in a description or a comment.
* :func:`normalise`, :func:`tokens`, :func:`stem`, :func:`stems` make text *comparable*:
  NFKC, lower case, accents folded, punctuation to spaces, SMS abbreviations expanded,
  French Snowball stems (typo tolerance lives in :mod:`routerbot.engine.lexicon`, where
  the configuration's vocabulary is known).

:func:`is_auto_reply` tells out-of-office and delivery notifications from real messages.

Hostile input is expected (10 MB pastes, NUL and control characters, RTL marks,
zero-width characters, zalgo combining marks, Cyrillic/Greek homoglyphs): every
function bounds its work (text is capped at :data:`MAX_CHARS` characters *after* NFKC
normalisation, which can expand text) and never raises on any ``str``.
"""

from __future__ import annotations

import functools
import html
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from routerbot.engine.patterns import LazyPattern

__all__ = [
    "MAX_CHARS",
    "BodyParts",
    "Forwarded",
    "bounded",
    "clean_body",
    "fold",
    "forwarded_message",
    "is_auto_reply",
    "normalise",
    "relaunched_message",
    "split_body",
    "stem",
    "stems",
    "tokens",
]

#: Maximum number of characters kept from any input, counted after NFKC.
MAX_CHARS = 50_000

# --------------------------------------------------------------------------- bounding


_INVISIBLE = re.compile(
    # C0/C1 controls except \t \n \r, zero-width and bidi controls, soft hyphen, BOM,
    # interlinear annotation, noncharacters and lone surrogates.
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]"
)
_SUSPECT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff"
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_ZALGO = LazyPattern(
    "([\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)


_NFKC_CHUNK = 8192


def _bounded_nfkc(raw: object, limit: int = MAX_CHARS) -> str:
    """NFKC-normalise just enough of ``raw`` to yield ``limit`` characters, then cut.

    Works chunk by chunk (chunk edges moved past combining marks), so a 10 MB paste
    or a run of characters that NFKC expands eighteen-fold costs the same as a
    ``limit``-long text; at most ``4 * limit`` raw characters are read. Invisible
    characters are dropped and zalgo runs shortened.
    """
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    if raw.isascii() and len(raw) <= limit:
        s = _INVISIBLE.sub("", raw)
        return s.replace("\r\n", "\n").replace("\r", "\n")
    if len(raw) <= _NFKC_CHUNK and _SUSPECT.search(raw) is None:
        # one chunk and nothing to drop (most texts): the loop below, unrolled
        s = unicodedata.normalize("NFKC", raw)
        if len(s) > limit:
            s = s[:limit]
        return s.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    total = 0
    suspect = False  # invisible characters or combining marks seen
    i, n = 0, min(len(raw), 4 * limit)  # never read more than 4 x limit raw characters
    while i < n and total < limit:
        j = min(i + _NFKC_CHUNK, n)
        stop = min(j + 64, n)
        while j < stop and unicodedata.combining(raw[j]):
            j += 1
        piece = raw[i:j]
        if _SUSPECT.search(piece):
            suspect = True
            piece = _INVISIBLE.sub("", piece)
        chunk = unicodedata.normalize("NFKC", piece)
        out.append(chunk)
        total += len(chunk)
        i = j
    s = "".join(out)
    if suspect:
        s = _ZALGO.sub(r"\1", s)  # keep one combining mark per base character
    if len(s) > limit:
        s = s[:limit]
    return s.replace("\r\n", "\n").replace("\r", "\n")


def bounded(raw: str, limit: int = MAX_CHARS) -> str:
    """``raw`` NFKC-normalised, without control/zero-width/bidi characters, at most
    ``limit`` characters long (cut after normalisation), newlines unified to ``\\n``."""
    try:
        return _bounded_nfkc(raw, limit)
    except Exception:  # pragma: no cover - defensive
        return ""


# --------------------------------------------------------------------------- clean_body


class _LineStart:
    """A pattern at the start of a line (``^`` in MULTILINE mode), found faster: matched
    at the start of the text, then searched for after a newline (a pattern that begins
    with a literal is scanned for in C, where ``^…`` is tried at every position)."""

    __slots__ = ("_after_newline", "_at_start")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._at_start = re.compile(pattern, flags)
        self._after_newline = re.compile(f"\n(?:{pattern})", flags)

    def found(self, s: str) -> bool:
        return self._at_start.match(s) is not None or self._after_newline.search(s) is not None


_HTML_HINT = LazyPattern(
    r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9:-]{0,30}(?:\s[^<>]{0,2000})?/?\s*>|<!--"
    r"|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,10});"
)
_HTML_DROP_OPEN = LazyPattern(r"<\s*(script|style|head|title)\b[^<>]{0,2000}>|<!--", re.IGNORECASE)
_HTML_QUOTE = LazyPattern(
    r"<\s*blockquote\b.*</\s*blockquote\s*>"
    r"|<\s*div\b[^>]{0,500}\b(?:gmail_quote|divRplyFwdMsg|moz-cite-prefix|OutlookMessageHeader)\b.*",
    re.IGNORECASE | re.DOTALL,
)
_HTML_BREAK = LazyPattern(
    r"<\s*(?:br|/?p|/?div|/?li|/?tr|/?h[1-6]|/?table|/?ul|/?ol|hr|/?pre|/?blockquote)\b[^<>]{0,2000}>",
    re.IGNORECASE,
)
_HTML_CELL = LazyPattern(r"<\s*/?\s*t[dh]\b[^<>]{0,2000}>", re.IGNORECASE)
_HTML_TAG = LazyPattern(
    r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9:-]{0,30}(?:\s[^<>]{0,2000})?/?\s*>|<![^<>]{0,2000}>"
)

_WIKI_QUOTE = LazyPattern(r"\{quote\}.*?(?:\{quote\}|\Z)", re.IGNORECASE | re.DOTALL)
_WIKI_BQ = LazyPattern(r"^[ \t]*bq\.[^\n]*$", re.MULTILINE)
_WIKI_MACRO = LazyPattern(
    r"\{(?:code|noformat|panel|color|quote|anchor|section|column)(?::[^{}\n]{0,200})?\}",
    re.IGNORECASE,
)
_WIKI_IMAGE = LazyPattern(
    r"!(?:[^\s!|]{1,300}\.(?:png|jpe?g|gif|bmp|svg|webp|tiff?)|https?://[^\s!|]{1,500})(?:\|[^!\n]{0,200})?!",
    re.IGNORECASE,
)
_WIKI_ATTACH = LazyPattern(r"\[\^[^\]\n]{1,300}\]|\[~[^\]\n]{1,200}\]")
_WIKI_LINK = LazyPattern(r"\[([^\[\]|\n]{1,300})\|([^\[\]\n]{1,1000})\]")
_WIKI_BARE_LINK = LazyPattern(r"\[((?:https?://|mailto:)[^\[\]\s]{1,1000})\]", re.IGNORECASE)
_WIKI_HEADING = LazyPattern(r"^[ \t]*h[1-6]\.[ \t]+", re.MULTILINE)
_WIKI_BULLET = LazyPattern(r"^[ \t]*[*#]+[ \t]+", re.MULTILINE)
_WIKI_RULE = LazyPattern(r"^[ \t]*-{4,}[ \t]*$", re.MULTILINE)
_WIKI_TABLE_ROW = LazyPattern(r"^[ \t]*\|.*$", re.MULTILINE)
_WIKI_LINE_HINT = _LineStart(r"[ \t]*(?:h[1-6]\.|[*#]+[ \t]|-{4})")
_WIKI_EFFECTS = (
    ("*", LazyPattern(r"(?<![\w*])\*(?=\S)([^*\n]{1,500}?)(?<=\S)\*(?![\w*])")),
    ("_", LazyPattern(r"(?<![\w_])_(?=\S)([^_\n]{1,500}?)(?<=\S)_(?![\w_])")),
    ("+", LazyPattern(r"(?<![\w+])\+(?=\S)([^+\n]{1,500}?)(?<=\S)\+(?![\w+])")),
    ("??", LazyPattern(r"\?\?(?=\S)([^?\n]{1,500}?)(?<=\S)\?\?")),
    ("{{", LazyPattern(r"\{\{([^{}\n]{1,500})\}\}")),
)

_QUOTE_LINE = re.compile(r"^[ \t]*>")
# A quoted mail starts with a line "> …", "-- …", "Le …", "On …", "De …", "From …",
# "Expéditeur …", or holds a "De :"/"From:" header.
_QUOTE_HINT = _LineStart(r"[ \t]*(?:>|-{2,}|\**(?:le|on|de|from|exp[ée]diteur)\b)", re.IGNORECASE)
_FROM_COLON = re.compile(r"\b(?:de|from)[ \t]*:", re.IGNORECASE)
_LE_ON = re.compile(r"[ \t]*(?:le|on)\b", re.IGNORECASE)
_ORIGINAL_MESSAGE = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:original message|message d'origine|message original"
    r"|courriel original|mail original|forwarded message|message transf[ée]r[ée]"
    r"|message r[ée]exp[ée]di[ée])[ \t]*-{2,}",
    re.IGNORECASE,
)
_WROTE = re.compile(
    # A reply header always carries a date or a time: "Le 9 janv. 2024 à 14:32, X a écrit :".
    r"^[ \t]*(?:le|on)\b(?=[^\n]{0,250}?\d)"
    r"[^\n]{0,250}?(?:a [ée]crit|wrote|écrivait)[ \t]*:?[ \t]*$",
    re.IGNORECASE,
)
#: a header line only a mail has: its subject or its date ("À :" and "Cc :" also head a
#: shipment's route or a memo)
_MAIL_HEADER = re.compile(
    r"^[ \t]*\**(?:envoy[ée](?: le)?|sent|date|objet|subject|sujet)[ \t]*\**[ \t]*:", re.IGNORECASE
)
#: a memo's or a slip's own sender field ("Expéditeur : DDETSPP de la Vienne"), not a
#: forwarded mail's "De :"
_MEMO_SENDER = re.compile(r"^[ \t]*\**exp[ée]diteur", re.IGNORECASE)
_HEADER_FROM = re.compile(r"^[ \t]*\**(?:de|from|exp[ée]diteur)[ \t]*\**[ \t]*:", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    # (Thunderbird's French headers: "Sujet :", "Pour :")
    r"^[ \t]*\**(?:envoy[ée](?: le)?|sent|date|[àa]|to|objet|subject|sujet|pour|cc)"
    r"[ \t]*\**[ \t]*:",
    re.IGNORECASE,
)
_HEADER_ONE_LINE = LazyPattern(
    r"\b(?:de|from)[ \t]*:[^\n]{0,300}?\b(?:envoy[ée](?: le)?|sent|date)[ \t]*:[^\n]{0,300}?"
    r"\b(?:objet|subject|[àa]|to)[ \t]*:",
    re.IGNORECASE,
)

_CLOSING = (
    r"(?:(?:bien|tr[èe]s|tres) )?cordialement|cdt|cdlt|slts|bav|bàv"
    r"|bien (?:[àa] )?(?:vous|toi)"
    r"|(?:je vous souhaite (?:une )?)?(?:bonne|belle|excellente) (?:journ[ée]e|soir[ée]e"
    r"|fin de journ[ée]e|semaine|apr[èe]s-midi|continuation|fin de semaine|week-end)"
    r"|(?:(?:sinc[èe]res|meilleures|mes) )?salutations(?: distingu[ée]es)?"
    r"|(?:avec )?(?:mes )?remerciements"
    r"|(?:un )?grand merci|merci(?: encore| beaucoup| bien| infiniment)?(?: (?:d'|par )avance)?"
    r"(?: (?:pour|de) (?:votre|vos|ton|ta) (?:aide|retour|r[ée]ponse|compr[ée]hension|diligence"
    r"|r[ée]activit[ée]|temps|retours|[ée]clairage))?"
    r"|(?:en )?vous remerciant(?: (?:par |d')avance)?"
    r"(?: (?:pour|de) votre (?:aide|retour|r[ée]ponse))?"
    r"|je vous remercie(?: (?:par |d')avance)?(?: (?:pour|de) votre (?:aide|retour|r[ée]ponse))?"
    r"|dans l'attente de (?:votre|vos) (?:retour|r[ée]ponse)s?"
    r"|respectueusement|amicalement|[àa] bient[ôo]t|a\+|bon week-end"
    r"|bonnes f[êe]tes(?: de fin d'ann[ée]e)?"
    r"|(?:je )?rest(?:e|ant) [àa] (?:votre|ta) (?:enti[èe]re )?disposition(?: pour [^\n]{1,40})?"
    r"|(?:best|kind|warm|many)? ?regards|best|thx|thanks?(?: you)?(?: in advance)?|cheers|sincerely"
    r"|envoy[ée] (?:de|depuis) mon [^\n]{1,40}|sent from my [^\n]{1,40}"
)
_CLOSING_LINE = re.compile(
    rf"^[ \t]*(?:{_CLOSING})[ \t]*[,.!;:)]*[ \t]*(?P<rest>[^\n]*)$", re.IGNORECASE
)
_CLOSING_TAIL = re.compile(
    rf"(?<=[.!?])[ \t]+(?:{_CLOSING})[ \t]*[,.!;:]*[ \t]*(?P<rest>[^\n]{{0,60}})$", re.IGNORECASE
)
#: what a closing at the end of a sentence follows: ". ", "! ", "? " (or a tab)
_END_OF_SENTENCE = re.compile(r"[.!?][ \t]")
_SIG_DASHES = re.compile(r"^[ \t]*(?:--|__+|-- )[ \t]*$")
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.&]{0,30}|de|du|le|la|van|von|des|et|&)"
_NAME_LIKE = LazyPattern(  # linear: words cannot contain the separators
    rf"^{_NAME_WORD}(?:(?:[ \t]*[,–|-][ \t]*|[ \t]+){_NAME_WORD}){{0,7}}[ \t]*[.,]?$"
)
_SPACE_CHARS = "[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
#: a run of blanks to make one space: two or more, or one that is not a plain space
#: (single spaces, most of them, are left where they are instead of being replaced)
_SPACES = re.compile(f"{_SPACE_CHARS}(?:{_SPACE_CHARS}+|(?<! ))")
#: what :data:`_SPACES` can match needs a tab, two spaces in a row or one of these
_OTHER_SPACE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def _squeeze_spaces(s: str) -> str:
    """``_SPACES.sub(" ", s)``, skipped when there is nothing to squeeze (most texts: a
    few substring tests and one character class scanned in C instead of the pattern
    tried at every character)."""
    if "\t" not in s and "  " not in s and (s.isascii() or _OTHER_SPACE.search(s) is None):
        return s
    return _SPACES.sub(" ", s)


_MANY_NEWLINES = re.compile(r"\n{3,}")
_WORDISH = re.compile(r"\w")
_GREETING_ONLY = re.compile(
    r"^\W*(?:bonjour|bonsoir|hello|hi|salut|madame|monsieur|messieurs|dear \w+|"
    r"voir ci-dessous|ci-dessous|cf\.? ci-dessous|pour info|fyi|see below)?\W*$",
    re.IGNORECASE,
)

#: A legal notice appended by a mail server ("Ce message et ses pièces jointes sont
#: confidentiels…", "This e-mail is intended only for…", "Pensez à l'environnement
#: avant d'imprimer", "L'abus d'alcool est dangereux pour la santé"): it is never the
#: author's words and often runs long.
_DISCLAIMER = LazyPattern(
    r"\b(?:ce (?:message|courriel|mail|e-mail|courrier)|cet e-?mail|this (?:e-?mail|message)"
    r"|les informations contenues|the information contained)\b[^\n]{0,300}?"
    r"(?:confidenti|destinataire|intended|recipient|interdit|prohibited)"
    r"|avant d'imprimer|before printing|think before you print"
    r"|pensez (?:[àa] )?l'environnement|please consider the environment"
    # the health notice wine and spirits houses sign with ("L'abus d'alcool est dangereux
    # pour la santé, à consommer avec modération")
    r"|l['’]abus d['’]alcool est dangereux"
    # the same notice from a parent company abroad (German, Dutch, Spanish, Italian)
    r"|\b(?:diese (?:e-?mail|nachricht)|dit (?:e-?mail ?)?bericht|deze e-?mail"
    r"|este (?:mensaje|correo)|questo messaggio|questa e-?mail)\b[^\n]{0,300}?"
    r"(?:vertraulich|empf[äa]nger|vertrouwelijk|geadresseerde|confidencial|destinatari"
    r"|riservat)",
    re.IGNORECASE,
)
_DISCLAIMER_HINTS = (
    "confidenti",
    "destinataire",
    "intended",
    "recipient",
    "interdit",
    "prohibited",
    "imprimer",
    "print",
    "environ",
    "vertraul",
    "empf",
    "vertrouw",
    "geadresseerd",
    "confidencial",
    "destinatari",
    "riservat",
    "alcool",
)
#: only the last lines of a message are looked at for a legal notice
_DISCLAIMER_TAIL_LINES = 12

#: A signature block after a closing is at most this many non-empty lines…
_SIG_MAX_LINES = 9
#: …each at most this long, and this long in total.
_SIG_MAX_LINE_CHARS = 120
_SIG_MAX_CHARS = 700


@dataclass(frozen=True, slots=True)
class BodyParts:
    """A message split into the author's own words, their signature and what they quoted."""

    body: str
    signature: str = ""
    quoted: str = ""


def _drop_html_blocks(s: str) -> str:
    """Remove <script>/<style>/<head>/<title> blocks and comments, in linear time."""
    low = s.lower()
    out: list[str] = []
    missing: set[str] = set()
    pos = 0
    while True:
        m = _HTML_DROP_OPEN.search(s, pos)
        if m is None:
            break
        out.append(s[pos : m.start()])
        closer = "-->" if m.group(0) == "<!--" else f"</{m.group(1).lower()}"
        end = -1 if closer in missing else low.find(closer, m.end())
        if end < 0:
            missing.add(closer)  # never search again for a closer that is not there
            pos = m.end()  # unclosed: drop the opening tag only
            continue
        gt = low.find(">", end)
        pos = len(s) if gt < 0 else gt + 1
        out.append(" ")
    out.append(s[pos:])
    return "".join(out)


def _strip_html(s: str) -> str:
    s = _drop_html_blocks(s)
    s = _HTML_BREAK.sub("\n", s)
    s = _HTML_CELL.sub(" ", s)
    s = _HTML_TAG.sub("", s)
    return html.unescape(s)


def _strip_wiki(s: str) -> str:
    if "{" in s:
        s = _WIKI_MACRO.sub("\n", s)
    if "!" in s:
        s = _WIKI_IMAGE.sub(" ", s)
    if "[" in s:
        s = _WIKI_ATTACH.sub(" ", s)
        s = _WIKI_LINK.sub(r"\1", s)
        s = _WIKI_BARE_LINK.sub(r"\1", s)
    if _WIKI_LINE_HINT.found(s):
        s = _WIKI_HEADING.sub("", s)
        s = _WIKI_BULLET.sub("", s)
        s = _WIKI_RULE.sub("", s)
    if "|" in s:
        s = _WIKI_TABLE_ROW.sub(lambda m: " ".join(c.strip() for c in m.group(0).split("|")), s)
    for marker, effect in _WIKI_EFFECTS:
        if marker in s:
            s = effect.sub(r"\1", s)
    return s


def _has_content(lines: list[str]) -> bool:
    """True when the lines hold more than a greeting."""
    text = " ".join(ln for ln in lines if ln.strip())
    if not _WORDISH.search(text):
        return False
    return not _GREETING_ONLY.match(text.strip())


def _split_quoted(lines: list[str]) -> tuple[list[str], list[str]]:
    """Cut the message at the start of a quoted e-mail; drop '>' lines."""
    text = "\n".join(lines)
    if not _QUOTE_HINT.found(text) and not (":" in text and _FROM_COLON.search(text)):
        return lines, []
    kept: list[str] = []
    quoted: list[str] = []
    n = len(lines)
    for i, line in enumerate(lines):
        cut = bool(_ORIGINAL_MESSAGE.match(line) or _WROTE.match(line)) or (
            i + 1 < n
            and len(line) < 250
            and _LE_ON.match(line) is not None
            and _WROTE.match(line + " " + lines[i + 1].strip()) is not None
        )
        if cut:
            pass
        elif _HEADER_FROM.match(line):
            window = lines[i + 1 : i + 6]
            above = bool(kept) and _MAIL_HEADER.match(kept[-1]) is not None
            others = sum(1 for w in window if _HEADER_OTHER.match(w))
            # "De : X <x@y.fr>" and an "Objet : …": one more mail header line (subject,
            # date: not "À :", which a shipment's route has too) is enough when the
            # sender's address is given, or when a note stands above (a forward)
            mail = sum(1 for w in window if _MAIL_HEADER.match(w)) + above
            note = kept[:-1] if above else kept
            forward = "@" in line or (_has_content(note) and not _MEMO_SENDER.match(line))
            cut = others >= 2 or (mail >= 1 and forward)
            if cut and above:
                quoted.append(kept.pop())
        elif ":" in line and _HEADER_ONE_LINE.search(line):
            m = _HEADER_ONE_LINE.search(line)
            if m is not None:
                head = line[: m.start()]
                if head.strip():
                    kept.append(head)
                quoted.append(line[m.start() :])
                quoted.extend(lines[i + 1 :])
                return kept, quoted
        if cut:
            quoted.extend(lines[i:])
            return kept, quoted
        if _QUOTE_LINE.match(line):
            quoted.append(line)
        else:
            kept.append(line)
    return kept, quoted


def _rest_ok(rest: str) -> bool:
    """What may follow a closing formula on its line: nothing, or a name."""
    return not rest or (len(rest) <= 80 and _NAME_LIKE.match(rest) is not None)


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """Cut at the first closing formula followed only by a short, signature-like block."""
    # Only lines followed by a signature-like tail can start a signature: find the
    # first such line from the end, so the closing patterns run on a few lines only.
    first = len(lines)
    count = chars = 0
    while first > 0:
        stripped = lines[first - 1].strip()
        if stripped:
            count += 1
            chars += len(stripped)
            if (
                count > _SIG_MAX_LINES
                or chars > _SIG_MAX_CHARS
                or len(stripped) > _SIG_MAX_LINE_CHARS
            ):
                break
        first -= 1
    for i in range(max(0, first - 1), len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        if _SIG_DASHES.match(line):
            if _has_content(lines[:i]):
                return lines[:i], lines[i:]
            continue
        m = _CLOSING_LINE.match(line)
        if m is not None and _rest_ok(m.group("rest").strip()):
            if _has_content(lines[:i]):
                return lines[:i], lines[i:]
            continue
        m2 = (
            _CLOSING_TAIL.search(line)
            if len(line) < 2000 and _END_OF_SENTENCE.search(line) is not None
            else None
        )
        if m2 is not None:
            rest = m2.group("rest").strip()
            if _rest_ok(rest):
                head = line[: m2.start()]
                return [*lines[:i], head], [line[m2.start() :].strip(), *lines[i + 1 :]]
    return lines, []


#: A postscript's first line: "PS : …", "P.S. …", "PS- …", "P.-S. : …", "Post-scriptum : …".
_POSTSCRIPT = re.compile(r"\s*(?:p\.?\s?-?\s?s\.?|post-?scriptum)\s*[:.-]?\s", re.IGNORECASE)


def _postscript_back(body: list[str], signature: list[str]) -> tuple[list[str], list[str]]:
    """A postscript written after the signature ("Merci, Claire" then "PS : on voit où
    la liste ?") is the author's words: back to the body, up to its first blank line."""
    for i, line in enumerate(signature):
        if i and _POSTSCRIPT.match(line):
            blank = (j for j in range(i + 1, len(signature)) if not signature[j].strip())
            end = next(blank, len(signature))
            return [*body, "", *signature[i:end]], [*signature[:i], *signature[end:]]
    return body, signature


def _split_disclaimer(lines: list[str]) -> tuple[list[str], list[str]]:
    """Cut a legal notice (and the "--" line before it) off the end of a message."""
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    tail = nonblank[-_DISCLAIMER_TAIL_LINES:]
    # a hint on one of the tail lines is a hint in their lower-cased join, and only then
    # is each line looked at
    joined = "\n".join([lines[i] for i in tail]).lower()
    if not any(w in joined for w in _DISCLAIMER_HINTS):
        return lines, []
    for i in tail:
        line = lines[i]
        low = line.lower()
        if (
            len(line) < 3000
            and any(w in low for w in _DISCLAIMER_HINTS)
            and _DISCLAIMER.search(line)
        ):
            cut = i
            while cut > 0 and (not lines[cut - 1].strip() or _SIG_DASHES.match(lines[cut - 1])):
                cut -= 1
            if _has_content(lines[:cut]):
                return lines[:cut], lines[cut:]
            return lines, []
    return lines, []


def _tidy(lines: list[str]) -> str:
    if not lines:
        return ""
    text = _squeeze_spaces("\n".join(lines))
    text = "\n".join([ln.strip() for ln in text.split("\n")])
    if "\n\n\n" in text:
        text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def split_body(raw: str) -> BodyParts:
    """Split a message into the author's words, signature and quoted text (cleaned)."""
    try:
        return _split_body(raw)
    except Exception:  # pragma: no cover - defensive: never raise on hostile input
        return BodyParts(body=_tidy(_bounded_nfkc(raw).split("\n")))


@functools.lru_cache(maxsize=1024)
def _split_body_cached(s: str) -> BodyParts:
    quoted_html = ""
    if "<" in s or "&" in s:
        if _HTML_HINT.search(s):
            m = _HTML_QUOTE.search(s)
            if m is not None:
                quoted_html = _strip_html(s[m.start() :])
                s = s[: m.start()]
            s = _strip_html(s)
        s = _INVISIBLE.sub("", s.replace("\u00a0", " "))
    if "{" in s and "{quote" in s.lower():
        quoted_html += "\n" + "\n".join(m.group(0) for m in _WIKI_QUOTE.finditer(s))
        s = _WIKI_QUOTE.sub("\n", s)
    if "bq." in s:
        # Jira's one-paragraph quote: quoted, as a {quote} block
        quoted_html += "\n" + "\n".join(m.group(0) for m in _WIKI_BQ.finditer(s))
        s = _WIKI_BQ.sub("", s)
    s = _strip_wiki(s)
    s = spoken_punctuation(s)
    if "transcri" in s.lower():
        s = _without_transcript_warning(s)
    lines = s.split("\n")
    kept, quoted = _split_quoted(lines)
    top_notice: list[str] = []
    if quoted and _only_notice(kept):
        # a legal notice on top of a forward ("Diese E-Mail enthält vertrauliche …"): no
        # words of the author's; the forwarded mail is the message
        top_notice, kept = kept, []
    if quoted and not _has_content(kept):
        # The whole message is a forward or a quote: its content is all there is.
        kept = [
            ln.lstrip(" \t>")
            for ln in quoted
            if not (
                _HEADER_FROM.match(ln) or _HEADER_OTHER.match(ln) or _ORIGINAL_MESSAGE.match(ln)
            )
            and not _WROTE.match(ln)
        ]
        quoted = []
    kept, notice = _split_disclaimer(kept)
    body, signature = _split_signature(kept)
    if signature:
        body, signature = _postscript_back(body, signature)
    if ":" in s:
        body = [ln for ln in body if not _EMPTY_FIELD.match(ln)]
    return BodyParts(
        body=_tidy(body),
        signature=_tidy([*signature, *notice, *top_notice]),
        quoted=_tidy([*quoted, *quoted_html.split("\n")]),
    )


#: The warning a voicemail transcript carries ("Transcription automatique (peut contenir
#: des erreurs)", "this transcript may contain errors").
_TRANSCRIPT_WARNING = LazyPattern(
    r"[(\[]?[ \t]*\b(?:(?:peut|peuvent|pourrait|pourraient)\s+contenir\s+des\s+"
    r"(?:erreurs|inexactitudes|fautes)|(?:may|might|can)\s+contain\s+(?:errors|mistakes"
    r"|inaccuracies))[ \t]*[)\]]?",
    re.IGNORECASE,
)


#: a line of this many words at most that holds a transcript's warning is the warning
_TRANSCRIPT_WARNING_WORDS = 16


def _without_transcript_warning(s: str) -> str:
    """A voicemail's transcript without its warning ("Ce message a été transcrit
    automatiquement et peut contenir des erreurs"): no error of the caller's. A short
    line holding it goes whole; in a longer one only the warning's words go."""
    out = []
    for line in s.split("\n"):
        if not _TRANSCRIPT_WARNING.search(line):
            out.append(line)
        elif len(line.split()) > _TRANSCRIPT_WARNING_WORDS:
            out.append(_TRANSCRIPT_WARNING.sub("", line))
    return "\n".join(out)


def _only_notice(lines: list[str]) -> bool:
    """Every line of ``lines`` that says something is a legal notice's (a rule of
    underscores says nothing)."""
    said = [ln for ln in lines if any(c.isalnum() for c in ln)]
    return bool(said) and all(
        len(ln) < 3000
        and any(w in ln.lower() for w in _DISCLAIMER_HINTS)
        and _DISCLAIMER.search(ln)
        for ln in said
    )


#: A field of a form or template marked empty ("Pièces jointes : N/A", "Navigateur :
#: ____", "Version : ?", a bilingual "[FR] Pièces jointes / [EN] Attachments : ____"): its
#: label says nothing the author told. (A bare "Erreur à la
#: connexion :" introduces the next lines and stays.)
_EMPTY_FIELD = LazyPattern(
    r"^[ \t]*(?:[-*•·][ \t]*)?(?:\[[^\]\n]{1,12}\][ \t]*)?[^\W\d_][^:\n]{0,60}?[ \t]*:[ \t]*"
    r"(?:n[ \t]*/[ \t]*a|na|n/?c|n[ée]ant|aucune?s?|none|nil|tbd|[àa] compl[ée]ter|sans objet"
    r"|s\.?o\.?|-+|—|–|_+|\.{2,}|…|\?+|/|x+)[ \t]*$",
    re.IGNORECASE,
)


def _split_body(raw: str) -> BodyParts:
    return _split_body_cached(_bounded_nfkc(raw))


#: A dictated message says its punctuation ("virgule", "point à la ligne", "point
#: d'interrogation"): one of these tells that the text was dictated.
_DICTATED = LazyPattern(
    r"\bvirgule\b|\bpoint [àa] la ligne\b|\bpoint d['’ ]?interrogation\b"
    r"|\bpoint d['’ ]?exclamation\b",
    re.IGNORECASE,
)
#: The spoken marks, longest first.
_SPOKEN_MARKS = LazyPattern(
    r"[ \t]*\b(?:(?P<nl>point [àa] la ligne)|(?P<q>point d['’ ]?interrogation)"
    r"|(?P<x>point d['’ ]?exclamation)|(?P<c>virgule))\b[ \t]*",
    re.IGNORECASE,
)
#: A bare "point" that ends a dictated sentence: after a word, not after a word that
#: makes it a noun ("le point", "ce point", "au point", "à ce point"), and not before one
#: ("point de contrôle", "point sur", "point fort").
_SPOKEN_STOP = LazyPattern(
    r"(?<=\w)(?<!\ble)(?<!\bun)(?<!\bce)(?<!\bau)(?<!\bdu)(?<!\bmon)(?<!\bnotre)"
    r"(?<!\bquel)(?<!\bchaque)(?<!\bbon)(?<!\bmauvais)(?<!\bdernier)(?<!\bpremier)"
    r"[ \t]+point\b(?![ \t]*(?:de\b|d['’]|du\b|des\b|sur\b|fort|faible|important|[0-9]))"
    r"[ \t]*",
    re.IGNORECASE,
)
_SPOKEN = {"nl": ".\n", "q": " ? ", "x": " ! ", "c": ", "}
#: this many bare spoken stops, and no typed one, tell a dictated text
_BARE_STOPS = 2


def spoken_punctuation(s: str) -> str:
    """A dictated text with its punctuation written ("… certificats point je ne savais
    pas virgule …" → "… certificats. je ne savais pas, …"), so that its sentences,
    questions and clauses are cut as typed ones are; any other text as it is."""
    low = s.lower()
    if "point" not in low and "virgule" not in low:
        return s
    # only bare stops: dictated when there are two or more and no typed full stop
    # ("… la semaine dernière point ça me met une erreur point j'ai des certificats …")
    if not _DICTATED.search(s) and ("." in s or len(_SPOKEN_STOP.findall(s)) < _BARE_STOPS):
        return s
    s = _SPOKEN_MARKS.sub(lambda m: _SPOKEN[m.lastgroup or "c"], s)
    return _SPOKEN_STOP.sub(". ", s)


#: A bare relaunch points at the message quoted below it ("voir ci-dessous", "je relance
#: ma demande", "toujours pas de réponse", "see below").
_RELAUNCH = LazyPattern(
    r"dessous|below|relance|toujours|pas de r[ée]ponse|sans r[ée]ponse|sans nouvelles"
    r"|no (?:answer|reply|response)|still|any update|follow(?:ing)?[ -]?up|reminder",
    re.IGNORECASE,
)
#: ...and says little else (words of the author's own text, greetings included).
_RELAUNCH_MAX_WORDS = 30
_QUOTE_MARKS = LazyPattern(r"^[ \t>]+")


def _is_header(line: str) -> bool:
    return bool(
        _ORIGINAL_MESSAGE.match(line)
        or _WROTE.match(line)
        or _HEADER_FROM.match(line)
        or _HEADER_OTHER.match(line)
    )


def _names_sender(header: str, sender: tuple[str, str], colleagues: str) -> bool:
    """Does a quoted message's header name the ticket's reporter (name or mailbox), or a
    mailbox of the ``colleagues`` domain?"""
    name, email = sender
    if colleagues and f"@{colleagues.lower()}" in header.lower():
        return True
    head = normalise(header)
    words = set(head.split())
    name_words = [w for w in normalise(name).split() if len(w) > 1]
    if name_words and all(w in words for w in name_words):
        return True
    local = "".join(ch for ch in email.partition("@")[0].lower() if ch.isalnum())
    return len(local) >= 4 and local in head.replace(" ", "")


@dataclass(frozen=True, slots=True)
class Forwarded:
    """The first message quoted or forwarded below the author's words: who sent it (as
    its header says, "" when it does not) and its own words and signature."""

    name: str
    email: str
    body: str
    signature: str = ""


_SENDER_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_FROM_VALUE = re.compile(r"^[ \t]*\**(?:de|from|exp[ée]diteur)[ \t]*\**[ \t]*:(.*)$", re.I)
_WROTE_VALUE = re.compile(r"^[^\n]*?,([^,\n]*?)(?:a [ée]crit|wrote|écrivait)", re.I)


def _sender(header: Sequence[str]) -> tuple[str, str]:
    """(name, e-mail) of the sender a quoted message's header names, "" when it does not."""
    for line in header:
        m = _FROM_VALUE.match(line) or _WROTE_VALUE.match(line)
        if m is None:
            continue
        value = m.group(1)
        found = _SENDER_EMAIL.search(value)
        email = found.group(0).lower() if found else ""
        name = _SENDER_EMAIL.sub("", value).replace("<", " ").replace(">", " ")
        name = " ".join(name.replace('"', " ").replace("[mailto:", " ").replace("]", " ").split())
        return name, email
    return "", ""


def _first_quoted(quoted: str, limit: int) -> tuple[list[str], list[str], str]:
    """The header lines and the content lines of the first message in ``quoted`` (its
    first ``limit`` lines, quote marks off): the content ends at the next header; and
    what ``quoted`` holds from that header on (the messages quoted before it), or ""."""
    header: list[str] = []
    content: list[str] = []
    lines = quoted.split("\n")
    for i, raw_line in enumerate(lines[:limit]):
        line = _QUOTE_MARKS.sub("", raw_line)
        if _is_header(line):
            if content:
                return header, content, "\n".join(lines[i:])
            header.append(line)
        elif content or line.strip():
            content.append(line)
    return header, content, ""


def forwarded_message(parts: BodyParts, below: int = 0) -> Forwarded | None:
    """The first message below the author's words (a forward, a transfer, a quoted
    mail), or the one ``below`` messages further down; None when there is none. Never
    raises."""
    try:
        if not parts.quoted:
            return None
        header, content, earlier = _first_quoted(parts.quoted, 300)
        for _ in range(below):
            if not earlier:
                return None
            header, content, earlier = _first_quoted(earlier, 300)
        if not content:
            return None
        name, email = _sender(header)
        inner = split_body("\n".join(content))
        return Forwarded(name, email, inner.body, inner.signature) if inner.body else None
    except Exception:  # pragma: no cover - defensive: never raise on hostile input
        return None


def relaunched_message(
    parts: BodyParts, sender: tuple[str, str], colleagues: str = "", depth: int = 3
) -> str:
    """The reporter's own earlier message, quoted below a bare relaunch, cleaned.

    "Je relance ma demande ci-dessous", "voir ci-dessous, toujours bloqué": the question
    is in the message the customer quotes, and it is theirs (its header names them: the
    display name or the mailbox of ``sender``) or a colleague's ("voir la question de ma
    collègue ci-dessous": a mailbox of the ``colleagues`` domain, the reporter's company,
    never a public mailbox provider). Anything else quoted (the support's answer, a
    DD's or a client's mail) stays out of the decision: "" is returned. When that
    message is itself a bare relaunch of theirs ("2ème relance" above "je relance" above
    the question), the one it quotes is read, ``depth`` messages down at most.
    """
    try:
        body = parts.body
        if not parts.quoted or len(body.split()) > _RELAUNCH_MAX_WORDS:
            return ""
        if not _RELAUNCH.search(body):
            return ""
        header, content, rest = _first_quoted(parts.quoted, 200)
        if not header or not content:
            return ""  # (words before any header are not a quoted message of theirs)
        if not _names_sender("\n".join(header), sender, colleagues):
            return ""
        earlier = split_body("\n".join(content))
        deeper = ""
        if depth > 1:  # a relaunch of a relaunch ("2ème relance" above "je relance"):
            # the messages quoted after the first one are the earlier relaunch's quote,
            # and the question is in the first message, further down
            deeper = relaunched_message(
                BodyParts(earlier.body, earlier.signature, rest), sender, colleagues, depth - 1
            )
        return deeper or earlier.body
    except Exception:  # pragma: no cover - defensive: never raise on hostile input
        return ""


#: A clause that says what the ticket is *not* about ("ce n'est pas pour un collègue",
#: "je ne cherche pas à créer un compte", "pas besoin de m'expliquer le bouton", "this
#: is not a login issue"): its opening words (the clause runs to its end).
_DENIAL = LazyPattern(
    r"\b(?:(?:ce|[cç]a|cela)\s+n['’]\s*est\s+(?:donc\s+|m[eê]me\s+)?pas\s+"
    r"(?:(?:un|une|le|mon|notre|du|d['’]\s*un|d['’]\s*une)\s+(?:probl[eè]me|souci|"
    r"question|sujet|bug)\b|pour\b)"
    r"|il\s+ne\s+s['’]\s*agit\s+pas\b"
    r"|je\s+ne\s+(?:cherche|demande)\s+pas\b"
    r"|ma\s+question\s+(?:ne\s+(?:porte|concerne)\s+pas|n['’]\s*est\s+pas)\b"
    r"|pas\s+besoin\s+d(?:e\b|['’])|inutile\s+de\b"
    r"|je\s+sais\s+(?:d[ée]j[àa]\s+|tr[eè]s\s+bien\s+|bien\s+)?(?:comment\s+|o[uù]\s+)?"
    r"(?:t[ée]l[ée]charger|cr[ée]er|habiliter|utiliser|trouver)\b"
    r"|(?:this|it)\s+is\s+not\s+(?:a|an|about|for)\b|it['’]s\s+not\s+(?:a|an|about|for)\b"
    r"|i(?:['’]m|\s+am)\s+not\s+asking\b|no\s+need\s+to\b|i\s+don['’]t\s+need\b"
    # a question taken back as it is told: "j'allais vous demander comment créer un
    # compte, mais j'ai trouvé le lien"
    # thanks for an earlier answer, naming its subject: "merci pour l'explication sur
    # gestion des utilisateurs. Est-ce qu'avec l'admin local …"
    r"|merci\s+(?:beaucoup\s+|bien\s+)?(?:pour|de)\s+(?:votre|vos|l['’]\s*|la|les|cette|ces)\s*"
    r"(?:explication|explications|r[ée]ponse|r[ée]ponses|aide|retour|info|infos|information|informations|pr[ée]cisions?)\s+"
    r"(?:sur|concernant|au\s+sujet\s+de|[àa]\s+propos\s+de|pour)\b"
    r"|thanks?\s+(?:you\s+)?(?:for|4)\s+(?:the|your)\s+(?:explanation|answer|reply|help|info|information)\s+"
    r"(?:on|about|regarding|for)\b"
    r"|j['’]\s*allais\s+(?:vous\s+|te\s+)?(?:demander|poser)\b|i\s+was\s+going\s+to\s+ask\b"
    # ... and when the same sentence says it was found: "I wanted to ask how to create
    # an account, but I found the site", "je voulais vous demander …, mais en fouillant
    # j'ai trouvé" (not "I wanted to ask how to create an account", nor "…, but I can't
    # find the link", which still asks)
    r"|(?:i\s+wanted|i\s+was\s+about)\s+to\s+ask\b"
    r"(?=[^.?!\n]{0,200}?\bbut\b[^.?!\n]{0,40}?\bi\s+(?:found|figured|managed)\b)"
    r"|je\s+voulais\s+(?:vous\s+)?demander\b"
    r"(?=[^.?!\n]{0,200}?\bmais\b[^.?!\n]{0,40}?(?:j['’]ai\s+(?:trouv|fini\s+par)|c['’]est\s+fait)))",
    re.IGNORECASE,
)

#: A remark on the form the author chose ("je passe par le formulaire habilitation car
#: c'était le seul lien", "le formulaire habilitation était le seul ouvert", "je ne
#: savais pas quel formulaire choisir", "j'ai cliqué au hasard"): its words name a
#: form, not what the ticket is about. Its opening words (the cut runs from its clause's
#: start to the clause's end).
_FORM_REMARK = LazyPattern(
    r"\b(?:je\s+(?:passe|suis\s+pass[ée]e?|mets|prends)\s+par\s+(?:ici|le\s+formulaire|"
    r"ce\s+formulaire|le\s+portail|ce\s+portail|celui)"
    r"|(?:le|ce)\s+formulaire\s+(?:d['’]\s*)?\w+\s+(?:[ée]tait|est)\s+le\s+seul"
    r"|(?:c['’]\s*(?:est|[ée]tait)|[ée]tait)\s+le\s+seul\s+(?:lien|formulaire|ouvert)"
    r"|je\s+ne\s+savais\s+pas\s+(?:quel|quelle|o[uù]|si|trop|lequel|dans\s+quel)"
    r"|faute\s+de\s+mieux|(?:cliqu[ée]|choisi|pris)\s+au\s+hasard"
    r"|je\s+ne\s+m['’]\s*y\s+retrouve\s+pas\s+entre)",
    re.IGNORECASE,
)

#: Where such a clause ends: a stop, a line's end, a colon (not a time's: "ce n'est pas
#: pour les modèles : je n'arrive pas à me connecter" tells what it is for after it), or
#: a "mais" / "but" / ", c'est" that turns it.
_CLAUSE_END = LazyPattern(
    r"[.;!?\n]|:(?!\d)|,?\s*\bmais\b|,\s*c['’]est\b|,\s*(?:but|it['’]s)\b", re.IGNORECASE
)

#: Words saying the problem itself is settled ("c'est réglé", "is now fixed"):
#: :func:`says_over` reads them (and no more: "pour l'Agrément tout fonctionne" says
#: something else works)
_SETTLED_WORDS = (
    r"(?:c['’]est|est|a\s+[ée]t[ée]|sont)\s+(?:maintenant\s+|bien\s+)?"
    r"(?:r[ée]gl[ée]e?s?|r[ée]solue?s?)"
    r"|(?:[çc]a|cela)\s+(?:re)?(?:fonctionne|marche)\s+(?:maintenant|[àa]\s+nouveau|de\s+nouveau)"
    r"|(?:is|was|has\s+been)\s+(?:now\s+)?(?:solved|fixed|resolved)"
    # "j'ai résolu le problème en passant sur Firefox"
    r"|j['’]ai\s+(?:r[ée]solu|r[ée]gl[ée])\s+(?:le|ce|mon)\s+(?:probl[eè]me|souci)"
    # "merci, vider le cache a résolu mon problème de connexion !", "that fixed my issue"
    r"|(?:a|ont)\s+(?:r[ée]solu|r[ée]gl[ée])\s+(?:le|ce|mon|notre)\s+(?:probl[eè]me|souci)"
    r"|(?:fixed|solved|resolved)\s+(?:the|my|our)\s+(?:problem|issue)"
)
#: Words saying a problem is over, or that all works: their sentence goes.
_OVER = LazyPattern(
    rf"\b(?:{_SETTLED_WORDS}|tout\s+(?:re)?(?:fonctionne|marche)|j['’]acc[èe]de\s+bien"
    # "en vidant le cache c'est reparti, tout va bien"; "j'ai vidé le cache et c'est
    # revenu, donc tout va bien de ce côté"
    r"|c['’]est\s+(?:reparti|revenu)|tout\s+va\s+bien\s+(?:maintenant|de\s+ce\s+c[ôo]t[ée])"
    r"|(?:works|working)\s+again)\b",
    re.IGNORECASE,
)
_SETTLED = LazyPattern(rf"\b(?:{_SETTLED_WORDS})\b", re.IGNORECASE)
_SETTLED_HINTS = ("gl", "solu", "solv", "fixed", "marche", "fonctionne")

#: A clause or a sentence is read this far at most (a text without stops is not read
#: to its end from every denial in it).
_CLAUSE_REACH = 400

#: One of these is in any text a denial or a problem said to be over can be found in
#: (most texts hold none).
_DENIAL_HINTS = (
    "pas",
    "not",
    "need",
    "sais",
    "gl",
    "solu",
    "solv",
    "fixed",
    "tout",
    "acc",
    "marche",
    "fonctionne",
    "allais",
    "going to ask",
    "to ask",
    "voulais",
    "merci",
    "thank",
    "reparti",
    "revenu",
    "again",
)
#: One of these is in any text a remark on the form can be found in.
_FORM_REMARK_HINTS = (
    "formulaire",
    "hasard",
    "mieux",
    "savais",
    "retrouve",
    "seul",
    "portail",
    "par ici",
    "par celui",
)


#: After an ellipsis, words that take back what it ended ("je n'arrivais pas à me
#: connecter ce matin... en fait je viens de vider le cache et c'est reparti")
_TAKEN_BACK = LazyPattern(r"\.\.\.\s*(?:en\s+fait|finalement|ah|oh|bon|enfin|non)\b", re.IGNORECASE)


#: What says the problem itself is over, not that something else works ("sur Agrément
#: tout fonctionne"): only these reach back past an ellipsis
_BACK_OVER = LazyPattern(
    rf"(?:{_SETTLED_WORDS}|c['’]est\s+(?:reparti|revenu)|(?:works|working)\s+again)",
    re.IGNORECASE,
)


def _over_start(body: str, over: re.Match[str]) -> int:
    """Where the sentence that says a problem is over starts (its first character's
    index minus one): after the last stop, line end or colon before ``over``; when that
    stop ends an ellipsis the author goes on from to take it back ("... en fait c'est
    reparti"), the sentence before it is over too (not "... bon, sur Agrément tout
    fonctionne", which says something else works)."""
    at = over.start()
    low = max(0, at - _CLAUSE_REACH)
    first = max(body.rfind(c, low, at) for c in ".!?\n:")
    if (
        first >= 2
        and body[first] == "."
        and _TAKEN_BACK.match(body, first - 2) is not None
        and _BACK_OVER.fullmatch(over.group(0)) is not None
    ):
        dots = first - 2
        first = max(body.rfind(c, low, dots) for c in ".!?\n:")
    return first


def says_over(body: str) -> bool:
    """The text says a problem is over ("finalement c'est réglé", "is now fixed"), not
    only that something else works ("pour l'Agrément tout fonctionne")."""
    low = body.lower()
    return any(w in low for w in _SETTLED_HINTS) and _SETTLED.search(body) is not None


def without_denials(body: str) -> str:
    """The text without the clauses that say what it is *not* about, nor the sentences
    that say a problem is over ("avant je n'arrivais pas à me connecter mais c'est
    réglé"), nor the remarks on the form chosen ("le formulaire habilitation était le
    seul ouvert"): what is left says what the ticket asks. Linear in the text: every cut is
    found from a marker, and reaches at most ``_CLAUSE_REACH`` characters."""
    low = body.lower()
    denials = any(w in low for w in _DENIAL_HINTS)
    remarks = any(w in low for w in _FORM_REMARK_HINTS)
    if not denials and not remarks:
        return body
    cuts: list[tuple[int, int]] = []
    for m in _DENIAL.finditer(body) if denials else ():
        turn = _CLAUSE_END.search(body, m.end(), m.end() + _CLAUSE_REACH)
        cuts.append((m.start(), turn.start() if turn else min(len(body), m.end() + _CLAUSE_REACH)))
    for m in _FORM_REMARK.finditer(body) if remarks else ():
        # from the sentence's start ("notre certificat…, le formulaire habilitation était
        # le seul ouvert" keeps what comes before the comma)
        first = max(body.rfind(c, max(0, m.start() - _CLAUSE_REACH), m.start()) for c in ".!?\n,")
        turn = _CLAUSE_END.search(body, m.end(), m.end() + _CLAUSE_REACH)
        cuts.append((first + 1, turn.start() if turn else min(len(body), m.end() + _CLAUSE_REACH)))
    for o in _OVER.finditer(body) if denials else ():
        # from the sentence's start (or a colon's: "dans gestion des utilisateurs tout
        # fonctionne" is one clause) to where it ends or turns ("…, mais quand je clique")
        first = _over_start(body, o)
        turn = _CLAUSE_END.search(body, o.end(), o.end() + _CLAUSE_REACH)
        cuts.append((first + 1, turn.start() if turn else min(len(body), o.end() + _CLAUSE_REACH)))
    if not cuts:
        return body
    out: list[str] = []
    at = 0
    for start, stop in sorted(cuts):
        if start > at:
            out.append(body[at:start])
        at = max(at, stop)
    out.append(body[at:])
    return " ".join(out)


def clean_body(raw: str) -> str:
    """The author's own words: no HTML, wiki markup, quoted e-mail or signature.

    Accents, case and line breaks are kept (blank-line runs collapsed). A message that
    is nothing but a forward or quote keeps the quoted content (minus the headers).
    Signatures are cut from a closing formula ("Cordialement", "Merci d'avance",
    "Bonne journée", "--"…) to the end, only when what follows is short and
    signature-like. ``{quote}`` blocks are treated as quoted text; ``{code}`` and
    ``{noformat}`` contents are kept (customers paste error messages there).
    """
    return split_body(raw).body


# --------------------------------------------------------------------------- normalise

_FOLD_EXTRA = {
    "œ": "oe",
    "æ": "ae",
    "ø": "o",
    "đ": "d",
    "ł": "l",
    "ı": "i",
    "ß": "ss",
    "þ": "th",
    "ð": "d",
}
# Cyrillic and Greek letters that look Latin (homoglyphs), mapped to what they mimic.
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ɑ": "a", "ο": "o", "α": "a",
    "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "ϲ": "c", "ϳ": "j", "ѵ": "v", "һ": "h", "ӏ": "l", "ɩ": "i",
}  # fmt: skip
_FOLD_MAP = {**_FOLD_EXTRA, **_HOMOGLYPHS}
_FOLD_TABLE = {ord(c): f for c, f in _FOLD_MAP.items()}
_FOLD_CHARS = re.compile("[" + "".join(sorted(_FOLD_MAP)) + "]")
_ASCII_PUNCT_TO_SPACE = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isascii() and chr(c).isalnum())}
    | {chr(c): chr(c).lower() for c in range(ord("A"), ord("Z") + 1)}
)
#: every ASCII character but a-z and 0-9 → space (upper case included)
_ASCII_NON_ALNUM_TO_SPACE = str.maketrans(
    {chr(c): " " for c in range(128) if not ("a" <= chr(c) <= "z" or "0" <= chr(c) <= "9")}
)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

#: SMS style and common abbreviations → words (applied to whole normalised tokens).
ABBREVIATIONS: dict[str, str] = {
    "bjr": "bonjour", "bjour": "bonjour", "bnjr": "bonjour", "bsr": "bonsoir",
    "slt": "salut", "svp": "s il vous plait", "stp": "s il te plait", "svpl": "s il vous plait",
    "pb": "probleme", "pbs": "problemes", "pbm": "probleme", "pblm": "probleme",
    "prob": "probleme", "pbl": "probleme", "prblm": "probleme",
    "cnx": "connexion", "cnxion": "connexion", "conx": "connexion", "connection": "connexion",
    "connections": "connexions", "conection": "connexion", "deconnection": "deconnexion",
    "mdp": "mot de passe", "motdepasse": "mot de passe", "pwd": "mot de passe",
    "qd": "quand", "qnd": "quand", "pr": "pour", "ds": "dans", "tjs": "toujours",
    "tjrs": "toujours", "tjr": "toujours", "bcp": "beaucoup", "bcps": "beaucoup",
    "dc": "donc", "cmt": "comment", "cmnt": "comment",
    "kel": "quel", "kelle": "quelle", "pk": "pourquoi", "pq": "pourquoi", "pkoi": "pourquoi",
    "tt": "tout",
    "ts": "tous", "tte": "toute", "ttes": "toutes", "auj": "aujourd hui", "ajd": "aujourd hui",
    "aujd": "aujourd hui", "msg": "message", "msgs": "messages", "tel": "telephone",
    "qq": "quelques", "qqs": "quelques", "qqn": "quelqu un", "qqun": "quelqu un",
    "qqch": "quelque chose", "qqc": "quelque chose", "pdt": "pendant", "avc": "avec",
    "ac": "avec", "cad": "c est a dire", "dsl": "desole", "mtn": "maintenant",
    "mci": "merci", "mrc": "merci", "mr6": "merci", "cdt": "cordialement",
    "cdlt": "cordialement", "slts": "salutations", "ajourd": "aujourd",
    "jarrive": "j arrive", "narrive": "n arrive", "jarrivais": "j arrivais",
    # (dictation glues the whole failure: "jenarrivepas à me connecter")
    "jenarrive": "je n arrive", "jenarrivepas": "je n arrive pas",
    "jenarriveplus": "je n arrive plus", "jarrivepas": "j arrive pas",
    "jarriveplus": "j arrive plus", "narrivepas": "n arrive pas", "narriveplus": "n arrive plus",
    "narrivais": "n arrivais", "narrivons": "n arrivons", "narrivent": "n arrivent",
    "jai": "j ai", "jy": "j y", "jen": "j en", "jsuis": "je suis", "chui": "je suis",
    "jsui": "je suis", "jessaie": "j essaie", "jessaye": "j essaye", "jutilise": "j utilise",
    "jobtiens": "j obtiens", "jaurais": "j aurais", "jvoudrais": "je voudrais",
    "ya": "il y a", "yen": "il y en", "lacces": "l acces", "dacces": "d acces",
    "dacceder": "d acceder", "lhabilitation": "l habilitation", "bilitation": "habilitation",
    "dhabilitation": "d habilitation", "lapplication": "l application",
    "lapplie": "l appli", "lappli": "l appli", "maider": "m aider", "mindiquer": "m indiquer",
    "sidentifier": "s identifier", "midentifier": "m identifier", "mauthentifier": "m authentifier",
    # dictation glues the pronoun to the verb ("impossible de meconnecter")
    "meconnecter": "me connecter", "seconnecter": "se connecter", "meconnecte": "me connecte",
    "seconnecte": "se connecte", "nousconnecter": "nous connecter",
    "sauthentifier": "s authentifier", "nest": "n est", "cest": "c est", "quil": "qu il",
    "quon": "qu on", "jamais": "jamais", "aujourdhui": "aujourd hui",
    "habilitee": "habilitee", "identifient": "identifiant", "identifiants": "identifiants",
    "navigateure": "navigateur", "naviguateur": "navigateur",
    "certif": "certificat", "certifs": "certificats",
}  # fmt: skip


def fold(s: str) -> str:
    """NFKC, lower case, accents and ligatures folded, homoglyphs mapped; keeps punctuation."""
    s = _bounded_nfkc(s).casefold()
    if s.isascii():
        return s
    s = _COMBINING.sub("", unicodedata.normalize("NFD", s))
    if s.isascii():
        return s
    # Only the few characters left (œ, homoglyphs…) go through the table, which maps
    # each to ASCII; most texts hold none of them (only "’", "–", "°"… are left): a
    # scan in C tells, and the table is applied only then.
    if _FOLD_CHARS.search(s) is None:
        return s
    return s.translate(_FOLD_TABLE)


def _expand(words: list[str]) -> str:
    return " ".join(map(ABBREVIATIONS.get, words, words))


#: (a few hundred texts: one ticket's parts are normalised several times in a row;
#: thousands of whole texts were megabytes the daemon never read again)
@functools.lru_cache(maxsize=512)
def _normalise_cached(s: str) -> str:
    return _normalise(s)


def _normalise(s: str) -> str:
    folded = fold(s)
    if folded.isascii():
        words = folded.translate(_ASCII_PUNCT_TO_SPACE).split()
    else:
        # the words are the runs of a-z and 0-9: what is left outside ASCII (dashes,
        # "°", "’"…) becomes a separator, then the ASCII rest is translated in C's fast
        # path
        # ("?" for each, by the ASCII codec in C, then a space like any punctuation)
        ascii_only = folded.encode("ascii", "replace").decode("ascii")
        words = ascii_only.translate(_ASCII_NON_ALNUM_TO_SPACE).split()
    out = _expand(words)
    if "sign" in out:  # English "sign in" is logging in, not the French "signer"
        out = _SIGN_IN.sub("login", out)
    if _SPELLED_HINT.search(f" {out} ") is not None:
        # an acronym read out letter by letter ("la d d p p du morbihan"): one word
        out = _SPELLED_OUT.sub(_spelled_word, out)
    if any(h in out for h in _MISHEARD_HINTS):
        out = _MISHEARD.sub(lambda m: _MISHEARD_WORDS[m.group(0)], out)
    return out


#: The application's words as voice typing hears them ("je me connecte à ex pas don",
#: "expa donc",
#: "le module à gré ment", "a grès ment", "être habilité au module certifie cas"), read
#: as the words.
_MISHEARD_WORDS = {
    "ex pas don": "expadon", "expas don": "expadon", "expa don": "expadon",
    "ex pa don": "expadon", "expa donc": "expadon", "a grement": "agrement",
    "a gre ment": "agrement", "agre ment": "agrement", "a gres ment": "agrement",
    "agres ment": "agrement",
    "certifie cas": "certificats", "certi ficat": "certificat",
}  # fmt: skip
_MISHEARD = re.compile(r"\b(?:" + "|".join(_MISHEARD_WORDS) + r")\b")
#: a part of each (found by ``in``, in C): a text without one is not scanned
_MISHEARD_HINTS = (
    "pas don", "pa don", "as don", "grement", "gre ment", "gres ment", "fie cas", "ti ficat",
)  # fmt: skip


#: Three or more single letters in a row: an acronym spelt out by voice to text
_SPELLED_OUT = re.compile(r"(?<![a-z0-9])[a-z](?: [a-z]){2,}(?![a-z0-9])")
#: The same, looked for in the words padded with a space (a pattern that starts with a
#: space is looked for four times faster than one that starts with a look-behind)
_SPELLED_HINT = re.compile(r" [a-z] [a-z] [a-z] ")


def _spelled_word(m: re.Match[str]) -> str:
    """An acronym spelt out ("d d p p", "s i v e p", "d d t") as one word; three letters
    with a vowel are words ("y a-t-il" is "y a t il")."""
    run = m.group(0)
    letters = run.replace(" ", "")
    if len(letters) == 3 and any(v in letters for v in "aeiouy"):
        return run
    return letters


#: "sign in", "signing in", "signed on", "sign-in" (dash already a space): a login
_SIGN_IN = re.compile(r"\bsign(?:ing|ed)? (?:in|on)\b")


def normalise(s: str) -> str:
    """Comparable form of French text, e.g. ``"Bjr, PB de cnx ! Connexion refusée"`` →
    ``"bonjour probleme de connexion connexion refusee"``.

    NFKC, lower case, accents and ligatures folded (é→e, œ→oe), homoglyphs mapped,
    apostrophes, quotes, dashes and all other punctuation to single spaces, SMS style
    and abbreviations expanded (see :data:`ABBREVIATIONS`), English "sign in" read as
    "login" (the French "signer" would read it as signing). Idempotent.
    """
    try:
        if len(s) <= 4096:
            return _normalise_cached(s)
        return _normalise(s)
    except Exception:  # pragma: no cover - defensive: never raise on hostile input
        return ""


@functools.lru_cache(maxsize=512)
def _tokens_cached(norm: str) -> tuple[str, ...]:
    return tuple(w for w in norm.split() if len(w) > 1 or w.isdigit())


def tokens(s: str) -> list[str]:
    """Words of ``normalise(s)``, without one-letter noise (digits are kept)."""
    return list(_tokens_cached(normalise(s)))


_stemmers = threading.local()


def _stemmer() -> Any:
    st = getattr(_stemmers, "french", None)
    if st is None:
        import snowballstemmer  # noqa: PLC0415 - heavy-ish import kept off the import path

        st = snowballstemmer.stemmer("french")
        _stemmers.french = st
    return st


@functools.lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """French Snowball stem of one normalised token (``"habilitations"`` → ``"habilit"``).

    One fix over plain Snowball: a plural in "-ions" is stemmed as its singular, because
    Snowball reads "-ions" as a verb ending ("connexions" → "connex" but "connexion" →
    "connexion"); with the fix both give "connexion".
    """
    if len(token) <= 2 or len(token) > 40 or token.isdigit():
        return token
    if len(token) > 5 and token.endswith("ions"):
        token = token[:-1]
    try:
        return str(_stemmer().stemWord(token))
    except Exception:  # pragma: no cover - defensive
        return token


def stems(s: str) -> list[str]:
    """Stems of :func:`tokens` of ``s``."""
    return [stem(t) for t in tokens(s)]


# --------------------------------------------------------------------------- auto replies

_AUTO_HEADER = LazyPattern(
    r"auto-submitted\s*:\s*auto-(?:replied|generated|notified)|x-autoreply\s*:|x-autorespond\s*:"
    r"|precedence\s*:\s*auto_reply",
    re.IGNORECASE,
)
_AUTO_LEADING = LazyPattern(
    r"^(?:(?:re|tr|fw|fwd|aw|rep)\s+)*(?:(?:bonjour|bonsoir|hello|hi|madame|monsieur)\s+)*"
    r"(?:reponse automatique|reponse auto|message automatique|automatic reply|auto reply"
    r"|autoreply|auto response"
    r"|out of office|out of the office|absence du bureau|message d absence|absent e du bureau"
    r"|absent du bureau|absente du bureau|undeliverable|undelivered mail|non remis"
    r"|delivery status notification|mail delivery|mailer daemon|notification d etat de remise"
    r"|echec de la remise|remise impossible|accuse de reception|returned mail"
    r"|message non distribue|delivery failure|failure notice)\b"
)
_AUTO_STRONG = LazyPattern(
    r"\b(?:ceci est une reponse automatique|ceci est un message automatique"
    r"|this is an automatic|this is an automated|message genere automatiquement"
    r"|je prendrai connaissance de (?:votre|vos) (?:message|mail|courriel|e mail)s?"
    r"|i will (?:reply|respond|get back to you) (?:to your (?:message|email) )?"
    r"(?:when|on|upon) my return"
    r"|(?:votre|your) message n a pas pu etre (?:remis|delivre|distribue)"
    r"|(?:could not|couldn t|was not|wasn t) be(?:en)? delivered|delivery has failed"
    r"|your message (?:could not|wasn t|was not) delivered"
    r"|(?:en|pendant) mon absence,? (?:vous pouvez|merci de|veuillez) (?:contacter|joindre"
    r"|vous adresser|ecrire)|(?:during|in) my absence,? (?:please )?(?:contact|write)"
    r"|(?:avec un )?acces (?:tres )?(?:limite|restreint) a (?:ma|mes)"
    r" (?:messagerie|mails|e mails|courriels)"
    # a read receipt ("Votre message … Objet : … a été lu le lundi 18 mars 2024"; not a
    # person's "mon mail a été lu le 3 mars, toujours rien")
    r"|(?:votre|your) message .{0,300}(?:a ete lu le|was read on))"
)
_AUTO_ABSENCE = LazyPattern(
    r"\b(?:i am (?:currently )?(?:out of the office|away from the office|on (?:annual )?leave)"
    r"|je suis (?:actuellement )?(?:absent|absente|absent e)s? (?:du bureau|jusqu)"
    r"|je serai (?:absent|absente|absent e) (?:du bureau )?(?:jusqu|du \d))"
)
_AUTO_WEAK = LazyPattern(
    r"\b(?:absent|absente|absent e|absents|en conges?|en vacances|en deplacement|hors du bureau"
    r"|en arret|en formation|out of office|away|on leave)\b"
)
_AUTO_RETURN = LazyPattern(
    r"\b(?:jusqu (?:au|a|a la)|a mon retour|de retour (?:le|a partir|au|lundi|mardi|mercredi|jeudi"
    r"|vendredi|demain|la semaine)|retour prevu"
    r"|pour toute (?:urgence|demande urgente|question urgente)"
    r"|en cas d urgence|until|back on|returning on|in case of emergency|for urgent)\b"
)
_REQUEST_HINT = LazyPattern(
    r"\b(?:pouvez vous|pourriez vous|je n arrive|j ai besoin|ma demande"
    r"|mon habilitation|impossible de|je ne peux|je voudrais|je souhaite|could you|can you"
    r"|i cannot|i can t|i need|pas moyen de|n arrive (?:pas|plus)"
    r"|ne (?:marche|fonctionne) (?:pas|plus)|comment (?:je|on|faire|puis je|peut on)|est ce que"
    # someone standing in for an absent colleague, telling what fails ("je remplace Mme X
    # (en congé jusqu'au 20) … je tente de me connecter … j'obtiens « erreur »")
    r"|je remplace|je tente|j essaie|j ai essaye|j obtiens|message d erreur)\b"
)


# Every automatic-reply pattern below contains one of these (on folded text): a cheap
# first look that lets ordinary messages through without normalising them.
# The same hints as plain substrings (``in`` runs in C, where one regular expression of
# thirty alternatives is tried at every character), "[eé]" written both ways; only
# "auto" then anything then "repl"/"respon" needs a regular expression.
_AUTO_HINTS = (
    "automat", "absen", "office", "conge", "congé", "vacanc", "deplacement", "déplacement",
    "hors du bureau", "arret", "arrêt", "formation", "deliver", "delivr", "délivr", "remis",
    "mailer", "daemon", "accuse", "accusé", "away", "leave", "undeliv", "failure", "returned",
    "distribu", "connaissance", "my return", "limite", "limité", "restreint", "été lu le",
    "ete lu le", "was read on",
)  # fmt: skip
_AUTO_HINT_REPLY = re.compile(r"auto.?re(?:pl|spon)")
#: The hints again, those with a part in common behind it ("cong" for "conge" and
#: "congé"): a text without the part is spared their tests (about twenty substring tests
#: instead of thirty-three for a text with no hint, most texts). "auto" stands last, for
#: "automat" and the pattern.
_AUTO_HINT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("absen", ()), ("office", ()), ("cong", ("conge", "congé")), ("vacanc", ()),
    ("placement", ("deplacement", "déplacement")), ("hors du bureau", ()),
    ("arr", ("arret", "arrêt")), ("formation", ()),
    ("liv", ("deliver", "delivr", "délivr", "undeliv")), ("remis", ()), ("mailer", ()),
    ("daemon", ()), ("accus", ("accuse", "accusé")), ("away", ()), ("leave", ()),
    ("failure", ()), ("return", ("returned", "my return")), ("distribu", ()),
    ("connaissance", ()), ("limit", ("limite", "limité")), ("restreint", ()),
    ("lu le", ("été lu le", "ete lu le")), ("was read on", ()),
)  # fmt: skip


def _auto_hinted(low: str) -> bool:
    """Does the lower-cased opening hold one of the hints every automatic-reply
    pattern needs (:data:`_AUTO_HINTS`, or "auto" then "repl"/"respon")?"""
    for part, hints in _AUTO_HINT_GROUPS:
        if part in low:
            if not hints:
                return True
            for h in hints:
                if h in low:
                    return True
    if "auto" not in low:
        return False
    return "automat" in low or _AUTO_HINT_REPLY.search(low) is not None


def _auto_header_words(raw: str) -> bool:
    """ "auto" or "precedence" in any case (as a case-insensitive pattern finds them:
    only the ASCII capitals lower-case to these letters)."""
    low = raw.lower()
    return "auto" in low or "precedence" in low


def _automatic_opening(raw_opening: str) -> bool:
    opening = normalise(raw_opening)
    if _AUTO_LEADING.match(opening):
        return True
    head = opening[:320]
    if _AUTO_STRONG.search(head):
        return True
    if _AUTO_ABSENCE.search(head) or (_AUTO_WEAK.search(head) and _AUTO_RETURN.search(head)):
        # (a person who tells of someone's absence asks something, further down too)
        return "?" not in clean_body(raw_opening) and not _REQUEST_HINT.search(head)
    return False


def is_auto_reply(body: str) -> bool:
    """True for out-of-office replies, automatic acknowledgements and bounce notices.

    Judged on the opening of the message (a real message that mentions holidays in
    passing is not an automatic reply): an ``Auto-Submitted: auto-replied`` header
    line, a leading "Réponse automatique"/"Automatic reply"/"Undeliverable"…, an
    unmistakable automatic sentence ("ceci est une réponse automatique", "je suis
    absente du bureau", "je prendrai connaissance de votre message à mon retour"…)
    in the opening, or an absence word ("en congés") with a return date or an
    "urgence" contact and no request ("pouvez-vous", "?", "je n'arrive"…).
    """
    try:
        raw = body[:4000] if isinstance(body, str) else ""
        # every header pattern holds a colon and "auto" or "precedence" (in any case)
        if ":" in raw and _auto_header_words(raw) and _AUTO_HEADER.search(raw):
            return True
        opening = raw[:600]
        # Cheap first look: ordinary messages carry none of the words below.
        if not _auto_hinted(opening.lower()):
            return False
        return _automatic_opening(opening)
    except Exception:  # pragma: no cover - defensive
        return False
