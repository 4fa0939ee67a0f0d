"""Operational settings: one pydantic-settings object, built once in the entrypoint.

Routing rules live in ``config/routing.toml`` (``routerbot.config``); this module only
holds what changes between deployments: where Jira is, the credentials, where the
state lives, timings. Every variable is prefixed ``ROUTERBOT_`` and may also come from
a ``.env`` file. Secrets may come from the environment, from a ``*_FILE`` variable
naming a file (``ROUTERBOT_JIRA_API_TOKEN_FILE=/run/secrets/jira-token``) or from a
secrets directory (``ROUTERBOT_SECRETS_DIR``, one file per variable, named like the
variable in lower case: ``routerbot_jira_api_token``).

Nothing is read at import time: call :func:`load_settings` (or construct
:class:`Settings` with explicit values, as the demo and the tests do).
"""

from __future__ import annotations

import difflib
import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routerbot.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from routerbot.observability import EndpointAuth
from routerbot.url_secrets import mask_url, url_secrets

ENV_PREFIX = "ROUTERBOT_"
DEFAULT_STATE_URL = "sqlite:///var/routerbot.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SECRET_FIELDS = ("jira_api_token", "metrics_token", "metrics_basic_auth")
MOVE_STRATEGIES = ("bulk_move", "note_only")
#: ROUTERBOT_* variables that are not Settings fields but are read on purpose.
OTHER_VARIABLES = frozenset(
    {
        f"{ENV_PREFIX}SECRETS_DIR",  # read by load_settings
        f"{ENV_PREFIX}CACHE_DIR",  # the compiled routing files of triage/eval (config_cache)
        f"{ENV_PREFIX}CRASH_AT",  # the chaos suite's crash points (routerbot.chaos)
        f"{ENV_PREFIX}TEST_PG_URL",  # the test suite's PostgreSQL server
    }
)


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_start_from(value: str, now: datetime) -> datetime | None:
    """``7d`` / ``12h`` / ``30m`` / ``90s`` before ``now``, an ISO date or date-time
    (UTC when no offset), or ``all`` (None). Raises ``ValueError``."""
    text = value.strip().lower()
    if text in ("all", ""):
        return None
    if text[-1:] in _DURATION_UNITS and text[:-1].replace(".", "", 1).isdigit():
        return now - timedelta(seconds=float(text[:-1]) * _DURATION_UNITS[text[-1]])
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("expected a duration (7d, 12h, 30m), an ISO date, or 'all'") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _default_replica_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(BaseSettings):
    """Every ``ROUTERBOT_*`` variable. See the README's settings table."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
        frozen=True,
    )

    jira_url: str = Field("", description="Base URL of the Jira site (https://…atlassian.net)")
    jira_email: str = Field("", description="E-mail of the bot account")
    jira_api_token: SecretStr | None = Field(None, description="API token of the bot account")
    jira_api_token_file: Path | None = Field(None, description="File holding the API token")
    jira_timeout: float = Field(20.0, gt=0, le=300, description="Read timeout per call (s)")
    poll_overlap_seconds: float = Field(
        600.0, ge=0, description="How far back each poll looks again (search index lag)"
    )
    move_strategy: str = Field("", description="How to move a ticket to another desk")
    workers: int = Field(
        1, ge=1, le=32, description="Tickets handled at once (one lease each; one HTTP gate)"
    )
    start_from: str = Field(
        "7d",
        description="How far back the first poll goes (no cursor yet): 7d, 12h, 30m, "
        "an ISO date, or 'all'",
    )
    state_url: str = Field(DEFAULT_STATE_URL, description="SQLAlchemy URL of the state store")
    poll_seconds: float = Field(60.0, gt=0, description="Seconds between two polls")
    dry_run: bool = Field(False, description="Decide and log, write nothing to Jira")
    routing_file: Path | None = Field(
        None,
        description="Routing rules (TOML); unset: ./config/routing.toml, else the packaged default",
    )
    metrics_port: int = Field(9108, ge=0, le=65535, description="/metrics port; 0 disables")
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address the metrics server binds; anything but loopback is explicit",
    )
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token required on /metrics and /readyz (optional)"
    )
    metrics_basic_auth: SecretStr | None = Field(
        None, description="user:password required on /metrics and /readyz (optional)"
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: Literal["auto", "json", "console"] = Field("auto", description="Log renderer")
    replica_id: str = Field(default_factory=_default_replica_id, min_length=1)
    lease_seconds: float = Field(
        15.0, gt=0, description="Per-ticket and poller lease TTL (heartbeats renew it)"
    )
    reload_seconds: float = Field(30.0, gt=0, description="Seconds between routing.toml checks")
    followup_seconds: float = Field(3600.0, gt=0, description="Seconds between follow-up runs")

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("metrics_basic_auth")
    @classmethod
    def _basic(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and ":" not in value.get_secret_value():
            raise ValueError("must be user:password")
        return value

    @field_validator("move_strategy")
    @classmethod
    def _strategy(cls, value: str) -> str:
        value = value.strip()
        if value and value not in MOVE_STRATEGIES:
            raise ValueError(f"must be one of {', '.join(MOVE_STRATEGIES)} (or unset)")
        return value

    @field_validator("state_url")
    @classmethod
    def _state_url(cls, value: str) -> str:
        from routerbot.store.engine import parse_url  # noqa: PLC0415  # no import cycle

        try:
            parse_url(value)
        except Exception:  # any parse failure: the value itself is never echoed
            raise ValueError(
                "not a database URL (sqlite:///path or postgresql+psycopg://user@host/db)"
            ) from None
        return value

    @field_validator("jira_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an absolute https:// URL")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError("must use https:// (plain http is only allowed on loopback)")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; use JIRA_EMAIL and JIRA_API_TOKEN")
        return value

    @model_validator(mode="after")
    def _token_from_file(self) -> Settings:
        if self.jira_api_token is None and self.jira_api_token_file is not None:
            try:
                text = self.jira_api_token_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                # Only the file name and the OS reason: never the content.
                raise ValueError(
                    f"{ENV_PREFIX}JIRA_API_TOKEN_FILE: cannot be read "
                    f"({exc.strerror or type(exc).__name__})"
                ) from None
            object.__setattr__(self, "jira_api_token", SecretStr(text))
        return self

    # ------------------------------------------------------------------ helpers

    @property
    def api_token(self) -> str:
        """The token's value (for the adapter only; never log it)."""
        return self.jira_api_token.get_secret_value() if self.jira_api_token else ""

    @field_validator("start_from")
    @classmethod
    def _start_from(cls, value: str) -> str:
        parse_start_from(value, datetime.now(UTC))
        return value.strip()

    def start_instant(self, now: datetime) -> datetime | None:
        """Where the first poll starts when there is no cursor (None: all history)."""
        return parse_start_from(self.start_from, now)

    def secrets(self) -> list[str]:
        """Every secret value, for the log redactor."""
        values = [self.api_token, *url_secrets(self.state_url)]
        for secret in (self.metrics_token, self.metrics_basic_auth):
            if secret is not None:
                value = secret.get_secret_value()
                values += [value, value.partition(":")[2]]
        return [v for v in values if v]

    def require_jira(self) -> None:
        """Raise ``ConfigError`` naming every missing Jira variable."""
        missing = [
            f"{ENV_PREFIX}{name.upper()}"
            for name, value in (
                ("jira_url", self.jira_url),
                ("jira_email", self.jira_email),
                ("jira_api_token", self.api_token),
            )
            if not value
        ]
        if missing:
            raise ConfigError([f"{name} is not set" for name in missing])

    def endpoint_auth(self) -> EndpointAuth:
        """The credentials ``/metrics`` and ``/readyz`` require (none by default)."""
        from routerbot.observability import EndpointAuth  # noqa: PLC0415

        return EndpointAuth(
            bearer=self.metrics_token.get_secret_value() if self.metrics_token else "",
            basic=self.metrics_basic_auth.get_secret_value() if self.metrics_basic_auth else "",
        )

    def safe_state_url(self) -> str:
        """The state URL with every secret it carries masked, for logs."""
        return mask_url(self.state_url)


