"""Sufficiency forecasts: the pure maths (no Django, no I/O, no clock).

Forecasts demand for places per provision type x phase x primary need, for the school years of
the planning horizon, against the capacity the LA has registered, and says how far each forecast
can be trusted by a backtest. Methods in use by councils (DOMAIN.md section 7, [secondary]):

- ``trend``: trend projection of the counts; ordinary least squares on the school year, with a
  prediction interval for a new observation, yhat +/- t(n-2) * s * sqrt(1 + 1/n + (x0-xbar)^2/Sxx)
  (the interval statsmodels ``OLS(...).get_prediction().summary_frame()`` calls ``obs_ci``;
  the tests check the two agree). Closed form, so that every series of an LA, with backtests,
  is forecast in well under the 2 s the sufficiency issue allows.
- ``prevalence``: the prevalence rate (count / resident population of the phase's ages)
  projected by its own least-squares trend, times the projected population (ONS sub-national
  population projections, uploaded by the LA). Its interval is the rate's interval x population.

A backtest holds out the last ``holdout`` years of history, forecasts them from the years
before, and reports the mean absolute percentage error (MAPE) of each method on each series.

Scenarios change the central forecast: a growth-rate override, mainstream inclusion (a share of
AP demand met in mainstream with support instead) and new places opening. The gap is demand
minus capacity, per school year: positive is a shortfall of places.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

TREND = "trend"
PREVALENCE = "prevalence"
METHODS = (TREND, PREVALENCE)
ALL_NEEDS = "ALL"
ANY_NEED = ""
#: Provision types of the capacity register, in the order sufficiency strategies list them.
PROVISIONS = ("mainstream", "resourced", "special", "independent", "out_of_area", "ap")
PHASES = ("primary", "secondary", "post16")
AP = "ap"
MAINSTREAM = "mainstream"
MIN_POINTS_FOR_BACKTEST = 3

SeriesKey = tuple[str, str, str]  # (provision, phase, need)


@dataclass(frozen=True)
class Projection:
    """One method's forecast of one series: central value and interval for each year."""

    method: str
    years: tuple[int, ...]
    demand: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]


@dataclass(frozen=True)
class Places:
    """Registered places of one holder (an establishment or a named group of places) in one
    school year; ``need`` ANY_NEED ("") for places open to any need."""

    holder: str
    provision: str
    phase: str
    need: str
    year: int
    places: float


@dataclass(frozen=True)
class Change:
    """A planned change of places (new places positive, closures negative) from ``year`` on."""

    holder: str
    provision: str
    phase: str
    need: str
    year: int
    places: float


@dataclass(frozen=True)
class Scenario:
    """What-if settings applied to the central forecast of the chosen method.

    ``inclusion_pct``: percentage of AP demand met instead in mainstream with support.
    ``growth_pct``: annual growth from the base year's count, instead of the method's trend.
    ``new_places``: extra places opening (as planned changes).
    """

    inclusion_pct: float = 0.0
    growth_pct: float | None = None
    new_places: tuple[Change, ...] = ()

    @property
    def is_baseline(self) -> bool:
        return not self.inclusion_pct and self.growth_pct is None and not self.new_places


@dataclass(frozen=True)
class Inputs:
    """Everything a forecast needs, as plain data."""

    history: Mapping[SeriesKey, Mapping[int, float]]
    population: Mapping[str, Mapping[int, float]]
    places: Sequence[Places] = ()
    changes: Sequence[Change] = ()


@dataclass(frozen=True)
class SeriesBase:
    """The scenario-free part of one series: history, both methods' projections, backtests."""

    key: SeriesKey
    history: tuple[tuple[int, float], ...]
    projections: Mapping[str, Projection | None]
    backtest: Mapping[str, float | None]


