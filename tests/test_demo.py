"""The demo data: loads through the services, is idempotent, covers every reason and tier,
gives every demo role records it may see and records it may not, and never runs in production."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aptrack.accounts.models import User
from aptrack.learners.models import Learner
from aptrack.placements.models import Placement
from aptrack.rules import upn

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch, tmp_path, settings):
    monkeypatch.setenv("APTRACK_DEMO_PASSWORD", "Demo-Password-2026!")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_loads_and_prints_accounts(demo):
    assert "Loaded demo data" in demo and "Password: Demo-Password-2026!" in demo
    for name in ["la.officer", "la.admin", "school.dsl", "school2.dsl", "provider.staff",
                 "provider2.staff"]:
        assert name in demo and User.objects.get(username=name).check_password(
            "Demo-Password-2026!")
    assert 240 <= Learner.objects.count() <= 260
    assert all(upn.validate(u) == u for u in Learner.objects.values_list("upn", flat=True))


def test_seed_demo_is_idempotent(demo):
    counts = (Learner.objects.count(), Placement.objects.count(), User.objects.count())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert (Learner.objects.count(), Placement.objects.count(), User.objects.count()) == counts
    call_command("seed_demo", "--reset", stdout=StringIO())
    assert (Learner.objects.count(), Placement.objects.count(), User.objects.count()) == counts


def test_every_reason_and_tier_and_both_years(demo):
    reasons = set(Placement.objects.values_list("reason", flat=True))
    assert reasons == {"permanent_exclusion", "suspension", "health", "off_site_direction",
                       "preventative", "other"}
    assert set(Placement.objects.values_list("tier", flat=True)) == {1, 2, 3}
    assert Placement.objects.filter(status="active").exists()
    assert Placement.objects.filter(status="ended").exists()
    assert Placement.objects.exclude(provision_due_by=None).exists()


def test_each_demo_role_sees_some_and_not_all(demo):
    total = Learner.objects.count()
    seen = {u.username: set(Learner.objects.for_user(u).values_list("pk", flat=True))
            for u in User.objects.all()}
    for name, ids in seen.items():
        assert 0 < len(ids) < total, name
    assert seen["school.dsl"].isdisjoint(seen["school2.dsl"])
    assert seen["provider.staff"].isdisjoint(seen["provider2.staff"])
    for school in ("school.dsl", "school2.dsl"):  # both schools' pupils at both providers
        for provider in ("provider.staff", "provider2.staff"):
            assert seen[school] & seen[provider], (school, provider)


def test_seed_demo_refuses_production(settings):
    settings.APTRACK = {**settings.APTRACK, "DEMO_ALLOWED": False}
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=StringIO())
    assert not Learner.objects.exists()


def test_demo_pupils_are_of_an_age_for_their_school(demo):
    """Year 7 starts in the school year a child turns 12, so nobody joins secondary under 11."""
    from aptrack.learners.models import Enrolment

    for e in Enrolment.objects.filter(establishment__phase="secondary", placement=None):
        age_at_entry = (e.start_date - e.learner.date_of_birth).days / 365.25
        assert age_at_entry >= 11, (e.learner.date_of_birth, e.start_date)


def test_the_la_referral_queue_has_referred_placements_waiting_to_start(demo, client):
    """Referred (not yet agreed or started) placements, so the LA's queue is not empty."""
    from datetime import date

    from django.urls import reverse

    from aptrack.web import selectors

    officer = User.objects.get(username="la.officer")
    queue = list(selectors.referral_queue(officer))
    assert len(queue) >= 3 and {p.status for p in queue} == {"referred"}
    assert all(p.start_date > date.today() for p in queue)
    assert {p.commissioner_kind for p in queue} == {"local_authority", "school"}
    client.force_login(officer)
    body = client.get(reverse("web:referrals")).content.decode()
    for p in queue:
        assert reverse("web:placement", args=[p.pk]) in body
    # the permanent exclusion's referral is what the 6th-day clock shows as arranged
    clock = selectors.provision_clock(officer, date.today())
    arranged = [row["placement"] for rows in clock.values() for row in rows if row["placement"]]
    assert any(p.status == "referred" for p in arranged)
