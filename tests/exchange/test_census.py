"""Census returns: school AP module and LA AP census, validation before export, CLI."""

from __future__ import annotations

from datetime import date

import pytest
from defusedxml.ElementTree import fromstring
from django.core.management import call_command

from aptrack.accounts.models import AuditEvent
from aptrack.exchange import census, selectors, services
from aptrack.placements import services as placements
from tests import factories

pytestmark = pytest.mark.django_db
PERIOD = census.Period(date(2025, 9, 1), date(2026, 1, 15))


def started(world, learner, **kw):
    return placements.placement_start(actor=None, placement=world.commission(learner, **kw))


def test_school_return_identifies_providers_exclusively(world, school_dsl):
    a = factories.learner(world.school, family_name="Able")
    b = factories.learner(world.school, family_name="Baker")
    started(world, a, provider=world.pru, reason="off_site_direction")
    started(world, b, provider=world.ap, reason="preventative")
    result = selectors.census_return(user=school_dsl, kind="school", school=world.school,
                                     period=PERIOD)
    assert result.ok, result.problems
    rows = {r.family_name: r for r in result.rows}
    assert (rows["Able"].ap_urn, rows["Able"].ap_ukprn, rows["Able"].ap_setting_type) == (
        "100003", "", "")
    assert (rows["Baker"].ap_urn, rows["Baker"].ap_setting_type) == ("", "OTH")
    assert rows["Able"].reason == "OSD" and rows["Able"].sessions_per_week == 10
    name, data = services.census_export(actor=school_dsl, result=result, fmt="csv",
                                        source={"URN": "100001"})
    lines = data.decode().splitlines()
    assert lines[0].startswith("UPN,Surname,Forename,DOB,Sex,SENprovision,APURN,APUKPRN")
    assert len(lines) == 3 and name == "school-census-100001-2026-01-15.csv"
    assert AuditEvent.objects.filter(action="learner.export").count() == 2


def test_other_school_sees_nothing_of_it(world, other_school_dsl):
    started(world, factories.learner(world.school), provider=world.pru)
    result = selectors.census_return(user=other_school_dsl, kind="school",
                                     school=world.school, period=PERIOD)
    assert result.rows == []


def test_problems_are_reported_and_block_the_export(world, school_dsl):
    world.pru.urn = None
    world.pru.save()
    learner = factories.learner(world.school)
    started(world, learner, provider=world.pru, start=date(2026, 2, 2))
    result = selectors.census_return(user=school_dsl, kind="school", school=world.school,
                                     period=PERIOD)
    assert [(p.rule, p.field) for p in result.problems] == [("2364", "entry_date"),
                                                            ("exclusive", "provider")]
    assert str(result.problems[0]) == (f"2364: {learner.upn} (placement "
                                       f"{result.rows[0].placement_id}): entry_date: the entry "
                                       "date 02 February 2026 is after census day")
    with pytest.raises(services.CensusNotReady):
        services.census_export(actor=school_dsl, result=result, fmt="csv", source={})


def test_rules_on_rows():
    row = census.CensusRow(placement_id=1, learner_id=1, upn="X1", family_name="A",
                           given_name="B", date_of_birth=date(2012, 1, 1), sex="F",
                           sen_provision="N", ap_urn="100003", ap_ukprn="10012345",
                           reason="", entry_date=date(2025, 10, 1),
                           leaving_date=date(2025, 9, 1))
    rules = [p.rule for p in census.validate([row], PERIOD)]
    assert rules == ["UPN", "2372", "2917", "exclusive"]


def test_la_census_keeps_the_latest_placement_per_child(world, la_officer):
    learner = factories.learner(world.school)
    first = started(world, learner, provider=world.ap, commissioner="local_authority",
                    reason="health", start=date(2025, 9, 8))
    placements.placement_end(actor=None, placement=first, end_date=date(2025, 10, 31),
                             end_reason="moved_provider", destination="another_ap")
    started(world, learner, provider=world.pru, commissioner="local_authority",
            reason="health", start=date(2025, 11, 3))
    result = selectors.census_return(user=la_officer, kind="la", la=world.la, period=PERIOD)
    assert len(result.rows) == 1 and result.rows[0].ap_urn == "100003"
    assert result.rows[0].reason == "MED"
    _, xml = services.census_export(actor=la_officer, result=result, fmt="xml",
                                    source={"LEA": "332"})
    root = fromstring(xml)
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2026-01-15"
    assert root.findtext("Pupils/Pupil/APPlacement/APURN") == "100003"
    assert root.findtext("Pupils/Pupil/UPN") == learner.upn


def test_third_thursday_of_january():
    assert census.third_thursday_of_january(2026) == date(2026, 1, 15)
    assert census.third_thursday_of_january(2027) == date(2027, 1, 21)


def test_command_checks_then_exports(world, tmp_path, capsys):
    started(world, factories.learner(world.school), provider=world.pru)
    out = tmp_path / "census.csv"
    call_command("census_export", "--kind", "school", "--school", "100001", "--census-date",
                 "2026-01-15", "--output", str(out))
    assert out.read_text().count("\n") == 2
    world.pru.urn = None
    world.pru.save()
    with pytest.raises(SystemExit) as exit_:
        call_command("census_export", "--kind", "school", "--school", "100001",
                     "--census-date", "2026-01-15", "--check")
    assert exit_.value.code == 1
    assert "exclusive:" in capsys.readouterr().out
