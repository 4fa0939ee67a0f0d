"""Every benchmark, ONE table, each figure beside its goal: ``python benchmarks/run_all.py``.

Rows (goals from issue 10):

* decisions per second on 10,000 tickets with unique texts, one core
  (``bench_decide.py``; goal >= 10,000, issue 9's bar);
* HTTP requests per triaged ticket (goal <= 3, amortised: search pages and the one-off
  discovery calls included) and per idle poll on a quiet desk (goal 1), counted by the
  sandbox with the bot in-process;
* the backlog of 10,000 tickets against the local sandbox, handled by the daemon as a
  real subprocess (``python -m routerbot run``) on SQLite: wall time (goal <= 60 s),
  peak RSS (goal <= 80 MiB), RSS after 100 and 1,000 idle polls (goal: flat, ±1 MiB);
* 1,000 tickets against the sandbox at ``--latency-ms 100`` with bulk-move tasks of
  2 s and a few 429s, ``ROUTERBOT_WORKERS=8`` (goal <= 90 s, at most 8 requests in
  flight as the sandbox counts them, 0 requests before a Retry-After expires — a
  request another worker had already sent when the 429 went out is not counted, see
  ``routerbot.sandbox.server.RequestLog``);
* cold start of ``routerbot --help`` and ``routerbot triage --file`` (goal <= 250 ms,
  issue 9), with routerbot's bytecode cached and with its sources compiled at each start,
  the compiled routing file found in its cache; and the first start after an edit of the
  routing file (no cached entry: read, checked, compiled) (``coldstart.py``).

Every ticket text is unique (``benchmarks/corpus.py``: the labelled development tickets
with a greeting, a reference, a person and a company of their own).

``--quick`` is the smoke run CI makes (``tests/e2e/test_benchmarks.py``): 2,000 tickets
(the same pace: goal <= 12 s), 200 at latency (goal pro rata), fewer idle polls. It
prints the same rows; nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from coldstart import Timing, cold_start_timings, first_start_timings
from corpus import unique_rows
from pydantic import SecretStr

from routerbot.bootstrap import build_app
from routerbot.observability import configure_logging
from routerbot.sandbox import FaultPlan, Latency, SandboxModel, SandboxServer
from routerbot.settings import Settings
from routerbot.soak import DaemonProcess, routing_file_for_load

ROOT = Path(__file__).resolve().parents[1]
Row = tuple[str, str, str]  # metric, value, goal
WORKERS = 8  # tickets in flight at once in the latency run (ROUTERBOT_WORKERS)


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(m.group(1)) if m else 0


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


_TICKS = os.sysconf("SC_CLK_TCK")


def _searches(sb: SandboxServer) -> int:
    counts: dict[str, int] = sb.requests()["requests"]
    return sum(n for route, n in counts.items() if "/search/jql" in route)


def _handled(model: SandboxModel) -> int:
    with model.lock:
        return sum("routerbot" in i.labels for i in model.issues.values())


def _wait(pred: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def _until_quiet(
    model: SandboxModel,
    started: float,
    timeout: float,
    quiet: float = 20.0,
    sample: Callable[[], None] | None = None,
) -> tuple[float, int]:
    """Wait until the bot stops labelling tickets for ``quiet`` seconds (some tickets are
    rightly skipped: automatic replies, conversations waiting on someone else): the
    seconds from ``started`` to the last new label, and how many tickets carry one."""
    count, changed = _handled(model), time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline and time.monotonic() - changed < quiet:
        time.sleep(0.25)
        if sample is not None:
            sample()
        now = _handled(model)
        if now != count:
            count, changed = now, time.monotonic()
    return changed - started, count


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _daemon(sb: SandboxServer, workdir: Path, **env: str) -> DaemonProcess:
    """``routerbot run`` as a subprocess on a SQLite file in ``workdir``."""
    return DaemonProcess(
        sb.url,
        sb.email,
        sb.token,
        f"sqlite:///{workdir / 'state.db'}",
        workdir,
        env={
            "ROUTERBOT_ROUTING_FILE": str(routing_file_for_load(workdir)),
            "ROUTERBOT_LOG_LEVEL": "WARNING",
            "ROUTERBOT_LEASE_SECONDS": "120",
            "ROUTERBOT_JIRA_TIMEOUT": "20",
            **env,
        },
    )


# --------------------------------------------------------------------------- decisions


def bench_decide(n: int) -> list[Row]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_decide.py"), "--n", str(n)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT / "benchmarks",
    )
    m = re.search(r"decisions / second\s+([\d,]+)", out.stdout)
    if not m:
        raise RuntimeError((out.stderr.strip().splitlines() or ["no output"])[-1])
    rate = int(m.group(1).replace(",", ""))
    return [
        (
            f"decisions per second ({n:,} unique texts, one core)",
            f"{rate:,}",
            f">= 10,000  {_verdict(rate >= 10_000)}",  # issue 9's bar
        )
    ]


# --------------------------------------------------------------------------- requests


def bench_requests(n: int) -> list[Row]:
    """In-process bot, fresh sandbox with ``n`` new unique tickets."""
    model = SandboxModel()
    model.load_rows(unique_rows(n, seed=5, prefix="REQ"))
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
            poll_overlap_seconds=20.0,
            replica_id="bench",
            routing_file=routing_file_for_load(Path(tmp)),
        )
        app = build_app(settings)
        try:
            app.daemon.startup()
            triage_total, quiet = 0, 0
            for _ in range(100):  # until three polls in a row write nothing
                writes = _writes(sb)
                app.daemon.poll_once()
                if _writes(sb) == writes:
                    quiet += 1
                    if quiet >= 3:
                        break
                else:
                    quiet = 0
                    triage_total = int(sb.requests()["total"])  # idle polls left out
            handled = _handled(model)
        finally:
            app.close()
            sb.stop()
    per_ticket = triage_total / n
    return [
        (
            f"HTTP requests per triaged ticket ({n} new tickets, {handled} acted on, amortised)",
            f"{per_ticket:.2f}",
            f"<= 3  {_verdict(per_ticket <= 3)}",
        )
    ]


def _writes(sb: SandboxServer) -> int:
    counts: dict[str, int] = sb.requests()["requests"]
    return sum(
        n
        for route, n in counts.items()
        if route.startswith(("POST", "PUT", "DELETE")) and "/search/" not in route
    )


def bench_idle_rss(polls: tuple[int, int]) -> list[Row]:
    """A quiet desk (the 30 seeded tickets, all handled): requests per idle poll, and RSS
    after ``polls`` idle polls (fast polls)."""
    sb = SandboxServer(SandboxModel.seeded()).start()
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        daemon = _daemon(
            sb, Path(tmp), ROUTERBOT_POLL_SECONDS="0.02", ROUTERBOT_POLL_OVERLAP_SECONDS="5"
        )
        try:
            daemon.start()
            assert daemon.proc is not None
            pid = daemon.proc.pid
            _until_quiet(sb.model, time.monotonic(), 120, quiet=5)
            # the bot's own writes moved `updated`: wait until they are out of the window
            _wait(lambda: _per_poll(sb, 20) <= 1.0, 180, step=0.5)
            first, second = polls
            base = _searches(sb)
            base_total = int(sb.requests()["total"])
            _wait(lambda: _searches(sb) - base >= first, first, step=0.05)
            rss_a = _rss_kib(pid)
            _wait(lambda: _searches(sb) - base >= second, second, step=0.05)
            rss_b = _rss_kib(pid)
            polls_done = _searches(sb) - base
            per_poll = (int(sb.requests()["total"]) - base_total) / max(polls_done, 1)
            growth = (rss_b - rss_a) / 1024
        finally:
            daemon.terminate()
            sb.stop()
    out.append(
        (
            "HTTP requests per idle poll, quiet desk",
            f"{per_poll:.2f}",
            f"1  {_verdict(per_poll <= 1.0)}",
        )
    )
    out.append(
        (
            f"daemon RSS after {first:,} / {polls_done:,} idle polls (quiet desk)",
            f"{rss_a / 1024:.1f} / {rss_b / 1024:.1f} MiB",
            f"flat ±1 MiB ({growth:+.1f})  {_verdict(abs(growth) <= 1.0)}",
        )
    )
    return out


def _per_poll(sb: SandboxServer, polls: int) -> float:
    """Requests per poll over the next ``polls`` polls."""
    base, total = _searches(sb), int(sb.requests()["total"])
    _wait(lambda: _searches(sb) - base >= polls, 60, step=0.05)
    done = _searches(sb) - base
    return (int(sb.requests()["total"]) - total) / max(done, 1)


# --------------------------------------------------------------------------- backlog + RSS


def bench_backlog(n: int, polls: tuple[int, int], goal_s: float) -> list[Row]:
    model = SandboxModel()
    model.load_rows(unique_rows(n, seed=11, prefix="BL"))
    sb = SandboxServer(model).start()
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        daemon = _daemon(
            sb, Path(tmp), ROUTERBOT_POLL_SECONDS="0.05", ROUTERBOT_POLL_OVERLAP_SECONDS="20"
        )
        try:
            started = time.monotonic()
            ours = time.process_time()  # the sandbox runs in this process
            daemon.start()
            assert daemon.proc is not None
            pid = daemon.proc.pid
            peak = 0
            cpu = (0.0, 0.0)  # daemon, sandbox: CPU seconds at the last new label
            last = -1

            def sample() -> None:
                nonlocal peak, cpu, last
                peak = max(peak, _rss_kib(pid, "VmHWM"))
                now = _handled(model)
                if now != last:
                    last, cpu = now, (_cpu_s(pid), time.process_time() - ours)

            wall, labelled = _until_quiet(model, started, max(600.0, n * 0.25), sample=sample)
            out.append(
                (
                    f"backlog of {n:,} tickets, no latency: wall time (daemon subprocess)",
                    f"{wall:.1f} s ({labelled:,} acted on)",
                    f"<= {goal_s:.0f} s  {_verdict(wall <= goal_s)}",
                )
            )
            out.append(
                (
                    "  CPU per ticket: daemon / sandbox (process time, startup included)",
                    f"{cpu[0] * 1000 / n:.2f} / {cpu[1] * 1000 / n:.2f} ms",
                    "",
                )
            )
            out.append(
                (
                    "daemon peak RSS during the backlog",
                    f"{peak / 1024:.1f} MiB",
                    f"<= 80 MiB  {_verdict(peak / 1024 <= 80)}",
                )
            )
            # idle polls once the bot's own writes have left the overlap window
            _wait(lambda: _per_poll(sb, 10) <= 1.0, 240, step=0.5)
            first, second = polls
            base = _searches(sb)
            _wait(lambda: _searches(sb) - base >= first, first * 1.0, step=0.05)
            rss_a = _rss_kib(pid)
            _wait(lambda: _searches(sb) - base >= second, second * 1.0, step=0.05)
            rss_b = _rss_kib(pid)
            done_polls = _searches(sb) - base
            growth = (rss_b - rss_a) / 1024
            out.append(
                (
                    f"daemon RSS after {first:,} / {done_polls:,} idle polls (after the backlog)",
                    f"{rss_a / 1024:.1f} / {rss_b / 1024:.1f} MiB",
                    f"flat ±1 MiB ({growth:+.1f})  {_verdict(abs(growth) <= 1.0)}",
                )
            )
        finally:
            daemon.terminate()
            sb.stop()
    return out


def bench_latency(n: int, goal_s: float) -> list[Row]:
    """``n`` tickets at 100 ms ± 25 ms per request, 2 s bulk moves, 429s at 0.2%."""
    model = SandboxModel(move_seconds=2.0)
    model.load_rows(unique_rows(n, seed=13, prefix="LAT"))
    faults = FaultPlan.parse("429=0.002,retry-after=1", seed=13)
    sb = SandboxServer(model, faults=faults, latency=Latency(100)).start()
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        daemon = _daemon(
            sb,
            Path(tmp),
            ROUTERBOT_POLL_SECONDS="0.2",
            ROUTERBOT_POLL_OVERLAP_SECONDS="20",
            ROUTERBOT_WORKERS=str(WORKERS),
        )
        try:
            started = time.monotonic()
            daemon.start()
            wall, labelled = _until_quiet(model, started, max(600.0, n * 2.5))
        finally:
            daemon.terminate()
            summary = sb.requests()
            sb.stop()
    moves = sum(1 for t in model.tasks.values())
    out.append(
        (
            f"{n:,} tickets at --latency-ms 100, 2 s moves: wall time",
            f"{wall:.1f} s ({labelled:,} acted on, {moves} moves)",
            f"<= {goal_s:.0f} s  {_verdict(wall <= goal_s)}",
        )
    )
    in_flight = int(summary.get("in_flight_max", 0))
    out.append(
        (
            "  requests in flight at once, most (sandbox count)",
            str(in_flight),
            f"<= 8  {_verdict(in_flight <= 8)}",
        )
    )
    early = int(summary.get("early_retry_count", 0))
    served = int(summary.get("faults", {}).get("429", 0))
    wire = int(summary.get("on_the_wire_at_retry_after", 0))
    out.append(
        (
            f"  requests before a Retry-After expired ({served} x 429, {wire} already sent)",
            str(early),
            f"0  {_verdict(early == 0)}",
        )
    )
    return out


# --------------------------------------------------------------------------- cold starts


def bench_cold(runs: int) -> list[Row]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(unique_rows(1, seed=17, prefix="COLD")[0], f)
    help_cached, help_compiled = cold_start_timings(["--help"], runs)
    triage_cached, triage_compiled = cold_start_timings(["triage", "--file", f.name], runs)
    triage_first = first_start_timings(["triage", "--file", f.name], runs)
    Path(f.name).unlink()
    of = f"median of {runs}; CPU: best"

    def figure(timings: list[Timing]) -> tuple[float, str]:
        wall = statistics.median(t.wall for t in timings)
        cpu = min(t.cpu for t in timings)
        return wall, f"{wall * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms)"

    def row(what: str, timings: list[Timing], goal: bool) -> Row:
        wall, value = figure(timings)
        return (what, value, f"<= 250 ms  {_verdict(wall <= 0.25)}" if goal else "")

    return [
        row(f"cold start: routerbot --help ({of}, bytecode cached)", help_cached, False),
        row(f"cold start: routerbot --help ({of}, sources compiled)", help_compiled, False),
        row(f"cold start: routerbot triage --file ({of}, bytecode cached)", triage_cached, True),
        row(
            f"cold start: routerbot triage --file ({of}, sources compiled)",
            triage_compiled,
            True,
        ),
        row(
            f"first start after an edit: triage --file, no compiled-config cache ({of})",
            triage_first,
            False,
        ),
    ]


# --------------------------------------------------------------------------- main


def render(rows: list[Row]) -> str:
    head: Row = ("metric", "value", "goal")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the CI smoke run (smaller)")
    parser.add_argument("--backlog", type=int, default=None, help="backlog size (10,000)")
    parser.add_argument("--only", default="", help="comma-separated steps to run (names below)")
    args = parser.parse_args(argv)
    quick = args.quick
    backlog = args.backlog or (2_000 if quick else 10_000)
    latency_n = 200 if quick else 1_000
    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("decisions", lambda: bench_decide(2_000 if quick else 10_000)),
        ("requests", lambda: bench_requests(100 if quick else 500)),
        ("idle", lambda: bench_idle_rss((50, 200) if quick else (100, 1_000))),
        (
            "backlog",
            lambda: bench_backlog(backlog, (50, 200) if quick else (100, 1_000), backlog * 0.006),
        ),
        ("latency", lambda: bench_latency(latency_n, 90.0 * latency_n / 1_000)),
        ("cold", lambda: bench_cold(3 if quick else 5)),
    ]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    rows: list[Row] = []
    for name, step in steps:
        if only and name not in only:
            continue
        print(f"running: {name}…", file=sys.stderr, flush=True)
        try:
            rows += step()
        except Exception as exc:  # one broken benchmark must not hide the others
            rows.append((name, "ERROR", f"{type(exc).__name__}: {exc}"[:120]))
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
