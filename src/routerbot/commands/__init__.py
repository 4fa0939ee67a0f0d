"""The CLI commands (one module each) and what they share: the ``--config`` option."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from routerbot.config import RoutingConfig
    from routerbot.routing_file import RoutingFile

CONFIG_HELP = (
    "the routing file (default: ROUTERBOT_ROUTING_FILE, else ./config/routing.toml, "
    "else the packaged default)"
)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config PATH``, the same in every command that reads routing rules."""
    parser.add_argument("--config", metavar="PATH", default=None, help=CONFIG_HELP)


def routing_for(args: argparse.Namespace, settings: Any = None, *, say: bool = True) -> RoutingFile:
    """The routing file by the one rule (``routerbot.routing_file``), said on stderr.

    ``settings`` (when the command loads them) gives ``ROUTERBOT_ROUTING_FILE`` as
    the settings read it; otherwise the environment and ``.env`` are read directly."""
    from routerbot.routing_file import env_value, locate  # noqa: PLC0415

    env = settings.routing_file if settings is not None else env_value()
    chosen = locate(getattr(args, "config", None), env)
    if say:
        print(chosen.describe(), file=sys.stderr)
    return chosen


def load_routing(path: str | Path) -> RoutingConfig:
    """The routing file at ``path``, validated and compiled, through the cache of
    compiled files (``ROUTERBOT_CACHE_DIR``, :mod:`routerbot.config_cache`)."""
    from routerbot.config_cache import cache_dir, load_config_cached  # noqa: PLC0415

    return load_config_cached(path, cache_dir())
