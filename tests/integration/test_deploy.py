"""The deployment files in deploy/ are valid and name only settings that exist.

Docker has no engine on the CI machines, so the image is not built here; the
checks read the files, run ``systemd-analyze verify`` where it exists, and run the
image's health-check command against a local HTTP server.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "routerbot.service"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "routerbot.env.example"

# The settings the issue names; used only until routerbot.settings exists.
DOCUMENTED_SETTINGS = frozenset(
    {
        "ROUTERBOT_JIRA_URL",
        "ROUTERBOT_JIRA_EMAIL",
        "ROUTERBOT_JIRA_API_TOKEN",
        "ROUTERBOT_STATE_URL",
        "ROUTERBOT_POLL_SECONDS",
        "ROUTERBOT_DRY_RUN",
        "ROUTERBOT_ROUTING_FILE",
        "ROUTERBOT_METRICS_PORT",
        "ROUTERBOT_LOG_LEVEL",
        "ROUTERBOT_LOG_FORMAT",
        "ROUTERBOT_REPLICA_ID",
        "ROUTERBOT_LEASE_SECONDS",
        "ROUTERBOT_RELOAD_SECONDS",
    }
)
# Read by routerbot.settings.load_settings from the environment, not a Settings field.
EXTRA_SETTINGS = frozenset({"ROUTERBOT_SECRETS_DIR"})
SETTING_NAME = re.compile(r"\bROUTERBOT_[A-Z0-9_]+\b")


def _aliases(alias: Any) -> list[str]:
    if alias is None:
        return []
    if isinstance(alias, str):
        return [alias]
    choices = getattr(alias, "choices", None)  # pydantic AliasChoices
    if choices is not None:
        return [c for c in choices if isinstance(c, str)]
    return []


def known_settings() -> frozenset[str]:
    """Environment variable names read by ``routerbot.settings.Settings``."""
    try:
        from routerbot.settings import Settings  # noqa: PLC0415 - may not exist yet
    except ImportError:
        return DOCUMENTED_SETTINGS | EXTRA_SETTINGS
    prefix = str(Settings.model_config.get("env_prefix", "")).upper()
    names: set[str] = set()
    for field_name, field in Settings.model_fields.items():
        aliases = _aliases(field.validation_alias) or _aliases(field.alias)
        if aliases:
            names.update(a.upper() for a in aliases)
        else:
            names.add(prefix + field_name.upper())
    return frozenset(n for n in names if n.startswith("ROUTERBOT_")) | EXTRA_SETTINGS


def _env_example_names() -> set[str]:
    names = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#?\s*(ROUTERBOT_[A-Z0-9_]+)=", line.strip())
        if m:
            names.add(m.group(1))
    return names


def _load_compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with responses (test extra)")
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _unit_directives() -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        directives.setdefault(key.strip(), []).append(value.strip())
    return directives


# --------------------------------------------------------------------------- systemd


def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/routerbot/bin/routerbot run" in text
    # verify checks that ExecStart's binary exists: point a copy at one that does.
    true_bin = shutil.which("true") or "/bin/true"
    copy = tmp_path / "routerbot.service"
    copy.write_text(
        text.replace("ExecStart=/opt/routerbot/bin/routerbot", f"ExecStart={true_bin}"),
        encoding="utf-8",
    )
    result = subprocess.run(
        [tool, "verify", str(copy)], capture_output=True, text=True, check=False, timeout=60
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # verify exits 0 on unknown keys; those are still mistakes.
    problems = [
        line
        for line in output.splitlines()
        if str(copy) in line or "Unknown" in line or "Invalid" in line or "Failed" in line
    ]
    assert problems == []


def test_systemd_unit_runs_hardened_with_its_own_state_directory() -> None:
    d = _unit_directives()
    expected = {
        "DynamicUser": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "StateDirectory": "routerbot",
        "ReadOnlyPaths": "/etc/routerbot",
        "Restart": "on-failure",
        "KillSignal": "SIGTERM",
        "EnvironmentFile": "/etc/routerbot/routerbot.env",
    }
    assert {k: d.get(k, [""])[-1] for k in expected} == expected
    assert "RestartSec" in d
    assert "TimeoutStopSec" in d
    assert any("sqlite:////var/lib/routerbot/" in v for v in d.get("Environment", []))


def test_systemd_unit_names_only_known_settings() -> None:
    names = set(SETTING_NAME.findall(UNIT.read_text(encoding="utf-8")))
    assert names <= known_settings(), names - known_settings()


# --------------------------------------------------------------------------- env example


def test_env_example_names_every_setting_and_only_those() -> None:
    assert _env_example_names() == set(known_settings())


def test_env_example_lines_are_comments_or_assignments() -> None:
    for lineno, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        assert (
            not stripped or stripped.startswith("#") or re.match(r"^[A-Z][A-Z0-9_]*=\S*$", stripped)
        ), f"line {lineno} is neither a comment nor KEY=value: {line!r}"


def test_env_example_starts_in_dry_run() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert re.search(r"^ROUTERBOT_DRY_RUN=true$", text, re.MULTILINE)


# --------------------------------------------------------------------------- compose


def _routerbot_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in compose["services"].items()
        if str(svc.get("image", "")).startswith("routerbot") or "build" in svc
    }


def test_compose_runs_two_replicas_on_healthy_postgres() -> None:
    compose = _load_compose()
    postgres = compose["services"]["postgres"]
    assert "healthcheck" in postgres
    bots = _routerbot_services(compose)
    assert len(bots) == 2
    replica_ids = set()
    for name, svc in bots.items():
        env = svc["environment"]
        assert env["ROUTERBOT_STATE_URL"].startswith("postgresql+psycopg://"), name
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy", name
        assert any(v.endswith(":/etc/routerbot/routing.toml:ro") for v in svc["volumes"]), name
        assert env["ROUTERBOT_ROUTING_FILE"] == "/etc/routerbot/routing.toml"
        replica_ids.add(env["ROUTERBOT_REPLICA_ID"])
    assert len(replica_ids) == 2


def test_compose_names_only_known_settings() -> None:
    compose = _load_compose()
    names: set[str] = set(SETTING_NAME.findall(COMPOSE.read_text(encoding="utf-8")))
    for svc in _routerbot_services(compose).values():
        names.update(svc.get("environment", {}))
    assert names, "the compose file should configure routerbot through ROUTERBOT_* settings"
    assert names <= known_settings(), names - known_settings()


def test_compose_keeps_the_database_password_out_of_the_file() -> None:
    compose = _load_compose()
    password = compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD")


# --------------------------------------------------------------------------- Dockerfile


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_multistage_slim_and_non_root() -> None:
    instructions = _dockerfile_instructions()
    froms = [rest for word, rest in instructions if word == "FROM"]
    assert len(froms) == 2
    assert all(f.startswith("python:3.11-slim") for f in froms)
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and not users[-1].startswith(("root", "0"))
    assert any(word == "HEALTHCHECK" for word, _ in instructions)


def test_dockerfile_bakes_in_no_secret_and_only_known_settings() -> None:
    env_text = " ".join(rest for word, rest in _dockerfile_instructions() if word in {"ENV", "ARG"})
    names = set(SETTING_NAME.findall(env_text))
    assert names <= known_settings(), names - known_settings()
    for secret in ("ROUTERBOT_JIRA_API_TOKEN", "ROUTERBOT_JIRA_EMAIL", "PASSWORD", "TOKEN"):
        assert secret not in env_text


def _healthcheck_code() -> str:
    rest = next(rest for word, rest in _dockerfile_instructions() if word == "HEALTHCHECK")
    m = re.search(r"CMD\s+(\[.*\])", rest)
    assert m, rest
    argv = json.loads(m.group(1))
    assert argv[:2] == ["python", "-c"], argv
    code = argv[2]
    assert isinstance(code, str)
    return code


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200
    heartbeat_age = 1.5

    def do_GET(self) -> None:
        body = json.dumps({"status": "alive", "heartbeat_age_seconds": self.heartbeat_age})
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[int, type[_Health]]]:
    handler = type("Handler", (_Health,), {})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


def _run_healthcheck(port: int, poll_seconds: str = "60") -> int:
    env = dict(os.environ, ROUTERBOT_METRICS_PORT=str(port), ROUTERBOT_POLL_SECONDS=poll_seconds)
    result = subprocess.run(
        [sys.executable, "-c", _healthcheck_code()],
        env=env,
        capture_output=True,
        check=False,
        timeout=30,
    )
    return result.returncode


def test_docker_healthcheck_passes_while_the_loop_beats(
    health_server: tuple[int, type[_Health]],
) -> None:
    port, _ = health_server
    assert _run_healthcheck(port) == 0


def test_docker_healthcheck_fails_when_the_heartbeat_is_stale(
    health_server: tuple[int, type[_Health]],
) -> None:
    port, handler = health_server
    handler.heartbeat_age = 3 * 10 + 121
    assert _run_healthcheck(port, poll_seconds="10") != 0
    assert _run_healthcheck(port, poll_seconds="60") == 0


def test_docker_healthcheck_fails_when_healthz_answers_503(
    health_server: tuple[int, type[_Health]],
) -> None:
    port, handler = health_server
    handler.status = 503
    assert _run_healthcheck(port) != 0


def test_docker_ignore_file_lets_in_what_the_image_copies() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    for needed in ("!pyproject.toml", "!src/**", "!config/routing.toml", "!constraints.txt"):
        assert needed in ignore
    copies = [shlex.split(rest) for word, rest in _dockerfile_instructions() if word == "COPY"]
    sources = {s for c in copies if not c[0].startswith("--from") for s in c[:-1]}
    assert sources == {
        "pyproject.toml",
        "README.md*",
        "CHANGELOG.md",
        "constraints.txt",
        "src",
        "config/routing.toml",
    }


def test_dockerfile_installs_the_tested_dependency_set() -> None:
    runs = [rest for word, rest in _dockerfile_instructions() if word == "RUN"]
    assert any("pip install -c constraints.txt ." in run for run in runs)


def _recipe_lines() -> list[str]:
    """The `install` lines of docs/operators.md's systemd recipe, as written."""
    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    section = text.split("### With systemd", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in section.splitlines() if "install " in line]


