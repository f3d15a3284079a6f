"""Attendance at reviews, on the performance page and with outcomes comes from the registers:
the marks recorded (through ``attendance_marks_record``) at the placement's own setting over
its period; a figure typed at a review is kept beside it, never instead of it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from aptrack.accounts.models import AuditEvent
from aptrack.attendance.services import attendance_marks_record
from aptrack.placements import services as placements
from aptrack.quality import performance, selectors, services
from aptrack.quality.models import PlacementReview
from tests import factories

pytestmark = pytest.mark.django_db
MON = date(2025, 10, 6)
TUE, WED, THU, FRI = (MON + timedelta(days=n) for n in range(1, 5))
TODAY = date(2025, 11, 28)


def _marks(actor, placement, marks, setting=None):
    attendance_marks_record(actor=actor, today=TODAY, notify=False, marks=[
        {"learner": placement.learner_id, "setting": (setting or placement.provider).pk,
         "date": day, "session": session, "code": code} for day, session, code in marks])


@pytest.fixture
def at_ap(world):
    """Test High's pupil at the unregistered AP every session from Monday 6 October 2025."""
    learner = factories.learner(world.school)
    placement = world.commission(learner, provider=world.ap, start=MON)
    return placements.placement_start(actor=None, placement=placement, on=MON)


@pytest.fixture
def marked(world, at_ap):
    """Mon-Wed: 3 present (/ / L), 1 unauthorised (O), 1 authorised (I), 1 present (/);
    Thu-Fri: all 4 present. The home school's derived marks must not count twice."""
    _marks(world.users["other_provider_staff"], at_ap, [
        (MON, "AM", "/"), (MON, "PM", "/"), (TUE, "AM", "O"), (TUE, "PM", "L"),
        (WED, "AM", "I"), (WED, "PM", "/"),
        (THU, "AM", "/"), (THU, "PM", "/"), (FRI, "AM", "/"), (FRI, "PM", "/")])
    return at_ap


def _review(actor, placement, held_on, **kw):
    return services.review_record(actor=actor, placement=placement, held_on=held_on,
                                  attendees="All", learner_view="Fine", decision="continue",
                                  progress={}, **kw)


def test_a_review_takes_attendance_since_the_last_review_from_the_registers(world, marked,
                                                                           school_dsl):
    first = _review(school_dsl, marked, WED)
    assert (first.register_from, first.register_to) == (MON, WED)
    assert (first.register_attended, first.register_possible) == (4, 6)
    assert first.register_percent == 66.7
    assert first.attendance_percent is None
    second = _review(school_dsl, marked, FRI, attendance_percent=Decimal("95"))
    assert (second.register_from, second.register_to) == (THU, FRI)
    assert (second.register_attended, second.register_possible) == (4, 4)
    assert second.register_percent == 100.0
    assert second.attendance_percent == Decimal("95")  # kept beside, not instead
    event = AuditEvent.objects.filter(action="review.record").last()
    assert (event.changes["register_attended"], event.changes["register_possible"]) == (4, 4)


def test_no_marks_gives_no_figure_rather_than_zero(world, at_ap, school_dsl):
    review = _review(school_dsl, at_ap, WED)
    assert (review.register_possible, review.register_percent) == (0, None)


def test_marks_elsewhere_or_outside_the_period_do_not_count(world, marked, school_dsl):
    # A mark after the review day, and the home school's own register, are not the
    # placement's attendance since the last review.
    _marks(world.users["other_provider_staff"], marked, [(MON + timedelta(days=7), "AM", "O")])
    review = _review(school_dsl, marked, WED)
    assert (review.register_attended, review.register_possible) == (4, 6)
    summary = selectors.register_attendance(user=school_dsl, placement=marked, start=MON,
                                            end=MON + timedelta(days=7))
    assert (summary.attended, summary.possible) == (8, 11)


