"""Sufficiency forecasts (issue 8 "Performance": all series of one LA, with backtests, < 2 s).

* ``forecast_all_series``: ``aptrack.sufficiency.forecast.forecast`` over every provision type
  x phase x need series one LA can have (6 x 3 x 14 = 252, plus 18 totals), seven years of
  history, population and places: both methods, intervals, backtests, gaps. Baseline: the same
  fits done with statsmodels OLS and its prediction intervals (the reference the closed form is
  tested against). Target: under 2 s.
* ``plan_from_database``: ``aptrack.sufficiency.selectors.sufficiency_plan`` for the generated
  LA: demand counted from its placements and rolls in the database, then the forecast, as the
  sufficiency page and ``aptrack forecast`` do it.
"""

from __future__ import annotations

import random
import statistics
from datetime import date
from typing import Any

from bench.suites._common import figure, timed

NEEDS = ["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH",
         "NSA", "NONE"]


def synthetic_inputs(seed: int = 8) -> Any:
    from aptrack.sufficiency import forecast as fc

    rng = random.Random(seed)  # noqa: S311 - benchmark data
    history, places = {}, []
    for provision in fc.PROVISIONS:
        for phase in fc.PHASES:
            for need in NEEDS:
                start, growth = rng.randint(5, 200), rng.uniform(0.0, 0.15)
                history[(provision, phase, need)] = {
                    y: round(start * (1 + growth) ** (y - 2018) * rng.uniform(0.95, 1.05))
                    for y in range(2018, 2025)}
            places.append(fc.Places("general", provision, phase, "", 2024, rng.randint(50, 900)))
    population = {p: {y: 20000.0 for y in range(2018, 2032)} for p in fc.PHASES}
    changes = [fc.Change("new", "special", "secondary", "ASD", 2027, 120)]
    return fc.Inputs(history=history, population=population, places=places, changes=changes)


def statsmodels_reference(inputs: Any, years: list[int]) -> int:
    """Every fit the forecast makes, done with statsmodels OLS (the slower reference)."""
    import numpy as np
    import statsmodels.api as sm

    fits = 0
    totals: dict[Any, dict[int, float]] = {}
    for (prov, phase, _), counts in inputs.history.items():
        slot = totals.setdefault((prov, phase), {})
        for y, v in counts.items():
            slot[y] = slot.get(y, 0.0) + v
    for key, counts in [*inputs.history.items(), *totals.items()]:
        phase = key[1]
        pop = inputs.population[phase]
        xs = sorted(counts)
        for values in ([counts[x] for x in xs], [counts[x] / pop[x] for x in xs]):
            for train, targets in ((xs, years), (xs[:-2], xs[-2:])):
                x = sm.add_constant(np.array(train, dtype=float))
                fit = sm.OLS(np.array(values[:len(train)], dtype=float), x).fit()
                fit.get_prediction(sm.add_constant(np.array(targets, dtype=float))
                                   ).summary_frame(alpha=0.05)
                fits += 1
    return fits


def run(ctx: Any) -> list[dict[str, Any]]:
    from aptrack.sufficiency import forecast as fc

    inputs = synthetic_inputs(ctx.seed if hasattr(ctx, "seed") else 8)
    years = list(range(2025, 2032))
    runs = max(3, min(getattr(ctx, "repeats", 5), 10))
    samples = []
    result = None
    for _ in range(runs):
        seconds, result = timed(lambda: fc.forecast(inputs, base_year=2024, years=years))
        samples.append(seconds)
    reference = [timed(lambda: statsmodels_reference(inputs, years))[0] for _ in range(3)]
    value, baseline = statistics.median(samples), statistics.median(reference)
    n = len(result.series) if result else 0
    figures = [figure("sufficiency.forecast_all_series", value, baseline, "s",
                      f"{n} series x 7 years, 2 methods, intervals and 2-year backtests; "
                      f"median of {runs}; baseline statsmodels OLS for the same fits; "
                      f"target < 2 s: {'met' if value < 2 else 'NOT met'}")]
    figures += _plan(ctx)
    return figures


def _plan(ctx: Any) -> list[dict[str, Any]]:
    la_code = getattr(ctx, "la_code", "")
    if not la_code:
        return []
    from aptrack.sufficiency import selectors

    la = selectors.la_by_code(la_code)
    seconds = []
    plan = None
    for _ in range(3):
        s, plan = timed(lambda: selectors.sufficiency_plan(la, today=getattr(ctx, "today", None)
                                                          or date.today()))
        seconds.append(s)
    n = len(plan.forecast.series) if plan else 0
    value = statistics.median(seconds)
    return [figure("sufficiency.plan_from_database", value, None, "s",
                   f"LA {la_code}: demand counted from placements and rolls, then {n} series "
                   f"forecast; median of 3; target < 2 s: {'met' if value < 2 else 'NOT met'}")]
