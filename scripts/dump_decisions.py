"""Dump every decision the engine makes on the shipped labelled tickets, to compare two
versions of the engine (a speed change must not change one decision).

    python scripts/dump_decisions.py OUT.jsonl [--root PATH] [--unique N] [--seed S]

One JSON line per ticket: the actions (kind and every field), category, population,
target, FAQ id and reply, browser, login failure, skip reason, reason, signals,
candidates and explanation, every float rounded to 3 decimals. The tickets: every
``*.jsonl`` under ``tests/data/`` (the labelled sets and families), the sandbox's seed
and the documentation's example week (what ``routerbot eval`` is run on), and ``N``
tickets of the benchmark corpus (``benchmarks/corpus.py``: the development tickets
with a greeting, reference, sign-off, person and company of their own; 2,000 by
default). Then one line per distinct text of those tickets with what the text layer
reads in it (``split_body``, ``normalise``, ``extract_browser``, ``is_auto_reply``):
stricter than the decisions, to see where a difference starts.

``--root`` reads the data and ``config/routing.toml`` of another checkout; the engine
is whichever ``routerbot`` Python imports (``PYTHONPATH=OTHER/src`` for another one),
named on the first line. To compare with main::

    git archive main | tar -x -C /tmp/ref
    PYTHONPATH=/tmp/ref/src python scripts/dump_decisions.py /tmp/ref.jsonl --root /tmp/ref
    python scripts/dump_decisions.py /tmp/new.jsonl --root /tmp/ref --against /tmp/ref.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def plain(value: Any) -> Any:  # noqa: PLR0911 - one return per kind of value
    """A decision (or any part of it) as JSON values, floats rounded to 3 decimals."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"kind": type(value).__name__}
        out.update({f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)})
        return out
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # NamedTuple
        return {k: plain(v) for k, v in zip(value._fields, value, strict=True)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def labelled_files(root: Path) -> list[Path]:
    files = sorted((root / "tests" / "data").rglob("*.jsonl"))
    for extra in ("src/routerbot/sandbox/seed.jsonl", "docs/examples/week.jsonl"):
        if (root / extra).is_file():
            files.append(root / extra)
    return files


def rows(root: Path, unique: int) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in labelled_files(root):
        name = str(path.relative_to(root))
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield name, json.loads(line)
    if unique:
        sys.path.insert(0, str(root / "benchmarks"))
        from corpus import unique_rows  # noqa: PLC0415 - the benchmark's own corpus

        for row in unique_rows(unique, seed=3, prefix="DEC"):
            yield "benchmarks/corpus.py", row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="where to write the JSON lines")
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose data is read")
    parser.add_argument("--unique", type=int, default=2000, help="benchmark-corpus tickets")
    parser.add_argument(
        "--against", metavar="REF.jsonl", help="then compare with this dump: exit 1 on a difference"
    )
    parser.add_argument("--seed", default="0", help="PYTHONHASHSEED (default 0), see below")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != args.seed:
        # Feature sets iterate in hash order, so the last bits of a sum of weights, and
        # with them the order of two examples tied at the same coverage, vary from one
        # process to the next: compare runs made under the same hash seed.
        env = {**os.environ, "PYTHONHASHSEED": args.seed}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)  # noqa: S606
    root = Path(args.root).resolve()

    import routerbot  # noqa: PLC0415 - whichever engine PYTHONPATH names
    from routerbot.config import load_config  # noqa: PLC0415
    from routerbot.engine import decide  # noqa: PLC0415
    from routerbot.engine.browser import extract_browser  # noqa: PLC0415
    from routerbot.engine.text import is_auto_reply, normalise, split_body  # noqa: PLC0415
    from routerbot.labelled import ticket_from_labelled  # noqa: PLC0415

    config = load_config(root / "config" / "routing.toml")
    texts: dict[str, None] = {}
    n = 0
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(json.dumps({"engine": str(Path(routerbot.__file__).parent)}) + "\n")
        for name, row in rows(root, args.unique):
            ticket = ticket_from_labelled(row)
            d = decide(ticket, config)
            line = {"file": name, "id": ticket.key, "reply_faq": d.reply_faq, **plain(d)}
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
            for t in (ticket.summary, ticket.description, *(c.body for c in ticket.comments)):
                texts.setdefault(t)
        for t in texts:
            parts = split_body(t)
            line = {
                "text": t,
                "split_body": plain(parts),
                "normalise": normalise(t),
                "browser": plain(extract_browser(t)),
                "auto_reply": is_auto_reply(t),
            }
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{n} decisions and {len(texts)} texts written to {args.out}", file=sys.stderr)
    if args.against:
        sys.exit(compare(Path(args.against), Path(args.out)))


def compare(ref: Path, new: Path) -> int:
    """Print what differs between two dumps (their first lines, the engines, aside)."""
    old_lines = ref.read_text(encoding="utf-8").splitlines()[1:]
    new_lines = new.read_text(encoding="utf-8").splitlines()[1:]
    differ = 0
    if len(old_lines) != len(new_lines):
        print(f"{len(old_lines)} lines in {ref}, {len(new_lines)} in {new}")
        differ += 1
    for a, b in zip(old_lines, new_lines, strict=False):
        if a == b:
            continue
        differ += 1
        old, cur = json.loads(a), json.loads(b)
        keys = sorted(k for k in old.keys() | cur.keys() if old.get(k) != cur.get(k))
        if differ <= 20:
            where = old.get("id") or repr(str(old.get("text"))[:60])
            print(f"{old.get('file', 'text')} {where}: {', '.join(keys)}")
    print(f"{differ} difference(s) against {ref}" if differ else f"identical to {ref}")
    return 1 if differ else 0


if __name__ == "__main__":
    main()
