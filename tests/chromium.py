"""Load an HTML page in headless Chromium (Debian's ``chromium``), take a screenshot and
check that it renders: for the report pages' tests.

    page = render_page(path, tmp_path)          # skips, or fails in CI, without Chromium
    page.assert_renders(min_svgs=3)

:func:`require_chromium` skips the test with a reason when Chromium is missing, and
fails it when the environment variable ``CI`` is set (CI must run these tests).

Checks: the DOM after load (``--dump-dom``) holds non-empty ``<svg>`` charts; Chromium
logged no console message (the pages carry no script, so any is an error) nor an
uncaught error (``--enable-logging=stderr --v=0``); the screenshot is a PNG that is not
blank (enough distinct colours, decoded with the standard library).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars")
CONSOLE = re.compile(r"CONSOLE\(\d+\)|Uncaught|console\.error", re.IGNORECASE)
SVG = re.compile(r"<svg\b[^>]*>(.*?)</svg>", re.DOTALL)
SHAPES = re.compile(r"<(rect|polyline|circle|line|path)\b")


def chromium_path() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = "Chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the page tests")
        pytest.skip(reason)
    return path


@dataclass(frozen=True)
class RenderedPage:
    dom: str
    log: str
    png: bytes
    screenshot: Path

    def svgs(self) -> list[str]:
        return SVG.findall(self.dom)

    def console_errors(self) -> list[str]:
        return [line for line in self.log.splitlines() if CONSOLE.search(line)]

    def colours(self) -> int:
        return distinct_colours(self.png)

    def assert_renders(self, *, min_svgs: int = 1, min_colours: int = 8) -> None:
        charts = [s for s in self.svgs() if SHAPES.search(s)]
        assert len(charts) >= min_svgs, f"{len(charts)} non-empty SVG charts in the DOM"
        assert self.console_errors() == [], self.console_errors()
        colours = self.colours()
        assert colours >= min_colours, f"the screenshot looks blank: {colours} colours"


def render_page(
    page: Path, out_dir: Path, *, width: int = 1280, height: int = 2000, name: str = "page"
) -> RenderedPage:
    """Load ``page`` twice in headless Chromium: once for the DOM, once for the
    screenshot with the browser's log on stderr."""
    exe = require_chromium()
    url = page.resolve().as_uri()
    size = f"--window-size={width},{height}"
    dom = subprocess.run(
        [exe, *FLAGS, size, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    shot = out_dir / f"{name}.png"
    run = subprocess.run(
        [exe, *FLAGS, size, "--enable-logging=stderr", "--v=0", f"--screenshot={shot}", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return RenderedPage(dom=dom, log=run.stderr, png=shot.read_bytes(), screenshot=shot)


# --------------------------------------------------------------------------- PNG


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """(bytes per pixel, width, rows) of an 8-bit RGB or RGBA PNG (no interlace)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = bpp = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and not interlace, "unsupported PNG"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:  # PNG filter types: 0 none, 1 sub, 2 up, 3 average, 4 paeth
            line = bytearray((x + p) & 0xFF for x, p in zip(line, prev, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + (left + prev[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                corner = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(left, prev[i], corner)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return bpp, width, rows


def distinct_colours(data: bytes, *, step: int = 3) -> int:
    """Distinct colours among every ``step``-th pixel of every ``step``-th row."""
    bpp, width, rows = png_rows(data)
    seen = set()
    for row in rows[::step]:
        for x in range(0, width, step):
            seen.add(row[x * bpp : x * bpp + 3])
    return len(seen)
