"""Write ``constraints.txt``: the daemon's tested dependency set, pinned.

``pyproject.toml`` states lower bounds (what the code needs); this file pins the exact
versions the test suite ran with, for every runtime dependency of routerbot and
theirs (transitively, test tools left out). The Dockerfile installs with it, and so
can an operator::

    pip install -c constraints.txt .

Run it from the repository root, in a venv where ``pip install -e '.[test]'`` was
done and the suite passed, after any dependency change::

    python scripts/make_constraints.py            # rewrite constraints.txt
    python scripts/make_constraints.py --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "constraints.txt"
HEADER = """\
# The daemon's tested dependency set: every runtime dependency of routerbot, pinned to
# the version the test suite passed with. Made by scripts/make_constraints.py; do not
# edit by hand. Use: pip install -c constraints.txt .   (the Dockerfile does)
"""


def runtime_closure(root: str = "routerbot") -> dict[str, str]:
    """``{name: version}`` of every distribution ``root`` needs at run time."""
    env = {k: str(v) for k, v in default_environment().items()}
    pins: dict[str, str] = {}
    todo = [(root, frozenset[str]())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # an optional dependency this platform does not install
        if canonicalize_name(name) != "routerbot":
            pins[canonicalize_name(dist.metadata["Name"])] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            wanted = [{**env, "extra": e} for e in extras] or [{**env, "extra": ""}]
            if req.marker is not None and not any(req.marker.evaluate(w) for w in wanted):
                continue
            todo.append((req.name, frozenset(req.extras)))
    return dict(sorted(pins.items()))


def render(pins: dict[str, str]) -> str:
    return HEADER + "".join(f"{name}=={version}\n" for name, version in pins.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if constraints.txt is stale")
    args = parser.parse_args(argv)
    text = render(runtime_closure())
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(
                "constraints.txt is stale: run python scripts/make_constraints.py", file=sys.stderr
            )
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.name}: {text.count('==')} pins")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
