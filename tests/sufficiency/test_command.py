"""`aptrack forecast --la CODE --format json`: the shape INTERFACES.md and the issue promise."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aptrack.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("forecast", *args, stdout=out)
    return out.getvalue()


def test_json_shape_one_value_per_year(planned):
    data = json.loads(run("--la", "332", "--format", "json"))
    assert set(data) == {"la", "base_year", "years", "method", "series", "backtest"}
    assert data["la"] == "332" and data["base_year"] == "2024/25" and data["method"] == "trend"
    assert data["years"] == ["2025/26", "2026/27", "2027/28", "2028/29", "2029/30", "2030/31",
                             "2031/32"]
    keys = {"provision", "phase", "need", "demand", "lower", "upper", "capacity", "gap"}
    for s in data["series"]:
        assert set(s) == keys
        assert all(len(s[k]) == 7 for k in ("demand", "lower", "upper", "capacity", "gap"))
        assert all(lo <= d <= up for lo, d, up in zip(s["lower"], s["demand"], s["upper"],
                                                      strict=True))
    asd = next(s for s in data["series"] if (s["provision"], s["need"]) == ("special", "ASD"))
    assert asd["demand"] == [120.0, 130.0, 140.0, 150.0, 160.0, 170.0, 180.0]
    assert asd["capacity"] == [100.0, 100.0, 160.0, 160.0, 160.0, 160.0, 160.0]
    assert asd["gap"] == [20.0, 30.0, -20.0, -10.0, 0.0, 10.0, 20.0]
    names = {(b["method"], b["series"]) for b in data["backtest"]}
    assert ("trend", "special/secondary/ASD") in names
    assert ("prevalence", "ap/secondary/ALL") in names
    assert all(set(b) == {"method", "series", "mape"} for b in data["backtest"])
    assert AuditEvent.objects.filter(action="sufficiency.export").count() == 1


def test_method_and_scenario_options(planned):
    data = json.loads(run("--la", "332", "--format", "json", "--method", "prevalence",
                          "--inclusion", "50"))
    assert data["method"] == "prevalence"
    ap = next(s for s in data["series"] if s["provision"] == "ap"
              and s["need"] == "SEMH")
    assert ap["demand"] == [20.0] * 7
    text = run("--la", "332")
    assert "special/secondary demand" in text and "2031/32" in text


def test_an_la_with_no_data_still_answers(world):
    data = json.loads(run("--la", "333", "--format", "json"))
    assert data["series"] == [] and data["backtest"] == [] and len(data["years"]) == 7


def test_unknown_la_and_bad_scenario_are_refused(world):
    with pytest.raises(CommandError, match="No local authority with code 999"):
        run("--la", "999")
    with pytest.raises(CommandError, match="percentage"):
        run("--la", "332", "--inclusion", "120")
