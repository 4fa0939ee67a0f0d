"""The routing configuration (``config/routing.toml``), parsed once into frozen models.

``load_config(path)`` / ``parse_config(text)`` read the TOML with :mod:`tomllib`,
validate it with pydantic (unknown keys refused, numbers in range), then check what
pydantic cannot: regular expressions compile (with the :mod:`regex` module, matched
later with a timeout), answer templates only use known placeholders, every FAQ id is
one of the ten stable ids of ROUTING.md, the three categories are present, phrases are
not empty. Every problem is reported at once in :class:`routerbot.errors.ConfigError`,
each with its TOML path and line::

    categories → habilitation → signals → strong[3] (line 42): phrase is empty

Nothing is read at import time.
"""

from __future__ import annotations

import hashlib
import re
import string
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import regex
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from routerbot.domain import Category, Population, Target
from routerbot.errors import ConfigError

#: The stable FAQ ids of ROUTING.md; the text of each lives in the TOML.
KNOWN_FAQ_IDS: tuple[str, ...] = (
    "role-admin-local",
    "procedure-habilitation",
    "modeles-en-ligne",
    "habiliter-collegue",
    "connexion-impossible",
    "creer-mon-compte",
    "gestion-utilisateurs",
    "telecharger-modele",
    "nous-contacter",
    "agrement-vs-certificat",
)

#: Placeholders a public template may use; filled from ``links.<population>``.
TEMPLATE_PLACEHOLDERS: frozenset[str] = frozenset(
    {"form_link", "contact_link", "habilitation_link"}
)

BROWSER_NAMES = ("chrome", "firefox", "edge", "safari", "ie", "opera", "other")

#: How long one user-written pattern may run on one text before it counts as no match.
PATTERN_TIMEOUT_SECONDS = 0.05


