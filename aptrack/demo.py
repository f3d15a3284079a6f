"""Synthetic demonstration data: a fictional LA 332 with schools, providers, ~250 learners and
two school years of exclusions and placements, dated relative to the day it is loaded.

Every name here is invented; no real child's data is used anywhere. Everything is written
through the services, so the rules decide exactly as they would for real users.
"""

from __future__ import annotations

import importlib
import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from aptrack.accounts.choices import OrganisationKind, Role
from aptrack.accounts.models import Organisation, User
from aptrack.directory.models import (
    Closure,
    Establishment,
    LocalAuthority,
    SchoolCalendar,
    Site,
    Term,
)
from aptrack.learners import services as learners
from aptrack.learners.models import Learner
from aptrack.placements import services as placements
from aptrack.placements.choices import Destination, EndReason
from aptrack.rules import calendar as rules_calendar
from aptrack.rules import upn as rules_upn

LA_CODE = "332"
OTHER_LA_CODE = "333"
DEMO_USERS = {
    # username: (organisation key, role)
    "la.officer": ("la", Role.LA_OFFICER),
    "la.admin": ("la", Role.LA_ADMIN),
    "school.dsl": ("oakfield", Role.SCHOOL_DSL),
    "school2.dsl": ("hollybank", Role.SCHOOL_DSL),
    "provider.staff": ("castle_gate", Role.PROVIDER_STAFF),
    "provider.dsl": ("castle_gate", Role.PROVIDER_DSL),
    "provider2.staff": ("forge", Role.PROVIDER_STAFF),
}


@dataclass(frozen=True)
class Setting:
    key: str
    name: str
    kind: str
    registration: str
    phase: str
    urn: str | None
    estab: str
    places: int | None
    class_size: int | None
    ratio: str | None
    term: str = ""
    gias_type: int | None = None
    ukprn: str | None = None
    ages: tuple[int, int] | None = None


SETTINGS = [
    Setting("oakfield", "Oakfield Academy (demo)", "mainstream_school", "registered_school",
            "secondary", "990101", "4101", 1200, 28, None, gias_type=34, ages=(11, 16)),
    Setting("hollybank", "Hollybank High School (demo)", "mainstream_school", "registered_school",
            "secondary", "990102", "4102", 1050, 27, None, gias_type=1, ages=(11, 16)),
    Setting("sycamore", "Sycamore Park School (demo)", "mainstream_school", "registered_school",
            "secondary", "990103", "4103", 900, 26, None, gias_type=28, ages=(11, 18)),
    Setting("foxglove", "Foxglove Primary School (demo)", "mainstream_school",
            "registered_school", "primary", "990104", "2104", 420, 30, None, gias_type=1,
            ages=(4, 11)),
    Setting("kingfisher", "Kingfisher Primary Academy (demo)", "mainstream_school",
            "registered_school", "primary", "990105", "2105", 315, 30, None, gias_type=34,
            ages=(4, 11)),
    Setting("castle_gate", "Castle Gate Learning Centre (demo PRU)", "pru", "registered_school",
            "secondary", "990201", "1101", 60, 8, "4", term="short_term", gias_type=14,
            ages=(11, 16)),
    Setting("meadow_view", "Meadow View Centre (demo PRU)", "pru", "registered_school",
            "all_through", "990202", "1102", 40, 6, "3", term="long_term", gias_type=14,
            ages=(5, 16)),
    Setting("ridgeway", "Ridgeway AP Academy (demo)", "ap_academy", "registered_school",
            "secondary", "990203", "1103", 50, 8, "4", gias_type=43, ages=(11, 16)),
    Setting("willowbrook", "Willowbrook Special School (demo)", "special_school",
            "registered_school", "all_through", "990204", "7104", 120, 10, "3", gias_type=7,
            ages=(4, 19)),
    Setting("rosewood", "Rosewood Hospital Education Service (demo)", "hospital_school",
            "registered_school", "all_through", "990205", "1105", 30, 6, "3", gias_type=7,
            ages=(5, 16)),
    Setting("hawthorn", "Hawthorn House Independent School (demo)", "independent_school",
            "registered_school", "secondary", "990206", "6106", 45, 8, "4", gias_type=11,
            ages=(11, 16)),
    Setting("forge", "Forge Skills Project (demo unregistered AP)", "unregistered",
            "unregistered", "secondary", None, "", 24, 6, "3", ukprn="10099901"),
    Setting("second_chance", "Second Chance Tuition (demo)", "tuition", "unregistered",
            "not_applicable", None, "", 15, 1, "1"),
    Setting("canal_side", "Canal Side College (demo)", "fe_college", "fe", "post16", "990207",
            "", 800, 18, None, gias_type=18, ukprn="10099902", ages=(14, 19)),
]
OTHER_LA_SCHOOL = Setting("elmstead", "Elmstead School (demo, neighbouring LA)",
                          "mainstream_school", "registered_school", "secondary", "990301",
                          "4201", 950, 27, None, gias_type=1, ages=(11, 16))

