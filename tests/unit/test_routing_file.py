"""One rule for the routing file, in every command:
``--config`` > ``ROUTERBOT_ROUTING_FILE`` > ``./config/routing.toml`` > the packaged default."""

from __future__ import annotations

from pathlib import Path

import pytest

from routerbot.errors import ConfigError
from routerbot.routing_file import (
    ENV_VAR,
    Origin,
    env_value,
    locate,
    packaged_routing_file,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "config").mkdir()
    out = {
        "option": tmp_path / "mine.toml",
        "env": tmp_path / "env.toml",
        "local": tmp_path / "config" / "routing.toml",
    }
    for path in out.values():
        path.write_text("# test\n", encoding="utf-8")
    return out


def test_config_option_wins_over_everything(files: dict[str, Path], tmp_path: Path) -> None:
    chosen = locate(files["option"], files["env"], cwd=tmp_path)
    assert (chosen.path, chosen.origin) == (files["option"], Origin.OPTION)
    assert chosen.describe() == f"routing file: {files['option']} (from --config)"


def test_environment_wins_over_the_local_and_the_packaged_file(
    files: dict[str, Path], tmp_path: Path
) -> None:
    chosen = locate(None, str(files["env"]), cwd=tmp_path)
    assert (chosen.path, chosen.origin) == (files["env"], Origin.ENV)


def test_local_config_folder_wins_over_the_packaged_default(
    files: dict[str, Path], tmp_path: Path
) -> None:
    chosen = locate(None, None, cwd=tmp_path)
    assert (chosen.path, chosen.origin) == (files["local"], Origin.LOCAL)


def test_packaged_default_when_nothing_else_is_there(tmp_path: Path) -> None:
    chosen = locate(None, "", cwd=tmp_path)
    assert chosen.origin is Origin.PACKAGED
    assert chosen.path == packaged_routing_file()
    assert "packaged default" in chosen.describe()


@pytest.mark.parametrize(
    ("option", "env", "name"), [("nope.toml", None, "--config"), (None, "nope.toml", ENV_VAR)]
)
def test_a_missing_named_file_is_an_error_never_a_silent_fallback(
    files: dict[str, Path], tmp_path: Path, option: str | None, env: str | None, name: str
) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        locate(missing if option else None, missing if env else None, cwd=tmp_path)
    assert str(info.value) == f"{name}: {missing} does not exist"


def test_the_packaged_default_is_the_repository_file_one_source_of_truth() -> None:
    packaged = packaged_routing_file()
    assert packaged.read_bytes() == (ROOT / "config" / "routing.toml").read_bytes()
    # in the repository it is a link, not a second copy to keep in step
    link = ROOT / "src" / "routerbot" / "data" / "routing.toml"
    assert link.is_symlink()
    assert link.resolve() == (ROOT / "config" / "routing.toml").resolve()


def test_env_value_reads_dot_env_when_the_environment_has_none(tmp_path: Path) -> None:
    dot_env = tmp_path / ".env"
    dot_env.write_text(f"{ENV_VAR}=/etc/routerbot/routing.toml\n", encoding="utf-8")
    assert env_value({}, dot_env) == "/etc/routerbot/routing.toml"
    assert env_value({ENV_VAR: "/x.toml"}, dot_env) == "/x.toml"
    assert env_value({}, tmp_path / "absent") == ""
