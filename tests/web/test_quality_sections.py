"""The quality app's records on the web pages: the learner page's liaison records and reviews
(safeguarding notes only to those who may read them), the LA dashboard's reviews due and
providers with expired checks, the placement page's summary, the provider page's checks; and
the dashboard's queries do not grow with the number of learners, schools and providers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aptrack.learners import services as learner_services
from aptrack.placements import services as placements
from aptrack.quality import selectors as quality_selectors
from aptrack.quality import services as quality
from aptrack.web import selectors
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def at_pru(world):
    """An active placement at the PRU, started last school year: its review is overdue."""
    p = world.commission(factories.learner(world.school, family_name="Reviewed"),
                         provider=world.pru)
    return placements.placement_start(actor=None, placement=p)


def _liaison(actor, placement, summary, *, safeguarding=False, on=date(2025, 10, 7)):
    return quality.liaison_record(actor=actor, placement=placement, kind="call", occurred_on=on,
                                  with_whom="Home school DSL", summary=summary,
                                  safeguarding=safeguarding)


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_learner_page_shows_liaison_and_reviews_only_to_those_who_may_read_them(
        client, world, at_pru, more_users):
    staff = world.users["provider_staff"]
    _liaison(staff, at_pru, "Arrived late, settled well")
    _liaison(staff, at_pru, "Disclosed a worry at home", safeguarding=True,
             on=date(2025, 10, 8))
    quality.review_record(actor=None, placement=at_pru, held_on=date(2025, 10, 20),
                          attendees="Learner, parent, PRU key worker", learner_view="Going well",
                          decision="continue", progress={},
                          next_review_on=date(2025, 12, 12))
    url = reverse("web:learner", args=[at_pru.learner_id])
    readers = {"school_dsl": True, "la_safeguarding": True, "provider_staff": True,
               "la_officer": False, "school_staff": False}
    users = {**world.users, **more_users}
    for name, reads_safeguarding in readers.items():
        body = _page(client, users[name], url)
        assert "Arrived late, settled well" in body, name
        assert ("Disclosed a worry at home" in body) is reads_safeguarding, name
        count = 2 if reads_safeguarding else 1
        assert f"{count} liaison record{'s' if count == 2 else ''} you can read" in body, name
        assert reverse("quality:liaison", args=[at_pru.learner_id]) in body
        # the review: when, who, the decision and the next date, linked to the quality page
        assert "20 Oct 2025" in body and "Learner, parent, PRU key worker" in body, name
        assert "Continue" in body and "12 Dec 2025" in body, name
        assert reverse("quality:placement", args=[at_pru.pk]) in body


def test_learner_page_without_records_says_so(client, world, at_pru):
    body = _page(client, world.users["la_officer"],
                 reverse("web:learner", args=[at_pru.learner_id]))
    assert "No liaison records you can read." in body
    assert "No placement reviews you can see." in body


def test_dashboard_lists_reviews_due_and_providers_with_expired_checks_for_its_la(
        client, world, at_pru):
    quality.check_record(actor=None, provider=world.ap, kind="insurance", outcome="met",
                         checked_on=TODAY - timedelta(days=400),
                         expires_on=TODAY - timedelta(days=35), commissioning_la=world.la)
    quality.check_record(actor=None, provider=world.pru, kind="dsl", outcome="not_met",
                         checked_on=TODAY - timedelta(days=10), commissioning_la=world.la)
    quality.check_record(actor=None, provider=world.pru, kind="insurance", outcome="met",
                         checked_on=TODAY - timedelta(days=10), commissioning_la=world.la)
    body = _page(client, world.users["la_officer"], reverse("web:home"))
    reviews = body[body.index('id="reviews-due"'):body.index('id="must-register"')]
    assert "Reviewed" in reviews and "Overdue" in reviews
    assert reverse("quality:placement", args=[at_pru.pk]) in reviews
    assert "1 placement review overdue" in body
    checks = body[body.index('id="must-register"'):body.index('id="placements"')]
    assert "Test Unregistered AP" in checks and "Insurance" in checks and "Expired" in checks
    assert "Test PRU" in checks and "Named designated safeguarding lead" in checks
    assert "Not satisfactory" in checks
    assert checks.count("Insurance") == 1  # the PRU's insurance check is valid
    assert "2 with expired or unsatisfactory checks" in body
    # another LA's officer sees neither the placement nor these LA's checks
    other = _page(client, world.users["other_la_officer"], reverse("web:home"))
    assert "Reviewed" not in other and "Test Unregistered AP</a>" not in other
    assert "0 with expired or unsatisfactory checks" in other


def test_placement_page_summarises_agreement_reviews_liaison_and_outcome(client, world, at_pru):
    quality.agreement_save(
        actor=None, placement=at_pru, intervention="Small-group teaching",
        reintegration_plan="Back to Test High", reporting_arrangements="Weekly call",
        learner_views="Wants to go back", parent_views="Agrees", agreed_on=date(2025, 10, 6),
        reintegration_by=date(2026, 2, 13),
        objectives=[{"description": "Attend every session", "target": "95%"},
                    {"description": "Read daily", "target": "20 minutes"}])
    agreement = at_pru.agreement
    quality.review_record(actor=None, placement=at_pru, held_on=date(2025, 10, 20),
                          attendees="Learner and parent", learner_view="Fine",
                          decision="extend",
                          progress={o.pk: ("some", "") for o in agreement.objectives.all()},
                          next_review_on=date(2025, 12, 12))
    _liaison(world.users["school_dsl"], at_pru, "Called the PRU", on=date(2025, 10, 9))
    url = reverse("web:placement", args=[at_pru.pk])
    body = _page(client, world.users["la_officer"], url)
    section = body[body.index('id="quality"'):]
    assert "Agreed 6 October 2025, 2 objectives" in section
    assert "reintegration planned by 13 February 2026" in section
    assert "1 held; the latest on 20 October 2025 (extend)" in section
    assert "Next review due by Friday 12 December 2025" in section
    assert "1 you can read; the latest: telephone call with Home school DSL" in section
    assert "Recorded when the placement ends" in section
    assert reverse("quality:placement", args=[at_pru.pk]) in section
    assert reverse("quality:liaison", args=[at_pru.learner_id]) in section
    quality.outcome_record(actor=None, placement=at_pru, destination="home_school",
                           end_date=TODAY, end_reason="objectives_met")
    body = _page(client, world.users["provider_staff"], url)
    assert "Back to the home school" in body
    # the other provider does not see the placement at all
    client.force_login(world.users["other_provider_staff"])
    assert client.get(url).status_code == 404


def test_provider_page_shows_the_users_checks_and_the_las_status(client, world):
    quality.check_record(actor=None, provider=world.ap, kind="insurance", outcome="met",
                         checked_on=TODAY - timedelta(days=400),
                         expires_on=TODAY - timedelta(days=35), commissioning_la=world.la)
    quality.provider_status_set(actor=None, provider=world.ap, status="conditional",
                                reasons="Annual visit due", la=world.la,
                                decided_on=TODAY - timedelta(days=3))
    url = reverse("web:provider", args=[world.ap.pk])
    body = _page(client, world.users["la_officer"], url)
    section = body[body.index('id="checks"'):body.index(">Sites<")]
    assert "Approved with conditions" in section and "Annual visit due" in section
    assert "Insurance" in section and "Expired" in section and "Not checked" in section
    assert reverse("quality:provider", args=[world.ap.pk]) in section
    # the school's own checklist is its own: the LA's insurance check is not the school's
    body = _page(client, world.users["school_dsl"], url)
    section = body[body.index('id="checks"'):body.index(">Sites<")]
    assert "Expired" not in section and "Not checked" in section
    # a provider sees its own page's checks link, and no checks section on another's
    assert 'id="checks"' in _page(client, world.users["other_provider_staff"], url)
    assert 'id="checks"' not in _page(client, world.users["provider_staff"], url)
    # a mainstream school in the directory has no checks section
    assert 'id="checks"' not in _page(client, world.users["la_officer"],
                                      reverse("web:provider", args=[world.school.pk]))


def _school_day(cal, since_days, until_days=0):
    return cal.school_days(TODAY - timedelta(days=since_days),
                           TODAY - timedelta(days=until_days))[0]


def _grow(world, n):
    """n more schools (each with its own calendar), PRUs and unregistered providers, with a
    permanent exclusion, a long PRU suspension, an active placement commissioned by the new
    school and an expired check of the new provider."""
    cal = world.la.default_calendar().rules
    for _ in range(n):
        k = next(_serial)
        school = factories.establishment(world.la, f"Grown High {k}", "mainstream_school",
                                         urn=f"2{k:05d}", estab_number=f"5{k:03d}")
        factories.calendar(world.la, school)
        pru = factories.establishment(world.la, f"Grown PRU {k}", "pru", urn=f"3{k:05d}",
                                      estab_number=f"11{k:02d}")
        ap = factories.establishment(world.la, f"Grown AP {k}", "unregistered")
        excluded = factories.learner(school)
        learner_services.exclusion_record(actor=None, learner=excluded, school=school,
                                          category="PERM", first_day=_school_day(cal, 40),
                                          reason_1="PA")
        suspended = factories.learner(pru)
        learner_services.exclusion_record(actor=None, learner=suspended, school=pru,
                                          category="FIXD", first_day=_school_day(cal, 30),
                                          school_days=Decimal(8), reason_1="DB")
        placed = factories.learner(school)
        p = world.commission(placed, provider=ap, reason="preventative",
                             hours_per_week=Decimal("26"))
        placements.placement_start(actor=None, placement=p)
        quality.check_record(actor=None, provider=ap, kind="insurance", outcome="met",
                             checked_on=TODAY - timedelta(days=400),
                             expires_on=TODAY - timedelta(days=35), commissioning_la=world.la)


_serial = iter(range(1, 10_000))


def test_la_dashboard_queries_do_not_grow_with_learners_schools_and_providers(client, world,
                                                                              settings):
    settings.QUALITY = {**settings.QUALITY, "CRITICAL_CHECKS": []}
    client.force_login(world.users["la_officer"])
    _grow(world, 2)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("web:home"))
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    before, body = count()
    assert body.count("Grown High") >= 2 and body.count("Overdue") >= 4
    _grow(world, 5)
    after, body = count()
    assert body.count("Grown AP") >= 7  # every provider's expired check is listed
    assert after == before, (before, after)


def test_the_clock_counts_provision_due_as_the_placement_rules_do(world):
    """The batched clock gives the day ``provision_due_by`` gives, back-to-back suspensions
    joined into one period."""
    cal = world.la.default_calendar().rules
    learner = factories.learner(world.school)
    first = _school_day(cal, 60, 30)
    long = learner_services.exclusion_record(actor=None, learner=learner, school=world.school,
                                             category="FIXD", first_day=first,
                                             school_days=Decimal(6), reason_1="DB")
    learner_services.exclusion_record(actor=None, learner=learner, school=world.school,
                                      category="FIXD", first_day=cal.nth_school_day(first, 7),
                                      school_days=Decimal(3), reason_1="DB")
    other = factories.learner(world.school)
    perm = learner_services.exclusion_record(actor=None, learner=other, school=world.school,
                                             category="PERM", first_day=_school_day(cal, 20),
                                             reason_1="PA")
    rows = {r["exclusion"].pk: r["due"] for group in selectors.provision_clock(
        world.users["school_dsl"], TODAY).values() for r in group}
    assert rows == {long.pk: placements.provision_due_by(reason="suspension", exclusion=long)}
    rows = {r["exclusion"].pk: r["due"] for group in selectors.provision_clock(
        world.users["la_officer"], TODAY).values() for r in group}
    assert rows == {perm.pk: placements.provision_due_by(reason="permanent_exclusion",
                                                         exclusion=perm)}


def test_reviews_due_are_those_the_quality_app_finds(world, at_pru):
    """The dashboard's batched read gives the rows of ``quality.selectors.reviews_due``."""
    factories.calendar(world.la, world.other_school)
    for school, who in ((world.school, "local_authority"), (world.other_school, "school")):
        p = world.commission(factories.learner(school), provider=world.ap,
                             commissioner=who, start=TODAY - timedelta(days=20))
        placements.placement_start(actor=None, placement=p)
    reviewed = placements.placement_start(actor=None, placement=world.commission(
        factories.learner(world.school), provider=world.ap))
    quality.review_record(actor=None, placement=reviewed, held_on=TODAY - timedelta(days=3),
                          attendees="All", learner_view="Fine", decision="continue",
                          progress={}, next_review_on=TODAY + timedelta(days=5))
    for user in ("la_officer", "school_dsl", "other_school_dsl", "provider_staff"):
        ours = [(r.placement.pk, r.last_review, r.due, r.overdue)
                for r in selectors.reviews_due(world.users[user], TODAY)]
        theirs = [(r.placement.pk, r.last_review, r.due, r.overdue)
                  for r in quality_selectors.reviews_due(user=world.users[user], on=TODAY)]
        assert sorted(ours) == sorted(theirs), user
    assert any(r.placement.pk == reviewed.pk
               for r in selectors.reviews_due(world.users["la_officer"], TODAY))
