"""Reads of the sufficiency app: the LA a user plans for, demand history (uploaded and counted
from AP Track's own records), and the forecast. Only LA roles of the LA see its plan; anyone else
is told it does not exist (404, never 403)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings

from aptrack.accounts.scopes import LA_ROLES
from aptrack.directory.models import LocalAuthority
from aptrack.learners.models import Enrolment, Learner
from aptrack.placements.models import Placement
from aptrack.rules.calendar import school_year_of

from . import classify
from . import forecast as fc
from .models import CapacityEntry, DataUpload, DemandCount, PlannedChange, PopulationProjection

UPLOADED = "uploaded"
RECORDED = "AP Track records"


def user_la(user: Any) -> LocalAuthority | None:
    """The LA whose sufficiency an LA-role user plans for; None for anyone else."""
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return None
    org = getattr(user, "organisation", None)
    if getattr(user, "role", "") not in LA_ROLES or org is None or org.la_id is None:
        return None
    return org.la


def la_for_user(user: Any, code: str) -> LocalAuthority:
    """LA ``code`` when ``user`` holds an LA role there; ``LocalAuthority.DoesNotExist`` (404)
    for every other LA and every other role."""
    la = user_la(user)
    if la is None or la.code != code:
        raise LocalAuthority.DoesNotExist(f"No local authority {code}.")
    return la


def _learners(la: LocalAuthority, user: Any) -> Any:
    base = Learner.objects.for_user(user) if user is not None else Learner.objects.all()
    return base.filter(home_la=la)


def recorded_demand(la: LocalAuthority, *, today: date, user: Any = None
                    ) -> dict[int, dict[fc.SeriesKey, int]]:
    """Learners resident in ``la`` counted from AP Track's records for each school year, on its
    spring census day (or today, for the current year): in an AP placement, else on a school
    roll with an EHC plan; by provision type of the setting, phase and primary need."""
    learners = _learners(la, user)
    placements = list(Placement.objects.filter(
        learner__in=learners.values("pk"), status__in=["active", "ended"]).values_list(
        "learner_id", "start_date", "end_date", "provider__kind", "provider__la_id"))
    rolls = list(Enrolment.objects.filter(
        learner__in=learners.filter(sen_provision="E").values("pk"), status__in=["C", "M"]
    ).values_list("learner_id", "start_date", "end_date", "establishment__kind",
                  "establishment__la_id"))
    if not placements and not rolls:
        return {}
    people = dict((pk, (dob, need)) for pk, dob, need in learners.values_list(
        "pk", "date_of_birth", "primary_need"))
    first = school_year_of(min(r[1] for r in [*placements, *rolls]))
    out: dict[int, dict[fc.SeriesKey, int]] = {}
    for year in range(first, school_year_of(today) + 1):
        day = min(classify.census_day(year), today)
        where: dict[int, tuple[str, int]] = {}
        for pk, start, end, kind, est_la in rolls:
            if start <= day and (end is None or end >= day):
                where[pk] = (kind, est_la)
        for pk, start, end, kind, est_la in placements:  # the AP place comes first
            if start <= day and (end is None or end >= day):
                where[pk] = (kind, est_la)
        counts: dict[fc.SeriesKey, int] = defaultdict(int)
        for pk, (kind, est_la) in where.items():
            dob, need = people[pk]
            phase = classify.phase_of(dob, year)
            if phase is not None:
                counts[(classify.provision_of(kind, est_la == la.pk), phase,
                        classify.need_of(need))] += 1
        if counts:
            out[year] = dict(counts)
    return out


def demand_history(la: LocalAuthority, *, today: date, user: Any = None,
                   recorded: dict[int, dict[fc.SeriesKey, int]] | None = None
                   ) -> tuple[dict[fc.SeriesKey, dict[int, float]], dict[int, str]]:
    """Counts per series and year: the uploaded counts for a year the LA uploaded, else the
    counts from AP Track's records; and where each year's figures came from."""
    history: dict[fc.SeriesKey, dict[int, float]] = defaultdict(dict)
    sources: dict[int, str] = {}
    for row in DemandCount.objects.filter(la=la):
        history[(row.provision, row.phase, row.need)][row.school_year] = float(row.count)
        sources[row.school_year] = UPLOADED
    if recorded is None:
        recorded = recorded_demand(la, today=today, user=user)
    for year, counts in recorded.items():
        if year in sources:
            continue
        sources[year] = RECORDED
        for key, count in counts.items():
            history[key][year] = float(count)
    return dict(history), dict(sorted(sources.items()))


def forecast_inputs(la: LocalAuthority, *, today: date, user: Any = None,
                    recorded: dict[int, dict[fc.SeriesKey, int]] | None = None
                    ) -> tuple[fc.Inputs, dict[int, str]]:
    """History, population, capacity register and planned changes of ``la`` as plain data."""
    history, sources = demand_history(la, today=today, user=user, recorded=recorded)
    population: dict[str, dict[int, float]] = defaultdict(dict)
    for row in PopulationProjection.objects.filter(la=la):
        population[row.phase][row.school_year] = float(row.population)
    places = [fc.Places(e.holder, e.provision, e.phase, e.need, e.school_year, e.places)
              for e in CapacityEntry.objects.filter(la=la)]
    changes = [fc.Change(c.holder, c.provision, c.phase, c.need, c.school_year, c.change)
               for c in PlannedChange.objects.filter(la=la)]
    return fc.Inputs(history=history, population=dict(population), places=places,
                     changes=changes), sources


@dataclass
class Plan:
    """What the sufficiency page, the workbook, the PDF and the command show."""

    la: LocalAuthority
    inputs: fc.Inputs
    sources: dict[int, str]
    forecast: fc.Forecast
    baseline: fc.Forecast
    methods_available: list[str]
    uploads: list[DataUpload] = field(default_factory=list)
    recorded: dict[int, dict[fc.SeriesKey, int]] = field(default_factory=dict)

    def recorded_by_provision(self) -> list[dict[str, Any]]:
        """Learners counted in AP Track's own records each year, by provision type."""
        rows = []
        for year, counts in sorted(self.recorded.items()):
            by = {p: sum(v for k, v in counts.items() if k[0] == p) for p in fc.PROVISIONS}
            rows.append({"year": year, "label": fc.school_year_label(year),
                         "counts": [by[p] for p in fc.PROVISIONS], "total": sum(by.values()),
                         "used": self.sources.get(year) == RECORDED
                         and year <= self.forecast.base_year})
        return rows

    @property
    def history_years(self) -> list[int]:
        return sorted(y for y in self.sources if y <= self.forecast.base_year)