GIVEN = ["Amara", "Ben", "Chloe", "Daniel", "Ella", "Finn", "Grace", "Harvey", "Isla", "Jayden",
         "Kayla", "Leo", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Reuben", "Sofia", "Tyler",
         "Umar", "Violet", "Wiktor", "Yasmin", "Zac", "Aisha", "Callum", "Demi", "Ethan", "Freya"]
FAMILY = ["Ashdown", "Brightwell", "Copperfield", "Dunmore", "Eastleigh", "Fairbairn", "Glenholm",
          "Hartwell", "Ingleby", "Jessop", "Kettleby", "Lindqvist", "Marlowe", "Northcott",
          "Oakhurst", "Pennock", "Quarrie", "Redfern", "Stanway", "Thornbury", "Upwood",
          "Varley", "Whitlock", "Yardley", "Zeller", "Okafor", "Nowak", "Rahman", "Osei", "Kaur"]


def school_year_terms(start_year: int) -> list[tuple[str, date, date]]:
    """Six fictional half terms of the school year starting in September ``start_year``."""
    y, n = start_year, start_year + 1
    spans = [("Autumn 1", date(y, 9, 2), date(y, 10, 23)), ("Autumn 2", date(y, 11, 2),
             date(y, 12, 18)), ("Spring 1", date(n, 1, 5), date(n, 2, 12)),
             ("Spring 2", date(n, 2, 22), date(n, 3, 31)), ("Summer 1", date(n, 4, 15),
             date(n, 5, 22)), ("Summer 2", date(n, 6, 1), date(n, 7, 21))]
    return [(f"{name} {y}/{str(n)[2:]}", _weekday(a, 1), _weekday(b, -1)) for name, a, b in spans]


def _weekday(d: date, step: int) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=step)
    return d