def _parse_target(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Target.parse(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from exc
    return value


TargetField = Annotated[Target, BeforeValidator(_parse_target)]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PatternSignal(_Model):
    """A regular expression (``regex`` syntax) matched on the normalised text."""

    regex: str
    weight: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.8
    name: str = ""


class SignalSet(_Model):
    """Evidence for one thing, in words a support lead writes.

    Phrases are matched on normalised text (lowercase, no accents, SMS expanded),
    word by word on French stems, in order, with up to ``scoring.window`` other words
    between two words of the phrase, tolerating one typo in words of 5+ letters.
    ``a|b`` in a phrase means "a or b" at that place. Stop words are ignored.
    """

    strong: tuple[str, ...] = ()
    medium: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    patterns: tuple[PatternSignal, ...] = ()


class Thresholds(_Model):
    category_min_confidence: Unit = 0.6
    reroute_min_confidence: Unit = 0.7
    faq_reply_min_confidence: Unit = 0.75
    candidate_note_min_confidence: Unit = 0.3
    #: the best FAQ entry is answered in public only if it leads the next eligible
    #: entry by at least this much (uncapped evidence); closer, both go to the note
    faq_margin: Unit = 0.0


class Scoring(_Model):
    strong: Unit = 0.8
    medium: Unit = 0.4
    weak: Unit = 0.15
    negative: Unit = 0.6
    question_bonus: Unit = 0.1
    window: Annotated[int, Field(ge=0, le=10)] = 3
    typo_min_length: Annotated[int, Field(ge=3, le=20)] = 5


class CategoryConfig(_Model):
    target: TargetField
    label: str = ""
    signals: SignalSet = SignalSet()
    portal_prior: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0


class PopulationSide(_Model):
    statements: SignalSet = SignalSet()
    signature_words: tuple[str, ...] = ()


class PopulationWeights(_Model):
    statement: Annotated[float, Field(ge=0.0, le=10.0)] = 4.0
    signature: Annotated[float, Field(ge=0.0, le=10.0)] = 3.0
    #: an operator's signature naming a business; None: the same as ``signature``
    business_signature: Annotated[float, Field(ge=0.0, le=10.0)] | None = None
    email_state: Annotated[float, Field(ge=0.0, le=10.0)] = 2.5
    email_company: Annotated[float, Field(ge=0.0, le=10.0)] = 2.0
    email_personal: Annotated[float, Field(ge=0.0, le=10.0)] = 0.5
    portal: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0


class PopulationConfig(_Model):
    state_email_domains: tuple[str, ...] = ("agriculture.gouv.fr", "*.gouv.fr")
    personal_email_domains: tuple[str, ...] = ()
    weights: PopulationWeights = PopulationWeights()
    services_deconcentres: PopulationSide = PopulationSide()
    operateur: PopulationSide = PopulationSide()
    #: which portal (service desk id) each population normally files in
    portals: dict[Population, str] = Field(
        default_factory=lambda: {Population.OPERATEUR: "3", Population.SERVICES_DECONCENTRES: "4"}
    )


class Links(_Model):
    form_link: str
    contact_link: str
    habilitation_link: str


class FaqEntry(_Model):
    question: str
    answer: str
    #: the category an *operator* asking this question belongs to
    category: Category = Category.ASSISTANCE_OPERATEUR
    signals: SignalSet = SignalSet()
    #: only answer when the text asks something (a "?", "comment", "how"…)
    requires_question: bool = True
    #: a small preference when two entries score alike (higher wins); 10 or more also
    #: wins over the login-failure handling (the entry explains the failure)
    priority: Annotated[int, Field(ge=0, le=100)] = 0
    #: who may receive this answer
    populations: tuple[Population, ...] = (Population.OPERATEUR, Population.SERVICES_DECONCENTRES)


class LoginFailureConfig(_Model):
    signals: SignalSet = SignalSet()
    min_confidence: Unit = 0.6
    faq: str = "connexion-impossible"


class BrowsersConfig(_Model):
    recommended: tuple[str, ...] = ("chrome", "firefox")
    minimum_major: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Field(default_factory=dict)


class ConversationConfig(_Model):
    max_asks: Annotated[int, Field(ge=0, le=5)] = 2
    reminder_after_days: Annotated[float, Field(gt=0, le=60)] = 3
    handover_after_days: Annotated[float, Field(gt=0, le=120)] = 7
    ask_marker: str = "réf. routerbot/navigateur"
    ask_message: str
    ask_again_message: str
    reminder_message: str
    ask_similarity_min: Annotated[float, Field(ge=0, le=100)] = 70.0
    thanks: SignalSet = SignalSet()
    browser_words: tuple[str, ...] = ("navigateur", "browser")
    version_words: tuple[str, ...] = ("version",)


class LoopGuard(_Model):
    max_public_replies_per_ticket: Annotated[int, Field(ge=0, le=50)] = 3
    max_public_replies_per_hour: Annotated[int, Field(ge=0, le=10000)] = 30


class Workflow(_Model):
    status_waiting_customer: str = "Waiting for customer"
    status_waiting_support: str = "Waiting for support"


class RerouteConfig(_Model):
    move_strategy: Literal["bulk_move", "note_only"] = "bulk_move"


class LabelsConfig(_Model):
    handled: str = "routerbot"


class RoutingConfig(_Model):
    """The whole routing file. ``config_hash`` is the sha256 of the file's bytes."""

    version: Literal[1] = 1
    thresholds: Thresholds = Thresholds()
    scoring: Scoring = Scoring()
    categories: dict[Category, CategoryConfig]
    population: PopulationConfig = PopulationConfig()
    links: dict[Population, Links]
    faq: dict[str, FaqEntry]
    login_failure: LoginFailureConfig = LoginFailureConfig()
    browsers: BrowsersConfig = BrowsersConfig()
    conversation: ConversationConfig
    loop_guard: LoopGuard = LoopGuard()
    workflow: Workflow = Workflow()
    reroute: RerouteConfig = RerouteConfig()
    labels: LabelsConfig = LabelsConfig()
    config_hash: str = ""
    source: str = ""

    def target_for(self, category: Category) -> Target:
        return self.categories[category].target

    def links_for(self, population: Population | None) -> Links:
        return self.links[population or Population.OPERATEUR]

    def render(self, template: str, population: Population | None) -> str:
        """Fill a template's placeholders with the population's links."""
        links = self.links_for(population)
        return template.format(**links.model_dump())


# --------------------------------------------------------------------------- loading


def load_config(path: str | Path) -> RoutingConfig:
    """Read and validate a routing file (raises ``ConfigError``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {p}: {exc.strerror}", source=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p} is not UTF-8 ({exc.reason})", source=str(p)) from exc
    return parse_config(text, source=str(p))


def parse_config(text: str, source: str = "") -> RoutingConfig:  # noqa: PLR0912 - one check per rule, flat on purpose
    """Validate the TOML text of a routing file (raises ``ConfigError``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], source=source) from exc
    locator = _Locator(text)
    problems: list[str] = []
    for reserved in ("config_hash", "source"):
        if reserved in data:
            problems.append(locator.message((reserved,), "reserved key, computed by routerbot"))
            data.pop(reserved)
    for name in ("categories", "faq", "links"):
        if name in data and not isinstance(data[name], dict):
            problems.append(locator.message((name,), "must be a table"))
    if problems:
        raise ConfigError(problems, source=source)
    for cat in Category:
        if cat.value not in data.get("categories", {}):
            problems.append(locator.message(("categories",), f"missing category {cat.value!r}"))
    faq_data = data.get("faq", {})
    for fid in faq_data:
        if fid not in KNOWN_FAQ_IDS:
            problems.append(
                locator.message(
                    ("faq", fid), f"unknown FAQ id {fid!r} (known: {', '.join(KNOWN_FAQ_IDS)})"
                )
            )
    for fid in KNOWN_FAQ_IDS:
        if fid not in faq_data:
            problems.append(locator.message(("faq",), f"missing FAQ entry {fid!r}"))
    try:
        config = RoutingConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(x for x in err["loc"] if not _is_internal_loc(x))
            problems.append(locator.message(loc, _error_text(err)))
        raise ConfigError(problems, source=source) from None
    problems.extend(_semantic_problems(config, locator))
    if problems:
        raise ConfigError(problems, source=source)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return config.model_copy(update={"config_hash": digest, "source": source})


def _is_internal_loc(part: Any) -> bool:
    # pydantic adds e.g. "[key]" or function names for annotated validators
    return isinstance(part, str) and (part.startswith("function-") or part == "[key]")


def _error_text(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing required key"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def _semantic_problems(config: RoutingConfig, loc: _Locator) -> list[str]:  # noqa: PLR0912 - a flat list of checks
    problems: list[str] = []

    def check_signals(path: tuple[str | int, ...], signals: SignalSet) -> None:
        for kind in ("strong", "medium", "weak", "negative"):
            for i, phrase in enumerate(getattr(signals, kind)):
                why = phrase_problem(phrase)
                if why:
                    problems.append(loc.message((*path, kind, i), why))
        for i, pat in enumerate(signals.patterns):
            try:
                regex.compile(pat.regex)
            except regex.error as exc:
                problems.append(loc.message((*path, "patterns", i, "regex"), f"bad pattern: {exc}"))

    def check_template(path: tuple[str | int, ...], template: str) -> None:
        why = template_problem(template)
        if why:
            problems.append(loc.message(path, why))

    for cat, cc in config.categories.items():
        check_signals(("categories", cat.value, "signals"), cc.signals)
    for side in ("services_deconcentres", "operateur"):
        ps: PopulationSide = getattr(config.population, side)
        check_signals(("population", side, "statements"), ps.statements)
    for fid, entry in config.faq.items():
        check_signals(("faq", fid, "signals"), entry.signals)
        check_template(("faq", fid, "answer"), entry.answer)
    check_signals(("login_failure", "signals"), config.login_failure.signals)
    if config.login_failure.faq not in config.faq:
        problems.append(
            loc.message(("login_failure", "faq"), f"unknown FAQ id {config.login_failure.faq!r}")
        )
    conv = config.conversation
    check_signals(("conversation", "thanks"), conv.thanks)
    for name in ("ask_message", "ask_again_message", "reminder_message"):
        check_template(("conversation", name), getattr(conv, name))
    if conv.ask_marker and conv.ask_marker not in conv.ask_message:
        problems.append(
            loc.message(("conversation", "ask_message"), "must contain conversation.ask_marker")
        )
    if conv.ask_marker and conv.ask_marker not in conv.ask_again_message:
        problems.append(
            loc.message(
                ("conversation", "ask_again_message"), "must contain conversation.ask_marker"
            )
        )
    if conv.handover_after_days <= conv.reminder_after_days:
        problems.append(
            loc.message(
                ("conversation", "handover_after_days"),
                "must be greater than conversation.reminder_after_days",
            )
        )
    for i, name in enumerate(config.browsers.recommended):
        if name not in BROWSER_NAMES:
            problems.append(
                loc.message(("browsers", "recommended", i), f"unknown browser {name!r}")
            )
    for name in config.browsers.minimum_major:
        if name not in BROWSER_NAMES:
            problems.append(loc.message(("browsers", "minimum_major", name), "unknown browser"))
    for pop in Population:
        if pop not in config.links:
            problems.append(loc.message(("links",), f"missing links for {pop.value!r}"))
    return problems


_FORMATTER = string.Formatter()


def template_problem(template: str) -> str:
    """Why a public template is broken, or ``""``."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as exc:
        return f"broken template: {exc} (write {{{{ and }}}} for literal braces)"
    for _literal, field_name, spec, conversion in parts:
        if field_name is None:
            continue
        if field_name not in TEMPLATE_PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in sorted(TEMPLATE_PLACEHOLDERS))
            return f"unknown placeholder {{{field_name}}} (known: {known})"
        if spec or conversion:
            return f"placeholder {{{field_name}}} must not carry a format or conversion"
    return ""


def phrase_problem(phrase: str) -> str:
    """Why a phrase can never match, or ``""``."""
    if not phrase.strip():
        return "phrase is empty"
    if "||" in phrase or phrase.strip().startswith("|") or phrase.strip().endswith("|"):
        return "phrase has an empty alternative around '|'"
    # imported here: routerbot.engine imports this module
    from routerbot.engine.matching import phrase_words  # noqa: PLC0415

    for part in phrase.split(" + "):
        if not phrase_words(part):
            return "phrase has only stop words after normalisation"
    return ""


# --------------------------------------------------------------------------- lines


class _Locator:
    """Finds the line of a TOML path by scanning the text (tomllib gives no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._headers: list[tuple[int, tuple[str, ...]]] = []
        for i, line in enumerate(self.lines):
            m = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
            if m:
                self._headers.append((i, _split_dotted(m.group(1))))

    def message(self, path: Sequence[str | int], text: str) -> str:
        where = " → ".join(_fmt_path(path)) or "(top level)"
        line = self.line_of(path)
        at = f" (line {line})" if line else ""
        return f"{where}{at}: {text}"

    def line_of(self, path: Sequence[str | int]) -> int | None:
        first_int = next((i for i, p in enumerate(path) if isinstance(p, int)), None)
        keys = [str(p) for p in (path if first_int is None else path[:first_int])]
        # 1. the longest table header that is a prefix of the path
        start, depth = -1, 0
        for i, header in self._headers:
            n = len(header)
            if n > depth and tuple(keys[:n]) == header:
                start, depth = i, n
        line_idx = start
        if depth < len(keys):
            # 2. the remaining keys, each as `key =` (or a dotted `a.b =`) after that
            search_from = start + 1 if depth else 0
            end = self._section_end(start) if depth else len(self.lines)
            for key in keys[depth:]:
                found = self._find_key(key, search_from, end)
                if found is None:
                    break
                line_idx = found
                search_from = found
        if line_idx < 0:
            return None
        # 3. an index into an array: the n-th item after the key
        if first_int is not None:
            index = path[first_int]
            assert isinstance(index, int)
            item = self._array_item_line(line_idx, index)
            if item is not None:
                return item + 1
        return line_idx + 1

    def _section_end(self, start: int) -> int:
        for i, _h in self._headers:
            if i > start:
                return i
        return len(self.lines)

    def _find_key(self, key: str, start: int, end: int) -> int | None:
        pat = re.compile(r"\s*(\"?)" + re.escape(key) + r"\1\s*(=|\.)")
        for i in range(start, min(end, len(self.lines))):
            if pat.match(self.lines[i]):
                return i
        # a key inside an inline table on one line
        inline = re.compile(r"[{,]\s*(\"?)" + re.escape(key) + r"\1\s*=")
        for i in range(start, min(end, len(self.lines))):
            if inline.search(self.lines[i]):
                return i
        return None

    def _array_item_line(self, key_line: int, index: int) -> int | None:  # noqa: PLR0912 - a tiny TOML scanner
        depth = 0
        count = -1
        in_str: str | None = None
        started = False
        for li in range(key_line, len(self.lines)):
            line = self.lines[li]
            col = line.find("=") + 1 if li == key_line else 0
            while col < len(line):
                ch = line[col]
                if in_str:
                    if ch == "\\" and in_str == '"':
                        col += 2
                        continue
                    if ch == in_str:
                        in_str = None
                elif ch == "#":
                    break
                elif ch in "\"'":
                    if depth == 1:
                        count += 1
                        if count == index:
                            return li
                    in_str = ch
                elif ch in "[{":
                    if depth == 1 and ch == "{":
                        count += 1
                        if count == index:
                            return li
                    depth += 1
                    started = True
                elif ch in "]}":
                    depth -= 1
                    if started and depth == 0:
                        return None
                col += 1
        return None


def _split_dotted(header: str) -> tuple[str, ...]:
    parts = re.findall(r'"([^"]*)"|([^.\s]+)', header)
    return tuple(a or b for a, b in parts)


def _fmt_path(path: Sequence[str | int]) -> list[str]:
    out: list[str] = []
    for p in path:
        if isinstance(p, int) and out:
            out[-1] += f"[{p}]"
        else:
            out.append(str(p))
    return out
