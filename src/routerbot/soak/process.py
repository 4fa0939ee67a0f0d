"""``python -m routerbot run`` as a real subprocess against a sandbox, for the soak run,
the chaos suite's crash tests and the benchmarks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


def routing_file_for_load(directory: Path, *, per_hour: int = 10_000) -> Path:
    """A copy of the shipped routing file whose global reply cap (a runaway breaker
    meant for production rates) does not trip under a synthetic load."""
    from routerbot.routing_file import packaged_routing_file  # noqa: PLC0415

    text = packaged_routing_file().read_text(encoding="utf-8")
    text = re.sub(
        r"(?m)^max_public_replies_per_hour\s*=\s*\d+",
        f"max_public_replies_per_hour = {per_hour}",
        text,
    )
    path = directory / "routing.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class DaemonProcess:
    """``python -m routerbot run`` as a real subprocess, against a sandbox.

    ``env`` holds extra ``ROUTERBOT_*`` variables (they win over the defaults below; an
    empty value unsets the default, e.g. ``ROUTERBOT_REPLICA_ID`` to get ``{host}-{pid}``).
    Output goes to ``log_path`` (appended across restarts) so tests can search it.
    """

    sandbox_url: str
    email: str
    token: str
    state_url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / "daemon.log"

    def environment(self, crash_at: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROUTERBOT_")}
        env.update(
            {
                "ROUTERBOT_JIRA_URL": self.sandbox_url,
                "ROUTERBOT_JIRA_EMAIL": self.email,
                "ROUTERBOT_JIRA_API_TOKEN": self.token,
                "ROUTERBOT_STATE_URL": self.state_url,
                "ROUTERBOT_POLL_SECONDS": "0.3",
                "ROUTERBOT_METRICS_PORT": "0",
                "ROUTERBOT_LOG_FORMAT": "json",
                "ROUTERBOT_LOG_LEVEL": "INFO",
                "ROUTERBOT_REPLICA_ID": "soak-1",
                "ROUTERBOT_LEASE_SECONDS": "5",
                "ROUTERBOT_POLL_OVERLAP_SECONDS": "90",
                "ROUTERBOT_JIRA_TIMEOUT": "2",
                "ROUTERBOT_RELOAD_SECONDS": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        env = {k: v for k, v in env.items() if v != ""}  # "" unsets a default
        if crash_at:
            env["ROUTERBOT_CRASH_AT"] = crash_at
        return env

    def start(self, *, crash_at: str | None = None) -> DaemonProcess:
        if self.running:
            raise RuntimeError("the daemon is already running")
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1} crash_at={crash_at}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(  # noqa: S603  # our own interpreter, fixed args
                [sys.executable, "-m", "routerbot", "run", *self.args],
                cwd=self.workdir,
                env=self.environment(crash_at),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout: float) -> int:
        """The exit code (raises ``subprocess.TimeoutExpired``)."""
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, like the OOM killer or a power cut of the container."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.kills += 1

    def terminate(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait; the exit code (None when it was not running)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def logs(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


# --------------------------------------------------------------------------- the ticket mix
