"""Two replicas on one PostgreSQL, over one sandbox: every ticket handled once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from pydantic import SecretStr

from routerbot.bootstrap import App, build_app
from routerbot.service import MARKER_RE
from routerbot.settings import Settings

pytestmark = pytest.mark.postgres


def _app(sb: Any, pg_url: str, replica: str) -> App:
    settings = Settings(
        _env_file=None,
        jira_url=sb.url,
        jira_email=sb.email,
        jira_api_token=SecretStr(sb.token),
        state_url=pg_url,
        metrics_port=0,
        replica_id=replica,
        poll_overlap_seconds=0,
        lease_seconds=30,
    )
    return build_app(settings, adapter_options={"move_poll_interval": 0.05})


def _in_threads(*work: Any) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(work))

    def run(fn: Any) -> None:
        try:
            barrier.wait()
            fn()
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def test_two_replicas_never_do_anything_twice(sandbox: Any, pg_url: str) -> None:
    a, b = _app(sandbox, pg_url, "replica-a"), _app(sandbox, pg_url, "replica-b")
    try:
        # 1. both daemons poll at once: the leader lease lets one poll at a time
        _in_threads(lambda: a.daemon.run_cycles(3), lambda: b.daemon.run_cycles(3))
        # 2. both services handle the very same snapshots at once: per-ticket leases,
        #    the ledger and the markers keep every side effect single
        snaps = list(a.service_desk.poll(None))
        _in_threads(
            lambda: [a.service.handle(s, force=True) for s in snaps],
            lambda: [b.service.handle(s, force=True) for s in reversed(snaps)],
        )
        assert a.store.unfinished_actions() == []
    finally:
        a.close()
        b.close()

    state = sandbox.state
    handled = 0
    for ticket in state["tickets"]:
        markers = Counter(
            m.group(1)
            for c in ticket["comments"]
            for m in [MARKER_RE.search(str(c.get("body", "")))]
            if m
        )
        duplicates = {k: n for k, n in markers.items() if n > 1}
        assert not duplicates, (ticket["key"], duplicates)
        if markers:
            handled += 1
            assert "routerbot" in ticket["labels"], ticket["key"]
    assert handled >= 15  # the seeded sample has work for most tickets
