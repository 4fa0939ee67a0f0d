"""``routerbot eval FILE --html OUT.html``: the evaluation as one self-contained page.

What a lead forwards to a manager after a routing change: the headline metrics (and,
with ``--compare-config``, each one old → new), the confusion matrix of the categories
as a heat map, each FAQ entry's precision and recall as bars, the tickets whose
decision changes side by side with the expected decision, and the misses with the
examples they sat closest to. Built with :mod:`routerbot.lead.html` (inline SVG, no
script, no external resource); pure: a report in, a string out.
"""

from __future__ import annotations

from collections.abc import Sequence

from routerbot.evaluation import BARS, METRIC_LABELS, EvalReport, entry_scores
from routerbot.lead import html as h
from routerbot.lead.compare import DecisionChange, DecisionSummary, MetricChange
from routerbot.lead.misses import Miss

_VERDICT_COLOURS = {"fixed": "#009E73", "broken": "#D55E00", "still wrong": "#E69F00"}


def _fmt(name: str, value: float) -> str:
    return f"{value:.2f}" if name == "unwanted_replies_per_100" else f"{value:.3f}"


def _bar_text(name: str) -> str:
    bar, lower = BARS[name]
    return f"{'≤' if lower else '≥'} {bar:g}"


def _passes(name: str, value: float) -> bool:
    bar, lower = BARS[name]
    return value <= bar if lower else value >= bar


def metrics_table(report: EvalReport, changes: Sequence[MetricChange] | None = None) -> str:
    rows: list[list[object]] = []
    by_name = {c.name: c for c in changes or ()}
    for name, label in METRIC_LABELS.items():
        if name not in report.metrics:
            continue
        value = report.metrics[name]
        ok = "yes" if _passes(name, value) else "NO"
        if changes is not None and name in by_name:
            c = by_name[name]
            delta = "=" if abs(c.delta) < 1e-9 else f"{c.delta:+.3f}"
            rows.append([label, _fmt(name, c.old), _fmt(name, value), delta, _bar_text(name), ok])
        else:
            rows.append([label, _fmt(name, value), _bar_text(name), ok])
    if changes is not None:
        return h.table(["metric", "old", "new", "change", "bar", "ok"], rows, numeric=(1, 2, 3))
    return h.table(["metric", "value", "bar", "ok"], rows, numeric=(1,))


