"""Common Transfer File: safe parsing, import matching on UPN with conflicts, leaver export."""

from __future__ import annotations

from datetime import date

import pytest
from defusedxml.ElementTree import fromstring

from aptrack.accounts.models import AuditEvent
from aptrack.attendance.services import attendance_marks_record
from aptrack.exchange import ctf, services
from aptrack.exchange.errors import ImportRefused
from aptrack.exchange.models import ReportedAttendance
from aptrack.learners.models import Learner
from aptrack.placements import services as placements
from aptrack.placements.models import Placement
from aptrack.rules import upn as rules_upn
from tests import factories

from . import ctf_files as c

pytestmark = pytest.mark.django_db


def test_import_creates_learners_with_sen_and_attendance(world, school_dsl):
    data = c.document(c.pupil(c.upn(1), former=c.upn(9)),
                      c.pupil(c.upn(2), surname="O'Brien", sex="M", sex_tag="Gender", sen="E"))
    result = services.ctf_import(actor=school_dsl, data=data, enrol_at=world.school,
                                 start_date=date(2025, 9, 3))
    assert (len(result.created), result.conflicts, result.attendance_years) == (2, [], 2)
    zoe = Learner.objects.get(upn=c.upn(1))
    assert (zoe.given_name, zoe.sen_provision, zoe.former_upn) == ("Zoë", "K", c.upn(9))
    assert zoe.home_la == world.la and zoe.home_enrolment(date(2025, 9, 3)).establishment == (
        world.school)
    assert Learner.objects.get(upn=c.upn(2)).sex == "M"
    year = ReportedAttendance.objects.get(learner=zoe)
    assert (year.year, year.sessions_possible, year.laestab) == (2024, 300, "3324001")
    assert AuditEvent.objects.filter(action="learner.create", learner_id=zoe.pk).exists()
    assert AuditEvent.objects.filter(action="ctf.import").count() == 1
    assert Learner.objects.for_user(school_dsl).filter(pk=zoe.pk).exists()


def test_known_upn_is_reported_not_overwritten(world, school_dsl):
    known = factories.learner(world.school, given_name="Ada", family_name="Nowak",
                              date_of_birth=date(2012, 3, 4))
    data = c.document(c.pupil(known.upn, forename="Adah", sen="N"))
    result = services.ctf_import(actor=school_dsl, data=data)
    assert result.created == []
    assert result.conflicts == [f"line 5: {known.upn}: given_name is Ada here but Adah in "
                                "the file"]
    known.refresh_from_db()
    assert known.given_name == "Ada"
    again = services.ctf_import(actor=school_dsl, data=c.document(
        c.pupil(known.upn, forename="Ada", sen="N")))
    assert again.unchanged == [known.pk] and again.conflicts == []


def test_known_upn_outside_scope_is_a_conflict_without_details(world, other_school_dsl):
    hidden = factories.learner(world.school, given_name="Hidden")
    result = services.ctf_import(actor=other_school_dsl, data=c.document(c.pupil(hidden.upn)))
    assert result.conflicts == [f"line 5: UPN: {hidden.upn} belongs to a learner outside your "
                                "organisation's records: ask your LA to check"]
    assert result.attendance_years == 0
    assert not ReportedAttendance.objects.filter(learner=hidden).exists()


def test_bad_pupils_refuse_the_whole_file(world, la_officer):
    good = c.pupil(c.upn(3))
    bad_upn = c.upn(4)[:-1] + ("1" if c.upn(4)[-1] != "1" else "2")
    data = c.document(good, c.pupil(bad_upn), c.pupil(c.upn(5), dob="04/03/2012", sex="X"),
                      c.pupil(c.upn(3)))
    with pytest.raises(ImportRefused) as err:
        services.ctf_import(actor=la_officer, data=data)
    lines = [str(p) for p in err.value.problems]
    assert lines[0] == f"line 10: UPN: {bad_upn}: UPN check letter should be " + (
        f"{rules_upn.check_letter(bad_upn[1:])}, got '{bad_upn[0]}' (census error 1510)")
    assert lines[1:] == ["line 15: DOB: '04/03/2012' is not a date as yyyy-mm-dd",
                         "line 15: Sex: 'X' is not M or F",
                         f"line 20: UPN: {c.upn(3)} is also on line 5 (census error 1520)"]
    assert not Learner.objects.filter(upn=c.upn(3)).exists()


@pytest.mark.parametrize("payload, reason", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
     b"<CTfile>&b;</CTfile>", "DTDForbidden"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b"<CTfile>&e;</CTfile>", "DTDForbidden"),
])
def test_entities_and_dtds_are_refused(world, la_officer, payload, reason):
    with pytest.raises(ImportRefused) as err:
        services.ctf_import(actor=la_officer, data=payload)
    assert reason in str(err.value)


def test_not_a_ctf_and_broken_xml_are_refused_with_a_line(world, la_officer):
    with pytest.raises(ImportRefused) as err:
        services.ctf_import(actor=la_officer, data=b"<html>\n<body/>\n</html>")
    assert str(err.value) == "line 1: html: the root element is not CTfile: this is not a CTF"
    with pytest.raises(ImportRefused) as err:
        services.ctf_import(actor=la_officer, data=b"<CTfile>\n<Header>\n</CTfile>")
    assert str(err.value).startswith("line 3: file: not well-formed XML")


def test_export_of_a_leaver_carries_the_placements_attendance(world, provider_staff):
    learner = factories.learner(world.school, given_name="Zoë", family_name="Nowak")
    placement = world.commission(learner, provider=world.pru, reason="off_site_direction",
                                 start=date(2025, 10, 6))
    placement = placements.placement_start(actor=None, placement=placement)
    marks = [{"learner": learner.pk, "setting": world.pru.pk, "date": d, "session": s,
              "code": code} for d, s, code in [
        (date(2025, 10, 6), "AM", "/"), (date(2025, 10, 6), "PM", "\\"),
        (date(2025, 10, 7), "AM", "N"), (date(2025, 10, 8), "PM", "I")]]
    attendance_marks_record(actor=None, marks=marks, today=date(2025, 10, 9))
    name, xml = services.ctf_export(actor=provider_staff, placement=placement)
    assert name == f"3321100_CTF_3324001_{learner.upn}.xml"
    root = fromstring(xml)
    assert root.findtext("Header/SourceSchool/URN") == "100003"
    assert root.findtext("Header/DestSchool/Estab") == "4001"
    pupil = root.find("CTFpupilData/Pupil")
    assert pupil.findtext("UPN") == learner.upn and pupil.findtext("Forename") == "Zoë"
    year = pupil.find("Attendance/YearData")
    assert year.findtext("Year") == "2025"
    assert year.findtext("SessionsPossible") == "4"
    assert year.findtext("SessionsAuthorised") == "1"
    assert year.findtext("SessionsUnauthorised") == "1"
    assert year.findtext("AttendanceMarks") == "/\\N--I"
    assert AuditEvent.objects.filter(action="ctf.export", learner_id=learner.pk).exists()
    parsed = ctf.parse(xml)
    assert parsed.pupils[0].upn == learner.upn


def test_export_out_of_scope_is_not_found(world, other_provider_staff):
    learner = factories.learner(world.school)
    placement = world.commission(learner, provider=world.pru, reason="off_site_direction")
    with pytest.raises(Placement.DoesNotExist):
        services.ctf_export(actor=other_provider_staff, placement=placement)
