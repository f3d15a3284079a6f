"""Post-16 providers that commission AP record their own provider checks, as schools do
(DOMAIN.md sections 1 and 5: each commissioner makes its own checks; the LA's are not enough):
through the service and the pages, with evidence; the gate uses them for the placements they
commission; reminders reach them; nobody else records or edits checks in their name."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from aptrack.accounts.choices import OrganisationKind, Role
from aptrack.accounts.models import AuditEvent, Organisation
from aptrack.placements import services as placements
from aptrack.quality import gate, services
from aptrack.quality.models import EvidenceFile, ProviderCheck
from tests import factories
from tests.quality.conftest import record_critical

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def college(world):
    establishment = factories.establishment(world.la, "Test FE College", "fe_college")
    org = Organisation.objects.create(name="College", kind=OrganisationKind.POST16_PROVIDER,
                                      establishment=establishment)
    staff = factories.user("college_staff", org, Role.POST16_STAFF)
    staff.email = "college_staff@example.invalid"
    staff.save()
    return establishment, staff


def test_post16_commissioner_records_its_own_checks(world, college):
    establishment, staff = college
    check = services.check_record(actor=staff, provider=world.ap, kind="dsl", outcome="met",
                                  checked_on=date(2025, 9, 1))
    assert check.commissioning_establishment == establishment
    assert check.commissioning_la is None and check.checked_by == staff
    assert check.expires_on == date(2026, 9, 1)
    assert AuditEvent.objects.filter(action="provider_check.record", user=staff).count() == 1
    with pytest.raises(ValidationError, match="your own organisation"):
        services.check_record(actor=staff, provider=world.ap, kind="dsl", outcome="met",
                              checked_on=date(2025, 9, 1), commissioning_la=world.la)
    with pytest.raises(ValidationError, match="your own organisation"):
        services.check_record(actor=world.users["school_dsl"], provider=world.ap, kind="dsl",
                              outcome="met", checked_on=date(2025, 9, 1),
                              commissioning_establishment=establishment)
    # Provider staff (the AP's own people) still cannot record checks.
    with pytest.raises(ValidationError, match="post-16 provider records provider checks"):
        services.check_record(actor=world.users["provider_staff"], provider=world.ap,
                              kind="dsl", outcome="met", checked_on=date(2025, 9, 1))


def test_post16_roles_come_from_the_setting(world, college, settings):
    _, staff = college
    settings.QUALITY = {**settings.QUALITY, "POST16_COMMISSIONER_ROLES": []}
    with pytest.raises(ValidationError, match="post-16 provider records provider checks"):
        services.check_record(actor=staff, provider=world.ap, kind="dsl", outcome="met",
                              checked_on=date(2025, 9, 1))


def test_who_sees_and_changes_post16_checks(world, college):
    establishment, staff = college
    own = services.check_record(actor=staff, provider=world.ap, kind="dsl", outcome="met",
                                checked_on=date(2025, 9, 1))
    las = services.check_record(actor=world.users["la_officer"], provider=world.ap, kind="dsl",
                                outcome="met", checked_on=date(2025, 9, 1))
    schools = services.check_record(actor=world.users["school_dsl"], provider=world.ap,
                                    kind="dsl", outcome="met", checked_on=date(2025, 9, 1))
    of_college = services.check_record(actor=world.users["la_officer"], provider=establishment,
                                       kind="insurance", outcome="met",
                                       checked_on=date(2025, 9, 1))
    assert set(ProviderCheck.objects.for_user(staff)) == {own, las, of_college}
    assert set(ProviderCheck.objects.for_user(staff, "change")) == {own}
    assert own in ProviderCheck.objects.for_user(world.users["la_officer"])
    assert own not in ProviderCheck.objects.for_user(world.users["school_dsl"])
    # The AP sees checks of itself (not the evidence); another provider does not.
    assert own in ProviderCheck.objects.for_user(world.users["other_provider_staff"])
    assert own not in ProviderCheck.objects.for_user(world.users["provider_staff"])
    assert schools not in ProviderCheck.objects.for_user(staff)


def test_the_gate_uses_the_post16_commissioners_own_checks(world, college, la_officer):
    establishment, staff = college
    record_critical(world.ap, la=world.la)  # the LA's checks are not enough
    learner = factories.learner(world.school, date_of_birth=date(2009, 3, 1))

    def commission(**kw):
        return placements.placement_commission(
            actor=la_officer, learner=learner, provider=world.ap,
            commissioner_kind="post16_provider", commissioning_establishment=establishment,
            reason="preventative", tier=2, start_date=date(2025, 10, 6),
            hours_per_week=Decimal("10"), **kw)

    assert gate.problems(provider=world.ap, commissioning_establishment=establishment)
    with pytest.raises(ValidationError, match="own critical checks"):
        commission()
    for kind in settings.QUALITY["CRITICAL_CHECKS"]:
        services.check_record(actor=staff, provider=world.ap, kind=kind, outcome="met",
                              checked_on=date.today() - timedelta(days=10))
    assert gate.problems(provider=world.ap, commissioning_establishment=establishment) == []
    placement = commission()
    assert placement.commissioning_establishment == establishment
    assert not placement.check_overrides.exists()


def test_post16_checks_through_the_pages_with_evidence(client, world, college):
    establishment, staff = college
    client.force_login(staff)
    listing = client.get(reverse("quality:providers"))
    assert listing.status_code == 200 and "Test Unregistered AP" in listing.content.decode()
    page = client.get(reverse("quality:provider", args=[world.ap.pk])).content.decode()
    assert "Test FE College" in page  # the checklist is the college's own
    url = reverse("quality:check-new", args=[world.ap.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "kind": "staff_checks", "outcome": "met", "checked_on_0": "1", "checked_on_1": "9",
        "checked_on_2": "2025", "evidence": SimpleUploadedFile("letter.pdf", PDF)})
    assert response.status_code == 302
    check = ProviderCheck.objects.get()
    assert check.commissioning_establishment == establishment and check.checked_by == staff
    evidence = EvidenceFile.objects.get()
    download = client.get(reverse("quality:evidence", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    # The provider checked sees that it was checked, but never the commissioner's evidence.
    client.force_login(world.users["other_provider_staff"])
    assert client.get(reverse("quality:evidence", args=[evidence.pk])).status_code == 404
    assert client.get(url).status_code == 403
    client.force_login(world.users["school_dsl"])
    assert client.get(reverse("quality:evidence", args=[evidence.pk])).status_code == 404


def test_post16_commissioner_does_not_download_others_evidence_of_itself(client, world,
                                                                         college):
    establishment, staff = college
    check = services.check_record(
        actor=world.users["school_dsl"], provider=establishment, kind="insurance",
        outcome="met", checked_on=date(2025, 9, 1),
        files=[SimpleUploadedFile("insurance.pdf", PDF)])
    client.force_login(staff)
    assert client.get(reverse("quality:evidence",
                              args=[check.evidence.get().pk])).status_code == 404


def test_reminders_reach_the_post16_commissioner(world, college, smtp,
                                                 django_capture_on_commit_callbacks):
    _, staff = college
    today = date.today()
    services.check_record(actor=staff, provider=world.ap, kind="insurance", outcome="met",
                          checked_on=today - timedelta(days=300),
                          expires_on=today + timedelta(days=5))
    with smtp.capture() as inbox, django_capture_on_commit_callbacks(execute=True):
        call_command("quality_reminders")
    [message] = inbox.messages
    assert message["X-Envelope-To"] == "college_staff@example.invalid"
    assert "Insurance of Test Unregistered AP expires on" in message["Subject"]


def test_post16_commissioner_records_checks_through_the_api(world, college):
    from rest_framework.test import APIClient

    establishment, staff = college
    client = APIClient()
    client.force_authenticate(staff)
    response = client.post("/api/v1/quality/provider-checks/", {
        "provider": world.ap.pk, "kind": "dsl", "outcome": "met", "checked_on": "2025-09-01"},
        format="json")
    assert response.status_code == 201, response.data
    assert response.data["commissioning_establishment"] == establishment.pk
    assert client.get("/api/v1/quality/provider-checks/").data["count"] == 1
