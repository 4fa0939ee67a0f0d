"""The composition root: the ONE place that picks implementations and wires them.

::

    settings = load_settings()
    app = build_app(settings)          # Jira adapter, SQL store, routing config, metrics
    try:
        app.daemon.run()               # or app.service.triage("OPE-12", apply=False)
    finally:
        app.close()

Tests and the demo pass their own ``service_desk``, ``store`` or ``clock``.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from routerbot.config import RoutingConfig, load_config
from routerbot.daemon import ConfigSource, Daemon
from routerbot.errors import ConfigError
from routerbot.observability import (
    Health,
    Metrics,
    ObservabilityServer,
    configure_logging,
    get_logger,
    redactor,
)
from routerbot.ports import Clock, ServiceDesk, StateStore, SystemClock, TicketHistorySource
from routerbot.routing_file import RoutingFile, locate
from routerbot.service import TriageService
from routerbot.settings import (
    DEFAULT_STATE_URL,
    LOOPBACK_HOSTS,
    Settings,
    env_names,
    unknown_variables,
)


def resolve_routing_file(settings: Settings, option: str | Path | None = None) -> RoutingFile:
    """The routing file by the one rule (``routerbot.routing_file``): ``--config`` >
    ``ROUTERBOT_ROUTING_FILE`` > ``./config/routing.toml`` > the packaged default."""
    return locate(option, settings.routing_file)


@dataclass
class App:
    """Everything ``routerbot run``, ``triage`` and ``demo`` need, wired."""

    settings: Settings
    config: RoutingConfig
    service_desk: ServiceDesk
    store: StateStore
    service: TriageService
    daemon: Daemon
    metrics: Metrics
    health: Health
    clock: Clock
    routing_file: Path | None = None
    server: ObservabilityServer | None = None
    _closers: list[Any] = field(default_factory=list)

    def start_metrics_server(self) -> ObservabilityServer | None:
        """Serve /healthz, /readyz and /metrics unless METRICS_PORT is 0."""
        if self.settings.metrics_port == 0 or self.server is not None:
            return self.server
        try:
            self.server = ObservabilityServer(
                self.metrics,
                self.health,
                host=self.settings.metrics_host,
                port=self.settings.metrics_port,
                redact=redactor(),
                auth=self.settings.endpoint_auth(),
            ).start()
        except OSError as exc:  # port in use, address not on this host: one line, exit 2
            variable = "ROUTERBOT_METRICS_HOST" if _bad_host(exc) else "ROUTERBOT_METRICS_PORT"
            reason = exc.strerror or type(exc).__name__
            raise ConfigError([f"{variable}: cannot serve /metrics there ({reason})"]) from None
        if (
            self.settings.metrics_host not in LOOPBACK_HOSTS
            and not self.settings.endpoint_auth().enabled
        ):
            get_logger("routerbot").warning(
                "metrics.unauthenticated",
                host=self.settings.metrics_host,
                hint="set ROUTERBOT_METRICS_TOKEN or ROUTERBOT_METRICS_BASIC_AUTH",
            )
        return self.server

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        for closer in reversed(self._closers):
            closer()
        self._closers.clear()


def _open_store(settings: Settings, clock: Clock | None) -> StateStore:
    from routerbot.store import open_store  # noqa: PLC0415  # SQLAlchemy only when needed

    url = settings.state_url
    if url == DEFAULT_STATE_URL:
        Path("var").mkdir(exist_ok=True)
    return open_store(url, clock=clock)


def _jira(
    settings: Settings,
    config: RoutingConfig,
    clock: Clock,
    metrics: Metrics,
    options: dict[str, Any],
) -> Any:
    from routerbot.jsm.adapter import JiraServiceDesk  # noqa: PLC0415  # urllib3

    settings.require_jira()
    desks = sorted({c.target.service_desk for c in config.categories.values()})
    return JiraServiceDesk(
        settings.jira_url,
        settings.jira_email,
        settings.api_token,
        service_desks=desks,
        timeout=(3.05, settings.jira_timeout),
        overlap=timedelta(seconds=settings.poll_overlap_seconds),
        move_strategy=settings.move_strategy or config.reroute.move_strategy,
        status_names={
            "waiting_for_customer": config.workflow.status_waiting_customer,
            "waiting_for_support": config.workflow.status_waiting_support,
        },
        clock=clock,
        on_response=metrics.observe_api_call,
        **{"transport": "urllib3", **options},
    )


RATE_LIMIT_CURSOR = "jira_not_before"
MAX_REQUESTS_IN_FLIGHT = 8


def gate_refresh_seconds(state_url: str) -> float:
    """How often the Retry-After gate re-reads the store: before every request when the
    store is shared by replicas (PostgreSQL: another replica's 429 must hold this one at
    once, not up to a second later), once a second on SQLite (one process at a time: only
    a restart or a standby taking over reads it, and the start-up read covers that)."""
    return 0.0 if state_url.startswith("postgresql") else 1.0


def _flow_control(
    store: StateStore, clock: Clock, metrics: Metrics, refresh_seconds: float = 1.0
) -> dict[str, Any]:
    """The Retry-After gate shared with every replica through the state store (re-read
    before each burst of requests, so a restarted process or a standby that takes over
    sends nothing before another one's Retry-After expires; the instant is on the
    store's clock, so a replica whose clock runs ahead waits as long), the adaptive limit on
    requests in flight, and the clock-skew gauge. ``build_app`` hands the service's stop
    event to the gate and the limit, so that SIGTERM cuts every wait short."""
    from routerbot.jsm.flow import AdaptiveLimit, GateStore, RetryAfterGate  # noqa: PLC0415

    def load() -> datetime | None:
        return store.get_cursor(RATE_LIMIT_CURSOR)

    def save(until: datetime) -> None:
        store.set_cursor(RATE_LIMIT_CURSOR, until)  # keeps the later instant

    def repair(until: datetime) -> None:
        store.reset_cursor(RATE_LIMIT_CURSOR, until)  # a fast clock's far-future instant

    gate = RetryAfterGate(
        clock=clock,
        store=GateStore(load, save, repair, store.now),
        refresh_seconds=refresh_seconds,
    )
    limit = AdaptiveLimit(initial=4, maximum=MAX_REQUESTS_IN_FLIGHT)
    return {"gate": gate, "limit": limit, "on_clock_skew": metrics.clock_skew.set}


def configure_logging_for(settings: Settings) -> None:
    """Logs as the settings say, with the token (and its Basic form) redacted; then one
    warning per unknown ``ROUTERBOT_*`` variable (a typo would be silently ignored)."""
    configure_logging(
        level=settings.log_level,
        fmt=settings.log_format,
        secrets=settings.secrets(),
        basic_auth=(settings.jira_email, settings.api_token) if settings.api_token else None,
    )
    log = get_logger("routerbot")
    for warning in unknown_variables(env_names()):
        log.warning("settings.unknown_variable", problem=warning)


def _bad_host(exc: OSError) -> bool:
    """An address this host cannot bind (not a port already taken)."""
    return isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL


def _undo_job(
    desk: ServiceDesk, service: TriageService, metrics: Metrics, clock: Clock
) -> Callable[[], object] | None:
    """The periodic read that feeds ``routerbot_agent_undo_total`` (when the service
    desk can also read history: the Jira adapter can, the in-memory model cannot)."""
    if not isinstance(desk, TicketHistorySource):
        return None
    from routerbot.lead import undo  # noqa: PLC0415

    source: TicketHistorySource = desk
    tracker = undo.UndoTracker(
        undo.undo_counter(metrics.registry), service.config, since=clock.now()
    )

    def job() -> object:
        tracker.config = service.config  # follow hot reloads
        return undo.observe_recent_undos(source, tracker, minutes=30)

    return job


def open_state_store(url: str) -> StateStore:
    """The daemon's state store, for a lead's read (``report --html --state-url``)."""
    from routerbot.store import open_store  # noqa: PLC0415  # SQLAlchemy only when needed

    return open_store(url)


def build_history_source(
    settings: Settings, config: RoutingConfig, *, clock: Clock | None = None
) -> TicketHistorySource:
    """The read-only history reader of ``routerbot export`` and ``report``: the Jira
    adapter on the configured desks, no state store, no metrics server."""
    desk: TicketHistorySource = _jira(settings, config, clock or SystemClock(), Metrics(), {})
    return desk


def build_app(
    settings: Settings,
    *,
    service_desk: ServiceDesk | None = None,
    store: StateStore | None = None,
    clock: Clock | None = None,
    config: RoutingConfig | None = None,
    metrics: Metrics | None = None,
    adapter_options: dict[str, Any] | None = None,
    routing: RoutingFile | None = None,
) -> App:
    """Wire adapter + store + config + metrics + logger. Raises ``ConfigError`` early.

    ``adapter_options`` are extra keyword arguments for ``JiraServiceDesk`` (the demo
    shortens the bulk-move polling interval). ``routing`` is the routing file a
    command's ``--config`` chose; without it the one rule picks it from the settings."""
    clock = clock or SystemClock()
    metrics = metrics or Metrics()
    log = get_logger("routerbot")
    red = redactor()
    for secret in settings.secrets():
        red.add_secret(secret)
    if settings.jira_email and settings.api_token:
        red.add_basic_auth(settings.jira_email, settings.api_token)

    source: ConfigSource | None = None
    routing_file: Path | None = None
    if config is None:
        chosen = routing or resolve_routing_file(settings)
        routing_file = chosen.path
        log.info("config.loading", routing_file=str(chosen.path), routing_from=chosen.origin.value)
        source = ConfigSource(routing_file, load_config)
        config = source.load()
    closers: list[Any] = []
    if store is None:
        store = _open_store(settings, None if isinstance(clock, SystemClock) else clock)
        closers.append(store.close)
    if service_desk is None:
        refresh = gate_refresh_seconds(settings.state_url)
        options = {**_flow_control(store, clock, metrics, refresh), **(adapter_options or {})}
        service_desk = _jira(settings, config, clock, metrics, options)
    health = Health(poll_seconds=settings.poll_seconds, clock=clock)
    service = TriageService(
        service_desk,
        store,
        config,
        owner=settings.replica_id,
        clock=clock,
        metrics=metrics,
        lease_seconds=settings.lease_seconds,
        dry_run=settings.dry_run,
    )
    http = getattr(service_desk, "http", None)
    for waiter in (getattr(http, "gate", None), getattr(http, "limit", None)):
        if waiter is not None:
            waiter.stop = service.stopping  # SIGTERM interrupts every wait for Jira
    daemon = Daemon(
        service,
        undo_job=_undo_job(service_desk, service, metrics, clock),
        store=store,
        desk=service_desk,
        metrics=metrics,
        health=health,
        owner=settings.replica_id,
        clock=clock,
        poll_seconds=settings.poll_seconds,
        reload_seconds=settings.reload_seconds,
        followup_seconds=settings.followup_seconds,
        lease_seconds=settings.lease_seconds,
        config_source=source,
        start_from=settings.start_instant(clock.now()),
        workers=settings.workers,
    )
    log.debug(
        "app.built",
        state_url=settings.safe_state_url(),
        routing_file=str(routing_file or ""),
        dry_run=settings.dry_run,
        replica=settings.replica_id,
    )
    return App(
        settings=settings,
        config=config,
        service_desk=service_desk,
        store=store,
        service=service,
        daemon=daemon,
        metrics=metrics,
        health=health,
        clock=clock,
        routing_file=routing_file,
        _closers=closers,
    )
