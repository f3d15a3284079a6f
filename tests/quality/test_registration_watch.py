"""The registration watch: whenever a placement (or a learner's status) changes, an
unregistered provider's current learners are run through the registration test, and the LA is
alerted, with the learners that tip it over (Education and Skills Act 2008 s92; 18 hours and
the SEN widening of the CWS Act 2026 s43 as settings)."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings as django_settings

from aptrack.accounts.models import AuditEvent
from aptrack.learners import services as learners
from aptrack.placements import services as placements
from aptrack.quality import services
from aptrack.quality.models import RegistrationAlert
from tests import factories

pytestmark = pytest.mark.django_db
ON = date(2025, 10, 20)


def _place(world, hours=25, provider=None, **learner_kw):
    learner = factories.learner(world.school, **learner_kw)
    return world.commission(learner, provider=provider or world.ap, status="agreed",
                            hours_per_week=Decimal(str(hours)))


def _watch(world, provider=None):
    return services.registration_watch(provider_id=(provider or world.ap).pk, on=ON)


def test_the_fifth_full_time_learner_tips_the_provider_over(world):
    placed = [_place(world) for _ in range(4)] + [_place(world, hours=10)]
    assert _watch(world) is None
    placed.append(_place(world))
    alert = _watch(world)
    assert alert.status == "open" and alert.full_time_count == 5
    assert set(alert.tipping_placements.all()) == set(placed) - {placed[4]}  # not the 10 h one
    assert "5 learners of compulsory school age attend full time" in alert.reason
    assert list(alert.las.all()) == [world.la]
    assert AuditEvent.objects.filter(action="registration_alert.raise").count() == 1


def test_eighteen_hours_exactly_is_not_full_time_unless_the_setting_says_so(world, settings):
    for _ in range(5):
        _place(world, hours=18)
    assert _watch(world) is None
    settings.APTRACK = {**django_settings.APTRACK, "FULL_TIME_HOURS": 15.0}
    assert _watch(world).full_time_count == 5


@pytest.mark.parametrize("flags", [{"sen_provision": "E", "primary_need": "ASD"},
                                   {"looked_after": True}])
def test_one_learner_with_an_ehc_plan_or_looked_after_is_enough(world, flags):
    _place(world)  # an ordinary full-time learner does not tip it
    tipping = _place(world, **flags)
    _place(world, hours=12, looked_after=True)  # part time: does not count
    alert = _watch(world)
    assert list(alert.tipping_placements.all()) == [tipping]


def test_sen_support_counts_only_with_the_2026_act_widening(world, settings):
    tipping = _place(world, sen_provision="K", primary_need="SEMH")
    assert _watch(world) is None
    settings.APTRACK = {**django_settings.APTRACK, "SEN_WIDENING": True}
    assert list(_watch(world).tipping_placements.all()) == [tipping]


def test_learners_past_compulsory_school_age_do_not_count(world):
    for _ in range(4):
        _place(world)
    _place(world, date_of_birth=date(2009, 5, 1))  # left on the last Friday of June 2025
    assert _watch(world) is None


def test_referred_and_ended_placements_do_not_count_and_alerts_resolve(world):
    current = [_place(world) for _ in range(5)]
    learner = factories.learner(world.school)
    world.commission(learner, status="referred")
    alert = _watch(world)
    assert alert.tipping_placements.count() == 5
    placements.placement_start(actor=None, placement=current[0])
    placements.placement_end(actor=None, placement=current[0], end_date=date(2025, 10, 17),
                             end_reason="planned_end", destination="returned_home_school")
    assert _watch(world) is None
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_at is not None


def test_same_learners_raise_one_alert_only_and_a_change_raises_a_new_one(world):
    for _ in range(5):
        _place(world)
    first = _watch(world)
    assert _watch(world) == first
    _place(world)
    second = _watch(world)
    first.refresh_from_db()
    assert second != first and first.status == "resolved"
    assert second.tipping_placements.count() == 6


def test_a_registered_school_or_an_fe_college_is_never_alerted(world):
    college = factories.establishment(world.la, "College", "fe_college")
    for _ in range(6):
        _place(world, provider=world.pru)
        _place(world, provider=college)
    assert _watch(world, world.pru) is None
    assert _watch(world, college) is None
    assert not RegistrationAlert.objects.exists()


def test_the_watch_runs_when_a_placement_or_a_learner_changes(world,
                                                            django_capture_on_commit_callbacks):
    placed = _place(world, hours=25)
    with django_capture_on_commit_callbacks(execute=True):
        learners.learner_update(actor=None, learner=placed.learner, looked_after=True)
    alert = RegistrationAlert.objects.get()
    assert list(alert.tipping_placements.all()) == [placed]
    with django_capture_on_commit_callbacks(execute=True):
        placements.placement_cancel(actor=None, placement=placed)
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_alerts_are_seen_by_la_roles_of_the_las_concerned_only(world):
    for _ in range(5):
        _place(world)
    alert = _watch(world)
    assert list(RegistrationAlert.objects.for_user(world.users["la_officer"])) == [alert]
    for name in ("other_la_officer", "school_dsl", "other_provider_staff"):
        assert not RegistrationAlert.objects.for_user(world.users[name]).exists()
