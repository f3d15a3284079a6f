"""Marks flagged by imports (withdrawn codes mapped): listed for the setting, confirmed by staff."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from aptrack.accounts.models import AuditEvent
from aptrack.attendance import services
from aptrack.attendance.imports import import_marks
from aptrack.attendance.models import AttendanceImport, AttendanceMark

URL = "/attendance/review/"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def load(placement, actor, rows):  # type: ignore[no-untyped-def]
    """Import ``rows`` of (date, session, code) for the placement's learner at its provider."""
    text = "upn,date,session,code\n" + "".join(
        f"{placement.learner.upn},{d},{s},{c}\n" for d, s, c in rows)
    return import_marks("marks.csv", io.BytesIO(text.encode()), setting=placement.provider,
                        actor=actor)


@pytest.fixture
def flagged(dual, offsite, provider_staff, ap_staff):  # type: ignore[no-untyped-def]
    """Two flagged marks at the PRU and one plain; one flagged mark at the other provider."""
    report = load(dual, provider_staff, [("2025-10-06", "AM", "H"), ("2025-10-07", "AM", "H"),
                                         ("2025-10-08", "AM", "/")])
    assert report.result.needs_review == 2
    load(offsite, ap_staff, [("2025-10-06", "AM", "H")])
    pru = AttendanceMark.objects.filter(setting=dual.provider, needs_review=True)
    foreign = AttendanceMark.objects.get(setting=offsite.provider, needs_review=True)
    assert pru.count() == 2 and {m.supplied_code for m in pru} == {"H"}
    return {"pru": sorted(pru, key=lambda m: m.date), "foreign": foreign}


def test_page_lists_only_the_settings_flagged_marks(flagged, dual, provider_staff):
    page = client_for(provider_staff).get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    rows = [f'value="{m.pk}"' for m in flagged["pru"]]
    assert all(r in body for r in rows)
    assert f'value="{flagged["foreign"].pk}"' not in body
    assert body.count('name="marks"') == 2  # the plain "/" mark is not listed
    assert body.index(rows[1]) < body.index(rows[0])  # newest date first
    assert f"{dual.learner.family_name}, {dual.learner.given_name}" in body
    assert f'href="/attendance/learners/{dual.learner_id}/"' in body
    assert "/attendance/register/?date=2025-10-07&amp;session=AM" in body
    assert "Change the code" in body and "Confirm the selected codes" in body
    mark = flagged["pru"][0]
    assert mark.code == "C" and mark.meaning and mark.meaning in body


def test_other_setting_sees_its_own_and_school_sees_none(flagged, ap_staff, school_dsl):
    body = client_for(ap_staff).get(URL).content.decode()
    assert body.count('name="marks"') == 1 and f'value="{flagged["foreign"].pk}"' in body
    school = client_for(school_dsl).get(URL)
    assert school.status_code == 200
    assert "No marks need review." in school.content.decode()
    assert 'name="marks"' not in school.content.decode()


def test_users_without_a_setting_get_404_and_anonymous_signs_in(flagged, la_officer):
    assert client_for(la_officer).get(URL).status_code == 404
    assert client_for(la_officer).post(URL, {"marks": [flagged["pru"][0].pk]}).status_code == 404
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/sign-in/")
    assert Client().post(URL, {"marks": [flagged["pru"][0].pk]}).status_code == 302
    assert AttendanceMark.objects.filter(needs_review=True).count() == 3


def test_post_confirms_selected_marks_only(flagged, provider_staff):
    first, second = flagged["pru"]
    foreign = flagged["foreign"]
    c = client_for(provider_staff)
    response = c.post(URL, {"marks": [first.pk, foreign.pk, "x"]})
    assert response.status_code == 302 and response["Location"] == URL
    first.refresh_from_db()
    second.refresh_from_db()
    foreign.refresh_from_db()
    assert (first.needs_review, second.needs_review, foreign.needs_review) == (False, True, True)
    assert first.code == "C" and first.supplied_code == "H"  # the code itself is unchanged
    events = AuditEvent.objects.filter(action="attendance.review")
    assert [(e.object_id, e.learner_id) for e in events] == [(str(first.pk), first.learner_id)]
    assert events[0].changes == {"needs_review": [True, False], "code": "C",
                                 "supplied_code": "H"}
    body = c.get(URL).content.decode()
    assert "1 mark confirmed." in body and "govuk-notification-banner--success" in body
    assert body.count('name="marks"') == 1 and f'value="{second.pk}"' in body


