"""The sufficiency plan as a PDF report (reportlab), in the sections councils' sufficiency
strategies use: current demand, needs breakdown, placement mix, capacity, forecasts, gaps, and
the method with its accuracy. Tagged with a title, author and language for assistive readers."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import forecast as fc
from . import summary
from .choices import NEED_LABELS


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _table(header: list[str], rows: list[list[Any]]) -> Table:
    table = Table([header, *rows], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]))
    return table


def total_chart(f: fc.Forecast) -> Drawing:
    """All provision with places registered: forecast demand (dashed) against places (solid),
    per school year; the tables beside it carry the figures."""
    totals = [s for s in summary.totals_rows(f) if s.capacity[0] is not None]
    n = len(f.years)
    demand = [sum(s.demand[i] for s in totals) for i in range(n)]
    places = [sum(s.capacity[i] or 0.0 for s in totals) for i in range(n)]
    drawing = Drawing(170 * mm, 60 * mm)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 8 * mm, 150 * mm, 48 * mm
    chart.data = [demand, places]
    chart.categoryAxis.categoryNames = [fc.school_year_label(y) for y in f.years]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.lines[0].strokeColor = colors.HexColor("#1d70b8")
    chart.lines[0].strokeDashArray = [4, 3]
    chart.lines[0].strokeWidth = 2
    chart.lines[1].strokeColor = colors.HexColor("#00703c")
    chart.lines[1].strokeWidth = 2
    drawing.add(chart)
    drawing.add(String(15 * mm, 57 * mm, "Forecast demand (blue, dashed) and places (green, "
                       "solid), provision with places registered", fontSize=8))
    return drawing


def build(plan: Any) -> bytes:
    """The PDF's bytes for a ``selectors.Plan``."""
    f: fc.Forecast = plan.forecast
    years = [fc.school_year_label(y) for y in f.years]
    styles = getSampleStyleSheet()
    h1, h2, body = styles["Title"], styles["Heading2"], styles["BodyText"]
    title = f"Sufficiency of specialist and AP places, {years[0]} to {years[-1]}"
    story: list[Any] = [
        Paragraph(title, h1),
        Paragraph(f"{plan.la.name} ({plan.la.code}). {summary.METHOD_LABELS[f.method]} from "
                  f"history to {summary.label(f.base_year)}. Figures from AP Track.", body)]

    def section(heading: str, *flowables: Any) -> None:
        story.extend([Spacer(1, 4 * mm), Paragraph(heading, h2), *flowables])

    section("1. Current demand", _table(
        ["School year", "Learners", "Growth", "Source"],
        [[row["label"], _n(row["total"]),
          "-" if row["growth"] is None else f"{row['growth']:.1f}%",
          plan.sources.get(row["year"], "")]
         for row in summary.totals_by_year(plan.inputs, plan.history_years)]))
    section("2. Needs breakdown", _table(
        ["Primary need", "Primary", "Secondary", "Post-16", "Total", "Growth a year"],
        [[n["label"][:45], _n(n["primary"]), _n(n["secondary"]), _n(n["post16"]),
          _n(n["total"]), "-" if n["growth"] is None else f"{n['growth']:.1f}%"]
         for n in summary.needs_breakdown(plan.inputs, f.base_year, NEED_LABELS)]))
    section("3. Placement mix", _table(
        ["Provision type", "Primary", "Secondary", "Post-16", "Total", "Share"],
        [[m["label"], _n(m["primary"]), _n(m["secondary"]), _n(m["post16"]), _n(m["total"]),
          f"{m['share']:.1f}%"] for m in summary.placement_mix(plan.inputs, f.base_year)]))
    totals = summary.totals_rows(f)
    name = {s.key: f"{summary.PROVISION_LABELS[s.provision]}, {s.phase}" for s in totals}
    section("4. Capacity", _table(["Provision and phase", *years],
                                  [[name[s.key], *[_n(c) for c in s.capacity]] for s in totals]))
    section("5. Forecasts (with prediction interval)", total_chart(f), _table(
        ["Provision and phase", *years],
        [[name[s.key], *[f"{d:,.0f} ({lo:,.0f}-{up:,.0f})" for d, lo, up in
                         zip(s.demand, s.lower, s.upper, strict=True)]] for s in totals]))
    section("6. Gaps (demand minus places; positive is a shortfall)", _table(
        ["Provision and phase", *years],
        [[name[s.key], *[_n(g) for g in s.gap]] for s in totals]))
    comparison = summary.comparison(plan.baseline, f)
    if not f.scenario.is_baseline:
        section("Scenario against the baseline", _table(
            ["School year", "Demand", "Scenario demand", "Gap", "Scenario gap"],
            [[c["label"], _n(c["demand"]), _n(c["scenario_demand"]), _n(c["gap"]),
              _n(c["scenario_gap"])] for c in comparison]))
    section("7. Method and its accuracy", Paragraph(
        "Trend projection fits a least-squares line to each series; prevalence x population "
        "projects each series' share of resident children and multiplies it by the population "
        "projection. The backtest forecasts the last years of history from the years before "
        "them; MAPE is the mean absolute percentage error (lower is better).", body),
        Spacer(1, 2 * mm), _table(
            ["Provision and phase", *[f"MAPE {summary.METHOD_LABELS[m]}" for m in fc.METHODS]],
            [[name[s.key], *["-" if s.backtest.get(m) is None else f"{s.backtest[m]:.1f}%"
                             for m in fc.METHODS]] for s in totals]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=title, author="AP Track",
                            subject=f"Sufficiency forecast for {plan.la.name}",
                            lang="en-GB", leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm)
    doc.build(story)
    return out.getvalue()
