"""Cold starts of the ``routerbot`` command, with and without its bytecode cached.

A Python program starts faster when its modules' bytecode is cached (``__pycache__``):
``pip install`` compiles it, and Python writes it on a module's first import. An
environment with ``PYTHONDONTWRITEBYTECODE=1`` (some containers and CI runners) never
writes it for a package installed in editable mode, so there every start compiles
routerbot's sources again (its dependencies keep the bytecode their install wrote).
Both are measured here, each in a bytecode cache of its own (``PYTHONPYCACHEPREFIX``)
so that nothing in the source tree is read or written; each start is timed on the wall
clock and by the CPU its process used:

* **cached**: the cache is filled by one untimed run, then the timed runs read it (what
  a user meets on every start but the first);
* **sources compiled**: the same cache without routerbot's entries, and nothing written
  (every start compiles routerbot's modules, the dependencies' bytecode is read).

``triage --file`` and ``eval`` also keep the routing file as compiled
(``ROUTERBOT_CACHE_DIR``, ``routerbot.config_cache``): the untimed run fills a cache of
this measure's own, so both figures are a start that finds its entry (every start but
the first after an edit of the file). :func:`first_start_timings` measures the other case, the
cache off: the file read, checked and compiled, pydantic imported (bytecode cached).
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
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


def _package_dir() -> Path:
    import routerbot  # noqa: PLC0415 - the package the command runs

    return Path(routerbot.__file__).resolve().parent


class Timing(NamedTuple):
    """One start: wall seconds, and CPU seconds (user + system) of the command's process
    (what a shared machine's load moves least)."""

    wall: float
    cpu: float


def _timed(cmd: list[str], env: dict[str, str]) -> Timing:
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Timing(wall, usage.ru_utime + usage.ru_stime)


def _env(prefix: str, cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = prefix
    env["ROUTERBOT_CACHE_DIR"] = cache
    return env


def cold_start_timings(args: Sequence[str], runs: int) -> tuple[list[Timing], list[Timing]]:
    """(cached, sources compiled): ``runs`` starts each of ``python -m routerbot ARGS``."""
    cmd = [sys.executable, "-m", "routerbot", *args]
    with tempfile.TemporaryDirectory(prefix="routerbot-pycache-") as prefix:
        env = _env(prefix, str(Path(prefix) / "routerbot-cache"))
        _timed(cmd, env)  # fills the caches (bytecode, compiled routing file)
        cached = [_timed(cmd, env) for _ in range(runs)]
        # the cache mirrors absolute source paths under the prefix: drop routerbot's
        shutil.rmtree(Path(prefix) / _package_dir().relative_to("/"), ignore_errors=True)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        compiled = [_timed(cmd, env) for _ in range(runs)]
    return cached, compiled


def cold_starts(
    args: Sequence[str], runs: int, summary: Callable[[list[float]], float] = min
) -> tuple[float, float]:
    """(cached, sources compiled): wall seconds for ``python -m routerbot ARGS``,
    ``summary`` (``min`` by default) of ``runs`` runs each."""
    cached, compiled = cold_start_timings(args, runs)
    return summary([t.wall for t in cached]), summary([t.wall for t in compiled])


def first_start_timings(args: Sequence[str], runs: int) -> list[Timing]:
    """``runs`` starts of ``python -m routerbot ARGS`` with the cache of compiled routing
    files off (``ROUTERBOT_CACHE_DIR=off``: what the first start after an edit of the
    file costs), the bytecode cached."""
    cmd = [sys.executable, "-m", "routerbot", *args]
    with tempfile.TemporaryDirectory(prefix="routerbot-pycache-") as prefix:
        env = _env(prefix, "off")
        _timed(cmd, env)  # fills the bytecode cache
        return [_timed(cmd, env) for _ in range(runs)]
