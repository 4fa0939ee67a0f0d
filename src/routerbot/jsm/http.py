"""The one call policy for every HTTP call routerbot makes to Jira.

Rules (see ``reliability-research.md`` §1.3 and §3.4):

* every call has a ``(connect, read)`` timeout;
* **reads** (GET, idempotent PUT/DELETE, and the search POST flagged ``idempotent=True``)
  are retried on 429, 5xx, timeouts and dropped connections, with exponential backoff and
  full jitter; a ``Retry-After`` (seconds or HTTP-date; else ``X-RateLimit-Reset``) is a
  **minimum** wait (never scaled down, jitter added on top), clamped to
  ``[min_retry_after, max_retry_after]``;
* **writes** (POST comment, transition, bulk move) are sent **once**:

  - connection refused / connect timeout (nothing was sent) → retried like a read;
  - read timeout or dropped connection after sending → :class:`AmbiguousWrite`;
  - 5xx → :class:`AmbiguousWrite` too (Jira may have committed before failing);
  - 429 → :class:`RateLimited` with ``retry_after`` (rejected before running);

* every HTTP error becomes a :mod:`routerbot.errors` exception whose message holds the
  method, path, status and Jira's own error text — never headers, tokens or the
  ``Authorization`` value (known secrets are also scrubbed from the text);
* **one gate** (:class:`routerbot.jsm.flow.RetryAfterGate`, shared by every thread and,
  through the state store, by every replica): after a 429, or a 5xx carrying
  ``Retry-After`` — on a read or a write — no request of any kind leaves before the wait
  expires; each attempt waits at the gate first, and again once it holds its slot of
  the limit (a 429 may have closed the gate meanwhile);
* **an adaptive limit** (:class:`routerbot.jsm.flow.AdaptiveLimit`): each attempt holds
  one slot while in flight, so concurrent workers never have more than ``limit``
  requests out; a 429 halves it, successes grow it back;
* every wait (gate, backoff, slot) is interruptible: once the ``stop`` event is set it
  raises :class:`~routerbot.errors.Interrupted` instead of sleeping (nothing is sent);
* sleeping goes through an injectable :class:`routerbot.ports.Clock`;
* ``on_response(method, path_template, status, seconds)`` is called once per attempt
  (status ``0`` when no response came back) for metrics;
* clock skew: at most every ``skew_check_seconds``, the ``Date`` header of an answer is
  compared with the local clock and ``on_clock_skew(seconds)`` is called (a gauge);
  beyond ``max_clock_skew`` seconds (plus the header's 1 s precision) a
  ``jsm.clock_skew`` warning is logged at each check. ``Retry-After`` and
  ``X-RateLimit-Reset`` dates are read against that ``Date`` header, not our clock.

Each attempt goes through a transport (:mod:`routerbot.jsm.transport`): a ``urllib3``
pool for the daemon and the commands, or a ``requests.Session`` (what the adapter's
tests mock with ``responses``); either way no hidden retries, no redirects followed, no
``JIRAError`` (whose ``str`` carries headers). :func:`lean_session` turns off the
per-call environment lookups of ``requests`` (``trust_env``: proxies, ``.netrc``, CA
bundle variables, read once instead).
"""

from __future__ import annotations

import base64
import json as jsonlib
import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import structlog

from routerbot.errors import (
    AmbiguousWrite,
    AuthenticationError,
    Conflict,
    ConnectionLost,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    ServiceDeskError,
)
from routerbot.jsm.flow import AdaptiveLimit, GateStore, RetryAfterGate, pause
from routerbot.jsm.transport import NoAnswerError, RequestsTransport, Transport
from routerbot.jsm.wire import error_text
from routerbot.ports import Clock, SystemClock

if TYPE_CHECKING:
    import requests

Response = Any  # a transport.Answer, or a requests.Response (the same attributes)

log = structlog.get_logger(__name__)

