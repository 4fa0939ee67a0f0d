"""Logging (redaction, JSON, tracebacks without locals), metrics and health endpoints."""

from __future__ import annotations

import base64
import io
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import structlog
from tests.fakes import FakeClock

from routerbot.domain import Category, Decision, InternalNote, Population, PublicReply, Target
from routerbot.observability import (
    MASK,
    Health,
    Metrics,
    ObservabilityServer,
    Redactor,
    configure_logging,
    get_logger,
    ticket_triaged_fields,
)

CANARY = "CANARY-5f2d7a1e-token"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(
        level="DEBUG",
        fmt="json",
        secrets=[CANARY],
        basic_auth=("bot@example.org", CANARY),
        stream=stream,
    )
    yield stream
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler).__name__ == "_HandlerMarker":
            root.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_redactor_masks_secret_values_in_nested_structures() -> None:
    redact = Redactor([CANARY])
    out = redact.value({"a": [{"b": f"x {CANARY} y"}], "c": (CANARY,)})
    assert CANARY not in json.dumps(out)
    assert out["a"][0]["b"] == f"x {MASK} y"


def test_redactor_masks_sensitive_keys_and_patterns() -> None:
    redact = Redactor()
    out = redact.value(
        {
            "headers": {"Authorization": "Basic abc", "Accept": "json"},
            "text": "password=hunter22 and token: s3cr3t&x=1",
            "url": "postgresql://bot:pa55word@db/rb",
        }
    )
    assert out["headers"] == {"Authorization": MASK, "Accept": "json"}
    assert "hunter22" not in out["text"]
    assert "s3cr3t" not in out["text"]
    assert "pa55word" not in out["url"]
    assert out["url"].endswith("@db/rb")


def test_redactor_masks_basic_auth_header_form() -> None:
    redact = Redactor()
    redact.add_basic_auth("bot@example.org", CANARY)
    encoded = base64.b64encode(f"bot@example.org:{CANARY}".encode()).decode()
    assert encoded not in redact.text(f"sent {encoded}")


def test_json_log_line_never_contains_the_token(log_stream: io.StringIO) -> None:
    get_logger().info("jira.call", url=f"https://x/?token={CANARY}", detail={"k": [CANARY]})
    logging.getLogger("urllib3").warning("header Authorization: Bearer %s", CANARY)
    assert CANARY not in log_stream.getvalue()
    assert _lines(log_stream)[0]["event"] == "jira.call"


def test_traceback_is_logged_without_local_variables(log_stream: io.StringIO) -> None:
    def leaky() -> None:
        api_token = CANARY  # a local the stock dict_tracebacks would print
        raise RuntimeError("boom " + api_token[:3])

    try:
        leaky()
    except RuntimeError:
        get_logger().exception("poll.failed")
    text = log_stream.getvalue()
    assert CANARY not in text
    line = _lines(log_stream)[0]
    assert line["event"] == "poll.failed"
    frames = line["exception"][0]["frames"]  # type: ignore[index]  # JSON structure
    assert frames and all("locals" not in f or not f["locals"] for f in frames)


def test_exception_message_with_token_is_redacted(log_stream: io.StringIO) -> None:
    try:
        raise ValueError(f"bad header Authorization: Basic {CANARY}")
    except ValueError:
        get_logger().exception("x")
    assert CANARY not in log_stream.getvalue()


def test_console_format_also_redacts() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="console", secrets=[CANARY], stream=stream)
    try:
        try:
            raise KeyError(CANARY)
        except KeyError:
            get_logger().exception("oops", value=CANARY)
    finally:
        structlog.reset_defaults()
    assert "oops" in stream.getvalue()
    assert CANARY not in stream.getvalue()


def test_auto_format_is_json_when_not_a_terminal(log_stream: io.StringIO) -> None:
    stream = io.StringIO()
    configure_logging(fmt="auto", stream=stream)
    get_logger().info("hello", n=1)
    assert json.loads(stream.getvalue().splitlines()[0])["n"] == 1


