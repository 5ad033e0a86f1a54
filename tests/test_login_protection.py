"""Sign-in lockout after repeated failures, idle sessions, and signing out."""

import datetime
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import client_address

from .conftest import World
from .helpers import PASSWORD, axes_collides_once, sign_in, signs_in


def _attempt(client: Client, email: str, password: str, address: str = "10.0.0.1") -> int:
    response = client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )
    return response.status_code


def test_ten_failures_lock_out_that_email_from_that_address(client: Client, world: World) -> None:
    emails = ["practitioner@example.org", "Practitioner@Example.org"]  # one person, any case
    for attempt in range(9):
        assert _attempt(client, emails[attempt % 2], "wrong") == 200
    assert _attempt(client, "PRACTITIONER@example.org", "wrong") == 429  # the tenth
    response = client.post(
        reverse("login"),
        {"username": "practitioner@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.text
    assert "paused for 15 minutes" in response.text
    assert "reset it by e-mail" in response.text
    assert not response.wsgi_request.user.is_authenticated


def test_nine_failures_do_not_lock_and_success_resets_the_count(
    client: Client, world: World
) -> None:
    for _ in range(9):
        _attempt(client, "practitioner@example.org", "wrong")
    assert _attempt(client, "practitioner@example.org", PASSWORD) == 302
    client.logout()
    for _ in range(9):
        _attempt(client, "practitioner@example.org", "wrong")
    assert _attempt(client, "practitioner@example.org", PASSWORD) == 302


def test_the_lockout_is_for_one_email_and_one_address(client: Client, world: World) -> None:
    for _ in range(10):
        _attempt(client, "practitioner@example.org", "wrong")
    assert _attempt(client, "lead@example.org", PASSWORD) == 302  # another person, same address
    client.logout()
    assert _attempt(client, "practitioner@example.org", PASSWORD, "10.0.0.2") == 302


def test_the_lockout_ends_after_fifteen_minutes(client: Client, world: World) -> None:
    for _ in range(10):
        _attempt(client, "practitioner@example.org", "wrong")
    assert _attempt(client, "practitioner@example.org", PASSWORD) == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert _attempt(client, "practitioner@example.org", PASSWORD) == 302


def test_sessions_end_after_the_idle_time(client: Client, world: World) -> None:
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    sign_in(client, world.practitioner)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert client.get(reverse("assessments:home")).status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + datetime.timedelta(minutes=55)  # activity pushes it on

    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(reverse("assessments:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_pushes_the_expiry_on_at_most_every_few_seconds(
    client: Client, world: World
) -> None:
    sign_in(client, world.practitioner)
    key = client.session.session_key
    client.get(reverse("assessments:home"))
    first = Session.objects.get(session_key=key).expire_date
    client.get(reverse("assessments:home"))
    assert Session.objects.get(session_key=key).expire_date == first  # no write this time

    session = client.session
    session["_session_refreshed_at"] = int(timezone.now().timestamp()) - 6
    session.save()
    saved = Session.objects.get(session_key=key).expire_date
    client.get(reverse("assessments:home"))
    assert Session.objects.get(session_key=key).expire_date > saved


@pytest.mark.parametrize("since_last_push", [6, 30, 59])
def test_the_idle_limit_counts_from_the_last_request_to_within_seconds(
    client: Client, world: World, since_last_push: int
) -> None:
    """A request some seconds after the expiry was last pushed on still counts in full: the
    session ends the idle time after the last request, not after the last push, give or take
    the few seconds between pushes, and never later."""
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sign_in(client, world.practitioner)
    key = client.session.session_key
    pushed_at = timezone.now() - datetime.timedelta(seconds=since_last_push)
    session = client.session
    session["_session_refreshed_at"] = int(pushed_at.timestamp())
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=pushed_at + idle)

    before = timezone.now()
    assert client.get(reverse("assessments:home")).status_code == 200
    after = timezone.now()
    expires = Session.objects.get(session_key=key).expire_date
    assert expires >= before + idle - datetime.timedelta(seconds=5)  # not early
    assert expires <= after + idle + datetime.timedelta(seconds=1)  # not late


def test_trying_during_the_lockout_does_not_extend_it(client: Client, world: World) -> None:
    for _ in range(10):
        _attempt(client, "practitioner@example.org", "wrong")
    started = AccessAttempt.objects.get().attempt_time
    # Fourteen minutes in, the attacker is still trying, with wrong and right passwords.
    AccessAttempt.objects.update(attempt_time=started - datetime.timedelta(minutes=14))
    assert _attempt(client, "practitioner@example.org", "wrong") == 429
    assert _attempt(client, "practitioner@example.org", PASSWORD) == 429
    # Two minutes later the fifteen minutes from the lockout are over, whatever happened since.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=2))
    assert _attempt(client, "practitioner@example.org", PASSWORD) == 302


def test_an_over_long_email_gets_a_form_error_not_a_server_error(
    client: Client, world: World
) -> None:
    long_email = "a" * 300 + "@example.org"
    response = client.post(reverse("login"), {"username": long_email, "password": "x"})
    assert response.status_code == 200
    assert "Enter an email address of 254 characters or fewer" in response.text
    assert not AccessAttempt.objects.exists()  # nothing tried, nothing recorded


PROXY = "10.0.0.1"  # the TLS proxy in front of gunicorn: every request comes from it


def _through_proxy(client: Client, email: str, password: str, forwarded: str) -> int:
    response = client.post(
        reverse("login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return response.status_code


def test_behind_a_proxy_failures_from_many_addresses_do_not_lock_out_the_owner(
    client: Client, world: World, settings: Any
) -> None:
    settings.PROXY_COUNT = 1
    for number in range(10):
        assert _through_proxy(client, "practitioner@example.org", "wrong", f"198.51.100.{number}")
    assert _through_proxy(client, "practitioner@example.org", PASSWORD, "203.0.113.50") == 302
    recorded = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert recorded == {f"198.51.100.{number}" for number in range(10)}


def test_behind_a_proxy_failures_from_one_address_lock_that_address_out(
    client: Client, world: World, settings: Any
) -> None:
    settings.PROXY_COUNT = 1
    for number in range(10):
        # The client makes up an extra hop each time; the proxy appends the address it saw.
        spoofed = f"192.0.2.{number}, 198.51.100.7"
        _through_proxy(client, "practitioner@example.org", "wrong", spoofed)
    assert _through_proxy(client, "practitioner@example.org", PASSWORD, "198.51.100.7") == 429
    assert _through_proxy(client, "practitioner@example.org", PASSWORD, "203.0.113.50") == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),  # no proxy configured: the header is anyone's
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),  # a made-up hop is never chosen
        (2, "192.0.2.1, 198.51.100.7, 10.0.0.5", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.1"),  # fewer entries than proxies: did not come through
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_exactly_as_far_as_the_proxies_go(
    rf: RequestFactory, settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_session_ends_ten_hours_after_sign_in_however_active(
    client: Client, world: World
) -> None:
    assert settings.SESSION_MAX_SECONDS == 10 * 60 * 60
    assert signs_in(client, "practitioner@example.org")
    assert client.get(reverse("assessments:home")).status_code == 200
    session = client.session
    session["_session_started_at"] = int(timezone.now().timestamp()) - 10 * 60 * 60 + 60
    session.save()
    assert client.get(reverse("assessments:home")).status_code == 200  # nine hours 59: still in

    session = client.session
    session["_session_started_at"] = int(timezone.now().timestamp()) - 10 * 60 * 60
    session.save()
    response = client.get(reverse("assessments:home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "signed out because you had been signed in for 10 hours" in response.text
    assert not response.wsgi_request.user.is_authenticated
    assert client.get(reverse("assessments:home")).status_code == 302  # and stays signed out


def test_signing_in_again_starts_a_new_ten_hours(client: Client, world: World) -> None:
    assert signs_in(client, "practitioner@example.org")
    client.get(reverse("assessments:home"))
    session = client.session
    session["_session_started_at"] = int(timezone.now().timestamp()) - 10 * 60 * 60
    session.save()
    client.get(reverse("assessments:home"))
    assert signs_in(client, "practitioner@example.org")
    assert client.get(reverse("assessments:home")).status_code == 200


def test_a_wrong_password_is_counted_when_a_right_one_clears_the_count_at_that_moment(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # django-axes finds no count, then its insert collides with a row that another sign-in
    # made and cleared. The page answers as for any wrong password, and the failure counts.
    collisions = axes_collides_once(monkeypatch)
    response = client.post(
        reverse("login"), {"username": world.practitioner.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "Enter the e-mail address and password of your account" in response.text
    assert collisions == [1]
    assert AccessAttempt.objects.get(username=world.practitioner.email).failures_since_start == 1
