"""Every CLI command is documented in docs/cli.md, with its options and an example.

Pattern from simonw/sqlite-utils ``tests/test_docs.py``: the parser is the source of
truth, the documentation must follow it.
"""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

import pytest

from routerbot.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = ROOT / "docs" / "cli.md"
DOCS = ("support-leads.md", "operators.md", "architecture.md", "cli.md")


def _subparsers(command: str | None = None) -> dict[str, tuple[argparse.ArgumentParser, str]]:
    parser = build_parser(command)
    out: dict[str, tuple[argparse.ArgumentParser, str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                out[name] = (sub, helps.get(name, ""))
    return out


COMMANDS = _subparsers()


def _sections() -> dict[str, str]:
    text = CLI_DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## `routerbot ([a-z][a-z-]*)`\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _code_lines(section: str) -> list[str]:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines()]


def test_the_cli_registers_commands() -> None:
    assert {"export", "report"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_a_section_with_an_example_in_cli_doc(name: str) -> None:
    sections = _sections()
    assert name in sections, f"docs/cli.md has no '## `routerbot {name}`' section"
    examples = [
        line for line in _code_lines(sections[name]) if line.startswith(f"routerbot {name}")
    ]
    assert examples, f"the {name} section has no example starting with 'routerbot {name}'"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_of_the_command_is_documented(name: str) -> None:
    sub, _help = COMMANDS[name]
    section = _sections().get(name, "")
    missing = []
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction) or not action.option_strings:
            continue
        longest = max(action.option_strings, key=len)
        if longest not in section:
            missing.append(longest)
    assert missing == [], f"docs/cli.md, section {name}: undocumented options {missing}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_parser_has_help_and_an_example_in_its_epilog(name: str) -> None:
    sub, help_text = COMMANDS[name]
    assert help_text.strip(), f"'{name}' has no help text in 'routerbot --help'"
    assert f"routerbot {name}" in (sub.epilog or ""), f"'{name}' has no example in its epilog"
    for action in sub._actions:
        if not isinstance(action, argparse._HelpAction):
            assert action.help, f"'{name}': argument {action.dest!r} has no help"


def test_cli_doc_documents_no_command_that_does_not_exist() -> None:
    documented = set(_sections())
    assert documented - set(COMMANDS) <= PLANNED, documented - set(COMMANDS) - PLANNED


# Commands other engineers are still building; remove a name when it is registered.
PLANNED = frozenset({"soak"})


@pytest.mark.parametrize("doc", DOCS)
def test_docs_exist_and_link_only_to_docs_that_exist(doc: str) -> None:
    path = ROOT / "docs" / doc
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text):
        assert (path.parent / target).is_file(), f"{doc} links to missing {target}"


def test_the_command_table_names_every_command_in_help_order() -> None:
    """``routerbot COMMAND`` builds that command's module only (cli.COMMANDS): the table
    must name each command once, beside the module that registers it."""
    from routerbot import cli  # noqa: PLC0415

    assert list(COMMANDS) == list(cli.COMMANDS)
    for name, module in cli.COMMANDS.items():
        alone = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(alone)
        assert name in alone.choices, f"{module} does not register {name}"
        assert {c: module for c in alone.choices} == {
            c: m for c, m in cli.COMMANDS.items() if m == module
        }
        assert set(_subparsers(name)) == set(alone.choices)
