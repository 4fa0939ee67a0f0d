"""Every benchmark, ONE table: ``python benchmarks/run_all.py [--backlog 10000] [--quick]``.

Rows:

* decisions per second (``benchmarks/bench_decide.py``: the dev set repeated to 10,000);
* HTTP requests per idle poll (goal 1) and per triaged ticket (goal <= 4, the search
  page's share and the one-off discovery calls included), read from ``/_sandbox/requests``
  with the bot polling in-process;
* wall time of a backlog of N tickets (default 10,000) against the sandbox, handled by the
  daemon as a real subprocess (``python -m routerbot run``), and the daemon's peak RSS;
* the daemon's RSS after 100 and after 1,000 idle polls (no growth expected);
* cold start of ``routerbot --help`` and ``routerbot triage --file`` (median of 5 runs).

``--quick`` shrinks the backlog to 1,000 and the idle polls to 50/300 (a smoke run).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from routerbot.bootstrap import build_app
from routerbot.observability import configure_logging
from routerbot.sandbox import SandboxModel, SandboxServer
from routerbot.settings import Settings
from routerbot.soak import DaemonProcess, plan_tickets, routing_file_for_load

ROOT = Path(__file__).resolve().parents[1]
Row = tuple[str, str, str]  # metric, value, goal / note


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(m.group(1)) if m else 0


def _search_count(sb: SandboxServer) -> int:
    return int(sb.requests()["requests"].get("POST /rest/api/2/search/jql", 0))


def _handled_count(model: SandboxModel) -> int:
    with model.lock:
        return sum("routerbot" in i.labels for i in model.issues.values())


def _wait(pred: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


# --------------------------------------------------------------------------- decisions


def bench_decide() -> list[Row]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_decide.py"), "--n", "10000"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    m = re.search(r"decisions / second\s+([\d,]+)", out.stdout)
    value = m.group(1) if m else "n/a (" + (out.stderr.strip().splitlines() or ["?"])[-1] + ")"
    return [("decisions per second (dev set x10,000, one core)", value, ">= 2,000")]


# --------------------------------------------------------------------------- requests


def bench_requests(n: int = 200) -> list[Row]:
    """In-process bot, fresh sandbox with ``n`` new tickets (the soak mix)."""
    rows = [p.row for p in plan_tickets(n, random.Random(5), prefix="REQ")]
    model = SandboxModel(move_polls=1)
    model.load_rows(rows)
    sb = SandboxServer(model).start()
    configure_logging(level="ERROR", fmt="json", stream=io.StringIO())
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            jira_url=sb.url,
            jira_email=sb.email,
            jira_api_token=SecretStr(sb.token),
            jira_api_token_file=None,
            state_url=f"sqlite:///{Path(tmp) / 'state.db'}",
            metrics_port=0,
            poll_seconds=1.0,
            replica_id="bench",
            routing_file=routing_file_for_load(Path(tmp)),
        )
        app = build_app(settings, adapter_options={"move_poll_interval": 0.01})
        try:
            app.daemon.startup()
            for _ in range(20):
                app.daemon.poll_once()
                if _handled_count(model) >= n:
                    break
            handled = _handled_count(model)
            triage_total = int(sb.requests()["total"])
            # the first idle poll re-reads the tickets the bot just wrote (their 'updated'
            # moved); from then on nothing changes
            app.daemon.poll_once()
            assert sb.app is not None
            sb.app.log.reset()
            idle = 20
            for _ in range(idle):
                app.daemon.poll_once()
            per_idle = sb.requests()["total"] / idle
            detail = sb.requests()["requests"]
        finally:
            app.close()
            sb.stop()
    idle_note = ", ".join(f"{k}={v}" for k, v in detail.items())
    return [
        (
            f"HTTP requests per idle poll, {handled} tickets touched in the overlap window",
            f"{per_idle:.2f}",
            f"goal 1; one search page per 100 recently updated tickets ({idle_note})",
        ),
        (
            f"HTTP requests per triaged ticket ({handled} tickets)",
            f"{triage_total / max(handled, 1):.2f}",
            "goal <= 4 (search pages + discovery included)",
        ),
    ]


# --------------------------------------------------------------------------- backlog + RSS


def _daemon(sb: SandboxServer, workdir: Path, *, poll_seconds: str, **env: str) -> DaemonProcess:
    """``routerbot run`` as a subprocess on a SQLite file in ``workdir``."""
    return DaemonProcess(
        sb.url,
        sb.email,
        sb.token,
        f"sqlite:///{workdir / 'state.db'}",
        workdir,
        env={
            "ROUTERBOT_ROUTING_FILE": str(routing_file_for_load(workdir)),
            "ROUTERBOT_POLL_SECONDS": poll_seconds,
            "ROUTERBOT_LOG_LEVEL": "WARNING",
            **env,
        },
    )


def bench_backlog(n: int, idle_polls: tuple[int, int]) -> list[Row]:
    rows = [p.row for p in plan_tickets(n, random.Random(11), prefix="BL")]
    model = SandboxModel(move_polls=1)
    model.load_rows(rows)
    sb = SandboxServer(model).start()
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        daemon = _daemon(sb, workdir, poll_seconds="0.5", ROUTERBOT_LEASE_SECONDS="120")
        try:
            started = time.monotonic()
            daemon.start()
            assert daemon.proc is not None
            pid = daemon.proc.pid
            peak = 0

            def done() -> bool:
                nonlocal peak
                peak = max(peak, _rss_kib(pid, "VmHWM"))
                return _handled_count(model) >= n

            ok = _wait(done, timeout=max(600.0, n * 0.2), step=0.5)
            wall = time.monotonic() - started
            out.append(
                (
                    f"backlog of {n:,} tickets: wall time (daemon subprocess)",
                    f"{wall:.1f} s" + ("" if ok else f" (TIMEOUT, {_handled_count(model)} done)"),
                    f"{n / wall:.0f} tickets/s, incl. start-up",
                )
            )
            out.append(("daemon peak RSS during the backlog", f"{peak / 1024:.1f} MiB", ""))
            # idle polls: let the last writes settle, then count searches
            _wait(lambda: False, timeout=2.0)
            base = _search_count(sb)
            first, second = idle_polls
            _wait(lambda: _search_count(sb) - base >= first, timeout=first * 2.0, step=0.1)
            rss_a = _rss_kib(pid)
            _wait(lambda: _search_count(sb) - base >= second, timeout=second * 2.0, step=0.1)
            rss_b = _rss_kib(pid)
            polls = _search_count(sb) - base
            growth = rss_b - rss_a
            out.append((f"daemon RSS after {first} idle polls", f"{rss_a / 1024:.1f} MiB", ""))
            out.append(
                (
                    f"daemon RSS after {second} idle polls",
                    f"{rss_b / 1024:.1f} MiB",
                    f"growth {growth / 1024:+.1f} MiB over {polls - first} polls; goal: none",
                )
            )
        finally:
            daemon.terminate()
            sb.stop()
    return out


def bench_idle_rss(idle_polls: tuple[int, int]) -> list[Row]:
    """RSS after N idle polls on a small, fully handled sandbox (fast polls)."""
    model = SandboxModel.seeded(move_polls=1)
    sb = SandboxServer(model).start()
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        daemon = _daemon(sb, workdir, poll_seconds="0.02")
        try:
            daemon.start()
            assert daemon.proc is not None
            pid = daemon.proc.pid
            _wait(lambda: _search_count(sb) >= 5, timeout=30)
            base = _search_count(sb)
            base_total = int(sb.requests()["total"])
            first, second = idle_polls
            _wait(lambda: _search_count(sb) - base >= first, timeout=first, step=0.05)
            rss_a = _rss_kib(pid)
            _wait(lambda: _search_count(sb) - base >= second, timeout=second, step=0.05)
            rss_b = _rss_kib(pid)
            polls = _search_count(sb) - base
            per_poll = (int(sb.requests()["total"]) - base_total) / max(polls, 1)
            out.append(
                (
                    "HTTP requests per idle poll, quiet desk (30 tickets in the window)",
                    f"{per_poll:.2f}",
                    "goal 1",
                )
            )
            out.append(
                (
                    f"daemon RSS after {first} / {polls} idle polls (30 tickets)",
                    f"{rss_a / 1024:.1f} / {rss_b / 1024:.1f} MiB",
                    f"growth {(rss_b - rss_a) / 1024:+.1f} MiB; goal: none",
                )
            )
        finally:
            daemon.terminate()
            sb.stop()
    return out


# --------------------------------------------------------------------------- cold starts


def _median_run(cmd: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_cold() -> list[Row]:
    ticket = {
        "id": "BENCH-1",
        "service_desk": "3",
        "request_type": "86",
        "summary": "Connexion impossible",
        "description": "Bonjour, je n'arrive pas à me connecter depuis ce matin.",
        "reporter": {"displayName": "A B", "email": "a.b@export.fr"},
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(ticket, f)
    exe = [sys.executable, "-m", "routerbot"]
    help_s = _median_run([*exe, "--help"])
    triage_s = _median_run([*exe, "triage", "--file", f.name])
    Path(f.name).unlink()
    return [
        ("cold start: routerbot --help (median of 5)", f"{help_s * 1000:.0f} ms", ""),
        ("cold start: routerbot triage --file (median of 5)", f"{triage_s * 1000:.0f} ms", ""),
    ]


# --------------------------------------------------------------------------- main


def render(rows: list[Row]) -> str:
    head: Row = ("metric", "value", "goal / note")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backlog", type=int, default=10_000, help="backlog size (10,000)")
    parser.add_argument("--quick", action="store_true", help="1,000 backlog, fewer idle polls")
    args = parser.parse_args(argv)
    backlog = 1000 if args.quick else args.backlog
    idle = (50, 300) if args.quick else (100, 1000)
    rows: list[Row] = []
    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("decisions", bench_decide),
        ("requests", bench_requests),
        ("idle RSS", lambda: bench_idle_rss(idle)),
        ("backlog", lambda: bench_backlog(backlog, (20, 100))),
        ("cold starts", bench_cold),
    ]
    for name, step in steps:
        print(f"running: {name}…", file=sys.stderr, flush=True)
        try:
            rows += step()
        except Exception as exc:  # one broken benchmark must not hide the others
            rows.append((name, "ERROR", f"{type(exc).__name__}: {exc}"[:120]))
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
