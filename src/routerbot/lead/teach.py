"""``routerbot teach``: turn a missed ticket into one example line of ``routing.toml``.

A support lead who sees a ticket the bot missed adds the customer's own question to
the examples of the entry that should have answered it. This module does the clerical
part, purely:

* :func:`example_candidates` reads the customer's question out of the ticket — the
  author's own words (no quoted mail, signature or legal notice), without greeting,
  thanks, e-mail addresses, phone numbers, long numbers or people's names — and cuts
  it to a good example: the question sentence, with the sentence before it when the
  question alone says too little ("Où est-ce que je le crée ?"), one line, at most
  :data:`MAX_WORDS` words. Longer variants follow, best first.
* :func:`teach` adds each candidate in turn to the routing file's text (in memory:
  :func:`routerbot.lead.tomledit.append_to_array`), loads the result as the daemon
  would, decides the ticket again and keeps the first line that makes it a hit. The
  old and the new decision come back side by side; nothing is written here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from routerbot.config import RoutingConfig, parse_config
from routerbot.domain import AuthorRole, Category, Decision, Ticket
from routerbot.errors import InputError
from routerbot.lead.tomledit import append_to_array

Decide = Callable[[Ticket, RoutingConfig], Decision]

#: An example longer than this is cut (a good example is one or two sentences).
MAX_WORDS = 35
#: A question shorter than this borrows the sentence before it…
MIN_WORDS = 10
#: …and any question does when both together stay this short (the sentence before
#: a question often says what "it" is: "Une nouvelle recrue arrive lundi. Que dois-je
#: faire pour qu'elle ait ses accès ?").
CONTEXT_WORDS = 25
EXAMPLES_KEY = "examples"

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_URL = re.compile(r"\b(?:https?://|www\.)\S{1,500}", re.IGNORECASE)
# French and international phone numbers: +33 6 71 22 45 90, 06.71.22.45.90, 0671224590
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(0\))?[ .-]?|00\d{2}[ .-]?|0)\d(?:[ .-]?\d{2}){4}\b"
)
_LONG_NUMBER = re.compile(r"\b\d[\d -]{4,}\d\b")  # SIRET, file and phone numbers
_HONORIFIC_NAME = re.compile(
    r"\b(?:M\.|Mr\.?|Mrs\.?|Ms\.?|Mme|Mlle|Dr\.?|Monsieur|Madame|Mademoiselle|Docteur)"
    r"(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’-]{0,30}){1,3}"
)
_COLLEAGUE_NAME = re.compile(
    r"\b((?i:(?:mon|ma|mes|notre|nos|my|our|un|une|le|la|new|nouvel|nouvelle|nouveau)[ \t]+"
    r"(?:coll[èe]gues?|collaborat\w{0,6}|colleagues?|salari[ée]e?s?|employ[ée]e?s?"
    r"|assistante?s?|stagiaires?|coworkers?|comptables?|responsables?|directeur|directrice)))"
    r"(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’-]{0,30}){1,3}"
)
_MY_NAME = re.compile(
    r"\b(?:je m'appelle|je m’appelle|my name is|je suis)[ \t]+"
    r"[A-ZÀ-ÖØ-Þ][\w'’-]{0,30}(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’-]{0,30}){0,2}[ \t]*[,.]?",
)
_GREETING = re.compile(
    r"^\W*(?:bonjour|bonsoir|hello|hi|salut|coucou|dear|madame|monsieur|mesdames|messieurs)"
    r"(?:[ \t,]+(?:à tous|a tous|à toutes|madame|monsieur|mesdames|messieurs|team|all|"
    r"l'équipe|l’équipe|l'assistance|l’assistance|le support|support|sir|madam|"
    r"(?-i:[A-ZÀ-ÖØ-Þ][a-zß-ÿ'’-]{1,30})))*[ \t]*[,!.:;]*[ \t]*",
    re.IGNORECASE,
)
_THANKS_ONLY = re.compile(
    r"^\W*(?:merci|thanks?|thank you|cordialement|cdt|bonne journ[ée]e|urgent|svp|"
    r"s'il vous pla[iî]t|please|d'avance|par avance|beaucoup|bien|a vous|à vous|\W)*\W*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<!\b[A-Z]\.)(?<!\b(?:Mr|Dr|Ms)\.)(?<!\bMme\.)(?<=[.?!…])\s+|\n+")
_PROBLEM = re.compile(
    r"\b(?:impossible|n'arrive|n’arrive|narrive|ne parviens|n'y arrive|pas acc[eè]s|probl[eè]me|"
    r"erreur|bloqu|ne fonctionne|ne marche|can't|cannot|unable|error|not working|"
    r"comment|besoin|souhait|voudrais|aimerais|need|would like)",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^\W*(?:comment|pourquoi|o[uù]|quand|quel(?:le)?s?|qui|que|quoi|combien|est[- ]ce|"
    r"puis[- ]je|peut[- ]on|pouvez[- ]vous|pourriez[- ]vous|faut[- ]il|dois[- ]je|"
    r"how|what|why|where|when|which|who|can|could|is there|do i|should|"
    r"je (?:voudrais|souhaite|souhaiterais|cherche) (?:savoir|comprendre|conna[iî]tre))\b",
    re.IGNORECASE,
)
# who the writer is, not what they ask: never borrowed as context
_INTRO = re.compile(
    r"^\W*(?:je suis|je m'appelle|je travaille|nous sommes|i am|i'm|my name|we are)\b",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\u00a0]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])(?=\s|$)")
# what a removed name leaves behind: "attribué à ." → "attribué."
_DANGLING = re.compile(r"\s+(?:à|a|de|du|par|pour|avec|chez|to|for|with|by|from)\s*([,.;:!?])")
_EMPTY_BRACKETS = re.compile(r"\(\s*(?:[,;/-]\s*)*\)|\[\s*(?:[,;/-]\s*)*\]")
_CLAUSE_END = re.compile(r"[,;:]\s|\s(?:et|mais|and|but)\s")


def _names(ticket: Ticket) -> list[str]:
    """The reporter's name parts (the words a lead must not copy into the config)."""
    return [w for w in re.split(r"[\s.,]+", ticket.reporter.display_name) if len(w) >= 2]