@dataclass(frozen=True)
class SeriesForecast:
    """One series after the scenario: demand with interval, capacity and gap per year."""

    provision: str
    phase: str
    need: str
    history: tuple[tuple[int, float], ...]
    demand: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    capacity: tuple[float | None, ...]
    gap: tuple[float | None, ...]
    backtest: Mapping[str, float | None]

    @property
    def key(self) -> SeriesKey:
        return (self.provision, self.phase, self.need)

    @property
    def name(self) -> str:
        return series_name(self.key)


@dataclass(frozen=True)
class Forecast:
    """Every series of one LA for the horizon under one method and scenario."""

    base_year: int
    years: tuple[int, ...]
    method: str
    scenario: Scenario
    series: tuple[SeriesForecast, ...] = field(default=())

    def get(self, key: SeriesKey) -> SeriesForecast | None:
        return next((s for s in self.series if s.key == key), None)


def series_name(key: SeriesKey) -> str:
    """The series as one string, e.g. "special/secondary/ASD"."""
    return "/".join(key)


# ---- the two methods ----------------------------------------------------------------------

def linear_projection(xs: Sequence[float], ys: Sequence[float], targets: Sequence[float],
                      level: float = 0.95) -> tuple[list[float], list[float], list[float]]:
    """Least-squares line through (xs, ys) evaluated at ``targets``, with the prediction
    interval of a new observation at ``level``. With one point the forecast is that point; with
    two, the line through them; neither has an interval (lower = upper = forecast)."""
    n = len(xs)
    if n == 0:
        zeros = [0.0] * len(targets)
        return zeros, zeros, list(zeros)
    if n == 1:
        flat = [float(ys[0])] * len(targets)
        return flat, list(flat), list(flat)
    x, y, t = (np.asarray(v, dtype=float) for v in (xs, ys, targets))
    xbar, ybar = x.mean(), y.mean()
    sxx = float(((x - xbar) ** 2).sum())
    slope = float(((x - xbar) * (y - ybar)).sum()) / sxx
    pred = ybar + slope * (t - xbar)
    if n == 2:
        return pred.tolist(), pred.tolist(), pred.tolist()
    resid = y - (ybar + slope * (x - xbar))
    s2 = float((resid ** 2).sum()) / (n - 2)
    se = np.sqrt(s2 * (1 + 1 / n + (t - xbar) ** 2 / sxx))
    q = t_quantile(level, n - 2)
    return pred.tolist(), (pred - q * se).tolist(), (pred + q * se).tolist()


@functools.lru_cache(maxsize=256)
def t_quantile(level: float, dof: int) -> float:
    """The two-sided Student t quantile of ``level`` with ``dof`` degrees of freedom."""
    return float(stats.t.ppf(0.5 + level / 2, dof))


def _clean(values: Iterable[float]) -> tuple[float, ...]:
    """Counts of children are never negative."""
    return tuple(max(0.0, float(v)) for v in values)


def project_trend(history: Mapping[int, float], years: Sequence[int],
                  level: float = 0.95) -> Projection:
    """Trend projection of a series of counts by school year."""
    xs = sorted(history)
    demand, lower, upper = linear_projection(xs, [history[x] for x in xs], years, level)
    return Projection(TREND, tuple(years), _clean(demand), _clean(lower), _clean(upper))


def project_prevalence(history: Mapping[int, float], population: Mapping[int, float],
                       years: Sequence[int], level: float = 0.95) -> Projection | None:
    """Prevalence rate x projected population; None without population for every forecast
    year and for at least one year of history."""
    if any(not population.get(y) for y in years):
        return None
    xs = sorted(y for y in history if population.get(y))
    if not xs:
        return None
    rates = [history[x] / population[x] for x in xs]
    rate, low, high = linear_projection(xs, rates, years, level)
    pop = [population[y] for y in years]
    return Projection(PREVALENCE, tuple(years), _clean(r * p for r, p in zip(rate, pop,
                                                                              strict=True)),
                      _clean(r * p for r, p in zip(low, pop, strict=True)),
                      _clean(r * p for r, p in zip(high, pop, strict=True)))


