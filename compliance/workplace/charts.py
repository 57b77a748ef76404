"""Server-rendered inline SVG charts for the dashboard: no JavaScript, no CDN, testable as HTML.

Every label goes through `escape`; the markup is ours, so the result is marked safe.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = (
    "#417690",
    "#e07b39",
    "#5b9c4a",
    "#b8455c",
    "#7a5ea8",
    "#c9a227",
    "#3b9fa8",
    "#8c6d46",
    "#d0679e",
    "#6b7b8c",
    "#2f4f6f",
    "#a3b86c",
)


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308  # nosec B308 B703 - every interpolated text is escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def stacked_bars(
    title: str, categories: Sequence[str], series: dict[str, Sequence[int]], *, width: int = 900, height: int = 260
) -> SafeString:
    """Vertical bars, one per category (e.g. day), stacked by series (e.g. rule), with a legend."""
    left, top, bottom, legend_w = 40, 10, 40, 180
    plot_w, plot_h = width - left - legend_w, height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    peak = max(totals, default=0) or 1
    step = plot_w / max(len(categories), 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 10}" font-size="10" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" font-size="10" text-anchor="end">0</text>',
    ]
    for i, category in enumerate(categories):
        y = top + plot_h
        for k, (name, values) in enumerate(series.items()):
            if not values[i]:
                continue
            h = values[i] / peak * plot_h
            y -= h
            body.append(
                f'<rect x="{left + i * step + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(category)} '
                f"{escape(name)}: {values[i]}</title></rect>"
            )
        if i % max(len(categories) // 10, 1) == 0:
            body.append(
                f'<text x="{left + i * step + step / 2:.1f}" y="{top + plot_h + 14}" font-size="9" '
                f'text-anchor="middle">{escape(category)}</text>'
            )
    for k, name in enumerate(series):
        y = top + 12 + k * 16
        body.append(
            f'<rect x="{width - legend_w + 10}" y="{y - 9}" width="10" height="10" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/><text x="{width - legend_w + 26}" y="{y}" '
            f'font-size="11">{escape(name)}</text>'
        )
    return _svg(width, max(height, top + 16 * len(series) + 10), title, body)


def horizontal_bars(
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    value_label=str,
    maximum: float | None = None,
    width: int = 520,
    row: int = 22,
) -> SafeString:
    """One bar per (label, value); `value_label` formats the number shown after the bar."""
    label_w, value_w = 170, 80
    plot_w = width - label_w - value_w
    peak = maximum if maximum is not None else (max((v for _l, v in items), default=0) or 1)
    body = []
    for i, (label, value) in enumerate(items):
        y = 6 + i * row
        w = (value / peak * plot_w) if peak else 0
        body.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="11" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 13}" font-size="11">{escape(value_label(value))}</text>'
        )
    return _svg(width, 12 + row * max(len(items), 1), title, body)