class DemoLoader:
    """Builds the demo data; deterministic for a given load day."""

    def __init__(self, today: date, out: Any = None) -> None:
        self.today = today
        self.year = rules_calendar.school_year_of(today)
        self.rng = random.Random(332)  # noqa: S311 - demo data, not security
        self.out = out
        self.est: dict[str, Establishment] = {}
        self.serial = 0

    # ---- directory -----------------------------------------------------------------------
    def directory(self) -> None:
        la = LocalAuthority.objects.create(code=LA_CODE, name="Dudley (demo data)")
        other = LocalAuthority.objects.create(code=OTHER_LA_CODE,
                                              name="Neighbouring borough (demo data)")
        self.calendar(la, "Demo LA 332 term dates")
        self.calendar(other, "Neighbouring borough term dates")
        for s in [*SETTINGS, OTHER_LA_SCHOOL]:
            e = Establishment(
                name=s.name, kind=s.kind, la=other if s is OTHER_LA_SCHOOL else la, urn=s.urn,
                ukprn=s.ukprn, estab_number=s.estab, gias_type_code=s.gias_type,
                registration_status=s.registration, phase=s.phase, places=s.places,
                typical_class_size=s.class_size,
                pupils_per_staff=Decimal(s.ratio) if s.ratio else None, provision_term=s.term,
                statutory_low_age=s.ages[0] if s.ages else None,
                statutory_high_age=s.ages[1] if s.ages else None,
            )
            e.full_clean()
            e.save()
            Site.objects.create(establishment=e, name="Main site", is_main=True,
                                address=f"1 {s.name.split(' (')[0]} Road\nDemo Town",
                                postcode=f"DY{self.rng.randint(1, 9)} {self.rng.randint(1, 9)}ZZ")
            self.est[s.key] = e
        Site.objects.create(establishment=self.est["forge"], name="Workshop satellite",
                            address="Unit 4, Canal Street\nDemo Town", postcode="DY5 9ZZ",
                            subcontractor="Forge Motor Skills CIC (demo)")
        own = self.calendar(la, "Castle Gate term dates", self.est["castle_gate"])
        self.est["castle_gate"].calendar = own
        self.est["castle_gate"].save()

    def calendar(self, la: LocalAuthority, name: str,
                 establishment: Establishment | None = None) -> SchoolCalendar:
        cal = SchoolCalendar.objects.create(name=name, la=la, establishment=establishment)
        for year in range(self.year - 2, self.year + 2):
            for term_name, start, end in school_year_terms(year):
                Term.objects.create(calendar=cal, name=term_name, start=start, end=end)
            Closure.objects.create(calendar=cal, date=_weekday(date(year, 9, 2), 1),
                                   reason="INSET day")
        return cal

    # ---- people ------------------------------------------------------------------------
    def accounts(self, password: str) -> None:
        la = LocalAuthority.objects.get(code=LA_CODE)
        orgs = {"la": Organisation.objects.get_or_create(
            kind=OrganisationKind.LOCAL_AUTHORITY, la=la, defaults={"name": str(la)})[0]}
        for key in ("oakfield", "hollybank", "castle_gate", "forge"):
            e = Establishment.objects.get(name=_name(key))
            kind = OrganisationKind.SCHOOL if e.kind == "mainstream_school" else (
                OrganisationKind.PROVIDER)
            orgs[key] = Organisation.objects.get_or_create(kind=kind, establishment=e,
                                                           defaults={"name": e.name})[0]
        admins = la_admin_group()
        for username, (org_key, role) in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            first, last = username.split(".")
            user.first_name, user.last_name = first.title(), f"{last.upper()} (demo)"
            user.email = f"{username}@example.invalid"
            user.organisation, user.role = orgs[org_key], role
            user.is_staff = role == Role.LA_ADMIN
            user.set_password(password)
            user.full_clean()
            user.save()
            if role == Role.LA_ADMIN:
                user.groups.add(admins)

    def learner(self, school: Establishment, age: int, **extra: Any) -> Learner:
        self.serial += 1
        dob = date(self.year - age, 9, 1) + timedelta(days=self.rng.randint(0, 364))
        sen = self.rng.choices(["N", "K", "E"], weights=[60, 28, 12])[0]
        needs = ["SEMH", "SEMH", "SEMH", "ASD", "SLCN", "MLD", "SPLD"]
        need = "" if sen == "N" else self.rng.choice(needs + (["NSA"] if sen == "K" else []))
        learner = learners.learner_create(
            actor=None, given_name=self.rng.choice(GIVEN), family_name=self.rng.choice(FAMILY),
            date_of_birth=dob, sex=self.rng.choice("FM"),
            upn=rules_upn.make(school.la.code, school.estab_number, str(dob.year + 5)[2:],
                               self.serial % 1000),
            sen_provision=sen, primary_need=need, home_la=extra.pop("home_la", school.la),
            looked_after=self.rng.random() < 0.06, **extra)
        # Reception starts in the school year a child turns 5, Year 7 the year they turn 12.
        entry = rules_calendar.school_year_of(dob) + (12 if school.phase == "secondary" else 5)
        learners.enrolment_start(actor=None, learner=learner, establishment=school,
                                 start_date=date(max(entry, self.year - 3), 9, 1))
        return learner

    # ---- placements --------------------------------------------------------------------
    def school_day(self, start: date, end: date, cal: Any) -> date:
        days = cal.school_days(start, end)
        return self.rng.choice(days)

    def run(self) -> dict[str, int]:
        self.directory()
        la = LocalAuthority.objects.get(code=LA_CODE)
        cal = la.default_calendar().rules
        secondary = [self.est[k] for k in ("oakfield", "hollybank", "sycamore")]
        primary = [self.est[k] for k in ("foxglove", "kingfisher")]
        pupils = [self.learner(self.rng.choice(secondary), self.rng.randint(12, 16))
                  for _ in range(190)]
        pupils += [self.learner(self.rng.choice(primary), self.rng.randint(6, 10))
                   for _ in range(50)]
        other = [self.learner(self.est["elmstead"], self.rng.randint(12, 16)) for _ in range(10)]
        this_year = (date(self.year, 9, 8), self.today - timedelta(days=7))
        last_year = (date(self.year - 1, 9, 8), date(self.year, 5, 15))
        plan = self.plan(secondary)
        count = 0
        for learner, (reason, provider_key, commissioner, tier) in zip(
                pupils[:len(plan)], plan, strict=True):
            on_roll_last_year = learner.home_enrolment(last_year[0]) is not None
            window = last_year if count % 3 == 0 and on_roll_last_year else this_year
            self.place(learner, reason, self.est[provider_key], commissioner, tier, window, cal)
            count += 1
        # A neighbouring LA learner placed at a Dudley PRU: visible to the PRU, not to la.officer
        # except through that placement (no: commissioned by the other LA, so not visible).
        self.place(other[0], "permanent_exclusion", self.est["meadow_view"], "local_authority", 3,
                   this_year, LocalAuthority.objects.get(code=OTHER_LA_CODE)
                   .default_calendar().rules)
        referred = self.referrals(pupils[len(plan):], cal)
        return {"learners": Learner.objects.count(), "placements": count + 1 + referred}

    #: Referrals waiting to start (reason, provider, commissioner, tier, with an exclusion):
    #: the LA's referral queue and the schools' have something in them.
    REFERRALS = [
        ("permanent_exclusion", "castle_gate", "local_authority", 3),
        ("health", "rosewood", "local_authority", 2),
        ("preventative", "forge", "school", 1),
        ("off_site_direction", "castle_gate", "school", 2),
        ("other", "second_chance", "local_authority", 2),
    ]

    def referrals(self, learners_: list[Learner], cal: Any) -> int:
        """A few placements referred to a provider but not yet agreed or started, starting on
        coming school days (their own random numbers, so the rest of the demo is unchanged)."""
        rng = random.Random(3320)  # noqa: S311 - demo data, not security
        candidates = []
        for learner in learners_:
            home = learner.home_enrolment(self.today)
            if home is not None and home.establishment.phase == "secondary":
                candidates.append((learner, home.establishment))
        made = 0
        for (learner, school), (reason, provider_key, commissioner, tier) in zip(
                candidates, self.REFERRALS, strict=False):
            provider = self.est[provider_key]
            exclusion = None
            upcoming = list(cal.school_days(self.today + timedelta(days=1),
                                            self.today + timedelta(days=30)))
            start = upcoming[rng.randint(1, 6)] if len(upcoming) > 6 else (
                self.today + timedelta(days=7))
            if reason == "permanent_exclusion":
                past = cal.school_days(self.today - timedelta(days=14), self.today)
                first = past[-3] if len(past) >= 3 else self.today
                exclusion = learners.exclusion_record(
                    actor=None, learner=learner, school=school, category="PERM",
                    first_day=first, reason_1=rng.choice(["PA", "DB", "VA"]))
                start = placements.provision_due_by(reason=reason,
                                                    exclusion=exclusion) or start
            kwargs: dict[str, Any] = {"commissioning_la": school.la} if commissioner == (
                "local_authority") else {"commissioning_establishment": school}
            pattern = "1111111111" if reason in ("permanent_exclusion", "other") else (
                rng.choice(["1111100000", "1010101010"]))
            placements.placement_commission(
                actor=None, learner=learner, provider=provider, commissioner_kind=commissioner,
                reason=reason, tier=tier, start_date=start,
                planned_end_date=start + timedelta(weeks=12), exclusion=exclusion,
                hours_per_week=Decimal(pattern.count("1") * Decimal("2.5")),
                sessions_pattern=pattern, site=provider.sites.filter(is_main=True).first(),
                **kwargs)
            made += 1
        return made

    def plan(self, secondary: list[Establishment]) -> list[tuple[str, str, str, int]]:
        """Placements across every reason and tier; both demo schools with both demo providers."""
        base = [
            ("permanent_exclusion", "castle_gate", "local_authority", 2),
            ("permanent_exclusion", "meadow_view", "local_authority", 3),
            ("permanent_exclusion", "ridgeway", "local_authority", 3),
            ("suspension", "castle_gate", "school", 2),
            ("suspension", "forge", "school", 2),
            ("suspension", "ridgeway", "school", 1),
            ("health", "rosewood", "local_authority", 2),
            ("health", "second_chance", "local_authority", 2),
            ("off_site_direction", "castle_gate", "school", 2),
            ("off_site_direction", "forge", "school", 2),
            ("off_site_direction", "hawthorn", "school", 2),
            ("preventative", "forge", "school", 1),
            ("preventative", "canal_side", "school", 1),
            ("preventative", "castle_gate", "school", 1),
            ("other", "second_chance", "local_authority", 2),
            ("other", "willowbrook", "local_authority", 3),
        ]
        return base * 6

    def place(self, learner: Learner, reason: str, provider: Establishment, commissioner: str,
              tier: int, window: tuple[date, date], cal: Any) -> None:
        home = learner.home_enrolment(window[0])
        assert home is not None  # noqa: S101 - every demo pupil starts on a school roll
        school = home.establishment
        first = self.school_day(window[0], window[1] - timedelta(days=21), cal)
        exclusion = None
        if reason == "permanent_exclusion":
            exclusion = learners.exclusion_record(
                actor=None, learner=learner, school=school, category="PERM", first_day=first,
                reason_1=self.rng.choice(["PA", "DB", "OW", "VA", "DA"]))
        elif reason == "suspension":
            exclusion = learners.exclusion_record(
                actor=None, learner=learner, school=school, category="FIXD", first_day=first,
                school_days=Decimal(self.rng.choice([3, 6, 8, 10, 15])),
                reason_1=self.rng.choice(["DB", "VA", "VP", "PP"]))
        kwargs: dict[str, Any] = {"commissioning_la": school.la} if commissioner == (
            "local_authority") else {"commissioning_establishment": school}
        start = first
        if exclusion is not None:
            due = placements.provision_due_by(reason=reason, exclusion=exclusion)
            start = due or cal.nth_school_day(first, 2)
        planned = start + timedelta(weeks=12 if tier < 3 else 39)
        pattern = "1111111111" if reason in ("permanent_exclusion", "other") else (
            self.rng.choice(["1111111111", "1111100000", "1010101010", "0000011111"]))
        hours = Decimal(pattern.count("1") * Decimal("2.5"))
        p = placements.placement_commission(
            actor=None, learner=learner, provider=provider, commissioner_kind=commissioner,
            reason=reason, tier=tier, start_date=start, planned_end_date=planned,
            hours_per_week=hours, sessions_pattern=pattern, exclusion=exclusion,
            site=provider.sites.filter(is_main=True).first(), **kwargs)
        placements.placement_agree(actor=None, placement=p)
        p = placements.placement_start(actor=None, placement=p)
        if exclusion is not None and exclusion.category == "PERM":
            final = cal.nth_school_day(first, 15)
            if final <= self.today:
                learners.exclusion_make_final(actor=None, exclusion=exclusion, final_on=final)
        ends = planned if planned < self.today else None
        if window[1] < date(self.year, 9, 1):  # last school year: every placement has ended
            ends = min(planned, date(self.year, 7, 15))
        if ends is not None:
            placements.placement_end(
                actor=None, placement=p, end_date=ends,
                end_reason=self.rng.choice([EndReason.OBJECTIVES_MET, EndReason.PLANNED_END]),
                destination=self.rng.choice([Destination.RETURNED_HOME_SCHOOL,
                                             Destination.NEW_MAINSTREAM,
                                             Destination.ANOTHER_AP,
                                             Destination.POST16_EDUCATION]))


