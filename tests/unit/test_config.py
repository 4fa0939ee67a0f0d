"""The routing file: the shipped one loads; every kind of mistake is named with path and line."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from routerbot.config import MAX_CONFIG_BYTES, load_config, parse_config
from routerbot.domain import Category, Population, Target
from routerbot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / "routing.toml"


def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="test.toml")
    return info.value.problems


def line_of(text: str, needle: str, start: int = 0) -> int:
    return text[: text.index(needle, start)].count("\n") + 1


def test_shipped_routing_file_loads_with_the_three_targets() -> None:
    config = load_config(SHIPPED)
    assert config.categories[Category.HABILITATION].target == Target("3", "84")
    assert config.categories[Category.ASSISTANCE_OPERATEUR].target == Target("3", "86")
    assert config.categories[Category.ASSISTANCE_SD].target == Target("4", "87")
    assert len(config.faq) == 10
    assert all(len(e.examples) >= 15 for e in config.faq.values())
    assert config.conversation.max_asks == 2
    assert config.workflow.status_waiting_customer == "Waiting for customer"
    assert config.labels.handled == "routerbot"
    assert len(config.config_hash) == 64


def test_answers_carry_the_links_of_the_requesters_population() -> None:
    config = load_config(SHIPPED)
    answer = config.faq["nous-contacter"].answer
    assert "portal/3/group/28/create/86" in config.render(answer, Population.OPERATEUR)
    sd = config.render(answer, Population.SERVICES_DECONCENTRES)
    assert "portal/4/group/27/create/87" in sd
    assert "portal/3" not in sd


def test_config_is_frozen() -> None:
    config = load_config(SHIPPED)
    with pytest.raises(FrozenInstanceError):
        config.thresholds.faq_reply_min_confidence = 0.1  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        config.faq = {}  # type: ignore[misc]


def test_unknown_key_is_refused_with_path_and_line() -> None:
    text = shipped_text().replace("[thresholds]\n", "[thresholds]\nfaq_treshold = 0.5\n", 1)
    line = line_of(text, "faq_treshold")
    assert f"thresholds → faq_treshold (line {line}): unknown key" in problems_of(text)


def test_regular_expressions_are_not_a_key_of_an_faq_entry() -> None:
    start = shipped_text().index("[faq.nous-contacter]")
    text = shipped_text()
    text = text[:start] + text[start:].replace(
        "examples = [", "patterns = [{ regex = 'x' }]\nexamples = [", 1
    )
    line = line_of(text, "patterns = [{ regex")
    assert problems_of(text) == [f"faq → nous-contacter → patterns (line {line}): unknown key"]


def test_a_new_faq_entry_is_a_toml_change_only() -> None:
    text = shipped_text() + (
        '\n[faq.mot-de-passe-oublie]\nquestion = "Mot de passe oublié ?"\nanswer = "x"\n'
        'examples = ["J\'ai oublié mon mot de passe, comment le réinitialiser ?"]\n'
    )
    config = parse_config(text, source="test.toml")
    assert "mot-de-passe-oublie" in config.faq
    assert "mot-de-passe-oublie" in config.compiled.faq_index.entry_ids


def test_a_malformed_faq_id_is_refused() -> None:
    text = shipped_text() + '\n[faq."Mot de passe"]\nquestion = "?"\nanswer = "x"\n'
    [problem] = problems_of(text)
    assert problem.startswith("faq → Mot de passe")
    assert "lower-case letters, digits and dashes" in problem


def test_a_huge_routing_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "routing.toml"
    path.write_text(shipped_text() + "#" * MAX_CONFIG_BYTES, encoding="utf-8")
    with pytest.raises(ConfigError, match="may be at most 256 KiB"):
        load_config(path)


def test_login_failure_must_name_a_known_faq() -> None:
    text = shipped_text().replace('faq = "connexion-impossible"', 'faq = "connexion"', 1)
    line = line_of(text, 'faq = "connexion"')
    assert problems_of(text) == [f"login_failure → faq (line {line}): unknown FAQ id 'connexion'"]


def test_words_that_lift_an_explanation_need_an_entry_that_explains() -> None:
    # explains_login_failure_unless on an entry that explains no login failure says
    # nothing: the lead is told so
    text = shipped_text().replace(
        "explains_login_failure = true   # having no account is the cause: this answer wins",
        "explains_login_failure = false",
        1,
    )
    [problem] = problems_of(text)
    assert problem.startswith("faq → creer-mon-compte → explains_login_failure_unless (line ")
    assert "does not explain a login failure" in problem


def test_broken_template_placeholder_is_refused() -> None:
    text = shipped_text().replace("formulaire : {contact_link}", "formulaire : {contact_lien}")
    start = text.index("[faq.nous-contacter]")
    line = line_of(text, "answer =", start)
    [problem] = problems_of(text)
    assert problem.startswith(
        f"faq → nous-contacter → answer (line {line}): unknown placeholder {{contact_lien}}"
    )


def test_unbalanced_brace_in_template_is_refused() -> None:
    text = shipped_text().replace("quelle version : {form_link}", "quelle version : {form_link")
    [problem] = problems_of(text)
    assert "broken template" in problem


def test_out_of_range_number_is_refused() -> None:
    text = re.sub(
        r"(?m)^faq_reply_min_confidence = .*$", "faq_reply_min_confidence = 1.5", shipped_text()
    )
    line = line_of(text, "faq_reply_min_confidence = 1.5")
    assert problems_of(text) == [
        f"thresholds → faq_reply_min_confidence (line {line}): "
        "Input should be less than or equal to 1"
    ]


def test_missing_category_is_refused() -> None:
    text = shipped_text()
    start = text.index("[categories.assistance_sd]")
    end = text.index("# ------", start)
    problems = problems_of(text[:start] + text[end:])
    assert any("categories" in p and "missing category 'assistance_sd'" in p for p in problems)


def test_empty_example_is_refused_at_its_index() -> None:
    start = shipped_text().index("[categories.habilitation]")
    text = shipped_text()
    needle = "examples = [\n"
    at = text.index(needle, start) + len(needle)
    text = text[:at] + '  "…",\n' + text[at:]
    line = line_of(text, '"…"')
    assert problems_of(text) == [
        f"categories → habilitation → examples[0] (line {line}): example has no letters or digits"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = shipped_text().replace("[thresholds]\n", "[thresholds]\nfoo = 1\n", 1)
    text = text.replace("max_asks = 2", "max_asks = 9", 1)
    assert len(problems_of(text)) == 2


def test_invalid_toml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("[thresholds\n")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")
