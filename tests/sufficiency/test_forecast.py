"""The forecasting maths on series with known answers: a straight line, a constant, a step."""

from datetime import date

import numpy as np
import pytest
import statsmodels.api as sm

from aptrack.sufficiency import classify
from aptrack.sufficiency import forecast as f

YEARS = list(range(2018, 2025))
HORIZON = list(range(2025, 2032))


def test_a_straight_line_is_continued_exactly_with_no_interval():
    history = {y: 100 + 10 * (y - 2018) for y in YEARS}
    p = f.project_trend(history, HORIZON)
    assert p.demand == pytest.approx([170 + 10 * i for i in range(7)])
    assert p.lower == pytest.approx(p.demand) and p.upper == pytest.approx(p.demand)
    assert f.backtest(f.TREND, history, {}, holdout=2) == pytest.approx(0.0)


def test_a_constant_stays_constant():
    p = f.project_trend(dict.fromkeys(YEARS, 42.0), HORIZON)
    assert p.demand == pytest.approx([42.0] * 7)
    assert p.upper == pytest.approx([42.0] * 7)


def test_a_step_gives_the_least_squares_line_and_a_known_backtest_error():
    # 10 for four years, then 20 for three: slope 60/28 = 15/7 through the mean 100/7 at 2021.
    history = {y: (10.0 if y < 2022 else 20.0) for y in YEARS}
    p = f.project_trend(history, [2025, 2026])
    assert p.demand == pytest.approx([100 / 7 + 4 * 15 / 7, 100 / 7 + 5 * 15 / 7])
    assert p.lower[0] < p.demand[0] < p.upper[0]
    # Fitted on 10,10,10,10,20 (slope 2 through 12 at 2020): 18 and 20 for 2023, 2024
    # against actual 20 and 20 -> errors 10% and 0% -> MAPE 5%.
    assert f.backtest(f.TREND, history, {}, holdout=2) == pytest.approx(5.0)


def test_interval_matches_statsmodels_ols_prediction_interval():
    history = {2018: 12, 2019: 15, 2020: 14, 2021: 19, 2022: 22, 2023: 21, 2024: 27}
    p = f.project_trend(history, HORIZON, level=0.9)
    x = sm.add_constant(np.array(YEARS, dtype=float))
    fit = sm.OLS(np.array([history[y] for y in YEARS], dtype=float), x).fit()
    frame = fit.get_prediction(sm.add_constant(np.array(HORIZON, dtype=float))).summary_frame(
        alpha=0.1)
    assert p.demand == pytest.approx(frame["mean"].tolist())
    assert p.lower == pytest.approx(frame["obs_ci_lower"].tolist())
    assert p.upper == pytest.approx(frame["obs_ci_upper"].tolist())
    widths = [u - lo for lo, u in zip(p.lower, p.upper, strict=True)]
    assert widths == sorted(widths)  # less certain the further ahead


def test_short_series_and_never_negative():
    assert f.project_trend({}, [2025]).demand == (0.0,)
    assert f.project_trend({2024: 5}, [2025, 2026]).demand == (5.0, 5.0)
    two = f.project_trend({2023: 5, 2024: 7}, [2025])
    assert two.demand == two.lower == two.upper == (9.0,)
    falling = f.project_trend({2022: 9, 2023: 5, 2024: 1}, [2025, 2026])
    assert falling.demand == (0.0, 0.0)
    assert f.backtest(f.TREND, {2022: 1, 2023: 2, 2024: 3, 2021: 0}, {}, holdout=2) is None


def test_prevalence_follows_population_at_a_constant_rate():
    population = {y: 1000.0 + 100 * (y - 2018) for y in [*YEARS, *HORIZON]}
    history = {y: 0.02 * population[y] for y in YEARS}
    p = f.project_prevalence(history, population, HORIZON)
    assert p.demand == pytest.approx([0.02 * population[y] for y in HORIZON])
    assert p.upper == pytest.approx(p.demand)
    assert f.backtest(f.PREVALENCE, history, population, holdout=3) == pytest.approx(0.0)
    # a falling population lowers prevalence demand while the trend method keeps rising
    falling = {y: 2000.0 - 100 * (y - 2018) for y in [*YEARS, *HORIZON]}
    flat_rate = {y: 0.01 * falling[y] for y in YEARS}
    assert f.project_prevalence(flat_rate, falling, [2031]).demand == pytest.approx((7.0,))
    assert f.project_prevalence(history, {2018: 1.0}, HORIZON) is None


