"""Destinations include "moved out of the area" and "other", which needs its details (service,
model and form); the outcomes export (CSV and Excel) carries the destination code, label and
details, attendance at the provider from the registers and the follow-up; it is audited."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aptrack.accounts.models import AuditEvent
from aptrack.attendance.services import attendance_marks_record
from aptrack.placements import services as placements
from aptrack.quality import services
from aptrack.quality.choices import OutcomeDestination
from aptrack.quality.forms import OutcomeForm
from aptrack.quality.models import PlacementOutcome
from tests import factories

pytestmark = pytest.mark.django_db
MON = date(2025, 10, 6)


@pytest.fixture
def at_pru(world):
    placement = world.commission(factories.learner(world.school), provider=world.pru, start=MON)
    return placements.placement_start(actor=None, placement=placement, on=MON)


def test_the_destination_list_has_moved_away_and_other():
    assert OutcomeDestination("moved_away").label == "Moved out of the area"
    assert "other" in OutcomeDestination.values
    assert OutcomeDestination.values[-2:] == ["moved_away", "other"]


def test_moved_away_needs_no_details_and_has_no_follow_up(world, at_pru, school_dsl):
    outcome = services.outcome_record(actor=school_dsl, placement=at_pru,
                                      destination="moved_away", end_date=date(2025, 12, 18),
                                      end_reason="left_area")
    assert outcome.get_destination_display() == "Moved out of the area"
    assert outcome.follow_up_due is None


def test_other_needs_the_details(world, at_pru, school_dsl):
    for note in ("", "   "):
        with pytest.raises(ValidationError, match="needs the details"):
            services.outcome_record(actor=school_dsl, placement=at_pru, destination="other",
                                    destination_note=note, end_date=date(2025, 12, 18),
                                    end_reason="other")
    at_pru.refresh_from_db()
    assert at_pru.status == "active"  # refused before the placement was ended
    outcome = services.outcome_record(actor=school_dsl, placement=at_pru, destination="other",
                                      destination_note=" Custody; education in the secure "
                                                       "estate ", end_date=date(2025, 12, 18),
                                      end_reason="other")
    assert outcome.destination_note == "Custody; education in the secure estate"
    event = AuditEvent.objects.get(action="outcome.record")
    assert event.changes["destination"] == "other"
    bare = PlacementOutcome(placement=at_pru, destination="other")
    with pytest.raises(ValidationError) as error:
        bare.clean()
    assert "destination_note" in error.value.message_dict


def test_the_form_asks_for_details_of_other():
    form = OutcomeForm({"destination": "other", "destination_note": ""})
    assert not form.is_valid()
    assert form.errors["destination_note"] == ["Say where the learner went: “Other” needs the "
                                               "details"]
    assert OutcomeForm({"destination": "moved_away"}).is_valid()
    assert OutcomeForm({"destination": "other", "destination_note": "Abroad"}).is_valid()


def test_other_through_the_page(client, world, at_pru, school_dsl):
    client.force_login(school_dsl)
    url = reverse("quality:outcome", args=[at_pru.pk])
    page = client.get(url).content.decode()
    assert "Moved out of the area" in page and "Other (give details)" in page
    data = {"destination": "other", "end_date_0": "18", "end_date_1": "12",
            "end_date_2": "2025", "end_reason": "other"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "“Other” needs the details" in response.content.decode()
    assert client.post(url, {**data, "destination_note": "Travelling family"}).status_code == 302
    outcome = PlacementOutcome.objects.get()
    assert (outcome.destination, outcome.destination_note) == ("other", "Travelling family")
    listing = client.get(reverse("quality:outcomes")).content.decode()
    assert "Other (give details): Travelling family" in listing


def _ended_with_marks(world, school_dsl, at_pru):
    attendance_marks_record(actor=world.users["provider_staff"], today=date(2025, 11, 28),
                            notify=False, marks=[
        {"learner": at_pru.learner_id, "setting": world.pru.pk, "date": MON + timedelta(days=d),
         "session": s, "code": code}
        for d, s, code in [(0, "AM", "/"), (0, "PM", "/"), (1, "AM", "U"), (1, "PM", "/")]])
    return services.outcome_record(actor=school_dsl, placement=at_pru, destination="other",
                                   destination_note="=HYPERLINK(\"x\")",
                                   end_date=MON + timedelta(days=1), end_reason="other")


def test_outcomes_csv_export(client, world, at_pru, school_dsl):
    _ended_with_marks(world, school_dsl, at_pru)
    moved = placements.placement_start(actor=None, placement=world.commission(
        factories.learner(world.school), provider=world.pru, start=MON), on=MON)
    services.outcome_record(actor=school_dsl, placement=moved, destination="moved_away",
                            end_date=date(2025, 12, 1), end_reason="left_area")
    client.force_login(school_dsl)
    response = client.get(reverse("quality:outcomes-export", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {r["Placement"]: r for r in csv.DictReader(io.StringIO(text))}
    other = rows[str(at_pru.pk)]
    assert other["Destination code"] == "other"
    assert other["Destination"] == "Other (give details)"
    assert other["Destination details"] == "'=HYPERLINK(\"x\")"  # formula injection escaped
    assert (other["Attendance at the provider (%)"], other["Sessions attended"],
            other["Possible sessions"]) == ("75.0", "3", "4")
    assert other["UPN"] == at_pru.learner.upn
    gone = rows[str(moved.pk)]
    assert (gone["Destination code"], gone["Destination"]) == ("moved_away",
                                                               "Moved out of the area")
    assert (gone["Possible sessions"], gone["Attendance at the provider (%)"]) == ("0", "")
    export = AuditEvent.objects.get(action="export", object_type="outcomes")
    assert export.changes["rows"] == 2 and export.changes["learners"] == 2
    assert AuditEvent.objects.filter(action="learner.export",
                                     learner_id=at_pru.learner_id).exists()


def test_outcomes_export_is_scoped_and_xlsx_works(client, world, at_pru, school_dsl):
    from openpyxl import load_workbook

    _ended_with_marks(world, school_dsl, at_pru)
    client.force_login(world.users["other_school_dsl"])
    text = b"".join(client.get(reverse("quality:outcomes-export", args=["csv"]))
                    .streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1  # the header only
    client.force_login(world.users["provider_staff"])
    assert client.get(reverse("quality:outcomes-export", args=["csv"])).status_code == 403
    client.force_login(school_dsl)
    assert client.get(reverse("quality:outcomes-export", args=["pdf"])).status_code == 404
    response = client.get(reverse("quality:outcomes-export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    values = dict(zip(header, row, strict=True))
    assert values["Destination code"] == "other" and values["Attendance at the provider (%)"] == 75
