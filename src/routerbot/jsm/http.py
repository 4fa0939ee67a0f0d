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
* sleeping goes through an injectable :class:`routerbot.ports.Clock`;
* ``on_response(method, path_template, status, seconds)`` is called once per attempt
  (status ``0`` when no response came back) for metrics.

The session is the ``requests.Session`` built by pycontribs ``jira.JIRA`` (basic auth,
JSON headers). Calls go through :meth:`requests.Session.request` directly, bypassing
``ResilientSession``'s retry loop and its ``JIRAError`` (whose ``str`` carries headers).
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
import structlog
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

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
from routerbot.jsm.wire import error_text
from routerbot.ports import Clock, SystemClock

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
    window resets — later than needed when both are sent); ``None`` when neither is usable."""
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


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (connect phase failed)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, NewConnectionError | ConnectTimeoutError):
            return True
        reason = getattr(cur, "reason", None)
        nxt = reason if isinstance(reason, BaseException) else None
        if nxt is None and cur.args and isinstance(cur.args[0], BaseException):
            nxt = cur.args[0]
        cur = nxt or cur.__cause__ or cur.__context__
    return False


class JiraHttp:
    """Sends requests to one Jira site under the call policy described in the module doc."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        timeout: Timeout = (3.05, 20),
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        on_response: OnResponse | None = None,
        secrets: Sequence[str] = (),
        rng: random.Random | None = None,
        not_before: datetime | None = None,
        on_rate_limit: Callable[[datetime], None] | None = None,
    ) -> None:
        self._session = session
        # The rate-limit gate: nothing is sent before this instant (a Retry-After from
        # any earlier answer, possibly from before a restart: see ``on_rate_limit``).
        self._not_before = not_before
        self._on_rate_limit = on_rate_limit
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._clock: Clock = clock or SystemClock()
        self._policy = policy or RetryPolicy()
        self._on_response = on_response
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._secrets = [s for s in secrets if s and len(s) >= 4]

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
            self._await_gate(method, path)
            started = time.monotonic()
            try:
                response = self._session_request(method, path, params, json, headers)
            except requests.RequestException as exc:
                self._report(method, template, 0, started)
                if not retryable and not _never_sent(exc):
                    raise AmbiguousWrite(
                        f"no answer after sending ({type(exc).__name__}); the write may have "
                        "happened",
                        method=method,
                        path=path,
                    ) from None
                if last:
                    raise ConnectionLost(
                        f"no answer after {attempt} attempt(s) ({type(exc).__name__})",
                        method=method,
                        path=path,
                    ) from None
                self._wait(self._backoff(attempt), method, path, 0, attempt)
                continue
            self._report(method, template, response.status_code, started)
            status = response.status_code
            if 200 <= status < 300:
                return _decode(response)
            if status == 429 or (status >= 500 and retryable):
                wait = self._retry_wait(response, attempt)
                if status == 429 or server_wait_hint(response.headers, self._clock.now()):
                    self._close_gate(wait)
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
        return self._not_before

    # ------------------------------------------------------------------ internals

    def _close_gate(self, seconds: float) -> None:
        until = self._clock.now() + timedelta(seconds=seconds)
        if self._not_before is None or until > self._not_before:
            self._not_before = until
            if self._on_rate_limit is not None:
                try:
                    self._on_rate_limit(until)
                except Exception as exc:  # remembering the wait must not break the call
                    log.warning("jsm.rate_limit_callback_failed", error=type(exc).__name__)

    def _await_gate(self, method: str, path: str) -> None:
        if self._not_before is None:
            return
        remaining = (self._not_before - self._clock.now()).total_seconds()
        if remaining > 0:
            log.info("jsm.rate_limit_wait", method=method, path=path, wait_s=round(remaining, 3))
            self._clock.sleep(remaining)

    def _session_request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> requests.Response:
        # requests.Session.request, not ResilientSession.request: no hidden retries, no
        # JIRAError, no header dumps in the library's logs.
        return requests.Session.request(
            self._session,
            method,
            self._base + path,
            params=dict(params) if params else None,
            json=json,
            headers=dict(headers) if headers else None,
            timeout=self._timeout,
        )

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

    def _retry_wait(self, response: requests.Response, attempt: int) -> float:
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
        self._clock.sleep(seconds)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def _message(self, response: requests.Response, prefix: str) -> str:
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
        self, response: requests.Response, method: str, path: str, retryable: bool
    ) -> ServiceDeskError:
        status = response.status_code
        kw: dict[str, Any] = {"status": status, "method": method, "path": path}
        if status == 401:
            return AuthenticationError(self._message(response, "authentication failed"), **kw)
        if status == 403:
            return Forbidden(self._message(response, "forbidden"), **kw)
        if status in (404, 410):
            return NotFound(self._message(response, "not found"), **kw)
        if status >= 500:  # a write that failed on the server: it may have been applied
            exc = AmbiguousWrite(self._message(response, "server error on a write"), **kw)
            if server_wait_hint(response.headers, self._clock.now()) is not None:
                # 503 + Retry-After: honour it like a 429 (no request before it expires)
                setattr(exc, "retry_after", self._retry_wait(response, 1))  # noqa: B010
            return exc
        return Conflict(self._message(response, "refused"), **kw)


def _decode(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def basic_auth_value(email: str, token: str) -> str:
    """The base64 ``Basic`` credential, only so it can be scrubbed from any text."""
    return base64.b64encode(f"{email}:{token}".encode()).decode()