def redact_url_password(url: str) -> str:
    """``postgresql://u:***@h/db?password=***`` for any secret in any URL form."""
    return mask_url(url)


def _problems(exc: ValidationError) -> list[str]:
    """One line per error, naming the variable, never echoing the input value."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else ""
        message = str(err.get("msg", "invalid value"))
        message = message.removeprefix("Value error, ")
        # a model-level check names its variable itself (ROUTERBOT_X: …)
        lines.append(f"{ENV_PREFIX}{field.upper()}: {message}" if field else message)
    return lines


def known_variables() -> frozenset[str]:
    """Every ``ROUTERBOT_*`` name routerbot reads."""
    fields = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    return frozenset(fields | OTHER_VARIABLES)


def unknown_variables(names: Iterable[str]) -> list[str]:
    """One warning per ``ROUTERBOT_*`` name routerbot does not read (a typo is otherwise
    silently ignored), with the closest valid name. Names only, never values."""
    known = known_variables()
    warnings = []
    for name in sorted({n.upper() for n in names}):
        if not name.startswith(ENV_PREFIX) or name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"{name} is not a routerbot setting and is ignored{hint}")
    return warnings


def env_names(env_file: str | Path | None = ".env") -> list[str]:
    """The ``ROUTERBOT_*`` names set in the environment and in ``env_file``."""
    names = [n for n in os.environ if n.upper().startswith(ENV_PREFIX)]
    if env_file and Path(env_file).is_file():
        from dotenv import dotenv_values  # noqa: PLC0415 - pydantic-settings' reader

        names += [n for n in dotenv_values(env_file) if n.upper().startswith(ENV_PREFIX)]
    return names


def load_settings(*, env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Build the settings from the process environment, ``.env`` and secret files.

    ``overrides`` win over every other source (the pydantic-settings initialiser rule).
    Validation errors become :class:`ConfigError` with one line per variable, never
    the value that was refused.
    """
    kwargs: dict[str, Any] = dict(overrides)
    secrets_dir = os.environ.get(f"{ENV_PREFIX}SECRETS_DIR")
    if secrets_dir:
        if not Path(secrets_dir).is_dir():
            raise ConfigError([f"{ENV_PREFIX}SECRETS_DIR: not a directory"])
        kwargs["_secrets_dir"] = secrets_dir
    kwargs["_env_file"] = env_file if env_file and Path(env_file).is_file() else None
    try:
        return Settings(**kwargs)
    except ValidationError as exc:
        raise ConfigError(_problems(exc)) from None
