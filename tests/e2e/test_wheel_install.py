"""A regular (non-editable) ``pip install .`` carries the routing rules in the wheel:
``routerbot demo`` then runs from any folder, as the Dockerfile and the operators'
guide install it."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _copy_of_the_repository(dest: Path) -> Path:
    """The files a clone has (no build/ or egg-info left by editable installs)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
        text=True,
    )
    if listed.returncode != 0:  # not a git checkout (an sdist): copy the tree
        shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(".*", "build"))
        return dest
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            shutil.copy2(source, target)
    return dest


@pytest.mark.slow  # builds a wheel and installs its dependencies into a new venv (~1 min)
def test_pip_install_then_demo_from_an_empty_folder(tmp_path: Path) -> None:
    src = _copy_of_the_repository(tmp_path / "repo")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ROUTERBOT_")}
    env.pop("VIRTUAL_ENV", None)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "."],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    empty = tmp_path / "empty"
    empty.mkdir()
    demo = subprocess.run(
        [str(env_dir / "bin" / "routerbot"), "demo"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "TICKET" in demo.stdout and "writes in the last cycle: 0" in demo.stdout
    installed = subprocess.run(
        [str(python), "-c", "import routerbot; print(routerbot.__file__)"],
        cwd=empty,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in installed  # the wheel's copy, not the repository's sources
    assert "(from packaged default)" in demo.stderr.splitlines()[0]
    assert not list(empty.iterdir())
