"""The quality pages: every page answers each role in scope, 404 out of scope (never
confirming a record), 403 where the role may not use the page; forms write through the
services, with GOV.UK error messages; evidence downloads are permission-checked and audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aptrack.accounts.models import AuditEvent
from aptrack.placements import services as placements
from aptrack.quality import services
from aptrack.quality.models import (
    EvidenceFile,
    LiaisonEntry,
    PlacementAgreement,
    PlacementReview,
    ProviderCheck,
)
from tests import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
IN = "school_dsl la_officer other_provider_staff"
OUT = "other_school_dsl provider_staff other_la_officer"


@pytest.fixture
def placed(world):
    learner = factories.learner(world.school)
    placement = world.commission(learner, hours_per_week=Decimal("10"),
                                 sessions_pattern="1111000000")
    return placements.placement_start(actor=None, placement=placement)


def _status(client, user, url, method="get", data=None):
    client.force_login(user)
    return getattr(client, method)(url, data or {}).status_code


@pytest.mark.parametrize(("name", "allowed", "forbidden", "hidden"), [
    ("quality:placement", IN, "", OUT),
    ("quality:liaison", IN, "", OUT),
    ("quality:agreement", "school_dsl la_officer", "other_provider_staff provider_staff",
     "other_school_dsl other_la_officer"),
    ("quality:review-new", "school_dsl la_officer", "other_provider_staff",
     "other_school_dsl other_la_officer"),
    ("quality:outcome", "school_dsl la_officer", "other_provider_staff", "other_school_dsl"),
    ("quality:notice-pdf", "", "", "school_dsl other_school_dsl"),  # no notice: 404 for all
])
def test_placement_pages_by_role_and_scope(client, world, placed, name, allowed, forbidden,
                                           hidden):
    pk = placed.learner_id if name == "quality:liaison" else placed.pk
    url = reverse(name, args=[pk])
    for user in allowed.split():
        assert _status(client, world.users[user], url) == 200, user
    for user in forbidden.split():
        assert _status(client, world.users[user], url) == 403, user
    for user in hidden.split():
        assert _status(client, world.users[user], url) == 404, user


def test_out_of_scope_placement_is_audited_as_denied(client, world, placed):
    client.force_login(world.users["other_school_dsl"])
    assert client.get(reverse("quality:placement", args=[placed.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="placement",
                                     object_id=str(placed.pk),
                                     user=world.users["other_school_dsl"]).exists()
    client.force_login(world.users["school_dsl"])
    client.get(reverse("quality:placement", args=[placed.pk]))
    assert AuditEvent.objects.filter(action="placement_quality.view", learner_id=placed.learner_id,
                                     user=world.users["school_dsl"]).count() == 1


@pytest.mark.parametrize(("name", "allowed", "forbidden"), [
    ("quality:providers", "school_dsl la_officer", ""),
    ("quality:reviews", "school_dsl la_officer provider_staff", ""),
    ("quality:outcomes", "school_dsl la_officer", "provider_staff other_provider_staff"),
    ("quality:dashboard", "school_dsl la_officer", "provider_staff"),
    ("quality:alerts", "la_officer other_la_officer", "school_dsl provider_staff"),
])
def test_list_pages_by_role(client, world, placed, name, allowed, forbidden):
    for user in allowed.split():
        assert _status(client, world.users[user], reverse(name)) == 200, user
    for user in forbidden.split():
        assert _status(client, world.users[user], reverse(name)) == 403, user


def test_sign_in_is_required(client, world, placed):
    response = client.get(reverse("quality:placement", args=[placed.pk]))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_provider_pages(client, world):
    ap = reverse("quality:provider", args=[world.ap.pk])
    assert _status(client, world.users["school_dsl"], ap) == 200
    assert _status(client, world.users["other_provider_staff"], ap) == 200  # its own page
    assert _status(client, world.users["provider_staff"], ap) == 404  # another provider
    new = reverse("quality:check-new", args=[world.ap.pk])
    assert _status(client, world.users["other_provider_staff"], new) == 403
    status = reverse("quality:status", args=[world.ap.pk])
    assert _status(client, world.users["school_dsl"], status) == 403
    assert _status(client, world.users["la_officer"], status) == 200


def test_record_a_check_with_evidence_and_download_it(client, world, school_dsl):
    client.force_login(school_dsl)
    url = reverse("quality:check-new", args=[world.ap.pk])
    response = client.post(url, {
        "kind": "staff_checks", "outcome": "met", "checked_on_0": "1", "checked_on_1": "9",
        "checked_on_2": "2026", "notes": "Letter from the manager",
        "evidence": SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    check = ProviderCheck.objects.get()
    assert (check.kind, check.checked_on, check.expires_on) == (
        "staff_checks", date(2026, 9, 1), date(2027, 9, 1))
    evidence = EvidenceFile.objects.get()
    page = client.get(reverse("quality:provider", args=[world.ap.pk])).content.decode()
    assert "letter.pdf" in page and "Valid" in page
    download = client.get(reverse("quality:evidence", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="evidence.view", user=school_dsl).count() == 1
    for outsider, expected in (("other_school_dsl", 404), ("other_provider_staff", 404),
                               ("la_officer", 200)):
        client.force_login(world.users[outsider])
        assert client.get(reverse("quality:evidence", args=[evidence.pk])).status_code == (
            expected), outsider
    assert AuditEvent.objects.filter(action="access.denied",
                                     object_type="evidencefile").count() == 2


@pytest.mark.parametrize(("data", "message"), [
    ({"checked_on_0": "31", "checked_on_1": "2", "checked_on_2": "2026"},
     "Date checked must be a real date"),
    ({"checked_on_0": "1", "checked_on_1": "", "checked_on_2": "2026"},
     "Date checked must include a month"),
    ({"checked_on_0": "1", "checked_on_1": "9", "checked_on_2": "2026",
      "evidence": SimpleUploadedFile("x.pdf", b"not a pdf")}, "x.pdf is not really a .pdf file"),
])
def test_check_form_errors_are_named(client, world, school_dsl, data, message):
    client.force_login(school_dsl)
    response = client.post(reverse("quality:check-new", args=[world.ap.pk]),
                           {"kind": "dsl", "outcome": "met", **data})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    assert not ProviderCheck.objects.exists()


def test_agreement_review_liaison_and_outcome_through_the_pages(client, world, placed,
                                                                school_dsl):
    client.force_login(school_dsl)
    response = client.post(reverse("quality:agreement", args=[placed.pk]), {
        "intervention": "Mentoring", "reintegration_plan": "Back by Easter",
        "reporting_arrangements": "Weekly", "learner_views": "Keen", "parent_views": "Keen",
        "agreed_on_0": "1", "agreed_on_1": "10", "agreed_on_2": "2025",
        "objective_1": "Attend", "objective_1_target": "90%", "objective_2": "Maths",
        "objective_2_target": ""})
    assert response.status_code == 400
    assert "Enter a measurable target for objective 2" in response.content.decode()
    response = client.post(reverse("quality:agreement", args=[placed.pk]), {
        "intervention": "Mentoring", "reintegration_plan": "Back by Easter",
        "reporting_arrangements": "Weekly", "learner_views": "Keen", "parent_views": "Keen",
        "agreed_on_0": "1", "agreed_on_1": "10", "agreed_on_2": "2025",
        "objective_1": "Attend", "objective_1_target": "90%"})
    assert response.status_code == 302
    objective = PlacementAgreement.objects.get().objectives.get()
    response = client.post(reverse("quality:review-new", args=[placed.pk]), {
        "held_on_0": "20", "held_on_1": "10", "held_on_2": "2025", "attendees": "All",
        "attendance_percent": "92.5", "learner_view": "Good", "decision": "continue",
        f"progress_{objective.pk}": "good"})
    assert response.status_code == 302
    # Held in Autumn 1: next due by the end of Autumn 2.
    assert PlacementReview.objects.get().next_review_on == date(2025, 12, 18)
    page = client.get(reverse("quality:placement", args=[placed.pk])).content.decode()
    assert "Next review due by <strong>Thursday 18 December 2025</strong>" in page
    response = client.post(reverse("quality:liaison", args=[placed.learner_id]), {
        "placement": placed.pk, "kind": "call", "occurred_on_0": "7", "occurred_on_1": "10",
        "occurred_on_2": "2025", "with_whom": "Provider", "summary": "Settled well"})
    assert response.status_code == 302
    first = LiaisonEntry.objects.get()
    page = client.get(reverse("quality:liaison", args=[placed.learner_id]) +
                      f"?corrects={first.pk}").content.decode()
    assert "Correct the record of 7 October 2025" in page
    client.post(reverse("quality:liaison", args=[placed.learner_id]), {
        "corrects": first.pk, "placement": placed.pk, "kind": "call", "occurred_on_0": "8",
        "occurred_on_1": "10", "occurred_on_2": "2025", "with_whom": "Provider",
        "summary": "Settled well (date corrected)"})
    assert LiaisonEntry.objects.get(corrects=first).occurred_on == date(2025, 10, 8)
    response = client.post(reverse("quality:outcome", args=[placed.pk]), {
        "destination": "home_school", "end_date_0": "18", "end_date_1": "12",
        "end_date_2": "2025", "end_reason": "objectives_met"})
    assert response.status_code == 302
    page = client.get(reverse("quality:placement", args=[placed.pk])).content.decode()
    assert "Back to the home school" in page and "Follow-up due 18 June 2026" in page
    dashboard = client.get(reverse("quality:dashboard")).content.decode()
    assert "Test Unregistered AP" in dashboard and "100.0%" in dashboard


def test_override_is_shown_on_the_placement_page(client, world, la_officer):
    learner = factories.learner(world.school)
    placement = placements.placement_commission(
        actor=la_officer, learner=learner, provider=world.ap, commissioner_kind="local_authority",
        commissioning_la=world.la, reason="other", tier=2, start_date=date(2025, 10, 6),
        hours_per_week=Decimal("25"), override_reason="Only place available this week")
    client.force_login(la_officer)
    page = client.get(reverse("quality:placement", args=[placement.pk])).content.decode()
    assert "Only place available this week" in page
    assert "planned national limits" in page  # full time, open-ended, unregistered


def test_notice_page_refuses_late_notice_and_serves_the_pdf(client, world, school_dsl):
    learner = factories.learner(world.school)
    p = world.commission(learner, provider=world.pru, reason="off_site_direction",
                         start=date(2025, 10, 8))
    client.force_login(school_dsl)
    data = {"parent_name": "A Parent", "number_of_days": "20", "reasons": "Disruption",
            "session_times": "9 to 3", "contact": "Ms Office",
            "given_on_0": "7", "given_on_1": "10", "given_on_2": "2025"}
    response = client.post(reverse("quality:notice", args=[p.pk]), data)
    assert response.status_code == 400
    assert "must be given by Monday 6 October 2025" in response.content.decode()
    data["given_on_0"] = "6"
    assert client.post(reverse("quality:notice", args=[p.pk]), data).status_code == 302
    pdf = client.get(reverse("quality:notice-pdf", args=[p.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="off_site_notice.download").count() == 1
    client.force_login(world.users["other_school_dsl"])
    assert client.get(reverse("quality:notice-pdf", args=[p.pk])).status_code == 404


def test_alerts_page_hides_learners_the_officer_cannot_see(client, world, la_officer):
    far = factories.establishment(world.other_la, "Far", "mainstream_school", urn="100009",
                                  estab_number="4009")
    for school in (world.school,) * 4 + (far,):
        learner = factories.learner(school, home_la=school.la)
        world.commission(learner, status="agreed") if school == world.school else (
            placements.placement_commission(
                actor=None, learner=learner, provider=world.ap, commissioner_kind="school",
                commissioning_establishment=far, reason="preventative", tier=2,
                start_date=date(2025, 10, 6), hours_per_week=Decimal("25"), status="agreed"))
    services.registration_watch(provider_id=world.ap.pk, on=date(2025, 10, 20))
    client.force_login(la_officer)
    page = client.get(reverse("quality:alerts")).content.decode()
    assert page.count("/quality/placements/") == 4
    assert "and 1 learner placed by other commissioners" in page
