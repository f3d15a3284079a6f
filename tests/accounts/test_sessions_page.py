"""Where you are signed in (/account/sessions/): every browser session of the user is listed,
this one marked; the user signs out the others, one or all, and their cookies stop working at
once; nobody can see or end another user's session; rows go when sessions end; the list holds
a digest of the session key and the address's network, never the key or the address."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aptrack.accounts import services
from aptrack.accounts.middleware import LAST_SEEN
from aptrack.accounts.models import AuditEvent, SignedInSession
from tests.accounts.conftest import PASSWORD, code_now

pytestmark = pytest.mark.django_db

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/131.0.0.0 Mobile Safari/537.36")
SESSIONS = "/account/sessions/"


def browser(user_agent: str = FIREFOX_WINDOWS, address: str = "192.0.2.10") -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)


def signed_in(username: str, user_agent: str = FIREFOX_WINDOWS,
              address: str = "192.0.2.10") -> Client:
    """A browser signed in through the sign-in page (the real form, not force_login)."""
    client = browser(user_agent, address)
    response = client.post(reverse("web:sign-in"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def row_of(client: Client) -> SignedInSession:
    return SignedInSession.objects.get(pk=client.session[services.SESSION_ROW])


def is_signed_in(client: Client) -> bool:
    response = client.get("/")
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("web:sign-in"))
        return False
    assert response.status_code == 200
    return True


def test_page_lists_both_sessions_and_ends_the_other_at_once(people):
    """Signed in twice as the same user: the page shows two rows, this one marked; signing out
    the other deletes it from Django's session store, so its very next request goes to the
    sign-in page; the end is audited and the row has gone."""
    dsl = people["school_dsl"]
    office = signed_in("school_dsl", FIREFOX_WINDOWS, "192.0.2.10")
    staffroom = signed_in("school_dsl", SAFARI_IPHONE, "198.51.100.77")
    other_row = row_of(staffroom)
    page = office.get(SESSIONS)
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(r["row"].device, r["current"]) for r in rows] == [
        ("Firefox on Windows", True), ("Safari on iOS", False)]
    html = page.content.decode()
    assert html.count('<tr class="govuk-table__row">') == 3  # the heading row and two sessions
    assert "This device" in html and f'name="session" value="{other_row.pk}"' in html
    assert f'value="{row_of(office).pk}"' not in html  # no button to end this one here
    assert "Sign out of all other sessions" in html

    response = office.post(SESSIONS, {"session": other_row.pk})
    assert response.status_code == 302 and response["Location"] == SESSIONS
    assert not is_signed_in(staffroom)
    assert not Session.objects.filter(session_key=staffroom.cookies["sessionid"].value).exists()
    assert not SignedInSession.objects.filter(pk=other_row.pk).exists()
    event = AuditEvent.objects.get(action="session.ended_by_user")
    assert (event.user_id, event.object_type, event.object_id) == (
        dsl.pk, "signed_in_session", str(other_row.pk))
    assert event.changes["device"] == "Safari on iOS"
    after = office.get(SESSIONS)
    assert "Safari on iOS, signed in" in after.content.decode()  # the success banner
    assert [r["current"] for r in after.context["rows"]] == [True]
    assert is_signed_in(office)


def test_sign_out_of_all_other_sessions(people):
    """"Sign out of all other sessions" ends every other session of the user (each audited)
    and keeps this one and other users' sessions."""
    here = signed_in("school_dsl")
    others = [signed_in("school_dsl", SAFARI_IPHONE), signed_in("school_dsl", CHROME_ANDROID)]
    someone_else = signed_in("la_officer")
    assert here.post(SESSIONS, {"session": "others"}).status_code == 302
    assert [is_signed_in(c) for c in others] == [False, False]
    assert is_signed_in(here) and is_signed_in(someone_else)
    assert AuditEvent.objects.filter(action="session.ended_by_user").count() == 2
    assert SignedInSession.objects.filter(user=people["school_dsl"]).count() == 1
    again = here.post(SESSIONS, {"session": "others"}, follow=True)
    assert "You were not signed in anywhere else." in again.content.decode()
    assert AuditEvent.objects.filter(action="session.ended_by_user").count() == 2