def project(method: str, history: Mapping[int, float], population: Mapping[int, float],
            years: Sequence[int], level: float = 0.95) -> Projection | None:
    """Forecast ``years`` of a series by ``method`` (TREND or PREVALENCE)."""
    if method == TREND:
        return project_trend(history, years, level)
    if method == PREVALENCE:
        return project_prevalence(history, population, years, level)
    raise ValueError(f"Unknown forecast method {method!r}: use one of {', '.join(METHODS)}.")


def mape(actual: Sequence[float], predicted: Sequence[float]) -> float | None:
    """Mean absolute percentage error over the years whose actual count is above zero (a
    percentage of nothing is undefined); None when there is no such year."""
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a > 0]
    if not pairs:
        return None
    return 100.0 * sum(abs(a - p) / a for a, p in pairs) / len(pairs)


def backtest(method: str, history: Mapping[int, float], population: Mapping[int, float],
             holdout: int) -> float | None:
    """MAPE of ``method`` forecasting the last ``holdout`` years of history from the years
    before them; None when fewer than MIN_POINTS_FOR_BACKTEST years would remain to fit."""
    xs = sorted(history)
    if holdout < 1 or len(xs) - holdout < MIN_POINTS_FOR_BACKTEST:
        return None
    train = {x: history[x] for x in xs[:-holdout]}
    test = xs[-holdout:]
    projection = project(method, train, population, test)
    if projection is None:
        return None
    return mape([history[x] for x in test], projection.demand)


# ---- capacity -----------------------------------------------------------------------------

def capacity_by_year(places: Sequence[Places], changes: Sequence[Change],
                     years: Sequence[int]) -> dict[tuple[str, str, str], list[float]]:
    """Places per (provision, phase, need) for each year.

    Each holder's places in year Y are those of its latest register entry for a year up to Y,
    plus the planned changes after that entry's year and up to Y (a later register entry already
    counts the changes before it). Never below zero.
    """
    entries: dict[tuple[str, SeriesKey], dict[int, float]] = defaultdict(dict)
    for p in places:
        slot = entries[(p.holder, (p.provision, p.phase, p.need))]
        slot[p.year] = slot.get(p.year, 0.0) + p.places
    planned: dict[tuple[str, SeriesKey], list[Change]] = defaultdict(list)
    for c in changes:
        planned[(c.holder, (c.provision, c.phase, c.need))].append(c)
    out: dict[SeriesKey, list[float]] = defaultdict(lambda: [0.0] * len(years))
    for holder_key in set(entries) | set(planned):
        register = entries.get(holder_key, {})
        row = out[holder_key[1]]
        for i, year in enumerate(years):
            known = [y for y in register if y <= year]
            base_year = max(known) if known else None
            value = register[base_year] if base_year is not None else 0.0
            value += sum(c.places for c in planned.get(holder_key, [])
                         if c.year <= year and (base_year is None or c.year > base_year))
            row[i] += max(0.0, value)
    return dict(out)


# ---- all series ---------------------------------------------------------------------------

