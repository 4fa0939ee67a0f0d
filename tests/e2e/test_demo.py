"""``routerbot demo``: the README's main-job command works with no configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_runs_with_no_configuration_and_prints_its_table(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ROUTERBOT_")}
    result = subprocess.run(
        [sys.executable, "-m", "routerbot", "demo"],
        cwd=tmp_path,  # not the repository: the shipped routing.toml is found anyway
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "TICKET" in out and "CATEGORY" in out and "REROUTE" in out
    assert "PUBLIC REPLY / QUESTION" in out and "INTERNAL NOTE" in out
    assert "4/87" in out  # at least one ticket moved to the services déconcentrés desk
    assert "ask_browser" in out  # the bot asked for a browser
    assert "(2) browser" in out  # ... and read the customer's answer in the next cycle
    assert "writes in the last cycle: 0" in out  # a repeated poll repeats nothing
    assert not list(tmp_path.iterdir())  # nothing left behind in the working directory
