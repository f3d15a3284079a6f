"""Reads of the exchange app: the lists that export as spreadsheets, each scoped to the user.

Each list is a ``SpreadsheetList``: a queryset that starts from the model's ``for_user`` and the
columns it exports. Web list pages link to ``/exchange/export/<name>.csv`` or ``.xlsx``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from aptrack.directory.models import Establishment
from aptrack.learners import selectors as learner_selectors
from aptrack.placements.models import Placement

from . import census
from .spreadsheets import Column


@dataclass(frozen=True)
class SpreadsheetList:
    """A list page's export: its rows for a user (with the page's filters) and its columns."""

    name: str
    rows: Callable[[Any, dict[str, str]], QuerySet[Any]]
    columns: list[Column]
    learner_field: str | None = None  # path to the learner id, when rows are learners' records

    def learner_ids(self, rows: QuerySet[Any]) -> list[int]:
        if self.learner_field is None:
            return []
        return list(rows.values_list(self.learner_field, flat=True).distinct())


def scoped(model: Any, user: Any) -> QuerySet[Any]:
    """``model``'s rows the user may see; ``user`` None is the system itself (a command run by
    an administrator on the server), which sees every row, as in ``scopes.require``."""
    return model.objects.all() if user is None else model.objects.for_user(user)


def _learners(user: Any, params: dict[str, str]) -> QuerySet[Any]:
    return learner_selectors.learner_list(user=user, search=params.get("q", ""))


def _placements(user: Any, params: dict[str, str]) -> QuerySet[Any]:
    qs = Placement.objects.for_user(user).select_related(
        "learner", "provider", "commissioning_la", "commissioning_establishment")
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    return qs.order_by("-start_date", "pk")


def _establishments(user: Any, params: dict[str, str]) -> QuerySet[Any]:
    qs = Establishment.objects.for_user(user).select_related("la", "gias")
    q = params.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(urn=q) | Q(ukprn=q))
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    if params.get("la"):
        qs = qs.filter(la__code=params["la"])
    return qs.order_by("name", "pk")


def _commissioner(p: Placement) -> str:
    return str(p.commissioning_la or p.commissioning_establishment or "")


def _postcode(e: Establishment) -> str:
    detail = getattr(e, "gias", None)  # no GIAS detail: RelatedObjectDoesNotExist -> None
    return detail.postcode if detail else ""


LISTS: dict[str, SpreadsheetList] = {
    "learners": SpreadsheetList(
        name="learners", rows=_learners, learner_field="pk",
        columns=[Column("UPN", "upn"), Column("Former UPN", "former_upn"), Column("ULN", "uln"),
                 Column("Given name", "given_name"), Column("Family name", "family_name"),
                 Column("Date of birth", "date_of_birth"), Column("Sex", "sex"),
                 Column("SEN provision", "sen_provision"),
                 Column("Primary need", "primary_need"), Column("Looked after", "looked_after"),
                 Column("Home LA", "home_la.code")]),
    "placements": SpreadsheetList(
        name="placements", rows=_placements, learner_field="learner_id",
        columns=[Column("UPN", "learner.upn"), Column("Given name", "learner.given_name"),
                 Column("Family name", "learner.family_name"),
                 Column("Provider", "provider.name"), Column("Provider URN", "provider.urn"),
                 Column("Provider UKPRN", "provider.ukprn"),
                 Column("Commissioner", _commissioner), Column("Reason", "get_reason_display"),
                 Column("Tier", "tier"), Column("Status", "get_status_display"),
                 Column("Start date", "start_date"),
                 Column("Planned end date", "planned_end_date"),
                 Column("End date", "end_date"), Column("Hours per week", "hours_per_week"),
                 Column("Responsible", "get_responsible_display"),
                 Column("Registration at provider", "get_registration_at_provider_display"),
                 Column("Provision due by", "provision_due_by")]),
    "establishments": SpreadsheetList(
        name="establishments", rows=_establishments,
        columns=[Column("URN", "urn"), Column("UKPRN", "ukprn"), Column("LAESTAB", "laestab"),
                 Column("Name", "name"), Column("Kind", "get_kind_display"),
                 Column("Status", "get_status_display"), Column("Phase", "get_phase_display"),
                 Column("LA code", "la.code"), Column("LA", "la.name"),
                 Column("Low age", "statutory_low_age"), Column("High age", "statutory_high_age"),
                 Column("Places", "places"), Column("Postcode", _postcode)]),
}


def spreadsheet_list(name: str) -> SpreadsheetList:
    """The export of a list page by name; ``KeyError`` for an unknown list."""
    return LISTS[name]


def census_return(*, user: Any, kind: str, period: census.Period,
                  school: Establishment | None = None, la: Any = None) -> census.CensusReturn:
    """The rows of a census return the user may see, validated.

    ``kind`` "school": placements the ``school`` commissioned; "la": placements the ``la``
    commissioned, the latest per child. Active or ended placements open during the period are
    returned; an active placement that starts after census day is kept so rule 2364 reports it.
    """
    qs = (scoped(Placement, user)
          .filter(status__in=["active", "ended"])
          .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
          .select_related("learner", "provider"))
    if kind == census.SCHOOL:
        qs = qs.filter(commissioning_establishment=school)
    else:
        qs = qs.filter(commissioner_kind="local_authority", commissioning_la=la)
    rows = [_census_row(p, period) for p in qs.order_by("learner__family_name", "start_date",
                                                          "pk")]
    if kind == census.LA:
        rows = census.latest_per_learner(rows)
    result = census.CensusReturn(kind=kind, period=period, rows=rows)
    result.problems = census.validate(rows, period)
    return result


def _census_row(p: Placement, period: census.Period) -> census.CensusRow:
    learner, provider = p.learner, p.provider
    leaving = p.end_date if p.end_date and p.end_date <= period.census_date else None
    return census.CensusRow(
        placement_id=p.pk, learner_id=learner.pk, upn=learner.upn or "",
        family_name=learner.family_name, given_name=learner.given_name,
        date_of_birth=learner.date_of_birth, sex=learner.sex,
        sen_provision=learner.sen_provision,
        reason=census.REASON_CODES.get(p.reason, ""), entry_date=p.start_date,
        leaving_date=leaving, sessions_per_week=p.sessions_per_week,
        **census.provider_identifier(kind=provider.kind, urn=provider.urn,
                                     ukprn=provider.ukprn))
