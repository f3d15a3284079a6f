"""Server-rendered SVG charts (no JavaScript, no CDN): demand history, the forecast with its
prediction interval, and capacity, for one series. Each chart is an image with a title and a
text description; the page puts a table with the same figures beside it (WCAG 1.1.1).

Lines differ by pattern and marker as well as colour (WCAG 1.4.1): history solid with circles,
forecast dashed, capacity a step line with squares. Colours are GOV.UK palette colours with at
least 3:1 contrast on white (WCAG 1.4.11). Styling is by presentation attributes, which the
Content-Security-Policy allows (no inline style).
"""

from __future__ import annotations

import math
from html import escape

from . import forecast as fc

WIDTH, HEIGHT = 680, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 40, 16, 44
INK, BLUE, GREEN, BAND, GRID = "#0b0c0c", "#1d70b8", "#00703c", "#d2e2f1", "#b1b4b6"


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round top for the y axis and the step between its five gridlines."""
    if value <= 0:
        return 5.0, 1.0
    raw = value / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step), step


def _points(pairs: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def demand_chart(series: fc.SeriesForecast, *, years: tuple[int, ...], title: str,
                 chart_id: str) -> str:
    """The SVG markup of one series' chart (text escaped; safe to mark safe)."""
    history = [(y, v) for y, v in series.history]
    all_years = sorted({*(y for y, _ in history), *years})
    values = [v for _, v in history] + list(series.upper) + [
        c for c in series.capacity if c is not None]
    top, step = nice_ceiling(max(values, default=0.0) * 1.05)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(1, len(all_years) - 1)

    def x(year: int) -> float:
        return LEFT + plot_w * all_years.index(year) / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [f'<svg class="sufficiency-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="arial, sans-serif">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(describe(series, years))}</desc>']
    tick = 0.0
    while tick <= top + 1e-9:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="13" fill="{INK}">{tick:,.0f}</text>')
        tick += step
    for i, year in enumerate(all_years):
        if len(all_years) < 9 or (len(all_years) - 1 - i) % 2 == 0:  # the last always labelled
            parts.append(f'<text x="{x(year):.1f}" y="{HEIGHT - BOTTOM + 20}" '
                         f'text-anchor="middle" font-size="13" fill="{INK}">'
                         f'{escape(fc.school_year_label(year))}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
                 f'stroke="{INK}" stroke-width="1"/>')
    band = [(x(yr), y(v)) for yr, v in zip(years, series.upper, strict=True)] + [
        (x(yr), y(v)) for yr, v in reversed(list(zip(years, series.lower, strict=True)))]
    parts.append(f'<polygon points="{_points(band)}" fill="{BAND}" stroke="{BLUE}" '
                 'stroke-width="1" stroke-dasharray="2 3"/>')
    if history:
        parts.append(f'<polyline points="{_points([(x(a), y(b)) for a, b in history])}" '
                     f'fill="none" stroke="{INK}" stroke-width="2"/>')
        parts += [f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="3.5" fill="{INK}"/>'
                  for a, b in history]
    line = ([(x(history[-1][0]), y(history[-1][1]))] if history else []) + [
        (x(yr), y(v)) for yr, v in zip(years, series.demand, strict=True)]
    parts.append(f'<polyline points="{_points(line)}" fill="none" stroke="{BLUE}" '
                 'stroke-width="3" stroke-dasharray="8 5"/>')
    caps = [(yr, c) for yr, c in zip(years, series.capacity, strict=True) if c is not None]
    if caps:
        steps: list[tuple[float, float]] = []
        for i, (yr, c) in enumerate(caps):
            if i:
                steps.append((x(yr), y(caps[i - 1][1])))
            steps.append((x(yr), y(c)))
        parts.append(f'<polyline points="{_points(steps)}" fill="none" stroke="{GREEN}" '
                     'stroke-width="3"/>')
        parts += [f'<rect x="{x(yr) - 3.5:.1f}" y="{y(c) - 3.5:.1f}" width="7" height="7" '
                  f'fill="{GREEN}"/>' for yr, c in caps]
    parts.append("</svg>")
    return "".join(parts)


def describe(series: fc.SeriesForecast, years: tuple[int, ...]) -> str:
    """One sentence a screen reader reads for the chart."""
    last = len(years) - 1
    text = ""
    if series.history:
        year, value = series.history[-1]
        text = f"{value:,.0f} learners in {fc.school_year_label(year)}; "
    text += (f"forecast {series.demand[last]:,.0f} in {fc.school_year_label(years[last])} "
             f"(range {series.lower[last]:,.0f} to {series.upper[last]:,.0f})")
    if series.capacity[last] is not None:
        gap = series.gap[last] or 0.0
        text += (f" against {series.capacity[last]:,.0f} places: "
                 + (f"a shortfall of {gap:,.0f}" if gap > 0 else f"{-gap:,.0f} places spare"))
    else:
        text += "; no places registered"
    return text + ". The table below gives every year."
