"""Appending an example to a routing file keeps everything else as the lead wrote it."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

import pytest

from routerbot.lead.tomledit import EditError, append_to_array, replace_file

ROOT = Path(__file__).resolve().parents[2]

MULTILINE = '''# a lead's file
[faq.one]
question = "Q?"   # the title
answer = """Bonjour,
[faq.fake] examples = ["inside a string"]
Cordialement"""
examples = [
  "first example",   # why it is here
  'second, with a ] bracket',
  # a comment before the end
]
never = ["x"]

[faq.one.extra]
examples = ["not this one"]

[faq.two]
question = "Q2"
'''


def test_appends_a_line_before_the_closing_bracket_and_keeps_comments() -> None:
    out = append_to_array(MULTILINE, ("faq", "one"), "examples", 'Comment "télécharger" ?')
    assert out.replace('  "Comment \\"télécharger\\" ?",\n', "", 1) == MULTILINE
    data = tomllib.loads(out)
    assert data["faq"]["one"]["examples"][-1] == 'Comment "télécharger" ?'
    assert data["faq"]["one"]["extra"]["examples"] == ["not this one"]


def test_adds_the_missing_comma_after_the_last_item() -> None:
    text = '[faq.one]\nexamples = [\n    "a",\n    "b"  # no comma\n]\n'
    out = append_to_array(text, ("faq", "one"), "examples", "c")
    assert out == '[faq.one]\nexamples = [\n    "a",\n    "b",  # no comma\n    "c",\n]\n'


def test_appends_to_a_one_line_array_and_to_an_empty_one() -> None:
    one = append_to_array(
        '[faq.a]\nexamples = ["x", "y"]  # short\n', ("faq", "a"), "examples", "z"
    )
    assert one == '[faq.a]\nexamples = ["x", "y", "z"]  # short\n'
    empty = append_to_array("[faq.a]\nexamples = []\n", ("faq", "a"), "examples", "z")
    assert tomllib.loads(empty)["faq"]["a"]["examples"] == ["z"]


def test_creates_the_array_after_the_last_key_of_the_table() -> None:
    text = '[faq.a]\nquestion = "Q"\nanswer = """A\nB"""\n\n[faq.a.more]\nk = 1\n'
    out = append_to_array(text, ("faq", "a"), "examples", "new one")
    data = tomllib.loads(out)
    assert data["faq"]["a"]["examples"] == ["new one"]
    assert data["faq"]["a"]["more"] == {"k": 1}
    assert out.startswith('[faq.a]\nquestion = "Q"\nanswer = """A\nB"""\nexamples = [\n')


def test_refuses_a_missing_table_and_a_key_that_is_not_a_list_of_strings() -> None:
    with pytest.raises(EditError, match=r"no \[faq.nope\] table"):
        append_to_array(MULTILINE, ("faq", "nope"), "examples", "x")
    with pytest.raises(EditError, match="not a list of strings"):
        append_to_array(MULTILINE, ("faq", "one"), "question", "x")
    with pytest.raises(EditError, match="not valid TOML"):
        append_to_array("[faq.one\n", ("faq", "one"), "examples", "x")


def test_keeps_the_shipped_routing_file_byte_for_byte_but_one_line() -> None:
    text = (ROOT / "config" / "routing.toml").read_text(encoding="utf-8")
    table = ("faq", next(iter(tomllib.loads(text)["faq"])))
    out = append_to_array(text, table, "examples", "Une question de plus ?")
    ops = difflib.SequenceMatcher(a=text.splitlines(), b=out.splitlines()).get_opcodes()
    changes = [op for op in ops if op[0] != "equal"]
    assert [op[0] for op in changes] == ["insert"]  # nothing removed or rewritten
    inserted = out.splitlines()[changes[0][3] : changes[0][4]]
    assert '"Une question de plus ?",' in [ln.strip() for ln in inserted]


def test_replace_file_is_atomic_and_refuses_a_file_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "routing.toml"
    path.write_text("a = 1\n", encoding="utf-8")
    path.chmod(0o640)
    replace_file(path, "a = 1\n", "a = 2\n")
    assert path.read_text(encoding="utf-8") == "a = 2\n"
    assert path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(EditError, match="changed on disk"):
        replace_file(path, "a = 1\n", "a = 3\n")
    assert path.read_text(encoding="utf-8") == "a = 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["routing.toml"]


def test_a_windows_file_keeps_its_line_endings() -> None:
    text = '[faq.a]\r\nexamples = [\r\n  "x",\r\n]\r\n'
    out = append_to_array(text, ("faq", "a"), "examples", "y")
    assert out == '[faq.a]\r\nexamples = [\r\n  "x",\r\n  "y",\r\n]\r\n'


@pytest.mark.parametrize(
    "value", ['guillemets "doubles"', "antislash \\ et tab\t", "apostrophe l'accès", "{{x}} ]"]
)
def test_any_text_round_trips_as_a_toml_string(value: str) -> None:
    out = append_to_array(MULTILINE, ("faq", "one"), "examples", value)
    assert tomllib.loads(out)["faq"]["one"]["examples"][-1] == value


def test_every_table_of_the_shipped_file_takes_an_example_with_an_insert_only_edit() -> None:
    text = (ROOT / "config" / "routing.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    tables = [("faq", k) for k in data["faq"]] + [("categories", k) for k in data["categories"]]
    for table in tables:
        out = append_to_array(text, table, "examples", "Une question ?")
        ops = difflib.SequenceMatcher(a=text.splitlines(), b=out.splitlines()).get_opcodes()
        assert [op[0] for op in ops if op[0] != "equal"] == ["insert"], table


def test_replace_file_through_a_symbolic_link_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "routing-v2.toml"
    real.write_text("a = 1\n", encoding="utf-8")
    link = tmp_path / "routing.toml"
    link.symlink_to(real.name)
    replace_file(link, "a = 1\n", "a = 2\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "a = 2\n"
