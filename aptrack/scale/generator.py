"""Deterministic synthetic data at LA, region and national scale (``aptrack generate``).

Everything is invented: names come from short word lists, UPNs are built with valid check
letters from the LA and establishment numbers, and nothing resembles a real child. The same
seed and the same ``today`` give the same rows, id for id, on SQLite and PostgreSQL.

What is generated, per LA: a default school calendar (six half terms a year, an INSET day,
England's bank holidays), 157 establishments in the mix of an English LA (mainstream primary
and secondary schools, special schools, PRUs, an AP academy, a hospital school, independent
schools, unregistered AP, a tuition service, an FE college), and each school year's learners
placed in AP: the home school enrolment, the exclusion where there is one, the placement with
what ``aptrack.rules.arrangements`` decides about it, the registrations the placement makes,
and the attendance marks of both registers session by session (the provider's, and the home
school's: derived D, K or B while at the provider, its own mark in the other sessions), up to
the day before ``today``. Rows are written with the streaming loader (COPY on PostgreSQL).
Writing bypasses the services on purpose (they validate one request at a time); what the
services would decide is computed with the same ``aptrack.rules`` functions.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction

from aptrack.accounts.models import Organisation, User
from aptrack.codes import table as code_table
from aptrack.directory.choices import SCHOOL_KINDS
from aptrack.directory.models import (
    Closure,
    Establishment,
    LocalAuthority,
    SchoolCalendar,
    Site,
    Term,
)
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements.models import Placement
from aptrack.rules import arrangements
from aptrack.rules import attendance as rules_attendance
from aptrack.rules import calendar as rules_calendar
from aptrack.rules import upn as rules_upn

from .loader import BulkWriter
from .presets import Scale

Progress = Callable[[str], None]
#: LA codes of the demo data and the test fixtures: never generated, so both can live together.
RESERVED_LA_CODES = {"332", "333"}

GIVEN = ["Amara", "Ben", "Chloe", "Daniel", "Ella", "Finn", "Grace", "Harvey", "Isla", "Jayden",
         "Kayla", "Leo", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Reuben", "Sofia", "Tyler",
         "Umar", "Violet", "Wiktor", "Yasmin", "Zac", "Aisha", "Callum", "Demi", "Ethan", "Freya"]
FAMILY = ["Ashdown", "Brightwell", "Copperfield", "Dunmore", "Eastleigh", "Fairbairn", "Glenholm",
          "Hartwell", "Ingleby", "Jessop", "Kettleby", "Lindqvist", "Marlowe", "Northcott",
          "Oakhurst", "Pennock", "Quarrie", "Redfern", "Stanway", "Thornbury", "Upwood",
          "Varley", "Whitlock", "Yardley", "Zeller", "Okafor", "Nowak", "Rahman", "Osei", "Kaur"]
PLACES = ["Alder", "Beech", "Cedar", "Elm", "Hazel", "Juniper", "Larch", "Maple", "Oak",
          "Poplar", "Rowan", "Spruce", "Willow", "Yew", "Brook", "Heath", "Meadow", "Ridge"]


@dataclass(frozen=True)
class Kind:
    """One kind of establishment in an LA's mix."""

    kind: str
    count: int
    phase: str
    registration: str
    gias_type: int | None
    estab_prefix: str  # first digit of the establishment number ("" for none)
    ages: tuple[int, int] | None
    places: int | None
    label: str


