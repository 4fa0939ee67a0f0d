"""Cold starts of the ``routerbot`` command, with and without its bytecode cached.

A Python program starts faster when its modules' bytecode is cached (``__pycache__``):
``pip install`` compiles it, and Python writes it on a module's first import. An
environment with ``PYTHONDONTWRITEBYTECODE=1`` (some containers and CI runners) never
writes it for a package installed in editable mode, so there every start compiles
routerbot's sources again (its dependencies keep the bytecode their install wrote).
Both are measured here, each in a bytecode cache of its own (``PYTHONPYCACHEPREFIX``)
so that nothing in the source tree is read or written:

* **cached**: the cache is filled by one untimed run, then the timed runs read it (what
  a user meets on every start but the first);
* **sources compiled**: the same cache without routerbot's entries, and nothing written
  (every start compiles routerbot's modules, the dependencies' bytecode is read).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _package_dir() -> Path:
    import routerbot  # noqa: PLC0415 - the package the command runs

    return Path(routerbot.__file__).resolve().parent


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False, cwd=ROOT, env=env)
    return time.perf_counter() - start


def cold_starts(
    args: Sequence[str], runs: int, summary: Callable[[list[float]], float] = min
) -> tuple[float, float]:
    """(cached, sources compiled): seconds for ``python -m routerbot ARGS``, ``summary``
    (``min`` by default) of ``runs`` runs each."""
    cmd = [sys.executable, "-m", "routerbot", *args]
    with tempfile.TemporaryDirectory(prefix="routerbot-pycache-") as prefix:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = prefix
        _timed(cmd, env)  # fills the cache
        cached = summary([_timed(cmd, env) for _ in range(runs)])
        # the cache mirrors absolute source paths under the prefix: drop routerbot's
        shutil.rmtree(Path(prefix) / _package_dir().relative_to("/"), ignore_errors=True)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        compiled = summary([_timed(cmd, env) for _ in range(runs)])
    return cached, compiled