def scrub(text: str, names: Sequence[str] = ()) -> str:
    """``text`` without e-mail addresses, URLs, phone and long numbers, and names
    (the reporter's, and those after an honorific or a word like "ma collègue")."""
    s = _EMAIL.sub(" ", text)
    s = _URL.sub(" ", s)
    s = _PHONE.sub(" ", s)
    s = _LONG_NUMBER.sub(" ", s)
    s = _MY_NAME.sub(" ", s)
    s = _HONORIFIC_NAME.sub(" ", s)
    s = _COLLEAGUE_NAME.sub(r"\1", s)
    for name in names:
        s = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", s, flags=re.IGNORECASE)
    s = _EMPTY_BRACKETS.sub(" ", _SPACES.sub(" ", s))
    s = _SPACES.sub(" ", s)
    s = _SPACE_BEFORE_PUNCT.sub(r" \1", s)
    return _DANGLING.sub(r"\1", s).strip(" ,;:-–")


def _personal(sentence: str) -> bool:
    return bool(_EMAIL.search(sentence) or _PHONE.search(sentence))


def _sentences(text: str) -> list[str]:
    out = []
    for i, raw in enumerate(s.strip() for s in _SENTENCE_END.split(text)):
        s = _GREETING.sub("", raw, count=1) if i == 0 or _GREETING.match(raw) else raw
        s = s.strip()
        if s and not _THANKS_ONLY.match(s):
            out.append(s)
    return out


def _words(s: str) -> int:
    return len(s.split())


def _is_question(s: str) -> bool:
    return s.rstrip().endswith("?") or _QUESTION_START.match(s) is not None


def _join(parts: Sequence[str]) -> str:
    text = " ".join(p.strip() for p in parts if p.strip())
    words = text.split()
    if len(words) > MAX_WORDS:
        text = " ".join(words[:MAX_WORDS])
        cuts = [m.start() for m in _CLAUSE_END.finditer(text)]
        good = [c for c in cuts if _words(text[:c]) >= MIN_WORDS]
        if good:  # end on a clause rather than mid-phrase
            text = text[: good[-1]]
    if text.isupper():  # an all-caps message reads better as a sentence
        text = text[0] + text[1:].lower()
    text = text.strip()
    return text[:1].upper() + text[1:]


def customer_text(ticket: Ticket) -> str:
    """The customer's first message: the description, or their first comment."""
    if ticket.description.strip():
        return ticket.description
    first = next((c for c in ticket.comments if c.author is AuthorRole.CUSTOMER), None)
    return first.body if first is not None else ""


