"""Who sees what: every role against records in and out of its scope (out of scope = absent)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from aptrack.accounts import audit
from aptrack.accounts.models import AuditEvent
from aptrack.learners import services as learners
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements import services as placements
from aptrack.placements.models import Placement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    """A pupil of each school placed at each provider, a pupil not placed, and a learner of
    another LA's school."""
    other_la_school = factories.establishment(world.other_la, "Far School", "mainstream_school",
                                              urn="100009", estab_number="4009")
    r = {
        "s1_pru": factories.learner(world.school),
        "s1_ap": factories.learner(world.school),
        "s2_pru": factories.learner(world.other_school),
        "s2_ap": factories.learner(world.other_school),
        "s1_unplaced": factories.learner(world.school),
        "far": factories.learner(other_la_school, home_la=world.other_la),
    }
    for key, provider in [("s1_pru", world.pru), ("s1_ap", world.ap), ("s2_pru", world.pru),
                          ("s2_ap", world.ap)]:
        p = world.commission(r[key], provider=provider, reason="off_site_direction")
        placements.placement_start(actor=None, placement=p)
    learners.exclusion_record(actor=None, learner=r["s1_pru"], school=world.school,
                              category="FIXD", school_days=2, first_day=date(2025, 9, 15),
                              reason_1="DB")
    return r


def visible(model, user):
    return set(model.objects.for_user(user).values_list("pk", flat=True))


@pytest.mark.parametrize(("role", "sees"), [
    ("la_officer", {"s1_pru", "s1_ap", "s2_pru", "s2_ap", "s1_unplaced"}),
    ("other_la_officer", {"far"}),
    ("school_dsl", {"s1_pru", "s1_ap", "s1_unplaced"}),
    ("other_school_dsl", {"s2_pru", "s2_ap"}),
    ("provider_staff", {"s1_pru", "s2_pru"}),
    ("other_provider_staff", {"s1_ap", "s2_ap"}),
])
def test_learners_in_scope(world, records, role, sees):
    user = world.users[role]
    assert visible(Learner, user) == {records[k].pk for k in sees}


def test_providers_see_only_their_own_placements_and_no_exclusions(world, records):
    pru_staff, ap_staff = world.users["provider_staff"], world.users["other_provider_staff"]
    assert {p.provider for p in Placement.objects.for_user(pru_staff)} == {world.pru}
    assert {p.provider for p in Placement.objects.for_user(ap_staff)} == {world.ap}
    assert not Exclusion.objects.for_user(pru_staff).exists()
    assert {e.establishment for e in Enrolment.objects.for_user(pru_staff)} == {world.pru}
    # the AP provider is not a school: it holds no roll, so sees no enrolments
    assert not Enrolment.objects.for_user(ap_staff).exists()


def test_schools_see_their_exclusions_not_others(world, records):
    assert Exclusion.objects.for_user(world.users["school_dsl"]).count() == 1
    assert not Exclusion.objects.for_user(world.users["other_school_dsl"]).exists()
    assert Exclusion.objects.for_user(world.users["la_officer"]).count() == 1


def test_school_sees_placements_it_commissioned_only(world, records):
    seen = Placement.objects.for_user(world.users["school_dsl"])
    assert {p.learner_id for p in seen} == {records["s1_pru"].pk, records["s1_ap"].pk}


def test_provider_loses_sight_after_the_recent_window(world, records, settings):
    settings.APTRACK = {**settings.APTRACK, "PROVIDER_RECENT_DAYS": 30}
    p = Placement.objects.get(learner=records["s1_pru"])
    placements.placement_end(actor=None, placement=p, end_date=date(2025, 10, 31),
                             end_reason="planned_end", destination="returned_home_school")
    assert records["s1_pru"].pk not in visible(Learner, world.users["provider_staff"])


def test_inactive_or_anonymous_users_see_nothing(world, records):
    from django.contrib.auth.models import AnonymousUser

    user = world.users["la_officer"]
    user.is_active = False
    for model in (Learner, Placement, Exclusion, Enrolment):
        assert not model.objects.for_user(user).exists()
        assert not model.objects.for_user(AnonymousUser()).exists()


def test_providers_may_not_change_learners(world, records):
    assert not Learner.objects.for_user(world.users["provider_staff"], "change").exists()
    assert Learner.objects.for_user(world.users["school_dsl"], "change").count() == 3


def test_audit_rows_cannot_be_changed_or_deleted(world):
    event = audit.record(actor=world.users["la_officer"], action="learner.view",
                         object_type="learner", object_id="1", learner_id=1)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="x")
    # ...and the database refuses too, whatever the application does.
    for sql in ("UPDATE accounts_auditevent SET action = 'x'", "DELETE FROM accounts_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().action == "learner.view"


def test_post16_staff_see_the_placements_their_college_commissioned(world):
    """A college that commissions AP monitors its learner there, as a school does: the
    placement, the learner and the marks at the provider; not another college's."""
    from aptrack.accounts.choices import OrganisationKind, Role
    from aptrack.accounts.models import Organisation
    from aptrack.attendance.models import AttendanceMark
    from aptrack.attendance.services import attendance_marks_record

    college = factories.establishment(world.la, "Test FE College", "fe_college",
                                      urn="130001", estab_number="4130")
    other = factories.establishment(world.la, "Other FE College", "fe_college",
                                    urn="130002", estab_number="4131")
    staff = factories.user("college_staff", Organisation.objects.create(
        name="College", kind=OrganisationKind.POST16_PROVIDER, establishment=college),
        Role.POST16_STAFF)
    ours, theirs = factories.learner(world.school), factories.learner(world.other_school)
    placed = []
    for learner, by in ((ours, college), (theirs, other)):
        p = placements.placement_commission(
            actor=None, learner=learner, provider=world.ap, commissioner_kind="post16_provider",
            reason="preventative", tier=2, start_date=date(2025, 10, 6),
            hours_per_week=Decimal("25"), commissioning_establishment=by)
        placed.append(placements.placement_start(actor=None, placement=p))
    attendance_marks_record(actor=None, notify=False, today=date(2025, 10, 7), marks=[
        {"learner": p.learner_id, "setting": world.ap.pk, "date": date(2025, 10, 6),
         "session": "AM", "code": "O"} for p in placed])
    assert list(Placement.objects.for_user(staff)) == [placed[0]]
    assert set(Learner.objects.for_user(staff)) == {ours}
    marks = AttendanceMark.objects.for_user(staff)
    assert {m.learner_id for m in marks} == {ours.pk}
    assert marks.filter(setting=world.ap).exists()