def test_another_users_session_cannot_be_seen_or_ended(people):
    """Another user's session id in the POST is 404 (audited as a refusal) and ends nothing;
    so is this session's own id, a made-up id and no id. Their sessions are not listed."""
    attacker = signed_in("school_dsl")
    victim = signed_in("la_officer", SAFARI_IPHONE)
    victim_row = row_of(victim)
    assert "Safari" not in attacker.get(SESSIONS).content.decode()
    for choice in (victim_row.pk, row_of(attacker).pk, 999999, "x", ""):
        response = attacker.post(SESSIONS, {"session": choice})
        assert response.status_code == 404, choice
    assert is_signed_in(victim) and is_signed_in(attacker)
    assert SignedInSession.objects.filter(pk=victim_row.pk).exists()
    assert not AuditEvent.objects.filter(action="session.ended_by_user").exists()
    denied = AuditEvent.objects.filter(action="access.denied", user=people["school_dsl"],
                                       object_type="signed_in_session")
    assert denied.count() == 5 and denied.first().object_id == str(victim_row.pk)


def test_ending_needs_the_form_token(people):
    """The sign-out buttons are forms with a CSRF token: a cross-site POST ends nothing."""
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["school_dsl"])
    other = signed_in("school_dsl", SAFARI_IPHONE)
    assert strict.post(SESSIONS, {"session": "others"}).status_code == 403
    assert is_signed_in(other)


def test_sign_out_removes_the_row(people):
    """Signing out deletes the session's row (and only that one)."""
    client, other = signed_in("school_dsl"), signed_in("school_dsl", SAFARI_IPHONE)
    mine = row_of(client)
    assert client.post(reverse("web:sign-out")).status_code == 302
    assert not SignedInSession.objects.filter(pk=mine.pk).exists()
    assert list(SignedInSession.objects.values_list("device", flat=True)) == ["Safari on iOS"]
    assert is_signed_in(other)


def test_last_seen_is_written_at_most_once_a_minute(people):
    """Requests within a minute of the last write do not write the row; the first request a
    minute later writes last_seen_at once."""
    client = signed_in("school_dsl")
    first = row_of(client).last_seen_at
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/account/").status_code == 200
    writes = [q["sql"] for q in queries.captured_queries
              if "accounts_signedinsession" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert writes == []
    assert row_of(client).last_seen_at == first
    session = client.session  # as if the last write had been 61 seconds ago
    session[services.SESSION_ROW_SEEN] = int(time.time()) - 61
    session.save()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/account/").status_code == 200
    writes = [q["sql"] for q in queries.captured_queries
              if "accounts_signedinsession" in q["sql"] and q["sql"].startswith("UPDATE")]
    assert len(writes) == 1
    assert row_of(client).last_seen_at > first


def test_the_stored_key_is_a_digest_of_the_session_key(people):
    """The row holds the SHA-256 of the session key, never the key; when the key changes (a
    password change keeps this session under a new key) the digest follows, so the session can
    still be ended."""
    client = signed_in("school_dsl")
    key = client.cookies["sessionid"].value
    row = row_of(client)
    assert key not in [str(v) for v in SignedInSession.objects.filter(pk=row.pk).values()[0]
                       .values()]
    assert row.session_key == hashlib.sha256(key.encode()).hexdigest()
    response = client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": "another-long-password-2",
        "new_password2": "another-long-password-2"})
    assert response.status_code == 302
    new_key = client.cookies["sessionid"].value
    assert new_key != key
    row.refresh_from_db()
    assert row.session_key == hashlib.sha256(new_key.encode()).hexdigest()


