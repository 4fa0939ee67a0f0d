"""Settings: ROUTERBOT_* variables, .env, secret files, and errors that name the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from routerbot.errors import ConfigError
from routerbot.settings import DEFAULT_STATE_URL, Settings, load_settings

CANARY = "CANARY-token-6b1f0e"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.upper().startswith("ROUTERBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()
    assert settings.poll_seconds == 60
    assert settings.metrics_port == 9108
    assert settings.state_url == DEFAULT_STATE_URL
    assert settings.routing_file is None  # the one rule picks the file (routing_file.py)
    assert settings.dry_run is False
    assert settings.replica_id  # hostname-pid


def test_reads_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTERBOT_JIRA_URL", "https://expadon2.atlassian.net/")
    monkeypatch.setenv("ROUTERBOT_POLL_SECONDS", "15")
    monkeypatch.setenv("ROUTERBOT_DRY_RUN", "true")
    monkeypatch.setenv("ROUTERBOT_METRICS_PORT", "0")
    settings = load_settings()
    assert settings.jira_url == "https://expadon2.atlassian.net"
    assert settings.poll_seconds == 15
    assert settings.dry_run is True
    assert settings.metrics_port == 0


def test_reads_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ROUTERBOT_JIRA_EMAIL=bot@example.org\n", encoding="utf-8")
    assert load_settings().jira_email == "bot@example.org"


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("ROUTERBOT_POLL_SECONDS=5\n", encoding="utf-8")
    monkeypatch.setenv("ROUTERBOT_POLL_SECONDS", "7")
    assert load_settings().poll_seconds == 7


def test_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTERBOT_JIRA_URL", "https://prod.atlassian.net")
    assert load_settings(jira_url="http://127.0.0.1:8080").jira_url == "http://127.0.0.1:8080"


def test_token_read_from_file_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "token"
    secret.write_text(CANARY + "\n", encoding="utf-8")
    monkeypatch.setenv("ROUTERBOT_JIRA_API_TOKEN_FILE", str(secret))
    settings = load_settings()
    assert settings.api_token == CANARY
    assert CANARY not in repr(settings)


def test_token_read_from_secrets_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "routerbot_jira_api_token").write_text(CANARY, encoding="utf-8")
    monkeypatch.setenv("ROUTERBOT_SECRETS_DIR", str(secrets))
    assert load_settings().api_token == CANARY


def test_missing_secrets_dir_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTERBOT_SECRETS_DIR", "/nonexistent/secrets")
    with pytest.raises(ConfigError, match="ROUTERBOT_SECRETS_DIR"):
        load_settings()


def test_unreadable_token_file_is_named_without_content(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ROUTERBOT_JIRA_API_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="JIRA_API_TOKEN_FILE"):
        load_settings()


def test_invalid_values_name_each_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTERBOT_POLL_SECONDS", "-1")
    monkeypatch.setenv("ROUTERBOT_LOG_FORMAT", "xml")
    monkeypatch.setenv("ROUTERBOT_METRICS_PORT", "70000")
    with pytest.raises(ConfigError) as info:
        load_settings()
    text = str(info.value)
    assert "ROUTERBOT_POLL_SECONDS" in text
    assert "ROUTERBOT_LOG_FORMAT" in text
    assert "ROUTERBOT_METRICS_PORT" in text
    assert len(info.value.problems) == 3


def test_error_never_echoes_the_refused_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTERBOT_JIRA_URL", f"https://bot:{CANARY}@expadon2.atlassian.net")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "ROUTERBOT_JIRA_URL" in str(info.value)
    assert CANARY not in str(info.value)


def test_plain_http_refused_except_on_loopback() -> None:
    with pytest.raises(ConfigError, match="https"):
        load_settings(jira_url="http://expadon2.atlassian.net")
    assert load_settings(jira_url="http://127.0.0.1:9000").jira_url == "http://127.0.0.1:9000"


def test_require_jira_lists_missing_variables() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(jira_url="https://x.atlassian.net").require_jira()
    assert "ROUTERBOT_JIRA_EMAIL is not set" in info.value.problems
    assert "ROUTERBOT_JIRA_API_TOKEN is not set" in info.value.problems
    assert not any("JIRA_URL" in p for p in info.value.problems)


def test_state_url_password_is_a_secret_and_masked() -> None:
    settings = Settings(state_url=f"postgresql+psycopg://bot:{CANARY}@db/routerbot")
    assert CANARY in settings.secrets()
    assert CANARY not in settings.safe_state_url()
    assert "bot:***@db" in settings.safe_state_url()


def test_log_level_is_normalised() -> None:
    assert load_settings(log_level="debug").log_level == "DEBUG"
    with pytest.raises(ConfigError, match="ROUTERBOT_LOG_LEVEL"):
        load_settings(log_level="chatty")