def test_a_review_of_an_ended_placement_stops_at_its_end(world, marked, school_dsl):
    placements.placement_end(actor=None, placement=marked, end_date=TUE,
                             end_reason="breakdown", destination="another_ap")
    marked.refresh_from_db()
    review = _review(school_dsl, marked, FRI)
    assert (review.register_from, review.register_to) == (MON, TUE)
    assert (review.register_attended, review.register_possible) == (3, 4)


def test_review_form_and_placement_page_show_the_register_figure(client, world, marked,
                                                                 school_dsl):
    client.force_login(school_dsl)
    form = client.get(reverse("quality:review-new", args=[marked.pk])).content.decode()
    assert "Attendance from the registers" in form
    assert "<strong>80.0%</strong> (8 of 10 possible sessions)" in form
    response = client.post(reverse("quality:review-new", args=[marked.pk]), {
        "held_on_0": str(WED.day), "held_on_1": str(WED.month), "held_on_2": str(WED.year),
        "attendees": "All", "learner_view": "Good", "decision": "continue"})
    assert response.status_code == 302
    review = PlacementReview.objects.get()
    assert (review.register_attended, review.register_possible) == (4, 6)
    page = client.get(reverse("quality:placement", args=[marked.pk])).content.decode()
    assert "66.7% (4 of 6 sessions, 6 Oct 2025 to 8 Oct 2025)" in page
    assert "<strong>80.0%</strong> (8 of 10 possible sessions)" in page  # whole placement


def test_a_bad_review_post_still_shows_the_figure_for_the_date_entered(client, world, marked,
                                                                       school_dsl):
    client.force_login(school_dsl)
    response = client.post(reverse("quality:review-new", args=[marked.pk]), {
        "held_on_0": str(WED.day), "held_on_1": str(WED.month), "held_on_2": str(WED.year),
        "attendees": "All", "learner_view": "", "decision": "continue"})
    assert response.status_code == 400
    assert "(4 of 6 possible sessions)" in response.content.decode()


def test_performance_page_attendance_comes_from_the_registers(client, world, marked,
                                                              school_dsl):
    other = factories.learner(world.school)
    at_pru = placements.placement_start(actor=None, placement=world.commission(
        other, provider=world.pru, start=MON, sessions_pattern="1111111111"), on=MON)
    _marks(world.users["provider_staff"], at_pru, [(MON, "AM", "/"), (MON, "PM", "G")])
    # A typed review figure does not change the measure.
    _review(school_dsl, marked, WED, attendance_percent=Decimal("12"))
    figures = performance.framework(user=school_dsl, group="provider", on=TODAY)
    rows = {r["name"]: r for r in figures["table"]}
    assert (rows["Test Unregistered AP"]["attended"],
            rows["Test Unregistered AP"]["possible"]) == (8, 10)
    assert rows["Test Unregistered AP"]["attendance"] == 80.0
    assert rows["Test PRU"]["attendance"] == 50.0
    by_tier = performance.framework(user=school_dsl, group="tier", on=TODAY)["table"]
    assert [(r["attended"], r["possible"]) for r in by_tier] == [(9, 12)]
    client.force_login(school_dsl)
    page = client.get(reverse("quality:dashboard")).content.decode()
    assert "Attendance at the provider (registers)" in page and "80.0%" in page
    # Only marks the user may see count: the other school sees neither placement.
    assert performance.framework(user=world.users["other_school_dsl"], on=TODAY)["table"] == []


def test_the_placements_attendance_selector_is_one_query(world, marked, school_dsl,
                                                         django_assert_num_queries):
    from aptrack.placements.models import Placement

    qs = Placement.objects.filter(pk=marked.pk)
    with django_assert_num_queries(1):
        found = selectors.placements_attendance(user=school_dsl, placements=qs, on=TODAY)
    assert (found[marked.pk].attended, found[marked.pk].possible) == (8, 10)
    assert found[marked.pk].start == MON and found[marked.pk].end == TODAY
