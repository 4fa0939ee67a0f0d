"""Two replicas on one PostgreSQL at once, as real subprocesses, one of them killed with
SIGKILL and restarted: every ticket handled, each side effect exactly once."""

from __future__ import annotations

import time

import pytest
from tests.chaos.harness import FAQ_TEXT, LOGIN_TEXT, SD_AGENT_TEXT, handled, oracle, ticket_row
from tests.waiting import more_polls, wait_until

from routerbot.soak import DaemonProcess, routing_file_for_load

pytestmark = pytest.mark.postgres


def _text(i: int) -> str:
    return (FAQ_TEXT, LOGIN_TEXT, SD_AGENT_TEXT)[i % 3]


@pytest.mark.slow  # ~20-100 s: run by .ci/run (python3 -m pytest -m slow)
def test_two_replicas_on_postgres_with_a_sigkill_do_each_effect_once(
    chaos_sandbox, tmp_path, pg_url
):
    rows = [
        ticket_row(f"PGR-{i}", _text(i), email=f"u{i}@ain.gouv.fr" if i % 3 == 2 else f"u{i}@x.fr")
        for i in range(1, 61)
    ]
    expected = {r["id"]: "handled" for r in rows}
    sb = chaos_sandbox(rows, expected=expected)
    routing = routing_file_for_load(tmp_path, per_hour=1000)
    replicas = []
    for name in ("a", "b"):
        work = tmp_path / name
        work.mkdir()
        replicas.append(
            DaemonProcess(
                sb.url,
                sb.email,
                sb.token,
                pg_url,
                work,
                env={
                    "ROUTERBOT_ROUTING_FILE": str(routing),
                    "ROUTERBOT_REPLICA_ID": f"replica-{name}",
                    "ROUTERBOT_LEASE_SECONDS": "3",
                    "ROUTERBOT_POLL_SECONDS": "0.2",
                },
            )
        )
    a, b = replicas
    a.start()
    b.start()
    try:
        wait_until(lambda: any("routerbot" in t["labels"] for t in sb.state["tickets"]), 30)
        a.kill()  # the leader (or a worker) dies holding leases
        a.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not handled(*expected)(sb.state):
            time.sleep(0.2)
        assert more_polls(sb, 4)  # more polls from both: a late duplicate would show now
    finally:
        codes = [r.terminate() for r in replicas]
    assert handled(*expected)(sb.state), a.logs()[-2000:] + b.logs()[-2000:]
    assert codes == [0, 0]
    report = oracle(sb, expected=expected, texts=[a.logs(), b.logs()])
    report.assert_ok()
    assert "daemon.started" in b.logs()
