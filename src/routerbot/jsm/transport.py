"""How one HTTP attempt goes on the wire, under :class:`routerbot.jsm.http.JiraHttp`'s
call policy (which decides what is retried, waited for or refused).

Two transports send the same requests (the same headers, body, ``(connect, read)``
timeout, no redirect followed, no retry of their own):

* :class:`Urllib3Transport`, what the daemon and the commands use: one ``urllib3``
  connection pool to the site, the request handed to it as bytes. ``requests`` spent
  about two thirds of the client's CPU per call on its layers (prepared requests,
  cookie jars, hooks, redirect checks, the adapter's per-call TLS context);
  ``benchmarks/bench_http.py`` measures both. The environment is read once: the proxy
  for the site (``HTTPS_PROXY``, ``NO_PROXY``…) and the CA bundle
  (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, else certifi's, as ``requests`` does).
* :class:`RequestsTransport`, a ``requests.Session``: what the adapter's tests mock
  with ``responses`` (and a ``session_hook`` gets).

Either answers an :class:`Answer` (``status_code``, ``reason``, case-insensitive
``headers``, ``content``, ``json()``) or raises :class:`NoAnswerError`, which tells
whether the request can have reached the server (``never_sent``: the connect phase
failed, so even a write may be sent again).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from routerbot import __version__

if TYPE_CHECKING:
    import requests

Timeout = float | tuple[float, float]

POOL_SIZE = 10  # connections kept to the site (the worker pool has at most 8 in flight)


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer, read whole."""

    status_code: int
    reason: str
    headers: Mapping[str, str]  # case-insensitive
    content: bytes

    def json(self) -> Any:
        """The body as JSON (raises ``ValueError`` when it is not)."""
        return json.loads(self.content)


class NoAnswerError(Exception):
    """No answer came back. ``never_sent``: the request cannot have reached the server."""

    def __init__(self, kind: str, *, never_sent: bool) -> None:
        super().__init__(kind)
        self.kind = kind
        self.never_sent = never_sent


class Transport(Protocol):
    """One attempt: ``url`` is absolute, ``headers`` complete (credential included).
    ``headers`` (the attribute) are the ones every request starts from."""

    headers: dict[str, str]

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: Timeout,
    ) -> Answer | Any: ...

    def close(self) -> None: ...


def never_sent(exc: BaseException) -> bool:
    """True when ``exc`` (from ``requests`` or ``urllib3``) says the connect phase failed:
    nothing was sent. Walks the chain of causes the libraries wrap errors in."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError  # noqa: PLC0415

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, NewConnectionError | ConnectTimeoutError):
            return True
        if type(cur).__name__ == "ConnectTimeout" and type(cur).__module__.startswith("requests"):
            return True
        reason = getattr(cur, "reason", None)
        nxt = reason if isinstance(reason, BaseException) else None
        if nxt is None and cur.args and isinstance(cur.args[0], BaseException):
            nxt = cur.args[0]
        cur = nxt or cur.__cause__ or cur.__context__
    return False


def _split_timeout(timeout: Timeout) -> tuple[float, float]:
    if isinstance(timeout, tuple):
        return timeout
    return timeout, timeout


def ca_bundle() -> str | None:
    """The CA bundle ``requests`` would verify the site with (read once)."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        return bundle
    try:
        import certifi  # noqa: PLC0415
    except ImportError:  # the system's store then
        return None
    return str(certifi.where())


def proxy_for(base_url: str) -> str | None:
    """The proxy the environment names for ``base_url`` (none when ``NO_PROXY`` covers
    its host), as ``requests`` reads it."""
    import urllib.request  # noqa: PLC0415

    parts = urlsplit(base_url)
    proxies = urllib.request.getproxies()
    host = parts.hostname or ""
    bypass = getattr(urllib.request, "proxy_bypass_environment", None)  # not in typeshed
    if not proxies or (host and bypass is not None and bypass(host, proxies)):
        return None
    return proxies.get(parts.scheme) or proxies.get("all") or None


class Urllib3Transport:
    """One ``urllib3`` pool to ``base_url`` (through the environment's proxy, if any)."""

    def __init__(self, base_url: str, *, maxsize: int = POOL_SIZE) -> None:
        import urllib3  # noqa: PLC0415

        self._urllib3 = urllib3
        self._errors: tuple[type[BaseException], ...] = (urllib3.exceptions.HTTPError, OSError)
        self._base = base_url.rstrip("/")
        kw: dict[str, Any] = {"maxsize": maxsize, "retries": False, "block": False}
        if urlsplit(self._base).scheme == "https":
            kw.update(cert_reqs="CERT_REQUIRED", ca_certs=ca_bundle())
        proxy = proxy_for(self._base)
        self._manager: Any
        if proxy:
            self._manager = urllib3.ProxyManager(proxy, num_pools=2, **kw)
            self._pool = None  # absolute URLs through the proxy manager
        else:
            self._manager = urllib3.PoolManager(num_pools=2, **kw)
            self._pool = self._manager.connection_from_url(self._base)
        self._timeouts: dict[tuple[float, float], Any] = {}
        self.headers: dict[str, str] = {
            "User-Agent": f"routerbot/{__version__}",
            "Accept-Encoding": "gzip, deflate",
            "Connection": "keep-alive",
        }

    def _timeout(self, timeout: Timeout) -> Any:
        pair = _split_timeout(timeout)
        found = self._timeouts.get(pair)
        if found is None:
            found = self._urllib3.Timeout(connect=pair[0], read=pair[1])
            self._timeouts[pair] = found
        return found

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: Timeout,
    ) -> Answer:
        pool = self._pool
        target = url
        if pool is not None and url.startswith(self._base):
            target = url[len(self._base) :] or "/"
            if not target.startswith("/"):  # another host sharing the prefix
                pool, target = None, url
        opener = pool.urlopen if pool is not None else self._manager.urlopen
        try:
            response = opener(
                method,
                target,
                body=body,
                headers=headers,
                timeout=self._timeout(timeout),
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=True,
                decode_content=True,
            )
        except self._errors as exc:
            raise NoAnswerError(type(exc).__name__, never_sent=never_sent(exc)) from exc
        return Answer(response.status, response.reason or "", response.headers, response.data)

    def close(self) -> None:
        self._manager.clear()


class RequestsTransport:
    """A ``requests.Session`` (its adapter: what ``responses`` mocks)."""

    def __init__(self, session: requests.Session) -> None:
        import requests  # noqa: PLC0415

        self._requests = requests
        self.session = session
        self.headers: dict[str, str] = {
            k: v if isinstance(v, str) else v.decode("latin-1") for k, v in session.headers.items()
        }

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: Timeout,
    ) -> requests.Response:
        # Not Session.request: the request is prepared here from complete headers and
        # handed to Session.send, skipping requests' per-call merging of session
        # settings (a third of the client's CPU per call).
        requests = self._requests
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = url
        prepared.headers = requests.structures.CaseInsensitiveDict(headers)
        prepared.body = body
        prepared.hooks = {"response": []}
        session = self.session
        try:
            return session.send(
                prepared,
                timeout=timeout,
                proxies=session.proxies,
                verify=session.verify,
                cert=session.cert,
                stream=False,
            )
        except requests.RequestException as exc:
            raise NoAnswerError(type(exc).__name__, never_sent=never_sent(exc)) from exc

    def close(self) -> None:
        self.session.close()
