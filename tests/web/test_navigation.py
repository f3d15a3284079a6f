"""The service navigation shows a section only when its page exists and the role may use it,
and the page stays scoped: list pages make a fixed number of queries however many rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse

from aptrack.placements import services as placements
from aptrack.web.context_processors import navigation
from tests import factories

pytestmark = pytest.mark.django_db


def labels(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    return [(i["label"], i["active"]) for i in navigation(request)]


def test_a_section_appears_once_its_url_name_resolves(world, settings):
    officer = world.users["la_officer"]
    try:
        settings.ROOT_URLCONF = "tests.web.urls_web_only"
        clear_url_caches()
        assert "Attendance" not in dict(labels(officer))
        settings.ROOT_URLCONF = "tests.web.urls_with_attendance"
        clear_url_caches()
        assert dict(labels(officer, "/attendance/registers/"))["Attendance"] is True
    finally:
        clear_url_caches()


def test_items_by_role_and_the_current_one(world):
    officer = dict(labels(world.users["la_officer"], "/providers/3/"))
    assert officer["Providers"] is True and officer["Home"] is False
    assert "Referrals" in officer
    provider = dict(labels(world.users["provider_staff"]))
    assert provider["Home"] is True and "Referrals" not in provider
    assert labels(type("Anon", (), {"is_authenticated": False})()) == []


def _place(world, n):
    for _ in range(n):
        learner = factories.learner(world.school)
        p = world.commission(learner, provider=world.pru, reason="off_site_direction")
        placements.placement_start(actor=None, placement=p)
        world.commission(factories.learner(world.school), provider=world.ap,
                         reason="preventative")


@pytest.mark.parametrize("role", ["la_officer", "school_dsl", "provider_staff"])
@pytest.mark.parametrize("url", ["web:home", "web:learners", "web:providers", "web:referrals"])
def test_list_pages_make_the_same_number_of_queries_for_more_rows(client, world, role, url):
    client.force_login(world.users[role])
    _place(world, 2)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(url))
        assert response.status_code in (200, 404)
        return len(ctx.captured_queries)

    before = count()
    _place(world, 4)
    assert count() == before


@pytest.mark.parametrize("role", ["la_officer", "school_dsl", "provider_staff"])
def test_every_signed_in_user_has_their_account_and_api_tokens_in_the_header(client, world,
                                                                              role):
    user = world.users[role]
    items = dict(labels(user, reverse("api-account:tokens")))
    assert items["API tokens"] is True and items["Your account"] is False
    assert dict(labels(user, reverse("accounts:account")))["Your account"] is True
    client.force_login(user)
    body = client.get(reverse("web:home")).content.decode()
    nav = body[body.index('class="govuk-service-navigation__list"'):body.index("Sign out")]
    assert f'href="{reverse("accounts:account")}">Your account</a>' in nav
    assert f'href="{reverse("api-account:tokens")}">API tokens</a>' in nav
    client.logout()
    assert "API tokens" not in client.get(reverse("web:sign-in")).content.decode()
