"""The metrics server: loopback unless told otherwise, and optional credentials
(issue 11, item 10)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from routerbot.errors import ConfigError
from routerbot.observability import EndpointAuth, Health, Metrics, ObservabilityServer
from routerbot.settings import Settings, load_settings


def test_the_metrics_server_binds_loopback_by_default() -> None:
    assert Settings(_env_file=None).metrics_host == "127.0.0.1"


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ObservabilityServer] = []

    def start(auth: EndpointAuth) -> str:
        server = ObservabilityServer(Metrics(), Health(poll_seconds=60), auth=auth).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def _get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=5)


def test_a_bearer_token_guards_metrics_and_readiness_not_liveness(serve: Any) -> None:
    url = serve(EndpointAuth(bearer="metrics-t0ken"))
    for path in ("/metrics", "/readyz"):
        denied = _get(url + path)
        assert denied.status_code == 401
        assert denied.headers["WWW-Authenticate"].startswith("Bearer")
        assert _get(url + path, Authorization="Bearer wrong").status_code == 401
        assert _get(url + path, Authorization="Bearer metrics-t0ken").status_code in (200, 503)
    assert _get(url + "/healthz").status_code == 200  # probes and the Docker health check


def test_basic_auth_guards_metrics(serve: Any) -> None:
    url = serve(EndpointAuth(basic="prom:s3cret"))
    good = base64.b64encode(b"prom:s3cret").decode()
    bad = base64.b64encode(b"prom:nope").decode()
    assert _get(url + "/metrics").status_code == 401
    assert _get(url + "/metrics", Authorization=f"Basic {bad}").status_code == 401
    assert _get(url + "/metrics", Authorization="Basic %%%").status_code == 401
    assert _get(url + "/metrics", Authorization=f"Basic {good}").status_code == 200


def test_without_credentials_configured_every_endpoint_is_open(serve: Any) -> None:
    url = serve(EndpointAuth())
    assert _get(url + "/metrics").status_code == 200


def test_the_settings_give_the_server_its_credentials_and_the_redactor_the_secrets() -> None:
    settings = Settings(
        _env_file=None,
        metrics_token=SecretStr("tok-metrics-1"),
        metrics_basic_auth=SecretStr("prom:pw-metrics-2"),
    )
    auth = settings.endpoint_auth()
    assert (auth.bearer, auth.basic) == ("tok-metrics-1", "prom:pw-metrics-2")
    assert {"tok-metrics-1", "pw-metrics-2"} <= set(settings.secrets())


def test_basic_auth_without_a_colon_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROUTERBOT_METRICS_BASIC_AUTH", "justapassword")
    with pytest.raises(ConfigError) as info:
        load_settings(env_file=None)
    assert info.value.problems == ["ROUTERBOT_METRICS_BASIC_AUTH: must be user:password"]