OnResponse = Callable[[str, str, int, float], None]
Timeout = float | tuple[float, float]

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How reads are retried. Writes are never retried once sent."""

    max_attempts: int = 5  # first try included
    base_delay: float = 0.5  # backoff: uniform(0, min(max_backoff, base * 2**n))
    max_backoff: float = 30.0
    min_rate_limit_wait: float = 1.0  # a 429 never waits less than this
    min_retry_after: float = 1.0  # Retry-After: 0 is clamped up to this
    max_retry_after: float = 300.0  # and a huge one down to this
    retry_after_jitter: float = 0.1  # fraction of Retry-After added on top (plus up to 0.5 s)


def server_wait_hint(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After`` (delta-seconds or HTTP-date);
    without a usable one, the time until ``X-RateLimit-Reset`` (ISO 8601, when the quota
    window resets — later than needed when both are sent); ``None`` when neither is usable.
    Dates are read against the answer's own ``Date`` header when it has one (the server's
    clock, so a skew between the clocks does not stretch or cut the wait)."""
    served = headers.get("Date")
    if served:
        now = _http_date(served.strip()) or now
    ra = headers.get("Retry-After")
    if ra is not None and ra.strip():
        text = ra.strip()
        try:
            return float(text)
        except ValueError:
            when = _http_date(text)
        if when is not None:
            return (when - now).total_seconds()
    reset = headers.get("X-RateLimit-Reset")
    if reset is not None and reset.strip():
        try:
            when = datetime.fromisoformat(reset.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (when - now).total_seconds()
    return None


def _http_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def lean_session(session: requests.Session, base_url: str) -> requests.Session:
    """Stop ``requests`` from reading the environment on every call (``trust_env``):
    the proxy for ``base_url`` (``HTTPS_PROXY``, ``NO_PROXY``…) and the CA bundle
    (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) are read once, here, instead."""
    import requests  # noqa: PLC0415  # only for the sessions the tests mock

    proxies = requests.utils.get_environ_proxies(base_url)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.trust_env = False
    if proxies:
        session.proxies.update(proxies)
    if bundle and session.verify is True:
        session.verify = bundle
    return session


def _stored_only(on_rate_limit: Callable[[datetime], None]) -> GateStore:
    """A gate store that only remembers (the older ``on_rate_limit`` callback)."""

    def nothing() -> datetime | None:
        return None

    return GateStore(load=nothing, save=on_rate_limit, repair=on_rate_limit)


class JiraHttp:
    """Sends requests to one Jira site under the call policy described in the module doc."""

    def __init__(
        self,
        session: requests.Session | Transport,
        base_url: str,
        *,
        auth: tuple[str, str] | None = None,
        timeout: Timeout = (3.05, 20),
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        on_response: OnResponse | None = None,
        secrets: Sequence[str] = (),
        rng: random.Random | None = None,
        not_before: datetime | None = None,
        on_rate_limit: Callable[[datetime], None] | None = None,
        gate: RetryAfterGate | None = None,
        limit: AdaptiveLimit | None = None,
        stop: threading.Event | None = None,
        on_clock_skew: Callable[[float], None] | None = None,
        max_clock_skew: float = 5.0,
        skew_check_seconds: float = 60.0,
    ) -> None:
        # a requests.Session (it has ``mount``) goes through its own transport
        self.transport: Transport = (
            RequestsTransport(session) if hasattr(session, "mount") else session  # type: ignore[arg-type]
        )
        if auth is None:
            found = getattr(getattr(self.transport, "session", None), "auth", None)
            auth = found if isinstance(found, tuple) and len(found) == 2 else None
        self._auth = auth
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._clock: Clock = clock or SystemClock()
        self._policy = policy or RetryPolicy()
        # The rate-limit gate: nothing is sent before its instant (a Retry-After from any
        # earlier answer, another replica's, or one from before a restart).
        if gate is None:
            gate = RetryAfterGate(
                clock=self._clock,
                stop=stop,
                store=_stored_only(on_rate_limit) if on_rate_limit is not None else None,
                cap_seconds=self._policy.max_retry_after,
                not_before=not_before,
            )
        elif stop is not None:
            gate.stop = stop
        self.gate = gate
        self.limit = limit
        self._on_response = on_response
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._secrets = [s for s in secrets if s and len(s) >= 4]
        self._on_clock_skew = on_clock_skew
        self._max_skew = max_clock_skew
        self._skew_every = skew_check_seconds
        self._skew_checked: float | None = None
        self._skewed = False
        self._headers: dict[str, str] | None = None

    # ------------------------------------------------------------------ public

    def call(
        self,
        method: str,
        template: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one logical call; returns the decoded JSON body (``None`` when empty).

        ``template`` is the path with ``{name}`` placeholders (reported to ``on_response``);
        ``path_params`` fill them, URL-quoted. ``idempotent`` defaults from the method.
        """
        method = method.upper()
        quoted = {k: quote(str(v), safe="") for k, v in (path_params or {}).items()}
        path = template.format(**quoted)
        retryable = method in _IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self._policy.max_attempts
            self.gate.wait(method, path)
            started = time.monotonic()
            try:
                response = self._send(method, path, params, json, headers)
            except NoAnswerError as exc:
                self._report(method, template, 0, started)
                if not retryable and not exc.never_sent:
                    raise AmbiguousWrite(
                        f"no answer after sending ({exc.kind}); the write may have happened",
                        method=method,
                        path=path,
                    ) from None
                if last:
                    raise ConnectionLost(
                        f"no answer after {attempt} attempt(s) ({exc.kind})",
                        method=method,
                        path=path,
                    ) from None
                self._wait(self._backoff(attempt), method, path, 0, attempt)
                continue
            self._report(method, template, response.status_code, started)
            self._check_skew(response)
            status = response.status_code
            if 200 <= status < 300:
                return _decode(response)
            if status == 429 or status >= 500:
                hinted = server_wait_hint(response.headers, self._clock.now()) is not None
                wait = self._retry_wait(response, attempt)
                if status == 429 or hinted:  # reads and writes alike: the whole site waits
                    self.gate.close(wait)
                if status >= 500 and not retryable:  # the write may have been applied
                    raise AmbiguousWrite(
                        self._message(response, "server error on a write"),
                        retry_after=wait if hinted else None,
                        status=status,
                        method=method,
                        path=path,
                    )
                if status == 429 and (not retryable or last):
                    raise RateLimited(
                        self._message(response, "rate limited"),
                        retry_after=wait,
                        status=status,
                        method=method,
                        path=path,
                    )
                if last:
                    raise ServerError(
                        self._message(response, f"server error after {attempt} attempt(s)"),
                        status=status,
                        method=method,
                        path=path,
                    )
                self._wait(wait, method, path, status, attempt)
                continue
            raise self._error(response, method, path, retryable)

    @property
    def not_before(self) -> datetime | None:
        """Nothing is sent before this instant (None: no Retry-After in force)."""
        return self.gate.not_before

    # ------------------------------------------------------------------ internals

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> Response:
        """One attempt, holding a slot of the adaptive limit while it is in flight."""
        limit = self.limit
        if limit is None:
            return self._session_request(method, path, params, json, headers)
        limit.acquire()
        limited = False
        try:
            # A 429 answered to another worker while this one waited for its slot has
            # closed the gate since: wait again, or this request would go out early.
            self.gate.wait(method, path)
            response = self._session_request(method, path, params, json, headers)
            limited = response.status_code == 429
            return response
        finally:
            limit.release(rate_limited=limited)

    def _check_skew(self, response: Response) -> None:
        """Compare the answer's ``Date`` with our clock (at most every ``skew_check_seconds``)."""
        now_mono = time.monotonic()
        if self._skew_checked is not None and now_mono - self._skew_checked < self._skew_every:
            return
        served = response.headers.get("Date")
        when = _http_date(served.strip()) if served else None
        if when is None:
            return
        self._skew_checked = now_mono
        # Date has one-second precision and is stamped before the body is sent: allow 1 s.
        skew = (when - self._clock.now()).total_seconds()
        skewed = abs(skew) > self._max_skew + 1.0
        if skewed:
            log.warning(
                "jsm.clock_skew",
                skew_s=round(skew, 1),
                max_s=self._max_skew,
                detail="Jira's Date header and the local clock disagree: check NTP",
            )
        elif self._skewed:
            log.info("jsm.clock_skew_resolved", skew_s=round(skew, 1))
        self._skewed = skewed
        self._notify_skew(skew)

    def _notify_skew(self, skew: float) -> None:
        if self._on_clock_skew is None:
            return
        try:
            self._on_clock_skew(skew)
        except Exception as exc:  # metrics must never break a call
            log.warning("jsm.metrics_callback_failed", error=type(exc).__name__)

    def _session_request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> Response:
        url = self._base + path
        if params:
            query = urlencode([(k, v) for k, v in params.items() if v is not None], doseq=True)
            url = f"{url}?{query}" if query else url
        sent = self._base_headers()
        if headers:
            sent = {**sent, **headers}
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json, allow_nan=False).encode("utf-8")
            sent = {**sent, "Content-Length": str(len(body))}
        elif method in ("POST", "PUT", "PATCH"):
            sent = {**sent, "Content-Length": "0"}
        return self.transport.send(method, url, sent, body, self._timeout)

    def _base_headers(self) -> Mapping[str, str]:
        """The transport's headers plus the Basic credential, computed on first use."""
        if self._headers is None:
            merged = dict(self.transport.headers)
            if self._auth is not None:
                email, token = self._auth
                merged["Authorization"] = "Basic " + basic_auth_value(str(email), str(token))
            self._headers = merged
        return self._headers

    def _report(self, method: str, template: str, status: int, started: float) -> None:
        if self._on_response is None:
            return
        try:
            self._on_response(method, template, status, time.monotonic() - started)
        except Exception as exc:  # metrics must never break a call
            log.warning("jsm.metrics_callback_failed", error=type(exc).__name__)

    def _backoff(self, attempt: int) -> float:
        p = self._policy
        cap = min(p.max_backoff, p.base_delay * 2 ** (attempt - 1))
        return self._rng.uniform(0, cap)

    def _retry_wait(self, response: Response, attempt: int) -> float:
        p = self._policy
        hint = server_wait_hint(response.headers, self._clock.now())
        if hint is not None:
            base = min(max(hint, p.min_retry_after), p.max_retry_after)
            extra = self._rng.uniform(0, base * p.retry_after_jitter + 0.5)
            return min(base + extra, max(p.max_retry_after, base))
        wait = self._backoff(attempt)
        if response.status_code == 429:
            wait = max(wait, p.min_rate_limit_wait)
        return wait

    def _wait(self, seconds: float, method: str, path: str, status: int, attempt: int) -> None:
        log.info(
            "jsm.retry",
            method=method,
            path=path,
            status=status,
            attempt=attempt,
            wait_s=round(seconds, 3),
        )
        pause(seconds, clock=self._clock, stop=self.gate.stop)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def _message(self, response: Response, prefix: str) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        detail = error_text(body)
        reason = response.reason or ""
        text = f"{prefix}: HTTP {response.status_code} {reason}".rstrip()
        if detail:
            text += f": {detail}"
        return self._scrub(text)

    def _error(
        self, response: Response, method: str, path: str, retryable: bool
    ) -> ServiceDeskError:
        status = response.status_code
        kw: dict[str, Any] = {"status": status, "method": method, "path": path}
        if status == 401:
            return AuthenticationError(self._message(response, "authentication failed"), **kw)
        if status == 403:
            return Forbidden(self._message(response, "forbidden"), **kw)
        if status in (404, 410):
            return NotFound(self._message(response, "not found"), **kw)
        return Conflict(self._message(response, "refused"), **kw)


def _decode(response: Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def basic_auth_value(email: str, token: str) -> str:
    """The base64 ``Basic`` credential, only so it can be scrubbed from any text."""
    return base64.b64encode(f"{email}:{token}".encode()).decode()
