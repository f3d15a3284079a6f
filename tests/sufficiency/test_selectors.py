"""Demand counted from AP Track's own records, history from uploads, and the plan."""

from datetime import date

import pytest

from aptrack.placements import services as placements
from aptrack.sufficiency import forecast as fc
from aptrack.sufficiency import selectors, services
from tests import factories
from tests.sufficiency.conftest import HISTORY_HEADER, csv_bytes

pytestmark = pytest.mark.django_db
TODAY = date(2025, 12, 1)


def test_learners_are_counted_once_in_the_place_they_occupy(world):
    # an EHC-plan pupil on a mainstream roll, aged 13: mainstream with support, secondary, ASD
    factories.learner(world.school, date_of_birth=date(2012, 3, 1), sen_provision="E",
                      primary_need="ASD")
    # an EHC-plan pupil placed at the PRU: counted in AP, not also in mainstream
    placed = factories.learner(world.school, date_of_birth=date(2012, 5, 1), sen_provision="E",
                               primary_need="SEMH")
    p = world.commission(placed, provider=world.pru, reason="off_site_direction",
                         start=date(2025, 10, 6))
    placements.placement_start(actor=None, placement=p)
    # a pupil with no SEN in AP: counted in AP with need NONE
    other = factories.learner(world.school, date_of_birth=date(2012, 6, 1))
    placements.placement_start(actor=None, placement=world.commission(
        other, provider=world.ap, start=date(2025, 10, 6)))
    # SEN support on a roll, not in AP: not counted; another LA's resident: not counted
    factories.learner(world.school, sen_provision="K", primary_need="MLD")
    factories.learner(world.school, sen_provision="E", primary_need="ASD",
                      home_la=world.other_la)
    counts = selectors.recorded_demand(world.la, today=TODAY)
    assert counts == {
        2024: {("mainstream", "secondary", "ASD"): 1, ("mainstream", "secondary", "SEMH"): 1},
        2025: {("mainstream", "secondary", "ASD"): 1, ("ap", "secondary", "SEMH"): 1,
               ("ap", "secondary", "NONE"): 1}}
    # the LA officer's scoped count is the same
    assert selectors.recorded_demand(world.la, today=TODAY,
                                     user=world.users["la_officer"]) == counts


def test_uploaded_years_take_precedence_over_records(world):
    factories.learner(world.school, date_of_birth=date(2012, 3, 1), sen_provision="E",
                      primary_need="ASD")
    services.sufficiency_upload(actor=None, la=world.la, kind="history", filename="h.csv",
                                source="SEN2", data=csv_bytes(HISTORY_HEADER, [
                                    [2023, "special", "secondary", "ASD", 80],
                                    [2024, "special", "secondary", "ASD", 90]]))
    history, sources = selectors.demand_history(world.la, today=TODAY)
    assert sources == {2023: "uploaded", 2024: "uploaded", 2025: "AP Track records"}
    assert history[("special", "secondary", "ASD")] == {2023: 80.0, 2024: 90.0}
    assert history[("mainstream", "secondary", "ASD")] == {2025: 1.0}


def test_the_plan_forecasts_every_series_with_capacity_changes(planned, settings):
    plan = selectors.sufficiency_plan(planned.la, today=TODAY)
    f = plan.forecast
    assert f.base_year == 2024 and f.years == tuple(range(2025, 2032))
    assert plan.methods_available == ["trend", "prevalence"]
    asd = f.get(("special", "secondary", "ASD"))
    assert asd.demand == pytest.approx([120 + 10 * i for i in range(7)])
    # 100 places, and 60 more from 2027/28
    assert asd.capacity == (100, 100, 160, 160, 160, 160, 160)
    assert asd.gap == pytest.approx((20, 30, -20, -10, 0, 10, 20))
    assert f.get(("ap", "secondary", "ALL")).gap == pytest.approx((-5.0,) * 7)
    assert asd.backtest == {"trend": pytest.approx(0.0), "prevalence": pytest.approx(0.0)}
    settings.SUFFICIENCY = {**settings.SUFFICIENCY, "HORIZON_FIRST": 2023}
    assert selectors.sufficiency_plan(planned.la, today=TODAY).forecast.base_year == 2022


def test_only_la_roles_of_the_la_find_it(world):
    assert selectors.la_for_user(world.users["la_officer"], "332") == world.la
    for name, code in [("la_officer", "333"), ("other_la_officer", "332"),
                       ("school_dsl", "332"), ("provider_staff", "332")]:
        with pytest.raises(type(world.la).DoesNotExist):
            selectors.la_for_user(world.users[name], code)


def test_scenarios_through_the_plan(planned):
    plan = selectors.sufficiency_plan(planned.la, today=TODAY, scenario=fc.Scenario(
        inclusion_pct=25))
    assert plan.forecast.get(("ap", "secondary", "SEMH")).demand == pytest.approx((30.0,) * 7)
    assert plan.baseline.get(("ap", "secondary", "SEMH")).demand == pytest.approx((40.0,) * 7)
