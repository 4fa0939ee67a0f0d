"""routerbot's exception tree. Vendor errors are translated at the adapters.

::

    RouterbotError
    ├── ConfigError                 bad routing.toml or settings (carries every problem)
    ├── InputError                  a ticket file or argument that cannot be read
    ├── ServiceDeskError            anything the service desk answered or failed to answer
    │   ├── NotFound                404: ticket deleted, wrong key
    │   ├── Forbidden               403: the bot account lacks a permission
    │   ├── AuthenticationError     401: token expired or revoked (stop all writes)
    │   ├── Conflict                400/409/422: the request was refused as it stands
    │   └── TransientError          worth retrying later
    │       ├── RateLimited         429 (or 503 with Retry-After): ``retry_after`` seconds
    │       ├── ServerError         5xx
    │       ├── Interrupted         stopping (SIGTERM): the call was not sent
    │       └── ConnectionLost      timeout or dropped connection
    │           └── AmbiguousWrite  a write was sent but its outcome is unknown
    │                               (``retry_after`` set when a 5xx carried one)
    └── StateStoreError             the state database failed
        └── LeaseLost               another replica owns the ticket now (fencing)

:func:`is_transient` is the one place that decides what is worth a retry.
"""

from __future__ import annotations


class RouterbotError(Exception):
    """Base of every error routerbot raises on purpose."""


class ConfigError(RouterbotError):
    """Invalid configuration. ``problems`` lists each error with its TOML path and line."""

    def __init__(self, problems: list[str] | str, source: str = "") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(self.problems))


class InputError(RouterbotError):
    """Input the user gave us (a file, a ticket key) cannot be used."""


class ServiceDeskError(RouterbotError):
    """The service desk refused or failed a call. Never carries tokens or raw headers."""

    def __init__(
        self, message: str, *, status: int | None = None, method: str = "", path: str = ""
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        where = f" ({method} {path})" if method else ""
        super().__init__(f"{message}{where}")


class NotFound(ServiceDeskError):
    pass


class Forbidden(ServiceDeskError):
    pass


class AuthenticationError(ServiceDeskError):
    pass


class Conflict(ServiceDeskError):
    pass


class TransientError(ServiceDeskError):
    """Worth retrying later. ``retry_after``: seconds the server asked to wait (a 429,
    or a 5xx carrying Retry-After), None when it said nothing."""

    retry_after: float | None = None


class RateLimited(TransientError):
    retry_after: float

    def __init__(self, message: str, *, retry_after: float, **kw: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class ServerError(TransientError):
    pass


class ConnectionLost(TransientError):
    pass


class Interrupted(TransientError):
    """The process is stopping: a wait (Retry-After, backoff, a free slot) was cut short
    and the call was not sent. Redo it after the restart."""


class AmbiguousWrite(ConnectionLost):
    """A write was sent and no answer came back: it may or may not have happened.
    ``retry_after``: the wait a 5xx asked for (None when it asked none)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class StateStoreError(RouterbotError):
    pass


class LeaseLost(StateStoreError):
    """The ticket's lease is gone or its epoch moved on: do not write."""


def is_transient(exc: BaseException) -> bool:
    """True when the same call may succeed later without anyone changing anything."""
    return isinstance(exc, TransientError)
