"""Make the trimmed copies of Atlassian's OpenAPI specs that the contract tests read.

The full specs (2.7 MB, 446 paths) stay outside the repository; the contract tests need
only the operations the sandbox serves and the schemas those reach. This script keeps,
from each spec, the path items of the routes ``routerbot.sandbox`` serves (``/rest/api/2``
folded onto the v3 spec), plus the ``EXTRA`` operations the tests call, with only the
served methods, and every ``components`` entry reached from them through ``$ref``
(transitively). It writes them, pretty-printed with sorted keys so that a diff reads,
to ``tests/contract/openapi/``.

Run it again when the sandbox gains a route (``test_every_served_route_is_an_operation_of_a_spec``
says so), from the repository root, with the full specs at hand::

    python scripts/trim_openapi.py --source /path/to/openapi
    python scripts/trim_openapi.py --source /path/to/openapi --check   # exit 1 if stale

``--source`` holds ``jira-platform.swagger-v3.v3.json`` and ``jsm-servicedesk.swagger.v3.json``
as published by Atlassian (see tests/contract/openapi/README.md for their provenance).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "tests" / "contract" / "openapi"
PLATFORM = "jira-platform.swagger-v3.v3.json"
JSM = "jsm-servicedesk.swagger.v3.json"
SD_PREFIX = "/rest/servicedeskapi"

# Operations the tests check that the sandbox does not serve as such (none today; the
# removed /rest/api/3/search is served, with 410, and so comes from the routes).
EXTRA: dict[str, set[tuple[str, str]]] = {PLATFORM: set(), JSM: set()}

# Schemas the tests validate error bodies against when an operation lists none.
EXTRA_REFS: dict[str, list[str]] = {
    PLATFORM: ["#/components/schemas/ErrorCollection"],
    JSM: ["#/components/schemas/ErrorResponse"],
}

# Top-level keys copied as they are; ``paths`` and ``components`` are rebuilt.
KEEP_TOP = ("openapi", "info", "servers", "security", "tags")


def served_operations() -> dict[str, set[tuple[str, str]]]:
    """(path template, method) per spec, from the sandbox's route table."""
    sys.path.insert(0, str(ROOT / "src"))
    from routerbot.sandbox import SandboxModel  # noqa: PLC0415 - only this script needs it
    from routerbot.sandbox.server import SandboxApp  # noqa: PLC0415

    ops: dict[str, set[tuple[str, str]]] = {PLATFORM: set(), JSM: set()}
    app = SandboxApp(SandboxModel(), None, "http://sandbox.invalid")
    for route in app.routes:
        if route.family == "admin":
            continue
        template = route.template.replace("/rest/api/2/", "/rest/api/3/")
        name = JSM if template.startswith(SD_PREFIX) else PLATFORM
        ops[name].add((template, route.method.lower()))
    for name, extra in EXTRA.items():
        ops[name] |= extra
    return ops


def refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` string inside ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(spec: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise SystemExit(f"external $ref not supported: {ref}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def trim(
    spec: dict[str, Any], operations: Iterable[tuple[str, str]], extra_refs: Iterable[str] = ()
) -> dict[str, Any]:
    out: dict[str, Any] = {k: spec[k] for k in KEEP_TOP if k in spec}
    paths: dict[str, Any] = {}
    missing = []
    for template, method in sorted(operations):
        item = spec["paths"].get(template, {})
        if method not in item:
            missing.append(f"{method.upper()} {template}")
            continue
        kept = paths.setdefault(template, {})
        kept[method] = item[method]
        if "parameters" in item:  # path-level parameters apply to every method
            kept["parameters"] = item["parameters"]
    if missing:
        # Not fatal: the contract test names these routes as off-spec, which is its job.
        print(f"not in the spec (left out): {', '.join(missing)}", file=sys.stderr)
    out["paths"] = paths

    seen: set[str] = set()
    todo = [*refs(paths), *extra_refs]
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        todo.extend(refs(resolve(spec, ref)))
    # Security schemes are referenced by name, not by $ref.
    components: dict[str, dict[str, Any]] = {}
    for ref in sorted(seen):
        _, section, *rest = ref[2:].split("/")
        if _ != "components" or len(rest) != 1:
            raise SystemExit(f"unexpected $ref shape: {ref}")
        components.setdefault(section, {})[rest[0]] = resolve(spec, ref)
    schemes = spec.get("components", {}).get("securitySchemes")
    if schemes:
        components["securitySchemes"] = schemes
    out["components"] = components
    return out


def render(trimmed: dict[str, Any], source: bytes, name: str) -> str:
    trimmed = {
        **trimmed,
        "x-routerbot-trimmed": {
            "from": name,
            "sha256": hashlib.sha256(source).hexdigest(),
            "by": "scripts/trim_openapi.py",
        },
    }
    return json.dumps(trimmed, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True, help="folder of the full specs")
    parser.add_argument("--dest", type=Path, default=DEST, help=f"default: {DEST}")
    parser.add_argument("--check", action="store_true", help="exit 1 if the copies are stale")
    args = parser.parse_args(argv)

    stale = []
    for name, operations in served_operations().items():
        raw = (args.source / name).read_bytes()
        text = render(trim(json.loads(raw), operations, EXTRA_REFS[name]), raw, name)
        target = args.dest / name
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        kept = json.loads(text)
        print(
            f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
            f"{len(kept['paths'])} paths, "
            f"{sum(len(v) for v in kept['components'].values())} components, "
            f"{len(text.encode()):,} bytes (from {len(raw):,})"
        )
    if stale:
        print(f"stale: {', '.join(stale)}; run scripts/trim_openapi.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
