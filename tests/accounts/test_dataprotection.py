"""Data protection: the subject access export, legal holds and the retention schedule."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from aptrack.accounts import dataprotection, services
from aptrack.accounts.models import AuditEvent
from aptrack.learners import services as learners
from aptrack.learners.models import Learner
from aptrack.placements import services as placements
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


@pytest.fixture
def placed(world):
    learner = factories.learner(world.school, family_name="Exported")
    p = world.commission(learner, provider=world.pru, reason="off_site_direction")
    placements.placement_start(actor=None, placement=p)
    learners.exclusion_record(actor=None, learner=learner, school=world.school,
                              category="FIXD", school_days=2, first_day=date(2025, 9, 15),
                              reason_1="DB")
    return learner


def unzip(data: bytes, learner) -> tuple[dict, str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == [f"learner-{learner.pk}/learner.html",
                                          f"learner-{learner.pk}/learner.json"]
    return (json.loads(archive.read(f"learner-{learner.pk}/learner.json")),
            archive.read(f"learner-{learner.pk}/learner.html").decode())


def test_subject_access_export_holds_everything_and_is_audited(client, people, placed):
    client.force_login(people["la_officer"])
    client.get(reverse("web:learner", args=[placed.pk]))  # a read, to appear in the access log
    client.force_login(people["la_admin"])
    assert client.get(reverse("accounts:subject-access", args=[placed.pk])).status_code == 200
    response = client.post(reverse("accounts:subject-access", args=[placed.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data, html = unzip(response.content, placed)
    assert data["learner"]["family_name"] == "Exported"
    assert {"learners.Enrolment", "learners.Exclusion", "placements.Placement"} <= set(
        data["records"])
    assert any(e["user"] == "la_officer" and e["action"] == "learner.view"
               for e in data["access_log"])
    assert "Exported" in html and "placements.Placement" in html
    assert AuditEvent.objects.filter(action="learner.subject_access_export",
                                     learner_id=placed.pk, user=people["la_admin"]).count() == 1


def test_subject_access_out_of_scope_or_wrong_role_is_404(client, people, placed):
    client.force_login(people["other_la_admin"])
    assert client.post(reverse("accounts:subject-access", args=[placed.pk])).status_code == 404
    client.force_login(people["la_officer"])
    assert client.post(reverse("accounts:subject-access", args=[placed.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="learner.subject_access_export").exists()
    with pytest.raises(Learner.DoesNotExist):
        dataprotection.subject_access_export(actor=people["other_la_admin"], learner=placed)


def test_subject_access_command(tmp_path, people, placed):
    out = tmp_path / "sar.zip"
    call_command("subject_access_export", str(placed.pk), "--out", str(out), "--as", "la_admin",
                 stdout=StringIO())
    data, _ = unzip(out.read_bytes(), placed)
    assert data["export"]["made_by"] == "la_admin"


@pytest.fixture
def aged(world, people):
    """Learners born long ago: past 25 years (no SEN), past 25 with SEN, past 31 with SEN, and
    one under a legal hold."""
    def born(year, **kw):
        return factories.learner(world.school, date_of_birth=date(year, 6, 1), **kw)

    r = {
        "old": born(2000),
        "young": born(2012),
        "sen_25": born(2000, sen_provision="E"),
        "sen_31": born(1994, sen_provision="K"),
        "held": born(1999),
    }
    services.legal_hold_place(actor=people["la_admin"], learner=r["held"],
                              reason="Civil claim 2026/123")
    return r


def test_retention_dry_run_equals_the_real_run(aged):
    plan = dataprotection.retention_apply(dry_run=True, today=TODAY)
    keyed = {(i.record, i.action, i.object_id) for i in plan}
    assert keyed == {("pupil record", "anonymise", aged["old"].pk),
                     ("SEN file", "anonymise", aged["sen_31"].pk)}
    assert Learner.objects.get(pk=aged["old"].pk).family_name != "Removed"
    done = dataprotection.retention_apply(dry_run=False, today=TODAY)
    assert done == plan
    old = Learner.objects.get(pk=aged["old"].pk)
    assert (old.family_name, old.upn, old.date_of_birth) == ("Removed", None, date(2000, 1, 1))
    assert Learner.objects.get(pk=aged["held"].pk).family_name != "Removed"
    assert Learner.objects.get(pk=aged["sen_25"].pk).family_name != "Removed"
    assert AuditEvent.objects.filter(action="retention.anonymise").count() == 2
    # nothing is due twice
    assert dataprotection.retention_apply(dry_run=True, today=TODAY) == []


def test_releasing_a_hold_lets_retention_apply(aged, people):
    hold = aged["held"].legal_holds.get()
    services.legal_hold_release(actor=people["la_admin"], hold=hold)
    ids = {i.object_id for i in dataprotection.retention_plan(TODAY)}
    assert aged["held"].pk in ids


def test_delete_action_removes_exactly_the_expired_rows(world, placed):
    """The delete action on a dated record (here exclusions, standing in for register entries
    in a one-off schedule), held learners excluded."""
    schedule = [{"record": "exclusions", "model": "learners.Exclusion", "from": "first_day",
                 "years": 2, "action": "delete"}]
    old = learners.exclusion_record(actor=None, learner=factories.learner(world.school),
                                    school=world.school, category="FIXD", school_days=1,
                                    first_day=date(2024, 9, 16), reason_1="DB")
    plan = dataprotection.retention_plan(TODAY, schedule)
    assert [(i.model, i.object_id) for i in plan] == [("learners.Exclusion", old.pk)]
    dataprotection.retention_apply(dry_run=False, today=TODAY, schedule=schedule)
    from aptrack.learners.models import Exclusion

    assert not Exclusion.objects.filter(pk=old.pk).exists()
    assert Exclusion.objects.filter(learner=placed).count() == 1


def test_apply_retention_command_reports_the_same_set(aged):
    dry, real = StringIO(), StringIO()
    call_command("apply_retention", "--dry-run", "--format", "json", stdout=dry)
    call_command("apply_retention", "--format", "json", stdout=real)
    dry_report, real_report = json.loads(dry.getvalue()), json.loads(real.getvalue())
    assert dry_report["items"] == real_report["items"] and dry_report["dry_run"]
    assert dry_report["counts"] == {"pupil record: anonymise": 1, "SEN file: anonymise": 1}


def test_legal_holds_page_for_la_administrators(client, people, placed):
    client.force_login(people["la_admin"])
    response = client.post(reverse("accounts:legal-holds"),
                           {"learner": placed.pk, "reason": "Inquiry"})
    assert response.status_code == 302
    hold = placed.legal_holds.get()
    assert AuditEvent.objects.filter(action="legal_hold.placed", learner_id=placed.pk).exists()
    client.post(reverse("accounts:legal-holds"), {"release": hold.pk})
    hold.refresh_from_db()
    assert hold.released_at is not None
    client.force_login(people["other_la_admin"])
    response = client.post(reverse("accounts:legal-holds"), {"learner": placed.pk,
                                                              "reason": "x"})
    assert response.status_code == 200 and b"no learner with that number" in response.content