# 157 establishments, the mix of a typical English LA (GIAS, 2025).
MIX = [
    Kind("mainstream_school", 120, "primary", "registered_school", 1, "2", (4, 11), 420,
         "Primary School"),
    Kind("mainstream_school", 20, "secondary", "registered_school", 34, "4", (11, 16), 1100,
         "Academy"),
    Kind("special_school", 5, "all_through", "registered_school", 7, "7", (4, 19), 120,
         "Special School"),
    Kind("pru", 2, "secondary", "registered_school", 14, "1", (11, 16), 60,
         "Learning Centre (PRU)"),
    Kind("ap_academy", 1, "secondary", "registered_school", 43, "1", (11, 16), 50, "AP Academy"),
    Kind("hospital_school", 1, "all_through", "registered_school", 7, "1", (5, 16), 30,
         "Hospital Education Service"),
    Kind("independent_school", 3, "secondary", "registered_school", 11, "6", (11, 16), 45,
         "Independent School"),
    Kind("unregistered", 3, "secondary", "unregistered", None, "", None, 24, "Skills Project"),
    Kind("tuition", 1, "not_applicable", "unregistered", None, "", None, 15, "Tuition Service"),
    Kind("fe_college", 1, "post16", "fe", 18, "", (14, 19), 800, "College"),
]

# reason: (weight, commissioner, tiers, providers as (kind, weight))
REASONS = {
    "permanent_exclusion": (15, "local_authority", (2, 3),
                            (("pru", 6), ("ap_academy", 3), ("independent_school", 1))),
    "suspension": (15, "school", (1,), (("pru", 5), ("unregistered", 5))),
    "health": (10, "local_authority", (2,), (("hospital_school", 7), ("tuition", 3))),
    "off_site_direction": (20, "school", (2,), (("pru", 4), ("unregistered", 3),
                                                ("independent_school", 3))),
    "preventative": (30, "school", (1,), (("unregistered", 5), ("fe_college", 2), ("pru", 3))),
    "other": (10, "local_authority", (3,), (("special_school", 5), ("tuition", 5))),
}
PATTERNS = ["1111111111", "1111100000", "1010101010", "0000011111", "1111111100"]
WEEKS = {1: (12, 24), 2: (18, 34), 3: (30, 44)}
# Learners differ: most attend well, some are persistently or severely absent.
ABSENCE_RATES = ((0.03, 35), (0.07, 20), (0.14, 20), (0.3, 15), (0.6, 10))
ABSENCE_CODES = (("I", 35), ("O", 25), ("N", 5), ("G", 5), ("M", 10), ("C", 10), ("U", 5),
                 ("E", 5))
SESSIONS = ("AM", "PM")


def _weighted(pairs: Any) -> tuple[list[Any], list[int]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


class GenerateError(Exception):
    """The data cannot be generated here (already generated, or not allowed)."""


@dataclass
class GenerateReport:
    scale: str
    seed: int
    today: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    la_codes: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)

    @property
    def marks(self) -> int:
        return self.rows.get("attendance.AttendanceMark", 0)


def la_codes(count: int) -> list[str]:
    """The first ``count`` LA codes of the census list, leaving out the demo's."""
    codes = sorted(row["code"] for row in code_table("la_codes")
                   if row["code"] not in RESERVED_LA_CODES)
    if count > len(codes):
        raise GenerateError(f"only {len(codes)} LA codes are known, {count} asked for")
    return codes[:count]


