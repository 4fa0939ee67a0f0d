"""The call policy over real sockets, on both transports (``urllib3``, the daemon's, and
``requests``, the mocked tests'): what they actually raise when a server refuses, drops
or stalls, classified as never-sent (safe to retry) or ambiguous (maybe applied); and
what the ``urllib3`` transport sends and reads on a server that answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from tests.fakes import FakeClock

from routerbot.errors import AmbiguousWrite, ConnectionLost, NotFound
from routerbot.jsm.adapter import JiraServiceDesk
from routerbot.jsm.http import RetryPolicy
from routerbot.jsm.transport import Answer, Urllib3Transport, ca_bundle, proxy_for
from routerbot.sandbox import SandboxModel, SandboxServer


class RudeServer:
    """Accepts connections, reads one request, then either hangs up or stays silent."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.requests = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(2)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.requests += 1
            if self.mode == "drop":
                conn.close()
            else:  # "stall": keep the socket open and never answer
                self._conns.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=2)
        for c in self._conns:
            c.close()


DeskAt = Callable[[int, FakeClock], JiraServiceDesk]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["urllib3", "requests"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def desk_at(transport: str) -> DeskAt:
    def make(port: int, clock: FakeClock) -> JiraServiceDesk:
        return JiraServiceDesk(
            f"http://127.0.0.1:{port}",
            "routerbot@example.org",
            "tok-transport",
            clock=clock,
            timeout=(0.5, 0.3),
            retry_policy=RetryPolicy(max_attempts=3),
            transport=transport,
        )

    return make


@pytest.fixture
def closed_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def dropping() -> Iterator[RudeServer]:
    server = RudeServer("drop")
    yield server
    server.close()


@pytest.fixture
def stalling() -> Iterator[RudeServer]:
    server = RudeServer("stall")
    yield server
    server.close()


def test_refused_connection_is_retried_even_for_a_comment(
    closed_port: int, clock: FakeClock, desk_at: DeskAt
):
    with pytest.raises(ConnectionLost) as info:
        desk_at(closed_port, clock).post_comment("OPE-1", "x", public=True)
    assert not isinstance(info.value, AmbiguousWrite)
    assert len(clock.sleeps) == 2  # three attempts, nothing was ever sent


def test_connection_dropped_after_a_comment_was_sent_is_ambiguous_and_sent_once(
    dropping: RudeServer, clock: FakeClock, desk_at: DeskAt
):
    with pytest.raises(AmbiguousWrite):
        desk_at(dropping.port, clock).post_comment("OPE-1", "x", public=True)
    assert dropping.requests == 1


def test_no_answer_to_a_comment_within_the_read_timeout_is_ambiguous_and_sent_once(
    stalling: RudeServer, clock: FakeClock, desk_at: DeskAt
):
    with pytest.raises(AmbiguousWrite):
        desk_at(stalling.port, clock).post_comment("OPE-1", "x", public=True)
    assert stalling.requests == 1


def test_dropped_read_is_retried_up_to_the_attempt_limit(
    dropping: RudeServer, clock: FakeClock, desk_at: DeskAt
):
    with pytest.raises(ConnectionLost):
        desk_at(dropping.port, clock).whoami()
    assert dropping.requests == 3


def test_the_urllib3_transport_sends_what_requests_sent_and_reads_the_answer() -> None:
    """Against the sandbox: the credential, the JSON headers, the body; the answer decoded,
    a refused write translated with Jira's own error text, a keep-alive connection."""
    with SandboxServer(SandboxModel.seeded()) as sb:
        desk = JiraServiceDesk(sb.url, sb.email, sb.token, transport="urllib3")
        assert isinstance(desk.http.transport, Urllib3Transport)
        assert desk.whoami()
        keys = [s.ticket.key for s in desk.poll(None)]
        assert len(keys) == len(set(keys)) > 0
        desk.post_comment(keys[0], "bonjour", public=False)
        assert any(c.body == "bonjour" for c in desk.get(keys[0]).ticket.comments)
        with pytest.raises(NotFound):
            desk.get("NOPE-404")
        assert "requests" not in type(desk.http.transport).__module__


def test_the_urllib3_transport_reads_the_proxy_and_ca_bundle_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")
    assert proxy_for("https://expadon2.atlassian.net") == "http://proxy.internal:3128"
    assert proxy_for("https://jira.internal.example") is None
    assert ca_bundle() == "/etc/ssl/corp.pem"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("HTTPS_PROXY")
    assert proxy_for("https://expadon2.atlassian.net") is None
    assert ca_bundle()  # certifi's, as requests verifies


def test_an_answer_decodes_json_and_refuses_what_is_not() -> None:
    answer = Answer(200, "OK", {"Content-Type": "application/json"}, b'{"a": [1]}')
    assert answer.json() == {"a": [1]}
    with pytest.raises(ValueError, match="Expecting value"):
        Answer(200, "OK", {}, b"<html>").json()
