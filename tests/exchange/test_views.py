"""Exchange pages: uploads, census check and download, CTF download; roles and scope."""

from __future__ import annotations

from datetime import date

import pytest

from aptrack.accounts.choices import OrganisationKind, Role
from aptrack.accounts.models import Organisation
from aptrack.directory.models import Establishment
from aptrack.learners.models import Learner
from aptrack.placements import services as placements
from tests import factories

from . import ctf_files as c
from . import gias_files as g

pytestmark = pytest.mark.django_db


@pytest.fixture
def la_admin(world):
    org = Organisation.objects.get(kind=OrganisationKind.LOCAL_AUTHORITY, la=world.la)
    return factories.user("la_admin", org, Role.LA_ADMIN)


def upload(client, url, name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def test_index_offers_what_the_role_may_do(client, world, la_admin, provider_staff):
    client.force_login(la_admin)
    page = client.get("/exchange/").content.decode()
    assert "Import establishments from GIAS" in page and "/exchange/export/learners.xlsx" in page
    client.force_login(provider_staff)
    page = client.get("/exchange/").content.decode()
    assert "GIAS" not in page and "census" not in page.lower().split("<main")[1]


def test_gias_upload_by_la_admin(client, world, la_admin):
    client.force_login(la_admin)
    assert client.get("/exchange/gias/").status_code == 200
    response = upload(client, "/exchange/gias/", "edubasealldata.csv",
                      g.csv_bytes([g.row(140001, estab="4101")]))
    assert response.status_code == 200 and "Establishments imported" in response.content.decode()
    assert Establishment.objects.filter(urn="140001").exists()


def test_gias_upload_problems_are_listed_and_nothing_saved(client, world, la_admin):
    client.force_login(la_admin)
    response = upload(client, "/exchange/gias/", "bad.csv",
                      g.csv_bytes([g.row("14000X", estab="4101")]))
    page = response.content.decode()
    assert response.status_code == 400 and "bad.csv was not imported" in page
    assert "is not a URN (6 digits)" in page and "<td class=\"govuk-table__cell\">URN</td>" in page
    assert not Establishment.objects.filter(name="School 14000X").exists()


def test_gias_upload_needs_an_la_admin(client, world, la_officer):
    client.force_login(la_officer)
    assert client.get("/exchange/gias/").status_code == 403


def test_empty_upload_is_an_error(client, world, la_admin):
    client.force_login(la_admin)
    response = client.post("/exchange/gias/", {})
    assert "Choose the file to upload." in response.content.decode()


def test_ctf_upload_by_a_school_enrols_new_pupils(client, world, school_dsl, provider_staff):
    client.force_login(provider_staff)
    assert client.get("/exchange/ctf/").status_code == 403
    client.force_login(school_dsl)
    response = upload(client, "/exchange/ctf/", "in.xml", c.document(c.pupil(c.upn(7))))
    assert "CTF imported" in response.content.decode()
    learner = Learner.objects.get(upn=c.upn(7))
    assert learner.home_enrolment().establishment == world.school


def test_ctf_download_is_scoped(client, world, provider_staff, other_provider_staff):
    learner = factories.learner(world.school)
    placement = placements.placement_start(actor=None, placement=world.commission(
        learner, provider=world.pru, reason="off_site_direction", start=date(2025, 10, 6)))
    client.force_login(other_provider_staff)
    assert client.get(f"/exchange/ctf/placement/{placement.pk}/").status_code == 404
    client.force_login(provider_staff)
    response = client.get(f"/exchange/ctf/placement/{placement.pk}/")
    assert response.status_code == 200 and learner.upn.encode() in response.content
    assert response["Content-Type"].startswith("application/xml")


def test_census_page_lists_problems_then_downloads(client, world, school_dsl):
    learner = factories.learner(world.school)
    placements.placement_start(actor=None, placement=world.commission(
        learner, provider=world.pru, reason="off_site_direction"))
    world.pru.urn = None
    world.pru.save()
    client.force_login(school_dsl)
    query = "?census_date=2026-01-15&period_start=2025-09-01"
    page = client.get("/exchange/census/" + query).content.decode()
    assert "Fix 1 problem before you can export" in page and "exclusive" in page
    assert client.get("/exchange/census/return.csv" + query).status_code == 302
    world.pru.urn = "100003"
    world.pru.save()
    page = client.get("/exchange/census/" + query).content.decode()
    assert "passes every validation rule" in page
    response = client.get("/exchange/census/return.csv" + query)
    assert response.status_code == 200 and learner.upn in response.content.decode()


def test_census_form_errors(client, world, la_officer):
    client.force_login(la_officer)
    page = client.get("/exchange/census/?census_date=15/01/2026&period_start=2025-09-01")
    assert "Enter census day as yyyy-mm-dd." in page.content.decode()


def test_census_is_not_for_providers(client, world, provider_staff):
    client.force_login(provider_staff)
    assert client.get("/exchange/census/").status_code == 403


def test_learners_and_term_dates_pages(client, world, la_officer, provider_staff):
    client.force_login(provider_staff)
    assert client.get("/exchange/learners/").status_code == 403
    assert client.get("/exchange/term-dates/").status_code == 403
    client.force_login(la_officer)
    data = ("upn,given_name,family_name,date_of_birth,sex\r\n"
            f"{c.upn(21)},Zoë,Ærø,2012-03-04,F\r\n").encode("windows-1252")
    response = upload(client, "/exchange/learners/", "l.csv", data)
    assert "Learners imported" in response.content.decode()
    assert Learner.objects.get(upn=c.upn(21)).home_la == world.la
    terms = b"type,name,start,end\r\nterm,Autumn 2030,2030-09-02,2030-12-18\r\n"
    response = upload(client, "/exchange/term-dates/", "t.csv", terms)
    assert "Term dates imported" in response.content.decode()
    assert world.la.default_calendar().terms.filter(name="Autumn 2030").exists()
