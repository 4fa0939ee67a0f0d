"""Phrase sets skip what cannot match (a phrase one of whose words the text lacks, a
pair none of whose first phrases starts with a word of the text) and find exactly what
trying every phrase and every pair finds: compared here on every labelled text, with
every phrase set the shipped routing file compiles (evidence, statements, guards)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routerbot.config import RoutingConfig, load_config
from routerbot.engine.lexicon import (
    CompiledPair,
    PhraseSet,
    Words,
    find,
    light_keys,
)
from routerbot.engine.text import normalise

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GAP = 2


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return load_config(ROOT / "config" / "routing.toml")


def _texts() -> list[str]:
    out: list[str] = []
    for path in sorted(DATA.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append(f"{row.get('summary') or ''}\n{row.get('description') or ''}")
                out += [c.get("body") or "" for c in row.get("comments") or []]
    return out


def _sets(config: RoutingConfig) -> list[PhraseSet]:
    c = config.compiled
    out = [c.never_answer, c.follow_quoted, c.several_questions]
    for ev in (c.login_failure, c.thanks, *c.statements.values()):
        out += [ev.strong, ev.medium, ev.negative]
    for g in c.guards.values():
        out += [g.never, g.requires, *g.requires_when.values()]
        out += [s for s in (g.requires_also, g.requires_unasked) if s is not None]
        if g.takes_over is not None:
            out.append(g.takes_over[1])
    return [ps for ps in out if not ps.empty]


def _plain_pair(words: Words, pair: CompiledPair) -> bool:
    ends = [e for p in pair.first for _s, e in find(words, p, GAP)]
    starts = [s for p in pair.then for s, _e in find(words, p, GAP)]
    if not ends or not starts:
        return False
    return pair.anywhere or any(0 < s - e <= pair.within + 1 for e in ends for s in starts)


def _plain_all(words: Words, ps: PhraseSet) -> list[str]:
    seen: set[tuple[str, ...]] = set()
    out = []
    for p in ps.phrases:
        if p.keys not in seen and find(words, p, GAP):
            seen.add(p.keys)
            out.append(p.text)
    return out + [pair.text for pair in ps.pairs if _plain_pair(words, pair)]


def test_phrase_sets_find_what_trying_every_phrase_and_pair_finds(config: RoutingConfig) -> None:
    sets = _sets(config)
    assert any(ps.pairs for ps in sets)
    lex = config.compiled.lexicon
    wrong = []
    for t in _texts():
        norm = normalise(t)
        for words in (Words.of(lex.keys(norm)), Words.of(light_keys(norm))):
            for ps in sets:
                plain = _plain_all(words, ps)
                if ps.all_matches(words, GAP) != plain or ps.first_match(words, GAP) != (
                    plain[0] if plain else None
                ):
                    wrong.append((t[:60], plain))
    assert not wrong, wrong[:3]
