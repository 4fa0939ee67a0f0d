"""The Chromium page check itself can fail: a script error, a blank page, an empty SVG."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.chromium import render_page, require_chromium

GOOD = """<!DOCTYPE html><html><body><h1>ok</h1>
<svg width="300" height="100"><rect x="0" y="0" width="120" height="60" fill="#0072B2"/>
<rect x="130" y="0" width="120" height="60" fill="#E69F00"/>
<text x="10" y="90">legend</text></svg></body></html>"""
BROKEN = """<!DOCTYPE html><html><body><svg width="300" height="100"></svg>
<script>console.error("chart failed"); undefinedFunction();</script></body></html>"""


def test_a_page_with_charts_passes(tmp_path: Path) -> None:
    page = tmp_path / "good.html"
    page.write_text(GOOD, encoding="utf-8")
    rendered = render_page(page, tmp_path, width=400, height=300, name="good")
    rendered.assert_renders(min_svgs=1)
    assert rendered.colours() >= 8


def test_a_blank_page_with_a_script_error_fails_every_check(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(BROKEN, encoding="utf-8")
    rendered = render_page(page, tmp_path, width=400, height=300, name="broken")
    assert rendered.console_errors()
    assert rendered.colours() < 8
    with pytest.raises(AssertionError, match="non-empty SVG"):
        rendered.assert_renders(min_svgs=1)


def test_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")  # no browser to be found
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the page tests"):
        require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        require_chromium()
