"""The cache of compiled routing files (``routerbot.config_cache``) on a real filesystem.

A hit must give the very decisions and explanations a fresh compile gives; an edited
file must never be served from an older entry; a broken entry, an unsafe or unwritable
directory and a cache turned off must only ever cost the compile they would have saved.
"""

from __future__ import annotations

import os
import pickle
import re
import stat
from pathlib import Path
from typing import Any

import pytest

import routerbot.config
from routerbot import config_cache
from routerbot.config import RoutingConfig, load_config
from routerbot.config_cache import (
    KEEP,
    SUFFIX,
    cache_dir,
    cache_key,
    load_config_cached,
    read_entry,
)
from routerbot.engine import decide
from routerbot.engine.explain import decision_to_json, render_checklist
from routerbot.errors import ConfigError
from routerbot.labelled import read_labelled

ROOT = Path(__file__).resolve().parents[2]
ROUTING = ROOT / "config" / "routing.toml"
DEV = ROOT / "tests" / "data" / "tickets-dev.jsonl"


@pytest.fixture
def routing(tmp_path: Path) -> Path:
    path = tmp_path / "routing.toml"
    path.write_text(ROUTING.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "routerbot"


class Compiles:
    """Counts the compiles (``parse_config`` calls) of ``load_config_cached``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = routerbot.config.parse_config

        def counting(*args: Any, **kwargs: Any) -> RoutingConfig:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(routerbot.config, "parse_config", counting)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Compiles:
    return Compiles(monkeypatch)


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"*{SUFFIX}"))


def outputs(config: RoutingConfig, limit: int = 120) -> list[tuple[dict[str, Any], str]]:
    out = []
    for i, labelled in enumerate(read_labelled(DEV)):
        if i == limit:
            break
        decision = decide(labelled.ticket, config)
        out.append((decision_to_json(decision), render_checklist(decision)))
    return out


def test_a_hit_decides_and_explains_exactly_as_a_fresh_compile(
    routing: Path, cache: Path, compiles: Compiles
) -> None:
    first = load_config_cached(routing, cache)
    assert compiles.count == 1
    assert len(entries(cache)) == 1
    hit = load_config_cached(routing, cache)
    assert compiles.count == 1, "the second load must come from the cache"
    assert hit is not first
    assert hit.config_hash == first.config_hash and hit.source == str(routing)
    fresh = load_config(routing)
    assert repr(hit) == repr(fresh)  # every setting (the compiled index aside)
    assert outputs(hit) == outputs(fresh)


def test_an_edited_file_is_never_served_from_the_older_entry(
    routing: Path, cache: Path, compiles: Compiles
) -> None:
    before = load_config_cached(routing, cache)
    text = routing.read_text(encoding="utf-8")
    edited, n = re.subn(r"^faq_margin = .*$", "faq_margin = 0.33", text, count=1, flags=re.M)
    assert n == 1
    routing.write_text(edited, encoding="utf-8")
    after = load_config_cached(routing, cache)
    assert compiles.count == 2
    assert after.thresholds.faq_margin == 0.33 != before.thresholds.faq_margin
    assert after.config_hash != before.config_hash
    assert len(entries(cache)) == 2
    # and back: the first entry serves the first text again
    routing.write_text(text, encoding="utf-8")
    again = load_config_cached(routing, cache)
    assert compiles.count == 2
    assert again.thresholds.faq_margin == before.thresholds.faq_margin


def test_the_same_text_at_another_path_is_another_entry(
    routing: Path, cache: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.toml"
    other.write_text(routing.read_text(encoding="utf-8"), encoding="utf-8")
    load_config_cached(routing, cache)
    config = load_config_cached(other, cache)
    assert config.source == str(other)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a pickle at all", b"\x80\x05garbage", pickle.dumps({"config_hash": "x"})],
    ids=["empty", "text", "truncated", "another object"],
)
def test_a_corrupt_entry_is_ignored_and_replaced(
    routing: Path, cache: Path, compiles: Compiles, content: bytes
) -> None:
    good = load_config_cached(routing, cache)
    (entry,) = entries(cache)
    entry.write_bytes(content)
    config = load_config_cached(routing, cache)
    assert compiles.count == 2
    assert repr(config) == repr(good)
    assert repr(load_config_cached(routing, cache)) == repr(good)
    assert compiles.count == 2, "the broken entry was written again"


def test_the_entry_of_another_file_under_this_key_is_not_used(
    routing: Path, cache: Path, tmp_path: Path
) -> None:
    """An entry is checked against the text it claims to be the config of."""
    load_config_cached(routing, cache)
    (entry,) = entries(cache)
    other = tmp_path / "other.toml"
    text = routing.read_text(encoding="utf-8") + "\n# another file\n"
    other.write_text(text, encoding="utf-8")
    entry.rename(cache / f"{cache_key(text, str(other))}{SUFFIX}")
    assert read_entry(cache, cache_key(text, str(other)), text, str(other)) is None
    config = load_config_cached(other, cache)
    assert config.source == str(other)


def test_an_unwritable_cache_directory_is_harmless(routing: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    config = load_config_cached(routing, blocker / "routerbot")  # mkdir fails
    assert repr(config) == repr(load_config(routing))


def test_a_directory_others_may_write_to_is_neither_read_nor_written(
    routing: Path, cache: Path, compiles: Compiles
) -> None:
    load_config_cached(routing, cache)
    (entry,) = entries(cache)
    cache.chmod(0o777)
    load_config_cached(routing, cache)
    assert compiles.count == 2, "an entry in a shared directory must not be unpickled"
    entry.unlink()
    load_config_cached(routing, cache)
    assert entries(cache) == []
    cache.chmod(0o700)


def test_an_entry_others_may_write_to_is_not_read(
    routing: Path, cache: Path, compiles: Compiles
) -> None:
    load_config_cached(routing, cache)
    (entry,) = entries(cache)
    entry.chmod(0o666)
    load_config_cached(routing, cache)
    assert compiles.count == 2


def test_a_new_directory_is_private(routing: Path, cache: Path) -> None:
    load_config_cached(routing, cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    (entry,) = entries(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert [p.name for p in cache.iterdir()] == [entry.name]  # no temporary file left


def test_with_the_cache_off_nothing_is_written(routing: Path, tmp_path: Path) -> None:
    before = set(tmp_path.rglob("*"))
    config = load_config_cached(routing, None)
    assert repr(config) == repr(load_config(routing))
    assert set(tmp_path.rglob("*")) == before


def test_errors_are_the_loaders_whatever_the_cache(routing: Path, cache: Path) -> None:
    routing.write_text("version = 1\n[faq\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config_cached(routing, cache)
    assert entries(cache) == []
    with pytest.raises(ConfigError, match="cannot read"):
        load_config_cached(routing.parent / "missing.toml", cache)


@pytest.mark.parametrize("value", ["", "off", "OFF", "0", "none", "false", "no"])
def test_the_setting_turns_the_cache_off(value: str, tmp_path: Path) -> None:
    assert cache_dir({"ROUTERBOT_CACHE_DIR": value}, tmp_path / ".env") is None


def test_where_the_cache_lives(tmp_path: Path) -> None:
    none = tmp_path / "no.env"
    assert cache_dir({"ROUTERBOT_CACHE_DIR": str(tmp_path / "c")}, none) == tmp_path / "c"
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert cache_dir(xdg, none) == tmp_path / "xdg" / "routerbot"
    home = cache_dir({"XDG_CACHE_HOME": "relative/ignored"}, none)
    assert home == Path.home() / ".cache" / "routerbot"
    env_file = tmp_path / ".env"
    env_file.write_text("ROUTERBOT_CACHE_DIR=off\n", encoding="utf-8")
    assert cache_dir(xdg, env_file) is None
    env_file.write_bytes(b"ROUTERBOT_CACHE_DIR=\xff\xfe\n")  # not UTF-8: as if unset
    assert cache_dir(xdg, env_file) == tmp_path / "xdg" / "routerbot"


def test_a_changed_module_of_the_code_is_another_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg"
    (package / "engine").mkdir(parents=True)
    module = package / "engine" / "index.py"
    module.write_text("A = 1\n", encoding="utf-8")
    monkeypatch.setattr(config_cache, "_PACKAGE", package)
    key = cache_key("text", "source")
    assert cache_key("text", "source") == key
    module.write_text("A = 22\n", encoding="utf-8")
    assert cache_key("text", "source") != key
    stamp = module.stat()
    os.utime(module, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    assert cache_key("text", "source") != key
    assert cache_key("text", "other source") != cache_key("text", "source")
    assert cache_key("other text", "source") != cache_key("text", "source")


def test_old_entries_are_pruned(routing: Path, cache: Path) -> None:
    text = routing.read_text(encoding="utf-8")
    for i in range(KEEP + 3):
        routing.write_text(f"{text}\n# edit {i}\n", encoding="utf-8")
        load_config_cached(routing, cache)
    assert len(entries(cache)) == KEEP