def horizon() -> tuple[int, list[int]]:
    """(first, years) of the planning horizon from settings."""
    first, last = settings.SUFFICIENCY["HORIZON_FIRST"], settings.SUFFICIENCY["HORIZON_LAST"]
    return first, list(range(first, last + 1))


def sufficiency_plan(la: LocalAuthority, *, today: date, method: str | None = None,
                     scenario: fc.Scenario | None = None, user: Any = None) -> Plan:
    """The forecast of every series of ``la`` under ``method`` and ``scenario``, beside the
    baseline (no scenario) for comparison. Raises ValueError when the method cannot run."""
    conf = settings.SUFFICIENCY
    first, years = horizon()
    recorded = recorded_demand(la, today=today, user=user)
    inputs, sources = forecast_inputs(la, today=today, user=user, recorded=recorded)
    fitted = [y for y in sources if y < first]
    base_year = max(fitted) if fitted else first - 1
    bases = fc.project_all(inputs, base_year=base_year, years=years,
                           holdout=conf["BACKTEST_YEARS"], level=conf["INTERVAL"])
    available = [m for m in fc.METHODS
                 if all(b.projections[m] is not None or not b.history for b in bases.values())]
    method = method or conf["DEFAULT_METHOD"]
    scenario = scenario or fc.Scenario()
    baseline = fc.apply(bases, inputs, method=method, scenario=fc.Scenario(),
                        base_year=base_year, years=years)
    result = baseline if scenario.is_baseline else fc.apply(
        bases, inputs, method=method, scenario=scenario, base_year=base_year, years=years)
    uploads = list(DataUpload.objects.filter(la=la).select_related("uploaded_by")[:20])
    return Plan(la=la, inputs=inputs, sources=sources, forecast=result, baseline=baseline,
                methods_available=available, uploads=uploads, recorded=recorded)


def capacity_register(la: LocalAuthority) -> tuple[list[CapacityEntry], list[PlannedChange]]:
    """The LA's registered places and planned changes, with their settings."""
    entries = list(CapacityEntry.objects.filter(la=la).select_related("establishment"))
    changes = list(PlannedChange.objects.filter(la=la).select_related("establishment"))
    return entries, changes


def la_by_code(code: str) -> LocalAuthority:
    """The LA with this code, for the command line (run by an administrator)."""
    return LocalAuthority.objects.get(code=code)