class Generator:
    """Builds one scale of synthetic data; deterministic for (scale, seed, today)."""

    def __init__(self, scale: Scale, *, seed: int, today: date, password_hash: str | None = None,
                 progress: Progress | None = None, chunk: int = 50_000,
                 defer_indexes: bool = True) -> None:
        self.scale = scale
        self.defer_indexes = defer_indexes
        self.seed = seed
        self.today = today
        self.yesterday = today - timedelta(days=1)
        # Without one, nobody can sign in (Django's unusable-password prefix).
        self.password_hash = password_hash or UNUSABLE_PASSWORD_PREFIX
        self.progress = progress or (lambda message: None)
        self.w = BulkWriter(chunk=chunk)
        self.school_ids: set[int] = set()
        # Counted sessions per (learner, school year, category) of the LA being generated,
        # written as attendance.AttendanceCount rows (the rule of attendance/counts.py).
        self.counts: Counter[tuple[int, int, str]] = Counter()
        self.current_year = rules_calendar.school_year_of(today)
        self.years = list(range(self.current_year - scale.history_years, self.current_year + 1))
        self.report = GenerateReport(scale.name, seed, today)
        self.upn_serials: dict[tuple[int, int], int] = {}
        self.codes = la_codes(scale.las)
        self._calendar = self._rules_calendar()

    # ---- set-up ------------------------------------------------------------------------
    def _rules_calendar(self) -> rules_calendar.SchoolCalendar:
        terms, closures = self._terms()
        return rules_calendar.SchoolCalendar([(a, b) for _, a, b in terms], closures)

    def _terms(self) -> tuple[list[tuple[str, date, date]], list[date]]:
        from aptrack.demo import school_year_terms

        terms: list[tuple[str, date, date]] = []
        closures: list[date] = []
        for year in range(self.years[0] - 1, self.current_year + 2):
            spans = school_year_terms(year)
            terms.extend(spans)
            closures.append(spans[0][1])  # INSET day: the first day of the autumn term
        return terms, closures

    def _open_tables(self) -> None:
        w = self.w
        w.open(LocalAuthority, ["id", "code", "name"])
        w.open(SchoolCalendar, ["id", "name", "la_id", "establishment_id", "bank_holidays"])
        w.open(Term, ["id", "calendar_id", "name", "start", "end"])
        w.open(Closure, ["id", "calendar_id", "date", "reason"])
        w.open(Establishment, ["id", "name", "kind", "la_id", "urn", "ukprn", "estab_number",
                               "gias_type_code", "status", "registration_status", "phase",
                               "statutory_low_age", "statutory_high_age", "places",
                               "typical_class_size", "provision_term"])
        w.open(Site, ["id", "establishment_id", "name", "address", "postcode", "is_main"])
        w.open(Organisation, ["id", "name", "kind", "la_id", "establishment_id"])
        w.open(User, ["id", "username", "password", "email", "first_name", "last_name",
                      "is_active", "is_staff", "is_superuser", "date_joined", "organisation_id",
                      "role"])
        w.open(Learner, ["id", "upn", "given_name", "family_name", "date_of_birth", "sex",
                         "sen_provision", "primary_need", "looked_after", "home_la_id",
                         "created_at", "updated_at"])
        w.open(Exclusion, ["id", "learner_id", "school_id", "category", "first_day",
                           "school_days", "reason_1", "status", "final_on", "created_at"])
        w.open(Placement, ["id", "learner_id", "provider_id", "commissioner_kind",
                           "commissioning_la_id", "commissioning_establishment_id",
                           "home_school_id", "exclusion_id", "reason", "tier", "status",
                           "start_date", "planned_end_date", "end_date", "hours_per_week",
                           "sessions_pattern", "end_reason", "destination", "responsible",
                           "remains_on_roll", "registration_at_provider", "home_school_code",
                           "provision_due_by", "legal_basis", "created_at", "updated_at"])
        w.open(Enrolment, ["id", "learner_id", "establishment_id", "status", "start_date",
                           "end_date", "leaving_reason", "placement_id"])
        from aptrack.attendance.models import AttendanceMark

        w.open(AttendanceMark, ["learner_id", "setting_id", "date", "session", "code",
                                "category", "placement_id", "source", "recorded_at",
                                "at_school"])
        self.Mark = AttendanceMark
        from aptrack.attendance.models import AttendanceCount

        w.open(AttendanceCount, ["learner_id", "school_year", "category", "sessions"])
        self.Count = AttendanceCount

    # ---- run ---------------------------------------------------------------------------
    def run(self) -> GenerateReport:
        started = time.perf_counter()
        taken = sorted(LocalAuthority.objects.filter(code__in=self.codes)
                       .values_list("code", flat=True))
        if taken:
            raise GenerateError(f"LA codes {', '.join(taken[:5])} already exist: synthetic data "
                                "goes into a fresh database (or one holding only the demo)")
        self._open_tables()
        self.progress(f"Generating {self.scale.name} data (seed {self.seed}, today "
                      f"{self.today:%Y-%m-%d}): {self.scale.las} LAs, "
                      f"{self.scale.las * self.scale.establishments_per_la:,} establishments, "
                      f"{self.scale.learners:,} learners over the school years "
                      f"{self.years[0]}/{str(self.years[0] + 1)[2:]} to "
                      f"{self.years[-1]}/{str(self.years[-1] + 1)[2:]}")
        with transaction.atomic():
            self.w.skip_foreign_key_checks()
            las = [self._directory(i, code) for i, code in enumerate(self.codes)]
            self.w.flush()
        # Into an empty marks table (a fresh database), build its indexes once at the end,
        # all in one transaction: nothing is left half loaded or without its indexes.
        deferred = self.defer_indexes and not self.Mark.objects.exists()
        with transaction.atomic():
            indexes = self.w.drop_secondary_indexes(self.Mark) if deferred else []
            self._all_learners(las)
            if indexes:
                t0 = time.perf_counter()
                self.progress(f"  building {len(indexes)} indexes of the marks table")
                self.w.create_indexes(indexes)
                self.progress(f"  indexes built in {time.perf_counter() - t0:.1f} s")
        with transaction.atomic():
            self.report.rows = self.w.finish()
        self.report.seconds = time.perf_counter() - started
        self.report.la_codes = list(self.codes)
        return self.report

    def _all_learners(self, las: list[dict[str, Any]]) -> None:
        marks_before = 0
        for i, la in enumerate(las):
            t0 = time.perf_counter()
            with transaction.atomic():
                self.w.skip_foreign_key_checks()
                for year in self.years:
                    self._learners(la, year)
                for (learner_id, year, cat), n in sorted(self.counts.items()):
                    self.w.add(self.Count, (learner_id, year, cat, n))
                self.counts.clear()
                self.w.flush()
            written = self.w.tables[self.Mark].written
            rate = (written - marks_before) / max(time.perf_counter() - t0, 1e-9)
            self.progress(f"  LA {i + 1}/{len(las)} ({la['code']}): "
                          f"{written - marks_before:,} marks, {rate:,.0f} marks/s; "
                          f"{written:,} marks in all")
            marks_before = written

    # ---- directory ---------------------------------------------------------------------
    def _directory(self, index: int, code: str) -> dict[str, Any]:
        w = self.w
        rng = random.Random(f"{self.seed}:directory:{code}")  # noqa: S311 - synthetic data
        la_id = w.new_id(LocalAuthority)
        name = f"{rng.choice(PLACES)}shire {code} (synthetic)"
        w.add(LocalAuthority, (la_id, code, name))
        cal_id = w.new_id(SchoolCalendar)
        w.add(SchoolCalendar, (cal_id, f"{name} term dates", la_id, None, True))
        terms, closures = self._terms()
        for term_name, start, end in terms:
            w.add(Term, (w.new_id(Term), cal_id, term_name, start, end))
        for day in closures:
            w.add(Closure, (w.new_id(Closure), cal_id, day, "INSET day"))
        by_kind: dict[str, list[tuple[int, str, str]]] = {}
        wanted = self.scale.establishments_per_la
        mix = MIX if wanted >= 157 else _small_mix(wanted)
        numbers: dict[str, int] = {}
        for k in mix:
            for n in range(k.count):
                est_id = w.new_id(Establishment)
                prefix = k.estab_prefix
                estab = ""
                if prefix:
                    numbers[prefix] = numbers.get(prefix, 0) + 1
                    estab = f"{prefix}{numbers[prefix]:03d}"
                urn = f"{500000 + est_id:06d}" if k.registration != "unregistered" else None
                ukprn = f"{19000000 + est_id}" if k.kind in ("unregistered", "fe_college") else (
                    None)
                label = f"{rng.choice(PLACES)} {rng.choice(FAMILY)} {k.label} ({code}, synthetic)"
                ages = k.ages or (None, None)
                if k.kind in SCHOOL_KINDS:
                    self.school_ids.add(est_id)
                w.add(Establishment, (
                    est_id, label, k.kind, la_id, urn, ukprn, estab, k.gias_type, "open",
                    k.registration, k.phase, ages[0], ages[1], k.places,
                    8 if k.kind not in ("mainstream_school", "fe_college") else 28,
                    "short_term" if k.kind == "pru" and n % 2 == 0 else (
                        "long_term" if k.kind == "pru" else "")))
                if k.kind != "mainstream_school":
                    w.add(Site, (w.new_id(Site), est_id, "Main site",
                                 f"{n + 1} {rng.choice(PLACES)} Road\nSynthetic Town",
                                 f"ZZ{index % 99 + 1} {n % 9 + 1}ZZ", True))
                key = k.kind if k.kind != "mainstream_school" else k.phase
                by_kind.setdefault(key, []).append((est_id, estab, k.kind))
        self._accounts(code, la_id, name, by_kind, first=index == 0)
        return {"id": la_id, "code": code, "kinds": by_kind}

    def _accounts(self, code: str, la_id: int, name: str,
                  by_kind: dict[str, list[tuple[int, str, str]]], first: bool) -> None:
        w = self.w
        joined = datetime(self.years[0], 9, 1, tzinfo=UTC)
        org = w.new_id(Organisation)
        w.add(Organisation, (org, name, "local_authority", la_id, None))
        users = [(f"la{code}.officer", org, "la_officer")]
        if first:
            school = by_kind["secondary"][0][0]
            pru = by_kind["pru"][0][0]
            school_org, pru_org = w.new_id(Organisation), w.new_id(Organisation)
            w.add(Organisation, (school_org, f"Secondary school {school}", "school", None, school))
            w.add(Organisation, (pru_org, f"PRU {pru}", "provider", None, pru))
            users += [(f"la{code}.school.dsl", school_org, "school_dsl"),
                      (f"la{code}.provider.staff", pru_org, "provider_staff")]
        for username, org_id, role in users:
            w.add(User, (w.new_id(User), username, self.password_hash,
                         f"{username}@example.invalid", username.split(".")[1].title(),
                         "(synthetic)", True, False, False, joined, org_id, role))
            self.report.usernames.append(username)

    # ---- learners ----------------------------------------------------------------------
    def _learners(self, la: dict[str, Any], year: int) -> None:
        rng = random.Random(f"{self.seed}:learners:{la['code']}:{year}")  # noqa: S311
        reasons, reason_weights = _weighted([(r, v[0]) for r, v in REASONS.items()])
        rates, rate_weights = _weighted(ABSENCE_RATES)
        year_days = self._calendar.school_days(date(year, 9, 1), date(year + 1, 8, 31))
        for _ in range(self.scale.learners_per_la_year):
            reason = rng.choices(reasons, reason_weights)[0]
            secondary = rng.random() < 0.85 or reason == "permanent_exclusion"
            home = rng.choice(la["kinds"]["secondary" if secondary else "primary"])
            provider = self._provider(rng, la, reason, secondary)
            if provider is None:
                continue
            learner_id = self._learner(rng, la, year, home, secondary)
            self._placement(rng, la, year, year_days, learner_id, home, provider, reason,
                            rng.choices(rates, rate_weights)[0])

    def _provider(self, rng: random.Random, la: dict[str, Any], reason: str,
                  secondary: bool) -> tuple[int, str, str] | None:
        kinds, weights = _weighted(REASONS[reason][3])
        kind = rng.choices(kinds, weights)[0]
        if kind == "fe_college" and not secondary:
            kind = "unregistered"
        options = la["kinds"].get(kind)
        return rng.choice(options) if options else None

    def _learner(self, rng: random.Random, la: dict[str, Any], year: int,
                 home: tuple[int, str, str], secondary: bool) -> int:
        w = self.w
        age = rng.randint(11, 15) if secondary else rng.randint(5, 10)
        dob = date(year - age - 1, 9, 1) + timedelta(days=rng.randint(0, 364))
        yy = (dob.year + 5) % 100
        serial = self.upn_serials.get((home[0], yy), 0)
        self.upn_serials[(home[0], yy)] = serial + 1
        if serial > 999:
            raise GenerateError(f"more than 1,000 UPNs for school {home[0]} in one year")
        upn = rules_upn.make(la["code"], home[1], yy, serial)
        sen = rng.choices(["N", "K", "E"], [55, 30, 15])[0]
        need = "" if sen == "N" else rng.choice(["SEMH", "SEMH", "SEMH", "ASD", "SLCN", "MLD"])
        created = datetime(year, 9, 1, tzinfo=UTC)
        learner_id = w.new_id(Learner)
        w.add(Learner, (learner_id, upn, rng.choice(GIVEN), rng.choice(FAMILY), dob,
                        rng.choice("FM"), sen, need, rng.random() < 0.08, la["id"], created,
                        created))
        return learner_id

    def _placement(self, rng: random.Random, la: dict[str, Any], year: int,
                   year_days: list[date], learner_id: int, home: tuple[int, str, str],
                   provider: tuple[int, str, str], reason: str, absence: float) -> None:
        w = self.w
        cal = self._calendar
        _, commissioner, tiers, _ = REASONS[reason]
        tier = rng.choice(tiers)
        first = year_days[rng.randrange(int(len(year_days) * 0.6))]
        created = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
        exclusion_id = None
        start, due, suspension_end = first, None, None
        home_joined = date(year - rng.randint(0, 3), 9, 1)
        home_left: date | None = None
        if reason in ("permanent_exclusion", "suspension"):
            exclusion_id = w.new_id(Exclusion)
            due = cal.nth_school_day(first, 6)
            start = due
            if reason == "permanent_exclusion":
                final_on = cal.nth_school_day(first, 15)
                final = final_on <= self.today
                w.add(Exclusion, (exclusion_id, learner_id, home[0], "PERM", first, None,
                                  rng.choice(["PA", "DB", "OW", "VA", "DA"]),
                                  "final" if final else "pending", final_on if final else None,
                                  created))
                home_left = final_on if final else None
            else:
                length = rng.choice([6, 8, 10, 15])
                suspension_end = cal.nth_school_day(first, length)
                w.add(Exclusion, (exclusion_id, learner_id, home[0], "FIXD", first,
                                  Decimal(length), rng.choice(["DB", "VA", "VP", "PP"]),
                                  "in_effect", None, created))
        decided = arrangements.arrange(reason=reason, provider_kind=provider[2],
                                       commissioner_kind=commissioner)
        low, high = WEEKS[tier]
        planned = start + timedelta(weeks=rng.randint(low, high))
        year_end = year_days[-1]
        end = suspension_end or min(planned, year_end)
        if start > self.today:
            status, end_date = "agreed", None
        elif end < self.today:
            status, end_date = "ended", end
        else:
            status, end_date = "active", None
        pattern = ("1111111111" if reason in ("permanent_exclusion", "other", "health")
                   else rng.choice(PATTERNS))
        placement_id = w.new_id(Placement)
        w.add(Placement, (
            placement_id, learner_id, provider[0], commissioner,
            la["id"] if commissioner == "local_authority" else None,
            home[0] if commissioner != "local_authority" else None,
            home[0], exclusion_id, reason, tier, status, start, planned, end_date,
            Decimal(pattern.count("1")) * Decimal("2.5"), pattern,
            rng.choice(["objectives_met", "planned_end"]) if end_date else "",
            rng.choice(["returned_home_school", "new_mainstream", "another_ap",
                        "post16_education"]) if end_date else "",
            decided.responsible, decided.remains_on_roll, decided.registration_at_provider,
            decided.home_school_code or "", due, decided.legal_basis, created, created))
        self._enrolments(learner_id, home, provider, placement_id, decided, status, start,
                         end_date, home_joined, home_left)
        if status != "agreed":
            self._marks(rng, learner_id, home[0], provider[0], placement_id, decided, pattern,
                        start, min(end_date or self.yesterday, self.yesterday), absence)

    def _enrolments(self, learner_id: int, home: tuple[int, str, str],
                    provider: tuple[int, str, str], placement_id: int,
                    decided: arrangements.Arrangement, status: str, start: date,
                    end: date | None, home_joined: date, home_left: date | None) -> None:
        """The registrations placement_start and placement_end would leave behind."""
        w = self.w
        registers = decided.registration_at_provider != "none" and status != "agreed"
        # Dual registration, or a permanent exclusion not yet final (the provider registers as
        # subsidiary until it is: placements.services.placement_start).
        dual = registers and (decided.remains_on_roll or home_left is None)
        home_status = "M" if dual and status == "active" else "C"
        w.add(Enrolment, (w.new_id(Enrolment), learner_id, home[0], home_status, home_joined,
                          home_left, "permanent_exclusion" if home_left else "", None))
        if registers:
            w.add(Enrolment, (w.new_id(Enrolment), learner_id, provider[0],
                              "S" if dual else "C", start, end,
                              "placement_ended" if end else "", placement_id))

    def _marks(self, rng: random.Random, learner_id: int, home_id: int, provider_id: int,
               placement_id: int, decided: arrangements.Arrangement, pattern: str,
               start: date, end: date, absence: float) -> None:
        """Both registers, session by session (DOMAIN.md section 2: D, K or B at home)."""
        add = self.w.add
        Mark = self.Mark
        category = rules_attendance.CATEGORY
        home_code = decided.home_school_code if decided.remains_on_roll else None
        codes, weights = _weighted(ABSENCE_CODES)
        source = "register" if rng.random() < 0.7 else "import"
        absent_code: str | None = None
        provider_at_school = provider_id in self.school_ids
        counts = self.counts
        for day in self._calendar.school_days(start, end):
            year = rules_calendar.school_year_of(day)
            if absent_code is not None and rng.random() < 0.45:
                pass  # an absence often runs on into the next day
            elif rng.random() < absence:
                absent_code = rng.choices(codes, weights)[0]
            else:
                absent_code = None
            slot = day.weekday() * 2
            for i, session in enumerate(SESSIONS):
                if absent_code is not None:
                    code = absent_code
                else:
                    r = rng.random()
                    code = ("L" if r < 0.03 else "V" if r < 0.04 else
                            "/" if session == "AM" else "\\")
                at = datetime(day.year, day.month, day.day, 9 + 4 * i, 10, tzinfo=UTC)
                if pattern[slot + i] == "1":
                    add(Mark, (learner_id, provider_id, day, session, code, category[code],
                               placement_id, source, at, provider_at_school))
                    if provider_at_school or not home_code:
                        counts[(learner_id, year, category[code])] += 1
                    if home_code:
                        derived = home_code
                        if home_code != "D" and category[code] in ("authorised", "unauthorised"):
                            derived = code
                        add(Mark, (learner_id, home_id, day, session, derived,
                                   category[derived], placement_id, "derived", at, True))
                        counts[(learner_id, year, category[derived])] += 1
                elif home_code:
                    add(Mark, (learner_id, home_id, day, session, code, category[code], None,
                               "register", at, True))
                    counts[(learner_id, year, category[code])] += 1


def _small_mix(wanted: int) -> list[Kind]:
    """A few of every kind (for tests): 3 primary and 3 secondary schools, one of the rest."""
    small = []
    for k in MIX:
        count = 3 if k.kind == "mainstream_school" else 1
        small.append(Kind(k.kind, count, k.phase, k.registration, k.gias_type, k.estab_prefix,
                          k.ages, k.places, k.label))
    del wanted
    return small
