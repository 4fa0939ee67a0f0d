"""A small HTML toolkit for the lead's pages: one self-contained page, inline SVG charts
(horizontal bars, stacked columns, lines), tables. No CDN, no script: a page opens from
a file, prints, and can be mailed to a manager as it is.

Every function is pure and returns a string of HTML; every text that comes from data
is escaped here. Charts carry a ``<title>`` and ``role="img"`` with an ``aria-label``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Okabe–Ito colours first (told apart by people with the common colour-vision
#: deficiencies), then darker and lighter companions for pages with more series.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#7f3c8d",
    "#8c6d31",
    "#2f4b7c",
    "#a5aa99",
)
MUTED = "#8a8f98"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"

CSS = f"""
body {{ font-family: {FONT}; color: #1d2330; margin: 0; background: #f6f7f9; }}
main {{ max-width: 1080px; margin: 0 auto; padding: 24px 32px 48px; }}
h1 {{ font-size: 26px; margin: 8px 0 4px; }}
h2 {{ font-size: 19px; margin: 0 0 6px; }}
h3 {{ font-size: 15px; margin: 18px 0 6px; color: #333b4a; }}
p.sub {{ color: #4a5263; margin: 0 0 18px; }}
section {{ background: #fff; border: 1px solid #dde1e7; border-radius: 8px;
          padding: 18px 22px; margin: 0 0 18px; }}
p.note {{ color: #4a5263; font-size: 13px; margin: 6px 0 10px; }}
p.source {{ color: #7a4b00; background: #fff6e5; border-left: 3px solid #E69F00;
           padding: 6px 10px; font-size: 13px; }}
table {{ border-collapse: collapse; font-size: 13px; margin: 6px 0; }}
th, td {{ padding: 4px 10px; border-bottom: 1px solid #e6e9ee; text-align: left; }}
th {{ background: #f0f2f5; font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.kpis {{ display: flex; gap: 12px; flex-wrap: wrap; margin: 0 0 18px; }}
.kpi {{ background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 10px 16px;
       min-width: 140px; }}
.kpi b {{ display: block; font-size: 24px; }}
.kpi span {{ color: #4a5263; font-size: 13px; }}
svg text {{ font-family: {FONT}; }}
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def page(title: str, body: Iterable[str], *, subtitle: str = "") -> str:
    """A complete HTML document: inline style, no external resource."""
    sub = f'<p class="sub">{esc(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
        f"<body><main><h1>{esc(title)}</h1>{sub}\n" + "\n".join(body) + "\n</main></body></html>\n"
    )


def section(title: str, *parts: str, note: str = "", source: str = "") -> str:
    """A titled card. ``note`` explains how to read it; ``source`` says where the
    figures come from when that is not the obvious place (highlighted)."""
    head = f"<h2>{esc(title)}</h2>"
    if note:
        head += f'<p class="note">{esc(note)}</p>'
    if source:
        head += f'<p class="source">{esc(source)}</p>'
    return f"<section>{head}" + "".join(parts) + "</section>"


def subheading(text: str) -> str:
    return f"<h3>{esc(text)}</h3>"


def paragraph(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def kpis(items: Sequence[tuple[str, str]]) -> str:
    """Headline figures: (value, label) pairs."""
    cells = "".join(
        f'<div class="kpi"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for v, k in items
    )
    return f'<div class="kpis">{cells}</div>'


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: Iterable[int] = ()
) -> str:
    """A plain table; columns in ``numeric`` are right-aligned."""
    nums = set(numeric)

    def cell(tag: str, i: int, value: object) -> str:
        cls = ' class="num"' if i in nums else ""
        return f"<{tag}{cls}>{esc(value)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- charts


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar: its label, its length, and the text printed after it."""

    label: str
    value: float
    text: str = ""
    color: str = PALETTE[0]


def _svg(width: int, height: int, title: str, inner: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{esc(title)}</title>{inner}</svg>"
    )


def _nice_max(value: float) -> float:
    """A round upper bound for a count axis with four ticks: 4 × (1, 2 or 5 × 10^n),
    ticks of at least 1."""
    tick = max(1.0, value / 4)
    magnitude = 10.0 ** math.floor(math.log10(tick))
    for step in (1, 2, 5, 10):
        if tick <= step * magnitude:
            return 4 * step * magnitude
    return 40 * magnitude  # pragma: no cover - the loop always returns


def bar_chart(
    bars: Sequence[Bar], *, title: str, max_value: float | None = None, width: int = 720
) -> str:
    """Horizontal bars, one per row, the label on the left and ``text`` after the bar."""
    if not bars:
        return paragraph("Nothing to show.")
    label_w = min(260, 12 + 7 * max(len(b.label) for b in bars))
    text_w = 140
    plot_w = width - label_w - text_w
    row_h, top = 24, 6
    top_value = max_value if max_value is not None else _nice_max(max(b.value for b in bars))
    parts = []
    for i, b in enumerate(bars):
        y = top + i * row_h
        w = 0.0 if top_value <= 0 else max(0.0, min(1.0, b.value / top_value)) * plot_w
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" font-size="13" text-anchor="end" '
            f'fill="#1d2330">{esc(b.label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{plot_w}" height="{row_h - 6}" '
            'fill="#eef0f3"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
            f'fill="{b.color}"><title>{esc(b.label)}: {esc(b.text or b.value)}</title></rect>'
            f'<text x="{label_w + plot_w + 8}" y="{y + 16}" font-size="13" '
            f'fill="#1d2330">{esc(b.text or _fmt(b.value))}</text>'
        )
    height = top * 2 + row_h * len(bars)
    return _svg(width, height, title, "".join(parts))


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _legend(
    names: Sequence[str], colors: Sequence[str], x: int, y: int, width: int
) -> tuple[str, int]:
    """A legend laid out in rows; returns (svg, height used)."""
    parts, cx, cy = [], x, y
    for name, color in zip(names, colors, strict=True):
        w = 24 + 7 * len(name)
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 18
        parts.append(
            f'<rect x="{cx}" y="{cy}" width="11" height="11" fill="{color}"/>'
            f'<text x="{cx + 15}" y="{cy + 10}" font-size="12" fill="#1d2330">{esc(name)}</text>'
        )
        cx += w + 10
    return "".join(parts), cy - y + 18


def _axis(x0: int, y0: int, plot_w: int, plot_h: int, top_value: float) -> str:
    parts = []
    for k in range(5):
        v = top_value * k / 4
        y = y0 + plot_h - plot_h * k / 4
        parts.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + plot_w}" y2="{y:.1f}" stroke="#e3e6eb"/>'
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{MUTED}">{esc(_fmt(v))}</text>'
        )
    return "".join(parts)


def _x_labels(labels: Sequence[str], x0: int, step: float, y: float) -> str:
    every = max(1, len(labels) // 12)
    return "".join(
        f'<text x="{x0 + step * (i + 0.5):.1f}" y="{y:.1f}" font-size="11" text-anchor="middle" '
        f'fill="{MUTED}">{esc(lab)}</text>'
        for i, lab in enumerate(labels)
        if i % every == 0
    )


def stacked_columns(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    width: int = 960,
    height: int = 260,
) -> str:
    """Vertical columns over ``x_labels`` (days, weeks), each stacking the series."""
    if not x_labels or not series:
        return paragraph("Nothing to show.")
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    legend, legend_h = _legend([n for n, _ in series], colors, 48, 4, width - 60)
    x0, y0 = 48, 8 + legend_h
    plot_w, plot_h = width - x0 - 12, height - y0 - 26
    totals = [sum(values[i] for _, values in series) for i in range(len(x_labels))]
    top_value = _nice_max(max(totals))
    step = plot_w / len(x_labels)
    bar_w = max(2.0, step * 0.72)
    parts = [legend, _axis(x0, y0, plot_w, plot_h, top_value)]
    for i, label in enumerate(x_labels):
        base = 0.0
        for (name, values), color in zip(series, colors, strict=True):
            v = values[i]
            if v <= 0:
                continue
            h = plot_h * v / top_value
            y = y0 + plot_h - plot_h * base / top_value - h
            x = x0 + step * i + (step - bar_w) / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{esc(label)} · {esc(name)}: {esc(_fmt(v))}</title></rect>'
            )
            base += v
    parts.append(_x_labels(x_labels, x0, step, y0 + plot_h + 16))
    return _svg(width, height, title, "".join(parts))


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    threshold: tuple[str, float] | None = None,
    width: int = 960,
    height: int = 240,
) -> str:
    """Lines over ``x_labels``; ``threshold`` draws a dashed horizontal line (a cap)."""
    if not x_labels or not series:
        return paragraph("Nothing to show.")
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    names = [n for n, _ in series]
    legend_colors = list(colors)
    if threshold is not None:
        names.append(threshold[0])
        legend_colors.append(PALETTE[3])
    legend, legend_h = _legend(names, legend_colors, 48, 4, width - 60)
    x0, y0 = 48, 8 + legend_h
    plot_w, plot_h = width - x0 - 12, height - y0 - 26
    peak = max([max(v, default=0.0) for _, v in series] + [threshold[1] if threshold else 0.0])
    top_value = _nice_max(peak)
    step = plot_w / len(x_labels)
    parts = [legend, _axis(x0, y0, plot_w, plot_h, top_value)]

    def point(i: int, v: float) -> tuple[float, float]:
        return x0 + step * (i + 0.5), y0 + plot_h - plot_h * v / top_value

    if threshold is not None:
        y = point(0, threshold[1])[1]
        parts.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + plot_w}" y2="{y:.1f}" stroke="{PALETTE[3]}" '
            f'stroke-width="2" stroke-dasharray="6 4"><title>{esc(threshold[0])}: '
            f"{esc(_fmt(threshold[1]))}</title></line>"
        )
    for (name, values), color in zip(series, colors, strict=True):
        pts = [point(i, v) for i, v in enumerate(values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for (x, y), v, label in zip(pts, values, x_labels, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                f"<title>{esc(label)} · {esc(name)}: {esc(_fmt(v))}</title></circle>"
            )
    parts.append(_x_labels(x_labels, x0, step, y0 + plot_h + 16))
    return _svg(width, height, title, "".join(parts))