def aggregate_history(history: Mapping[SeriesKey, Mapping[int, float]]
                      ) -> dict[SeriesKey, dict[int, float]]:
    """All needs of each provision x phase summed, as series with need ALL_NEEDS."""
    totals: dict[SeriesKey, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for (provision, phase, _need), counts in history.items():
        for year, count in counts.items():
            totals[(provision, phase, ALL_NEEDS)][year] += count
    return {k: dict(v) for k, v in totals.items()}


def series_keys(inputs: Inputs) -> list[SeriesKey]:
    """Every need-level series (with history or need-specific places) and every provision x
    phase total, in the order of PROVISIONS and PHASES."""
    keys = set(inputs.history)
    keys |= {(p.provision, p.phase, p.need) for p in [*inputs.places, *inputs.changes]
             if p.need != ANY_NEED}
    keys |= {(p.provision, p.phase, ALL_NEEDS) for p in [*inputs.places, *inputs.changes]}
    keys |= {(prov, phase, ALL_NEEDS) for prov, phase, _ in keys}
    return sorted(keys, key=sort_key)


def sort_key(key: SeriesKey) -> tuple[int, int, int, str]:
    provision, phase, need = key
    return (PROVISIONS.index(provision) if provision in PROVISIONS else len(PROVISIONS),
            PHASES.index(phase) if phase in PHASES else len(PHASES),
            0 if need == ALL_NEEDS else 1, need)


def project_all(inputs: Inputs, *, base_year: int, years: Sequence[int], holdout: int = 2,
                level: float = 0.95) -> dict[SeriesKey, SeriesBase]:
    """Both methods' projections and backtests of every series, from history up to
    ``base_year`` (the scenario-free, costly part of a forecast)."""
    fitted = {k: {y: c for y, c in v.items() if y <= base_year}
              for k, v in inputs.history.items()}
    totals = aggregate_history(fitted)
    out: dict[SeriesKey, SeriesBase] = {}
    for key in series_keys(inputs):
        history = totals.get(key, {}) if key[2] == ALL_NEEDS else fitted.get(key, {})
        population = inputs.population.get(key[1], {})
        out[key] = SeriesBase(
            key=key, history=tuple(sorted(history.items())),
            projections={m: project(m, history, population, years, level) for m in METHODS},
            backtest={m: backtest(m, history, population, holdout) for m in METHODS},
        )
    return out


def _scaled(values: Sequence[float], central: Sequence[float],
            new_central: Sequence[float]) -> tuple[float, ...]:
    """An interval bound moved with the central forecast, keeping its relative width."""
    return tuple(n * v / c if c else n for v, c, n in zip(values, central, new_central,
                                                             strict=True))


def _demand(base: SeriesBase, method: str, scenario: Scenario, years: Sequence[int],
            base_year: int) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    projection = base.projections.get(method)
    if projection is None and not base.history:
        zeros = (0.0,) * len(years)
        return zeros, zeros, zeros
    if projection is None:
        raise ValueError(f"The {method} method cannot forecast {series_name(base.key)}: "
                         "upload population projections for every year of history and horizon.")
    demand, lower, upper = projection.demand, projection.lower, projection.upper
    if scenario.growth_pct is not None:
        last = dict(base.history).get(base_year, base.history[-1][1] if base.history else 0.0)
        grown = tuple(last * (1 + scenario.growth_pct / 100) ** (y - base_year) for y in years)
        lower, upper = _scaled(lower, demand, grown), _scaled(upper, demand, grown)
        demand = grown
    return demand, lower, upper


def apply(bases: Mapping[SeriesKey, SeriesBase], inputs: Inputs, *, method: str,
          scenario: Scenario, base_year: int, years: Sequence[int]) -> Forecast:
    """The forecast under ``method`` and ``scenario``: demand (growth override, then mainstream
    inclusion), capacity (register, planned changes and the scenario's new places) and gap.

    Places open to any need are shared among the needs of their provision x phase in proportion
    to each need's forecast demand that year; the provision x phase total has them all. A
    provision x phase with nothing registered has no capacity (None), so no gap.
    """
    share = scenario.inclusion_pct / 100
    rows: dict[SeriesKey, list[tuple[float, ...]]] = {}
    for key, base in bases.items():
        rows[key] = list(_demand(base, method, scenario, years, base_year))
    if share:
        for key in [k for k in rows if k[0] == AP]:
            demand, lower, upper = rows[key]
            moved = tuple(d * share for d in demand)
            rows[key] = [tuple(d * (1 - share) for d in v) for v in (demand, lower, upper)]
            target = (MAINSTREAM, key[1], key[2])
            have = rows.get(target, [(0.0,) * len(years)] * 3)
            rows[target] = [tuple(a + m for a, m in zip(v, moved, strict=True)) for v in have]
    capacity = capacity_by_year(inputs.places, [*inputs.changes, *scenario.new_places], years)
    registered = {(k[0], k[1]) for k in capacity}
    need_totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * len(years))
    for key, (demand, _, _) in rows.items():
        if key[2] != ALL_NEEDS:
            slot = need_totals[key[:2]]
            for i, d in enumerate(demand):
                slot[i] += d
    series = []
    for key in sorted(rows, key=sort_key):
        demand, lower, upper = rows[key]
        cap = _capacity_of(key, demand, need_totals.get(key[:2], [0.0] * len(years)),
                           capacity, registered, len(years))
        gap = tuple(None if c is None else d - c for d, c in zip(demand, cap, strict=True))
        base = bases.get(key)
        series.append(SeriesForecast(
            provision=key[0], phase=key[1], need=key[2],
            history=base.history if base else (), demand=tuple(demand), lower=tuple(lower),
            upper=tuple(upper), capacity=cap, gap=gap,
            backtest=dict(base.backtest) if base else dict.fromkeys(METHODS)))
    return Forecast(base_year=base_year, years=tuple(years), method=method, scenario=scenario,
                    series=tuple(series))


