"""Build the example ``eval --html`` page of docs/support-leads.md, and its screenshot.

    python scripts/eval_example.py                  # docs/images/eval-example.{html,png}
    python scripts/eval_example.py --out /tmp/x     # elsewhere

It runs the guide's loop on ``docs/examples/week.jsonl`` in a temporary folder — teach
the missed WEEK-06 to a copy of ``config/routing.toml``, then ``routerbot eval
--compare-config … --html`` — with the real commands. The screenshot needs Debian's
``chromium``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from routerbot.cli import main as routerbot

ROOT = Path(__file__).resolve().parents[1]


def build(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    page = (out / "eval-example.html").resolve()
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(ROOT / "config" / "routing.toml", work / "routing.toml")
        shutil.copy(ROOT / "config" / "routing.toml", work / "routing-before.toml")
        shutil.copy(ROOT / "docs" / "examples" / "week.jsonl", work / "week.jsonl")
        os.chdir(work)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                taught = routerbot(
                    [
                        "teach",
                        "WEEK-06",
                        "--file",
                        "week.jsonl",
                        "--faq",
                        "telecharger-modele",
                        "--config",
                        "routing.toml",
                        "--write",
                    ]
                )
                scored = routerbot(
                    [
                        "eval",
                        "week.jsonl",
                        "--config",
                        "routing.toml",
                        "--compare-config",
                        "routing-before.toml",
                        "--html",
                        str(page),
                    ]
                )
        finally:
            os.chdir(here)
    if taught or scored:
        sys.exit(f"the guide's loop failed (teach {taught}, eval {scored})")
    return page


def screenshot(page: Path) -> Path | None:
    exe = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
    if exe is None:
        print("no chromium: the screenshot is not updated", file=sys.stderr)
        return None
    png = page.with_suffix(".png")
    subprocess.run(  # noqa: S603 - chromium found on PATH, our own file
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,1900",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    page = build(args.out)
    png = screenshot(page)
    print(f"wrote {page}" + (f" and {png}" if png else ""))


if __name__ == "__main__":
    main()