def confusion_svg(report: EvalReport, *, cell: int = 64) -> str:
    """The category confusion matrix as a heat map (rows: expected, columns: decided)."""
    cats = sorted({k for pair in report.confusion for k in pair})
    if not cats:
        return h.paragraph("No labelled ticket: nothing to show.")
    longest = 7 * max(len(c) for c in cats)  # px of the longest label at 12 px
    label_w = 12 + longest
    top = 20 + longest // 2  # column labels are slanted by 30°: sin 30° = 1/2
    size = len(cats) * cell
    width, height = label_w + size + 12 + longest * 87 // 100, top + size + 12
    peak = max(report.confusion.values()) or 1
    parts = []
    for j, col in enumerate(cats):  # column labels, slanted to fit
        x = label_w + j * cell + cell / 2
        parts.append(
            f'<text x="{x:.0f}" y="{top - 8}" font-size="12" text-anchor="start" '
            f'transform="rotate(-30 {x:.0f} {top - 8})" fill="#1d2330">{h.esc(col)}</text>'
        )
    for i, row in enumerate(cats):
        y = top + i * cell
        parts.append(
            f'<text x="{label_w - 8}" y="{y + cell / 2 + 4:.0f}" font-size="12" '
            f'text-anchor="end" fill="#1d2330">{h.esc(row)}</text>'
        )
        for j, col in enumerate(cats):
            n = report.confusion.get((row, col), 0)
            x = label_w + j * cell
            share = n / peak
            colour = h.PALETTE[2] if row == col else h.PALETTE[3]
            opacity = 0.08 + 0.82 * share if n else 0.0
            ink = "#ffffff" if share > 0.55 else "#1d2330"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#f0f2f5"/>'
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}" '
                f'fill-opacity="{opacity:.2f}"><title>expected {h.esc(row)}, decided '
                f"{h.esc(col)}: {n}</title></rect>"
                f'<text x="{x + cell / 2 - 1:.0f}" y="{y + cell / 2 + 5:.0f}" font-size="14" '
                f'text-anchor="middle" fill="{ink}">{n}</text>'
            )
    title = "Confusion matrix: expected category (rows) by decided category (columns)"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{h.esc(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{h.esc(title)}</title>{''.join(parts)}</svg>"
    )


def entries_section(report: EvalReport, known: Sequence[str] = ()) -> str:
    scores = [s for s in entry_scores(report, known) if s.sent or s.expected]
    if not scores:
        return h.section("FAQ entries", h.paragraph("No FAQ reply expected or sent."))
    precision = [
        h.Bar(s.faq_id, s.precision, f"{s.precision:.2f} ({s.right}/{s.sent})", h.PALETTE[0])
        for s in scores
        if s.sent
    ]
    recall = [
        h.Bar(s.faq_id, s.recall, f"{s.recall:.2f} ({s.right}/{s.expected})", h.PALETTE[1])
        for s in scores
        if s.expected
    ]
    rows = [
        [
            s.faq_id,
            s.expected,
            s.sent,
            s.right,
            f"{s.precision:.2f}" if s.sent else "-",
            f"{s.recall:.2f}" if s.expected else "-",
        ]
        for s in scores
    ]
    return h.section(
        "FAQ entries: precision and recall",
        h.subheading("Precision: of the public answers sent with this entry, how many were right"),
        h.bar_chart(precision, title="Precision per FAQ entry", max_value=1.0),
        h.subheading("Recall: of the tickets that expect this entry, how many got it"),
        h.bar_chart(recall, title="Recall per FAQ entry", max_value=1.0),
        h.table(
            ["entry", "expected", "sent", "right", "precision", "recall"],
            rows,
            numeric=(1, 2, 3, 4, 5),
        ),
        note="Public FAQ answers only: a candidate left in an internal note is not an answer.",
    )


def changes_section(changes: Sequence[DecisionChange], total: int) -> str:
    if not changes:
        return h.section(
            "Tickets whose decision changes",
            h.paragraph(f"None of the {total} tickets changes decision."),
        )
    rows: list[list[object]] = []
    for c in changes:
        for name in DecisionSummary.FIELDS:
            if name not in c.changed:
                continue
            exp = c.expected.value(name) if c.expected is not None else ""
            rows.append([c.key, name, c.old.value(name), c.new.value(name), exp, c.verdict])
    counts = {v: sum(1 for c in changes if c.verdict == v) for v in _VERDICT_COLOURS}
    bars = [h.Bar(v, n, str(n), _VERDICT_COLOURS[v]) for v, n in counts.items() if n]
    parts = [h.table(["ticket", "field", "old", "new", "expected", "verdict"], rows)]
    if bars:
        parts.insert(0, h.bar_chart(bars, title="Changed tickets by verdict"))
    return h.section(
        f"Tickets whose decision changes: {len(changes)} of {total}",
        *parts,
        note="Side by side: the decision under the old routing file, under the new one, and "
        "what the ticket's label expects. fixed = now as expected; broken = was as expected; "
        "still wrong = neither.",
    )


def misses_section(items: Sequence[Miss]) -> str:
    if not items:
        return h.section("Wrong or missed tickets", h.paragraph("None: every ticket is right."))
    rows = []
    for m in items:
        near = m.nearest[0] if m.nearest else None
        rows.append(
            [
                m.key,
                m.kind,
                ", ".join(m.wrong),
                f"{near.entry_id} {near.score:.2f}: {near.text}" if near else "-",
                f"{m.runner_up[0]} {m.runner_up[1]:.2f}" if m.runner_up else "-",
            ]
        )
    return h.section(
        f"Wrong or missed tickets: {len(items)}",
        h.table(["ticket", "kind", "wrong fields", "closest example", "runner-up"], rows),
        note="routerbot eval FILE --misses prints the same with the teach command of each.",
    )


def render_page(
    report: EvalReport,
    *,
    file: str,
    config: str,
    faq_ids: Sequence[str] = (),
    old_config: str | None = None,
    metric_changes: Sequence[MetricChange] | None = None,
    changes: Sequence[DecisionChange] | None = None,
    misses: Sequence[Miss] = (),
) -> str:
    counts = report.counts
    m = report.metrics
    subtitle = f"{file}: {counts.get('tickets', 0)} tickets, {counts.get('scored', 0)} labelled"
    subtitle += f" — routing file {config}"
    if old_config:
        subtitle += f", compared with {old_config}"
    body = []
    if m:
        body.append(
            h.kpis(
                [
                    (f"{m['exact_rate']:.3f}", "exact decisions"),
                    (f"{m['category_accuracy']:.3f}", "category accuracy"),
                    (f"{m['faq_precision']:.3f}", "FAQ reply precision"),
                    (f"{m['faq_recall']:.3f}", "FAQ reply recall"),
                    (f"{m['unwanted_replies_per_100']:.2f}", "unwanted public replies / 100"),
                ]
            )
        )
        title = "Metrics, old → new" if metric_changes is not None else "Metrics"
        body.append(h.section(title, metrics_table(report, metric_changes)))
        body.append(
            h.section(
                "Categories: confusion matrix",
                confusion_svg(report),
                note="Rows: the category the ticket's label expects; columns: the category "
                "decided. The diagonal (green) is right; red cells are confusions.",
            )
        )
        body.append(entries_section(report, faq_ids))
    else:
        body.append(h.section("Metrics", h.paragraph("No labelled ticket: nothing to score.")))
    if changes is not None:
        body.append(changes_section(changes, len(report.results)))
    if m:
        body.append(misses_section(misses))
    return h.page("Routing evaluation", body, subtitle=subtitle)