def test_canonical_line_fields_carry_no_ticket_text() -> None:
    decision = Decision(
        key="EXP-1",
        category=Category.ASSISTANCE_OPERATEUR,
        category_confidence=0.91,
        population=Population.OPERATEUR,
        target=Target("3", "86"),
        actions=(
            PublicReply("Bonjour, voici la réponse", faq_id="nous-contacter"),
            InternalNote("secret internal text"),
        ),
        faq_id="nous-contacter",
        faq_confidence=0.88,
        reason="faq match",
    )
    fields = ticket_triaged_fields(
        decision,
        key="EXP-1",
        executed=["reply:faq"],
        dry_run=True,
        config_hash="ab" * 32,
        outcome="dry_run",
    )
    assert fields["actions"] == ["reply:faq:nous-contacter", "note:note"]
    assert fields["category"] == "assistance_operateur"
    assert fields["dry_run"] is True
    assert "Bonjour" not in json.dumps(fields)


def test_metrics_use_their_own_registry_and_render() -> None:
    first, second = Metrics(), Metrics()
    first.tickets.labels("habilitation", "reply").inc()
    first.observe_api_call("post", "/rest/servicedeskapi/request/{key}/comment", 201, 0.1)
    first.observe_api_call("get", "/rest/api/3/search/jql", 429, 0.1)
    text = first.render().decode()
    assert 'routerbot_tickets_total{action="reply",category="habilitation"} 1.0' in text
    assert first.value("routerbot_api_errors_total", {"status": "429"}) == 1
    assert (
        second.value("routerbot_tickets_total", {"category": "habilitation", "action": "reply"})
        == 0
    )
    for name in (
        "routerbot_poll_duration_seconds",
        "routerbot_ledger_backlog",
        "routerbot_breaker_open",
        "routerbot_config_reloads_total",
    ):
        assert name in text or name.removesuffix("_total") in text


def test_readiness_needs_a_recent_poll_and_working_auth() -> None:
    clock = FakeClock()
    health = Health(poll_seconds=10, clock=clock)
    assert health.readiness()[0] is False
    health.set_auth(True)
    health.poll_succeeded()
    assert health.readiness() == (True, [])
    clock.sleep(3 * 10 + 31)
    assert "last successful poll is too old" in health.readiness()[1]
    health.poll_succeeded()
    health.set_auth(False)
    assert health.readiness()[1] == ["authentication failed"]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310  # loopback test
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_server_serves_health_readiness_and_metrics() -> None:
    metrics, health = Metrics(), Health(poll_seconds=5)
    server = ObservabilityServer(metrics, health, port=0).start()
    try:
        assert _get(server.url + "/healthz")[0] == 200
        status, body = _get(server.url + "/readyz")
        assert status == 503
        assert "no successful poll yet" in body
        health.set_auth(True)
        health.poll_succeeded()
        assert _get(server.url + "/readyz")[0] == 200
        metrics.breaker_open.set(1)
        status, text = _get(server.url + "/metrics")
        assert status == 200
        assert "routerbot_breaker_open 1.0" in text
        assert _get(server.url + "/nope")[0] == 404
    finally:
        server.stop()


def test_triaged_line_names_the_answered_faq_apart_from_an_unanswered_best_guess() -> None:
    guess_only = Decision(
        key="EXP-2",
        category=Category.ASSISTANCE_OPERATEUR,
        category_confidence=0.9,
        population=Population.OPERATEUR,
        target=Target("3", "86"),
        actions=(InternalNote("candidats"),),
        faq_id="modeles-en-ligne",
        faq_confidence=0.5,
        reason="no FAQ answer sure enough",
    )
    fields = ticket_triaged_fields(
        guess_only, key="EXP-2", executed=[], dry_run=False, config_hash="c" * 64, outcome="done"
    )
    assert fields["faq"] is None
    assert fields["faq_best"] == "modeles-en-ligne"


def test_an_event_below_the_level_is_dropped_before_any_processing() -> None:
    stream = io.StringIO()
    configure_logging(level="WARNING", fmt="json", stream=stream)
    try:
        # the level filter comes first: the timestamp, the level name and the rest of
        # the chain are not computed for the daemon's per-ticket info lines
        assert structlog.get_config()["processors"][0] is structlog.stdlib.filter_by_level
        log = get_logger("routerbot.test")
        log.info("ticket.triaged", key="OPE-1")
        log.warning("ticket.pending", key="OPE-2")
        assert [line["event"] for line in _lines(stream)] == ["ticket.pending"]
    finally:
        structlog.reset_defaults()
        root = logging.getLogger()
        for handler in list(root.handlers):
            if type(handler).__name__ == "_HandlerMarker":
                root.removeHandler(handler)
