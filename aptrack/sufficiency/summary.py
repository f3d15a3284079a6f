"""The sections of a sufficiency strategy, as plain tables built from the forecast's inputs and
results (no Django): current demand, needs breakdown, placement mix, capacity, forecasts, gaps,
method and accuracy. The page, the workbook, the PDF and the command all read them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from . import forecast as fc

PHASE_LABELS = {"primary": "Primary", "secondary": "Secondary", "post16": "Post-16"}
PROVISION_LABELS = {
    "mainstream": "Mainstream with support", "resourced": "Resourced provision or SEN unit",
    "special": "Special school", "independent": "Independent or non-maintained special",
    "out_of_area": "Out-of-area placement", "ap": "PRU or alternative provision",
}
METHOD_LABELS = {fc.TREND: "Trend projection", fc.PREVALENCE: "Prevalence x population"}


def label(year: int) -> str:
    return fc.school_year_label(year)


def totals_by_year(inputs: fc.Inputs, years: list[int]) -> list[dict[str, Any]]:
    """Current demand: all learners counted per year, with the growth on the year before."""
    rows, previous = [], None
    for year in years:
        total = sum(v.get(year, 0.0) for v in inputs.history.values())
        growth = None if not previous else 100 * (total - previous) / previous
        rows.append({"year": year, "label": label(year), "total": total, "growth": growth})
        previous = total
    return rows


def _by(inputs: fc.Inputs, year: int, index: int) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for key, counts in inputs.history.items():
        table[key[index]][key[1]] += counts.get(year, 0.0)
    return table


def needs_breakdown(inputs: fc.Inputs, year: int, labels: dict[str, str]
                    ) -> list[dict[str, Any]]:
    """Learners by primary need and phase in ``year``, largest first, with the growth since the
    earliest year of history."""
    now, rows = _by(inputs, year, 2), []
    first = min((y for v in inputs.history.values() for y in v), default=year)
    then = _by(inputs, first, 2)
    for need, phases in now.items():
        total = sum(phases.values())
        earlier = sum(then.get(need, {}).values())
        rows.append({"need": need, "label": labels.get(need, need), "total": total,
                     **{p: phases.get(p, 0.0) for p in fc.PHASES},
                     "growth": None if not earlier or year <= first
                     else 100 * ((total / earlier) ** (1 / (year - first)) - 1)})
    return sorted(rows, key=lambda r: -r["total"])


def placement_mix(inputs: fc.Inputs, year: int) -> list[dict[str, Any]]:
    """Learners by provision type and phase in ``year``, with each type's share."""
    table = _by(inputs, year, 0)
    grand = sum(sum(v.values()) for v in table.values()) or 1.0
    return [{"provision": p, "label": PROVISION_LABELS[p],
             **{ph: table.get(p, {}).get(ph, 0.0) for ph in fc.PHASES},
             "total": sum(table.get(p, {}).values()),
             "share": 100 * sum(table.get(p, {}).values()) / grand}
            for p in fc.PROVISIONS if p in table]


def totals_rows(forecast: fc.Forecast) -> list[fc.SeriesForecast]:
    """The provision x phase totals (all needs)."""
    return [s for s in forecast.series if s.need == fc.ALL_NEEDS]


def need_rows(forecast: fc.Forecast, provision: str, phase: str) -> list[fc.SeriesForecast]:
    return [s for s in forecast.series
            if s.provision == provision and s.phase == phase and s.need != fc.ALL_NEEDS]


def series_title(s: fc.SeriesForecast, labels: dict[str, str]) -> str:
    need = "" if s.need == fc.ALL_NEEDS else f", {labels.get(s.need, s.need)}"
    return f"{PROVISION_LABELS.get(s.provision, s.provision)}, " \
           f"{PHASE_LABELS.get(s.phase, s.phase).lower()}{need}"


def comparison(baseline: fc.Forecast, scenario: fc.Forecast) -> list[dict[str, Any]]:
    """Scenario comparison: total demand, capacity and gap per year, baseline beside scenario."""
    a, b = fc.totals(baseline), fc.totals(scenario)
    return [{"year": y, "label": label(y), "demand": a["demand"][i],
             "scenario_demand": b["demand"][i], "capacity": a["capacity"][i],
             "scenario_capacity": b["capacity"][i], "gap": a["gap"][i],
             "scenario_gap": b["gap"][i]} for i, y in enumerate(baseline.years)]


def as_json(forecast: fc.Forecast, la_code: str) -> dict[str, Any]:
    """The shape of ``aptrack forecast --format json`` (INTERFACES.md): one value per year in
    each list; school years as "2025/26"; gap and capacity null where no places are registered;
    backtest MAPE in percent (null when the series is too short or all zero)."""
    r = fc.round1
    return {
        "la": la_code,
        "base_year": label(forecast.base_year),
        "years": [label(y) for y in forecast.years],
        "method": forecast.method,
        "series": [{"provision": s.provision, "phase": s.phase, "need": s.need,
                    "demand": [r(v) for v in s.demand], "lower": [r(v) for v in s.lower],
                    "upper": [r(v) for v in s.upper], "capacity": [r(v) for v in s.capacity],
                    "gap": [r(v) for v in s.gap]} for s in forecast.series],
        "backtest": [{"method": m, "series": s.name, "mape": r(s.backtest.get(m))}
                     for s in forecast.series for m in fc.METHODS],
    }