def example_candidates(ticket: Ticket) -> list[str]:
    """Example lines for this ticket, best first (distinct, never empty)."""
    from routerbot.engine.text import clean_body  # noqa: PLC0415 - engine: load on use

    names = _names(ticket)
    body = clean_body(customer_text(ticket))
    every = _sentences(body)
    sentences = [c for c in (scrub(s, names) for s in every if not _personal(s)) if _words(c) >= 2]
    if not sentences:  # the only words were next to a phone number or an address
        sentences = [c for c in (scrub(s, names) for s in every) if _words(c) >= 2]
    summary = scrub(ticket.summary, names)
    out: list[str] = []

    def add(parts: Sequence[str]) -> None:
        text = _join(parts)
        if text and text not in out:
            out.append(text)

    asked = [i for i, s in enumerate(sentences) if _QUESTION_START.match(s)]
    q = asked[0] if asked else next((i for i, s in enumerate(sentences) if _is_question(s)), None)
    if q is not None:
        start = q
        while start > 0 and _words(" ".join(sentences[start : q + 1])) < MIN_WORDS:
            if _INTRO.match(sentences[start - 1]) or (
                _words(" ".join(sentences[start - 1 : q + 1])) > MAX_WORDS
            ):
                break
            start -= 1
        if (
            start == q > 0
            and not _INTRO.match(sentences[q - 1])
            and _words(" ".join(sentences[q - 1 : q + 1])) <= CONTEXT_WORDS
        ):
            start -= 1
        add(sentences[start : q + 1])
        if start > 0:
            add(sentences[start - 1 : q + 1])
    else:
        start = next((i for i, s in enumerate(sentences) if _PROBLEM.search(s)), 0)
        end = start
        while end < len(sentences) and _words(" ".join(sentences[start:end])) < MIN_WORDS:
            end += 1
        add(sentences[start:end])
    if sentences:
        if _words(summary) >= 2:
            head = summary if summary[-1] in ".?!:" else summary + "."
            add([head, *sentences[: (q or 0) + 1]])
        add(sentences)
    if not out:
        add([summary] if summary else [ticket.summary or ticket.key])
    return out


# =========================================================================== the loop


@dataclass(frozen=True, slots=True)
class Goal:
    """What the ticket should get: an FAQ answer, or (``category``) a category."""

    table: tuple[str, ...]  # ("faq", "telecharger-modele") or ("categories", "habilitation")
    label: str  # "faq telecharger-modele"

    @classmethod
    def faq(cls, faq_id: str, config: RoutingConfig) -> Goal:
        if faq_id not in config.faq:
            known = ", ".join(sorted(config.faq))
            raise InputError(f"unknown FAQ id {faq_id!r}; the routing file has: {known}")
        return cls(("faq", faq_id), f"faq {faq_id}")

    @classmethod
    def category(cls, name: str, config: RoutingConfig) -> Goal:
        try:
            cat = Category(name)
        except ValueError:
            cat = None
        if cat is None or cat not in config.categories:
            known = ", ".join(c.value for c in config.categories)
            raise InputError(f"unknown category {name!r}; the routing file has: {known}")
        return cls(("categories", cat.value), f"category {cat.value}")

    def reached(self, decision: Decision) -> bool:
        kind, name = self.table
        if kind == "faq":
            return decision.reply_faq == name
        return decision.category is not None and decision.category.value == name


@dataclass(frozen=True, slots=True)
class TeachResult:
    goal: Goal
    example: str  # the proposed line
    old: Decision
    new: Decision  # the ticket decided with the line added
    new_text: str  # the routing file's text with the line added
    tried: int  # how many candidate lines were tried

    @property
    def hit(self) -> bool:
        return self.goal.reached(self.new)

    @property
    def already(self) -> bool:
        return self.goal.reached(self.old)


def teach(
    ticket: Ticket,
    goal: Goal,
    config_text: str,
    *,
    source: str = "",
    decide: Decide | None = None,
    candidates: Sequence[str] | None = None,
) -> TeachResult:
    """Try the candidate lines (default: :func:`example_candidates`) one by one and
    return the first that makes ``ticket`` reach ``goal``, or the first line when none
    does. Raises ``ConfigError`` when the file with the line added does not load."""
    if decide is None:
        from routerbot.engine import decide as engine_decide  # noqa: PLC0415

        decide = engine_decide
    old_config = parse_config(config_text, source=source)
    old = decide(ticket, old_config)
    lines = list(candidates) if candidates is not None else example_candidates(ticket)
    if goal.reached(old):  # nothing to teach: the file stays as it is
        return TeachResult(goal, lines[0] if lines else "", old, old, config_text, 0)
    current = _existing(config_text, goal)
    fresh = [ln for ln in lines if ln.casefold() not in current]
    if not fresh:
        raise InputError(f"{lines[0]!r} is already an example of {goal.label}")
    lines = fresh
    first: TeachResult | None = None
    for n, line in enumerate(lines, start=1):
        new_text = append_to_array(config_text, goal.table, EXAMPLES_KEY, line)
        new = decide(ticket, parse_config(new_text, source=source))
        result = TeachResult(goal, line, old, new, new_text, n)
        if result.hit:
            return result
        first = first or result
    assert first is not None  # example_candidates never returns an empty list
    return TeachResult(goal, first.example, old, first.new, first.new_text, len(lines))


def _existing(config_text: str, goal: Goal) -> set[str]:
    import tomllib  # noqa: PLC0415

    node = tomllib.loads(config_text)
    for part in goal.table:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    values = node.get(EXAMPLES_KEY, []) if isinstance(node, dict) else []
    return {str(v).casefold() for v in values}