def test_post_with_nothing_selected_shows_an_error(flagged, provider_staff):
    page = client_for(provider_staff).post(URL, {})
    assert page.status_code == 400
    assert "Select the marks whose codes you confirm" in page.content.decode()
    assert AttendanceMark.objects.filter(needs_review=True).count() == 3


def test_service_refuses_who_may_not_mark_and_ignores_foreign_ids(flagged, dual, ap_staff,
                                                                  school_dsl, provider_staff):
    ids = [m.pk for m in flagged["pru"]]
    for actor in (ap_staff, school_dsl, None):
        with pytest.raises(PermissionDenied):
            services.marks_review_confirm(actor=actor, setting=dual.provider, mark_ids=ids)
    assert AttendanceMark.objects.filter(pk__in=ids, needs_review=True).count() == 2
    assert not AuditEvent.objects.filter(action="attendance.review").exists()
    plain = AttendanceMark.objects.get(setting=dual.provider, needs_review=False,
                                       source="import")
    confirmed = services.marks_review_confirm(
        actor=provider_staff, setting=dual.provider,
        mark_ids=[*ids, flagged["foreign"].pk, plain.pk, 10**9])
    assert confirmed == 2
    assert AuditEvent.objects.filter(action="attendance.review").count() == 2
    flagged["foreign"].refresh_from_db()
    assert flagged["foreign"].needs_review
    assert services.marks_review_confirm(actor=provider_staff, setting=dual.provider,
                                         mark_ids=ids) == 0  # already confirmed


def test_links_from_the_index_and_the_import_result(flagged, dual, provider_staff,
                                                    school_dsl):
    index = client_for(provider_staff).get("/attendance/").content.decode()
    assert "Marks to review (2)" in index and 'href="/attendance/review/"' in index
    assert "Marks to review" not in client_for(school_dsl).get("/attendance/").content.decode()
    job = AttendanceImport.objects.create(
        setting=dual.provider, filename="h.csv", status="done",
        result={"needs_review": 2, "dry_run": False, "lines": ["2 marks were flagged"]})
    status = client_for(provider_staff).get(f"/attendance/imports/{job.pk}/").content.decode()
    assert "Review the flagged marks" in status
    job.result = {"needs_review": 0, "dry_run": False, "lines": []}
    job.save()
    status = client_for(provider_staff).get(f"/attendance/imports/{job.pk}/").content.decode()
    assert "Review the flagged marks" not in status


def test_pages_of_100(dual, provider_staff, monkeypatch):  # type: ignore[no-untyped-def]
    """More than 100 flagged marks are paged; a confirm on page 2 returns to page 2."""
    from django.core import paginator

    monkeypatch.setattr(paginator.Paginator, "__init__",
                        _small_pages(paginator.Paginator.__init__))
    load(dual, provider_staff, [("2025-10-06", "AM", "H"), ("2025-10-07", "AM", "H"),
                                ("2025-10-08", "AM", "H")])
    c = client_for(provider_staff)
    first = c.get(URL).content.decode()
    assert first.count('name="marks"') == 2 and "Page 1 of 2" in first
    second = c.get(URL, {"page": 2}).content.decode()
    assert second.count('name="marks"') == 1
    mark = AttendanceMark.objects.get(date="2025-10-06", setting=dual.provider)
    response = c.post(URL, {"marks": [mark.pk], "page": "2"})
    assert response["Location"] == f"{URL}?page=2"


def _small_pages(init):  # type: ignore[no-untyped-def]
    def wrapped(self, object_list, per_page, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert per_page == 100
        init(self, object_list, 2, *args, **kwargs)
    return wrapped


def test_a_mark_of_a_learner_the_staff_may_not_see_is_neither_listed_nor_confirmed(
        world, provider_staff):  # type: ignore[no-untyped-def]
    """A pupil on the PRU's own roll (no placement) is outside provider staff's scope: a
    hand-made request with that mark's id confirms nothing."""
    from tests import factories

    pupil = factories.learner(world.pru)
    text = f"upn,date,session,code\n{pupil.upn},2025-10-06,AM,H\n"
    report = import_marks("roll.csv", io.BytesIO(text.encode()), setting=world.pru, actor=None)
    assert report.result.needs_review == 1
    mark = AttendanceMark.objects.get(learner=pupil, setting=world.pru)
    assert f'value="{mark.pk}"' not in client_for(provider_staff).get(URL).content.decode()
    assert services.marks_review_confirm(actor=provider_staff, setting=world.pru,
                                         mark_ids=[mark.pk]) == 0
    mark.refresh_from_db()
    assert mark.needs_review is True
    assert not AuditEvent.objects.filter(action="attendance.review").exists()
