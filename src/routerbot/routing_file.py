"""Which routing file a command uses: one rule, the same in every command.

::

    --config PATH  >  ROUTERBOT_ROUTING_FILE  >  ./config/routing.toml  >  the packaged default

The packaged default is ``routerbot/data/routing.toml`` inside the installed package (in
the wheel). In the repository it is a symbolic link to ``config/routing.toml``, the one
copy people edit, so both are always the same text; a wheel carries its content.

A path given by ``--config`` or ``ROUTERBOT_ROUTING_FILE`` must exist: a typo never falls
back silently to another file. Every command says which file it used and why
(:meth:`RoutingFile.describe`), on stderr or in its first log line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from pathlib import Path

from routerbot.errors import ConfigError

ENV_VAR = "ROUTERBOT_ROUTING_FILE"
LOCAL = Path("config") / "routing.toml"


class Origin(StrEnum):
    """Why this file was chosen (the rule's four steps, in order)."""

    OPTION = "--config"
    ENV = ENV_VAR
    LOCAL = "./config/routing.toml"
    PACKAGED = "packaged default"


@dataclass(frozen=True)
class RoutingFile:
    path: Path
    origin: Origin

    def describe(self) -> str:
        return f"routing file: {self.path} (from {self.origin.value})"


def packaged_routing_file() -> Path:
    """The default shipped inside the package."""
    return Path(str(files("routerbot") / "data" / "routing.toml"))


def env_value(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> str:
    """``ROUTERBOT_ROUTING_FILE`` from the environment, else from ``.env`` (as Settings
    reads it), for the commands that need no other setting."""
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_VAR, "")
    if value:
        return value
    env_file = env_file or Path(".env")
    if env_file.is_file():
        from dotenv import dotenv_values  # noqa: PLC0415 - pydantic-settings' own reader

        return dotenv_values(env_file).get(ENV_VAR) or ""
    return ""


def locate(
    option: str | Path | None = None,
    env: str | Path | None = None,
    *,
    cwd: Path | None = None,
) -> RoutingFile:
    """Apply the rule. ``option`` is ``--config``; ``env`` the value of
    ``ROUTERBOT_ROUTING_FILE`` (``settings.routing_file``, or :func:`env_value`)."""
    for value, origin in ((option, Origin.OPTION), (env, Origin.ENV)):
        if value is None or str(value) == "":
            continue
        path = Path(value)
        if not path.is_file():
            reason = "is a directory" if path.is_dir() else "does not exist"
            raise ConfigError([f"{origin.value}: {path} {reason}"])
        return RoutingFile(path, origin)
    local = (cwd or Path.cwd()) / LOCAL
    if local.is_file():
        return RoutingFile(LOCAL if cwd is None else local, Origin.LOCAL)
    packaged = packaged_routing_file()
    if not packaged.is_file():  # pragma: no cover - a broken installation
        raise ConfigError([f"the packaged default {packaged} is missing"])
    return RoutingFile(packaged, Origin.PACKAGED)