def _name(key: str) -> str:
    return next(s.name for s in SETTINGS if s.key == key)


def la_admin_group() -> Group:
    """The permissions LA administrators need in the admin: manage the directory and users,
    view (never edit) personal records."""
    group, _ = Group.objects.get_or_create(name="LA administrators")
    wanted = Permission.objects.filter(
        content_type__app_label__in=["directory", "accounts"]).exclude(
        content_type__model="auditevent", codename__regex=r"^(add|change|delete)_")
    views = Permission.objects.filter(content_type__app_label__in=["learners", "placements"],
                                      codename__startswith="view_")
    group.permissions.set([*wanted, *views])
    return group


def demo_password() -> str:
    """APTRACK_DEMO_PASSWORD, else one generated once into var/ and reused."""
    import os

    if os.environ.get("APTRACK_DEMO_PASSWORD"):
        return os.environ["APTRACK_DEMO_PASSWORD"]
    path = Path(settings.VAR_DIR) / "demo_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def is_loaded() -> bool:
    return LocalAuthority.objects.filter(code=LA_CODE).exists()


#: Apps that add their own demo data: each has a ``demo`` module with ``load(loader)`` and
#: ``reset(la_ids, learner_ids)``; loaded in this order, reset in the reverse order.
EXTENSIONS = ["attendance", "quality", "exchange", "sufficiency", "api"]


