"""The lead's loop in docs/support-leads.md runs as written, and prints what it shows.

Every command of the section's ``sh`` blocks is run in order, in a folder laid out like
the repository (``config/``, ``docs/examples/``): ``routerbot …`` through the CLI entry
point, ``cp`` as a copy. Each ``text`` block must be found in the output of the command
block before it, line by line (scores may drift as the shipped examples change, so
decimal numbers are compared as placeholders).
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from routerbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "support-leads.md"
HEADING = "## The lead's loop"
#: commands whose exit code 1 means "a bar of the metrics table fails", not an error
MAY_FAIL_A_BAR = ("eval",)


def _section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    return text[start : end if end != -1 else len(text)]


def _blocks(section: str) -> list[tuple[str, list[str]]]:
    return [
        (kind, body.strip("\n").splitlines())
        for kind, body in re.findall(r"```(sh|text)\n(.*?)```", section, flags=re.DOTALL)
    ]


def _norm(line: str) -> str:
    return re.sub(r"[+-]?\d+\.\d+", "#", line).rstrip()


def test_the_loop_section_has_commands_and_outputs() -> None:
    kinds = [kind for kind, _ in _blocks(_section())]
    assert kinds.count("sh") >= 5 and kinds.count("text") >= 3
    commands = [line for kind, body in _blocks(_section()) if kind == "sh" for line in body]
    for name in ("eval", "teach", "check-config"):
        assert any(c.startswith(f"routerbot {name} ") for c in commands), name
    assert any("--misses" in c for c in commands)
    assert any("--compare-config" in c for c in commands)
    assert any("--write" in c for c in commands)


def test_every_command_of_the_loop_runs_as_written_and_prints_what_the_guide_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROUTERBOT_ROUTING_FILE", raising=False)
    last_output = ""
    for kind, body in _blocks(_section()):
        if kind == "text":
            printed = {_norm(line).strip() for line in last_output.splitlines()}
            missing = [ln for ln in body if ln.strip() and _norm(ln).strip() not in printed]
            assert missing == [], f"the guide shows lines the command did not print:\n{missing}"
            continue
        outputs = []
        for line in body:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            argv = shlex.split(line)
            if argv[0] == "cp":
                assert len(argv) == 3, line
                shutil.copy(argv[1], argv[2])
                continue
            assert argv[0] == "routerbot", f"the guide runs something else: {line}"
            code = main(argv[1:])
            captured = capsys.readouterr()
            allowed = (0, 1) if argv[1] in MAY_FAIL_A_BAR else (0,)
            assert code in allowed, f"{line} exited {code}: {captured.err}"
            outputs.append(captured.out)
        last_output = "".join(outputs)
    assert (tmp_path / "eval.html").is_file()
    assert (tmp_path / "routing.toml").read_text(encoding="utf-8") != (
        tmp_path / "routing-before.toml"
    ).read_text(encoding="utf-8")
