"""The demo LA has seven years of synthetic history growing about 10% a year (ASD, SEMH and
SLCN fastest), population projections, places and planned changes: enough for the forecast to
mean something. A reset removes it all."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from aptrack.directory.models import LocalAuthority
from aptrack.sufficiency import demo, selectors, summary
from aptrack.sufficiency.choices import NEED_LABELS
from aptrack.sufficiency.models import CapacityEntry, DataUpload, DemandCount, PlannedChange

pytestmark = pytest.mark.django_db


def test_demo_history_forecast_and_reset(monkeypatch):
    monkeypatch.setenv("APTRACK_DEMO_PASSWORD", "Demo-Password-2026!")
    call_command("seed_demo", stdout=StringIO())
    la = LocalAuthority.objects.get(code="332")
    years = sorted(set(DemandCount.objects.filter(la=la).values_list("school_year", flat=True)))
    assert years == list(range(2018, 2025))
    plan = selectors.sufficiency_plan(la, today=date(2026, 11, 28))
    totals = summary.totals_by_year(plan.inputs, plan.history_years)
    assert [t["year"] for t in totals] == years
    growth = [t["growth"] for t in totals[1:]]
    assert all(7 < g < 13 for g in growth), growth
    fastest = [n["need"] for n in summary.needs_breakdown(plan.inputs, 2024, NEED_LABELS)
               if n["growth"] and n["growth"] > 11]
    assert sorted(fastest) == ["ASD", "SEMH", "SLCN"]
    f = plan.forecast
    assert plan.methods_available == ["trend", "prevalence"]
    special = f.get(("special", "secondary", "ALL"))
    assert special.gap[-1] > 0 and special.demand[-1] > special.demand[0]
    assert all(s.backtest["trend"] is not None for s in summary.totals_rows(f))
    # the planned changes (a new special free school in 2027/28) show in the capacity
    assert special.capacity[2] - special.capacity[1] == 120
    assert PlannedChange.objects.filter(la=la).count() == 5
    assert CapacityEntry.objects.filter(la=la, establishment__isnull=False).exists()
    assert DataUpload.objects.filter(la=la).count() == 4
    demo.reset([la.pk], [])
    assert not DataUpload.objects.exists() and not DemandCount.objects.exists()
    assert not CapacityEntry.objects.exists() and not PlannedChange.objects.exists()
