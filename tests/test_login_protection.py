"""Sign-in lockout after repeated failures, idle sessions, and signing out."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .conftest import World
from .helpers import PASSWORD


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
    client.force_login(world.practitioner)
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
    client.force_login(world.practitioner)
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
    client.force_login(world.practitioner)
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


def test_the_admin_sign_in_survives_an_over_long_username(client: Client, world: World) -> None:
    response = client.post(
        reverse("admin:login"), {"username": "a" * 1000, "password": "x"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 200
    assert all(len(a.username or "") <= 255 for a in AccessAttempt.objects.all())
