"""Logs, metrics and health endpoints.

* :func:`configure_logging` sets up structlog (and routes the standard library's
  ``logging`` through the same chain): JSON lines when the log stream is not a
  terminal, a readable console otherwise; a :class:`Redactor` that masks secrets
  anywhere in an event (nested values, exception text); tracebacks rendered WITHOUT
  local variables (structlog's stock ``dict_tracebacks`` prints them, tokens included).
* :class:`Metrics` owns its own Prometheus ``CollectorRegistry`` (no global state).
* :class:`Health` tracks liveness and readiness; :class:`ObservabilityServer` serves
  ``/healthz``, ``/readyz`` and ``/metrics`` from a daemon thread (stdlib only).

Nothing here runs at import time.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any
from urllib.parse import quote

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

from routerbot.domain import AddLabel, Decision, InternalNote, PublicReply, Reroute, Transition
from routerbot.ports import Clock, SystemClock

MASK = "***"
SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "password",
        "passwd",
        "token",
        "api_token",
        "jira_api_token",
        "secret",
        "cookie",
        "set-cookie",
    }
)
_PATTERNS = (
    # Authorization: Basic xxx / Bearer xxx (headers, dict reprs, curl dumps)
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:(?:basic|bearer)\s+)?[^\s,'\"}]+"),
    # password=..., token: ..., api_token="..."
    re.compile(
        r"(?i)\b((?:ssl)?(?:password|passwd|api_token|apitoken|api_key|apikey|access_token"
        r"|client_secret|token|secret)['\"]?\s*[=:]\s*['\"]?)"
        r"[^\s&,'\"}]+"
    ),
    # user:password@host in URLs
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(?=@)"),
)
_QUIET_LOGGERS = ("apscheduler", "urllib3", "jira", "requests", "sqlalchemy")


# --------------------------------------------------------------------------- redaction


class Redactor:
    """A structlog processor that masks secret values and secret-looking patterns.

    Value-based (every registered secret, its URL-encoded and ``Basic`` forms) and
    key-based (``authorization``, ``token``, ``password``… keys), recursing into
    nested dicts, lists and exception text.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for value in secrets:
            self.add_secret(value)

    def add_secret(self, value: str) -> None:
        if not value or len(value) < 4:  # masking "a" everywhere would wreck the logs
            return
        self._secrets.add(value)
        self._secrets.add(quote(value, safe=""))
        self._secrets.add(base64.b64encode(value.encode()).decode())

    def add_basic_auth(self, user: str, secret: str) -> None:
        """Register the ``Authorization: Basic`` form of ``user:secret``."""
        if user and secret:
            self.add_secret(base64.b64encode(f"{user}:{secret}".encode()).decode())

    def text(self, value: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, MASK)
        for pattern in _PATTERNS:
            value = pattern.sub(lambda m: m.group(1) + MASK, value)
        return value

    def value(self, obj: Any, depth: int = 0) -> Any:  # noqa: PLR0911  # one return per type
        if depth > 20:
            return MASK
        if obj is None or isinstance(obj, bool | int | float):
            return obj
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, datetime | date):
            return obj.isoformat()
        if isinstance(obj, timedelta):
            return obj.total_seconds()
        if isinstance(obj, Mapping):
            return {
                str(k): (
                    MASK
                    if str(k).lower() in SENSITIVE_KEYS and v not in (None, "")
                    else self.value(v, depth + 1)
                )
                for k, v in obj.items()
            }
        if isinstance(obj, list | tuple | set | frozenset):
            return [self.value(v, depth + 1) for v in obj]
        if isinstance(obj, BaseException):
            return self.text(f"{type(obj).__name__}: {obj}")
        return self.text(str(obj))

    def __call__(self, logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
        out: EventDict = {}
        for key, val in event_dict.items():
            if key.lower() in SENSITIVE_KEYS and val not in (None, ""):
                out[key] = MASK
            elif key == "exc_info":  # rendered later; keep the object for the renderer
                out[key] = val
            else:
                out[key] = self.value(val)
        return out


_active_redactor = Redactor()


def redactor() -> Redactor:
    """The redactor the current logging configuration uses (to register secrets)."""
    return _active_redactor


# --------------------------------------------------------------------------- logging


def _exception_to_text(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    return structlog.processors.format_exc_info(logger, method, event_dict)


def build_processors(fmt: str, *, redact: Redactor, colors: bool = False) -> list[Processor]:
    """The final rendering chain: exceptions (no locals), redaction, renderer."""
    if fmt == "json":
        return [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            redact,
            structlog.processors.JSONRenderer(default=str),
        ]
    return [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        _exception_to_text,  # plain text, no locals, then redacted like the rest
        redact,
        structlog.dev.ConsoleRenderer(
            colors=colors, exception_formatter=structlog.dev.plain_traceback
        ),
    ]


class _HandlerMarker(logging.StreamHandler):  # type: ignore[type-arg]  # stdlib generic
    """Our handler on the root logger, so that re-configuring replaces it."""


def configure_logging(
    *,
    level: str = "INFO",
    fmt: str = "auto",
    secrets: Sequence[str] = (),
    basic_auth: tuple[str, str] | None = None,
    stream: IO[str] | None = None,
) -> Redactor:
    """Configure structlog and stdlib logging once, in the entrypoint.

    ``fmt``: ``json``, ``console`` or ``auto`` (JSON unless ``stream`` is a terminal).
    Returns the :class:`Redactor` in use (more secrets can be added to it later).
    """
    global _active_redactor  # noqa: PLW0603  # the one piece of process-wide logging state
    out = stream if stream is not None else sys.stderr
    is_tty = bool(getattr(out, "isatty", lambda: False)())
    if fmt == "auto":
        fmt = "console" if is_tty else "json"
    redact = Redactor(secrets)
    if basic_auth:
        redact.add_basic_auth(*basic_auth)
    _active_redactor = redact

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=build_processors(fmt, redact=redact, colors=is_tty),
    )
    handler = _HandlerMarker(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _HandlerMarker)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))

    structlog.configure(
        processors=[
            # below the level, an event is dropped before any processing (the daemon
            # logs one info line per ticket: at WARNING it costs nothing)
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    return redact


def get_logger(name: str = "routerbot") -> Any:
    """A structlog logger (configured or not: structlog's defaults print to stdout)."""
    return structlog.get_logger(name)


def ticket_triaged_fields(
    decision: Decision,
    *,
    key: str,
    executed: Sequence[str],
    dry_run: bool,
    config_hash: str,
    outcome: str,
) -> dict[str, Any]:
    """The fields of the one canonical ``ticket.triaged`` line (no ticket text: PII)."""
    return {
        "key": key,
        "category": decision.category.value if decision.category else None,
        "actions": [action_label(a) for a in decision.actions],
        "executed": list(executed),
        "outcome": outcome,
        "reason": decision.skip_reason or decision.reason,
        "skipped": decision.skipped,
        "dry_run": dry_run,
        "faq": decision.reply_faq,  # the FAQ answered in public, if any
        "faq_best": decision.faq_id,  # the best candidate, answered or not
        "faq_confidence": round(decision.faq_confidence, 3),
        "confidence": round(decision.category_confidence, 3),
        "trigger": decision.trigger_id,
        "config_hash": config_hash[:12],
    }


def action_label(action: object) -> str:
    """A short, text-free label for an action: ``reroute:3/84``, ``reply:faq``…"""
    if isinstance(action, Reroute):
        return f"reroute:{action.target}"
    if isinstance(action, PublicReply):
        return f"reply:{action.purpose}" + (f":{action.faq_id}" if action.faq_id else "")
    if isinstance(action, InternalNote):
        return f"note:{action.purpose}"
    if isinstance(action, Transition):
        return f"transition:{action.to}"
    if isinstance(action, AddLabel):
        return f"label:{action.label}"
    return type(action).__name__


# --------------------------------------------------------------------------- metrics


class Metrics:
    """routerbot's Prometheus metrics, in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.tickets = Counter(
            "routerbot_tickets",
            "Tickets handled, by category and action",
            ["category", "action"],
            registry=r,
        )
        self.api_calls = Counter(
            "routerbot_api_calls",
            "Service desk API calls",
            ["method", "endpoint", "status"],
            registry=r,
        )
        self.api_errors = Counter(
            "routerbot_api_errors", "Service desk API calls that failed", ["status"], registry=r
        )
        self.api_seconds = Histogram(
            "routerbot_api_call_seconds", "Service desk API call duration", registry=r
        )
        self.poll_duration = Histogram(
            "routerbot_poll_duration_seconds",
            "Duration of one poll",
            buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=r,
        )
        self.poll_last_success = Gauge(
            "routerbot_poll_last_success_timestamp_seconds",
            "End of the last good poll",
            registry=r,
        )
        self.ledger_backlog = Gauge(
            "routerbot_ledger_backlog",
            "Actions planned or in flight, not yet confirmed",
            registry=r,
        )
        self.breaker_open = Gauge(
            "routerbot_breaker_open",
            "1 while the global public-reply breaker is open",
            registry=r,
        )
        self.config_reloads = Counter(
            "routerbot_config_reloads", "routing.toml reloads by result", ["result"], registry=r
        )
        self.actions = Counter(
            "routerbot_actions",
            "Side effects by kind and outcome",
            ["kind", "outcome"],
            registry=r,
        )
        self.lease_lost = Counter(
            "routerbot_lease_lost",
            "Tickets abandoned because another replica owns them",
            registry=r,
        )
        self.auth_failures = Counter(
            "routerbot_auth_failures", "401 answers from the service desk", registry=r
        )
        self.parked = Counter(
            "routerbot_tickets_parked",
            "Tickets set aside after failing again and again (poison isolation)",
            registry=r,
        )
        self.parked_now = Gauge(
            "routerbot_parked_tickets", "Tickets parked right now (routerbot parked)", registry=r
        )
        self.deferred = Counter(
            "routerbot_replies_deferred",
            "Public replies deferred by the hourly breaker (answered later)",
            registry=r,
        )
        self.replies_held = Counter(
            "routerbot_replies_held",
            "Public replies turned into notes for the agents by a loop guard, by reason "
            "(ticket_cap, same_text, same_reporter)",
            ["reason"],
            registry=r,
        )
        self.clock_skew = Gauge(
            "routerbot_clock_skew_seconds",
            "Jira's Date header minus the local clock (checked once a minute; warned beyond 5 s)",
            registry=r,
        )

    def observe_api_call(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        """The adapter's ``on_response`` callback (``status`` 0 = no answer)."""
        label = str(status) if status else "none"
        self.api_calls.labels(method.upper(), endpoint, label).inc()
        self.api_seconds.observe(max(seconds, 0.0))
        if not status or status >= 400:
            self.api_errors.labels(label).inc()
        if status == 401:
            self.auth_failures.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> float:
        """A sample's current value (0.0 when absent), for tests and the demo."""
        found = self.registry.get_sample_value(name, dict(labels or {}))
        return float(found) if found is not None else 0.0


# --------------------------------------------------------------------------- health


def failure_summary(exc: BaseException) -> str:
    """What failed, for ``/readyz``: the error's kind, HTTP status and route, never the
    upstream body or message (Jira error text, SQL, URLs with credentials)."""
    parts = [type(exc).__name__]
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        parts.append(f"HTTP {status}")
    method, path = getattr(exc, "method", ""), getattr(exc, "path", "")
    if isinstance(method, str) and isinstance(path, str) and method and path:
        parts.append(f"on {method} {path.split('?', 1)[0]}")
    return " ".join(parts)


class Health:
    """Liveness and readiness, fed by the daemon."""

    def __init__(self, *, poll_seconds: float, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self.poll_seconds = poll_seconds
        self.started = self._clock.now()
        self.last_poll_ok: datetime | None = None
        self.last_error: str = ""
        self.auth_ok: bool | None = None
        self.config_ok = True
        self.heartbeat = self.started
        self.startup_problem = ""
        self._details: dict[str, str] = {}

    def set_startup_problem(self, text: str | None) -> None:
        """Why start-up is still waiting (Jira unreachable); None once it is done."""
        with self._lock:
            self.startup_problem = (text or "")[:200]
            if text:
                self.heartbeat = self._clock.now()  # alive: retrying, not stuck

    def set_detail(self, name: str, text: str | None) -> None:
        """A degraded-but-working condition shown in ``/readyz`` (``detail``) without
        making the replica unready: parked tickets, deferred replies. None clears it."""
        with self._lock:
            if text:
                self._details[name] = text[:200]
            else:
                self._details.pop(name, None)

    def details(self) -> dict[str, str]:
        with self._lock:
            return dict(self._details)

    def beat(self) -> None:
        with self._lock:
            self.heartbeat = self._clock.now()

    def poll_succeeded(self) -> None:
        with self._lock:
            self.last_poll_ok = self.heartbeat = self._clock.now()
            self.last_error = ""

    def poll_failed(self, reason: str) -> None:
        with self._lock:
            self.heartbeat = self._clock.now()
            self.last_error = reason[:200]

    def set_auth(self, ok: bool) -> None:
        with self._lock:
            self.auth_ok = ok

    def readiness(self) -> tuple[bool, list[str]]:
        """Ready when the last poll succeeded recently and authentication works."""
        now = self._clock.now()
        window = timedelta(seconds=3 * self.poll_seconds + 30)
        problems = []
        with self._lock:
            if self.startup_problem:
                problems.append(self.startup_problem)
            if self.auth_ok is False:
                problems.append("authentication failed")
            if self.last_poll_ok is None:
                problems.append("no successful poll yet")
            elif now - self.last_poll_ok > window:
                problems.append("last successful poll is too old")
            if self.last_error:
                problems.append(f"last poll failed: {self.last_error}")
            if not self.config_ok:
                problems.append("routing configuration not loaded")
        return not problems, problems

    def liveness(self) -> dict[str, Any]:
        now = self._clock.now()
        with self._lock:
            return {
                "status": "alive",
                "uptime_seconds": round((now - self.started).total_seconds(), 1),
                "heartbeat_age_seconds": round((now - self.heartbeat).total_seconds(), 1),
            }


@dataclass(frozen=True)
class EndpointAuth:
    """Optional credentials for ``/metrics`` and ``/readyz``: a bearer token, or HTTP
    Basic ``user:password``, or both. ``/healthz`` stays open (liveness probes, the
    Docker health check) and says nothing but uptime and heartbeat age."""

    bearer: str = ""
    basic: str = ""  # "user:password"

    @property
    def enabled(self) -> bool:
        return bool(self.bearer or self.basic)

    def allows(self, authorization: str | None) -> bool:
        if not self.enabled:
            return True
        scheme, _, value = (authorization or "").strip().partition(" ")
        value = value.strip()
        if self.bearer and scheme.lower() == "bearer" and value:
            return hmac.compare_digest(value.encode(), self.bearer.encode())
        if self.basic and scheme.lower() == "basic" and value:
            try:
                given = base64.b64decode(value, validate=True)
            except ValueError:
                return False
            return hmac.compare_digest(given, self.basic.encode())
        return False

    def challenge(self) -> str:
        return 'Bearer realm="routerbot"' if self.bearer else 'Basic realm="routerbot"'


PROTECTED_PATHS = frozenset({"/metrics", "/readyz"})


class ObservabilityServer:
    """``/healthz``, ``/readyz`` and ``/metrics`` on a background thread."""

    def __init__(
        self,
        metrics: Metrics,
        health: Health,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        redact: Redactor | None = None,
        auth: EndpointAuth | None = None,
    ) -> None:
        self.metrics = metrics
        self.health = health
        self._host = host
        self._port = port
        self._redact = redact or Redactor()
        self._auth = auth or EndpointAuth()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ObservabilityServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # stdlib naming
                path = self.path.split("?", 1)[0]
                if path in PROTECTED_PATHS and not outer._auth.allows(
                    self.headers.get("Authorization")
                ):
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", outer._auth.challenge())
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path == "/metrics":
                    self._send(200, outer.metrics.render(), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    self._json(200, outer.health.liveness())
                elif path == "/readyz":
                    ok, problems = outer.health.readiness()
                    body = {
                        "status": "ready" if ok else "not ready",
                        "problems": problems,
                        "detail": outer.health.details(),
                    }
                    self._json(200 if ok else 503, body)
                else:
                    self._json(404, {"error": "not found"})

            def _json(self, status: int, body: Mapping[str, Any]) -> None:
                data = json.dumps(outer._redact.value(body)).encode()
                self._send(status, data, "application/json")

            def _send(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Silence the per-request stderr lines."""

        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="routerbot-metrics", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
