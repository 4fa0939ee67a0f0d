"""Client CPU per HTTP call: ``python benchmarks/bench_http.py [--n 2000]``.

Calls ``GET /rest/api/2/myself`` on the in-process sandbox through the adapter's call
policy (``JiraHttp``) and measures the CPU time of the calling thread only
(``time.thread_time``: the sandbox's server threads are not counted), for:

* the policy sending through ``requests.Session.request`` on the session as pycontribs
  builds it (``trust_env`` on: proxies, ``.netrc`` and CA variables looked up, and every
  session setting merged, on each call) — the transport before this change;
* the policy on the lean ``requests`` session the adapter's mocked tests use:
  :func:`routerbot.jsm.http.lean_session` (``trust_env`` off, the environment read once)
  and a request prepared from precomputed headers, handed to ``Session.send``;
* the policy on the ``urllib3`` transport the daemon and the commands use
  (:class:`routerbot.jsm.transport.Urllib3Transport`);
* bare ``urllib3`` with the same keep-alive connection, for reference (no policy at all).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
import urllib3

from routerbot.jsm.adapter import JiraServiceDesk
from routerbot.jsm.http import JiraHttp
from routerbot.jsm.transport import RequestsTransport
from routerbot.sandbox import SandboxModel, SandboxServer


class BeforeJiraHttp(JiraHttp):
    """The call policy with the transport it had before: ``Session.request`` per call."""

    def _session_request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> requests.Response:
        transport = self.transport
        assert isinstance(transport, RequestsTransport)
        return requests.Session.request(
            transport.session,
            method,
            self._base + path,
            params=dict(params) if params else None,
            json=json,
            headers=dict(headers) if headers else None,
            timeout=self._timeout,
        )


def _cpu_per_call(call: Callable[[], object], n: int, rounds: int = 3) -> float:
    for _ in range(50):  # warm-up: connection, caches
        call()
    samples = []
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(n):
            call()
        samples.append((time.thread_time() - start) / n)
    return statistics.median(samples)


def measure(n: int) -> list[tuple[str, float]]:
    with SandboxServer(SandboxModel()) as sb:
        rows: list[tuple[str, float]] = []
        before = JiraServiceDesk(sb.url, sb.email, sb.token)
        transport = before.http.transport
        assert isinstance(transport, RequestsTransport)
        transport.session.trust_env = True  # as pycontribs leaves it
        before.http.__class__ = BeforeJiraHttp
        rows.append(
            (
                "call policy, requests with trust_env (before)",
                _cpu_per_call(lambda: before.http.call("GET", "/rest/api/2/myself"), n),
            )
        )
        lean = JiraServiceDesk(sb.url, sb.email, sb.token)
        rows.append(
            (
                "call policy, lean requests session (the mocked tests')",
                _cpu_per_call(lambda: lean.http.call("GET", "/rest/api/2/myself"), n),
            )
        )
        after = JiraServiceDesk(sb.url, sb.email, sb.token, transport="urllib3")
        rows.append(
            (
                "call policy, urllib3 transport (the daemon's, now)",
                _cpu_per_call(lambda: after.http.call("GET", "/rest/api/2/myself"), n),
            )
        )
        pool = urllib3.HTTPConnectionPool(sb.host, sb.port, maxsize=1)
        auth = base64.b64encode(f"{sb.email}:{sb.token}".encode()).decode()
        headers = {"Authorization": f"Basic {auth}", "Accept": "application/json"}
        rows.append(
            (
                "bare urllib3 (reference, no policy)",
                _cpu_per_call(
                    lambda: pool.request("GET", "/rest/api/2/myself", headers=headers).json(), n
                ),
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="calls per round (3 rounds)")
    args = parser.parse_args(argv)
    rows = measure(args.n)
    width = max(len(name) for name, _ in rows)
    print(f"{'client':<{width}}  CPU per call")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