def test_mape():
    assert f.mape([100, 200], [110, 180]) == pytest.approx(10.0)
    assert f.mape([0, 100], [5, 50]) == pytest.approx(50.0)
    assert f.mape([0, 0], [1, 2]) is None


def test_capacity_register_and_planned_changes():
    places = [f.Places("A", "special", "secondary", "ASD", 2024, 50),
              f.Places("A", "special", "secondary", "ASD", 2028, 80)]
    changes = [f.Change("A", "special", "secondary", "ASD", 2026, 20),  # counted in 2028 entry
               f.Change("B", "special", "secondary", "ASD", 2027, 30),  # a new school
               f.Change("C", "special", "secondary", "ASD", 2025, -10)]  # closure of nothing
    got = f.capacity_by_year(places, changes, [2024, 2025, 2026, 2027, 2028])
    assert got[("special", "secondary", "ASD")] == [50, 50, 70, 100, 110]


def _inputs():
    history = {("special", "secondary", "ASD"): {y: 10.0 * (y - 2017) for y in YEARS},
               ("special", "secondary", "SEMH"): {y: 30.0 for y in YEARS},
               ("ap", "secondary", "SEMH"): {y: 50.0 for y in YEARS}}
    places = [f.Places("S", "special", "secondary", "ASD", 2024, 60),
              f.Places("S", "special", "secondary", "", 2024, 40),
              f.Places("P", "ap", "secondary", "", 2024, 45)]
    return f.Inputs(history=history, population={}, places=places)


def test_gap_per_year_and_shared_places():
    fc = f.forecast(_inputs(), base_year=2024, years=[2025, 2026])
    asd = fc.get(("special", "secondary", "ASD"))
    assert asd.demand == pytest.approx((80.0, 90.0))
    # 40 places open to any need, shared 80:30 and 90:30 between ASD and SEMH
    assert asd.capacity == pytest.approx((60 + 40 * 80 / 110, 60 + 40 * 90 / 120))
    total = fc.get(("special", "secondary", "ALL"))
    assert total.demand == pytest.approx((110.0, 120.0))
    assert total.capacity == (100.0, 100.0) and total.gap == pytest.approx((10.0, 20.0))
    assert total.backtest[f.TREND] == pytest.approx(0.0)
    assert fc.get(("ap", "secondary", "ALL")).gap == pytest.approx((5.0, 5.0))
    assert f.totals(fc)["gap"] == pytest.approx([15.0, 25.0])


def test_scenarios_change_demand_and_capacity():
    inputs = _inputs()
    inclusion = f.forecast(inputs, base_year=2024, years=[2025],
                           scenario=f.Scenario(inclusion_pct=20))
    assert inclusion.get(("ap", "secondary", "SEMH")).demand == pytest.approx((40.0,))
    assert inclusion.get(("mainstream", "secondary", "SEMH")).demand == pytest.approx((10.0,))
    assert inclusion.get(("mainstream", "secondary", "ALL")).capacity == (None,)
    growth = f.forecast(inputs, base_year=2024, years=[2025, 2026],
                        scenario=f.Scenario(growth_pct=10))
    assert growth.get(("ap", "secondary", "SEMH")).demand == pytest.approx((55.0, 60.5))
    opening = f.Change("scenario", "ap", "secondary", "", 2026, 10)
    more = f.forecast(inputs, base_year=2024, years=[2025, 2026],
                      scenario=f.Scenario(new_places=(opening,)))
    assert more.get(("ap", "secondary", "ALL")).gap == pytest.approx((5.0, -5.0))


def test_prevalence_without_population_is_refused():
    with pytest.raises(ValueError, match="population projections"):
        f.forecast(_inputs(), base_year=2024, years=[2025], method=f.PREVALENCE)


def test_census_day_phase_and_provision():
    assert classify.census_day(2024) == date(2025, 1, 16)
    assert classify.census_day(2025) == date(2026, 1, 15)
    assert classify.phase_of(date(2013, 9, 1), 2025) == "secondary"  # 11 on 31 Aug: Year 7
    assert classify.phase_of(date(2014, 9, 1), 2025) == "primary"  # 10 on 31 Aug: Year 6
    assert classify.phase_of(date(2014, 8, 31), 2024) == "primary"  # 10 on 31 Aug 2024
    assert classify.phase_of(date(2009, 8, 31), 2025) == "post16"
    assert classify.phase_of(date(2023, 1, 1), 2025) is None
    assert classify.provision_of("pru", True) == "ap"
    assert classify.provision_of("special_school", False) == "out_of_area"
    assert classify.provision_of("mainstream_school", False) == "mainstream"
    assert f.school_year_label(2031) == "2031/32" and f.school_year_label(2099) == "2099/00"
