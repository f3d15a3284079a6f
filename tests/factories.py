"""Builders of test data. Everything personal is written through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from aptrack.accounts.choices import OrganisationKind, Role
from aptrack.accounts.models import Organisation, User
from aptrack.demo import school_year_terms
from aptrack.directory.models import Closure, Establishment, LocalAuthority, SchoolCalendar, Term
from aptrack.learners import services as learners
from aptrack.learners.models import Learner
from aptrack.placements import services as placements
from aptrack.rules import upn as rules_upn

_serial = count(1)
SCHOOL_YEAR = 2025  # tests use the fixed school year 2025/26 (terms from aptrack.demo)


def establishment(la: LocalAuthority, name: str, kind: str, **kw: Any) -> Establishment:
    registration = {"unregistered": "unregistered", "tuition": "unregistered",
                    "fe_college": "fe"}.get(kind, "registered_school")
    e = Establishment(la=la, name=name, kind=kind, registration_status=registration, **kw)
    e.full_clean()
    e.save()
    return e


def calendar(la: LocalAuthority, establishment: Establishment | None = None,
             inset: tuple[date, ...] = (date(2025, 9, 2),)) -> SchoolCalendar:
    cal = SchoolCalendar.objects.create(name=f"{la.code} calendar", la=la,
                                        establishment=establishment)
    for year in (SCHOOL_YEAR - 1, SCHOOL_YEAR, SCHOOL_YEAR + 1):
        for name, start, end in school_year_terms(year):
            Term.objects.create(calendar=cal, name=name, start=start, end=end)
    for d in inset:
        Closure.objects.create(calendar=cal, date=d, reason="INSET")
    return cal


def user(username: str, org: Organisation, role: str) -> User:
    u = User.objects.create_user(username=username, password="a-long-test-password-1",
                                 organisation=org, role=role)
    u.full_clean()
    return u


def learner(school: Establishment, *, start: date = date(2024, 9, 1), **kw: Any) -> Learner:
    n = next(_serial)
    defaults: dict[str, Any] = {
        "given_name": f"Test{n}", "family_name": "Learner", "date_of_birth": date(2012, 1, 1),
        "sex": "F", "home_la": school.la,
        "upn": rules_upn.make(school.la.code, school.estab_number or "4000", "24", n % 1000),
    }
    defaults.update(kw)
    new = learners.learner_create(actor=None, **defaults)
    learners.enrolment_start(actor=None, learner=new, establishment=school, start_date=start)
    return new


@dataclass
class World:
    la: LocalAuthority
    other_la: LocalAuthority
    school: Establishment
    other_school: Establishment
    pru: Establishment
    ap: Establishment
    users: dict[str, User] = field(default_factory=dict)

    @classmethod
    def build(cls) -> World:
        la = LocalAuthority.objects.create(code="332", name="Test LA")
        other_la = LocalAuthority.objects.create(code="333", name="Other LA")
        calendar(la)
        calendar(other_la)
        w = cls(
            la=la, other_la=other_la,
            school=establishment(la, "Test High", "mainstream_school", urn="100001",
                                 estab_number="4001"),
            other_school=establishment(la, "Other High", "mainstream_school", urn="100002",
                                       estab_number="4002"),
            pru=establishment(la, "Test PRU", "pru", urn="100003", estab_number="1100"),
            ap=establishment(la, "Test Unregistered AP", "unregistered"),
        )
        orgs = {
            "la": Organisation.objects.create(name="LA", kind=OrganisationKind.LOCAL_AUTHORITY,
                                              la=la),
            "other_la": Organisation.objects.create(name="Other LA",
                                                    kind=OrganisationKind.LOCAL_AUTHORITY,
                                                    la=other_la),
            "school": Organisation.objects.create(name="S1", kind=OrganisationKind.SCHOOL,
                                                  establishment=w.school),
            "other_school": Organisation.objects.create(name="S2", kind=OrganisationKind.SCHOOL,
                                                        establishment=w.other_school),
            "pru": Organisation.objects.create(name="PRU", kind=OrganisationKind.PROVIDER,
                                               establishment=w.pru),
            "ap": Organisation.objects.create(name="AP", kind=OrganisationKind.PROVIDER,
                                              establishment=w.ap),
        }
        w.users = {
            "la_officer": user("la_officer", orgs["la"], Role.LA_OFFICER),
            "other_la_officer": user("other_la_officer", orgs["other_la"], Role.LA_OFFICER),
            "school_dsl": user("school_dsl", orgs["school"], Role.SCHOOL_DSL),
            "other_school_dsl": user("other_school_dsl", orgs["other_school"], Role.SCHOOL_DSL),
            "provider_staff": user("provider_staff", orgs["pru"], Role.PROVIDER_STAFF),
            "other_provider_staff": user("other_provider_staff", orgs["ap"],
                                         Role.PROVIDER_STAFF),
        }
        return w

    def commission(self, learner: Learner, *, provider: Establishment | None = None,
                   reason: str = "preventative", commissioner: str = "school",
                   start: date = date(2025, 10, 6), exclusion: Any = None,
                   **kw: Any) -> Any:
        who = ({"commissioning_la": self.la} if commissioner == "local_authority" else
               {"commissioning_establishment": learner.home_enrolment(start).establishment})
        return placements.placement_commission(
            actor=None, learner=learner, provider=provider or self.ap,
            commissioner_kind=commissioner, reason=reason, tier=kw.pop("tier", 2),
            start_date=start, hours_per_week=kw.pop("hours_per_week", Decimal("25")),
            exclusion=exclusion, **who, **kw)

    def placed(self, learner: Learner, *, start: date = date(2025, 10, 6), **kw: Any) -> Any:
        """A placement commissioned as :meth:`commission` does and started on ``start``."""
        placement = self.commission(learner, start=start, **kw)
        placements.placement_start(actor=None, placement=placement, on=start)
        placement.refresh_from_db()
        return placement