def test_systemd_recipe_lets_the_dynamic_user_read_the_rules_but_not_the_secrets() -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to act as the unprivileged dynamic user")
    lines = _recipe_lines()
    assert any("/etc/routerbot/routing.toml" in line for line in lines)
    scratch = Path(tempfile.mkdtemp(prefix="routerbot-recipe-"))
    try:
        scratch.chmod(0o755)  # the scratch root stands for /, which anyone may traverse
        for line in lines:
            if "/etc/systemd/" in line:
                continue  # the unit file itself: read by systemd (root), not by the daemon
            cmd = line.replace(" /etc/", f" {scratch}/etc/")
            subprocess.run(cmd, shell=True, cwd=ROOT, check=True)  # noqa: S602 - the doc's own lines
        (scratch / "etc").chmod(0o755)

        def as_nobody(path: Path) -> int:
            return subprocess.run(
                [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "cat", str(path)],
                capture_output=True,
                check=False,
            ).returncode

        assert as_nobody(scratch / "etc" / "routerbot" / "routing.toml") == 0
        assert as_nobody(scratch / "etc" / "routerbot" / "routerbot.env") != 0  # secrets
    finally:
        shutil.rmtree(scratch)


def test_systemd_unit_keeps_the_config_directory_readable() -> None:
    directives = _unit_directives()
    assert directives["ConfigurationDirectory"] == ["routerbot"]
    assert directives["ConfigurationDirectoryMode"] == ["0755"]
    assert directives["DynamicUser"] == ["yes"]