def test_password_change_ends_the_other_sessions_and_the_page_shows_it(people):
    """After a password change Django keeps this session and refuses the others (the session
    hash); the page no longer lists them, and their rows are deleted."""
    client = signed_in("school_dsl")
    elsewhere = signed_in("school_dsl", SAFARI_IPHONE)
    client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": "another-long-password-2",
        "new_password2": "another-long-password-2"})
    page = client.get(SESSIONS)
    assert [r["row"].device for r in page.context["rows"]] == ["Firefox on Windows"]
    assert SignedInSession.objects.filter(user=people["school_dsl"]).count() == 1
    assert not is_signed_in(elsewhere)


def test_a_session_emptied_by_django_loses_its_row_at_its_next_request(people):
    """The other browser's next request after a password change (Django empties its session)
    deletes its row, without anyone opening the page."""
    client = signed_in("school_dsl")
    elsewhere = signed_in("school_dsl", SAFARI_IPHONE)
    gone = row_of(elsewhere).pk
    client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": "another-long-password-2",
        "new_password2": "another-long-password-2"})
    assert not is_signed_in(elsewhere)
    assert not SignedInSession.objects.filter(pk=gone).exists()


def test_idle_sessions_are_not_listed(people):
    """A session idle for over 30 minutes is signed out by its next request; until then the
    page already leaves it out (and deletes its row)."""
    client = signed_in("school_dsl")
    idle = signed_in("school_dsl", SAFARI_IPHONE)
    session = idle.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    assert [r["row"].device for r in client.get(SESSIONS).context["rows"]] == [
        "Firefox on Windows"]
    assert SignedInSession.objects.count() == 1


def test_second_factor_changes_the_key_and_the_session_can_still_be_ended(people, settings):
    """With two-factor sign-in the key changes after the code; the row follows it, so ending
    that session from another device still signs it out at once."""
    settings.APTRACK = {**settings.APTRACK, "REQUIRE_MFA": True}
    dsl = people["school_dsl"]
    device = services.totp_device_start(actor=dsl)
    services.totp_device_confirm(actor=dsl, device=device, token=code_now(device))
    clients = []
    for offset, agent in ((1, FIREFOX_WINDOWS), (2, SAFARI_IPHONE)):
        client = signed_in("school_dsl", agent)
        before = client.cookies["sessionid"].value
        device.refresh_from_db()
        assert client.post(reverse("accounts:two-factor"),
                           {"token": code_now(device, offset)}).status_code == 302
        assert client.cookies["sessionid"].value != before
        clients.append(client)
    office, phone = clients
    assert office.post(SESSIONS, {"session": row_of(phone).pk}).status_code == 302
    assert not Session.objects.filter(session_key=phone.cookies["sessionid"].value).exists()
    assert phone.get("/").status_code == 302
    assert "_auth_user_id" not in phone.session


def test_rows_of_sessions_abandoned_long_ago_are_purged_at_the_next_sign_in(people):
    """A browser closed without signing out leaves a row nobody comes back to: the next
    sign-in (anyone's) deletes rows not seen for longer than the idle limit and a margin, or
    signed in longer ago than 12 hours; rows of live sessions stay."""
    from datetime import timedelta

    from django.utils import timezone

    abandoned, stale, live = (row_of(signed_in("school_dsl", agent)) for agent in (
        FIREFOX_WINDOWS, SAFARI_IPHONE, CHROME_ANDROID))
    now = timezone.now()
    SignedInSession.objects.filter(pk=abandoned.pk).update(
        last_seen_at=now - timedelta(minutes=36))
    SignedInSession.objects.filter(pk=stale.pk).update(signed_in_at=now - timedelta(hours=13))
    SignedInSession.objects.filter(pk=live.pk).update(last_seen_at=now - timedelta(minutes=30))
    signed_in("la_officer")
    assert set(SignedInSession.objects.filter(user=people["school_dsl"]).values_list(
        "pk", flat=True)) == {live.pk}


