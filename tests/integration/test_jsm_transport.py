"""The call policy over real sockets: what `requests` actually raises when a server refuses,
drops or stalls, classified as never-sent (safe to retry) or ambiguous (maybe applied)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from tests.fakes import FakeClock

from routerbot.errors import AmbiguousWrite, ConnectionLost
from routerbot.jsm.adapter import JiraServiceDesk
from routerbot.jsm.http import RetryPolicy


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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def desk_at(port: int, clock: FakeClock) -> JiraServiceDesk:
    return JiraServiceDesk(
        f"http://127.0.0.1:{port}",
        "routerbot@example.org",
        "tok-transport",
        clock=clock,
        timeout=(0.5, 0.3),
        retry_policy=RetryPolicy(max_attempts=3),
    )


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


def test_refused_connection_is_retried_even_for_a_comment(closed_port: int, clock: FakeClock):
    with pytest.raises(ConnectionLost) as info:
        desk_at(closed_port, clock).post_comment("OPE-1", "x", public=True)
    assert not isinstance(info.value, AmbiguousWrite)
    assert len(clock.sleeps) == 2  # three attempts, nothing was ever sent


def test_connection_dropped_after_a_comment_was_sent_is_ambiguous_and_sent_once(
    dropping: RudeServer, clock: FakeClock
):
    with pytest.raises(AmbiguousWrite):
        desk_at(dropping.port, clock).post_comment("OPE-1", "x", public=True)
    assert dropping.requests == 1


def test_no_answer_to_a_comment_within_the_read_timeout_is_ambiguous_and_sent_once(
    stalling: RudeServer, clock: FakeClock
):
    with pytest.raises(AmbiguousWrite):
        desk_at(stalling.port, clock).post_comment("OPE-1", "x", public=True)
    assert stalling.requests == 1


def test_dropped_read_is_retried_up_to_the_attempt_limit(dropping: RudeServer, clock: FakeClock):
    with pytest.raises(ConnectionLost):
        desk_at(dropping.port, clock).whoami()
    assert dropping.requests == 3
