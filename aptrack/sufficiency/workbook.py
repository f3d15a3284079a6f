"""The sufficiency plan as an XLSX workbook (openpyxl): one sheet per section of a sufficiency
strategy, so planners can take the figures into their own spreadsheets. Text that a spreadsheet
would read as a formula is written as text (OWASP CSV injection)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from . import forecast as fc
from . import summary
from .choices import NEED_LABELS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """Numbers as numbers; text that would start a formula prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]],
           note: str = "") -> Worksheet:
    ws = book.create_sheet(title)
    line = 1
    if note:
        ws.cell(row=1, column=1, value=safe(note)).font = Font(italic=True)
        line = 3
    for col, text in enumerate(header, start=1):
        ws.cell(row=line, column=col, value=safe(text)).font = Font(bold=True)
    for r, row in enumerate(rows, start=line + 1):
        for col, value in enumerate(row, start=1):
            ws.cell(row=r, column=col, value=safe(value))
    ws.freeze_panes = ws.cell(row=line + 1, column=2)
    for col in range(1, len(header) + 1):
        ws.column_dimensions[ws.cell(row=line, column=col).column_letter].width = (
            28 if col == 1 else 14)
    return ws


def build(plan: Any) -> bytes:
    """The workbook's bytes for a ``selectors.Plan``."""
    f: fc.Forecast = plan.forecast
    years = [fc.school_year_label(y) for y in f.years]
    r = fc.round1
    book = Workbook()
    book.remove(book.active)
    scenario = f.scenario
    _sheet(book, "Summary", ["Item", "Value"], [
        ["Local authority", f"{plan.la.name} ({plan.la.code})"],
        ["Base year (last year of history fitted)", summary.label(f.base_year)],
        ["Horizon", f"{years[0]} to {years[-1]}"],
        ["Method", summary.METHOD_LABELS[f.method]],
        ["Scenario: AP demand met in mainstream (%)", scenario.inclusion_pct],
        ["Scenario: growth override (% a year)", scenario.growth_pct],
        ["Scenario: new places", "; ".join(
            f"{c.places} {c.provision} {c.phase} from {fc.school_year_label(c.year)}"
            for c in scenario.new_places)],
    ], note="Sufficiency of specialist and AP places: figures from AP Track")
    _sheet(book, "Current demand", ["School year", "Learners", "Growth %", "Source"],
           [[row["label"], row["total"], r(row["growth"]), plan.sources.get(row["year"], "")]
            for row in summary.totals_by_year(plan.inputs, plan.history_years)])
    _sheet(book, "Needs breakdown", ["Primary need", "Primary", "Secondary", "Post-16", "Total",
                                     "Average annual growth %"],
           [[n["label"], n["primary"], n["secondary"], n["post16"], n["total"], r(n["growth"])]
            for n in summary.needs_breakdown(plan.inputs, f.base_year, NEED_LABELS)],
           note=f"Learners by primary need in {summary.label(f.base_year)}")
    _sheet(book, "Placement mix", ["Provision type", "Primary", "Secondary", "Post-16", "Total",
                                   "Share %"],
           [[m["label"], m["primary"], m["secondary"], m["post16"], m["total"], r(m["share"])]
            for m in summary.placement_mix(plan.inputs, f.base_year)],
           note=f"Learners by provision type in {summary.label(f.base_year)}")
    _sheet(book, "Capacity", ["Provision type", "Phase", *years],
           [[summary.PROVISION_LABELS[s.provision], summary.PHASE_LABELS[s.phase],
             *[r(c) for c in s.capacity]] for s in summary.totals_rows(f)],
           note="Places registered, with planned changes and the scenario's new places")
    _sheet(book, "Forecasts", ["Provision type", "Phase", "Need", "School year", "Demand",
                               "Lower", "Upper", "Places", "Gap"],
           [[s.provision, s.phase, s.need, years[i], r(s.demand[i]), r(s.lower[i]),
             r(s.upper[i]), r(s.capacity[i]), r(s.gap[i])]
            for s in f.series for i in range(len(years))],
           note=f"{summary.METHOD_LABELS[f.method]}; need ALL is the provision and phase total")
    _sheet(book, "Gaps", ["Provision type", "Phase", *years],
           [[summary.PROVISION_LABELS[s.provision], summary.PHASE_LABELS[s.phase],
             *[r(g) for g in s.gap]] for s in summary.totals_rows(f)],
           note="Demand minus places: positive is a shortfall")
    _sheet(book, "Scenario comparison", ["School year", "Demand (baseline)", "Demand (scenario)",
                                         "Places (baseline)", "Places (scenario)",
                                         "Gap (baseline)", "Gap (scenario)"],
           [[c["label"], r(c["demand"]), r(c["scenario_demand"]), r(c["capacity"]),
             r(c["scenario_capacity"]), r(c["gap"]), r(c["scenario_gap"])]
            for c in summary.comparison(plan.baseline, f)])
    _sheet(book, "Method and accuracy", ["Series", "Method", "Backtest MAPE %"],
           [[s.name, summary.METHOD_LABELS[m], r(s.backtest.get(m))]
            for s in f.series for m in fc.METHODS],
           note="Backtest: the last years of history forecast from the years before them")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