def _capacity_of(key: SeriesKey, demand: Sequence[float], need_total: Sequence[float],
                 capacity: Mapping[SeriesKey, list[float]], registered: set[tuple[str, str]],
                 n: int) -> tuple[float | None, ...]:
    provision, phase, need = key
    if (provision, phase) not in registered:
        return (None,) * n
    general = capacity.get((provision, phase, ANY_NEED), [0.0] * n)
    if need == ALL_NEEDS:
        specific = [sum(v[i] for k, v in capacity.items() if k[:2] == (provision, phase)
                        and k[2] != ANY_NEED) for i in range(n)]
        return tuple(s + g for s, g in zip(specific, general, strict=True))
    own = capacity.get(key, [0.0] * n)
    return tuple(own[i] + (general[i] * demand[i] / need_total[i] if need_total[i] else 0.0)
                 for i in range(n))


def forecast(inputs: Inputs, *, base_year: int, years: Sequence[int], method: str = TREND,
             scenario: Scenario | None = None, holdout: int = 2,
             level: float = 0.95) -> Forecast:
    """Project every series and apply the scenario: the whole forecast in one call."""
    bases = project_all(inputs, base_year=base_year, years=years, holdout=holdout, level=level)
    return apply(bases, inputs, method=method, scenario=scenario or Scenario(),
                 base_year=base_year, years=years)


def totals(forecast_: Forecast) -> dict[str, list[float | None]]:
    """Demand, capacity and gap of all provision x phase totals together, per year (capacity
    and gap over the totals that have capacity registered)."""
    parts = [s for s in forecast_.series if s.need == ALL_NEEDS]
    n = len(forecast_.years)
    demand = [sum(s.demand[i] for s in parts) for i in range(n)]
    with_cap = [s for s in parts if s.capacity[0] is not None]
    capacity: list[float | None] = [sum(s.capacity[i] or 0.0 for s in with_cap)
                                    for i in range(n)] if with_cap else [None] * n
    gap: list[float | None] = [sum(s.gap[i] or 0.0 for s in with_cap) for i in range(n)
                               ] if with_cap else [None] * n
    return {"demand": list(demand), "capacity": capacity, "gap": gap}


def school_year_label(year: int) -> str:
    """2025 -> "2025/26" (a school year runs 1 September to 31 August; EA 1996 s579(1))."""
    return f"{year}/{(year + 1) % 100:02d}"


def round1(value: float | None) -> float | None:
    """One decimal place for reports (None stays None; -0.0 becomes 0.0)."""
    if value is None or math.isnan(value):
        return None
    return round(value, 1) + 0.0
