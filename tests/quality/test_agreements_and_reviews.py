"""Placement agreements, the off-site direction notice (2 school days on the directing
school's calendar, across weekends, half terms and bank holidays), review on request (10-week
rule) and half-termly reviews on the commissioner's calendar.

Test calendar (tests/factories.py): Autumn 1 2025 runs to Thu 23 Oct, Autumn 2 from Mon 3 Nov
to Fri 18 Dec; Summer 1 2026 from Wed 15 Apr to Fri 22 May (Mon 4 May is a bank holiday).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aptrack.accounts.models import AuditEvent
from aptrack.directory.models import SchoolCalendar, Term
from aptrack.placements import services as placements
from aptrack.quality import selectors, services
from aptrack.quality.models import PlacementAgreement
from tests import factories

pytestmark = pytest.mark.django_db

OBJECTIVES = [{"description": "Attend every session", "target": "95% attendance by Christmas"},
              {"description": "Reading", "target": "Reading age up 6 months"}]


def _agreement(world, placement, actor, **kw):
    fields = {"intervention": "Small-group SEMH support", "reintegration_plan": "Phased return",
              "reporting_arrangements": "Weekly report to the DSL",
              "learner_views": "Wants to get back to lessons", "parent_views": "Supportive",
              "agreed_on": date(2025, 10, 1), "objectives": OBJECTIVES, "maximum_weeks": 12}
    fields.update(kw)
    return services.agreement_save(actor=actor, placement=placement, **fields)


def _direction(world, start, **learner_kw):
    learner = factories.learner(world.school, **learner_kw)
    return world.commission(learner, provider=world.pru, reason="off_site_direction",
                            start=start)


def _notice(placement, actor, given_on):
    return services.off_site_notice_record(
        actor=actor, placement=placement, parent_name="A Parent", given_on=given_on,
        number_of_days=30, reasons="Persistent disruption", session_times="9:00 to 15:00",
        contact="Ms Office, 01234 567890")


def test_agreement_with_objectives_is_versioned_and_audited(world, school_dsl):
    placement = world.commission(factories.learner(world.school))
    agreement = _agreement(world, placement, school_dsl)
    assert [o.target for o in agreement.objectives.all()] == [
        "95% attendance by Christmas", "Reading age up 6 months"]
    first = agreement.objectives.first()
    changed = _agreement(world, placement, school_dsl, version=1, parent_views="Worried",
                         objectives=[{"id": first.pk, "description": "Attend",
                                      "target": "90%"}])
    assert changed.version == 2 and changed.objectives.count() == 1
    with pytest.raises(ValidationError, match="Someone else changed"):
        _agreement(world, placement, school_dsl, version=1)
    assert AuditEvent.objects.filter(action="agreement.update").get().changes[
        "parent_views"] == ["Supportive", "Worried"]


def test_agreement_needs_objectives_and_scope(world, school_dsl, other_school_dsl,
                                              provider_staff):
    placement = world.commission(factories.learner(world.school))
    with pytest.raises(ValidationError, match="at least one objective"):
        _agreement(world, placement, school_dsl, objectives=[])
    with pytest.raises(ValidationError, match="Objective 1"):
        _agreement(world, placement, school_dsl, objectives=[{"description": "", "target": ""}])
    for outsider in (other_school_dsl, provider_staff):  # providers read, never write
        with pytest.raises(type(placement).DoesNotExist):
            _agreement(world, placement, outsider)
    assert not PlacementAgreement.objects.exists()


@pytest.mark.parametrize(("first_day", "latest", "late", "earliest"), [
    # Wednesday start: the Monday; Tuesday is too late, and then Thursday is the earliest start
    (date(2025, 10, 8), date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 9)),
    # Tuesday start: Friday before the weekend; a Saturday notice is too late
    (date(2025, 10, 14), date(2025, 10, 10), date(2025, 10, 11), date(2025, 10, 15)),
    # Tuesday after half term: Mon 3 Nov and Thu 23 Oct; notice in half term is too late
    (date(2025, 11, 4), date(2025, 10, 23), date(2025, 10, 31), date(2025, 11, 5)),
    # Wednesday after the May Day bank holiday: Tue 5 and Fri 1 May
    (date(2026, 5, 6), date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 7)),
])
def test_off_site_direction_notice_two_school_days(world, school_dsl, first_day, latest, late,
                                                   earliest):
    placement = _direction(world, first_day)
    with pytest.raises(ValidationError) as error:
        _notice(placement, school_dsl, late)
    message = str(error.value)
    assert f"must be given by {latest:%A %-d %B %Y}" in message
    assert f"the first day can be {earliest:%A %-d %B %Y} at the earliest" in message
    notice = _notice(placement, school_dsl, latest)
    assert notice.notice_by == latest and notice.in_time and notice.la_notified_on is None


def test_learner_with_an_ehc_plan_the_la_is_notified(world, school_dsl, smtp,
                                                     django_capture_on_commit_callbacks):
    officer = world.users["la_officer"]
    officer.email = "la@example.invalid"
    officer.save()
    placement = _direction(world, date(2025, 10, 8), sen_provision="E", primary_need="SEMH")
    with smtp.capture() as inbox, django_capture_on_commit_callbacks(execute=True):
        notice = _notice(placement, school_dsl, date(2025, 10, 1))
    assert notice.la_notified_on == date(2025, 10, 1)
    [message] = inbox.messages
    assert "EHC plan" in message["Subject"] and message["X-Envelope-To"] == "la@example.invalid"


def test_notice_only_for_off_site_directions(world, school_dsl):
    placement = world.commission(factories.learner(world.school))
    with pytest.raises(ValidationError, match="Only an off-site direction"):
        _notice(placement, school_dsl, date(2025, 9, 1))


def test_notice_pdf_has_the_contents_the_regulations_require(world, school_dsl):
    from aptrack.quality import pdf

    placement = _direction(world, date(2025, 10, 8))
    _agreement(world, placement, school_dsl)
    notice = _notice(placement, school_dsl, date(2025, 10, 6))
    data = pdf.off_site_notice(notice)
    assert data.startswith(b"%PDF-")
    text = pdf.text_of(notice)
    for needed in ("Test PRU", "Ms Office, 01234 567890", "30 school days",
                   "Persistent disruption", "Attend every session", "9:00 to 15:00",
                   "Wednesday 8 October 2025"):
        assert needed in text


def _start(placement):
    return placements.placement_start(actor=None, placement=placement)


def _review(placement, actor, held_on, **kw):
    objectives = placement.agreement.objectives.all() if hasattr(placement, "agreement") else []
    return services.review_record(
        actor=actor, placement=placement, held_on=held_on, attendees="DSL, provider, parent",
        learner_view="Going well", decision=kw.pop("decision", "continue"),
        progress={o.pk: ("some", "") for o in objectives}, **kw)


@pytest.mark.parametrize(("requested", "must_hold"), [
    (date(2025, 10, 20) + timedelta(weeks=10), False),  # exactly 10 weeks: within
    (date(2025, 10, 21) + timedelta(weeks=10), True),
])
def test_review_on_request_ten_week_rule(world, school_dsl, requested, must_hold):
    placement = _start(_direction(world, date(2025, 10, 8)))
    _review(placement, school_dsl, date(2025, 10, 20))
    request = services.review_request_record(actor=school_dsl, placement=placement,
                                             requested_on=requested, requested_by="parent")
    assert request.must_hold is must_hold and request.last_review_on == date(2025, 10, 20)


def test_review_request_with_no_review_yet_must_be_held(world, school_dsl):
    placement = _start(_direction(world, date(2025, 10, 8)))
    assert services.review_request_record(actor=school_dsl, placement=placement,
                                          requested_on=date(2025, 10, 9),
                                          requested_by="la").must_hold


@pytest.mark.parametrize(("held_on", "next_due"), [
    # A review counts for the half term it is held in ("at least half-termly": one a half
    # term), so one held in Autumn 1 is next due by the end of Autumn 2. This case used to
    # expect 23 October, three days after the review: an overdue review the moment it was held.
    (date(2025, 10, 20), date(2025, 12, 18)),
    (date(2025, 10, 23), date(2025, 12, 18)),  # on the last day: counts for Autumn 1
    (date(2025, 10, 28), date(2025, 12, 18)),  # in the half-term holiday
])
def test_reviews_are_half_termly_on_the_commissioners_calendar(world, school_dsl, held_on,
                                                              next_due):
    placement = _start(world.commission(factories.learner(world.school)))
    _agreement(world, placement, school_dsl)
    placement.refresh_from_db()
    review = _review(placement, school_dsl, held_on)
    assert review.next_review_on == next_due
    assert review.progress.count() == 2


def test_school_calendar_of_its_own_decides_the_review_date(world, school_dsl):
    own = SchoolCalendar.objects.create(name="Own", la=world.la, establishment=world.school)
    Term.objects.create(calendar=own, name="Autumn 1", start=date(2025, 9, 3),
                        end=date(2025, 10, 17))
    Term.objects.create(calendar=own, name="Autumn 2", start=date(2025, 10, 27),
                        end=date(2025, 12, 19))
    world.school.calendar = own
    world.school.save()
    placement = _start(world.commission(factories.learner(world.school)))
    assert _review(placement, school_dsl, date(2025, 10, 20)).next_review_on == date(2025, 12,
                                                                                     19)


def test_review_needs_progress_on_every_objective(world, school_dsl):
    placement = _start(world.commission(factories.learner(world.school)))
    _agreement(world, placement, school_dsl)
    with pytest.raises(ValidationError, match="Record progress against"):
        services.review_record(actor=school_dsl, placement=placement,
                               held_on=date(2025, 10, 20), attendees="DSL", learner_view="ok",
                               decision="continue", progress={})


def test_reviews_due_and_overdue_list(world, school_dsl, other_school_dsl):
    due = _start(world.commission(factories.learner(world.school)))  # starts Mon 6 Oct 2025
    reviewed = _start(world.commission(factories.learner(world.school)))
    # Reviewed in Autumn 1, so next due by the end of Autumn 2 (Thu 18 Dec), not in 3 days.
    _review(reviewed, school_dsl, date(2025, 10, 20))
    later = _start(world.commission(factories.learner(world.school),
                                    start=date(2025, 11, 10)))
    rows = selectors.reviews_due(user=school_dsl, on=date(2025, 10, 20))
    assert [(r.placement, r.due, r.overdue) for r in rows] == [
        (due, date(2025, 10, 23), False)]
    rows = selectors.reviews_due(user=school_dsl, on=date(2025, 12, 10))
    assert {(r.placement, r.due, r.overdue) for r in rows} == {
        (due, date(2025, 10, 23), True), (reviewed, date(2025, 12, 18), False),
        (later, date(2025, 12, 18), False)}
    assert selectors.reviews_due(user=other_school_dsl, on=date(2025, 12, 10)) == []


def test_unregistered_placement_beyond_the_planned_national_limits_warns(world):
    long_full_time = world.commission(factories.learner(world.school),
                                      planned_end_date=date(2026, 3, 31),
                                      hours_per_week=Decimal("25"))
    assert services.national_limit_warnings(long_full_time)
    short = world.commission(factories.learner(world.school),
                             planned_end_date=date(2025, 12, 19))
    assert services.national_limit_warnings(short) == []
    at_pru = world.commission(factories.learner(world.school), provider=world.pru)
    assert services.national_limit_warnings(at_pru) == []