def test_deactivation_removes_the_rows(people):
    """Deactivating an account deletes its rows at once; its sessions end at their next
    request as before (signed_out=deactivated)."""
    client = signed_in("school_staff")
    services.user_deactivate(actor=people["school_dsl"], user=people["school_staff"])
    assert not SignedInSession.objects.filter(user=people["school_staff"]).exists()
    response = client.get("/")
    assert "signed_out=deactivated" in response["Location"]


def test_a_session_whose_row_has_gone_is_signed_out(people):
    """A session whose row was deleted (deactivated, then reactivated before its next request)
    is signed out at its next check of the row rather than staying signed in unlisted."""
    client = signed_in("school_staff")
    services.user_deactivate(actor=people["school_dsl"], user=people["school_staff"])
    services.user_reactivate(actor=people["school_dsl"], user=people["school_staff"])
    session = client.session
    session[services.SESSION_ROW_SEEN] = int(time.time()) - 61
    session.save()
    assert not is_signed_in(client)
    assert AuditEvent.objects.filter(action="session.ended_elsewhere",
                                     user=people["school_staff"]).count() == 1


def test_a_session_signed_in_before_the_list_existed_is_listed(people):
    """A session with no row (signed in before this release) gets one at its next request."""
    client = signed_in("school_dsl")
    SignedInSession.objects.all().delete()
    session = client.session
    for key in (services.SESSION_ROW, services.SESSION_ROW_KEY, services.SESSION_ROW_SEEN):
        del session[key]
    session.save()
    assert is_signed_in(client)
    assert [r["current"] for r in client.get(SESSIONS).context["rows"]] == [True]


def test_signing_in_as_someone_else_in_the_same_browser(people):
    """Django empties the session of the first user and gives it a new key: the second user's
    row holds that key's digest, and the first user's page no longer lists the browser."""
    shared = signed_in("school_dsl")
    desk = signed_in("school_dsl", SAFARI_IPHONE)
    assert shared.post(reverse("web:sign-in"), {"username": "la_officer",
                                                "password": PASSWORD}).status_code == 302
    row = row_of(shared)
    assert row.user == people["la_officer"]
    assert row.session_key == hashlib.sha256(
        shared.cookies["sessionid"].value.encode()).hexdigest()
    assert [r["row"].device for r in desk.get(SESSIONS).context["rows"]] == ["Safari on iOS"]
    assert SignedInSession.objects.filter(user=people["school_dsl"]).count() == 1


def test_the_address_is_kept_only_to_its_network(people):
    """IPv4 to its /24, IPv6 to its /48, an IPv4 address written as IPv6 as IPv4; the page
    shows the network, and the full address is stored nowhere in the row."""
    client = signed_in("school_dsl", address="203.0.113.57")
    row = row_of(client)
    assert row.ip_network == "203.0.113.0/24"
    assert "203.0.113.57" not in str(SignedInSession.objects.filter(pk=row.pk).values()[0])
    assert "Network 203.0.113.0/24" in client.get(SESSIONS).content.decode()
    assert row_of(signed_in("school_dsl", address="2001:db8:abcd:12:1::7")).ip_network == \
        "2001:db8:abcd::/48"
    assert services.ip_network("::ffff:198.51.100.23") == "198.51.100.0/24"
    assert services.ip_network("not an address") == ""


@pytest.mark.parametrize(("agent", "described"), [
    (FIREFOX_WINDOWS, "Firefox on Windows"),
    (SAFARI_IPHONE, "Safari on iOS"),
    (CHROME_ANDROID, "Chrome on Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
     "Firefox on Linux"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36", "Chrome on ChromeOS"),
    ("curl/8.5.0", "Unknown device"), ("", "Unknown device"),
])
def test_the_device_is_described_in_plain_words(agent, described):
    """Browser and operating system from the User-Agent; the User-Agent itself is not kept."""
    assert services.describe_device(agent) == described


def test_the_account_page_links_to_the_sessions_page(people):
    client = signed_in("school_dsl")
    assert f'href="{SESSIONS}"' in client.get(reverse("accounts:account")).content.decode()