def _extensions() -> list[Any]:
    return [importlib.import_module(f"aptrack.{name}.demo") for name in EXTENSIONS]


def reset() -> None:
    """Remove the demo data (audit events stay: they are append-only)."""
    from aptrack.learners.models import Enrolment, Exclusion
    from aptrack.placements.models import Placement

    las = LocalAuthority.objects.filter(code__in=[LA_CODE, OTHER_LA_CODE])
    learner_ids = list(Learner.objects.filter(home_la__in=las).values_list("pk", flat=True))
    la_ids = list(las.values_list("pk", flat=True))
    for extension in reversed(_extensions()):
        extension.reset(la_ids, learner_ids)
    Enrolment.objects.filter(learner_id__in=learner_ids).delete()
    Placement.objects.filter(learner_id__in=learner_ids).delete()
    Exclusion.objects.filter(learner_id__in=learner_ids).delete()
    Learner.objects.filter(pk__in=learner_ids).delete()
    User.objects.filter(username__in=DEMO_USERS).delete()
    Organisation.objects.filter(la__in=las).delete()
    Organisation.objects.filter(establishment__la__in=las).delete()
    Establishment.objects.filter(la__in=las).update(calendar=None)
    SchoolCalendar.objects.filter(la__in=las).delete()
    Site.objects.filter(establishment__la__in=las).delete()
    Establishment.objects.filter(la__in=las).delete()
    las.delete()


@transaction.atomic
def load(*, today: date, reset_first: bool = False) -> dict[str, Any]:
    """Load the demo data (idempotent: a second load changes nothing unless ``reset_first``)."""
    if reset_first:
        reset()
    created = False
    summary: dict[str, Any] = {}
    if not is_loaded():
        loader = DemoLoader(today)
        summary = loader.run()
        for extension in _extensions():
            summary.update(extension.load(loader))
        created = True
    password = demo_password()
    DemoLoader(today).accounts(password)
    return {"created": created, "password": password, **summary}
