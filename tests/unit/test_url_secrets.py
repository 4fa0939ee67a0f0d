"""Every secret a URL can carry is masked, in every output path (issue 11, item 9)."""

from __future__ import annotations

import pytest

from routerbot.observability import Redactor
from routerbot.settings import Settings
from routerbot.store.engine import redact_url
from routerbot.url_secrets import mask_url, url_secrets

CASES = [
    (
        "postgresql+psycopg://bot:s3cret-a@db:5432/routerbot",
        "postgresql+psycopg://bot:***@db:5432/routerbot",
        ["s3cret-a"],
    ),
    (
        "postgresql+psycopg://bot@db/routerbot?password=s3cret-b&sslmode=require",
        "postgresql+psycopg://bot@db/routerbot?password=***&sslmode=require",
        ["s3cret-b"],
    ),
    (
        "postgresql://bot:s3cret-c@db/x?sslpassword=s3cret-d",
        "postgresql://bot:***@db/x?sslpassword=***",
        ["s3cret-c", "s3cret-d"],
    ),
    ("postgresql://bot:p%40ss-e@db/x", "postgresql://bot:***@db/x", ["p%40ss-e", "p@ss-e"]),
    ("postgresql://bot:p@ss-f@db/x", "postgresql://bot:***@db/x", ["p@ss-f"]),
    (
        "https://jira.example/rest?token=t0k-g&x=1",
        "https://jira.example/rest?token=***&x=1",
        ["t0k-g"],
    ),
    ("https://h/cb#access_token=t0k-h", "https://h/cb#access_token=***", ["t0k-h"]),
    (
        "host=db user=bot password=s3cret-i dbname=x",
        "host=db user=bot password=*** dbname=x",
        ["s3cret-i"],
    ),
    ("sqlite:////var/lib/routerbot/state.db", "sqlite:////var/lib/routerbot/state.db", []),
    ("postgresql://db/x?passwordless=1", "postgresql://db/x?passwordless=1", []),
]


@pytest.mark.parametrize(("url", "masked", "secrets"), CASES, ids=[c[0][:40] for c in CASES])
def test_every_secret_form_in_a_url_is_masked(url: str, masked: str, secrets: list[str]) -> None:
    assert mask_url(url) == masked
    assert url_secrets(url) == secrets


def test_the_settings_register_query_string_passwords_for_the_log_redactor() -> None:
    url = "postgresql+psycopg://bot:pw-one@db/x?password=pw-two"
    settings = Settings(_env_file=None, state_url=url)
    assert {"pw-one", "pw-two"} <= set(settings.secrets())
    assert "pw-" not in settings.safe_state_url()


def test_the_store_error_messages_mask_the_query_string_password() -> None:
    assert redact_url("postgresql+psycopg://u@h/db?password=pw-three") == (
        "postgresql+psycopg://u@h/db?password=***"
    )


def test_the_log_redactor_masks_libpq_ssl_passwords_in_free_text() -> None:
    text = Redactor().text('connection failed: sslpassword=pw-four api_key: "pw-five"')
    assert "pw-four" not in text and "pw-five" not in text
