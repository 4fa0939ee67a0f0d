"""The compiled routing file, cached on disk between two runs of a command.

``routerbot triage --file`` and ``routerbot eval`` read the routing file, validate it
and build its example index at every start: most of a short command's time. The
result of :func:`routerbot.config.parse_config` (one frozen
:class:`~routerbot.config.RoutingConfig`, its compiled index inside) is kept under
``ROUTERBOT_CACHE_DIR`` (default ``$XDG_CACHE_HOME/routerbot``, else
``~/.cache/routerbot``; empty or ``off``: no cache), one file per key.

The key is a hash of everything the object depends on: the routing file's text and
its path as said (``config.source``), routerbot's version, the size and modification
time of each of its modules (as Python checks its own bytecode cache: an edited
engine never reads an index an older one built), the Python version and this
format's number. A changed file is another key: a stale entry is never used, only
pruned later (the :data:`KEEP` most recent entries stay).

The cache is only ever an optimisation. An entry that cannot be read, is not a
pickle of a config, or was written for other bytes is ignored and the file compiled
again; a directory that cannot be created or written leaves the command as it was
without the cache. Entries are pickles, so one is only read from a directory owned by
the current user and writable by no one else, and only when the file itself is a
regular file of that user's, writable by no one else. An entry is written to a
temporary file and renamed over its final name (readers never see half of one).

The daemon does not use this: it loads its file once and reloads it on change.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from routerbot import __version__

if TYPE_CHECKING:  # pragma: no cover
    from routerbot.config import RoutingConfig

ENV_VAR = "ROUTERBOT_CACHE_DIR"
#: Values of ``ROUTERBOT_CACHE_DIR`` that turn the cache off.
OFF = frozenset({"", "0", "off", "no", "none", "false"})
#: The number of entries kept (a lead editing the file makes one per change).
KEEP = 8
#: Bumped when what an entry holds changes shape in a way the key cannot see.
FORMAT = 1
SUFFIX = ".pickle"
_PACKAGE = Path(__file__).resolve().parent


def cache_dir(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> Path | None:
    """Where entries live, or None when the cache is off.

    ``ROUTERBOT_CACHE_DIR`` from the environment, else from ``.env`` (as the settings
    read it), else ``$XDG_CACHE_HOME/routerbot``, else ``~/.cache/routerbot``."""
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_VAR)
    if value is None:
        env_file = env_file or Path(".env")
        try:
            if env_file.is_file():
                from dotenv import dotenv_values  # noqa: PLC0415 - pydantic-settings' reader

                value = dotenv_values(env_file).get(ENV_VAR)
        except (OSError, UnicodeDecodeError):  # an unreadable .env: as if unset
            value = None
    if value is not None:
        return None if value.strip().lower() in OFF else Path(value).expanduser()
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "routerbot"
    try:
        return Path.home() / ".cache" / "routerbot"
    except (RuntimeError, KeyError):  # no home directory (a service account)
        return None


def load_config_cached(path: str | Path, directory: Path | None) -> RoutingConfig:
    """:func:`routerbot.config.load_config`, through the cache in ``directory`` (None:
    no cache). Raises ``ConfigError`` exactly as ``load_config`` does; the cache never
    raises."""
    from routerbot.config import parse_config, read_routing_text  # noqa: PLC0415

    source = str(Path(path))
    text = read_routing_text(path)
    if directory is None:
        return parse_config(text, source=source)
    key = cache_key(text, source)
    config = read_entry(directory, key, text, source)
    if config is not None:
        return config
    config = parse_config(text, source=source)
    write_entry(directory, key, config)
    return config


def cache_key(text: str, source: str) -> str:
    """The entry name for this text at this path, with this code and this Python."""
    h = hashlib.sha256()
    for part in (
        f"routerbot-config-cache {FORMAT}",
        __version__,
        sys.version,
        sys.implementation.cache_tag or "",
        source,
        _code_fingerprint(),
    ):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(text.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _code_fingerprint() -> str:
    """Each module of the package with its size and modification time."""
    parts: list[str] = []
    for dirpath, dirnames, filenames in os.walk(_PACKAGE):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                parts.append(f"{dirpath}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def _uid() -> int | None:
    """The effective user id, or None where there is none (no cache there)."""
    geteuid = getattr(os, "geteuid", None)
    return None if geteuid is None else int(geteuid())


def _private_dir(directory: Path) -> bool:
    """A directory of the current user's that no one else may write to."""
    try:
        st = os.stat(directory)
    except OSError:
        return False
    return (
        stat.S_ISDIR(st.st_mode)
        and st.st_uid == _uid()
        and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def read_entry(directory: Path, key: str, text: str, source: str) -> RoutingConfig | None:
    """The cached config for ``key``, or None (missing, unsafe, unreadable, corrupt,
    or not the config of this text)."""
    if not _private_dir(directory):
        return None
    try:
        fd = os.open(directory / f"{key}{SUFFIX}", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if (
                not stat.S_ISREG(st.st_mode)
                or st.st_uid != _uid()
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            ):
                return None
            obj = pickle.loads(f.read())  # noqa: S301 - our own file, in our own directory
    except Exception:  # a broken entry is a miss, whatever is wrong with it
        return None
    return obj if _is_config_of(obj, text, source) else None


def _is_config_of(obj: Any, text: str, source: str) -> bool:
    from routerbot.config import RoutingConfig  # noqa: PLC0415

    if not isinstance(obj, RoutingConfig):
        return False
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
    return obj.config_hash == digest and obj.source == source and obj.has_compiled()


def write_entry(directory: Path, key: str, config: RoutingConfig) -> bool:
    """Store ``config`` under ``key`` (atomically); False when it could not be."""
    tmp = ""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private_dir(directory):
            return False
        data = _dumps(config)
        import tempfile  # noqa: PLC0415 - a miss only

        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=SUFFIX, dir=directory)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, directory / f"{key}{SUFFIX}")
        tmp = ""
        _prune(directory)
    except Exception:  # no cache is the worst a failure may cause
        return False
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return True


def _proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _proxy, (dict(proxy),)


def _dumps(config: RoutingConfig) -> bytes:
    import copyreg  # noqa: PLC0415 - a miss only
    import io  # noqa: PLC0415

    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    # the compiled config's read-only mappings (pickle knows no mappingproxy)
    table = copyreg.dispatch_table.copy()
    table[MappingProxyType] = _reduce_proxy
    pickler.dispatch_table = table
    pickler.dump(config)
    return buf.getvalue()


def _prune(directory: Path) -> None:
    """Keep the :data:`KEEP` most recent entries; drop temporary files an interrupted
    writer left behind (older than an hour)."""
    entries: list[tuple[float, Path]] = []
    now = None
    for p in directory.iterdir():
        try:
            mtime = p.stat().st_mtime
        except OSError:
            continue
        if p.name.startswith(".tmp-"):
            import time  # noqa: PLC0415

            now = now or time.time()
            if now - mtime > 3600:
                p.unlink(missing_ok=True)
        elif p.name.endswith(SUFFIX):
            entries.append((mtime, p))
    entries.sort(reverse=True)
    for _mtime, p in entries[KEEP:]:
        p.unlink(missing_ok=True)
